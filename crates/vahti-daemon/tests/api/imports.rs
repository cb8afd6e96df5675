use std::path::PathBuf;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use vahti_api::{ImportFormat, ImportReport};

use crate::accounts::create_account;
use crate::invoices::{invoice, put_invoice};
use crate::support::{ADMIN_TOKEN, Harness, Reply};

/// Reads a file of the shared samples.
fn sample(path: &str) -> Vec<u8> {
    let full = vahti_testkit::samples_dir().join(path);
    std::fs::read(&full).unwrap_or_else(|error| panic!("cannot read {}: {error}", full.display()))
}

/// Reads a file of the demo.
fn demo(name: &str) -> Vec<u8> {
    let full = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../vahti-cli/demo")
        .join(name);
    std::fs::read(&full).unwrap_or_else(|error| panic!("cannot read {}: {error}", full.display()))
}

/// Reads the KTL fixture of the formats crate: four payments, the reversal of the third, and a failed
/// direct debit.
fn ktl_correction() -> Vec<u8> {
    let full = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../vahti-formats/tests/fixtures/ktl-correction.ktl");
    std::fs::read(full).unwrap()
}

/// Builds a KTL file with only the reversal of the correction fixture, and its totals.
fn ktl_reversal_only(line_end: &[u8]) -> Vec<u8> {
    let file = ktl_correction();
    let lines: Vec<&[u8]> = file.split(|byte| *byte == b'\n').collect();
    let trim = |line: &[u8]| line.strip_suffix(b"\r").unwrap_or(line).to_vec();
    let mut totals = b"9000000000000000000000010000000750".to_vec();
    totals.resize(90, b'0');
    let mut out = Vec::new();
    for line in [trim(lines[0]), trim(lines[4]), totals] {
        out.extend_from_slice(&line);
        out.extend_from_slice(line_end);
    }
    out
}

async fn import(h: &Harness, token: &str, kind: &str, file: Vec<u8>) -> Reply {
    h.post_bytes(
        &format!("/v1/imports/{kind}"),
        token,
        Some("application/xml"),
        file,
    )
    .await
}

/// Imports a file and returns its report. The test fails unless the status is 200.
async fn imported(h: &Harness, token: &str, kind: &str, file: Vec<u8>) -> ImportReport {
    let reply = import(h, token, kind, file).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    reply.json()
}

fn warning_codes(report: &ImportReport) -> Vec<&str> {
    report
        .warnings
        .iter()
        .map(|warning| warning.code.as_str())
        .collect()
}

fn rejection_codes(report: &ImportReport) -> Vec<&str> {
    report
        .rejected
        .iter()
        .map(|rejection| rejection.code.as_deref().unwrap_or(""))
        .collect()
}

/// Returns the amounts of the unmatched payments, in order.
async fn unmatched(h: &Harness, token: &str) -> Vec<String> {
    let reply = h.get("/v1/payments?unmatched=true&limit=1000", token).await;
    reply.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["amount"].as_str().unwrap().to_owned())
        .collect()
}

crate::api_test! {
    fn finvoice_samples_import(h) {
        let (_, token) = h.tenant("Acme Oy").await;

        let anonymous = imported(&h, &token, "invoices", sample("finvoice/anon_finvoice_30_invoice_with_MessageTransmissionDetails.xml")).await;
        assert_eq!(anonymous.format, ImportFormat::Finvoice);
        assert_eq!(anonymous.version.as_deref(), Some("3.0"));
        assert_eq!((anonymous.created, anonymous.updated, anonymous.duplicates_skipped), (1, 0, 0));
        assert_eq!(
            warning_codes(&anonymous),
            vec!["account_created", "email_invalid_dropped", "email_invalid_dropped", "iban_invalid_dropped"]
        );
        let stored = h.get("/v1/invoices/inv:9190100001", &token).await;
        assert_eq!(stored.status, StatusCode::OK, "{}", stored.text);
        assert_eq!(stored.body["account"], "org:1234567-8");
        assert_eq!(stored.body["amount"], "1106.00");
        assert_eq!(stored.body["due_date"], "2019-01-28");
        assert_eq!(stored.body["payment_codes"]["reference"]["finnish"], "91901000011");
        let account = h.get("/v1/accounts/org:1234567-8", &token).await;
        assert_eq!(account.body["debtor_type"], "business");
        assert_eq!(account.body["emails"], json!([]));

        let first = imported(&h, &token, "invoices", sample("finvoice/finvoice1.xml")).await;
        assert_eq!(first.created, 1);
        assert_eq!(warning_codes(&first), vec!["account_created", "encoding_declaration_mismatch"]);
        let mallikas = h.get("/v1/invoices/inv:100946", &token).await;
        assert_eq!(mallikas.body["account"], "name:Mallikas Oy");
        assert_eq!(mallikas.body["amount"], "451.98");
        assert_eq!(mallikas.body["seller_iban"], "FI3843224649000556");
        let account = h.get("/v1/accounts/name:Mallikas%20Oy", &token).await;
        assert_eq!(account.body["debtor_type"], "consumer");

        let converted = imported(&h, &token, "invoices", sample("finvoice/operator-converted.xml")).await;
        assert_eq!(converted.version.as_deref(), Some("1.3"));
        assert_eq!(converted.created, 1);
        let small = h.get("/v1/invoices/inv:00044", &token).await;
        assert_eq!(small.body["amount"], "0.99");
        assert_eq!(small.body["account"], "org:0112038-9");
        assert_eq!(small.body["payment_codes"]["reference"]["finnish"], "440");

        let credit = imported(&h, &token, "invoices", sample("finvoice/credit-note.xml")).await;
        assert_eq!(credit.created, 0);
        assert_eq!(rejection_codes(&credit), vec!["credit_note_invalid"]);
        assert!(credit.rejected[0].reason.contains("inv:1042"), "{:?}", credit.rejected);
        assert!(credit.rejected[0].position.starts_with("document 1, line 2"), "{:?}", credit.rejected);
        assert!(warning_codes(&credit).is_empty(), "{:?}", credit.warnings);

        let framed = imported(&h, &token, "invoices", sample("finvoice/soap-framed.xml")).await;
        assert_eq!(framed.created, 1);
        let delivered = h.get("/v1/invoices/inv:2026-77", &token).await;
        assert_eq!(delivered.body["amount"], "325.50");
        assert_eq!(delivered.body["payment_codes"]["reference"]["rf"], "RF18539007547034");
        assert_eq!(delivered.body["payment_codes"]["reference"]["finnish"], Value::Null);

        let broken = import(&h, &token, "invoices", sample("finvoice/finvoice3.xml")).await;
        assert_eq!(broken.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", broken.text);
        assert_eq!(broken.code(), "import_invalid");
        let message = broken.body["error"]["message"].as_str().unwrap();
        assert!(message.contains("line 37, column 30"), "{message}");
        assert!(message.contains("</Invoicenumber>"), "{message}");

        let invoices = h.get("/v1/invoices", &token).await;
        assert_eq!(invoices.body["items"].as_array().unwrap().len(), 4);
    }

    fn peppol_samples_import(h) {
        let (_, token) = h.tenant("Acme Oy").await;
        let invoice = imported(&h, &token, "invoices", sample("peppol-ubl/base-example.xml")).await;
        assert_eq!(invoice.format, ImportFormat::PeppolUbl);
        assert_eq!(invoice.created, 0);
        assert_eq!(rejection_codes(&invoice), vec!["reference_rate_missing"]);
        assert!(invoice.rejected[0].reason.contains("2017-H2"), "{:?}", invoice.rejected);
        assert!(warning_codes(&invoice).contains(&"iban_invalid_dropped"));

        let credit = imported(&h, &token, "invoices", sample("peppol-ubl/base-creditnote-correction.xml")).await;
        assert_eq!(rejection_codes(&credit), vec!["credit_note_invalid"]);
        assert!(credit.rejected[0].reason.contains("inv:Snippet1"), "{:?}", credit.rejected);

        let krone = imported(&h, &token, "invoices", sample("peppol-ubl/ubl-tc434-example2.xml")).await;
        assert_eq!(krone.version.as_deref(), Some("urn:cen.eu:en16931:2017"));
        assert_eq!(rejection_codes(&krone), vec!["reference_rate_missing"]);

        let buyer = h.get("/v1/accounts/org:39937423947", &token).await;
        assert_eq!(buyer.status, StatusCode::OK, "{}", buyer.text);
        assert_eq!(buyer.body["emails"], json!(["lj@buyer.se"]));
        let listed = h.get("/v1/invoices", &token).await;
        assert_eq!(listed.body["items"], json!([]));
    }

    fn camt_samples_import(h) {
        let (_, token) = h.tenant("Acme Oy").await;
        let cases: [(&str, ImportFormat, u32, &[&str]); 6] = [
            ("camt/camt.054.001.02.feature.xml", ImportFormat::Camt054, 3, &["147.00", "36.00", "10.00"]),
            ("camt/camt054.v2.xml", ImportFormat::Camt054, 0, &[]),
            ("camt/camt054.v8.xml", ImportFormat::Camt054, 0, &[]),
            ("camt/camt53.xml", ImportFormat::Camt053, 1, &["1159.23"]),
            ("camt/content_053.xml", ImportFormat::Camt053, 6, &["2000.00", "500.00", "3000.00", "2120.00", "5455.00", "10000.00"]),
            ("camt/content_054.xml", ImportFormat::Camt054, 6, &["1900.00", "100.00", "400.00", "100.00", "2500.00", "500.00"]),
        ];
        let mut expected_queue: Vec<String> = Vec::new();
        for (path, format, created, amounts) in cases {
            let report = imported(&h, &token, "payments", sample(path)).await;
            assert_eq!(report.format, format, "{path}");
            assert_eq!(report.created, created, "{path}");
            assert_eq!(report.duplicates_skipped, 0, "{path}");
            assert!(report.rejected.is_empty(), "{path}: {:?}", report.rejected);
            let unmatched_warnings = report
                .warnings
                .iter()
                .filter(|warning| warning.code.starts_with("payment_"))
                .count();
            assert_eq!(unmatched_warnings, amounts.len(), "{path}");
            expected_queue.extend(amounts.iter().map(|amount| (*amount).to_owned()));
        }
        assert_eq!(unmatched(&h, &token).await, expected_queue);
    }

    fn ktl_samples_import_once(h) {
        let (_, token) = h.tenant("Acme Oy").await;
        let records = imported(&h, &token, "payments", sample("ktl/df_ktl.content.ktl")).await;
        assert_eq!(records.format, ImportFormat::Ktl);
        assert_eq!(records.version, None);
        assert_eq!(records.created, 11);
        let queue = unmatched(&h, &token).await;
        assert_eq!(queue.len(), 11);
        assert_eq!(queue[0], "323.24");
        assert_eq!(queue[10], "177.46");

        let wrapped = imported(&h, &token, "payments", sample("ktl/df_ktl.xml")).await;
        assert_eq!(wrapped.created, 0);
        assert_eq!(wrapped.duplicates_skipped, 11);
        assert!(!wrapped.already_imported);
        assert_eq!(warning_codes(&wrapped)[0], "bank_response_unwrapped");

        let again = imported(&h, &token, "payments", sample("ktl/df_ktl.content.ktl")).await;
        assert!(again.already_imported);
        assert_eq!(again.import_id, records.import_id);
        assert_eq!(again.created, 11);
        assert_eq!(unmatched(&h, &token).await.len(), 11);
    }

    fn sample_payments_match_invoices(h) {
        let (tenant_id, token) = h.tenant("Acme Oy").await;
        create_account(&h, &token, "C-1").await;
        let mut ktl = invoice("C-1", "1", "776.40");
        ktl["reference"] = json!("455435");
        put_invoice(&h, &token, "INV-1", ktl).await;
        let mut camt = invoice("C-1", "2", "50.00");
        camt["reference"] = json!("RF74100978");
        put_invoice(&h, &token, "INV-2", camt).await;

        let records = imported(&h, &token, "payments", sample("ktl/df_ktl.content.ktl")).await;
        assert_eq!(records.created, 11);
        assert_eq!(unmatched(&h, &token).await.len(), 10);
        let paid = h.get("/v1/invoices/INV-1", &token).await;
        assert_eq!(paid.body["status"], "paid");

        let notification = imported(&h, &token, "payments", sample("camt/camt.054.001.02.feature.xml")).await;
        assert_eq!(notification.created, 3);
        let partly = h.get("/v1/invoices/INV-2", &token).await;
        assert_eq!(partly.body["principal_outstanding"], "14.00");
        let kinds = h.event_kinds(tenant_id).await;
        assert_eq!(kinds.iter().filter(|kind| *kind == "payment_matched").count(), 2);
        assert_eq!(kinds.iter().filter(|kind| *kind == "invoice_paid").count(), 1);
    }

    fn bank_file_reversal_undoes_payment(h) {
        let (_, token) = h.tenant("Acme Oy").await;
        let orphan = imported(&h, &token, "payments", ktl_reversal_only(b"\r\n")).await;
        assert_eq!(orphan.created, 0);
        assert_eq!(rejection_codes(&orphan), vec!["reversal_without_payment"]);
        assert!(orphan.rejected[0].reason.contains("240118ARK0000003"), "{:?}", orphan.rejected);

        let file = imported(&h, &token, "payments", ktl_correction()).await;
        assert_eq!((file.created, file.updated), (4, 1));
        let queue = unmatched(&h, &token).await;
        assert_eq!(queue, vec!["1234.56", "199.90", "35.00"]);
        let all = h.get("/v1/payments", &token).await;
        let reversed = all.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|item| item["reversed_at"] != Value::Null)
            .count();
        assert_eq!(reversed, 1);

        let repeat = imported(&h, &token, "payments", ktl_reversal_only(b"\n")).await;
        assert_eq!((repeat.updated, repeat.duplicates_skipped), (0, 1));
    }

    fn import_rejects_unreadable_files(h) {
        let (tenant_id, token) = h.tenant("Acme Oy").await;
        let bank_as_invoice = import(&h, &token, "invoices", sample("camt/camt53.xml")).await;
        assert_eq!(bank_as_invoice.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bank_as_invoice.text);
        assert_eq!(bank_as_invoice.code(), "import_format_unknown");
        let invoice_as_bank = import(&h, &token, "payments", sample("finvoice/finvoice1.xml")).await;
        assert_eq!(invoice_as_bank.code(), "import_format_unknown", "{}", invoice_as_bank.text);
        let empty = import(&h, &token, "payments", Vec::new()).await;
        assert_eq!(empty.code(), "import_invalid", "{}", empty.text);
        let mut truncated = ktl_correction();
        truncated.truncate(truncated.len() / 2);
        let truncated = import(&h, &token, "payments", truncated).await;
        assert_eq!(truncated.code(), "import_invalid", "{}", truncated.text);
        assert!(truncated.body["error"]["message"].as_str().unwrap().contains("line "), "{}", truncated.text);

        let json = h
            .post_bytes("/v1/imports/payments", &token, Some("application/json"), sample("camt/camt53.xml"))
            .await;
        assert_eq!(json.status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{}", json.text);
        assert_eq!(json.code(), "content_type_unsupported");

        assert!(h.event_kinds(tenant_id).await.is_empty());
        assert_eq!(h.get("/v1/accounts", &token).await.body["items"], json!([]));
        assert_eq!(h.get("/v1/payments", &token).await.body["items"], json!([]));

        for content_type in [None, Some("text/plain"), Some("text/xml; charset=ISO-8859-15"), Some("application/octet-stream")] {
            let reply = h
                .post_bytes("/v1/imports/payments", &token, content_type, sample("camt/camt53.xml"))
                .await;
            assert_eq!(reply.status, StatusCode::OK, "{content_type:?}: {}", reply.text);
        }
    }

    fn import_endpoints_need_token(h) {
        let (_, token) = h.tenant("Acme Oy").await;
        let (_, other) = h.tenant("Other Oy").await;
        for kind in ["invoices", "payments"] {
            let path = format!("/v1/imports/{kind}");
            let missing = h.call(Method::POST, &path, None, None).await;
            assert_eq!(missing.status, StatusCode::UNAUTHORIZED, "{path}");
            let wrong = h.post_bytes(&path, "vahti_wrong", Some("text/plain"), sample("ktl/df_ktl.content.ktl")).await;
            assert_eq!(wrong.status, StatusCode::UNAUTHORIZED, "{path}");
            let admin = h.post_bytes(&path, ADMIN_TOKEN, Some("text/plain"), sample("ktl/df_ktl.content.ktl")).await;
            assert_eq!(admin.status, StatusCode::UNAUTHORIZED, "{path}");
        }

        let first = imported(&h, &token, "payments", sample("ktl/df_ktl.content.ktl")).await;
        let second = imported(&h, &other, "payments", sample("ktl/df_ktl.content.ktl")).await;
        assert!(!second.already_imported);
        assert_eq!(second.created, 11);
        assert_ne!(second.import_id, first.import_id);
        assert_eq!(unmatched(&h, &token).await.len(), 11);
    }

    fn demo_files_follow_scenario(h) {
        let tenant: Value = serde_json::from_slice(&demo("tenant.json")).unwrap();
        let created = h.post("/v1/tenants", ADMIN_TOKEN, tenant).await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
        let token = created.body["token"]["token"].as_str().unwrap().to_owned();
        let accounts: serde_json::Map<String, Value> = serde_json::from_slice(&demo("accounts.json")).unwrap();
        for (external_id, body) in accounts {
            let reply = h.put(&format!("/v1/accounts/{external_id}"), &token, body).await;
            assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
        }

        let files: [(&str, u32, &[&str]); 5] = [
            ("finvoice-3.0-koivunlehti.xml", 1, &["amount_thousands_separator", "amount_thousands_separator"]),
            ("finvoice-3.0-consumers-soap.xml", 4, &[]),
            ("finvoice-2.01-swedish.xml", 2, &[]),
            ("peppol-invoice-4096.xml", 1, &[]),
            ("peppol-creditnote-4105.xml", 1, &[]),
        ];
        for (name, created, warnings) in files {
            let report = imported(&h, &token, "invoices", demo(name)).await;
            assert_eq!(report.created, created, "{name}: {:?}", report.rejected);
            assert!(report.rejected.is_empty(), "{name}: {:?}", report.rejected);
            assert_eq!(warning_codes(&report), warnings.to_vec(), "{name}");
        }
        let expected_accounts = [
            ("inv:4087", "101"), ("inv:4093", "201"), ("inv:4096", "202"), ("inv:4098", "203"),
            ("inv:4103", "102"), ("inv:4104", "103"), ("inv:4110", "102"), ("inv:4112", "101"),
            ("cn:4105", "202"),
        ];
        for (invoice, account) in expected_accounts {
            let reply = h.get(&format!("/v1/invoices/{invoice}"), &token).await;
            assert_eq!(reply.body["account"], account, "{invoice}: {}", reply.text);
        }
        let harjula = h.get("/v1/invoices/inv:4096", &token).await;
        assert_eq!(harjula.body["principal_outstanding"], "496.99");
        assert_eq!(harjula.body["payment_codes"]["reference"]["finnish"], "1009");
        let carter = h.get("/v1/invoices/inv:4110", &token).await;
        assert_eq!(carter.body["payment_codes"]["reference"]["rf"], "RF1810241105");
        let listed = h.get("/v1/accounts?limit=10", &token).await;
        assert_eq!(listed.body["items"].as_array().unwrap().len(), 6);

        // Messages per day up to the statement, from the scenario's timeline.
        let expected: [(u32, usize); 24] = [
            (0, 3), (1, 0), (2, 0), (3, 0), (4, 0), (5, 0), (6, 0), (7, 2), (8, 0), (9, 0), (10, 0),
            (11, 2), (12, 0), (13, 0), (14, 1), (15, 0), (16, 0), (17, 2), (18, 1), (19, 0), (20, 0),
            (21, 1), (22, 0), (23, 0),
        ];
        let mut sent = 0;
        for (day, count) in expected {
            if day > 0 {
                h.advance_days(1).await;
            } else {
                h.advance_days(0).await;
            }
            let now = h.emails().len();
            assert_eq!(now - sent, count, "messages on day {day} after 2026-03-02");
            sent = now;
        }
        h.advance_days(1).await;
        assert_eq!(h.emails().len(), sent, "messages on 2026-03-26");

        let statement = imported(&h, &token, "payments", demo("statement-2026-03.camt054.xml")).await;
        assert_eq!(statement.format, ImportFormat::Camt054);
        assert_eq!(statement.created, 5);
        assert_eq!(
            warning_codes(&statement),
            vec!["reference_from_free_text", "payment_invoice_not_found"]
        );
        assert_eq!(unmatched(&h, &token).await, vec!["45.00"]);
        // Consumer payments go to the principal first; the business payment of 4093 pays its
        // fees and interest before the principal.
        let outstanding = [
            ("inv:4103", "50.00", "70.48", "open"),
            ("inv:4104", "50.62", "0.00", "paid"),
            ("inv:4110", "31.44", "0.00", "paid"),
            ("inv:4093", "1000.00", "1413.36", "open"),
        ];
        for (invoice, paid, principal, status) in outstanding {
            let reply = h.get(&format!("/v1/invoices/{invoice}"), &token).await;
            assert_eq!(reply.body["paid"], paid, "{invoice}");
            assert_eq!(reply.body["principal_outstanding"], principal, "{invoice}");
            assert_eq!(reply.body["status"], status, "{invoice}");
        }
        let again = imported(&h, &token, "payments", demo("statement-2026-03.camt054.xml")).await;
        assert!(again.already_imported);

        let before = h.emails();
        h.advance_days(1).await;
        let emails = h.emails();
        let new: Vec<&String> = emails.iter().filter(|email| !before.contains(email)).collect();
        assert_eq!(new.len(), 2, "messages on 2026-03-27");
        assert!(new.iter().any(|email| email.contains("70.48") || email.contains("70,48")), "no message claims 70.48");
    }
}
