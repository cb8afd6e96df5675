//! International bank account numbers, validated by the `iban_validate` crate.

use std::fmt;
use std::str::FromStr;

use iban::IbanLike;

use super::{IdentError, compact, string_identifier};

/// A valid IBAN, including a valid BBAN for its country.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Iban(iban::Iban);

impl Iban {
    /// Parses and validates an IBAN in the electronic (`FI4950009420028730`) or the printed
    /// (`FI49 5000 9420 0287 30`) form. White space anywhere is ignored, so irregular groups such
    /// as `FI 90 800026 2776 1348` are accepted, and lower case is accepted.
    pub fn parse(value: &str) -> Result<Self, IdentError> {
        let electronic = compact(value).to_ascii_uppercase();
        electronic
            .parse::<iban::Iban>()
            .map(Iban)
            .map_err(|error| IdentError::Iban {
                value: value.to_owned(),
                reason: error.to_string(),
            })
    }

    /// The electronic form without spaces, such as `FI4950009420028730`.
    pub fn as_str(&self) -> &str {
        self.0.electronic_str()
    }

    /// The two-letter country code.
    pub fn country_code(&self) -> &str {
        self.0.country_code()
    }

    /// Whether this is a Finnish IBAN, the only kind the Finnish bank barcode can carry.
    pub fn is_finnish(&self) -> bool {
        self.country_code() == "FI"
    }

    /// The printed form in groups of four, such as `FI49 5000 9420 0287 30`.
    pub fn to_printed(&self) -> String {
        self.0.to_string()
    }
}

impl FromStr for Iban {
    type Err = IdentError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Iban::parse(s)
    }
}

/// Prints the printed form in groups of four.
impl fmt::Display for Iban {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_printed())
    }
}

impl fmt::Debug for Iban {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Iban({})", self.as_str())
    }
}

string_identifier!(Iban);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;

    #[test]
    fn printed_and_electronic_forms() {
        let iban = Iban::parse("FI49 5000 9420 0287 30").unwrap();
        assert_eq!(iban.as_str(), "FI4950009420028730");
        assert_eq!(iban.to_printed(), "FI49 5000 9420 0287 30");
        assert!(iban.is_finnish());

        let swedish = Iban::parse("SE45 5000 0000 0583 9825 7466").unwrap();
        assert!(!swedish.is_finnish());
    }

    #[test]
    fn irregular_spaces_and_lower_case() {
        for value in [
            "FI 90 800026 2776 1348",
            "FI90 800026 27761348",
            "fi90 8000 2627 7613 48",
        ] {
            let iban = Iban::parse(value).unwrap();
            assert_eq!(iban.as_str(), "FI9080002627761348", "value {value:?}");
        }
    }

    #[test]
    fn invalid_iban_names_value() {
        let error = Iban::parse("FI495000942002XXXX").unwrap_err();
        assert_eq!(error.code(), "iban_invalid");
        assert!(error.to_string().contains("FI495000942002XXXX"));
    }
}
