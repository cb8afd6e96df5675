//! End-to-end test of the main job: the real `vahtid` binary, a real database (SQLite, then
//! PostgreSQL), Python's aiosmtpd as the SMTP server, and the SDK as the integrator.
//!
//! The public sample files go through import (Finvoice invoices, a camt.054 notification),
//! escalation over the manual clock, payment matching, approval in guided mode and hand-over to
//! a collection agency that receives its cases as files. Every email that reaches the SMTP server
//! is checked for its recipient, step, amounts, reference and bank barcode.
//!
//! Needs `python3` with `aiosmtpd` and the PostgreSQL server that `scripts/test` provides.

#![expect(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "the test fails with a panic that names the step that went wrong"
)]

mod daemon;
mod mailbox;
mod scenario;

use vahti_testkit::Backend;

#[test]
fn main_job_on_sqlite() {
    scenario::run(Backend::Sqlite);
}

#[test]
fn main_job_on_postgres() {
    scenario::run(Backend::Postgres);
}
