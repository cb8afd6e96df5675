//! What every route shares: authentication before the body is read, and the body limits of the
//! `Idempotency-Key` middleware.

use reqwest::{Method, StatusCode};
use serde_json::Value;
use vahti_api::paths;
use vahti_testkit::Backend;

use crate::support::Harness;

/// The JSON body limit of the daemons started with [`small_body_limit`].
const JSON_LIMIT: usize = 1024;

/// Runs a test on both backends with a JSON body limit of [`JSON_LIMIT`] bytes.
fn small_body_limit<F, Fut>(test: F)
where
    F: Fn(Harness) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    for backend in [Backend::Sqlite, Backend::Postgres] {
        actix_rt::System::new().block_on(async {
            let limit = JSON_LIMIT.to_string();
            let h =
                Harness::start_with(backend, &[("VAHTI__SERVER__MAX_BODY_BYTES", &limit)]).await;
            test(h).await;
        });
    }
}

/// Sends a raw body with a bearer token, a content type and an optional `Idempotency-Key`.
async fn send(
    h: &Harness,
    path: &str,
    token: &str,
    content_type: &str,
    key: Option<&str>,
    body: Vec<u8>,
) -> (StatusCode, Value) {
    let mut request = h
        .client
        .post(format!("{}{path}", h.base))
        .bearer_auth(token)
        .header("content-type", content_type)
        .body(body);
    if let Some(key) = key {
        request = request.header("idempotency-key", key);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    let text = response.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

crate::api_test! {
    fn wrong_token_before_bad_body(h) {
        let (status, body) = send(&h, paths::PAYMENTS, "vahti_wrong", "application/json", None, b"{not json".to_vec()).await;

        assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
        assert_eq!(body["error"]["code"], "unauthorized");
    }

    fn missing_token_before_bad_body(h) {
        let reply = h
            .call(Method::PUT, "/v1/accounts/A-1", None, Some(serde_json::json!({"name": 7})))
            .await;

        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{}", reply.text);
    }

    fn wrong_token_with_idempotency_key(h) {
        let (status, body) = send(&h, paths::PAYMENTS, "vahti_wrong", "application/json", Some("k-1"), b"{}".to_vec()).await;

        assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    }

    fn wrong_content_type_is_415(h) {
        let (_, token) = h.tenant("Esimerkki Oy").await;
        let (status, body) = send(&h, paths::PAYMENTS, &token, "text/csv", None, b"{}".to_vec()).await;

        assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{body}");
        assert_eq!(body["error"]["code"], "content_type_unsupported");
    }
}

#[test]
fn keyed_import_over_json_limit() {
    small_body_limit(|h| async move {
        let (_, token) = h.tenant("Esimerkki Oy").await;
        let file = vec![b'x'; JSON_LIMIT * 2];

        let (status, body) = send(
            &h,
            paths::IMPORT_PAYMENTS,
            &token,
            "text/plain",
            Some("import-1"),
            file,
        )
        .await;

        // The import reads the whole file and finds no format in it: its own answer, not 413.
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(body["error"]["code"], "import_format_unknown");
    });
}

#[test]
fn keyed_json_over_limit_is_413() {
    small_body_limit(|h| async move {
        let (_, token) = h.tenant("Esimerkki Oy").await;
        let padding = "x".repeat(JSON_LIMIT * 2);
        let body = serde_json::to_vec(&serde_json::json!({"note": padding})).unwrap();

        let (status, body) = send(
            &h,
            paths::PAYMENTS,
            &token,
            "application/json",
            Some("pay-1"),
            body,
        )
        .await;

        assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{body}");
        assert_eq!(body["error"]["code"], "body_too_large");
    });
}

#[test]
fn unkeyed_json_over_limit_is_413() {
    small_body_limit(|h| async move {
        let (_, token) = h.tenant("Esimerkki Oy").await;
        let padding = "x".repeat(JSON_LIMIT * 2);
        let body = serde_json::to_vec(&serde_json::json!({"note": padding})).unwrap();

        let (status, body) =
            send(&h, paths::PAYMENTS, &token, "application/json", None, body).await;

        assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{body}");
        assert_eq!(body["error"]["code"], "body_too_large");
    });
}

/// With `server.max_pending_writes` at 1, a change that waits for the SQLite write lock takes
/// the only place. A second change is rejected at once with `server_busy`, a read still gets
/// through, and the waiting change completes once the lock is free.
#[test]
fn changes_over_limit_rejected_at_once() {
    actix_rt::System::new().block_on(async {
        let h = Harness::start_with(
            Backend::Sqlite,
            &[("VAHTI__SERVER__MAX_PENDING_WRITES", "1")],
        )
        .await;
        let (_, token) = h.tenant("Kuusimäen Kahvipaahtimo Oy").await;
        let body = crate::accounts::consumer("Maija Meikäläinen");
        // A first request caches the token's lookup, which records its use in a write.
        let listed = h.get("/v1/accounts", &token).await;
        assert_eq!(listed.status, StatusCode::OK, "{}", listed.text);

        // Another write transaction of the process holds the write lock until released.
        let (release, released) = std::sync::mpsc::channel::<()>();
        let (holding, held) = std::sync::mpsc::channel::<()>();
        let store = h.app.store().clone();
        let holder = std::thread::spawn(move || {
            store
                .transaction(|_| {
                    holding.send(()).unwrap();
                    released.recv().unwrap();
                    Ok::<_, vahti_store::StoreError>(())
                })
                .unwrap();
        });
        held.recv().unwrap();

        let waiting = {
            let client = h.client.clone();
            let url = format!("{}/v1/accounts/C-1", h.base);
            let (token, body) = (token.clone(), body.clone());
            actix_rt::spawn(async move {
                client
                    .put(url)
                    .bearer_auth(token)
                    .json(&body)
                    .send()
                    .await
                    .unwrap()
                    .status()
            })
        };
        // Give the first change time to reach the write lock and wait there.
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;

        let rejected = h
            .client
            .put(format!("{}/v1/accounts/C-2", h.base))
            .bearer_auth(&token)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(rejected.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(rejected.headers()["retry-after"], "1");
        let rejection: Value = rejected.json().await.unwrap();
        assert_eq!(rejection["error"]["code"], "server_busy", "{rejection}");
        let message = rejection["error"]["message"].as_str().unwrap();
        assert!(message.contains("server.max_pending_writes"), "{message}");
        let read = h.get("/v1/accounts", &token).await;
        assert_eq!(read.status, StatusCode::OK, "{}", read.text);

        release.send(()).unwrap();
        holder.join().unwrap();
        assert_eq!(waiting.await.unwrap(), StatusCode::CREATED);
        // The rejected change wrote nothing, and the place is free again.
        let missing = h.get("/v1/accounts/C-2", &token).await;
        assert_eq!(missing.status, StatusCode::NOT_FOUND, "{}", missing.text);
        let created = h.put("/v1/accounts/C-2", &token, body).await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
        h.stop().await;
    });
}
