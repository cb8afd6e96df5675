//! Many concurrent requests to one account are serialized and lose no update; concurrent
//! upserts that share a transaction each get their own reply.

use reqwest::StatusCode;
use serde_json::{Value, json};

crate::api_test! {
    fn concurrent_payments_lose_no_update(h) {
        let (_, token) = h.tenant("Acme Oy").await;
        let account = h
            .put(
                "/v1/accounts/a-1",
                &token,
                json!({"name": "Aino", "debtor_type": "consumer", "emails": ["aino@example.fi"]}),
            )
            .await;
        assert!(account.status.is_success(), "{}", account.text);
        let invoice = h
            .put(
                "/v1/invoices/i-1",
                &token,
                json!({
                    "account": "a-1", "kind": "invoice", "number": "1", "issue_date": "2026-02-01",
                    "due_date": "2026-03-20", "currency": "EUR", "amount": "100.00"
                }),
            )
            .await;
        assert!(invoice.status.is_success(), "{}", invoice.text);

        // Forty payments of 1.00 EUR at the same time, twenty invoice upserts interleaved.
        let payments = (0..40).map(|n| {
            h.post(
                "/v1/payments",
                &token,
                json!({"amount": "1.00", "currency": "EUR", "paid_on": "2026-03-01",
                       "invoice": "i-1", "archive_id": format!("bank-{n}")}),
            )
        });
        let paths: Vec<String> = (0..20).map(|n| format!("/v1/invoices/x-{n}")).collect();
        let upserts = paths.iter().enumerate().map(|(n, path)| {
            h.put(
                path,
                &token,
                json!({
                    "account": "a-1", "kind": "invoice", "number": format!("x{n}"),
                    "issue_date": "2026-02-01", "due_date": "2026-04-20", "currency": "EUR",
                    "amount": "10.00"
                }),
            )
        });
        let (paid, upserted) =
            futures::join!(futures::future::join_all(payments), futures::future::join_all(upserts));
        for reply in paid.iter().chain(upserted.iter()) {
            assert!(reply.status.is_success(), "{}: {}", reply.status, reply.text);
        }

        let after = h.get("/v1/invoices/i-1", &token).await;
        assert_eq!(after.status, StatusCode::OK);
        assert_eq!(after.body["principal_outstanding"], "60.00", "{}", after.text);
        let listed = h.get("/v1/invoices?account=a-1&limit=100", &token).await;
        assert_eq!(listed.body["items"].as_array().unwrap().len(), 21, "{}", listed.text);
        let payments = h.get("/v1/payments?limit=100", &token).await;
        assert_eq!(payments.body["items"].as_array().unwrap().len(), 40, "{}", payments.text);
    }

    fn concurrent_upserts_answer_each(h) {
        let (_, token) = h.tenant("Acme Oy").await;
        for account in 0..4 {
            let reply = h
                .put(
                    &format!("/v1/accounts/a-{account}"),
                    &token,
                    json!({"name": "Aino", "debtor_type": "consumer", "emails": ["aino@example.fi"]}),
                )
                .await;
            assert!(reply.status.is_success(), "{}", reply.text);
        }
        let body = |account: &str, number: &str, amount: &str| {
            json!({
                "account": account, "kind": "invoice", "number": number, "issue_date": "2026-02-01",
                "due_date": "2026-04-20", "currency": "EUR", "amount": amount
            })
        };
        // Forty invoices on four accounts, one document sent twice with different amounts and
        // one invoice for an account that does not exist, all at the same time.
        let mut requests: Vec<(String, Value)> = (0..40)
            .map(|n| (format!("/v1/invoices/i-{n}"), body(&format!("a-{}", n % 4), &n.to_string(), "10.00")))
            .collect();
        requests.push(("/v1/invoices/i-0".to_owned(), body("a-0", "0", "20.00")));
        requests.push(("/v1/invoices/i-404".to_owned(), body("a-404", "404", "10.00")));
        let replies = futures::future::join_all(
            requests.iter().map(|(path, body)| h.put(path, &token, body.clone())),
        )
        .await;

        let missing = replies.last().unwrap();
        assert_eq!(missing.status, StatusCode::NOT_FOUND, "{}", missing.text);
        assert_eq!(missing.code(), "account_not_found");
        for ((path, _), reply) in requests.iter().zip(&replies).skip(1).take(39) {
            assert_eq!(reply.status, StatusCode::CREATED, "{path}: {}", reply.text);
            let read = h.get(path, &token).await;
            assert_eq!(reply.body, read.body, "{path}");
        }
        // The two upserts of i-0 applied one after the other: one created it, the other changed
        // its amount, and the stored document has the amount of the later one.
        let (first, second) = (&replies[0], &replies[40]);
        let mut statuses = vec![first.status, second.status];
        statuses.sort();
        assert_eq!(statuses, vec![StatusCode::OK, StatusCode::CREATED]);
        let later = if first.status == StatusCode::OK { first } else { second };
        let read = h.get("/v1/invoices/i-0", &token).await;
        assert_eq!(read.body["amount"], later.body["amount"], "{}", read.text);
        let events: vahti_api::EventsResponse = h.get("/v1/events?limit=1000", &token).await.json();
        let kinds: Vec<&str> = events
            .events
            .iter()
            .filter(|event| event.invoice.as_deref() == Some("i-0"))
            .map(|event| event.event_type.as_str())
            .collect();
        assert_eq!(kinds, vec!["invoice_created", "invoice_updated"]);
    }
}
