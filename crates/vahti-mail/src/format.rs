//! Amounts, dates and rates written the way each locale reads them.
//!
//! | value | Finnish | Swedish (Finland) | English |
//! | --- | --- | --- | --- |
//! | euros | `1 234,56 €` | `1 234,56 €` | `€1,234.56` |
//! | other currency | `1 234,56 SEK` | `1 234,56 SEK` | `SEK 1,234.56` |
//! | date | `31.12.2026` | `31.12.2026` | `31 Dec 2026` |
//! | period | `1.1.2026–31.1.2026` | `1.1.2026–31.1.2026` | `1 Jan 2026 – 31 Jan 2026` |
//! | rate | `11,5 %` | `11,5 %` | `11.5%` |
//!
//! The Finnish and Swedish forms follow the conventions of Finland: a space between thousands, a
//! decimal comma, the currency after the amount, and day.month.year without leading zeros. English uses British order with the month
//! abbreviated, so that `3.4.2026` cannot be misread as March 4th.
//!
//! Spaces inside one amount, date or rate are no-break spaces (U+00A0), so a mail client never
//! wraps `1 234,56 €` across two lines. Negative amounts take an ASCII hyphen-minus so that a
//! copied amount pastes into any form. Amounts are rounded half away from zero to the currency's
//! minor unit with [`Money::round`]; nothing here uses floating point.

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;
use vahti_domain::{Currency, Money};

use crate::Locale;

/// The no-break space used inside amounts, dates and rates.
pub const NBSP: char = '\u{a0}';

/// The number of digits in one group of a printed virtual bank barcode.
const BARCODE_GROUP: usize = 6;

const ENGLISH_MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// Writes an amount with its currency, rounded to the currency's minor unit.
pub fn money(amount: Money, locale: Locale) -> String {
    let rounded = amount.round();
    let negative = rounded.is_negative();
    let digits = rounded.amount().abs().to_string();
    let (integer, fraction) = match digits.split_once('.') {
        Some((integer, fraction)) => (integer, Some(fraction)),
        None => (digits.as_str(), None),
    };

    let (group_separator, decimal_separator) = match locale {
        Locale::Finnish | Locale::Swedish => (NBSP, ','),
        Locale::English => (',', '.'),
    };
    let mut number = group_thousands(integer, group_separator);
    if let Some(fraction) = fraction {
        number.push(decimal_separator);
        number.push_str(fraction);
    }

    let sign = if negative { "-" } else { "" };
    let currency = amount.currency();
    match (locale, currency == Currency::EUR) {
        (Locale::Finnish | Locale::Swedish, true) => format!("{sign}{number}{NBSP}€"),
        (Locale::Finnish | Locale::Swedish, false) => {
            format!("{sign}{number}{NBSP}{}", currency.code())
        }
        (Locale::English, true) => format!("{sign}€{number}"),
        (Locale::English, false) => format!("{sign}{}{NBSP}{number}", currency.code()),
    }
}

/// Writes a calendar date.
pub fn date(date: NaiveDate, locale: Locale) -> String {
    match locale {
        Locale::Finnish | Locale::Swedish => {
            format!("{}.{}.{}", date.day(), date.month(), date.year())
        }
        Locale::English => {
            let month = usize::try_from(date.month0())
                .ok()
                .and_then(|index| ENGLISH_MONTHS.get(index))
                .copied()
                .unwrap_or_default();
            format!("{}{NBSP}{month}{NBSP}{}", date.day(), date.year())
        }
    }
}

/// Writes the period from `first` to `last`, both days included.
pub fn period(first: NaiveDate, last: NaiveDate, locale: Locale) -> String {
    match locale {
        Locale::Finnish | Locale::Swedish => {
            format!("{}–{}", date(first, locale), date(last, locale))
        }
        // The line may wrap after the dash, never inside a date.
        Locale::English => format!("{}{NBSP}– {}", date(first, locale), date(last, locale)),
    }
}

/// Writes a percentage such as an annual interest rate, with trailing zeros dropped: 11.50
/// becomes `11,5 %` in Finnish.
pub fn percent(rate: Decimal, locale: Locale) -> String {
    let number = rate.normalize().to_string();
    match locale {
        Locale::Finnish | Locale::Swedish => format!("{}{NBSP}%", number.replace('.', ",")),
        Locale::English => format!("{number}%"),
    }
}

/// Writes the name of a country given as an ISO 3166-1 alpha-2 code, such as `FI`.
///
/// Finland, its neighbours and its largest trading partners in the region have names in every
/// locale. Any other code is written as given, because a code reads better than a wrong name.
pub fn country(code: &str, locale: Locale) -> String {
    let names = match code.to_ascii_uppercase().as_str() {
        "FI" => ["Suomi", "Finland", "Finland"],
        "SE" => ["Ruotsi", "Sverige", "Sweden"],
        "EE" => ["Viro", "Estland", "Estonia"],
        "NO" => ["Norja", "Norge", "Norway"],
        "DK" => ["Tanska", "Danmark", "Denmark"],
        "DE" => ["Saksa", "Tyskland", "Germany"],
        _ => return code.to_owned(),
    };
    let [finnish, swedish, english] = names;
    match locale {
        Locale::Finnish => finnish,
        Locale::Swedish => swedish,
        Locale::English => english,
    }
    .to_owned()
}

/// Splits the 54 digits of a virtual bank barcode into groups of six for reading.
pub fn barcode_groups(digits: &str) -> String {
    let chars: Vec<char> = digits.chars().collect();
    chars
        .chunks(BARCODE_GROUP)
        .map(|group| group.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Inserts `separator` between groups of three digits, counted from the right.
fn group_thousands(digits: &str, separator: char) -> String {
    let count = digits.chars().count();
    let mut out = String::with_capacity(digits.len() + count / 3 * 2);
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (count - index).is_multiple_of(3) {
            out.push(separator);
        }
        out.push(digit);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn country_names_per_locale() {
        assert_eq!(country("FI", Locale::Finnish), "Suomi");
        assert_eq!(country("FI", Locale::Swedish), "Finland");
        assert_eq!(country("SE", Locale::English), "Sweden");
        assert_eq!(country("ee", Locale::Finnish), "Viro");
        assert_eq!(country("DE", Locale::Swedish), "Tyskland");
        assert_eq!(country("FR", Locale::English), "FR");
    }

    fn eur(amount: Decimal) -> Money {
        Money::new(amount, Currency::EUR)
    }

    fn currency(code: &str) -> Currency {
        Currency::from_code(code).unwrap()
    }

    fn day(year: i32, month: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(year, month, day).unwrap()
    }

    /// Replaces no-break spaces with `_` so that expectations show where they are.
    fn visible(text: String) -> String {
        text.replace(NBSP, "_")
    }

    #[test]
    fn euros_in_each_locale() {
        let cases = [
            (dec!(1234.56), Locale::Finnish, "1_234,56_€"),
            (dec!(1234.56), Locale::Swedish, "1_234,56_€"),
            (dec!(1234.56), Locale::English, "€1,234.56"),
            (dec!(0), Locale::Finnish, "0,00_€"),
            (dec!(5), Locale::English, "€5.00"),
            (dec!(999.9), Locale::Finnish, "999,90_€"),
            (dec!(1000), Locale::Finnish, "1_000,00_€"),
            (dec!(1234567.8), Locale::English, "€1,234,567.80"),
            (dec!(-12.5), Locale::Finnish, "-12,50_€"),
            (dec!(-1234.5), Locale::English, "-€1,234.50"),
        ];
        for (amount, locale, expected) in cases {
            assert_eq!(
                visible(money(eur(amount), locale)),
                expected,
                "{amount} {locale}"
            );
        }
    }

    #[test]
    fn money_rounds_half_away_from_zero() {
        assert_eq!(visible(money(eur(dec!(2.345)), Locale::Finnish)), "2,35_€");
        assert_eq!(
            visible(money(eur(dec!(-2.345)), Locale::Finnish)),
            "-2,35_€"
        );
    }

    #[test]
    fn other_currencies_print_code() {
        let cases = [
            ("SEK", dec!(1234.56), Locale::Finnish, "1_234,56_SEK"),
            ("SEK", dec!(1234.56), Locale::English, "SEK_1,234.56"),
            ("JPY", dec!(123456), Locale::Swedish, "123_456_JPY"),
            ("KWD", dec!(1.5), Locale::English, "KWD_1.500"),
        ];
        for (code, amount, locale, expected) in cases {
            let amount = Money::new(amount, currency(code));
            assert_eq!(visible(money(amount, locale)), expected, "{code} {locale}");
        }
    }

    #[test]
    fn large_amount_keeps_digits() {
        let amount = eur(Decimal::MAX);
        let text = money(amount, Locale::English);
        assert!(text.starts_with("€79,228,162,514,264,337,593,543,950,335"));
    }

    #[test]
    fn dates_in_each_locale() {
        let cases = [
            (day(2026, 12, 31), Locale::Finnish, "31.12.2026"),
            (day(2026, 2, 1), Locale::Finnish, "1.2.2026"),
            (day(2026, 2, 1), Locale::Swedish, "1.2.2026"),
            (day(2026, 12, 31), Locale::English, "31_Dec_2026"),
            (day(2026, 5, 3), Locale::English, "3_May_2026"),
        ];
        for (value, locale, expected) in cases {
            assert_eq!(visible(date(value, locale)), expected, "{value} {locale}");
        }
    }

    #[test]
    fn periods_in_each_locale() {
        let first = day(2026, 1, 1);
        let last = day(2026, 1, 31);
        assert_eq!(
            visible(period(first, last, Locale::Finnish)),
            "1.1.2026–31.1.2026"
        );
        assert_eq!(
            visible(period(first, last, Locale::English)),
            "1_Jan_2026_– 31_Jan_2026"
        );
    }

    #[test]
    fn percent_drops_trailing_zeros() {
        let cases = [
            (dec!(11.50), Locale::Finnish, "11,5_%"),
            (dec!(11.50), Locale::English, "11.5%"),
            (dec!(10), Locale::Swedish, "10_%"),
            (dec!(9.125), Locale::English, "9.125%"),
        ];
        for (rate, locale, expected) in cases {
            assert_eq!(visible(percent(rate, locale)), expected, "{rate} {locale}");
        }
    }

    #[test]
    fn barcode_splits_in_sixes() {
        let digits = "479440520200360820048831500000000868516259619897100612";
        assert_eq!(
            barcode_groups(digits),
            "479440 520200 360820 048831 500000 000868 516259 619897 100612"
        );
    }

    #[test]
    fn thousands_grouping_edges() {
        let cases = [
            ("0", "0"),
            ("12", "12"),
            ("123", "123"),
            ("1234", "1,234"),
            ("123456", "123,456"),
            ("1234567", "1,234,567"),
        ];
        for (digits, expected) in cases {
            assert_eq!(group_thousands(digits, ','), expected, "{digits}");
        }
    }
}
