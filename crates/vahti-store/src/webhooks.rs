//! Webhook endpoints of tenants, their signing secrets, and the log of deliveries and attempts.
//!
//! Signing secrets are stored readable, because the daemon signs every request with them; this
//! module never logs them and `Debug` hides them. A deleted endpoint keeps its row with
//! `deleted_at` set, so that its delivery log stays consistent, but every lookup treats it as
//! missing.

use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;
use rand::Rng;
use vahti_domain::ids::TenantId;

use crate::Tx;
use crate::convert::{from_json, to_json};
use crate::error::StoreError;
use crate::ids::{OutboxId, WebhookEndpointId, WebhookSecretId};
use crate::outbox::OutboxMessage;
use crate::reuse::ReuseExt;
use crate::rows::{
    OutboxRow, WebhookAttemptRow, WebhookDeliveryRow, WebhookEndpointRow, WebhookSecretRow,
};
use crate::schema::{
    outbox, webhook_attempts, webhook_deliveries, webhook_endpoints, webhook_secrets,
};
use crate::sql_types::Instant;
use crate::store::per_backend;

/// The fixed start of every signing secret, which lets secret scanners recognise leaked ones.
pub const SECRET_PREFIX: &str = "whsec_";

/// The number of random letters and digits after [`SECRET_PREFIX`]: about 190 bits.
const SECRET_RANDOM_LENGTH: usize = 32;

/// The number of leading characters of a secret that lists show: the fixed prefix and four
/// random characters, enough for a person to tell two secrets apart.
const SHOWN_PREFIX_LENGTH: usize = SECRET_PREFIX.len() + 4;

/// The event type that subscribes an endpoint to every event.
pub const ALL_EVENTS: &str = "*";

/// A new endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEndpoint {
    /// The URL that receives the requests.
    pub url: String,
    /// A note for people, such as where the receiver runs.
    pub description: String,
    /// The event type names the endpoint receives, or [`ALL_EVENTS`] alone.
    pub event_types: Vec<String>,
}

/// A change to an endpoint; `None` keeps the stored value.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EndpointChange {
    /// A new URL.
    pub url: Option<String>,
    /// A new description.
    pub description: Option<String>,
    /// New event types.
    pub event_types: Option<Vec<String>>,
    /// Enables or disables the endpoint. Enabling clears the failure count and the reason it was
    /// disabled.
    pub enabled: Option<bool>,
}

/// A stored endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookEndpoint {
    /// The key.
    pub id: WebhookEndpointId,
    /// The owning tenant.
    pub tenant_id: TenantId,
    /// The URL that receives the requests.
    pub url: String,
    /// A note for people.
    pub description: String,
    /// The event type names the endpoint receives, or [`ALL_EVENTS`] alone.
    pub event_types: Vec<String>,
    /// Whether deliveries are queued for it.
    pub enabled: bool,
    /// The reason the daemon disabled it, if it did.
    pub disabled_reason: Option<String>,
    /// Failed attempts since the last successful one.
    pub consecutive_failures: i32,
    /// When a delivery last succeeded.
    pub last_success_at: Option<DateTime<Utc>>,
    /// When an attempt last failed.
    pub last_failure_at: Option<DateTime<Utc>>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

impl WebhookEndpoint {
    /// Returns whether the endpoint receives events of the type `kind`.
    pub fn subscribes_to(&self, kind: &str) -> bool {
        self.event_types
            .iter()
            .any(|subscribed| subscribed == ALL_EVENTS || subscribed == kind)
    }
}

impl TryFrom<WebhookEndpointRow> for WebhookEndpoint {
    type Error = StoreError;

    fn try_from(row: WebhookEndpointRow) -> Result<Self, StoreError> {
        Ok(WebhookEndpoint {
            id: WebhookEndpointId(row.id),
            tenant_id: TenantId(row.tenant_id),
            event_types: from_json("webhook_endpoints", "event_types", &row.event_types)?,
            url: row.url,
            description: row.description,
            enabled: row.enabled,
            disabled_reason: row.disabled_reason,
            consecutive_failures: row.consecutive_failures,
            last_success_at: row.last_success_at.map(DateTime::from),
            last_failure_at: row.last_failure_at.map(DateTime::from),
            created_at: row.created_at.0,
            updated_at: row.updated_at.0,
        })
    }
}

/// A signing secret. `Debug` shows only its prefix.
#[derive(Clone, PartialEq, Eq)]
pub struct WebhookSecret {
    /// The key.
    pub id: WebhookSecretId,
    /// The endpoint it signs for.
    pub endpoint_id: WebhookEndpointId,
    /// The secret itself.
    pub secret: String,
    /// Its first characters, which may be shown.
    pub prefix: String,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it stops being used; `None` while it is the current secret.
    pub expires_at: Option<DateTime<Utc>>,
}

impl std::fmt::Debug for WebhookSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookSecret")
            .field("id", &self.id)
            .field("endpoint_id", &self.endpoint_id)
            .field("prefix", &self.prefix)
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

impl WebhookSecret {
    /// Returns whether requests are signed with it at `now`.
    pub fn is_active(&self, now: DateTime<Utc>) -> bool {
        self.expires_at.is_none_or(|expires| expires > now)
    }
}

impl From<WebhookSecretRow> for WebhookSecret {
    fn from(row: WebhookSecretRow) -> Self {
        WebhookSecret {
            id: WebhookSecretId(row.id),
            endpoint_id: WebhookEndpointId(row.endpoint_id),
            secret: row.secret,
            prefix: row.prefix,
            created_at: row.created_at.0,
            expires_at: row.expires_at.map(DateTime::from),
        }
    }
}

/// Generates a signing secret from the operating system's generator: `whsec_` and 32 letters
/// and digits.
pub fn generate_secret() -> String {
    let random: String = rand::rng()
        .sample_iter(rand::distr::Alphanumeric)
        .take(SECRET_RANDOM_LENGTH)
        .map(char::from)
        .collect();
    format!("{SECRET_PREFIX}{random}")
}

/// Returns the part of a secret that may be shown: its first characters.
pub fn shown_prefix(secret: &str) -> String {
    secret.chars().take(SHOWN_PREFIX_LENGTH).collect()
}

/// Creates an endpoint with its first signing secret.
pub fn create(
    tx: &mut Tx<'_>,
    tenant_id: TenantId,
    endpoint: &NewEndpoint,
    secret: &str,
    now: DateTime<Utc>,
) -> Result<(WebhookEndpoint, WebhookSecret), StoreError> {
    tx.endpoints = None;
    let event_types = to_json("event_types", &endpoint.event_types)?;
    let row: WebhookEndpointRow = diesel::insert_into(webhook_endpoints::table)
        .values((
            webhook_endpoints::tenant_id.eq(tenant_id.0),
            webhook_endpoints::url.eq(&endpoint.url),
            webhook_endpoints::description.eq(&endpoint.description),
            webhook_endpoints::event_types.eq(&event_types),
            webhook_endpoints::enabled.eq(true),
            webhook_endpoints::consecutive_failures.eq(0),
            webhook_endpoints::created_at.eq(Instant(now)),
            webhook_endpoints::updated_at.eq(Instant(now)),
        ))
        .returning(webhook_endpoints::all_columns)
        .get_result(tx.connection())
        .map_err(|error| tx.error(error))?;
    let endpoint = WebhookEndpoint::try_from(row)?;
    let secret = insert_secret(tx, tenant_id, endpoint.id, secret, now)?;
    tracing::info!(
        tenant.id = tenant_id.0,
        webhook.id = endpoint.id.0,
        "created webhook endpoint"
    );
    Ok((endpoint, secret))
}

fn insert_secret(
    tx: &mut Tx<'_>,
    tenant_id: TenantId,
    endpoint_id: WebhookEndpointId,
    secret: &str,
    now: DateTime<Utc>,
) -> Result<WebhookSecret, StoreError> {
    let row: WebhookSecretRow = diesel::insert_into(webhook_secrets::table)
        .values((
            webhook_secrets::tenant_id.eq(tenant_id.0),
            webhook_secrets::endpoint_id.eq(endpoint_id.0),
            webhook_secrets::secret.eq(secret),
            webhook_secrets::prefix.eq(shown_prefix(secret)),
            webhook_secrets::created_at.eq(Instant(now)),
            webhook_secrets::expires_at.eq(None::<Instant>),
        ))
        .returning(webhook_secrets::all_columns)
        .get_result(tx.connection())
        .map_err(|error| tx.error(error))?;
    Ok(WebhookSecret::from(row))
}

/// Loads an endpoint of the tenant. A deleted endpoint and one of another tenant are
/// [`StoreError::NotFound`].
pub fn get(
    tx: &mut Tx<'_>,
    tenant_id: TenantId,
    id: WebhookEndpointId,
) -> Result<WebhookEndpoint, StoreError> {
    let row: WebhookEndpointRow = webhook_endpoints::table
        .find(id.0)
        .filter(webhook_endpoints::tenant_id.eq(tenant_id.0))
        .filter(webhook_endpoints::deleted_at.is_null())
        .select(WebhookEndpointRow::as_select())
        .first(tx.connection())
        .map_err(|error| tx.lookup_error("webhook endpoint", id, error))?;
    WebhookEndpoint::try_from(row)
}

/// Lists the tenant's endpoints with a key above `after`, oldest first, at most `limit`.
pub fn list(
    tx: &mut Tx<'_>,
    tenant_id: TenantId,
    after: Option<WebhookEndpointId>,
    limit: i64,
) -> Result<Vec<WebhookEndpoint>, StoreError> {
    let rows: Vec<WebhookEndpointRow> = webhook_endpoints::table
        .filter(webhook_endpoints::tenant_id.eq(tenant_id.0))
        .filter(webhook_endpoints::deleted_at.is_null())
        .filter(webhook_endpoints::id.gt(after.map_or(0, |id| id.0)))
        .order(webhook_endpoints::id)
        .limit(limit)
        .select(WebhookEndpointRow::as_select())
        .load(tx.connection())
        .map_err(|error| tx.error(error))?;
    rows.into_iter().map(WebhookEndpoint::try_from).collect()
}

/// Lists the tenant's enabled endpoints that receive events of the type `kind`.
pub fn subscribed(
    tx: &mut Tx<'_>,
    tenant_id: TenantId,
    kind: &str,
) -> Result<Vec<WebhookEndpoint>, StoreError> {
    let enabled = match &tx.endpoints {
        Some((tenant, endpoints)) if *tenant == tenant_id.0 => endpoints,
        _ => {
            let rows: Vec<WebhookEndpointRow> = per_backend!(tx, |connection| {
                webhook_endpoints::table
                    .filter(webhook_endpoints::tenant_id.eq(tenant_id.0))
                    .filter(webhook_endpoints::deleted_at.is_null())
                    .filter(webhook_endpoints::enabled.eq(true))
                    .order(webhook_endpoints::id)
                    .select(WebhookEndpointRow::as_select())
                    .load(connection)
            })
            .map_err(|error| tx.error(error))?;
            let endpoints = rows
                .into_iter()
                .map(WebhookEndpoint::try_from)
                .collect::<Result<Vec<_>, _>>()?;
            &tx.endpoints.insert((tenant_id.0, endpoints)).1
        }
    };
    Ok(enabled
        .iter()
        .filter(|endpoint| endpoint.subscribes_to(kind))
        .cloned()
        .collect())
}

/// Applies a change to an endpoint of the tenant and returns it.
pub fn update(
    tx: &mut Tx<'_>,
    tenant_id: TenantId,
    id: WebhookEndpointId,
    change: &EndpointChange,
    now: DateTime<Utc>,
) -> Result<WebhookEndpoint, StoreError> {
    tx.endpoints = None;
    let current = get(tx, tenant_id, id)?;
    let event_types = to_json(
        "event_types",
        change.event_types.as_ref().unwrap_or(&current.event_types),
    )?;
    let enabled = change.enabled.unwrap_or(current.enabled);
    let re_enabled = enabled && !current.enabled;
    let (disabled_reason, consecutive_failures) = if re_enabled {
        (None, 0)
    } else {
        (
            current.disabled_reason.clone(),
            current.consecutive_failures,
        )
    };

    let row: WebhookEndpointRow = diesel::update(webhook_endpoints::table.find(id.0))
        .set((
            webhook_endpoints::url.eq(change.url.as_ref().unwrap_or(&current.url)),
            webhook_endpoints::description
                .eq(change.description.as_ref().unwrap_or(&current.description)),
            webhook_endpoints::event_types.eq(&event_types),
            webhook_endpoints::enabled.eq(enabled),
            webhook_endpoints::disabled_reason.eq(disabled_reason),
            webhook_endpoints::consecutive_failures.eq(consecutive_failures),
            webhook_endpoints::updated_at.eq(Instant(now)),
        ))
        .returning(webhook_endpoints::all_columns)
        .reusable()
        .get_result(tx.connection())
        .map_err(|error| tx.lookup_error("webhook endpoint", id, error))?;
    WebhookEndpoint::try_from(row)
}

/// Deletes an endpoint of the tenant: it stops receiving events, disappears from lookups and
/// loses its secrets. Its delivery log stays in the database.
pub fn delete(
    tx: &mut Tx<'_>,
    tenant_id: TenantId,
    id: WebhookEndpointId,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    tx.endpoints = None;
    get(tx, tenant_id, id)?;
    diesel::update(webhook_endpoints::table.find(id.0))
        .set((
            webhook_endpoints::enabled.eq(false),
            webhook_endpoints::deleted_at.eq(Some(Instant(now))),
            webhook_endpoints::updated_at.eq(Instant(now)),
        ))
        .reusable()
        .execute(tx.connection())
        .map_err(|error| tx.error(error))?;
    diesel::delete(webhook_secrets::table.filter(webhook_secrets::endpoint_id.eq(id.0)))
        .execute(tx.connection())
        .map_err(|error| tx.error(error))?;
    tracing::info!(
        tenant.id = tenant_id.0,
        webhook.id = id.0,
        "deleted webhook endpoint"
    );
    Ok(())
}

/// Loads an endpoint by key alone, deleted or not, for the sender.
pub fn get_any(
    tx: &mut Tx<'_>,
    id: WebhookEndpointId,
) -> Result<Option<WebhookEndpoint>, StoreError> {
    let row: Option<WebhookEndpointRow> = webhook_endpoints::table
        .find(id.0)
        .filter(webhook_endpoints::deleted_at.is_null())
        .select(WebhookEndpointRow::as_select())
        .first(tx.connection())
        .optional()
        .map_err(|error| tx.error(error))?;
    row.map(WebhookEndpoint::try_from).transpose()
}

/// Lists the secrets an endpoint signs with at `now`, newest first.
pub fn active_secrets(
    tx: &mut Tx<'_>,
    endpoint_id: WebhookEndpointId,
    now: DateTime<Utc>,
) -> Result<Vec<WebhookSecret>, StoreError> {
    let rows: Vec<WebhookSecretRow> = webhook_secrets::table
        .filter(webhook_secrets::endpoint_id.eq(endpoint_id.0))
        .order(webhook_secrets::id.desc())
        .select(WebhookSecretRow::as_select())
        .load(tx.connection())
        .map_err(|error| tx.error(error))?;
    Ok(rows
        .into_iter()
        .map(WebhookSecret::from)
        .filter(|secret| secret.is_active(now))
        .collect())
}

/// Adds `secret` as the endpoint's current secret and keeps the previous current secret valid
/// for `grace`. Expired secrets and a secret still in the grace period of an earlier rotation
/// are deleted, so an endpoint has at most two active secrets. Returns the new secret.
pub fn rotate_secret(
    tx: &mut Tx<'_>,
    tenant_id: TenantId,
    endpoint_id: WebhookEndpointId,
    secret: &str,
    grace: Duration,
    now: DateTime<Utc>,
) -> Result<WebhookSecret, StoreError> {
    tx.endpoints = None;
    get(tx, tenant_id, endpoint_id)?;
    let expires = now
        .checked_add_signed(grace)
        .ok_or_else(|| StoreError::InvalidInput {
            field: "grace",
            detail: format!("grace period {grace} is too long"),
        })?;

    diesel::delete(
        webhook_secrets::table
            .filter(webhook_secrets::endpoint_id.eq(endpoint_id.0))
            .filter(webhook_secrets::expires_at.is_not_null()),
    )
    .execute(tx.connection())
    .map_err(|error| tx.error(error))?;
    diesel::update(
        webhook_secrets::table
            .filter(webhook_secrets::endpoint_id.eq(endpoint_id.0))
            .filter(webhook_secrets::expires_at.is_null()),
    )
    .set(webhook_secrets::expires_at.eq(Some(Instant(expires))))
    .reusable()
    .execute(tx.connection())
    .map_err(|error| tx.error(error))?;

    let created = insert_secret(tx, tenant_id, endpoint_id, secret, now)?;
    tracing::info!(
        tenant.id = tenant_id.0,
        webhook.id = endpoint_id.0,
        "rotated webhook secret"
    );
    Ok(created)
}

/// Records a successful delivery: the failure count starts again from zero.
pub fn record_success(
    tx: &mut Tx<'_>,
    endpoint_id: WebhookEndpointId,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    tx.endpoints = None;
    diesel::update(webhook_endpoints::table.find(endpoint_id.0))
        .set((
            webhook_endpoints::consecutive_failures.eq(0),
            webhook_endpoints::last_success_at.eq(Some(Instant(now))),
        ))
        .reusable()
        .execute(tx.connection())
        .map_err(|error| tx.error(error))?;
    Ok(())
}

/// Records a failed attempt and returns the endpoint with its new failure count.
pub fn record_failure(
    tx: &mut Tx<'_>,
    endpoint_id: WebhookEndpointId,
    now: DateTime<Utc>,
) -> Result<WebhookEndpoint, StoreError> {
    tx.endpoints = None;
    let row: WebhookEndpointRow = diesel::update(webhook_endpoints::table.find(endpoint_id.0))
        .set((
            webhook_endpoints::consecutive_failures.eq(webhook_endpoints::consecutive_failures + 1),
            webhook_endpoints::last_failure_at.eq(Some(Instant(now))),
        ))
        .returning(webhook_endpoints::all_columns)
        .reusable()
        .get_result(tx.connection())
        .map_err(|error| tx.lookup_error("webhook endpoint", endpoint_id, error))?;
    WebhookEndpoint::try_from(row)
}

/// Disables an endpoint with the reason, unless it is disabled already. Returns whether it was
/// enabled before.
pub fn disable(
    tx: &mut Tx<'_>,
    endpoint_id: WebhookEndpointId,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    tx.endpoints = None;
    let changed = diesel::update(
        webhook_endpoints::table
            .find(endpoint_id.0)
            .filter(webhook_endpoints::enabled.eq(true)),
    )
    .set((
        webhook_endpoints::enabled.eq(false),
        webhook_endpoints::disabled_reason.eq(Some(reason)),
        webhook_endpoints::updated_at.eq(Instant(now)),
    ))
    .reusable()
    .execute(tx.connection())
    .map_err(|error| tx.error(error))?;
    Ok(changed > 0)
}

/// The event an outbox row delivers to an endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookDelivery {
    /// The outbox row, whose key is the delivery id.
    pub outbox_id: OutboxId,
    /// The owning tenant.
    pub tenant_id: TenantId,
    /// The endpoint.
    pub endpoint_id: WebhookEndpointId,
    /// The event's sequence number.
    pub event_seq: i64,
    /// The event's type.
    pub event_type: String,
    /// When it was queued.
    pub created_at: DateTime<Utc>,
}

impl From<WebhookDeliveryRow> for WebhookDelivery {
    fn from(row: WebhookDeliveryRow) -> Self {
        WebhookDelivery {
            outbox_id: OutboxId(row.outbox_id),
            tenant_id: TenantId(row.tenant_id),
            endpoint_id: WebhookEndpointId(row.endpoint_id),
            event_seq: row.event_seq,
            event_type: row.event_type,
            created_at: row.created_at.0,
        }
    }
}

/// Records that an outbox row delivers an event to an endpoint.
pub fn record_delivery(
    tx: &mut Tx<'_>,
    tenant_id: TenantId,
    endpoint_id: WebhookEndpointId,
    outbox_id: OutboxId,
    event_seq: i64,
    event_type: &str,
    now: DateTime<Utc>,
) -> Result<WebhookDelivery, StoreError> {
    let row: WebhookDeliveryRow = diesel::insert_into(webhook_deliveries::table)
        .values((
            webhook_deliveries::tenant_id.eq(tenant_id.0),
            webhook_deliveries::endpoint_id.eq(endpoint_id.0),
            webhook_deliveries::outbox_id.eq(outbox_id.0),
            webhook_deliveries::event_seq.eq(event_seq),
            webhook_deliveries::event_type.eq(event_type),
            webhook_deliveries::created_at.eq(Instant(now)),
        ))
        .returning(webhook_deliveries::all_columns)
        .get_result(tx.connection())
        .map_err(|error| tx.error(error))?;
    Ok(WebhookDelivery::from(row))
}

/// Loads one delivery of an endpoint with its outbox row.
pub fn delivery(
    tx: &mut Tx<'_>,
    endpoint_id: WebhookEndpointId,
    outbox_id: OutboxId,
) -> Result<(WebhookDelivery, OutboxMessage), StoreError> {
    let (delivery, row): (WebhookDeliveryRow, OutboxRow) = webhook_deliveries::table
        .inner_join(outbox::table)
        .filter(webhook_deliveries::endpoint_id.eq(endpoint_id.0))
        .filter(webhook_deliveries::outbox_id.eq(outbox_id.0))
        .select((WebhookDeliveryRow::as_select(), OutboxRow::as_select()))
        .first(tx.connection())
        .map_err(|error| tx.lookup_error("webhook delivery", outbox_id, error))?;
    Ok((
        WebhookDelivery::from(delivery),
        OutboxMessage::try_from(row)?,
    ))
}

/// Lists an endpoint's deliveries with their outbox rows, newest first, with a delivery id below
/// `before`, at most `limit`.
pub fn deliveries(
    tx: &mut Tx<'_>,
    endpoint_id: WebhookEndpointId,
    before: Option<OutboxId>,
    limit: i64,
) -> Result<Vec<(WebhookDelivery, OutboxMessage)>, StoreError> {
    let rows: Vec<(WebhookDeliveryRow, OutboxRow)> = webhook_deliveries::table
        .inner_join(outbox::table)
        .filter(webhook_deliveries::endpoint_id.eq(endpoint_id.0))
        .filter(webhook_deliveries::outbox_id.lt(before.map_or(i64::MAX, |id| id.0)))
        .order(webhook_deliveries::outbox_id.desc())
        .limit(limit)
        .select((WebhookDeliveryRow::as_select(), OutboxRow::as_select()))
        .load(tx.connection())
        .map_err(|error| tx.error(error))?;
    rows.into_iter()
        .map(|(delivery, row)| {
            Ok((
                WebhookDelivery::from(delivery),
                OutboxMessage::try_from(row)?,
            ))
        })
        .collect()
}

/// Counts the deliveries of an endpoint that wait in the outbox (pending or being sent).
pub fn count_queued(tx: &mut Tx<'_>, endpoint_id: WebhookEndpointId) -> Result<i64, StoreError> {
    webhook_deliveries::table
        .inner_join(outbox::table)
        .filter(webhook_deliveries::endpoint_id.eq(endpoint_id.0))
        .filter(outbox::state.eq_any(["pending", "sending"]))
        .count()
        .get_result(tx.connection())
        .map_err(|error| tx.error(error))
}

/// One attempt to deliver a webhook.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookAttempt {
    /// The outbox row attempted.
    pub outbox_id: OutboxId,
    /// The endpoint.
    pub endpoint_id: WebhookEndpointId,
    /// When the request started.
    pub attempted_at: DateTime<Utc>,
    /// The HTTP status of the response, if one came.
    pub status_code: Option<i32>,
    /// The reason the attempt failed: the error without a response, or the unaccepted status.
    pub error: Option<String>,
    /// How long the request took, in milliseconds.
    pub duration_ms: i64,
}

impl From<WebhookAttemptRow> for WebhookAttempt {
    fn from(row: WebhookAttemptRow) -> Self {
        WebhookAttempt {
            outbox_id: OutboxId(row.outbox_id),
            endpoint_id: WebhookEndpointId(row.endpoint_id),
            attempted_at: row.attempted_at.0,
            status_code: row.status_code,
            error: row.error,
            duration_ms: row.duration_ms,
        }
    }
}

/// Records an attempt.
pub fn record_attempt(
    tx: &mut Tx<'_>,
    tenant_id: TenantId,
    attempt: &WebhookAttempt,
) -> Result<(), StoreError> {
    diesel::insert_into(webhook_attempts::table)
        .values((
            webhook_attempts::tenant_id.eq(tenant_id.0),
            webhook_attempts::endpoint_id.eq(attempt.endpoint_id.0),
            webhook_attempts::outbox_id.eq(attempt.outbox_id.0),
            webhook_attempts::attempted_at.eq(Instant(attempt.attempted_at)),
            webhook_attempts::status_code.eq(attempt.status_code),
            webhook_attempts::error.eq(attempt.error.as_deref()),
            webhook_attempts::duration_ms.eq(attempt.duration_ms.max(0)),
        ))
        .execute(tx.connection())
        .map_err(|error| tx.error(error))?;
    Ok(())
}

/// Lists the attempts of the given outbox rows, oldest first.
pub fn attempts_for(
    tx: &mut Tx<'_>,
    outbox_ids: &[OutboxId],
) -> Result<Vec<WebhookAttempt>, StoreError> {
    let mut found = Vec::new();
    for chunk in outbox_ids.chunks(crate::ledger::ID_CHUNK) {
        let keys: Vec<i64> = chunk.iter().map(|id| id.0).collect();
        let rows: Vec<WebhookAttemptRow> = webhook_attempts::table
            .filter(webhook_attempts::outbox_id.eq_any(&keys))
            .order(webhook_attempts::id)
            .select(WebhookAttemptRow::as_select())
            .load(tx.connection())
            .map_err(|error| tx.error(error))?;
        found.extend(rows.into_iter().map(WebhookAttempt::from));
    }
    found.sort_by_key(|attempt| (attempt.attempted_at, attempt.outbox_id));
    Ok(found)
}
