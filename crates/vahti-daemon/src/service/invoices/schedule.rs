//! The collection schedule shown with each invoice: the step it is at and when the scheduler
//! next acts on it.
//!
//! The planner works per account. To tell when one invoice is next acted on, it runs on the
//! account with only that invoice. The result respects the account's pause, contact interval
//! and send window, but not the grouping of several invoices into one message.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use vahti_domain::calendar::FinnishCalendar;
use vahti_domain::ids::InvoiceId;
use vahti_domain::planner::{self, AccountSnapshot};
use vahti_store::steps::{Step, StepState};

use crate::service::Loaded;

/// The phase of a step in an invoice's schedule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepPhase {
    /// Planned for `at`.
    Scheduled,
    /// Waiting for a person's approval.
    AwaitingApproval,
    /// In the outbox, or waiting for a person to send a letter or do a task.
    Queued,
    /// Delivered or done.
    Sent,
    /// Failed for good.
    Failed,
    /// Skipped by a person or by the catch-up rules.
    Skipped,
}

/// One step of an invoice's collection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScheduledStep {
    /// The step's key in the policy.
    pub key: String,
    /// The step's kind, as the policy names it, such as `reminder`.
    pub kind: String,
    /// The phase.
    pub phase: StepPhase,
    /// When the step was sent, skipped or failed, when it was queued or is planned.
    pub at: DateTime<Utc>,
}

/// An invoice's place in its collection policy.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InvoiceSchedule {
    /// The latest recorded step, or the first one while it is planned.
    pub current_step: Option<ScheduledStep>,
    /// When the scheduler next acts on the invoice: now when a step is due, `None` when nothing
    /// is planned.
    pub next_action_at: Option<DateTime<Utc>>,
}

/// Computes the schedule of every invoice of a loaded account, by invoice. Credit notes and invoices
/// the planner leaves alone get an empty or history-only schedule.
pub fn schedules(loaded: &Loaded) -> HashMap<InvoiceId, InvoiceSchedule> {
    let snapshot = loaded.planner_snapshot();
    let mut found = HashMap::with_capacity(loaded.invoices.len());
    for invoice in &snapshot.invoices {
        found.insert(invoice.id, planned(loaded, &snapshot, invoice));
    }
    for invoice in &loaded.invoices {
        found
            .entry(invoice.id)
            .or_insert_with(|| history_only(loaded, invoice.id));
    }
    found
}

/// Computes the schedule of one invoice of a loaded account, as [`schedules`] does for each,
/// without planning the account's other invoices.
pub fn schedule(loaded: &Loaded, id: InvoiceId) -> InvoiceSchedule {
    let snapshot = loaded.planner_snapshot();
    match snapshot.invoices.iter().find(|invoice| invoice.id == id) {
        Some(invoice) => planned(loaded, &snapshot, invoice),
        None => history_only(loaded, id),
    }
}

/// Computes the schedule of an invoice the planner considers, from a plan of the account with
/// only that invoice.
fn planned(
    loaded: &Loaded,
    snapshot: &AccountSnapshot,
    invoice: &planner::InvoiceSnapshot,
) -> InvoiceSchedule {
    let single = AccountSnapshot {
        account_id: snapshot.account_id,
        debtor_type: snapshot.debtor_type,
        business_time_zone: snapshot.business_time_zone,
        debtor_time_zone: snapshot.debtor_time_zone,
        can_email: snapshot.can_email,
        electronic_demand_consent_until: snapshot.electronic_demand_consent_until,
        last_contact_at: snapshot.last_contact_at,
        paused_until: snapshot.paused_until,
        invoices: vec![invoice.clone()],
    };
    let plan = planner::plan(
        &single,
        &loaded.context.policy,
        &FinnishCalendar,
        loaded.now,
    );
    let due = plan
        .messages
        .iter()
        .flat_map(|message| &message.steps)
        .find(|step| step.invoice == invoice.id);
    let next_action_at = if due.is_some() || !plan.skipped.is_empty() {
        Some(loaded.now)
    } else {
        plan.next_wake_up
    };

    let current_step = match (latest_step(loaded, invoice.id), due) {
        (Some(step), _) => Some(recorded(step)),
        (None, Some(step)) => Some(ScheduledStep {
            key: step.step_key.clone(),
            kind: step.kind.as_str().to_owned(),
            phase: StepPhase::Scheduled,
            at: step.due_at,
        }),
        (None, None) => next_action_at.and_then(|at| {
            loaded
                .context
                .policy
                .steps
                .first()
                .map(|step| ScheduledStep {
                    key: step.key.clone(),
                    kind: step.kind.as_str().to_owned(),
                    phase: StepPhase::Scheduled,
                    at,
                })
        }),
    };
    InvoiceSchedule {
        current_step,
        next_action_at,
    }
}

/// Returns the schedule of a document the planner leaves alone: its latest recorded step, if
/// any.
fn history_only(loaded: &Loaded, id: InvoiceId) -> InvoiceSchedule {
    InvoiceSchedule {
        current_step: latest_step(loaded, id).map(recorded),
        next_action_at: None,
    }
}

fn latest_step(loaded: &Loaded, id: InvoiceId) -> Option<&Step> {
    loaded
        .steps_of(id)
        .max_by_key(|step| (step.step_index, step.created_at, step.id))
}

fn recorded(step: &Step) -> ScheduledStep {
    let completed = step.executed_at.unwrap_or(step.updated_at);
    let (phase, at) = match step.state {
        StepState::PendingApproval => (StepPhase::AwaitingApproval, step.created_at),
        StepState::Queued => (StepPhase::Queued, step.created_at),
        StepState::Sent => (StepPhase::Sent, completed),
        StepState::Skipped => (StepPhase::Skipped, completed),
        StepState::Failed => (StepPhase::Failed, step.updated_at),
    };
    ScheduledStep {
        key: step.step_key.clone(),
        kind: step.step_kind.clone(),
        phase,
        at,
    }
}
