//! Bearer-token authentication: a tenant's API token, or the operator's admin token.
//!
//! Tenant tokens are looked up by hash in the database; a successful lookup is cached for a few
//! seconds so that a busy client does not cost a write per request (the store records when a
//! token was last used). Revoking a token through this daemon removes it from the cache at once;
//! other daemons forget it within [`CACHE_SECONDS`].

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, web};
use subtle::ConstantTimeEq;
use vahti_domain::ids::TenantId;
use vahti_store::ids::TokenId;
use vahti_store::{tenants, tokens};

use super::error::ApiError;
use crate::app::App;

/// How long a successful token lookup is trusted without asking the database again.
pub const CACHE_SECONDS: u64 = 10;

/// An authenticated tenant request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TenantAuth {
    /// The tenant the token acts for.
    pub tenant: TenantId,
    /// The token used.
    pub token: TokenId,
}

/// A request authenticated with the operator's admin token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AdminAuth;

#[derive(Clone, Copy)]
struct Cached {
    auth: TenantAuth,
    until: Instant,
}

fn cache() -> &'static Mutex<HashMap<String, Cached>> {
    static CACHE: OnceLock<Mutex<HashMap<String, Cached>>> = OnceLock::new();
    CACHE.get_or_init(|| Mutex::new(HashMap::new()))
}

/// Forgets every cached lookup of a token, after it was revoked.
pub fn forget_token(token: TokenId) {
    if let Ok(mut entries) = cache().lock() {
        entries.retain(|_, cached| cached.auth.token != token);
    }
}

/// Forgets every cached lookup of a tenant's tokens, after the tenant was disabled.
pub fn forget_tenant(tenant: TenantId) {
    if let Ok(mut entries) = cache().lock() {
        entries.retain(|_, cached| cached.auth.tenant != tenant);
    }
}

/// The bearer token of a request, if it carries one.
pub fn bearer_token(request: &HttpRequest) -> Option<&str> {
    let value = request
        .headers()
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

/// Authenticates a tenant token, from the cache or the database.
pub async fn authenticate_tenant(app: &App, token: &str) -> Result<TenantAuth, ApiError> {
    let hash = tokens::hash_token(token);
    if let Ok(entries) = cache().lock()
        && let Some(cached) = entries
            .get(&hash)
            .filter(|cached| cached.until > Instant::now())
    {
        return Ok(cached.auth);
    }

    let presented = token.to_owned();
    let now = app.now();
    let found = app
        .write(move |tx| {
            let Some(token) = tokens::authenticate(tx, &presented, now)? else {
                return Ok(None);
            };
            let tenant = tenants::get(tx, token.tenant_id)?;
            Ok(Some((token, tenant.disabled)))
        })
        .await
        .map_err(ApiError::from)?;

    match found {
        Some((token, false)) => {
            let auth = TenantAuth {
                tenant: token.tenant_id,
                token: token.id,
            };
            if let Ok(mut entries) = cache().lock() {
                entries.insert(
                    hash,
                    Cached {
                        auth,
                        until: Instant::now() + Duration::from_secs(CACHE_SECONDS),
                    },
                );
            }
            Ok(auth)
        }
        Some((_, true)) => Err(ApiError::unauthorized(
            "the tenant of this token is disabled; ask the operator to enable it",
        )),
        None => Err(ApiError::unauthorized(
            "missing or invalid API token: send `Authorization: Bearer <token>` with a live token of your tenant",
        )),
    }
}

impl FromRequest for TenantAuth {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(request: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        let app = request.app_data::<web::Data<App>>().cloned();
        let token = bearer_token(request).map(str::to_owned);
        Box::pin(async move {
            let app = app.ok_or_else(|| {
                ApiError::new(
                    actix_web::http::StatusCode::INTERNAL_SERVER_ERROR,
                    "internal_error",
                    None,
                    "application state missing",
                )
            })?;
            let token = token.ok_or_else(|| {
                ApiError::unauthorized(
                    "missing API token: send `Authorization: Bearer <token>` with a token of your tenant",
                )
            })?;
            Ok(authenticate_tenant(&app, &token).await?)
        })
    }
}

impl FromRequest for AdminAuth {
    type Error = actix_web::Error;
    type Future = std::future::Ready<Result<Self, Self::Error>>;

    fn from_request(request: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        let configured = request.app_data::<web::Data<App>>().and_then(|app| {
            app.config()
                .admin
                .token
                .as_ref()
                .map(|token| token.expose().to_owned())
        });
        let presented = bearer_token(request);
        let result = match (configured, presented) {
            (None, _) => Err(ApiError::new(
                actix_web::http::StatusCode::FORBIDDEN,
                "admin_disabled",
                None,
                "admin endpoints are disabled: set admin.token or admin.token_file in the daemon configuration",
            )),
            (Some(_), None) => Err(ApiError::unauthorized(
                "missing admin token: send `Authorization: Bearer <admin token>`",
            )),
            (Some(expected), Some(given)) => {
                if bool::from(expected.as_bytes().ct_eq(given.as_bytes())) {
                    Ok(AdminAuth)
                } else {
                    Err(ApiError::unauthorized("invalid admin token"))
                }
            }
        };
        std::future::ready(result.map_err(actix_web::Error::from))
    }
}
