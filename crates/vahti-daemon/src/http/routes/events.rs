//! Routes of this resource; not served yet.

use actix_web::web;

/// Registers the routes of this resource.
pub fn configure(_config: &mut web::ServiceConfig) {}
