//! `Idempotency-Key` on POST requests.
//!
//! The first request with a key runs and its response (status and body) is stored with a hash
//! of the method, path and body. The same key with the same request replays the stored
//! response; the same key with another request is a 409. Requests with one key run one at a
//! time within this daemon, so a retry that arrives while the first attempt still runs waits for
//! it and then replays its response. Responses with status 500 or above are not stored, so the
//! client can retry them. Keys are scoped to the tenant of the bearer token; admin requests are
//! not covered.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use actix_web::body::{self, BoxBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{HttpResponse, web};
use sha2::{Digest, Sha256};
use vahti_domain::ids::TenantId;
use vahti_store::idempotency;

use super::auth::{authenticate_tenant, bearer_token};
use super::error::ApiError;
use crate::app::App;

/// The request header.
pub const HEADER: &str = "idempotency-key";

/// The longest accepted key.
const MAX_KEY_CHARS: usize = 255;

type KeyLocks = Mutex<HashMap<(TenantId, String), Arc<tokio::sync::Mutex<()>>>>;

fn locks() -> &'static KeyLocks {
    static LOCKS: OnceLock<KeyLocks> = OnceLock::new();
    LOCKS.get_or_init(|| Mutex::new(HashMap::new()))
}

/// Replays or records responses of POST requests that carry an `Idempotency-Key`.
pub async fn middleware(
    mut request: ServiceRequest,
    next: Next<BoxBody>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    if request.method() != Method::POST {
        return next.call(request).await;
    }
    let Some(key) = request
        .headers()
        .get(HEADER)
        .map(|value| value.to_str().map(str::to_owned))
    else {
        return next.call(request).await;
    };
    let key = key.map_err(|_| {
        ApiError::bad_request(
            "idempotency_key_invalid",
            None,
            "Idempotency-Key must be printable ASCII",
        )
    })?;
    if key.is_empty()
        || key.chars().count() > MAX_KEY_CHARS
        || !key.bytes().all(|b| b.is_ascii_graphic())
    {
        return Err(ApiError::bad_request(
            "idempotency_key_invalid",
            None,
            format!("Idempotency-Key must be 1 to {MAX_KEY_CHARS} printable ASCII characters without spaces"),
        )
        .into());
    }

    let Some(app) = request.app_data::<web::Data<App>>().cloned() else {
        return next.call(request).await;
    };
    let Some(token) = bearer_token(request.request()).map(str::to_owned) else {
        // No tenant: the handler's own authentication answers.
        return next.call(request).await;
    };
    let Ok(auth) = authenticate_tenant(&app, &token).await else {
        return next.call(request).await;
    };

    let body = request.extract::<web::Bytes>().await?;
    let mut hasher = Sha256::new();
    hasher.update(request.method().as_str().as_bytes());
    hasher.update(b" ");
    hasher.update(request.uri().path().as_bytes());
    hasher.update(b"\n");
    hasher.update(&body);
    let hash = hex::encode(hasher.finalize());
    request.set_payload(actix_web::dev::Payload::from(body));

    let lock = {
        let mut map = locks().lock().map_err(|_| {
            ApiError::from(crate::error::ServiceError::internal(
                "idempotency lock poisoned",
            ))
        })?;
        Arc::clone(map.entry((auth.tenant, key.clone())).or_default())
    };
    let _guard = lock.lock().await;

    let lookup_key = key.clone();
    let stored = app
        .read(move |tx| Ok(idempotency::lookup(tx, auth.tenant, &lookup_key)?))
        .await
        .map_err(ApiError::from)?;
    if let Some(stored) = stored {
        if stored.request_hash != hash {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                "idempotency_key_reused",
                None,
                "this Idempotency-Key was used for a different request; use a new key for every new request",
            )
            .into());
        }
        let status = u16::try_from(stored.response_status)
            .ok()
            .and_then(|code| StatusCode::from_u16(code).ok())
            .unwrap_or(StatusCode::OK);
        let response = HttpResponse::build(status)
            .insert_header((
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            ))
            .insert_header(("idempotent-replayed", "true"))
            .body(stored.response_body);
        return Ok(request.into_response(response));
    }

    let response = next.call(request).await?;
    let status = response.status();
    if status.is_server_error() {
        return Ok(response);
    }

    let (http_request, http_response) = response.into_parts();
    let (head, body) = http_response.into_parts();
    let bytes = body::to_bytes(body).await.map_err(|_| {
        ApiError::from(crate::error::ServiceError::internal(
            "failed to read the response body",
        ))
    })?;
    let text = String::from_utf8_lossy(&bytes).into_owned();
    let now = app.now();
    let stored_key = key;
    let stored = app
        .write(move |tx| {
            Ok(idempotency::store(
                tx,
                auth.tenant,
                &stored_key,
                &hash,
                i32::from(status.as_u16()),
                &text,
                now,
            )?)
        })
        .await;
    if let Err(error) = stored {
        tracing::warn!(error = %error, "failed to store an idempotent response; a retry will run again");
    }
    let http_response = head.set_body(BoxBody::new(bytes));
    Ok(ServiceResponse::new(http_request, http_response).map_into_boxed_body())
}
