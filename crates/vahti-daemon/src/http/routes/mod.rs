//! Route registration, one module per resource.

pub mod accounts;
pub mod admin;
pub mod cases;
pub mod events;
pub mod health;
pub mod holds;
pub mod imports;
pub mod invoices;
pub mod payments;
pub mod pending;
pub mod policies;
pub mod reports;
pub mod selfservice;
pub mod status;
pub mod tokens;
pub mod webhooks;

use actix_web::http::header::{self, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::{HttpResponse, ResponseError, web};

use super::error::ApiError;

/// Registers every route.
///
/// Actix tries the resources in the order they are registered, each template with parameters
/// by a regular expression. The calls integrators make most, on invoices, payments and accounts,
/// therefore come first. No two modules serve templates that match the same path, so the order
/// of the modules changes no routing.
pub fn configure(config: &mut web::ServiceConfig) {
    invoices::configure(config);
    payments::configure(config);
    accounts::configure(config);
    health::configure(config);
    admin::configure(config);
    tokens::configure(config);
    policies::configure(config);
    imports::configure(config);
    holds::configure(config);
    pending::configure(config);
    status::configure(config);
    events::configure(config);
    reports::configure(config);
    webhooks::configure(config);
    cases::configure(config);
    selfservice::configure(config);
    super::openapi::configure(config);
    crate::selfservice::configure(config);
    config.default_service(web::to(not_found));
}

/// Answers a request that no route takes: 405 with an `Allow` header when the path is served
/// with other methods, 404 otherwise.
async fn not_found(request: actix_web::HttpRequest) -> HttpResponse {
    let allowed = super::routing::table().allowed(request.path());
    if allowed.is_empty() {
        return ApiError::not_found(
            "route_not_found",
            format!(
                "no endpoint {} {}; see /openapi.json for the API",
                request.method(),
                request.path()
            ),
        )
        .error_response();
    }
    let names: Vec<&str> = allowed.iter().map(Method::as_str).collect();
    let allow = names.join(", ");
    let mut response = ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        None,
        format!(
            "{} {} is not served; this path takes {allow}",
            request.method(),
            request.path()
        ),
    )
    .error_response();
    if let Ok(value) = HeaderValue::from_str(&allow) {
        response.headers_mut().insert(header::ALLOW, value);
    }
    response
}
