//! The documented exit codes: 1 for server errors, 2 for usage errors, 3 for connection errors
//! and 4 for invalid input files.

use crate::canned::CannedServer;
use crate::support::{closed_port, vahti, write};

#[test]
fn closed_port_exits_with_three() {
    let url = format!("http://127.0.0.1:{}", closed_port());

    let run = vahti(&["--url", &url, "--token", "vht_test", "tokens", "list"]);

    assert_eq!(run.code, Some(3), "{}", run.stderr);
    assert!(run.stderr.contains("could not connect"), "{}", run.stderr);
    assert!(run.stdout.is_empty());
}

#[test]
fn closed_port_status_exits_with_three() {
    let url = format!("http://127.0.0.1:{}", closed_port());

    let run = vahti(&["--url", &url, "--token", "vht_test", "status", "C-1"]);

    assert_eq!(run.code, Some(3), "{}", run.stderr);
}

#[test]
fn server_error_exits_with_one() {
    let body = r#"{"error": {"code": "invoice_not_found",
        "message": "invoice \"INV-404\" not found", "field": null}}"#;
    let server = CannedServer::start(404, body);

    let run = vahti(&[
        "--url",
        &server.url,
        "--token",
        "vht_test",
        "invoices",
        "show",
        "INV-404",
    ]);

    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert!(
        run.stderr.contains("invoice \"INV-404\" not found"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("code:   invoice_not_found"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("status: HTTP 404"), "{}", run.stderr);
}

#[test]
fn server_error_prints_field() {
    let body = r#"{"error": {"code": "due_date_before_issue_date",
        "message": "due date 2026-01-01 lies before issue date 2026-03-02", "field": "due_date"}}"#;
    let server = CannedServer::start(422, body);

    let run = vahti(&[
        "--url",
        &server.url,
        "--token",
        "vht_test",
        "invoices",
        "add",
        "INV-1",
        "--account",
        "C-1",
        "--number",
        "1",
        "--amount",
        "10.00",
        "--issue-date",
        "2026-03-02",
        "--due-date",
        "2026-01-01",
    ]);

    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert!(
        run.stderr.contains("code:   due_date_before_issue_date"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("field:  due_date"), "{}", run.stderr);
}

#[test]
fn missing_token_exits_with_two() {
    let run = vahti(&["tokens", "list"]);

    assert_eq!(run.code, Some(2));
    assert!(run.stderr.contains("VAHTI_TOKEN"), "{}", run.stderr);
}

#[test]
fn missing_admin_token_exits_with_two() {
    let run = vahti(&["--token", "vht_tenant", "tenants", "list"]);

    assert_eq!(run.code, Some(2));
    assert!(run.stderr.contains("VAHTI_ADMIN_TOKEN"), "{}", run.stderr);
}

#[test]
fn usage_errors_exit_with_two() {
    let cases: &[&[&str]] = &[
        &[],
        &["invoices"],
        &["no-such-command"],
        &[
            "payments",
            "add",
            "--amount",
            "1,50",
            "--paid-on",
            "2026-03-02",
        ],
        &[
            "payments",
            "add",
            "--amount",
            "1.50",
            "--paid-on",
            "02.03.2026",
        ],
        &[
            "accounts", "upsert", "C-1", "--name", "X", "--type", "robot",
        ],
        &["pending", "approve", "7", "--fee", "INV-1"],
        &[
            "--url",
            "ftp://example.com",
            "--token",
            "t",
            "tokens",
            "list",
        ],
        &["--token", "vht_test", "invoices", "show", " INV-1"],
        &["demo", "--days", "0"],
    ];
    for args in cases {
        let run = vahti(args);
        assert_eq!(run.code, Some(2), "{args:?}: {}", run.stderr);
    }
}

#[test]
fn negative_amount_names_the_rule() {
    let run = vahti(&[
        "--token",
        "vht_test",
        "payments",
        "add",
        "--amount",
        "-5",
        "--paid-on",
        "2026-03-02",
    ]);

    assert_eq!(run.code, Some(2), "{}", run.stderr);
    assert!(
        run.stderr.contains("the amount must be greater than zero"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("'-- -5'"), "{}", run.stderr);
}

#[test]
fn unreadable_import_exits_with_four() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("http://127.0.0.1:{}", closed_port());
    let missing = dir.path().join("missing.xml");

    let run = vahti(&[
        "--url",
        &url,
        "--token",
        "vht_test",
        "invoices",
        "import",
        missing.to_str().unwrap(),
    ]);

    assert_eq!(run.code, Some(4), "{}", run.stderr);
    assert!(
        run.stderr.contains("cannot read the file"),
        "{}",
        run.stderr
    );
}

#[test]
fn invalid_batch_exits_with_four() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        "batch.json",
        r#"{"items": [{"external_id": 5}]}"#,
    );
    let url = format!("http://127.0.0.1:{}", closed_port());

    let run = vahti(&[
        "--url",
        &url,
        "--token",
        "vht_test",
        "invoices",
        "import",
        path.to_str().unwrap(),
    ]);

    assert_eq!(run.code, Some(4), "{}", run.stderr);
    assert!(
        run.stderr.contains("invalid invoice batch"),
        "{}",
        run.stderr
    );
}
