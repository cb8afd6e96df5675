//! The Finnish creditor reference (viitenumero).
//!
//! Rules from Finance Finland's reference-number guide: 4 to 20 digits including a check digit.
//! The base digits are weighted 7, 3, 1, 7, 3, 1 ... starting from the rightmost base digit, and
//! the check digit is (10 - sum mod 10) mod 10. The number is printed in groups of five from the
//! right, without leading zeros.

use std::fmt;
use std::str::FromStr;

use super::{IdentError, compact, group, string_identifier};

/// A valid Finnish creditor reference, stored without spaces and leading zeros.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FinnishReference(String);

impl FinnishReference {
    /// Parses and validates a reference. Spaces and leading zeros are accepted, so `" 0123 4561"`
    /// is the same reference as `1234561`.
    ///
    /// The length rule counts the digits as given, leading zeros included, because banks print
    /// zero-padded references such as `000440`.
    pub fn parse(value: &str) -> Result<Self, IdentError> {
        let digits = compact(value);
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(IdentError::ReferenceNotNumeric {
                value: value.to_owned(),
            });
        }
        if !(4..=20).contains(&digits.len()) {
            return Err(IdentError::ReferenceLength {
                value: value.to_owned(),
                digits: digits.len(),
            });
        }

        let (base, check) = digits.split_at(digits.len() - 1);
        let expected = check_digit(base);
        if check.as_bytes()[0] - b'0' != expected {
            return Err(IdentError::ReferenceCheckDigit {
                value: value.to_owned(),
                expected,
            });
        }

        Ok(FinnishReference(strip_leading_zeros(&digits)))
    }

    /// Builds a reference from a base of 3 to 19 digits by appending its check digit:
    /// `123456` gives `1234561`. Spaces in the base are ignored.
    pub fn from_base(base: &str) -> Result<Self, IdentError> {
        let digits = compact(base);
        let valid = (3..=19).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit());
        if !valid {
            return Err(IdentError::ReferenceBase {
                value: base.to_owned(),
            });
        }

        let full = format!("{digits}{}", check_digit(&digits));
        Ok(FinnishReference(strip_leading_zeros(&full)))
    }

    /// The digits without spaces or leading zeros, as the bank barcode and RF form use them.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The printed form: groups of five from the right, such as `12 34561`.
    pub fn to_printed(&self) -> String {
        group(&self.0, 5, true)
    }
}

/// Computes the check digit of a base given as ASCII digits.
fn check_digit(base: &str) -> u8 {
    const WEIGHTS: [u32; 3] = [7, 3, 1];
    let sum: u32 = base
        .bytes()
        .rev()
        .zip(WEIGHTS.iter().cycle())
        .map(|(digit, weight)| u32::from(digit - b'0') * weight)
        .sum();
    let check = (10 - sum % 10) % 10;
    // The value is in 0..=9 by construction.
    u8::try_from(check).unwrap_or(0)
}

/// Removes leading zeros but keeps at least one digit.
fn strip_leading_zeros(digits: &str) -> String {
    let stripped = digits.trim_start_matches('0');
    if stripped.is_empty() {
        "0".to_owned()
    } else {
        stripped.to_owned()
    }
}

impl FromStr for FinnishReference {
    type Err = IdentError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        FinnishReference::parse(s)
    }
}

/// Prints the printed form with groups of five.
impl fmt::Display for FinnishReference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_printed())
    }
}

impl fmt::Debug for FinnishReference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "FinnishReference({})", self.0)
    }
}

string_identifier!(FinnishReference);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;

    #[test]
    fn base_generates_check_digit() {
        assert_eq!(
            FinnishReference::from_base("123456").unwrap().as_str(),
            "1234561"
        );
        assert_eq!(
            FinnishReference::from_base("234823").unwrap().as_str(),
            "2348236"
        );
    }

    #[test]
    fn base_length_is_checked() {
        for base in ["", "11", "ABC", "11111 11111 11111 11111"] {
            let error = FinnishReference::from_base(base).unwrap_err();
            assert_eq!(error.code(), "reference_base_invalid", "base {base:?}");
        }
    }

    #[test]
    fn spaces_and_leading_zeros_normalize() {
        let reference = FinnishReference::parse(" 0 10301 00067 17580 0018 ").unwrap();
        assert_eq!(reference.as_str(), "1030100067175800018");
        assert_eq!(reference.to_printed(), "1030 10006 71758 00018");

        let zero_padded = FinnishReference::parse("000440").unwrap();
        assert_eq!(zero_padded.as_str(), "440");
    }

    #[test]
    fn errors_name_value_and_reason() {
        let error = FinnishReference::parse("1234562").unwrap_err();
        assert_eq!(error.code(), "reference_check_digit");
        assert!(error.to_string().contains("\"1234562\""));
        assert!(error.to_string().contains("should be 1"));

        assert_eq!(
            FinnishReference::parse("123").unwrap_err().code(),
            "reference_length"
        );
        assert_eq!(
            FinnishReference::parse("12a4").unwrap_err().code(),
            "reference_not_numeric"
        );
        assert_eq!(
            FinnishReference::parse("   ").unwrap_err().code(),
            "reference_not_numeric"
        );
    }

    #[test]
    fn printed_in_groups_of_five() {
        let reference = FinnishReference::parse("1234561").unwrap();
        assert_eq!(reference.to_string(), "12 34561");
    }

    #[test]
    fn serde_round_trip() {
        let reference = FinnishReference::parse("12 34561").unwrap();
        let json = serde_json::to_string(&reference).unwrap();
        assert_eq!(json, "\"1234561\"");
        let back: FinnishReference = serde_json::from_str(&json).unwrap();
        assert_eq!(back, reference);
        assert!(serde_json::from_str::<FinnishReference>("\"1234562\"").is_err());
    }
}
