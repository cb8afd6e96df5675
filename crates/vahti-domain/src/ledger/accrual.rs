//! Penalty interest accrued day by day on an invoice's changing principal.
//!
//! The ledger accrues up to each day on which the principal changes, so every day is charged on
//! the principal outstanding that day. The exact total is kept unrounded and rounded only when an
//! amount is needed, never per period.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::state::AccruedPeriod;
use crate::interest::{
    HalfYear, InterestError, InterestPeriod, PenaltyTerms, ReferenceRateTable,
    interest_start_without_due_date, penalty_interest,
};
use crate::{Currency, Money};

/// The interest accrued so far on one invoice.
#[derive(Debug, Clone)]
pub(super) struct Accrual {
    /// The first day not yet accrued, or `None` when no day is left to charge.
    next_day: Option<NaiveDate>,
    /// The exact sum of the periods' amounts.
    total: Decimal,
    periods: Vec<AccruedPeriod>,
}

impl Accrual {
    /// Starts an accrual on the day after the due date or, without a due date, 30 days after the
    /// invoice was sent (Interest Act 633/1982). An invoice with neither accrues nothing.
    pub(super) fn new(
        due_date: Option<NaiveDate>,
        sent_on: Option<NaiveDate>,
    ) -> Result<Self, InterestError> {
        let next_day = match (due_date, sent_on) {
            (Some(due), _) => due.succ_opt(),
            (None, Some(sent)) => Some(interest_start_without_due_date(sent)?),
            (None, None) => None,
        };
        Ok(Accrual {
            next_day,
            total: Decimal::ZERO,
            periods: Vec::new(),
        })
    }

    /// Accrues interest on `principal` for each day not yet accrued up to and including
    /// `through`. A zero principal only moves the accrual forward.
    pub(super) fn accrue_through(
        &mut self,
        principal: Money,
        through: NaiveDate,
        rates: &ReferenceRateTable,
        terms: &PenaltyTerms,
    ) -> Result<(), InterestError> {
        let Some(first_day) = self.next_day else {
            return Ok(());
        };
        if through < first_day {
            return Ok(());
        }

        if principal.is_positive() {
            let breakdown = penalty_interest(principal, first_day, through, rates, terms)?;
            self.total = add_exactly(self.total, breakdown.total.amount())
                .ok_or(InterestError::Overflow { principal })?;
            for period in breakdown.periods {
                self.push(principal, period);
            }
        }

        self.next_day = through.succ_opt();
        Ok(())
    }

    /// Returns the accrued total, rounded half away from zero to the currency's minor unit.
    pub(super) fn rounded(&self, currency: Currency) -> Decimal {
        Money::new(self.total, currency).round().amount()
    }

    /// Returns the periods in date order.
    pub(super) fn into_periods(self) -> Vec<AccruedPeriod> {
        self.periods
    }

    /// Appends a period, merging it into the previous one when it continues it on the same
    /// principal at the same rate in the same half-year.
    fn push(&mut self, principal: Money, period: InterestPeriod) {
        if let Some(last) = self.periods.last_mut() {
            let continues = last.principal == principal
                && last.period.last_day.succ_opt() == Some(period.first_day)
                && HalfYear::containing(last.period.first_day)
                    == HalfYear::containing(period.first_day)
                && last.period.annual_rate_percent == period.annual_rate_percent
                && last.period.days_in_year == period.days_in_year
                && last.period.basis == period.basis
                && last.period.reference_rate == period.reference_rate;
            let days = last.period.days.checked_add(period.days);
            let amount = add_exactly(last.period.amount.amount(), period.amount.amount());
            if let (true, Some(days), Some(amount)) = (continues, days, amount) {
                last.period.last_day = period.last_day;
                last.period.days = days;
                last.period.amount = Money::new(amount, principal.currency());
                return;
            }
        }
        self.periods.push(AccruedPeriod { principal, period });
    }
}

/// Adds two amounts, or returns `None` if the sum would overflow or lose a decimal place.
fn add_exactly(left: Decimal, right: Decimal) -> Option<Decimal> {
    let sum = left.checked_add(right)?;
    (sum.scale() >= left.scale().max(right.scale())).then_some(sum)
}
