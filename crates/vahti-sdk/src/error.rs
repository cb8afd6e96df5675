//! The errors of the client: errors the server reports, transport failures, responses that do
//! not decode, invalid arguments and invalid configuration.

use std::time::Duration;

use vahti_api::{ApiError, ErrorCode, ValidationError};

/// An error returned by a [`Client`](crate::Client) call.
///
/// Branch on [`SdkError::code`] for errors the server reports, and on [`SdkError::is_retryable`]
/// to decide whether trying again later can help. The client has already retried retryable
/// errors as its [`RetryPolicy`](crate::RetryPolicy) allows when a call returns one.
///
/// ```
/// use vahti_sdk::SdkError;
/// use vahti_sdk::api::ErrorCode;
///
/// fn explain(error: &SdkError) -> String {
///     match error.code() {
///         Some(ErrorCode::InvoiceNotFound) => "no such invoice".to_owned(),
///         Some(code) => format!("the server rejected the request: {code}"),
///         None if error.is_retryable() => "the server is unreachable; try again later".to_owned(),
///         None => error.to_string(),
///     }
/// }
/// # let _ = explain;
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SdkError {
    /// The server rejected the request with an error status and a Vahti error body.
    #[error("{endpoint} failed with HTTP {status}: {error}")]
    Api {
        /// The method and path of the request, such as `POST /v1/payments`.
        endpoint: String,
        /// The HTTP status code.
        status: u16,
        /// The error body: code, message and the offending field.
        error: ApiError,
        /// The delay the server asked for in a `Retry-After` header, if any.
        retry_after: Option<Duration>,
    },

    /// The server, or a proxy in front of it, answered with an error status and a body that is
    /// not a Vahti error body.
    #[error(
        "{endpoint} failed with HTTP {status} and no Vahti error body; the body starts with {snippet:?}"
    )]
    UnexpectedStatus {
        /// The method and path of the request.
        endpoint: String,
        /// The HTTP status code.
        status: u16,
        /// The start of the response body, at most 200 characters.
        snippet: String,
        /// The delay the server asked for in a `Retry-After` header, if any.
        retry_after: Option<Duration>,
    },

    /// The connection to the server could not be opened: the server is down, the address is
    /// wrong, or the connect timeout passed.
    #[error(
        "{endpoint} failed: could not connect to the server ({source}); check that vahtid runs and the base URL is right"
    )]
    Connect {
        /// The method and path of the request.
        endpoint: String,
        /// The underlying failure.
        #[source]
        source: reqwest::Error,
    },

    /// The request timeout passed before the response arrived.
    #[error(
        "{endpoint} timed out ({source}); the server may be overloaded, or the timeout too short"
    )]
    Timeout {
        /// The method and path of the request.
        endpoint: String,
        /// The underlying failure.
        #[source]
        source: reqwest::Error,
    },

    /// The connection failed after it was opened, such as a reset while the response was read.
    #[error("{endpoint} failed: the connection broke ({source})")]
    Transport {
        /// The method and path of the request.
        endpoint: String,
        /// The underlying failure.
        #[source]
        source: reqwest::Error,
    },

    /// A successful response body is not the JSON the endpoint returns.
    #[error(
        "response of {endpoint} (HTTP {status}) is not the expected JSON: {message}; the body starts with {snippet:?}"
    )]
    Decode {
        /// The method and path of the request.
        endpoint: String,
        /// The HTTP status code.
        status: u16,
        /// What the JSON decoder reported.
        message: String,
        /// The start of the response body, at most 200 characters.
        snippet: String,
    },

    /// The request body or query could not be encoded, so the request was not sent. This happens
    /// when a field holds an enum's `Unknown` variant, which exists only to decode responses.
    #[error("{endpoint} not sent: the request cannot be encoded: {message}")]
    Encode {
        /// The method and path of the request.
        endpoint: String,
        /// What the encoder reported.
        message: String,
    },

    /// A request body is larger than the server accepts, so the request was not sent.
    #[error(
        "{endpoint} not sent: the body has {bytes} bytes, but at most {max_bytes} are accepted; split the file"
    )]
    BodyTooLarge {
        /// The method and path of the request.
        endpoint: String,
        /// The size of the body.
        bytes: usize,
        /// The limit of the endpoint.
        max_bytes: usize,
    },

    /// An argument breaks one of the API's limits, so the request was not sent.
    #[error("request not sent: {0}")]
    InvalidArgument(#[from] ValidationError),

    /// The client configuration is invalid.
    #[error(transparent)]
    Config(#[from] ConfigError),
}

impl SdkError {
    /// Returns whether trying the same call again later may succeed: a connection failure, a
    /// timeout, or HTTP 429 or 503. Every other error needs a change to the request or to the
    /// server's state first.
    pub fn is_retryable(&self) -> bool {
        match self {
            SdkError::Connect { .. } | SdkError::Timeout { .. } | SdkError::Transport { .. } => {
                true
            }
            SdkError::Api { status, .. } | SdkError::UnexpectedStatus { status, .. } => {
                is_retryable_status(*status)
            }
            SdkError::Decode { .. }
            | SdkError::Encode { .. }
            | SdkError::BodyTooLarge { .. }
            | SdkError::InvalidArgument(_)
            | SdkError::Config(_) => false,
        }
    }

    /// Returns the error code the server reported, or `None` when the error did not come from
    /// a Vahti error body.
    pub fn code(&self) -> Option<&ErrorCode> {
        self.api_error().map(|error| &error.code)
    }

    /// Returns the HTTP status of the response, or `None` when no response arrived or the
    /// request was not sent.
    pub fn status(&self) -> Option<u16> {
        match self {
            SdkError::Api { status, .. }
            | SdkError::UnexpectedStatus { status, .. }
            | SdkError::Decode { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// Returns the error body the server sent, with its code, message and field.
    pub fn api_error(&self) -> Option<&ApiError> {
        match self {
            SdkError::Api { error, .. } => Some(error),
            _ => None,
        }
    }

    /// Returns the delay the server asked for in a `Retry-After` header.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            SdkError::Api { retry_after, .. } | SdkError::UnexpectedStatus { retry_after, .. } => {
                *retry_after
            }
            _ => None,
        }
    }

    /// Returns whether the request failed before any response arrived because the server could
    /// not be reached or did not answer in time.
    pub fn is_unreachable(&self) -> bool {
        matches!(
            self,
            SdkError::Connect { .. } | SdkError::Timeout { .. } | SdkError::Transport { .. }
        )
    }
}

/// Returns whether a response status means "try again later": 429 Too Many Requests or
/// 503 Service Unavailable.
pub(crate) fn is_retryable_status(status: u16) -> bool {
    status == 429 || status == 503
}

/// An invalid client setting or argument, found before any request is sent.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The builder got no base URL.
    #[error(
        "missing base URL: call base_url() with the daemon's address, such as http://127.0.0.1:7878"
    )]
    BaseUrlMissing,

    /// The base URL cannot be used.
    #[error("invalid base URL {value:?}: {reason}")]
    BaseUrlInvalid {
        /// The URL as given.
        value: String,
        /// What is wrong with it and how to fix it.
        reason: String,
    },

    /// The token contains characters that cannot appear in an HTTP header. The token itself is
    /// not shown.
    #[error(
        "invalid token: it must be visible ASCII characters without spaces; copy the token again"
    )]
    TokenInvalid,

    /// The user agent contains characters that cannot appear in an HTTP header.
    #[error("invalid user agent {value:?}: use visible ASCII characters and spaces")]
    UserAgentInvalid {
        /// The user agent as given.
        value: String,
    },

    /// A timeout is zero.
    #[error("invalid {name} timeout: it must be above zero")]
    TimeoutZero {
        /// Which timeout: `connect` or `request`.
        name: &'static str,
    },

    /// An idempotency key is empty, too long or contains characters that cannot appear in an
    /// HTTP header.
    #[error("invalid idempotency key {value:?}: use 1 to 255 visible ASCII characters")]
    IdempotencyKeyInvalid {
        /// The key as given.
        value: String,
    },

    /// A retry policy allows no attempt at all.
    #[error("invalid retry policy: max_attempts must be at least 1")]
    RetryAttemptsZero,

    /// The HTTP client could not be created, such as when the TLS library fails to start.
    #[error("could not create the HTTP client: {0}")]
    HttpClient(#[source] reqwest::Error),
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api_error(status: u16, code: ErrorCode) -> SdkError {
        SdkError::Api {
            endpoint: "GET /v1/invoices/INV-1".to_owned(),
            status,
            error: ApiError::new(code, "message"),
            retry_after: None,
        }
    }

    #[test]
    fn retryable_statuses() {
        let cases = [
            (400, false),
            (401, false),
            (404, false),
            (409, false),
            (422, false),
            (429, true),
            (500, false),
            (502, false),
            (503, true),
            (504, false),
        ];
        for (status, retryable) in cases {
            let error = api_error(status, ErrorCode::parse("any"));
            assert_eq!(error.is_retryable(), retryable, "HTTP {status}");
        }
    }

    #[test]
    fn api_error_exposes_code_and_status() {
        let error = api_error(404, ErrorCode::InvoiceNotFound);
        assert_eq!(error.code(), Some(&ErrorCode::InvoiceNotFound));
        assert_eq!(error.status(), Some(404));
        assert!(!error.is_unreachable());
    }

    #[test]
    fn api_error_message_names_request() {
        let error = SdkError::Api {
            endpoint: "POST /v1/payments".to_owned(),
            status: 422,
            error: ApiError::new(
                ErrorCode::AmountNotPositive,
                "amount -1.00 must be above zero",
            )
            .with_field("amount"),
            retry_after: None,
        };
        assert_eq!(
            error.to_string(),
            "POST /v1/payments failed with HTTP 422: amount -1.00 must be above zero \
             (amount_not_positive) in field amount"
        );
    }

    #[test]
    fn invalid_argument_is_final() {
        let error = SdkError::from(ValidationError::ClockRequestInvalid);
        assert!(!error.is_retryable());
        assert_eq!(error.status(), None);
        assert_eq!(error.code(), None);
    }
}
