use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::accounts::create_account;
use crate::invoices::{invoice, put_invoice};
use crate::support::Harness;

/// Builds a payment body in EUR, paid 2026-03-02.
fn payment(amount: &str, reference: Option<&str>, archive_id: &str) -> Value {
    let mut body = json!({
        "amount": amount,
        "currency": "EUR",
        "paid_on": "2026-03-02",
        "archive_id": archive_id,
        "payer_name": "MEIKALAINEN MAIJA",
    });
    if let Some(reference) = reference {
        body["reference"] = json!(reference);
    }
    body
}

/// Creates account `C-1` with invoice `INV-1` of 100.00 EUR, reference 1234561.
async fn account_with_invoice(h: &Harness, token: &str) {
    create_account(h, token, "C-1").await;
    let mut body = invoice("C-1", "1", "100.00");
    body["reference"] = json!("1234561");
    put_invoice(h, token, "INV-1", body).await;
}

crate::api_test! {
    fn payment_settles_invoice_by_reference(h) {
        let (tenant_id, token) = h.tenant("Acme Oy").await;
        account_with_invoice(&h, &token).await;

        let reply = h.post("/v1/payments", &token, payment("100.00", Some("RF34 1234 561"), "A-1")).await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
        let recorded: vahti_api::Payment = reply.json();
        assert!(recorded.matched);
        assert_eq!(recorded.account.as_deref(), Some("C-1"));
        assert_eq!(recorded.reference.as_deref(), Some("RF341234561"));
        assert_eq!(recorded.booked_on.to_string(), "2026-03-02");
        assert_eq!(recorded.allocations.len(), 1);
        assert_eq!(recorded.allocations[0].invoice, "INV-1");
        assert_eq!(recorded.allocations[0].component, vahti_api::AllocationComponent::Principal);
        assert_eq!(recorded.allocations[0].amount.to_string(), "100.00");
        assert_eq!(recorded.unallocated.to_string(), "0.00");

        let paid = h.get("/v1/invoices/INV-1", &token).await;
        assert_eq!(paid.body["status"], "paid");
        assert_eq!(paid.body["paid"], "100.00");
        assert_eq!(paid.body["next_action_at"], Value::Null);
        assert_eq!(paid.body["payment_codes"]["barcode"], "450572340002045180000000000000000000000001234561260331");
        let account = h.get("/v1/accounts/C-1", &token).await;
        assert_eq!(account.body["next_action_at"], Value::Null);

        let kinds = h.event_kinds(tenant_id).await;
        assert_eq!(&kinds[kinds.len() - 3..], ["payment_recorded", "payment_matched", "invoice_paid"]);
    }

    fn payment_partial_and_overpaid(h) {
        let (_, token) = h.tenant("Acme Oy").await;
        account_with_invoice(&h, &token).await;
        let mut second = invoice("C-1", "2", "50.00");
        second["reference"] = json!("1232");
        put_invoice(&h, &token, "INV-2", second).await;

        let partial = h.post("/v1/payments", &token, payment("60.00", Some("1234561"), "A-1")).await;
        assert_eq!(partial.status, StatusCode::CREATED, "{}", partial.text);
        let open = h.get("/v1/invoices/INV-1", &token).await;
        assert_eq!(open.body["status"], "open");
        assert_eq!(open.body["principal_outstanding"], "40.00");

        let over = h.post("/v1/payments", &token, payment("70.00", Some("1234561"), "A-2")).await;
        assert_eq!(over.status, StatusCode::CREATED, "{}", over.text);
        let allocations = over.body["allocations"].as_array().unwrap();
        assert_eq!(allocations.len(), 2, "{}", over.text);
        assert_eq!(allocations[0]["invoice"], "INV-1");
        assert_eq!(allocations[0]["amount"], "40.00");
        assert_eq!(allocations[1]["invoice"], "INV-2");
        assert_eq!(allocations[1]["amount"], "30.00");
        assert_eq!(over.body["unallocated"], "0.00");

        let first = h.get("/v1/invoices/INV-1", &token).await;
        assert_eq!(first.body["status"], "paid");
        let rest = h.get("/v1/invoices/INV-2", &token).await;
        assert_eq!(rest.body["principal_outstanding"], "20.00");

        let credit = h.post("/v1/payments", &token, payment("50.00", Some("1232"), "A-3")).await;
        assert_eq!(credit.body["unallocated"], "30.00");
        let status = h.get("/v1/accounts/C-1/status", &token).await;
        assert_eq!(status.body["balances"][0]["credit"], "30.00");
        assert_eq!(status.body["balances"][0]["total"], "-30.00");
    }

    fn payment_unmatched_then_matched(h) {
        let (tenant_id, token) = h.tenant("Acme Oy").await;
        account_with_invoice(&h, &token).await;

        let anonymous = h.post("/v1/payments", &token, payment("100.00", None, "A-1")).await;
        assert_eq!(anonymous.status, StatusCode::CREATED, "{}", anonymous.text);
        assert_eq!(anonymous.body["matched"], false);
        assert_eq!(anonymous.body["account"], Value::Null);
        assert_eq!(anonymous.body["unallocated"], "100.00");
        let unknown = h.post("/v1/payments", &token, payment("45.00", Some("10440993"), "A-2")).await;
        assert_eq!(unknown.body["matched"], false);
        let events = h.events(tenant_id).await;
        let reasons: Vec<_> = events
            .iter()
            .filter(|event| event.kind == "payment_unmatched")
            .map(|event| event.payload["reason"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(reasons, vec!["payment_reference_missing", "payment_invoice_not_found"]);

        let queue = h.get("/v1/payments?unmatched=true", &token).await;
        assert_eq!(queue.body["items"].as_array().unwrap().len(), 2, "{}", queue.text);

        let id = anonymous.body["id"].as_i64().unwrap();
        let matched = h.post(&format!("/v1/payments/{id}/match"), &token, json!({"invoice": "INV-1"})).await;
        assert_eq!(matched.status, StatusCode::OK, "{}", matched.text);
        assert_eq!(matched.body["matched"], true);
        assert_eq!(matched.body["allocations"][0]["amount"], "100.00");
        let paid = h.get("/v1/invoices/INV-1", &token).await;
        assert_eq!(paid.body["status"], "paid");

        let queue = h.get("/v1/payments?unmatched=true", &token).await;
        assert_eq!(queue.body["items"].as_array().unwrap().len(), 1);
        let matched_list = h.get("/v1/payments?unmatched=false", &token).await;
        assert_eq!(matched_list.body["items"][0]["id"], id);

        let again = h.post(&format!("/v1/payments/{id}/match"), &token, json!({"invoice": "INV-1"})).await;
        assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.text);
        assert_eq!(again.code(), "payment_already_matched");

        let mut krona = invoice("C-1", "2", "10.00");
        krona["currency"] = json!("SEK");
        put_invoice(&h, &token, "INV-SEK", krona).await;
        let other = unknown.body["id"].as_i64().unwrap();
        let mismatch = h.post(&format!("/v1/payments/{other}/match"), &token, json!({"invoice": "INV-SEK"})).await;
        assert_eq!(mismatch.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", mismatch.text);
        assert_eq!(mismatch.code(), "currency_mismatch");
        let missing = h.post(&format!("/v1/payments/{other}/match"), &token, json!({"invoice": "INV-404"})).await;
        assert_eq!(missing.status, StatusCode::NOT_FOUND, "{}", missing.text);
        assert_eq!(missing.body["error"]["field"], "invoice");
    }

    fn payment_archive_id_replays(h) {
        let (tenant_id, token) = h.tenant("Acme Oy").await;
        account_with_invoice(&h, &token).await;
        let first = h.post("/v1/payments", &token, payment("60.00", Some("1234561"), "A-1")).await;
        assert_eq!(first.status, StatusCode::CREATED, "{}", first.text);
        let events_before = h.event_kinds(tenant_id).await.len();

        let again = h.post("/v1/payments", &token, payment("60.00", Some("1234561"), "A-1")).await;
        assert_eq!(again.status, StatusCode::OK, "{}", again.text);
        assert_eq!(again.body["id"], first.body["id"]);
        assert_eq!(h.event_kinds(tenant_id).await.len(), events_before);
        let open = h.get("/v1/invoices/INV-1", &token).await;
        assert_eq!(open.body["principal_outstanding"], "40.00");

        let changed = h.post("/v1/payments", &token, payment("61.00", Some("1234561"), "A-1")).await;
        assert_eq!(changed.status, StatusCode::CONFLICT, "{}", changed.text);
        assert_eq!(changed.code(), "payment_duplicate");
        let id = first.body["id"].as_i64().unwrap();
        assert!(changed.body["error"]["message"].as_str().unwrap().contains(&format!("payment {id}")));
    }

    fn payment_reversal_reopens_invoice(h) {
        let (tenant_id, token) = h.tenant("Acme Oy").await;
        account_with_invoice(&h, &token).await;
        let paid = h.post("/v1/payments", &token, payment("100.00", Some("1234561"), "A-1")).await;
        let id = paid.body["id"].as_i64().unwrap();

        let reversed = h.post(&format!("/v1/payments/{id}/reverse"), &token, json!({})).await;
        assert_eq!(reversed.status, StatusCode::OK, "{}", reversed.text);
        assert_ne!(reversed.body["reversed_at"], Value::Null);
        assert_eq!(reversed.body["allocations"], json!([]));
        let open = h.get("/v1/invoices/INV-1", &token).await;
        assert_eq!(open.body["status"], "open");
        assert_eq!(open.body["paid"], "0.00");
        assert!(h.event_kinds(tenant_id).await.contains(&"payment_reversed".to_owned()));

        let twice = h.post(&format!("/v1/payments/{id}/reverse"), &token, json!({})).await;
        assert_eq!(twice.status, StatusCode::CONFLICT, "{}", twice.text);
        assert_eq!(twice.code(), "payment_reversed");

        let unmatched = h.post("/v1/payments", &token, payment("5.00", None, "A-2")).await;
        let other = unmatched.body["id"].as_i64().unwrap();
        let reversed = h.post(&format!("/v1/payments/{other}/reverse"), &token, json!({})).await;
        assert_eq!(reversed.status, StatusCode::OK, "{}", reversed.text);
        let queue = h.get("/v1/payments?unmatched=true", &token).await;
        assert_eq!(queue.body["items"], json!([]));
        let matched = h.post(&format!("/v1/payments/{other}/match"), &token, json!({"invoice": "INV-1"})).await;
        assert_eq!(matched.code(), "payment_reversed");
    }

    fn payment_names_invoice(h) {
        let (_, token) = h.tenant("Acme Oy").await;
        account_with_invoice(&h, &token).await;
        let mut body = payment("100.00", None, "A-1");
        body["invoice"] = json!("INV-1");
        let reply = h.post("/v1/payments", &token, body).await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
        assert_eq!(reply.body["matched"], true);
        assert_eq!(reply.body["allocations"][0]["invoice"], "INV-1");
    }

    fn payment_validation_names_field(h) {
        let (_, token) = h.tenant("Acme Oy").await;
        account_with_invoice(&h, &token).await;
        let cases = [
            ("amount", json!("0.00"), StatusCode::UNPROCESSABLE_ENTITY, "amount_not_positive", "amount"),
            ("currency", json!("EURO"), StatusCode::UNPROCESSABLE_ENTITY, "currency_unknown", "currency"),
            ("reference", json!("1234562"), StatusCode::UNPROCESSABLE_ENTITY, "payment_reference_invalid", "reference"),
            ("invoice", json!("INV-404"), StatusCode::NOT_FOUND, "invoice_not_found", "invoice"),
            ("archive_id", json!(" "), StatusCode::UNPROCESSABLE_ENTITY, "value_invalid", "archive_id"),
        ];
        for (field, value, status, code, named) in cases {
            let mut body = payment("10.00", None, "A-1");
            body[field] = value.clone();
            let reply = h.post("/v1/payments", &token, body).await;
            assert_eq!(reply.status, status, "{field} {value}: {}", reply.text);
            assert_eq!(reply.code(), code, "{field} {value}");
            assert_eq!(reply.body["error"]["field"], named, "{field} {value}");
        }
        let mut both = payment("10.00", Some("1234561"), "A-1");
        both["invoice"] = json!("INV-1");
        let reply = h.post("/v1/payments", &token, both).await;
        assert_eq!(reply.code(), "payment_target_conflict", "{}", reply.text);

        let mut krona = payment("10.00", None, "A-1");
        krona["invoice"] = json!("INV-1");
        krona["currency"] = json!("SEK");
        let reply = h.post("/v1/payments", &token, krona).await;
        assert_eq!(reply.code(), "currency_mismatch", "{}", reply.text);
    }

    fn payment_finds_generated_reference(h) {
        let (_, token) = h.tenant("Acme Oy").await;
        create_account(&h, &token, "C-1").await;
        let mut body = invoice("C-1", "1", "10.00");
        body["reference"] = json!("1234562");
        let flagged = put_invoice(&h, &token, "INV-1", body).await;
        assert_eq!(flagged["reference_flagged"], true);
        let generated = flagged["payment_codes"]["reference"]["finnish"].as_str().unwrap().to_owned();

        let reply = h.post("/v1/payments", &token, payment("10.00", Some(&generated), "A-1")).await;
        assert_eq!(reply.body["matched"], true, "{}", reply.text);
        let paid = h.get("/v1/invoices/INV-1", &token).await;
        assert_eq!(paid.body["status"], "paid");
    }

    fn payment_list_pages(h) {
        let (_, token) = h.tenant("Acme Oy").await;
        for n in 1..=3 {
            h.post("/v1/payments", &token, payment("1.00", None, &format!("A-{n}"))).await;
        }
        let first = h.get("/v1/payments?limit=2", &token).await;
        assert_eq!(first.status, StatusCode::OK, "{}", first.text);
        let page: vahti_api::Page<vahti_api::Payment> = first.json();
        assert_eq!(page.items.len(), 2);
        let cursor = page.next_cursor.unwrap();
        let second = h.get(&format!("/v1/payments?limit=2&cursor={cursor}"), &token).await;
        let page: vahti_api::Page<vahti_api::Payment> = second.json();
        assert_eq!(page.items.len(), 1);
        assert_eq!(page.items[0].archive_id.as_deref(), Some("A-3"));
        assert_eq!(page.next_cursor, None);
        let bad = h.get("/v1/payments?unmatched=maybe", &token).await;
        assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{}", bad.text);
    }

    fn payment_endpoints_need_token(h) {
        let (_, token) = h.tenant("Acme Oy").await;
        let recorded = h.post("/v1/payments", &token, payment("1.00", None, "A-1")).await;
        let id = recorded.body["id"].as_i64().unwrap();
        for (method, path, body) in [
            (Method::GET, "/v1/payments".to_owned(), json!({})),
            (Method::POST, "/v1/payments".to_owned(), payment("1.00", None, "A-2")),
            (Method::POST, format!("/v1/payments/{id}/reverse"), json!({})),
            (Method::POST, format!("/v1/payments/{id}/match"), json!({"invoice": "INV-1"})),
        ] {
            let missing = h.call(method.clone(), &path, None, Some(body.clone())).await;
            assert_eq!(missing.status, StatusCode::UNAUTHORIZED, "{method} {path}");
            let wrong = h.call(method.clone(), &path, Some("vahti_wrong"), Some(body.clone())).await;
            assert_eq!(wrong.status, StatusCode::UNAUTHORIZED, "{method} {path}");
        }
    }

    fn payment_of_other_tenant_hidden(h) {
        let (_, token) = h.tenant("Acme Oy").await;
        let (_, other) = h.tenant("Other Oy").await;
        account_with_invoice(&h, &token).await;
        let recorded = h.post("/v1/payments", &token, payment("1.00", None, "A-1")).await;
        let id = recorded.body["id"].as_i64().unwrap();

        let reverse = h.post(&format!("/v1/payments/{id}/reverse"), &other, json!({})).await;
        assert_eq!(reverse.status, StatusCode::NOT_FOUND, "{}", reverse.text);
        assert_eq!(reverse.code(), "payment_not_found");
        let matched = h.post(&format!("/v1/payments/{id}/match"), &other, json!({"invoice": "INV-1"})).await;
        assert_eq!(matched.status, StatusCode::NOT_FOUND, "{}", matched.text);
        let list = h.get("/v1/payments", &other).await;
        assert_eq!(list.body["items"], json!([]));

        let foreign = h.post("/v1/payments", &other, payment("100.00", Some("1234561"), "A-1")).await;
        assert_eq!(foreign.status, StatusCode::CREATED, "{}", foreign.text);
        assert_eq!(foreign.body["matched"], false);
        let mut named = payment("100.00", None, "A-2");
        named["invoice"] = json!("INV-1");
        let named = h.post("/v1/payments", &other, named).await;
        assert_eq!(named.status, StatusCode::NOT_FOUND, "{}", named.text);
        let untouched = h.get("/v1/invoices/INV-1", &token).await;
        assert_eq!(untouched.body["status"], "open");
    }
}
