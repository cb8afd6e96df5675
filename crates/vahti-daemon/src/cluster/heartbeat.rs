//! The heartbeat that keeps this daemon's leases: joining at start, renewing and rebalancing
//! while running, and handing everything over at a graceful stop.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use anyhow::Context;
use vahti_store::cluster::{self, HeldLease, ShardSetup};
use vahti_store::{Store, StoreError, Tx};

use super::{Cluster, Move, moving, plan, receivers_for};
use crate::app::App;
use crate::shutdown::ShutdownToken;

/// How long the rows of stopped daemons stay listed before they are deleted.
const FORGET_NODES_AFTER: Duration = Duration::from_secs(3600);

/// While shards move between daemons, heartbeats come this many times as often, so that a
/// joining daemon reaches its share sooner.
const REBALANCE_SPEEDUP: u32 = 4;

/// While heartbeats keep failing, every this many failures are logged again.
const LOG_EVERY_FAILURES: u32 = 20;

/// Prepares the lease table, registers this daemon and takes its first share of shards.
///
/// When another live daemon is registered with the same node id, waits until its registration
/// runs out (a daemon that restarts quickly under a fixed node id), and fails when it is still
/// live after two lease durations: then two running daemons share one node id.
pub async fn join(app: &App) -> anyhow::Result<()> {
    let cluster = app.cluster().clone();
    let shards = cluster.shards();
    let setup = database(app.lease_store(), move |tx| {
        cluster::prepare_shards(tx, shards)
    })
    .await
    .context("failed to prepare the shard leases")?;
    match setup {
        ShardSetup::Created => tracing::info!(shards, "created the shard lease table"),
        ShardSetup::Resized { previous } => tracing::warn!(
            shards,
            previous,
            "changed the number of leased shards; no daemon held a lease"
        ),
        ShardSetup::Unchanged => {}
    }

    register(app, &cluster).await?;
    tick(app).await;
    tracing::info!(
        node_id = cluster.node_id(),
        shards_held = cluster.held().len(),
        shards,
        nodes_live = cluster.nodes_live(),
        "joined the cluster"
    );
    Ok(())
}

async fn register(app: &App, cluster: &Cluster) -> anyhow::Result<()> {
    let deadline = Instant::now() + cluster.lease_duration() * 2;
    let mut waiting = false;
    loop {
        let node_id = cluster.node_id().to_owned();
        let session = cluster.session().to_owned();
        let lease = cluster.lease_duration();
        let registered = database(app.lease_store(), move |tx| {
            cluster::register_node(tx, &node_id, &session, lease)
        })
        .await
        .context("failed to register in the cluster")?;
        if registered {
            return Ok(());
        }
        if Instant::now() >= deadline {
            anyhow::bail!(
                "node id {:?} is in use by another running daemon: give every daemon its own \
                 cluster.node_id, or leave it unset to use the host name and process id",
                cluster.node_id()
            );
        }
        if !waiting {
            tracing::warn!(
                node_id = cluster.node_id(),
                "another daemon is registered with this node id; waiting for its registration \
                 to run out"
            );
            waiting = true;
        }
        tokio::time::sleep(cluster.heartbeat_interval()).await;
    }
}

/// Renews and rebalances the leases every heartbeat until `stop` is triggered.
pub async fn run(app: App, stop: ShutdownToken) {
    let cluster = app.cluster().clone();
    tracing::info!(
        node_id = cluster.node_id(),
        heartbeat_interval_ms = cluster.heartbeat_interval().as_millis(),
        lease_duration_ms = cluster.lease_duration().as_millis(),
        "lease heartbeat started"
    );
    let mut delay = cluster.heartbeat_interval();
    loop {
        tokio::select! {
            () = stop.triggered() => break,
            () = tokio::time::sleep(delay) => {}
        }
        let rebalancing = tick(&app).await;
        delay = if rebalancing {
            cluster.heartbeat_interval() / REBALANCE_SPEEDUP
        } else {
            cluster.heartbeat_interval()
        };
    }
    tracing::info!("lease heartbeat stopped");
}

/// Stops acting on every lease, hands the leases over to the other live daemons (or releases
/// them when no other daemon is live) so that the shards have a holder at once, and removes this
/// daemon's registration. Safe to call more than once.
pub async fn leave(app: &App) {
    let cluster = app.cluster().clone();
    if !cluster.is_leased() {
        return;
    }
    let leases = cluster.give_up_all();
    let count = leases.len();
    let node_id = cluster.node_id().to_owned();
    let session = cluster.session().to_owned();
    let lease = cluster.lease_duration();
    let left = database(app.lease_store(), move |tx| {
        let table = cluster::leases(tx)?;
        let nodes_live: Vec<String> = cluster::nodes(tx)?
            .into_iter()
            .filter(|node| node.live)
            .map(|node| node.node_id)
            .collect();
        let mut handed = 0;
        let mut unplaced = Vec::new();
        let receivers = receivers_for(&node_id, &leases, &table, &nodes_live);
        if receivers.is_empty() {
            unplaced = leases;
        }
        for (held, receiver) in receivers {
            match cluster::hand_over(tx, &node_id, held, &receiver, lease)? {
                Some(_) => handed += 1,
                None => unplaced.push(held),
            }
        }
        let released = cluster::release(tx, &node_id, &unplaced)?;
        cluster::deregister_node(tx, &node_id, &session)?;
        Ok((handed, released))
    })
    .await;
    publish_metrics(app);
    match left {
        Ok((handed, released)) => tracing::info!(
            node_id = cluster.node_id(),
            handed_over = handed,
            released,
            held = count,
            "left the cluster and passed on the shard leases"
        ),
        Err(error) => tracing::warn!(
            node_id = cluster.node_id(),
            error = %error,
            "failed to pass on the shard leases; other daemons take the shards when the leases \
             run out"
        ),
    }
}

/// One heartbeat: renews the node row and the leases, adopts leases handed over to this daemon,
/// then acquires or hands over shards toward this daemon's share. Returns whether shards are still moving, so that the next heartbeat
/// should come sooner.
async fn tick(app: &App) -> bool {
    let cluster = app.cluster().clone();
    let node_id = cluster.node_id().to_owned();
    let session = cluster.session().to_owned();
    let lease = cluster.lease_duration();
    let claimed = cluster.claimed();
    let claimed_before: BTreeSet<HeldLease> = claimed.iter().copied().collect();

    let sent = Instant::now();
    let beat = database(app.lease_store(), move |tx| {
        let beat = cluster::heartbeat(tx, &node_id, &session, lease, &claimed)?;
        let leases = cluster::leases(tx)?;
        let nodes = cluster::nodes(tx)?;
        Ok((beat, leases, nodes))
    })
    .await;
    let (beat, leases, nodes) = match beat {
        Ok(result) => result,
        Err(error) => {
            let failures = cluster.heartbeat_failed();
            if failures == 1 || failures.is_multiple_of(LOG_EVERY_FAILURES) {
                tracing::error!(
                    node_id = cluster.node_id(),
                    failures,
                    error = %error,
                    "lease heartbeat failed; shards stay scheduled only while their leases last"
                );
            }
            publish_metrics(app);
            return false;
        }
    };
    let failures = cluster.failures();
    if failures > 0 {
        tracing::info!(
            node_id = cluster.node_id(),
            failures,
            "lease heartbeat succeeded again"
        );
    }

    let mut nodes_live: Vec<String> = nodes
        .into_iter()
        .filter(|node| node.live)
        .map(|node| node.node_id)
        .collect();
    if !nodes_live.iter().any(|node| node == cluster.node_id()) {
        nodes_live.push(cluster.node_id().to_owned());
    }
    let adopted: Vec<HeldLease> = beat
        .renewed
        .iter()
        .filter(|lease| !claimed_before.contains(lease))
        .copied()
        .collect();
    let lost = cluster.renewed(&beat.renewed, nodes_live.len(), sent);
    if !adopted.is_empty() {
        app.metrics()
            .cluster_lease_takeovers
            .with_labels(["handed_over"])
            .inc_by(u64::try_from(adopted.len()).unwrap_or(u64::MAX));
        tracing::info!(
            node_id = cluster.node_id(),
            shards = ?shard_numbers(&adopted),
            "took over shard leases handed over by another daemon"
        );
        app.nudge_scheduler();
    }
    if !lost.is_empty() {
        app.metrics()
            .cluster_leases_lost
            .inc_by(u64::try_from(lost.len()).unwrap_or(u64::MAX));
        tracing::warn!(
            node_id = cluster.node_id(),
            shards = ?shard_numbers(&lost),
            "shard leases ran out before they were renewed; their accounts go to other daemons"
        );
    }
    if !beat.registered {
        tracing::error!(
            node_id = cluster.node_id(),
            "this daemon's registration ran out and another process registered the same node \
             id; it schedules no account until it can register again"
        );
        if let Err(error) = register(app, &cluster).await {
            tracing::error!(error = %error, "failed to register in the cluster again");
        }
        publish_metrics(app);
        return false;
    }

    let mine = cluster.held().len();
    let next = plan(
        cluster.shards(),
        cluster.node_id(),
        mine,
        &leases,
        &nodes_live,
    );
    let moved = next != Move::Stay;
    match next {
        Move::Acquire(limit) => acquire(app, &cluster, limit).await,
        Move::HandOver(receiver) => hand_over_one(app, &cluster, &receiver).await,
        Move::Stay => {}
    }
    forget_gone_nodes(app).await;
    publish_metrics(app);

    moved || moving(cluster.shards(), &leases, &nodes_live)
}

async fn acquire(app: &App, cluster: &Cluster, limit: u32) {
    let node_id = cluster.node_id().to_owned();
    let lease = cluster.lease_duration();
    let sent = Instant::now();
    let acquired = database(app.lease_store(), move |tx| {
        cluster::acquire(tx, &node_id, lease, limit)
    })
    .await;
    let acquired = match acquired {
        Ok(acquired) => acquired,
        Err(error) => {
            tracing::error!(node_id = cluster.node_id(), error = %error, "failed to acquire shards");
            return;
        }
    };
    if acquired.is_empty() {
        return;
    }

    let leases: Vec<HeldLease> = acquired.iter().map(|taken| taken.lease).collect();
    cluster.acquired(&leases, sent);
    for taken in &acquired {
        let reason = if taken.expired_holder.is_some() {
            "expired"
        } else {
            "free"
        };
        app.metrics()
            .cluster_lease_takeovers
            .with_labels([reason])
            .inc();
    }
    let expired_from: Vec<&str> = acquired
        .iter()
        .filter_map(|taken| taken.expired_holder.as_deref())
        .collect();
    tracing::info!(
        node_id = cluster.node_id(),
        shards = ?shard_numbers(&leases),
        expired_from = ?expired_from,
        "acquired shard leases"
    );
    app.nudge_scheduler();
}

async fn hand_over_one(app: &App, cluster: &Cluster, receiver: &str) {
    let Some((lease, until)) = cluster.give_up_last() else {
        return;
    };
    let node_id = cluster.node_id().to_owned();
    let to = receiver.to_owned();
    let duration = cluster.lease_duration();
    let handed = database(app.lease_store(), move |tx| {
        cluster::hand_over(tx, &node_id, lease, &to, duration)
    })
    .await;
    match handed {
        Ok(Some(new_lease)) => tracing::info!(
            node_id = cluster.node_id(),
            shard = lease.shard,
            epoch = new_lease.epoch,
            receiver,
            "handed a shard lease over to a daemon below its share"
        ),
        Ok(None) => {
            // The receiver's registration ran out, or this daemon's lease did. The next
            // heartbeat renews the lease if it is still held.
            cluster.take_back(lease, until);
            tracing::info!(
                node_id = cluster.node_id(),
                shard = lease.shard,
                receiver,
                "kept a shard lease: the receiver is no longer live or the lease ran out"
            );
        }
        Err(error) => {
            cluster.take_back(lease, until);
            tracing::warn!(
                node_id = cluster.node_id(),
                shard = lease.shard,
                receiver,
                error = %error,
                "failed to hand a shard lease over; keeping it"
            );
        }
    }
}

async fn forget_gone_nodes(app: &App) {
    let forgotten = database(app.lease_store(), |tx| {
        cluster::forget_nodes(tx, FORGET_NODES_AFTER)
    })
    .await;
    if let Err(error) = forgotten {
        tracing::warn!(error = %error, "failed to delete the rows of stopped daemons");
    }
}

/// Sets the cluster gauges from this daemon's current view.
pub fn publish_metrics(app: &App) {
    let cluster = app.cluster();
    let metrics = app.metrics();
    let held = cluster.held();
    metrics
        .cluster_shards_held
        .set(i64::try_from(held.len()).unwrap_or(i64::MAX));
    if cluster.is_leased() {
        let held: BTreeSet<i32> = held.iter().map(|lease| lease.shard).collect();
        for shard in 0..i32::try_from(cluster.shards()).unwrap_or(i32::MAX) {
            metrics
                .cluster_shard_held
                .with_labels([&shard.to_string()])
                .set(i64::from(held.contains(&shard)));
        }
    }
    metrics
        .cluster_nodes_live
        .set(i64::try_from(cluster.nodes_live()).unwrap_or(i64::MAX));
}

fn shard_numbers(leases: &[HeldLease]) -> Vec<i32> {
    leases.iter().map(|lease| lease.shard).collect()
}

/// Runs one transaction on the blocking pool. Unlike [`App::write`], it does not wake the
/// readers that wait for new events, because lease rows are no events.
async fn database<R, F>(store: &Store, work: F) -> Result<R, StoreError>
where
    F: FnOnce(&mut Tx<'_>) -> Result<R, StoreError> + Send + 'static,
    R: Send + 'static,
{
    let store = store.clone();
    let backend = store.backend();
    match tokio::task::spawn_blocking(move || store.transaction(work)).await {
        Ok(result) => result,
        Err(error) => Err(StoreError::Database {
            backend,
            detail: format!("the lease transaction failed unexpectedly: {error}"),
        }),
    }
}
