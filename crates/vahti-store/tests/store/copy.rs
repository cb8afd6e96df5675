use chrono::Duration;
use vahti_domain::ids::TenantId;
use vahti_store::cases::{self, CaseChange, CaseInvoice, CaseState, NewCaseUpdate};
use vahti_store::claims::{self, FeeKind, NewFeeClaim, NewInterestClaim};
use vahti_store::copy::{compare, copy_sqlite_to_postgres};
use vahti_store::events::{self, NewEvent};
use vahti_store::holds::{self, NewInstalment};
use vahti_store::imports::{self, NewImport};
use vahti_store::invoices::{self, InvoiceKind};
use vahti_store::outbox::{self, NewOutboxMessage, OutboxKind};
use vahti_store::partners::{self, PartnerKind, PartnerSettings};
use vahti_store::payments::{self, Component, NewAllocation, NewPayment, PaymentSource};
use vahti_store::pending::{self, NewPendingAction, PendingKind};
use vahti_store::self_service::{self, NewSelfServiceRequest, RequestKind, RequestState};
use vahti_store::steps::{self, NewStep, StepState};
use vahti_store::webhooks::{self, NewEndpoint, WebhookAttempt};
use vahti_store::{Store, StoreError, idempotency, tokens};
use vahti_testkit::TestDatabase;

use crate::support::{account, date, eur, invoice_upsert, now, open, policy_version, tenant};

/// Writes at least one row into every table.
fn fill_every_table(store: &Store, tenant_id: TenantId) {
    let version = policy_version(store, tenant_id);
    let account_id = account(store, tenant_id, "C-1");
    store
        .transaction(|tx| {
            tokens::create(tx, tenant_id, "erp", now())?;

            let mut credit = invoice_upsert(account_id, "CN-1");
            credit.kind = InvoiceKind::CreditNote;
            credit.due_date = None;
            credit.corrects_external_id = Some("I-1".to_owned());
            let ids = invoices::upsert_batch(
                tx,
                tenant_id,
                &[credit, invoice_upsert(account_id, "I-1")],
                now(),
            )?;
            let invoice_id = ids[1];

            let import = imports::record(
                tx,
                tenant_id,
                &NewImport {
                    kind: "camt054".to_owned(),
                    file_sha256: "cd".repeat(32),
                    file_name: "statement.xml".to_owned(),
                    summary: serde_json::json!({"payments": 1}),
                },
                now(),
            )?;
            let payment = payments::insert(
                tx,
                tenant_id,
                &NewPayment {
                    account_id: Some(account_id),
                    invoice_id: Some(invoice_id),
                    amount: eur("-9000000000000.00"),
                    paid_on: date(2025, 2, 20),
                    booked_on: None,
                    reference: Some("1232".to_owned()),
                    bank_archive_id: Some("A-1".to_owned()),
                    source: PaymentSource::Camt,
                    import_id: Some(import.id),
                    payer_name: Some("MEIKALAINEN MATTI".to_owned()),
                },
                now(),
            )?;
            payments::allocate(
                tx,
                tenant_id,
                &[NewAllocation {
                    payment_id: Some(payment.id),
                    credit_note_id: Some(ids[0]),
                    invoice_id,
                    component: Component::Principal,
                    amount: eur("10.00"),
                    allocated_on: date(2025, 2, 20),
                }],
                now(),
            )?;

            let message = outbox::enqueue(
                tx,
                tenant_id,
                &NewOutboxMessage {
                    kind: OutboxKind::Email,
                    account_id: Some(account_id),
                    message_id: "reminder-1/I-1".to_owned(),
                    payload: serde_json::json!({"subject": "Muistutus"}),
                    not_before: now(),
                },
                now(),
            )?;
            let step = steps::record(
                tx,
                tenant_id,
                &NewStep {
                    account_id,
                    invoice_id,
                    policy_version_id: version,
                    step_index: 0,
                    step_key: "reminder-1".to_owned(),
                    step_kind: "reminder".to_owned(),
                    due_at: now(),
                    executed_at: Some(now() + Duration::microseconds(123_456)),
                    state: StepState::Queued,
                    detail: Some("ääkköset ja \"lainaus\"".to_owned()),
                    balance: eur("100.00"),
                    outbox_id: Some(message.id),
                },
                now(),
            )?;
            claims::charge_fee(
                tx,
                tenant_id,
                &NewFeeClaim {
                    invoice_id,
                    step_id: Some(step.id),
                    kind: FeeKind::ReminderFee,
                    amount: eur("5.00"),
                    charged_on: date(2025, 3, 1),
                },
                now(),
            )?;
            claims::claim_interest(
                tx,
                tenant_id,
                &NewInterestClaim {
                    invoice_id,
                    claimed_from: date(2025, 2, 15),
                    contractual_rate: None,
                },
                now(),
            )?;
            pending::create(
                tx,
                tenant_id,
                &NewPendingAction {
                    account_id,
                    kind: PendingKind::Task,
                    action: serde_json::json!({"call": true}),
                },
                now(),
            )?;
            holds::open_dispute(
                tx,
                tenant_id,
                account_id,
                Some(invoice_id),
                "wrong amount",
                now(),
            )?;
            holds::pause(
                tx,
                tenant_id,
                account_id,
                None,
                date(2025, 4, 1),
                "holiday",
                now(),
            )?;
            holds::promise(
                tx,
                tenant_id,
                account_id,
                None,
                &eur("100.00"),
                date(2025, 3, 9),
                now(),
            )?;
            let plan = holds::create_plan(
                tx,
                tenant_id,
                account_id,
                &[NewInstalment {
                    due_on: date(2025, 4, 1),
                    amount: eur("100.00"),
                }],
                now(),
            )?;
            holds::cover_invoices(tx, tenant_id, plan.id, &[invoice_id])?;
            let case = cases::create(
                tx,
                tenant_id,
                account_id,
                "agency-1",
                &serde_json::json!({}),
                &[CaseInvoice {
                    invoice_id,
                    amount: eur("105.00"),
                }],
                now(),
            )?;
            cases::add_update(
                tx,
                tenant_id,
                case.id,
                &NewCaseUpdate {
                    change: CaseChange::Created,
                    state: CaseState::Preparing,
                    note: None,
                    amount: Some(eur("105.00")),
                    reference: None,
                    token_id: None,
                },
                now(),
            )?;
            partners::put(
                tx,
                tenant_id,
                &PartnerSettings {
                    kind: PartnerKind::File,
                    name: "Perintä Oy".to_owned(),
                    email: Some("asiakas@perinta.example".to_owned()),
                    phone: None,
                    website: None,
                    url: None,
                    secret: None,
                },
                now(),
            )?;
            let (endpoint, _) = webhooks::create(
                tx,
                tenant_id,
                &NewEndpoint {
                    url: "https://erp.example/hooks".to_owned(),
                    description: String::new(),
                    event_types: vec!["*".to_owned()],
                },
                &webhooks::generate_secret(),
                now(),
            )?;
            webhooks::record_delivery(
                tx,
                tenant_id,
                endpoint.id,
                message.id,
                1,
                "invoice_paid",
                now(),
            )?;
            webhooks::record_attempt(
                tx,
                tenant_id,
                &WebhookAttempt {
                    outbox_id: message.id,
                    endpoint_id: endpoint.id,
                    attempted_at: now(),
                    status_code: Some(500),
                    error: Some("status 500".to_owned()),
                    duration_ms: 12,
                },
            )?;
            events::append(
                tx,
                tenant_id,
                &NewEvent {
                    kind: "invoice.upserted".to_owned(),
                    account_id: Some(account_id),
                    invoice_id: Some(invoice_id),
                    payload: serde_json::json!({"external_id": "I-1"}),
                },
                now(),
            )?;
            idempotency::store(tx, tenant_id, "key-1", "hash", 201, "{}", now())?;
            let (link, _) = self_service::create_link(
                tx,
                tenant_id,
                account_id,
                now() + chrono::Duration::days(60),
                now(),
            )?;
            self_service::create_request(
                tx,
                tenant_id,
                &NewSelfServiceRequest {
                    account_id,
                    link_id: link.id,
                    kind: RequestKind::Dispute,
                    state: RequestState::Applied,
                    details: serde_json::json!({"invoice": invoice_id}),
                },
                now(),
            )?;
            self_service::daemon_secret(tx, &format!("csrf-{tenant_id}"), now())?;
            Ok::<_, StoreError>(())
        })
        .unwrap();
}

#[test]
fn sqlite_copies_to_postgres() {
    let source_db = TestDatabase::sqlite();
    let target_db = TestDatabase::postgres();
    let source = open(&source_db);
    let first = tenant(&source, "Acme");
    let second = tenant(&source, "Other");
    fill_every_table(&source, first);
    fill_every_table(&source, second);
    let target = Store::open(target_db.url(), Default::default()).unwrap();

    let counts = copy_sqlite_to_postgres(&source, &target).unwrap();
    for count in &counts {
        assert!(
            count.rows > 0,
            "table {} was not filled by the test",
            count.table
        );
    }
    assert_eq!(counts.len(), 35);

    let comparisons = compare(&source, &target).unwrap();
    assert_eq!(comparisons.len(), 35);
    for comparison in &comparisons {
        assert!(comparison.is_equal(), "{comparison:?}");
    }

    // Sequences continue after the copied keys.
    let third = tenant(&target, "Third");
    assert_eq!(third, TenantId(3));
}

#[test]
fn copy_rejects_filled_target() {
    let source_db = TestDatabase::sqlite();
    let target_db = TestDatabase::postgres();
    let source = open(&source_db);
    let target = open(&target_db);
    tenant(&target, "Already here");

    let error = copy_sqlite_to_postgres(&source, &target).unwrap_err();
    assert!(
        matches!(
            error,
            StoreError::TargetNotEmpty {
                table: "tenants",
                rows: 1
            }
        ),
        "{error}"
    );
    assert!(
        error
            .to_string()
            .contains("use a freshly migrated database"),
        "{error}"
    );
}

#[test]
fn comparison_finds_a_difference() {
    let left_db = TestDatabase::sqlite();
    let right_db = TestDatabase::sqlite();
    let left = open(&left_db);
    let right = open(&right_db);
    tenant(&left, "Acme");
    tenant(&right, "Acne");

    let comparisons = compare(&left, &right).unwrap();
    let tenants = comparisons
        .iter()
        .find(|comparison| comparison.table == "tenants")
        .unwrap();
    assert!(!tenants.is_equal());
    let difference = tenants.difference.as_deref().unwrap_or_default();
    assert!(difference.contains("Acne"), "{difference}");
}
