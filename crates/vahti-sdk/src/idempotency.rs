//! Idempotency keys, which make a `POST` safe to repeat.

use std::fmt;

use vahti_api::limits::MAX_IDEMPOTENCY_KEY_CHARS;

use crate::error::ConfigError;

/// The value of an `Idempotency-Key` header.
///
/// The server stores the first response to a key and returns it again for a repeated request
/// with the same key and body, instead of acting twice. The client generates a random key (UUID
/// version 4) for each `POST` call and reuses it for every retry of that call. Pass your own key
/// with `with_idempotency_key` on a resource handle when a call must stay idempotent across
/// restarts of your program, such as a key derived from your own record's id.
///
/// ```
/// use vahti_sdk::IdempotencyKey;
///
/// let key = IdempotencyKey::new("payment-import-2026-03-02-17")?;
/// assert_eq!(key.as_str(), "payment-import-2026-03-02-17");
/// assert!(IdempotencyKey::new("").is_err());
/// # Ok::<(), vahti_sdk::ConfigError>(())
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct IdempotencyKey(String);

impl IdempotencyKey {
    /// Checks a key: 1 to 255 visible ASCII characters (`!` to `~`), the characters that every
    /// HTTP implementation carries unchanged in a header.
    pub fn new(value: impl Into<String>) -> Result<Self, ConfigError> {
        let value = value.into();
        let valid = !value.is_empty()
            && value.len() <= MAX_IDEMPOTENCY_KEY_CHARS
            && value.bytes().all(|byte| byte.is_ascii_graphic());
        if valid {
            Ok(IdempotencyKey(value))
        } else {
            Err(ConfigError::IdempotencyKeyInvalid { value })
        }
    }

    /// Generates a random key: a UUID version 4 in its hyphenated form.
    pub fn generate() -> Self {
        IdempotencyKey(uuid::Uuid::new_v4().hyphenated().to_string())
    }

    /// Returns the key as sent in the header.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for IdempotencyKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("IdempotencyKey").field(&self.0).finish()
    }
}

impl fmt::Display for IdempotencyKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_keys_are_uuids() {
        let key = IdempotencyKey::generate();
        let parsed = uuid::Uuid::parse_str(key.as_str()).unwrap();
        assert_eq!(parsed.get_version_num(), 4);
    }

    #[test]
    fn generated_keys_differ() {
        assert_ne!(IdempotencyKey::generate(), IdempotencyKey::generate());
    }

    #[test]
    fn key_validation_cases() {
        let longest = "k".repeat(MAX_IDEMPOTENCY_KEY_CHARS);
        let too_long = "k".repeat(MAX_IDEMPOTENCY_KEY_CHARS + 1);
        let cases = [
            ("order-17", true),
            ("a", true),
            (longest.as_str(), true),
            ("", false),
            (too_long.as_str(), false),
            ("with space", false),
            ("line\nbreak", false),
            ("ä", false),
        ];
        for (value, valid) in cases {
            assert_eq!(IdempotencyKey::new(value).is_ok(), valid, "{value:?}");
        }
    }
}
