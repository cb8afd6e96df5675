use chrono::{NaiveDate, TimeZone, Utc};
use reqwest::StatusCode;
use serde_json::{Value, json};
use vahti_domain::ids::{AccountId, InvoiceId, TenantId};
use vahti_store::holds;

use crate::accounts::create_account;
use crate::invoices::{invoice, put_invoice};

crate::api_test! {
    fn status_shows_balances_and_timeline(h) {
        let (tenant_id, token) = h.tenant("Acme Oy").await;
        let account = create_account(&h, &token, "C-1").await;
        let mut overdue = invoice("C-1", "1", "100.00");
        overdue["issue_date"] = json!("2026-01-30");
        overdue["due_date"] = json!("2026-02-13");
        let overdue = put_invoice(&h, &token, "INV-1", overdue).await;
        put_invoice(&h, &token, "INV-2", invoice("C-1", "2", "50.00")).await;
        let mut krona = invoice("C-1", "3", "200.00");
        krona["currency"] = json!("SEK");
        put_invoice(&h, &token, "INV-3", krona).await;
        let mut credit = invoice("C-1", "CN-1", "20.00");
        credit["kind"] = json!("credit_note");
        credit["corrects"] = json!("INV-2");
        put_invoice(&h, &token, "CN-1", credit).await;
        let paid = h
            .post(
                "/v1/payments",
                &token,
                json!({"amount": "10.00", "currency": "EUR", "paid_on": "2026-03-02", "invoice": "INV-2"}),
            )
            .await;
        assert_eq!(paid.status, StatusCode::CREATED, "{}", paid.text);

        h.advance_days(0).await;
        assert_eq!(h.emails().len(), 1);

        let account_id = AccountId(account["id"].as_i64().unwrap());
        let invoice_id = InvoiceId(overdue["id"].as_i64().unwrap());
        let store = h.app.store().clone();
        tokio::task::spawn_blocking(move || {
            store.transaction(|tx| {
                let at = Utc.with_ymd_and_hms(2026, 3, 2, 8, 0, 0).unwrap();
                let until = NaiveDate::from_ymd_opt(2026, 3, 20).unwrap();
                holds::pause(tx, TenantId(tenant_id), account_id, Some(invoice_id), until, "customer on holiday", at)?;
                holds::open_dispute(tx, TenantId(tenant_id), account_id, Some(invoice_id), "goods missing", at)
            })
        })
        .await
        .unwrap()
        .unwrap();

        let reply = h.get("/v1/accounts/C-1/status", &token).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
        let status: vahti_api::AccountStatus = reply.json();
        assert_eq!(status.account.external_id, "C-1");

        let currencies: Vec<_> = status.balances.iter().map(|balance| balance.currency.as_str()).collect();
        assert_eq!(currencies, vec!["EUR", "SEK"]);
        let euro = &status.balances[0];
        assert_eq!(euro.principal.to_string(), "120.00");
        assert_eq!(euro.fees.to_string(), "0.00");
        assert_eq!(euro.credit.to_string(), "0.00");
        assert_eq!(euro.total.to_string(), "120.00");
        assert_eq!(status.balances[1].total.to_string(), "200.00");

        let open: Vec<_> = status.open_invoices.iter().map(|invoice| invoice.external_id.as_str()).collect();
        assert_eq!(open, vec!["INV-1", "INV-2", "INV-3"]);
        let step = status.open_invoices[0].current_step.as_ref().unwrap();
        assert_eq!(step.key, "friendly_reminder");
        assert_eq!(step.state, vahti_api::StepState::Sent);
        assert_eq!(status.open_invoices[1].principal_outstanding.to_string(), "20.00");

        use vahti_api::TimelineKind::{CreditNote, DisputeOpened, InvoiceCreated, Paused, Payment, StepSent};
        let kinds: Vec<_> = status.timeline.iter().map(|entry| entry.kind).collect();
        for kind in [InvoiceCreated, CreditNote, Payment, StepSent, Paused, DisputeOpened] {
            assert!(kinds.contains(&kind), "{kind:?} missing from {kinds:?}");
        }
        let instants: Vec<_> = status.timeline.iter().map(|entry| entry.at).collect();
        let mut newest_first = instants.clone();
        newest_first.sort_by_key(|at| std::cmp::Reverse(*at));
        assert_eq!(instants, newest_first);
        let sent = status.timeline.iter().find(|entry| entry.kind == StepSent).unwrap();
        assert_eq!(sent.invoice.as_deref(), Some("INV-1"));
        assert_eq!(sent.step.as_deref(), Some("friendly_reminder"));
        let payment = status.timeline.iter().find(|entry| entry.kind == Payment).unwrap();
        assert_eq!(payment.amount.map(|amount| amount.to_string()).as_deref(), Some("10.00"));
        assert_eq!(payment.currency.as_deref(), Some("EUR"));
        let credit = status.timeline.iter().find(|entry| entry.kind == CreditNote).unwrap();
        assert_eq!(credit.invoice.as_deref(), Some("INV-2"));
    }

    fn status_of_missing_account(h) {
        let (_, token) = h.tenant("Acme Oy").await;
        let (_, other) = h.tenant("Other Oy").await;
        create_account(&h, &token, "C-1").await;

        let fresh = h.get("/v1/accounts/C-1/status", &token).await;
        assert_eq!(fresh.status, StatusCode::OK, "{}", fresh.text);
        assert_eq!(fresh.body["balances"], json!([]));
        assert_eq!(fresh.body["next_action_at"], Value::Null);

        let hidden = h.get("/v1/accounts/C-1/status", &other).await;
        assert_eq!(hidden.status, StatusCode::NOT_FOUND, "{}", hidden.text);
        assert_eq!(hidden.code(), "account_not_found");
        let missing = h.get("/v1/accounts/C-404/status", &token).await;
        assert_eq!(missing.status, StatusCode::NOT_FOUND, "{}", missing.text);

        let anonymous = h.call(reqwest::Method::GET, "/v1/accounts/C-1/status", None, None).await;
        assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
        let wrong = h.get("/v1/accounts/C-1/status", "vahti_wrong").await;
        assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    }
}
