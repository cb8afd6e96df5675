//! The daemon's business logic: every state change of an account, as blocking functions that run
//! inside one database transaction on the account's actor.
//!
//! A service function reads what it needs, validates the change with `vahti-domain`, and writes
//! the new state, its events, its outbox rows and the account's `next_action_at` together. The
//! HTTP handlers, the scheduler and the outbox sender only call these functions.

pub mod accounts;
pub mod cases;
pub mod context;
pub mod delivery;
pub mod events;
pub mod holds;
pub mod imports;
pub mod invoices;
pub mod messages;
pub mod payments;
pub mod pending;
pub mod policies;
pub mod reports;
pub mod selfservice;
pub mod snapshot;
pub mod status;
pub mod tenants;
pub mod tokens;
pub mod wake;
pub mod webhooks;

pub use context::AccountContext;
pub use snapshot::Loaded;
