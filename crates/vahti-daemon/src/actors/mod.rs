//! Account actors: one serial worker per (tenant, customer account).
//!
//! All changes to one account run through its actor, one at a time and in arrival order, so they
//! never race each other. The actor itself holds no business logic: it runs jobs (closures that
//! do the database work) on the blocking thread pool, never on its own event loop, and awaits
//! each job before it takes the next message. Everything about actix stays inside this module;
//! the rest of the daemon sees only [`Directory::run`].
//!
//! Actors are activated on the first job for their account and passivated after an idle period,
//! so memory follows the active accounts, not all accounts. A caller that reaches an actor just
//! as it stops gets its job re-sent to a fresh actor once.

mod account;
mod directory;

pub use directory::{AccountKey, Directory, DirectoryConfig};

/// An error from running a job on an account actor.
#[derive(Debug, thiserror::Error)]
pub enum ActorError {
    /// The job panicked. The actor stopped, and the next job for the account starts a new one.
    #[error("the worker for account {account} failed while running a job: {detail}")]
    JobPanicked {
        /// The account.
        account: AccountKey,
        /// What the panic said, when it carried a message.
        detail: String,
    },

    /// The directory is shutting down and accepts no new jobs.
    #[error("the daemon is shutting down and accepts no new work; retry against a running daemon")]
    ShuttingDown,

    /// The actor stopped before it could take the job, twice in a row.
    #[error("the worker for account {account} stopped before it could take the job; retry")]
    Unavailable {
        /// The account.
        account: AccountKey,
    },
}

impl vahti_domain::ErrorCode for ActorError {
    fn code(&self) -> &'static str {
        match self {
            ActorError::JobPanicked { .. } => "internal_error",
            ActorError::ShuttingDown => "shutting_down",
            ActorError::Unavailable { .. } => "account_busy",
        }
    }
}

#[cfg(test)]
mod tests;
