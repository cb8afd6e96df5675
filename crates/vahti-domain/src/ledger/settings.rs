//! The settings that decide how an account's ledger allocates payments and charges interest.

use crate::DebtorType;
use crate::interest::{InterestError, PenaltyTerms};
use crate::legal::consumer;
use crate::policy::{AllocationOrder, Policy};

/// The rules a ledger follows to allocate payments, waive fees and charge penalty interest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LedgerSettings {
    terms: PenaltyTerms,
    allocation_order: AllocationOrder,
    payment_protection_days: u32,
    apply_credit_automatically: bool,
}

impl LedgerSettings {
    /// Settings for the debtor type of `terms`: its default allocation order, 4 days of payment
    /// protection (Debt Collection Act 513/1999) and account credit applied automatically.
    pub fn new(terms: PenaltyTerms) -> Self {
        LedgerSettings {
            terms,
            allocation_order: AllocationOrder::default_for(terms.debtor_type()),
            payment_protection_days: u32::try_from(consumer::PAYMENT_PROTECTION_DAYS).unwrap_or(4),
            apply_credit_automatically: true,
        }
    }

    /// Settings from a policy: its debtor type, contractual interest rate, allocation order and
    /// payment protection. Fails when the contractual rate is out of range.
    pub fn from_policy(policy: &Policy) -> Result<Self, InterestError> {
        let mut terms = PenaltyTerms::statutory(policy.debtor_type);
        if let Some(rate) = policy.interest.contractual_rate {
            terms = terms.with_contractual_rate(rate)?;
        }
        Ok(LedgerSettings::new(terms)
            .with_allocation_order(policy.effective_allocation_order())
            .with_payment_protection_days(policy.payment_protection_days))
    }

    /// Sets the order in which payments settle a business debt. Consumer debts ignore it.
    pub fn with_allocation_order(self, order: AllocationOrder) -> Self {
        LedgerSettings {
            allocation_order: order,
            ..self
        }
    }

    /// Sets how many days before a fee's charge date the principal must have been paid in full
    /// for the fee to be waived.
    pub fn with_payment_protection_days(self, days: u32) -> Self {
        LedgerSettings {
            payment_protection_days: days,
            ..self
        }
    }

    /// Sets whether account credit settles open invoices on its own. When off, credit stays on
    /// the account until someone refunds or applies it.
    pub fn with_credit_applied_automatically(self, apply: bool) -> Self {
        LedgerSettings {
            apply_credit_automatically: apply,
            ..self
        }
    }

    /// The debtor type, taken from the penalty terms.
    pub fn debtor_type(&self) -> DebtorType {
        self.terms.debtor_type()
    }

    /// The penalty interest terms.
    pub fn penalty_terms(&self) -> &PenaltyTerms {
        &self.terms
    }

    /// The allocation order in force: always principal, interest, costs for a consumer (Debt
    /// Collection Act 513/1999), otherwise the order set.
    pub fn allocation_order(&self) -> AllocationOrder {
        match self.debtor_type() {
            DebtorType::Consumer => AllocationOrder::CONSUMER,
            DebtorType::Business => self.allocation_order,
        }
    }

    /// The payment protection in days.
    pub fn payment_protection_days(&self) -> u32 {
        self.payment_protection_days
    }

    /// Whether account credit settles open invoices on its own.
    pub fn apply_credit_automatically(&self) -> bool {
        self.apply_credit_automatically
    }
}
