//! Send windows: the local hours and days in which messages to a debtor may go out.

use std::ops::Range;

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use super::{
    BankingCalendar, CalendarError, SEARCH_LIMIT_DAYS, WeekdayCalendar, local_date, resolve_local,
};

/// The days on which a send window opens.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SendDays {
    /// Banking days of the calendar in use.
    #[default]
    BankingDays,
    /// Monday to Friday, holidays included.
    MondayToFriday,
    /// Every day of the week.
    EveryDay,
}

/// Local opening hours on chosen days, such as 08:00 to 18:00 on banking days.
///
/// The window is open from `start` (included) to `end` (excluded) in local time, read in an IANA
/// time zone given to each method, so that one window can serve debtors in several zones. The
/// start must be before the end, so a window cannot run across midnight. Local times are turned
/// into instants with [`resolve_local`], so a start or end inside a daylight saving gap moves to
/// the end of the gap. On a day when the whole window falls into a gap, the window does not open.
///
/// In serde the window is `{"start": "08:00:00", "end": "18:00:00", "days": "banking_days"}`.
/// Times may omit the seconds, `days` defaults to `banking_days`, and a window whose start is
/// not before its end is rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "SendWindowFields")]
pub struct SendWindow {
    start: NaiveTime,
    end: NaiveTime,
    days: SendDays,
}

/// The serde form of a [`SendWindow`], before validation.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SendWindowFields {
    start: NaiveTime,
    end: NaiveTime,
    #[serde(default)]
    days: SendDays,
}

impl TryFrom<SendWindowFields> for SendWindow {
    type Error = CalendarError;

    fn try_from(fields: SendWindowFields) -> Result<Self, Self::Error> {
        SendWindow::new(fields.start, fields.end, fields.days)
    }
}

/// 08:00 to 18:00 on banking days.
impl Default for SendWindow {
    fn default() -> Self {
        const EIGHT: NaiveTime = match NaiveTime::from_hms_opt(8, 0, 0) {
            Some(time) => time,
            None => NaiveTime::MIN,
        };
        const EIGHTEEN: NaiveTime = match NaiveTime::from_hms_opt(18, 0, 0) {
            Some(time) => time,
            None => NaiveTime::MIN,
        };
        SendWindow {
            start: EIGHT,
            end: EIGHTEEN,
            days: SendDays::BankingDays,
        }
    }
}

impl SendWindow {
    /// Creates a window. Fails with [`CalendarError::SendWindowInvalid`] unless `start` is
    /// before `end`.
    pub fn new(start: NaiveTime, end: NaiveTime, days: SendDays) -> Result<Self, CalendarError> {
        if start < end {
            Ok(SendWindow { start, end, days })
        } else {
            Err(CalendarError::SendWindowInvalid { start, end })
        }
    }

    /// The local opening time.
    pub fn start(&self) -> NaiveTime {
        self.start
    }

    /// The local closing time, the first moment the window is closed.
    pub fn end(&self) -> NaiveTime {
        self.end
    }

    /// The days on which the window opens.
    pub fn days(&self) -> SendDays {
        self.days
    }

    /// Whether the window opens on the local date, judged by its days alone.
    pub fn is_open_day(&self, date: NaiveDate, calendar: &dyn BankingCalendar) -> bool {
        self.day_calendar(calendar).is_banking_day(date)
    }

    /// The instants when the window opens and closes on the local date, or `None` when it does not
    /// open that day: the date is not one of its days, or the whole window falls into a daylight
    /// saving gap.
    pub fn interval_on(
        &self,
        date: NaiveDate,
        tz: Tz,
        calendar: &dyn BankingCalendar,
    ) -> Option<Range<DateTime<Utc>>> {
        if !self.is_open_day(date, calendar) {
            return None;
        }
        let opening = resolve_local(tz, date, self.start);
        let closing = resolve_local(tz, date, self.end);
        (opening < closing).then_some(opening..closing)
    }

    /// The instant the window opens on the local date, or `None` when it does not open that day
    /// (see [`interval_on`](Self::interval_on)).
    pub fn opening_on(
        &self,
        date: NaiveDate,
        tz: Tz,
        calendar: &dyn BankingCalendar,
    ) -> Option<DateTime<Utc>> {
        self.interval_on(date, tz, calendar)
            .map(|interval| interval.start)
    }

    /// Whether the window is open at the instant, in the time zone `tz`.
    pub fn contains(&self, instant: DateTime<Utc>, tz: Tz, calendar: &dyn BankingCalendar) -> bool {
        self.interval_on(local_date(instant, tz), tz, calendar)
            .is_some_and(|interval| interval.contains(&instant))
    }

    /// Returns the instant itself when the window is open then, otherwise the next instant it
    /// opens.
    ///
    /// Fails when the search for the next open day leaves the calendar's supported range, or when
    /// the window does not open within [`SEARCH_LIMIT_DAYS`] days.
    pub fn next_open_at_or_after(
        &self,
        instant: DateTime<Utc>,
        tz: Tz,
        calendar: &dyn BankingCalendar,
    ) -> Result<DateTime<Utc>, CalendarError> {
        self.next_open_with(instant, tz, calendar, |day| {
            self.interval_on(day, tz, calendar)
        })
    }

    /// Runs the search of [`next_open_at_or_after`](Self::next_open_at_or_after) with each
    /// candidate day's interval taken from the closure `interval_on`. The closure must return what
    /// the method [`interval_on`](Self::interval_on) returns for the same `tz` and `calendar`.
    fn next_open_with(
        &self,
        instant: DateTime<Utc>,
        tz: Tz,
        calendar: &dyn BankingCalendar,
        mut interval_on: impl FnMut(NaiveDate) -> Option<Range<DateTime<Utc>>>,
    ) -> Result<DateTime<Utc>, CalendarError> {
        let today = local_date(instant, tz);
        let day_calendar = self.day_calendar(calendar);

        let mut day = today;
        for _ in 0..SEARCH_LIMIT_DAYS {
            let still_ahead = interval_on(day).filter(|interval| instant < interval.end);
            if let Some(interval) = still_ahead {
                return Ok(instant.max(interval.start));
            }
            day = day_calendar.next_banking_day_after(day)?;
        }
        Err(CalendarError::SendWindowNeverOpens {
            from: today,
            days: SEARCH_LIMIT_DAYS,
        })
    }

    /// The calendar whose banking days are this window's days.
    fn day_calendar<'a>(&self, calendar: &'a dyn BankingCalendar) -> &'a dyn BankingCalendar {
        match self.days {
            SendDays::BankingDays => calendar,
            SendDays::MondayToFriday => &WeekdayCalendar,
            SendDays::EveryDay => &EveryDayCalendar,
        }
    }
}

/// A send window read in one time zone with one calendar, which converts the window's start and
/// end to instants once per local date and keeps the results.
///
/// [`SendWindow::next_open_at_or_after`] converts both local times on every candidate day of
/// every search. The planner searches many times for one account, mostly over the same few
/// days, so it keeps one of these per plan. Its results equal those of the [`SendWindow`]
/// method with the same zone and calendar, provided the calendar's result depends on the date
/// alone. The memory grows by one entry per distinct date.
pub(crate) struct CachedSendWindow<'a> {
    window: SendWindow,
    tz: Tz,
    calendar: &'a dyn BankingCalendar,
    /// The window's interval on each local date computed so far, sorted by date.
    intervals: Vec<(NaiveDate, Option<Range<DateTime<Utc>>>)>,
}

impl<'a> CachedSendWindow<'a> {
    pub(crate) fn new(window: SendWindow, tz: Tz, calendar: &'a dyn BankingCalendar) -> Self {
        CachedSendWindow {
            window,
            tz,
            calendar,
            intervals: Vec::new(),
        }
    }

    /// Returns [`SendWindow::next_open_at_or_after`] for the instant.
    pub(crate) fn next_open_at_or_after(
        &mut self,
        instant: DateTime<Utc>,
    ) -> Result<DateTime<Utc>, CalendarError> {
        let (window, tz, calendar) = (self.window, self.tz, self.calendar);
        let intervals = &mut self.intervals;
        window.next_open_with(instant, tz, calendar, |day| {
            match intervals.binary_search_by_key(&day, |(date, _)| *date) {
                Ok(position) => intervals[position].1.clone(),
                Err(position) => {
                    let interval = window.interval_on(day, tz, calendar);
                    intervals.insert(position, (day, interval.clone()));
                    interval
                }
            }
        })
    }
}

/// A calendar in which every day is open, for [`SendDays::EveryDay`].
struct EveryDayCalendar;

impl BankingCalendar for EveryDayCalendar {
    fn is_banking_day(&self, _date: NaiveDate) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::FinnishCalendar;
    use crate::error::ErrorCode;
    use chrono_tz::America::New_York;
    use chrono_tz::Europe::Helsinki;

    fn date(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    fn time(text: &str) -> NaiveTime {
        text.parse().unwrap()
    }

    fn utc(text: &str) -> DateTime<Utc> {
        text.parse().unwrap()
    }

    fn every_day(start: &str, end: &str) -> SendWindow {
        SendWindow::new(time(start), time(end), SendDays::EveryDay).unwrap()
    }

    #[test]
    fn default_is_eight_to_six_banking() {
        let window = SendWindow::default();
        assert_eq!(window.start(), time("08:00"));
        assert_eq!(window.end(), time("18:00"));
        assert_eq!(window.days(), SendDays::BankingDays);
    }

    #[test]
    fn start_must_precede_end() {
        for (start, end) in [("18:00", "08:00"), ("08:00", "08:00")] {
            let error = SendWindow::new(time(start), time(end), SendDays::EveryDay).unwrap_err();
            assert_eq!(error.code(), "send_window_invalid");
            assert!(error.to_string().contains(start), "{error}");
            assert!(error.to_string().contains(end), "{error}");
        }
    }

    #[test]
    fn serde_round_trip() {
        let json = serde_json::to_string(&SendWindow::default()).unwrap();
        assert_eq!(
            json,
            r#"{"start":"08:00:00","end":"18:00:00","days":"banking_days"}"#
        );
        let back: SendWindow = serde_json::from_str(&json).unwrap();
        assert_eq!(back, SendWindow::default());
    }

    #[test]
    fn serde_accepts_short_form() {
        let window: SendWindow =
            serde_json::from_str(r#"{"start":"09:30","end":"17:00","days":"monday_to_friday"}"#)
                .unwrap();
        assert_eq!(window.start(), time("09:30"));
        assert_eq!(window.days(), SendDays::MondayToFriday);

        let defaulted: SendWindow =
            serde_json::from_str(r#"{"start":"09:30","end":"17:00"}"#).unwrap();
        assert_eq!(defaulted.days(), SendDays::BankingDays);

        let every: SendWindow =
            serde_json::from_str(r#"{"start":"09:30","end":"17:00","days":"every_day"}"#).unwrap();
        assert_eq!(every.days(), SendDays::EveryDay);
    }

    #[test]
    fn serde_rejects_invalid_window() {
        let reversed = serde_json::from_str::<SendWindow>(r#"{"start":"18:00","end":"08:00"}"#)
            .unwrap_err()
            .to_string();
        assert!(reversed.contains("18:00:00"), "{reversed}");

        let unknown_days =
            serde_json::from_str::<SendWindow>(r#"{"start":"08:00","end":"18:00","days":"often"}"#);
        assert!(unknown_days.is_err());

        let unknown_field = serde_json::from_str::<SendWindow>(
            r#"{"start":"08:00","end":"18:00","zone":"Europe/Helsinki"}"#,
        );
        assert!(unknown_field.is_err());
    }

    #[test]
    fn open_days_follow_send_days() {
        let christmas_eve = date("2025-12-24");
        let saturday = date("2026-01-10");
        let cases = [
            (SendDays::BankingDays, christmas_eve, false),
            (SendDays::BankingDays, saturday, false),
            (SendDays::MondayToFriday, christmas_eve, true),
            (SendDays::MondayToFriday, saturday, false),
            (SendDays::EveryDay, christmas_eve, true),
            (SendDays::EveryDay, saturday, true),
        ];
        for (days, day, expected) in cases {
            let window = SendWindow::new(time("08:00"), time("18:00"), days).unwrap();
            assert_eq!(
                window.is_open_day(day, &FinnishCalendar),
                expected,
                "{days:?} {day}"
            );
        }
    }

    #[test]
    fn contains_default_window_in_helsinki() {
        let window = SendWindow::default();
        let cases = [
            ("2026-01-15T05:59:59Z", false),
            ("2026-01-15T06:00:00Z", true),
            ("2026-01-15T15:59:59Z", true),
            ("2026-01-15T16:00:00Z", false),
            ("2026-07-15T05:00:00Z", true),
            ("2026-07-15T15:00:00Z", false),
            ("2026-01-10T10:00:00Z", false),
            ("2025-12-24T10:00:00Z", false),
        ];
        for (instant, expected) in cases {
            assert_eq!(
                window.contains(utc(instant), Helsinki, &FinnishCalendar),
                expected,
                "{instant}"
            );
        }
    }

    #[test]
    fn next_open_default_window() {
        let window = SendWindow::default();
        let cases = [
            // Inside the window: the instant itself.
            ("2026-01-15T10:00:00Z", "2026-01-15T10:00:00Z"),
            // Before the opening on a banking day.
            ("2026-01-15T03:00:00Z", "2026-01-15T06:00:00Z"),
            // After closing before Christmas: the next banking day is 2025-12-29.
            ("2025-12-23T17:00:00Z", "2025-12-29T06:00:00Z"),
            // Friday evening before the spring change: Monday opens at 08:00 summer time.
            ("2026-03-27T17:00:00Z", "2026-03-30T05:00:00Z"),
            // Late Friday evening UTC is already Saturday in Helsinki.
            ("2026-01-09T23:30:00Z", "2026-01-12T06:00:00Z"),
        ];
        for (instant, expected) in cases {
            assert_eq!(
                window
                    .next_open_at_or_after(utc(instant), Helsinki, &FinnishCalendar)
                    .unwrap(),
                utc(expected),
                "from {instant}"
            );
        }
    }

    #[test]
    fn window_at_half_past_three_on_changes() {
        let window = every_day("03:30", "12:00");
        let cases = [
            (Helsinki, "2026-03-29", "2026-03-29T01:00:00Z"),
            (Helsinki, "2026-10-25", "2026-10-25T00:30:00Z"),
            (New_York, "2026-03-08", "2026-03-08T07:30:00Z"),
            (New_York, "2026-11-01", "2026-11-01T08:30:00Z"),
        ];
        for (tz, day, expected) in cases {
            assert_eq!(
                window.opening_on(date(day), tz, &FinnishCalendar),
                Some(utc(expected)),
                "{tz} {day}"
            );
        }
    }

    #[test]
    fn spring_gap_opening_is_consistent() {
        let window = every_day("03:30", "12:00");
        let before = utc("2026-03-29T00:30:00Z");
        assert!(!window.contains(before, Helsinki, &FinnishCalendar));

        let opening = window
            .next_open_at_or_after(before, Helsinki, &FinnishCalendar)
            .unwrap();
        assert_eq!(opening, utc("2026-03-29T01:00:00Z"));
        assert!(window.contains(opening, Helsinki, &FinnishCalendar));
    }

    #[test]
    fn autumn_overlap_window_spans_both_hours() {
        let window = every_day("03:30", "12:00");
        // 03:15 in winter time, after the clocks went back, is inside the window that opened at
        // 03:30 summer time.
        assert!(window.contains(utc("2026-10-25T01:15:00Z"), Helsinki, &FinnishCalendar));
        assert!(!window.contains(utc("2026-10-25T00:29:59Z"), Helsinki, &FinnishCalendar));
    }

    #[test]
    fn window_inside_gap_skips_day() {
        let window = every_day("03:10", "03:50");
        assert_eq!(
            window.opening_on(date("2026-03-29"), Helsinki, &FinnishCalendar),
            None
        );
        let next = window
            .next_open_at_or_after(utc("2026-03-28T22:00:00Z"), Helsinki, &FinnishCalendar)
            .unwrap();
        assert_eq!(next, utc("2026-03-30T00:10:00Z"));

        let new_york = every_day("02:00", "02:59");
        assert_eq!(
            new_york.opening_on(date("2026-03-08"), New_York, &FinnishCalendar),
            None
        );
    }

    #[test]
    fn search_past_calendar_range_fails() {
        let error = SendWindow::default()
            .next_open_at_or_after(utc("2199-12-31T20:00:00Z"), Helsinki, &FinnishCalendar)
            .unwrap_err();
        assert_eq!(error.code(), "calendar_date_out_of_range");
    }

    /// Lists instants 20 minutes apart over the days around the daylight saving changes of 2026
    /// in Helsinki (29 March and 25 October) and New York (8 March and 1 November). The list runs
    /// forwards and then backwards, so that a cache is filled in both directions.
    fn instants_around_changes() -> Vec<DateTime<Utc>> {
        let mut instants = Vec::new();
        for first_day in ["2026-03-05", "2026-03-26", "2026-10-22", "2026-10-29"] {
            let start = utc(&format!("{first_day}T00:00:00Z"));
            for step in 0..(5 * 24 * 3) {
                instants.push(start + chrono::TimeDelta::minutes(20 * step));
            }
        }
        let backwards: Vec<_> = instants.iter().rev().copied().collect();
        instants.extend(backwards);
        instants
    }

    #[test]
    fn cached_window_matches_uncached() {
        let windows = [
            SendWindow::default(),
            every_day("03:30", "12:00"),
            every_day("03:10", "03:50"),
            every_day("02:00", "02:59"),
            SendWindow::new(time("00:00"), time("23:59:59"), SendDays::MondayToFriday).unwrap(),
        ];
        // Tokyo keeps UTC+9 all year.
        let zones = [Helsinki, New_York, chrono_tz::Asia::Tokyo];
        let instants = instants_around_changes();

        for window in windows {
            for tz in zones {
                let mut cached = CachedSendWindow::new(window, tz, &FinnishCalendar);
                for &instant in &instants {
                    assert_eq!(
                        cached.next_open_at_or_after(instant),
                        window.next_open_at_or_after(instant, tz, &FinnishCalendar),
                        "{window:?} in {tz} from {instant}"
                    );
                }
            }
        }
    }

    #[test]
    fn cached_window_keeps_errors() {
        let window = SendWindow::default();
        let mut cached = CachedSendWindow::new(window, Helsinki, &FinnishCalendar);
        let beyond = utc("2199-12-31T20:00:00Z");
        for _ in 0..2 {
            assert_eq!(
                cached.next_open_at_or_after(beyond),
                window.next_open_at_or_after(beyond, Helsinki, &FinnishCalendar)
            );
        }
    }

    #[test]
    fn works_with_weekday_calendar() {
        let next = SendWindow::default()
            .next_open_at_or_after(utc("2025-12-24T10:00:00Z"), New_York, &WeekdayCalendar)
            .unwrap();
        assert_eq!(next, utc("2025-12-24T13:00:00Z"));
    }
}
