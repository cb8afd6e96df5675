use chrono::Duration;
use vahti_domain::ids::TenantId;
use vahti_store::outbox::{self, NewOutboxMessage, OutboxKind};
use vahti_store::webhooks::{
    self, ALL_EVENTS, EndpointChange, NewEndpoint, WebhookAttempt, WebhookEndpoint,
};
use vahti_store::{Store, StoreError};

use crate::support::{now, open, tenant};

fn endpoint(store: &Store, tenant_id: TenantId, event_types: &[&str]) -> WebhookEndpoint {
    let new = NewEndpoint {
        url: "https://erp.example/hooks".to_owned(),
        description: "ERP".to_owned(),
        event_types: event_types.iter().map(|kind| (*kind).to_owned()).collect(),
    };
    store
        .transaction(|tx| webhooks::create(tx, tenant_id, &new, "whsec_first0123456789", now()))
        .map(|(endpoint, _)| endpoint)
        .unwrap()
}

vahti_testkit::test_both_backends! {
    fn endpoint_create_update_delete(db) {
        let store = open(db);
        let tenant_id = tenant(&store, "Acme");
        let created = endpoint(&store, tenant_id, &["invoice_paid"]);
        assert!(created.enabled);
        assert_eq!(created.event_types, vec!["invoice_paid".to_owned()]);

        let change = EndpointChange {
            url: Some("https://erp.example/v2".to_owned()),
            enabled: Some(false),
            ..EndpointChange::default()
        };
        let updated = store
            .transaction(|tx| webhooks::update(tx, tenant_id, created.id, &change, now()))
            .unwrap();
        assert_eq!(updated.url, "https://erp.example/v2");
        assert_eq!(updated.description, "ERP");
        assert!(!updated.enabled);

        store.transaction(|tx| webhooks::delete(tx, tenant_id, created.id, now())).unwrap();
        let missing = store.read(|tx| webhooks::get(tx, tenant_id, created.id)).unwrap_err();
        assert!(matches!(missing, StoreError::NotFound { .. }), "{missing}");
        let listed = store.read(|tx| webhooks::list(tx, tenant_id, None, 10)).unwrap();
        assert!(listed.is_empty());
    }

    fn endpoint_of_other_tenant_missing(db) {
        let store = open(db);
        let owner = tenant(&store, "Acme");
        let other = tenant(&store, "Other");
        let created = endpoint(&store, owner, &[ALL_EVENTS]);
        let error = store.read(|tx| webhooks::get(tx, other, created.id)).unwrap_err();
        assert!(matches!(error, StoreError::NotFound { .. }), "{error}");
    }

    fn subscribed_filters_type_and_state(db) {
        let store = open(db);
        let tenant_id = tenant(&store, "Acme");
        let every = endpoint(&store, tenant_id, &[ALL_EVENTS]);
        let paid = endpoint(&store, tenant_id, &["invoice_paid"]);
        let disabled = endpoint(&store, tenant_id, &["invoice_paid"]);
        store
            .transaction(|tx| webhooks::disable(tx, disabled.id, "too many failures", now()))
            .unwrap();

        let for_paid = store.read(|tx| webhooks::subscribed(tx, tenant_id, "invoice_paid")).unwrap();
        let ids: Vec<_> = for_paid.iter().map(|endpoint| endpoint.id).collect();
        assert_eq!(ids, vec![every.id, paid.id]);

        let for_sent = store.read(|tx| webhooks::subscribed(tx, tenant_id, "step_sent")).unwrap();
        let ids: Vec<_> = for_sent.iter().map(|endpoint| endpoint.id).collect();
        assert_eq!(ids, vec![every.id]);
    }

    fn subscribed_sees_changes_made_in_the_same_transaction(db) {
        let store = open(db);
        let tenant_id = tenant(&store, "Acme");
        let other = tenant(&store, "Other");
        let first = endpoint(&store, tenant_id, &[ALL_EVENTS]);
        let new = NewEndpoint {
            url: "https://erp.example/second".to_owned(),
            description: "second".to_owned(),
            event_types: vec![ALL_EVENTS.to_owned()],
        };
        let seen = store
            .transaction(|tx| {
                let before = webhooks::subscribed(tx, tenant_id, "invoice_paid")?;
                assert_eq!(before.len(), 1);
                assert!(webhooks::subscribed(tx, other, "invoice_paid")?.is_empty());
                let (second, _) = webhooks::create(tx, tenant_id, &new, "whsec_second0123456789", now())?;
                let after_create = webhooks::subscribed(tx, tenant_id, "invoice_paid")?;
                webhooks::disable(tx, first.id, "too many failures", now())?;
                let after_disable = webhooks::subscribed(tx, tenant_id, "invoice_paid")?;
                Ok::<_, StoreError>((second.id, after_create, after_disable))
            })
            .unwrap();
        let (second, after_create, after_disable) = seen;
        let ids: Vec<_> = after_create.iter().map(|endpoint| endpoint.id).collect();
        assert_eq!(ids, vec![first.id, second]);
        let ids: Vec<_> = after_disable.iter().map(|endpoint| endpoint.id).collect();
        assert_eq!(ids, vec![second]);
    }

    fn rotation_keeps_two_secrets(db) {
        let store = open(db);
        let tenant_id = tenant(&store, "Acme");
        let created = endpoint(&store, tenant_id, &[ALL_EVENTS]);
        let grace = Duration::hours(24);

        let second = store
            .transaction(|tx| webhooks::rotate_secret(tx, tenant_id, created.id, "whsec_second0123456789", grace, now()))
            .unwrap();
        assert_eq!(second.prefix, "whsec_seco");
        let active = store.read(|tx| webhooks::active_secrets(tx, created.id, now())).unwrap();
        let values: Vec<&str> = active.iter().map(|secret| secret.secret.as_str()).collect();
        assert_eq!(values, vec!["whsec_second0123456789", "whsec_first0123456789"]);

        let after_grace = now() + Duration::hours(25);
        let active = store.read(|tx| webhooks::active_secrets(tx, created.id, after_grace)).unwrap();
        assert_eq!(active.len(), 1);
        assert_eq!(active[0].secret, "whsec_second0123456789");

        let later = now() + Duration::hours(1);
        store
            .transaction(|tx| webhooks::rotate_secret(tx, tenant_id, created.id, "whsec_third0123456789", grace, later))
            .unwrap();
        let active = store.read(|tx| webhooks::active_secrets(tx, created.id, later)).unwrap();
        let values: Vec<&str> = active.iter().map(|secret| secret.secret.as_str()).collect();
        assert_eq!(values, vec!["whsec_third0123456789", "whsec_second0123456789"]);
    }

    fn failures_count_until_success(db) {
        let store = open(db);
        let tenant_id = tenant(&store, "Acme");
        let created = endpoint(&store, tenant_id, &[ALL_EVENTS]);
        for expected in 1..=3 {
            let counted = store
                .transaction(|tx| webhooks::record_failure(tx, created.id, now()))
                .unwrap();
            assert_eq!(counted.consecutive_failures, expected);
        }
        store.transaction(|tx| webhooks::record_success(tx, created.id, now())).unwrap();
        let reset = store.read(|tx| webhooks::get(tx, tenant_id, created.id)).unwrap();
        assert_eq!(reset.consecutive_failures, 0);
        assert_eq!(reset.last_success_at, Some(now()));

        let first = store.transaction(|tx| webhooks::disable(tx, created.id, "failing", now())).unwrap();
        let second = store.transaction(|tx| webhooks::disable(tx, created.id, "failing", now())).unwrap();
        assert!(first);
        assert!(!second);

        let change = EndpointChange { enabled: Some(true), ..EndpointChange::default() };
        let enabled = store
            .transaction(|tx| webhooks::update(tx, tenant_id, created.id, &change, now()))
            .unwrap();
        assert!(enabled.enabled);
        assert_eq!(enabled.disabled_reason, None);
    }

    fn deliveries_list_with_attempts(db) {
        let store = open(db);
        let tenant_id = tenant(&store, "Acme");
        let created = endpoint(&store, tenant_id, &[ALL_EVENTS]);
        let rows = store
            .transaction(|tx| {
                let mut rows = Vec::new();
                for seq in 1..=3 {
                    let row = outbox::enqueue(
                        tx,
                        tenant_id,
                        &NewOutboxMessage {
                            kind: OutboxKind::Webhook,
                            account_id: None,
                            message_id: format!("webhook:{}:{seq}", created.id),
                            payload: serde_json::json!({"body": "{}"}),
                            not_before: now(),
                        },
                        now(),
                    )?;
                    webhooks::record_delivery(tx, tenant_id, created.id, row.id, seq, "invoice_paid", now())?;
                    rows.push(row.id);
                }
                webhooks::record_attempt(
                    tx,
                    tenant_id,
                    &WebhookAttempt {
                        outbox_id: rows[0],
                        endpoint_id: created.id,
                        attempted_at: now(),
                        status_code: Some(503),
                        error: Some("status 503".to_owned()),
                        duration_ms: 40,
                    },
                )?;
                Ok::<_, StoreError>(rows)
            })
            .unwrap();

        let page = store.read(|tx| webhooks::deliveries(tx, created.id, None, 2)).unwrap();
        let ids: Vec<_> = page.iter().map(|(delivery, _)| delivery.outbox_id).collect();
        assert_eq!(ids, vec![rows[2], rows[1]]);
        let rest = store.read(|tx| webhooks::deliveries(tx, created.id, Some(rows[1]), 2)).unwrap();
        assert_eq!(rest.len(), 1);
        assert_eq!(rest[0].0.event_seq, 1);
        assert_eq!(rest[0].1.kind, OutboxKind::Webhook);

        let attempts = store.read(|tx| webhooks::attempts_for(tx, &rows)).unwrap();
        assert_eq!(attempts.len(), 1);
        assert_eq!(attempts[0].status_code, Some(503));
        let queued = store.read(|tx| webhooks::count_queued(tx, created.id)).unwrap();
        assert_eq!(queued, 3);
    }
}

#[test]
fn secret_debug_shows_prefix_only() {
    let secret = webhooks::WebhookSecret {
        id: vahti_store::ids::WebhookSecretId(1),
        endpoint_id: vahti_store::ids::WebhookEndpointId(2),
        secret: "whsec_visible0123456789".to_owned(),
        prefix: "whsec_visi".to_owned(),
        created_at: now(),
        expires_at: None,
    };
    let text = format!("{secret:?}");
    assert!(!text.contains("whsec_visible0"), "{text}");
    assert!(text.contains("whsec_visi"), "{text}");
}

#[test]
fn generated_secrets_differ() {
    let first = webhooks::generate_secret();
    let second = webhooks::generate_secret();
    assert!(first.starts_with("whsec_"), "{first}");
    assert_eq!(first.len(), 38);
    assert_ne!(first, second);
}
