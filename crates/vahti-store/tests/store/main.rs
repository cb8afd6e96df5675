//! Repository tests. Every test runs on SQLite and on PostgreSQL, each in a fresh database.

mod support;

mod migrations;
mod tenants;
