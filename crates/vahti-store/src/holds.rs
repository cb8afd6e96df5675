//! Reasons to hold collection back: disputes, pauses, promises to pay and payment plans.
//!
//! These rows are the record; the daemon also mirrors their effect onto the invoice's and the
//! account's flags (see [`crate::invoices::update_collection`]) in the same transaction, so the
//! planner reads one place.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use vahti_domain::Money;
use vahti_domain::ids::{AccountId, InvoiceId, TenantId};

use crate::Tx;
use crate::convert::{money_from_parts, money_parts, parse_column, text_enum};
use crate::error::StoreError;
use crate::ids::{DisputeId, InstalmentId, PauseId, PaymentPlanId, PromiseId};
use crate::reuse::ReuseExt;
use crate::rows::{
    DisputeRow, InstalmentRow, PauseRow, PaymentPlanRow, PlanInvoiceRow, PromiseRow,
};
use crate::schema::{
    disputes, pauses, payment_plan_instalments, payment_plan_invoices, payment_plans, promises,
};
use crate::sql_types::Instant;
use crate::store::per_backend;

/// A dispute raised by the debtor, about one invoice or the whole account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dispute {
    /// The key.
    pub id: DisputeId,
    /// The owning tenant.
    pub tenant_id: TenantId,
    /// The account.
    pub account_id: AccountId,
    /// The disputed invoice; `None` for the whole account.
    pub invoice_id: Option<InvoiceId>,
    /// The debtor's reason.
    pub reason: String,
    /// When it was raised.
    pub opened_at: DateTime<Utc>,
    /// When it was resolved; an open dispute pauses collection.
    pub resolved_at: Option<DateTime<Utc>>,
    /// The resolution.
    pub resolution: Option<String>,
}

impl From<DisputeRow> for Dispute {
    fn from(row: DisputeRow) -> Self {
        Dispute {
            id: DisputeId(row.id),
            tenant_id: TenantId(row.tenant_id),
            account_id: AccountId(row.account_id),
            invoice_id: row.invoice_id.map(InvoiceId),
            reason: row.reason,
            opened_at: row.opened_at.0,
            resolved_at: row.resolved_at.map(DateTime::from),
            resolution: row.resolution,
        }
    }
}

/// Opens a dispute.
pub fn open_dispute(
    tx: &mut Tx<'_>,
    tenant_id: TenantId,
    account_id: AccountId,
    invoice_id: Option<InvoiceId>,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<Dispute, StoreError> {
    let row: DisputeRow = diesel::insert_into(disputes::table)
        .values((
            disputes::tenant_id.eq(tenant_id.0),
            disputes::account_id.eq(account_id.0),
            disputes::invoice_id.eq(invoice_id.map(|id| id.0)),
            disputes::reason.eq(reason),
            disputes::opened_at.eq(Instant(now)),
        ))
        .returning(disputes::all_columns)
        .get_result(tx.connection())
        .map_err(|error| tx.error(error))?;
    tracing::info!(
        tenant.id = tenant_id.0,
        account.id = account_id.0,
        dispute.id = row.id,
        "opened dispute"
    );
    Ok(row.into())
}

/// Resolves an open dispute.
///
/// Fails with [`StoreError::Conflict`] on field `resolved_at` when it is already resolved.
pub fn resolve_dispute(
    tx: &mut Tx<'_>,
    id: DisputeId,
    resolution: &str,
    now: DateTime<Utc>,
) -> Result<Dispute, StoreError> {
    let row: Option<DisputeRow> = diesel::update(
        disputes::table
            .find(id.0)
            .filter(disputes::resolved_at.is_null()),
    )
    .set((
        disputes::resolved_at.eq(Instant(now)),
        disputes::resolution.eq(resolution),
    ))
    .returning(disputes::all_columns)
    .reusable()
    .get_result(tx.connection())
    .optional()
    .map_err(|error| tx.error(error))?;

    match row {
        Some(row) => Ok(row.into()),
        None => {
            let exists = disputes::table
                .find(id.0)
                .count()
                .get_result::<i64>(tx.connection())
                .map_err(|error| tx.error(error))?;
            if exists == 0 {
                Err(StoreError::not_found("dispute", id))
            } else {
                Err(StoreError::Conflict {
                    field: "resolved_at".to_owned(),
                    detail: format!("dispute {id} is already resolved"),
                })
            }
        }
    }
}

/// Loads a dispute.
pub fn get_dispute(tx: &mut Tx<'_>, id: DisputeId) -> Result<Dispute, StoreError> {
    let row: DisputeRow = disputes::table
        .find(id.0)
        .select(DisputeRow::as_select())
        .first(tx.connection())
        .map_err(|error| tx.lookup_error("dispute", id, error))?;
    Ok(row.into())
}

/// Lists an account's disputes, open and resolved, by key.
pub fn disputes_for_account(
    tx: &mut Tx<'_>,
    account_id: AccountId,
) -> Result<Vec<Dispute>, StoreError> {
    let rows: Vec<DisputeRow> = disputes::table
        .filter(disputes::account_id.eq(account_id.0))
        .order(disputes::id)
        .select(DisputeRow::as_select())
        .load(tx.connection())
        .map_err(|error| tx.error(error))?;
    Ok(rows.into_iter().map(Dispute::from).collect())
}

/// A pause of collection, of one invoice or the whole account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pause {
    /// The key.
    pub id: PauseId,
    /// The owning tenant.
    pub tenant_id: TenantId,
    /// The account.
    pub account_id: AccountId,
    /// The paused invoice; `None` for the whole account.
    pub invoice_id: Option<InvoiceId>,
    /// Paused up to and including this day.
    pub paused_until: NaiveDate,
    /// Why.
    pub reason: String,
    /// When it was set.
    pub created_at: DateTime<Utc>,
    /// When it was lifted before its end.
    pub lifted_at: Option<DateTime<Utc>>,
}

impl From<PauseRow> for Pause {
    fn from(row: PauseRow) -> Self {
        Pause {
            id: PauseId(row.id),
            tenant_id: TenantId(row.tenant_id),
            account_id: AccountId(row.account_id),
            invoice_id: row.invoice_id.map(InvoiceId),
            paused_until: row.paused_until,
            reason: row.reason,
            created_at: row.created_at.0,
            lifted_at: row.lifted_at.map(DateTime::from),
        }
    }
}

/// Records a pause.
pub fn pause(
    tx: &mut Tx<'_>,
    tenant_id: TenantId,
    account_id: AccountId,
    invoice_id: Option<InvoiceId>,
    paused_until: NaiveDate,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<Pause, StoreError> {
    let row: PauseRow = diesel::insert_into(pauses::table)
        .values((
            pauses::tenant_id.eq(tenant_id.0),
            pauses::account_id.eq(account_id.0),
            pauses::invoice_id.eq(invoice_id.map(|id| id.0)),
            pauses::paused_until.eq(paused_until),
            pauses::reason.eq(reason),
            pauses::created_at.eq(Instant(now)),
        ))
        .returning(pauses::all_columns)
        .get_result(tx.connection())
        .map_err(|error| tx.error(error))?;
    tracing::info!(
        tenant.id = tenant_id.0,
        account.id = account_id.0,
        pause.id = row.id,
        "paused collection"
    );
    Ok(row.into())
}

/// Lifts a pause before its end. Lifting a lifted pause keeps the first time.
pub fn lift_pause(tx: &mut Tx<'_>, id: PauseId, now: DateTime<Utc>) -> Result<Pause, StoreError> {
    diesel::update(pauses::table.find(id.0).filter(pauses::lifted_at.is_null()))
        .set(pauses::lifted_at.eq(Instant(now)))
        .reusable()
        .execute(tx.connection())
        .map_err(|error| tx.error(error))?;
    let row: PauseRow = pauses::table
        .find(id.0)
        .select(PauseRow::as_select())
        .first(tx.connection())
        .map_err(|error| tx.lookup_error("pause", id, error))?;
    Ok(row.into())
}

/// Lists an account's pauses, by key.
pub fn pauses_for_account(
    tx: &mut Tx<'_>,
    account_id: AccountId,
) -> Result<Vec<Pause>, StoreError> {
    let rows: Vec<PauseRow> = pauses::table
        .filter(pauses::account_id.eq(account_id.0))
        .order(pauses::id)
        .select(PauseRow::as_select())
        .load(tx.connection())
        .map_err(|error| tx.error(error))?;
    Ok(rows.into_iter().map(Pause::from).collect())
}

text_enum! {
    /// The state of a promise to pay.
    pub enum PromiseState {
        /// Waiting for the promised day.
        Open => "open",
        /// Paid as promised.
        Kept => "kept",
        /// Not paid by the promised day.
        Broken => "broken",
        /// Withdrawn.
        Cancelled => "cancelled",
    }
}

/// A debtor's promise to pay an amount by a day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Promise {
    /// The key.
    pub id: PromiseId,
    /// The owning tenant.
    pub tenant_id: TenantId,
    /// The account.
    pub account_id: AccountId,
    /// The invoice; `None` for the account's balance.
    pub invoice_id: Option<InvoiceId>,
    /// The promised amount.
    pub amount: Money,
    /// The promised day.
    pub promised_on: NaiveDate,
    /// The state.
    pub state: PromiseState,
    /// When it was made.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

impl TryFrom<PromiseRow> for Promise {
    type Error = StoreError;

    fn try_from(row: PromiseRow) -> Result<Self, StoreError> {
        Ok(Promise {
            id: PromiseId(row.id),
            tenant_id: TenantId(row.tenant_id),
            account_id: AccountId(row.account_id),
            invoice_id: row.invoice_id.map(InvoiceId),
            amount: money_from_parts("promises", "currency", row.amount_minor, &row.currency)?,
            promised_on: row.promised_on,
            state: parse_column("promises", "state", &row.state)?,
            created_at: row.created_at.0,
            updated_at: row.updated_at.0,
        })
    }
}

/// Records an open promise to pay.
pub fn promise(
    tx: &mut Tx<'_>,
    tenant_id: TenantId,
    account_id: AccountId,
    invoice_id: Option<InvoiceId>,
    amount: &Money,
    promised_on: NaiveDate,
    now: DateTime<Utc>,
) -> Result<Promise, StoreError> {
    let (amount_minor, currency) = money_parts("amount", amount)?;
    let row: PromiseRow = diesel::insert_into(promises::table)
        .values((
            promises::tenant_id.eq(tenant_id.0),
            promises::account_id.eq(account_id.0),
            promises::invoice_id.eq(invoice_id.map(|id| id.0)),
            promises::currency.eq(&currency),
            promises::amount_minor.eq(amount_minor),
            promises::promised_on.eq(promised_on),
            promises::state.eq(PromiseState::Open.as_str()),
            promises::created_at.eq(Instant(now)),
            promises::updated_at.eq(Instant(now)),
        ))
        .returning(promises::all_columns)
        .get_result(tx.connection())
        .map_err(|error| tx.error(error))?;
    Promise::try_from(row)
}

/// Sets the state of a promise.
pub fn set_promise_state(
    tx: &mut Tx<'_>,
    id: PromiseId,
    state: PromiseState,
    now: DateTime<Utc>,
) -> Result<Promise, StoreError> {
    let row: PromiseRow = diesel::update(promises::table.find(id.0))
        .set((
            promises::state.eq(state.as_str()),
            promises::updated_at.eq(Instant(now)),
        ))
        .returning(promises::all_columns)
        .reusable()
        .get_result(tx.connection())
        .map_err(|error| tx.lookup_error("promise", id, error))?;
    Promise::try_from(row)
}

/// Lists an account's promises, by key.
pub fn promises_for_account(
    tx: &mut Tx<'_>,
    account_id: AccountId,
) -> Result<Vec<Promise>, StoreError> {
    let rows: Vec<PromiseRow> = per_backend!(tx, |connection| {
        promises::table
            .filter(promises::account_id.eq(account_id.0))
            .order(promises::id)
            .select(PromiseRow::as_select())
            .load(connection)
    })
    .map_err(|error| tx.error(error))?;
    rows.into_iter().map(Promise::try_from).collect()
}

/// Lists the promises of many accounts, by key.
pub fn promises_for_accounts(
    tx: &mut Tx<'_>,
    account_ids: &[AccountId],
) -> Result<Vec<Promise>, StoreError> {
    // One key: the statement of a single account, so that its kept plan is the usual one.
    if let [account_id] = account_ids {
        return promises_for_account(tx, *account_id);
    }
    crate::store::read_rows_of_accounts!(tx, account_ids, PromiseRow => Promise, |keys| {
        promises::table
            .filter(crate::store::in_keys(promises::account_id, keys))
            .order(promises::id)
            .select(PromiseRow::as_select())
    })
}

text_enum! {
    /// The state of a payment plan.
    pub enum PlanState {
        /// Offered, not yet accepted.
        Proposed => "proposed",
        /// Running; collection of the covered debt follows the plan.
        Active => "active",
        /// Every instalment paid.
        Completed => "completed",
        /// An instalment was missed.
        Broken => "broken",
        /// Withdrawn.
        Cancelled => "cancelled",
    }
}

/// One instalment of a plan to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewInstalment {
    /// The due day.
    pub due_on: NaiveDate,
    /// The amount due.
    pub amount: Money,
}

/// A payment plan with its instalments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentPlan {
    /// The key.
    pub id: PaymentPlanId,
    /// The owning tenant.
    pub tenant_id: TenantId,
    /// The account.
    pub account_id: AccountId,
    /// The state.
    pub state: PlanState,
    /// The sum of the instalments.
    pub total: Money,
    /// The invoices the plan covers, by key. Empty for a plan whose invoices were never set with
    /// [`cover_invoices`], which then covers every invoice of the account.
    pub invoices: Vec<InvoiceId>,
    /// The instalments in order.
    pub instalments: Vec<Instalment>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

/// A stored instalment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Instalment {
    /// The key.
    pub id: InstalmentId,
    /// The position in the plan, from 1.
    pub seq: i32,
    /// The due day.
    pub due_on: NaiveDate,
    /// The amount due.
    pub amount: Money,
    /// When it was paid in full.
    pub paid_at: Option<DateTime<Utc>>,
}

impl TryFrom<InstalmentRow> for Instalment {
    type Error = StoreError;

    fn try_from(row: InstalmentRow) -> Result<Self, StoreError> {
        Ok(Instalment {
            id: InstalmentId(row.id),
            seq: row.seq,
            due_on: row.due_on,
            amount: money_from_parts(
                "payment_plan_instalments",
                "currency",
                row.amount_minor,
                &row.currency,
            )?,
            paid_at: row.paid_at.map(DateTime::from),
        })
    }
}

/// Creates a plan in state `proposed` with its instalments, numbered from 1 in the given order.
///
/// Fails with [`StoreError::InvalidInput`] when there are no instalments or they mix currencies.
pub fn create_plan(
    tx: &mut Tx<'_>,
    tenant_id: TenantId,
    account_id: AccountId,
    instalments: &[NewInstalment],
    now: DateTime<Utc>,
) -> Result<PaymentPlan, StoreError> {
    let Some(first) = instalments.first() else {
        return Err(StoreError::InvalidInput {
            field: "instalments",
            detail: "a payment plan needs at least one instalment".to_owned(),
        });
    };
    let total = Money::sum(
        first.amount.currency(),
        instalments.iter().map(|i| i.amount),
    )
    .map_err(|error| StoreError::InvalidInput {
        field: "instalments",
        detail: error.to_string(),
    })?;
    let (total_minor, currency) = money_parts("total", &total)?;

    let plan: PaymentPlanRow = diesel::insert_into(payment_plans::table)
        .values((
            payment_plans::tenant_id.eq(tenant_id.0),
            payment_plans::account_id.eq(account_id.0),
            payment_plans::state.eq(PlanState::Proposed.as_str()),
            payment_plans::currency.eq(&currency),
            payment_plans::total_minor.eq(total_minor),
            payment_plans::created_at.eq(Instant(now)),
            payment_plans::updated_at.eq(Instant(now)),
        ))
        .returning(payment_plans::all_columns)
        .get_result(tx.connection())
        .map_err(|error| tx.error(error))?;

    for (seq, instalment) in (1..).zip(instalments) {
        let (amount_minor, currency) = money_parts("amount", &instalment.amount)?;
        diesel::insert_into(payment_plan_instalments::table)
            .values((
                payment_plan_instalments::tenant_id.eq(tenant_id.0),
                payment_plan_instalments::plan_id.eq(plan.id),
                payment_plan_instalments::seq.eq(seq),
                payment_plan_instalments::due_on.eq(instalment.due_on),
                payment_plan_instalments::currency.eq(&currency),
                payment_plan_instalments::amount_minor.eq(amount_minor),
            ))
            .execute(tx.connection())
            .map_err(|error| tx.error(error))?;
    }
    tracing::info!(
        tenant.id = tenant_id.0,
        account.id = account_id.0,
        plan.id = plan.id,
        "created payment plan"
    );
    get_plan(tx, PaymentPlanId(plan.id))
}

/// Loads a plan with its instalments.
pub fn get_plan(tx: &mut Tx<'_>, id: PaymentPlanId) -> Result<PaymentPlan, StoreError> {
    let plan: PaymentPlanRow = payment_plans::table
        .find(id.0)
        .select(PaymentPlanRow::as_select())
        .first(tx.connection())
        .map_err(|error| tx.lookup_error("payment plan", id, error))?;
    let rows: Vec<InstalmentRow> = payment_plan_instalments::table
        .filter(payment_plan_instalments::plan_id.eq(id.0))
        .order(payment_plan_instalments::seq)
        .select(InstalmentRow::as_select())
        .load(tx.connection())
        .map_err(|error| tx.error(error))?;
    let instalments = rows
        .into_iter()
        .map(Instalment::try_from)
        .collect::<Result<Vec<_>, _>>()?;
    let invoices: Vec<i64> = payment_plan_invoices::table
        .filter(payment_plan_invoices::plan_id.eq(id.0))
        .order(payment_plan_invoices::invoice_id)
        .select(payment_plan_invoices::invoice_id)
        .load(tx.connection())
        .map_err(|error| tx.error(error))?;

    Ok(PaymentPlan {
        id,
        tenant_id: TenantId(plan.tenant_id),
        account_id: AccountId(plan.account_id),
        state: parse_column("payment_plans", "state", &plan.state)?,
        total: money_from_parts(
            "payment_plans",
            "currency",
            plan.total_minor,
            &plan.currency,
        )?,
        invoices: invoices.into_iter().map(InvoiceId).collect(),
        instalments,
        created_at: plan.created_at.0,
        updated_at: plan.updated_at.0,
    })
}

/// Records the invoices a plan covers. Recording an invoice twice keeps one row.
pub fn cover_invoices(
    tx: &mut Tx<'_>,
    tenant_id: TenantId,
    plan_id: PaymentPlanId,
    invoices: &[InvoiceId],
) -> Result<(), StoreError> {
    let rows: Vec<PlanInvoiceRow> = invoices
        .iter()
        .map(|invoice| PlanInvoiceRow {
            plan_id: plan_id.0,
            invoice_id: invoice.0,
            tenant_id: tenant_id.0,
        })
        .collect();
    if rows.is_empty() {
        return Ok(());
    }
    let backend = tx.backend();
    per_backend!(tx, |connection| {
        diesel::insert_into(payment_plan_invoices::table)
            .values(&rows)
            .on_conflict_do_nothing()
            .execute(connection)
    })
    .map_err(|error| StoreError::from_diesel(backend, error))?;
    Ok(())
}

/// Sets the state of a plan.
pub fn set_plan_state(
    tx: &mut Tx<'_>,
    id: PaymentPlanId,
    state: PlanState,
    now: DateTime<Utc>,
) -> Result<PaymentPlan, StoreError> {
    let changed = diesel::update(payment_plans::table.find(id.0))
        .set((
            payment_plans::state.eq(state.as_str()),
            payment_plans::updated_at.eq(Instant(now)),
        ))
        .reusable()
        .execute(tx.connection())
        .map_err(|error| tx.error(error))?;
    if changed == 0 {
        return Err(StoreError::not_found("payment plan", id));
    }
    get_plan(tx, id)
}

/// Marks an instalment paid at `at`, or unpaid with `None`.
pub fn set_instalment_paid(
    tx: &mut Tx<'_>,
    id: InstalmentId,
    at: Option<DateTime<Utc>>,
) -> Result<(), StoreError> {
    let changed = diesel::update(payment_plan_instalments::table.find(id.0))
        .set(payment_plan_instalments::paid_at.eq(at.map(Instant)))
        .reusable()
        .execute(tx.connection())
        .map_err(|error| tx.error(error))?;
    if changed == 0 {
        return Err(StoreError::not_found("instalment", id));
    }
    Ok(())
}

/// Lists the keys of an account's plans, oldest first; load each with [`get_plan`].
pub fn plans_for_account(
    tx: &mut Tx<'_>,
    account_id: AccountId,
) -> Result<Vec<PaymentPlanId>, StoreError> {
    let ids: Vec<i64> = per_backend!(tx, |connection| {
        payment_plans::table
            .filter(payment_plans::account_id.eq(account_id.0))
            .order(payment_plans::id)
            .select(payment_plans::id)
            .load(connection)
    })
    .map_err(|error| tx.error(error))?;
    Ok(ids.into_iter().map(PaymentPlanId).collect())
}

/// Lists the payment plans of many accounts as (account, plan) pairs, by plan key.
pub fn plans_for_accounts(
    tx: &mut Tx<'_>,
    account_ids: &[AccountId],
) -> Result<Vec<(AccountId, PaymentPlanId)>, StoreError> {
    // One key: the statement of a single account, so that its kept plan is the usual one.
    if let [account_id] = account_ids {
        let plans = plans_for_account(tx, *account_id)?;
        return Ok(plans.into_iter().map(|plan| (*account_id, plan)).collect());
    }
    let mut found = Vec::new();
    for chunk in account_ids.chunks(crate::store::KEYS_PER_QUERY) {
        let keys: Vec<i64> = chunk.iter().map(|id| id.0).collect();
        let pairs: Vec<(i64, i64)> = per_backend!(tx, |connection| {
            payment_plans::table
                .filter(crate::store::in_keys(payment_plans::account_id, &keys))
                .order(payment_plans::id)
                .select((payment_plans::account_id, payment_plans::id))
                .load(connection)
        })
        .map_err(|error| tx.error(error))?;
        found.extend(
            pairs
                .into_iter()
                .map(|(account, plan)| (AccountId(account), PaymentPlanId(plan))),
        );
    }
    found.sort_by_key(|(_, plan)| *plan);
    Ok(found)
}
