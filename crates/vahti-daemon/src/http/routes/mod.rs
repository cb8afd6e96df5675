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

use actix_web::{HttpResponse, web};

use super::error::ApiError;

/// Registers every route.
pub fn configure(config: &mut web::ServiceConfig) {
    health::configure(config);
    admin::configure(config);
    tokens::configure(config);
    policies::configure(config);
    accounts::configure(config);
    invoices::configure(config);
    payments::configure(config);
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

async fn not_found(request: actix_web::HttpRequest) -> Result<HttpResponse, ApiError> {
    Err(ApiError::not_found(
        "route_not_found",
        format!(
            "no endpoint {} {}; see /openapi.json for the API",
            request.method(),
            request.path()
        ),
    ))
}
