//! The banking-day calendar interface, with searches over banking days, and a calendar of plain
//! weekdays.

use std::ops::RangeInclusive;

use chrono::{Datelike, Days, NaiveDate, Weekday};

use super::CalendarError;

/// The number of days a search steps over before it gives up.
///
/// Real calendars close banks for a few days in a row at most (four over Easter in Finland), so a
/// search that finds no banking day in a whole year has a calendar that never opens.
pub const SEARCH_LIMIT_DAYS: u32 = 366;

/// A calendar that decides which dates are banking days.
///
/// Implementors provide [`is_banking_day`](Self::is_banking_day) and, when their rules cover only
/// some years, [`supported_range`](Self::supported_range). The searches are provided methods and
/// work through `&dyn BankingCalendar`. They fail with [`CalendarError::DateOutOfRange`] instead
/// of guessing when a date or a search leaves the supported range.
pub trait BankingCalendar: Send + Sync {
    /// Whether banks are open on the date. Returns false for dates outside
    /// [`supported_range`](Self::supported_range).
    fn is_banking_day(&self, date: NaiveDate) -> bool;

    /// The first and last date this calendar has rules for. The default is every date chrono can
    /// represent.
    fn supported_range(&self) -> RangeInclusive<NaiveDate> {
        NaiveDate::MIN..=NaiveDate::MAX
    }

    /// Returns the date itself when it is a banking day, otherwise the next banking day after it.
    ///
    /// This is where a due date that falls on a non-banking day moves to.
    fn banking_day_on_or_after(&self, date: NaiveDate) -> Result<NaiveDate, CalendarError> {
        ensure_supported(self, date)?;
        if self.is_banking_day(date) {
            return Ok(date);
        }
        step_to_banking_day(self, date, Direction::Forward)
    }

    /// Returns the first banking day strictly after the date.
    fn next_banking_day_after(&self, date: NaiveDate) -> Result<NaiveDate, CalendarError> {
        ensure_supported(self, date)?;
        step_to_banking_day(self, date, Direction::Forward)
    }

    /// Returns the last banking day strictly before the date.
    fn previous_banking_day_before(&self, date: NaiveDate) -> Result<NaiveDate, CalendarError> {
        ensure_supported(self, date)?;
        step_to_banking_day(self, date, Direction::Backward)
    }

    /// Moves `days` banking days forward from the date, or back when `days` is negative.
    ///
    /// The start date itself is never counted: from Friday 2026-01-09, +1 gives Monday
    /// 2026-01-12, and from Saturday 2026-01-10, +1 also gives Monday and -1 gives Friday.
    /// With `days == 0` the result is [`banking_day_on_or_after`](Self::banking_day_on_or_after):
    /// the date itself when it is a banking day, otherwise the next banking day.
    fn add_banking_days(&self, date: NaiveDate, days: i32) -> Result<NaiveDate, CalendarError> {
        ensure_supported(self, date)?;
        let direction = match days {
            0 => return self.banking_day_on_or_after(date),
            1.. => Direction::Forward,
            _ => Direction::Backward,
        };

        // Each banking day is at least one calendar day further, so a result beyond the supported
        // range is known before stepping, which keeps huge counts from looping for long.
        let distance = Days::new(u64::from(days.unsigned_abs()));
        let farthest = match direction {
            Direction::Forward => date.checked_add_days(distance),
            Direction::Backward => date.checked_sub_days(distance),
        };
        let range = self.supported_range();
        if !farthest.is_some_and(|farthest| range.contains(&farthest)) {
            return Err(out_of_range(&range, date));
        }

        let mut current = date;
        for _ in 0..days.unsigned_abs() {
            current = step_to_banking_day(self, current, direction)?;
        }
        Ok(current)
    }

    /// Counts the banking days passed when walking from `start` to `end`: the end date counts
    /// and the start date does not.
    ///
    /// Walking back gives a negative count. This makes the count the inverse of
    /// [`add_banking_days`](Self::add_banking_days): whenever `add_banking_days(start, n)` with
    /// `n != 0` returns `end`, this returns `n`. The cost is linear in the number of days.
    fn banking_days_between(&self, start: NaiveDate, end: NaiveDate) -> Result<i32, CalendarError> {
        ensure_supported(self, start)?;
        ensure_supported(self, end)?;

        let count = if start <= end {
            // The days after `start` up to and including `end`.
            let days = std::iter::successors(start.succ_opt(), |day| day.succ_opt());
            count_banking_days(self, days.take_while(|day| *day <= end))
        } else {
            // The days from `end` up to the day before `start`.
            let days = std::iter::successors(Some(end), |day| day.succ_opt());
            -count_banking_days(self, days.take_while(|day| *day < start))
        };
        Ok(count)
    }
}

/// A calendar where every Monday to Friday is a banking day and there are no holidays.
///
/// Used for countries whose holidays Vahti does not know yet.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WeekdayCalendar;

impl BankingCalendar for WeekdayCalendar {
    fn is_banking_day(&self, date: NaiveDate) -> bool {
        is_monday_to_friday(date)
    }
}

/// Whether the date is Monday to Friday.
pub(super) fn is_monday_to_friday(date: NaiveDate) -> bool {
    !matches!(date.weekday(), Weekday::Sat | Weekday::Sun)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Direction {
    Forward,
    Backward,
}

fn ensure_supported<C>(calendar: &C, date: NaiveDate) -> Result<(), CalendarError>
where
    C: BankingCalendar + ?Sized,
{
    let range = calendar.supported_range();
    if range.contains(&date) {
        Ok(())
    } else {
        Err(out_of_range(&range, date))
    }
}

fn out_of_range(range: &RangeInclusive<NaiveDate>, date: NaiveDate) -> CalendarError {
    CalendarError::DateOutOfRange {
        date,
        first: *range.start(),
        last: *range.end(),
    }
}

/// Steps one day at a time from `from`, excluding it, until a banking day.
fn step_to_banking_day<C>(
    calendar: &C,
    from: NaiveDate,
    direction: Direction,
) -> Result<NaiveDate, CalendarError>
where
    C: BankingCalendar + ?Sized,
{
    let range = calendar.supported_range();
    let mut current = from;
    for _ in 0..SEARCH_LIMIT_DAYS {
        let next = match direction {
            Direction::Forward => current.succ_opt(),
            Direction::Backward => current.pred_opt(),
        };
        current = next
            .filter(|next| range.contains(next))
            .ok_or_else(|| out_of_range(&range, from))?;

        if calendar.is_banking_day(current) {
            return Ok(current);
        }
    }
    Err(CalendarError::NoBankingDay {
        from,
        days: SEARCH_LIMIT_DAYS,
    })
}

/// Counts the banking days among the dates.
fn count_banking_days<C>(calendar: &C, dates: impl Iterator<Item = NaiveDate>) -> i32
where
    C: BankingCalendar + ?Sized,
{
    // chrono's whole date range spans fewer than 2^31 days, so the count cannot overflow.
    let mut count = 0_i32;
    for date in dates {
        if calendar.is_banking_day(date) {
            count += 1;
        }
    }
    count
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;

    fn date(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    /// A calendar whose banks never open, to reach the search limit.
    struct ClosedCalendar;

    impl BankingCalendar for ClosedCalendar {
        fn is_banking_day(&self, _date: NaiveDate) -> bool {
            false
        }
    }

    /// A weekday calendar that only covers 2026.
    struct Only2026;

    impl BankingCalendar for Only2026 {
        fn is_banking_day(&self, date: NaiveDate) -> bool {
            self.supported_range().contains(&date) && is_monday_to_friday(date)
        }

        fn supported_range(&self) -> RangeInclusive<NaiveDate> {
            date("2026-01-01")..=date("2026-12-31")
        }
    }

    #[test]
    fn calendars_share_across_threads() {
        let calendar: std::sync::Arc<dyn BankingCalendar> = std::sync::Arc::new(WeekdayCalendar);
        let shared = std::sync::Arc::clone(&calendar);
        let next = std::thread::spawn(move || shared.next_banking_day_after(date("2026-01-09")))
            .join()
            .unwrap()
            .unwrap();
        assert_eq!(next, date("2026-01-12"));
        assert!(calendar.is_banking_day(next));
    }

    #[test]
    fn weekday_calendar_skips_weekends() {
        let calendar = WeekdayCalendar;
        assert!(calendar.is_banking_day(date("2026-01-09")));
        assert!(!calendar.is_banking_day(date("2026-01-10")));
        assert!(!calendar.is_banking_day(date("2026-01-11")));
        assert_eq!(
            calendar.next_banking_day_after(date("2026-01-09")).unwrap(),
            date("2026-01-12")
        );
        assert_eq!(
            calendar
                .previous_banking_day_before(date("2026-01-12"))
                .unwrap(),
            date("2026-01-09")
        );
    }

    #[test]
    fn on_or_after_keeps_banking_day() {
        let calendar = WeekdayCalendar;
        assert_eq!(
            calendar
                .banking_day_on_or_after(date("2026-01-09"))
                .unwrap(),
            date("2026-01-09")
        );
        assert_eq!(
            calendar
                .banking_day_on_or_after(date("2026-01-10"))
                .unwrap(),
            date("2026-01-12")
        );
    }

    #[test]
    fn add_banking_days_cases() {
        let calendar: &dyn BankingCalendar = &WeekdayCalendar;
        let cases = [
            ("2026-01-09", 0, "2026-01-09"),
            ("2026-01-10", 0, "2026-01-12"),
            ("2026-01-09", 1, "2026-01-12"),
            ("2026-01-10", 1, "2026-01-12"),
            ("2026-01-10", -1, "2026-01-09"),
            ("2026-01-12", -1, "2026-01-09"),
            ("2026-01-05", 5, "2026-01-12"),
            ("2026-01-05", 10, "2026-01-19"),
            ("2026-01-19", -10, "2026-01-05"),
        ];
        for (start, days, expected) in cases {
            assert_eq!(
                calendar.add_banking_days(date(start), days).unwrap(),
                date(expected),
                "{start} {days:+}"
            );
        }
    }

    #[test]
    fn between_counts_end_not_start() {
        let calendar: &dyn BankingCalendar = &WeekdayCalendar;
        let cases = [
            ("2026-01-09", "2026-01-09", 0),
            ("2026-01-09", "2026-01-12", 1),
            ("2026-01-10", "2026-01-11", 0),
            ("2026-01-05", "2026-01-19", 10),
            ("2026-01-12", "2026-01-09", -1),
            ("2026-01-11", "2026-01-09", -1),
            ("2026-01-19", "2026-01-05", -10),
        ];
        for (start, end, expected) in cases {
            assert_eq!(
                calendar
                    .banking_days_between(date(start), date(end))
                    .unwrap(),
                expected,
                "{start} to {end}"
            );
        }
    }

    #[test]
    fn between_inverts_add_backward() {
        let calendar = WeekdayCalendar;
        let saturday = date("2026-01-10");
        for days in [-7, -3, -1, 1, 3, 7] {
            let end = calendar.add_banking_days(saturday, days).unwrap();
            assert_eq!(
                calendar.banking_days_between(saturday, end).unwrap(),
                days,
                "{days:+} from {saturday}"
            );
        }
    }

    #[test]
    fn closed_calendar_hits_search_limit() {
        let error = ClosedCalendar
            .next_banking_day_after(date("2026-01-01"))
            .unwrap_err();
        assert_eq!(error.code(), "calendar_no_banking_day");
        assert!(error.to_string().contains("2026-01-01"));
        assert!(error.to_string().contains("366"));
    }

    #[test]
    fn search_stops_at_range_end() {
        let error = Only2026
            .next_banking_day_after(date("2026-12-31"))
            .unwrap_err();
        assert_eq!(error.code(), "calendar_date_out_of_range");
        assert!(error.to_string().contains("2026-12-31"));

        let outside = Only2026
            .banking_day_on_or_after(date("2027-01-04"))
            .unwrap_err();
        assert_eq!(outside.code(), "calendar_date_out_of_range");
        assert!(outside.to_string().contains("2027-01-04"));
    }

    #[test]
    fn add_rejects_target_beyond_range() {
        let error = Only2026
            .add_banking_days(date("2026-06-01"), i32::MAX)
            .unwrap_err();
        assert_eq!(error.code(), "calendar_date_out_of_range");

        let error = Only2026
            .add_banking_days(date("2026-06-01"), i32::MIN)
            .unwrap_err();
        assert_eq!(error.code(), "calendar_date_out_of_range");
    }

    #[test]
    fn chrono_range_ends_are_errors() {
        let calendar = WeekdayCalendar;
        assert!(calendar.next_banking_day_after(NaiveDate::MAX).is_err());
        assert!(
            calendar
                .previous_banking_day_before(NaiveDate::MIN)
                .is_err()
        );
        assert!(calendar.add_banking_days(NaiveDate::MAX, 1).is_err());
        assert_eq!(
            calendar
                .banking_days_between(NaiveDate::MAX, NaiveDate::MAX)
                .unwrap(),
            0
        );
    }
}
