//! Every legal figure Vahti enforces, in one place, with its source.
//!
//! Sources: the Debt Collection Act (laki saatavien perinnästä 513/1999, amended 2013, 2018 and by
//! 299/2022), the Interest Act (korkolaki 633/1982), the Act on Payment Terms in Commercial
//! Contracts (laki kaupallisten sopimusten maksuehdoista 30/2013), and the Finnish Competition and
//! Consumer Authority's guidance on collection costs. Figures marked "unverified" were not
//! confirmed in a primary source; policies can change them, and the defaults here are the
//! commonly published values.
//!
//! All day counts are calendar days. Fee caps are in euros and apply to EUR invoices; invoices in
//! other currencies are not subject to the Finnish caps.

use rust_decimal::Decimal;

use crate::DebtorType;

/// Days from sending an invoice without an agreed due date to the first day of penalty interest
/// (Interest Act 633/1982).
pub const DAYS_UNTIL_INTEREST_WITHOUT_DUE_DATE: u64 = 30;

/// An amount in euro cents as a constant `Decimal` with two decimal places.
const fn euros_cents(cents: u32) -> Decimal {
    Decimal::from_parts(cents, 0, 0, false, 2)
}

/// Rules for debts of consumers.
pub mod consumer {
    use rust_decimal::Decimal;

    use super::euros_cents;

    /// Maximum fee for one payment reminder: 5.00 EUR (Debt Collection Act 513/1999 as amended).
    pub const MAX_REMINDER_FEE_EUR: Decimal = euros_cents(500);

    /// A fee-bearing reminder may be sent only when at least 14 days have passed since the due
    /// date (Debt Collection Act).
    pub const MIN_DAYS_FROM_DUE_TO_FEE_REMINDER: i64 = 14;

    /// A reminder fee may be charged only when the invoice was sent at least 14 days before its
    /// due date (Debt Collection Act).
    pub const MIN_DAYS_INVOICE_SENT_BEFORE_DUE: i64 = 14;

    /// At least 14 days must pass between two fee-bearing reminders (Debt Collection Act).
    pub const MIN_DAYS_BETWEEN_FEE_REMINDERS: i64 = 14;

    /// Default maximum number of fee-bearing reminders per invoice. The statutory hard cap is
    /// unverified; 2 is the commonly published figure, and a policy may lower it.
    pub const DEFAULT_MAX_FEE_REMINDERS: u32 = 2;

    /// A debt may be handed over to collection only after a reminder, and at least 14 days after
    /// that reminder (Debt Collection Act).
    pub const MIN_DAYS_REMINDER_TO_HANDOVER: i64 = 14;

    /// A consumer who paid at least this many days before a letter was sent owes no cost for
    /// that letter (payment protection in the Debt Collection Act).
    pub const PAYMENT_PROTECTION_DAYS: i64 = 4;

    /// Percentage points added to the reference rate for penalty interest (Interest Act 633/1982).
    pub const PENALTY_INTEREST_MARGIN: Decimal = euros_cents(700);

    /// Consent to receive formal payment demands electronically is valid for at most 12 months
    /// (Debt Collection Act, as amended by 299/2022). Without it a formal demand goes on paper.
    pub const ELECTRONIC_DEMAND_CONSENT_MAX_MONTHS: u32 = 12;
}

/// Rules for debts between businesses.
pub mod business {
    use rust_decimal::Decimal;

    use super::euros_cents;

    /// Maximum fee for one payment reminder to a business: 12.00 EUR (Debt Collection Act
    /// 513/1999 as amended).
    pub const MAX_REMINDER_FEE_EUR: Decimal = euros_cents(1200);

    /// Standard compensation (vakiokorvaus) for recovery costs: 40.00 EUR, once per late invoice or
    /// instalment (Act on Payment Terms in Commercial Contracts 30/2013).
    pub const STANDARD_COMPENSATION_EUR: Decimal = euros_cents(4000);

    /// At least 10 days must pass between two fee-bearing steps (Debt Collection Act).
    pub const MIN_DAYS_BETWEEN_FEE_STEPS: i64 = 10;

    /// A business debt may be handed over to collection at least 10 days after the previous step.
    pub const MIN_DAYS_STEP_TO_HANDOVER: i64 = 10;

    /// Good practice sends the first fee-bearing reminder 5 to 7 days after the due date; an
    /// earlier one is allowed but draws a warning.
    pub const GOOD_PRACTICE_FIRST_FEE_REMINDER_DAYS: i64 = 5;

    /// Percentage points added to the reference rate for penalty interest on commercial contracts
    /// (Interest Act 633/1982, as applied by 30/2013).
    pub const PENALTY_INTEREST_MARGIN: Decimal = euros_cents(800);

    /// Payment terms of more than 30 days need express agreement between businesses (Act
    /// 30/2013); Vahti only warns about them.
    pub const MAX_PAYMENT_TERM_DAYS_WITHOUT_AGREEMENT: i64 = 30;
}

/// The maximum reminder fee for a debtor type, in euros.
pub fn max_reminder_fee_eur(debtor: DebtorType) -> Decimal {
    match debtor {
        DebtorType::Consumer => consumer::MAX_REMINDER_FEE_EUR,
        DebtorType::Business => business::MAX_REMINDER_FEE_EUR,
    }
}

/// The minimum number of days between two fee-bearing steps for a debtor type.
pub fn min_days_between_fee_steps(debtor: DebtorType) -> i64 {
    match debtor {
        DebtorType::Consumer => consumer::MIN_DAYS_BETWEEN_FEE_REMINDERS,
        DebtorType::Business => business::MIN_DAYS_BETWEEN_FEE_STEPS,
    }
}

/// The minimum number of days between the step before a hand-over and the hand-over itself.
pub fn min_days_before_handover(debtor: DebtorType) -> i64 {
    match debtor {
        DebtorType::Consumer => consumer::MIN_DAYS_REMINDER_TO_HANDOVER,
        DebtorType::Business => business::MIN_DAYS_STEP_TO_HANDOVER,
    }
}

/// Caps on what a collection agency may charge for one debt, shown to validate an agency's
/// figures. All amounts in euros.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CollectionCostCaps {
    /// Maximum cost of the first payment demand.
    pub first_demand: Decimal,
    /// Maximum cost of a repeated payment demand (half of the first).
    pub repeat_demand: Decimal,
    /// Maximum total collection costs for the debt, when known.
    pub total: Option<Decimal>,
}

/// The collection cost caps for a debt of `principal` euros (Debt Collection Act as amended by
/// 299/2022).
///
/// Consumer: 14 / 24 / 50 EUR for a principal up to 100 / up to 1000 / above; repeat demands half;
/// total costs at most 60 / 120 / 210 EUR. Business: 50 / 70 / 90 / 110 EUR for a principal up to
/// 500 / up to 2500 / up to 10000 / above; repeat demands half; total at most 250 EUR below 500
/// and 470 EUR up to 2500. The business totals for larger debts are unverified and left open.
pub fn collection_cost_caps(debtor: DebtorType, principal: Decimal) -> CollectionCostCaps {
    let (first_cents, total_cents) = match debtor {
        DebtorType::Consumer => {
            if principal <= Decimal::from(100) {
                (1400, Some(6000))
            } else if principal <= Decimal::from(1000) {
                (2400, Some(12000))
            } else {
                (5000, Some(21000))
            }
        }
        DebtorType::Business => {
            if principal < Decimal::from(500) {
                (5000, Some(25000))
            } else if principal <= Decimal::from(500) {
                (5000, Some(47000))
            } else if principal <= Decimal::from(2500) {
                (7000, Some(47000))
            } else if principal <= Decimal::from(10_000) {
                (9000, None)
            } else {
                (11000, None)
            }
        }
    };

    let first_demand = euros_cents(first_cents);
    CollectionCostCaps {
        first_demand,
        repeat_demand: first_demand / Decimal::from(2),
        total: total_cents.map(euros_cents),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn consumer_fee_and_spacing_figures() {
        assert_eq!(consumer::MAX_REMINDER_FEE_EUR, dec!(5.00));
        assert_eq!(consumer::MIN_DAYS_FROM_DUE_TO_FEE_REMINDER, 14);
        assert_eq!(consumer::MIN_DAYS_INVOICE_SENT_BEFORE_DUE, 14);
        assert_eq!(consumer::MIN_DAYS_BETWEEN_FEE_REMINDERS, 14);
        assert_eq!(consumer::DEFAULT_MAX_FEE_REMINDERS, 2);
        assert_eq!(consumer::MIN_DAYS_REMINDER_TO_HANDOVER, 14);
        assert_eq!(consumer::PAYMENT_PROTECTION_DAYS, 4);
        assert_eq!(consumer::PENALTY_INTEREST_MARGIN, dec!(7));
        assert_eq!(consumer::ELECTRONIC_DEMAND_CONSENT_MAX_MONTHS, 12);
    }

    #[test]
    fn business_fee_and_spacing_figures() {
        assert_eq!(business::MAX_REMINDER_FEE_EUR, dec!(12.00));
        assert_eq!(business::STANDARD_COMPENSATION_EUR, dec!(40.00));
        assert_eq!(business::MIN_DAYS_BETWEEN_FEE_STEPS, 10);
        assert_eq!(business::MIN_DAYS_STEP_TO_HANDOVER, 10);
        assert_eq!(business::PENALTY_INTEREST_MARGIN, dec!(8));
        assert_eq!(business::MAX_PAYMENT_TERM_DAYS_WITHOUT_AGREEMENT, 30);
    }

    #[test]
    fn interest_start_without_due_date_figure() {
        assert_eq!(DAYS_UNTIL_INTEREST_WITHOUT_DUE_DATE, 30);
    }

    #[test]
    fn figures_by_debtor_type() {
        assert_eq!(max_reminder_fee_eur(DebtorType::Consumer), dec!(5));
        assert_eq!(max_reminder_fee_eur(DebtorType::Business), dec!(12));
        assert_eq!(min_days_between_fee_steps(DebtorType::Consumer), 14);
        assert_eq!(min_days_between_fee_steps(DebtorType::Business), 10);
        assert_eq!(min_days_before_handover(DebtorType::Consumer), 14);
        assert_eq!(min_days_before_handover(DebtorType::Business), 10);
    }

    #[test]
    fn consumer_collection_cost_caps() {
        let cases = [
            (dec!(50), dec!(14), dec!(7), Some(dec!(60))),
            (dec!(100), dec!(14), dec!(7), Some(dec!(60))),
            (dec!(100.01), dec!(24), dec!(12), Some(dec!(120))),
            (dec!(1000), dec!(24), dec!(12), Some(dec!(120))),
            (dec!(1000.01), dec!(50), dec!(25), Some(dec!(210))),
        ];
        for (principal, first, repeat, total) in cases {
            let caps = collection_cost_caps(DebtorType::Consumer, principal);
            assert_eq!(caps.first_demand, first, "first demand for {principal}");
            assert_eq!(caps.repeat_demand, repeat, "repeat demand for {principal}");
            assert_eq!(caps.total, total, "total for {principal}");
        }
    }

    #[test]
    fn business_collection_cost_caps() {
        let cases = [
            (dec!(499.99), dec!(50), dec!(25), Some(dec!(250))),
            (dec!(2500), dec!(70), dec!(35), Some(dec!(470))),
            (dec!(10000), dec!(90), dec!(45), None),
            (dec!(10000.01), dec!(110), dec!(55), None),
        ];
        for (principal, first, repeat, total) in cases {
            let caps = collection_cost_caps(DebtorType::Business, principal);
            assert_eq!(caps.first_demand, first, "first demand for {principal}");
            assert_eq!(caps.repeat_demand, repeat, "repeat demand for {principal}");
            assert_eq!(caps.total, total, "total for {principal}");
        }
    }
}
