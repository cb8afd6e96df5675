//! Promises and payment plans that end by themselves, decided at the account's wake-up.

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use serde_json::json;
use vahti_api::EventType;
use vahti_domain::calendar::{local_date, resolve_local};
use vahti_store::Tx;
use vahti_store::holds::{self, PlanState, Promise, PromiseState};

use super::plans::plan_progress;
use super::promises::{promise_scope, promise_state_now};
use super::{add_days, paid_since};
use crate::error::ServiceResult;
use crate::service::Loaded;
use crate::service::events::emit;

/// Marks promises whose day has passed kept or broken, and active plans completed or broken,
/// with their events. Returns whether anything changed, in which case the caller loads the
/// account again.
pub fn settle_expired(tx: &mut Tx<'_>, loaded: &Loaded) -> ServiceResult<bool> {
    let tenant = loaded.context.tenant.id;
    let account_id = loaded.context.account.id;
    let now = loaded.now;
    let mut changed = false;

    for promise in holds::promises_for_account(tx, account_id)? {
        let state = promise_state_now(loaded, &promise);
        if state == promise.state {
            continue;
        }
        holds::set_promise_state(tx, promise.id, state, now)?;
        changed = true;
        if state == PromiseState::Broken {
            let scope = promise_scope(loaded, &promise);
            let since = local_date(promise.created_at, loaded.context.business_time_zone);
            let paid = paid_since(loaded, &scope, since, promise.amount.currency());
            emit(
                tx,
                tenant,
                EventType::PromiseBroken,
                Some(account_id),
                promise.invoice_id,
                json!({
                    "promise_id": promise.id,
                    "pay_by": promise.promised_on,
                    "amount": promise.amount.amount().to_string(),
                    "paid": paid.amount().to_string(),
                    "currency": promise.amount.currency().code(),
                }),
                now,
            )?;
        }
    }

    let grace = u64::from(loaded.context.policy.payment_protection_days);
    for plan in loaded
        .plans
        .iter()
        .filter(|plan| plan.state == PlanState::Active)
    {
        let progress = plan_progress(loaded, plan);
        for (instalment, view) in plan.instalments.iter().zip(&progress) {
            if view.covered && instalment.paid_at.is_none() {
                holds::set_instalment_paid(tx, instalment.id, Some(now))?;
                changed = true;
            }
        }

        if progress.iter().all(|view| view.covered) {
            holds::set_plan_state(tx, plan.id, PlanState::Completed, now)?;
            emit(
                tx,
                tenant,
                EventType::PaymentPlanCompleted,
                Some(account_id),
                None,
                json!({"plan_id": plan.id}),
                now,
            )?;
            changed = true;
            continue;
        }
        let missed = plan
            .instalments
            .iter()
            .zip(&progress)
            .find(|(instalment, view)| {
                !view.covered && add_days(instalment.due_on, grace) < loaded.today
            });
        if let Some((instalment, view)) = missed {
            holds::set_plan_state(tx, plan.id, PlanState::Broken, now)?;
            emit(
                tx,
                tenant,
                EventType::PaymentPlanBroken,
                Some(account_id),
                None,
                json!({
                    "plan_id": plan.id,
                    "instalment": instalment.seq,
                    "due_date": instalment.due_on,
                    "amount": instalment.amount.amount().to_string(),
                    "paid": view.paid.amount().to_string(),
                    "currency": instalment.amount.currency().code(),
                }),
                now,
            )?;
            changed = true;
        }
    }
    Ok(changed)
}

/// Returns the next instant at which [`settle_expired`] has something to decide, in the tenant's
/// time zone. For an open promise it is the start of the day after its day. For an active plan it
/// is the start of the day after its first unpaid instalment's due date and the policy's payment
/// protection days, or the start of today once every instalment is paid. The instant may have
/// passed, when the account was not woken since.
pub fn next_check_at(tx: &mut Tx<'_>, loaded: &Loaded) -> ServiceResult<Option<DateTime<Utc>>> {
    let promises = holds::promises_for_account(tx, loaded.context.account.id)?;
    Ok(next_check_with(loaded, &promises))
}

/// [`next_check_at`] with the account's promises already read in this transaction.
pub fn next_check_with(loaded: &Loaded, promises: &[Promise]) -> Option<DateTime<Utc>> {
    let zone = loaded.context.business_time_zone;
    let grace = u64::from(loaded.context.policy.payment_protection_days);
    let promises: Vec<NaiveDate> = promises
        .iter()
        .filter(|promise| promise.state == PromiseState::Open)
        .map(|promise| add_days(promise.promised_on, 1))
        .collect();
    let plans = loaded
        .plans
        .iter()
        .filter(|plan| plan.state == PlanState::Active)
        .map(|plan| {
            // A plan paid in full is settled at once; otherwise when its first unpaid
            // instalment is late by more than the payment protection days.
            plan.instalments
                .iter()
                .zip(plan_progress(loaded, plan))
                .find(|(_, view)| !view.covered)
                .map_or(loaded.today, |(instalment, _)| {
                    add_days(instalment.due_on, grace.saturating_add(1))
                })
        });
    promises
        .into_iter()
        .chain(plans)
        .min()
        .map(|day| resolve_local(zone, day, NaiveTime::MIN))
}
