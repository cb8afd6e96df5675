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
mod cases;
mod concurrency;
mod delivery;
mod error_codes;
mod escalation;
mod events;
mod holds;
mod imports;
mod invoices;
mod middleware;
mod openapi;
mod payments;
mod pending;
mod policies;
mod reports;
mod selfservice;
mod status;
mod tokens;
mod webhooks;
