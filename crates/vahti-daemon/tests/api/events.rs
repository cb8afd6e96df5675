use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::support::{Harness, StoredInvoice};

const OVERDUE: StoredInvoice<'static> = StoredInvoice {
    external_id: "INV-1",
    amount: "100.00",
    due: "2026-02-27",
};

/// Writes three events: a dispute opened, its resolution, and a pause.
async fn three_events(h: &Harness, token: &str) {
    let dispute = h
        .post(
            "/v1/invoices/INV-1/disputes",
            token,
            json!({"reason": "Not ordered"}),
        )
        .await;
    assert_eq!(dispute.status, StatusCode::CREATED, "{}", dispute.text);
    let path = format!("/v1/disputes/{}/resolve", dispute.body["id"]);
    let resolved = h
        .post(&path, token, json!({"resolution": "rejected"}))
        .await;
    assert_eq!(resolved.status, StatusCode::OK, "{}", resolved.text);
    let paused = h
        .post(
            "/v1/accounts/C-1/pause",
            token,
            json!({"until": "2026-03-20", "reason": "Holiday"}),
        )
        .await;
    assert_eq!(paused.status, StatusCode::OK, "{}", paused.text);
}

crate::api_test! {
    fn events_read_by_cursor(h) {
        let (tenant, token) = h.tenant("Acme Oy").await;
        h.store_account(tenant, "C-1", &[OVERDUE]).await;
        three_events(&h, &token).await;

        let all: vahti_api::EventsResponse = h.get("/v1/events", &token).await.json();
        let seqs: Vec<i64> = all.events.iter().map(|event| event.seq).collect();
        assert_eq!(seqs, [1, 2, 3]);
        assert_eq!(all.next_after, 3);
        let first = &all.events[0];
        assert_eq!(first.event_type, vahti_api::EventType::DisputeOpened);
        assert_eq!(first.account.as_deref(), Some("C-1"));
        assert_eq!(first.invoice.as_deref(), Some("INV-1"));
        assert!(first.data["dispute_id"].is_i64(), "{}", first.data);
        assert_eq!(all.events[2].event_type, vahti_api::EventType::Paused);
        assert_eq!(all.events[2].invoice, None);

        let page: vahti_api::EventsResponse = h.get("/v1/events?after=1&limit=1", &token).await.json();
        assert_eq!(page.events.len(), 1);
        assert_eq!(page.events[0].seq, 2);
        assert_eq!(page.next_after, 2);

        let none: vahti_api::EventsResponse = h.get("/v1/events?after=3", &token).await.json();
        assert!(none.events.is_empty());
        assert_eq!(none.next_after, 3);
    }

    fn events_of_tenant_only(h) {
        let (tenant, token) = h.tenant("Acme Oy").await;
        let (_, other) = h.tenant("Beta Oy").await;
        h.store_account(tenant, "C-1", &[OVERDUE]).await;
        three_events(&h, &token).await;

        let foreign: vahti_api::EventsResponse = h.get("/v1/events", &other).await.json();
        assert!(foreign.events.is_empty());
        assert_eq!(foreign.next_after, 0);

        let missing = h.call(Method::GET, "/v1/events", None, None).await;
        assert_eq!(missing.status, StatusCode::UNAUTHORIZED, "{}", missing.text);
    }

    fn events_query_validated(h) {
        let (_, token) = h.tenant("Acme Oy").await;
        let cases = [
            ("/v1/events?wait=61", "wait_out_of_range"),
            ("/v1/events?limit=0", "limit_out_of_range"),
            ("/v1/events?limit=1001", "limit_out_of_range"),
            ("/v1/events?after=-1", "query_invalid"),
            ("/v1/events?after=x", "query_invalid"),
            ("/v1/events?since=1", "query_invalid"),
        ];
        for (path, code) in cases {
            let reply = h.get(path, &token).await;
            assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{path}: {}", reply.text);
            assert_eq!(reply.code(), code, "{path}");
        }
    }

    fn long_poll_times_out_empty(h) {
        let (_, token) = h.tenant("Acme Oy").await;
        let started = Instant::now();
        let reply = h.get("/v1/events?wait=1", &token).await;
        let waited = started.elapsed();
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
        assert_eq!(reply.body["events"], json!([]));
        assert!(waited >= Duration::from_secs(1), "{waited:?}");
        assert!(waited < Duration::from_secs(5), "{waited:?}");
    }

    fn long_poll_returns_on_event(h) {
        let (tenant, token) = h.tenant("Acme Oy").await;
        h.store_account(tenant, "C-1", &[OVERDUE]).await;

        let client = h.client.clone();
        let url = format!("{}/v1/events?wait=30", h.base);
        let poll_token = token.clone();
        let started = Instant::now();
        let poll = actix_rt::spawn(async move {
            let response = client.get(url).bearer_auth(poll_token).send().await.unwrap();
            let body: vahti_api::EventsResponse = response.json().await.unwrap();
            (body, started.elapsed())
        });

        actix_rt::time::sleep(Duration::from_millis(300)).await;
        let paused = h
            .post("/v1/accounts/C-1/pause", &token, json!({"until": "2026-03-20", "reason": "Holiday"}))
            .await;
        assert_eq!(paused.status, StatusCode::OK, "{}", paused.text);

        let (body, waited) = poll.await.unwrap();
        assert_eq!(body.events.len(), 1);
        assert_eq!(body.events[0].event_type, vahti_api::EventType::Paused);
        assert!(waited < Duration::from_secs(5), "{waited:?}");
    }
}
