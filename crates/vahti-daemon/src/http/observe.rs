//! Request ids, request spans, access logs and HTTP metrics.

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::web;
use tracing::Instrument;

use crate::app::App;

/// The header that carries the request id, taken from the client when it sends a valid one.
pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Wraps every request in a span with its id, logs it, and counts it by route pattern.
pub async fn middleware(
    request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let request_id = request
        .headers()
        .get(&REQUEST_ID)
        .and_then(|value| value.to_str().ok())
        .filter(|value| {
            !value.is_empty() && value.len() <= 64 && value.bytes().all(|b| b.is_ascii_graphic())
        })
        .map_or_else(|| uuid::Uuid::new_v4().simple().to_string(), str::to_owned);
    let method = request.method().as_str().to_owned();
    // The API's own table finds the template without actix's walk over every registered
    // resource. The pages outside the API document fall back to that walk.
    let route = super::routing::table()
        .template(request.path())
        .map(str::to_owned)
        .or_else(|| request.match_pattern())
        .unwrap_or_else(|| "unmatched".to_owned());
    let app = request.app_data::<web::Data<App>>().cloned();

    let span = tracing::info_span!(
        "request",
        request.id = %request_id,
        http.method = %method,
        http.route = %route,
    );
    let result = next.call(request).instrument(span.clone()).await;

    let status = match &result {
        Ok(response) => response.status(),
        Err(error) => error.as_response_error().status_code(),
    };
    let elapsed = started.elapsed();
    if let Some(app) = &app {
        let metrics = app.metrics();
        metrics
            .http_requests
            .with_labels([&method, &route, status.as_str()])
            .inc();
        metrics.http_request_duration.observe_duration(elapsed);
    }
    span.in_scope(|| {
        let duration_ms = u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX);
        if status.is_server_error() {
            tracing::error!(http.status = status.as_u16(), duration_ms, "request failed");
        } else {
            tracing::debug!(http.status = status.as_u16(), duration_ms, "request served");
        }
    });

    let mut response = result?;
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        response.headers_mut().insert(REQUEST_ID, value);
    }
    Ok(response)
}
