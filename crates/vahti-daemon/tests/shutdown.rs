//! A graceful stop: SIGTERM while a request runs lets it finish, then the daemon exits 0.

#![expect(clippy::unwrap_used, reason = "a failed setup fails the test")]

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::json;

const ADMIN: &str = "shutdown-admin-token-0123456789";

fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind(("127.0.0.1", 0)).unwrap();
    listener.local_addr().unwrap().port()
}

#[test]
fn sigterm_finishes_requests_in_flight() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let mut child = Command::new(env!("CARGO_BIN_EXE_vahtid"))
        .env_clear()
        .env("HOME", dir.path())
        .env("VAHTI__DAEMON__DATA_DIR", dir.path().join("data"))
        .env("VAHTI__SERVER__LISTEN", format!("127.0.0.1:{port}"))
        .env("VAHTI__ADMIN__TOKEN", ADMIN)
        .env("VAHTI__CLOCK__MODE", "manual")
        .env("VAHTI__CLOCK__START", "2026-03-02T07:00:00Z")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let client = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(30);
        while client.get(format!("{base}/readyz")).send().await.is_err() {
            assert!(Instant::now() < deadline, "vahtid did not start");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }

        let created: serde_json::Value = client
            .post(format!("{base}/v1/tenants"))
            .bearer_auth(ADMIN)
            .json(&json!({"name": "Acme Oy"}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let token = created["token"]["token"].as_str().unwrap().to_owned();
        let account = client
            .put(format!("{base}/v1/accounts/a-1"))
            .bearer_auth(&token)
            .json(&json!({"name": "Aino", "debtor_type": "consumer", "emails": []}))
            .send()
            .await
            .unwrap();
        assert!(account.status().is_success());

        // A batch large enough to still run when the signal arrives.
        let items: Vec<_> = (0..5000)
            .map(|n| {
                json!({"external_id": format!("i-{n}"), "invoice": {
                    "account": "a-1", "kind": "invoice", "number": format!("{n}"),
                    "issue_date": "2026-02-01", "due_date": "2026-04-01", "currency": "EUR",
                    "amount": "10.00"
                }})
            })
            .collect();
        let request = client
            .post(format!("{base}/v1/invoices/batch"))
            .bearer_auth(&token)
            .json(&json!({ "items": items }))
            .send();
        let signal = async {
            tokio::time::sleep(Duration::from_millis(200)).await;
            let status = Command::new("kill")
                .arg("-TERM")
                .arg(child.id().to_string())
                .status()
                .unwrap();
            assert!(status.success());
        };
        let (response, ()) = tokio::join!(request, signal);
        let response = response.unwrap();
        assert_eq!(response.status(), 200);
        let body: serde_json::Value = response.json().await.unwrap();
        let results = body["results"].as_array().unwrap();
        assert_eq!(results.len(), 5000);
        assert!(
            results.iter().all(|result| result["status"] == "created"),
            "{body}"
        );
    });

    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(
            Instant::now() < deadline,
            "vahtid did not stop after SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(status.code(), Some(0));
}
