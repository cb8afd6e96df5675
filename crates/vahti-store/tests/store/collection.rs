use chrono::Duration;
use vahti_store::StoreError;
use vahti_store::cases::{self, CaseChange, CaseInvoice, CaseState, NewCaseUpdate};
use vahti_store::outbox::{self, NewOutboxMessage, OutboxKind};
use vahti_store::partners::{self, PartnerKind, PartnerSettings};

use crate::support::{account, eur, invoice, now, open, tenant};

fn file_partner(name: &str) -> PartnerSettings {
    PartnerSettings {
        kind: PartnerKind::File,
        name: name.to_owned(),
        email: Some("asiakas@perinta.example".to_owned()),
        phone: None,
        website: None,
        url: None,
        secret: None,
    }
}

vahti_testkit::test_both_backends! {
    fn partner_put_replaces(db) {
        let store = open(db);
        let tenant_id = tenant(&store, "Acme");
        assert!(store.read(|tx| partners::get(tx, tenant_id)).unwrap().is_none());

        let first = store
            .transaction(|tx| partners::put(tx, tenant_id, &file_partner("Perintä Oy"), now()))
            .unwrap();
        let http = PartnerSettings {
            kind: PartnerKind::Http,
            url: Some("https://perinta.example/cases".to_owned()),
            secret: Some("agency-secret-0123456789abc".to_owned()),
            ..file_partner("Perintä Oy")
        };
        let later = now() + Duration::hours(1);
        let second = store.transaction(|tx| partners::put(tx, tenant_id, &http, later)).unwrap();
        assert_eq!(second.id, first.id);
        assert_eq!(second.settings.kind, PartnerKind::Http);
        assert_eq!(second.created_at, now());
        assert_eq!(second.updated_at, later);

        assert!(store.transaction(|tx| partners::delete(tx, tenant_id)).unwrap());
        assert!(store.read(|tx| partners::get(tx, tenant_id)).unwrap().is_none());
    }

    fn http_partner_needs_url(db) {
        let store = open(db);
        let tenant_id = tenant(&store, "Acme");
        let without_url = PartnerSettings {
            kind: PartnerKind::Http,
            secret: Some("agency-secret-0123456789abc".to_owned()),
            ..file_partner("Perintä Oy")
        };
        let error = store
            .transaction(|tx| partners::put(tx, tenant_id, &without_url, now()))
            .unwrap_err();
        assert!(matches!(error, StoreError::ConstraintViolated { .. }), "{error}");
    }

    fn case_states_and_history(db) {
        let store = open(db);
        let tenant_id = tenant(&store, "Acme");
        let other = tenant(&store, "Other");
        let account_id = account(&store, tenant_id, "A-1");
        let invoice_id = invoice(&store, tenant_id, account_id, "I-1");
        let case = store
            .transaction(|tx| {
                cases::create(
                    tx,
                    tenant_id,
                    account_id,
                    "Perintä Oy",
                    &serde_json::json!({"case_id": 1}),
                    &[CaseInvoice { invoice_id, amount: eur("105.00") }],
                    now(),
                )
            })
            .unwrap();

        for state in [CaseState::Acknowledged, CaseState::PaidToAgency, CaseState::Recalled] {
            let changed = store.transaction(|tx| cases::set_state(tx, case.id, state, now())).unwrap();
            assert_eq!(changed.state, state);
        }
        store
            .transaction(|tx| {
                cases::add_update(
                    tx,
                    tenant_id,
                    case.id,
                    &NewCaseUpdate {
                        change: CaseChange::PaymentForwarded,
                        state: CaseState::Acknowledged,
                        note: None,
                        amount: Some(eur("40.00")),
                        reference: Some("payment:7".to_owned()),
                        token_id: None,
                    },
                    now(),
                )
            })
            .unwrap();
        let history = store.read(|tx| cases::updates(tx, case.id)).unwrap();
        assert_eq!(history.len(), 1);
        assert_eq!(history[0].change, CaseChange::PaymentForwarded);
        assert_eq!(history[0].amount, Some(eur("40.00")));

        let recalled = store
            .read(|tx| cases::list(tx, tenant_id, Some(CaseState::Recalled), None, None, 10))
            .unwrap();
        assert_eq!(recalled, vec![case.id]);
        let open_cases = store
            .read(|tx| cases::list(tx, tenant_id, Some(CaseState::HandedOver), None, None, 10))
            .unwrap();
        assert!(open_cases.is_empty());

        let foreign = store.read(|tx| cases::get_for_tenant(tx, other, case.id)).unwrap_err();
        assert!(matches!(foreign, StoreError::NotFound { .. }), "{foreign}");
    }

    fn outbox_takes_collection_kind(db) {
        let store = open(db);
        let tenant_id = tenant(&store, "Acme");
        let row = store
            .transaction(|tx| {
                outbox::enqueue(
                    tx,
                    tenant_id,
                    &NewOutboxMessage {
                        kind: OutboxKind::Collection,
                        account_id: None,
                        message_id: "collection:1:handover".to_owned(),
                        payload: serde_json::json!({"case_id": 1}),
                        not_before: now(),
                    },
                    now(),
                )
            })
            .unwrap();
        assert_eq!(row.kind, OutboxKind::Collection);
    }
}

#[test]
fn open_states_forward_payments() {
    let open_states: Vec<CaseState> = CaseState::ALL
        .iter()
        .copied()
        .filter(|state| state.is_open())
        .collect();
    assert_eq!(
        open_states,
        vec![
            CaseState::Preparing,
            CaseState::HandedOver,
            CaseState::Acknowledged,
            CaseState::PaidToAgency
        ]
    );
}
