//! Half-years, the periods for which the Finnish reference rate is fixed.

use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::InterestError;

/// One half of a calendar year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Half {
    /// 1 January to 30 June.
    H1,
    /// 1 July to 31 December.
    H2,
}

/// A half-year, such as `2025-H2` (1 July to 31 December 2025).
///
/// The year lies in chrono's date range, so the first and last days always exist. Half-years
/// order by time, and serde writes them as the text form `2025-H2`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct HalfYear {
    year: i32,
    half: Half,
}

impl HalfYear {
    /// Creates a half-year. Fails with [`InterestError::HalfYearInvalid`] for a year outside
    /// chrono's date range (-262143 to 262142).
    pub fn new(year: i32, half: Half) -> Result<Self, InterestError> {
        if (NaiveDate::MIN.year()..=NaiveDate::MAX.year()).contains(&year) {
            Ok(HalfYear { year, half })
        } else {
            Err(InterestError::HalfYearInvalid {
                value: HalfYear { year, half }.to_string(),
            })
        }
    }

    /// Creates a half-year whose year the caller knows to be in range, for constant tables.
    pub(super) const fn known(year: i32, half: Half) -> Self {
        HalfYear { year, half }
    }

    /// The half-year that contains the date.
    pub fn containing(date: NaiveDate) -> Self {
        let half = if date.month() <= 6 {
            Half::H1
        } else {
            Half::H2
        };
        HalfYear {
            year: date.year(),
            half,
        }
    }

    /// The calendar year.
    pub fn year(self) -> i32 {
        self.year
    }

    /// The half of the year.
    pub fn half(self) -> Half {
        self.half
    }

    /// The first day: 1 January or 1 July.
    pub fn first_day(self) -> NaiveDate {
        let month = match self.half {
            Half::H1 => 1,
            Half::H2 => 7,
        };
        // The constructors keep the year within chrono's range, where every 1 January and 1 July
        // exists, so the fallback is never used.
        NaiveDate::from_ymd_opt(self.year, month, 1).unwrap_or(NaiveDate::MIN)
    }

    /// The last day: 30 June or 31 December.
    pub fn last_day(self) -> NaiveDate {
        let (month, day) = match self.half {
            Half::H1 => (6, 30),
            Half::H2 => (12, 31),
        };
        // As in `first_day`, the date always exists.
        NaiveDate::from_ymd_opt(self.year, month, day).unwrap_or(NaiveDate::MAX)
    }
}

/// Prints the year, a hyphen and the half: `2025-H2`.
impl fmt::Display for HalfYear {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let half = match self.half {
            Half::H1 => "H1",
            Half::H2 => "H2",
        };
        write!(f, "{}-{half}", self.year)
    }
}

/// Parses the form `2025-H2`. Surrounding white space and a lower-case `h` are accepted.
impl FromStr for HalfYear {
    type Err = InterestError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let invalid = || InterestError::HalfYearInvalid {
            value: s.to_owned(),
        };

        let (year, half) = s.trim().rsplit_once('-').ok_or_else(invalid)?;
        let half = match half {
            "H1" | "h1" => Half::H1,
            "H2" | "h2" => Half::H2,
            _ => return Err(invalid()),
        };
        let year: i32 = year.parse().map_err(|_| invalid())?;
        HalfYear::new(year, half).map_err(|_| invalid())
    }
}

impl Serialize for HalfYear {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for HalfYear {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;

    fn date(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    #[test]
    fn containing_splits_at_july() {
        let cases = [
            ("2025-01-01", "2025-H1"),
            ("2025-06-30", "2025-H1"),
            ("2025-07-01", "2025-H2"),
            ("2025-12-31", "2025-H2"),
        ];
        for (day, expected) in cases {
            assert_eq!(
                HalfYear::containing(date(day)).to_string(),
                expected,
                "{day}"
            );
        }
    }

    #[test]
    fn first_and_last_days() {
        let first_half = HalfYear::new(2024, Half::H1).unwrap();
        assert_eq!(first_half.first_day(), date("2024-01-01"));
        assert_eq!(first_half.last_day(), date("2024-06-30"));

        let second_half = HalfYear::new(2024, Half::H2).unwrap();
        assert_eq!(second_half.first_day(), date("2024-07-01"));
        assert_eq!(second_half.last_day(), date("2024-12-31"));
    }

    #[test]
    fn half_years_order_by_time() {
        let earlier = HalfYear::new(2024, Half::H2).unwrap();
        let later = HalfYear::new(2025, Half::H1).unwrap();
        assert!(earlier < later);
        assert!(HalfYear::new(2025, Half::H1).unwrap() < HalfYear::new(2025, Half::H2).unwrap());
    }

    #[test]
    fn parse_accepts_text_forms() {
        let expected = HalfYear::new(2025, Half::H2).unwrap();
        for text in ["2025-H2", " 2025-h2 "] {
            assert_eq!(text.parse::<HalfYear>().unwrap(), expected, "{text:?}");
        }
        assert_eq!(
            "-5-H1".parse::<HalfYear>().unwrap(),
            HalfYear::new(-5, Half::H1).unwrap()
        );
    }

    #[test]
    fn parse_rejects_bad_text() {
        for text in [
            "",
            "2025",
            "2025-H3",
            "2025H1",
            "year-H1",
            "2025-H1-",
            "300000-H1",
        ] {
            let error = text.parse::<HalfYear>().unwrap_err();
            assert_eq!(error.code(), "half_year_invalid", "{text:?}");
            assert!(error.to_string().contains(&format!("{text:?}")), "{error}");
        }
    }

    #[test]
    fn new_rejects_years_beyond_chrono() {
        let error = HalfYear::new(i32::MAX, Half::H1).unwrap_err();
        assert_eq!(error.code(), "half_year_invalid");
        assert!(error.to_string().contains(&i32::MAX.to_string()));
    }

    #[test]
    fn serde_uses_text_form() {
        let half_year = HalfYear::new(2026, Half::H1).unwrap();
        let json = serde_json::to_string(&half_year).unwrap();
        assert_eq!(json, "\"2026-H1\"");
        let back: HalfYear = serde_json::from_str(&json).unwrap();
        assert_eq!(back, half_year);
        assert!(serde_json::from_str::<HalfYear>("\"2026-H3\"").is_err());
    }
}
