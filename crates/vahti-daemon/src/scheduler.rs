//! The scheduler: one poller over the accounts' `next_action_at`, with no timer per account.
//!
//! Each poll fetches the accounts whose next action is due, in batches ordered by time, and wakes
//! the accounts of each tenant together, up to `scheduler.accounts_per_transaction` in one
//! transaction ([`wake::wake_many`]), or each alone on its actor when that setting is 1 or the
//! shared transaction fails. After downtime the first poll finds every account whose wake-up passed
//! while the daemon was down, so missed wake-ups are caught up. A manual clock that moves wakes
//! the poller at once.
//!
//! In a cluster the poll lists only the accounts of the shards this daemon holds, and each
//! wake-up checks in its transaction that the lease is still held (see [`crate::cluster`]).

use std::collections::VecDeque;
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use futures::StreamExt;
use vahti_domain::ids::{AccountId, TenantId};
use vahti_store::accounts::{self, DueAccount, DueCursor};
use vahti_store::cluster::{self, HeldLease};

use crate::app::App;
use crate::error::{ServiceError, ServiceResult};
use crate::outbox;
use crate::service::wake;
use crate::shutdown::ShutdownToken;

/// Delay before an account whose wake-up failed is tried again.
const RETRY_AFTER_FAILURE: TimeDelta = TimeDelta::minutes(5);

/// Most polls [`run_until_idle`] makes before it gives up, so that a bug that keeps an account
/// due cannot hang an admin request.
const MAX_IDLE_ROUNDS: usize = 1000;

/// Polls until shutdown.
pub async fn run(app: App, shutdown: ShutdownToken) {
    let poll = Duration::from_millis(app.config().scheduler.poll_interval_ms.max(10));
    let mut clock_changes = app.clock().subscribe();
    tracing::info!(poll_interval_ms = poll.as_millis(), "scheduler started");

    loop {
        if shutdown.is_triggered() {
            break;
        }
        run_once(&app).await;

        let clock_moved = async {
            match clock_changes.as_mut() {
                Some(receiver) => {
                    if receiver.changed().await.is_err() {
                        std::future::pending::<()>().await;
                    }
                }
                None => std::future::pending::<()>().await,
            }
        };
        tokio::select! {
            () = shutdown.triggered() => break,
            () = tokio::time::sleep(poll) => {}
            () = app.scheduler_nudged() => {}
            () = clock_moved => {}
        }
    }
    tracing::info!("scheduler stopped");
}

/// Wakes every account that is due now and returns how many were woken.
pub async fn run_once(app: &App) -> usize {
    let _round = app.scheduler_round().await;
    let now = app.now();
    let batch_size = i64::from(app.config().scheduler.batch_size.max(1));
    let concurrency = app.config().scheduler.concurrency.max(1);
    app.metrics().scheduler_runs.inc();

    let scope = app.cluster().scope();
    let account_shards = scope.account_shards();
    if account_shards.as_ref().is_some_and(Vec::is_empty) {
        app.metrics().accounts_due.set(0);
        return 0;
    }

    let together = usize::try_from(app.config().scheduler.accounts_per_transaction)
        .unwrap_or(usize::MAX)
        .max(1);
    // On SQLite the next group is read and planned while the current one is written.
    let read_ahead = together > 1 && app.store().write_commits().is_some();

    let mut cursor: Option<DueCursor> = None;
    let mut listed_all = false;
    let mut woken = 0;
    let mut groups: VecDeque<Vec<DueAccount>> = VecDeque::new();
    let mut ahead: Option<ReadAhead> = None;
    loop {
        // Keep the group after the current one listed, so that it can be read ahead.
        if !listed_all && groups.len() < 2 {
            let after = cursor;
            let shards = account_shards.clone();
            let batch = match app
                .read(move |tx| {
                    Ok(match &shards {
                        Some(shards) => {
                            accounts::due_in_shards(tx, now, after, batch_size, shards)?
                        }
                        None => accounts::due(tx, now, after, batch_size)?,
                    })
                })
                .await
            {
                Ok(batch) => batch,
                Err(error) => {
                    tracing::error!(error = %error, "scheduler failed to read due accounts");
                    break;
                }
            };
            let Some(last) = batch.last() else {
                listed_all = true;
                continue;
            };
            cursor = Some(last.cursor());
            woken += batch.len();
            app.metrics()
                .accounts_due
                .set(i64::try_from(batch.len()).unwrap_or(i64::MAX));

            if together == 1 {
                wake_each(app, &scope, batch, now, concurrency).await;
            } else {
                for group in tenant_groups(batch) {
                    groups.extend(group.chunks(together).map(<[DueAccount]>::to_vec));
                }
            }
            continue;
        }
        let Some(group) = groups.pop_front() else {
            break;
        };
        let preloaded = match ahead.take() {
            Some(read) => read.finish().await,
            None => None,
        };
        if read_ahead
            && let (Some(next), Some(commits)) = (groups.front(), app.store().write_commits())
        {
            ahead = Some(ReadAhead::start(app, next, now, commits));
        }
        wake_group(app, &scope, group, now, concurrency, preloaded).await;
    }
    if woken == 0 {
        app.metrics().accounts_due.set(0);
    }
    woken
}

/// The next group of accounts, being read and planned in a read transaction on the blocking pool
/// while the current group is written.
struct ReadAhead {
    tenant: TenantId,
    accounts: usize,
    task: tokio::task::JoinHandle<ServiceResult<wake::Preloaded>>,
}

impl ReadAhead {
    fn start(app: &App, group: &[DueAccount], now: DateTime<Utc>, read_after: u64) -> ReadAhead {
        let tenant = group[0].tenant_id;
        let ids: Vec<AccountId> = group.iter().map(|due| due.id).collect();
        let ids_len = ids.len();
        let store = app.store().clone();
        let task = tokio::task::spawn_blocking(move || {
            store.read(|tx| wake::preload(tx, tenant, &ids, now, read_after))
        });
        ReadAhead {
            tenant,
            accounts: ids_len,
            task,
        }
    }

    /// Waits for the reading and returns it, or nothing when it failed: the group's write
    /// transaction then reads the accounts itself and meets the same error in its own way.
    async fn finish(self) -> Option<wake::Preloaded> {
        match self.task.await {
            Ok(Ok(preloaded)) => Some(preloaded),
            Ok(Err(error)) => {
                tracing::debug!(
                    tenant.id = self.tenant.0,
                    accounts = self.accounts,
                    code = error.code(),
                    error = %error,
                    "reading accounts ahead failed; reading them in their transaction"
                );
                None
            }
            Err(error) => {
                tracing::error!(
                    tenant.id = self.tenant.0,
                    accounts = self.accounts,
                    error = %error,
                    "reading accounts ahead panicked; reading them in their transaction"
                );
                None
            }
        }
    }
}

/// The error code of a wake-up whose shard lease this daemon lost before it could commit.
const LEASE_LOST: &str = "shard_lease_lost";

/// Splits a batch of due accounts by tenant, keeping their order within each tenant.
fn tenant_groups(batch: Vec<DueAccount>) -> Vec<Vec<DueAccount>> {
    let mut groups: Vec<Vec<DueAccount>> = Vec::new();
    for due in batch {
        match groups
            .iter_mut()
            .find(|group| group[0].tenant_id == due.tenant_id)
        {
            Some(group) => group.push(due),
            None => groups.push(vec![due]),
        }
    }
    groups
}

/// Wakes due accounts of one tenant in one transaction ([`wake::wake_many`]). When that fails,
/// wakes each on its actor instead, so that an account whose wake-up fails is postponed alone
/// and the others go ahead.
///
/// `preloaded` is used when it is still current (see [`wake::wake_many_preloaded`]).
async fn wake_group(
    app: &App,
    scope: &crate::cluster::Scope,
    group: Vec<DueAccount>,
    now: DateTime<Utc>,
    concurrency: usize,
    preloaded: Option<wake::Preloaded>,
) {
    let tenant = group[0].tenant_id;
    let ids: Vec<AccountId> = group.iter().map(|due| due.id).collect();
    let mut leases: Vec<HeldLease> = group
        .iter()
        .filter_map(|due| scope.lease_for(due.shard))
        .collect();
    leases.sort_by_key(|lease| (lease.shard, lease.epoch));
    leases.dedup();
    let node_id = app.cluster().node_id().to_owned();
    let result = app
        .write(move |tx| {
            for lease in leases {
                check_lease(tx, &node_id, lease)?;
            }
            // Waking changes rows of these accounts alone, so the group read ahead for the
            // next transaction stays current.
            tx.touches_only(&ids);
            wake::wake_many_preloaded(tx, tenant, &ids, now, preloaded)
        })
        .await;
    match result {
        Ok((reports, ahead)) => {
            match ahead {
                wake::ReadAhead::None => {}
                wake::ReadAhead::Used => app.metrics().wake_groups_read_ahead.inc(),
                wake::ReadAhead::ReadAgain => app.metrics().wake_groups_read_again.inc(),
            }
            if reports.iter().any(|report| report.emails_queued > 0) {
                app.nudge_outbox();
            }
            for (due, report) in group.iter().zip(&reports) {
                log_woken(due, report);
            }
            return;
        }
        Err(error) if error.code() == LEASE_LOST => {
            tracing::debug!(
                tenant.id = tenant.0,
                accounts = group.len(),
                "a shard's lease moved while waking accounts together; waking them one at a time"
            );
        }
        Err(error) => {
            app.metrics().shared_wake_failures.inc();
            tracing::warn!(
                tenant.id = tenant.0,
                accounts = group.len(),
                code = error.code(),
                error = %error,
                "waking accounts together failed; waking them one at a time"
            );
        }
    }
    wake_each(app, scope, group, now, concurrency).await;
}

/// Wakes each account alone on its actor, `concurrency` at a time.
async fn wake_each(
    app: &App,
    scope: &crate::cluster::Scope,
    accounts: Vec<DueAccount>,
    now: DateTime<Utc>,
    concurrency: usize,
) {
    futures::stream::iter(accounts)
        .for_each_concurrent(concurrency, |due| {
            let lease = scope.lease_for(due.shard);
            wake_one(app, due, lease, now)
        })
        .await;
}

/// Logs what a wake-up did, when it did anything.
fn log_woken(due: &DueAccount, report: &wake::WakeReport) {
    let executed = report.emails_queued + report.pending_created;
    if executed > 0 || report.steps_skipped > 0 {
        tracing::info!(
            tenant.id = due.tenant_id.0,
            account.id = due.id.0,
            emails_queued = report.emails_queued,
            pending_created = report.pending_created,
            steps_skipped = report.steps_skipped,
            steps_failed = report.steps_failed,
            "account woken"
        );
    }
}

async fn wake_one(app: &App, due: DueAccount, lease: Option<HeldLease>, now: DateTime<Utc>) {
    let account = due.id;
    let node_id = app.cluster().node_id().to_owned();
    let result = app
        .on_account(due.tenant_id, account, move |tx| {
            if let Some(lease) = lease {
                check_lease(tx, &node_id, lease)?;
            }
            wake::wake(tx, account, now)
        })
        .await;
    match result {
        Ok(report) => {
            if report.emails_queued > 0 {
                app.nudge_outbox();
            }
            log_woken(&due, &report);
        }
        Err(error) if error.code() == LEASE_LOST => {
            tracing::debug!(
                tenant.id = due.tenant_id.0,
                account.id = account.0,
                shard = due.shard,
                "skipped a wake-up: the shard's lease moved to another daemon"
            );
        }
        Err(error) => {
            tracing::error!(
                tenant.id = due.tenant_id.0,
                account.id = account.0,
                code = error.code(),
                error = %error,
                "waking the account failed; retrying later"
            );
            let retry_at = now + RETRY_AFTER_FAILURE;
            let postponed = app
                .on_account(due.tenant_id, account, move |tx| {
                    Ok(accounts::set_next_action_at(tx, account, Some(retry_at))?)
                })
                .await;
            if let Err(error) = postponed {
                tracing::error!(
                    tenant.id = due.tenant_id.0,
                    account.id = account.0,
                    error = %error,
                    "failed to postpone the account after a failed wake-up"
                );
            }
        }
    }
}

/// Fails with [`LEASE_LOST`] unless this daemon still holds `lease`, and keeps the lease from
/// being taken over until the transaction ends.
fn check_lease(tx: &mut vahti_store::Tx<'_>, node_id: &str, lease: HeldLease) -> ServiceResult<()> {
    if cluster::holds(tx, node_id, lease)? {
        return Ok(());
    }
    Err(ServiceError::conflict(
        LEASE_LOST,
        None,
        format!(
            "this daemon no longer holds the lease of shard {} with epoch {}; the shard's new \
             holder wakes the account",
            lease.shard, lease.epoch
        ),
    ))
}

/// Runs the scheduler and the outbox until nothing is due at the current instant. Used after the
/// manual clock moves, so that a test or the demo sees every consequence before it goes on.
pub async fn run_until_idle(app: &App) -> usize {
    let mut total = 0;
    for _ in 0..MAX_IDLE_ROUNDS {
        let woken = run_once(app).await;
        let delivered = outbox::deliver_due(app).await;
        total += woken + delivered;
        if woken == 0 && delivered == 0 {
            return total;
        }
    }
    tracing::warn!(
        rounds = MAX_IDLE_ROUNDS,
        "work was still due after the maximum number of rounds"
    );
    total
}
