//! The SQL type for instants, which the two backends store differently.
//!
//! PostgreSQL stores an instant as `timestamptz`. SQLite has no time type, so an instant is text
//! of fixed width in UTC, `2025-01-31T08:15:00.000000Z`: always six fraction digits and a `Z`, so
//! that comparing the text compares the instants and indexes sort in time order. Both keep
//! microseconds; finer digits are truncated.

use chrono::{DateTime, SecondsFormat, Utc};
use diesel::deserialize::FromSqlRow;
use diesel::deserialize::{self, FromSql};
use diesel::expression::AsExpression;
use diesel::pg::Pg;
use diesel::serialize::{self, IsNull, Output, ToSql};
use diesel::sql_types::{HasSqlType, SqlType, Text, Timestamptz};
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
        bytes: <Sqlite as diesel::backend::Backend>::RawValue<'_>,
    ) -> deserialize::Result<Self> {
        let text = <String as FromSql<Text, Sqlite>>::from_sql(bytes)?;
        let parsed = DateTime::parse_from_rfc3339(&text)
            .map_err(|error| format!("invalid stored instant {text:?}: {error}"))?;
        Ok(Instant(parsed.with_timezone(&Utc)))
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

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn sqlite_text_has_fixed_width() {
        let whole = Utc.with_ymd_and_hms(2025, 1, 31, 8, 15, 0).unwrap();
        assert_eq!(sqlite_text(&whole), "2025-01-31T08:15:00.000000Z");
    }

    #[test]
    fn sqlite_text_sorts_like_time() {
        let earlier = Utc.with_ymd_and_hms(2025, 1, 31, 8, 15, 0).unwrap();
        let later = earlier + chrono::Duration::microseconds(1);
        assert!(sqlite_text(&earlier) < sqlite_text(&later));
    }
}
