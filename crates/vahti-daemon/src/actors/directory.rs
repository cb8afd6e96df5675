//! The sharded directory from account keys to live actors.

use std::collections::HashMap;
use std::fmt;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix::{Actor, Addr, Arbiter, ArbiterHandle, MailboxError};
use tokio::sync::oneshot;
use vahti_domain::ids::{AccountId, TenantId};

use super::ActorError;
use super::account::{AccountActor, Job, JobSlot, RunJob, Stop};

/// The key of an account actor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AccountKey {
    /// The tenant that owns the account.
    pub tenant: TenantId,
    /// The account.
    pub account: AccountId,
}

impl fmt::Display for AccountKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.tenant, self.account)
    }
}

/// Settings of the directory.
#[derive(Debug, Clone)]
pub struct DirectoryConfig {
    /// Number of independently locked shards of the address map.
    pub shards: usize,
    /// Number of arbiter threads the actors are spread over.
    pub arbiters: usize,
    /// Idle time after which an actor is passivated.
    pub idle_timeout: Duration,
}

struct Entry {
    generation: u64,
    addr: Addr<AccountActor>,
}

/// After this many actors stopped, freed memory is given back to the operating system.
const TRIM_AFTER_STOPS: usize = 10_000;

/// When the last active actor stops after at least this many stopped, freed memory is given
/// back too, so that a daemon that went quiet does not keep the memory of its last burst.
const TRIM_WHEN_QUIET_AFTER_STOPS: usize = 100;

/// The shared map from account keys to actor addresses. Actors remove themselves when they stop.
pub(super) struct Registry {
    shards: Vec<Mutex<HashMap<AccountKey, Entry>>>,
    active: AtomicUsize,
    /// Actors stopped since memory was last given back.
    stopped_since_trim: AtomicUsize,
    /// How many times freed memory was given back.
    trims: AtomicUsize,
}

impl Registry {
    fn shard(&self, key: &AccountKey) -> &Mutex<HashMap<AccountKey, Entry>> {
        let mut hasher = DefaultHasher::new();
        key.hash(&mut hasher);
        let count = u64::try_from(self.shards.len()).unwrap_or(1).max(1);
        let index = usize::try_from(hasher.finish() % count).unwrap_or(0);
        &self.shards[index]
    }

    /// Removes the entry of `key` if it still belongs to the actor of `generation`; a newer actor
    /// for the same account keeps its entry.
    pub(super) fn remove(&self, key: AccountKey, generation: u64) {
        if let Ok(mut shard) = self.shard(&key).lock()
            && shard
                .get(&key)
                .is_some_and(|entry| entry.generation == generation)
        {
            shard.remove(&key);
        }
    }

    pub(super) fn actor_started(&self) {
        self.active.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts a stopped actor. After many stopped, or when the last active one stops, freed
    /// memory is given back to the operating system (see [`crate::memory`]), and the trim is
    /// counted once it finished.
    pub(super) fn actor_stopped(&self) {
        let stopped = self.stopped_since_trim.fetch_add(1, Ordering::Relaxed) + 1;
        let remaining = self
            .active
            .fetch_sub(1, Ordering::Relaxed)
            .saturating_sub(1);
        if stopped >= TRIM_AFTER_STOPS || (remaining == 0 && stopped >= TRIM_WHEN_QUIET_AFTER_STOPS)
        {
            self.stopped_since_trim.store(0, Ordering::Relaxed);
            let started = std::time::Instant::now();
            let returned = crate::memory::return_freed_memory();
            self.trims.fetch_add(1, Ordering::Relaxed);
            tracing::debug!(
                stopped,
                returned,
                elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
                "gave freed memory back after account actors stopped"
            );
        }
    }
}

/// Finds or starts the actor of an account and runs jobs on it.
#[derive(Clone)]
pub struct Directory {
    registry: Arc<Registry>,
    arbiters: Arc<Vec<ArbiterHandle>>,
    next_arbiter: Arc<AtomicUsize>,
    generation: Arc<AtomicU64>,
    idle_timeout: Duration,
    closed: Arc<AtomicBool>,
}

impl Directory {
    /// Starts the arbiter threads and an empty directory. Must be called inside an actix system.
    pub fn start(config: &DirectoryConfig) -> Self {
        let arbiters = (0..config.arbiters.max(1))
            .map(|_| Arbiter::new().handle())
            .collect();
        let shards = (0..config.shards.max(1))
            .map(|_| Mutex::new(HashMap::new()))
            .collect();
        Directory {
            registry: Arc::new(Registry {
                shards,
                active: AtomicUsize::new(0),
                stopped_since_trim: AtomicUsize::new(0),
                trims: AtomicUsize::new(0),
            }),
            arbiters: Arc::new(arbiters),
            next_arbiter: Arc::new(AtomicUsize::new(0)),
            generation: Arc::new(AtomicU64::new(0)),
            idle_timeout: config.idle_timeout,
            closed: Arc::new(AtomicBool::new(false)),
        }
    }

    /// The number of live actors.
    pub fn active_actors(&self) -> usize {
        self.registry.active.load(Ordering::Relaxed)
    }

    /// Returns how many times freed memory was given back after actors stopped.
    pub fn memory_trims(&self) -> usize {
        self.registry.trims.load(Ordering::Relaxed)
    }

    /// Runs `job` on the account's actor after every job sent to it before, on the blocking
    /// pool, and returns its result.
    ///
    /// The job runs at most once. When the actor stops before it takes the job, the job goes to
    /// a fresh actor, once; a job that panics yields [`ActorError::JobPanicked`] and the actor is
    /// restarted for the next job.
    pub async fn run<R, F>(&self, key: AccountKey, job: F) -> Result<R, ActorError>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        if self.closed.load(Ordering::Acquire) {
            return Err(ActorError::ShuttingDown);
        }

        let (sender, receiver) = oneshot::channel();
        let boxed: Job = Box::new(move || {
            let result = job();
            // The caller may have given up waiting; the result is then dropped on purpose.
            let _ = sender.send(result);
        });
        let slot: JobSlot = Arc::new(Mutex::new(Some(boxed)));

        for attempt in 0..2 {
            let addr = self.actor_for(key);
            match addr.send(RunJob(Arc::clone(&slot))).await {
                Ok(Ok(())) => break,
                Ok(Err(detail)) => {
                    return Err(ActorError::JobPanicked {
                        account: key,
                        detail,
                    });
                }
                Err(MailboxError::Closed | MailboxError::Timeout) => {
                    self.forget(key, &addr);
                    let untaken = slot.lock().map(|job| job.is_some()).unwrap_or(false);
                    if !untaken {
                        // The actor took the job and stopped while running it.
                        return Err(ActorError::JobPanicked {
                            account: key,
                            detail: "the worker stopped while running the job".into(),
                        });
                    }
                    tracing::debug!(
                        tenant.id = %key.tenant,
                        account.id = %key.account,
                        attempt,
                        "account actor stopped before taking a job; sending it to a new actor"
                    );
                }
            }
        }

        receiver
            .await
            .map_err(|_| ActorError::Unavailable { account: key })
    }

    /// Stops accepting jobs and stops every actor after the jobs already in its mailbox.
    pub async fn drain(&self) {
        self.closed.store(true, Ordering::Release);
        let addresses: Vec<Addr<AccountActor>> = self
            .registry
            .shards
            .iter()
            .filter_map(|shard| shard.lock().ok())
            .flat_map(|shard| {
                shard
                    .values()
                    .map(|entry| entry.addr.clone())
                    .collect::<Vec<_>>()
            })
            .collect();
        for addr in addresses {
            // An actor that already stopped has nothing left to drain.
            let _ = addr.send(Stop).await;
        }
    }

    fn actor_for(&self, key: AccountKey) -> Addr<AccountActor> {
        let shard = self.registry.shard(&key);
        let mut map = match shard.lock() {
            Ok(map) => map,
            Err(poisoned) => poisoned.into_inner(),
        };
        if let Some(entry) = map.get(&key)
            && entry.addr.connected()
        {
            return entry.addr.clone();
        }

        let generation = self.generation.fetch_add(1, Ordering::Relaxed);
        let index = self.next_arbiter.fetch_add(1, Ordering::Relaxed) % self.arbiters.len().max(1);
        let registry = Arc::clone(&self.registry);
        let idle_timeout = self.idle_timeout;
        let addr = AccountActor::start_in_arbiter(&self.arbiters[index], move |_| {
            AccountActor::new(key, generation, registry, idle_timeout)
        });
        map.insert(
            key,
            Entry {
                generation,
                addr: addr.clone(),
            },
        );
        addr
    }

    fn forget(&self, key: AccountKey, addr: &Addr<AccountActor>) {
        let shard = self.registry.shard(&key);
        if let Ok(mut map) = shard.lock()
            && map.get(&key).is_some_and(|entry| &entry.addr == addr)
        {
            map.remove(&key);
        }
    }
}

impl fmt::Debug for Directory {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Directory")
            .field("active_actors", &self.active_actors())
            .field("arbiters", &self.arbiters.len())
            .finish_non_exhaustive()
    }
}
