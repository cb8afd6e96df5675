//! Actions that wait for a person's approval before they are carried out.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use vahti_domain::Money;
use vahti_domain::ids::{AccountId, TenantId};

use crate::Tx;
use crate::convert::{from_json, money_from_parts, money_parts, parse_column, text_enum, to_json};
use crate::error::StoreError;
use crate::ids::PendingActionId;
use crate::reuse::ReuseExt;
use crate::rows::PendingActionRow;
use crate::schema::pending_actions;
use crate::sql_types::Instant;

text_enum! {
    /// The kind of a pending action.
    pub enum PendingKind {
        /// Send a message.
        Message => "message",
        /// Send a paper letter.
        Letter => "letter",
        /// A task for a person, such as calling the debtor.
        Task => "task",
    }
}

text_enum! {
    /// The state of a pending action.
    pub enum PendingState {
        /// Waiting for a decision.
        Pending => "pending",
        /// Approved; the daemon carries it out.
        Approved => "approved",
        /// Skipped by a person.
        Skipped => "skipped",
    }
}

/// An action to put up for approval.
#[derive(Debug, Clone, PartialEq)]
pub struct NewPendingAction {
    /// The account it concerns.
    pub account_id: AccountId,
    /// The kind of action.
    pub kind: PendingKind,
    /// The planned action as the planner produced it, as JSON.
    pub action: serde_json::Value,
}

/// A person's decision on a pending action.
#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    /// Approve or skip.
    pub approve: bool,
    /// An amount the person changed, such as a lower fee.
    pub edited_amount: Option<Money>,
    /// A text the person changed or added.
    pub edited_text: Option<String>,
    /// The user who decided, as the integrator names them.
    pub decided_by: String,
}

/// A stored pending action.
#[derive(Debug, Clone, PartialEq)]
pub struct PendingAction {
    /// The key.
    pub id: PendingActionId,
    /// The owning tenant.
    pub tenant_id: TenantId,
    /// The account it concerns.
    pub account_id: AccountId,
    /// The kind of action.
    pub kind: PendingKind,
    /// The planned action.
    pub action: serde_json::Value,
    /// The state.
    pub state: PendingState,
    /// The amount as edited by the person who decided.
    pub edited_amount: Option<Money>,
    /// The text as edited by the person who decided.
    pub edited_text: Option<String>,
    /// When it was decided.
    pub decided_at: Option<DateTime<Utc>>,
    /// The user who decided.
    pub decided_by: Option<String>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

impl TryFrom<PendingActionRow> for PendingAction {
    type Error = StoreError;

    fn try_from(row: PendingActionRow) -> Result<Self, StoreError> {
        let edited_amount = match (row.edited_amount_minor, row.edited_currency.as_deref()) {
            (Some(minor), Some(currency)) => Some(money_from_parts(
                "pending_actions",
                "edited_currency",
                minor,
                currency,
            )?),
            _ => None,
        };
        Ok(PendingAction {
            id: PendingActionId(row.id),
            tenant_id: TenantId(row.tenant_id),
            account_id: AccountId(row.account_id),
            kind: parse_column("pending_actions", "kind", &row.kind)?,
            action: from_json("pending_actions", "action", &row.action)?,
            state: parse_column("pending_actions", "state", &row.state)?,
            edited_amount,
            edited_text: row.edited_text,
            decided_at: row.decided_at.map(DateTime::from),
            decided_by: row.decided_by,
            created_at: row.created_at.0,
            updated_at: row.updated_at.0,
        })
    }
}

/// Puts an action up for approval.
pub fn create(
    tx: &mut Tx<'_>,
    tenant_id: TenantId,
    action: &NewPendingAction,
    now: DateTime<Utc>,
) -> Result<PendingAction, StoreError> {
    let text = to_json("action", &action.action)?;
    let row: PendingActionRow = diesel::insert_into(pending_actions::table)
        .values((
            pending_actions::tenant_id.eq(tenant_id.0),
            pending_actions::account_id.eq(action.account_id.0),
            pending_actions::kind.eq(action.kind.as_str()),
            pending_actions::action.eq(&text),
            pending_actions::state.eq(PendingState::Pending.as_str()),
            pending_actions::created_at.eq(Instant(now)),
            pending_actions::updated_at.eq(Instant(now)),
        ))
        .returning(pending_actions::all_columns)
        .get_result(tx.connection())
        .map_err(|error| tx.error(error))?;
    tracing::info!(
        tenant.id = tenant_id.0,
        account.id = action.account_id.0,
        pending.id = row.id,
        "created pending action"
    );
    PendingAction::try_from(row)
}

/// Records a decision on a pending action.
///
/// Fails with [`StoreError::Conflict`] on field `state` when the action was already decided.
pub fn decide(
    tx: &mut Tx<'_>,
    id: PendingActionId,
    decision: &Decision,
    now: DateTime<Utc>,
) -> Result<PendingAction, StoreError> {
    let edited = decision
        .edited_amount
        .as_ref()
        .map(|amount| money_parts("edited_amount", amount))
        .transpose()?;
    let state = if decision.approve {
        PendingState::Approved
    } else {
        PendingState::Skipped
    };

    let row: Option<PendingActionRow> = diesel::update(
        pending_actions::table
            .find(id.0)
            .filter(pending_actions::state.eq(PendingState::Pending.as_str())),
    )
    .set((
        pending_actions::state.eq(state.as_str()),
        pending_actions::edited_amount_minor.eq(edited.as_ref().map(|(minor, _)| *minor)),
        pending_actions::edited_currency.eq(edited.as_ref().map(|(_, currency)| currency.as_str())),
        pending_actions::edited_text.eq(decision.edited_text.as_deref()),
        pending_actions::decided_at.eq(Instant(now)),
        pending_actions::decided_by.eq(&decision.decided_by),
        pending_actions::updated_at.eq(Instant(now)),
    ))
    .returning(pending_actions::all_columns)
    .reusable()
    .get_result(tx.connection())
    .optional()
    .map_err(|error| tx.error(error))?;

    match row {
        Some(row) => PendingAction::try_from(row),
        None => {
            let current = get(tx, id)?;
            Err(StoreError::Conflict {
                field: "state".to_owned(),
                detail: format!("pending action {id} is already {}", current.state),
            })
        }
    }
}

/// Loads a pending action.
pub fn get(tx: &mut Tx<'_>, id: PendingActionId) -> Result<PendingAction, StoreError> {
    let row: PendingActionRow = pending_actions::table
        .find(id.0)
        .select(PendingActionRow::as_select())
        .first(tx.connection())
        .map_err(|error| tx.lookup_error("pending action", id, error))?;
    PendingAction::try_from(row)
}

/// Lists a tenant's actions in `state`, by key, after `after` and at most `limit`.
pub fn list(
    tx: &mut Tx<'_>,
    tenant_id: TenantId,
    state: PendingState,
    after: Option<PendingActionId>,
    limit: i64,
) -> Result<Vec<PendingAction>, StoreError> {
    let rows: Vec<PendingActionRow> = pending_actions::table
        .filter(pending_actions::tenant_id.eq(tenant_id.0))
        .filter(pending_actions::state.eq(state.as_str()))
        .filter(pending_actions::id.gt(after.map_or(0, |id| id.0)))
        .order(pending_actions::id)
        .limit(limit)
        .select(PendingActionRow::as_select())
        .load(tx.connection())
        .map_err(|error| tx.error(error))?;
    rows.into_iter().map(PendingAction::try_from).collect()
}

/// Lists an account's pending actions in every state, by key.
pub fn list_for_account(
    tx: &mut Tx<'_>,
    account_id: AccountId,
) -> Result<Vec<PendingAction>, StoreError> {
    let rows: Vec<PendingActionRow> = pending_actions::table
        .filter(pending_actions::account_id.eq(account_id.0))
        .order(pending_actions::id)
        .select(PendingActionRow::as_select())
        .load(tx.connection())
        .map_err(|error| tx.error(error))?;
    rows.into_iter().map(PendingAction::try_from).collect()
}
