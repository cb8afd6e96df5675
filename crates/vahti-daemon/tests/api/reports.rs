use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::accounts::create_account;
use crate::invoices::{invoice as invoice_body, put_invoice};
use crate::support::StoredInvoice;

fn invoice<'a>(external_id: &'a str, amount: &'a str, due: &'a str) -> StoredInvoice<'a> {
    StoredInvoice {
        external_id,
        amount,
        due,
    }
}

crate::api_test! {
    fn aging_buckets_by_days_overdue(h) {
        let (tenant, token) = h.tenant("Acme Oy").await;
        let (account, invoices) = h
            .store_account(
                tenant,
                "C-1",
                &[
                    invoice("NOT-DUE", "100.00", "2026-03-10"),
                    invoice("DAYS-5", "10.00", "2026-02-25"),
                    invoice("DAYS-20", "20.00", "2026-02-10"),
                    invoice("DAYS-46", "30.00", "2026-01-15"),
                    invoice("DAYS-77", "40.00", "2025-12-15"),
                    invoice("DAYS-121", "50.00", "2025-11-01"),
                    invoice("PAID", "99.00", "2026-02-25"),
                ],
            )
            .await;
        h.store_account(tenant, "C-2", &[invoice("DAYS-10", "5.00", "2026-02-20")]).await;
        h.store_payment(tenant, account, invoices[2], "5.00", "2026-02-20").await;
        h.store_payment(tenant, account, invoices[6], "99.00", "2026-02-20").await;

        let reply = h.get("/v1/reports/aging", &token).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
        let report: vahti_api::AgingReport = reply.json();
        assert_eq!(report.as_of.to_string(), "2026-03-02");
        assert_eq!(report.currencies.len(), 1);
        let eur = &report.currencies[0];
        assert_eq!(eur.currency, "EUR");
        let buckets = [
            ("not_due", &eur.not_due, 1, "100.00"),
            ("days_1_14", &eur.days_1_14, 2, "15.00"),
            ("days_15_30", &eur.days_15_30, 1, "15.00"),
            ("days_31_60", &eur.days_31_60, 1, "30.00"),
            ("days_61_90", &eur.days_61_90, 1, "40.00"),
            ("days_over_90", &eur.days_over_90, 1, "50.00"),
            ("total", &eur.total, 7, "250.00"),
        ];
        for (name, bucket, count, amount) in buckets {
            assert_eq!(bucket.count, count, "{name}");
            assert_eq!(bucket.amount.to_string(), amount, "{name}");
        }

        let later: vahti_api::AgingReport = h.get("/v1/reports/aging?as_of=2026-03-15", &token).await.json();
        assert_eq!(later.as_of.to_string(), "2026-03-15");
        assert_eq!(later.currencies[0].not_due.count, 0);
        assert_eq!(later.currencies[0].days_1_14.count, 1, "only NOT-DUE is 1 to 14 days late");
        assert_eq!(later.currencies[0].days_15_30.count, 2);
    }

    fn aging_of_tenant_only(h) {
        let (tenant, _) = h.tenant("Acme Oy").await;
        let (_, other) = h.tenant("Beta Oy").await;
        h.store_account(tenant, "C-1", &[invoice("INV-1", "10.00", "2026-02-25")]).await;

        let foreign = h.get("/v1/reports/aging", &other).await;
        assert_eq!(foreign.status, StatusCode::OK, "{}", foreign.text);
        assert_eq!(foreign.body["currencies"], json!([]));

        let bad = h.get("/v1/reports/aging?as_of=2026-02-30", &other).await;
        assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{}", bad.text);
        assert_eq!(bad.code(), "query_invalid");

        let missing = h.call(Method::GET, "/v1/reports/aging", None, None).await;
        assert_eq!(missing.status, StatusCode::UNAUTHORIZED, "{}", missing.text);
    }

    fn aging_counts_fees_and_interest(h) {
        let (_, token) = h.tenant("Acme Oy").await;
        create_account(&h, &token, "C-1").await;
        let mut body = invoice_body("C-1", "1001", "100.00");
        body["issue_date"] = json!("2026-01-15");
        body["sent_on"] = json!("2026-01-15");
        body["due_date"] = json!("2026-02-01");
        put_invoice(&h, &token, "INV-1", body).await;
        // Escalate a day at a time until the default consumer policy has charged a fee.
        let mut owed: vahti_api::Invoice = h.get("/v1/invoices/INV-1", &token).await.json();
        for _ in 0..150 {
            if !owed.fees_outstanding.is_zero() {
                break;
            }
            h.advance_days(1).await;
            owed = h.get("/v1/invoices/INV-1", &token).await.json();
        }

        let report: vahti_api::AgingReport = h.get("/v1/reports/aging", &token).await.json();

        assert!(!owed.fees_outstanding.is_zero(), "{owed:?}");
        assert!(owed.total_outstanding > owed.principal_outstanding, "{owed:?}");
        assert_eq!(report.currencies[0].total.amount, owed.total_outstanding);
    }
}
