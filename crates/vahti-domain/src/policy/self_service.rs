//! What a debtor may do on the self-service page without asking a person: how far ahead a
//! promise to pay may reach, how long a due-date extension may be, what a payment plan may look
//! like, what either costs, and whether plans and extensions take effect at once.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::Policy;
use super::validate::PolicyReport;
use crate::legal;

/// Maximum of `max_promise_days` and `max_extension_days`, in days.
pub const MAX_SELF_SERVICE_DAYS: u32 = 90;

/// Maximum of `plan.max_instalments`: ten years of monthly payments.
pub const MAX_PLAN_INSTALMENTS: u32 = 120;

/// The self-service limits of a policy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SelfServiceSettings {
    /// Whether messages carry a link to the self-service page and the page accepts requests.
    #[serde(default = "default_enabled")]
    pub enabled: bool,

    /// How many days after today a promise to pay may reach; 0 turns promises off.
    #[serde(default = "default_max_promise_days")]
    pub max_promise_days: u32,

    /// How many days a due-date extension may add, counted from the later of the invoice's due
    /// date and today; 0 turns extensions off.
    #[serde(default = "default_max_extension_days")]
    pub max_extension_days: u32,

    /// A fixed fee for an agreed extension, in the invoice's currency.
    #[serde(default, with = "rust_decimal::serde::str")]
    pub extension_fee: Decimal,

    /// The limits of a payment plan the debtor asks for.
    #[serde(default)]
    pub plan: PlanLimits,

    /// Whether plans and extensions take effect at once or wait for the creditor. Disputes,
    /// promises and email corrections always take effect at once.
    #[serde(default)]
    pub approval: SelfServiceApproval,
}

/// The limits of a payment plan that a debtor asks for on the self-service page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanLimits {
    /// Maximum number of monthly instalments; 0 turns plan requests off, otherwise 2 or more.
    #[serde(default = "default_max_instalments")]
    pub max_instalments: u32,

    /// Smallest instalment, in the invoices' currency.
    #[serde(default = "default_min_instalment", with = "rust_decimal::serde::str")]
    pub min_instalment: Decimal,

    /// A fixed fee for an agreed plan, in the invoices' currency.
    #[serde(default, with = "rust_decimal::serde::str")]
    pub fee: Decimal,
}

/// Who decides on a payment plan or extension that the debtor asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SelfServiceApproval {
    /// A request within the limits takes effect at once.
    Auto,
    /// A request waits until the creditor approves or rejects it through the API.
    #[default]
    Creditor,
}

impl Default for SelfServiceSettings {
    fn default() -> Self {
        SelfServiceSettings {
            enabled: default_enabled(),
            max_promise_days: default_max_promise_days(),
            max_extension_days: default_max_extension_days(),
            extension_fee: Decimal::ZERO,
            plan: PlanLimits::default(),
            approval: SelfServiceApproval::default(),
        }
    }
}

impl Default for PlanLimits {
    fn default() -> Self {
        PlanLimits {
            max_instalments: default_max_instalments(),
            min_instalment: default_min_instalment(),
            fee: Decimal::ZERO,
        }
    }
}

impl SelfServiceSettings {
    /// Whether the debtor may promise to pay.
    pub fn allows_promises(&self) -> bool {
        self.enabled && self.max_promise_days > 0
    }

    /// Whether the debtor may ask for a due-date extension.
    pub fn allows_extensions(&self) -> bool {
        self.enabled && self.max_extension_days > 0
    }

    /// Whether the debtor may ask for a payment plan.
    pub fn allows_plans(&self) -> bool {
        self.enabled && self.plan.max_instalments >= 2
    }
}

fn default_enabled() -> bool {
    true
}

fn default_max_promise_days() -> u32 {
    14
}

fn default_max_extension_days() -> u32 {
    14
}

fn default_max_instalments() -> u32 {
    6
}

fn default_min_instalment() -> Decimal {
    Decimal::new(2000, 2)
}

/// Checks the self-service section. A plan or extension fee is capped like a reminder fee of
/// the debtor type, because it is a collection cost charged by the creditor.
pub(super) fn check(policy: &Policy, report: &mut PolicyReport) {
    let settings = &policy.self_service;
    let at = |field: &str| format!("self_service.{field}");

    for (field, days) in [
        ("max_promise_days", settings.max_promise_days),
        ("max_extension_days", settings.max_extension_days),
    ] {
        if days > MAX_SELF_SERVICE_DAYS {
            report.error(
                None,
                at(field),
                "self_service_days_too_long",
                format!(
                    "self_service.{field} is {days}, but at most {MAX_SELF_SERVICE_DAYS} days are allowed"
                ),
            );
        }
    }

    let instalments = settings.plan.max_instalments;
    if instalments == 1 || instalments > MAX_PLAN_INSTALMENTS {
        report.error(
            None,
            at("plan.max_instalments"),
            "self_service_instalments_invalid",
            format!(
                "self_service.plan.max_instalments is {instalments}; use 0 to turn plan requests off, or 2 to {MAX_PLAN_INSTALMENTS}"
            ),
        );
    }
    if settings.plan.min_instalment.is_sign_negative() {
        report.error(
            None,
            at("plan.min_instalment"),
            "self_service_min_instalment_negative",
            format!(
                "self_service.plan.min_instalment is {}; use zero or more",
                settings.plan.min_instalment
            ),
        );
    }

    let cap = legal::max_reminder_fee_eur(policy.debtor_type);
    for (field, fee) in [
        ("plan.fee", settings.plan.fee),
        ("extension_fee", settings.extension_fee),
    ] {
        if fee.is_sign_negative() {
            report.error(
                None,
                at(field),
                "self_service_fee_negative",
                format!("self_service.{field} is {fee}; use zero or more"),
            );
        } else if fee > cap {
            report.error(
                None,
                at(field),
                match policy.debtor_type {
                    crate::DebtorType::Consumer => "consumer_fee_cap",
                    crate::DebtorType::Business => "business_fee_cap",
                },
                format!(
                    "self_service.{field} is {fee} EUR, but a fee charged to a {} is capped at {cap} EUR like a reminder fee",
                    policy.debtor_type.as_str()
                ),
            );
        }
    }
}
