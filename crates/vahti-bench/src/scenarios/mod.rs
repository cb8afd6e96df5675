//! The scenarios and their sizes.

pub mod api;
pub mod daily;
pub mod email;
pub mod ingest;
pub mod memory;
pub mod restart;

use std::time::Duration;

use serde::Serialize;

/// The sizes of every scenario.
#[derive(Debug, Clone, Serialize)]
pub struct Sizes {
    /// Accounts the ingested invoices belong to.
    pub ingest_accounts: usize,
    /// Invoices ingested through the batch API.
    pub ingest_invoices: usize,
    /// Invoices per batch request.
    pub ingest_batch: usize,
    /// Accounts in the daily run, all due at once.
    pub daily_accounts: usize,
    /// Open invoices per account in the daily run.
    pub daily_invoices_per_account: usize,
    /// Emails rendered and delivered.
    pub email_messages: usize,
    /// SMTP connections for emails; the daemon runs twice as many deliveries in flight.
    pub email_connections: u32,
    /// Registered accounts in the memory scenario.
    pub memory_registered: usize,
    /// Active account actors, each with open invoices, in the memory scenario.
    pub memory_active: usize,
    /// The actors' idle timeout in the memory scenario, in seconds: long enough for every active
    /// actor to still run when memory is read, short enough to wait for passivation.
    pub memory_idle_seconds: u64,
    /// Invoice upserts per second in the API scenario.
    pub api_rate: u32,
    /// Length of the API scenario's load.
    pub api_duration: Duration,
    /// Starts measured per restart figure; the median is reported.
    pub restart_runs: usize,
}

impl Sizes {
    /// The sizes of the goals: 1,000,000 invoices and accounts where the goals name them.
    pub fn full() -> Sizes {
        Sizes {
            ingest_accounts: 10_000,
            ingest_invoices: 200_000,
            ingest_batch: 1_000,
            daily_accounts: 100_000,
            daily_invoices_per_account: 10,
            email_messages: 20_000,
            email_connections: 64,
            memory_registered: 1_000_000,
            memory_active: 10_000,
            memory_idle_seconds: 20,
            api_rate: 2_000,
            api_duration: Duration::from_secs(20),
            restart_runs: 3,
        }
    }

    /// A tenth of [`Sizes::full`] for the data, with the same rates.
    pub fn medium() -> Sizes {
        Sizes {
            ingest_accounts: 1_000,
            ingest_invoices: 20_000,
            daily_accounts: 10_000,
            email_messages: 5_000,
            memory_registered: 100_000,
            memory_active: 5_000,
            api_duration: Duration::from_secs(10),
            ..Sizes::full()
        }
    }

    /// Sizes that run every scenario in seconds, to prove the harness works.
    pub fn tiny() -> Sizes {
        Sizes {
            ingest_accounts: 10,
            ingest_invoices: 200,
            ingest_batch: 50,
            daily_accounts: 20,
            daily_invoices_per_account: 3,
            email_messages: 20,
            email_connections: 2,
            memory_registered: 200,
            memory_active: 20,
            memory_idle_seconds: 1,
            api_rate: 50,
            api_duration: Duration::from_secs(1),
            restart_runs: 1,
        }
    }
}
