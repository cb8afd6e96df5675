//! Stored responses of requests that carried an `Idempotency-Key`, so a retried request gets
//! the first response again instead of acting twice.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use vahti_domain::ids::TenantId;

use crate::Tx;
use crate::error::StoreError;
use crate::rows::IdempotencyKeyRow;
use crate::schema::idempotency_keys;
use crate::sql_types::Instant;

/// A stored response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredResponse {
    /// The owning tenant.
    pub tenant_id: TenantId,
    /// The client's key.
    pub key: String,
    /// A hash of the request (method, path and body) that produced the response. A request with
    /// the same key and another hash is a client error, not a replay.
    pub request_hash: String,
    /// The HTTP status.
    pub response_status: i32,
    /// The response body.
    pub response_body: String,
    /// When the response was stored.
    pub created_at: DateTime<Utc>,
}

impl From<IdempotencyKeyRow> for StoredResponse {
    fn from(row: IdempotencyKeyRow) -> Self {
        StoredResponse {
            tenant_id: TenantId(row.tenant_id),
            key: row.key,
            request_hash: row.request_hash,
            response_status: row.response_status,
            response_body: row.response_body,
            created_at: row.created_at.0,
        }
    }
}

/// Looks up the stored response for a key.
pub fn lookup(
    tx: &mut Tx<'_>,
    tenant_id: TenantId,
    key: &str,
) -> Result<Option<StoredResponse>, StoreError> {
    let row: Option<IdempotencyKeyRow> = idempotency_keys::table
        .find((tenant_id.0, key))
        .select(IdempotencyKeyRow::as_select())
        .first(tx.connection())
        .optional()
        .map_err(|error| tx.error(error))?;
    Ok(row.map(StoredResponse::from))
}

/// Stores the response for a key, in the transaction that made the change it reports.
///
/// Fails with [`StoreError::Conflict`] on field `idempotency_key` when the key is already stored.
/// That happens when two requests with the same key race, and the loser looks the key up again.
pub fn store(
    tx: &mut Tx<'_>,
    tenant_id: TenantId,
    key: &str,
    request_hash: &str,
    response_status: i32,
    response_body: &str,
    now: DateTime<Utc>,
) -> Result<StoredResponse, StoreError> {
    let row: IdempotencyKeyRow = diesel::insert_into(idempotency_keys::table)
        .values((
            idempotency_keys::tenant_id.eq(tenant_id.0),
            idempotency_keys::key.eq(key),
            idempotency_keys::request_hash.eq(request_hash),
            idempotency_keys::response_status.eq(response_status),
            idempotency_keys::response_body.eq(response_body),
            idempotency_keys::created_at.eq(Instant(now)),
        ))
        .returning(idempotency_keys::all_columns)
        .get_result(tx.connection())
        .map_err(|error| match tx.error(error) {
            StoreError::Conflict { .. } => StoreError::Conflict {
                field: "idempotency_key".to_owned(),
                detail: format!("idempotency key {key:?} is already used"),
            },
            other => other,
        })?;
    Ok(row.into())
}

/// Deletes stored responses created before `before` and returns how many.
pub fn purge_before(tx: &mut Tx<'_>, before: DateTime<Utc>) -> Result<usize, StoreError> {
    let deleted = diesel::delete(
        idempotency_keys::table.filter(idempotency_keys::created_at.lt(Instant(before))),
    )
    .execute(tx.connection())
    .map_err(|error| tx.error(error))?;
    if deleted > 0 {
        tracing::info!(deleted, "purged idempotency keys");
    }
    Ok(deleted)
}
