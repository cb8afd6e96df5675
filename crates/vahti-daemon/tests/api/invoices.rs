use std::time::Instant;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::accounts::create_account;
use crate::support::Harness;

/// Builds an issued invoice body of `amount` EUR, issued 2026-03-02 and due 2026-03-31.
pub fn invoice(account: &str, number: &str, amount: &str) -> Value {
    json!({
        "account": account,
        "number": number,
        "issue_date": "2026-03-02",
        "due_date": "2026-03-31",
        "currency": "EUR",
        "amount": amount,
    })
}

/// Stores an invoice and returns its wire form.
pub async fn put_invoice(h: &Harness, token: &str, external_id: &str, body: Value) -> Value {
    let reply = h
        .put(&format!("/v1/invoices/{external_id}"), token, body)
        .await;
    assert!(reply.status.is_success(), "{}", reply.text);
    reply.body
}

crate::api_test! {
    fn invoice_carries_payment_codes(h) {
        let (tenant_id, token) = h.tenant("Kuusimäen Kahvipaahtimo Oy").await;
        create_account(&h, &token, "C-1").await;
        let mut body = invoice("C-1", "2026-0042", "124.12");
        body["reference"] = json!("12 34561");
        let reply = h.put("/v1/invoices/INV-42", &token, body.clone()).await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);

        let created: vahti_api::Invoice = reply.json();
        assert_eq!(created.account, "C-1");
        assert_eq!(created.status, vahti_api::InvoiceStatus::Open);
        assert_eq!(created.sent_on.to_string(), "2026-03-02");
        assert_eq!(created.amount.to_string(), "124.12");
        assert_eq!(created.paid.to_string(), "0.00");
        assert_eq!(created.credited.to_string(), "0.00");
        assert_eq!(created.total_outstanding.to_string(), "124.12");
        assert_eq!(created.seller_iban.as_deref(), Some("FI5057234000204518"));
        assert!(!created.reference_flagged);

        let codes = &created.payment_codes;
        assert_eq!(codes.reference.finnish.as_deref(), Some("1234561"));
        assert_eq!(codes.reference.rf, "RF341234561");
        assert_eq!(codes.reference.printed, "12 34561");
        assert_eq!(
            codes.barcode.as_deref(),
            Some("450572340002045180001241200000000000000001234561260331")
        );
        assert_eq!(
            codes.epc_qr.as_deref(),
            Some("BCD\n002\n1\nSCT\nOKOYFIHH\nKuusimäen Kahvipaahtimo Oy\nFI5057234000204518\nEUR124.12\n\nRF341234561\n\nReqdExctnDt/2026-03-31")
        );

        let step = created.current_step.as_ref().unwrap();
        assert_eq!(step.key, "friendly_reminder");
        assert_eq!(step.state, vahti_api::StepState::Scheduled);
        let next = created.next_action_at.unwrap();
        assert!(next.to_rfc3339().starts_with("2026-04-07"), "{next}");

        let again = h.put("/v1/invoices/INV-42", &token, body.clone()).await;
        assert_eq!(again.status, StatusCode::OK, "{}", again.text);
        let mut changed = body;
        changed["amount"] = json!("150.00");
        let updated = h.put("/v1/invoices/INV-42", &token, changed).await;
        assert_eq!(updated.status, StatusCode::OK, "{}", updated.text);
        assert_eq!(updated.body["amount"], "150.00");
        assert_eq!(updated.body["id"], created.id);

        let read = h.get("/v1/invoices/INV-42", &token).await;
        assert_eq!(read.status, StatusCode::OK, "{}", read.text);
        assert_eq!(read.body["total_outstanding"], "150.00");

        let events = h.events(tenant_id).await;
        let kinds: Vec<_> = events.iter().map(|event| event.kind.as_str()).collect();
        assert_eq!(kinds, vec!["account_updated", "invoice_created", "invoice_updated"]);
        assert_eq!(events[2].payload["changed"], json!(["amount"]));
        assert_eq!(events[1].payload["reference"], "1234561");
    }

    fn invoice_reference_generated_once(h) {
        let (_, token) = h.tenant("Acme Oy").await;
        create_account(&h, &token, "C-1").await;
        let first = put_invoice(&h, &token, "INV-1", invoice("C-1", "1", "10.00")).await;
        let second = put_invoice(&h, &token, "INV-2", invoice("C-1", "2", "10.00")).await;
        assert_eq!(first["payment_codes"]["reference"]["finnish"], "1009");
        assert_eq!(second["payment_codes"]["reference"]["finnish"], "1012");
        assert_eq!(first["payment_codes"]["reference"]["rf"], "RF181009");

        let again = put_invoice(&h, &token, "INV-1", invoice("C-1", "1", "12.00")).await;
        assert_eq!(again["payment_codes"]["reference"]["finnish"], "1009");
        assert_eq!(again["reference_flagged"], false);
    }

    fn invoice_bad_reference_flagged(h) {
        let (tenant_id, token) = h.tenant("Acme Oy").await;
        create_account(&h, &token, "C-1").await;
        let mut body = invoice("C-1", "1", "10.00");
        body["reference"] = json!("1234562");
        let reply = h.put("/v1/invoices/INV-1", &token, body.clone()).await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
        assert_eq!(reply.body["reference_flagged"], true);
        assert_eq!(reply.body["payment_codes"]["reference"]["finnish"], "1009");

        let again = h.put("/v1/invoices/INV-1", &token, body).await;
        assert_eq!(again.status, StatusCode::OK, "{}", again.text);
        assert_eq!(again.body["payment_codes"]["reference"]["finnish"], "1009");
        assert_eq!(again.body["reference_flagged"], true);

        let events = h.events(tenant_id).await;
        let created = events.iter().find(|event| event.kind == "invoice_created").unwrap();
        assert_eq!(created.payload["reference_flagged"], true);
        assert_eq!(created.payload["reference"], "1009");
    }

    fn invoice_validation_names_field(h) {
        let (_, token) = h.tenant("Acme Oy").await;
        create_account(&h, &token, "C-1").await;
        let cases = [
            ("amount", json!("0.00"), StatusCode::UNPROCESSABLE_ENTITY, "amount_not_positive", "amount"),
            ("amount", json!("-5.00"), StatusCode::UNPROCESSABLE_ENTITY, "amount_not_positive", "amount"),
            ("amount", json!("10.001"), StatusCode::UNPROCESSABLE_ENTITY, "amount_too_many_decimals", "amount"),
            ("currency", json!("EUX"), StatusCode::UNPROCESSABLE_ENTITY, "currency_unknown", "currency"),
            ("due_date", json!("2026-03-01"), StatusCode::UNPROCESSABLE_ENTITY, "due_date_before_issue_date", "due_date"),
            ("seller_iban", json!("FI00 1234"), StatusCode::UNPROCESSABLE_ENTITY, "iban_invalid", "seller_iban"),
            ("corrects", json!("INV-0"), StatusCode::UNPROCESSABLE_ENTITY, "credit_note_invalid", "corrects"),
            ("number", json!(""), StatusCode::UNPROCESSABLE_ENTITY, "value_invalid", "number"),
            ("account", json!("C-404"), StatusCode::NOT_FOUND, "account_not_found", "account"),
            ("amount", json!(12.5), StatusCode::BAD_REQUEST, "body_invalid", "amount"),
        ];
        for (field, value, status, code, named) in cases {
            let mut body = invoice("C-1", "1", "10.00");
            body[field] = value.clone();
            let reply = h.put("/v1/invoices/INV-1", &token, body).await;
            assert_eq!(reply.status, status, "{field} {value}: {}", reply.text);
            assert_eq!(reply.code(), code, "{field} {value}");
            if status != StatusCode::BAD_REQUEST {
                assert_eq!(reply.body["error"]["field"], named, "{field} {value}");
            }
        }

        let mut yen = invoice("C-1", "1", "10.5");
        yen["currency"] = json!("JPY");
        let reply = h.put("/v1/invoices/INV-1", &token, yen).await;
        assert_eq!(reply.code(), "amount_too_many_decimals", "{}", reply.text);

        let mut credit = invoice("C-1", "CN-1", "10.00");
        credit["kind"] = json!("credit_note");
        let reply = h.put("/v1/invoices/CN-1", &token, credit).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", reply.text);
        assert_eq!(reply.code(), "credit_note_invalid");
    }

    fn invoice_fixed_fields_conflict(h) {
        let (_, token) = h.tenant("Acme Oy").await;
        create_account(&h, &token, "C-1").await;
        create_account(&h, &token, "C-2").await;
        put_invoice(&h, &token, "INV-1", invoice("C-1", "1", "10.00")).await;

        let cases = [
            ("account", json!("C-2")),
            ("currency", json!("SEK")),
            ("kind", json!("credit_note")),
            ("status", json!("draft")),
        ];
        for (field, value) in cases {
            let mut body = invoice("C-1", "1", "10.00");
            body[field] = value.clone();
            if field == "kind" {
                body["corrects"] = json!("INV-0");
            }
            let reply = h.put("/v1/invoices/INV-1", &token, body).await;
            assert_eq!(reply.status, StatusCode::CONFLICT, "{field}: {}", reply.text);
            assert_eq!(reply.code(), "invoice_field_immutable", "{field}");
            assert_eq!(reply.body["error"]["field"], field, "{field}");
        }
    }

    fn credit_note_credits_invoice(h) {
        let (tenant_id, token) = h.tenant("Acme Oy").await;
        create_account(&h, &token, "C-1").await;
        create_account(&h, &token, "C-2").await;
        put_invoice(&h, &token, "INV-1", invoice("C-1", "1", "100.00")).await;
        put_invoice(&h, &token, "INV-2", invoice("C-1", "2", "100.00")).await;
        put_invoice(&h, &token, "INV-3", invoice("C-2", "3", "100.00")).await;

        let mut credit = invoice("C-1", "CN-1", "40.00");
        credit["kind"] = json!("credit_note");
        credit["corrects"] = json!("INV-1");
        let reply = h.put("/v1/invoices/CN-1", &token, credit.clone()).await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
        assert_eq!(reply.body["kind"], "credit_note");
        assert_eq!(reply.body["corrects"], "INV-1");
        assert_eq!(reply.body["status"], "credited");
        assert_eq!(reply.body["due_date"], Value::Null);
        assert_eq!(reply.body["payment_codes"]["barcode"], Value::Null);

        let partly = h.get("/v1/invoices/INV-1", &token).await;
        assert_eq!(partly.body["credited"], "40.00");
        assert_eq!(partly.body["principal_outstanding"], "60.00");
        assert_eq!(partly.body["status"], "open");

        credit["amount"] = json!("100.00");
        let whole = h.put("/v1/invoices/CN-1", &token, credit.clone()).await;
        assert_eq!(whole.status, StatusCode::OK, "{}", whole.text);
        let credited = h.get("/v1/invoices/INV-1", &token).await;
        assert_eq!(credited.body["status"], "credited");
        assert_eq!(credited.body["total_outstanding"], "0.00");
        assert!(h.event_kinds(tenant_id).await.contains(&"invoice_credited".to_owned()));

        let mut other_account = credit.clone();
        other_account["corrects"] = json!("INV-3");
        let reply = h.put("/v1/invoices/CN-2", &token, other_account).await;
        assert_eq!(reply.code(), "credit_note_invalid", "{}", reply.text);

        let mut other_currency = credit.clone();
        other_currency["currency"] = json!("SEK");
        other_currency["corrects"] = json!("INV-2");
        let reply = h.put("/v1/invoices/CN-3", &token, other_currency).await;
        assert_eq!(reply.code(), "currency_mismatch", "{}", reply.text);

        let mut missing = credit;
        missing["corrects"] = json!("INV-404");
        let reply = h.put("/v1/invoices/CN-4", &token, missing).await;
        assert_eq!(reply.code(), "credit_note_invalid", "{}", reply.text);
        assert_eq!(reply.body["error"]["field"], "corrects");
    }

    fn invoice_batch_reports_each_item(h) {
        let (_, token) = h.tenant("Acme Oy").await;
        create_account(&h, &token, "C-1").await;
        create_account(&h, &token, "C-2").await;
        let mut credit = invoice("C-1", "CN-1", "25.00");
        credit["kind"] = json!("credit_note");
        credit["corrects"] = json!("INV-1");
        let mut bad_amount = invoice("C-2", "4", "10.00");
        bad_amount["amount"] = json!("0");
        let mut old = invoice("C-2", "5", "10.00");
        old["issue_date"] = json!("2017-11-13");
        old["due_date"] = json!("2017-12-01");
        let items = json!([
            {"external_id": "INV-1", "invoice": invoice("C-1", "1", "100.00")},
            {"external_id": "INV-2", "invoice": invoice("C-2", "2", "50.00")},
            {"external_id": "INV-3", "invoice": invoice("C-404", "3", "10.00")},
            {"external_id": "INV-4", "invoice": bad_amount},
            {"external_id": "CN-1", "invoice": credit},
            {"external_id": "INV-5", "invoice": old},
            {"external_id": "INV-1", "invoice": invoice("C-1", "1", "100.00")},
        ]);
        let reply = h.post("/v1/invoices/batch", &token, json!({"items": items})).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
        let response: vahti_api::BatchInvoiceResponse = reply.json();
        let statuses: Vec<_> = response.results.iter().map(|result| result.status).collect();
        use vahti_api::BatchItemStatus::{Created, Rejected, Unchanged};
        assert_eq!(statuses, vec![Created, Created, Rejected, Rejected, Created, Rejected, Rejected]);
        let codes: Vec<_> = response
            .results
            .iter()
            .map(|result| result.error.as_ref().map(|error| error.code.as_str().to_owned()))
            .collect();
        assert_eq!(codes[2].as_deref(), Some("account_not_found"));
        assert_eq!(codes[3].as_deref(), Some("amount_not_positive"));
        assert_eq!(codes[5].as_deref(), Some("reference_rate_missing"));
        assert_eq!(codes[6].as_deref(), Some("value_invalid"));
        let field = response.results[5].error.as_ref().unwrap().field.clone();
        assert_eq!(field.as_deref(), Some("due_date"));

        let read = h.get("/v1/invoices/INV-1", &token).await;
        assert_eq!(read.body["principal_outstanding"], "75.00");

        let again = h
            .post(
                "/v1/invoices/batch",
                &token,
                json!({"items": [{"external_id": "INV-1", "invoice": invoice("C-1", "1", "100.00")}]}),
            )
            .await;
        let response: vahti_api::BatchInvoiceResponse = again.json();
        assert_eq!(response.results[0].status, Unchanged);
    }

    fn invoice_batch_matches_single_upserts(h) {
        // The same documents go to two tenants with the same accounts and history: to one in a
        // single batch, which applies its accounts together, and to the other one PUT at a time.
        // Everything an integrator can read afterwards must agree.
        let (_, batch_token) = h.tenant("Batch Oy").await;
        let (_, single_token) = h.tenant("Single Oy").await;
        for token in [&batch_token, &single_token] {
            for account in 1..=6 {
                create_account(&h, token, &format!("C-{account}")).await;
            }
            let mut paid_in_part = invoice("C-1", "A", "100.00");
            paid_in_part["reference"] = json!("1234561");
            put_invoice(&h, token, "INV-A", paid_in_part).await;
            let payment = json!({
                "amount": "40.00", "currency": "EUR", "paid_on": "2026-03-02",
                "archive_id": "A-1", "payer_name": "MEIKALAINEN MAIJA", "reference": "1234561",
            });
            let reply = h.post("/v1/payments", token, payment).await;
            assert!(reply.status.is_success(), "{}", reply.text);
            put_invoice(&h, token, "INV-B", invoice("C-3", "B", "50.00")).await;
            put_invoice(&h, token, "INV-6", invoice("C-6", "6", "30.00")).await;
        }

        let mut moved = invoice("C-1", "A", "100.00");
        moved["reference"] = json!("1234561");
        moved["due_date"] = json!("2026-04-15");
        let mut credit_b = invoice("C-3", "CN-B", "50.00");
        credit_b["kind"] = json!("credit_note");
        credit_b["corrects"] = json!("INV-B");
        let mut credit_4 = invoice("C-4", "CN-4", "20.00");
        credit_4["kind"] = json!("credit_note");
        credit_4["corrects"] = json!("INV-4");
        let mut too_old = invoice("C-5", "5", "10.00");
        too_old["issue_date"] = json!("2017-11-13");
        too_old["due_date"] = json!("2017-12-01");
        let items = vec![
            ("INV-A", moved),
            ("INV-2", invoice("C-2", "2", "80.00")),
            ("CN-B", credit_b),
            ("INV-4", invoice("C-4", "4", "60.00")),
            ("CN-4", credit_4),
            ("INV-5", too_old),
            ("INV-5B", invoice("C-5", "5B", "15.00")),
            ("INV-6", invoice("C-6", "6", "30.00")),
        ];

        let batch: Vec<Value> = items
            .iter()
            .map(|(id, body)| json!({"external_id": id, "invoice": body}))
            .collect();
        let reply = h.post("/v1/invoices/batch", &batch_token, json!({"items": batch})).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
        let response: vahti_api::BatchInvoiceResponse = reply.json();
        let batch_codes: Vec<Option<String>> = response
            .results
            .iter()
            .map(|result| result.error.as_ref().map(|error| error.code.as_str().to_owned()))
            .collect();
        let mut single_codes = Vec::new();
        for (id, body) in &items {
            let reply = h.put(&format!("/v1/invoices/{id}"), &single_token, body.clone()).await;
            single_codes.push(if reply.status.is_success() {
                None
            } else {
                Some(reply.code().to_owned())
            });
        }
        assert_eq!(batch_codes, single_codes);
        assert_eq!(batch_codes[5].as_deref(), Some("reference_rate_missing"));
        assert_eq!(batch_codes.iter().flatten().count(), 1);

        // Generated references follow the order in which documents are written, which differs.
        let comparable = |mut body: Value| {
            for field in ["id", "reference", "payment_codes", "created_at", "updated_at"] {
                body.as_object_mut().map(|map| map.remove(field));
            }
            body
        };
        for id in ["INV-A", "INV-2", "INV-B", "CN-B", "INV-4", "CN-4", "INV-5B", "INV-6"] {
            let path = format!("/v1/invoices/{id}");
            let batched = h.get(&path, &batch_token).await;
            let single = h.get(&path, &single_token).await;
            assert_eq!(batched.status, StatusCode::OK, "{id}: {}", batched.text);
            assert_eq!(comparable(batched.body), comparable(single.body), "{id}");
        }
        assert_eq!(h.get("/v1/invoices/INV-B", &batch_token).await.body["status"], "credited");
        assert_eq!(h.get("/v1/invoices/INV-4", &batch_token).await.body["principal_outstanding"], "40.00");
        for account in 1..=6 {
            let path = format!("/v1/accounts/C-{account}");
            let batched = h.get(&path, &batch_token).await.body;
            let single = h.get(&path, &single_token).await.body;
            assert_eq!(batched["next_action_at"], single["next_action_at"], "C-{account}");
            // C-3's only invoice is credited in full, so nothing is left to watch there.
            assert_eq!(batched["next_action_at"].is_null(), account == 3, "C-{account}");
        }

        let events = |response: vahti_api::EventsResponse| {
            let mut seen: Vec<String> = response
                .events
                .iter()
                .map(|event| {
                    format!(
                        "{} {} {} {}",
                        event.event_type.as_str(),
                        event.account.as_deref().unwrap_or("-"),
                        event.invoice.as_deref().unwrap_or("-"),
                        event.data.get("changed").map(Value::to_string).unwrap_or_default(),
                    )
                })
                .collect();
            seen.sort();
            seen
        };
        let batched = events(h.get("/v1/events?limit=1000", &batch_token).await.json());
        let single = events(h.get("/v1/events?limit=1000", &single_token).await.json());
        assert_eq!(batched, single);
        assert!(batched.iter().any(|event| event.starts_with("invoice_credited C-3 INV-B")), "{batched:?}");
    }

    fn invoice_batch_ten_thousand(h) {
        let (_, token) = h.tenant("Acme Oy").await;
        for account in 0..100 {
            create_account(&h, &token, &format!("C-{account}")).await;
        }
        let items: Vec<Value> = (0..vahti_api::MAX_BATCH_ITEMS)
            .map(|n| json!({"external_id": format!("INV-{n}"), "invoice": invoice(&format!("C-{}", n % 100), &n.to_string(), "10.00")}))
            .collect();
        let started = Instant::now();
        let reply = h.post("/v1/invoices/batch", &token, json!({"items": items})).await;
        eprintln!("batch of {} invoices took {:?}", vahti_api::MAX_BATCH_ITEMS, started.elapsed());
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text.get(..500).unwrap_or(""));
        let response: vahti_api::BatchInvoiceResponse = reply.json();
        let rejected: Vec<_> = response
            .results
            .iter()
            .filter(|result| result.status != vahti_api::BatchItemStatus::Created)
            .take(3)
            .collect();
        assert!(rejected.is_empty(), "{rejected:?}");

        let too_many: Vec<Value> = (0..=vahti_api::MAX_BATCH_ITEMS)
            .map(|n| json!({"external_id": format!("X-{n}"), "invoice": invoice("C-0", "1", "1.00")}))
            .collect();
        let reply = h.post("/v1/invoices/batch", &token, json!({"items": too_many})).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", reply.text);
        assert_eq!(reply.code(), "batch_too_large");
    }

    fn invoice_list_filters_and_pages(h) {
        let (_, token) = h.tenant("Acme Oy").await;
        create_account(&h, &token, "C-1").await;
        create_account(&h, &token, "C-2").await;
        put_invoice(&h, &token, "INV-1", invoice("C-1", "1", "10.00")).await;
        put_invoice(&h, &token, "INV-2", invoice("C-2", "2", "10.00")).await;
        put_invoice(&h, &token, "INV-3", invoice("C-1", "3", "10.00")).await;
        let mut draft = invoice("C-1", "4", "10.00");
        draft["status"] = json!("draft");
        put_invoice(&h, &token, "INV-4", draft).await;
        let mut credit = invoice("C-1", "CN-1", "10.00");
        credit["kind"] = json!("credit_note");
        credit["corrects"] = json!("INV-3");
        put_invoice(&h, &token, "CN-1", credit).await;

        let ids = |reply: &crate::support::Reply| -> Vec<String> {
            reply.body["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|item| item["external_id"].as_str().unwrap().to_owned())
                .collect()
        };
        let all = h.get("/v1/invoices", &token).await;
        assert_eq!(all.status, StatusCode::OK, "{}", all.text);
        assert_eq!(ids(&all), vec!["INV-1", "INV-2", "INV-3", "INV-4", "CN-1"]);
        let first = h.get("/v1/invoices?account=C-1", &token).await;
        assert_eq!(ids(&first), vec!["INV-1", "INV-3", "INV-4", "CN-1"]);
        let open = h.get("/v1/invoices?status=open", &token).await;
        assert_eq!(ids(&open), vec!["INV-1", "INV-2"]);
        let credited = h.get("/v1/invoices?status=credited&account=C-1", &token).await;
        assert_eq!(ids(&credited), vec!["INV-3", "CN-1"]);
        let drafts = h.get("/v1/invoices?status=draft", &token).await;
        assert_eq!(ids(&drafts), vec!["INV-4"]);

        let page = h.get("/v1/invoices?limit=2", &token).await;
        assert_eq!(ids(&page), vec!["INV-1", "INV-2"]);
        let cursor = page.body["next_cursor"].as_str().unwrap().to_owned();
        let next = h.get(&format!("/v1/invoices?limit=2&cursor={cursor}"), &token).await;
        assert_eq!(ids(&next), vec!["INV-3", "INV-4"]);
        let cursor = next.body["next_cursor"].as_str().unwrap().to_owned();
        let last = h.get(&format!("/v1/invoices?limit=2&cursor={cursor}"), &token).await;
        assert_eq!(ids(&last), vec!["CN-1"]);
        assert_eq!(last.body["next_cursor"], Value::Null);

        let unknown = h.get("/v1/invoices?account=C-404", &token).await;
        assert_eq!(unknown.status, StatusCode::NOT_FOUND, "{}", unknown.text);
        let bad_status = h.get("/v1/invoices?status=lost", &token).await;
        assert_eq!(bad_status.status, StatusCode::BAD_REQUEST, "{}", bad_status.text);
    }

    fn invoice_issue_cancel_due_date(h) {
        let (tenant_id, token) = h.tenant("Acme Oy").await;
        create_account(&h, &token, "C-1").await;
        let mut draft = invoice("C-1", "1", "10.00");
        draft["status"] = json!("draft");
        let created = put_invoice(&h, &token, "INV-1", draft).await;
        assert_eq!(created["status"], "draft");
        assert_eq!(created["next_action_at"], Value::Null);

        let issued = h.post("/v1/invoices/INV-1/issue", &token, json!({})).await;
        assert_eq!(issued.status, StatusCode::OK, "{}", issued.text);
        assert_eq!(issued.body["status"], "open");
        let again = h.post("/v1/invoices/INV-1/issue", &token, json!({})).await;
        assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.text);
        assert_eq!(again.code(), "invoice_not_draft");

        let moved = h.post("/v1/invoices/INV-1/due-date", &token, json!({"due_date": "2026-04-30"})).await;
        assert_eq!(moved.status, StatusCode::OK, "{}", moved.text);
        assert_eq!(moved.body["due_date"], "2026-04-30");
        let early = h.post("/v1/invoices/INV-1/due-date", &token, json!({"due_date": "2026-02-01"})).await;
        assert_eq!(early.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", early.text);
        assert_eq!(early.code(), "due_date_before_issue_date");
        let missing = h.post("/v1/invoices/INV-1/due-date", &token, json!({})).await;
        assert_eq!(missing.status, StatusCode::BAD_REQUEST, "{}", missing.text);

        let cancelled = h.post("/v1/invoices/INV-1/cancel", &token, json!({})).await;
        assert_eq!(cancelled.status, StatusCode::OK, "{}", cancelled.text);
        assert_eq!(cancelled.body["status"], "cancelled");
        let twice = h.post("/v1/invoices/INV-1/cancel", &token, json!({})).await;
        assert_eq!(twice.status, StatusCode::CONFLICT, "{}", twice.text);
        assert_eq!(twice.code(), "invoice_closed");
        let closed = h.post("/v1/invoices/INV-1/due-date", &token, json!({"due_date": "2026-05-30"})).await;
        assert_eq!(closed.code(), "invoice_closed");
        let upsert = h.put("/v1/invoices/INV-1", &token, invoice("C-1", "1", "10.00")).await;
        assert_eq!(upsert.code(), "invoice_closed");

        let kinds = h.event_kinds(tenant_id).await;
        assert_eq!(
            kinds,
            vec!["account_updated", "invoice_created", "invoice_updated", "invoice_updated", "invoice_cancelled"]
        );
    }

    fn overdue_invoice_is_reminded(h) {
        let (_, token) = h.tenant("Acme Oy").await;
        create_account(&h, &token, "C-1").await;
        let mut body = invoice("C-1", "2026-0007", "38.93");
        body["issue_date"] = json!("2026-01-30");
        body["due_date"] = json!("2026-02-13");
        body["reference"] = json!("10140878");
        let created = put_invoice(&h, &token, "INV-7", body).await;
        assert_eq!(created["reference_flagged"], true);
        let account = h.get("/v1/accounts/C-1", &token).await;
        let next = account.body["next_action_at"].as_str().unwrap().to_owned();
        assert!(next.as_str() <= "2026-03-02T07:00:00Z", "{next}");

        h.advance_days(0).await;
        let emails = h.emails();
        assert_eq!(emails.len(), 1);
        assert!(emails[0].contains("1009"), "{}", emails[0]);
        let read = h.get("/v1/invoices/INV-7", &token).await;
        assert_eq!(read.body["current_step"]["key"], "friendly_reminder");
        assert_eq!(read.body["current_step"]["state"], "sent");
    }

    fn invoice_endpoints_need_token(h) {
        let (_, token) = h.tenant("Acme Oy").await;
        create_account(&h, &token, "C-1").await;
        put_invoice(&h, &token, "INV-1", invoice("C-1", "1", "10.00")).await;
        let upsert = invoice("C-1", "1", "10.00");
        let batch = json!({"items": [{"external_id": "INV-1", "invoice": upsert.clone()}]});
        for (method, path, body) in [
            (Method::GET, "/v1/invoices", json!({})),
            (Method::GET, "/v1/invoices/INV-1", json!({})),
            (Method::PUT, "/v1/invoices/INV-1", upsert),
            (Method::POST, "/v1/invoices/batch", batch),
            (Method::POST, "/v1/invoices/INV-1/issue", json!({})),
            (Method::POST, "/v1/invoices/INV-1/cancel", json!({})),
            (Method::POST, "/v1/invoices/INV-1/due-date", json!({"due_date": "2026-04-30"})),
        ] {
            let missing = h.call(method.clone(), path, None, Some(body.clone())).await;
            assert_eq!(missing.status, StatusCode::UNAUTHORIZED, "{method} {path}");
            let wrong = h.call(method.clone(), path, Some("vahti_wrong"), Some(body.clone())).await;
            assert_eq!(wrong.status, StatusCode::UNAUTHORIZED, "{method} {path}");
        }
    }

    fn invoice_of_other_tenant_hidden(h) {
        let (_, token) = h.tenant("Acme Oy").await;
        let (_, other) = h.tenant("Other Oy").await;
        create_account(&h, &token, "C-1").await;
        put_invoice(&h, &token, "INV-1", invoice("C-1", "1", "10.00")).await;

        let read = h.get("/v1/invoices/INV-1", &other).await;
        assert_eq!(read.status, StatusCode::NOT_FOUND, "{}", read.text);
        assert_eq!(read.code(), "invoice_not_found");
        for action in ["issue", "cancel"] {
            let reply = h.post(&format!("/v1/invoices/INV-1/{action}"), &other, json!({})).await;
            assert_eq!(reply.status, StatusCode::NOT_FOUND, "{action}: {}", reply.text);
        }
        let moved = h.post("/v1/invoices/INV-1/due-date", &other, json!({"due_date": "2026-05-01"})).await;
        assert_eq!(moved.status, StatusCode::NOT_FOUND, "{}", moved.text);
        let upsert = h.put("/v1/invoices/INV-1", &other, invoice("C-1", "1", "10.00")).await;
        assert_eq!(upsert.status, StatusCode::NOT_FOUND, "{}", upsert.text);
        assert_eq!(upsert.code(), "account_not_found");
        let list = h.get("/v1/invoices", &other).await;
        assert_eq!(list.body["items"], json!([]));
    }
}

crate::api_test! {
    fn upsert_answer_matches_later_read(h) {
        let (_, token) = h.tenant("Kuusimäen Kahvipaahtimo Oy").await;
        create_account(&h, &token, "C-1").await;
        put_invoice(&h, &token, "INV-1", invoice("C-1", "2026-0001", "80.00")).await;
        // The reminder of INV-1 goes out, so the account has history when the others arrive.
        h.advance_days(37).await;
        assert_eq!(h.emails().len(), 1);

        let mut later = invoice("C-1", "2026-0002", "20.00");
        later["issue_date"] = json!("2026-04-08");
        later["due_date"] = json!("2026-05-08");
        let mut credit = invoice("C-1", "CN-1", "30.00");
        credit["kind"] = json!("credit_note");
        credit["corrects"] = json!("INV-1");
        let mut changed = invoice("C-1", "2026-0001", "80.00");
        changed["due_date"] = json!("2026-04-01");
        for (external_id, body) in [("INV-2", later), ("CN-1", credit), ("INV-1", changed)] {
            let answer = put_invoice(&h, &token, external_id, body).await;
            let read = h.get(&format!("/v1/invoices/{external_id}"), &token).await;
            assert_eq!(read.status, StatusCode::OK, "{}", read.text);
            assert_eq!(answer, read.body, "{external_id}");
        }
        let reminded = h.get("/v1/invoices/INV-1", &token).await;
        assert_eq!(reminded.body["total_outstanding"], "50.00", "{}", reminded.text);
        assert_eq!(reminded.body["current_step"]["state"], "sent", "{}", reminded.text);
    }

    fn upsert_keeps_account_history(h) {
        let (_, token) = h.tenant("Kuusimäen Kahvipaahtimo Oy").await;
        create_account(&h, &token, "C-1").await;
        put_invoice(&h, &token, "INV-1", invoice("C-1", "2026-0001", "80.00")).await;

        // Due on 31 March: the friendly reminder goes out on 7 April.
        h.advance_days(37).await;
        assert_eq!(h.emails().len(), 1);
        let reminded = h.get("/v1/accounts/C-1", &token).await;
        let next_reminder = reminded.body["next_action_at"].clone();
        assert!(next_reminder.is_string(), "{}", reminded.text);

        // A new invoice, not yet due, leaves the next wake-up at the following reminder of the
        // first one: the sent reminder still counts.
        let mut later = invoice("C-1", "2026-0002", "20.00");
        later["issue_date"] = json!("2026-04-08");
        later["due_date"] = json!("2026-05-08");
        put_invoice(&h, &token, "INV-2", later).await;
        let after = h.get("/v1/accounts/C-1", &token).await;
        assert_eq!(after.body["next_action_at"], next_reminder, "{}", after.text);
        h.advance_days(0).await;
        assert_eq!(h.emails().len(), 1);
    }
}
