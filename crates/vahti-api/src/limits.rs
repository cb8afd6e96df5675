//! Limits of the API and the checks that both the server and clients apply to identifiers and
//! paging parameters.
//!
//! The server rejects a request that breaks one of these limits with the [`ErrorCode`] that
//! [`ValidationError::code`] returns. Clients may run the same checks first to fail without a
//! round trip.

use crate::error::ErrorCode;

/// Maximum number of invoices in one `POST /v1/invoices/batch` request.
pub const MAX_BATCH_ITEMS: usize = 10_000;

/// Maximum size in bytes of a JSON request body, except for batches: 1 MiB.
pub const MAX_JSON_BODY_BYTES: usize = 1024 * 1024;

/// Maximum size in bytes of a `POST /v1/invoices/batch` body: 32 MiB, room for
/// [`MAX_BATCH_ITEMS`] invoices of about 3 KiB of JSON each.
pub const MAX_BATCH_BODY_BYTES: usize = 32 * 1024 * 1024;

/// Maximum size in bytes of an imported file (`POST /v1/imports/...`): 64 MiB.
pub const MAX_IMPORT_BODY_BYTES: usize = 64 * 1024 * 1024;

/// Number of items in a page when the request gives no `limit`.
pub const DEFAULT_PAGE_LIMIT: u32 = 100;

/// Maximum `limit` of a list request.
pub const MAX_PAGE_LIMIT: u32 = 1000;

/// Maximum `wait` in seconds of a long-polling `GET /v1/events` request.
pub const MAX_EVENTS_WAIT_SECONDS: u32 = 60;

/// Maximum length in characters of an `external_id`.
pub const MAX_EXTERNAL_ID_CHARS: usize = 128;

/// Maximum length in characters of a policy key.
pub const MAX_POLICY_KEY_CHARS: usize = 64;

/// Name of the request header that makes a `POST` safe to retry.
///
/// A retried request with the same key and the same body returns the first response again
/// instead of acting twice.
pub const IDEMPOTENCY_KEY_HEADER: &str = "Idempotency-Key";

/// Maximum length in characters of an `Idempotency-Key` header value.
pub const MAX_IDEMPOTENCY_KEY_CHARS: usize = 255;

/// A value that breaks one of the API's limits or formats.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ValidationError {
    /// An `external_id` is empty, too long, or contains a character that is not allowed.
    #[error(
        "invalid external id {value:?}: {problem}; use 1 to 128 characters without control characters or surrounding white space"
    )]
    ExternalIdInvalid {
        /// The identifier as given.
        value: String,
        /// The problem found.
        problem: &'static str,
    },

    /// A policy key breaks the key format.
    #[error(
        "invalid policy key {value:?}: use 1 to 64 lower-case letters, digits, '-' or '_', starting with a letter or digit"
    )]
    PolicyKeyInvalid {
        /// The key as given.
        value: String,
    },

    /// A page `limit` is 0 or above [`MAX_PAGE_LIMIT`].
    #[error("limit {value} is out of range: use 1 to 1000, or leave it out for 100")]
    LimitOutOfRange {
        /// The limit as given.
        value: u32,
    },

    /// A long-polling `wait` is above [`MAX_EVENTS_WAIT_SECONDS`].
    #[error("wait {value} is out of range: use 0 to 60 seconds")]
    WaitOutOfRange {
        /// The wait as given, in seconds.
        value: u32,
    },

    /// A batch has more than [`MAX_BATCH_ITEMS`] items.
    #[error("batch of {count} items is too large: send at most 10000 items per request")]
    BatchTooLarge {
        /// The number of items sent.
        count: usize,
    },

    /// A clock request gives both or neither of `set` and `advance_seconds`.
    #[error("invalid clock request: give exactly one of \"set\" and \"advance_seconds\"")]
    ClockRequestInvalid,

    /// An enum value that this version does not know, parsed where unknown values are not allowed.
    #[error("unknown value {value:?}: expected one of {}", expected.join(", "))]
    ValueUnknown {
        /// The value as given.
        value: String,
        /// The values this version defines.
        expected: &'static [&'static str],
    },
}

impl ValidationError {
    /// Returns the error code of the response to a request that breaks this limit.
    pub fn code(&self) -> ErrorCode {
        match self {
            ValidationError::ExternalIdInvalid { .. } => ErrorCode::ExternalIdInvalid,
            ValidationError::PolicyKeyInvalid { .. } => ErrorCode::PolicyKeyInvalid,
            ValidationError::LimitOutOfRange { .. } => ErrorCode::LimitOutOfRange,
            ValidationError::WaitOutOfRange { .. } => ErrorCode::WaitOutOfRange,
            ValidationError::BatchTooLarge { .. } => ErrorCode::BatchTooLarge,
            ValidationError::ClockRequestInvalid => ErrorCode::ClockRequestInvalid,
            ValidationError::ValueUnknown { .. } => ErrorCode::BodyInvalid,
        }
    }
}

/// Checks an integrator's identifier of an account or invoice.
///
/// An `external_id` has 1 to [`MAX_EXTERNAL_ID_CHARS`] characters (Unicode scalar values), none
/// of them a control character, and does not start or end with white space. Any other printable
/// character is allowed, `/` included, so clients must percent-encode the identifier when they
/// put it in a path.
///
/// ```
/// use vahti_api::limits::validate_external_id;
///
/// assert!(validate_external_id("INV/2025/0042").is_ok());
/// assert!(validate_external_id(" INV-1").is_err());
/// ```
pub fn validate_external_id(value: &str) -> Result<(), ValidationError> {
    let problem = if value.is_empty() {
        Some("it is empty")
    } else if value.chars().count() > MAX_EXTERNAL_ID_CHARS {
        Some("it is longer than 128 characters")
    } else if value.chars().any(char::is_control) {
        Some("it contains a control character")
    } else if value.starts_with(char::is_whitespace) || value.ends_with(char::is_whitespace) {
        Some("it starts or ends with white space")
    } else {
        None
    };

    match problem {
        Some(problem) => Err(ValidationError::ExternalIdInvalid {
            value: value.to_owned(),
            problem,
        }),
        None => Ok(()),
    }
}

/// Checks the key of a collection policy.
///
/// A key has 1 to [`MAX_POLICY_KEY_CHARS`] characters from `a-z`, `0-9`, `-` and `_`, and starts
/// with a letter or digit, so it reads well in a path and a log line: `consumer-standard`.
pub fn validate_policy_key(value: &str) -> Result<(), ValidationError> {
    let allowed = |byte: u8| byte.is_ascii_lowercase() || byte.is_ascii_digit();
    let valid = value.len() <= MAX_POLICY_KEY_CHARS
        && value.bytes().next().is_some_and(allowed)
        && value
            .bytes()
            .all(|byte| allowed(byte) || byte == b'-' || byte == b'_');

    if valid {
        Ok(())
    } else {
        Err(ValidationError::PolicyKeyInvalid {
            value: value.to_owned(),
        })
    }
}

/// Resolves the `limit` of a list request: [`DEFAULT_PAGE_LIMIT`] when absent, otherwise a value
/// from 1 to [`MAX_PAGE_LIMIT`].
pub fn page_limit(limit: Option<u32>) -> Result<u32, ValidationError> {
    match limit {
        None => Ok(DEFAULT_PAGE_LIMIT),
        Some(value @ 1..=MAX_PAGE_LIMIT) => Ok(value),
        Some(value) => Err(ValidationError::LimitOutOfRange { value }),
    }
}

/// Resolves the `wait` of a long-polling request: 0 (respond at once) when absent, otherwise at
/// most [`MAX_EVENTS_WAIT_SECONDS`].
pub fn events_wait_seconds(wait: Option<u32>) -> Result<u32, ValidationError> {
    match wait {
        None => Ok(0),
        Some(value @ 0..=MAX_EVENTS_WAIT_SECONDS) => Ok(value),
        Some(value) => Err(ValidationError::WaitOutOfRange { value }),
    }
}

/// Checks the number of items in a batch against [`MAX_BATCH_ITEMS`].
pub fn validate_batch_len(count: usize) -> Result<(), ValidationError> {
    if count > MAX_BATCH_ITEMS {
        return Err(ValidationError::BatchTooLarge { count });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn external_id_accepts_printable_text() {
        let long = "x".repeat(MAX_EXTERNAL_ID_CHARS);
        for value in ["a", "INV/2025/0042", "lasku 12", "Åsa-ÄÖ", long.as_str()] {
            assert_eq!(validate_external_id(value), Ok(()), "{value:?}");
        }
    }

    #[test]
    fn external_id_counts_characters_not_bytes() {
        let value = "ä".repeat(MAX_EXTERNAL_ID_CHARS);
        assert_eq!(validate_external_id(&value), Ok(()));
    }

    #[test]
    fn external_id_rejects_bad_values() {
        let too_long = "x".repeat(MAX_EXTERNAL_ID_CHARS + 1);
        let cases = [
            ("", "it is empty"),
            (too_long.as_str(), "it is longer than 128 characters"),
            ("inv\n1", "it contains a control character"),
            ("inv\u{7f}", "it contains a control character"),
            (" inv", "it starts or ends with white space"),
            ("inv\u{a0}", "it starts or ends with white space"),
        ];
        for (value, problem) in cases {
            assert_eq!(
                validate_external_id(value),
                Err(ValidationError::ExternalIdInvalid {
                    value: value.to_owned(),
                    problem
                }),
                "{value:?}"
            );
        }
    }

    #[test]
    fn external_id_error_maps_to_code() {
        let error = validate_external_id("").unwrap_err();
        assert_eq!(error.code(), ErrorCode::ExternalIdInvalid);
    }

    #[test]
    fn policy_key_format() {
        let long = "k".repeat(MAX_POLICY_KEY_CHARS);
        for value in ["consumer", "b2b_30-days", "2024", long.as_str()] {
            assert_eq!(validate_policy_key(value), Ok(()), "{value:?}");
        }
        let too_long = "k".repeat(MAX_POLICY_KEY_CHARS + 1);
        for value in [
            "",
            "-x",
            "_x",
            "Consumer",
            "a b",
            "ä",
            "a/b",
            too_long.as_str(),
        ] {
            assert!(validate_policy_key(value).is_err(), "{value:?}");
        }
    }

    #[test]
    fn page_limit_defaults_and_bounds() {
        assert_eq!(page_limit(None), Ok(100));
        assert_eq!(page_limit(Some(1)), Ok(1));
        assert_eq!(page_limit(Some(1000)), Ok(1000));
        assert_eq!(
            page_limit(Some(0)),
            Err(ValidationError::LimitOutOfRange { value: 0 })
        );
        assert_eq!(
            page_limit(Some(1001)),
            Err(ValidationError::LimitOutOfRange { value: 1001 })
        );
    }

    #[test]
    fn events_wait_bounds() {
        assert_eq!(events_wait_seconds(None), Ok(0));
        assert_eq!(events_wait_seconds(Some(60)), Ok(60));
        assert_eq!(
            events_wait_seconds(Some(61)),
            Err(ValidationError::WaitOutOfRange { value: 61 })
        );
    }

    #[test]
    fn batch_len_bounds() {
        assert_eq!(validate_batch_len(MAX_BATCH_ITEMS), Ok(()));
        assert_eq!(
            validate_batch_len(MAX_BATCH_ITEMS + 1),
            Err(ValidationError::BatchTooLarge { count: 10_001 })
        );
    }

    #[test]
    fn messages_name_the_value() {
        let error = validate_external_id("").unwrap_err();
        assert_eq!(
            error.to_string(),
            "invalid external id \"\": it is empty; use 1 to 128 characters without control characters or surrounding white space"
        );
        let error = page_limit(Some(5000)).unwrap_err();
        assert_eq!(
            error.to_string(),
            "limit 5000 is out of range: use 1 to 1000, or leave it out for 100"
        );
    }
}
