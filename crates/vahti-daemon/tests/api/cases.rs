//! Collection hand-over: real escalations under the default policies over the manual clock,
//! the approval of the hand-over, delivery to an agency's API or export directory, and what
//! follows: payments and credit notes forwarded, the agency's reports, and recalls.

use chrono::{DateTime, NaiveDate, Utc};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use vahti_daemon::error::ServiceError;
use vahti_daemon::service::wake::{self, Edits, PendingPayload};
use vahti_domain::ids::{AccountId, InvoiceId, TenantId};
use vahti_domain::policy::{Approval, Policy, StepKind};
use vahti_domain::{Currency, DebtorType, Money};
use vahti_store::Locale;
use vahti_store::accounts::{self, AccountUpsert};
use vahti_store::events;
use vahti_store::ids::{PendingActionId, PolicyId};
use vahti_store::invoices::{self, InvoiceKind, InvoiceStatus, InvoiceUpsert};
use vahti_store::payments::{self, NewPayment, PaymentSource};
use vahti_store::pending::{self, Decision, PendingState};
use vahti_store::policies;
use vahti_store::steps::{self, Step, StepState};

use crate::support::Harness;
use crate::webhooks::Receiver;

/// The agency of these tests.
const AGENCY: &str = "Kollekta Oy";

/// A valid Finnish reference: base 123 and check digit 2.
const REFERENCE: &str = "1232";

fn date(year: i32, month: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, month, day).unwrap()
}

fn eur(text: &str) -> Money {
    Money::parse(text, Currency::EUR).unwrap()
}

/// Creates an account with one invoice of 120.00 EUR that fell due the day before the clock's
/// start, as the accounts and invoices endpoints would, and returns their keys.
async fn debtor(h: &Harness, tenant: i64, debtor_type: DebtorType) -> (AccountId, InvoiceId) {
    debtor_with_policy(h, tenant, debtor_type, None).await
}

/// Creates a debtor like [`debtor`] whose account follows the policy `policy_id`.
async fn debtor_with_policy(
    h: &Harness,
    tenant: i64,
    debtor_type: DebtorType,
    policy_id: Option<PolicyId>,
) -> (AccountId, InvoiceId) {
    let tenant = TenantId(tenant);
    let now = h.app.now();
    let upsert = AccountUpsert {
        external_id: "C-1".to_owned(),
        name: "Maija Virtanen".to_owned(),
        debtor_type,
        emails: vec!["maija@example.com".to_owned()],
        locale: Locale::Fi,
        time_zone: None,
        policy_id,
        contact: json!({"address_lines": ["Kotikatu 3"], "postal_code": "00100", "city": "Helsinki"}),
        e_demand_consent_until: Some(date(2026, 12, 31)),
    };
    let account = h
        .app
        .write(move |tx| Ok(accounts::upsert(tx, tenant, &upsert, now)?.id))
        .await
        .unwrap();
    let invoice = InvoiceUpsert {
        external_id: "INV-1".to_owned(),
        account_id: account,
        kind: InvoiceKind::Invoice,
        number: "1001".to_owned(),
        issue_date: date(2026, 1, 30),
        sent_on: Some(date(2026, 1, 30)),
        due_date: Some(date(2026, 3, 1)),
        amount: eur("120.00"),
        reference: Some(REFERENCE.to_owned()),
        reference_invalid: false,
        seller_iban: None,
        seller_bic: None,
        status: InvoiceStatus::Issued,
        corrects_external_id: None,
    };
    let invoice = h
        .app
        .on_account(tenant, account, move |tx| {
            let ids = invoices::upsert_batch(tx, tenant, &[invoice], now)?;
            wake::refresh_next_action(tx, account, now)?;
            Ok(ids[0])
        })
        .await
        .unwrap();
    (account, invoice)
}

/// Sets the tenant's partner: files, or the API at `url`. Returns the HTTP partner's secret.
async fn partner(h: &Harness, token: &str, url: Option<&str>) -> Option<String> {
    let body = match url {
        Some(url) => {
            json!({"kind": "http", "name": AGENCY, "email": "asiakaspalvelu@kollekta.example", "phone": "+358 9 123 456", "url": url})
        }
        None => json!({"kind": "file", "name": AGENCY, "email": "asiakaspalvelu@kollekta.example"}),
    };
    let reply = h.put("/v1/collection/partner", token, body).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    reply.body["secret"].as_str().map(str::to_owned)
}

/// An escalation that reached its hand-over.
struct Escalation {
    /// The pending hand-over.
    pending: PendingActionId,
    /// When it came up.
    at: DateTime<Utc>,
    /// The account's steps then.
    steps: Vec<Step>,
}

impl Escalation {
    /// When the last step before the hand-over was sent.
    fn last_sent(&self) -> DateTime<Utc> {
        self.steps
            .iter()
            .filter(|step| step.state == StepState::Sent)
            .filter_map(|step| step.executed_at)
            .max()
            .unwrap()
    }
}

fn pending_handover(actions: &[pending::PendingAction]) -> Option<PendingActionId> {
    actions
        .iter()
        .filter(|action| action.state == PendingState::Pending)
        .find(|action| {
            serde_json::from_value::<PendingPayload>(action.action.clone())
                .is_ok_and(|payload| payload.message.kind == StepKind::CollectionHandover)
        })
        .map(|action| action.id)
}

/// Moves the clock a day at a time until the account's hand-over waits for approval.
async fn escalate(h: &Harness, account: AccountId) -> Escalation {
    for _ in 0..120 {
        h.advance_days(1).await;
        let (found, steps) = h
            .app
            .read(move |tx| {
                let actions = pending::list_for_account(tx, account)?;
                let steps = steps::list_for_account(tx, account)?;
                Ok((pending_handover(&actions), steps))
            })
            .await
            .unwrap();
        if let Some(pending) = found {
            return Escalation {
                pending,
                at: h.app.now(),
                steps,
            };
        }
    }
    panic!("the escalation did not reach its hand-over within 120 days");
}

/// Approves a pending hand-over as `POST /v1/pending/{id}/approve` does: the action is
/// approved, its steps are queued, and the planned message is carried out.
async fn approve(
    h: &Harness,
    tenant: i64,
    account: AccountId,
    action: PendingActionId,
) -> Result<(), ServiceError> {
    let now = h.app.now();
    h.app
        .on_account(TenantId(tenant), account, move |tx| {
            let stored = pending::get(tx, action)?;
            let payload: PendingPayload = serde_json::from_value(stored.action.clone())
                .map_err(|error| ServiceError::internal(error.to_string()))?;
            pending::decide(
                tx,
                action,
                &Decision {
                    approve: true,
                    edited_amount: None,
                    edited_text: None,
                    decided_by: "tester".to_owned(),
                },
                now,
            )?;
            for step in &payload.steps {
                steps::update_state(tx, step.step_id, StepState::Queued, None, None, None, now)?;
            }
            wake::execute(
                tx,
                account,
                &payload.message,
                &payload.steps,
                &Edits::default(),
                now,
            )?;
            wake::refresh_next_action(tx, account, now)?;
            Ok(())
        })
        .await
}

/// Records a payment or credit note after the hand-over, as the payments and invoices
/// endpoints would.
async fn payment(h: &Harness, tenant: i64, account: AccountId, invoice: InvoiceId, amount: &str) {
    let tenant = TenantId(tenant);
    let now = h.app.now();
    let today = now.date_naive();
    let amount = eur(amount);
    h.app
        .on_account(tenant, account, move |tx| {
            payments::insert(
                tx,
                tenant,
                &NewPayment {
                    account_id: Some(account),
                    invoice_id: Some(invoice),
                    amount,
                    paid_on: today,
                    booked_on: Some(today),
                    reference: Some(REFERENCE.to_owned()),
                    bank_archive_id: None,
                    source: PaymentSource::Api,
                    import_id: None,
                    payer_name: None,
                },
                now,
            )?;
            wake::refresh_next_action(tx, account, now)?;
            Ok(())
        })
        .await
        .unwrap();
}

async fn credit_note(h: &Harness, tenant: i64, account: AccountId, amount: &str) {
    let tenant = TenantId(tenant);
    let now = h.app.now();
    let note = InvoiceUpsert {
        external_id: "CN-1".to_owned(),
        account_id: account,
        kind: InvoiceKind::CreditNote,
        number: "9001".to_owned(),
        issue_date: now.date_naive(),
        sent_on: None,
        due_date: None,
        amount: eur(amount),
        reference: None,
        reference_invalid: false,
        seller_iban: None,
        seller_bic: None,
        status: InvoiceStatus::Issued,
        corrects_external_id: Some("INV-1".to_owned()),
    };
    h.app
        .on_account(tenant, account, move |tx| {
            invoices::upsert_batch(tx, tenant, &[note], now)?;
            wake::refresh_next_action(tx, account, now)?;
            Ok(())
        })
        .await
        .unwrap();
}

async fn only_case(h: &Harness, token: &str) -> Value {
    let list = h.get("/v1/cases", token).await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.text);
    let items = list.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{}", list.text);
    let id = items[0]["id"].as_i64().unwrap();
    let case = h.get(&format!("/v1/cases/{id}"), token).await;
    assert_eq!(case.status, StatusCode::OK, "{}", case.text);
    case.body
}

fn changes(case: &Value) -> Vec<String> {
    case["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|update| update["change"].as_str().unwrap().to_owned())
        .collect()
}

/// Returns the decoded plain text of the last email.
fn last_email_text(h: &Harness) -> String {
    let raw = h
        .raw_emails()
        .pop()
        .unwrap_or_else(|| panic!("no email was written"));
    crate::support::email_text(&raw)
}

fn steps_sent(steps: &[Step]) -> usize {
    steps
        .iter()
        .filter(|step| step.state == StepState::Sent)
        .count()
}

crate::api_test! {
    fn consumer_handover_after_fourteen_days(h) {
        let (tenant, token) = h.tenant("Kahvi Oy").await;
        partner(&h, &token, None).await;
        let (account, _) = debtor(&h, tenant, DebtorType::Consumer).await;

        let escalation = escalate(&h, account).await;
        let kinds: Vec<&str> = escalation
            .steps
            .iter()
            .filter(|step| step.state == StepState::Sent)
            .map(|step| step.step_kind.as_str())
            .collect();
        assert_eq!(kinds, vec!["friendly_reminder", "reminder", "final_demand"]);
        let gap = escalation.at.date_naive() - escalation.last_sent().date_naive();
        assert!(gap.num_days() >= 14, "hand-over came {} days after the final demand", gap.num_days());
        assert!(h.get("/v1/cases", &token).await.body["items"].as_array().unwrap().is_empty());

        approve(&h, tenant, account, escalation.pending).await.unwrap();
        h.advance_seconds(1).await;

        let case = only_case(&h, &token).await;
        assert_eq!(case["state"], "handed_over", "{case}");
        assert_eq!(case["agency"], AGENCY);
        assert_eq!(case["account"], "C-1");
        assert_eq!(case["invoices"][0]["invoice"], "INV-1");
        assert_eq!(changes(&case), vec!["created", "delivered"]);
        let document = &case["document"];
        assert_eq!(document["debtor"]["type"], "consumer");
        assert_eq!(document["debtor"]["name"], "Maija Virtanen");
        let invoice = &document["invoices"][0];
        assert_eq!(invoice["principal"], "120.00");
        assert_eq!(invoice["fees"]["items"].as_array().unwrap().len(), 2, "{invoice}");
        assert!(!invoice["interest"]["periods"].as_array().unwrap().is_empty(), "{invoice}");
        assert_eq!(document["history"].as_array().unwrap().len(), 4, "{document}");

        let notice = last_email_text(&h);
        assert!(notice.contains(AGENCY), "{notice}");
        assert!(notice.contains("asiakaspalvelu@kollekta.example"), "{notice}");
    }

    fn business_handover_after_ten_days(h) {
        let receiver = Receiver::start().await;
        let (tenant, token) = h.tenant("Kahvi Oy").await;
        let secret = partner(&h, &token, Some(&receiver.url)).await.unwrap();
        let (account, _) = debtor(&h, tenant, DebtorType::Business).await;

        let escalation = escalate(&h, account).await;
        let gap = escalation.at.date_naive() - escalation.last_sent().date_naive();
        assert!(gap.num_days() >= 10, "hand-over came {} days after the previous step", gap.num_days());

        approve(&h, tenant, account, escalation.pending).await.unwrap();
        h.advance_seconds(1).await;

        let case = only_case(&h, &token).await;
        let id = case["id"].as_i64().unwrap();
        assert_eq!(case["state"], "handed_over");
        let received = receiver.received();
        assert_eq!(received.len(), 1);
        let request = &received[0];
        assert_eq!(request.header("Idempotency-Key"), Some(format!("case-{id}").as_str()));
        let verified = vahti_sdk::webhook::WebhookVerifier::new(&secret).verify_at(
            request.header("Vahti-Timestamp"),
            request.header("Vahti-Signature"),
            &request.body,
            h.app.now().timestamp(),
        );
        assert!(verified.is_ok(), "{verified:?}");
        let body = request.json();
        assert_eq!(body["message"], "handover");
        assert_eq!(body["case_id"], id);
        assert_eq!(body["case"]["debtor"]["type"], "business");
        assert_eq!(body["case"]["invoices"][0]["external_id"], "INV-1");
        receiver.stop().await;
    }

    fn handover_rejected_when_disputed(h) {
        let (tenant, token) = h.tenant("Kahvi Oy").await;
        partner(&h, &token, None).await;
        let (account, invoice) = debtor(&h, tenant, DebtorType::Business).await;
        let escalation = escalate(&h, account).await;

        let now = h.app.now();
        h.app
            .on_account(TenantId(tenant), account, move |tx| {
                let stored = invoices::get(tx, invoice)?;
                let mut state = stored.collection_state();
                state.disputed = true;
                invoices::update_collection(tx, invoice, &state, now)?;
                Ok(())
            })
            .await
            .unwrap();

        let error = approve(&h, tenant, account, escalation.pending).await.unwrap_err();
        assert_eq!(error.code(), "handover_rejected");
        assert!(error.message().contains("invoice INV-1 is disputed"), "{}", error.message());
        assert!(h.get("/v1/cases", &token).await.body["items"].as_array().unwrap().is_empty());
    }

    fn handover_needs_partner(h) {
        let (tenant, token) = h.tenant("Kahvi Oy").await;
        let (account, _) = debtor(&h, tenant, DebtorType::Business).await;
        let escalation = escalate(&h, account).await;
        let emails_before = h.emails().len();

        let error = approve(&h, tenant, account, escalation.pending).await.unwrap_err();
        assert_eq!(error.code(), "collection_partner_missing");
        assert!(error.message().contains("PUT /v1/collection/partner"), "{}", error.message());
        h.advance_seconds(1).await;
        assert_eq!(h.emails().len(), emails_before, "no notice without an agency");
        assert!(h.get("/v1/cases", &token).await.body["items"].as_array().unwrap().is_empty());
    }

    fn automatic_handover_fails_without_partner(h) {
        let (tenant, token) = h.tenant("Kahvi Oy").await;
        let mut policy = Policy::default_business();
        if let Some(last) = policy.steps.last_mut() {
            last.approval = Approval::Automatic;
        }
        let body = serde_json::to_value(&policy).unwrap();
        let now = h.app.now();
        let policy_id = h
            .app
            .write(move |tx| Ok(policies::create(tx, TenantId(tenant), "business-automatic", "Automatic", &body, now)?.0.id))
            .await
            .unwrap();
        let (account, _) = debtor_with_policy(&h, tenant, DebtorType::Business, Some(policy_id)).await;

        let mut failed = None;
        for _ in 0..120 {
            h.advance_days(1).await;
            let steps = h
                .app
                .read(move |tx| Ok(steps::list_for_account(tx, account)?))
                .await
                .unwrap();
            failed = steps
                .into_iter()
                .find(|step| step.step_kind == "collection_handover" && step.state == StepState::Failed);
            if failed.is_some() {
                break;
            }
        }
        let failed = failed.unwrap_or_else(|| panic!("the hand-over step did not fail"));
        let detail = failed.detail.unwrap_or_default();
        assert!(detail.contains("no collection partner is configured"), "{detail}");

        let logged = h
            .app
            .read(move |tx| Ok(events::list_after(tx, TenantId(tenant), 0, 1000)?))
            .await
            .unwrap();
        let step_failed = logged
            .iter()
            .find(|event| event.kind == "step_failed")
            .unwrap_or_else(|| panic!("no step_failed event"));
        assert_eq!(step_failed.payload["code"], "collection_partner_missing");
        assert!(h.get("/v1/cases", &token).await.body["items"].as_array().unwrap().is_empty());
    }

    fn handed_over_invoice_not_reminded(h) {
        let (tenant, token) = h.tenant("Kahvi Oy").await;
        partner(&h, &token, None).await;
        let (account, _) = debtor(&h, tenant, DebtorType::Business).await;
        let escalation = escalate(&h, account).await;
        approve(&h, tenant, account, escalation.pending).await.unwrap();
        h.advance_seconds(1).await;
        let emails = h.emails().len();
        let sent = steps_sent(&escalation.steps) + 1;

        for _ in 0..6 {
            h.advance_days(10).await;
        }
        let steps = h
            .app
            .read(move |tx| Ok(steps::list_for_account(tx, account)?))
            .await
            .unwrap();
        assert_eq!(steps_sent(&steps), sent);
        assert_eq!(h.emails().len(), emails);
        let next = h
            .app
            .read(move |tx| Ok(accounts::get(tx, account)?.next_action_at))
            .await
            .unwrap();
        assert_eq!(next, None);
    }

    fn payment_after_handover_forwarded(h) {
        let receiver = Receiver::start().await;
        let (tenant, token) = h.tenant("Kahvi Oy").await;
        partner(&h, &token, Some(&receiver.url)).await;
        let (account, invoice) = debtor(&h, tenant, DebtorType::Business).await;
        let escalation = escalate(&h, account).await;
        approve(&h, tenant, account, escalation.pending).await.unwrap();
        h.advance_seconds(1).await;
        let id = only_case(&h, &token).await["id"].as_i64().unwrap();

        payment(&h, tenant, account, invoice, "50.00").await;
        credit_note(&h, tenant, account, "20.00").await;
        h.advance_seconds(1).await;

        let received = receiver.received();
        assert_eq!(received.len(), 3, "hand-over, payment and credit note");
        // Messages queued together are delivered concurrently, in any order.
        let find = |kind: &str| {
            received
                .iter()
                .find(|request| request.json()["message"] == kind)
                .unwrap_or_else(|| panic!("no {kind} message"))
        };
        let paid_request = find("payment_received");
        let paid = paid_request.json();
        assert_eq!(paid["payment"]["amount"], "50.00");
        assert_eq!(paid["payment"]["invoices"][0]["external_id"], "INV-1");
        let key = paid_request.header("Idempotency-Key").unwrap();
        assert!(key.starts_with(&format!("case-{id}-payment-")), "{key}");
        let credited = find("credit_note").json();
        assert_eq!(credited["credit_note"]["external_id"], "CN-1");
        assert_eq!(credited["credit_note"]["amount"], "20.00");

        let case = only_case(&h, &token).await;
        assert_eq!(changes(&case), vec!["created", "delivered", "payment_forwarded", "credit_note_forwarded"]);
        assert_eq!(case["history"][2]["amount"]["amount"], "50.00");

        payment(&h, tenant, account, invoice, "10.00").await;
        payment(&h, tenant, account, invoice, "5.00").await;
        h.advance_seconds(1).await;
        assert_eq!(receiver.received().len(), 5, "each payment is forwarded once");
        receiver.stop().await;
    }

    fn recall_notifies_agency(h) {
        let receiver = Receiver::start().await;
        let (tenant, token) = h.tenant("Kahvi Oy").await;
        partner(&h, &token, Some(&receiver.url)).await;
        let (account, invoice) = debtor(&h, tenant, DebtorType::Business).await;
        let escalation = escalate(&h, account).await;
        approve(&h, tenant, account, escalation.pending).await.unwrap();
        h.advance_seconds(1).await;
        let id = only_case(&h, &token).await["id"].as_i64().unwrap();

        let empty = h.post(&format!("/v1/cases/{id}/recall"), &token, json!({"reason": " "})).await;
        assert_eq!(empty.status, StatusCode::BAD_REQUEST);
        assert_eq!(empty.body["error"]["field"], "reason");

        let recalled = h
            .post(&format!("/v1/cases/{id}/recall"), &token, json!({"reason": "credited in full"}))
            .await;
        assert_eq!(recalled.status, StatusCode::OK, "{}", recalled.text);
        assert_eq!(recalled.body["state"], "recalled");
        h.advance_seconds(1).await;

        let received = receiver.received();
        assert_eq!(received.len(), 2);
        let recall = received[1].json();
        assert_eq!(recall["message"], "recall");
        assert_eq!(recall["recall"]["reason"], "credited in full");
        assert_eq!(received[1].header("Idempotency-Key"), Some(format!("case-{id}-recall").as_str()));

        let handed_over = h
            .app
            .read(move |tx| Ok(invoices::get(tx, invoice)?.handed_over_at))
            .await
            .unwrap();
        assert_eq!(handed_over, None);
        let emails = h.emails().len();
        h.advance_days(30).await;
        assert_eq!(h.emails().len(), emails, "escalation does not start again");

        let again = h.post(&format!("/v1/cases/{id}/recall"), &token, json!({"reason": "twice"})).await;
        assert_eq!(again.status, StatusCode::CONFLICT);
        assert_eq!(again.code(), "case_closed");
        receiver.stop().await;
    }

    fn file_export_written(h) {
        let (tenant, token) = h.tenant("Kahvi Oy").await;
        partner(&h, &token, None).await;
        let (account, _) = debtor(&h, tenant, DebtorType::Business).await;
        let escalation = escalate(&h, account).await;
        approve(&h, tenant, account, escalation.pending).await.unwrap();
        h.advance_seconds(1).await;
        let id = only_case(&h, &token).await["id"].as_i64().unwrap();

        let directory = h.app.config().collection.export_dir.join(tenant.to_string());
        let json_text = std::fs::read_to_string(directory.join(format!("case-{id}.json"))).unwrap();
        let message: Value = serde_json::from_str(&json_text).unwrap();
        assert_eq!(message["message"], "handover");
        assert_eq!(message["case"]["case_id"], id);
        assert_eq!(message["case"]["creditor"]["name"], "Kahvi Oy");

        let csv = std::fs::read_to_string(directory.join(format!("case-{id}.csv"))).unwrap();
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines.len(), 2, "{csv}");
        let header: Vec<&str> = lines[0].split(',').collect();
        let row: Vec<&str> = lines[1].split(',').collect();
        assert_eq!(header.len(), row.len(), "{csv}");
        let column = |name: &str| row[header.iter().position(|field| *field == name).unwrap()];
        assert_eq!(column("invoice_external_id"), "INV-1");
        assert_eq!(column("debtor_type"), "business");
        assert_eq!(column("total"), message["case"]["invoices"][0]["total"].as_str().unwrap());

        let leftovers: Vec<String> = std::fs::read_dir(&directory)
            .unwrap()
            .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|name| name.ends_with(".tmp"))
            .collect();
        assert!(leftovers.is_empty(), "{leftovers:?}");
    }

    fn agency_reports_state(h) {
        let (tenant, token) = h.tenant("Kahvi Oy").await;
        let (_, other_token) = h.tenant("Muu Oy").await;
        partner(&h, &token, None).await;
        let (account, _) = debtor(&h, tenant, DebtorType::Business).await;
        let escalation = escalate(&h, account).await;
        approve(&h, tenant, account, escalation.pending).await.unwrap();
        h.advance_seconds(1).await;
        let id = only_case(&h, &token).await["id"].as_i64().unwrap();
        let path = format!("/v1/cases/{id}/state");

        let acknowledged = h.post(&path, &token, json!({"state": "acknowledged", "note": "agency ref 77"})).await;
        assert_eq!(acknowledged.status, StatusCode::OK, "{}", acknowledged.text);
        assert_eq!(acknowledged.body["state"], "acknowledged");

        let no_amount = h.post(&path, &token, json!({"state": "paid_to_agency"})).await;
        assert_eq!(no_amount.status, StatusCode::BAD_REQUEST);
        assert_eq!(no_amount.body["error"]["field"], "amount");
        let stray_amount = h.post(&path, &token, json!({"state": "closed", "amount": "1.00"})).await;
        assert_eq!(stray_amount.body["error"]["field"], "amount");
        let cents = h.post(&path, &token, json!({"state": "paid_to_agency", "amount": "1.005"})).await;
        assert_eq!(cents.body["error"]["field"], "amount");
        let unknown = h.post(&path, &token, json!({"state": "recalled"})).await;
        assert_eq!(unknown.status, StatusCode::BAD_REQUEST);
        assert_eq!(unknown.code(), "body_invalid");

        let paid = h.post(&path, &token, json!({"state": "paid_to_agency", "amount": "148.20"})).await;
        assert_eq!(paid.status, StatusCode::OK, "{}", paid.text);
        let last = paid.body["history"].as_array().unwrap().last().unwrap().clone();
        assert_eq!(last["amount"], json!({"amount": "148.20", "currency": "EUR"}));

        let closed = h.post(&path, &token, json!({"state": "closed"})).await;
        assert_eq!(closed.body["state"], "closed");
        let after = h.post(&path, &token, json!({"state": "acknowledged"})).await;
        assert_eq!(after.status, StatusCode::CONFLICT);
        assert_eq!(after.code(), "case_closed");

        let filtered = h.get("/v1/cases?state=closed&account=C-1", &token).await;
        assert_eq!(filtered.body["items"].as_array().unwrap().len(), 1, "{}", filtered.text);
        let none = h.get("/v1/cases?state=recalled", &token).await;
        assert!(none.body["items"].as_array().unwrap().is_empty());
        let bad_state = h.get("/v1/cases?state=lost", &token).await;
        assert_eq!(bad_state.status, StatusCode::BAD_REQUEST);

        let missing = h.call(Method::POST, &path, None, Some(json!({"state": "closed"}))).await;
        assert_eq!(missing.status, StatusCode::UNAUTHORIZED);
        for (method, other_path, body) in [
            (Method::GET, format!("/v1/cases/{id}"), None),
            (Method::POST, path.clone(), Some(json!({"state": "closed"}))),
            (Method::POST, format!("/v1/cases/{id}/recall"), Some(json!({"reason": "x"}))),
        ] {
            let reply = h.call(method, &other_path, Some(&other_token), body).await;
            assert_eq!(reply.status, StatusCode::NOT_FOUND, "{other_path}: {}", reply.text);
            assert_eq!(reply.code(), "case_not_found");
        }
        let others = h.get("/v1/cases", &other_token).await;
        assert!(others.body["items"].as_array().unwrap().is_empty());
    }

    fn partner_settings_checked(h) {
        let (_, token) = h.tenant("Kahvi Oy").await;
        let absent = h.get("/v1/collection/partner", &token).await;
        assert_eq!(absent.status, StatusCode::NOT_FOUND);
        assert_eq!(absent.code(), "partner_not_found");

        let cases = [
            (json!({"kind": "http", "name": AGENCY, "email": "a@kollekta.example"}), "url"),
            (json!({"kind": "http", "name": AGENCY, "email": "a@kollekta.example", "url": "http://kollekta.example/cases"}), "url"),
            (json!({"kind": "http", "name": AGENCY, "email": "a@kollekta.example", "url": "https://kollekta.example/cases", "secret": "short"}), "secret"),
            (json!({"kind": "file", "name": AGENCY, "email": "a@kollekta.example", "url": "https://kollekta.example/cases"}), "url"),
            (json!({"kind": "file", "name": AGENCY}), "email"),
            (json!({"kind": "file", "name": " ", "email": "a@kollekta.example"}), "name"),
            (json!({"kind": "file", "name": AGENCY, "email": "not an address"}), "email"),
        ];
        for (body, field) in cases {
            let reply = h.put("/v1/collection/partner", &token, body.clone()).await;
            assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{body}: {}", reply.text);
            assert_eq!(reply.body["error"]["field"], field, "{body}");
        }

        let ftp = h
            .put("/v1/collection/partner", &token, json!({"kind": "ftp", "name": AGENCY, "email": "a@kollekta.example"}))
            .await;
        assert_eq!(ftp.status, StatusCode::BAD_REQUEST, "{}", ftp.text);
        assert_eq!(ftp.code(), "body_invalid");

        let http = json!({"kind": "http", "name": AGENCY, "phone": "+358 9 123 456", "url": "https://kollekta.example/cases"});
        let first = h.put("/v1/collection/partner", &token, http.clone()).await;
        assert_eq!(first.status, StatusCode::OK, "{}", first.text);
        let secret = first.body["secret"].as_str().unwrap().to_owned();
        assert!(secret.starts_with("whsec_"));
        let again = h.put("/v1/collection/partner", &token, http).await;
        assert_eq!(again.body["secret"], Value::Null, "the stored secret is kept");
        let read = h.get("/v1/collection/partner", &token).await;
        assert_eq!(read.body["kind"], "http");
        assert_eq!(read.body["secret_prefix"], secret.chars().take(10).collect::<String>());
        assert!(!read.text.contains(&secret));

        let missing = h.call(Method::GET, "/v1/collection/partner", None, None).await;
        assert_eq!(missing.status, StatusCode::UNAUTHORIZED);
        let deleted = h.delete("/v1/collection/partner", &token).await;
        assert_eq!(deleted.status, StatusCode::NO_CONTENT);
        assert_eq!(h.get("/v1/collection/partner", &token).await.status, StatusCode::NOT_FOUND);
    }
}
