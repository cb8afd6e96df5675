//! Collection policies: the ordered steps that escalate an overdue invoice, and the settings that
//! govern when and how they run.
//!
//! A policy is written for one debtor type and is checked against that type's legal rules when it
//! is saved ([`Policy::validate`]), so that a policy that would break the consumer rules is
//! rejected before it ever runs. The planner only accepts a [`ValidatedPolicy`].

mod defaults;
mod self_service;
mod validate;

use std::collections::BTreeMap;
use std::ops::Deref;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::calendar::SendWindow;
use crate::error::ErrorCode;
use crate::{Currency, DebtorType};

pub use self_service::{
    MAX_PLAN_INSTALMENTS, MAX_SELF_SERVICE_DAYS, PlanLimits, SelfServiceApproval,
    SelfServiceSettings,
};
pub use validate::{PolicyReport, PolicyViolation};

/// A collection policy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    /// A human-readable name, such as "Consumer standard".
    pub name: String,

    /// The debtor type whose legal rules the policy follows.
    pub debtor_type: DebtorType,

    /// The steps in the order they run.
    pub steps: Vec<Step>,

    /// Smallest outstanding amount per currency that is worth a message. An invoice below it is
    /// left alone. A currency missing here has no minimum.
    #[serde(default)]
    pub min_overdue_amount: BTreeMap<Currency, Decimal>,

    /// Minimum number of days between any two messages to the same debtor, manual ones included.
    #[serde(default = "defaults::min_contact_interval_days")]
    pub min_contact_interval_days: u32,

    /// When messages may be sent, in the debtor's time zone.
    #[serde(default)]
    pub send_window: SendWindow,

    /// The handling of steps missed during downtime.
    #[serde(default)]
    pub catch_up: CatchUp,

    /// Maximum number of fee-bearing steps per invoice.
    #[serde(default = "defaults::max_fee_reminders")]
    pub max_fee_reminders: u32,

    /// Whether one message lists all overdue invoices of an account or each invoice gets its own.
    #[serde(default)]
    pub grouping: Grouping,

    /// The order in which a payment settles the parts of an invoice. Consumer debts must use
    /// principal, interest, costs; for business debts the default is costs, interest, principal.
    #[serde(default)]
    pub allocation_order: Option<AllocationOrder>,

    /// A fee is waived when the invoice was paid in full at least this many days before the
    /// message that charged it was sent, because bank files can arrive late.
    #[serde(default = "defaults::payment_protection_days")]
    pub payment_protection_days: u32,

    /// Penalty interest settings.
    #[serde(default)]
    pub interest: InterestSettings,

    /// Whether a business debt may be charged both the standard compensation and reminder fees.
    /// How the two combine is not settled in law, so the default is to charge only one of them.
    #[serde(default)]
    pub allow_compensation_with_fees: bool,

    /// What the debtor may do on the self-service page linked from every message.
    #[serde(default)]
    pub self_service: SelfServiceSettings,
}

/// One escalation step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    /// A key unique within the policy, such as `reminder`. Step history refers to steps by key,
    /// so renaming a key makes the step look new to invoices that already passed it.
    pub key: String,

    /// The step's kind.
    pub kind: StepKind,

    /// Days after [`Step::offset_from`] at which the step becomes due.
    pub offset_days: u32,

    /// The start of the offset.
    pub offset_from: OffsetBase,

    /// A fee charged when the step runs.
    #[serde(default)]
    pub fee: Option<FeeSpec>,

    /// Whether penalty interest is shown or charged with this step.
    #[serde(default)]
    pub interest: StepInterest,

    /// Days from sending to the new due date printed on the message. The date moves to the next
    /// banking day when it falls on a holiday or weekend.
    pub payment_period_days: u32,

    /// Whether the step runs on its own or waits for a person's approval.
    #[serde(default)]
    pub approval: Approval,

    /// The template id; when absent, the default template of the step kind.
    #[serde(default)]
    pub template: Option<String>,
}

/// The kind of a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepKind {
    /// A polite note that the invoice is overdue; never carries a fee.
    FriendlyReminder,
    /// A payment reminder, which may carry a fee and penalty interest.
    Reminder,
    /// The last reminder before collection.
    FinalDemand,
    /// Hand-over to a collection agency; sends the debtor a notice.
    CollectionHandover,
    /// A task for a person, such as a phone call; sends nothing.
    ManualTask,
}

impl StepKind {
    /// The lower-case name used in the API, the database and template ids.
    pub fn as_str(self) -> &'static str {
        match self {
            StepKind::FriendlyReminder => "friendly_reminder",
            StepKind::Reminder => "reminder",
            StepKind::FinalDemand => "final_demand",
            StepKind::CollectionHandover => "collection_handover",
            StepKind::ManualTask => "manual_task",
        }
    }

    /// Whether the step sends a message to the debtor.
    pub fn sends_message(self) -> bool {
        !matches!(self, StepKind::ManualTask)
    }

    /// Whether the step counts as a reminder before a hand-over.
    pub fn is_reminder(self) -> bool {
        matches!(
            self,
            StepKind::FriendlyReminder | StepKind::Reminder | StepKind::FinalDemand
        )
    }
}

/// The start from which a step's offset counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OffsetBase {
    /// The invoice's due date, moved to the next banking day when it falls on a non-banking day.
    DueDate,
    /// The day the previous step of the invoice was sent.
    PreviousStep,
}

/// A fee charged by a step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeeSpec {
    /// What the fee is, which decides the legal cap that applies.
    pub kind: FeeKind,

    /// A fixed amount in the invoice's currency.
    #[serde(default, with = "rust_decimal::serde::str")]
    pub fixed: Decimal,

    /// An optional percentage added to the fixed part.
    #[serde(default)]
    pub percent: Option<PercentFee>,
}

/// The legal nature of a fee.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FeeKind {
    /// A reminder fee (muistutusmaksu), capped per debtor type.
    ReminderFee,
    /// The standard compensation for recovery costs (vakiokorvaus), business debts only, once per
    /// invoice.
    StandardCompensation,
}

/// A fee computed as a percentage of an explicit base.
///
/// The base never includes earlier fees or interest, so fees never compound.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PercentFee {
    /// The rate in percent, such as `1.5`.
    #[serde(with = "rust_decimal::serde::str")]
    pub rate: Decimal,

    /// The amount the rate applies to.
    pub base: FeeBase,

    /// The largest amount the percentage part may reach, in the invoice's currency. Required, so
    /// that the legal cap can be checked when the policy is saved.
    #[serde(with = "rust_decimal::serde::str")]
    pub max: Decimal,
}

/// The base of a percentage fee.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FeeBase {
    /// The principal still unpaid when the step runs.
    OutstandingPrincipal,
    /// The invoice's original amount.
    OriginalPrincipal,
}

impl FeeSpec {
    /// The largest amount this fee can reach: the fixed part plus the percentage cap.
    pub fn max_amount(&self) -> Decimal {
        let percent_max = self.percent.as_ref().map_or(Decimal::ZERO, |p| p.max);
        self.fixed.saturating_add(percent_max)
    }

    /// Whether the fee can be more than zero.
    pub fn is_chargeable(&self) -> bool {
        self.max_amount() > Decimal::ZERO
    }
}

/// A step's treatment of penalty interest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepInterest {
    /// Interest is neither shown nor charged.
    #[default]
    None,
    /// Interest accrued to date is shown for information but not claimed.
    Show,
    /// From this step on, penalty interest is claimed and shown.
    Charge,
}

/// Whether a step runs on its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Approval {
    /// The step runs when it is due.
    #[default]
    Automatic,
    /// The step becomes a pending action that a person approves, edits or skips.
    Required,
}

/// The handling of steps missed during downtime.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CatchUp {
    /// The treatment of a step that is more than `window_days` late.
    pub mode: CatchUpMode,
    /// A step at most this many days late is simply run late, whatever the mode.
    pub window_days: u32,
}

impl Default for CatchUp {
    fn default() -> Self {
        CatchUp {
            mode: CatchUpMode::WalkInOrder,
            window_days: 7,
        }
    }
}

/// The catch-up mode for steps missed during downtime.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CatchUpMode {
    /// Run every missed step in order, one per run, with the usual spacing.
    WalkInOrder,
    /// Run the highest step whose time has come and record the ones before it as skipped.
    JumpToLatest,
}

/// Whether invoices share messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Grouping {
    /// One message per account and currency lists all overdue invoices.
    #[default]
    PerAccount,
    /// Each invoice step gets its own message.
    PerInvoice,
}

/// A part of an invoice's balance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Component {
    /// The invoiced amount.
    Principal,
    /// Penalty interest.
    Interest,
    /// Fees and the standard compensation.
    Costs,
}

/// The order in which payments settle the components of an invoice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "Vec<Component>", into = "Vec<Component>")]
pub struct AllocationOrder([Component; 3]);

impl AllocationOrder {
    /// Principal, then interest, then costs: the order the Debt Collection Act requires for
    /// consumer debts.
    pub const CONSUMER: AllocationOrder =
        AllocationOrder([Component::Principal, Component::Interest, Component::Costs]);

    /// Costs, then interest, then principal: the default for business debts.
    pub const BUSINESS_DEFAULT: AllocationOrder =
        AllocationOrder([Component::Costs, Component::Interest, Component::Principal]);

    /// Builds an order from a permutation of the three components.
    pub fn new(order: [Component; 3]) -> Result<Self, PolicyError> {
        let mut sorted = order;
        sorted.sort();
        if sorted == [Component::Principal, Component::Interest, Component::Costs] {
            Ok(AllocationOrder(order))
        } else {
            Err(PolicyError::AllocationOrder {
                order: order.to_vec(),
            })
        }
    }

    /// The components in order.
    pub fn components(&self) -> [Component; 3] {
        self.0
    }

    /// The order that applies to a debtor type when the policy sets none.
    pub fn default_for(debtor: DebtorType) -> Self {
        match debtor {
            DebtorType::Consumer => AllocationOrder::CONSUMER,
            DebtorType::Business => AllocationOrder::BUSINESS_DEFAULT,
        }
    }
}

impl TryFrom<Vec<Component>> for AllocationOrder {
    type Error = PolicyError;

    fn try_from(order: Vec<Component>) -> Result<Self, Self::Error> {
        let array: [Component; 3] = order
            .clone()
            .try_into()
            .map_err(|_| PolicyError::AllocationOrder { order })?;
        AllocationOrder::new(array)
    }
}

impl From<AllocationOrder> for Vec<Component> {
    fn from(order: AllocationOrder) -> Self {
        order.0.to_vec()
    }
}

/// Penalty interest settings of a policy.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InterestSettings {
    /// An agreed penalty interest rate in percent that replaces the statutory rate. For consumers
    /// it is capped at the statutory rate of each period.
    #[serde(default, with = "rust_decimal::serde::str_option")]
    pub contractual_rate: Option<Decimal>,
}

/// An error in building or loading a policy.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PolicyError {
    /// An allocation order is not a permutation of principal, interest and costs.
    #[error(
        "invalid allocation order {order:?}: list principal, interest and costs once each, in the order payments should settle them"
    )]
    AllocationOrder {
        /// The order as given.
        order: Vec<Component>,
    },

    /// The policy breaks one or more rules.
    #[error("invalid policy: {}", summarize(.0))]
    Invalid(PolicyReport),
}

fn summarize(report: &PolicyReport) -> String {
    report
        .errors
        .iter()
        .map(|violation| violation.message.as_str())
        .collect::<Vec<_>>()
        .join("; ")
}

impl ErrorCode for PolicyError {
    fn code(&self) -> &'static str {
        match self {
            PolicyError::AllocationOrder { .. } => "policy_allocation_order",
            PolicyError::Invalid(_) => "policy_invalid",
        }
    }
}

impl Policy {
    /// The default consumer policy: a friendly reminder a week after the due date, two
    /// fee-bearing reminders 14 days apart, and a hand-over that waits for approval.
    pub fn default_consumer() -> Policy {
        defaults::consumer()
    }

    /// The default business policy: a friendly reminder three days after the due date, two
    /// fee-bearing reminders 10 days apart, and a hand-over that waits for approval.
    pub fn default_business() -> Policy {
        defaults::business()
    }

    /// Checks the policy against general rules and the legal rules of its debtor type.
    pub fn validate(&self) -> PolicyReport {
        validate::validate(self)
    }

    /// Validates the policy and wraps it, or returns every error found.
    pub fn into_validated(self) -> Result<ValidatedPolicy, PolicyError> {
        let report = self.validate();
        if report.errors.is_empty() {
            Ok(ValidatedPolicy {
                policy: self,
                warnings: report.warnings,
            })
        } else {
            Err(PolicyError::Invalid(report))
        }
    }

    /// The allocation order in force: the policy's own, or the debtor type's default.
    pub fn effective_allocation_order(&self) -> AllocationOrder {
        self.allocation_order
            .unwrap_or_else(|| AllocationOrder::default_for(self.debtor_type))
    }

    /// The minimum overdue amount for a currency, zero when none is set.
    pub fn min_overdue_for(&self, currency: Currency) -> Decimal {
        self.min_overdue_amount
            .get(&currency)
            .copied()
            .unwrap_or(Decimal::ZERO)
    }

    /// The position of the step with `key`.
    pub fn step_index(&self, key: &str) -> Option<usize> {
        self.steps.iter().position(|step| step.key == key)
    }
}

/// A policy that passed validation. Only this type reaches the planner.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidatedPolicy {
    policy: Policy,
    warnings: Vec<PolicyViolation>,
}

impl ValidatedPolicy {
    /// The warnings found during validation: allowed, but worth a look.
    pub fn warnings(&self) -> &[PolicyViolation] {
        &self.warnings
    }

    /// The policy itself.
    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// Unwraps the policy.
    pub fn into_inner(self) -> Policy {
        self.policy
    }
}

impl Deref for ValidatedPolicy {
    type Target = Policy;

    fn deref(&self) -> &Policy {
        &self.policy
    }
}
