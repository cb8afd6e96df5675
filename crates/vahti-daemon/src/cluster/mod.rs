//! Which accounts this daemon schedules when several daemons share one PostgreSQL database.
//!
//! Accounts are hashed into [`SHARD_COUNT`] account shards when they are created. The cluster
//! leases `cluster.shards` shards, and leased shard `k` covers the account shards whose number
//! leaves remainder `k` when divided by `cluster.shards`. Only the holder of a lease runs the
//! scheduler for its accounts ([`Scope`]); API requests and outbox deliveries for any account
//! run on whichever daemon receives them, serialized by the account's row lock (see
//! [`crate::app::App::on_account`]).
//!
//! [`Cluster`] keeps this daemon's view of its leases. The heartbeat ([`heartbeat`]) renews them
//! and takes free or expired shards up to this daemon's share. It hands surplus shards over to
//! daemons below their share one at a time, so a joining daemon gets its share while every shard
//! keeps a holder. A lease counts as held locally only until 80% of its duration after the heartbeat
//! that last renewed it was sent, so the daemon stops scheduling a shard before the database lets
//! anyone else take it. The scheduler also checks the lease inside each wake-up transaction
//! ([`vahti_store::cluster::holds`]), so a wake-up commits under a held lease or not at all.
//!
//! A daemon on SQLite, or with `cluster.enabled = false`, holds every shard without a lease.

pub mod heartbeat;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use vahti_store::accounts::SHARD_COUNT;
use vahti_store::cluster::{HeldLease, ShardLease};

use crate::config::ClusterConfig;

/// The share of a lease's duration for which this daemon acts on it after the heartbeat that
/// renewed it was sent, in percent. The rest is a margin for clocks that run at slightly
/// different rates on this host and on the database server.
const LOCAL_VALIDITY_PERCENT: u32 = 80;

/// This daemon's place in the cluster: its node id and the leases it holds. Cloning is cheap.
#[derive(Clone, Debug)]
pub struct Cluster {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    node_id: String,
    session: String,
    shards: u32,
    leased: bool,
    lease_duration: Duration,
    heartbeat_interval: Duration,
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    /// Held leases by shard, each with the instant until which this daemon acts on it.
    held: BTreeMap<i32, (i64, Instant)>,
    /// The live daemons at the last heartbeat, this one included.
    nodes_live: usize,
    /// When the last heartbeat succeeded.
    last_heartbeat: Option<Instant>,
    /// Heartbeats that failed in a row.
    failures: u32,
}

impl Cluster {
    /// A daemon that is alone: it holds every shard without a lease.
    pub fn single(node_id: String, config: &ClusterConfig) -> Cluster {
        Cluster::new(node_id, config, false)
    }

    /// A daemon that holds shards by lease, starting with none until [`heartbeat::join`].
    pub fn leased(node_id: String, config: &ClusterConfig) -> Cluster {
        Cluster::new(node_id, config, true)
    }

    fn new(node_id: String, config: &ClusterConfig, leased: bool) -> Cluster {
        Cluster {
            inner: Arc::new(Inner {
                node_id,
                session: uuid::Uuid::new_v4().simple().to_string(),
                shards: config.shards.clamp(1, SHARD_COUNT),
                leased,
                lease_duration: config.lease_duration(),
                heartbeat_interval: config.heartbeat_interval(),
                state: Mutex::new(State {
                    nodes_live: 1,
                    ..State::default()
                }),
            }),
        }
    }

    /// The node id, unique among the running daemons.
    pub fn node_id(&self) -> &str {
        &self.inner.node_id
    }

    /// The random id of this process, which tells it apart from an earlier process with the
    /// same node id.
    pub(crate) fn session(&self) -> &str {
        &self.inner.session
    }

    /// The number of leased shards.
    pub fn shards(&self) -> u32 {
        self.inner.shards
    }

    /// Whether this daemon holds shards by lease; `false` when it holds every shard alone.
    pub fn is_leased(&self) -> bool {
        self.inner.leased
    }

    /// How long a lease lasts without renewal.
    pub fn lease_duration(&self) -> Duration {
        self.inner.lease_duration
    }

    /// The time between two heartbeats.
    pub fn heartbeat_interval(&self) -> Duration {
        self.inner.heartbeat_interval
    }

    /// The accounts the scheduler may wake now.
    pub fn scope(&self) -> Scope {
        Scope {
            shards: self.inner.shards,
            held: self.inner.leased.then(|| self.held()),
        }
    }

    /// The leases this daemon acts on now, in shard order. Without leases, every shard with
    /// epoch 0.
    pub fn held(&self) -> Vec<HeldLease> {
        if !self.inner.leased {
            return (0..self.shard_number_limit())
                .map(|shard| HeldLease { shard, epoch: 0 })
                .collect();
        }
        let now = Instant::now();
        self.state()
            .held
            .iter()
            .filter(|(_, (_, until))| *until > now)
            .map(|(shard, (epoch, _))| HeldLease {
                shard: *shard,
                epoch: *epoch,
            })
            .collect()
    }

    /// The number of live daemons at the last heartbeat, this one included.
    pub fn nodes_live(&self) -> usize {
        self.state().nodes_live
    }

    /// The time since the last successful heartbeat, or `None` before the first one.
    pub fn since_last_heartbeat(&self) -> Option<Duration> {
        self.state().last_heartbeat.map(|at| at.elapsed())
    }

    /// Every lease this daemon believes it holds, also those whose local validity ran out,
    /// because the database may still renew them.
    fn claimed(&self) -> Vec<HeldLease> {
        self.state()
            .held
            .iter()
            .map(|(shard, (epoch, _))| HeldLease {
                shard: *shard,
                epoch: *epoch,
            })
            .collect()
    }

    /// Records a heartbeat sent at `sent`: `renewed` stays held, and every other claimed lease is
    /// dropped and returned as lost.
    fn renewed(&self, renewed: &[HeldLease], nodes_live: usize, sent: Instant) -> Vec<HeldLease> {
        let until = sent + self.local_validity();
        let kept: BTreeSet<HeldLease> = renewed.iter().copied().collect();
        let mut state = self.state();
        let lost: Vec<HeldLease> = state
            .held
            .iter()
            .map(|(shard, (epoch, _))| HeldLease {
                shard: *shard,
                epoch: *epoch,
            })
            .filter(|lease| !kept.contains(lease))
            .collect();
        state.held = renewed
            .iter()
            .map(|lease| (lease.shard, (lease.epoch, until)))
            .collect();
        state.nodes_live = nodes_live.max(1);
        state.last_heartbeat = Some(Instant::now());
        state.failures = 0;
        lost
    }

    /// Counts a failed heartbeat and returns the number of failures in a row.
    fn heartbeat_failed(&self) -> u32 {
        let mut state = self.state();
        state.failures = state.failures.saturating_add(1);
        state.failures
    }

    /// The number of heartbeats that failed in a row before the last success or now.
    fn failures(&self) -> u32 {
        self.state().failures
    }

    /// Adds leases acquired by a statement sent at `sent`.
    fn acquired(&self, leases: &[HeldLease], sent: Instant) {
        let until = sent + self.local_validity();
        let mut state = self.state();
        for lease in leases {
            state.held.insert(lease.shard, (lease.epoch, until));
        }
    }

    /// Stops acting on the lease of the highest shard and returns it, to be handed over, with the
    /// instant until which this daemon would have acted on it.
    fn give_up_last(&self) -> Option<(HeldLease, Instant)> {
        let mut state = self.state();
        let (shard, (epoch, until)) = state.held.pop_last()?;
        Some((HeldLease { shard, epoch }, until))
    }

    /// Acts on `lease` again until `until`, after a hand-over of it failed.
    fn take_back(&self, lease: HeldLease, until: Instant) {
        self.state()
            .held
            .entry(lease.shard)
            .or_insert((lease.epoch, until));
    }

    /// Stops acting on every lease and returns them, to be released.
    fn give_up_all(&self) -> Vec<HeldLease> {
        let mut state = self.state();
        std::mem::take(&mut state.held)
            .into_iter()
            .map(|(shard, (epoch, _))| HeldLease { shard, epoch })
            .collect()
    }

    fn local_validity(&self) -> Duration {
        self.inner.lease_duration * LOCAL_VALIDITY_PERCENT / 100
    }

    fn shard_number_limit(&self) -> i32 {
        i32::try_from(self.inner.shards).unwrap_or(i32::MAX)
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.inner
            .state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

/// The accounts the scheduler may wake, as of one instant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    shards: u32,
    /// The held leases; `None` when the daemon holds every shard without a lease.
    held: Option<Vec<HeldLease>>,
}

impl Scope {
    /// The account shards the leases cover, for [`vahti_store::accounts::due_in_shards`], or
    /// `None` for every account.
    pub fn account_shards(&self) -> Option<Vec<i32>> {
        let held = self.held.as_ref()?;
        let step = usize::try_from(self.shards).unwrap_or(1).max(1);
        let limit = i32::try_from(SHARD_COUNT).unwrap_or(i32::MAX);
        let mut account_shards: Vec<i32> = held
            .iter()
            .flat_map(|lease| (lease.shard..limit).step_by(step))
            .collect();
        account_shards.sort_unstable();
        Some(account_shards)
    }

    /// The lease that covers an account in `account_shard`, which its wake-up must still hold
    /// when it commits, or `None` when the daemon needs no lease.
    pub fn lease_for(&self, account_shard: i32) -> Option<HeldLease> {
        let held = self.held.as_ref()?;
        let shards = i32::try_from(self.shards).unwrap_or(1).max(1);
        let shard = account_shard.rem_euclid(shards);
        held.iter().find(|lease| lease.shard == shard).copied()
    }
}

/// What one heartbeat does about the balance of shards.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Move {
    /// Acquire up to this many free or expired shards.
    Acquire(u32),
    /// Hand one held shard over to this live daemon, which is below its share.
    HandOver(String),
    /// Keep the current shards.
    Stay,
}

/// The shards each daemon aims at: the number of shards divided by the live daemons, rounded
/// up, so that the shares add up to at least every shard.
pub(crate) fn share(shards: u32, nodes_live: usize) -> u32 {
    let nodes = u32::try_from(nodes_live.max(1)).unwrap_or(u32::MAX);
    shards.div_ceil(nodes)
}

/// The number of shards whose lease `node` holds now.
fn held_by(leases: &[ShardLease], node: &str) -> u32 {
    let held = leases
        .iter()
        .filter(|lease| lease.held && lease.holder.as_deref() == Some(node))
        .count();
    u32::try_from(held).unwrap_or(u32::MAX)
}

/// Decides the next move of daemon `me`, which holds `mine` shards, from the lease table and the
/// live daemons (`me` among them).
///
/// Below its share it takes free or expired shards. Above its share it hands one shard over to
/// the live daemon furthest below its share, but only while no shard is free, because a daemon
/// below its share takes a free shard itself. A handed-over shard changes holder in one
/// statement, so it is never without one.
pub(crate) fn plan(
    shards: u32,
    me: &str,
    mine: usize,
    leases: &[ShardLease],
    nodes_live: &[String],
) -> Move {
    let target = share(shards, nodes_live.len());
    let mine = u32::try_from(mine).unwrap_or(u32::MAX);
    let free = leases.iter().filter(|lease| !lease.held).count();
    let free = u32::try_from(free).unwrap_or(u32::MAX);

    if mine < target {
        return if free > 0 {
            Move::Acquire((target - mine).min(free))
        } else {
            Move::Stay
        };
    }
    if mine > target && free == 0 {
        let receiver = nodes_live
            .iter()
            .filter(|node| *node != me)
            .map(|node| (held_by(leases, node), node))
            .filter(|(held, _)| *held < target)
            .min();
        if let Some((_, node)) = receiver {
            return Move::HandOver(node.clone());
        }
    }
    Move::Stay
}

/// Chooses a receiver for each of `leases` among the live daemons other than `me`, always the one
/// that holds the fewest shards so far, for a daemon that stops. Returns an empty list when no
/// other daemon is live.
pub(crate) fn receivers_for(
    me: &str,
    leases: &[HeldLease],
    table: &[ShardLease],
    nodes_live: &[String],
) -> Vec<(HeldLease, String)> {
    let mut counts: BTreeMap<&str, u32> = nodes_live
        .iter()
        .filter(|node| *node != me)
        .map(|node| (node.as_str(), held_by(table, node)))
        .collect();
    let mut plan = Vec::with_capacity(leases.len());
    for lease in leases {
        let Some((node, count)) = counts.iter_mut().min_by_key(|(_, count)| **count) else {
            return Vec::new();
        };
        *count = count.saturating_add(1);
        plan.push((*lease, (*node).to_owned()));
    }
    plan
}

/// Whether shards are still moving: a live daemon holds more than its share, or a shard is free
/// while a live daemon is below its share.
pub(crate) fn moving(shards: u32, leases: &[ShardLease], nodes_live: &[String]) -> bool {
    let target = share(shards, nodes_live.len());
    let free = leases.iter().any(|lease| !lease.held);
    nodes_live.iter().any(|node| {
        let held = held_by(leases, node);
        held > target || (free && held < target)
    })
}

#[cfg(test)]
mod tests;
