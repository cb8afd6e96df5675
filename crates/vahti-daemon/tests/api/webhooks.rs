//! Webhook endpoints against a real receiver on loopback that records each request and checks
//! its signature with the SDK's verifier.

use std::collections::{BTreeMap, VecDeque};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::{HttpRequest, HttpResponse, HttpServer, web};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use vahti_api::{Event, EventType};
use vahti_daemon::service::events::emit;
use vahti_domain::ids::TenantId;
use vahti_sdk::webhook::{WebhookError, WebhookVerifier};

use crate::support::Harness;

/// Settings of the webhook tests: a short timeout and few failures before an endpoint is
/// disabled, so that the tests run quickly.
const SETTINGS: &[(&str, &str)] = &[
    ("VAHTI__WEBHOOKS__TIMEOUT_SECONDS", "1"),
    ("VAHTI__WEBHOOKS__FAILURES_BEFORE_DISABLE", "3"),
];

/// Long enough for any retry of the default backoff to come due.
const RETRY_WAIT_SECONDS: u32 = 3600;

/// Defines tests like `api_test!`, on a daemon started with [`SETTINGS`].
macro_rules! webhook_test {
    ($(fn $name:ident($h:ident) $body:block)*) => {
        $(
            mod $name {
                use super::*;

                async fn body($h: Harness) $body

                #[test]
                fn sqlite() {
                    actix_rt::System::new().block_on(async {
                        body(Harness::start_with(vahti_testkit::Backend::Sqlite, SETTINGS).await).await;
                    });
                }

                #[test]
                fn postgres() {
                    actix_rt::System::new().block_on(async {
                        body(Harness::start_with(vahti_testkit::Backend::Postgres, SETTINGS).await).await;
                    });
                }
            }
        )*
    };
}

/// The receiver's response to one request.
#[derive(Debug, Clone, Copy)]
pub enum Response {
    /// Respond at once with this status.
    Status(u16),
    /// Wait this long, then respond with 200.
    Slow(Duration),
}

/// A request as the receiver got it.
#[derive(Debug, Clone)]
pub struct Received {
    /// The headers, names in lower case.
    pub headers: BTreeMap<String, String>,
    /// The raw body.
    pub body: Vec<u8>,
}

impl Received {
    /// Returns a header's value.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .get(&name.to_ascii_lowercase())
            .map(String::as_str)
    }

    /// Verifies the signature with `secrets` at the request's own signing time and returns the
    /// event.
    pub fn verify(&self, secrets: &[&str]) -> Result<Event, WebhookError> {
        let mut verifier = WebhookVerifier::new(secrets[0]);
        for secret in &secrets[1..] {
            verifier = verifier.with_secret(secret);
        }
        let timestamp = self.header("Vahti-Timestamp");
        let now = timestamp
            .and_then(|text| text.parse::<i64>().ok())
            .unwrap_or_default();
        verifier.verify_event_at(timestamp, self.header("Vahti-Signature"), &self.body, now)
    }

    /// Parses the body as JSON.
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap()
    }
}

#[derive(Default)]
struct ReceiverState {
    received: Mutex<Vec<Received>>,
    script: Mutex<VecDeque<Response>>,
    fallback: Mutex<Option<Response>>,
}

/// An HTTP server on a free loopback port that records every request.
pub struct Receiver {
    /// The URL to register, such as `http://127.0.0.1:40123/hooks`.
    pub url: String,
    state: Arc<ReceiverState>,
    server: actix_web::dev::ServerHandle,
}

impl Receiver {
    /// Starts a receiver that responds with 200 unless a test scripts another response.
    pub async fn start() -> Receiver {
        let state = Arc::new(ReceiverState::default());
        let data = web::Data::from(Arc::clone(&state));
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/hooks", listener.local_addr().unwrap());
        let server = HttpServer::new(move || {
            actix_web::App::new()
                .app_data(data.clone())
                .app_data(web::PayloadConfig::new(16 * 1024 * 1024))
                .default_service(web::to(receive))
        })
        .workers(1)
        .disable_signals()
        .shutdown_timeout(1)
        .listen(listener)
        .unwrap()
        .run();
        let handle = server.handle();
        actix_rt::spawn(server);
        Receiver {
            url,
            state,
            server: handle,
        }
    }

    /// Responds to the next requests with `responses`, in order, and then with 200 again.
    pub fn script(&self, responses: impl IntoIterator<Item = Response>) {
        self.state.script.lock().unwrap().extend(responses);
    }

    /// Responds with `response` to every request that has no scripted response.
    pub fn always(&self, response: Response) {
        *self.state.fallback.lock().unwrap() = Some(response);
    }

    /// Returns the requests so far, oldest first.
    pub fn received(&self) -> Vec<Received> {
        self.state.received.lock().unwrap().clone()
    }

    /// Stops the server.
    pub async fn stop(self) {
        self.server.stop(false).await;
    }
}

async fn receive(
    state: web::Data<ReceiverState>,
    request: HttpRequest,
    body: web::Bytes,
) -> HttpResponse {
    let headers = request
        .headers()
        .iter()
        .map(|(name, value)| {
            (
                name.as_str().to_ascii_lowercase(),
                value.to_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    state.received.lock().unwrap().push(Received {
        headers,
        body: body.to_vec(),
    });
    let scripted = state.script.lock().unwrap().pop_front();
    let response = scripted.or(*state.fallback.lock().unwrap());
    match response {
        None => HttpResponse::Ok().finish(),
        Some(Response::Status(code)) => {
            HttpResponse::build(actix_web::http::StatusCode::from_u16(code).unwrap()).finish()
        }
        Some(Response::Slow(wait)) => {
            actix_rt::time::sleep(wait).await;
            HttpResponse::Ok().finish()
        }
    }
}

/// Creates an endpoint and returns its id and secret.
pub async fn endpoint(h: &Harness, token: &str, url: &str, event_types: &[&str]) -> (i64, String) {
    let reply = h
        .post(
            "/v1/webhooks",
            token,
            json!({"url": url, "event_types": event_types, "description": "ERP"}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
    (
        reply.body["webhook"]["id"].as_i64().unwrap(),
        reply.body["secret"].as_str().unwrap().to_owned(),
    )
}

/// Appends an event of the tenant as a service would, and returns its sequence number.
pub async fn append_event(h: &Harness, tenant: i64, kind: EventType) -> i64 {
    let now = h.app.now();
    h.app
        .write(move |tx| {
            let event = emit(
                tx,
                TenantId(tenant),
                kind,
                None,
                None,
                json!({"amount": "120.00", "currency": "EUR"}),
                now,
            )?;
            Ok(event.seq)
        })
        .await
        .unwrap()
}

async fn deliveries(h: &Harness, token: &str, id: i64) -> Vec<Value> {
    let reply = h.get(&format!("/v1/webhooks/{id}/deliveries"), token).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    reply.body["items"].as_array().unwrap().clone()
}

webhook_test! {
    fn webhook_create_read_update_delete(h) {
        let (_, token) = h.tenant("Acme Oy").await;
        let (id, secret) = endpoint(&h, &token, "https://erp.example.com/vahti", &["invoice_paid"]).await;
        assert!(secret.starts_with("whsec_"), "{secret}");

        let read = h.get(&format!("/v1/webhooks/{id}"), &token).await;
        assert_eq!(read.status, StatusCode::OK, "{}", read.text);
        assert_eq!(read.body["url"], "https://erp.example.com/vahti");
        assert_eq!(read.body["event_types"], json!(["invoice_paid"]));
        assert_eq!(read.body["enabled"], true);
        assert_eq!(read.body["secrets"].as_array().unwrap().len(), 1);
        assert!(!read.text.contains(&secret), "the secret is shown only once");

        let changed = h
            .patch(&format!("/v1/webhooks/{id}"), &token, json!({"event_types": ["*"], "enabled": false}))
            .await;
        assert_eq!(changed.status, StatusCode::OK, "{}", changed.text);
        assert_eq!(changed.body["event_types"], json!(["*"]));
        assert_eq!(changed.body["enabled"], false);
        assert_eq!(changed.body["description"], "ERP");

        let list = h.get("/v1/webhooks", &token).await;
        assert_eq!(list.body["items"].as_array().unwrap().len(), 1);

        let deleted = h.delete(&format!("/v1/webhooks/{id}"), &token).await;
        assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{}", deleted.text);
        let after_delete = h.get(&format!("/v1/webhooks/{id}"), &token).await;
        assert_eq!(after_delete.status, StatusCode::NOT_FOUND);
        assert_eq!(after_delete.code(), "webhook_not_found");
    }

    fn webhook_validation_names_field(h) {
        let (_, token) = h.tenant("Acme Oy").await;
        let remote_http = h
            .post("/v1/webhooks", &token, json!({"url": "http://erp.example.com/hooks", "event_types": ["*"]}))
            .await;
        assert_eq!(remote_http.status, StatusCode::BAD_REQUEST, "{}", remote_http.text);
        assert_eq!(remote_http.code(), "webhook_url_invalid");
        assert_eq!(remote_http.body["error"]["field"], "url");

        let unknown_type = h
            .post("/v1/webhooks", &token, json!({"url": "https://erp.example.com/", "event_types": ["invoice_paid", "invoice.paid"]}))
            .await;
        assert_eq!(unknown_type.status, StatusCode::BAD_REQUEST, "{}", unknown_type.text);
        assert_eq!(unknown_type.code(), "event_type_unknown");
        assert_eq!(unknown_type.body["error"]["field"], "event_types.1");

        let no_types = h
            .post("/v1/webhooks", &token, json!({"url": "https://erp.example.com/", "event_types": []}))
            .await;
        assert_eq!(no_types.body["error"]["field"], "event_types");

        let unknown_field = h
            .post("/v1/webhooks", &token, json!({"url": "https://erp.example.com/", "event_types": ["*"], "secret": "x"}))
            .await;
        assert_eq!(unknown_field.status, StatusCode::BAD_REQUEST, "{}", unknown_field.text);
        assert_eq!(unknown_field.body["error"]["field"], "secret");

        let bad_cursor = h.get("/v1/webhooks?cursor=abc", &token).await;
        assert_eq!(bad_cursor.status, StatusCode::BAD_REQUEST);
        assert_eq!(bad_cursor.code(), "cursor_invalid");
    }

    fn webhook_needs_token_and_own_tenant(h) {
        let (_, token) = h.tenant("Acme Oy").await;
        let (_, other_token) = h.tenant("Other Oy").await;
        let (id, _) = endpoint(&h, &token, "https://erp.example.com/vahti", &["*"]).await;

        let missing = h.call(Method::GET, "/v1/webhooks", None, None).await;
        assert_eq!(missing.status, StatusCode::UNAUTHORIZED);
        let wrong = h.get("/v1/webhooks", "vahti_notatoken").await;
        assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);

        let paths = [
            (Method::GET, format!("/v1/webhooks/{id}"), None),
            (Method::PATCH, format!("/v1/webhooks/{id}"), Some(json!({"enabled": false}))),
            (Method::DELETE, format!("/v1/webhooks/{id}"), None),
            (Method::POST, format!("/v1/webhooks/{id}/secrets/rotate"), Some(json!({}))),
            (Method::GET, format!("/v1/webhooks/{id}/deliveries"), None),
            (Method::POST, format!("/v1/webhooks/{id}/deliveries/1/redeliver"), Some(json!({}))),
        ];
        for (method, path, body) in paths {
            let reply = h.call(method.clone(), &path, Some(&other_token), body).await;
            assert_eq!(reply.status, StatusCode::NOT_FOUND, "{method} {path}: {}", reply.text);
            assert_eq!(reply.code(), "webhook_not_found", "{method} {path}");
        }
        let others = h.get("/v1/webhooks", &other_token).await;
        assert_eq!(others.body["items"], json!([]));
    }

    fn webhook_delivered_and_signed(h) {
        let receiver = Receiver::start().await;
        let (tenant, token) = h.tenant("Acme Oy").await;
        let (id, secret) = endpoint(&h, &token, &receiver.url, &["invoice_paid"]).await;

        append_event(&h, tenant, EventType::StepSent).await;
        let seq = append_event(&h, tenant, EventType::InvoicePaid).await;
        h.advance_seconds(1).await;

        let received = receiver.received();
        assert_eq!(received.len(), 1, "only the subscribed type is delivered");
        let request = &received[0];
        let event = request.verify(&[&secret]).unwrap();
        assert_eq!(event.seq, seq);
        assert_eq!(event.event_type, EventType::InvoicePaid);
        assert_eq!(event.data["amount"], "120.00");
        assert_eq!(request.header("Vahti-Event-Id"), Some(seq.to_string().as_str()));
        assert_eq!(request.header("Content-Type"), Some("application/json"));
        let timestamp: i64 = request.header("Vahti-Timestamp").unwrap().parse().unwrap();
        assert_eq!(timestamp, h.app.now().timestamp());

        let log = deliveries(&h, &token, id).await;
        assert_eq!(log.len(), 1);
        assert_eq!(log[0]["state"], "sent");
        assert_eq!(log[0]["event_seq"], seq);
        assert_eq!(log[0]["attempts"][0]["status_code"], 200);
        assert_eq!(
            request.header("Vahti-Delivery-Id"),
            Some(log[0]["id"].to_string().as_str())
        );
        receiver.stop().await;
    }

    fn invoice_changes_reach_webhooks(h) {
        let receiver = Receiver::start().await;
        let (_, token) = h.tenant("Acme Oy").await;
        let (_, secret) = endpoint(&h, &token, &receiver.url, &["invoice_created", "invoice_updated"]).await;
        crate::accounts::create_account(&h, &token, "C-1").await;
        let body = crate::invoices::invoice("C-1", "2026-0001", "100.00");
        crate::invoices::put_invoice(&h, &token, "INV-1", body.clone()).await;
        let mut changed = body;
        changed["amount"] = json!("120.00");
        crate::invoices::put_invoice(&h, &token, "INV-1", changed).await;
        h.advance_seconds(1).await;

        let mut events: Vec<Event> = receiver
            .received()
            .iter()
            .map(|request| request.verify(&[&secret]).unwrap())
            .collect();
        events.sort_by_key(|event| event.seq);
        let kinds: Vec<(EventType, Option<String>)> = events
            .into_iter()
            .map(|event| (event.event_type, event.invoice))
            .collect();
        assert_eq!(
            kinds,
            vec![
                (EventType::InvoiceCreated, Some("INV-1".to_owned())),
                (EventType::InvoiceUpdated, Some("INV-1".to_owned())),
            ]
        );
        receiver.stop().await;
    }

    fn webhook_retried_after_500(h) {
        let receiver = Receiver::start().await;
        receiver.script([Response::Status(500)]);
        let (tenant, token) = h.tenant("Acme Oy").await;
        let (id, secret) = endpoint(&h, &token, &receiver.url, &["*"]).await;

        let seq = append_event(&h, tenant, EventType::PaymentMatched).await;
        h.advance_seconds(1).await;
        let log = deliveries(&h, &token, id).await;
        assert_eq!(log[0]["state"], "pending", "{log:?}");
        assert_eq!(log[0]["attempts"][0]["status_code"], 500);
        assert!(log[0]["last_error"].as_str().unwrap().contains("500"), "{log:?}");
        let endpoint_state = h.get(&format!("/v1/webhooks/{id}"), &token).await;
        assert_eq!(endpoint_state.body["consecutive_failures"], 1);

        h.advance_seconds(RETRY_WAIT_SECONDS).await;
        let received = receiver.received();
        assert_eq!(received.len(), 2);
        assert_eq!(received[0].body, received[1].body);
        assert_eq!(received[0].header("Vahti-Event-Id"), received[1].header("Vahti-Event-Id"));
        assert_eq!(received[0].header("Vahti-Delivery-Id"), received[1].header("Vahti-Delivery-Id"));
        assert_eq!(received[1].verify(&[&secret]).unwrap().seq, seq);

        let log = deliveries(&h, &token, id).await;
        assert_eq!(log.len(), 1);
        assert_eq!(log[0]["state"], "sent");
        assert_eq!(log[0]["attempts"].as_array().unwrap().len(), 2);
        let endpoint_state = h.get(&format!("/v1/webhooks/{id}"), &token).await;
        assert_eq!(endpoint_state.body["consecutive_failures"], 0);
        receiver.stop().await;
    }

    fn webhook_timeout_retried(h) {
        let receiver = Receiver::start().await;
        receiver.script([Response::Slow(Duration::from_secs(3))]);
        let (tenant, token) = h.tenant("Acme Oy").await;
        let (id, _) = endpoint(&h, &token, &receiver.url, &["*"]).await;

        append_event(&h, tenant, EventType::StepFailed).await;
        h.advance_seconds(1).await;
        let log = deliveries(&h, &token, id).await;
        assert_eq!(log[0]["state"], "pending", "{log:?}");
        let attempt = &log[0]["attempts"][0];
        assert_eq!(attempt["status_code"], Value::Null);
        assert!(attempt["error"].as_str().unwrap().contains("timeout of 1 s"), "{attempt}");

        h.advance_seconds(RETRY_WAIT_SECONDS).await;
        let log = deliveries(&h, &token, id).await;
        assert_eq!(log[0]["state"], "sent", "{log:?}");
        assert_eq!(receiver.received().len(), 2);
        receiver.stop().await;
    }

    fn failing_endpoint_disabled(h) {
        let receiver = Receiver::start().await;
        receiver.always(Response::Status(503));
        let watcher = Receiver::start().await;
        let (tenant, token) = h.tenant("Acme Oy").await;
        let (id, _) = endpoint(&h, &token, &receiver.url, &["*"]).await;
        let (_, watcher_secret) = endpoint(&h, &token, &watcher.url, &["webhook_disabled"]).await;

        append_event(&h, tenant, EventType::InvoiceOverdue).await;
        h.advance_seconds(1).await;
        for _ in 0..3 {
            h.advance_seconds(RETRY_WAIT_SECONDS).await;
        }
        assert_eq!(receiver.received().len(), 3, "disabled after the third failure");

        let state = h.get(&format!("/v1/webhooks/{id}"), &token).await;
        assert_eq!(state.body["enabled"], false, "{}", state.text);
        assert_eq!(state.body["consecutive_failures"], 3);
        assert!(state.body["disabled_reason"].as_str().unwrap().contains("3 failed deliveries"));

        let notices = watcher.received();
        assert_eq!(notices.len(), 1);
        let notice = notices[0].verify(&[&watcher_secret]).unwrap();
        assert_eq!(notice.event_type, EventType::WebhookDisabled);
        assert_eq!(notice.data["webhook_id"], id);

        let before = deliveries(&h, &token, id).await.len();
        append_event(&h, tenant, EventType::InvoicePaid).await;
        assert_eq!(deliveries(&h, &token, id).await.len(), before, "nothing queued while disabled");

        receiver.always(Response::Status(200));
        let enabled = h.patch(&format!("/v1/webhooks/{id}"), &token, json!({"enabled": true})).await;
        assert_eq!(enabled.body["enabled"], true);
        assert_eq!(enabled.body["consecutive_failures"], 0);
        assert_eq!(enabled.body["disabled_reason"], Value::Null);
        append_event(&h, tenant, EventType::InvoicePaid).await;
        h.advance_seconds(1).await;
        assert_eq!(receiver.received().len(), 4);
        receiver.stop().await;
        watcher.stop().await;
    }

    fn rotation_signs_with_both_secrets(h) {
        let receiver = Receiver::start().await;
        let (tenant, token) = h.tenant("Acme Oy").await;
        let (id, old) = endpoint(&h, &token, &receiver.url, &["*"]).await;

        let rotated = h.post(&format!("/v1/webhooks/{id}/secrets/rotate"), &token, json!({})).await;
        assert_eq!(rotated.status, StatusCode::OK, "{}", rotated.text);
        let new = rotated.body["secret"].as_str().unwrap().to_owned();
        assert_ne!(new, old);
        assert_eq!(rotated.body["previous_expires_at"], "2026-03-03T07:00:00Z");
        let read = h.get(&format!("/v1/webhooks/{id}"), &token).await;
        assert_eq!(read.body["secrets"].as_array().unwrap().len(), 2);

        append_event(&h, tenant, EventType::InvoicePaid).await;
        h.advance_seconds(1).await;
        let during = receiver.received();
        let signatures = during[0].header("Vahti-Signature").unwrap();
        assert_eq!(signatures.split(',').count(), 2, "{signatures}");
        assert!(during[0].verify(&[&new]).is_ok());
        assert!(during[0].verify(&[&old]).is_ok());

        h.advance_seconds(25 * 3600).await;
        append_event(&h, tenant, EventType::InvoicePaid).await;
        h.advance_seconds(1).await;
        let after = receiver.received();
        let last = after.last().unwrap();
        assert_eq!(last.header("Vahti-Signature").unwrap().split(',').count(), 1);
        assert!(last.verify(&[&new]).is_ok());
        assert!(matches!(
            last.verify(&[&old]),
            Err(WebhookError::NoMatchingSignature { .. })
        ));
        receiver.stop().await;
    }

    fn redelivery_sends_same_event(h) {
        let receiver = Receiver::start().await;
        let (tenant, token) = h.tenant("Acme Oy").await;
        let (id, secret) = endpoint(&h, &token, &receiver.url, &["*"]).await;
        let seq = append_event(&h, tenant, EventType::DisputeOpened).await;
        h.advance_seconds(1).await;
        let first = deliveries(&h, &token, id).await[0]["id"].as_i64().unwrap();

        let again = h
            .post(&format!("/v1/webhooks/{id}/deliveries/{first}/redeliver"), &token, json!({}))
            .await;
        assert_eq!(again.status, StatusCode::ACCEPTED, "{}", again.text);
        assert_eq!(again.body["state"], "pending");
        assert_eq!(again.body["event_seq"], seq);
        let second = again.body["id"].as_i64().unwrap();
        assert_ne!(second, first);

        h.advance_seconds(1).await;
        let received = receiver.received();
        assert_eq!(received.len(), 2);
        assert_eq!(received[1].verify(&[&secret]).unwrap().seq, seq);
        assert_eq!(received[1].header("Vahti-Delivery-Id"), Some(second.to_string().as_str()));

        let missing = h
            .post(&format!("/v1/webhooks/{id}/deliveries/999999/redeliver"), &token, json!({}))
            .await;
        assert_eq!(missing.status, StatusCode::NOT_FOUND);
        assert_eq!(missing.code(), "webhook_delivery_not_found");

        h.patch(&format!("/v1/webhooks/{id}"), &token, json!({"enabled": false})).await;
        let disabled = h
            .post(&format!("/v1/webhooks/{id}/deliveries/{first}/redeliver"), &token, json!({}))
            .await;
        assert_eq!(disabled.status, StatusCode::CONFLICT);
        assert_eq!(disabled.code(), "webhook_disabled");
        receiver.stop().await;
    }

    fn delivery_log_and_list_page(h) {
        let receiver = Receiver::start().await;
        let (tenant, token) = h.tenant("Acme Oy").await;
        let (id, _) = endpoint(&h, &token, &receiver.url, &["*"]).await;
        endpoint(&h, &token, "https://erp.example.com/second", &["invoice_paid"]).await;
        for _ in 0..3 {
            append_event(&h, tenant, EventType::StepSent).await;
        }
        h.advance_seconds(1).await;

        let first = h.get(&format!("/v1/webhooks/{id}/deliveries?limit=2"), &token).await;
        assert_eq!(first.body["items"].as_array().unwrap().len(), 2, "{}", first.text);
        let cursor = first.body["next_cursor"].as_str().unwrap().to_owned();
        let rest = h
            .get(&format!("/v1/webhooks/{id}/deliveries?limit=2&cursor={cursor}"), &token)
            .await;
        assert_eq!(rest.body["items"].as_array().unwrap().len(), 1, "{}", rest.text);
        assert_eq!(rest.body["next_cursor"], Value::Null);
        let whole = h.get(&format!("/v1/webhooks/{id}/deliveries?limit=3"), &token).await;
        assert_eq!(whole.body["next_cursor"], Value::Null, "{}", whole.text);

        let sent = h.get(&format!("/v1/webhooks/{id}/deliveries?state=sent&limit=1"), &token).await;
        assert_eq!(sent.body["items"].as_array().unwrap().len(), 1);
        assert!(sent.body["next_cursor"].is_string());
        let failed = h.get(&format!("/v1/webhooks/{id}/deliveries?state=failed"), &token).await;
        assert!(failed.body["items"].as_array().unwrap().is_empty());
        let unknown = h.get(&format!("/v1/webhooks/{id}/deliveries?state=lost"), &token).await;
        assert_eq!(unknown.status, StatusCode::BAD_REQUEST);
        let too_many = h.get(&format!("/v1/webhooks/{id}/deliveries?limit=5000"), &token).await;
        assert_eq!(too_many.status, StatusCode::BAD_REQUEST);
        assert_eq!(too_many.code(), "limit_out_of_range");

        let page = h.get("/v1/webhooks?limit=1", &token).await;
        assert_eq!(page.body["items"][0]["id"], id);
        let cursor = page.body["next_cursor"].as_str().unwrap().to_owned();
        let next = h.get(&format!("/v1/webhooks?limit=1&cursor={cursor}"), &token).await;
        assert_eq!(next.body["items"][0]["url"], "https://erp.example.com/second");
        assert_eq!(next.body["next_cursor"], Value::Null);
        receiver.stop().await;
    }

    fn rolled_back_change_sends_nothing(h) {
        let receiver = Receiver::start().await;
        let (tenant, token) = h.tenant("Acme Oy").await;
        let (id, _) = endpoint(&h, &token, &receiver.url, &["*"]).await;

        let now = h.app.now();
        let result = h
            .app
            .write(move |tx| {
                emit(tx, TenantId(tenant), EventType::InvoicePaid, None, None, json!({}), now)?;
                Err::<(), _>(vahti_daemon::error::ServiceError::internal("a later step failed"))
            })
            .await;
        assert!(result.is_err());
        h.advance_seconds(1).await;

        assert!(receiver.received().is_empty());
        assert!(deliveries(&h, &token, id).await.is_empty());
        receiver.stop().await;
    }
}
