//! Banking days, Finnish public holidays and send windows in a time zone.
//!
//! Dates here are calendar dates without a zone (`NaiveDate`), as due dates are. Instants are
//! `DateTime<Utc>`, and the local wall-clock time of a tenant or debtor is derived from an IANA
//! zone with [`resolve_local`] and [`local_date`], which handle daylight saving time in one place.

mod banking_day;
mod easter;
mod finnish;
mod send_window;
mod zone;

pub use banking_day::{BankingCalendar, SEARCH_LIMIT_DAYS, WeekdayCalendar};
pub use easter::easter_sunday;
pub use finnish::{FinnishCalendar, FinnishHoliday};
pub(crate) use send_window::CachedSendWindow;
pub use send_window::{SendDays, SendWindow};
pub use zone::{local_date, resolve_local};

use chrono::{NaiveDate, NaiveTime};

use crate::error::ErrorCode;

/// An error from a calendar computation or a send window.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    /// A calendar has no holiday rules for the year.
    #[error("unsupported year {year}: this calendar covers the years {first} to {last}")]
    YearUnsupported {
        /// The year as given.
        year: i32,
        /// The first supported year.
        first: i32,
        /// The last supported year.
        last: i32,
    },

    /// A date, or a date that a search would have to reach, is outside the calendar's range.
    #[error(
        "date {date} is outside the supported range of this calendar, or the search from it would leave that range: use dates from {first} to {last}"
    )]
    DateOutOfRange {
        /// The date as given, or the date the search started from.
        date: NaiveDate,
        /// The first supported date.
        first: NaiveDate,
        /// The last supported date.
        last: NaiveDate,
    },

    /// A search found no banking day within its limit, so the calendar marks every day of a long
    /// run as closed.
    #[error(
        "no banking day within {days} days from {from}: check that the calendar marks some weekdays as banking days"
    )]
    NoBankingDay {
        /// The date the search started from.
        from: NaiveDate,
        /// The number of days searched.
        days: u32,
    },

    /// A send window does not start before it ends.
    #[error(
        "invalid send window {start} to {end}: the start must be before the end on the same day (windows across midnight are not supported)"
    )]
    SendWindowInvalid {
        /// The start time as given.
        start: NaiveTime,
        /// The end time as given.
        end: NaiveTime,
    },

    /// A send window never opened within the search limit.
    #[error(
        "send window never opens within {days} days from {from}: check the window's days and the calendar"
    )]
    SendWindowNeverOpens {
        /// The local date the search started from.
        from: NaiveDate,
        /// The number of days searched.
        days: u32,
    },
}

impl ErrorCode for CalendarError {
    fn code(&self) -> &'static str {
        match self {
            CalendarError::YearUnsupported { .. } => "calendar_year_unsupported",
            CalendarError::DateOutOfRange { .. } => "calendar_date_out_of_range",
            CalendarError::NoBankingDay { .. } => "calendar_no_banking_day",
            CalendarError::SendWindowInvalid { .. } => "send_window_invalid",
            CalendarError::SendWindowNeverOpens { .. } => "send_window_never_opens",
        }
    }
}
