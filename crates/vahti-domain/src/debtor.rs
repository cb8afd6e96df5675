//! The kind of debtor, which decides the legal rules for fees, spacing, interest and allocation.

use serde::{Deserialize, Serialize};

/// Whether a customer account is a consumer or a business.
///
/// Finnish law treats the two differently: consumers get lower fee caps, longer spacing between
/// reminders and a fixed payment allocation order, and penalty interest on business-to-business
/// debts is one percentage point higher.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DebtorType {
    /// A private person.
    Consumer,
    /// A company or other organisation.
    Business,
}

impl DebtorType {
    /// The lower-case name used in the API and the database: `consumer` or `business`.
    pub fn as_str(self) -> &'static str {
        match self {
            DebtorType::Consumer => "consumer",
            DebtorType::Business => "business",
        }
    }
}
