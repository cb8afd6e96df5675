//! Memory: resident memory per registered account whose actor has passivated, and per active
//! account actor with open invoices.

use std::time::{Duration, Instant};

use anyhow::bail;
use futures::StreamExt;
use vahti_daemon::app::App;
use vahti_daemon::service::snapshot::Loaded;
use vahti_domain::ids::{AccountId, TenantId};
use vahti_testkit::Backend;

use super::Sizes;
use crate::daemon::Daemon;
use crate::raw::RawConnection;
use crate::report::{Figure, Goal};
use crate::rss::resident_bytes;
use crate::seed::{self, Accounts};

/// Jobs sent to actors at once while activating accounts.
const ACTIVATION_CONCURRENCY: usize = 256;

/// Open invoices of each active account.
const ACTIVE_INVOICES: usize = 10;

/// The number of registered accounts the memory goals are set for.
const GOAL_REGISTERED: usize = 1_000_000;

/// Runs the memory scenario on SQLite.
pub async fn run(sizes: &Sizes) -> anyhow::Result<Vec<Figure>> {
    let registered = sizes.memory_registered;
    let active = sizes.memory_active.min(registered);
    let idle = sizes.memory_idle_seconds.max(1);
    let settings = [("VAHTI__ACTORS__IDLE_TIMEOUT_SECONDS", idle.to_string())];
    let daemon = Daemon::start(Backend::Sqlite, &settings).await?;
    let (tenant_id, _) = daemon.tenant().await?;
    let tenant = TenantId(tenant_id);
    seed::accounts(
        &daemon.app,
        tenant,
        Accounts {
            first: 0,
            count: registered - active,
            invoices_per_account: 0,
            days_overdue: 0,
        },
    )
    .await?;
    seed::accounts(
        &daemon.app,
        tenant,
        Accounts {
            first: registered - active,
            count: active,
            invoices_per_account: ACTIVE_INVOICES,
            days_overdue: 0,
        },
    )
    .await?;
    let database = &daemon.database;
    let ids: Vec<AccountId> = {
        let mut connection = RawConnection::open(database)?;
        connection
            .account_ids()?
            .into_iter()
            .map(|(id, _)| AccountId(id))
            .collect()
    };
    if ids.len() != registered {
        bail!(
            "{} accounts are registered instead of {registered}",
            ids.len()
        );
    }

    // Every account gets an actor once, which then passivates.
    let seeded = resident_bytes()?;
    activate(&daemon.app, tenant, &ids, false).await?;
    wait_for_passivation(&daemon.app, Duration::from_secs(idle * 3 + 5)).await?;
    let passivated = resident_bytes()?;
    let per_registered = passivated.saturating_sub(seeded) as f64 / registered as f64;

    // The accounts with invoices get an actor that loads them, and stay active.
    let started = Instant::now();
    activate(&daemon.app, tenant, &ids[registered - active..], true).await?;
    let with_actors = resident_bytes()?;
    let live = daemon.app.directory().active_actors();
    if live < active || started.elapsed() >= Duration::from_secs(idle) {
        bail!(
            "only {live} of {active} actors were active when memory was read: raise the idle \
             timeout of the memory scenario"
        );
    }
    let per_active = with_actors.saturating_sub(passivated) as f64 / active as f64;
    daemon.stop().await;

    let floor = task_per_account(active).await?;

    let setup_registered =
        format!("{registered} accounts registered, each activated once and passivated");
    let setup_active = format!(
        "{active} active actors with {ACTIVE_INVOICES} open invoices each, of {registered} registered"
    );
    Ok(vec![
        Figure::new(
            "memory",
            "bytes per registered account",
            per_registered,
            "B",
            setup_registered,
        )
        .goal(Goal::AtMost(1024.0))
        .sized(registered, GOAL_REGISTERED),
        Figure::new(
            "memory",
            "bytes per active actor",
            per_active,
            "B",
            setup_active,
        )
        .baseline("tokio task with a channel", floor)
        .goal(Goal::AtMost(16.0 * 1024.0))
        .sized(registered, GOAL_REGISTERED),
    ])
}

/// Runs one job on each account's actor: an empty transaction, or with `load`, a read of the
/// account and a replay of its ledger as every operation on it does.
async fn activate(
    app: &App,
    tenant: TenantId,
    ids: &[AccountId],
    load: bool,
) -> anyhow::Result<()> {
    let now = app.now();
    let failures = futures::stream::iter(ids.iter().copied())
        .map(|account| async move {
            app.on_account(tenant, account, move |tx| {
                if load {
                    Loaded::load(tx, account, now)?;
                }
                Ok(())
            })
            .await
            .is_err()
        })
        .buffer_unordered(ACTIVATION_CONCURRENCY)
        .filter(|failed| std::future::ready(*failed))
        .count()
        .await;
    if failures > 0 {
        bail!("{failures} activation jobs failed");
    }
    Ok(())
}

async fn wait_for_passivation(app: &App, limit: Duration) -> anyhow::Result<()> {
    let started = Instant::now();
    while app.directory().active_actors() > 0 {
        if started.elapsed() > limit {
            bail!(
                "{} actors were still active after {limit:?}",
                app.directory().active_actors()
            );
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // The last actor to stop gives freed memory back to the operating system. Resident memory
    // is read once no trim has finished for 300 ms.
    let mut trims = app.directory().memory_trims();
    let mut unchanged = 0;
    while unchanged < 3 && started.elapsed() <= limit {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let now = app.directory().memory_trims();
        unchanged = if now == trims { unchanged + 1 } else { 0 };
        trims = now;
    }
    Ok(())
}

/// Measures the resident memory per account of the least a live per-account mailbox needs: a
/// tokio task waiting on a bounded channel.
async fn task_per_account(count: usize) -> anyhow::Result<f64> {
    let before = resident_bytes()?;
    let mut senders = Vec::with_capacity(count);
    let mut tasks = Vec::with_capacity(count);
    for _ in 0..count {
        let (sender, mut receiver) = tokio::sync::mpsc::channel::<Box<dyn FnOnce() + Send>>(16);
        senders.push(sender);
        tasks.push(tokio::spawn(async move {
            while let Some(job) = receiver.recv().await {
                job();
            }
        }));
    }
    tokio::task::yield_now().await;
    let after = resident_bytes()?;
    drop(senders);
    for task in tasks {
        let _ = task.await;
    }
    Ok(after.saturating_sub(before) as f64 / count.max(1) as f64)
}
