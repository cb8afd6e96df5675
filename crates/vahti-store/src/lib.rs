//! Persistence of Vahti on SQLite and PostgreSQL.
//!
//! One code base serves both backends, and the database URL chooses one (see [`DatabaseUrl`]).
//! This crate owns the schema, the migrations of both backends and every SQL statement of Vahti.
//! The rest of the workspace calls the repository modules with a [`Tx`] from
//! [`Store::transaction`]. A change, its event, its outbox rows and the account's next wake-up are
//! then written together or not at all.
//!
//! All calls block. The daemon runs them on a blocking thread pool, never on an event loop.
//!
//! Money is stored as integer minor units beside its currency code and crosses this API as
//! [`vahti_domain::Money`]. Instants are UTC (`timestamptz` on PostgreSQL, fixed-width text on
//! SQLite); calendar dates are dates.

mod connection;
mod convert;
mod error;
pub mod ids;
mod locale;
mod migrate;
mod raw_insert;
mod reuse;
mod rows;
mod schema;
mod sql_types;
mod store;
mod url;

pub mod accounts;
pub mod cases;
pub mod claims;
pub mod cluster;
pub mod copy;
pub mod events;
pub mod holds;
pub mod idempotency;
pub mod imports;
pub mod invoices;
pub mod ledger;
pub mod outbox;
pub mod partners;
pub mod payments;
pub mod pending;
pub mod policies;
pub mod rates;
pub mod self_service;
pub mod steps;
pub mod tenants;
pub mod tokens;
pub mod webhooks;

pub use error::StoreError;
pub use locale::Locale;
pub use store::{Store, StoreOptions, Tx};
pub use url::{Backend, DatabaseUrl};
