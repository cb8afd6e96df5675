//! Webhook endpoints: the URLs that Vahti posts events to, their signing secrets, and the log of
//! deliveries.
//!
//! Each request carries one [`Event`](crate::Event) as its body and is signed with every active
//! secret of the endpoint; `vahti_sdk::webhook::WebhookVerifier` checks the signature. Besides
//! the signature headers it carries `Vahti-Event-Id` (the event's `seq`, the same for every
//! delivery of one event) and `Vahti-Delivery-Id` (the delivery's `id`).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::events::EventType;
use crate::wire::{self, wire_enum};

/// The event type name that subscribes an endpoint to every event, present and future.
pub const ALL_EVENT_TYPES: &str = "*";

/// Name of the request header with the event's sequence number.
pub const EVENT_ID_HEADER: &str = "Vahti-Event-Id";

/// Name of the request header with the delivery's id.
pub const DELIVERY_ID_HEADER: &str = "Vahti-Delivery-Id";

/// Body of `POST /v1/webhooks`: creates an endpoint and its first signing secret.
///
/// ```
/// use vahti_api::CreateWebhookRequest;
///
/// let request: CreateWebhookRequest = serde_json::from_str(r#"{
///     "url": "https://erp.example.com/vahti/events",
///     "event_types": ["invoice_paid", "case_handed_over"]
/// }"#)?;
/// assert_eq!(request.event_types.len(), 2);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(
    feature = "openapi",
    schema(
        description = "Body of `POST /v1/webhooks`: creates an endpoint and its first signing secret."
    )
)]
#[serde(deny_unknown_fields)]
pub struct CreateWebhookRequest {
    /// The URL that receives the requests: `https`, or `http` to a loopback address unless the
    /// daemon allows plain HTTP elsewhere.
    pub url: String,
    /// The event types to deliver, by their names such as `invoice_paid`, or `["*"]` for every
    /// event.
    pub event_types: Vec<String>,
    /// A note for people, such as where the receiver runs; at most 500 characters.
    #[serde(default)]
    pub description: Option<String>,
}

/// Body of `PATCH /v1/webhooks/{id}`: changes an endpoint. Absent fields keep their values.
///
/// Setting `enabled` to `true` on an endpoint that the daemon disabled after failed deliveries
/// starts delivering again with a fresh failure count. Events that happened while it was
/// disabled are not delivered; read them from `GET /v1/events`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct UpdateWebhookRequest {
    /// A new URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// New event types.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_types: Option<Vec<String>>,
    /// A new description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Enables or disables the endpoint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
}

/// A signing secret of an endpoint without its value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WebhookSecretInfo {
    /// The first characters of the secret, to tell secrets apart.
    pub prefix: String,
    /// When the secret was created.
    pub created_at: DateTime<Utc>,
    /// When requests stop being signed with it, or `null` for the current secret.
    #[serde(default)]
    pub expires_at: Option<DateTime<Utc>>,
}

/// A webhook endpoint, returned by `GET /v1/webhooks/{id}`, `PATCH /v1/webhooks/{id}` and in the
/// pages of `GET /v1/webhooks`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Webhook {
    /// Vahti's id of the endpoint.
    pub id: i64,
    /// The URL that receives the requests.
    pub url: String,
    /// The event types delivered, or `["*"]` for every event.
    pub event_types: Vec<String>,
    /// A note for people.
    #[serde(default)]
    pub description: String,
    /// Whether events are delivered to it.
    pub enabled: bool,
    /// The reason the daemon disabled the endpoint, or `null`.
    #[serde(default)]
    pub disabled_reason: Option<String>,
    /// Failed attempts since the last successful delivery.
    #[serde(default)]
    pub consecutive_failures: u32,
    /// The secrets requests are signed with now, without their values.
    #[serde(default)]
    pub secrets: Vec<WebhookSecretInfo>,
    /// When a delivery last succeeded, or `null`.
    #[serde(default)]
    pub last_success_at: Option<DateTime<Utc>>,
    /// When an attempt last failed, or `null`.
    #[serde(default)]
    pub last_failure_at: Option<DateTime<Utc>>,
    /// When the endpoint was created.
    pub created_at: DateTime<Utc>,
    /// When the endpoint last changed.
    pub updated_at: DateTime<Utc>,
}

/// Response of `POST /v1/webhooks`: the endpoint and its signing secret.
///
/// The secret is shown only in this response. Configure the receiver with it, for example
/// `vahti_sdk::webhook::WebhookVerifier::new(secret)`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreatedWebhook {
    /// The endpoint.
    pub webhook: Webhook,
    /// The signing secret, such as `whsec_...`.
    pub secret: String,
}

/// Response of `POST /v1/webhooks/{id}/secrets/rotate`: the new signing secret.
///
/// From now on requests carry one signature per active secret. The previous secret stays valid
/// until `previous_expires_at`, so the receiver can switch to the new one in the meantime.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RotatedWebhookSecret {
    /// The new secret. It is shown only in this response.
    pub secret: String,
    /// The first characters of the new secret.
    pub prefix: String,
    /// When the new secret was created.
    pub created_at: DateTime<Utc>,
    /// When the previous secret stops being used.
    pub previous_expires_at: DateTime<Utc>,
}

wire_enum! {
    /// The state of a webhook delivery.
    pub enum DeliveryState {
        /// Waiting for its first or next attempt.
        Pending = "pending",
        /// An attempt is running.
        Sending = "sending",
        /// The endpoint responded with a 2xx status.
        Sent = "sent",
        /// Given up after the maximum age of retries.
        Failed = "failed",
        /// Dropped, because the endpoint was disabled or deleted before delivery.
        Cancelled = "cancelled",
    }
}

/// One attempt to deliver a webhook.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeliveryAttempt {
    /// When the request started.
    pub at: DateTime<Utc>,
    /// The HTTP status of the response, or `null` when none came (a timeout or a refused
    /// connection).
    #[serde(default)]
    pub status_code: Option<u16>,
    /// The reason the attempt failed, or `null` after a success.
    #[serde(default)]
    pub error: Option<String>,
    /// How long the request took, in milliseconds.
    pub duration_ms: u64,
}

/// One event queued for one endpoint, with its attempts, in the pages of
/// `GET /v1/webhooks/{id}/deliveries` and as the response of a redelivery.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WebhookDelivery {
    /// The delivery's id, sent as `Vahti-Delivery-Id`.
    pub id: i64,
    /// The event's sequence number, sent as `Vahti-Event-Id`.
    pub event_seq: i64,
    /// The event's type.
    pub event_type: EventType,
    /// The state.
    pub state: DeliveryState,
    /// The attempts so far, oldest first.
    #[serde(default)]
    pub attempts: Vec<DeliveryAttempt>,
    /// When the next attempt is due, while the delivery is pending.
    #[serde(default)]
    pub next_attempt_at: Option<DateTime<Utc>>,
    /// The error of the last failed attempt, or `null`.
    #[serde(default)]
    pub last_error: Option<String>,
    /// When the endpoint accepted the delivery, or `null`.
    #[serde(default)]
    pub delivered_at: Option<DateTime<Utc>>,
    /// When the delivery was queued.
    pub created_at: DateTime<Utc>,
}

/// Query parameters of `GET /v1/webhooks/{id}/deliveries`, newest first.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
#[serde(deny_unknown_fields)]
pub struct DeliveriesQuery {
    /// The `next_cursor` of the previous page; absent for the first page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
    /// Page size, 1 to 1000; 100 when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
    /// Only deliveries in this state.
    #[serde(
        default,
        deserialize_with = "wire::known_option",
        skip_serializing_if = "Option::is_none"
    )]
    pub state: Option<DeliveryState>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn update_request_keeps_absent_fields() {
        let request: UpdateWebhookRequest = serde_json::from_str(r#"{"enabled": true}"#).unwrap();
        assert_eq!(request.enabled, Some(true));
        assert_eq!(request.url, None);
        assert_eq!(request.event_types, None);
    }

    #[test]
    fn create_request_rejects_unknown_fields() {
        let result: Result<CreateWebhookRequest, _> = serde_json::from_str(
            r#"{"url": "https://a.example", "event_types": ["*"], "secret": "x"}"#,
        );
        assert!(result.is_err());
    }

    #[test]
    fn deliveries_query_rejects_unknown_state() {
        let result: Result<DeliveriesQuery, _> = serde_urlencoded::from_str("state=delivered");
        assert!(result.is_err());
        let query: DeliveriesQuery = serde_urlencoded::from_str("state=failed&limit=5").unwrap();
        assert_eq!(query.state, Some(DeliveryState::Failed));
    }

    #[test]
    fn delivery_tolerates_unknown_state() {
        let delivery: WebhookDelivery = serde_json::from_str(
            r#"{"id": 9, "event_seq": 4, "event_type": "invoice_paid", "state": "archived",
                "created_at": "2026-03-02T07:00:00Z"}"#,
        )
        .unwrap();
        assert_eq!(delivery.state, DeliveryState::Unknown);
        assert!(delivery.attempts.is_empty());
    }
}
