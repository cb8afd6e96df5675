//! JSON behaviour of the wire types as the daemon and the SDK see it: round trips of every body,
//! strict requests, tolerant responses, exact values, query strings and the OpenAPI schemas.

mod fixtures;
#[cfg(feature = "openapi")]
mod openapi;
mod queries;
mod round_trip;
mod strict;
mod tolerant;
mod values;
