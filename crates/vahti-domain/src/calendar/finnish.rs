//! Finnish public holidays and the other days Finnish banks are closed.
//!
//! The fixed holidays are 1 January, 6 January, 1 May, 6 December, and 25 and 26 December. Good
//! Friday, Easter Monday, Ascension Day and Pentecost fall 2 days before and 1, 39 and 49 days
//! after Easter Sunday. Midsummer Day is the Saturday from 20 to 26 June, and All Saints' Day the
//! Saturday from 31 October to 6 November. Banks also close on Midsummer Eve and Christmas Eve,
//! which are not public holidays.

use std::fmt;
use std::ops::RangeInclusive;
use std::sync::OnceLock;

use chrono::{Datelike, Days, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};

use super::banking_day::is_monday_to_friday;
use super::{BankingCalendar, CalendarError, easter_sunday};

/// A day on which Finnish banks are closed, other than a weekend.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FinnishHoliday {
    /// 1 January.
    NewYearsDay,
    /// 6 January.
    Epiphany,
    /// Two days before Easter Sunday.
    GoodFriday,
    /// Easter Sunday.
    EasterSunday,
    /// The day after Easter Sunday.
    EasterMonday,
    /// 1 May.
    MayDay,
    /// 39 days after Easter Sunday, a Thursday.
    AscensionDay,
    /// 49 days after Easter Sunday (Whit Sunday).
    Pentecost,
    /// The Friday from 19 to 25 June. Banks close, but it is not a public holiday.
    MidsummerEve,
    /// The Saturday from 20 to 26 June.
    MidsummerDay,
    /// The Saturday from 31 October to 6 November.
    AllSaintsDay,
    /// 6 December.
    IndependenceDay,
    /// 24 December. Banks close, but it is not a public holiday.
    ChristmasEve,
    /// 25 December.
    ChristmasDay,
    /// 26 December (Boxing Day).
    StStephensDay,
}

impl FinnishHoliday {
    /// Every holiday, in calendar order within a typical year.
    pub const ALL: [FinnishHoliday; 15] = [
        FinnishHoliday::NewYearsDay,
        FinnishHoliday::Epiphany,
        FinnishHoliday::GoodFriday,
        FinnishHoliday::EasterSunday,
        FinnishHoliday::EasterMonday,
        FinnishHoliday::MayDay,
        FinnishHoliday::AscensionDay,
        FinnishHoliday::Pentecost,
        FinnishHoliday::MidsummerEve,
        FinnishHoliday::MidsummerDay,
        FinnishHoliday::AllSaintsDay,
        FinnishHoliday::IndependenceDay,
        FinnishHoliday::ChristmasEve,
        FinnishHoliday::ChristmasDay,
        FinnishHoliday::StStephensDay,
    ];

    /// The English name, such as `Midsummer Eve`.
    pub fn english_name(self) -> &'static str {
        match self {
            FinnishHoliday::NewYearsDay => "New Year's Day",
            FinnishHoliday::Epiphany => "Epiphany",
            FinnishHoliday::GoodFriday => "Good Friday",
            FinnishHoliday::EasterSunday => "Easter Sunday",
            FinnishHoliday::EasterMonday => "Easter Monday",
            FinnishHoliday::MayDay => "May Day",
            FinnishHoliday::AscensionDay => "Ascension Day",
            FinnishHoliday::Pentecost => "Pentecost",
            FinnishHoliday::MidsummerEve => "Midsummer Eve",
            FinnishHoliday::MidsummerDay => "Midsummer Day",
            FinnishHoliday::AllSaintsDay => "All Saints' Day",
            FinnishHoliday::IndependenceDay => "Independence Day",
            FinnishHoliday::ChristmasEve => "Christmas Eve",
            FinnishHoliday::ChristmasDay => "Christmas Day",
            FinnishHoliday::StStephensDay => "St Stephen's Day",
        }
    }

    /// The Finnish name, such as `juhannusaatto`.
    pub fn finnish_name(self) -> &'static str {
        match self {
            FinnishHoliday::NewYearsDay => "uudenvuodenpäivä",
            FinnishHoliday::Epiphany => "loppiainen",
            FinnishHoliday::GoodFriday => "pitkäperjantai",
            FinnishHoliday::EasterSunday => "pääsiäispäivä",
            FinnishHoliday::EasterMonday => "toinen pääsiäispäivä",
            FinnishHoliday::MayDay => "vappu",
            FinnishHoliday::AscensionDay => "helatorstai",
            FinnishHoliday::Pentecost => "helluntaipäivä",
            FinnishHoliday::MidsummerEve => "juhannusaatto",
            FinnishHoliday::MidsummerDay => "juhannuspäivä",
            FinnishHoliday::AllSaintsDay => "pyhäinpäivä",
            FinnishHoliday::IndependenceDay => "itsenäisyyspäivä",
            FinnishHoliday::ChristmasEve => "jouluaatto",
            FinnishHoliday::ChristmasDay => "joulupäivä",
            FinnishHoliday::StStephensDay => "tapaninpäivä",
        }
    }

    /// Whether the day is a public holiday. Midsummer Eve and Christmas Eve are not, although
    /// banks close on them.
    pub fn is_public_holiday(self) -> bool {
        !matches!(
            self,
            FinnishHoliday::MidsummerEve | FinnishHoliday::ChristmasEve
        )
    }
}

/// Prints the English name.
impl fmt::Display for FinnishHoliday {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.english_name())
    }
}

/// The Finnish banking calendar for the years 1900 to 2199.
///
/// A banking day is a Monday to Friday that is none of the [`FinnishHoliday`]s. Dates outside the
/// supported years are never banking days, and searches that reach them fail with
/// [`CalendarError::DateOutOfRange`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FinnishCalendar;

const FIRST_DAY: NaiveDate = match NaiveDate::from_ymd_opt(FinnishCalendar::FIRST_YEAR, 1, 1) {
    Some(date) => date,
    None => NaiveDate::MIN,
};

const LAST_DAY: NaiveDate = match NaiveDate::from_ymd_opt(FinnishCalendar::LAST_YEAR, 12, 31) {
    Some(date) => date,
    None => NaiveDate::MAX,
};

impl FinnishCalendar {
    /// The first year with holiday rules.
    pub const FIRST_YEAR: i32 = 1900;

    /// The last year with holiday rules.
    pub const LAST_YEAR: i32 = 2199;

    /// Lists the year's holidays in date order, with the days banks are closed although they are
    /// not public holidays.
    ///
    /// Every year has all 15 [`FinnishHoliday`]s. When Easter falls on 23 March, as in 1913, 2008
    /// and 2160, Ascension Day falls on 1 May, and both holidays are listed on that date, May Day
    /// first. Fails with [`CalendarError::YearUnsupported`] outside 1900 to 2199.
    pub fn holidays(&self, year: i32) -> Result<Vec<(NaiveDate, FinnishHoliday)>, CalendarError> {
        let unsupported = CalendarError::YearUnsupported {
            year,
            first: Self::FIRST_YEAR,
            last: Self::LAST_YEAR,
        };
        year_table(year).map(<[_]>::to_vec).ok_or(unsupported)
    }

    /// Returns the holiday on the date, or `None` for an ordinary day or a date outside 1900 to
    /// 2199. When two holidays share the date, returns the one listed first by
    /// [`holidays`](Self::holidays).
    pub fn holiday_on(&self, date: NaiveDate) -> Option<FinnishHoliday> {
        year_table(date.year())?
            .iter()
            .find(|(holiday_date, _)| *holiday_date == date)
            .map(|(_, holiday)| *holiday)
    }
}

impl BankingCalendar for FinnishCalendar {
    fn is_banking_day(&self, date: NaiveDate) -> bool {
        is_monday_to_friday(date)
            && self.supported_range().contains(&date)
            && year_holidays(date.year()).is_none_or(|year| !year.falls_on(date))
    }

    fn supported_range(&self) -> RangeInclusive<NaiveDate> {
        FIRST_DAY..=LAST_DAY
    }
}

/// The holidays of every supported year, computed on first use. The planner checks whether a day
/// is a banking day several times per invoice, so computing Easter and sorting a year's list on
/// every question would dominate its cost.
static HOLIDAY_TABLE: OnceLock<Vec<Option<YearHolidays>>> = OnceLock::new();

/// The holidays of one year.
struct YearHolidays {
    /// The holidays in date order.
    list: Vec<(NaiveDate, FinnishHoliday)>,
    /// The same dates as a bit set over the days of the year: bit `n % 64` of word `n / 64` is
    /// set when the day with zero-based ordinal `n` is a holiday. A test of one bit is cheaper
    /// than searching the list, and banking-day checks are the calendar's most frequent call.
    days: [u64; 6],
}

impl YearHolidays {
    fn new(list: Vec<(NaiveDate, FinnishHoliday)>) -> Self {
        let mut days = [0_u64; 6];
        for (date, _) in &list {
            let (word, bit) = ordinal_bit(*date);
            if let Some(word) = days.get_mut(word) {
                *word |= bit;
            }
        }
        YearHolidays { list, days }
    }

    /// Whether a holiday falls on the date, which must lie in this year.
    fn falls_on(&self, date: NaiveDate) -> bool {
        let (word, bit) = ordinal_bit(date);
        self.days.get(word).is_some_and(|word| word & bit != 0)
    }
}

/// Returns the word index and bit mask of the date's zero-based ordinal in a [`YearHolidays`]
/// bit set.
fn ordinal_bit(date: NaiveDate) -> (usize, u64) {
    // The ordinal is at most 365, so the word index is at most 5.
    let ordinal = date.ordinal0();
    (
        usize::try_from(ordinal / 64).unwrap_or(usize::MAX),
        1 << (ordinal % 64),
    )
}

/// Returns the holidays of `year`, or `None` outside the supported years.
fn year_holidays(year: i32) -> Option<&'static YearHolidays> {
    let table = HOLIDAY_TABLE.get_or_init(|| {
        (FinnishCalendar::FIRST_YEAR..=FinnishCalendar::LAST_YEAR)
            .map(|year| holidays_of(year).map(YearHolidays::new))
            .collect()
    });
    let index = usize::try_from(year.checked_sub(FinnishCalendar::FIRST_YEAR)?).ok()?;
    table.get(index)?.as_ref()
}

/// Returns the holidays of `year` in date order, or `None` outside the supported years.
fn year_table(year: i32) -> Option<&'static [(NaiveDate, FinnishHoliday)]> {
    year_holidays(year).map(|holidays| holidays.list.as_slice())
}

/// Computes the holidays of a year in date order, or `None` if a date cannot be represented.
///
/// NOTE: The current rules, in force since 1991, are applied to every year. Between 1955 and 1990
/// Midsummer and All Saints' Day fell on fixed dates or moved, and in 1973 to 1990 Epiphany and
/// Ascension Day fell on Saturdays. Dates computed for years before 1991 can therefore differ
/// from the days banks were closed.
fn holidays_of(year: i32) -> Option<Vec<(NaiveDate, FinnishHoliday)>> {
    let easter = easter_sunday(year)?;
    let fixed = |month: u32, day: u32| NaiveDate::from_ymd_opt(year, month, day);
    let midsummer_day = saturday_on_or_after(fixed(6, 20)?)?;

    let mut holidays = vec![
        (fixed(1, 1)?, FinnishHoliday::NewYearsDay),
        (fixed(1, 6)?, FinnishHoliday::Epiphany),
        (
            easter.checked_sub_days(Days::new(2))?,
            FinnishHoliday::GoodFriday,
        ),
        (easter, FinnishHoliday::EasterSunday),
        (
            easter.checked_add_days(Days::new(1))?,
            FinnishHoliday::EasterMonday,
        ),
        (fixed(5, 1)?, FinnishHoliday::MayDay),
        (
            easter.checked_add_days(Days::new(39))?,
            FinnishHoliday::AscensionDay,
        ),
        (
            easter.checked_add_days(Days::new(49))?,
            FinnishHoliday::Pentecost,
        ),
        (midsummer_day.pred_opt()?, FinnishHoliday::MidsummerEve),
        (midsummer_day, FinnishHoliday::MidsummerDay),
        (
            saturday_on_or_after(fixed(10, 31)?)?,
            FinnishHoliday::AllSaintsDay,
        ),
        (fixed(12, 6)?, FinnishHoliday::IndependenceDay),
        (fixed(12, 24)?, FinnishHoliday::ChristmasEve),
        (fixed(12, 25)?, FinnishHoliday::ChristmasDay),
        (fixed(12, 26)?, FinnishHoliday::StStephensDay),
    ];

    // Ascension Day can fall on 30 April, before May Day. The sort is stable, so May Day stays
    // first when both fall on 1 May.
    holidays.sort_by_key(|(date, _)| *date);
    Some(holidays)
}

fn saturday_on_or_after(date: NaiveDate) -> Option<NaiveDate> {
    let saturday = Weekday::Sat.num_days_from_monday();
    let weekday = date.weekday().num_days_from_monday();
    let days_ahead = (saturday + 7 - weekday) % 7;
    date.checked_add_days(Days::new(u64::from(days_ahead)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;
    use FinnishHoliday::*;
    use proptest::prelude::*;

    fn date(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    /// Published Finnish holiday dates, with Easter Sunday 2024-03-31, 2025-04-20, 2026-04-05
    /// and 2027-03-28.
    const PUBLISHED: [(i32, [(&str, FinnishHoliday); 15]); 4] = [
        (
            2024,
            [
                ("2024-01-01", NewYearsDay),
                ("2024-01-06", Epiphany),
                ("2024-03-29", GoodFriday),
                ("2024-03-31", EasterSunday),
                ("2024-04-01", EasterMonday),
                ("2024-05-01", MayDay),
                ("2024-05-09", AscensionDay),
                ("2024-05-19", Pentecost),
                ("2024-06-21", MidsummerEve),
                ("2024-06-22", MidsummerDay),
                ("2024-11-02", AllSaintsDay),
                ("2024-12-06", IndependenceDay),
                ("2024-12-24", ChristmasEve),
                ("2024-12-25", ChristmasDay),
                ("2024-12-26", StStephensDay),
            ],
        ),
        (
            2025,
            [
                ("2025-01-01", NewYearsDay),
                ("2025-01-06", Epiphany),
                ("2025-04-18", GoodFriday),
                ("2025-04-20", EasterSunday),
                ("2025-04-21", EasterMonday),
                ("2025-05-01", MayDay),
                ("2025-05-29", AscensionDay),
                ("2025-06-08", Pentecost),
                ("2025-06-20", MidsummerEve),
                ("2025-06-21", MidsummerDay),
                ("2025-11-01", AllSaintsDay),
                ("2025-12-06", IndependenceDay),
                ("2025-12-24", ChristmasEve),
                ("2025-12-25", ChristmasDay),
                ("2025-12-26", StStephensDay),
            ],
        ),
        (
            2026,
            [
                ("2026-01-01", NewYearsDay),
                ("2026-01-06", Epiphany),
                ("2026-04-03", GoodFriday),
                ("2026-04-05", EasterSunday),
                ("2026-04-06", EasterMonday),
                ("2026-05-01", MayDay),
                ("2026-05-14", AscensionDay),
                ("2026-05-24", Pentecost),
                ("2026-06-19", MidsummerEve),
                ("2026-06-20", MidsummerDay),
                ("2026-10-31", AllSaintsDay),
                ("2026-12-06", IndependenceDay),
                ("2026-12-24", ChristmasEve),
                ("2026-12-25", ChristmasDay),
                ("2026-12-26", StStephensDay),
            ],
        ),
        (
            2027,
            [
                ("2027-01-01", NewYearsDay),
                ("2027-01-06", Epiphany),
                ("2027-03-26", GoodFriday),
                ("2027-03-28", EasterSunday),
                ("2027-03-29", EasterMonday),
                ("2027-05-01", MayDay),
                ("2027-05-06", AscensionDay),
                ("2027-05-16", Pentecost),
                ("2027-06-25", MidsummerEve),
                ("2027-06-26", MidsummerDay),
                ("2027-11-06", AllSaintsDay),
                ("2027-12-06", IndependenceDay),
                ("2027-12-24", ChristmasEve),
                ("2027-12-25", ChristmasDay),
                ("2027-12-26", StStephensDay),
            ],
        ),
    ];

    #[test]
    fn holidays_match_published_dates() {
        for (year, expected) in PUBLISHED {
            let expected: Vec<(NaiveDate, FinnishHoliday)> = expected
                .iter()
                .map(|(text, holiday)| (date(text), *holiday))
                .collect();
            assert_eq!(FinnishCalendar.holidays(year).unwrap(), expected, "{year}");
        }
    }

    #[test]
    fn holidays_close_the_banks() {
        for (_, holidays) in PUBLISHED {
            for (text, holiday) in holidays {
                assert!(
                    !FinnishCalendar.is_banking_day(date(text)),
                    "{text} {holiday}"
                );
                assert_eq!(FinnishCalendar.holiday_on(date(text)), Some(holiday));
            }
        }
    }

    #[test]
    fn next_banking_day_required_checks() {
        let cases = [
            ("2025-12-24", "2025-12-29"),
            ("2026-06-19", "2026-06-22"),
            ("2026-04-03", "2026-04-07"),
            ("2026-12-31", "2027-01-04"),
            ("2027-03-25", "2027-03-30"),
        ];
        for (from, expected) in cases {
            assert_eq!(
                FinnishCalendar.next_banking_day_after(date(from)).unwrap(),
                date(expected),
                "after {from}"
            );
        }
    }

    #[test]
    fn ordinary_weekdays_are_banking_days() {
        for text in ["2026-01-02", "2026-01-05", "2026-04-07", "2026-06-18"] {
            assert!(FinnishCalendar.is_banking_day(date(text)), "{text}");
            assert_eq!(FinnishCalendar.holiday_on(date(text)), None, "{text}");
        }
    }

    #[test]
    fn banking_days_match_holiday_list() {
        // Every day of every supported year, so that each year's bit set is checked against its
        // list, leap days and 31 December included.
        let mut day = FIRST_DAY;
        while day <= LAST_DAY {
            let expected = is_monday_to_friday(day) && FinnishCalendar.holiday_on(day).is_none();
            assert_eq!(FinnishCalendar.is_banking_day(day), expected, "{day}");
            day = day.succ_opt().unwrap();
        }
    }

    #[test]
    fn due_date_on_holiday_moves() {
        let calendar: &dyn BankingCalendar = &FinnishCalendar;
        assert_eq!(
            calendar
                .banking_day_on_or_after(date("2025-12-24"))
                .unwrap(),
            date("2025-12-29")
        );
        assert_eq!(
            calendar.add_banking_days(date("2025-12-23"), 1).unwrap(),
            date("2025-12-29")
        );
        assert_eq!(
            calendar.add_banking_days(date("2025-12-29"), -1).unwrap(),
            date("2025-12-23")
        );
        assert_eq!(
            calendar
                .banking_days_between(date("2025-12-19"), date("2026-01-09"))
                .unwrap(),
            10,
            "22, 23, 29, 30, 31 December, 2, 5, 7, 8, 9 January"
        );
    }

    #[test]
    fn ascension_on_may_day_2008() {
        let holidays = FinnishCalendar.holidays(2008).unwrap();
        let on_may_day: Vec<FinnishHoliday> = holidays
            .iter()
            .filter(|(holiday_date, _)| *holiday_date == date("2008-05-01"))
            .map(|(_, holiday)| *holiday)
            .collect();
        assert_eq!(on_may_day, [MayDay, AscensionDay]);
        assert_eq!(holidays.len(), 15);
        assert_eq!(FinnishCalendar.holiday_on(date("2008-05-01")), Some(MayDay));
    }

    #[test]
    fn unsupported_years_are_errors() {
        for year in [1899, 2200, i32::MIN, i32::MAX] {
            let error = FinnishCalendar.holidays(year).unwrap_err();
            assert_eq!(error.code(), "calendar_year_unsupported", "{year}");
            assert!(error.to_string().contains(&year.to_string()));
        }
    }

    #[test]
    fn range_ends_are_not_crossed() {
        let calendar = FinnishCalendar;
        assert!(!calendar.is_banking_day(date("1899-12-29")));
        assert!(!calendar.is_banking_day(date("2200-01-01")));

        let before = calendar
            .banking_day_on_or_after(date("1899-12-29"))
            .unwrap_err();
        assert_eq!(before.code(), "calendar_date_out_of_range");

        let after = calendar
            .next_banking_day_after(date("2199-12-31"))
            .unwrap_err();
        assert_eq!(after.code(), "calendar_date_out_of_range");
        assert!(after.to_string().contains("2199-12-31"));

        assert_eq!(
            calendar.next_banking_day_after(date("2199-12-30")).unwrap(),
            date("2199-12-31")
        );
    }

    #[test]
    fn names_in_both_languages() {
        assert_eq!(MidsummerEve.english_name(), "Midsummer Eve");
        assert_eq!(MidsummerEve.finnish_name(), "juhannusaatto");
        assert_eq!(AllSaintsDay.to_string(), "All Saints' Day");
        assert_eq!(AllSaintsDay.finnish_name(), "pyhäinpäivä");
        assert!(!ChristmasEve.is_public_holiday());
        assert!(ChristmasDay.is_public_holiday());
    }

    #[test]
    fn holiday_serde_is_snake_case() {
        let json = serde_json::to_string(&StStephensDay).unwrap();
        assert_eq!(json, "\"st_stephens_day\"");
        let back: FinnishHoliday = serde_json::from_str("\"midsummer_eve\"").unwrap();
        assert_eq!(back, MidsummerEve);
    }

    #[test]
    fn every_year_has_fifteen_holidays() {
        for year in FinnishCalendar::FIRST_YEAR..=FinnishCalendar::LAST_YEAR {
            let holidays = FinnishCalendar.holidays(year).unwrap();
            let mut kinds: Vec<FinnishHoliday> = holidays.iter().map(|(_, h)| *h).collect();
            kinds.sort();
            assert_eq!(kinds, FinnishHoliday::ALL, "{year}");
        }
    }

    proptest! {
        #[test]
        fn holidays_per_year_hold(year in FinnishCalendar::FIRST_YEAR..=FinnishCalendar::LAST_YEAR) {
            let holidays = FinnishCalendar.holidays(year).unwrap();
            prop_assert_eq!(holidays.len(), 15);

            let mut dates: Vec<NaiveDate> = holidays.iter().map(|(d, _)| *d).collect();
            prop_assert!(dates.is_sorted());
            dates.dedup();
            let easter = easter_sunday(year).unwrap();
            let ascension_on_may_day = easter.checked_add_days(Days::new(39)).unwrap()
                == NaiveDate::from_ymd_opt(year, 5, 1).unwrap();
            let expected_dates = if ascension_on_may_day { 14 } else { 15 };
            prop_assert_eq!(dates.len(), expected_dates);

            for (holiday_date, holiday) in holidays {
                prop_assert_eq!(holiday_date.year(), year);
                prop_assert!(!FinnishCalendar.is_banking_day(holiday_date), "{} {}", holiday_date, holiday);
            }
        }

        #[test]
        fn searches_return_banking_days(
            day in 0_u64..(300 * 366 - 10),
            days in -40_i32..=40,
        ) {
            let calendar: &dyn BankingCalendar = &FinnishCalendar;
            let start = date("1900-03-01").checked_add_days(Days::new(day)).unwrap();
            prop_assume!(start <= date("2199-10-31"));

            let on_or_after = calendar.banking_day_on_or_after(start).unwrap();
            prop_assert!(calendar.is_banking_day(on_or_after));
            prop_assert!(on_or_after >= start);

            let next = calendar.next_banking_day_after(start).unwrap();
            prop_assert!(calendar.is_banking_day(next));
            prop_assert!(next > start);
            prop_assert_eq!(calendar.banking_days_between(start, next).unwrap(), 1);

            let previous = calendar.previous_banking_day_before(start).unwrap();
            prop_assert!(calendar.is_banking_day(previous));
            prop_assert!(previous < start);

            let moved = calendar.add_banking_days(start, days).unwrap();
            prop_assert!(calendar.is_banking_day(moved));
            if days != 0 {
                prop_assert_eq!(calendar.banking_days_between(start, moved).unwrap(), days);
            }
        }
    }
}
