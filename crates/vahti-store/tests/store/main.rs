//! Repository tests. Every test runs on SQLite and on PostgreSQL, each in a fresh database.

#![expect(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test bodies and fixtures outside #[test] functions fail loudly on errors"
)]

mod support;

mod accounts;
mod cluster;
mod collection;
mod copy;
mod events;
mod idempotency;
mod invoices;
mod migrations;
mod money;
mod outbox;
mod repositories;
mod self_service;
mod steps;
mod tenants;
mod transactions;
mod webhooks;
