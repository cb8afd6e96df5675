//! Values used by several resources: debtor types, languages, contact details, amounts with
//! their currency, and the kinds of collection steps.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::wire::wire_enum;

wire_enum! {
    /// Whether an account's debtor is a consumer or a business.
    ///
    /// Finnish law sets different fee caps, spacing between reminders, penalty interest and
    /// payment allocation order for the two.
    pub enum DebtorType {
        /// A private person.
        Consumer = "consumer",
        /// A company or other organisation.
        Business = "business",
    }
}

wire_enum! {
    /// The language of messages to a debtor.
    pub enum Locale {
        /// Finnish.
        Fi = "fi",
        /// Swedish.
        Sv = "sv",
        /// English.
        En = "en",
    }
}

wire_enum! {
    /// The kind of a collection step, as set in a policy.
    pub enum StepKind {
        /// A polite note that the invoice is overdue; never carries a fee.
        FriendlyReminder = "friendly_reminder",
        /// A payment reminder, which may carry a fee and penalty interest.
        Reminder = "reminder",
        /// The last reminder before the debt is handed over to a collection agency.
        FinalDemand = "final_demand",
        /// The hand-over of the debt to a collection agency, with a notice to the debtor.
        CollectionHandover = "collection_handover",
        /// A task for a person, such as a phone call; nothing is sent to the debtor.
        ManualTask = "manual_task",
    }
}

/// Postal address and phone number of a debtor or creditor, as returned by the server.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Contact {
    /// Street address lines, first line first.
    #[serde(default)]
    pub address_lines: Vec<String>,
    /// Postal code.
    #[serde(default)]
    pub postal_code: Option<String>,
    /// City or post office.
    #[serde(default)]
    pub city: Option<String>,
    /// Country as an ISO 3166-1 alpha-2 code, such as `FI`.
    #[serde(default)]
    pub country: Option<String>,
    /// Phone number, preferably in international format such as `+358 40 123 4567`.
    #[serde(default)]
    pub phone: Option<String>,
}

/// Postal address and phone number in a request.
///
/// The same fields as `Contact`, but unknown fields are rejected.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ContactInput {
    /// Street address lines, first line first.
    #[serde(default)]
    pub address_lines: Vec<String>,
    /// Postal code.
    #[serde(default)]
    pub postal_code: Option<String>,
    /// City or post office.
    #[serde(default)]
    pub city: Option<String>,
    /// Country as an ISO 3166-1 alpha-2 code, such as `FI`.
    #[serde(default)]
    pub country: Option<String>,
    /// Phone number, preferably in international format such as `+358 40 123 4567`.
    #[serde(default)]
    pub phone: Option<String>,
}

impl From<Contact> for ContactInput {
    fn from(contact: Contact) -> Self {
        ContactInput {
            address_lines: contact.address_lines,
            postal_code: contact.postal_code,
            city: contact.city,
            country: contact.country,
            phone: contact.phone,
        }
    }
}

impl From<ContactInput> for Contact {
    fn from(contact: ContactInput) -> Self {
        Contact {
            address_lines: contact.address_lines,
            postal_code: contact.postal_code,
            city: contact.city,
            country: contact.country,
            phone: contact.phone,
        }
    }
}

/// An amount with its currency, such as a total per currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Amount {
    /// The amount as a decimal string, such as `"1234.50"`.
    #[serde(with = "crate::decimal")]
    pub amount: Decimal,
    /// ISO 4217 currency code, such as `EUR`.
    pub currency: String,
}
