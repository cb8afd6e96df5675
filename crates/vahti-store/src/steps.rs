//! Step history: what escalation step was taken on which invoice, and how it went.
//!
//! The unique key (invoice, step key) makes the database the final guard that a step is executed
//! at most once per invoice, whatever the number of workers or restarts.

use std::collections::HashMap;

use chrono::{DateTime, SubsecRound, Utc};
use diesel::prelude::*;
use diesel::sqlite::SqliteConnection;
use vahti_domain::Money;
use vahti_domain::ids::{AccountId, InvoiceId, TenantId};

use crate::Tx;
use crate::connection::DbConnection;
use crate::convert::{money_from_parts, money_parts, parse_column, text_enum};
use crate::error::StoreError;
use crate::ids::{OutboxId, PolicyVersionId, StepId};
use crate::raw_insert::{self, RAW_INSERT_FROM, SqlValue};
use crate::reuse::{ReuseExt, fixed, insert_chunks, with_array};
use crate::rows::StepRow;
use crate::schema::step_history;
use crate::sql_types::{Instant, sqlite_text};
use crate::store::per_backend;

text_enum! {
    /// The state of a step.
    pub enum StepState {
        /// Waiting for a person to approve it.
        PendingApproval => "pending_approval",
        /// Its message is in the outbox.
        Queued => "queued",
        /// Its message was delivered to the mail server.
        Sent => "sent",
        /// Skipped on purpose, with the reason in `detail`.
        Skipped => "skipped",
        /// Failed for good, with the reason in `detail`.
        Failed => "failed",
    }
}

/// A step to record.
#[derive(Debug, Clone, PartialEq)]
pub struct NewStep {
    /// The debtor's account.
    pub account_id: AccountId,
    /// The invoice the step is about.
    pub invoice_id: InvoiceId,
    /// The policy version that planned the step.
    pub policy_version_id: PolicyVersionId,
    /// The position of the step in the policy, from 0.
    pub step_index: i32,
    /// The policy's key of the step, such as `reminder-1`; unique per invoice.
    pub step_key: String,
    /// The kind of step, such as `reminder` or `final_demand`.
    pub step_kind: String,
    /// When the step was due.
    pub due_at: DateTime<Utc>,
    /// When it was executed, if it already was.
    pub executed_at: Option<DateTime<Utc>>,
    /// The state.
    pub state: StepState,
    /// A note, such as why it was skipped.
    pub detail: Option<String>,
    /// The invoice's open balance the step was based on.
    pub balance: Money,
    /// The outbox message that carries it.
    pub outbox_id: Option<OutboxId>,
}

/// A stored step.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    /// The key.
    pub id: StepId,
    /// The owning tenant.
    pub tenant_id: TenantId,
    /// The debtor's account.
    pub account_id: AccountId,
    /// The invoice.
    pub invoice_id: InvoiceId,
    /// The policy version that planned it.
    pub policy_version_id: PolicyVersionId,
    /// The position in the policy.
    pub step_index: i32,
    /// The policy's key of the step.
    pub step_key: String,
    /// The kind of step.
    pub step_kind: String,
    /// When it was due.
    pub due_at: DateTime<Utc>,
    /// When it was executed.
    pub executed_at: Option<DateTime<Utc>>,
    /// The state.
    pub state: StepState,
    /// A note.
    pub detail: Option<String>,
    /// The balance it was based on.
    pub balance: Money,
    /// The outbox message that carries it.
    pub outbox_id: Option<OutboxId>,
    /// When it was recorded.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

impl TryFrom<StepRow> for Step {
    type Error = StoreError;

    fn try_from(row: StepRow) -> Result<Self, StoreError> {
        Ok(Step {
            id: StepId(row.id),
            tenant_id: TenantId(row.tenant_id),
            account_id: AccountId(row.account_id),
            invoice_id: InvoiceId(row.invoice_id),
            policy_version_id: PolicyVersionId(row.policy_version_id),
            state: parse_column("step_history", "state", &row.state)?,
            balance: money_from_parts(
                "step_history",
                "balance_currency",
                row.balance_minor,
                &row.balance_currency,
            )?,
            step_index: row.step_index,
            step_key: row.step_key,
            step_kind: row.step_kind,
            due_at: row.due_at.0,
            executed_at: row.executed_at.map(DateTime::from),
            detail: row.detail,
            outbox_id: row.outbox_id.map(OutboxId),
            created_at: row.created_at.0,
            updated_at: row.updated_at.0,
        })
    }
}

/// Records a step.
///
/// Fails with [`StoreError::Conflict`] on field `step_key` when the invoice already has a step
/// with this key: the step was executed before and must not run again.
pub fn record(
    tx: &mut Tx<'_>,
    tenant_id: TenantId,
    step: &NewStep,
    now: DateTime<Utc>,
) -> Result<Step, StoreError> {
    let (balance_minor, balance_currency) = money_parts("balance", &step.balance)?;
    let row: StepRow = per_backend!(tx, |connection| {
        diesel::insert_into(step_history::table)
            .values((
                step_history::tenant_id.eq(tenant_id.0),
                step_history::account_id.eq(step.account_id.0),
                step_history::invoice_id.eq(step.invoice_id.0),
                step_history::policy_version_id.eq(step.policy_version_id.0),
                step_history::step_index.eq(step.step_index),
                step_history::step_key.eq(&step.step_key),
                step_history::step_kind.eq(&step.step_kind),
                step_history::due_at.eq(Instant(step.due_at)),
                step_history::executed_at.eq(step.executed_at.map(Instant)),
                step_history::state.eq(step.state.as_str()),
                step_history::detail.eq(step.detail.as_deref()),
                step_history::balance_currency.eq(&balance_currency),
                step_history::balance_minor.eq(balance_minor),
                step_history::outbox_id.eq(step.outbox_id.map(|id| id.0)),
                step_history::created_at.eq(Instant(now)),
                step_history::updated_at.eq(Instant(now)),
            ))
            .returning(step_history::all_columns)
            .get_result(connection)
    })
    .map_err(|error| match tx.error(error) {
        StoreError::Conflict { .. } => StoreError::Conflict {
            field: "step_key".to_owned(),
            detail: format!(
                "step {:?} is already recorded for invoice {}",
                step.step_key, step.invoice_id
            ),
        },
        other => other,
    })?;
    log_recorded(tenant_id, step);
    Step::try_from(row)
}

/// Logs a recorded step with its ids.
fn log_recorded(tenant_id: TenantId, step: &NewStep) {
    tracing::info!(
        tenant.id = tenant_id.0,
        account.id = step.account_id.0,
        invoice.id = step.invoice_id.0,
        step = %step.step_key,
        state = step.state.as_str(),
        "recorded step"
    );
}

/// The columns of a recorded step. The row owns its text, because diesel keys a prepared
/// multi-row insert by its row type, and that key needs a type without borrowed fields.
#[derive(Insertable)]
#[diesel(table_name = step_history, treat_none_as_default_value = false)]
struct StepInsert {
    tenant_id: i64,
    account_id: i64,
    invoice_id: i64,
    policy_version_id: i64,
    step_index: i32,
    step_key: String,
    step_kind: String,
    due_at: Instant,
    executed_at: Option<Instant>,
    state: &'static str,
    detail: Option<String>,
    balance_currency: String,
    balance_minor: i64,
    outbox_id: Option<i64>,
    created_at: Instant,
    updated_at: Instant,
}

impl StepInsert {
    /// Builds the columns of `step`, recorded at `now`.
    fn new(tenant_id: TenantId, step: &NewStep, now: DateTime<Utc>) -> Result<Self, StoreError> {
        let (balance_minor, balance_currency) = money_parts("balance", &step.balance)?;
        Ok(StepInsert {
            tenant_id: tenant_id.0,
            account_id: step.account_id.0,
            invoice_id: step.invoice_id.0,
            policy_version_id: step.policy_version_id.0,
            step_index: step.step_index,
            step_key: step.step_key.clone(),
            step_kind: step.step_kind.clone(),
            due_at: Instant(step.due_at),
            executed_at: step.executed_at.map(Instant),
            state: step.state.as_str(),
            detail: step.detail.clone(),
            balance_currency,
            balance_minor,
            outbox_id: step.outbox_id.map(|id| id.0),
            created_at: Instant(now),
            updated_at: Instant(now),
        })
    }
}

/// The maximum number of steps [`record_many`] writes in one statement, well below SQLite's
/// limit of 32,766 bound values.
const RECORD_CHUNK: usize = 500;

/// Records several steps in multi-row statements and returns them in the given order.
///
/// Fails with [`StoreError::Conflict`] on field `step_key` when an invoice already has a step
/// with one of the keys, or when two of the steps share an invoice and key. The caller's
/// transaction must then roll back.
pub fn record_many(
    tx: &mut Tx<'_>,
    tenant_id: TenantId,
    new: &[NewStep],
    now: DateTime<Utc>,
) -> Result<Vec<Step>, StoreError> {
    let rows = new
        .iter()
        .map(|step| StepInsert::new(tenant_id, step, now))
        .collect::<Result<Vec<_>, StoreError>>()?;

    let chunks = insert_chunks(tx.backend(), &rows, RECORD_CHUNK);
    let mut recorded: Vec<StepRow> = Vec::with_capacity(rows.len());
    for chunk in chunks {
        let inserted: Vec<StepRow> = with_array!(chunk, |values| {
            per_backend!(tx, |connection| {
                diesel::insert_into(step_history::table)
                    .values(values)
                    .returning(StepRow::as_returning())
                    .get_results(connection)
            })
        })
        .map_err(|error| match tx.error(error) {
            StoreError::Conflict { .. } => StoreError::Conflict {
                field: "step_key".to_owned(),
                detail: format!(
                    "one of the steps {} is already recorded for its invoice",
                    chunk
                        .iter()
                        .map(|row| format!("{:?} of invoice {}", row.step_key, row.invoice_id))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            },
            other => other,
        })?;
        recorded.extend(inserted);
    }

    // RETURNING gives no order guarantee; an invoice has each key once.
    let backend = tx.backend();
    let mut by_key: HashMap<(i64, String), StepRow> = recorded
        .into_iter()
        .map(|row| ((row.invoice_id, row.step_key.clone()), row))
        .collect();
    let mut steps = Vec::with_capacity(new.len());
    for step in new {
        let row = by_key
            .remove(&(step.invoice_id.0, step.step_key.clone()))
            .ok_or_else(|| StoreError::Database {
                backend,
                detail: format!(
                    "the insert of step {:?} of invoice {} returned no row",
                    step.step_key, step.invoice_id
                ),
            })?;
        log_recorded(tenant_id, step);
        steps.push(Step::try_from(row)?);
    }
    Ok(steps)
}

/// The columns of a step recorded under a reserved key.
#[derive(Insertable)]
#[diesel(table_name = step_history, treat_none_as_default_value = false)]
struct ReservedStepInsert {
    id: i64,
    #[diesel(embed)]
    step: StepInsert,
}

/// Reserves `count` keys for steps that [`record_reserved`] records in this transaction, so
/// that a caller can write rows that refer to the steps, such as outbox messages, before the
/// steps themselves. Record the steps before reserving again: on SQLite the keys follow the
/// largest key recorded so far, so a second reservation before the first is recorded returns
/// the same keys, and recording both then fails with a conflict.
pub fn reserve_ids(tx: &mut Tx<'_>, count: usize) -> Result<Vec<StepId>, StoreError> {
    #[derive(QueryableByName)]
    struct Key {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        id: i64,
    }
    if count == 0 {
        return Ok(Vec::new());
    }
    let wanted = i64::try_from(count).map_err(|_| StoreError::InvalidInput {
        field: "steps",
        detail: format!("{count} keys are too many to reserve at once; reserve fewer"),
    })?;
    let mut ids: Vec<i64> = match tx.connection() {
        DbConnection::Postgres(connection) => fixed!(
            diesel::sql_query(
                "SELECT nextval(pg_get_serial_sequence('step_history', 'id')) AS id \
                 FROM generate_series(1, $1)",
            )
            .bind::<diesel::sql_types::BigInt, _>(wanted)
        )
        .load::<Key>(connection)
        .map(|keys| keys.into_iter().map(|key| key.id).collect()),
        DbConnection::Sqlite(connection) => {
            // A key of AUTOINCREMENT is larger than every key the table ever held. This write
            // transaction holds SQLite's write lock, so no other insert can take these keys.
            fixed!(diesel::sql_query(
                "SELECT MAX(\
                   COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'step_history'), 0), \
                   COALESCE((SELECT MAX(id) FROM step_history), 0)) AS id",
            ))
            .get_result::<Key>(connection)
            .map(|last| (1..=wanted).map(|offset| last.id + offset).collect())
        }
    }
    .map_err(|error| tx.error(error))?;
    ids.sort_unstable();
    Ok(ids.into_iter().map(StepId).collect())
}

/// Records steps under keys from [`reserve_ids`], in multi-row statements, and returns them as
/// stored, built from the input without reading them back.
///
/// Fails with [`StoreError::Conflict`] when an invoice already has a step with the key or a
/// reserved key is taken.
pub fn record_reserved(
    tx: &mut Tx<'_>,
    tenant_id: TenantId,
    new: &[(StepId, NewStep)],
    now: DateTime<Utc>,
) -> Result<Vec<Step>, StoreError> {
    // The instants as the store keeps them, so that the steps returned equal the steps read.
    let now = now.trunc_subsecs(6);
    let mut rows = Vec::with_capacity(new.len());
    let mut steps = Vec::with_capacity(new.len());
    for (id, step) in new {
        let stored = NewStep {
            due_at: step.due_at.trunc_subsecs(6),
            executed_at: step.executed_at.map(|at| at.trunc_subsecs(6)),
            ..step.clone()
        };
        let row = StepInsert::new(tenant_id, &stored, now)?;
        steps.push(Step {
            id: *id,
            tenant_id,
            balance: money_from_parts(
                "step_history",
                "balance_currency",
                row.balance_minor,
                &row.balance_currency,
            )?,
            account_id: stored.account_id,
            invoice_id: stored.invoice_id,
            policy_version_id: stored.policy_version_id,
            step_index: stored.step_index,
            step_key: stored.step_key,
            step_kind: stored.step_kind,
            due_at: stored.due_at,
            executed_at: stored.executed_at,
            state: stored.state,
            detail: stored.detail,
            outbox_id: stored.outbox_id,
            created_at: now,
            updated_at: now,
        });
        rows.push(ReservedStepInsert {
            id: id.0,
            step: row,
        });
    }

    let conflict = |tx: &Tx<'_>, chunk: &[ReservedStepInsert], error| match tx.error(error) {
        StoreError::Conflict { .. } => StoreError::Conflict {
            field: "step_key".to_owned(),
            detail: format!(
                "one of the steps {} is already recorded for its invoice, or its reserved key \
                 is taken",
                chunk
                    .iter()
                    .map(|row| format!(
                        "{:?} of invoice {}",
                        row.step.step_key, row.step.invoice_id
                    ))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        },
        other => other,
    };
    if rows.len() >= RAW_INSERT_FROM
        && let DbConnection::Sqlite(connection) = tx.connection()
    {
        let result = insert_raw(connection, &rows, now);
        return match result {
            Ok(()) => {
                for (_, step) in new {
                    log_recorded(tenant_id, step);
                }
                Ok(steps)
            }
            Err(error) => Err(conflict(tx, &rows, error)),
        };
    }
    let chunks = insert_chunks(tx.backend(), &rows, RECORD_CHUNK);
    for chunk in chunks {
        with_array!(chunk, |values| {
            per_backend!(tx, |connection| {
                diesel::insert_into(step_history::table)
                    .values(values)
                    .execute(connection)
            })
        })
        .map_err(|error| conflict(tx, chunk, error))?;
    }
    for (_, step) in new {
        log_recorded(tenant_id, step);
    }
    Ok(steps)
}

/// Inserts reserved steps on SQLite with values bound in place (see [`crate::raw_insert`]).
fn insert_raw(
    connection: &mut SqliteConnection,
    rows: &[ReservedStepInsert],
    now: DateTime<Utc>,
) -> diesel::QueryResult<()> {
    let recorded = sqlite_text(&now);
    raw_insert::insert_all(
        connection,
        "step_history",
        &[
            "id",
            "tenant_id",
            "account_id",
            "invoice_id",
            "policy_version_id",
            "step_index",
            "step_key",
            "step_kind",
            "due_at",
            "executed_at",
            "state",
            "detail",
            "balance_currency",
            "balance_minor",
            "outbox_id",
            "created_at",
            "updated_at",
        ],
        &[],
        rows,
        |row, bind| {
            let step = &row.step;
            bind(SqlValue::Integer(row.id))?;
            bind(SqlValue::Integer(step.tenant_id))?;
            bind(SqlValue::Integer(step.account_id))?;
            bind(SqlValue::Integer(step.invoice_id))?;
            bind(SqlValue::Integer(step.policy_version_id))?;
            bind(SqlValue::Integer(i64::from(step.step_index)))?;
            bind(SqlValue::Text(&step.step_key))?;
            bind(SqlValue::Text(&step.step_kind))?;
            bind(SqlValue::Text(&sqlite_text(&step.due_at.0)))?;
            bind(SqlValue::from(
                step.executed_at.map(|at| sqlite_text(&at.0)).as_deref(),
            ))?;
            bind(SqlValue::Text(step.state))?;
            bind(SqlValue::from(step.detail.as_deref()))?;
            bind(SqlValue::Text(&step.balance_currency))?;
            bind(SqlValue::Integer(step.balance_minor))?;
            bind(SqlValue::from(step.outbox_id))?;
            bind(SqlValue::Text(&recorded))?;
            bind(SqlValue::Text(&recorded))
        },
    )?;
    Ok(())
}

/// Changes the state of a step, with its note, outbox message and execution time.
pub fn update_state(
    tx: &mut Tx<'_>,
    id: StepId,
    state: StepState,
    detail: Option<&str>,
    outbox_id: Option<OutboxId>,
    executed_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<Step, StoreError> {
    let row: StepRow = per_backend!(tx, |connection| {
        fixed!(
            diesel::update(step_history::table.find(id.0))
                .set((
                    step_history::state.eq(state.as_str()),
                    step_history::detail.eq(detail),
                    step_history::outbox_id.eq(outbox_id.map(|id| id.0)),
                    step_history::executed_at.eq(executed_at.map(Instant)),
                    step_history::updated_at.eq(Instant(now)),
                ))
                .returning(step_history::all_columns)
        )
        .get_result(connection)
    })
    .map_err(|error| tx.lookup_error("step", id, error))?;
    Step::try_from(row)
}

/// Marks steps as queued in one outbox message, in one statement per chunk of ids: what
/// [`update_state`] with [`StepState::Queued`] and `outbox_id` does for each of them, without
/// returning the rows. Fails with [`StoreError::NotFound`] when a step does not exist.
pub fn queue_in_outbox(
    tx: &mut Tx<'_>,
    ids: &[StepId],
    outbox_id: OutboxId,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    for chunk in ids.chunks(crate::ledger::ID_CHUNK) {
        let keys: Vec<i64> = chunk.iter().map(|id| id.0).collect();
        let updated = diesel::update(step_history::table.filter(step_history::id.eq_any(&keys)))
            .set((
                step_history::state.eq(StepState::Queued.as_str()),
                step_history::detail.eq(None::<&str>),
                step_history::outbox_id.eq(Some(outbox_id.0)),
                step_history::executed_at.eq(None::<Instant>),
                step_history::updated_at.eq(Instant(now)),
            ))
            .reusable()
            .execute(tx.connection())
            .map_err(|error| tx.error(error))?;
        if updated != chunk.len() {
            let missing = chunk
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", ");
            return Err(StoreError::not_found("step", missing));
        }
    }
    Ok(())
}

/// Loads a step.
pub fn get(tx: &mut Tx<'_>, id: StepId) -> Result<Step, StoreError> {
    let row: StepRow = per_backend!(tx, |connection| {
        step_history::table
            .find(id.0)
            .select(StepRow::as_select())
            .first(connection)
    })
    .map_err(|error| tx.lookup_error("step", id, error))?;
    Step::try_from(row)
}

/// Lists the steps of the given invoices, by key.
pub fn list_for_invoices(
    tx: &mut Tx<'_>,
    invoice_ids: &[InvoiceId],
) -> Result<Vec<Step>, StoreError> {
    let mut found = Vec::new();
    for chunk in invoice_ids.chunks(crate::ledger::ID_CHUNK) {
        let keys: Vec<i64> = chunk.iter().map(|id| id.0).collect();
        let rows: Vec<StepRow> = step_history::table
            .filter(step_history::invoice_id.eq_any(&keys))
            .select(StepRow::as_select())
            .load(tx.connection())
            .map_err(|error| tx.error(error))?;
        for row in rows {
            found.push(Step::try_from(row)?);
        }
    }
    found.sort_by_key(|step| step.id);
    Ok(found)
}

/// Lists the steps of the invoices that belong to an account now, by key. Unlike
/// [`list_for_account`], this follows an invoice that moved to the account from another one.
pub fn list_for_account_invoices(
    tx: &mut Tx<'_>,
    account_id: AccountId,
) -> Result<Vec<Step>, StoreError> {
    let rows: Vec<StepRow> = per_backend!(tx, |connection| {
        step_history::table
            .filter(step_history::invoice_id.eq_any(crate::invoices::ids_of_account(account_id.0)))
            .order(step_history::id)
            .select(StepRow::as_select())
            .load(connection)
    })
    .map_err(|error| tx.error(error))?;
    rows.into_iter().map(Step::try_from).collect()
}

/// Lists the steps of the invoices that belong to any of the accounts now, by key.
pub fn list_for_accounts_invoices(
    tx: &mut Tx<'_>,
    account_ids: &[AccountId],
) -> Result<Vec<Step>, StoreError> {
    // One key: the statement of a single account, so that its kept plan is the usual one.
    if let [account_id] = account_ids {
        return list_for_account_invoices(tx, *account_id);
    }
    crate::store::read_rows_of_accounts!(tx, account_ids, StepRow => Step, |keys| {
        step_history::table
            .filter(
                step_history::invoice_id.eq_any(
                    crate::schema::invoices::table
                        .filter(crate::store::in_keys(crate::schema::invoices::account_id, keys))
                        .select(crate::schema::invoices::id),
                ),
            )
            .order(step_history::id)
            .select(StepRow::as_select())
    })
}

/// Lists all steps of an account, by key.
pub fn list_for_account(tx: &mut Tx<'_>, account_id: AccountId) -> Result<Vec<Step>, StoreError> {
    let rows: Vec<StepRow> = step_history::table
        .filter(step_history::account_id.eq(account_id.0))
        .order(step_history::id)
        .select(StepRow::as_select())
        .load(tx.connection())
        .map_err(|error| tx.error(error))?;
    rows.into_iter().map(Step::try_from).collect()
}
