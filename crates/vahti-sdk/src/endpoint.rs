//! Request URLs: the base URL, path templates filled with percent-encoded parameters, and query
//! strings.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde::Serialize;
use url::Url;
use vahti_api::ValidationError;
use vahti_api::limits::{validate_external_id, validate_policy_key};

use crate::error::ConfigError;

/// Characters left as they are in a path segment: the unreserved characters of RFC 3986,
/// section 2.3. Everything else, `/` and `%` included, is percent-encoded.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Percent-encodes one path segment, so that `/`, `?`, `#`, `%`, spaces and non-ASCII
/// characters in an identifier stay inside that segment.
///
/// ```
/// use vahti_sdk::encode_path_segment;
///
/// assert_eq!(encode_path_segment("INV/2025/0042"), "INV%2F2025%2F0042");
/// assert_eq!(encode_path_segment("Åsa 1"), "%C3%85sa%201");
/// ```
pub fn encode_path_segment(value: &str) -> String {
    utf8_percent_encode(value, SEGMENT).to_string()
}

/// Checks an `external_id` and encodes it as a path segment.
///
/// Beyond the API's own check, the ids `.` and `..` are rejected: URL parsers treat them, even
/// percent-encoded, as references to the current or parent path and remove them, so such a
/// request would reach another endpoint.
pub(crate) fn external_id_segment(value: &str) -> Result<String, ValidationError> {
    validate_external_id(value)?;
    if value == "." || value == ".." {
        return Err(ValidationError::ExternalIdInvalid {
            value: value.to_owned(),
            problem: "a URL path cannot carry the ids \".\" and \"..\"",
        });
    }
    Ok(encode_path_segment(value))
}

/// Checks a policy key and encodes it as a path segment.
pub(crate) fn policy_key_segment(value: &str) -> Result<String, ValidationError> {
    validate_policy_key(value)?;
    Ok(encode_path_segment(value))
}

/// Fills a path template of [`vahti_api::paths`] with already encoded parameter values.
///
/// A `{name}` whose name is not among `params` stays as it is, which the tests of every
/// endpoint would catch.
pub(crate) fn fill(template: &str, params: &[(&str, &str)]) -> String {
    let mut path = String::with_capacity(template.len() + 16);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let (before, from_brace) = rest.split_at(open);
        path.push_str(before);
        let Some(close) = from_brace.find('}') else {
            path.push_str(from_brace);
            return path;
        };
        let (placeholder, after) = from_brace.split_at(close + 1);
        let name = placeholder.trim_start_matches('{').trim_end_matches('}');
        match params.iter().find(|(key, _)| *key == name) {
            Some((_, value)) => path.push_str(value),
            None => path.push_str(placeholder),
        }
        rest = after;
    }
    path.push_str(rest);
    path
}

/// Encodes query parameters from one of the API's query types. Absent optional fields are left
/// out, so an empty query gives an empty string. Fails when a field holds a value that cannot be
/// sent, such as an enum's `Unknown` variant.
pub(crate) fn query_string<Q: Serialize>(
    query: &Q,
) -> Result<String, serde_urlencoded::ser::Error> {
    serde_urlencoded::to_string(query)
}

/// A validated base URL: `http` or `https`, with a host, without user info, query or fragment,
/// stored without a trailing slash so that paths starting with `/` can be appended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct BaseUrl(String);

impl BaseUrl {
    /// Validates a base URL such as `https://vahti.example.com` or `http://127.0.0.1:7878/`.
    /// A path prefix, such as for a daemon behind a reverse proxy, is kept.
    pub(crate) fn parse(value: &str) -> Result<Self, ConfigError> {
        let invalid = |reason: &str| ConfigError::BaseUrlInvalid {
            value: value.to_owned(),
            reason: reason.to_owned(),
        };

        let url = Url::parse(value.trim()).map_err(|error| {
            invalid(&format!(
                "{error}; write a full URL such as http://127.0.0.1:7878"
            ))
        })?;
        if url.scheme() != "http" && url.scheme() != "https" {
            return Err(invalid(&format!(
                "the scheme is {:?}, but it must be http or https",
                url.scheme()
            )));
        }
        if url.host_str().is_none_or(str::is_empty) {
            return Err(invalid("it has no host"));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(invalid(
                "it contains user credentials; pass the API token with token() instead",
            ));
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err(invalid("it must not have a query or a fragment"));
        }

        let text = url.as_str().trim_end_matches('/').to_owned();
        Ok(BaseUrl(text))
    }

    /// Returns the URL of `path` (starting with `/`) with an encoded `query`, which may be empty.
    pub(crate) fn join(&self, path: &str, query: &str) -> String {
        if query.is_empty() {
            format!("{}{path}", self.0)
        } else {
            format!("{}{path}?{query}", self.0)
        }
    }

    /// Returns the base URL without a trailing slash.
    pub(crate) fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use vahti_api::paths;
    use vahti_api::{EventsQuery, InvoiceListQuery, InvoiceStatus, PageQuery};

    use super::*;

    #[test]
    fn segment_encoding_cases() {
        let cases = [
            ("INV-1", "INV-1"),
            ("a.b_c~d", "a.b_c~d"),
            ("INV/2025/0042", "INV%2F2025%2F0042"),
            ("50%", "50%25"),
            ("a b", "a%20b"),
            ("a+b", "a%2Bb"),
            ("q?x#y", "q%3Fx%23y"),
            ("lasku:ä", "lasku%3A%C3%A4"),
            ("..x", "..x"),
        ];
        for (value, encoded) in cases {
            assert_eq!(encode_path_segment(value), encoded, "{value:?}");
        }
    }

    #[test]
    fn external_id_rejects_dot_segments() {
        for value in [".", ".."] {
            assert!(external_id_segment(value).is_err(), "{value:?}");
        }
        assert_eq!(external_id_segment("...").unwrap(), "...");
    }

    #[test]
    fn external_id_rejects_api_violations() {
        for value in ["", " INV-1", "INV\n1"] {
            assert!(external_id_segment(value).is_err(), "{value:?}");
        }
    }

    #[test]
    fn policy_key_checked() {
        assert_eq!(policy_key_segment("consumer-std").unwrap(), "consumer-std");
        assert!(policy_key_segment("Consumer").is_err());
    }

    #[test]
    fn fill_replaces_every_placeholder() {
        let segment = external_id_segment("INV/1").unwrap();
        let path = fill(paths::INVOICE_DUE_DATE, &[("external_id", &segment)]);
        assert_eq!(path, "/v1/invoices/INV%2F1/due-date");
        assert_eq!(fill(paths::TENANT, &[("id", "7")]), "/v1/tenants/7");
        assert_eq!(fill(paths::EVENTS, &[]), "/v1/events");
    }

    #[test]
    fn fill_keeps_unknown_placeholders() {
        assert_eq!(fill("/v1/x/{y}/z", &[("id", "7")]), "/v1/x/{y}/z");
        assert_eq!(fill("/v1/x/{y", &[("y", "7")]), "/v1/x/{y");
    }

    #[test]
    fn query_leaves_out_absent_fields() {
        assert_eq!(query_string(&PageQuery::default()).unwrap(), "");
        let query = InvoiceListQuery {
            account: Some("C 1/ä".to_owned()),
            status: Some(InvoiceStatus::Open),
            cursor: None,
            limit: Some(50),
        };
        assert_eq!(
            query_string(&query).unwrap(),
            "account=C+1%2F%C3%A4&status=open&limit=50"
        );
        let events = EventsQuery {
            after: Some(41),
            limit: None,
            wait: Some(30),
        };
        assert_eq!(query_string(&events).unwrap(), "after=41&wait=30");
    }

    #[test]
    fn base_url_accepts_http_and_https() {
        let cases = [
            ("http://127.0.0.1:7878", "http://127.0.0.1:7878"),
            ("http://127.0.0.1:7878/", "http://127.0.0.1:7878"),
            ("https://vahti.example.com", "https://vahti.example.com"),
            ("https://example.com/vahti/", "https://example.com/vahti"),
        ];
        for (value, stored) in cases {
            assert_eq!(BaseUrl::parse(value).unwrap().as_str(), stored, "{value:?}");
        }
    }

    #[test]
    fn base_url_rejects_bad_values() {
        for value in [
            "",
            "127.0.0.1:7878",
            "ftp://example.com",
            "file:///tmp/x",
            "http://user:secret@example.com",
            "http://example.com/?a=1",
            "http://example.com/#top",
        ] {
            assert!(BaseUrl::parse(value).is_err(), "{value:?}");
        }
    }

    #[test]
    fn base_url_join_with_prefix() {
        let base = BaseUrl::parse("https://example.com/vahti/").unwrap();
        assert_eq!(
            base.join("/v1/invoices", "status=open"),
            "https://example.com/vahti/v1/invoices?status=open"
        );
        assert_eq!(
            base.join("/healthz", ""),
            "https://example.com/vahti/healthz"
        );
    }
}
