//! Tests of the client against a scripted HTTP server on loopback: retries, idempotency keys,
//! the path and method of every endpoint, pagination and the event stream.
//!
//! The modules are marked `cfg(test)` so that the workspace lints treat their helper functions
//! as test code.

#[cfg(test)]
mod endpoints;
#[cfg(test)]
mod retries;
#[cfg(test)]
mod server;
#[cfg(test)]
mod streams;
