//! The daily run: every account due at once, timed from the scheduler's wake-up until every
//! account's actions (step history, fees, events, outbox emails, next wake-up) are committed.

use std::time::Instant;

use anyhow::bail;
use vahti_daemon::scheduler;
use vahti_domain::ids::TenantId;
use vahti_testkit::{Backend, TestDatabase};

use super::Sizes;
use crate::daemon::Daemon;
use crate::raw::RawConnection;
use crate::report::{Figure, Goal};
use crate::seed::{self, Accounts};

/// Days the seeded invoices are overdue: past the first reminder (7 days after the due date in
/// the default consumer policy) and before the second.
const DAYS_OVERDUE: u64 = 10;

/// The number of accounts the daily run's goal is set for.
const GOAL_ACCOUNTS: usize = 100_000;

/// Runs the daily run on SQLite and returns its figures and the database, which then holds
/// `daily_accounts * daily_invoices_per_account` invoices.
pub async fn run(sizes: &Sizes) -> anyhow::Result<(Vec<Figure>, TestDatabase)> {
    let invoices = sizes.daily_accounts * sizes.daily_invoices_per_account;
    let database = seeded(sizes).await?;

    let daemon = Daemon::start_on(database, &[]).await?;
    let started = Instant::now();
    let woken = scheduler::run_once(&daemon.app).await;
    let elapsed = started.elapsed();
    let now = daemon.app.now();
    let database = daemon.stop().await;
    if woken != sizes.daily_accounts {
        bail!(
            "the scheduler woke {woken} accounts instead of {}",
            sizes.daily_accounts
        );
    }

    let (database, counts) = tokio::task::spawn_blocking(move || {
        let counts = baseline(&database, now);
        (database, counts)
    })
    .await?;
    let (baseline, steps, emails) = counts?;
    if steps == 0 {
        bail!("the daily run recorded no steps for {invoices} invoices");
    }

    let setup = format!(
        "{} accounts with {} open invoices each ({invoices} invoices), SQLite, scheduler \
         batch 500 and 500 accounts per transaction (defaults); recorded {steps} steps and \
         {emails} emails in the pass",
        sizes.daily_accounts, sizes.daily_invoices_per_account
    );
    let figures = vec![
        Figure::new(
            "daily",
            "wake-up to all recorded",
            elapsed.as_secs_f64(),
            "s",
            setup.clone(),
        )
        .goal(Goal::AtMost(10.0))
        .sized(sizes.daily_accounts, GOAL_ACCOUNTS),
        Figure::new(
            "daily",
            "accounts per second",
            sizes.daily_accounts as f64 / elapsed.as_secs_f64(),
            "/s",
            setup,
        )
        .baseline("raw read and write per account", baseline),
    ];
    Ok((figures, database))
}

/// Creates a SQLite database with the daily run's accounts, all due now.
pub async fn seeded(sizes: &Sizes) -> anyhow::Result<TestDatabase> {
    let daemon = Daemon::start(Backend::Sqlite, &[]).await?;
    let (tenant, _) = daemon.tenant().await?;
    seed::accounts(
        &daemon.app,
        TenantId(tenant),
        Accounts {
            first: 0,
            count: sizes.daily_accounts,
            invoices_per_account: sizes.daily_invoices_per_account,
            days_overdue: DAYS_OVERDUE,
        },
    )
    .await?;
    Ok(daemon.stop().await)
}

/// Counts what the run recorded, then runs the raw per-account baseline on the same database
/// and returns its accounts per second with the counts of steps and emails.
fn baseline(
    database: &TestDatabase,
    now: chrono::DateTime<chrono::Utc>,
) -> anyhow::Result<(f64, i64, i64)> {
    let mut connection = RawConnection::open(database)?;
    let steps = connection.count("SELECT COUNT(*) FROM step_history")?;
    let emails = connection.count("SELECT COUNT(*) FROM outbox WHERE kind = 'email'")?;
    let accounts: Vec<i64> = connection
        .account_ids()?
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    let started = Instant::now();
    connection.read_and_record(&accounts, now)?;
    let rate = accounts.len() as f64 / started.elapsed().as_secs_f64();
    Ok((rate, steps, emails))
}
