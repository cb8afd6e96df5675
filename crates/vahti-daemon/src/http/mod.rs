//! The HTTP API under `/v1`, plus `/healthz`, `/readyz`, `/metrics` and `/openapi.json`.
//!
//! Handlers authenticate, convert wire types from `vahti-api` into service calls, and convert
//! the results back. Business rules live in [`crate::service`].

mod admission;
pub mod auth;
pub mod convert;
pub mod error;
mod idempotency;
mod observe;
pub mod openapi;
pub mod routes;
pub mod routing;

use std::net::TcpListener;
use std::time::Duration;

use actix_web::dev::Server;
use actix_web::middleware::from_fn;
use actix_web::{HttpServer, web};

use crate::app::App;

/// Builds the HTTP server on an already bound listener. The server does not handle signals; the
/// daemon stops it as part of its own drain.
pub fn server(app: App, listener: TcpListener) -> std::io::Result<Server> {
    let workers = match app.config().server.workers {
        0 => std::thread::available_parallelism().map_or(2, usize::from),
        workers => workers,
    };
    let shutdown_timeout = app.config().server.shutdown_timeout_seconds;
    let max_body = app.config().server.max_body_bytes;
    let admission = web::Data::new(admission::WriteAdmission::new(
        app.config().server.max_pending_writes,
    ));
    let data = web::Data::new(app);

    let server = HttpServer::new(move || {
        actix_web::App::new()
            .app_data(data.clone())
            .app_data(admission.clone())
            .app_data(
                web::JsonConfig::default()
                    .limit(max_body)
                    .error_handler(error::json_error),
            )
            .app_data(web::PayloadConfig::new(max_body))
            .app_data(web::PathConfig::default().error_handler(error::path_error))
            .app_data(web::QueryConfig::default().error_handler(error::query_error))
            .wrap(from_fn(idempotency::middleware))
            .wrap(from_fn(auth::middleware))
            .wrap(from_fn(admission::middleware))
            .wrap(from_fn(observe::middleware))
            .configure(routes::configure)
    })
    .workers(workers)
    .disable_signals()
    .shutdown_timeout(shutdown_timeout)
    .client_request_timeout(Duration::from_secs(30))
    .listen(listener)?
    .run();
    Ok(server)
}
