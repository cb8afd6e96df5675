//! Penalty interest on a late payment, split into periods that each have one rate.
//!
//! Interest runs from the day after the due date up to and including the payment day. Each day is
//! charged 1/365 or 1/366 of the annual rate, by the length of the year the day falls in, and the
//! rate changes with the half-year. The range is therefore split at every half-year boundary,
//! which includes every year boundary. Amounts stay unrounded until the caller rounds the total
//! once with [`InterestBreakdown::total_rounded`].

use chrono::{Days, NaiveDate};
use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};

use super::{AfterTableEnd, HalfYear, InterestError, ReferenceRateEntry, ReferenceRateTable};
use crate::debtor::DebtorType;
use crate::money::Money;

/// Percentage points over the reference rate for consumer and other debts: Interest Act
/// 633/1982, section 4(1). The figure lives in [`crate::legal`] with the other legal figures.
pub const CONSUMER_MARGIN_PERCENT: Decimal = crate::legal::consumer::PENALTY_INTEREST_MARGIN;

/// Percentage points over the reference rate for business-to-business debts under the Act on
/// Payment Terms in Commercial Contracts 30/2013: Interest Act 633/1982, section 4 a(1).
pub const BUSINESS_MARGIN_PERCENT: Decimal = crate::legal::business::PENALTY_INTEREST_MARGIN;

/// Decimal places kept in the interest of one day.
///
/// Each period's amount is this daily amount times the number of days, so two adjacent ranges
/// always add up exactly to the range that joins them. The daily rounding changes an amount by at
/// most half of 10^-16 per day, far below a cent.
pub const DAILY_AMOUNT_DECIMALS: u32 = 16;

/// Days from sending an invoice without an agreed due date to the first day of penalty interest:
/// Interest Act 633/1982.
pub const DAYS_UNTIL_INTEREST_WITHOUT_DUE_DATE: u64 =
    crate::legal::DAYS_UNTIL_INTEREST_WITHOUT_DUE_DATE;

/// The largest principal accepted: 10^12 units of its currency. The daily interest on it at a
/// rate up to 108 % has 10 integer digits, which leaves room for [`DAILY_AMOUNT_DECIMALS`] places
/// in a 28-digit decimal.
const MAX_PRINCIPAL: Decimal = Decimal::from_parts(3_567_587_328, 232, 0, false, 0);

/// The highest contractual rate accepted, in percent a year.
const MAX_CONTRACTUAL_RATE_PERCENT: Decimal = Decimal::from_parts(100, 0, 0, false, 0);

/// Returns the statutory margin over the reference rate for the debtor type, in percentage points.
pub fn statutory_margin_percent(debtor_type: DebtorType) -> Decimal {
    match debtor_type {
        DebtorType::Consumer => CONSUMER_MARGIN_PERCENT,
        DebtorType::Business => BUSINESS_MARGIN_PERCENT,
    }
}

/// Returns the first day of penalty interest on an invoice without an agreed due date: 30 days
/// after the day it was sent, so an invoice sent on 1 March starts accruing on 31 March (Interest
/// Act 633/1982).
///
/// Pass the result as `first_day` to [`penalty_interest`]. Fails with
/// [`InterestError::DateOutOfRange`] at the end of chrono's date range.
pub fn interest_start_without_due_date(sent_on: NaiveDate) -> Result<NaiveDate, InterestError> {
    sent_on
        .checked_add_days(Days::new(DAYS_UNTIL_INTEREST_WITHOUT_DUE_DATE))
        .ok_or(InterestError::DateOutOfRange { date: sent_on })
}

/// The terms that decide the penalty interest rate of a debt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PenaltyTerms {
    debtor_type: DebtorType,
    contractual_rate_percent: Option<Decimal>,
    after_table_end: AfterTableEnd,
}

impl PenaltyTerms {
    /// Terms with the statutory rate for the debtor type and no contractual rate. Half-years
    /// after the end of the reference rate table are rejected.
    pub fn statutory(debtor_type: DebtorType) -> Self {
        PenaltyTerms {
            debtor_type,
            contractual_rate_percent: None,
            after_table_end: AfterTableEnd::Reject,
        }
    }

    /// Sets an agreed penalty interest rate in percent a year.
    ///
    /// For a business the agreed rate replaces the statutory one. For a consumer it applies only
    /// where it is not above the statutory rate, which caps it in every period (Interest Act
    /// 633/1982, section 2(2)). Fails for a rate below 0 or above 100 percent.
    pub fn with_contractual_rate(self, rate_percent: Decimal) -> Result<Self, InterestError> {
        if !(Decimal::ZERO..=MAX_CONTRACTUAL_RATE_PERCENT).contains(&rate_percent) {
            return Err(InterestError::ContractualRateOutOfRange { rate_percent });
        }
        Ok(PenaltyTerms {
            contractual_rate_percent: Some(rate_percent),
            ..self
        })
    }

    /// Sets what happens for half-years after the last entry of the reference rate table.
    pub fn with_after_table_end(self, after_table_end: AfterTableEnd) -> Self {
        PenaltyTerms {
            after_table_end,
            ..self
        }
    }

    /// The debtor type.
    pub fn debtor_type(&self) -> DebtorType {
        self.debtor_type
    }

    /// The agreed rate in percent a year, if any.
    pub fn contractual_rate_percent(&self) -> Option<Decimal> {
        self.contractual_rate_percent
    }

    /// The rule for half-years after the end of the reference rate table.
    pub fn after_table_end(&self) -> AfterTableEnd {
        self.after_table_end
    }
}

/// The source of a period's annual rate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RateBasis {
    /// The reference rate plus the statutory margin, or zero if that sum is negative.
    Statutory,
    /// The agreed rate.
    Contractual,
    /// A consumer's agreed rate was above the statutory rate, so the statutory rate applies.
    CappedAtStatutory,
}

/// A run of days within one half-year, charged at one annual rate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InterestPeriod {
    /// The first day charged.
    pub first_day: NaiveDate,
    /// The last day charged, included.
    pub last_day: NaiveDate,
    /// The number of days charged.
    pub days: u32,
    /// The annual rate in percent.
    pub annual_rate_percent: Decimal,
    /// 365, or 366 in a leap year: each day is charged this fraction of the annual rate.
    pub days_in_year: u32,
    /// The interest of the period, not rounded. See [`DAILY_AMOUNT_DECIMALS`].
    pub amount: Money,
    /// The source of the annual rate.
    pub basis: RateBasis,
    /// The reference rate table entry used, or `None` when a business's agreed rate applies
    /// without it.
    pub reference_rate: Option<ReferenceRateEntry>,
}

impl InterestPeriod {
    /// Whether the reference rate was carried forward from an earlier half-year because the table
    /// ends before this period.
    pub fn is_reference_rate_carried_forward(&self) -> bool {
        self.reference_rate
            .is_some_and(|entry| entry.half_year != HalfYear::containing(self.first_day))
    }
}

/// Penalty interest over a range of days, period by period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InterestBreakdown {
    /// The periods in date order. Empty when no day was late.
    pub periods: Vec<InterestPeriod>,
    /// The exact sum of the periods' amounts, not rounded.
    pub total: Money,
}

impl InterestBreakdown {
    /// The total rounded to the currency's minor unit, half away from zero. Round only here,
    /// never per period.
    pub fn total_rounded(&self) -> Money {
        self.total.round()
    }

    /// The number of days charged.
    pub fn days(&self) -> u32 {
        self.periods
            .iter()
            .fold(0_u32, |sum, period| sum.saturating_add(period.days))
    }
}

/// Computes penalty interest on `principal` for every day from `first_day` to `last_day`, both
/// included.
///
/// Pass the day after the due date as `first_day` and the payment day (or today, for interest to
/// date) as `last_day`. A `last_day` before `first_day` gives no periods and a zero total. A zero
/// principal gives the periods with zero amounts.
///
/// Fails when the principal is negative, when the reference rate table lacks a half-year that
/// the terms need (see [`ReferenceRateTable::rate_for`]), or when the principal exceeds 10^12
/// units of its currency.
pub fn penalty_interest(
    principal: Money,
    first_day: NaiveDate,
    last_day: NaiveDate,
    table: &ReferenceRateTable,
    terms: &PenaltyTerms,
) -> Result<InterestBreakdown, InterestError> {
    accrue(principal, Some(first_day), last_day, table, terms)
}

/// Computes penalty interest on a debt due on `due_date` and paid on `paid_on`, from the day after
/// the due date up to and including the payment day.
///
/// A payment on or before the due date gives no interest. When the due date falls on a
/// non-banking day, move it first with
/// [`BankingCalendar::banking_day_on_or_after`](crate::calendar::BankingCalendar::banking_day_on_or_after),
/// because a payment on the next banking day is on time. Fails like [`penalty_interest`].
pub fn penalty_interest_after_due_date(
    principal: Money,
    due_date: NaiveDate,
    paid_on: NaiveDate,
    table: &ReferenceRateTable,
    terms: &PenaltyTerms,
) -> Result<InterestBreakdown, InterestError> {
    // No day follows the last date chrono can represent, so then no day can be late.
    accrue(principal, due_date.succ_opt(), paid_on, table, terms)
}

fn accrue(
    principal: Money,
    first_day: Option<NaiveDate>,
    last_day: NaiveDate,
    table: &ReferenceRateTable,
    terms: &PenaltyTerms,
) -> Result<InterestBreakdown, InterestError> {
    if principal.is_negative() {
        return Err(InterestError::PrincipalNegative { principal });
    }
    if principal.amount() > MAX_PRINCIPAL {
        return Err(InterestError::Overflow { principal });
    }

    let mut periods = Vec::new();
    let mut next_start = first_day;
    while let Some(start) = next_start.filter(|start| *start <= last_day) {
        let end = HalfYear::containing(start).last_day().min(last_day);
        periods.push(interest_period(principal, start, end, table, terms)?);
        next_start = end.succ_opt();
    }

    let mut total = Decimal::ZERO;
    for period in &periods {
        total = add_exactly(total, period.amount.amount())
            .ok_or(InterestError::Overflow { principal })?;
    }
    Ok(InterestBreakdown {
        periods,
        total: Money::new(total, principal.currency()),
    })
}

/// Computes one period, whose days all lie in one half-year.
fn interest_period(
    principal: Money,
    first_day: NaiveDate,
    last_day: NaiveDate,
    table: &ReferenceRateTable,
    terms: &PenaltyTerms,
) -> Result<InterestPeriod, InterestError> {
    let overflow = || InterestError::Overflow { principal };

    let (annual_rate_percent, basis, reference_rate) =
        annual_rate(HalfYear::containing(first_day), table, terms)?;
    let days_in_year: u32 = if first_day.leap_year() { 366 } else { 365 };
    let days = last_day
        .signed_duration_since(first_day)
        .num_days()
        .checked_add(1)
        .and_then(|days| u32::try_from(days).ok())
        .ok_or_else(overflow)?;

    // interest of one day = principal * rate / 100 / days in year
    let daily = principal
        .amount()
        .checked_mul(annual_rate_percent)
        .and_then(|yearly| yearly.checked_div(Decimal::from(100 * days_in_year)))
        .ok_or_else(overflow)?
        .round_dp_with_strategy(
            DAILY_AMOUNT_DECIMALS,
            RoundingStrategy::MidpointAwayFromZero,
        );
    let amount = multiply_exactly(daily, days).ok_or_else(overflow)?;

    Ok(InterestPeriod {
        first_day,
        last_day,
        days,
        annual_rate_percent,
        days_in_year,
        amount: Money::new(amount, principal.currency()),
        basis,
        reference_rate,
    })
}

/// Decides the annual rate for a half-year. A business's agreed rate needs no table entry.
fn annual_rate(
    half_year: HalfYear,
    table: &ReferenceRateTable,
    terms: &PenaltyTerms,
) -> Result<(Decimal, RateBasis, Option<ReferenceRateEntry>), InterestError> {
    if let (DebtorType::Business, Some(agreed)) =
        (terms.debtor_type, terms.contractual_rate_percent)
    {
        return Ok((agreed, RateBasis::Contractual, None));
    }

    let reference = table.rate_for(half_year, terms.after_table_end)?;
    // Table rates lie from -10 to 100 percent, so the sum cannot overflow.
    let statutory =
        (reference.rate_percent + statutory_margin_percent(terms.debtor_type)).max(Decimal::ZERO);

    let rate = match terms.contractual_rate_percent {
        Some(agreed) if agreed <= statutory => (agreed, RateBasis::Contractual, Some(reference)),
        Some(_) => (statutory, RateBasis::CappedAtStatutory, Some(reference)),
        None => (statutory, RateBasis::Statutory, Some(reference)),
    };
    Ok(rate)
}

/// Multiplies by a day count, or returns `None` if the product would lose a decimal place.
fn multiply_exactly(daily: Decimal, days: u32) -> Option<Decimal> {
    let product = daily.checked_mul(Decimal::from(days))?;
    (product.scale() == daily.scale()).then_some(product)
}

/// Adds two amounts, or returns `None` if the sum would lose a decimal place.
fn add_exactly(left: Decimal, right: Decimal) -> Option<Decimal> {
    let sum = left.checked_add(right)?;
    (sum.scale() == left.scale().max(right.scale())).then_some(sum)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Currency;
    use crate::error::ErrorCode;
    use proptest::prelude::*;
    use rust_decimal_macros::dec;

    fn date(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    fn eur(text: &str) -> Money {
        Money::parse(text, Currency::EUR).unwrap()
    }

    fn half_year(text: &str) -> HalfYear {
        text.parse().unwrap()
    }

    fn consumer() -> PenaltyTerms {
        PenaltyTerms::statutory(DebtorType::Consumer)
    }

    fn business() -> PenaltyTerms {
        PenaltyTerms::statutory(DebtorType::Business)
    }

    /// Interest due on 2024-12-15 and paid on 2025-01-14 under the given terms.
    fn across_new_year(principal: Money, terms: &PenaltyTerms) -> InterestBreakdown {
        penalty_interest_after_due_date(
            principal,
            date("2024-12-15"),
            date("2025-01-14"),
            &ReferenceRateTable::finnish_default(),
            terms,
        )
        .unwrap()
    }

    /// Asserts that an unrounded amount is within 10^-12 of an exact fraction.
    fn assert_close(amount: Money, numerator: Decimal, denominator: Decimal) {
        let exact = numerator / denominator;
        let difference = (amount.amount() - exact).abs();
        assert!(difference < dec!(0.000000000001), "{amount:?} vs {exact}");
    }

    #[test]
    fn worked_example_to_the_cent() {
        let breakdown = across_new_year(eur("1000.00"), &consumer());
        assert_eq!(breakdown.periods.len(), 2);

        let december = &breakdown.periods[0];
        assert_eq!(december.first_day, date("2024-12-16"));
        assert_eq!(december.last_day, date("2024-12-31"));
        assert_eq!(december.days, 16);
        assert_eq!(december.annual_rate_percent, dec!(11.5));
        assert_eq!(december.days_in_year, 366);
        assert_eq!(december.basis, RateBasis::Statutory);
        assert_eq!(
            december.reference_rate.unwrap().half_year,
            half_year("2024-H2")
        );
        // 1000 * 11.5 % * 16 / 366
        assert_close(december.amount, dec!(1840), dec!(366));
        assert_eq!(december.amount.round(), eur("5.03"));

        let january = &breakdown.periods[1];
        assert_eq!(january.first_day, date("2025-01-01"));
        assert_eq!(january.last_day, date("2025-01-14"));
        assert_eq!(january.days, 14);
        assert_eq!(january.annual_rate_percent, dec!(10.5));
        assert_eq!(january.days_in_year, 365);
        assert_eq!(
            january.reference_rate.unwrap().half_year,
            half_year("2025-H1")
        );
        // 1000 * 10.5 % * 14 / 365
        assert_close(january.amount, dec!(1470), dec!(365));
        assert_eq!(january.amount.round(), eur("4.03"));

        let sum = december.amount.checked_add(january.amount).unwrap();
        assert_eq!(breakdown.total, sum);
        assert_eq!(breakdown.total_rounded(), eur("9.05"));
        assert_eq!(breakdown.total_rounded().to_string(), "9.05 EUR");
        assert_eq!(breakdown.days(), 30);
    }

    #[test]
    fn daily_amount_keeps_sixteen_places() {
        let breakdown = across_new_year(eur("1000.00"), &consumer());
        // 1000 * 11.5 / 36600 = 0.31420765027322404..., kept as 0.3142076502732240 per day.
        assert_eq!(
            breakdown.periods[0].amount.amount(),
            dec!(0.3142076502732240) * dec!(16)
        );
    }

    #[test]
    fn no_interest_on_or_before_due() {
        let table = ReferenceRateTable::finnish_default();
        for paid_on in ["2025-01-14", "2025-01-10"] {
            let breakdown = penalty_interest_after_due_date(
                eur("1000.00"),
                date("2025-01-14"),
                date(paid_on),
                &table,
                &consumer(),
            )
            .unwrap();
            assert!(breakdown.periods.is_empty(), "{paid_on}");
            assert_eq!(breakdown.total_rounded(), eur("0.00"), "{paid_on}");
            assert_eq!(breakdown.days(), 0, "{paid_on}");
        }
    }

    #[test]
    fn one_day_late_is_one_day() {
        let breakdown = penalty_interest_after_due_date(
            eur("1000.00"),
            date("2025-01-14"),
            date("2025-01-15"),
            &ReferenceRateTable::finnish_default(),
            &consumer(),
        )
        .unwrap();
        assert_eq!(breakdown.days(), 1);
        assert_close(breakdown.total, dec!(105), dec!(365));
    }

    #[test]
    fn splits_at_midyear() {
        let breakdown = penalty_interest(
            eur("1000.00"),
            date("2025-06-21"),
            date("2025-07-10"),
            &ReferenceRateTable::finnish_default(),
            &consumer(),
        )
        .unwrap();
        assert_eq!(breakdown.periods.len(), 2);

        let june = &breakdown.periods[0];
        assert_eq!(
            (june.first_day, june.last_day),
            (date("2025-06-21"), date("2025-06-30"))
        );
        assert_eq!(june.days, 10);
        assert_eq!(june.annual_rate_percent, dec!(10.5));
        assert_close(june.amount, dec!(1050), dec!(365));

        let july = &breakdown.periods[1];
        assert_eq!(
            (july.first_day, july.last_day),
            (date("2025-07-01"), date("2025-07-10"))
        );
        assert_eq!(july.days, 10);
        assert_eq!(july.annual_rate_percent, dec!(9.5));
        assert_close(july.amount, dec!(950), dec!(365));

        assert_eq!(breakdown.total_rounded(), eur("5.48"));
    }

    #[test]
    fn leap_year_uses_366() {
        let breakdown = penalty_interest(
            eur("1000.00"),
            date("2024-02-01"),
            date("2024-03-31"),
            &ReferenceRateTable::finnish_default(),
            &consumer(),
        )
        .unwrap();
        assert_eq!(breakdown.periods.len(), 1);
        assert_eq!(breakdown.periods[0].days, 60);
        assert_eq!(breakdown.periods[0].days_in_year, 366);
        // 1000 * 11.5 % * 60 / 366
        assert_close(breakdown.total, dec!(6900), dec!(366));
        assert_eq!(breakdown.total_rounded(), eur("18.85"));
    }

    #[test]
    fn business_adds_eight_points() {
        let breakdown = across_new_year(eur("1000.00"), &business());
        assert_eq!(breakdown.periods[0].annual_rate_percent, dec!(12.5));
        assert_eq!(breakdown.periods[1].annual_rate_percent, dec!(11.5));
        // 1000 * (12.5 % * 16 / 366 + 11.5 % * 14 / 365)
        assert_eq!(breakdown.total_rounded(), eur("9.88"));
    }

    #[test]
    fn consumer_contract_above_is_capped() {
        let terms = consumer().with_contractual_rate(dec!(20)).unwrap();
        let breakdown = across_new_year(eur("1000.00"), &terms);
        for period in &breakdown.periods {
            assert_eq!(period.basis, RateBasis::CappedAtStatutory);
        }
        assert_eq!(breakdown.periods[0].annual_rate_percent, dec!(11.5));
        assert_eq!(breakdown.periods[1].annual_rate_percent, dec!(10.5));
        assert_eq!(breakdown.total_rounded(), eur("9.05"));
    }

    #[test]
    fn consumer_contract_below_applies() {
        let terms = consumer().with_contractual_rate(dec!(5)).unwrap();
        let breakdown = across_new_year(eur("1000.00"), &terms);
        for period in &breakdown.periods {
            assert_eq!(period.basis, RateBasis::Contractual);
            assert_eq!(period.annual_rate_percent, dec!(5));
        }
        // 1000 * 5 % * (16 / 366 + 14 / 365)
        assert_eq!(breakdown.total_rounded(), eur("4.10"));
    }

    #[test]
    fn consumer_cap_follows_each_period() {
        // 11 % lies between the statutory 11.5 % of 2024 H2 and 10.5 % of 2025 H1.
        let terms = consumer().with_contractual_rate(dec!(11)).unwrap();
        let breakdown = across_new_year(eur("1000.00"), &terms);
        assert_eq!(breakdown.periods[0].basis, RateBasis::Contractual);
        assert_eq!(breakdown.periods[0].annual_rate_percent, dec!(11));
        assert_eq!(breakdown.periods[1].basis, RateBasis::CappedAtStatutory);
        assert_eq!(breakdown.periods[1].annual_rate_percent, dec!(10.5));
    }

    #[test]
    fn business_contract_needs_no_table() {
        let sparse = ReferenceRateTable::new(vec![ReferenceRateEntry {
            half_year: half_year("2019-H1"),
            rate_percent: dec!(0),
        }])
        .unwrap();
        let terms = business().with_contractual_rate(dec!(20)).unwrap();
        let breakdown = penalty_interest_after_due_date(
            eur("1000.00"),
            date("2024-12-15"),
            date("2025-01-14"),
            &sparse,
            &terms,
        )
        .unwrap();
        for period in &breakdown.periods {
            assert_eq!(period.basis, RateBasis::Contractual);
            assert_eq!(period.reference_rate, None);
        }
        // 1000 * 20 % * (16 / 366 + 14 / 365)
        assert_eq!(breakdown.total_rounded(), eur("16.41"));
    }

    #[test]
    fn contractual_rate_range_is_checked() {
        for rate in [dec!(-0.01), dec!(100.01)] {
            let error = consumer().with_contractual_rate(rate).unwrap_err();
            assert_eq!(error.code(), "contractual_rate_out_of_range", "{rate}");
            assert!(error.to_string().contains(&rate.to_string()), "{error}");
        }
        for rate in [dec!(0), dec!(100)] {
            assert!(business().with_contractual_rate(rate).is_ok(), "{rate}");
        }
    }

    #[test]
    fn zero_principal_gives_zero() {
        let breakdown = across_new_year(eur("0.00"), &consumer());
        assert_eq!(breakdown.periods.len(), 2);
        assert!(breakdown.total.is_zero());
        assert_eq!(breakdown.total_rounded(), eur("0.00"));
    }

    #[test]
    fn negative_principal_is_an_error() {
        let error = penalty_interest(
            eur("-1.00"),
            date("2025-01-01"),
            date("2025-01-10"),
            &ReferenceRateTable::finnish_default(),
            &consumer(),
        )
        .unwrap_err();
        assert_eq!(error.code(), "interest_principal_negative");
        assert!(error.to_string().contains("-1.00 EUR"), "{error}");
    }

    fn across_new_year_error(principal: Money) -> InterestError {
        penalty_interest_after_due_date(
            principal,
            date("2024-12-15"),
            date("2025-01-14"),
            &ReferenceRateTable::finnish_default(),
            &business(),
        )
        .unwrap_err()
    }

    #[test]
    fn huge_principal_is_an_error() {
        let error = across_new_year_error(eur("1000000000000.01"));
        assert_eq!(error.code(), "interest_overflow");

        let largest = across_new_year(eur("1000000000000.00"), &business());
        assert!(largest.total.is_positive());
    }

    #[test]
    fn inexact_sum_is_an_error() {
        // Decades at 100 % on the largest principal need more than 28 digits for the total.
        let terms = business().with_contractual_rate(dec!(100)).unwrap();
        let error = penalty_interest(
            eur("1000000000000.00"),
            date("1990-01-01"),
            date("2026-12-31"),
            &ReferenceRateTable::finnish_default(),
            &terms,
        )
        .unwrap_err();
        assert_eq!(error.code(), "interest_overflow");
        assert!(
            error.to_string().contains("1000000000000.00 EUR"),
            "{error}"
        );
    }

    #[test]
    fn missing_rate_names_half_year() {
        let error = penalty_interest_after_due_date(
            eur("100.00"),
            date("2018-12-15"),
            date("2019-01-10"),
            &ReferenceRateTable::finnish_default(),
            &consumer(),
        )
        .unwrap_err();
        assert_eq!(error.code(), "reference_rate_missing");
        assert!(error.to_string().contains("2018-H2"), "{error}");
    }

    #[test]
    fn rate_after_table_is_rejected() {
        let error = penalty_interest_after_due_date(
            eur("100.00"),
            date("2026-06-15"),
            date("2026-07-10"),
            &ReferenceRateTable::finnish_default(),
            &consumer(),
        )
        .unwrap_err();
        assert_eq!(error.code(), "reference_rate_after_table");
        assert!(error.to_string().contains("2026-H2"), "{error}");
    }

    #[test]
    fn rate_after_table_carried_forward() {
        let terms = consumer().with_after_table_end(AfterTableEnd::CarryLastRateForward);
        let breakdown = penalty_interest_after_due_date(
            eur("100.00"),
            date("2026-06-15"),
            date("2026-07-10"),
            &ReferenceRateTable::finnish_default(),
            &terms,
        )
        .unwrap();
        assert_eq!(breakdown.periods.len(), 2);
        assert!(!breakdown.periods[0].is_reference_rate_carried_forward());
        assert!(breakdown.periods[1].is_reference_rate_carried_forward());
        assert_eq!(
            breakdown.periods[1].reference_rate.unwrap().half_year,
            half_year("2026-H1")
        );
        assert_eq!(breakdown.periods[1].annual_rate_percent, dec!(9.5));
    }

    #[test]
    fn start_without_due_date() {
        assert_eq!(
            interest_start_without_due_date(date("2026-03-01")).unwrap(),
            date("2026-03-31")
        );
        assert_eq!(
            interest_start_without_due_date(date("2025-12-15")).unwrap(),
            date("2026-01-14")
        );
        let error = interest_start_without_due_date(NaiveDate::MAX).unwrap_err();
        assert_eq!(error.code(), "interest_date_out_of_range");
    }

    #[test]
    fn due_on_last_chrono_date() {
        let breakdown = penalty_interest_after_due_date(
            eur("100.00"),
            NaiveDate::MAX,
            NaiveDate::MAX,
            &ReferenceRateTable::finnish_default(),
            &consumer(),
        )
        .unwrap();
        assert!(breakdown.periods.is_empty());
    }

    #[test]
    fn breakdown_serializes() {
        let breakdown = across_new_year(eur("1000.00"), &consumer());
        let json = serde_json::to_value(&breakdown).unwrap();
        assert_eq!(json["periods"][0]["first_day"], "2024-12-16");
        assert_eq!(json["periods"][0]["annual_rate_percent"], "11.50");
        assert_eq!(json["periods"][0]["basis"], "statutory");
        let back: InterestBreakdown = serde_json::from_value(json).unwrap();
        assert_eq!(back, breakdown);
    }

    proptest! {
        #[test]
        fn split_ranges_add_up_exactly(
            cents in 0_i64..100_000_000_000_000,
            start_offset in 0_u64..2738,
            length in 0_u64..1200,
            split in 0_u64..1200,
            is_business in any::<bool>(),
        ) {
            let table = ReferenceRateTable::finnish_default();
            let terms = if is_business { business() } else { consumer() };
            let principal = Money::from_minor_units(cents, Currency::EUR);

            let first_day = date("2019-01-01").checked_add_days(Days::new(start_offset)).unwrap();
            let last_day = first_day
                .checked_add_days(Days::new(length))
                .unwrap()
                .min(date("2026-06-30"));
            let days = u64::try_from(last_day.signed_duration_since(first_day).num_days() + 1).unwrap();
            let split_day = first_day.checked_add_days(Days::new(split % (days + 1))).unwrap();

            let whole = penalty_interest(principal, first_day, last_day, &table, &terms).unwrap();
            let before = penalty_interest(principal, first_day, split_day.pred_opt().unwrap(), &table, &terms).unwrap();
            let after = penalty_interest(principal, split_day, last_day, &table, &terms).unwrap();

            prop_assert_eq!(whole.total, before.total.checked_add(after.total).unwrap());
            prop_assert_eq!(whole.days(), before.days() + after.days());
            prop_assert_eq!(u64::from(whole.days()), days);
        }
    }
}
