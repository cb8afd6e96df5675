//! Identifiers of stored entities.
//!
//! They wrap the database's 64-bit keys. The domain only compares and orders them; it never
//! creates them, so a value here always comes from storage or from a test.

use std::fmt;

use serde::{Deserialize, Serialize};

macro_rules! entity_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}", self.0)
            }
        }
    };
}

entity_id!(
    /// A tenant: one creditor company using Vahti.
    TenantId
);
entity_id!(
    /// A customer account (the debtor) of a tenant.
    AccountId
);
entity_id!(
    /// An invoice or a credit note.
    InvoiceId
);
entity_id!(
    /// A recorded payment.
    PaymentId
);
entity_id!(
    /// A fee claim charged on an invoice.
    FeeId
);
