//! Validated identifiers used in payments: Finnish and RF creditor references, IBAN and BIC.
//!
//! Every type here can only be built valid. Constructors accept the forms people type (spaces,
//! lower case, leading zeros) and errors name the value that failed and why.

mod bic;
mod finnish_reference;
mod iban;
mod payment_reference;
mod rf_reference;

pub use bic::Bic;
pub use finnish_reference::FinnishReference;
pub use iban::Iban;
pub use payment_reference::PaymentReference;
pub use rf_reference::RfReference;

use crate::error::ErrorCode;

/// An invalid identifier.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdentError {
    /// A Finnish reference contains something other than digits and spaces.
    #[error("invalid Finnish reference {value:?}: only digits and spaces are allowed")]
    ReferenceNotNumeric {
        /// The reference as given.
        value: String,
    },

    /// A Finnish reference is shorter than 4 or longer than 20 digits.
    #[error(
        "invalid Finnish reference {value:?}: it has {digits} digits, but 4 to 20 including the check digit are required"
    )]
    ReferenceLength {
        /// The reference as given.
        value: String,
        /// The number of digits found.
        digits: usize,
    },

    /// A Finnish reference fails its check digit.
    #[error("invalid Finnish reference {value:?}: the check digit should be {expected}")]
    ReferenceCheckDigit {
        /// The reference as given.
        value: String,
        /// The check digit that the base digits give.
        expected: u8,
    },

    /// A base for generating a Finnish reference is not 3 to 19 digits.
    #[error(
        "invalid reference base {value:?}: use 3 to 19 digits, so that the reference with its check digit has 4 to 20"
    )]
    ReferenceBase {
        /// The base as given.
        value: String,
    },

    /// An RF reference does not have the RF form.
    #[error(
        "invalid RF reference {value:?}: expected RF, two check digits and 1 to 21 letters or digits"
    )]
    RfFormat {
        /// The reference as given.
        value: String,
    },

    /// An RF reference fails its ISO 11649 checksum.
    #[error("invalid RF reference {value:?}: the check digits do not match (ISO 11649 mod 97)")]
    RfChecksum {
        /// The reference as given.
        value: String,
    },

    /// An IBAN failed validation.
    #[error("invalid IBAN {value:?}: {reason}")]
    Iban {
        /// The IBAN as given.
        value: String,
        /// What the validator found.
        reason: String,
    },

    /// A BIC does not have the ISO 9362 form.
    #[error(
        "invalid BIC {value:?}: expected 8 or 11 characters: bank code (4 letters), country (2 letters), location (2) and an optional branch (3)"
    )]
    Bic {
        /// The BIC as given.
        value: String,
    },

    /// A payment reference is neither a Finnish nor an RF reference.
    #[error(
        "invalid payment reference {value:?}: use a Finnish reference (digits with a check digit) or an RF reference"
    )]
    PaymentReference {
        /// The reference as given.
        value: String,
    },
}

impl ErrorCode for IdentError {
    fn code(&self) -> &'static str {
        match self {
            IdentError::ReferenceNotNumeric { .. } => "reference_not_numeric",
            IdentError::ReferenceLength { .. } => "reference_length",
            IdentError::ReferenceCheckDigit { .. } => "reference_check_digit",
            IdentError::ReferenceBase { .. } => "reference_base_invalid",
            IdentError::RfFormat { .. } => "rf_reference_format",
            IdentError::RfChecksum { .. } => "rf_reference_checksum",
            IdentError::Iban { .. } => "iban_invalid",
            IdentError::Bic { .. } => "bic_invalid",
            IdentError::PaymentReference { .. } => "payment_reference_invalid",
        }
    }
}

/// Removes all white space, which people and banks insert for readability.
fn compact(value: &str) -> String {
    value.chars().filter(|c| !c.is_whitespace()).collect()
}

/// Joins `text` in groups of `size` characters separated by single spaces. With `from_right`, the
/// shortest group comes first, as Finnish references are printed.
fn group(text: &str, size: usize, from_right: bool) -> String {
    let chars: Vec<char> = text.chars().collect();
    let first = if from_right {
        match chars.len() % size {
            0 => size,
            rest => rest,
        }
    } else {
        size
    };

    let mut out = String::with_capacity(chars.len() + chars.len() / size);
    for (index, c) in chars.iter().enumerate() {
        if index > 0 && index >= first && (index - first) % size == 0 {
            out.push(' ');
        }
        out.push(*c);
    }
    out
}

/// Implements `Display`, `Serialize` and `Deserialize` through the type's compact string form and
/// its parser.
macro_rules! string_identifier {
    ($type:ty) => {
        impl serde::Serialize for $type {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $type {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = String::deserialize(deserializer)?;
                text.parse().map_err(serde::de::Error::custom)
            }
        }
    };
}
use string_identifier;

#[cfg(test)]
mod tests {
    use super::group;

    #[test]
    fn grouping_from_both_ends() {
        assert_eq!(group("1234561", 5, true), "12 34561");
        assert_eq!(group("1234567890", 5, true), "12345 67890");
        assert_eq!(group("RF332348236", 4, false), "RF33 2348 236");
        assert_eq!(group("RF18539007547034", 4, false), "RF18 5390 0754 7034");
        assert_eq!(group("", 4, false), "");
    }
}
