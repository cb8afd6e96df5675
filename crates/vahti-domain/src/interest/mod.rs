//! Penalty interest under the Finnish Interest Act (633/1982).
//!
//! The penalty interest rate is the reference rate of the half-year plus 7 percentage points, or
//! plus 8 between businesses. The reference rate changes every half-year, so interest over a
//! longer period is split into parts with their own rates. Reference rates are data, kept in a
//! [`ReferenceRateTable`] that operators can update without a new release.

mod half_year;
mod penalty;
mod reference_rate;

pub use half_year::{Half, HalfYear};
pub use penalty::{
    BUSINESS_MARGIN_PERCENT, CONSUMER_MARGIN_PERCENT, DAILY_AMOUNT_DECIMALS,
    DAYS_UNTIL_INTEREST_WITHOUT_DUE_DATE, InterestBreakdown, InterestPeriod, PenaltyTerms,
    RateBasis, interest_start_without_due_date, penalty_interest, penalty_interest_after_due_date,
    statutory_margin_percent,
};
pub use reference_rate::{
    AfterTableEnd, MAX_REFERENCE_RATE_PERCENT, MIN_REFERENCE_RATE_PERCENT, ReferenceRateEntry,
    ReferenceRateTable,
};

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::error::ErrorCode;
use crate::money::Money;

/// An error in the reference rate table or in an interest computation.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InterestError {
    /// A half-year is not written as a year and `H1` or `H2`, or its year is out of range.
    #[error(
        "invalid half-year {value:?}: write a year from -262143 to 262142, a hyphen and H1 or H2, such as 2025-H2"
    )]
    HalfYearInvalid {
        /// The half-year as given.
        value: String,
    },

    /// A reference rate table has no entries.
    #[error("the reference rate table is empty: add at least one half-year with its rate")]
    ReferenceRateTableEmpty,

    /// A reference rate table lists the same half-year twice.
    #[error(
        "duplicate reference rate for {half_year}: keep one rate per half-year in the reference rate table"
    )]
    ReferenceRateDuplicate {
        /// The half-year listed more than once.
        half_year: HalfYear,
    },

    /// A reference rate is outside the accepted range.
    #[error(
        "invalid reference rate {rate_percent} % for {half_year}: the rate must be from {} to {} percent",
        MIN_REFERENCE_RATE_PERCENT,
        MAX_REFERENCE_RATE_PERCENT
    )]
    ReferenceRateOutOfRange {
        /// The half-year of the rate.
        half_year: HalfYear,
        /// The rate as given, in percent.
        rate_percent: Decimal,
    },

    /// The table has no rate for a half-year within or before its entries.
    #[error(
        "missing reference rate for {half_year}: add the Bank of Finland reference rate for {half_year} to the reference rate table"
    )]
    ReferenceRateMissing {
        /// The half-year without a rate.
        half_year: HalfYear,
    },

    /// The half-year comes after the last entry of the table.
    #[error(
        "missing reference rate for {half_year}: the reference rate table ends at {last}. Add the Bank of Finland reference rate for {half_year}, or allow carrying the last known rate forward"
    )]
    ReferenceRateAfterTable {
        /// The half-year without a rate.
        half_year: HalfYear,
        /// The last half-year in the table.
        last: HalfYear,
    },

    /// A contractual interest rate is negative or above 100 percent.
    #[error(
        "invalid contractual interest rate {rate_percent} %: the rate must be from 0 to 100 percent a year"
    )]
    ContractualRateOutOfRange {
        /// The rate as given, in percent.
        rate_percent: Decimal,
    },

    /// Interest was requested on a negative principal.
    #[error(
        "invalid principal {principal}: penalty interest needs a principal of zero or more, because a credit balance earns no penalty interest"
    )]
    PrincipalNegative {
        /// The principal as given.
        principal: Money,
    },

    /// A date computed from the given date falls outside chrono's date range.
    #[error("date out of range: no date follows {date} by the required number of days")]
    DateOutOfRange {
        /// The date as given.
        date: NaiveDate,
    },

    /// The interest cannot be computed exactly because the amounts are too large.
    #[error(
        "interest on {principal} is too large to compute exactly to 16 decimal places: use a principal of at most 1000000000000, or split the date range"
    )]
    Overflow {
        /// The principal as given.
        principal: Money,
    },
}

impl ErrorCode for InterestError {
    fn code(&self) -> &'static str {
        match self {
            InterestError::HalfYearInvalid { .. } => "half_year_invalid",
            InterestError::ReferenceRateTableEmpty => "reference_rate_table_empty",
            InterestError::ReferenceRateDuplicate { .. } => "reference_rate_duplicate",
            InterestError::ReferenceRateOutOfRange { .. } => "reference_rate_out_of_range",
            InterestError::ReferenceRateMissing { .. } => "reference_rate_missing",
            InterestError::ReferenceRateAfterTable { .. } => "reference_rate_after_table",
            InterestError::ContractualRateOutOfRange { .. } => "contractual_rate_out_of_range",
            InterestError::PrincipalNegative { .. } => "interest_principal_negative",
            InterestError::DateOutOfRange { .. } => "interest_date_out_of_range",
            InterestError::Overflow { .. } => "interest_overflow",
        }
    }
}
