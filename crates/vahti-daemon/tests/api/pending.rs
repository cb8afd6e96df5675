use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::support::{ADMIN_TOKEN, Harness, StoredInvoice};

/// An invoice of 100.00 EUR due on Friday 2026-02-27, three days before the clock starts.
const OVERDUE: StoredInvoice<'static> = StoredInvoice {
    external_id: "INV-1",
    amount: "100.00",
    due: "2026-02-27",
};

/// Makes the default consumer policy's friendly reminder wait for approval.
async fn approve_friendly_reminders(h: &Harness, token: &str) {
    let mut body = h.get("/v1/policies/default-consumer", token).await.body["policy"].clone();
    body["steps"][0]["approval"] = json!("required");
    let reply = h
        .put(
            "/v1/policies/default-consumer",
            token,
            json!({"policy": body}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
}

/// Replaces the default consumer policy with one fee-bearing reminder 14 days after the due date
/// that waits for approval.
async fn approve_fee_reminders(h: &Harness, token: &str) {
    let mut body = h.get("/v1/policies/default-consumer", token).await.body["policy"].clone();
    body["steps"] = json!([{
        "key": "reminder",
        "kind": "reminder",
        "offset_days": 14,
        "offset_from": "due_date",
        "fee": {"kind": "reminder_fee", "fixed": "5.00"},
        "interest": "charge",
        "payment_period_days": 14,
        "approval": "required"
    }]);
    let reply = h
        .put(
            "/v1/policies/default-consumer",
            token,
            json!({"policy": body}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
}

/// Reads the one pending action of the tenant.
async fn only_pending(h: &Harness, token: &str) -> Value {
    let reply = h.get("/v1/pending", token).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let items = reply.body["items"].as_array().unwrap().clone();
    assert_eq!(items.len(), 1, "{}", reply.text);
    items[0].clone()
}

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

crate::api_test! {
    fn pending_approved_with_free_text(h) {
        let (tenant, token) = h.tenant("Acme Oy").await;
        approve_friendly_reminders(&h, &token).await;
        h.store_account(tenant, "C-1", &[OVERDUE]).await;
        h.advance_days(4).await;
        assert!(h.emails().is_empty(), "the reminder waits for approval");

        let action = only_pending(&h, &token).await;
        let action: vahti_api::PendingAction = serde_json::from_value(action).unwrap();
        assert_eq!(action.kind, vahti_api::PendingActionKind::Message);
        assert_eq!(action.step_kind, vahti_api::StepKind::FriendlyReminder);
        assert_eq!(action.state, vahti_api::PendingActionState::Pending);
        assert_eq!(action.invoices.len(), 1);
        assert_eq!(action.invoices[0].invoice, "INV-1");
        assert_eq!(action.invoices[0].step, "friendly_reminder");
        assert_eq!(action.invoices[0].outstanding.to_string(), "100.00");
        assert_eq!(action.invoices[0].fee.to_string(), "0.00");
        assert_eq!(action.totals.len(), 1);
        assert_eq!(action.totals[0].amount.to_string(), "100.00");

        let read: vahti_api::PendingAction = h.get(&format!("/v1/pending/{}", action.id), &token).await.json();
        assert_eq!(read, action);

        let path = format!("/v1/pending/{}/approve", action.id);
        let approved = h
            .post(&path, &token, json!({"free_text": "Soitamme teille huomenna.", "note": "Checked"}))
            .await;
        assert_eq!(approved.status, StatusCode::OK, "{}", approved.text);
        assert_eq!(approved.body["state"], "approved");
        assert_eq!(approved.body["note"], "Checked");

        deliver(&h).await;
        let emails = h.emails();
        assert_eq!(emails.len(), 1);
        assert!(emails[0].contains("Soitamme teille huomenna."), "{}", emails[0]);

        let again = h.post(&path, &token, json!({})).await;
        assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.text);
        assert_eq!(again.code(), "pending_action_closed");

        let waiting: vahti_api::Page<vahti_api::PendingAction> = h.get("/v1/pending", &token).await.json();
        assert!(waiting.items.is_empty());
        let decided: vahti_api::Page<vahti_api::PendingAction> =
            h.get("/v1/pending?state=approved", &token).await.json();
        assert_eq!(decided.items.len(), 1);

        let types = h.event_types(&token).await;
        for expected in ["approval_needed", "action_approved", "step_queued", "step_sent"] {
            assert!(types.contains(&expected.to_owned()), "{expected} in {types:?}");
        }
    }

    fn pending_fee_only_lowered(h) {
        let (tenant, token) = h.tenant("Acme Oy").await;
        approve_fee_reminders(&h, &token).await;
        h.store_account(tenant, "C-1", &[OVERDUE]).await;
        h.advance_days(11).await;

        let action: vahti_api::PendingAction = serde_json::from_value(only_pending(&h, &token).await).unwrap();
        assert_eq!(action.invoices[0].fee.to_string(), "5.00");
        assert_eq!(action.totals[0].amount.to_string(), "105.00");
        let path = format!("/v1/pending/{}/approve", action.id);

        let raised = h.post(&path, &token, json!({"fee_amounts": [{"invoice": "INV-1", "amount": "6.00"}]})).await;
        assert_eq!(raised.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", raised.text);
        assert_eq!(raised.code(), "fee_above_proposed");
        assert_eq!(raised.body["error"]["field"], "fee_amounts.0.amount");

        let unknown = h.post(&path, &token, json!({"fee_amounts": [{"invoice": "INV-9", "amount": "1.00"}]})).await;
        assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", unknown.text);
        assert_eq!(unknown.body["error"]["field"], "fee_amounts.0.invoice");

        let approved = h.post(&path, &token, json!({"fee_amounts": [{"invoice": "INV-1", "amount": "2.00"}]})).await;
        assert_eq!(approved.status, StatusCode::OK, "{}", approved.text);
        let approved: vahti_api::PendingAction = approved.json();
        assert_eq!(approved.invoices[0].fee.to_string(), "2.00");

        deliver(&h).await;
        assert_eq!(h.emails().len(), 1);
        let types = h.event_types(&token).await;
        assert!(types.contains(&"fee_charged".to_owned()), "{types:?}");
    }

    fn pending_skipped_with_reason(h) {
        let (tenant, token) = h.tenant("Acme Oy").await;
        approve_friendly_reminders(&h, &token).await;
        let (account, _) = h.store_account(tenant, "C-1", &[OVERDUE]).await;
        h.advance_days(4).await;
        let action = only_pending(&h, &token).await;
        let path = format!("/v1/pending/{}/skip", action["id"]);

        let empty = h.post(&path, &token, json!({"reason": ""})).await;
        assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", empty.text);
        assert_eq!(empty.body["error"]["field"], "reason");

        let skipped = h.post(&path, &token, json!({"reason": "The customer called"})).await;
        assert_eq!(skipped.status, StatusCode::OK, "{}", skipped.text);
        assert_eq!(skipped.body["state"], "skipped");
        assert_eq!(skipped.body["note"], "The customer called");

        // The next step counts 14 days from the skipped one.
        let next = h.next_action_at(account).await.unwrap();
        assert_eq!(next.to_rfc3339(), "2026-03-20T06:00:00+00:00");
        let types = h.event_types(&token).await;
        assert!(types.contains(&"action_skipped".to_owned()), "{types:?}");
        assert!(types.contains(&"step_skipped".to_owned()), "{types:?}");
        deliver(&h).await;
        assert!(h.emails().is_empty());
    }

    fn pending_skipped_when_paid_meanwhile(h) {
        let (tenant, token) = h.tenant("Acme Oy").await;
        approve_friendly_reminders(&h, &token).await;
        let (account, invoices) = h.store_account(tenant, "C-1", &[OVERDUE]).await;
        h.advance_days(4).await;
        let action = only_pending(&h, &token).await;

        h.store_payment(tenant, account, invoices[0], "100.00", "2026-03-05").await;
        let approved = h.post(&format!("/v1/pending/{}/approve", action["id"]), &token, json!({})).await;
        assert_eq!(approved.status, StatusCode::OK, "{}", approved.text);
        assert_eq!(approved.body["state"], "skipped");
        let note = approved.body["note"].as_str().unwrap();
        assert!(note.contains("no invoice"), "{note}");
        deliver(&h).await;
        assert!(h.emails().is_empty());
    }

    fn letter_approval_means_posted(h) {
        let (tenant, token) = h.tenant("Acme Oy").await;
        let (account, _) = h.store_account(tenant, "C-1", &[OVERDUE]).await;
        // Without an email address, the friendly reminder becomes a letter for a person to post.
        h.app
            .write(move |tx| {
                let mut stored = vahti_store::accounts::get(tx, account)?;
                stored.emails.clear();
                let upsert = vahti_store::accounts::AccountUpsert {
                    external_id: stored.external_id,
                    name: stored.name,
                    debtor_type: stored.debtor_type,
                    emails: stored.emails,
                    locale: stored.locale,
                    time_zone: stored.time_zone,
                    policy_id: stored.policy_id,
                    contact: stored.contact,
                    e_demand_consent_until: stored.e_demand_consent_until,
                };
                Ok(vahti_store::accounts::upsert(tx, stored.tenant_id, &upsert, stored.updated_at)?)
            })
            .await
            .unwrap();
        h.advance_days(4).await;

        let action: vahti_api::PendingAction = serde_json::from_value(only_pending(&h, &token).await).unwrap();
        assert_eq!(action.kind, vahti_api::PendingActionKind::Letter);
        let path = format!("/v1/pending/{}/approve", action.id);
        let text = h.post(&path, &token, json!({"free_text": "Hei"})).await;
        assert_eq!(text.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", text.text);
        assert_eq!(text.body["error"]["field"], "free_text");

        let posted = h.post(&path, &token, json!({"note": "Posted on Friday"})).await;
        assert_eq!(posted.status, StatusCode::OK, "{}", posted.text);
        assert_eq!(posted.body["state"], "approved");
        let contacted = h
            .app
            .read(move |tx| Ok(vahti_store::accounts::get(tx, account)?.last_contact_at))
            .await
            .unwrap();
        assert_eq!(contacted, Some(h.app.now()));
        let types = h.event_types(&token).await;
        assert!(types.contains(&"step_sent".to_owned()), "{types:?}");
        assert!(h.emails().is_empty());
    }

    fn pending_other_tenant_not_found(h) {
        let (tenant, token) = h.tenant("Acme Oy").await;
        let (_, other) = h.tenant("Beta Oy").await;
        approve_friendly_reminders(&h, &token).await;
        h.store_account(tenant, "C-1", &[OVERDUE]).await;
        h.advance_days(4).await;
        let action = only_pending(&h, &token).await;
        let id = action["id"].as_i64().unwrap();

        let read = h.get(&format!("/v1/pending/{id}"), &other).await;
        assert_eq!(read.status, StatusCode::NOT_FOUND, "{}", read.text);
        assert_eq!(read.code(), "pending_action_not_found");
        let approve = h.post(&format!("/v1/pending/{id}/approve"), &other, json!({})).await;
        assert_eq!(approve.status, StatusCode::NOT_FOUND, "{}", approve.text);
        let skip = h.post(&format!("/v1/pending/{id}/skip"), &other, json!({"reason": "x"})).await;
        assert_eq!(skip.status, StatusCode::NOT_FOUND, "{}", skip.text);
        let listed: vahti_api::Page<vahti_api::PendingAction> = h.get("/v1/pending", &other).await.json();
        assert!(listed.items.is_empty());

        let by_account: vahti_api::Page<vahti_api::PendingAction> =
            h.get("/v1/pending?account=C-1", &token).await.json();
        assert_eq!(by_account.items.len(), 1);
        let unknown_account = h.get("/v1/pending?account=C-9", &token).await;
        assert_eq!(unknown_account.status, StatusCode::NOT_FOUND, "{}", unknown_account.text);
        let bad_state = h.get("/v1/pending?state=bogus", &token).await;
        assert_eq!(bad_state.status, StatusCode::BAD_REQUEST, "{}", bad_state.text);
        let bad_id = h.get("/v1/pending/abc", &token).await;
        assert_eq!(bad_id.status, StatusCode::BAD_REQUEST, "{}", bad_id.text);
        let missing = h.call(Method::GET, "/v1/pending", None, None).await;
        assert_eq!(missing.status, StatusCode::UNAUTHORIZED, "{}", missing.text);
    }
}
