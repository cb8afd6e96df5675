//! HTTP API tests against the real daemon: its HTTP server on a free loopback port, a fresh
//! database per test (SQLite and PostgreSQL), the manual clock and the file mail transport.

#![expect(
    clippy::unwrap_used,
    reason = "the test harness fails the test with a panic when setup fails"
)]

mod support;

mod accounts;
mod admin;
mod browser;
mod imports;
mod invoices;
mod payments;
mod status;
// Resource tests are added below, one module per resource.
mod cases;
mod escalation;
mod events;
mod holds;
mod openapi;
mod pending;
mod policies;
mod reports;
mod selfservice;
mod tokens;
mod webhooks;
