//! The outbox: emails and webhooks written in the same transaction as the change that caused
//! them, and delivered later by senders that claim rows with a lease.
//!
//! A row goes `pending` -> `sending` (claimed) -> `sent`, or back to `pending` with a later
//! `next_attempt_at` after a failed attempt, or to `failed` when the sender gives up. A claim
//! whose lease ran out (the sender crashed) can be claimed again, so delivery is at least once.
//! The deterministic `message_id` lets the receiver drop duplicates.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;
use vahti_domain::ids::{AccountId, TenantId};

use crate::Tx;
use crate::connection::DbConnection;
use crate::convert::{from_json, parse_column, text_enum, to_json};
use crate::error::StoreError;
use crate::ids::OutboxId;
use crate::reuse::{ReuseExt, fixed, insert_chunks, with_array};
use crate::rows::OutboxRow;
use crate::schema::outbox;
use crate::sql_types::Instant;
use crate::store::per_backend;

text_enum! {
    /// The kind of message an outbox row delivers.
    pub enum OutboxKind {
        /// An email over SMTP.
        Email => "email",
        /// A webhook over HTTP.
        Webhook => "webhook",
        /// A case or a message about a case for a collection partner, over HTTP or as files.
        Collection => "collection",
    }
}

text_enum! {
    /// The state of an outbox row.
    pub enum OutboxState {
        /// Waiting for `next_attempt_at`.
        Pending => "pending",
        /// Claimed by a sender until `claimed_until`.
        Sending => "sending",
        /// Delivered.
        Sent => "sent",
        /// Given up after failures; [`retry`] puts it back.
        Failed => "failed",
        /// Withdrawn before delivery.
        Cancelled => "cancelled",
    }
}

/// A message to enqueue.
#[derive(Debug, Clone, PartialEq)]
pub struct NewOutboxMessage {
    /// Email or webhook.
    pub kind: OutboxKind,
    /// The account it concerns.
    pub account_id: Option<AccountId>,
    /// A deterministic id, such as the step and invoice it carries; unique per tenant.
    pub message_id: String,
    /// The rendered message or webhook body, as JSON.
    pub payload: serde_json::Value,
    /// The earliest delivery time, such as the start of the send window.
    pub not_before: DateTime<Utc>,
}

/// A message to enqueue whose payload is already JSON text, for [`enqueue_many`]: a caller that
/// builds the payload from its own types writes the text at once, without a JSON value between.
#[derive(Debug, Clone, PartialEq)]
pub struct EncodedOutboxMessage {
    /// Email or webhook.
    pub kind: OutboxKind,
    /// The account it concerns.
    pub account_id: Option<AccountId>,
    /// A deterministic id, unique per tenant.
    pub message_id: String,
    /// The message or webhook body as JSON text.
    pub payload: String,
    /// The earliest delivery time.
    pub not_before: DateTime<Utc>,
}

/// A stored outbox row.
#[derive(Debug, Clone, PartialEq)]
pub struct OutboxMessage {
    /// The key.
    pub id: OutboxId,
    /// The owning tenant.
    pub tenant_id: TenantId,
    /// Email or webhook.
    pub kind: OutboxKind,
    /// The account it concerns.
    pub account_id: Option<AccountId>,
    /// The deterministic id.
    pub message_id: String,
    /// The message, as JSON.
    pub payload: serde_json::Value,
    /// The state.
    pub state: OutboxState,
    /// Delivery attempts so far, counting claims.
    pub attempts: i32,
    /// The earliest time of the next attempt.
    pub next_attempt_at: DateTime<Utc>,
    /// The error of the last failed attempt.
    pub last_error: Option<String>,
    /// The sender holding the claim.
    pub claimed_by: Option<String>,
    /// When the claim runs out.
    pub claimed_until: Option<DateTime<Utc>>,
    /// When it was delivered.
    pub sent_at: Option<DateTime<Utc>>,
    /// When it was enqueued.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

impl TryFrom<OutboxRow> for OutboxMessage {
    type Error = StoreError;

    fn try_from(row: OutboxRow) -> Result<Self, StoreError> {
        let payload = from_json("outbox", "payload", &row.payload)?;
        OutboxMessage::from_row(row, payload)
    }
}

impl OutboxMessage {
    /// Builds a message from its row and its payload, which the caller has already parsed.
    fn from_row(row: OutboxRow, payload: serde_json::Value) -> Result<Self, StoreError> {
        Ok(OutboxMessage {
            id: OutboxId(row.id),
            tenant_id: TenantId(row.tenant_id),
            kind: parse_column("outbox", "kind", &row.kind)?,
            state: parse_column("outbox", "state", &row.state)?,
            payload,
            account_id: row.account_id.map(AccountId),
            message_id: row.message_id,
            attempts: row.attempts,
            next_attempt_at: row.next_attempt_at.0,
            last_error: row.last_error,
            claimed_by: row.claimed_by,
            claimed_until: row.claimed_until.map(DateTime::from),
            sent_at: row.sent_at.map(DateTime::from),
            created_at: row.created_at.0,
            updated_at: row.updated_at.0,
        })
    }
}

/// Enqueues a message.
///
/// Fails with [`StoreError::Conflict`] on field `message_id` when the tenant already has a row
/// with this message id, so a step that is planned twice is delivered once.
pub fn enqueue(
    tx: &mut Tx<'_>,
    tenant_id: TenantId,
    message: &NewOutboxMessage,
    now: DateTime<Utc>,
) -> Result<OutboxMessage, StoreError> {
    let payload = to_json("payload", &message.payload)?;
    let row: OutboxRow = per_backend!(tx, |connection| {
        diesel::insert_into(outbox::table)
            .values((
                outbox::tenant_id.eq(tenant_id.0),
                outbox::kind.eq(message.kind.as_str()),
                outbox::account_id.eq(message.account_id.map(|id| id.0)),
                outbox::message_id.eq(&message.message_id),
                outbox::payload.eq(&payload),
                outbox::state.eq(OutboxState::Pending.as_str()),
                outbox::attempts.eq(0),
                outbox::next_attempt_at.eq(Instant(message.not_before)),
                outbox::created_at.eq(Instant(now)),
                outbox::updated_at.eq(Instant(now)),
            ))
            .returning(outbox::all_columns)
            .get_result(connection)
    })
    .map_err(|error| match tx.error(error) {
        StoreError::Conflict { .. } => StoreError::Conflict {
            field: "message_id".to_owned(),
            detail: format!("message {:?} is already in the outbox", message.message_id),
        },
        other => other,
    })?;
    tracing::debug!(tenant.id = tenant_id.0, outbox.id = row.id, outbox.kind = %row.kind, "enqueued message");
    // The stored text is the caller's payload serialised, so it is not parsed back.
    OutboxMessage::from_row(row, message.payload.clone())
}

/// The columns of an enqueued message, for multi-row inserts.
#[derive(Insertable)]
#[diesel(table_name = outbox, treat_none_as_default_value = false)]
struct OutboxInsert {
    tenant_id: i64,
    kind: &'static str,
    account_id: Option<i64>,
    message_id: String,
    payload: String,
    state: &'static str,
    attempts: i32,
    next_attempt_at: Instant,
    created_at: Instant,
    updated_at: Instant,
}

/// The maximum number of messages [`enqueue_many`] writes in one statement, well below SQLite's limit of
/// 32,766 bound values.
const ENQUEUE_CHUNK: usize = 500;

/// Enqueues many messages of one tenant in multi-row statements and returns their keys in the
/// given order.
///
/// Fails with [`StoreError::Conflict`] on field `message_id` when a message id is given twice or
/// the tenant already has a row with one of them. The caller's transaction then rolls back, so
/// nothing of the call is kept.
pub fn enqueue_many(
    tx: &mut Tx<'_>,
    tenant_id: TenantId,
    messages: Vec<EncodedOutboxMessage>,
    now: DateTime<Utc>,
) -> Result<Vec<OutboxId>, StoreError> {
    let mut order = Vec::with_capacity(messages.len());
    let mut rows = Vec::with_capacity(messages.len());
    for message in messages {
        order.push((message.message_id.clone(), message.kind));
        rows.push(OutboxInsert {
            tenant_id: tenant_id.0,
            kind: message.kind.as_str(),
            account_id: message.account_id.map(|id| id.0),
            message_id: message.message_id,
            payload: message.payload,
            state: OutboxState::Pending.as_str(),
            attempts: 0,
            next_attempt_at: Instant(message.not_before),
            created_at: Instant(now),
            updated_at: Instant(now),
        });
    }

    let mut keys: HashMap<String, i64> = HashMap::with_capacity(rows.len());
    let chunks = insert_chunks(tx.backend(), &rows, ENQUEUE_CHUNK);
    for chunk in chunks {
        let inserted: Vec<(i64, String)> = with_array!(chunk, |values| {
            per_backend!(tx, |connection| {
                diesel::insert_into(outbox::table)
                    .values(values)
                    .returning((outbox::id, outbox::message_id))
                    .get_results(connection)
            })
        })
        .map_err(|error| match tx.error(error) {
            StoreError::Conflict { .. } => StoreError::Conflict {
                field: "message_id".to_owned(),
                detail: "one of the messages is already in the outbox".to_owned(),
            },
            other => other,
        })?;
        keys.extend(
            inserted
                .into_iter()
                .map(|(id, message_id)| (message_id, id)),
        );
    }

    // RETURNING gives no order guarantee; each message id is unique within the tenant.
    let backend = tx.backend();
    order
        .into_iter()
        .map(|(message_id, kind)| {
            let id = keys
                .remove(&message_id)
                .ok_or_else(|| StoreError::Database {
                    backend,
                    detail: format!("the insert of outbox message {message_id:?} returned no row"),
                })?;
            tracing::debug!(
                tenant.id = tenant_id.0,
                outbox.id = id,
                outbox.kind = kind.as_str(),
                "enqueued message"
            );
            Ok(OutboxId(id))
        })
        .collect()
}

/// Finds up to `limit` rows due at `now`, in the order of their `next_attempt_at` and id.
///
/// Pending rows and rows whose claim ran out are found by two queries, one per index. A single
/// query with `OR` made SQLite collect every due row and sort them all to return the first few,
/// so a claim of 16 rows from an outbox of 20,000 due emails sorted 20,000 rows.
fn due_ids(tx: &mut Tx<'_>, now: DateTime<Utc>, limit: i64) -> Result<Vec<i64>, StoreError> {
    let backend = tx.backend();
    let at = Instant(now);
    let pending = outbox::state
        .eq(OutboxState::Pending.as_str())
        .and(outbox::next_attempt_at.le(at));
    let expired = outbox::state
        .eq(OutboxState::Sending.as_str())
        .and(outbox::claimed_until.le(at));
    let order = (outbox::next_attempt_at, outbox::id);
    let columns = (outbox::id, outbox::next_attempt_at);

    // The first `limit` rows that `$filter` matches. PostgreSQL also locks them for this claim.
    macro_rules! first_due {
        ($filter:expr) => {
            match tx.connection() {
                DbConnection::Postgres(connection) => outbox::table
                    .filter($filter)
                    .order(order)
                    .limit(limit)
                    .select(columns)
                    .for_update()
                    .skip_locked()
                    .load::<(i64, Instant)>(connection),
                DbConnection::Sqlite(connection) => outbox::table
                    .filter($filter)
                    .order(order)
                    .limit(limit)
                    .select(columns)
                    .load::<(i64, Instant)>(connection),
            }
            .map_err(|error| StoreError::from_diesel(backend, error))?
        };
    }

    let mut due = first_due!(pending);
    due.extend(first_due!(expired));
    due.sort_by(|(left_id, left_at), (right_id, right_at)| {
        (left_at.0, left_id).cmp(&(right_at.0, right_id))
    });
    due.truncate(usize::try_from(limit).unwrap_or(0));
    Ok(due.into_iter().map(|(id, _)| id).collect())
}

/// Claims up to `limit` rows that are due at `now` for `worker_id`, for `lease`, and returns them.
///
/// Due rows are pending rows whose `next_attempt_at` has come, and sending rows whose claim ran
/// out. Claimed rows become `sending`, count an attempt and carry the worker and lease end. On
/// PostgreSQL the rows are locked with `FOR UPDATE SKIP LOCKED`, so concurrent workers claim
/// different rows without waiting; on SQLite the write transaction already excludes other
/// writers. Two workers never get the same row while its lease runs.
pub fn claim_due(
    tx: &mut Tx<'_>,
    now: DateTime<Utc>,
    limit: i64,
    worker_id: &str,
    lease: Duration,
) -> Result<Vec<OutboxMessage>, StoreError> {
    let ids = due_ids(tx, now, limit)?;
    if ids.is_empty() {
        return Ok(Vec::new());
    }

    let until = now
        .checked_add_signed(lease)
        .ok_or_else(|| StoreError::InvalidInput {
            field: "lease",
            detail: format!("lease {lease} is too long"),
        })?;
    let rows: Vec<OutboxRow> = diesel::update(outbox::table.filter(outbox::id.eq_any(&ids)))
        .set((
            outbox::state.eq(OutboxState::Sending.as_str()),
            outbox::attempts.eq(outbox::attempts + 1),
            outbox::claimed_by.eq(worker_id),
            outbox::claimed_until.eq(Instant(until)),
            outbox::updated_at.eq(Instant(now)),
        ))
        .returning(outbox::all_columns)
        .reusable()
        .get_results(tx.connection())
        .map_err(|error| tx.error(error))?;

    tracing::debug!(
        worker = worker_id,
        claimed = rows.len(),
        "claimed outbox rows"
    );
    let mut claimed = rows
        .into_iter()
        .map(OutboxMessage::try_from)
        .collect::<Result<Vec<_>, _>>()?;
    claimed.sort_by_key(|message| (message.next_attempt_at, message.id));
    Ok(claimed)
}

/// Marks a claimed row sent.
///
/// Fails with [`StoreError::Conflict`] on field `claimed_by` when the row is not `sending` under
/// this worker's claim any more, for example because its lease ran out and another worker took
/// it.
pub fn complete(
    tx: &mut Tx<'_>,
    id: OutboxId,
    worker_id: &str,
    now: DateTime<Utc>,
) -> Result<OutboxMessage, StoreError> {
    mark_sent(tx, id, worker_id, now)?;
    get(tx, id)
}

/// Marks a claimed row as sent, as [`complete`] does, without reading the row back: for a
/// caller that has the claimed row already.
///
/// # Errors
///
/// As [`complete`].
pub fn mark_sent(
    tx: &mut Tx<'_>,
    id: OutboxId,
    worker_id: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let updated: Option<i64> = per_backend!(tx, |connection| {
        fixed!(
            diesel::update(claimed_by(id, worker_id))
                .set((
                    outbox::state.eq(OutboxState::Sent.as_str()),
                    outbox::sent_at.eq(Instant(now)),
                    outbox::claimed_until.eq(None::<Instant>),
                    outbox::last_error.eq(None::<String>),
                    outbox::updated_at.eq(Instant(now)),
                ))
                .returning(outbox::id)
        )
        .get_result(connection)
        .optional()
    })
    .map_err(|error| tx.error(error))?;
    match updated {
        Some(_) => Ok(()),
        None => Err(lost_claim(tx, id, worker_id)),
    }
}

/// Records a failed attempt of a claimed row: back to `pending` until `retry_at`, or `failed`
/// for good when `retry_at` is `None`. Fails like [`complete`] when the claim is lost.
pub fn fail(
    tx: &mut Tx<'_>,
    id: OutboxId,
    worker_id: &str,
    error: &str,
    retry_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<OutboxMessage, StoreError> {
    let (state, next_attempt_at) = match retry_at {
        Some(at) => (OutboxState::Pending, at),
        None => (OutboxState::Failed, now),
    };
    finish(tx, id, worker_id, |tx| {
        diesel::update(claimed_by(id, worker_id))
            .set((
                outbox::state.eq(state.as_str()),
                outbox::next_attempt_at.eq(Instant(next_attempt_at)),
                outbox::last_error.eq(error),
                outbox::claimed_until.eq(None::<Instant>),
                outbox::updated_at.eq(Instant(now)),
            ))
            .returning(outbox::all_columns)
            .reusable()
            .get_result(tx.connection())
            .optional()
    })
}

/// Withdraws a claimed row at send time, for example because the invoice was paid after the
/// row was written. Fails like [`complete`] when the claim is lost.
pub fn cancel_claimed(
    tx: &mut Tx<'_>,
    id: OutboxId,
    worker_id: &str,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<OutboxMessage, StoreError> {
    finish(tx, id, worker_id, |tx| {
        diesel::update(claimed_by(id, worker_id))
            .set((
                outbox::state.eq(OutboxState::Cancelled.as_str()),
                outbox::last_error.eq(reason),
                outbox::claimed_until.eq(None::<Instant>),
                outbox::updated_at.eq(Instant(now)),
            ))
            .returning(outbox::all_columns)
            .reusable()
            .get_result(tx.connection())
            .optional()
    })
}

type ClaimedBy<'a> = diesel::dsl::Filter<
    diesel::dsl::Filter<
        diesel::dsl::Find<outbox::table, i64>,
        diesel::dsl::Eq<outbox::state, &'static str>,
    >,
    diesel::dsl::Eq<outbox::claimed_by, &'a str>,
>;

fn claimed_by(id: OutboxId, worker_id: &str) -> ClaimedBy<'_> {
    outbox::table
        .find(id.0)
        .filter(outbox::state.eq(OutboxState::Sending.as_str()))
        .filter(outbox::claimed_by.eq(worker_id))
}

fn finish<F>(
    tx: &mut Tx<'_>,
    id: OutboxId,
    worker_id: &str,
    update: F,
) -> Result<OutboxMessage, StoreError>
where
    F: FnOnce(&mut Tx<'_>) -> diesel::QueryResult<Option<OutboxRow>>,
{
    let row = update(tx).map_err(|error| tx.error(error))?;
    match row {
        Some(row) => OutboxMessage::try_from(row),
        None => Err(lost_claim(tx, id, worker_id)),
    }
}

/// Builds the error for a row that is not `sending` under `worker_id`'s claim any more.
fn lost_claim(tx: &mut Tx<'_>, id: OutboxId, worker_id: &str) -> StoreError {
    match get(tx, id) {
        Ok(current) => StoreError::Conflict {
            field: "claimed_by".to_owned(),
            detail: format!(
                "outbox row {id} is {} and claimed by {:?}, not by {worker_id:?}",
                current.state,
                current.claimed_by.as_deref().unwrap_or("nobody")
            ),
        },
        Err(error) => error,
    }
}

/// Puts a failed row back to pending for an attempt at `now`.
pub fn retry(
    tx: &mut Tx<'_>,
    id: OutboxId,
    now: DateTime<Utc>,
) -> Result<OutboxMessage, StoreError> {
    transition(tx, id, OutboxState::Failed, OutboxState::Pending, now)
}

/// Withdraws a pending row, for example because the invoice was paid before delivery.
pub fn cancel(
    tx: &mut Tx<'_>,
    id: OutboxId,
    now: DateTime<Utc>,
) -> Result<OutboxMessage, StoreError> {
    transition(tx, id, OutboxState::Pending, OutboxState::Cancelled, now)
}

fn transition(
    tx: &mut Tx<'_>,
    id: OutboxId,
    from: OutboxState,
    to: OutboxState,
    now: DateTime<Utc>,
) -> Result<OutboxMessage, StoreError> {
    let row: Option<OutboxRow> = diesel::update(
        outbox::table
            .find(id.0)
            .filter(outbox::state.eq(from.as_str())),
    )
    .set((
        outbox::state.eq(to.as_str()),
        outbox::next_attempt_at.eq(Instant(now)),
        outbox::updated_at.eq(Instant(now)),
    ))
    .returning(outbox::all_columns)
    .reusable()
    .get_result(tx.connection())
    .optional()
    .map_err(|error| tx.error(error))?;

    match row {
        Some(row) => OutboxMessage::try_from(row),
        None => {
            let current = get(tx, id)?;
            Err(StoreError::Conflict {
                field: "state".to_owned(),
                detail: format!("outbox row {id} is {}, not {from}", current.state),
            })
        }
    }
}

/// Loads an outbox row.
pub fn get(tx: &mut Tx<'_>, id: OutboxId) -> Result<OutboxMessage, StoreError> {
    let row: OutboxRow = per_backend!(tx, |connection| {
        outbox::table
            .find(id.0)
            .select(OutboxRow::as_select())
            .first(connection)
    })
    .map_err(|error| tx.lookup_error("outbox row", id, error))?;
    OutboxMessage::try_from(row)
}

/// Finds an outbox row by its message id.
pub fn find_by_message_id(
    tx: &mut Tx<'_>,
    tenant_id: TenantId,
    message_id: &str,
) -> Result<Option<OutboxMessage>, StoreError> {
    let row: Option<OutboxRow> = outbox::table
        .filter(outbox::tenant_id.eq(tenant_id.0))
        .filter(outbox::message_id.eq(message_id))
        .select(OutboxRow::as_select())
        .first(tx.connection())
        .optional()
        .map_err(|error| tx.error(error))?;
    row.map(OutboxMessage::try_from).transpose()
}
