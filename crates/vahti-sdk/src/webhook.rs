//! Verification of the signatures on the webhooks that the daemon sends.
//!
//! # The signature scheme
//!
//! Each webhook is an HTTP `POST` whose body is one [`Event`] as JSON. The daemon signs it with
//! every active secret of the endpoint (HMAC-SHA256, RFC 2104) and sends two headers:
//!
//! - `Vahti-Timestamp`: the time of signing, in whole seconds since the Unix epoch, such as
//!   `1772434800`.
//! - `Vahti-Signature`: one or more `v1=<signature>` entries separated by commas, where
//!   `<signature>` is the lower-case hex encoding of
//!   `HMAC-SHA256(secret, "<timestamp>.<raw body>")`. The timestamp is the exact text of the
//!   `Vahti-Timestamp` header, and the secret is the UTF-8 bytes of the secret string as the
//!   integrator configured it. While a secret is rotated, the header carries one entry per
//!   secret: `v1=5f0c…,v1=9a41…`. Entries with another scheme than `v1` are ignored, so that
//!   later schemes can be added beside it.
//!
//! A receiver accepts a request when any `v1` entry matches any of its secrets and the
//! timestamp is within the tolerance window (300 seconds by default) of its clock. It must
//! compute the signature over the raw body bytes, before any JSON parsing.
//!
//! # Replay protection
//!
//! The signature covers the timestamp, so an attacker who captured a request cannot change its
//! time. The tolerance window rejects a captured request replayed later than that. Within the
//! window a replay is still possible, and the daemon delivers a webhook again until the receiver
//! responds with a 2xx status, and again when someone asks for a redelivery. So handle each
//! event idempotently: keep the `Vahti-Event-Id` header (the event's `seq`, the same for every
//! delivery of one event) of every event you processed, and acknowledge a repeated one with a
//! 2xx status without acting on it again. Deliveries are not ordered: a retry waits while later
//! events go out, so an older event can arrive after a newer one. Keeping only the highest
//! `seq` seen would drop it; keep each one, and sort by `seq` where order matters.
//! `Vahti-Delivery-Id` tells the retries of one delivery apart from a redelivery, for logs.
//!
//! ```
//! use vahti_sdk::webhook::{WebhookVerifier, sign};
//!
//! let body = br#"{"seq":42,"type":"invoice_paid","at":"2026-03-02T07:00:00Z","account":"C-1","invoice":"INV-1","data":{}}"#;
//! let timestamp = 1_772_434_800;
//! let signature = sign(b"whsec_example", timestamp, body);
//!
//! let verifier = WebhookVerifier::new("whsec_example");
//! let event = verifier.verify_event_at(
//!     Some(&timestamp.to_string()),
//!     Some(&signature),
//!     body,
//!     timestamp + 5,
//! )?;
//! assert_eq!(event.seq, 42);
//! # Ok::<(), vahti_sdk::webhook::WebhookError>(())
//! ```

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use vahti_api::Event;

/// Name of the header with the time of signing, in Unix seconds.
pub const TIMESTAMP_HEADER: &str = "Vahti-Timestamp";

/// Name of the header with the signatures.
pub const SIGNATURE_HEADER: &str = "Vahti-Signature";

/// The signature scheme this version produces and verifies.
pub const SCHEME: &str = "v1";

/// Default maximum difference between the signing time and the receiver's clock: 300 seconds.
pub const DEFAULT_TOLERANCE: Duration = Duration::from_secs(300);

/// Length in bytes of an HMAC-SHA256 signature.
const SIGNATURE_BYTES: usize = 32;

type HmacSha256 = Hmac<Sha256>;

/// The reason a webhook request was rejected.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WebhookError {
    /// The request has no `Vahti-Timestamp` header.
    #[error("missing Vahti-Timestamp header: the request was not signed by Vahti")]
    TimestampMissing,

    /// The request has no `Vahti-Signature` header.
    #[error("missing Vahti-Signature header: the request was not signed by Vahti")]
    SignatureMissing,

    /// The `Vahti-Timestamp` header is not a whole number of seconds.
    #[error("malformed Vahti-Timestamp header {value:?}: expected Unix seconds such as 1772434800")]
    TimestampMalformed {
        /// The header value, cut to 64 characters.
        value: String,
    },

    /// The `Vahti-Signature` header cannot be read.
    #[error("malformed Vahti-Signature header: {reason}")]
    SignatureMalformed {
        /// The problem found.
        reason: String,
    },

    /// The timestamp is older than the tolerance window allows: a late delivery or a replay.
    #[error(
        "expired webhook: signed at {timestamp}, {age_seconds} s before the receiver's clock, but at most {tolerance_seconds} s are allowed; check the receiver's clock if this repeats"
    )]
    Expired {
        /// The signing time, in Unix seconds.
        timestamp: i64,
        /// The age of the signature, in seconds.
        age_seconds: i64,
        /// The tolerance, in seconds.
        tolerance_seconds: u64,
    },

    /// The timestamp lies further in the future than the tolerance window allows.
    #[error(
        "webhook from the future: signed at {timestamp}, {ahead_seconds} s after the receiver's clock, but at most {tolerance_seconds} s are allowed; check the clocks of sender and receiver"
    )]
    FromFuture {
        /// The signing time, in Unix seconds.
        timestamp: i64,
        /// How far the signing time is ahead, in seconds.
        ahead_seconds: i64,
        /// The tolerance, in seconds.
        tolerance_seconds: u64,
    },

    /// No `v1` signature matches any of the secrets: the body was changed, or the secret is
    /// wrong.
    #[error(
        "no matching signature: none of the {signatures} v1 signatures matches any of the {secrets} secrets; check the webhook secret"
    )]
    NoMatchingSignature {
        /// Number of `v1` entries in the header.
        signatures: usize,
        /// Number of secrets tried.
        secrets: usize,
    },

    /// The signature is valid but the body is not an event.
    #[error("invalid webhook body: {0}")]
    BodyInvalid(#[source] serde_json::Error),
}

/// Checks the signatures and timestamps of webhook requests.
///
/// Give it every secret that is valid for the endpoint: during a rotation both the old and the
/// new one. The secrets never appear in `Debug` output.
///
/// ```
/// use std::time::Duration;
/// use vahti_sdk::webhook::WebhookVerifier;
///
/// let verifier = WebhookVerifier::new("whsec_new")
///     .with_secret("whsec_old")
///     .with_tolerance(Duration::from_secs(120));
/// assert_eq!(verifier.secret_count(), 2);
/// ```
#[derive(Clone)]
pub struct WebhookVerifier {
    secrets: Vec<Vec<u8>>,
    tolerance: Duration,
}

impl fmt::Debug for WebhookVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebhookVerifier")
            .field(
                "secrets",
                &format_args!("<{} redacted>", self.secrets.len()),
            )
            .field("tolerance", &self.tolerance)
            .finish()
    }
}

impl WebhookVerifier {
    /// Creates a verifier with one secret and the default tolerance of 300 seconds.
    pub fn new(secret: impl AsRef<[u8]>) -> Self {
        WebhookVerifier {
            secrets: vec![secret.as_ref().to_vec()],
            tolerance: DEFAULT_TOLERANCE,
        }
    }

    /// Adds a secret that is also accepted, such as the previous secret during a rotation.
    pub fn with_secret(mut self, secret: impl AsRef<[u8]>) -> Self {
        self.secrets.push(secret.as_ref().to_vec());
        self
    }

    /// Sets the maximum difference between the signing time and the receiver's clock, in either
    /// direction.
    pub fn with_tolerance(mut self, tolerance: Duration) -> Self {
        self.tolerance = tolerance;
        self
    }

    /// Returns the number of secrets the verifier accepts.
    pub fn secret_count(&self) -> usize {
        self.secrets.len()
    }

    /// Verifies a request against the system clock. Pass the values of the `Vahti-Timestamp`
    /// and `Vahti-Signature` headers (`None` when absent) and the raw body.
    pub fn verify(
        &self,
        timestamp: Option<&str>,
        signature: Option<&str>,
        body: &[u8],
    ) -> Result<(), WebhookError> {
        self.verify_at(timestamp, signature, body, unix_now())
    }

    /// Verifies a request against `now`, in Unix seconds.
    ///
    /// Checks, in this order: both headers are present, the timestamp is a number, it lies
    /// within the tolerance of `now`, the signature header is well-formed, and a `v1` entry
    /// matches a secret. Signatures are compared in constant time.
    pub fn verify_at(
        &self,
        timestamp: Option<&str>,
        signature: Option<&str>,
        body: &[u8],
        now: i64,
    ) -> Result<(), WebhookError> {
        let timestamp_text = timestamp.ok_or(WebhookError::TimestampMissing)?.trim();
        let signature = signature.ok_or(WebhookError::SignatureMissing)?;

        let signed_at = parse_timestamp(timestamp_text)?;
        self.check_window(signed_at, now)?;

        let candidates = parse_signatures(signature)?;
        for secret in &self.secrets {
            let mac = signing_mac(secret, timestamp_text, body);
            for candidate in &candidates {
                if mac.clone().verify_slice(candidate).is_ok() {
                    return Ok(());
                }
            }
        }
        Err(WebhookError::NoMatchingSignature {
            signatures: candidates.len(),
            secrets: self.secrets.len(),
        })
    }

    /// Verifies a request against the system clock and decodes its body as an [`Event`].
    pub fn verify_event(
        &self,
        timestamp: Option<&str>,
        signature: Option<&str>,
        body: &[u8],
    ) -> Result<Event, WebhookError> {
        self.verify_event_at(timestamp, signature, body, unix_now())
    }

    /// Verifies a request against `now`, in Unix seconds, and decodes its body as an [`Event`].
    pub fn verify_event_at(
        &self,
        timestamp: Option<&str>,
        signature: Option<&str>,
        body: &[u8],
        now: i64,
    ) -> Result<Event, WebhookError> {
        self.verify_at(timestamp, signature, body, now)?;
        serde_json::from_slice(body).map_err(WebhookError::BodyInvalid)
    }

    fn check_window(&self, signed_at: i64, now: i64) -> Result<(), WebhookError> {
        let tolerance_seconds = self.tolerance.as_secs();
        let tolerance = i64::try_from(tolerance_seconds).unwrap_or(i64::MAX);
        let age = now.saturating_sub(signed_at);
        if age > tolerance {
            return Err(WebhookError::Expired {
                timestamp: signed_at,
                age_seconds: age,
                tolerance_seconds,
            });
        }
        let ahead = signed_at.saturating_sub(now);
        if ahead > tolerance {
            return Err(WebhookError::FromFuture {
                timestamp: signed_at,
                ahead_seconds: ahead,
                tolerance_seconds,
            });
        }
        Ok(())
    }
}

/// Computes the `Vahti-Signature` entry of a body signed at `timestamp` (Unix seconds):
/// `v1=<hex>`.
///
/// Senders join the entries of several secrets with commas. The daemon signs with this same
/// function's scheme; receivers normally need only [`WebhookVerifier`].
pub fn sign(secret: &[u8], timestamp: i64, body: &[u8]) -> String {
    let mac = signing_mac(secret, &timestamp.to_string(), body);
    format!("{SCHEME}={}", hex::encode(mac.finalize().into_bytes()))
}

/// Starts an HMAC over `<timestamp>.<body>`.
fn signing_mac(secret: &[u8], timestamp: &str, body: &[u8]) -> HmacSha256 {
    // HMAC takes keys of any length (RFC 2104 hashes long keys and pads short ones), and
    // hmac 0.13.0 returns `Ok` for every key, so the fallback is never used.
    let mut mac =
        HmacSha256::new_from_slice(secret).unwrap_or_else(|_| HmacSha256::new(&Default::default()));
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(body);
    mac
}

fn parse_timestamp(text: &str) -> Result<i64, WebhookError> {
    let malformed = || WebhookError::TimestampMalformed {
        value: text.chars().take(64).collect(),
    };
    if text.is_empty() || !text.bytes().all(|byte| byte.is_ascii_digit()) {
        return Err(malformed());
    }
    text.parse::<i64>().map_err(|_| malformed())
}

/// Reads the `v1` signatures of a `Vahti-Signature` header as bytes.
fn parse_signatures(header: &str) -> Result<Vec<Vec<u8>>, WebhookError> {
    let malformed = |reason: String| WebhookError::SignatureMalformed { reason };

    let mut signatures = Vec::new();
    for entry in header.split(',') {
        let entry = entry.trim();
        if entry.is_empty() {
            continue;
        }
        let Some((scheme, value)) = entry.split_once('=') else {
            return Err(malformed(format!(
                "entry {:?} is not of the form v1=<hex>",
                entry.chars().take(80).collect::<String>()
            )));
        };
        if scheme.trim() != SCHEME {
            continue;
        }
        let value = value.trim();
        let bytes = hex::decode(value)
            .ok()
            .filter(|bytes| bytes.len() == SIGNATURE_BYTES)
            .ok_or_else(|| {
                malformed(format!(
                    "v1 signature {:?} is not 64 hex digits",
                    value.chars().take(80).collect::<String>()
                ))
            })?;
        signatures.push(bytes);
    }

    if signatures.is_empty() {
        return Err(malformed("it holds no v1=<hex> entry".to_owned()));
    }
    Ok(signatures)
}

fn unix_now() -> i64 {
    let seconds = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs());
    i64::try_from(seconds).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"whsec_test_secret";
    const BODY: &[u8] = br#"{"seq":7,"type":"invoice_paid","at":"2026-03-02T07:00:00Z","account":"C-1","invoice":"INV-1","data":{}}"#;
    const SIGNED_AT: i64 = 1_772_434_800;

    fn verify(
        verifier: &WebhookVerifier,
        timestamp: &str,
        signature: &str,
        now: i64,
    ) -> Result<(), WebhookError> {
        verifier.verify_at(Some(timestamp), Some(signature), BODY, now)
    }

    #[test]
    fn sign_matches_openssl() {
        // printf '%s' "1772434800.$BODY" | openssl dgst -sha256 -hmac whsec_test_secret
        let signature = sign(SECRET, SIGNED_AT, BODY);
        assert_eq!(
            signature,
            "v1=963e2e9fa0f1b559710096441aabf892e3276fa49244d5a5f27a500c6c9d28cf"
        );
    }

    #[test]
    fn valid_signature_accepted() {
        let signature = sign(SECRET, SIGNED_AT, BODY);
        let verifier = WebhookVerifier::new(SECRET);
        assert!(verify(&verifier, "1772434800", &signature, SIGNED_AT + 10).is_ok());
    }

    #[test]
    fn tampered_body_rejected() {
        let signature = sign(SECRET, SIGNED_AT, BODY);
        let verifier = WebhookVerifier::new(SECRET);
        let tampered = BODY
            .to_vec()
            .into_iter()
            .map(|b| if b == b'7' { b'8' } else { b })
            .collect::<Vec<_>>();
        let result = verifier.verify_at(Some("1772434800"), Some(&signature), &tampered, SIGNED_AT);
        assert!(matches!(
            result,
            Err(WebhookError::NoMatchingSignature {
                signatures: 1,
                secrets: 1
            })
        ));
    }

    #[test]
    fn tampered_timestamp_rejected() {
        let signature = sign(SECRET, SIGNED_AT, BODY);
        let verifier = WebhookVerifier::new(SECRET);
        let result = verify(&verifier, "1772434801", &signature, SIGNED_AT);
        assert!(matches!(
            result,
            Err(WebhookError::NoMatchingSignature { .. })
        ));
    }

    #[test]
    fn wrong_secret_rejected() {
        let signature = sign(b"whsec_other", SIGNED_AT, BODY);
        let verifier = WebhookVerifier::new(SECRET);
        let result = verify(&verifier, "1772434800", &signature, SIGNED_AT);
        assert!(matches!(
            result,
            Err(WebhookError::NoMatchingSignature { .. })
        ));
    }

    #[test]
    fn rotation_accepts_either_secret() {
        let old = sign(b"whsec_old", SIGNED_AT, BODY);
        let new = sign(b"whsec_new", SIGNED_AT, BODY);
        let both = format!("{new},{old}");

        let old_only = WebhookVerifier::new("whsec_old");
        let new_only = WebhookVerifier::new("whsec_new");
        let rotating = WebhookVerifier::new("whsec_new").with_secret("whsec_old");

        assert!(verify(&old_only, "1772434800", &both, SIGNED_AT).is_ok());
        assert!(verify(&new_only, "1772434800", &both, SIGNED_AT).is_ok());
        assert!(verify(&rotating, "1772434800", &old, SIGNED_AT).is_ok());
        assert!(verify(&rotating, "1772434800", &new, SIGNED_AT).is_ok());
    }

    #[test]
    fn rotation_rejects_unknown_secrets() {
        let other = sign(b"whsec_other", SIGNED_AT, BODY);
        let rotating = WebhookVerifier::new("whsec_new").with_secret("whsec_old");
        let result = verify(&rotating, "1772434800", &other, SIGNED_AT);
        assert!(matches!(
            result,
            Err(WebhookError::NoMatchingSignature {
                signatures: 1,
                secrets: 2
            })
        ));
    }

    #[test]
    fn expired_timestamp_rejected() {
        let signature = sign(SECRET, SIGNED_AT, BODY);
        let verifier = WebhookVerifier::new(SECRET);
        assert!(verify(&verifier, "1772434800", &signature, SIGNED_AT + 300).is_ok());
        let result = verify(&verifier, "1772434800", &signature, SIGNED_AT + 301);
        assert!(matches!(
            result,
            Err(WebhookError::Expired {
                age_seconds: 301,
                tolerance_seconds: 300,
                ..
            })
        ));
    }

    #[test]
    fn future_timestamp_rejected() {
        let signature = sign(SECRET, SIGNED_AT, BODY);
        let verifier = WebhookVerifier::new(SECRET).with_tolerance(Duration::from_secs(60));
        assert!(verify(&verifier, "1772434800", &signature, SIGNED_AT - 60).is_ok());
        let result = verify(&verifier, "1772434800", &signature, SIGNED_AT - 61);
        assert!(matches!(
            result,
            Err(WebhookError::FromFuture {
                ahead_seconds: 61,
                tolerance_seconds: 60,
                ..
            })
        ));
    }

    #[test]
    fn missing_headers_rejected() {
        let verifier = WebhookVerifier::new(SECRET);
        let no_timestamp = verifier.verify_at(None, Some("v1=00"), BODY, SIGNED_AT);
        let no_signature = verifier.verify_at(Some("1772434800"), None, BODY, SIGNED_AT);
        assert!(matches!(no_timestamp, Err(WebhookError::TimestampMissing)));
        assert!(matches!(no_signature, Err(WebhookError::SignatureMissing)));
    }

    #[test]
    fn malformed_timestamps_rejected() {
        let signature = sign(SECRET, SIGNED_AT, BODY);
        let verifier = WebhookVerifier::new(SECRET);
        for timestamp in ["", "-5", "17724348OO", "1.5", "99999999999999999999999"] {
            let result = verify(&verifier, timestamp, &signature, SIGNED_AT);
            assert!(
                matches!(result, Err(WebhookError::TimestampMalformed { .. })),
                "{timestamp:?}: {result:?}"
            );
        }
    }

    #[test]
    fn malformed_signatures_rejected() {
        let verifier = WebhookVerifier::new(SECRET);
        let short = format!("v1={}", "ab".repeat(31));
        for header in ["", "v1", "v1=xyz", short.as_str(), "v0=abcd", " , "] {
            let result = verify(&verifier, "1772434800", header, SIGNED_AT);
            assert!(
                matches!(result, Err(WebhookError::SignatureMalformed { .. })),
                "{header:?}: {result:?}"
            );
        }
    }

    #[test]
    fn other_schemes_ignored() {
        let signature = sign(SECRET, SIGNED_AT, BODY);
        let header = format!("v2=whatever, {signature}");
        let verifier = WebhookVerifier::new(SECRET);
        assert!(verify(&verifier, "1772434800", &header, SIGNED_AT).is_ok());
    }

    #[test]
    fn upper_case_hex_accepted() {
        let signature = sign(SECRET, SIGNED_AT, BODY)
            .to_uppercase()
            .replacen("V1", "v1", 1);
        let verifier = WebhookVerifier::new(SECRET);
        assert!(verify(&verifier, "1772434800", &signature, SIGNED_AT).is_ok());
    }

    #[test]
    fn verify_event_decodes_body() {
        let signature = sign(SECRET, SIGNED_AT, BODY);
        let verifier = WebhookVerifier::new(SECRET);
        let event = verifier
            .verify_event_at(Some("1772434800"), Some(&signature), BODY, SIGNED_AT)
            .unwrap();
        assert_eq!(event.seq, 7);
        assert_eq!(event.invoice.as_deref(), Some("INV-1"));
    }

    #[test]
    fn debug_hides_secrets() {
        let verifier = WebhookVerifier::new("whsec_visible?");
        let text = format!("{verifier:?}");
        assert!(!text.contains("whsec_visible"), "{text}");
    }
}
