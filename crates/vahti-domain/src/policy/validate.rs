//! Policy validation against general rules and the legal rules of the debtor type.
//!
//! Spacing rules are checked on the nominal schedule, in which every step runs exactly when it
//! becomes due. The planner enforces the same minimums again on the real send dates, because a
//! late or postponed step can shrink the gap to a later step that counts from the due date.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::{AllocationOrder, FeeKind, OffsetBase, Policy, Step, StepKind};
use crate::DebtorType;
use crate::legal::{self, business, consumer};

/// One broken rule, or one warning.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyViolation {
    /// The key of the step at fault, when one is.
    pub step: Option<String>,
    /// The field at fault, such as `steps[2].fee.fixed`.
    pub field: String,
    /// A stable code for the rule, such as `consumer_fee_cap`.
    pub rule: String,
    /// A sentence naming the problem and the fix.
    pub message: String,
}

/// The outcome of validating a policy.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct PolicyReport {
    /// Rules the policy breaks; a policy with errors is rejected.
    pub errors: Vec<PolicyViolation>,
    /// Allowed, but worth a look.
    pub warnings: Vec<PolicyViolation>,
}

impl PolicyReport {
    /// Whether the policy has no errors.
    pub fn is_valid(&self) -> bool {
        self.errors.is_empty()
    }

    pub(super) fn error(
        &mut self,
        step: Option<&Step>,
        field: String,
        rule: &str,
        message: String,
    ) {
        self.errors.push(PolicyViolation {
            step: step.map(|s| s.key.clone()),
            field,
            rule: rule.to_owned(),
            message,
        });
    }

    fn warning(&mut self, step: Option<&Step>, field: String, rule: &str, message: String) {
        self.warnings.push(PolicyViolation {
            step: step.map(|s| s.key.clone()),
            field,
            rule: rule.to_owned(),
            message,
        });
    }
}

/// Maximum payment period a step may print, in days.
const MAX_PAYMENT_PERIOD_DAYS: u32 = 90;
/// Maximum offset of a step, in days.
const MAX_OFFSET_DAYS: u32 = 365;
/// Maximum value of the minimum contact interval, in days.
const MAX_CONTACT_INTERVAL_DAYS: u32 = 60;
/// Maximum catch-up window, in days.
const MAX_CATCH_UP_WINDOW_DAYS: u32 = 60;

pub(super) fn validate(policy: &Policy) -> PolicyReport {
    let mut report = PolicyReport::default();

    check_settings(policy, &mut report);
    check_steps(policy, &mut report);

    let nominal = nominal_days(&policy.steps);
    check_order(policy, &nominal, &mut report);
    match policy.debtor_type {
        DebtorType::Consumer => check_consumer(policy, &nominal, &mut report),
        DebtorType::Business => check_business(policy, &nominal, &mut report),
    }
    check_fee_spacing(policy, &nominal, &mut report);
    check_handover(policy, &nominal, &mut report);
    super::self_service::check(policy, &mut report);

    report
}

/// The day, counted from the due date, on which each step runs when every step runs on time.
fn nominal_days(steps: &[Step]) -> Vec<i64> {
    let mut days = Vec::with_capacity(steps.len());
    let mut previous = 0_i64;
    for step in steps {
        let offset = i64::from(step.offset_days);
        let day = match step.offset_from {
            OffsetBase::DueDate => offset,
            OffsetBase::PreviousStep => previous + offset,
        };
        days.push(day);
        previous = day;
    }
    days
}

fn is_fee_bearing(step: &Step) -> bool {
    step.fee.as_ref().is_some_and(|fee| fee.is_chargeable())
}

fn check_settings(policy: &Policy, report: &mut PolicyReport) {
    if policy.name.trim().is_empty() {
        report.error(
            None,
            "name".into(),
            "policy_name_missing",
            "the policy has no name: give it a short human-readable name".into(),
        );
    }
    if policy.steps.is_empty() {
        report.error(
            None,
            "steps".into(),
            "policy_no_steps",
            "the policy has no steps: add at least one step".into(),
        );
    }
    if policy.min_contact_interval_days > MAX_CONTACT_INTERVAL_DAYS {
        report.error(
            None,
            "min_contact_interval_days".into(),
            "contact_interval_too_long",
            format!(
                "min_contact_interval_days is {}, but at most {MAX_CONTACT_INTERVAL_DAYS} is allowed",
                policy.min_contact_interval_days
            ),
        );
    }
    if policy.catch_up.window_days > MAX_CATCH_UP_WINDOW_DAYS {
        report.error(
            None,
            "catch_up.window_days".into(),
            "catch_up_window_too_long",
            format!(
                "catch_up.window_days is {}, but at most {MAX_CATCH_UP_WINDOW_DAYS} is allowed",
                policy.catch_up.window_days
            ),
        );
    }
    for (currency, amount) in &policy.min_overdue_amount {
        if amount.is_sign_negative() {
            report.error(
                None,
                format!("min_overdue_amount.{currency}"),
                "min_overdue_negative",
                format!("min_overdue_amount for {currency} is {amount}; use zero or more"),
            );
        }
    }
    if let Some(rate) = policy.interest.contractual_rate
        && (rate.is_sign_negative() || rate > Decimal::from(100))
    {
        report.error(
            None,
            "interest.contractual_rate".into(),
            "contractual_rate_invalid",
            format!("interest.contractual_rate is {rate} %; use a rate from 0 to 100"),
        );
    }
}

fn check_steps(policy: &Policy, report: &mut PolicyReport) {
    for (index, step) in policy.steps.iter().enumerate() {
        let at = |field: &str| format!("steps[{index}].{field}");

        let key_valid = !step.key.is_empty()
            && step.key.len() <= 40
            && step
                .key
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-');
        if !key_valid {
            report.error(
                Some(step),
                at("key"),
                "step_key_invalid",
                format!(
                    "step key {:?} is invalid: use 1 to 40 lower-case letters, digits, '_' or '-'",
                    step.key
                ),
            );
        }
        if policy.steps[..index]
            .iter()
            .any(|other| other.key == step.key)
        {
            report.error(
                Some(step),
                at("key"),
                "step_key_duplicate",
                format!(
                    "step key {:?} is used twice: give each step its own key",
                    step.key
                ),
            );
        }

        if index == 0 && step.offset_from == OffsetBase::PreviousStep {
            report.error(
                Some(step),
                at("offset_from"),
                "first_step_from_previous",
                format!(
                    "step {:?} is the first step, so it has no previous step: count its offset from the due date",
                    step.key
                ),
            );
        }
        if step.offset_days == 0 {
            report.error(
                Some(step),
                at("offset_days"),
                "step_offset_zero",
                format!(
                    "step {:?} has offset 0 days; the due date itself is not overdue, so use 1 or more",
                    step.key
                ),
            );
        }
        if step.offset_days > MAX_OFFSET_DAYS {
            report.error(
                Some(step),
                at("offset_days"),
                "step_offset_too_long",
                format!(
                    "step {:?} has offset {} days, but at most {MAX_OFFSET_DAYS} is allowed",
                    step.key, step.offset_days
                ),
            );
        }

        let sends = step.kind.sends_message() && step.kind != StepKind::CollectionHandover;
        if sends && !(1..=MAX_PAYMENT_PERIOD_DAYS).contains(&step.payment_period_days) {
            report.error(
                Some(step),
                at("payment_period_days"),
                "payment_period_invalid",
                format!(
                    "step {:?} gives {} days to pay; use 1 to {MAX_PAYMENT_PERIOD_DAYS}",
                    step.key, step.payment_period_days
                ),
            );
        }

        if let Some(template) = &step.template {
            let valid = !template.is_empty()
                && template.len() <= 64
                && template
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
            if !valid {
                report.error(
                    Some(step),
                    at("template"),
                    "step_template_invalid",
                    format!(
                        "template id {template:?} is invalid: use lower-case letters, digits and '_'"
                    ),
                );
            }
        }

        check_fee(policy, index, step, report);
    }
}

fn check_fee(policy: &Policy, index: usize, step: &Step, report: &mut PolicyReport) {
    let Some(fee) = &step.fee else {
        return;
    };
    let at = |field: &str| format!("steps[{index}].fee.{field}");

    if fee.fixed.is_sign_negative() {
        report.error(
            Some(step),
            at("fixed"),
            "fee_negative",
            format!(
                "step {:?} has a negative fee {}; use zero or more",
                step.key, fee.fixed
            ),
        );
    }
    if let Some(percent) = &fee.percent {
        if percent.rate <= Decimal::ZERO || percent.rate > Decimal::from(100) {
            report.error(
                Some(step),
                at("percent.rate"),
                "fee_percent_invalid",
                format!(
                    "step {:?} has a percentage fee of {} %; use more than 0 and at most 100",
                    step.key, percent.rate
                ),
            );
        }
        if percent.max <= Decimal::ZERO {
            report.error(
                Some(step),
                at("percent.max"),
                "fee_percent_max_missing",
                format!(
                    "step {:?} has a percentage fee without a positive max; set max so the legal cap can be checked",
                    step.key
                ),
            );
        }
    }

    if fee.is_chargeable() {
        let rule = match step.kind {
            StepKind::FriendlyReminder => Some("a friendly reminder never carries a fee"),
            StepKind::ManualTask => Some("a manual task sends nothing, so it cannot charge a fee"),
            StepKind::CollectionHandover => {
                Some("collection costs are charged by the agency, not by the hand-over step")
            }
            StepKind::Reminder | StepKind::FinalDemand => None,
        };
        if let Some(rule) = rule {
            report.error(
                Some(step),
                at("kind"),
                "fee_on_step_kind",
                format!(
                    "step {:?} is a {} with a fee: {rule}; remove the fee or use kind reminder",
                    step.key,
                    step.kind.as_str()
                ),
            );
        }
    }

    let cap = match (policy.debtor_type, fee.kind) {
        (_, FeeKind::ReminderFee) => legal::max_reminder_fee_eur(policy.debtor_type),
        (DebtorType::Business, FeeKind::StandardCompensation) => {
            business::STANDARD_COMPENSATION_EUR
        }
        (DebtorType::Consumer, FeeKind::StandardCompensation) => {
            report.error(
                Some(step),
                at("kind"),
                "consumer_standard_compensation",
                format!(
                    "step {:?} charges the standard compensation, which the law allows only for business debts",
                    step.key
                ),
            );
            return;
        }
    };
    if fee.max_amount() > cap {
        let rule = match (policy.debtor_type, fee.kind) {
            (DebtorType::Consumer, _) => "consumer_fee_cap",
            (DebtorType::Business, FeeKind::ReminderFee) => "business_fee_cap",
            (DebtorType::Business, FeeKind::StandardCompensation) => "business_compensation_cap",
        };
        report.error(
            Some(step),
            at("fixed"),
            rule,
            format!(
                "step {:?} can charge up to {} EUR, but the cap for a {} {} is {cap} EUR",
                step.key,
                fee.max_amount(),
                policy.debtor_type.as_str(),
                match fee.kind {
                    FeeKind::ReminderFee => "reminder fee",
                    FeeKind::StandardCompensation => "standard compensation",
                }
            ),
        );
    }
}

fn check_order(policy: &Policy, nominal: &[i64], report: &mut PolicyReport) {
    for (index, pair) in nominal.windows(2).enumerate() {
        let (before, after) = (pair[0], pair[1]);
        if after <= before {
            let step = &policy.steps[index + 1];
            report.error(
                Some(step),
                format!("steps[{}].offset_days", index + 1),
                "step_order",
                format!(
                    "step {:?} would run on day {after} after the due date, not after step {:?} on day {before}; steps must run in order",
                    step.key,
                    policy.steps[index].key
                ),
            );
        }
    }

    let handovers: Vec<usize> = policy
        .steps
        .iter()
        .enumerate()
        .filter(|(_, step)| step.kind == StepKind::CollectionHandover)
        .map(|(index, _)| index)
        .collect();
    if let Some(&first) = handovers.first()
        && (handovers.len() > 1 || first + 1 != policy.steps.len())
    {
        report.error(
                Some(&policy.steps[first]),
                format!("steps[{first}].kind"),
                "handover_not_last",
                "a collection hand-over ends the escalation, so it must be the last step and appear once"
                    .into(),
            );
    }
}

fn check_consumer(policy: &Policy, nominal: &[i64], report: &mut PolicyReport) {
    if let Some(order) = policy.allocation_order
        && order != AllocationOrder::CONSUMER
    {
        report.error(
                None,
                "allocation_order".into(),
                "consumer_allocation_order",
                "consumer payments must settle principal, then interest, then costs; remove allocation_order or use that order"
                    .into(),
            );
    }

    if i64::from(policy.payment_protection_days) < consumer::PAYMENT_PROTECTION_DAYS {
        report.error(
            None,
            "payment_protection_days".into(),
            "consumer_payment_protection",
            format!(
                "payment_protection_days is {}, but a consumer who paid {} days before a letter owes nothing for it; use at least {}",
                policy.payment_protection_days,
                consumer::PAYMENT_PROTECTION_DAYS,
                consumer::PAYMENT_PROTECTION_DAYS
            ),
        );
    }

    if policy.interest.contractual_rate.is_some() {
        report.warning(
            None,
            "interest.contractual_rate".into(),
            "consumer_contractual_rate_capped",
            "a contractual penalty rate for consumers is capped at the statutory rate of each period"
                .into(),
        );
    }

    let fee_steps: Vec<usize> = (0..policy.steps.len())
        .filter(|&index| is_fee_bearing(&policy.steps[index]))
        .collect();
    if let Some(&first) = fee_steps.first()
        && nominal[first] < consumer::MIN_DAYS_FROM_DUE_TO_FEE_REMINDER
    {
        let step = &policy.steps[first];
        report.error(
                Some(step),
                format!("steps[{first}].offset_days"),
                "consumer_fee_too_early",
                format!(
                    "step {:?} charges a fee on day {} after the due date, but a consumer may be charged only from day {}",
                    step.key,
                    nominal[first],
                    consumer::MIN_DAYS_FROM_DUE_TO_FEE_REMINDER
                ),
            );
    }

    let fee_count = u32::try_from(fee_steps.len()).unwrap_or(u32::MAX);
    if fee_count > policy.max_fee_reminders {
        report.error(
            None,
            "max_fee_reminders".into(),
            "fee_reminders_too_many",
            format!(
                "the policy has {fee_count} fee-bearing steps but max_fee_reminders is {}; remove fees or raise the limit",
                policy.max_fee_reminders
            ),
        );
    }
    if policy.max_fee_reminders > consumer::DEFAULT_MAX_FEE_REMINDERS {
        report.warning(
            None,
            "max_fee_reminders".into(),
            "consumer_fee_reminders_above_default",
            format!(
                "max_fee_reminders is {}; consumer guidance allows {} fee-bearing reminders per debt",
                policy.max_fee_reminders,
                consumer::DEFAULT_MAX_FEE_REMINDERS
            ),
        );
    }
}

fn check_business(policy: &Policy, nominal: &[i64], report: &mut PolicyReport) {
    let compensation: Vec<usize> = (0..policy.steps.len())
        .filter(|&index| {
            policy.steps[index]
                .fee
                .as_ref()
                .is_some_and(|fee| fee.kind == FeeKind::StandardCompensation)
        })
        .collect();
    if compensation.len() > 1 {
        let step = &policy.steps[compensation[1]];
        report.error(
            Some(step),
            format!("steps[{}].fee.kind", compensation[1]),
            "business_compensation_twice",
            "the standard compensation may be charged once per invoice; keep it on one step".into(),
        );
    }

    let has_reminder_fees = policy.steps.iter().any(|step| {
        step.fee
            .as_ref()
            .is_some_and(|fee| fee.kind == FeeKind::ReminderFee && fee.is_chargeable())
    });
    if !compensation.is_empty() && has_reminder_fees && !policy.allow_compensation_with_fees {
        report.error(
            None,
            "allow_compensation_with_fees".into(),
            "business_compensation_with_fees",
            "the policy charges both the standard compensation and reminder fees; charge one of them, or set allow_compensation_with_fees if your legal advice allows both"
                .into(),
        );
    }

    let fee_count = policy
        .steps
        .iter()
        .filter(|step| is_fee_bearing(step))
        .count();
    if u32::try_from(fee_count).unwrap_or(u32::MAX) > policy.max_fee_reminders {
        report.error(
            None,
            "max_fee_reminders".into(),
            "fee_reminders_too_many",
            format!(
                "the policy has {fee_count} fee-bearing steps but max_fee_reminders is {}; remove fees or raise the limit",
                policy.max_fee_reminders
            ),
        );
    }

    if let Some(first) = (0..policy.steps.len()).find(|&index| is_fee_bearing(&policy.steps[index]))
        && nominal[first] < business::GOOD_PRACTICE_FIRST_FEE_REMINDER_DAYS
    {
        let step = &policy.steps[first];
        report.warning(
                Some(step),
                format!("steps[{first}].offset_days"),
                "business_fee_early",
                format!(
                    "step {:?} charges a fee on day {}; good practice waits {} to 7 days after the due date",
                    step.key,
                    nominal[first],
                    business::GOOD_PRACTICE_FIRST_FEE_REMINDER_DAYS
                ),
            );
    }
}

fn check_fee_spacing(policy: &Policy, nominal: &[i64], report: &mut PolicyReport) {
    let min_gap = legal::min_days_between_fee_steps(policy.debtor_type);
    let mut previous: Option<usize> = None;
    for (index, step) in policy.steps.iter().enumerate() {
        if !is_fee_bearing(step) {
            continue;
        }
        if let Some(before) = previous {
            let gap = nominal[index] - nominal[before];
            if gap < min_gap {
                report.error(
                    Some(step),
                    format!("steps[{index}].offset_days"),
                    match policy.debtor_type {
                        DebtorType::Consumer => "consumer_fee_spacing",
                        DebtorType::Business => "business_fee_spacing",
                    },
                    format!(
                        "step {:?} charges a fee {gap} days after the fee of step {:?}, but a {} needs at least {min_gap} days between fee-bearing steps",
                        step.key,
                        policy.steps[before].key,
                        policy.debtor_type.as_str()
                    ),
                );
            }
        }
        previous = Some(index);
    }
}

fn check_handover(policy: &Policy, nominal: &[i64], report: &mut PolicyReport) {
    let Some(index) = policy
        .steps
        .iter()
        .position(|step| step.kind == StepKind::CollectionHandover)
    else {
        return;
    };
    let step = &policy.steps[index];
    let min_gap = legal::min_days_before_handover(policy.debtor_type);

    let reference = match policy.debtor_type {
        DebtorType::Consumer => policy.steps[..index]
            .iter()
            .rposition(|s| s.kind.is_reminder() && s.kind.sends_message()),
        DebtorType::Business => index.checked_sub(1),
    };
    let Some(before) = reference else {
        let rule = match policy.debtor_type {
            DebtorType::Consumer => "consumer_handover_without_reminder",
            DebtorType::Business => "handover_first_step",
        };
        report.error(
            Some(step),
            format!("steps[{index}].kind"),
            rule,
            format!(
                "step {:?} hands the debt over without an earlier reminder; add a reminder before it",
                step.key
            ),
        );
        return;
    };

    let gap = nominal[index] - nominal[before];
    if gap < min_gap {
        report.error(
            Some(step),
            format!("steps[{index}].offset_days"),
            match policy.debtor_type {
                DebtorType::Consumer => "consumer_handover_too_early",
                DebtorType::Business => "business_handover_too_early",
            },
            format!(
                "step {:?} hands over {gap} days after step {:?}, but a {} debt needs at least {min_gap} days",
                step.key,
                policy.steps[before].key,
                policy.debtor_type.as_str()
            ),
        );
    }
}

#[cfg(test)]
mod tests;
