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

use actix_web::body::BoxBody;
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::Next;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};
use subtle::ConstantTimeEq;
use vahti_domain::ids::TenantId;
use vahti_store::ids::TokenId;
use vahti_store::{tenants, tokens};

use super::error::ApiError;
use super::routing;
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
        Some((_, true)) => Err(ApiError::new(
            actix_web::http::StatusCode::FORBIDDEN,
            "tenant_inactive",
            None,
            "the tenant of this token is deactivated; ask the operator to reactivate it",
        )),
        None => Err(ApiError::unauthorized(
            "missing or invalid API token: send `Authorization: Bearer <token>` with a live token of your tenant",
        )),
    }
}

/// Authenticates the bearer token of a request as a tenant's token.
async fn authenticate_request(
    app: Option<web::Data<App>>,
    token: Option<String>,
) -> Result<TenantAuth, ApiError> {
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
    authenticate_tenant(&app, &token).await
}

/// Authenticates every request to an operation that takes a tenant's token before any handler
/// or other middleware reads its body, so that a missing or wrong token answers 401 whatever the
/// body holds. The tenant is kept in the request for the [`TenantAuth`] extractor.
pub async fn middleware(
    request: ServiceRequest,
    next: Next<BoxBody>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    if !routing::table().takes_tenant_token(request.method(), request.path()) {
        return next.call(request).await;
    }
    let app = request.app_data::<web::Data<App>>().cloned();
    let token = bearer_token(request.request()).map(str::to_owned);
    match authenticate_request(app, token).await {
        Ok(auth) => {
            request.extensions_mut().insert(auth);
            next.call(request).await
        }
        Err(error) => Ok(request.error_response(error)),
    }
}

impl FromRequest for TenantAuth {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(request: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        if let Some(auth) = request.extensions().get::<TenantAuth>().copied() {
            return Box::pin(std::future::ready(Ok(auth)));
        }
        let app = request.app_data::<web::Data<App>>().cloned();
        let token = bearer_token(request).map(str::to_owned);
        Box::pin(async move { Ok(authenticate_request(app, token).await?) })
    }
}

impl FromRequest for AdminAuth {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(request: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        let app = request.app_data::<web::Data<App>>().cloned();
        let configured = app.as_ref().and_then(|app| {
            app.config()
                .admin
                .token
                .as_ref()
                .map(|token| token.expose().to_owned())
        });
        let presented = bearer_token(request).map(str::to_owned);
        Box::pin(async move {
            let (expected, given) = match (configured, presented) {
                (None, _) => {
                    return Err(ApiError::new(
                        actix_web::http::StatusCode::FORBIDDEN,
                        "admin_disabled",
                        None,
                        "admin endpoints are disabled: set admin.token or admin.token_file in the daemon configuration",
                    )
                    .into());
                }
                (Some(_), None) => {
                    return Err(ApiError::unauthorized(
                        "missing admin token: send `Authorization: Bearer <admin token>`",
                    )
                    .into());
                }
                (Some(expected), Some(given)) => (expected, given),
            };
            if bool::from(expected.as_bytes().ct_eq(given.as_bytes())) {
                return Ok(AdminAuth);
            }
            // A live tenant token is refused with 403, so that a client can tell a token of the
            // wrong kind from a wrong token.
            let tenant = match app {
                Some(app) => authenticate_tenant(&app, &given).await.is_ok(),
                None => false,
            };
            Err(if tenant {
                ApiError::new(
                    actix_web::http::StatusCode::FORBIDDEN,
                    "forbidden",
                    None,
                    "this path takes the operator's admin token, not a tenant's API token",
                )
            } else {
                ApiError::unauthorized("invalid admin token")
            }
            .into())
        })
    }
}
