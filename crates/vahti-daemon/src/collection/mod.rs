//! Delivery of collection cases and the messages about them to the tenant's collection agency.
//!
//! The service queues each message as an outbox row of kind `collection`, and the sender calls
//! [`deliver`]. It hands the message to the adapter of the tenant's partner: a signed JSON
//! `POST` to the agency's API ([`http`]), or JSON and CSV files in the export directory
//! ([`file`]). Failures retry like webhooks, with the outbox's backoff up to
//! `webhooks.max_age_hours`. The outcome is recorded on the account's actor, because it changes
//! the case.

pub mod document;
pub mod file;
pub mod http;

use std::time::Duration;

use vahti_store::outbox::OutboxMessage;
use vahti_store::partners::{self, PartnerKind};

use crate::app::App;
use crate::service::cases::{self, CollectionPayload};
use crate::webhook_sender::{later, retry_delay};

/// Delivers one claimed collection row and records the outcome.
pub async fn deliver(app: &App, row: OutboxMessage) {
    let outbox_id = row.id;
    let tenant = row.tenant_id;
    let payload = match CollectionPayload::of(&row) {
        Ok(payload) => payload,
        Err(error) => {
            tracing::error!(outbox.id = outbox_id.0, error = %error, "collection row cannot be read");
            return;
        }
    };

    let partner = app.read(move |tx| Ok(partners::get(tx, tenant)?)).await;
    let result = match partner {
        Ok(Some(partner)) => match partner.settings.kind {
            PartnerKind::Http => http::post(app, &partner, &payload, outbox_id).await,
            PartnerKind::File => file::write(app, tenant, &payload).await,
        },
        Ok(None) => Err(Failure::permanent(
            "no collection partner is configured; set one with PUT /v1/collection/partner and redeliver",
        )),
        Err(error) => Err(Failure::transient(format!(
            "the collection partner cannot be read: {error}"
        ))),
    };

    let worker = app.worker_id().to_owned();
    let now = app.now();
    let account = payload.account;
    match result {
        Ok(()) => {
            let recorded = app
                .on_account(tenant, account, move |tx| {
                    cases::record_delivered(tx, outbox_id, &worker, now)
                })
                .await;
            app.metrics()
                .deliveries
                .with_labels(["collection", "sent"])
                .inc();
            match recorded {
                Ok(()) => tracing::info!(
                    outbox.id = outbox_id.0,
                    case.id = payload.case_id.0,
                    message = payload.message.as_str(),
                    "message delivered to the collection agency"
                ),
                Err(error) => tracing::error!(
                    outbox.id = outbox_id.0,
                    error = %error,
                    "message delivered to the collection agency but not recorded; it may be sent again"
                ),
            }
        }
        Err(failure) => {
            let retry_at = if failure.permanent {
                None
            } else {
                let age = now
                    .signed_duration_since(row.created_at)
                    .to_std()
                    .unwrap_or_default();
                retry_delay(app, row.attempts, age, app.config().webhooks.max_age())
                    .and_then(|delay| later(now, delay))
            };
            let class = if retry_at.is_some() {
                "transient"
            } else {
                "permanent"
            };
            app.metrics()
                .delivery_failures
                .with_labels(["collection", class])
                .inc();
            tracing::warn!(
                outbox.id = outbox_id.0,
                case.id = payload.case_id.0,
                message = payload.message.as_str(),
                attempts = row.attempts,
                error = %failure.reason,
                retry_in_seconds = retry_at.map(|at| at.signed_duration_since(now).num_seconds()),
                "message to the collection agency failed"
            );
            let reason = failure.reason;
            let recorded = app
                .on_account(tenant, account, move |tx| {
                    cases::record_failed(tx, outbox_id, &worker, &reason, retry_at, now)
                })
                .await;
            app.metrics()
                .deliveries
                .with_labels([
                    "collection",
                    if retry_at.is_some() {
                        "retry"
                    } else {
                        "given_up"
                    },
                ])
                .inc();
            if let Err(error) = recorded {
                tracing::error!(outbox.id = outbox_id.0, error = %error, "failed to record a failed message to the collection agency");
            }
        }
    }
}

/// The reason a message did not reach the agency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// The cause, without secrets.
    pub reason: String,
    /// Whether a retry cannot help.
    pub permanent: bool,
}

impl Failure {
    /// Creates a failure that a later attempt may not repeat.
    pub fn transient(reason: impl Into<String>) -> Self {
        Failure {
            reason: reason.into(),
            permanent: false,
        }
    }

    /// Creates a failure that repeats until someone changes the configuration.
    pub fn permanent(reason: impl Into<String>) -> Self {
        Failure {
            reason: reason.into(),
            permanent: true,
        }
    }
}

/// Returns the timeout of one request to an agency's API.
fn timeout(app: &App) -> Duration {
    app.config().webhooks.timeout()
}
