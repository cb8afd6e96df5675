//! The international RF creditor reference (ISO 11649).
//!
//! The form is `RF`, two check digits and a body of 1 to 21 letters or digits. It is valid when
//! the body followed by `RF` and the check digits, with letters turned into numbers (A = 10 ...
//! Z = 35), leaves 1 when divided by 97. It is printed in groups of four from the left.

use std::fmt;
use std::str::FromStr;

use super::{FinnishReference, IdentError, compact, group, string_identifier};

/// A valid RF creditor reference, stored compact and in upper case, such as `RF332348236`.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RfReference(String);

impl RfReference {
    /// Parses and validates an RF reference. Spaces are ignored and lower case is accepted.
    pub fn parse(value: &str) -> Result<Self, IdentError> {
        let text = compact(value).to_ascii_uppercase();
        let well_formed = text.is_ascii()
            && (5..=25).contains(&text.len())
            && text.starts_with("RF")
            && text[2..4].bytes().all(|b| b.is_ascii_digit())
            && text[4..].bytes().all(|b| b.is_ascii_alphanumeric());
        if !well_formed {
            return Err(IdentError::RfFormat {
                value: value.to_owned(),
            });
        }

        let rearranged = format!("{}{}", &text[4..], &text[..4]);
        if mod97(&rearranged) != 1 {
            return Err(IdentError::RfChecksum {
                value: value.to_owned(),
            });
        }
        Ok(RfReference(text))
    }

    /// Builds the RF form of a Finnish reference: the body is the Finnish reference with its check
    /// digit and without leading zeros, so `2348236` gives `RF332348236`.
    pub fn from_finnish(reference: &FinnishReference) -> Self {
        let body = reference.as_str();
        let check = 98 - mod97(&format!("{body}RF00"));
        RfReference(format!("RF{check:02}{body}"))
    }

    /// The compact form, such as `RF332348236`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The two check digits, such as `33`.
    pub fn check_digits(&self) -> &str {
        &self.0[2..4]
    }

    /// The body after the check digits, such as `2348236`.
    pub fn body(&self) -> &str {
        &self.0[4..]
    }

    /// The Finnish reference this RF reference wraps, when its body is a valid Finnish reference.
    pub fn to_finnish(&self) -> Option<FinnishReference> {
        FinnishReference::parse(self.body()).ok()
    }

    /// The printed form in groups of four, such as `RF33 2348 236`.
    pub fn to_printed(&self) -> String {
        group(&self.0, 4, false)
    }
}

/// Computes the ISO 7064 mod 97 remainder of an alphanumeric string, letters counting as 10 to 35.
/// The caller passes only ASCII letters and digits.
fn mod97(text: &str) -> u32 {
    text.bytes().fold(0, |remainder, byte| {
        let value = match byte {
            b'0'..=b'9' => u32::from(byte - b'0'),
            _ => u32::from(byte.to_ascii_uppercase() - b'A') + 10,
        };
        if value >= 10 {
            (remainder * 100 + value) % 97
        } else {
            (remainder * 10 + value) % 97
        }
    })
}

impl FromStr for RfReference {
    type Err = IdentError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        RfReference::parse(s)
    }
}

/// Prints the printed form with groups of four.
impl fmt::Display for RfReference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_printed())
    }
}

impl fmt::Debug for RfReference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RfReference({})", self.0)
    }
}

string_identifier!(RfReference);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;

    #[test]
    fn from_finnish_reference() {
        let finnish = FinnishReference::parse("2348236").unwrap();
        let rf = RfReference::from_finnish(&finnish);
        assert_eq!(rf.as_str(), "RF332348236");
        assert_eq!(rf.to_printed(), "RF33 2348 236");
        assert_eq!(rf.to_finnish(), Some(finnish));
    }

    #[test]
    fn parse_accepts_spaces_and_lower_case() {
        let rf = RfReference::parse("rf18 5390 0754 7034").unwrap();
        assert_eq!(rf.as_str(), "RF18539007547034");
        assert_eq!(rf.check_digits(), "18");
        assert_eq!(rf.body(), "539007547034");
    }

    #[test]
    fn checksum_and_form_errors() {
        let error = RfReference::parse("RF17 5390 0754 7034").unwrap_err();
        assert_eq!(error.code(), "rf_reference_checksum");
        assert!(error.to_string().contains("RF17 5390 0754 7034"));

        for value in [
            "",
            "RF1",
            "RFé1234",
            "RF1é234",
            "RF123456789012345678901234",
            "XX18539007547034",
            "RFAB123",
            "RF18-539",
        ] {
            let error = RfReference::parse(value).unwrap_err();
            assert_eq!(error.code(), "rf_reference_format", "value {value:?}");
        }
    }

    #[test]
    fn check_digits_below_ten_keep_leading_zero() {
        let finnish = FinnishReference::parse("7663").unwrap();
        assert_eq!(RfReference::from_finnish(&finnish).as_str(), "RF047663");
    }
}
