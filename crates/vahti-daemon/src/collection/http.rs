//! The HTTP adapter: a JSON `POST` of each message to the agency's API, signed like webhooks.
//!
//! Besides `Vahti-Timestamp` and `Vahti-Signature` (computed with the partner's secret) the
//! request carries `Idempotency-Key` (`case-<id>` for the hand-over, `case-<id>-payment-<id>`,
//! `case-<id>-credit-note-<id>` and `case-<id>-recall` for the messages after it), so that the
//! agency can drop a message it received twice, and `Vahti-Delivery-Id` with the outbox row.

use vahti_store::ids::OutboxId;
use vahti_store::partners::CollectionPartner;

use super::{Failure, timeout};
use crate::app::App;
use crate::service::cases::CollectionPayload;
use crate::service::webhooks::check_target_url;
use crate::webhook_sender::{SIGNATURE_HEADER, TIMESTAMP_HEADER, post as send, signature_header};

/// Name of the header that makes a message safe to receive twice.
pub const IDEMPOTENCY_KEY_HEADER: &str = "Idempotency-Key";

/// Posts one message to the partner's URL.
pub async fn post(
    app: &App,
    partner: &CollectionPartner,
    payload: &CollectionPayload,
    outbox_id: OutboxId,
) -> Result<(), Failure> {
    let settings = &partner.settings;
    let (Some(url), Some(secret)) = (settings.url.as_deref(), settings.secret.as_deref()) else {
        return Err(Failure::permanent(
            "the http partner has no URL or secret; set them with PUT /v1/collection/partner",
        ));
    };
    check_target_url("url", url, app.config().webhooks.allow_insecure_http)
        .map_err(|error| Failure::permanent(error.message().to_owned()))?;

    let timestamp = app.now().timestamp();
    let headers = [
        (TIMESTAMP_HEADER, timestamp.to_string()),
        (
            SIGNATURE_HEADER,
            signature_header([secret], timestamp, payload.body.as_bytes()),
        ),
        (IDEMPOTENCY_KEY_HEADER, payload.key.clone()),
        (
            vahti_api::webhooks::DELIVERY_ID_HEADER,
            outbox_id.0.to_string(),
        ),
    ];
    let response = send(url, &headers, payload.body.clone(), timeout(app)).await;
    match response.error {
        None => Ok(()),
        Some(error) => Err(Failure::transient(error)),
    }
}
