//! Delivery of webhook outbox rows: a signed `POST` of the event to the endpoint, and the
//! recording of each attempt.
//!
//! A 2xx response within `webhooks.timeout_seconds` is a success. Anything else is retried with
//! the outbox's exponential backoff and full jitter until `webhooks.max_age_hours` after the row
//! was queued. Redirects are never followed, because the endpoint's URL is the one the tenant
//! configured. Logs carry the endpoint id and the status, never a secret or a body.
//!
//! The signing and the HTTP client here also serve the collection partners' HTTP adapter.

use std::sync::OnceLock;
use std::time::{Duration, Instant};

use chrono::{DateTime, TimeDelta, Utc};
use hmac::{Hmac, KeyInit, Mac};
use rand::Rng;
use sha2::Sha256;
use vahti_store::outbox::{self, OutboxMessage};
use vahti_store::webhooks::{self as store_webhooks, WebhookAttempt, WebhookSecret};

use crate::app::App;
use crate::service::webhooks::{self, AttemptOutcome, WebhookPayload};

/// Name of the header with the time of signing, in Unix seconds.
pub const TIMESTAMP_HEADER: &str = "Vahti-Timestamp";

/// Name of the header with one `v1=<hex>` signature per active secret.
pub const SIGNATURE_HEADER: &str = "Vahti-Signature";

/// The shortest wait before a retry, so that a jitter of zero does not retry in the same round.
const MIN_RETRY_DELAY: Duration = Duration::from_secs(1);

/// How long an attempt may take to connect, within the request's own time limit.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// Errors and statuses longer than this are cut in the delivery log.
const MAX_ERROR_CHARS: usize = 300;

type HmacSha256 = Hmac<Sha256>;

/// Returns the HTTP client of every webhook and agency request: rustls, no redirects, no proxy from the
/// environment, a connect timeout. Each request sets its own overall timeout.
///
/// Connections are not kept for reuse: the sender runs on several runtimes (the outbox task and
/// the HTTP workers that run it after a clock change), and a pooled connection dies with the
/// runtime that opened it.
pub fn client() -> &'static reqwest::Client {
    static CLIENT: OnceLock<reqwest::Client> = OnceLock::new();
    CLIENT.get_or_init(|| {
        reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(CONNECT_TIMEOUT)
            .pool_max_idle_per_host(0)
            .no_proxy()
            .user_agent(concat!("vahti/", env!("CARGO_PKG_VERSION")))
            .build()
            .unwrap_or_else(|error| {
                tracing::error!(error = %error, "webhook HTTP client could not be configured; using defaults");
                reqwest::Client::new()
            })
    })
}

/// Computes the `Vahti-Signature` header of `body` signed at `timestamp` (Unix seconds): one
/// `v1=<hex HMAC-SHA256 of "<timestamp>.<body>">` entry per secret, joined with commas.
pub fn signature_header<'a>(
    secrets: impl IntoIterator<Item = &'a str>,
    timestamp: i64,
    body: &[u8],
) -> String {
    secrets
        .into_iter()
        .map(|secret| {
            // HMAC accepts keys of any length (RFC 2104), so the fallback never runs.
            let mut mac = HmacSha256::new_from_slice(secret.as_bytes())
                .unwrap_or_else(|_| HmacSha256::new(&Default::default()));
            mac.update(timestamp.to_string().as_bytes());
            mac.update(b".");
            mac.update(body);
            format!("v1={}", hex::encode(mac.finalize().into_bytes()))
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// Draws the wait before the next attempt after `attempts` failed ones, or returns `None` when
/// the row would be older than `max_age` by then and is given up.
pub fn retry_delay(app: &App, attempts: i32, age: Duration, max_age: Duration) -> Option<Duration> {
    let attempts = u32::try_from(attempts).unwrap_or(0);
    let cap = app.retry_policy().delay_cap(attempts);
    let cap_ms = u64::try_from(cap.as_millis()).unwrap_or(u64::MAX);
    let delay = Duration::from_millis(rand::rng().random_range(0..=cap_ms)).max(MIN_RETRY_DELAY);
    match age.checked_add(delay) {
        Some(next) if next <= max_age => Some(delay),
        _ => None,
    }
}

/// Returns the instant `delay` after `now`, if it can be represented.
pub fn later(now: DateTime<Utc>, delay: Duration) -> Option<DateTime<Utc>> {
    TimeDelta::from_std(delay)
        .ok()
        .and_then(|delay| now.checked_add_signed(delay))
}

/// The outcome of one HTTP request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// The status, when a response came.
    pub status: Option<u16>,
    /// The reason the attempt failed, or `None` for a 2xx status.
    pub error: Option<String>,
    /// How long the request took.
    pub duration: Duration,
}

impl Response {
    /// Returns whether the receiver accepted the request.
    pub fn is_success(&self) -> bool {
        self.error.is_none()
    }
}

/// Sends a signed JSON `POST` and waits for the status, at most `timeout`. The response body is
/// not read.
pub async fn post(
    url: &str,
    headers: &[(&str, String)],
    body: String,
    timeout: Duration,
) -> Response {
    let started = Instant::now();
    let mut request = client()
        .post(url)
        .timeout(timeout)
        .header(reqwest::header::CONTENT_TYPE, "application/json");
    for (name, value) in headers {
        request = request.header(*name, value.as_str());
    }
    let result = request.body(body).send().await;
    let duration = started.elapsed();
    match result {
        Ok(response) if response.status().is_success() => Response {
            status: Some(response.status().as_u16()),
            error: None,
            duration,
        },
        Ok(response) => {
            let status = response.status();
            let error = match status.canonical_reason() {
                Some(reason) => format!(
                    "the endpoint responded with status {} {reason}",
                    status.as_u16()
                ),
                None => format!("the endpoint responded with status {}", status.as_u16()),
            };
            Response {
                status: Some(status.as_u16()),
                error: Some(error),
                duration,
            }
        }
        Err(error) => Response {
            status: None,
            error: Some(describe(&error, timeout)),
            duration,
        },
    }
}

/// Describes a failed request without its URL, which may carry a token of the receiver.
fn describe(error: &reqwest::Error, timeout: Duration) -> String {
    let text = if error.is_timeout() {
        format!("no response within the timeout of {} s", timeout.as_secs())
    } else if error.is_connect() {
        format!("the connection failed: {}", source_text(error))
    } else {
        format!("the request failed: {}", source_text(error))
    };
    text.chars().take(MAX_ERROR_CHARS).collect()
}

fn source_text(error: &reqwest::Error) -> String {
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(inner) = source {
        text = format!("{text}: {inner}");
        source = inner.source();
    }
    text
}

/// Delivers one claimed webhook row and records the attempt.
pub async fn deliver(app: &App, row: OutboxMessage) {
    let outbox_id = row.id;
    let payload = match WebhookPayload::of(&row) {
        Ok(payload) => payload,
        Err(error) => {
            tracing::error!(outbox.id = outbox_id.0, error = %error, "webhook row cannot be read");
            cancel(app, &row, "the stored webhook cannot be read").await;
            return;
        }
    };
    let endpoint_id = payload.endpoint_id;
    let now = app.now();

    let target = app
        .read(move |tx| {
            let endpoint = store_webhooks::get_any(tx, endpoint_id)?;
            let secrets = store_webhooks::active_secrets(tx, endpoint_id, now)?;
            Ok((endpoint, secrets))
        })
        .await;
    let (endpoint, secrets): (_, Vec<WebhookSecret>) = match target {
        Ok(target) => target,
        Err(error) => {
            tracing::error!(outbox.id = outbox_id.0, webhook.id = endpoint_id.0, error = %error, "webhook endpoint cannot be read");
            return;
        }
    };
    let endpoint = match endpoint {
        Some(endpoint) if endpoint.enabled => endpoint,
        Some(_) => {
            cancel(app, &row, "the endpoint is disabled").await;
            return;
        }
        None => {
            cancel(app, &row, "the endpoint was deleted").await;
            return;
        }
    };

    let config = &app.config().webhooks;
    let response =
        match webhooks::check_target_url("url", &endpoint.url, config.allow_insecure_http) {
            Err(error) => Response {
                status: None,
                error: Some(error.message().to_owned()),
                duration: Duration::ZERO,
            },
            Ok(_) if secrets.is_empty() => Response {
                status: None,
                error: Some("the endpoint has no signing secret; rotate its secret".to_owned()),
                duration: Duration::ZERO,
            },
            Ok(_) => {
                let timestamp = now.timestamp();
                let signature = signature_header(
                    secrets.iter().map(|secret| secret.secret.as_str()),
                    timestamp,
                    payload.body.as_bytes(),
                );
                let headers = [
                    (TIMESTAMP_HEADER, timestamp.to_string()),
                    (SIGNATURE_HEADER, signature),
                    (
                        vahti_api::webhooks::EVENT_ID_HEADER,
                        payload.event_seq.to_string(),
                    ),
                    (
                        vahti_api::webhooks::DELIVERY_ID_HEADER,
                        outbox_id.0.to_string(),
                    ),
                ];
                post(
                    &endpoint.url,
                    &headers,
                    payload.body.clone(),
                    config.timeout(),
                )
                .await
            }
        };

    let finished = app.now();
    let retry_at = if response.is_success() {
        None
    } else {
        let age = finished
            .signed_duration_since(row.created_at)
            .to_std()
            .unwrap_or_default();
        retry_delay(app, row.attempts, age, config.max_age())
            .and_then(|delay| later(finished, delay))
    };
    let outcome = AttemptOutcome {
        attempt: WebhookAttempt {
            outbox_id,
            endpoint_id,
            attempted_at: now,
            status_code: response.status.map(i32::from),
            error: response.error.clone(),
            duration_ms: i64::try_from(response.duration.as_millis()).unwrap_or(i64::MAX),
        },
        retry_at,
        failures_before_disable: config.failures_before_disable,
    };

    let class = if response.is_success() {
        "sent"
    } else if retry_at.is_some() {
        "retry"
    } else {
        "given_up"
    };
    if response.is_success() {
        tracing::info!(
            outbox.id = outbox_id.0,
            webhook.id = endpoint_id.0,
            event.seq = payload.event_seq,
            status = response.status,
            duration_ms = outcome.attempt.duration_ms,
            "webhook delivered"
        );
    } else {
        app.metrics()
            .delivery_failures
            .with_labels([
                "webhook",
                if retry_at.is_some() {
                    "transient"
                } else {
                    "permanent"
                },
            ])
            .inc();
        tracing::warn!(
            outbox.id = outbox_id.0,
            webhook.id = endpoint_id.0,
            event.seq = payload.event_seq,
            status = response.status,
            attempts = row.attempts,
            error = response.error.as_deref().unwrap_or_default(),
            retry_in_seconds = retry_at.map(|at| at.signed_duration_since(finished).num_seconds()),
            "webhook delivery failed"
        );
    }

    let worker = app.worker_id().to_owned();
    let tenant = row.tenant_id;
    let recorded = app
        .write(move |tx| {
            webhooks::record_attempt(tx, tenant, outbox_id, &worker, &outcome, finished)
        })
        .await;
    app.metrics()
        .deliveries
        .with_labels(["webhook", class])
        .inc();
    match recorded {
        Ok(disabled) => {
            if disabled {
                tracing::warn!(
                    webhook.id = endpoint_id.0,
                    tenant.id = tenant.0,
                    "webhook endpoint disabled after failed deliveries in a row"
                );
            }
        }
        Err(error) => tracing::error!(
            outbox.id = outbox_id.0,
            webhook.id = endpoint_id.0,
            error = %error,
            "webhook attempt could not be recorded; it may be delivered again"
        ),
    }
}

async fn cancel(app: &App, row: &OutboxMessage, reason: &'static str) {
    let outbox_id = row.id;
    let worker = app.worker_id().to_owned();
    let now = app.now();
    let result = app
        .write(move |tx| Ok(outbox::cancel_claimed(tx, outbox_id, &worker, reason, now)?))
        .await;
    app.metrics()
        .deliveries
        .with_labels(["webhook", "cancelled"])
        .inc();
    match result {
        Ok(_) => tracing::info!(
            outbox.id = outbox_id.0,
            reason,
            "webhook delivery cancelled"
        ),
        Err(error) => {
            tracing::error!(outbox.id = outbox_id.0, error = %error, "failed to cancel a webhook delivery")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_matches_documented_vector() {
        let body = br#"{"seq":7,"type":"invoice_paid","at":"2026-03-02T07:00:00Z","account":"C-1","invoice":"INV-1","data":{}}"#;
        let header = signature_header(["whsec_test_secret"], 1_772_434_800, body);
        assert_eq!(
            header,
            "v1=963e2e9fa0f1b559710096441aabf892e3276fa49244d5a5f27a500c6c9d28cf"
        );
    }

    #[test]
    fn signature_has_one_entry_per_secret() {
        let header = signature_header(["whsec_new", "whsec_old"], 1_772_434_800, b"{}");
        let entries: Vec<&str> = header.split(',').collect();
        assert_eq!(entries.len(), 2);
        assert!(entries.iter().all(|entry| entry.starts_with("v1=")));
        assert_ne!(entries[0], entries[1]);
    }

    #[test]
    fn later_adds_delay() {
        let now = DateTime::<Utc>::from_timestamp(1_772_434_800, 0).unwrap();
        let at = later(now, Duration::from_secs(90)).unwrap();
        assert_eq!(at.timestamp(), 1_772_434_890);
    }
}
