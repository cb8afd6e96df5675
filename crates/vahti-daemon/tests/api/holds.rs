use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::support::{ADMIN_TOKEN, Harness, StoredInvoice};

/// An invoice of 100.00 EUR due on Friday 2026-02-27, three days before the clock starts. The
/// default consumer policy's friendly reminder falls on 2026-03-06 at 08:00 in Helsinki.
const OVERDUE: StoredInvoice<'static> = StoredInvoice {
    external_id: "INV-1",
    amount: "100.00",
    due: "2026-02-27",
};

/// The instant of the friendly reminder of [`OVERDUE`].
const FRIENDLY_AT: &str = "2026-03-06T06:00:00+00:00";

/// Moves the clock one minute, which delivers what waits in the outbox.
async fn deliver(h: &Harness) {
    let reply = h
        .post(
            "/v1/admin/clock",
            ADMIN_TOKEN,
            json!({"advance_seconds": 60, "wait": true}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
}

async fn next(h: &Harness, account: vahti_domain::ids::AccountId) -> Option<String> {
    h.next_action_at(account).await.map(|at| at.to_rfc3339())
}

crate::api_test! {
    fn dispute_stops_escalation(h) {
        let (tenant, token) = h.tenant("Acme Oy").await;
        let (account, _) = h.store_account(tenant, "C-1", &[OVERDUE]).await;
        assert_eq!(next(&h, account).await.as_deref(), Some(FRIENDLY_AT));

        let opened = h.post("/v1/invoices/INV-1/disputes", &token, json!({"reason": "Not ordered"})).await;
        assert_eq!(opened.status, StatusCode::CREATED, "{}", opened.text);
        let dispute: vahti_api::Dispute = opened.json();
        assert_eq!(dispute.invoice, "INV-1");
        assert_eq!(dispute.account, "C-1");
        assert_eq!(dispute.resolution, None);
        assert_eq!(next(&h, account).await, None);

        let again = h.post("/v1/invoices/INV-1/disputes", &token, json!({"reason": "Again"})).await;
        assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.text);
        assert_eq!(again.code(), "dispute_already_open");

        h.advance_days(2).await;
        let path = format!("/v1/disputes/{}/resolve", dispute.id);
        let resolved = h.post(&path, &token, json!({"resolution": "rejected", "note": "Delivery confirmed"})).await;
        assert_eq!(resolved.status, StatusCode::OK, "{}", resolved.text);
        let resolved: vahti_api::Dispute = resolved.json();
        assert_eq!(resolved.resolution, Some(vahti_api::DisputeResolution::Rejected));
        assert_eq!(resolved.note.as_deref(), Some("Delivery confirmed"));
        assert!(resolved.resolved_at.is_some());
        assert_eq!(next(&h, account).await.as_deref(), Some(FRIENDLY_AT));

        let twice = h.post(&path, &token, json!({"resolution": "upheld"})).await;
        assert_eq!(twice.status, StatusCode::CONFLICT, "{}", twice.text);
        assert_eq!(twice.code(), "dispute_already_resolved");

        let types = h.event_types(&token).await;
        assert_eq!(types, ["dispute_opened", "dispute_resolved"]);
    }

    fn dispute_withdraws_queued_email(h) {
        let (tenant, token) = h.tenant("Acme Oy").await;
        h.store_account(tenant, "C-1", &[OVERDUE]).await;
        // The friendly reminder is queued on Friday at 08:00, and the dispute arrives before
        // the outbox sends it.
        let moved = h
            .post("/v1/admin/clock", ADMIN_TOKEN, json!({"set": "2026-03-06T06:00:00Z", "wait": false}))
            .await;
        assert_eq!(moved.status, StatusCode::OK, "{}", moved.text);
        assert_eq!(vahti_daemon::scheduler::run_once(&h.app).await, 1);
        let opened = h.post("/v1/invoices/INV-1/disputes", &token, json!({"reason": "Not ordered"})).await;
        assert_eq!(opened.status, StatusCode::CREATED, "{}", opened.text);
        deliver(&h).await;
        assert!(h.emails().is_empty(), "a disputed invoice is never reminded");
        let types = h.event_types(&token).await;
        assert!(types.contains(&"email_cancelled".to_owned()), "{types:?}");
    }

    fn dispute_requests_validated(h) {
        let (tenant, token) = h.tenant("Acme Oy").await;
        let (_, other) = h.tenant("Beta Oy").await;
        h.store_account(tenant, "C-1", &[OVERDUE]).await;

        let empty = h.post("/v1/invoices/INV-1/disputes", &token, json!({"reason": " "})).await;
        assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", empty.text);
        assert_eq!(empty.body["error"]["field"], "reason");

        let unknown = h.post("/v1/invoices/INV-9/disputes", &token, json!({"reason": "x"})).await;
        assert_eq!(unknown.status, StatusCode::NOT_FOUND, "{}", unknown.text);
        assert_eq!(unknown.code(), "invoice_not_found");

        let foreign = h.post("/v1/invoices/INV-1/disputes", &other, json!({"reason": "x"})).await;
        assert_eq!(foreign.status, StatusCode::NOT_FOUND, "{}", foreign.text);

        let dispute: vahti_api::Dispute =
            h.post("/v1/invoices/INV-1/disputes", &token, json!({"reason": "x"})).await.json();
        let path = format!("/v1/disputes/{}/resolve", dispute.id);
        let foreign = h.post(&path, &other, json!({"resolution": "upheld"})).await;
        assert_eq!(foreign.status, StatusCode::NOT_FOUND, "{}", foreign.text);
        assert_eq!(foreign.code(), "dispute_not_found");

        let bad = h.post(&path, &token, json!({"resolution": "maybe"})).await;
        assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{}", bad.text);

        let missing = h.call(Method::POST, &path, None, Some(json!({"resolution": "upheld"}))).await;
        assert_eq!(missing.status, StatusCode::UNAUTHORIZED, "{}", missing.text);
    }

    fn pause_and_resume_account(h) {
        let (tenant, token) = h.tenant("Acme Oy").await;
        let (account, _) = h
            .store_account(tenant, "C-1", &[OVERDUE, StoredInvoice { external_id: "INV-2", ..OVERDUE }])
            .await;

        let paused = h
            .post("/v1/accounts/C-1/pause", &token, json!({"until": "2026-03-20", "reason": "Holiday"}))
            .await;
        assert_eq!(paused.status, StatusCode::OK, "{}", paused.text);
        let state: vahti_api::PauseState = paused.json();
        assert_eq!(state.paused_until.map(|day| day.to_string()).as_deref(), Some("2026-03-20"));
        assert_eq!(state.invoice, None);
        // The day after the pause is a Saturday, so the window opens on Monday.
        assert_eq!(next(&h, account).await.as_deref(), Some("2026-03-23T06:00:00+00:00"));

        let resumed = h.call(Method::POST, "/v1/accounts/C-1/resume", Some(&token), None).await;
        assert_eq!(resumed.status, StatusCode::OK, "{}", resumed.text);
        assert_eq!(resumed.body["paused_until"], serde_json::Value::Null);
        assert_eq!(next(&h, account).await.as_deref(), Some(FRIENDLY_AT));

        let one = h
            .post("/v1/accounts/C-1/pause", &token, json!({"until": "2026-03-20", "reason": "Checking", "invoice": "INV-1"}))
            .await;
        assert_eq!(one.status, StatusCode::OK, "{}", one.text);
        assert_eq!(one.body["invoice"], "INV-1");
        assert_eq!(next(&h, account).await.as_deref(), Some(FRIENDLY_AT), "INV-2 is still reminded");

        let resumed_one = h.post("/v1/accounts/C-1/resume", &token, json!({"invoice": "INV-1"})).await;
        assert_eq!(resumed_one.status, StatusCode::OK, "{}", resumed_one.text);

        let types = h.event_types(&token).await;
        assert_eq!(types, ["paused", "resumed", "paused", "resumed"]);
    }

    fn pause_requests_validated(h) {
        let (tenant, token) = h.tenant("Acme Oy").await;
        let (_, other) = h.tenant("Beta Oy").await;
        h.store_account(tenant, "C-1", &[OVERDUE]).await;

        let past = h
            .post("/v1/accounts/C-1/pause", &token, json!({"until": "2026-03-01", "reason": "x"}))
            .await;
        assert_eq!(past.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", past.text);
        assert_eq!(past.code(), "date_in_past");
        assert_eq!(past.body["error"]["field"], "until");

        let unknown = h
            .post("/v1/accounts/C-1/pause", &token, json!({"until": "2026-03-20", "reason": "x", "invoice": "INV-9"}))
            .await;
        assert_eq!(unknown.status, StatusCode::NOT_FOUND, "{}", unknown.text);
        assert_eq!(unknown.code(), "invoice_not_found");

        let foreign = h
            .post("/v1/accounts/C-1/pause", &other, json!({"until": "2026-03-20", "reason": "x"}))
            .await;
        assert_eq!(foreign.status, StatusCode::NOT_FOUND, "{}", foreign.text);
        assert_eq!(foreign.code(), "account_not_found");

        let bad_id = h
            .post("/v1/accounts/%20C-1/pause", &token, json!({"until": "2026-03-20", "reason": "x"}))
            .await;
        assert_eq!(bad_id.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad_id.text);
        assert_eq!(bad_id.code(), "external_id_invalid");

        let bad_body = h.post("/v1/accounts/C-1/resume", &token, json!({"account": "C-1"})).await;
        assert_eq!(bad_body.status, StatusCode::BAD_REQUEST, "{}", bad_body.text);
        assert_eq!(bad_body.body["error"]["field"], "account");
    }

    fn slash_in_external_id(h) {
        let (tenant, token) = h.tenant("Acme Oy").await;
        h.store_account(tenant, "C/1", &[StoredInvoice { external_id: "INV/2026/1", ..OVERDUE }]).await;
        let paused = h
            .post("/v1/accounts/C%2F1/pause", &token, json!({"until": "2026-03-20", "reason": "x", "invoice": "INV/2026/1"}))
            .await;
        assert_eq!(paused.status, StatusCode::OK, "{}", paused.text);
        assert_eq!(paused.body["account"], "C/1");
        let opened = h.post("/v1/invoices/INV%2F2026%2F1/disputes", &token, json!({"reason": "x"})).await;
        assert_eq!(opened.status, StatusCode::CREATED, "{}", opened.text);
    }

    fn promise_broken_resumes_escalation(h) {
        let (tenant, token) = h.tenant("Acme Oy").await;
        let (account, _) = h.store_account(tenant, "C-1", &[OVERDUE]).await;

        let made = h.post("/v1/accounts/C-1/promises", &token, json!({"pay_by": "2026-03-10"})).await;
        assert_eq!(made.status, StatusCode::CREATED, "{}", made.text);
        let promise: vahti_api::Promise = made.json();
        assert_eq!(promise.state, vahti_api::PromiseState::Open);
        assert_eq!(promise.amount.to_string(), "100.00");
        assert_eq!(promise.currency, "EUR");
        assert_eq!(promise.invoice, None);
        // The promise is decided at the start of 2026-03-11 in Helsinki.
        assert_eq!(next(&h, account).await.as_deref(), Some("2026-03-10T22:00:00+00:00"));

        h.advance_days(9).await;
        let types = h.event_types(&token).await;
        assert!(types.contains(&"promise_made".to_owned()), "{types:?}");
        assert!(types.contains(&"promise_broken".to_owned()), "{types:?}");
        assert_eq!(h.emails().len(), 1, "escalation resumes after a broken promise");
    }

    fn promise_kept_when_paid(h) {
        let (tenant, token) = h.tenant("Acme Oy").await;
        let (account, invoices) = h
            .store_account(tenant, "C-1", &[OVERDUE, StoredInvoice { external_id: "INV-2", ..OVERDUE }])
            .await;

        let made = h
            .post("/v1/accounts/C-1/promises", &token, json!({"pay_by": "2026-03-10", "invoice": "INV-1", "amount": "60.00"}))
            .await;
        assert_eq!(made.status, StatusCode::CREATED, "{}", made.text);
        assert_eq!(made.body["invoice"], "INV-1");
        assert_eq!(made.body["amount"], "60.00");

        h.store_payment(tenant, account, invoices[0], "60.00", "2026-03-04").await;
        h.advance_days(9).await;
        let types = h.event_types(&token).await;
        assert!(!types.contains(&"promise_broken".to_owned()), "{types:?}");
    }

    fn promise_requests_validated(h) {
        let (tenant, token) = h.tenant("Acme Oy").await;
        let (_, other) = h.tenant("Beta Oy").await;
        h.store_account(tenant, "C-1", &[OVERDUE]).await;
        h.store_account(tenant, "C-2", &[StoredInvoice { external_id: "INV-2", due: "2026-03-20", ..OVERDUE }]).await;

        let cases = [
            ("C-1", json!({"pay_by": "2026-03-01"}), StatusCode::UNPROCESSABLE_ENTITY, "date_in_past", "pay_by"),
            ("C-1", json!({"pay_by": "2026-03-10", "amount": "0.00"}), StatusCode::UNPROCESSABLE_ENTITY, "amount_not_positive", "amount"),
            ("C-1", json!({"pay_by": "2026-03-10", "amount": "1.005"}), StatusCode::UNPROCESSABLE_ENTITY, "amount_too_many_decimals", "amount"),
            ("C-1", json!({"pay_by": "2026-03-10", "currency": "XYZ"}), StatusCode::UNPROCESSABLE_ENTITY, "currency_unknown", "currency"),
            ("C-1", json!({"pay_by": "2026-03-10", "invoice": "INV-9"}), StatusCode::NOT_FOUND, "invoice_not_found", ""),
            ("C-2", json!({"pay_by": "2026-03-10"}), StatusCode::UNPROCESSABLE_ENTITY, "value_invalid", "invoice"),
        ];
        for (account, body, status, code, field) in cases {
            let reply = h.post(&format!("/v1/accounts/{account}/promises"), &token, body.clone()).await;
            assert_eq!(reply.status, status, "{body}: {}", reply.text);
            assert_eq!(reply.code(), code, "{body}");
            if !field.is_empty() {
                assert_eq!(reply.body["error"]["field"], field, "{body}");
            }
        }

        let foreign = h.post("/v1/accounts/C-1/promises", &other, json!({"pay_by": "2026-03-10"})).await;
        assert_eq!(foreign.status, StatusCode::NOT_FOUND, "{}", foreign.text);
    }

    fn payment_plan_holds_its_invoices(h) {
        let (tenant, token) = h.tenant("Acme Oy").await;
        h.store_account(tenant, "C-1", &[OVERDUE, StoredInvoice { external_id: "INV-2", amount: "40.00", ..OVERDUE }])
            .await;

        let created = h
            .post(
                "/v1/accounts/C-1/payment-plans",
                &token,
                json!({"invoices": ["INV-1"], "instalments": [
                    {"due_date": "2026-03-15", "amount": "50.00"},
                    {"due_date": "2026-04-15", "amount": "50.00"}
                ]}),
            )
            .await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
        let plan: vahti_api::PaymentPlan = created.json();
        assert_eq!(plan.state, vahti_api::PaymentPlanState::Active);
        assert_eq!(plan.invoices, ["INV-1"]);
        assert_eq!(plan.total.to_string(), "100.00");
        assert_eq!(plan.instalments.len(), 2);
        assert_eq!(plan.instalments[0].status, vahti_api::InstalmentStatus::Pending);

        deliver(&h).await;
        let emails = h.emails();
        assert_eq!(emails.len(), 1, "the plan is confirmed to the debtor");

        // The confirmation is a message to the debtor too, so the next one waits for the
        // policy's 7 days of minimum contact interval.
        h.advance_days(4).await;
        assert_eq!(h.emails().len(), 1);
        h.advance_days(4).await;
        let emails = h.emails();
        assert_eq!(emails.len(), 2, "the invoice outside the plan is reminded");
        assert!(emails[1].contains("INV-2"), "{}", emails[1]);
        assert!(!emails[1].contains("INV-1"), "{}", emails[1]);

        let listed: vahti_api::Page<vahti_api::PaymentPlan> =
            h.get("/v1/accounts/C-1/payment-plans", &token).await.json();
        assert_eq!(listed.items.len(), 1);

        let cancel = format!("/v1/payment-plans/{}/cancel", plan.id);
        let cancelled = h.post(&cancel, &token, json!({})).await;
        assert_eq!(cancelled.status, StatusCode::OK, "{}", cancelled.text);
        assert_eq!(cancelled.body["state"], "cancelled");
        let again = h.post(&cancel, &token, json!({})).await;
        assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.text);
        assert_eq!(again.code(), "payment_plan_closed");

        let types = h.event_types(&token).await;
        assert!(types.contains(&"payment_plan_created".to_owned()), "{types:?}");
        assert!(types.contains(&"payment_plan_cancelled".to_owned()), "{types:?}");
    }

    fn payment_plan_broken_when_late(h) {
        let (tenant, token) = h.tenant("Acme Oy").await;
        let (account, _) = h.store_account(tenant, "C-1", &[OVERDUE]).await;
        let created = h
            .post(
                "/v1/accounts/C-1/payment-plans",
                &token,
                json!({"invoices": ["INV-1"], "instalments": [
                    {"due_date": "2026-03-10", "amount": "50.00"},
                    {"due_date": "2026-04-10", "amount": "50.00"}
                ]}),
            )
            .await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
        // The first instalment is late after the 4 days of payment protection.
        assert_eq!(next(&h, account).await.as_deref(), Some("2026-03-14T22:00:00+00:00"));
        deliver(&h).await;
        assert_eq!(h.emails().len(), 1, "the plan is confirmed to the debtor");

        h.advance_days(14).await;
        let listed: vahti_api::Page<vahti_api::PaymentPlan> =
            h.get("/v1/accounts/C-1/payment-plans", &token).await.json();
        assert_eq!(listed.items[0].state, vahti_api::PaymentPlanState::Broken);
        assert_eq!(listed.items[0].instalments[0].status, vahti_api::InstalmentStatus::Overdue);
        let types = h.event_types(&token).await;
        assert!(types.contains(&"payment_plan_broken".to_owned()), "{types:?}");
        assert_eq!(h.emails().len(), 2, "the confirmation, then a reminder after the plan broke");
    }

    fn payment_plan_completed_when_paid(h) {
        let (tenant, token) = h.tenant("Acme Oy").await;
        let (account, invoices) = h.store_account(tenant, "C-1", &[OVERDUE]).await;
        let created = h
            .post(
                "/v1/accounts/C-1/payment-plans",
                &token,
                json!({"invoices": ["INV-1"], "instalments": [{"due_date": "2026-03-10", "amount": "100.00"}]}),
            )
            .await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
        h.store_payment(tenant, account, invoices[0], "100.00", "2026-03-02").await;
        deliver(&h).await;

        let listed: vahti_api::Page<vahti_api::PaymentPlan> =
            h.get("/v1/accounts/C-1/payment-plans", &token).await.json();
        assert_eq!(listed.items[0].state, vahti_api::PaymentPlanState::Completed);
        assert_eq!(listed.items[0].instalments[0].status, vahti_api::InstalmentStatus::Paid);
        assert_eq!(listed.items[0].instalments[0].paid.to_string(), "100.00");
        let types = h.event_types(&token).await;
        assert!(types.contains(&"payment_plan_completed".to_owned()), "{types:?}");
    }

    fn payment_plan_requests_validated(h) {
        let (tenant, token) = h.tenant("Acme Oy").await;
        let (_, other) = h.tenant("Beta Oy").await;
        h.store_account(tenant, "C-1", &[OVERDUE]).await;

        let cases = [
            (json!({"invoices": ["INV-1"], "instalments": [{"due_date": "2026-03-15", "amount": "60.00"}]}), "payment_plan_invalid", "instalments"),
            (json!({"invoices": ["INV-1"], "instalments": [{"due_date": "2026-03-01", "amount": "100.00"}]}), "payment_plan_invalid", "instalments.0.due_date"),
            (json!({"invoices": ["INV-1"], "instalments": [
                {"due_date": "2026-04-15", "amount": "50.00"},
                {"due_date": "2026-03-15", "amount": "50.00"}
            ]}), "payment_plan_invalid", "instalments.1.due_date"),
            (json!({"invoices": ["INV-1"], "instalments": [{"due_date": "2026-03-15", "amount": "-100.00"}]}), "amount_not_positive", "instalments.0.amount"),
            (json!({"invoices": [], "instalments": [{"due_date": "2026-03-15", "amount": "100.00"}]}), "payment_plan_invalid", "invoices"),
            (json!({"invoices": ["INV-1", "INV-1"], "instalments": [{"due_date": "2026-03-15", "amount": "100.00"}]}), "payment_plan_invalid", "invoices.1"),
        ];
        for (body, code, field) in cases {
            let reply = h.post("/v1/accounts/C-1/payment-plans", &token, body.clone()).await;
            assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {}", reply.text);
            assert_eq!(reply.code(), code, "{body}");
            assert_eq!(reply.body["error"]["field"], field, "{body}");
        }

        let unknown = h
            .post("/v1/accounts/C-1/payment-plans", &token, json!({"invoices": ["INV-9"], "instalments": [{"due_date": "2026-03-15", "amount": "100.00"}]}))
            .await;
        assert_eq!(unknown.status, StatusCode::NOT_FOUND, "{}", unknown.text);
        assert_eq!(unknown.body["error"]["field"], "invoices.0");

        let foreign = h.get("/v1/accounts/C-1/payment-plans", &other).await;
        assert_eq!(foreign.status, StatusCode::NOT_FOUND, "{}", foreign.text);
        let plan: vahti_api::PaymentPlan = h
            .post("/v1/accounts/C-1/payment-plans", &token, json!({"invoices": ["INV-1"], "instalments": [{"due_date": "2026-03-15", "amount": "100.00"}]}))
            .await
            .json();
        let second = h
            .post("/v1/accounts/C-1/payment-plans", &token, json!({"invoices": ["INV-1"], "instalments": [{"due_date": "2026-03-15", "amount": "100.00"}]}))
            .await;
        assert_eq!(second.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", second.text);
        let foreign_cancel = h.post(&format!("/v1/payment-plans/{}/cancel", plan.id), &other, json!({})).await;
        assert_eq!(foreign_cancel.status, StatusCode::NOT_FOUND, "{}", foreign_cancel.text);
        assert_eq!(foreign_cancel.code(), "payment_plan_not_found");
    }

    fn remind_now_counts_as_contact(h) {
        let (tenant, token) = h.tenant("Acme Oy").await;
        let (account, _) = h
            .store_account(tenant, "C-1", &[OVERDUE, StoredInvoice { external_id: "INV-2", due: "2026-03-20", ..OVERDUE }])
            .await;

        let sent = h.post("/v1/accounts/C-1/remind", &token, json!({})).await;
        assert_eq!(sent.status, StatusCode::OK, "{}", sent.text);
        let reply: vahti_api::RemindResponse = sent.json();
        assert_eq!(reply.outcome, vahti_api::RemindOutcome::Queued);
        assert_eq!(reply.invoices, ["INV-1"]);

        let waiting = h.post("/v1/accounts/C-1/remind", &token, json!({})).await;
        assert_eq!(waiting.status, StatusCode::CONFLICT, "{}", waiting.text);
        assert_eq!(waiting.code(), "contact_interval_not_elapsed");

        deliver(&h).await;
        assert_eq!(h.emails().len(), 1);
        let again = h.post("/v1/accounts/C-1/remind", &token, json!({"kind": "friendly_reminder"})).await;
        assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.text);
        assert_eq!(again.code(), "contact_interval_not_elapsed");
        let message = again.body["error"]["message"].as_str().unwrap();
        assert!(message.contains("2026-03-09T07:01:00Z"), "{message}");
        // The policy's friendly reminder also waits for the interval.
        let wake = h.next_action_at(account).await.unwrap();
        assert!(wake.to_rfc3339().as_str() >= "2026-03-09T07:01:00+00:00", "{wake}");

        let types = h.event_types(&token).await;
        assert!(types.contains(&"step_queued".to_owned()), "{types:?}");
        assert!(types.contains(&"step_sent".to_owned()), "{types:?}");
    }

    fn remind_requests_validated(h) {
        let (tenant, token) = h.tenant("Acme Oy").await;
        let (_, other) = h.tenant("Beta Oy").await;
        h.store_account(tenant, "C-1", &[OVERDUE, StoredInvoice { external_id: "INV-2", due: "2026-03-20", ..OVERDUE }])
            .await;
        h.store_account(tenant, "C-2", &[StoredInvoice { external_id: "INV-3", due: "2026-03-20", ..OVERDUE }]).await;

        let demand = h.post("/v1/accounts/C-1/remind", &token, json!({"kind": "final_demand"})).await;
        assert_eq!(demand.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", demand.text);
        assert_eq!(demand.body["error"]["field"], "kind");

        let not_due = h.post("/v1/accounts/C-1/remind", &token, json!({"invoices": ["INV-2"]})).await;
        assert_eq!(not_due.status, StatusCode::CONFLICT, "{}", not_due.text);
        assert_eq!(not_due.code(), "nothing_to_remind");
        assert_eq!(not_due.body["error"]["field"], "invoices.0");

        let nothing = h.post("/v1/accounts/C-2/remind", &token, json!({})).await;
        assert_eq!(nothing.status, StatusCode::CONFLICT, "{}", nothing.text);
        assert_eq!(nothing.code(), "nothing_to_remind");

        let foreign = h.post("/v1/accounts/C-1/remind", &other, json!({})).await;
        assert_eq!(foreign.status, StatusCode::NOT_FOUND, "{}", foreign.text);
        assert!(h.emails().is_empty());
    }
}
