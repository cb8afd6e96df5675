//! The date of Western (Gregorian) Easter Sunday.

use chrono::NaiveDate;

/// The first year of the Gregorian calendar, whose Easter rule this computes.
const FIRST_GREGORIAN_YEAR: i32 = 1583;

/// Computes Easter Sunday of the Gregorian calendar, as Finland and the other Western churches
/// observe it.
///
/// Returns `None` for years before 1583, when the Gregorian rule did not exist yet, and for years
/// chrono cannot represent.
pub fn easter_sunday(year: i32) -> Option<NaiveDate> {
    if year < FIRST_GREGORIAN_YEAR {
        return None;
    }

    // The anonymous Gregorian computus, also called the Meeus/Jones/Butcher algorithm. All values
    // are non-negative here, so `/` and `%` are floor division.
    let golden_number = year % 19;
    let century = year / 100;
    let year_of_century = year % 100;

    // Corrections for the century leap years skipped by the Gregorian calendar and for the drift
    // of the lunar cycle.
    let skipped_leap_days = century / 4;
    let century_remainder = century % 4;
    let lunar_correction = (century + 8) / 25;
    let moon_correction = (century - lunar_correction + 1) / 3;

    // Days from 21 March to the Paschal full moon.
    let epact = (19 * golden_number + century - skipped_leap_days - moon_correction + 15) % 30;

    // Days from the day after the Paschal full moon to Easter Sunday.
    let leap_days_in_century = year_of_century / 4;
    let year_remainder = year_of_century % 4;
    let to_sunday =
        (32 + 2 * century_remainder + 2 * leap_days_in_century - epact - year_remainder) % 7;

    // 1 in the two exceptional cases where the rule above would place Easter after 25 April.
    let late_correction = (golden_number + 11 * epact + 22 * to_sunday) / 451;

    // Easter Sunday is 22 March plus `epact + to_sunday` days, written as month and day.
    let offset = epact + to_sunday - 7 * late_correction + 114;
    let month = offset / 31;
    let day = offset % 31 + 1;
    NaiveDate::from_ymd_opt(year, u32::try_from(month).ok()?, u32::try_from(day).ok()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    #[test]
    fn easter_published_dates() {
        let cases = [
            (1900, "1900-04-15"),
            (1913, "1913-03-23"),
            (1943, "1943-04-25"),
            (1961, "1961-04-02"),
            (2000, "2000-04-23"),
            (2008, "2008-03-23"),
            (2024, "2024-03-31"),
            (2025, "2025-04-20"),
            (2026, "2026-04-05"),
            (2027, "2027-03-28"),
            (2038, "2038-04-25"),
            (2100, "2100-03-28"),
            (2199, "2199-04-14"),
        ];
        for (year, expected) in cases {
            assert_eq!(easter_sunday(year), Some(date(expected)), "year {year}");
        }
    }

    #[test]
    fn easter_before_gregorian_is_none() {
        assert_eq!(easter_sunday(1582), None);
        assert_eq!(easter_sunday(i32::MIN), None);
    }

    #[test]
    fn easter_beyond_chrono_is_none() {
        assert_eq!(easter_sunday(i32::MAX), None);
    }

    #[test]
    fn easter_is_sunday_in_window() {
        use chrono::{Datelike, Weekday};
        for year in 1583..=3000 {
            let easter = easter_sunday(year).unwrap();
            assert_eq!(easter.weekday(), Weekday::Sun, "year {year}");
            assert!(easter >= NaiveDate::from_ymd_opt(year, 3, 22).unwrap());
            assert!(easter <= NaiveDate::from_ymd_opt(year, 4, 25).unwrap());
        }
    }
}
