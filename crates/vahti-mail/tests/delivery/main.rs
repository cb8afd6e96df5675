//! Delivery tests against real SMTP servers on loopback: Vahti's test server with fault
//! injection, and Python's aiosmtpd as an independent implementation. Each test parses what the
//! server received back into its MIME parts.

#![expect(
    clippy::unwrap_used,
    reason = "helpers outside #[test] functions unwrap the valid example case"
)]

mod aiosmtpd;
mod common;
mod file;
mod smtp;
