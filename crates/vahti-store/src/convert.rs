//! Conversions between the API's types and the values stored in columns.

use serde::Serialize;
use serde::de::DeserializeOwned;
use vahti_domain::{Currency, Money};

use crate::error::StoreError;

/// Splits an amount into the stored minor units and currency code.
///
/// Fails with [`StoreError::InvalidInput`] for `field` when the amount has digits below the minor
/// unit or does not fit 64 bits, because storage never rounds.
pub(crate) fn money_parts(field: &'static str, money: &Money) -> Result<(i64, String), StoreError> {
    let minor = money
        .to_minor_units()
        .map_err(|error| StoreError::InvalidInput {
            field,
            detail: error.to_string(),
        })?;
    Ok((minor, money.currency().code().to_owned()))
}

/// Rebuilds an amount from stored minor units and a currency code.
pub(crate) fn money_from_parts(
    table: &'static str,
    column: &'static str,
    minor: i64,
    currency: &str,
) -> Result<Money, StoreError> {
    let currency = parse_currency(table, column, currency)?;
    Ok(Money::from_minor_units(minor, currency))
}

/// Parses a stored currency code.
pub(crate) fn parse_currency(
    table: &'static str,
    column: &'static str,
    code: &str,
) -> Result<Currency, StoreError> {
    Currency::from_code(code).map_err(|error| StoreError::InvalidData {
        table,
        column,
        detail: error.to_string(),
    })
}

/// Serializes a value to the JSON text stored in a column.
pub(crate) fn to_json<T: Serialize + ?Sized>(
    field: &'static str,
    value: &T,
) -> Result<String, StoreError> {
    serde_json::to_string(value).map_err(|error| StoreError::InvalidInput {
        field,
        detail: format!("cannot be written as JSON: {error}"),
    })
}

/// Parses the JSON text of a column.
pub(crate) fn from_json<T: DeserializeOwned>(
    table: &'static str,
    column: &'static str,
    text: &str,
) -> Result<T, StoreError> {
    serde_json::from_str(text).map_err(|error| StoreError::InvalidData {
        table,
        column,
        detail: format!("invalid JSON: {error}"),
    })
}

/// Parses a stored value with `FromStr`, reporting the table and column on failure.
pub(crate) fn parse_column<T>(
    table: &'static str,
    column: &'static str,
    text: &str,
) -> Result<T, StoreError>
where
    T: std::str::FromStr,
    T::Err: std::fmt::Display,
{
    text.parse()
        .map_err(|error: T::Err| StoreError::InvalidData {
            table,
            column,
            detail: error.to_string(),
        })
}

/// Declares an enum stored as lower-case text, with `as_str`, `Display` and `FromStr`.
///
/// The texts must match the CHECK constraint of the column in both migrations.
macro_rules! text_enum {
    (
        $(#[$doc:meta])*
        pub enum $name:ident {
            $($(#[$variant_doc:meta])* $variant:ident => $text:literal,)+
        }
    ) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $($(#[$variant_doc])* $variant,)+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant,)+];

            /// Returns the stored text.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text,)+
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::str::FromStr for $name {
            type Err = String;

            fn from_str(text: &str) -> Result<Self, Self::Err> {
                match text {
                    $($text => Ok($name::$variant),)+
                    other => Err(format!(
                        "unknown {} {other:?}: expected one of {}",
                        stringify!($name),
                        [$($text),+].join(", ")
                    )),
                }
            }
        }
    };
}

pub(crate) use text_enum;

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::Decimal;

    #[test]
    fn money_parts_round_trip() {
        let money = Money::parse("-12.30", Currency::EUR).unwrap();
        let (minor, code) = money_parts("amount", &money).unwrap();
        assert_eq!((minor, code.as_str()), (-1230, "EUR"));
        assert_eq!(money_from_parts("t", "c", minor, &code).unwrap(), money);
    }

    #[test]
    fn money_parts_reject_sub_minor_digits() {
        let money = Money::new(Decimal::new(1005, 3), Currency::EUR);
        let error = money_parts("amount", &money).unwrap_err();
        assert!(matches!(
            error,
            StoreError::InvalidInput {
                field: "amount",
                ..
            }
        ));
    }

    #[test]
    fn unknown_currency_is_invalid_data() {
        let error = money_from_parts("invoices", "currency", 1, "XXQ").unwrap_err();
        assert!(matches!(
            error,
            StoreError::InvalidData {
                column: "currency",
                ..
            }
        ));
    }
}
