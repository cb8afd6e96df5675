//! Money: an exact decimal amount with its ISO 4217 currency.
//!
//! Amounts are `rust_decimal::Decimal`, never floats. Arithmetic keeps full precision until a
//! caller rounds explicitly with [`Money::round`], which rounds to the currency's minor unit with
//! half away from zero (0.005 EUR becomes 0.01 EUR, -0.005 EUR becomes -0.01 EUR). Combining two
//! currencies is an error, never a conversion.

use std::fmt;
use std::str::FromStr;

use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::ErrorCode;

/// An error in building or combining money values.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    /// The currency code is not a current ISO 4217 code.
    #[error("unknown currency code {code:?}: use a three-letter ISO 4217 code such as EUR")]
    UnknownCurrency {
        /// The code as given.
        code: String,
    },

    /// The currency has no minor unit (precious metals, testing codes), so amounts in it cannot be
    /// stored as integer minor units.
    #[error("currency {code} has no minor unit and cannot be used for invoices")]
    NoMinorUnit {
        /// The ISO 4217 code.
        code: &'static str,
    },

    /// Two amounts in different currencies were combined.
    #[error(
        "cannot combine {left} with {right}: amounts in different currencies are never converted"
    )]
    CurrencyMismatch {
        /// The currency of the left operand.
        left: Currency,
        /// The currency of the right operand.
        right: Currency,
    },

    /// The amount text is not a decimal number.
    #[error("invalid amount {value:?}: write a decimal number with a dot, such as 1234.50")]
    InvalidAmount {
        /// The text as given.
        value: String,
    },

    /// The amount has more decimal places than the currency's minor unit allows.
    #[error("amount {value} has more than {decimals} decimal places, the minor unit of {currency}")]
    TooManyDecimals {
        /// The amount as given.
        value: String,
        /// The currency.
        currency: Currency,
        /// The number of decimal places the currency allows.
        decimals: u32,
    },

    /// A result does not fit the decimal type or a 64-bit count of minor units.
    #[error("amount overflow in {operation}: the result is too large to represent")]
    Overflow {
        /// The operation that overflowed.
        operation: &'static str,
    },
}

impl ErrorCode for MoneyError {
    fn code(&self) -> &'static str {
        match self {
            MoneyError::UnknownCurrency { .. } => "currency_unknown",
            MoneyError::NoMinorUnit { .. } => "currency_without_minor_unit",
            MoneyError::CurrencyMismatch { .. } => "currency_mismatch",
            MoneyError::InvalidAmount { .. } => "amount_invalid",
            MoneyError::TooManyDecimals { .. } => "amount_too_many_decimals",
            MoneyError::Overflow { .. } => "amount_overflow",
        }
    }
}

/// An ISO 4217 currency that has a minor unit.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Currency(iso_currency::Currency);

impl Currency {
    /// The euro.
    pub const EUR: Currency = Currency(iso_currency::Currency::EUR);

    /// Parses a three-letter ISO 4217 code. Surrounding white space is ignored and lower case is
    /// accepted, so `" eur"` gives EUR.
    pub fn from_code(code: &str) -> Result<Self, MoneyError> {
        let normalized = code.trim().to_ascii_uppercase();
        let currency = iso_currency::Currency::from_code(&normalized).ok_or_else(|| {
            MoneyError::UnknownCurrency {
                code: code.to_owned(),
            }
        })?;

        match currency.exponent() {
            Some(_) => Ok(Currency(currency)),
            None => Err(MoneyError::NoMinorUnit {
                code: currency.code(),
            }),
        }
    }

    /// The three-letter code, such as `EUR`.
    pub fn code(self) -> &'static str {
        self.0.code()
    }

    /// The number of decimal places of the minor unit: 2 for EUR, 0 for JPY, 3 for KWD.
    pub fn minor_unit_decimals(self) -> u32 {
        // The constructor rejects currencies without a minor unit.
        self.0.exponent().map_or(0, u32::from)
    }
}

impl fmt::Debug for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl FromStr for Currency {
    type Err = MoneyError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Currency::from_code(s)
    }
}

impl PartialOrd for Currency {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Currency {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.code().cmp(other.code())
    }
}

impl Serialize for Currency {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.code())
    }
}

impl<'de> Deserialize<'de> for Currency {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let code = String::deserialize(deserializer)?;
        Currency::from_code(&code).map_err(serde::de::Error::custom)
    }
}

/// An exact amount of money in one currency.
///
/// The amount may carry more decimal places than the minor unit while a calculation is under way
/// (interest, percentages). [`Money::round`] brings it to the minor unit; storage and messages
/// only take rounded amounts.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Money {
    #[serde(with = "rust_decimal::serde::str")]
    amount: Decimal,
    currency: Currency,
}

impl Money {
    /// Creates an amount exactly as given, without rounding.
    pub fn new(amount: Decimal, currency: Currency) -> Self {
        Money { amount, currency }
    }

    /// Zero in the given currency.
    pub fn zero(currency: Currency) -> Self {
        Money::new(Decimal::ZERO, currency)
    }

    /// Creates an amount from integer minor units, such as cents: `from_minor_units(1050, EUR)` is
    /// 10.50 EUR.
    pub fn from_minor_units(units: i64, currency: Currency) -> Self {
        Money::new(
            Decimal::from_i128_with_scale(i128::from(units), currency.minor_unit_decimals()),
            currency,
        )
    }

    /// Parses a decimal amount such as `1234.50` or `-12` in the given currency.
    ///
    /// The amount may not have more decimal places than the currency's minor unit, because a
    /// silently rounded amount would differ from the one the sender meant.
    pub fn parse(text: &str, currency: Currency) -> Result<Self, MoneyError> {
        let trimmed = text.trim();
        let amount = Decimal::from_str_exact(trimmed).map_err(|_| MoneyError::InvalidAmount {
            value: text.to_owned(),
        })?;

        let money = Money::new(amount.normalize(), currency);
        if !money.is_rounded() {
            return Err(MoneyError::TooManyDecimals {
                value: trimmed.to_owned(),
                currency,
                decimals: currency.minor_unit_decimals(),
            });
        }
        Ok(money.with_minor_unit_scale())
    }

    /// The exact amount.
    pub fn amount(&self) -> Decimal {
        self.amount
    }

    /// The currency.
    pub fn currency(&self) -> Currency {
        self.currency
    }

    /// Rounds to the currency's minor unit, half away from zero, and sets the scale to the minor
    /// unit so that 12.3 EUR prints as 12.30.
    pub fn round(&self) -> Self {
        let decimals = self.currency.minor_unit_decimals();
        let mut rounded = self
            .amount
            .round_dp_with_strategy(decimals, RoundingStrategy::MidpointAwayFromZero);
        rounded.rescale(decimals);
        Money::new(rounded, self.currency)
    }

    /// Whether the amount has no digits below the minor unit.
    pub fn is_rounded(&self) -> bool {
        self.amount.normalize().scale() <= self.currency.minor_unit_decimals()
    }

    /// The amount as integer minor units (cents for EUR).
    ///
    /// Fails with [`MoneyError::TooManyDecimals`] unless the amount is already rounded, so that
    /// storage never rounds behind the caller's back.
    pub fn to_minor_units(&self) -> Result<i64, MoneyError> {
        if !self.is_rounded() {
            return Err(MoneyError::TooManyDecimals {
                value: self.amount.to_string(),
                currency: self.currency,
                decimals: self.currency.minor_unit_decimals(),
            });
        }

        let scaled = self.with_minor_unit_scale().amount.mantissa();
        i64::try_from(scaled).map_err(|_| MoneyError::Overflow {
            operation: "conversion to minor units",
        })
    }

    /// Adds two amounts of the same currency.
    pub fn checked_add(self, other: Money) -> Result<Money, MoneyError> {
        self.ensure_same_currency(other)?;
        let amount = self
            .amount
            .checked_add(other.amount)
            .ok_or(MoneyError::Overflow {
                operation: "addition",
            })?;
        Ok(Money::new(amount, self.currency))
    }

    /// Subtracts an amount of the same currency.
    pub fn checked_sub(self, other: Money) -> Result<Money, MoneyError> {
        self.ensure_same_currency(other)?;
        let amount = self
            .amount
            .checked_sub(other.amount)
            .ok_or(MoneyError::Overflow {
                operation: "subtraction",
            })?;
        Ok(Money::new(amount, self.currency))
    }

    /// Multiplies by a plain factor, such as a rate or a day fraction. The result is not rounded.
    pub fn checked_mul(self, factor: Decimal) -> Result<Money, MoneyError> {
        let amount = self
            .amount
            .checked_mul(factor)
            .ok_or(MoneyError::Overflow {
                operation: "multiplication",
            })?;
        Ok(Money::new(amount, self.currency))
    }

    /// Sums amounts that must all be in `currency`. An empty sequence gives zero.
    pub fn sum<I>(currency: Currency, amounts: I) -> Result<Money, MoneyError>
    where
        I: IntoIterator<Item = Money>,
    {
        amounts
            .into_iter()
            .try_fold(Money::zero(currency), Money::checked_add)
    }

    /// The smaller of two amounts in the same currency.
    pub fn checked_min(self, other: Money) -> Result<Money, MoneyError> {
        self.ensure_same_currency(other)?;
        Ok(if other.amount < self.amount {
            other
        } else {
            self
        })
    }

    /// The amount with its sign reversed.
    pub fn negate(self) -> Money {
        Money::new(-self.amount, self.currency)
    }

    /// Whether the amount is zero.
    pub fn is_zero(&self) -> bool {
        self.amount.is_zero()
    }

    /// Whether the amount is greater than zero.
    pub fn is_positive(&self) -> bool {
        self.amount > Decimal::ZERO
    }

    /// Whether the amount is less than zero.
    pub fn is_negative(&self) -> bool {
        self.amount < Decimal::ZERO
    }

    fn ensure_same_currency(self, other: Money) -> Result<(), MoneyError> {
        if self.currency == other.currency {
            Ok(())
        } else {
            Err(MoneyError::CurrencyMismatch {
                left: self.currency,
                right: other.currency,
            })
        }
    }

    fn with_minor_unit_scale(mut self) -> Money {
        let decimals = self.currency.minor_unit_decimals();
        if self.amount.scale() < decimals {
            self.amount.rescale(decimals);
        }
        self
    }
}

impl fmt::Debug for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.amount, self.currency)
    }
}

/// Prints the amount, rounded to the minor unit, and the code: `1234.50 EUR`.
impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.round().amount, self.currency)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn eur(text: &str) -> Money {
        Money::parse(text, Currency::EUR).unwrap()
    }

    #[test]
    fn currency_codes_parse() {
        assert_eq!(Currency::from_code("EUR").unwrap(), Currency::EUR);
        assert_eq!(Currency::from_code(" sek ").unwrap().code(), "SEK");
        assert_eq!(Currency::from_code("JPY").unwrap().minor_unit_decimals(), 0);
        assert_eq!(Currency::from_code("KWD").unwrap().minor_unit_decimals(), 3);
    }

    #[test]
    fn currency_rejects_unknown_and_unitless() {
        let unknown = Currency::from_code("EURO").unwrap_err();
        assert_eq!(unknown.code(), "currency_unknown");
        assert!(unknown.to_string().contains("\"EURO\""));

        let gold = Currency::from_code("XAU").unwrap_err();
        assert_eq!(gold.code(), "currency_without_minor_unit");
    }

    #[test]
    fn rounding_is_half_away_from_zero() {
        let cases = [
            ("0.005", "0.01"),
            ("0.004", "0.00"),
            ("-0.005", "-0.01"),
            ("2.675", "2.68"),
            ("-2.675", "-2.68"),
            ("1.2", "1.20"),
        ];
        for (input, expected) in cases {
            let money = Money::new(Decimal::from_str_exact(input).unwrap(), Currency::EUR);
            assert_eq!(
                money.round().amount().to_string(),
                expected,
                "rounding {input}"
            );
        }
    }

    #[test]
    fn rounding_follows_minor_unit() {
        let yen = Currency::from_code("JPY").unwrap();
        assert_eq!(Money::new(dec!(12.5), yen).round().amount(), dec!(13));

        let dinar = Currency::from_code("KWD").unwrap();
        assert_eq!(
            Money::new(dec!(1.0005), dinar).round().amount(),
            dec!(1.001)
        );
    }

    #[test]
    fn parse_rejects_excess_decimals() {
        let error = Money::parse("1.005", Currency::EUR).unwrap_err();
        assert_eq!(error.code(), "amount_too_many_decimals");
        assert!(error.to_string().contains("1.005"));

        assert_eq!(eur("1.500").amount(), dec!(1.50));
    }

    #[test]
    fn parse_rejects_non_numbers() {
        for text in ["", "abc", "1,50", "1.2.3", "NaN"] {
            let error = Money::parse(text, Currency::EUR).unwrap_err();
            assert_eq!(error.code(), "amount_invalid", "input {text:?}");
        }
    }

    #[test]
    fn minor_units_round_trip() {
        for units in [0_i64, 1, -1, 1050, -99_999, i64::MAX, i64::MIN] {
            let money = Money::from_minor_units(units, Currency::EUR);
            assert_eq!(money.to_minor_units().unwrap(), units);
        }
        assert_eq!(eur("10.5").to_minor_units().unwrap(), 1050);
    }

    #[test]
    fn minor_units_require_rounded_amount() {
        let unrounded = Money::new(dec!(1.001), Currency::EUR);
        assert_eq!(
            unrounded.to_minor_units().unwrap_err().code(),
            "amount_too_many_decimals"
        );
    }

    #[test]
    fn mixing_currencies_is_an_error() {
        let sek = Money::parse("1", Currency::from_code("SEK").unwrap()).unwrap();
        let error = eur("1").checked_add(sek).unwrap_err();
        assert_eq!(error.code(), "currency_mismatch");
        assert!(error.to_string().contains("EUR"));
        assert!(error.to_string().contains("SEK"));
        assert!(eur("1").checked_sub(sek).is_err());
        assert!(Money::sum(Currency::EUR, [eur("1"), sek]).is_err());
    }

    #[test]
    fn arithmetic_is_exact() {
        let total = Money::sum(Currency::EUR, [eur("0.10"), eur("0.20")]).unwrap();
        assert_eq!(total, eur("0.30"));
        assert_eq!(eur("10").checked_sub(eur("10.01")).unwrap(), eur("-0.01"));
    }

    #[test]
    fn overflow_is_an_error() {
        let huge = Money::new(Decimal::MAX, Currency::EUR);
        assert_eq!(
            huge.checked_add(huge).unwrap_err().code(),
            "amount_overflow"
        );
        assert_eq!(
            huge.checked_mul(dec!(2)).unwrap_err().code(),
            "amount_overflow"
        );
    }

    #[test]
    fn serde_uses_decimal_strings() {
        let json = serde_json::to_string(&eur("12.30")).unwrap();
        assert_eq!(json, r#"{"amount":"12.30","currency":"EUR"}"#);
        let back: Money = serde_json::from_str(&json).unwrap();
        assert_eq!(back, eur("12.30"));
        assert!(serde_json::from_str::<Money>(r#"{"amount":"1","currency":"XXX1"}"#).is_err());
    }

    #[test]
    fn display_rounds_and_names_currency() {
        assert_eq!(eur("1234.5").to_string(), "1234.50 EUR");
        assert_eq!(
            Money::new(dec!(9.0547), Currency::EUR).to_string(),
            "9.05 EUR"
        );
    }
}
