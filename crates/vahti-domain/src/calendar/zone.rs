//! Conversion between instants and local wall-clock time in an IANA time zone, with one rule for
//! daylight saving time that every local-time computation in Vahti uses.

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Offset, TimeZone, Utc};
use chrono_tz::Tz;

/// Seconds in a day. Every UTC offset is smaller, so a local time lies within a day of the same
/// wall-clock reading taken as UTC.
const SECONDS_PER_DAY: i64 = 86_400;

/// Resolves a local date and time in a time zone to an instant.
///
/// - A local time that does not exist, because clocks jump forward, resolves to the first instant
///   after the gap. In Europe/Helsinki, 2026-03-29 03:30 resolves to 04:00 local time (01:00 UTC).
/// - A local time that occurs twice, because clocks go back, resolves to the earlier instant. In
///   Europe/Helsinki, 2026-10-25 03:30 resolves to 03:30 summer time (00:30 UTC).
///
/// Within a day of the ends of chrono's date range (the years -262143 and 262142), where the
/// instant cannot be represented, the local time is read as UTC instead.
///
/// NOTE: chrono-tz 0.10.4 lists daylight saving transitions up to 2099, so from 2100 on every
/// zone keeps its standard offset all year.
pub fn resolve_local(tz: Tz, date: NaiveDate, time: NaiveTime) -> DateTime<Utc> {
    let local = date.and_time(time);
    match tz.from_local_datetime(&local).earliest() {
        Some(instant) => instant.with_timezone(&Utc),
        None => end_of_gap(tz, local).unwrap_or_else(|| local.and_utc()),
    }
}

/// Returns the local calendar date of an instant in a time zone.
///
/// Within a day of the ends of chrono's date range, where the local date cannot be represented,
/// returns the UTC date instead.
pub fn local_date(instant: DateTime<Utc>, tz: Tz) -> NaiveDate {
    local_date_time(tz, instant.naive_utc()).map_or(instant.date_naive(), |local| local.date())
}

/// Finds the first whole second whose local time is at or after `local`, which for a local time
/// inside a gap is the instant the clocks jumped.
///
/// The search is a bisection over one day either side of `local` read as UTC. At the lower bound
/// the local time is earlier than `local` and at the upper bound it is later, because every UTC
/// offset is smaller than a day.
fn end_of_gap(tz: Tz, local: NaiveDateTime) -> Option<DateTime<Utc>> {
    let reading_as_utc = local.and_utc().timestamp();
    let mut before = reading_as_utc.checked_sub(SECONDS_PER_DAY)?;
    let mut after = reading_as_utc.checked_add(SECONDS_PER_DAY)?;

    while after - before > 1 {
        let middle = before + (after - before) / 2;
        let middle_local = local_date_time(tz, DateTime::from_timestamp(middle, 0)?.naive_utc())?;
        if middle_local >= local {
            after = middle;
        } else {
            before = middle;
        }
    }
    DateTime::from_timestamp(after, 0)
}

/// The local wall-clock reading of a UTC date-time, or `None` beyond chrono's range.
fn local_date_time(tz: Tz, utc: NaiveDateTime) -> Option<NaiveDateTime> {
    let offset = tz.offset_from_utc_datetime(&utc).fix();
    utc.checked_add_offset(offset)
}

#[cfg(test)]
mod tests {
    use super::*;
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

    #[test]
    fn resolve_local_cases() {
        let cases = [
            // An ordinary winter and summer day.
            (Helsinki, "2026-01-15", "08:00", "2026-01-15T06:00:00Z"),
            (Helsinki, "2026-07-15", "08:00", "2026-07-15T05:00:00Z"),
            // Spring gap in Helsinki: 03:00 to 03:59:59 do not exist on 2026-03-29.
            (Helsinki, "2026-03-29", "02:59:59", "2026-03-29T00:59:59Z"),
            (Helsinki, "2026-03-29", "03:00", "2026-03-29T01:00:00Z"),
            (Helsinki, "2026-03-29", "03:30", "2026-03-29T01:00:00Z"),
            (Helsinki, "2026-03-29", "03:59:59.5", "2026-03-29T01:00:00Z"),
            (Helsinki, "2026-03-29", "04:00", "2026-03-29T01:00:00Z"),
            // Autumn overlap in Helsinki: 03:00 to 03:59:59 occur twice on 2026-10-25.
            (Helsinki, "2026-10-25", "02:59", "2026-10-24T23:59:00Z"),
            (Helsinki, "2026-10-25", "03:30", "2026-10-25T00:30:00Z"),
            (Helsinki, "2026-10-25", "04:00", "2026-10-25T02:00:00Z"),
            // Spring gap in New York: 02:00 to 02:59:59 do not exist on 2026-03-08.
            (New_York, "2026-03-08", "02:30", "2026-03-08T07:00:00Z"),
            (New_York, "2026-03-08", "03:30", "2026-03-08T07:30:00Z"),
            // Autumn overlap in New York: 01:00 to 01:59:59 occur twice on 2026-11-01.
            (New_York, "2026-11-01", "01:30", "2026-11-01T05:30:00Z"),
            (New_York, "2026-11-01", "03:30", "2026-11-01T08:30:00Z"),
        ];
        for (tz, day, clock, expected) in cases {
            assert_eq!(
                resolve_local(tz, date(day), time(clock)),
                utc(expected),
                "{tz} {day} {clock}"
            );
        }
    }

    #[test]
    fn gap_resolves_to_next_local_hour() {
        let instant = resolve_local(Helsinki, date("2026-03-29"), time("03:30"));
        let local = instant.with_timezone(&Helsinki);
        assert_eq!(local.time(), time("04:00"));
        assert_eq!(local.date_naive(), date("2026-03-29"));
    }

    #[test]
    fn local_date_follows_zone() {
        let late_evening_utc = utc("2026-01-15T22:30:00Z");
        assert_eq!(local_date(late_evening_utc, Helsinki), date("2026-01-16"));
        assert_eq!(local_date(late_evening_utc, New_York), date("2026-01-15"));
        assert_eq!(
            local_date(utc("2026-01-15T04:59:59Z"), New_York),
            date("2026-01-14")
        );
    }

    #[test]
    fn range_ends_do_not_panic() {
        let latest = resolve_local(Helsinki, NaiveDate::MAX, NaiveTime::MIN);
        assert_eq!(latest.date_naive(), date("+262142-12-30"));
        let earliest = resolve_local(New_York, NaiveDate::MIN, NaiveTime::MIN);
        assert!(earliest.date_naive() >= NaiveDate::MIN);

        assert_eq!(
            local_date(DateTime::<Utc>::MAX_UTC, Helsinki),
            NaiveDate::MAX
        );
        assert_eq!(
            local_date(DateTime::<Utc>::MIN_UTC, New_York),
            NaiveDate::MIN
        );
    }

    #[test]
    fn zone_rules_end_after_2099() {
        // Documents the chrono-tz limit noted on `resolve_local`: summer time in 2099, none in 2100.
        let noon_2099 = resolve_local(Helsinki, date("2099-07-15"), time("12:00"));
        assert_eq!(noon_2099, utc("2099-07-15T09:00:00Z"));
        let noon_2100 = resolve_local(Helsinki, date("2100-07-15"), time("12:00"));
        assert_eq!(noon_2100, utc("2100-07-15T10:00:00Z"));
    }
}
