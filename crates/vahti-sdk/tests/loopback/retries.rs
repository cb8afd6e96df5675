//! Retries: which failures are retried, how long the client waits, and the idempotency key
//! that every attempt of a `POST` carries.

use std::time::{Duration, Instant};

use chrono::NaiveDate;
use rust_decimal::Decimal;
use vahti_sdk::api::{ErrorCode, PageQuery, RecordPaymentRequest};
use vahti_sdk::{IdempotencyKey, SdkError};

use crate::server::{Reply, ScriptedServer, client_for};

const PAYMENT: &str = r#"{"id": 1, "amount": "10.00", "currency": "EUR",
    "paid_on": "2026-03-02", "booked_on": "2026-03-02", "matched": false,
    "unallocated": "10.00", "created_at": "2026-03-02T07:00:00Z"}"#;

const EMPTY_PAGE: &str = r#"{"items": [], "next_cursor": null}"#;

fn payment_request() -> RecordPaymentRequest {
    RecordPaymentRequest {
        amount: Decimal::new(1000, 2),
        currency: "EUR".to_owned(),
        paid_on: NaiveDate::from_ymd_opt(2026, 3, 2).unwrap(),
        booked_on: None,
        reference: Some("RF18539007547034".to_owned()),
        invoice: None,
        archive_id: None,
        payer_name: None,
    }
}

fn keys(server: &ScriptedServer) -> Vec<Option<String>> {
    server
        .received()
        .iter()
        .map(|request| request.header("Idempotency-Key").map(str::to_owned))
        .collect()
}

#[tokio::test]
async fn retry_after_503_then_success() {
    let server = ScriptedServer::start(vec![
        Reply::error(503, "service_unavailable").header("Retry-After", "1"),
        Reply::json(200, PAYMENT),
    ]);
    let client = server.client(Some("vht_test"));

    let started = Instant::now();
    let payment = client.payments().record(&payment_request()).await.unwrap();

    assert_eq!(payment.id, 1);
    assert_eq!(server.received().len(), 2);
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
    server.stop().await;
}

#[tokio::test]
async fn retry_429_then_success() {
    let server = ScriptedServer::start(vec![
        Reply::error(429, "rate_limited").header("Retry-After", "0"),
        Reply::json(200, EMPTY_PAGE),
    ]);
    let client = server.client(Some("vht_test"));

    let page = client.tokens().list(&PageQuery::default()).await.unwrap();

    assert!(page.items.is_empty());
    assert_eq!(server.received().len(), 2);
    server.stop().await;
}

#[tokio::test]
async fn retry_503_without_retry_after() {
    let server = ScriptedServer::start(vec![
        Reply::error(503, "service_unavailable"),
        Reply::error(503, "service_unavailable"),
        Reply::json(200, EMPTY_PAGE),
    ]);
    let client = server.client(Some("vht_test"));

    client.tokens().list(&PageQuery::default()).await.unwrap();

    assert_eq!(server.received().len(), 3);
    server.stop().await;
}

#[tokio::test]
async fn retry_after_http_date() {
    let server = ScriptedServer::start(vec![
        Reply::error(503, "service_unavailable")
            .header("Retry-After", "Thu, 01 Jan 1970 00:00:00 GMT"),
        Reply::json(200, EMPTY_PAGE),
    ]);
    let client = server.client(Some("vht_test"));

    client.tokens().list(&PageQuery::default()).await.unwrap();

    assert_eq!(server.received().len(), 2);
    server.stop().await;
}

#[tokio::test]
async fn connection_refused_then_up() {
    let port = {
        let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        probe.local_addr().unwrap().port()
    };
    let client = client_for(&format!("http://127.0.0.1:{port}"), Some("vht_test"));

    let call = tokio::spawn(async move { client.payments().record(&payment_request()).await });
    tokio::time::sleep(Duration::from_millis(400)).await;
    let server = ScriptedServer::start_on_port(port, vec![Reply::json(200, PAYMENT)]);

    let payment = call.await.unwrap().unwrap();
    assert_eq!(payment.id, 1);
    assert_eq!(server.received().len(), 1);
    server.stop().await;
}

#[tokio::test]
async fn connection_refused_gives_up() {
    let port = {
        let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        probe.local_addr().unwrap().port()
    };
    let client = client_for(&format!("http://127.0.0.1:{port}"), None);

    let error = client.server().healthz().await.unwrap_err();

    assert!(matches!(error, SdkError::Connect { .. }), "{error:?}");
    assert!(error.is_unreachable());
    assert!(error.is_retryable());
}

#[tokio::test]
async fn timeout_then_success() {
    let server = ScriptedServer::start(vec![
        Reply::json(200, EMPTY_PAGE).delayed(Duration::from_millis(1500)),
        Reply::json(200, EMPTY_PAGE),
    ]);
    let client = vahti_sdk::Client::builder()
        .base_url(server.url())
        .token("vht_test")
        .timeout(Duration::from_millis(500))
        .retry_policy(
            vahti_sdk::RetryPolicy::default().with_initial_backoff(Duration::from_millis(10)),
        )
        .build()
        .unwrap();

    client.tokens().list(&PageQuery::default()).await.unwrap();

    assert_eq!(server.received().len(), 2);
    server.stop().await;
}

#[tokio::test]
async fn bad_request_not_retried() {
    let server = ScriptedServer::start(vec![
        Reply::error(400, "body_invalid"),
        Reply::json(200, PAYMENT),
    ]);
    let client = server.client(Some("vht_test"));

    let error = client
        .payments()
        .record(&payment_request())
        .await
        .unwrap_err();

    assert_eq!(error.code(), Some(&ErrorCode::BodyInvalid));
    assert_eq!(error.status(), Some(400));
    assert!(!error.is_retryable());
    assert_eq!(server.received().len(), 1);
    server.stop().await;
}

#[tokio::test]
async fn other_statuses_not_retried() {
    for (status, code) in [
        (401, "unauthorized"),
        (409, "payment_reversed"),
        (422, "value_invalid"),
        (500, "internal_error"),
        (502, "bad_gateway"),
    ] {
        let server =
            ScriptedServer::start(vec![Reply::error(status, code), Reply::json(200, PAYMENT)]);
        let client = server.client(Some("vht_test"));

        let error = client
            .payments()
            .record(&payment_request())
            .await
            .unwrap_err();

        assert_eq!(error.status(), Some(status), "HTTP {status}");
        assert_eq!(server.received().len(), 1, "HTTP {status}");
        server.stop().await;
    }
}

#[tokio::test]
async fn same_key_on_every_attempt() {
    let server = ScriptedServer::start(vec![
        Reply::error(503, "service_unavailable"),
        Reply::error(429, "rate_limited").header("Retry-After", "0"),
        Reply::json(200, PAYMENT),
    ]);
    let client = server.client(Some("vht_test"));

    client.payments().record(&payment_request()).await.unwrap();

    let keys = keys(&server);
    assert_eq!(keys.len(), 3);
    let first = keys[0].clone().expect("the first attempt has a key");
    assert!(
        keys.iter()
            .all(|key| key.as_deref() == Some(first.as_str())),
        "{keys:?}"
    );
    let uuid = uuid::Uuid::parse_str(&first).unwrap();
    assert_eq!(uuid.get_version_num(), 4);
    server.stop().await;
}

#[tokio::test]
async fn calls_get_distinct_keys() {
    let server = ScriptedServer::start(vec![Reply::json(200, PAYMENT), Reply::json(200, PAYMENT)]);
    let client = server.client(Some("vht_test"));

    client.payments().record(&payment_request()).await.unwrap();
    client.payments().record(&payment_request()).await.unwrap();

    let keys = keys(&server);
    assert_eq!(keys.len(), 2);
    assert_ne!(keys[0], keys[1]);
    server.stop().await;
}

#[tokio::test]
async fn caller_key_sent_on_retries() {
    let server = ScriptedServer::start(vec![
        Reply::error(503, "service_unavailable"),
        Reply::json(200, PAYMENT),
    ]);
    let client = server.client(Some("vht_test"));
    let key = IdempotencyKey::new("payment-archive-20260302-17").unwrap();

    client
        .payments()
        .with_idempotency_key(key)
        .record(&payment_request())
        .await
        .unwrap();

    let keys = keys(&server);
    let expected = Some("payment-archive-20260302-17".to_owned());
    assert_eq!(keys, [expected.clone(), expected]);
    server.stop().await;
}

#[tokio::test]
async fn get_has_no_key() {
    let server = ScriptedServer::start(vec![Reply::json(200, EMPTY_PAGE)]);
    let client = server.client(Some("vht_test"));

    client.tokens().list(&PageQuery::default()).await.unwrap();

    assert_eq!(keys(&server), [None]);
    server.stop().await;
}

#[tokio::test]
async fn gives_up_after_max_attempts() {
    let server = ScriptedServer::start(vec![Reply::error(503, "service_unavailable"); 5]);
    let client = vahti_sdk::Client::builder()
        .base_url(server.url())
        .retry_policy(
            vahti_sdk::RetryPolicy::default()
                .with_max_attempts(3)
                .unwrap()
                .with_initial_backoff(Duration::from_millis(10)),
        )
        .build()
        .unwrap();

    let error = client
        .tokens()
        .list(&PageQuery::default())
        .await
        .unwrap_err();

    assert_eq!(error.code(), Some(&ErrorCode::ServiceUnavailable));
    assert_eq!(server.received().len(), 3);
    server.stop().await;
}

#[tokio::test]
async fn long_retry_after_gives_up() {
    let server = ScriptedServer::start(vec![
        Reply::error(503, "service_unavailable").header("Retry-After", "120"),
        Reply::json(200, EMPTY_PAGE),
    ]);
    let client = server.client(Some("vht_test"));

    let started = Instant::now();
    let error = client
        .tokens()
        .list(&PageQuery::default())
        .await
        .unwrap_err();

    assert_eq!(error.retry_after(), Some(Duration::from_secs(120)));
    assert_eq!(server.received().len(), 1);
    assert!(started.elapsed() < Duration::from_secs(5));
    server.stop().await;
}

#[tokio::test]
async fn proxy_error_page_retried() {
    let server = ScriptedServer::start(vec![
        Reply::json(503, "<html>maintenance</html>"),
        Reply::json(200, EMPTY_PAGE),
    ]);
    let client = server.client(Some("vht_test"));

    client.tokens().list(&PageQuery::default()).await.unwrap();

    assert_eq!(server.received().len(), 2);
    server.stop().await;
}

#[tokio::test]
async fn bearer_token_sent() {
    let server = ScriptedServer::start(vec![Reply::json(200, EMPTY_PAGE)]);
    let client = server.client(Some("vht_test_token"));

    client.tokens().list(&PageQuery::default()).await.unwrap();

    let received = server.received();
    assert_eq!(
        received[0].header("Authorization"),
        Some("Bearer vht_test_token")
    );
    assert_eq!(received[0].header("Accept"), Some("application/json"));
    server.stop().await;
}

#[tokio::test]
async fn missing_token_sends_no_header() {
    let server = ScriptedServer::start(vec![Reply::error(401, "unauthorized")]);
    let client = server.client(None);

    let error = client
        .tokens()
        .list(&PageQuery::default())
        .await
        .unwrap_err();

    assert_eq!(error.code(), Some(&ErrorCode::Unauthorized));
    assert_eq!(server.received()[0].header("Authorization"), None);
    server.stop().await;
}

#[tokio::test]
async fn undecodable_success_reports_snippet() {
    let server = ScriptedServer::start(vec![Reply::json(200, r#"{"items": "oops"}"#)]);
    let client = server.client(Some("vht_test"));

    let error = client
        .tokens()
        .list(&PageQuery::default())
        .await
        .unwrap_err();

    match error {
        SdkError::Decode {
            status,
            snippet,
            endpoint,
            ..
        } => {
            assert_eq!(status, 200);
            assert_eq!(snippet, r#"{"items": "oops"}"#);
            assert_eq!(endpoint, "GET /v1/tokens");
        }
        other => panic!("expected a decode error, got {other:?}"),
    }
    server.stop().await;
}
