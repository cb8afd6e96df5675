//! The append-only event log, numbered per tenant without gaps.
//!
//! The sequence number comes from the tenant's counter row, updated in the writing transaction.
//! On PostgreSQL that update locks the row until commit, so concurrent writers queue up and take
//! consecutive numbers. On SQLite the write transaction has the database's write lock anyway. A
//! rolled-back transaction gives its number back. Readers therefore see numbers 1, 2, 3, ... with
//! no gaps and can use the last one they saw as a cursor.

use chrono::{DateTime, SubsecRound, Utc};
use diesel::prelude::*;
use diesel::sqlite::SqliteConnection;
use vahti_domain::ids::{AccountId, InvoiceId, TenantId};

use crate::Tx;
use crate::connection::DbConnection;
use crate::convert::{from_json, to_json};
use crate::error::StoreError;
use crate::ids::EventId;
use crate::raw_insert::{self, RAW_INSERT_FROM, SqlValue};
use crate::reuse::{insert_chunks, with_array};
use crate::rows::EventRow;
use crate::schema::events;
use crate::sql_types::{Instant, sqlite_text};
use crate::store::per_backend;
use crate::tenants;

/// An event to append.
#[derive(Debug, Clone, PartialEq)]
pub struct NewEvent {
    /// The event type, such as `invoice.upserted` or `step.sent`.
    pub kind: String,
    /// The account it concerns.
    pub account_id: Option<AccountId>,
    /// The invoice it concerns.
    pub invoice_id: Option<InvoiceId>,
    /// The details, as JSON.
    pub payload: serde_json::Value,
}

/// A stored event.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// The row key; clients use `seq`.
    pub id: EventId,
    /// The owning tenant.
    pub tenant_id: TenantId,
    /// The position in the tenant's log, from 1 without gaps.
    pub seq: i64,
    /// The event type.
    pub kind: String,
    /// The account it concerns.
    pub account_id: Option<AccountId>,
    /// The invoice it concerns.
    pub invoice_id: Option<InvoiceId>,
    /// The details.
    pub payload: serde_json::Value,
    /// When it was appended.
    pub created_at: DateTime<Utc>,
}

impl TryFrom<EventRow> for Event {
    type Error = StoreError;

    fn try_from(row: EventRow) -> Result<Self, StoreError> {
        Ok(Event {
            id: EventId(row.id),
            tenant_id: TenantId(row.tenant_id),
            seq: row.seq,
            payload: from_json("events", "payload", &row.payload)?,
            kind: row.kind,
            account_id: row.account_id.map(AccountId),
            invoice_id: row.invoice_id.map(InvoiceId),
            created_at: row.created_at.0,
        })
    }
}

/// Appends an event to the tenant's log and returns it with its sequence number.
pub fn append(
    tx: &mut Tx<'_>,
    tenant_id: TenantId,
    event: &NewEvent,
    now: DateTime<Utc>,
) -> Result<Event, StoreError> {
    let payload = to_json("payload", &event.payload)?;
    let seq = tenants::next_event_seq(tx, tenant_id)?;
    // The instant as the store keeps it, so that the event returned equals the event read.
    let created_at = now.trunc_subsecs(6);
    let id: i64 = per_backend!(tx, |connection| {
        diesel::insert_into(events::table)
            .values((
                events::tenant_id.eq(tenant_id.0),
                events::seq.eq(seq),
                events::kind.eq(&event.kind),
                events::account_id.eq(event.account_id.map(|id| id.0)),
                events::invoice_id.eq(event.invoice_id.map(|id| id.0)),
                events::payload.eq(&payload),
                events::created_at.eq(Instant(created_at)),
            ))
            .returning(events::id)
            .get_result(connection)
    })
    .map_err(|error| tx.error(error))?;
    tracing::debug!(tenant.id = tenant_id.0, event.seq = seq, event.kind = %event.kind, "appended event");
    Ok(Event {
        id: EventId(id),
        tenant_id,
        seq,
        kind: event.kind.clone(),
        account_id: event.account_id,
        invoice_id: event.invoice_id,
        payload: event.payload.clone(),
        created_at,
    })
}

/// Rows per INSERT statement of [`append_many`]. Each row binds 7 values, so 1000 rows stay
/// below the bound-parameter limits of SQLite (32,766) and PostgreSQL (65,535).
const APPEND_CHUNK: usize = 1000;

/// The columns of an appended event. The row owns its text, because diesel keys a prepared
/// multi-row insert by its row type, and that key needs a type without borrowed fields.
#[derive(Insertable)]
#[diesel(table_name = events, treat_none_as_default_value = false)]
struct EventInsert {
    tenant_id: i64,
    seq: i64,
    kind: String,
    account_id: Option<i64>,
    invoice_id: Option<i64>,
    payload: String,
    created_at: Instant,
}

/// Appends events in the given order with consecutive sequence numbers, in multi-row
/// statements, for changes that emit many events at once, and returns them in order. Fails
/// with [`StoreError::InvalidInput`] for more than `u32::MAX` events.
pub fn append_many(
    tx: &mut Tx<'_>,
    tenant_id: TenantId,
    new: Vec<NewEvent>,
    now: DateTime<Utc>,
) -> Result<Vec<Event>, StoreError> {
    if new.is_empty() {
        return Ok(Vec::new());
    }
    let count = u32::try_from(new.len()).map_err(|_| StoreError::InvalidInput {
        field: "events",
        detail: format!(
            "{} events are too many for one call; append fewer",
            new.len()
        ),
    })?;
    let first = tenants::next_event_seqs(tx, tenant_id, count)?;
    // The instant as the store keeps it, so that the events returned equal the events read.
    let created_at = now.trunc_subsecs(6);
    let mut rows = Vec::with_capacity(new.len());
    for (seq, event) in (first..).zip(&new) {
        rows.push(EventInsert {
            tenant_id: tenant_id.0,
            seq,
            kind: event.kind.clone(),
            account_id: event.account_id.map(|id| id.0),
            invoice_id: event.invoice_id.map(|id| id.0),
            payload: to_json("payload", &event.payload)?,
            created_at: Instant(created_at),
        });
    }

    let backend = tx.backend();
    let raw = match tx.connection() {
        DbConnection::Sqlite(connection) if rows.len() >= RAW_INSERT_FROM => Some(
            insert_raw(connection, &rows)
                .map_err(|error| StoreError::from_diesel(backend, error))?,
        ),
        _ => None,
    };
    let mut keys = match raw {
        Some(keys) => keys,
        None => insert_chunked(tx, &rows)?,
    };
    // RETURNING does not guarantee the order of the rows, so they are sorted by sequence number.
    keys.sort_unstable();
    if keys.len() != new.len() || keys.first().map(|(seq, _)| *seq) != Some(first) {
        return Err(StoreError::InvalidData {
            table: "events",
            column: "seq",
            detail: format!(
                "appending {} events from sequence number {first} returned {} rows",
                new.len(),
                keys.len()
            ),
        });
    }
    tracing::debug!(
        tenant.id = tenant_id.0,
        events = new.len(),
        event.first_seq = first,
        "appended events"
    );
    Ok(new
        .into_iter()
        .zip(keys)
        .map(|(event, (seq, id))| Event {
            id: EventId(id),
            tenant_id,
            seq,
            kind: event.kind,
            account_id: event.account_id,
            invoice_id: event.invoice_id,
            payload: event.payload,
            created_at,
        })
        .collect())
}

/// Inserts events in diesel's prepared statements of up to [`APPEND_CHUNK`] rows and returns the
/// sequence number and key of each, in no set order.
fn insert_chunked(tx: &mut Tx<'_>, rows: &[EventInsert]) -> Result<Vec<(i64, i64)>, StoreError> {
    let backend = tx.backend();
    let mut keys = Vec::with_capacity(rows.len());
    for chunk in insert_chunks(backend, rows, APPEND_CHUNK) {
        let inserted: Vec<(i64, i64)> = with_array!(chunk, |values| {
            per_backend!(tx, |connection| {
                diesel::insert_into(events::table)
                    .values(values)
                    .returning((events::seq, events::id))
                    .get_results(connection)
            })
        })
        .map_err(|error| StoreError::from_diesel(backend, error))?;
        keys.extend(inserted);
    }
    Ok(keys)
}

/// Inserts events on SQLite with values bound in place (see [`crate::raw_insert`]) and returns
/// the sequence number and key of each, in no set order.
fn insert_raw(
    connection: &mut SqliteConnection,
    rows: &[EventInsert],
) -> diesel::QueryResult<Vec<(i64, i64)>> {
    let returned = raw_insert::insert_all(
        connection,
        "events",
        &[
            "tenant_id",
            "seq",
            "kind",
            "account_id",
            "invoice_id",
            "payload",
            "created_at",
        ],
        &["seq", "id"],
        rows,
        |row, bind| {
            bind(SqlValue::Integer(row.tenant_id))?;
            bind(SqlValue::Integer(row.seq))?;
            bind(SqlValue::Text(&row.kind))?;
            bind(SqlValue::from(row.account_id))?;
            bind(SqlValue::from(row.invoice_id))?;
            bind(SqlValue::Text(&row.payload))?;
            bind(SqlValue::Text(&sqlite_text(&row.created_at.0)))
        },
    )?;
    Ok(returned
        .into_iter()
        .map(|columns| (columns[0], columns[1]))
        .collect())
}

/// Lists a tenant's events with a sequence number above `after_seq` (0 for the start), in order,
/// at most `limit`.
pub fn list_after(
    tx: &mut Tx<'_>,
    tenant_id: TenantId,
    after_seq: i64,
    limit: i64,
) -> Result<Vec<Event>, StoreError> {
    let rows: Vec<EventRow> = events::table
        .filter(events::tenant_id.eq(tenant_id.0))
        .filter(events::seq.gt(after_seq))
        .order(events::seq)
        .limit(limit)
        .select(EventRow::as_select())
        .load(tx.connection())
        .map_err(|error| tx.error(error))?;
    rows.into_iter().map(Event::try_from).collect()
}

/// Returns the highest sequence number of a tenant's log, 0 when it is empty.
pub fn last_seq(tx: &mut Tx<'_>, tenant_id: TenantId) -> Result<i64, StoreError> {
    events::table
        .filter(events::tenant_id.eq(tenant_id.0))
        .select(diesel::dsl::max(events::seq))
        .first::<Option<i64>>(tx.connection())
        .map(|seq| seq.unwrap_or(0))
        .map_err(|error| tx.error(error))
}
