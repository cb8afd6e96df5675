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
use actix_web::{HttpMessage, HttpResponse, web};
use futures::StreamExt;
use sha2::{Digest, Sha256};
use vahti_api::limits::{MAX_BATCH_BODY_BYTES, MAX_IMPORT_BODY_BYTES};
use vahti_api::paths;
use vahti_domain::ids::TenantId;
use vahti_store::idempotency;

use super::auth::TenantAuth;
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
    // The authentication middleware has resolved the tenant of every tenant operation; without
    // one (admin paths, unknown routes) the key does not apply.
    let Some(auth) = request.extensions().get::<TenantAuth>().copied() else {
        return next.call(request).await;
    };

    let path = request.path().to_owned();
    let body = read_body(&mut request, &path, app.config().server.max_body_bytes).await?;
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

/// Whether a path takes a raw file rather than JSON.
fn is_import(path: &str) -> bool {
    path == paths::IMPORT_INVOICES || path == paths::IMPORT_PAYMENTS
}

/// The largest body the middleware buffers for a path: the limit of the route itself, so that
/// a body the route accepts is never cut short here.
fn body_limit(path: &str, max_body: usize) -> usize {
    if is_import(path) {
        MAX_IMPORT_BODY_BYTES
    } else if path == paths::INVOICES_BATCH {
        MAX_BATCH_BODY_BYTES.max(max_body)
    } else {
        max_body
    }
}

/// Reads the whole request body up to the limit of its route, answering 413 with the same error
/// body as the route beyond it.
async fn read_body(
    request: &mut ServiceRequest,
    path: &str,
    max_body: usize,
) -> Result<web::Bytes, ApiError> {
    let limit = body_limit(path, max_body);
    let mut payload = request.take_payload();
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|error| {
            ApiError::bad_request(
                "body_invalid",
                None,
                format!("the request body could not be read: {error}"),
            )
        })?;
        if body.len().saturating_add(chunk.len()) > limit {
            return Err(ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "body_too_large",
                None,
                if is_import(path) {
                    format!(
                        "the file is larger than the limit of {limit} bytes; split it into smaller files"
                    )
                } else {
                    format!(
                        "the request body is larger than the limit of {limit} bytes; send fewer items per request"
                    )
                },
            ));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}
