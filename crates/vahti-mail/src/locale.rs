//! The languages Vahti writes to debtors in.

use std::fmt;

use serde::{Deserialize, Serialize};

/// The language and regional conventions of a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Locale {
    /// Finnish as written in Finland.
    #[serde(rename = "fi")]
    Finnish,
    /// Swedish as written in Finland (sv-FI), which differs from Sweden's in dates and terms such
    /// as "referensnummer".
    #[serde(rename = "sv")]
    Swedish,
    /// English, with British-style dates such as `31 Dec 2026`.
    #[serde(rename = "en")]
    English,
}

impl Locale {
    /// Every locale, in the order Finnish, Swedish, English.
    pub const ALL: [Locale; 3] = [Locale::Finnish, Locale::Swedish, Locale::English];

    /// The BCP 47 language tag used in `lang` attributes and the `Content-Language` header: `fi`,
    /// `sv` or `en`.
    pub fn tag(self) -> &'static str {
        match self {
            Locale::Finnish => "fi",
            Locale::Swedish => "sv",
            Locale::English => "en",
        }
    }
}

impl fmt::Display for Locale {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.tag())
    }
}
