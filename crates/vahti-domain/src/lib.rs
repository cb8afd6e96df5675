//! Pure domain logic of Vahti.
//!
//! This crate owns the rules: money and currencies, Finnish payment identifiers and payment codes,
//! the banking calendar and send windows, penalty interest, the ledger of one customer account,
//! collection policies with their legal checks, and the escalation planner.
//!
//! It performs no I/O and has no async code. Time is always passed in by the caller, so every
//! function here is deterministic and can be tested without a clock, a database or a network.

pub mod calendar;
pub mod debtor;
pub mod error;
pub mod ident;
pub mod ids;
pub mod interest;
pub mod ledger;
pub mod legal;
pub mod money;
pub mod paycode;
pub mod planner;
pub mod policy;

pub use debtor::DebtorType;
pub use error::ErrorCode;
pub use money::{Currency, Money, MoneyError};
