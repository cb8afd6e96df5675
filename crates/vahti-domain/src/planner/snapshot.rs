//! The planner's input: what is known about one account at one instant.

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::ids::{AccountId, InvoiceId};
use crate::policy::FeeKind;
use crate::{Currency, DebtorType, Money};

/// One customer account with its invoices, as read at the start of a planning run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountSnapshot {
    /// The account.
    pub account_id: AccountId,
    /// Consumer or business.
    pub debtor_type: DebtorType,
    /// The zone in which calendar dates (due dates, "today") are read: the tenant's.
    pub business_time_zone: Tz,
    /// The zone of the debtor, in which the send window applies.
    pub debtor_time_zone: Tz,
    /// Whether the account has a valid email address. Without one, messages become letters.
    pub can_email: bool,
    /// The last day of the debtor's consent to receive formal demands electronically.
    pub electronic_demand_consent_until: Option<NaiveDate>,
    /// When a message last reached the debtor, manual ones included.
    pub last_contact_at: Option<DateTime<Utc>>,
    /// The last day of a pause on the whole account.
    pub paused_until: Option<NaiveDate>,
    /// The account's invoices; credit notes are folded into their amounts.
    pub invoices: Vec<InvoiceSnapshot>,
}

/// The state of an invoice as the planner sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InvoiceStatus {
    /// Not yet issued.
    Draft,
    /// Issued and not settled.
    Open,
    /// Paid in full.
    Paid,
    /// Cancelled by credit notes.
    Credited,
    /// The remaining balance was written off.
    WrittenOff,
    /// Cancelled before it was paid.
    Cancelled,
    /// Handed over to a collection agency.
    HandedOver,
}

/// One invoice with its balances and step history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvoiceSnapshot {
    /// The invoice.
    pub id: InvoiceId,
    /// Its status.
    pub status: InvoiceStatus,
    /// The invoiced amount after credit notes.
    pub original_amount: Money,
    /// The principal still unpaid.
    pub principal_outstanding: Money,
    /// Everything still unpaid: principal, claimed interest and fees.
    pub total_outstanding: Money,
    /// The day the invoice was sent to the debtor.
    pub sent_on: Option<NaiveDate>,
    /// The due date.
    pub due_date: Option<NaiveDate>,
    /// Whether the debtor disputes the invoice.
    pub disputed: bool,
    /// The last day of a pause on this invoice.
    pub paused_until: Option<NaiveDate>,
    /// The day by which the debtor promised to pay; escalation waits until the day after.
    pub promised_until: Option<NaiveDate>,
    /// Whether the invoice is part of an active payment plan.
    pub in_payment_plan: bool,
    /// The steps already recorded for this invoice, in any order.
    pub history: Vec<StepRecord>,
}

impl InvoiceSnapshot {
    /// The invoice's currency.
    pub fn currency(&self) -> Currency {
        self.original_amount.currency()
    }
}

/// One recorded step of an invoice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepRecord {
    /// The key of the policy step.
    pub step_key: String,
    /// Where the step stands.
    pub state: StepState,
    /// The fee the step charged, if any.
    pub fee: Option<FeeKind>,
}

/// Where a recorded step stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum StepState {
    /// Waiting for a person's approval.
    PendingApproval {
        /// When the step was planned.
        since: DateTime<Utc>,
    },
    /// Recorded and waiting for delivery, or an open task or letter.
    Queued {
        /// When the step was recorded.
        at: DateTime<Utc>,
    },
    /// Delivered, or the task or letter was done.
    Sent {
        /// When it was delivered.
        at: DateTime<Utc>,
    },
    /// Skipped on purpose, by a person or by catch-up.
    Skipped {
        /// When it was skipped.
        at: DateTime<Utc>,
    },
    /// Delivery failed for good; a person must retry or skip the step.
    Failed {
        /// When the failure was recorded.
        at: DateTime<Utc>,
    },
}

impl StepState {
    /// When the step was completed (sent or skipped), which later offsets count from.
    pub fn completed_at(self) -> Option<DateTime<Utc>> {
        match self {
            StepState::Sent { at } | StepState::Skipped { at } => Some(at),
            StepState::PendingApproval { .. }
            | StepState::Queued { .. }
            | StepState::Failed { .. } => None,
        }
    }

    /// Whether the step blocks later steps of the same invoice.
    pub fn blocks_escalation(self) -> bool {
        self.completed_at().is_none()
    }
}
