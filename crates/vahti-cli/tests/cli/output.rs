//! Tables and JSON printed from server responses.

use crate::canned::CannedServer;
use crate::support::vahti;

const STATUS: &str = r#"{
  "account": {"id": 1, "external_id": "C-1001", "name": "Maija Meikäläinen",
    "debtor_type": "consumer", "emails": ["maija@example.fi"], "locale": "fi",
    "time_zone": "Europe/Helsinki", "policy": null, "effective_policy": "consumer-standard",
    "created_at": "2026-03-02T07:00:00Z", "updated_at": "2026-03-02T07:00:00Z"},
  "balances": [{"currency": "EUR", "principal": "1124.50", "interest": "3.12",
    "fees": "5.00", "credit": "0.00", "total": "1132.62"}],
  "open_invoices": [
    {"id": 17, "external_id": "INV-1", "account": "C-1001", "kind": "invoice",
     "number": "2026-0001", "issue_date": "2026-02-01", "sent_on": "2026-02-01",
     "due_date": "2026-02-15", "currency": "EUR", "amount": "1000.00", "credited": "0.00",
     "paid": "0.00", "principal_outstanding": "1000.00", "interest_outstanding": "3.12",
     "fees_outstanding": "5.00", "total_outstanding": "1008.12", "status": "open",
     "payment_codes": {"reference": {"finnish": "1232", "rf": "RF971232", "printed": "1232"}},
     "current_step": {"key": "reminder", "kind": "reminder", "state": "sent",
       "at": "2026-03-01T08:00:00Z"},
     "created_at": "2026-02-01T08:00:00Z", "updated_at": "2026-03-01T08:00:00Z"},
    {"id": 18, "external_id": "INV-22", "account": "C-1001", "kind": "invoice",
     "number": "2026-0022", "issue_date": "2026-02-20", "sent_on": "2026-02-20",
     "due_date": "2026-03-06", "currency": "EUR", "amount": "124.50", "credited": "0.00",
     "paid": "0.00", "principal_outstanding": "124.50", "interest_outstanding": "0.00",
     "fees_outstanding": "0.00", "total_outstanding": "124.50", "status": "open",
     "payment_codes": {"reference": {"finnish": "2222", "rf": "RF482222", "printed": "2222"}},
     "created_at": "2026-02-20T08:00:00Z", "updated_at": "2026-02-20T08:00:00Z"}
  ],
  "next_action_at": "2026-03-15T08:00:00Z",
  "timeline": [
    {"at": "2026-03-01T08:00:00Z", "kind": "fee_charged", "invoice": "INV-1",
     "step": "reminder", "amount": "5.00", "currency": "EUR"},
    {"at": "2026-03-01T08:00:00Z", "kind": "step_sent", "invoice": "INV-1", "step": "reminder"}
  ]
}"#;

#[test]
fn status_prints_aligned_tables() {
    let server = CannedServer::start(200, STATUS);

    let run = vahti(&[
        "--url",
        &server.url,
        "--token",
        "vht_test",
        "status",
        "C-1001",
    ]);

    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(
        lines[0],
        "C-1001 Maija Meikäläinen (consumer, fi, policy consumer-standard)"
    );
    assert!(
        run.stdout.contains("next action: 2026-03-15 08:00 UTC"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains(
            "CURRENCY  PRINCIPAL  INTEREST  FEES  CREDIT    TOTAL\n\
             EUR         1124.50      3.12  5.00    0.00  1132.62"
        ),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("INV-1    C-1001   2026-0001  2026-02-15  1000.00      1008.12"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("INV-22   C-1001   2026-0022  2026-03-06   124.50       124.50"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("fee_charged"), "{}", run.stdout);
    assert_eq!(
        server.requests(),
        ["GET /v1/accounts/C-1001/status HTTP/1.1"]
    );
}

#[test]
fn status_json_is_server_response() {
    let server = CannedServer::start(200, STATUS);

    let run = vahti(&[
        "--url",
        &server.url,
        "--token",
        "vht_test",
        "status",
        "C-1001",
        "--json",
    ]);

    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let printed: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(printed["balances"][0]["total"], "1132.62");
    assert_eq!(printed["open_invoices"][1]["external_id"], "INV-22");
}

#[test]
fn aging_prints_buckets() {
    let bucket =
        |count: u32, amount: &str| format!(r#"{{"count": {count}, "amount": "{amount}"}}"#);
    let body = format!(
        r#"{{"as_of": "2026-03-02", "currencies": [{{"currency": "EUR",
            "not_due": {}, "days_1_14": {}, "days_15_30": {}, "days_31_60": {},
            "days_61_90": {}, "days_over_90": {}, "total": {}}}]}}"#,
        bucket(1, "124.50"),
        bucket(0, "0"),
        bucket(1, "1000.00"),
        bucket(0, "0.00"),
        bucket(0, "0.00"),
        bucket(0, "0.00"),
        bucket(2, "1124.50")
    );
    let server = CannedServer::start(200, &body);

    let run = vahti(&[
        "--url",
        &server.url,
        "--token",
        "vht_test",
        "aging",
        "--as-of",
        "2026-03-02",
    ]);

    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(
        run.stdout.contains("aging as of 2026-03-02"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("CURRENCY  BUCKET        INVOICES  OUTSTANDING"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("EUR       1-14 days            0         0.00"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("EUR       15-30 days           1      1000.00"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("EUR       total                2      1124.50"),
        "{}",
        run.stdout
    );
    assert_eq!(
        server.requests(),
        ["GET /v1/reports/aging?as_of=2026-03-02 HTTP/1.1"]
    );
}

const INVOICE: &str = r#"{"id": 17, "external_id": "INV-1", "account": "C-1001",
    "kind": "invoice", "number": "2026-0001", "issue_date": "2026-02-01",
    "sent_on": "2026-02-01", "due_date": "2026-02-15", "currency": "EUR", "amount": "1000.00",
    "credited": "0.00", "paid": "0.00", "principal_outstanding": "1000.00",
    "interest_outstanding": "0.00", "fees_outstanding": "0.00", "total_outstanding": "1000.00",
    "status": "open",
    "payment_codes": {"reference": {"finnish": "1232", "rf": "RF971232", "printed": "1232"}},
    "current_step": {"key": "friendly_reminder", "kind": "friendly_reminder",
      "state": "scheduled", "at": "2026-02-22T08:00:00Z"},
    "created_at": "2026-02-01T08:00:00Z", "updated_at": "2026-02-01T08:00:00Z"}"#;

#[test]
fn invoice_step_names_once() {
    let server = CannedServer::start(200, INVOICE);

    let run = vahti(&[
        "--url",
        &server.url,
        "--token",
        "vht_test",
        "invoices",
        "show",
        "INV-1",
    ]);

    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(
        run.stdout
            .contains("friendly_reminder, scheduled at 2026-02-22 08:00 UTC"),
        "{}",
        run.stdout
    );
    assert!(
        !run.stdout.contains("friendly_reminder friendly_reminder"),
        "{}",
        run.stdout
    );
}

#[test]
fn external_ids_are_encoded() {
    let server = CannedServer::start(200, STATUS);

    let run = vahti(&[
        "--url",
        &server.url,
        "--token",
        "vht_test",
        "status",
        "C/1 ä",
    ]);

    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert_eq!(
        server.requests(),
        ["GET /v1/accounts/C%2F1%20%C3%A4/status HTTP/1.1"]
    );
}

const IMPORT_REPORT: &str = r#"{"import_id": 3, "format": "finvoice", "version": "3.0",
    "created": 1, "updated": 0, "duplicates_skipped": 0, "warnings": [],
    "rejected": [{"position": "invoice 2", "code": "amount_invalid",
        "reason": "amount -5.00 must be above zero"}], "already_imported": false}"#;

#[test]
fn import_reports_each_file() {
    let dir = tempfile::tempdir().unwrap();
    let first = crate::support::write(dir.path(), "a.xml", "<Finvoice/>");
    let second = crate::support::write(dir.path(), "b.xml", "<Finvoice/>");
    let server = CannedServer::start(200, IMPORT_REPORT);

    let run = vahti(&[
        "--url",
        &server.url,
        "--token",
        "vht_test",
        "invoices",
        "import",
        first.to_str().unwrap(),
        second.to_str().unwrap(),
    ]);

    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(
        run.stdout.contains("a.xml: finvoice 3.0: 1 created"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("b.xml: finvoice 3.0: 1 created"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("rejected at invoice 2: amount -5.00 must be above zero (amount_invalid)"),
        "{}",
        run.stdout
    );
    assert_eq!(
        server.requests(),
        [
            "POST /v1/imports/invoices HTTP/1.1",
            "POST /v1/imports/invoices HTTP/1.1"
        ]
    );
}

#[test]
fn batch_file_uploaded_as_batch() {
    let dir = tempfile::tempdir().unwrap();
    let item = r#"{"external_id": "INV-1", "invoice": {"account": "C-1", "number": "1",
        "issue_date": "2026-03-02", "currency": "EUR", "amount": "10.00"}}"#;
    let path = crate::support::write(dir.path(), "batch.json", &format!("[{item}]"));
    let response = r#"{"results": [{"external_id": "INV-1", "status": "rejected",
        "error": {"code": "account_not_found", "message": "account \"C-1\" not found",
        "field": "account"}}]}"#;
    let server = CannedServer::start(200, response);

    let run = vahti(&[
        "--url",
        &server.url,
        "--token",
        "vht_test",
        "invoices",
        "import",
        path.to_str().unwrap(),
    ]);

    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(
        run.stdout
            .contains("batch of 1: 0 created, 0 updated, 0 unchanged, 1 rejected"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains(
            "rejected INV-1: account \"C-1\" not found (account_not_found) in field account"
        ),
        "{}",
        run.stdout
    );
    assert_eq!(server.requests(), ["POST /v1/invoices/batch HTTP/1.1"]);
}

const CLOCK: &str = r#"{"now": "2026-03-09T07:00:00Z", "manual": true}"#;

#[test]
fn clock_show_prints_time() {
    let server = CannedServer::start(200, CLOCK);

    let run = vahti(&[
        "--url",
        &server.url,
        "--admin-token",
        "admin",
        "clock",
        "show",
    ]);

    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(
        run.stdout.contains("now (UTC):  2026-03-09 07:00"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("clock:      manual"), "{}", run.stdout);
    assert_eq!(server.requests(), ["GET /v1/admin/clock HTTP/1.1"]);
}

#[test]
fn clock_advance_sends_seconds() {
    let server = CannedServer::start(200, CLOCK);

    let run = vahti(&[
        "--url",
        &server.url,
        "--admin-token",
        "admin",
        "clock",
        "advance",
        "7d",
    ]);

    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert_eq!(server.requests(), ["POST /v1/admin/clock HTTP/1.1"]);
    let body: serde_json::Value = serde_json::from_str(&server.bodies()[0]).unwrap();
    assert_eq!(
        body,
        serde_json::json!({"advance_seconds": 604_800, "wait": true})
    );
}

#[test]
fn clock_set_sends_instant() {
    let server = CannedServer::start(200, CLOCK);

    let run = vahti(&[
        "--url",
        &server.url,
        "--admin-token",
        "admin",
        "clock",
        "set",
        "2026-04-01T09:00:00+03:00",
        "--no-wait",
    ]);

    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let body: serde_json::Value = serde_json::from_str(&server.bodies()[0]).unwrap();
    assert_eq!(
        body,
        serde_json::json!({"set": "2026-04-01T06:00:00Z", "wait": false})
    );
}
