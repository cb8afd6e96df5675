//! The [`WireEnum`] trait of every enum in this crate, and the serde helpers behind it.
//!
//! Every enum here has an `Unknown` variant. Responses decode an enum value that this version does
//! not know into it, so an older client keeps working when a newer server adds a value. Requests
//! must not accept a misspelt value silently, so their enum fields reject anything outside
//! [`WireEnum::VALUES`] with serde's usual "unknown variant" error.

use serde::de::Error as _;
use serde::{Deserialize, Deserializer};

/// An enum whose values travel as fixed lower-snake-case strings.
pub trait WireEnum: Sized + Copy + 'static {
    /// Every value this version defines, in declaration order, as written on the wire.
    const VALUES: &'static [&'static str];

    /// Parses a wire value, or returns `None` when this version does not know it.
    fn from_wire(value: &str) -> Option<Self>;

    /// Returns the wire value, or `"unknown"` for the `Unknown` variant.
    fn as_str(self) -> &'static str;
}

/// Declares a public enum with fixed wire values and an `Unknown` fallback variant.
///
/// The enum gets serde support (the `Unknown` variant decodes any value this version does not
/// know and refuses to serialize), `as_str`, `Display`, a strict `FromStr`, [`WireEnum`], and
/// `utoipa::ToSchema` with the `openapi` feature. The OpenAPI schema lists only the known values.
macro_rules! wire_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $(
                $(#[$variant_meta:meta])*
                $variant:ident = $wire:tt,
            )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        pub enum $name {
            $(
                $(#[$variant_meta])*
                #[serde(rename = $wire)]
                $variant,
            )+
            /// A value that this version does not know, sent by a newer server.
            ///
            /// Serializing it fails, so it is never sent back to a server.
            #[serde(other, skip_serializing)]
            Unknown,
        }

        impl $name {
            /// Returns the wire value, or `"unknown"` for [`Self::Unknown`].
            pub fn as_str(self) -> &'static str {
                match self {
                    $( $name::$variant => $wire, )+
                    $name::Unknown => "unknown",
                }
            }

            /// Returns whether this version defines the value, i.e. it is not [`Self::Unknown`].
            pub fn is_known(self) -> bool {
                !matches!(self, $name::Unknown)
            }
        }

        impl $crate::wire::WireEnum for $name {
            const VALUES: &'static [&'static str] = &[$( $wire, )+];

            fn from_wire(value: &str) -> Option<Self> {
                match value {
                    $( $wire => Some($name::$variant), )+
                    _ => None,
                }
            }

            fn as_str(self) -> &'static str {
                $name::as_str(self)
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::str::FromStr for $name {
            type Err = $crate::limits::ValidationError;

            /// Parses a known wire value; unlike decoding a response, an unknown value is an error.
            fn from_str(value: &str) -> Result<Self, Self::Err> {
                <$name as $crate::wire::WireEnum>::from_wire(value).ok_or_else(|| {
                    $crate::limits::ValidationError::ValueUnknown {
                        value: value.to_owned(),
                        expected: <$name as $crate::wire::WireEnum>::VALUES,
                    }
                })
            }
        }
    };
}

pub(crate) use wire_enum;

/// Decodes a required request field of a [`WireEnum`] type, rejecting values this version does
/// not know.
pub(crate) fn known<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: WireEnum,
{
    let value = String::deserialize(deserializer)?;
    T::from_wire(&value).ok_or_else(|| D::Error::unknown_variant(&value, T::VALUES))
}

/// Decodes an optional request field of a [`WireEnum`] type, rejecting values this version does
/// not know. `null` decodes as `None`; pair it with `#[serde(default)]` so that an absent field
/// does too.
pub(crate) fn known_option<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: WireEnum,
{
    let Some(value) = Option::<String>::deserialize(deserializer)? else {
        return Ok(None);
    };
    T::from_wire(&value)
        .map(Some)
        .ok_or_else(|| D::Error::unknown_variant(&value, T::VALUES))
}

/// Decodes a field of a partial update, where an absent field keeps the stored value and `null`
/// clears it.
///
/// Pair it with `#[serde(default, skip_serializing_if = "Option::is_none")]`: an absent field is
/// then `None`, `null` is `Some(None)` and a value is `Some(Some(value))`.
pub(crate) fn nullable<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}
