//! The escalation planner: a pure function from an account snapshot, its policy, a banking
//! calendar and the current instant to the steps due now and the next wake-up instant.
//!
//! The planner reads nothing but its arguments, so running it twice on the same input gives the
//! same plan. The caller records the plan (step history, fees, contact time) in one transaction
//! and runs the planner again whenever the account changes.
//!
//! Guarantees, each covered by tests:
//! - no step for an invoice that is not open (paid, credited, written off, cancelled, a draft or
//!   handed over), that is disputed, paused, under a promise to pay or a payment plan, that has
//!   no due date, or that is not yet overdue (the due date itself is not overdue);
//! - steps run in policy order: the next step of an invoice is the one after the highest step in
//!   its history, never an earlier one, and never a step already in the history;
//! - no step while an earlier step of the invoice awaits approval, is queued for delivery or
//!   failed: escalation never advances past an undelivered step;
//! - a step due at instant `T` is due when `now >= T`;
//! - the next wake-up is the earliest instant after `now` at which a step becomes due, computed
//!   from the snapshot alone.

mod schedule;
mod snapshot;

#[cfg(test)]
mod tests;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::calendar::BankingCalendar;
use crate::ids::InvoiceId;
use crate::policy::{FeeKind, StepInterest, StepKind, ValidatedPolicy};
use crate::{Currency, Money};

pub use snapshot::{AccountSnapshot, InvoiceSnapshot, InvoiceStatus, StepRecord, StepState};

/// How a planned message reaches the debtor, or what a person has to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// An email to the debtor.
    Email,
    /// A paper letter that a person sends, because the debtor has no valid email address or has
    /// not consented to electronic formal demands.
    Letter,
    /// A task for a person that sends nothing to the debtor.
    Task,
}

impl Channel {
    /// Whether this channel contacts the debtor, and so counts for the minimum contact interval.
    pub fn contacts_debtor(self) -> bool {
        matches!(self, Channel::Email | Channel::Letter)
    }
}

/// A fee the planner decided to charge with a step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlannedFee {
    /// The legal nature of the fee.
    pub kind: FeeKind,
    /// The amount, rounded to the invoice currency's minor unit.
    pub amount: Money,
}

/// Why the policy's fee for a step is not charged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FeeWaiver {
    /// A consumer invoice was sent less than 14 days before its due date, or its sending date is
    /// unknown, so no reminder fee may be charged (Debt Collection Act).
    InvoiceSentLate,
    /// The invoice already carries the policy's maximum number of fee-bearing steps.
    MaxFeeRemindersReached,
    /// The standard compensation was already charged on this invoice.
    CompensationAlreadyCharged,
}

/// One step of one invoice that runs now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlannedStep {
    /// The invoice.
    pub invoice: InvoiceId,
    /// The step's position in the policy.
    pub step_index: usize,
    /// The step's key.
    pub step_key: String,
    /// The step's kind.
    pub kind: StepKind,
    /// The instant at which the step became due.
    pub due_at: DateTime<Utc>,
    /// The fee charged with the step, if any.
    pub fee: Option<PlannedFee>,
    /// Why the policy's fee is not charged, when it is not.
    pub fee_waiver: Option<FeeWaiver>,
    /// How the step treats penalty interest.
    pub interest: StepInterest,
}

/// One message (or task) that runs now, covering one or more invoice steps.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlannedMessage {
    /// How it reaches the debtor.
    pub channel: Channel,
    /// The most advanced step kind among its steps, which picks the template.
    pub kind: StepKind,
    /// The template id of that step.
    pub template: String,
    /// The currency of every invoice in the message.
    pub currency: Currency,
    /// Whether a person must approve the message before it is sent.
    pub requires_approval: bool,
    /// The steps that run with this message.
    pub steps: Vec<PlannedStep>,
    /// Every invoice the message lists: the invoices of its steps and, when the policy groups
    /// per account, the account's other overdue invoices in the same currency.
    pub listed_invoices: Vec<InvoiceId>,
    /// The new due date printed on the message, a banking day.
    pub new_due_date: NaiveDate,
}

/// Why a step was skipped instead of run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SkipReason {
    /// The step was missed during downtime and the policy jumps to the latest due step.
    CatchUp,
    /// A hand-over whose legal preconditions do not hold: for a consumer, no reminder was sent.
    HandoverPreconditions,
}

/// A step the planner skipped, to be recorded with an audit event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SkippedStep {
    /// The invoice.
    pub invoice: InvoiceId,
    /// The step's position in the policy.
    pub step_index: usize,
    /// The step's key.
    pub step_key: String,
    /// When the step was due.
    pub due_at: DateTime<Utc>,
    /// Why it was skipped.
    pub reason: SkipReason,
}

/// The outcome of planning one account.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Plan {
    /// Messages and tasks that run now.
    pub messages: Vec<PlannedMessage>,
    /// Steps skipped now.
    pub skipped: Vec<SkippedStep>,
    /// The earliest instant after `now` at which another step becomes due, if any.
    pub next_wake_up: Option<DateTime<Utc>>,
    /// Invoices that cannot be planned because their dates lie outside the banking calendar's
    /// supported years; the caller reports them.
    pub unplannable: Vec<InvoiceId>,
}

impl Plan {
    /// Whether the plan has nothing to do now.
    pub fn is_idle(&self) -> bool {
        self.messages.is_empty() && self.skipped.is_empty()
    }
}

/// Plans the account at `now`.
pub fn plan(
    account: &AccountSnapshot,
    policy: &ValidatedPolicy,
    calendar: &dyn BankingCalendar,
    now: DateTime<Utc>,
) -> Plan {
    schedule::Planner::new(account, policy, calendar, now).run()
}
