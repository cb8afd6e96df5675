//! The languages Vahti writes to debtors in.

use crate::convert::text_enum;

text_enum! {
    /// The language of messages to a debtor.
    pub enum Locale {
        /// Finnish.
        Fi => "fi",
        /// Swedish.
        Sv => "sv",
        /// English.
        En => "en",
    }
}
