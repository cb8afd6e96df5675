//! Business identifier codes (ISO 9362), the "SWIFT code" of a bank.

use std::fmt;
use std::str::FromStr;

use super::{IdentError, compact, string_identifier};

/// A BIC of 8 or 11 characters, stored in upper case, such as `OKOYFIHH`.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Bic(String);

impl Bic {
    /// Parses a BIC: a 4-letter bank code, a 2-letter country code, a 2-character location code
    /// and an optional 3-character branch code. Spaces are ignored and lower case is accepted.
    pub fn parse(value: &str) -> Result<Self, IdentError> {
        let text = compact(value).to_ascii_uppercase();
        let bytes = text.as_bytes();
        let well_formed = matches!(bytes.len(), 8 | 11)
            && bytes[..6].iter().all(u8::is_ascii_uppercase)
            && bytes[6..].iter().all(u8::is_ascii_alphanumeric);
        if !well_formed {
            return Err(IdentError::Bic {
                value: value.to_owned(),
            });
        }
        Ok(Bic(text))
    }

    /// The BIC in upper case without spaces.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The two-letter country code at positions 5 and 6.
    pub fn country_code(&self) -> &str {
        &self.0[4..6]
    }
}

impl FromStr for Bic {
    type Err = IdentError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Bic::parse(s)
    }
}

impl fmt::Display for Bic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Bic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Bic({})", self.0)
    }
}

string_identifier!(Bic);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;

    #[test]
    fn valid_codes() {
        assert_eq!(Bic::parse("okoyfihh").unwrap().as_str(), "OKOYFIHH");
        assert_eq!(Bic::parse("BHBLDEHHXXX").unwrap().country_code(), "DE");
    }

    #[test]
    fn invalid_lengths_and_characters() {
        for value in [
            "BHBLDE",
            "BHBLDEHHXXXX",
            "BHBLDEHHXX",
            "1HBLDEHH",
            "BHBL-EHH",
            "ÄHBLDEHH",
        ] {
            let error = Bic::parse(value).unwrap_err();
            assert_eq!(error.code(), "bic_invalid", "value {value:?}");
        }
    }
}
