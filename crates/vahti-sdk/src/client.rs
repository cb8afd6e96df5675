//! The client, its builder, and the request loop that retries failed attempts.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use reqwest::Method;
use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, HeaderValue, RETRY_AFTER};
use serde::Serialize;
use serde::de::DeserializeOwned;
use url::Url;
use vahti_api::ApiErrorBody;
use vahti_api::limits::IDEMPOTENCY_KEY_HEADER;

use crate::endpoint::{BaseUrl, query_string};
use crate::error::{ConfigError, SdkError};
use crate::idempotency::IdempotencyKey;
use crate::retry::{RetryDecision, RetryPolicy, parse_retry_after};

/// Default time to open a connection: 10 seconds.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Default time for one attempt of a request, from sending it to reading the whole response:
/// 30 seconds. Long-polling event requests get their `wait` on top.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// Maximum number of characters of a response body quoted in an error.
const SNIPPET_CHARS: usize = 200;

/// An async client of Vahti's HTTP API.
///
/// Create one with [`Client::builder`] and share it: cloning is cheap, and clones share one
/// connection pool. Calls are grouped by resource, such as [`Client::invoices`] and
/// [`Client::payments`]; each returns a short-lived handle.
///
/// ```no_run
/// # async fn run() -> Result<(), vahti_sdk::SdkError> {
/// use std::time::Duration;
/// use vahti_sdk::Client;
///
/// let client = Client::builder()
///     .base_url("http://127.0.0.1:7878")
///     .token("vht_example_token")
///     .timeout(Duration::from_secs(20))
///     .build()?;
/// let invoice = client.invoices().get("INV-2026-0001").await?;
/// println!("{} owes {}", invoice.account, invoice.total_outstanding);
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    base_url: BaseUrl,
    token: Option<HeaderValue>,
    retry: RetryPolicy,
    request_timeout: Duration,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.inner.base_url.as_str())
            .field("token", &self.inner.token.as_ref().map(|_| "<redacted>"))
            .field("retry", &self.inner.retry)
            .field("request_timeout", &self.inner.request_timeout)
            .finish()
    }
}

impl Client {
    /// Starts the configuration of a client.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// Returns the base URL without a trailing slash.
    pub fn base_url(&self) -> &str {
        self.inner.base_url.as_str()
    }

    /// Returns the retry policy of every call.
    pub fn retry_policy(&self) -> &RetryPolicy {
        &self.inner.retry
    }

    /// Returns the timeout of one attempt of a request.
    pub fn request_timeout(&self) -> Duration {
        self.inner.request_timeout
    }

    /// Sends a request and decodes a successful JSON response.
    pub(crate) async fn call<T: DeserializeOwned>(&self, request: Request) -> Result<T, SdkError> {
        self.execute(request).await?.json()
    }

    /// Sends a request, retrying as the policy allows, and returns a successful response.
    ///
    /// A `POST` without a key gets a generated one here, once, so that every attempt carries the
    /// same key.
    pub(crate) async fn execute(&self, mut request: Request) -> Result<RawResponse, SdkError> {
        request.ensure_idempotency_key();

        let started = Instant::now();
        let mut attempt: u32 = 1;
        loop {
            let error = match self.send_once(&request).await {
                Ok(response) if response.is_success() => return Ok(response),
                Ok(response) => response.into_error(),
                Err(error) => error,
            };

            let jitter = rand::random::<f64>();
            match self
                .inner
                .retry
                .decide(attempt, started.elapsed(), &error, jitter)
            {
                RetryDecision::GiveUp => return Err(error),
                RetryDecision::RetryAfter(delay) => {
                    tracing::debug!(
                        endpoint = %request.endpoint(),
                        attempt,
                        delay_ms = delay.as_millis(),
                        error = %error,
                        "request failed; retrying"
                    );
                    tokio::time::sleep(delay).await;
                }
            }
            attempt = attempt.saturating_add(1);
        }
    }

    /// Sends one attempt of a request and returns the response whatever its status.
    pub(crate) async fn send_once(&self, request: &Request) -> Result<RawResponse, SdkError> {
        let endpoint = request.endpoint();
        let url_text = self.inner.base_url.join(&request.path, &request.query);
        let url = Url::parse(&url_text).map_err(|error| ConfigError::BaseUrlInvalid {
            value: url_text.clone(),
            reason: format!("the request URL does not parse: {error}"),
        })?;

        let timeout = self
            .inner
            .request_timeout
            .saturating_add(request.extra_timeout);
        let mut builder = self
            .inner
            .http
            .request(request.method.clone(), url)
            .timeout(timeout)
            .header(ACCEPT, request.accept);
        if let Some(token) = &self.inner.token {
            builder = builder.header(AUTHORIZATION, token.clone());
        }
        if let Some(key) = &request.idempotency_key {
            builder = builder.header(IDEMPOTENCY_KEY_HEADER, key.as_str());
        }
        builder = match &request.body {
            RequestBody::Empty => builder,
            RequestBody::Bytes {
                content_type,
                bytes,
            } => builder
                .header(CONTENT_TYPE, *content_type)
                .body(bytes.clone()),
        };

        let response = builder
            .send()
            .await
            .map_err(|error| transport_error(&endpoint, error))?;
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get(RETRY_AFTER)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| parse_retry_after(value, chrono::Utc::now()));
        let body = response
            .bytes()
            .await
            .map_err(|error| transport_error(&endpoint, error))?;

        Ok(RawResponse {
            endpoint,
            status,
            retry_after,
            body,
        })
    }
}

/// Maps a failure of `reqwest` to the matching transport error.
fn transport_error(endpoint: &str, error: reqwest::Error) -> SdkError {
    let endpoint = endpoint.to_owned();
    if error.is_connect() {
        SdkError::Connect {
            endpoint,
            source: error,
        }
    } else if error.is_timeout() {
        SdkError::Timeout {
            endpoint,
            source: error,
        }
    } else {
        SdkError::Transport {
            endpoint,
            source: error,
        }
    }
}

/// The configuration of a [`Client`].
///
/// Only the base URL is required. Without a token, only the health endpoints answer.
///
/// ```
/// use std::time::Duration;
/// use vahti_sdk::{Client, RetryPolicy};
///
/// let client = Client::builder()
///     .base_url("https://vahti.example.com/")
///     .token("vht_example_token")
///     .connect_timeout(Duration::from_secs(5))
///     .timeout(Duration::from_secs(20))
///     .user_agent("billing-sync/2.1")
///     .retry_policy(RetryPolicy::default().with_max_elapsed(Duration::from_secs(30)))
///     .build()?;
/// assert_eq!(client.base_url(), "https://vahti.example.com");
/// # Ok::<(), vahti_sdk::ConfigError>(())
/// ```
#[derive(Clone)]
pub struct ClientBuilder {
    base_url: Option<String>,
    token: Option<String>,
    connect_timeout: Duration,
    request_timeout: Duration,
    user_agent: String,
    retry: RetryPolicy,
}

impl Default for ClientBuilder {
    fn default() -> Self {
        ClientBuilder {
            base_url: None,
            token: None,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
            user_agent: concat!("vahti-sdk/", env!("CARGO_PKG_VERSION")).to_owned(),
            retry: RetryPolicy::default(),
        }
    }
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("base_url", &self.base_url)
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .field("connect_timeout", &self.connect_timeout)
            .field("request_timeout", &self.request_timeout)
            .field("user_agent", &self.user_agent)
            .field("retry", &self.retry)
            .finish()
    }
}

impl ClientBuilder {
    /// Sets the daemon's base URL, `http` or `https`, such as `http://127.0.0.1:7878`. A trailing
    /// slash and a path prefix (for a daemon behind a reverse proxy) are allowed.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// Sets the API token sent as `Authorization: Bearer <token>`: a tenant's token, or the
    /// operator token for [`Client::admin`]. It never appears in `Debug` output.
    pub fn token(mut self, token: impl Into<String>) -> Self {
        self.token = Some(token.into());
        self
    }

    /// Sets the time to open a connection; 10 seconds by default.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Sets the time for one attempt of a request, from sending it to reading the whole
    /// response; 30 seconds by default. Long-polling event requests get their `wait` on top.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = timeout;
        self
    }

    /// Sets the `User-Agent` header; `vahti-sdk/<version>` by default.
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = user_agent.into();
        self
    }

    /// Sets the retry policy; [`RetryPolicy::default`] unless set.
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Checks the settings and creates the client.
    ///
    /// Fails with a [`ConfigError`] when the base URL is missing or is not an `http` or `https`
    /// URL, the token or user agent cannot be sent in a header, a timeout is zero, or the TLS
    /// library fails to start.
    pub fn build(self) -> Result<Client, ConfigError> {
        let base_url = BaseUrl::parse(
            self.base_url
                .as_deref()
                .ok_or(ConfigError::BaseUrlMissing)?,
        )?;
        let token = self.token.as_deref().map(bearer_header).transpose()?;
        if self.connect_timeout.is_zero() {
            return Err(ConfigError::TimeoutZero { name: "connect" });
        }
        if self.request_timeout.is_zero() {
            return Err(ConfigError::TimeoutZero { name: "request" });
        }
        let user_agent =
            HeaderValue::from_str(&self.user_agent).map_err(|_| ConfigError::UserAgentInvalid {
                value: self.user_agent.clone(),
            })?;

        let http = reqwest::Client::builder()
            .connect_timeout(self.connect_timeout)
            .user_agent(user_agent)
            .build()
            .map_err(ConfigError::HttpClient)?;

        Ok(Client {
            inner: Arc::new(Inner {
                http,
                base_url,
                token,
                retry: self.retry,
                request_timeout: self.request_timeout,
            }),
        })
    }
}

/// Builds the `Authorization` header of a token, marked sensitive so that `http` never prints it.
fn bearer_header(token: &str) -> Result<HeaderValue, ConfigError> {
    let token = token.trim();
    if token.is_empty() || !token.bytes().all(|byte| byte.is_ascii_graphic()) {
        return Err(ConfigError::TokenInvalid);
    }
    let mut value =
        HeaderValue::from_str(&format!("Bearer {token}")).map_err(|_| ConfigError::TokenInvalid)?;
    value.set_sensitive(true);
    Ok(value)
}

/// One request, ready to be sent as often as retries need.
#[derive(Debug, Clone)]
pub(crate) struct Request {
    method: Method,
    path: String,
    query: String,
    body: RequestBody,
    accept: &'static str,
    idempotency_key: Option<IdempotencyKey>,
    extra_timeout: Duration,
}

#[derive(Debug, Clone)]
enum RequestBody {
    Empty,
    Bytes {
        content_type: &'static str,
        bytes: Bytes,
    },
}

impl Request {
    /// Creates a request without a body.
    pub(crate) fn new(method: Method, path: String) -> Self {
        Request {
            method,
            path,
            query: String::new(),
            body: RequestBody::Empty,
            accept: "application/json",
            idempotency_key: None,
            extra_timeout: Duration::ZERO,
        }
    }

    /// Sets the query string from one of the API's query types.
    pub(crate) fn query<Q: Serialize>(mut self, query: &Q) -> Result<Self, SdkError> {
        self.query = query_string(query).map_err(|error| SdkError::Encode {
            endpoint: self.endpoint(),
            message: error.to_string(),
        })?;
        Ok(self)
    }

    /// Sets a JSON body.
    pub(crate) fn json<B: Serialize>(mut self, body: &B) -> Result<Self, SdkError> {
        let bytes = serde_json::to_vec(body).map_err(|error| SdkError::Encode {
            endpoint: self.endpoint(),
            message: error.to_string(),
        })?;
        self.body = RequestBody::Bytes {
            content_type: "application/json",
            bytes: Bytes::from(bytes),
        };
        Ok(self)
    }

    /// Sets a body of raw bytes, such as an imported file.
    pub(crate) fn bytes(mut self, content_type: &'static str, bytes: Bytes) -> Self {
        self.body = RequestBody::Bytes {
            content_type,
            bytes,
        };
        self
    }

    /// Sets the `Accept` header; `application/json` unless set.
    pub(crate) fn accept(mut self, media_type: &'static str) -> Self {
        self.accept = media_type;
        self
    }

    /// Sets the idempotency key of a `POST`; without one, the client generates a key.
    pub(crate) fn idempotency_key(mut self, key: Option<IdempotencyKey>) -> Self {
        self.idempotency_key = key;
        self
    }

    /// Extends the timeout of each attempt, for long-polling requests.
    pub(crate) fn extra_timeout(mut self, extra: Duration) -> Self {
        self.extra_timeout = extra;
        self
    }

    /// Returns the method and path, such as `GET /v1/invoices`, for errors and logs.
    pub(crate) fn endpoint(&self) -> String {
        format!("{} {}", self.method, self.path)
    }

    /// Gives a `POST` without a key a generated one. Called once per call, before the first
    /// attempt, so that every retry sends the same key.
    fn ensure_idempotency_key(&mut self) {
        if self.method == Method::POST && self.idempotency_key.is_none() {
            self.idempotency_key = Some(IdempotencyKey::generate());
        }
    }
}

/// A response with its whole body read.
#[derive(Debug, Clone)]
pub(crate) struct RawResponse {
    endpoint: String,
    status: u16,
    retry_after: Option<Duration>,
    body: Bytes,
}

impl RawResponse {
    /// Returns the HTTP status code.
    pub(crate) fn status(&self) -> u16 {
        self.status
    }

    fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// Decodes the body as JSON of type `T`.
    pub(crate) fn json<T: DeserializeOwned>(&self) -> Result<T, SdkError> {
        serde_json::from_slice(&self.body).map_err(|error| SdkError::Decode {
            endpoint: self.endpoint.clone(),
            status: self.status,
            message: error.to_string(),
            snippet: snippet(&self.body),
        })
    }

    /// Returns the body as text, replacing invalid UTF-8.
    pub(crate) fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// Turns an error response into an [`SdkError`]: [`SdkError::Api`] when the body is a Vahti
    /// error body, [`SdkError::UnexpectedStatus`] otherwise.
    pub(crate) fn into_error(self) -> SdkError {
        match serde_json::from_slice::<ApiErrorBody>(&self.body) {
            Ok(body) => SdkError::Api {
                endpoint: self.endpoint,
                status: self.status,
                error: body.error,
                retry_after: self.retry_after,
            },
            Err(_) => SdkError::UnexpectedStatus {
                snippet: snippet(&self.body),
                endpoint: self.endpoint,
                status: self.status,
                retry_after: self.retry_after,
            },
        }
    }
}

/// Returns the start of a body for an error message, at most [`SNIPPET_CHARS`] characters.
pub(crate) fn snippet(body: &[u8]) -> String {
    // Four bytes per character at most, so this prefix holds enough characters.
    let prefix = body.get(..SNIPPET_CHARS * 4).unwrap_or(body);
    String::from_utf8_lossy(prefix)
        .chars()
        .take(SNIPPET_CHARS)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_is_shareable_across_tasks() {
        fn assert_send_sync<T: Send + Sync + 'static>() {}
        fn assert_send_unpin<T: Send + Unpin + 'static>() {}
        assert_send_sync::<Client>();
        assert_send_unpin::<crate::EventStream>();
        assert_send_unpin::<crate::ItemStream<vahti_api::Invoice>>();
    }

    #[test]
    fn builder_requires_base_url() {
        let result = Client::builder().build();
        assert!(matches!(result, Err(ConfigError::BaseUrlMissing)));
    }

    #[test]
    fn builder_rejects_bad_token() {
        for token in ["", "two words", "line\nbreak", "ä"] {
            let result = Client::builder()
                .base_url("http://127.0.0.1:7878")
                .token(token)
                .build();
            assert!(
                matches!(result, Err(ConfigError::TokenInvalid)),
                "{token:?}"
            );
        }
    }

    #[test]
    fn builder_rejects_zero_timeouts() {
        let base = Client::builder().base_url("http://127.0.0.1:7878");
        let connect = base.clone().connect_timeout(Duration::ZERO).build();
        let request = base.timeout(Duration::ZERO).build();
        assert!(matches!(
            connect,
            Err(ConfigError::TimeoutZero { name: "connect" })
        ));
        assert!(matches!(
            request,
            Err(ConfigError::TimeoutZero { name: "request" })
        ));
    }

    #[test]
    fn debug_hides_token() {
        let builder = Client::builder()
            .base_url("http://127.0.0.1:7878")
            .token("vht_secret_value");
        let client = builder.clone().build().unwrap();
        for text in [format!("{builder:?}"), format!("{client:?}")] {
            assert!(!text.contains("vht_secret_value"), "{text}");
            assert!(text.contains("<redacted>"), "{text}");
        }
    }

    #[test]
    fn post_gets_one_key() {
        let mut request = Request::new(Method::POST, "/v1/payments".to_owned());
        request.ensure_idempotency_key();
        let first = request.idempotency_key.clone();
        request.ensure_idempotency_key();
        assert!(first.is_some());
        assert_eq!(request.idempotency_key, first);
    }

    #[test]
    fn post_keeps_caller_key() {
        let key = IdempotencyKey::new("caller-key-1").unwrap();
        let mut request = Request::new(Method::POST, "/v1/payments".to_owned())
            .idempotency_key(Some(key.clone()));
        request.ensure_idempotency_key();
        assert_eq!(request.idempotency_key, Some(key));
    }

    #[test]
    fn other_methods_get_no_key() {
        for method in [Method::GET, Method::PUT, Method::PATCH, Method::DELETE] {
            let mut request = Request::new(method.clone(), "/v1/invoices/X".to_owned());
            request.ensure_idempotency_key();
            assert_eq!(request.idempotency_key, None, "{method}");
        }
    }

    #[test]
    fn snippet_cuts_at_characters() {
        let body = "ä".repeat(500);
        let cut = snippet(body.as_bytes());
        assert_eq!(cut.chars().count(), SNIPPET_CHARS);
        assert!(cut.chars().all(|c| c == 'ä'));
    }

    #[test]
    fn error_body_becomes_api_error() {
        let response = RawResponse {
            endpoint: "GET /v1/invoices/X".to_owned(),
            status: 404,
            retry_after: None,
            body: Bytes::from_static(
                br#"{"error":{"code":"invoice_not_found","message":"invoice \"X\" not found","field":null}}"#,
            ),
        };
        let error = response.into_error();
        assert_eq!(error.code(), Some(&vahti_api::ErrorCode::InvoiceNotFound));
        assert_eq!(error.status(), Some(404));
    }

    #[test]
    fn foreign_body_becomes_unexpected_status() {
        let response = RawResponse {
            endpoint: "GET /v1/invoices".to_owned(),
            status: 503,
            retry_after: Some(Duration::from_secs(2)),
            body: Bytes::from_static(b"<html>maintenance</html>"),
        };
        let error = response.into_error();
        assert!(matches!(
            &error,
            SdkError::UnexpectedStatus { snippet, .. } if snippet == "<html>maintenance</html>"
        ));
        assert!(error.is_retryable());
        assert_eq!(error.retry_after(), Some(Duration::from_secs(2)));
    }

    #[test]
    fn undecodable_body_reports_snippet() {
        let response = RawResponse {
            endpoint: "GET /v1/invoices/X".to_owned(),
            status: 200,
            retry_after: None,
            body: Bytes::from_static(b"not json"),
        };
        let error = response.json::<vahti_api::Invoice>().unwrap_err();
        assert!(matches!(
            &error,
            SdkError::Decode { snippet, status: 200, .. } if snippet == "not json"
        ));
    }
}
