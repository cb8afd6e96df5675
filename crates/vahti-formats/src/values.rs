//! Readers for the small values every format has: amounts, dates and e-mail addresses.
//!
//! Each reader returns the reason as text on failure; the caller wraps it in a
//! [`FormatError::InvalidValue`](crate::FormatError::InvalidValue) with the position.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use vahti_domain::{Currency, Money};

/// An amount and the separators it was written with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct WrittenAmount {
    pub money: Money,
    /// Digits were grouped with spaces or dots, such as `1 234,56`.
    pub thousands_separator: bool,
    /// A decimal point was used where a decimal comma was expected.
    pub decimal_point: bool,
}

/// Reads a Finvoice amount: decimal comma (`1234,56`), optional sign, and optionally thousands
/// grouped with spaces or dots (`1 234,56`, `1.234,56`). A single dot without a comma is read as a
/// decimal point (`1234.56`), which some converters write.
pub(crate) fn parse_comma_amount(text: &str, currency: Currency) -> Result<WrittenAmount, String> {
    let (negative, body) = split_sign(text.trim());

    let (integer, fraction, decimal_point) = match body.split_once(',') {
        Some((_, fraction)) if fraction.contains(',') => {
            return Err("has more than one decimal comma".to_owned());
        }
        Some((integer, fraction)) => (integer, Some(fraction), false),
        None => match body.split_once('.') {
            Some((_, fraction)) if fraction.contains('.') => {
                return Err(
                    "has several dots and no decimal comma, so its value is ambiguous".to_owned(),
                );
            }
            Some((integer, fraction)) => (integer, Some(fraction), true),
            None => (body, None, false),
        },
    };

    let separators: &[char] = if decimal_point {
        &[' ', '\u{a0}', '\u{202f}']
    } else {
        &[' ', '\u{a0}', '\u{202f}', '.']
    };
    let (digits, thousands_separator) = ungroup(integer, separators)?;
    if let Some(fraction) = fraction
        && (fraction.is_empty() || !fraction.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err("must have digits after the decimal separator".to_owned());
    }

    let money = to_money(negative, &digits, fraction, currency)?;
    Ok(WrittenAmount {
        money,
        thousands_separator,
        decimal_point,
    })
}

/// Reads an XML Schema decimal as UBL and ISO 20022 write it: optional sign, digits, and an
/// optional dot with digits, such as `1656.25` or `200000`.
pub(crate) fn parse_dot_amount(text: &str, currency: Currency) -> Result<Money, String> {
    let (negative, body) = split_sign(text.trim());
    let (integer, fraction) = match body.split_once('.') {
        Some((integer, fraction)) => (integer, Some(fraction)),
        None => (body, None),
    };
    let all_digits = |part: &str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
    if !all_digits(integer) || fraction.is_some_and(|part| !all_digits(part)) {
        return Err("must be a decimal number with a dot, such as 1234.56".to_owned());
    }
    to_money(negative, integer, fraction, currency)
}

fn split_sign(text: &str) -> (bool, &str) {
    if let Some(rest) = text.strip_prefix('-') {
        (true, rest.trim_start())
    } else if let Some(rest) = text.strip_prefix('+') {
        (false, rest.trim_start())
    } else {
        (false, text)
    }
}

/// Removes thousands separators from the integer part, checking that groups after the first have
/// three digits. Returns the digits and whether separators were present.
fn ungroup(integer: &str, separators: &[char]) -> Result<(String, bool), String> {
    let groups: Vec<&str> = integer.split(|c| separators.contains(&c)).collect();
    let digits_only = |group: &str| !group.is_empty() && group.bytes().all(|b| b.is_ascii_digit());
    if !groups.iter().all(|group| digits_only(group)) {
        return Err("must be a number with a decimal comma, such as 1234,56".to_owned());
    }
    if groups.len() == 1 {
        return Ok((integer.to_owned(), false));
    }

    let first_ok = groups.first().is_some_and(|group| group.len() <= 3);
    let rest_ok = groups.iter().skip(1).all(|group| group.len() == 3);
    if !(first_ok && rest_ok) {
        return Err(
            "groups its digits irregularly: thousands groups must have three digits".to_owned(),
        );
    }
    Ok((groups.concat(), true))
}

fn to_money(
    negative: bool,
    integer: &str,
    fraction: Option<&str>,
    currency: Currency,
) -> Result<Money, String> {
    let text = match fraction {
        Some(fraction) => format!("{integer}.{fraction}"),
        None => integer.to_owned(),
    };
    let mut amount = Decimal::from_str_exact(&text).map_err(|_| "is too large".to_owned())?;
    if negative {
        amount.set_sign_negative(true);
    }

    let money = Money::new(amount.normalize(), currency);
    if !money.is_rounded() {
        return Err(format!(
            "has more decimal places than {} allows ({})",
            currency,
            currency.minor_unit_decimals()
        ));
    }
    Ok(money.round())
}

/// Reads a date written `CCYYMMDD`, as Finvoice does.
pub(crate) fn parse_ccyymmdd(text: &str) -> Result<NaiveDate, String> {
    let text = text.trim();
    if text.len() != 8 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err("must be a date written CCYYMMDD, such as 20260131".to_owned());
    }
    let (year, rest) = text.split_at(4);
    let (month, day) = rest.split_at(2);
    build_date(year, month, day)
}

/// Reads an ISO 8601 date `YYYY-MM-DD`. A time or zone after it (`2010-10-28T09:00:00+02:00`,
/// `2017-11-13Z`) is accepted and ignored: the date is taken as written, in the sender's zone.
pub(crate) fn parse_iso_date(text: &str) -> Result<NaiveDate, String> {
    let text = text.trim();
    let reason = || "must be a date written YYYY-MM-DD, such as 2026-01-31".to_owned();
    let date = text.get(..10).ok_or_else(reason)?;
    let rest = text.get(10..).ok_or_else(reason)?;
    let rest_ok = rest.is_empty()
        || rest.starts_with('T')
        || rest.starts_with('Z')
        || rest.starts_with('+')
        || rest.starts_with('-');
    let bytes = date.as_bytes();
    let shape_ok = bytes.iter().enumerate().all(|(index, byte)| match index {
        4 | 7 => *byte == b'-',
        _ => byte.is_ascii_digit(),
    });
    if !(rest_ok && shape_ok) {
        return Err(reason());
    }
    build_date(
        date.get(0..4).unwrap_or_default(),
        date.get(5..7).unwrap_or_default(),
        date.get(8..10).unwrap_or_default(),
    )
}

/// Reads a date written `YYMMDD`, as KTL records do. Years 00 to 79 are 2000 to 2079 and years 80
/// to 99 are 1980 to 1999, because the format dates from the 1980s.
pub(crate) fn parse_yymmdd(text: &str) -> Result<NaiveDate, String> {
    if text.len() != 6 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err("must be a date written YYMMDD, such as 260131".to_owned());
    }
    let (year, rest) = text.split_at(2);
    let (month, day) = rest.split_at(2);
    let century = if year < "80" { "20" } else { "19" };
    build_date(&format!("{century}{year}"), month, day)
}

fn build_date(year: &str, month: &str, day: &str) -> Result<NaiveDate, String> {
    let parsed = (
        year.parse::<i32>(),
        month.parse::<u32>(),
        day.parse::<u32>(),
    );
    if let (Ok(year), Ok(month), Ok(day)) = parsed
        && let Some(date) = NaiveDate::from_ymd_opt(year, month, day)
    {
        return Ok(date);
    }
    Err("is not a calendar date".to_owned())
}

/// Returns whether a text has the form of an e-mail address: one `@` with a non-empty local part, a domain
/// with a dot, and no white space. Deliverability is not checked.
pub(crate) fn looks_like_email(text: &str) -> bool {
    let Some((local, domain)) = text.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !text.chars().any(char::is_whitespace)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eur() -> Currency {
        Currency::EUR
    }

    #[test]
    fn comma_amounts() {
        let cases = [
            ("1116,00", "1116.00", false, false),
            ("-125,50", "-125.50", false, false),
            (" 0,99 ", "0.99", false, false),
            ("1 234,56", "1234.56", true, false),
            ("1\u{a0}234\u{a0}567,8", "1234567.80", true, false),
            ("1.234,56", "1234.56", true, false),
            ("451.98", "451.98", false, true),
            ("12", "12.00", false, false),
        ];
        for (text, expected, thousands, point) in cases {
            let written = parse_comma_amount(text, eur()).unwrap();
            assert_eq!(
                written.money.amount().to_string(),
                expected,
                "input {text:?}"
            );
            assert_eq!(written.thousands_separator, thousands, "input {text:?}");
            assert_eq!(written.decimal_point, point, "input {text:?}");
        }
    }

    #[test]
    fn comma_amount_errors() {
        for text in [
            "",
            "abc",
            "1,2,3",
            "1.234.567",
            "12 34,5",
            "1,",
            "1,234.5",
            "1,005",
            "--1",
        ] {
            assert!(parse_comma_amount(text, eur()).is_err(), "input {text:?}");
        }
    }

    #[test]
    fn dot_amounts() {
        assert_eq!(
            parse_dot_amount("1656.25", eur())
                .unwrap()
                .amount()
                .to_string(),
            "1656.25"
        );
        assert_eq!(
            parse_dot_amount("25", eur()).unwrap().amount().to_string(),
            "25.00"
        );
        let yen = Currency::from_code("JPY").unwrap();
        assert!(parse_dot_amount("12.5", yen).is_err());
        for text in ["1,5", "1_000", "1e3", ".5", "5.", "", "NaN"] {
            assert!(parse_dot_amount(text, eur()).is_err(), "input {text:?}");
        }
    }

    #[test]
    fn dates() {
        let date = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        assert_eq!(parse_ccyymmdd("20230228").unwrap(), date(2023, 2, 28));
        assert!(parse_ccyymmdd("20230230").is_err());
        assert!(parse_ccyymmdd("2023-02-28").is_err());
        assert_eq!(
            parse_iso_date("2010-10-28T09:00:00+02:00").unwrap(),
            date(2010, 10, 28)
        );
        assert_eq!(parse_iso_date("2017-11-13Z").unwrap(), date(2017, 11, 13));
        assert!(parse_iso_date("2017-1-13").is_err());
        assert!(parse_iso_date("2017-11-13x").is_err());
        assert!(parse_iso_date("ääääääääääää").is_err());
        assert_eq!(parse_yymmdd("060303").unwrap(), date(2006, 3, 3));
        assert_eq!(parse_yymmdd("991231").unwrap(), date(1999, 12, 31));
        assert!(parse_yymmdd("06033").is_err());
    }

    #[test]
    fn email_shape() {
        assert!(looks_like_email("lj@buyer.se"));
        for text in [
            "",
            "BuyerEmailaddressIdentifier",
            "a@b",
            "a b@c.fi",
            "@c.fi",
            "a@@c.fi",
        ] {
            assert!(!looks_like_email(text), "input {text:?}");
        }
    }
}
