//! Pagination streams, the event stream and the health endpoints.

use std::time::Duration;

use futures::{StreamExt, TryStreamExt};
use vahti_sdk::api::{ErrorCode, HealthStatus, PageQuery};

use crate::server::{Reply, ScriptedServer};

fn token_json(id: i64) -> String {
    format!(
        r#"{{"id": {id}, "name": "token-{id}", "prefix": "vht_{id}",
            "created_at": "2026-03-02T07:00:00Z"}}"#
    )
}

fn token_page(ids: &[i64], next_cursor: Option<&str>) -> String {
    let items: Vec<String> = ids.iter().copied().map(token_json).collect();
    let cursor = match next_cursor {
        Some(cursor) => format!("\"{cursor}\""),
        None => "null".to_owned(),
    };
    format!(
        r#"{{"items": [{}], "next_cursor": {cursor}}}"#,
        items.join(",")
    )
}

fn event_json(seq: i64) -> String {
    format!(
        r#"{{"seq": {seq}, "type": "invoice_overdue", "at": "2026-03-02T07:00:00Z",
            "account": "C-1", "invoice": "INV-{seq}", "data": {{}}}}"#
    )
}

fn events_body(seqs: &[i64], next_after: i64) -> String {
    let events: Vec<String> = seqs.iter().copied().map(event_json).collect();
    format!(
        r#"{{"events": [{}], "next_after": {next_after}}}"#,
        events.join(",")
    )
}

#[tokio::test]
async fn list_all_follows_cursor() {
    let server = ScriptedServer::start(vec![
        Reply::json(200, token_page(&[1, 2], Some("c/2+"))),
        Reply::json(200, token_page(&[], Some("c3"))),
        Reply::json(200, token_page(&[3], None)),
    ]);
    let client = server.client(Some("vht_test"));

    let query = PageQuery {
        cursor: None,
        limit: Some(2),
    };
    let tokens: Vec<_> = client.tokens().list_all(query).try_collect().await.unwrap();

    let ids: Vec<i64> = tokens.iter().map(|token| token.id).collect();
    assert_eq!(ids, [1, 2, 3]);
    let targets: Vec<String> = server.received().into_iter().map(|r| r.target).collect();
    assert_eq!(
        targets,
        [
            "/v1/tokens?limit=2",
            "/v1/tokens?cursor=c%2F2%2B&limit=2",
            "/v1/tokens?cursor=c3&limit=2",
        ]
    );
    server.stop().await;
}

#[tokio::test]
async fn list_all_stops_on_repeated_cursor() {
    let server = ScriptedServer::start(vec![
        Reply::json(200, token_page(&[1], Some("same"))),
        Reply::json(200, token_page(&[2], Some("same"))),
    ]);
    let client = server.client(Some("vht_test"));

    let results: Vec<_> = client
        .tokens()
        .list_all(PageQuery::default())
        .collect()
        .await;

    assert_eq!(results.len(), 3);
    assert!(results[0].is_ok());
    assert!(results[1].is_ok());
    assert!(results[2].is_err());
    server.stop().await;
}

#[tokio::test]
async fn list_all_ends_on_error() {
    let server = ScriptedServer::start(vec![
        Reply::json(200, token_page(&[1], Some("c2"))),
        Reply::error(400, "cursor_invalid"),
    ]);
    let client = server.client(Some("vht_test"));

    let results: Vec<_> = client
        .tokens()
        .list_all(PageQuery::default())
        .collect()
        .await;

    assert_eq!(results.len(), 2);
    let error = results[1].as_ref().unwrap_err();
    assert_eq!(error.code(), Some(&ErrorCode::CursorInvalid));
    server.stop().await;
}

#[tokio::test]
async fn event_stream_resumes_after_errors() {
    let server = ScriptedServer::start(vec![
        Reply::json(200, events_body(&[5, 6], 6)),
        Reply::json(200, events_body(&[], 6)),
        Reply::error(503, "service_unavailable"),
        Reply::json(200, events_body(&[6, 7], 7)),
    ]);
    let client = server.client(Some("vht_test"));

    let mut stream = client
        .events()
        .stream_from(Some(4))
        .with_wait(Duration::from_secs(1))
        .with_reconnect_backoff(Duration::from_millis(10), Duration::from_millis(50));
    assert_eq!(stream.last_seq(), Some(4));

    let mut seen = Vec::new();
    for _ in 0..3 {
        let event = stream.next().await.unwrap().unwrap();
        seen.push(event.seq);
        assert_eq!(stream.last_seq(), Some(event.seq));
    }

    assert_eq!(seen, [5, 6, 7]);
    let targets: Vec<String> = server.received().into_iter().map(|r| r.target).collect();
    assert_eq!(
        targets,
        [
            "/v1/events?after=4&wait=1",
            "/v1/events?after=6&wait=1",
            "/v1/events?after=6&wait=1",
            "/v1/events?after=6&wait=1",
        ]
    );
    server.stop().await;
}

#[tokio::test]
async fn event_stream_from_start() {
    let server = ScriptedServer::start(vec![Reply::json(200, events_body(&[1], 1))]);
    let client = server.client(Some("vht_test"));

    let mut stream = client.events().stream().with_batch_size(50);
    let event = stream.next().await.unwrap().unwrap();

    assert_eq!(event.seq, 1);
    assert_eq!(server.received()[0].target, "/v1/events?limit=50&wait=30");
    server.stop().await;
}

#[tokio::test]
async fn event_stream_ends_on_unauthorized() {
    let server = ScriptedServer::start(vec![Reply::error(401, "unauthorized")]);
    let client = server.client(Some("vht_revoked"));

    let mut stream = client.events().stream_from(Some(10));
    let first = stream.next().await.unwrap();
    let second = stream.next().await;

    assert_eq!(first.unwrap_err().code(), Some(&ErrorCode::Unauthorized));
    assert!(second.is_none());
    assert_eq!(stream.last_seq(), Some(10));
    server.stop().await;
}

#[tokio::test]
async fn readyz_failing_is_not_error() {
    let body = r#"{"status": "failing", "checks": [{"name": "database", "status": "failing",
        "detail": "connection refused"}]}"#;
    let server = ScriptedServer::start(vec![Reply::json(503, body)]);
    let client = server.client(None);

    let health = client.server().readyz().await.unwrap();

    assert_eq!(health.status, HealthStatus::Failing);
    assert_eq!(health.checks[0].name, "database");
    assert_eq!(server.received().len(), 1);
    server.stop().await;
}

#[tokio::test]
async fn healthz_ok() {
    let server = ScriptedServer::start(vec![Reply::json(200, r#"{"status": "ok", "checks": []}"#)]);
    let client = server.client(None);

    let health = client.server().healthz().await.unwrap();

    assert_eq!(health.status, HealthStatus::Ok);
    assert_eq!(server.received()[0].target, "/healthz");
    server.stop().await;
}

#[tokio::test]
async fn metrics_returns_text() {
    let server = ScriptedServer::start(vec![Reply::json(200, "vahti_accounts_active 3\n")]);
    let client = server.client(None);

    let metrics = client.server().metrics().await.unwrap();

    assert_eq!(metrics, "vahti_accounts_active 3\n");
    assert_eq!(server.received()[0].header("Accept"), Some("text/plain"));
    server.stop().await;
}
