//! The table of Finnish reference rates per half-year.
//!
//! Under the Interest Act 633/1982 (section 12) the reference rate of a half-year is the rate of
//! the European Central Bank's latest main refinancing operation before the half-year starts,
//! rounded up to the next half percentage point. The Bank of Finland announces it (section 12 a).
//! Rates change twice a year, so the table is data that can be stored and updated without a new
//! release.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::{Half, HalfYear, InterestError};

/// The lowest reference rate a table accepts, in percent.
pub const MIN_REFERENCE_RATE_PERCENT: Decimal = Decimal::from_parts(10, 0, 0, true, 0);

/// The highest reference rate a table accepts, in percent.
pub const MAX_REFERENCE_RATE_PERCENT: Decimal = Decimal::from_parts(100, 0, 0, false, 0);

/// The reference rate of one half-year.
///
/// In serde the rate is a decimal string: `{"half_year": "2025-H1", "rate_percent": "3.50"}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReferenceRateEntry {
    /// The half-year the rate applies to.
    pub half_year: HalfYear,
    /// The annual rate in percent, such as 3.50.
    pub rate_percent: Decimal,
}

/// The lookup rule for a half-year after the last entry of the table.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AfterTableEnd {
    /// Fail with [`InterestError::ReferenceRateAfterTable`], so that no debtor is charged a rate
    /// that was never published.
    #[default]
    Reject,
    /// Use the rate of the last entry, so that interest can still be computed while the operator
    /// has not yet added the new rate. Each period shows which entry its rate came from.
    CarryLastRateForward,
}

/// Reference rates per half-year, sorted, with at most one rate per half-year.
///
/// In serde the table is `{"rates": [{"half_year": "2025-H1", "rate_percent": "3.50"}, ...]}`,
/// and deserializing validates it like [`ReferenceRateTable::new`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "ReferenceRateTableFields")]
pub struct ReferenceRateTable {
    rates: Vec<ReferenceRateEntry>,
}

/// The serde form of a [`ReferenceRateTable`], before validation.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ReferenceRateTableFields {
    rates: Vec<ReferenceRateEntry>,
}

impl TryFrom<ReferenceRateTableFields> for ReferenceRateTable {
    type Error = InterestError;

    fn try_from(fields: ReferenceRateTableFields) -> Result<Self, Self::Error> {
        ReferenceRateTable::new(fields.rates)
    }
}

/// The Finnish reference rates as announced by the Bank of Finland, in hundredths of a percent.
const FINNISH_RATES: [(i32, Half, i64); 15] = [
    (2019, Half::H1, 0),
    (2019, Half::H2, 0),
    (2020, Half::H1, 0),
    (2020, Half::H2, 0),
    (2021, Half::H1, 0),
    (2021, Half::H2, 0),
    (2022, Half::H1, 0),
    (2022, Half::H2, 0),
    (2023, Half::H1, 250),
    (2023, Half::H2, 400),
    (2024, Half::H1, 450),
    (2024, Half::H2, 450),
    (2025, Half::H1, 350),
    // NOTE: 2025 H2 is not confirmed against a Bank of Finland announcement. Check it before
    // relying on interest for July to December 2025.
    (2025, Half::H2, 250),
    (2026, Half::H1, 250),
];

impl ReferenceRateTable {
    /// Builds a table from entries in any order.
    ///
    /// Fails when there are no entries, when a half-year is listed twice, or when a rate is
    /// outside [`MIN_REFERENCE_RATE_PERCENT`] to [`MAX_REFERENCE_RATE_PERCENT`].
    pub fn new(entries: Vec<ReferenceRateEntry>) -> Result<Self, InterestError> {
        if entries.is_empty() {
            return Err(InterestError::ReferenceRateTableEmpty);
        }

        let mut table = ReferenceRateTable {
            rates: Vec::with_capacity(entries.len()),
        };
        for entry in entries {
            table.insert(entry)?;
        }
        Ok(table)
    }

    /// The Finnish reference rates from 2019 H1 to 2026 H1, as announced by the Bank of Finland
    /// (Suomen Pankki).
    ///
    /// The rates are 0.00 % from 2019 H1 to 2022 H2, 2.50 % in 2023 H1 and 4.00 % in 2023 H2.
    /// They are 4.50 % in both halves of 2024, 3.50 % in 2025 H1, 2.50 % in 2025 H2 and 2.50 % in
    /// 2026 H1. The rate for 2025 H2 is unverified, because it has not been checked against the
    /// Bank of Finland's announcement.
    pub fn finnish_default() -> Self {
        let rates = FINNISH_RATES
            .iter()
            .map(|&(year, half, hundredths)| ReferenceRateEntry {
                half_year: HalfYear::known(year, half),
                rate_percent: Decimal::new(hundredths, 2),
            })
            .collect();
        ReferenceRateTable { rates }
    }

    /// Adds the rate of a half-year that the table does not list yet, such as a newly announced
    /// one. Fails on a duplicate half-year or a rate out of range, and leaves the table unchanged.
    pub fn insert(&mut self, entry: ReferenceRateEntry) -> Result<(), InterestError> {
        let in_range =
            (MIN_REFERENCE_RATE_PERCENT..=MAX_REFERENCE_RATE_PERCENT).contains(&entry.rate_percent);
        if !in_range {
            return Err(InterestError::ReferenceRateOutOfRange {
                half_year: entry.half_year,
                rate_percent: entry.rate_percent,
            });
        }

        match self.position(entry.half_year) {
            Ok(_) => Err(InterestError::ReferenceRateDuplicate {
                half_year: entry.half_year,
            }),
            Err(index) => {
                self.rates.insert(index, entry);
                Ok(())
            }
        }
    }

    /// The entries, sorted by half-year.
    pub fn entries(&self) -> &[ReferenceRateEntry] {
        &self.rates
    }

    /// The last half-year in the table.
    pub fn last_half_year(&self) -> Option<HalfYear> {
        self.rates.last().map(|entry| entry.half_year)
    }

    /// Looks up the reference rate for a half-year.
    ///
    /// Returns the entry the rate comes from, which is the last entry of the table when
    /// `after_end` carries it forward. Fails with [`InterestError::ReferenceRateMissing`] for a
    /// half-year before the first entry or in a gap, and with
    /// [`InterestError::ReferenceRateAfterTable`] for one after the last entry unless `after_end`
    /// is [`AfterTableEnd::CarryLastRateForward`].
    pub fn rate_for(
        &self,
        half_year: HalfYear,
        after_end: AfterTableEnd,
    ) -> Result<ReferenceRateEntry, InterestError> {
        let listed = self
            .position(half_year)
            .ok()
            .and_then(|index| self.rates.get(index));
        if let Some(entry) = listed {
            return Ok(*entry);
        }

        match self.rates.last() {
            Some(last) if half_year > last.half_year => match after_end {
                AfterTableEnd::CarryLastRateForward => Ok(*last),
                AfterTableEnd::Reject => Err(InterestError::ReferenceRateAfterTable {
                    half_year,
                    last: last.half_year,
                }),
            },
            _ => Err(InterestError::ReferenceRateMissing { half_year }),
        }
    }

    fn position(&self, half_year: HalfYear) -> Result<usize, usize> {
        self.rates
            .binary_search_by_key(&half_year, |entry| entry.half_year)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;
    use rust_decimal_macros::dec;

    fn half_year(text: &str) -> HalfYear {
        text.parse().unwrap()
    }

    fn entry(text: &str, rate_percent: Decimal) -> ReferenceRateEntry {
        ReferenceRateEntry {
            half_year: half_year(text),
            rate_percent,
        }
    }

    #[test]
    fn finnish_default_rates() {
        let table = ReferenceRateTable::finnish_default();
        let cases = [
            ("2019-H1", dec!(0.00)),
            ("2020-H2", dec!(0.00)),
            ("2022-H2", dec!(0.00)),
            ("2023-H1", dec!(2.50)),
            ("2023-H2", dec!(4.00)),
            ("2024-H1", dec!(4.50)),
            ("2024-H2", dec!(4.50)),
            ("2025-H1", dec!(3.50)),
            ("2025-H2", dec!(2.50)),
            ("2026-H1", dec!(2.50)),
        ];
        for (text, expected) in cases {
            let found = table
                .rate_for(half_year(text), AfterTableEnd::Reject)
                .unwrap();
            assert_eq!(found.rate_percent, expected, "{text}");
            assert_eq!(found.half_year, half_year(text));
        }
        assert_eq!(table.entries().len(), 15);
        assert_eq!(table.last_half_year(), Some(half_year("2026-H1")));
    }

    #[test]
    fn finnish_default_passes_validation() {
        let table = ReferenceRateTable::finnish_default();
        let rebuilt = ReferenceRateTable::new(table.entries().to_vec()).unwrap();
        assert_eq!(rebuilt, table);
    }

    #[test]
    fn missing_half_years_are_errors() {
        let table = ReferenceRateTable::new(vec![
            entry("2024-H1", dec!(4.50)),
            entry("2025-H1", dec!(3.50)),
        ])
        .unwrap();

        for text in ["2023-H2", "2024-H2"] {
            let error = table
                .rate_for(half_year(text), AfterTableEnd::CarryLastRateForward)
                .unwrap_err();
            assert_eq!(error.code(), "reference_rate_missing", "{text}");
            assert!(error.to_string().contains(text), "{error}");
            assert!(error.to_string().contains("add the"), "{error}");
        }
    }

    #[test]
    fn after_table_rejects_by_default() {
        let table = ReferenceRateTable::finnish_default();
        let error = table
            .rate_for(half_year("2026-H2"), AfterTableEnd::default())
            .unwrap_err();
        assert_eq!(error.code(), "reference_rate_after_table");
        assert!(error.to_string().contains("2026-H2"), "{error}");
        assert!(error.to_string().contains("ends at 2026-H1"), "{error}");
    }

    #[test]
    fn after_table_can_carry_forward() {
        let table = ReferenceRateTable::finnish_default();
        let carried = table
            .rate_for(half_year("2027-H2"), AfterTableEnd::CarryLastRateForward)
            .unwrap();
        assert_eq!(carried, entry("2026-H1", dec!(2.50)));
    }

    #[test]
    fn new_sorts_entries() {
        let table = ReferenceRateTable::new(vec![
            entry("2025-H1", dec!(3.50)),
            entry("2024-H1", dec!(4.50)),
            entry("2024-H2", dec!(4.50)),
        ])
        .unwrap();
        let order: Vec<String> = table
            .entries()
            .iter()
            .map(|entry| entry.half_year.to_string())
            .collect();
        assert_eq!(order, ["2024-H1", "2024-H2", "2025-H1"]);
    }

    #[test]
    fn new_rejects_duplicates() {
        let error = ReferenceRateTable::new(vec![
            entry("2024-H1", dec!(4.50)),
            entry("2024-H1", dec!(4.00)),
        ])
        .unwrap_err();
        assert_eq!(error.code(), "reference_rate_duplicate");
        assert!(error.to_string().contains("2024-H1"), "{error}");
    }

    #[test]
    fn new_checks_rate_range() {
        for rate in [dec!(-10), dec!(0), dec!(100)] {
            assert!(
                ReferenceRateTable::new(vec![entry("2024-H1", rate)]).is_ok(),
                "{rate}"
            );
        }
        for rate in [dec!(-10.01), dec!(100.01)] {
            let error = ReferenceRateTable::new(vec![entry("2024-H1", rate)]).unwrap_err();
            assert_eq!(error.code(), "reference_rate_out_of_range", "{rate}");
            assert!(error.to_string().contains(&rate.to_string()), "{error}");
            assert!(error.to_string().contains("2024-H1"), "{error}");
        }
    }

    #[test]
    fn new_rejects_empty_table() {
        let error = ReferenceRateTable::new(Vec::new()).unwrap_err();
        assert_eq!(error.code(), "reference_rate_table_empty");
    }

    #[test]
    fn insert_adds_new_half_year() {
        let mut table = ReferenceRateTable::finnish_default();
        table.insert(entry("2026-H2", dec!(2.00))).unwrap();
        assert_eq!(table.last_half_year(), Some(half_year("2026-H2")));

        let error = table.insert(entry("2026-H2", dec!(2.50))).unwrap_err();
        assert_eq!(error.code(), "reference_rate_duplicate");
        assert_eq!(
            table
                .rate_for(half_year("2026-H2"), AfterTableEnd::Reject)
                .unwrap()
                .rate_percent,
            dec!(2.00)
        );
    }

    #[test]
    fn serde_round_trip() {
        let table = ReferenceRateTable::new(vec![
            entry("2024-H2", dec!(4.50)),
            entry("2025-H1", dec!(3.50)),
        ])
        .unwrap();
        let json = serde_json::to_string(&table).unwrap();
        assert_eq!(
            json,
            r#"{"rates":[{"half_year":"2024-H2","rate_percent":"4.50"},{"half_year":"2025-H1","rate_percent":"3.50"}]}"#
        );
        let back: ReferenceRateTable = serde_json::from_str(&json).unwrap();
        assert_eq!(back, table);

        let default_json = serde_json::to_string(&ReferenceRateTable::finnish_default()).unwrap();
        let default_back: ReferenceRateTable = serde_json::from_str(&default_json).unwrap();
        assert_eq!(default_back, ReferenceRateTable::finnish_default());
    }

    #[test]
    fn serde_validates_table() {
        let duplicate = r#"{"rates":[{"half_year":"2024-H2","rate_percent":"4.50"},{"half_year":"2024-H2","rate_percent":"4.00"}]}"#;
        let error = serde_json::from_str::<ReferenceRateTable>(duplicate)
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("duplicate reference rate for 2024-H2"),
            "{error}"
        );

        let out_of_range = r#"{"rates":[{"half_year":"2024-H2","rate_percent":"450"}]}"#;
        assert!(serde_json::from_str::<ReferenceRateTable>(out_of_range).is_err());

        let empty = r#"{"rates":[]}"#;
        assert!(serde_json::from_str::<ReferenceRateTable>(empty).is_err());
    }

    #[test]
    fn after_table_end_serde() {
        let json = serde_json::to_string(&AfterTableEnd::CarryLastRateForward).unwrap();
        assert_eq!(json, "\"carry_last_rate_forward\"");
        assert_eq!(AfterTableEnd::default(), AfterTableEnd::Reject);
    }
}
