//! Decimal amounts as JSON strings, such as `"1234.50"`.
//!
//! Amounts never travel as JSON numbers, because many JSON libraries read numbers as binary
//! floats and lose cents. Decoding accepts only plain decimal notation: an optional minus sign,
//! at least one digit, and an optional dot followed by at least one digit. Exponents, a plus sign,
//! digit separators and surrounding spaces are rejected, so every client writes amounts the same
//! way. The scale is kept: `"1234.50"` decodes to a value that encodes as `"1234.50"` again.
//!
//! Use it with `#[serde(with = "vahti_api::decimal")]` on a `Decimal` field, or
//! [`option`] on an `Option<Decimal>` field.

use std::fmt;

use rust_decimal::Decimal;
use serde::de::{self, Visitor};
use serde::{Deserializer, Serializer};

/// Encodes a decimal as a string with its scale, such as `"1234.50"`.
pub fn serialize<S>(value: &Decimal, serializer: S) -> Result<S::Ok, S::Error>
where
    S: Serializer,
{
    serializer.collect_str(value)
}

/// Decodes a decimal from a string in plain decimal notation.
pub fn deserialize<'de, D>(deserializer: D) -> Result<Decimal, D::Error>
where
    D: Deserializer<'de>,
{
    deserializer.deserialize_str(DecimalStrVisitor)
}

/// Parses plain decimal notation, the same syntax the JSON decoder accepts.
///
/// Returns `None` for anything else, including values with more than 28 decimal places or
/// beyond the range of [`Decimal`], which would otherwise be rounded.
pub fn parse(text: &str) -> Option<Decimal> {
    if !is_plain_decimal(text) {
        return None;
    }
    Decimal::from_str_exact(text).ok()
}

/// Checks that `text` is an optional `-`, one or more ASCII digits, and optionally a `.` followed by
/// one or more ASCII digits.
fn is_plain_decimal(text: &str) -> bool {
    let unsigned = text.strip_prefix('-').unwrap_or(text);
    let (whole, fraction) = match unsigned.split_once('.') {
        Some((whole, fraction)) => (whole, Some(fraction)),
        None => (unsigned, None),
    };

    let all_digits =
        |part: &str| !part.is_empty() && part.bytes().all(|byte| byte.is_ascii_digit());
    all_digits(whole) && fraction.is_none_or(all_digits)
}

struct DecimalStrVisitor;

impl Visitor<'_> for DecimalStrVisitor {
    type Value = Decimal;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("a decimal number in a string, such as \"1234.50\"")
    }

    fn visit_str<E>(self, value: &str) -> Result<Decimal, E>
    where
        E: de::Error,
    {
        parse(value).ok_or_else(|| {
            E::custom(format_args!(
                "invalid amount {value:?}: write a decimal number with a dot and no exponent, such as \"1234.50\""
            ))
        })
    }
}

/// The same encoding for `Option<Decimal>`: `None` is `null`.
///
/// Pair it with `#[serde(default)]`, because serde does not treat a field with a custom decoder
/// as optional on its own.
pub mod option {
    use rust_decimal::Decimal;
    use serde::{Deserialize, Deserializer, Serializer};

    /// Encodes `Some` as a decimal string and `None` as `null`.
    pub fn serialize<S>(value: &Option<Decimal>, serializer: S) -> Result<S::Ok, S::Error>
    where
        S: Serializer,
    {
        match value {
            Some(decimal) => serializer.collect_str(decimal),
            None => serializer.serialize_none(),
        }
    }

    /// Decodes `null` as `None` and a decimal string as `Some`.
    pub fn deserialize<'de, D>(deserializer: D) -> Result<Option<Decimal>, D::Error>
    where
        D: Deserializer<'de>,
    {
        #[derive(Deserialize)]
        struct Wrapped(#[serde(with = "super")] Decimal);

        Option::<Wrapped>::deserialize(deserializer)
            .map(|wrapped| wrapped.map(|Wrapped(value)| value))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_keeps_scale() {
        let parsed = parse("1234.50").unwrap();
        assert_eq!(parsed, Decimal::new(123_450, 2));
        assert_eq!(parsed.to_string(), "1234.50");
    }

    #[test]
    fn parse_rejects_loose_notation() {
        for text in ["", "1.", ".5", "+1", "1e3", " 1", "1_0", "-"] {
            assert_eq!(parse(text), None, "{text:?}");
        }
    }

    #[test]
    fn parse_rejects_excess_precision() {
        let digits = format!("0.{}", "1".repeat(29));
        assert_eq!(parse(&digits), None);
    }
}
