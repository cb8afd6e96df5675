//! A creditor reference in either Finnish or RF form.

use std::fmt;
use std::str::FromStr;

use super::{FinnishReference, IdentError, RfReference, compact, string_identifier};

/// A creditor reference as found on an invoice or a payment: Finnish or RF.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub enum PaymentReference {
    /// A Finnish national reference.
    Finnish(FinnishReference),
    /// An international RF reference.
    Rf(RfReference),
}

impl PaymentReference {
    /// Parses either form: text starting with `RF` (any case) is an RF reference, anything else a
    /// Finnish one.
    pub fn parse(value: &str) -> Result<Self, IdentError> {
        let text = compact(value);
        if text
            .get(..2)
            .is_some_and(|prefix| prefix.eq_ignore_ascii_case("RF"))
        {
            RfReference::parse(value).map(PaymentReference::Rf)
        } else if text.bytes().all(|b| b.is_ascii_digit()) && !text.is_empty() {
            FinnishReference::parse(value).map(PaymentReference::Finnish)
        } else {
            Err(IdentError::PaymentReference {
                value: value.to_owned(),
            })
        }
    }

    /// The compact form: digits for a Finnish reference, `RF...` for an RF reference.
    pub fn as_str(&self) -> &str {
        match self {
            PaymentReference::Finnish(reference) => reference.as_str(),
            PaymentReference::Rf(reference) => reference.as_str(),
        }
    }

    /// The printed form with groups.
    pub fn to_printed(&self) -> String {
        match self {
            PaymentReference::Finnish(reference) => reference.to_printed(),
            PaymentReference::Rf(reference) => reference.to_printed(),
        }
    }

    /// The Finnish form: the reference itself, or the body of an RF reference that wraps one.
    pub fn finnish(&self) -> Option<FinnishReference> {
        match self {
            PaymentReference::Finnish(reference) => Some(reference.clone()),
            PaymentReference::Rf(reference) => reference.to_finnish(),
        }
    }

    /// The RF form: the reference itself, or the RF form of a Finnish reference.
    pub fn rf(&self) -> RfReference {
        match self {
            PaymentReference::Finnish(reference) => RfReference::from_finnish(reference),
            PaymentReference::Rf(reference) => reference.clone(),
        }
    }

    /// The key under which payments are matched to invoices: the Finnish digits when the reference
    /// has a Finnish form, so that `1234561` and `RF34 1234 561` match the same invoice, and the
    /// compact RF text otherwise.
    pub fn matching_key(&self) -> String {
        match self.finnish() {
            Some(finnish) => finnish.as_str().to_owned(),
            None => self.as_str().to_owned(),
        }
    }
}

impl From<FinnishReference> for PaymentReference {
    fn from(reference: FinnishReference) -> Self {
        PaymentReference::Finnish(reference)
    }
}

impl From<RfReference> for PaymentReference {
    fn from(reference: RfReference) -> Self {
        PaymentReference::Rf(reference)
    }
}

impl FromStr for PaymentReference {
    type Err = IdentError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        PaymentReference::parse(s)
    }
}

impl fmt::Display for PaymentReference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_printed())
    }
}

string_identifier!(PaymentReference);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;

    #[test]
    fn detects_form() {
        assert!(matches!(
            PaymentReference::parse("12 34561").unwrap(),
            PaymentReference::Finnish(_)
        ));
        assert!(matches!(
            PaymentReference::parse("rf34 1234 561").unwrap(),
            PaymentReference::Rf(_)
        ));
        assert_eq!(
            PaymentReference::parse("INVALID REFERENCE")
                .unwrap_err()
                .code(),
            "payment_reference_invalid"
        );
        assert!(PaymentReference::parse("éé").is_err());
    }

    #[test]
    fn both_forms_share_matching_key() {
        let finnish = PaymentReference::parse("1234561").unwrap();
        let rf = PaymentReference::parse("RF34 1234 561").unwrap();
        assert_eq!(finnish.matching_key(), rf.matching_key());
        assert_eq!(finnish.rf().as_str(), "RF341234561");

        let alphanumeric = PaymentReference::parse("RF97C2H5OH").unwrap();
        assert_eq!(alphanumeric.finnish(), None);
        assert_eq!(alphanumeric.matching_key(), "RF97C2H5OH");
    }
}
