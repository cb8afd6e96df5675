//! Pending actions of guided mode: what a waiting step would send, and a person's decision on it.
//!
//! The steps of a pending action are in one of two situations:
//! - The steps await approval (`pending_approval`), because the policy step requires it.
//!   Approving carries the step out as the scheduler would have ([`execute`]): fees are charged,
//!   possibly lowered, and an email is queued, or a letter or task is created as a new pending
//!   action.
//! - The steps are queued as a letter to post or a task to do, or their email failed for good.
//!   Approving records the work as done: the steps become sent and, for a letter, the account's
//!   last contact is now.
//!
//! Before an approval is carried out, each invoice is checked again. Steps of invoices that were
//! paid, disputed, paused, promised or put in a plan meanwhile are skipped with the reason, and
//! when no step remains the whole action is skipped.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde_json::json;
use vahti_api::EventType;
use vahti_domain::calendar::FinnishCalendar;
use vahti_domain::ids::{AccountId, InvoiceId, TenantId};
use vahti_domain::planner::Channel;
use vahti_domain::policy::StepKind;
use vahti_domain::{Currency, Money};
use vahti_mail::overrides::FreeParagraph;
use vahti_store::accounts::{self, AccountState};
use vahti_store::claims;
use vahti_store::ids::{PendingActionId, StepId};
use vahti_store::pending::{self, Decision, PendingAction, PendingKind, PendingState};
use vahti_store::steps::{self, StepState};
use vahti_store::{StoreError, Tx};

use super::Loaded;
use super::events::emit;
use super::holds::{self, Changed};
use super::wake::{Edits, PendingPayload, PendingStep, execute};
use crate::error::{ServiceError, ServiceResult};

/// The reason recorded when an approved action is skipped because none of its invoices is due.
const NOTHING_DUE: &str = "no invoice of the action was still due at approval";

/// One invoice of a pending action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingInvoiceView {
    /// External id of the invoice.
    pub invoice: String,
    /// Key of the invoice's step in the action.
    pub step: String,
    /// The amount the invoice owes before the step's fee, interest to date included.
    pub outstanding: Money,
    /// The step's fee on the invoice; zero without one.
    pub fee: Money,
}

/// A pending action described for the person who decides on it.
#[derive(Debug, Clone)]
pub struct PendingView {
    /// The stored action.
    pub action: PendingAction,
    /// External id of the account.
    pub account: String,
    /// The kind of the step; a failed delivery shows the kind of the step that failed.
    pub step_kind: StepKind,
    /// The invoices of the action's steps.
    pub invoices: Vec<PendingInvoiceView>,
    /// The amounts the debtor is asked to pay, one per currency, fees included. They cover every
    /// invoice the message lists, which with per-account grouping includes overdue invoices whose
    /// own step is not due.
    pub totals: Vec<Money>,
}

/// The content of a pending action.
#[derive(Debug, Clone)]
enum Body {
    /// A message, letter or task that the planner produced.
    Planned(Box<PendingPayload>),
    /// An email that failed for good, for a person to deliver another way.
    DeliveryFailed(Vec<PendingStep>),
}

fn body_of(action: &PendingAction) -> ServiceResult<Body> {
    if let Ok(payload) = serde_json::from_value::<PendingPayload>(action.action.clone()) {
        return Ok(Body::Planned(Box::new(payload)));
    }
    if action
        .action
        .get("task")
        .and_then(serde_json::Value::as_str)
        == Some("delivery_failed")
    {
        let held = action
            .action
            .get("steps")
            .cloned()
            .map(serde_json::from_value::<Vec<PendingStep>>)
            .transpose()
            .ok()
            .flatten()
            .unwrap_or_default();
        return Ok(Body::DeliveryFailed(held));
    }
    Err(ServiceError::internal(format!(
        "pending action {} has an unreadable body",
        action.id
    )))
}

impl Body {
    fn held(&self) -> &[PendingStep] {
        match self {
            Body::Planned(payload) => &payload.steps,
            Body::DeliveryFailed(held) => held,
        }
    }
}

/// Loads a pending action of the tenant, or a 404 `pending_action_not_found`.
pub fn find(
    tx: &mut Tx<'_>,
    tenant: TenantId,
    id: PendingActionId,
) -> ServiceResult<PendingAction> {
    match pending::get(tx, id) {
        Ok(action) if action.tenant_id == tenant => Ok(action),
        Ok(_) | Err(StoreError::NotFound { .. }) => Err(ServiceError::not_found(
            "pending_action_not_found",
            format!("pending action {id} not found; list them with GET /v1/pending"),
        )),
        Err(other) => Err(other.into()),
    }
}

/// Describes a pending action from the account's ledger as of now.
pub fn view(tx: &mut Tx<'_>, loaded: &Loaded, action: PendingAction) -> ServiceResult<PendingView> {
    let body = body_of(&action)?;
    let mut invoices = Vec::new();
    let mut pending_fees: Vec<Money> = Vec::new();
    let listed: Vec<InvoiceId>;
    let step_kind;

    match &body {
        Body::Planned(payload) => {
            step_kind = payload.message.kind;
            listed = payload.message.listed_invoices.clone();
            for planned in &payload.message.steps {
                let Some(balance) = loaded.balance(planned.invoice) else {
                    continue;
                };
                let currency = balance.currency;
                let held = payload
                    .steps
                    .iter()
                    .find(|held| held.invoice == planned.invoice);
                let awaiting = match held {
                    Some(held) => steps::get(tx, held.step_id)?.state == StepState::PendingApproval,
                    None => false,
                };
                let (outstanding, fee) = if awaiting {
                    let fee = planned
                        .fee
                        .as_ref()
                        .map_or(Money::from_minor_units(0, currency), |fee| fee.amount);
                    pending_fees.push(fee);
                    (balance.total_outstanding, fee)
                } else {
                    let fee = held.map_or(Money::from_minor_units(0, currency), |held| {
                        charged_fee(loaded, held.step_id, currency)
                    });
                    (
                        balance
                            .total_outstanding
                            .checked_sub(fee)
                            .unwrap_or(balance.total_outstanding),
                        fee,
                    )
                };
                invoices.push(PendingInvoiceView {
                    invoice: holds::external_id_of(loaded, planned.invoice),
                    step: planned.step_key.clone(),
                    outstanding,
                    fee,
                });
            }
        }
        Body::DeliveryFailed(held) => {
            let mut kind = StepKind::ManualTask;
            for step in held {
                let stored = steps::get(tx, step.step_id)?;
                kind = parse_step_kind(&stored.step_kind).unwrap_or(kind);
                let Some(balance) = loaded.balance(step.invoice) else {
                    continue;
                };
                let fee = charged_fee(loaded, step.step_id, balance.currency);
                invoices.push(PendingInvoiceView {
                    invoice: holds::external_id_of(loaded, step.invoice),
                    step: stored.step_key,
                    outstanding: balance
                        .total_outstanding
                        .checked_sub(fee)
                        .unwrap_or(balance.total_outstanding),
                    fee,
                });
            }
            step_kind = kind;
            listed = held.iter().map(|step| step.invoice).collect();
        }
    }

    let owed = listed
        .iter()
        .filter_map(|invoice| loaded.balance(*invoice))
        .map(|balance| balance.total_outstanding)
        .filter(Money::is_positive);
    let mut totals: BTreeMap<Currency, Decimal> = BTreeMap::new();
    for amount in owed.chain(pending_fees) {
        let entry = totals.entry(amount.currency()).or_default();
        *entry = entry.saturating_add(amount.amount());
    }

    Ok(PendingView {
        account: loaded.context.account.external_id.clone(),
        step_kind,
        invoices,
        totals: totals
            .into_iter()
            .map(|(currency, amount)| Money::new(amount, currency))
            .collect(),
        action,
    })
}

fn charged_fee(loaded: &Loaded, step: StepId, currency: Currency) -> Money {
    let charged = loaded
        .fees
        .iter()
        .filter(|fee| fee.step_id == Some(step) && fee.waived_at.is_none())
        .map(|fee| fee.amount);
    Money::sum(currency, charged).unwrap_or_else(|_| Money::from_minor_units(0, currency))
}

fn parse_step_kind(text: &str) -> Option<StepKind> {
    serde_json::from_value(serde_json::Value::String(text.to_owned())).ok()
}

/// A filter of pending actions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListFilter {
    /// Only actions in this state.
    pub state: PendingState,
    /// Only actions of this account.
    pub account: Option<AccountId>,
    /// Only actions with a key above this one.
    pub after: Option<PendingActionId>,
    /// At most this many actions.
    pub limit: usize,
}

/// Lists the tenant's pending actions by key, each described from its account's ledger.
pub fn list(
    tx: &mut Tx<'_>,
    tenant: TenantId,
    filter: ListFilter,
    now: DateTime<Utc>,
) -> ServiceResult<Vec<PendingView>> {
    let limit = i64::try_from(filter.limit).unwrap_or(i64::MAX);
    let actions: Vec<PendingAction> = match filter.account {
        Some(account) => pending::list_for_account(tx, account)?
            .into_iter()
            .filter(|action| action.tenant_id == tenant && action.state == filter.state)
            .filter(|action| filter.after.is_none_or(|after| action.id > after))
            .take(filter.limit)
            .collect(),
        None => pending::list(tx, tenant, filter.state, filter.after, limit)?,
    };

    let mut accounts: BTreeMap<AccountId, Loaded> = BTreeMap::new();
    let mut views = Vec::with_capacity(actions.len());
    for action in actions {
        let account = action.account_id;
        let loaded = match accounts.entry(account) {
            std::collections::btree_map::Entry::Occupied(entry) => entry.into_mut(),
            std::collections::btree_map::Entry::Vacant(entry) => {
                entry.insert(Loaded::load(tx, account, now)?)
            }
        };
        views.push(view(tx, loaded, action)?);
    }
    Ok(views)
}

/// Reads one pending action of the tenant.
pub fn get(
    tx: &mut Tx<'_>,
    tenant: TenantId,
    id: PendingActionId,
    now: DateTime<Utc>,
) -> ServiceResult<PendingView> {
    let action = find(tx, tenant, id)?;
    let loaded = Loaded::load(tx, action.account_id, now)?;
    view(tx, &loaded, action)
}

/// A person's approval, with the changes they made.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Approval {
    /// New fees per invoice external id; each may only lower the planned fee.
    pub fees: Vec<(String, Decimal)>,
    /// A paragraph added to the email to the debtor.
    pub free_text: Option<String>,
    /// A note for the audit log.
    pub note: Option<String>,
    /// The decider: the API token used, such as `token:7`.
    pub decided_by: String,
}

/// Approves a pending action; see the module documentation for what approval does.
pub fn approve(
    tx: &mut Tx<'_>,
    tenant: TenantId,
    id: PendingActionId,
    approval: &Approval,
    now: DateTime<Utc>,
) -> ServiceResult<Changed<PendingView>> {
    let action = open_action(tx, tenant, id)?;
    let note = holds::optional_text("note", approval.note.as_deref())?;
    let loaded = Loaded::load(tx, action.account_id, now)?;
    let body = body_of(&action)?;

    let mut awaiting = true;
    for held in body.held() {
        awaiting &= steps::get(tx, held.step_id)?.state == StepState::PendingApproval;
    }
    let email =
        matches!(&body, Body::Planned(payload) if payload.message.channel == Channel::Email);
    let free_text = match &approval.free_text {
        Some(_) if !(awaiting && email) => {
            return Err(ServiceError::unprocessable(
                "value_invalid",
                Some("free_text".to_owned()),
                "free_text is added to an email to the debtor, and this action sends no email; leave it out",
            ));
        }
        Some(text) => Some(
            FreeParagraph::parse(text)
                .map_err(|error| {
                    ServiceError::unprocessable(
                        "value_invalid",
                        Some("free_text".to_owned()),
                        error.to_string(),
                    )
                })?
                .as_str()
                .to_owned(),
        ),
        None => None,
    };

    let mut email_queued = false;
    let decision_approves = match (&body, awaiting) {
        (Body::Planned(payload), true) => {
            let fees = fee_edits(&loaded, payload, &approval.fees)?;
            let carried = carry_out(tx, &loaded, payload, fees, free_text, now)?;
            email_queued = carried && email;
            carried
        }
        (_, false) | (Body::DeliveryFailed(_), true) => {
            if !approval.fees.is_empty() {
                return Err(ServiceError::unprocessable(
                    "value_invalid",
                    Some("fee_amounts".to_owned()),
                    "the fees of this action were charged when its step ran, so they cannot change now; leave fee_amounts out",
                ));
            }
            mark_done(tx, &loaded, &action, &body, now)?;
            true
        }
    };

    let decision = Decision {
        approve: decision_approves,
        edited_amount: None,
        edited_text: if decision_approves {
            note
        } else {
            Some(NOTHING_DUE.to_owned())
        },
        decided_by: approval.decided_by.clone(),
    };
    let decided = pending::decide(tx, id, &decision, now)?;
    let steps: Vec<StepId> = body.held().iter().map(|held| held.step_id).collect();
    if decision_approves {
        emit(
            tx,
            tenant,
            EventType::ActionApproved,
            Some(action.account_id),
            None,
            json!({
                "pending_action": id,
                "steps": steps,
                "fee_amounts": approval.fees.iter().map(|(invoice, amount)| json!({"invoice": invoice, "amount": amount.to_string()})).collect::<Vec<_>>(),
            }),
            now,
        )?;
    } else {
        emit(
            tx,
            tenant,
            EventType::ActionSkipped,
            Some(action.account_id),
            None,
            json!({"pending_action": id, "steps": steps, "reason": NOTHING_DUE}),
            now,
        )?;
    }

    let after = Loaded::load(tx, action.account_id, now)?;
    let described = view(tx, &after, decided)?;
    holds::finish(tx, &after, described, email_queued)
}

/// Skips a pending action: its steps are recorded as skipped with the reason, and fees already
/// charged for them are waived. The next step of the policy follows when it falls due.
pub fn skip(
    tx: &mut Tx<'_>,
    tenant: TenantId,
    id: PendingActionId,
    reason: &str,
    decided_by: &str,
    now: DateTime<Utc>,
) -> ServiceResult<Changed<PendingView>> {
    let reason = holds::required_text("reason", reason)?;
    let action = open_action(tx, tenant, id)?;
    let loaded = Loaded::load(tx, action.account_id, now)?;
    let body = body_of(&action)?;

    for held in body.held() {
        skip_step(
            tx,
            &loaded,
            held,
            &format!("skipped by a person: {reason}"),
            "skipped by a person",
        )?;
    }
    let decided = pending::decide(
        tx,
        id,
        &Decision {
            approve: false,
            edited_amount: None,
            edited_text: Some(reason),
            decided_by: decided_by.to_owned(),
        },
        now,
    )?;
    emit(
        tx,
        tenant,
        EventType::ActionSkipped,
        Some(action.account_id),
        None,
        json!({"pending_action": id, "steps": body.held().iter().map(|held| held.step_id).collect::<Vec<_>>()}),
        now,
    )?;

    let after = Loaded::load(tx, action.account_id, now)?;
    let described = view(tx, &after, decided)?;
    holds::finish(tx, &after, described, false)
}

fn open_action(
    tx: &mut Tx<'_>,
    tenant: TenantId,
    id: PendingActionId,
) -> ServiceResult<PendingAction> {
    let action = find(tx, tenant, id)?;
    if action.state != PendingState::Pending {
        return Err(ServiceError::conflict(
            "pending_action_closed",
            None,
            format!("pending action {id} is already {}", action.state),
        ));
    }
    Ok(action)
}

/// Checks the fee changes of an approval against the planned fees.
fn fee_edits(
    loaded: &Loaded,
    payload: &PendingPayload,
    requested: &[(String, Decimal)],
) -> ServiceResult<Vec<(InvoiceId, Money)>> {
    let mut edits = Vec::with_capacity(requested.len());
    for (index, (external_id, amount)) in requested.iter().enumerate() {
        let field = format!("fee_amounts.{index}");
        let planned = payload
            .message
            .steps
            .iter()
            .find(|step| holds::external_id_of(loaded, step.invoice) == *external_id)
            .ok_or_else(|| {
                ServiceError::unprocessable(
                    "value_invalid",
                    Some(format!("{field}.invoice")),
                    format!("invoice {external_id:?} is not one of the action's invoices"),
                )
            })?;
        let currency = loaded
            .invoice(planned.invoice)
            .map(|invoice| invoice.amount.currency())
            .ok_or_else(|| {
                ServiceError::internal(format!(
                    "invoice {} of the action is missing from the account",
                    planned.invoice
                ))
            })?;
        let lowered = Money::new(*amount, currency);
        if lowered.is_negative() {
            return Err(ServiceError::unprocessable(
                "value_invalid",
                Some(format!("{field}.amount")),
                format!("fee {amount} is negative; use zero to charge no fee"),
            ));
        }
        if !lowered.is_rounded() {
            return Err(ServiceError::unprocessable(
                "amount_too_many_decimals",
                Some(format!("{field}.amount")),
                format!(
                    "fee {amount} has more decimals than {} allows",
                    currency.code()
                ),
            ));
        }
        let proposed = planned
            .fee
            .as_ref()
            .map_or(Money::from_minor_units(0, currency), |fee| fee.amount);
        if lowered.amount() > proposed.amount() {
            return Err(ServiceError::unprocessable(
                "fee_above_proposed",
                Some(format!("{field}.amount")),
                format!(
                    "fee {amount} {} for invoice {external_id:?} is above the planned {} {}; a fee may only be lowered",
                    currency.code(),
                    proposed.amount(),
                    currency.code()
                ),
            ));
        }
        edits.push((planned.invoice, lowered));
    }
    Ok(edits)
}

/// Carries out an approved step after checking each invoice again. Returns false when no
/// invoice is still due, after skipping every step.
fn carry_out(
    tx: &mut Tx<'_>,
    loaded: &Loaded,
    payload: &PendingPayload,
    fees: Vec<(InvoiceId, Money)>,
    free_text: Option<String>,
    now: DateTime<Utc>,
) -> ServiceResult<bool> {
    let mut kept: Vec<PendingStep> = Vec::new();
    for held in &payload.steps {
        let reason = loaded
            .invoice(held.invoice)
            .map_or(Some("the invoice no longer exists".to_owned()), |invoice| {
                holds::hold_reason(loaded, invoice)
            });
        match reason {
            Some(reason) => skip_step(
                tx,
                loaded,
                held,
                &format!("skipped at approval: {reason}"),
                "the invoice was no longer due at approval",
            )?,
            None => kept.push(held.clone()),
        }
    }
    if kept.is_empty() {
        return Ok(false);
    }

    for held in &kept {
        steps::update_state(tx, held.step_id, StepState::Queued, None, None, None, now)?;
    }
    let mut message = payload.message.clone();
    message
        .steps
        .retain(|step| kept.iter().any(|held| held.invoice == step.invoice));
    message.listed_invoices.retain(|invoice| {
        kept.iter().any(|held| held.invoice == *invoice)
            || loaded
                .invoice(*invoice)
                .is_some_and(|listed| holds::hold_reason(loaded, listed).is_none())
    });
    let not_before = loaded
        .context
        .policy
        .send_window
        .next_open_at_or_after(now, loaded.context.debtor_time_zone, &FinnishCalendar)
        .unwrap_or(now);
    let edits = Edits {
        fees: fees
            .into_iter()
            .filter(|(invoice, _)| kept.iter().any(|held| held.invoice == *invoice))
            .collect(),
        free_text,
        not_before: Some(not_before),
    };
    execute(tx, loaded.context.account.id, &message, &kept, &edits, now)?;
    Ok(true)
}

/// Records a letter, task or failed delivery as done by a person: its steps become sent, and
/// for a letter the account's last contact is now.
fn mark_done(
    tx: &mut Tx<'_>,
    loaded: &Loaded,
    action: &PendingAction,
    body: &Body,
    now: DateTime<Utc>,
) -> ServiceResult<()> {
    let tenant = loaded.context.tenant.id;
    let account_id = loaded.context.account.id;
    for held in body.held() {
        let current = steps::get(tx, held.step_id)?;
        if matches!(current.state, StepState::Sent | StepState::Skipped) {
            continue;
        }
        steps::update_state(
            tx,
            held.step_id,
            StepState::Sent,
            None,
            None,
            Some(now),
            now,
        )?;
        emit(
            tx,
            tenant,
            EventType::StepSent,
            Some(account_id),
            Some(held.invoice),
            json!({"step_id": held.step_id, "pending_action": action.id, "step_kind": current.step_kind}),
            now,
        )?;
    }

    let contacted = action.kind == PendingKind::Letter || matches!(body, Body::DeliveryFailed(_));
    if contacted {
        let account = accounts::get(tx, account_id)?;
        accounts::update_state(
            tx,
            account_id,
            account.version,
            &AccountState {
                paused_until: account.paused_until,
                pause_reason: account.pause_reason.clone(),
                last_contact_at: Some(now),
            },
            now,
        )?;
    }
    Ok(())
}

/// Records one step as skipped, waives the fees it charged, and records the events. `detail` is
/// kept in the step history; `event_reason` goes into the event and carries no free text.
fn skip_step(
    tx: &mut Tx<'_>,
    loaded: &Loaded,
    held: &PendingStep,
    detail: &str,
    event_reason: &str,
) -> ServiceResult<()> {
    let tenant = loaded.context.tenant.id;
    let account_id = loaded.context.account.id;
    let current = steps::get(tx, held.step_id)?;
    if matches!(current.state, StepState::Sent | StepState::Skipped) {
        return Ok(());
    }
    steps::update_state(
        tx,
        held.step_id,
        StepState::Skipped,
        Some(detail),
        None,
        Some(loaded.now),
        loaded.now,
    )?;
    for fee in loaded
        .fees
        .iter()
        .filter(|fee| fee.step_id == Some(held.step_id) && fee.waived_at.is_none())
    {
        claims::waive_fee(tx, fee.id, loaded.now)?;
        emit(
            tx,
            tenant,
            EventType::FeeWaived,
            Some(account_id),
            Some(held.invoice),
            json!({"fee_id": fee.id, "reason": "its step was skipped"}),
            loaded.now,
        )?;
    }
    emit(
        tx,
        tenant,
        EventType::StepSkipped,
        Some(account_id),
        Some(held.invoice),
        json!({"step": current.step_key, "step_id": held.step_id, "reason": event_reason}),
        loaded.now,
    )?;
    Ok(())
}
