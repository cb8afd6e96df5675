//! The page's forms: the token that proves a form came from the page, and reading the fields of
//! a submitted form.
//!
//! A form token is `EXPIRY.MAC`: the expiry in Unix seconds and an HMAC-SHA256 over the hash of
//! the link's token, the form's purpose and the expiry, keyed with a secret that every daemon on
//! the database shares. A token therefore works only for its link, its form and its lifetime,
//! and a page on another site cannot make one without the secret.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// How long a form stays valid after the page showed it.
pub const FORM_LIFETIME: Duration = Duration::hours(2);

/// The largest form body accepted, in bytes.
pub const MAX_FORM_BYTES: usize = 16 * 1024;

/// Makes the token of the form `purpose` on the page of the link whose token hashes to
/// `link_hash`, valid until `now` plus [`FORM_LIFETIME`].
pub fn form_token(key: &[u8], link_hash: &str, purpose: &str, now: DateTime<Utc>) -> String {
    let expires = now
        .checked_add_signed(FORM_LIFETIME)
        .unwrap_or(now)
        .timestamp();
    format!(
        "{expires}.{}",
        hex::encode(mac(key, link_hash, purpose, expires))
    )
}

/// Checks a submitted form token: made with `key` for this link and purpose, and not expired
/// at `now`. The MAC is compared in constant time.
pub fn verify_form_token(
    key: &[u8],
    link_hash: &str,
    purpose: &str,
    token: &str,
    now: DateTime<Utc>,
) -> bool {
    let Some((expires, signature)) = token.split_once('.') else {
        return false;
    };
    let Ok(expires) = expires.parse::<i64>() else {
        return false;
    };
    let Ok(signature) = hex::decode(signature) else {
        return false;
    };
    if expires < now.timestamp() {
        return false;
    }
    let Ok(mut mac) = HmacSha256::new_from_slice(key) else {
        return false;
    };
    feed(&mut mac, link_hash, purpose, expires);
    mac.verify_slice(&signature).is_ok()
}

fn mac(key: &[u8], link_hash: &str, purpose: &str, expires: i64) -> Vec<u8> {
    match HmacSha256::new_from_slice(key) {
        Ok(mut mac) => {
            feed(&mut mac, link_hash, purpose, expires);
            mac.finalize().into_bytes().to_vec()
        }
        Err(_) => Vec::new(),
    }
}

fn feed(mac: &mut HmacSha256, link_hash: &str, purpose: &str, expires: i64) {
    mac.update(b"vahti self-service form\0");
    mac.update(link_hash.as_bytes());
    mac.update(b"\0");
    mac.update(purpose.as_bytes());
    mac.update(b"\0");
    mac.update(expires.to_string().as_bytes());
}

/// The fields of a submitted `application/x-www-form-urlencoded` body.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Fields(Vec<(String, String)>);

impl Fields {
    /// Decodes a form body; a body that is not a form gives no fields.
    pub fn parse(body: &[u8]) -> Fields {
        Fields(serde_urlencoded::from_bytes(body).unwrap_or_default())
    }

    /// The first value of a field, trimmed, or `""` when absent.
    pub fn get(&self, name: &str) -> &str {
        self.0
            .iter()
            .find(|(key, _)| key == name)
            .map_or("", |(_, value)| value.trim())
    }
}

/// Reads a date typed as `2026-03-31`, as date inputs send it, or as `31.3.2026`, as a person
/// writes it in Finland.
pub fn parse_date(text: &str) -> Option<NaiveDate> {
    let text = text.trim();
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(text, "%d.%m.%Y"))
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &[u8] = b"0123456789abcdef0123456789abcdef";

    fn now() -> DateTime<Utc> {
        DateTime::from_timestamp(1_772_434_800, 0).unwrap_or_default()
    }

    #[test]
    fn token_verifies() {
        let token = form_token(KEY, "hash", "dispute", now());
        assert!(verify_form_token(KEY, "hash", "dispute", &token, now()));
    }

    #[test]
    fn token_bound_to_link_purpose_and_key() {
        let token = form_token(KEY, "hash", "dispute", now());
        assert!(!verify_form_token(KEY, "other", "dispute", &token, now()));
        assert!(!verify_form_token(KEY, "hash", "promise", &token, now()));
        assert!(!verify_form_token(
            b"another key",
            "hash",
            "dispute",
            &token,
            now()
        ));
    }

    #[test]
    fn token_expires() {
        let token = form_token(KEY, "hash", "dispute", now());
        let later = now() + FORM_LIFETIME + Duration::seconds(1);
        assert!(!verify_form_token(KEY, "hash", "dispute", &token, later));
    }

    #[test]
    fn tampered_tokens_rejected() {
        let token = form_token(KEY, "hash", "dispute", now());
        let (_, signature) = token.split_once('.').unwrap_or_default();
        let extended = format!("{}.{signature}", now().timestamp() + 999_999);
        for bad in ["", "x", "1.", ".ab", "abc.def", extended.as_str()] {
            assert!(
                !verify_form_token(KEY, "hash", "dispute", bad, now()),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn fields_read_first_value() {
        let fields = Fields::parse(b"a=1&b=%C3%A4+x&a=2");
        assert_eq!(fields.get("a"), "1");
        assert_eq!(fields.get("b"), "ä x");
        assert_eq!(fields.get("c"), "");
    }

    #[test]
    fn dates_in_both_forms() {
        let expected = NaiveDate::from_ymd_opt(2026, 3, 31);
        assert_eq!(parse_date("2026-03-31"), expected);
        assert_eq!(parse_date(" 31.3.2026 "), expected);
        assert_eq!(parse_date("31/3/2026"), None);
        assert_eq!(parse_date(""), None);
    }
}
