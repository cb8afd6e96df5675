//! The SQL type for instants, which the two backends store differently.
//!
//! PostgreSQL stores an instant as `timestamptz`. SQLite has no time type, so an instant is text
//! of fixed width in UTC, `2025-01-31T08:15:00.000000Z`: always six fraction digits and a `Z`, so
//! that comparing the text compares the instants and indexes sort in time order. Both keep
//! microseconds; finer digits are truncated.

use chrono::{DateTime, Datelike, NaiveDate, SecondsFormat, Utc};
use diesel::deserialize::FromSqlRow;
use diesel::deserialize::{self, FromSql};
use diesel::expression::AsExpression;
use diesel::pg::Pg;
use diesel::serialize::{self, IsNull, Output, ToSql};
use diesel::sql_types::{Date, HasSqlType, Nullable, SqlType, Timestamptz};
use diesel::sqlite::Sqlite;

use crate::connection::MultiBackend;

/// An instant in UTC: `timestamptz` on PostgreSQL, fixed-width UTC text on SQLite.
#[derive(Debug, Clone, Copy, Default, SqlType, diesel::query_builder::QueryId)]
#[diesel(postgres_type(name = "timestamptz"))]
#[diesel(sqlite_type(name = "Text"))]
pub struct UtcInstant;

impl HasSqlType<UtcInstant> for MultiBackend {
    fn metadata(lookup: &mut Self::MetadataLookup) -> Self::TypeMetadata {
        MultiBackend::lookup_sql_type::<UtcInstant>(lookup)
    }
}

/// An instant as the store binds and reads it; the public API uses `DateTime<Utc>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, AsExpression, FromSqlRow)]
#[diesel(sql_type = UtcInstant)]
pub(crate) struct Instant(pub(crate) DateTime<Utc>);

impl From<DateTime<Utc>> for Instant {
    fn from(instant: DateTime<Utc>) -> Self {
        Instant(instant)
    }
}

impl From<Instant> for DateTime<Utc> {
    fn from(instant: Instant) -> Self {
        instant.0
    }
}

impl FromSql<UtcInstant, Pg> for Instant {
    fn from_sql(
        bytes: <Pg as diesel::backend::Backend>::RawValue<'_>,
    ) -> deserialize::Result<Self> {
        <DateTime<Utc> as FromSql<Timestamptz, Pg>>::from_sql(bytes).map(Instant)
    }
}

impl ToSql<UtcInstant, Pg> for Instant {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
        <DateTime<Utc> as ToSql<Timestamptz, Pg>>::to_sql(&self.0, out)
    }
}

impl FromSql<UtcInstant, Sqlite> for Instant {
    fn from_sql(
        mut bytes: <Sqlite as diesel::backend::Backend>::RawValue<'_>,
    ) -> deserialize::Result<Self> {
        Ok(Instant(parse_sqlite_text(bytes.read_text())?))
    }
}

impl ToSql<UtcInstant, Sqlite> for Instant {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Sqlite>) -> serialize::Result {
        out.set_value(sqlite_text(&self.0));
        Ok(IsNull::No)
    }
}

impl FromSql<UtcInstant, MultiBackend> for Instant {
    fn from_sql(
        bytes: <MultiBackend as diesel::backend::Backend>::RawValue<'_>,
    ) -> deserialize::Result<Self> {
        bytes.from_sql::<Instant, UtcInstant>()
    }
}

impl ToSql<UtcInstant, MultiBackend> for Instant {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, MultiBackend>) -> serialize::Result {
        out.set_value((UtcInstant, self));
        Ok(IsNull::No)
    }
}

/// Formats an instant as SQLite text: RFC 3339 in UTC with exactly six fraction digits.
pub(crate) fn sqlite_text(instant: &DateTime<Utc>) -> String {
    instant.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// Parses an instant stored on SQLite. The text [`sqlite_text`] writes is read field by field,
/// without chrono's general RFC 3339 parser and without copying the text. Any other RFC 3339
/// text, such as a value written by hand with an offset or a leap second, goes through the
/// general parser.
fn parse_sqlite_text(text: &str) -> Result<DateTime<Utc>, String> {
    if let Some(instant) = parse_fixed_width(text) {
        return Ok(instant);
    }
    DateTime::parse_from_rfc3339(text)
        .map(|instant| instant.with_timezone(&Utc))
        .map_err(|error| format!("invalid stored instant {text:?}: {error}"))
}

/// Parses `YYYY-MM-DDTHH:MM:SS.ffffffZ`, or returns `None` for any other text.
fn parse_fixed_width(text: &str) -> Option<DateTime<Utc>> {
    let bytes = text.as_bytes();
    let separators = [
        (4, b'-'),
        (7, b'-'),
        (10, b'T'),
        (13, b':'),
        (16, b':'),
        (19, b'.'),
        (26, b'Z'),
    ];
    if bytes.len() != 27 || separators.iter().any(|(at, byte)| bytes[*at] != *byte) {
        return None;
    }
    let number = |from: usize, to: usize| {
        bytes[from..to].iter().try_fold(0_u32, |value, digit| {
            digit
                .is_ascii_digit()
                .then(|| value * 10 + u32::from(digit - b'0'))
        })
    };
    let date = chrono::NaiveDate::from_ymd_opt(
        i32::try_from(number(0, 4)?).ok()?,
        number(5, 7)?,
        number(8, 10)?,
    )?;
    let time = chrono::NaiveTime::from_hms_micro_opt(
        number(11, 13)?,
        number(14, 16)?,
        number(17, 19)?,
        number(20, 26)?,
    )?;
    Some(date.and_time(time).and_utc())
}

/// A date read from a `Date` column. Diesel reads SQLite's `YYYY-MM-DD` text with chrono's
/// general format parser, about 2,000 instructions per date, and an invoice row carries up to
/// six dates. This type reads the fixed width directly, and any other text as diesel would.
/// Rows declare it with `#[diesel(deserialize_as = StoredDate)]` on a `NaiveDate` field; writes
/// keep diesel's own mapping.
#[derive(Debug, Clone, Copy, PartialEq, Eq, FromSqlRow)]
pub(crate) struct StoredDate(NaiveDate);

/// A date read from a nullable `Date` column, like [`StoredDate`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, FromSqlRow)]
pub(crate) struct StoredOptionalDate(Option<NaiveDate>);

impl From<StoredDate> for NaiveDate {
    fn from(date: StoredDate) -> Self {
        date.0
    }
}

impl From<StoredOptionalDate> for Option<NaiveDate> {
    fn from(date: StoredOptionalDate) -> Self {
        date.0
    }
}

impl FromSql<Date, Sqlite> for StoredDate {
    fn from_sql(
        mut bytes: <Sqlite as diesel::backend::Backend>::RawValue<'_>,
    ) -> deserialize::Result<Self> {
        Ok(StoredDate(parse_sqlite_date(bytes.read_text())?))
    }
}

impl FromSql<Date, Pg> for StoredDate {
    fn from_sql(
        bytes: <Pg as diesel::backend::Backend>::RawValue<'_>,
    ) -> deserialize::Result<Self> {
        <NaiveDate as FromSql<Date, Pg>>::from_sql(bytes).map(StoredDate)
    }
}

impl FromSql<Date, MultiBackend> for StoredDate {
    fn from_sql(
        bytes: <MultiBackend as diesel::backend::Backend>::RawValue<'_>,
    ) -> deserialize::Result<Self> {
        bytes.from_sql::<StoredDate, Date>()
    }
}

impl<DB> FromSql<Nullable<Date>, DB> for StoredOptionalDate
where
    DB: diesel::backend::Backend,
    StoredDate: FromSql<Date, DB>,
{
    fn from_sql(bytes: DB::RawValue<'_>) -> deserialize::Result<Self> {
        <StoredDate as FromSql<Date, DB>>::from_sql(bytes)
            .map(|date| StoredOptionalDate(Some(date.0)))
    }

    fn from_nullable_sql(bytes: Option<DB::RawValue<'_>>) -> deserialize::Result<Self> {
        match bytes {
            Some(bytes) => Self::from_sql(bytes),
            None => Ok(StoredOptionalDate(None)),
        }
    }
}

/// Parses a date stored on SQLite: `YYYY-MM-DD` field by field, and any other text through
/// chrono's parser, as diesel's `Date` mapping does.
fn parse_sqlite_date(text: &str) -> Result<NaiveDate, String> {
    let bytes = text.as_bytes();
    if bytes.len() == 10 && bytes[4] == b'-' && bytes[7] == b'-' {
        let number = |from: usize, to: usize| {
            bytes[from..to].iter().try_fold(0_u32, |value, digit| {
                digit
                    .is_ascii_digit()
                    .then(|| value * 10 + u32::from(digit - b'0'))
            })
        };
        if let (Some(year), Some(month), Some(day)) = (number(0, 4), number(5, 7), number(8, 10))
            && let Some(date) = i32::try_from(year)
                .ok()
                .and_then(|year| NaiveDate::from_ymd_opt(year, month, day))
        {
            return Ok(date);
        }
    }
    NaiveDate::parse_from_str(text, "%F")
        .map_err(|error| format!("invalid stored date {text:?}: {error}"))
}

/// Formats a date as diesel stores it on SQLite (chrono's `%F`), writing the digits of a year
/// from 0 to 9999 directly and leaving other years to chrono.
pub(crate) fn sqlite_date_text(date: NaiveDate) -> String {
    let year = date.year();
    if !(0..=9999).contains(&year) {
        return date.format("%F").to_string();
    }
    let digits = |value: u32, width: usize, text: &mut String| {
        let mut divisor = 10_u32.pow(u32::try_from(width - 1).unwrap_or(0));
        while divisor > 0 {
            text.push(char::from(
                b'0' + u8::try_from(value / divisor % 10).unwrap_or(0),
            ));
            divisor /= 10;
        }
    };
    let mut text = String::with_capacity(10);
    digits(year.unsigned_abs(), 4, &mut text);
    text.push('-');
    digits(date.month(), 2, &mut text);
    text.push('-');
    digits(date.day(), 2, &mut text);
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn sqlite_date_text_writes_what_chrono_writes() {
        let mut date = NaiveDate::from_ymd_opt(1999, 12, 25).unwrap();
        for _ in 0..800 {
            assert_eq!(sqlite_date_text(date), date.format("%F").to_string());
            date = date + chrono::Days::new(17);
        }
        for (year, month, day) in [
            (0, 1, 1),
            (7, 3, 9),
            (999, 10, 31),
            (2024, 2, 29),
            (9999, 12, 31),
        ] {
            let date = NaiveDate::from_ymd_opt(year, month, day).unwrap();
            assert_eq!(sqlite_date_text(date), date.format("%F").to_string());
        }
        for year in [-1, 10_000, 262_000] {
            let date = NaiveDate::from_ymd_opt(year, 6, 1).unwrap();
            assert_eq!(sqlite_date_text(date), date.format("%F").to_string());
            assert_eq!(parse_sqlite_date(&sqlite_date_text(date)), Ok(date));
        }
    }

    #[test]
    fn sqlite_text_has_fixed_width() {
        let whole = Utc.with_ymd_and_hms(2025, 1, 31, 8, 15, 0).unwrap();
        assert_eq!(sqlite_text(&whole), "2025-01-31T08:15:00.000000Z");
    }

    #[test]
    fn sqlite_text_reads_back() {
        let start = Utc.with_ymd_and_hms(2024, 2, 29, 23, 59, 59).unwrap();
        for micros in [0, 1, 999_999, 123_456, 86_400_000_000, 31_622_400_000_000] {
            let instant = start + chrono::Duration::microseconds(micros);
            assert_eq!(
                parse_sqlite_text(&sqlite_text(&instant)),
                Ok(instant),
                "{instant}"
            );
        }
    }

    #[test]
    fn other_rfc3339_text_reads_too() {
        let expected = Utc.with_ymd_and_hms(2025, 1, 31, 6, 15, 0).unwrap();
        for text in [
            "2025-01-31T08:15:00+02:00",
            "2025-01-31T06:15:00Z",
            "2025-01-31T06:15:00.000Z",
        ] {
            assert_eq!(parse_fixed_width(text), None, "{text}");
            assert_eq!(parse_sqlite_text(text), Ok(expected), "{text}");
        }
        let leap = parse_sqlite_text("2016-12-31T23:59:60.500000Z").unwrap();
        assert_eq!(leap.format("%S%.6f").to_string(), "60.500000");
    }

    #[test]
    fn bad_stored_instant_names_the_text() {
        for text in [
            "2025-13-31T08:15:00.000000Z",
            "2025-01-31T08:1x:00.000000Z",
            "yesterday",
        ] {
            let error = parse_sqlite_text(text).unwrap_err();
            assert!(error.contains(&format!("{text:?}")), "{error}");
        }
    }

    #[test]
    fn sqlite_text_sorts_like_time() {
        let earlier = Utc.with_ymd_and_hms(2025, 1, 31, 8, 15, 0).unwrap();
        let later = earlier + chrono::Duration::microseconds(1);
        assert!(sqlite_text(&earlier) < sqlite_text(&later));
    }

    #[test]
    fn sqlite_dates_read_as_chrono_reads_them() {
        for text in [
            "2026-03-02",
            "2024-02-29",
            "0001-01-01",
            "9999-12-31",
            "+12345-01-01",
            "2026-1-01",
        ] {
            assert_eq!(
                parse_sqlite_date(text),
                Ok(NaiveDate::parse_from_str(text, "%F").unwrap()),
                "{text}"
            );
        }
        for text in ["2025-02-29", "2026-13-01", "2026/03/02", "20260302", ""] {
            let error = parse_sqlite_date(text).unwrap_err();
            assert!(error.contains(&format!("{text:?}")), "{error}");
        }
    }
}
