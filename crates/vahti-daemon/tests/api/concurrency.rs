//! Many concurrent requests to one account are serialized by its actor and lose no update.

use reqwest::StatusCode;
use serde_json::json;

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
}
