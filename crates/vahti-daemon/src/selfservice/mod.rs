//! The debtor's self-service page under `/s/{token}`, linked from every message to a debtor.
//!
//! The page shows the account's open invoices with what each owes today and how to pay it, and
//! offers forms to dispute an invoice, promise to pay, ask for a payment plan or more time, and
//! correct the email address. The business rules live in [`crate::service::selfservice`]; this
//! module renders HTML and guards the pages:
//!
//! - Every response carries a strict `Content-Security-Policy` with a fresh nonce for the inline
//!   style and script, `X-Frame-Options: DENY`, `Referrer-Policy: no-referrer` (so the token in
//!   the path never leaves in a `Referer`), `X-Content-Type-Options: nosniff` and
//!   `Cache-Control: no-store`.
//! - Requests are limited per link and per client address ([`limits`]), answered with a plain 429
//!   page beyond the limit. The client address is the TCP peer; behind a reverse proxy that is
//!   the proxy, so the limit per address then applies to all debtors together.
//! - Every form carries a token bound to the link, the form and an expiry ([`forms`]).
//! - An unknown, expired or revoked link gets one neutral 404 page; only a link that once
//!   worked shows the creditor's contact on it.
//! - Logs and events name the link and account by id, never by token or address.

mod forms;
mod limits;
mod pages;
mod texts;
mod views;

use std::net::{IpAddr, Ipv4Addr};
use std::time::{Duration, Instant};

use actix_web::body::BoxBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::middleware::{Next, from_fn};
use actix_web::{HttpMessage, web};
use rand::Rng;
use tokio::sync::OnceCell;

use crate::app::App;
use crate::config::SelfServiceConfig;
use crate::error::ServiceResult;
use crate::service::selfservice::FORM_SECRET_NAME;

pub use texts::Lang;

/// The state the page keeps in memory: the rate limits and the key of its form tokens.
#[derive(Debug)]
pub struct SelfServiceState {
    links: limits::KeyedLimiter<String>,
    addresses: limits::KeyedLimiter<IpAddr>,
    form_key: OnceCell<Vec<u8>>,
}

impl SelfServiceState {
    /// The state for the configured limits.
    pub fn new(config: &SelfServiceConfig) -> Self {
        SelfServiceState {
            links: limits::KeyedLimiter::new(config.link_requests_per_minute),
            addresses: limits::KeyedLimiter::new(config.address_requests_per_minute),
            form_key: OnceCell::new(),
        }
    }

    /// Takes one request of the client address and of the link, or returns how long the client
    /// must wait. The link is keyed by the hash of its token.
    fn admit(&self, address: IpAddr, token: &str, now: Instant) -> Result<(), Duration> {
        self.addresses.check(&address, now)?;
        let key = vahti_store::self_service::hash_link_token(token);
        self.links.check(&key, now)
    }

    /// The key of the form tokens, read from the database once; every daemon on the database
    /// shares it.
    async fn form_key(&self, app: &App) -> ServiceResult<Vec<u8>> {
        let key = self
            .form_key
            .get_or_try_init(|| {
                let now = app.now();
                app.write(move |tx| {
                    Ok(vahti_store::self_service::daemon_secret(
                        tx,
                        FORM_SECRET_NAME,
                        now,
                    )?)
                })
            })
            .await?;
        Ok(key.clone())
    }
}

/// The nonce of one response, which its style and script elements carry.
#[derive(Debug, Clone)]
struct Nonce(String);

/// Registers the page's routes under `/s`.
pub fn configure(config: &mut web::ServiceConfig) {
    use pages::Form;

    let mut scope = web::scope("/s")
        .wrap(from_fn(guard))
        .service(
            web::resource("/{token}")
                .route(web::get().to(pages::overview))
                .default_service(web::to(pages::method_not_allowed)),
        )
        .service(
            web::resource("/{token}/requests/{id}")
                .route(web::get().to(pages::request))
                .default_service(web::to(pages::method_not_allowed)),
        );
    for form in Form::ALL {
        scope = scope.service(
            web::resource(format!("/{{token}}/{}", form.path()))
                .route(web::get().to(move |app, request| pages::show_form(app, request, form)))
                .route(
                    web::post()
                        .to(move |app, request, body| pages::submit(app, request, body, form)),
                )
                .default_service(web::to(pages::method_not_allowed)),
        );
    }
    config.service(scope.default_service(web::to(pages::not_found)));
}

/// Gives each request a nonce, applies the rate limits, and sets the security headers on every
/// response, errors and 429 pages included.
async fn guard(
    request: ServiceRequest,
    next: Next<BoxBody>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let nonce = new_nonce();
    request.extensions_mut().insert(Nonce(nonce.clone()));

    if let Some(app) = request.app_data::<web::Data<App>>() {
        let address = request
            .peer_addr()
            .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |peer| peer.ip());
        let token = request
            .path()
            .split('/')
            .nth(2)
            .unwrap_or_default()
            .to_owned();
        if let Err(wait) = app.self_service().admit(address, &token, Instant::now()) {
            tracing::info!(
                retry_after_seconds = wait.as_secs(),
                "self-service request over the rate limit"
            );
            let response = pages::too_many(request.request(), &nonce, wait);
            return Ok(secured(request.into_response(response), &nonce));
        }
    }

    // The handlers answer every request with a page, so an error here comes from actix itself.
    let response = next.call(request).await?;
    Ok(secured(response, &nonce))
}

/// A random nonce of 128 bits, hex-encoded.
fn new_nonce() -> String {
    let mut bytes = [0_u8; 16];
    rand::rng().fill(&mut bytes);
    hex::encode(bytes)
}

/// Sets the page's security headers on a response.
fn secured(mut response: ServiceResponse<BoxBody>, nonce: &str) -> ServiceResponse<BoxBody> {
    let policy = format!(
        "default-src 'none'; img-src 'self' data:; style-src 'nonce-{nonce}'; \
         script-src 'nonce-{nonce}'; form-action 'self'; frame-ancestors 'none'; \
         base-uri 'none'"
    );
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&policy) {
        headers.insert(header::CONTENT_SECURITY_POLICY, value);
    }
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        HeaderName::from_static("cross-origin-opener-policy"),
        HeaderValue::from_static("same-origin"),
    );
    response
}
