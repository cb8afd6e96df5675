//! The running daemon's shared state and the ways to run work against it.
//!
//! [`App::on_account`] runs a closure in one database transaction on the account's actor, so that
//! changes to one account are serialized. [`App::read`] and [`App::write`] run transactions that
//! belong to no account (tenants, tokens, policies, listings) on the blocking pool.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use anyhow::Context;
use chrono::{DateTime, Utc};
use tokio::sync::Notify;
use vahti_domain::ids::{AccountId, TenantId};
use vahti_mail::Mailer;
use vahti_mail::retry::RetryPolicy;
use vahti_mail::transport::{
    Security, SmtpConfig as MailSmtpConfig, SmtpCredentials, TransportConfig,
};
use vahti_store::{Backend, Store, StoreError, StoreOptions, Tx, accounts};

use crate::actors::{AccountKey, Directory, DirectoryConfig};
use crate::clock::SharedClock;
use crate::cluster::Cluster;
use crate::config::{Config, DatabaseUrl, MailTransport, SmtpSecurity};
use crate::error::{ServiceError, ServiceResult};
use crate::metrics::Metrics;
use crate::ratelimit::TenantRateLimiter;
use crate::selfservice::SelfServiceState;
use crate::service::invoices::UpsertQueue;

/// The shared state of the running daemon. Cloning is cheap.
#[derive(Clone)]
pub struct App {
    inner: Arc<Inner>,
}

struct Inner {
    config: Config,
    store: Store,
    lease_store: Store,
    clock: SharedClock,
    directory: Directory,
    mailer: Mailer,
    metrics: Arc<Metrics>,
    retry: RetryPolicy,
    rate_limiter: TenantRateLimiter,
    self_service: SelfServiceState,
    cluster: Cluster,
    scheduler_nudge: Notify,
    outbox_nudge: Notify,
    scheduler_round: tokio::sync::Mutex<()>,
    delivery_round: tokio::sync::Mutex<()>,
    committed: Notify,
    upserts: UpsertQueue,
    ready: AtomicBool,
}

impl std::fmt::Debug for App {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("App")
            .field("node_id", &self.inner.cluster.node_id())
            .field("directory", &self.inner.directory)
            .finish_non_exhaustive()
    }
}

impl App {
    /// Opens the store and the mailer and starts the actor directory, for a daemon that holds
    /// every shard alone, whatever `[cluster]` says. Must be called inside an actix system.
    /// Migrations are not run here.
    pub fn start(config: Config, clock: SharedClock, metrics: Arc<Metrics>) -> anyhow::Result<App> {
        let cluster = Cluster::single(node_id(&config), &config.cluster);
        App::start_with(config, clock, metrics, cluster)
    }

    /// Starts like [`App::start`], but with `cluster.enabled` the daemon holds shards by lease
    /// and schedules nothing until [`crate::cluster::heartbeat::join`] took its share.
    pub fn start_in_cluster(
        config: Config,
        clock: SharedClock,
        metrics: Arc<Metrics>,
    ) -> anyhow::Result<App> {
        let cluster = if config.cluster.enabled {
            Cluster::leased(node_id(&config), &config.cluster)
        } else {
            Cluster::single(node_id(&config), &config.cluster)
        };
        App::start_with(config, clock, metrics, cluster)
    }

    fn start_with(
        config: Config,
        clock: SharedClock,
        metrics: Arc<Metrics>,
        cluster: Cluster,
    ) -> anyhow::Result<App> {
        let store = open_store(&config)?;
        // The heartbeat renews the leases on connections of its own, so that a pool busy with
        // account work cannot delay it past the lease duration.
        let lease_store = if cluster.is_leased() {
            open_lease_store(&config)?
        } else {
            store.clone()
        };
        let mailer = Mailer::from_config(&transport_config(&config))
            .context("invalid mail transport configuration")?;
        let directory = Directory::start(&DirectoryConfig {
            shards: config.actors.directory_shards,
            arbiters: if config.actors.arbiters == 0 {
                std::thread::available_parallelism().map_or(2, usize::from)
            } else {
                config.actors.arbiters
            },
            idle_timeout: Duration::from_secs(config.actors.idle_timeout_seconds),
        });
        let retry = RetryPolicy {
            base_delay: Duration::from_secs(config.outbox.retry_base_seconds),
            max_delay: Duration::from_secs(config.outbox.retry_max_seconds),
            max_age: Duration::from_secs(config.outbox.max_age_hours.saturating_mul(3600)),
        };
        Ok(App {
            inner: Arc::new(Inner {
                rate_limiter: TenantRateLimiter::new(config.outbox.tenant_rate_per_second),
                self_service: SelfServiceState::new(&config.self_service),
                config,
                store,
                lease_store,
                clock,
                directory,
                mailer,
                metrics,
                retry,
                cluster,
                scheduler_nudge: Notify::new(),
                outbox_nudge: Notify::new(),
                scheduler_round: tokio::sync::Mutex::new(()),
                delivery_round: tokio::sync::Mutex::new(()),
                committed: Notify::new(),
                upserts: UpsertQueue::default(),
                ready: AtomicBool::new(false),
            }),
        })
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// The database.
    pub fn store(&self) -> &Store {
        &self.inner.store
    }

    /// The database connections of the lease heartbeat: a pool of their own in a cluster,
    /// otherwise the main pool.
    pub fn lease_store(&self) -> &Store {
        &self.inner.lease_store
    }

    /// The clock.
    pub fn clock(&self) -> &SharedClock {
        &self.inner.clock
    }

    /// The current instant of the daemon's clock.
    pub fn now(&self) -> DateTime<Utc> {
        self.inner.clock.now()
    }

    /// The actor directory.
    pub fn directory(&self) -> &Directory {
        &self.inner.directory
    }

    /// The mail transport.
    pub fn mailer(&self) -> &Mailer {
        &self.inner.mailer
    }

    /// The metrics registry.
    pub fn metrics(&self) -> &Metrics {
        &self.inner.metrics
    }

    /// The retry policy of outbox deliveries.
    pub fn retry_policy(&self) -> &RetryPolicy {
        &self.inner.retry
    }

    /// The per-tenant limit on outgoing messages.
    pub fn rate_limiter(&self) -> &TenantRateLimiter {
        &self.inner.rate_limiter
    }

    /// The self-service page's rate limits and form key.
    pub fn self_service(&self) -> &SelfServiceState {
        &self.inner.self_service
    }

    /// The id this process claims outbox rows with: its node id.
    pub fn worker_id(&self) -> &str {
        self.inner.cluster.node_id()
    }

    /// This daemon's node id and shard leases.
    pub fn cluster(&self) -> &Cluster {
        &self.inner.cluster
    }

    /// Whether start-up finished and the daemon serves requests.
    pub fn is_ready(&self) -> bool {
        self.inner.ready.load(Ordering::Acquire)
    }

    /// Marks the daemon ready or not ready.
    pub fn set_ready(&self, ready: bool) {
        self.inner.ready.store(ready, Ordering::Release);
    }

    /// Wakes the scheduler now, for example after a change made an account due.
    pub fn nudge_scheduler(&self) {
        self.inner.scheduler_nudge.notify_one();
    }

    /// Wakes the outbox sender now, after rows were queued.
    pub fn nudge_outbox(&self) {
        self.inner.outbox_nudge.notify_one();
    }

    /// Held for the length of one scheduler round, so that a round started by the admin clock
    /// endpoint waits for a round already under way instead of missing its accounts.
    pub(crate) async fn scheduler_round(&self) -> tokio::sync::MutexGuard<'_, ()> {
        self.inner.scheduler_round.lock().await
    }

    /// Held for the length of one delivery round: claimed rows are invisible to other rounds, so
    /// a round that must see every due row waits for the one under way.
    pub(crate) async fn delivery_round(&self) -> tokio::sync::MutexGuard<'_, ()> {
        self.inner.delivery_round.lock().await
    }

    pub(crate) fn scheduler_nudged(&self) -> tokio::sync::futures::Notified<'_> {
        self.inner.scheduler_nudge.notified()
    }

    pub(crate) fn outbox_nudged(&self) -> tokio::sync::futures::Notified<'_> {
        self.inner.outbox_nudge.notified()
    }

    /// Tells the waiters of [`App::committed`] that a write transaction committed, for writes
    /// that commit outside [`App::write`] and [`App::on_account`].
    pub(crate) fn notify_committed(&self) {
        self.inner.committed.notify_waiters();
    }

    /// Returns the queue of single upserts waiting for a shared transaction.
    pub(crate) fn upserts(&self) -> &UpsertQueue {
        &self.inner.upserts
    }

    /// Completes after the next write transaction of this process commits. Long-polling readers
    /// of the event log wait on it; it says nothing about writes of other processes.
    pub fn committed(&self) -> tokio::sync::futures::Notified<'_> {
        self.inner.committed.notified()
    }

    /// Runs `work` in one database transaction on the account's actor, after every earlier job
    /// of that account.
    ///
    /// On PostgreSQL the transaction first locks the account's row (`SELECT ... FOR UPDATE`), so
    /// that the jobs of one account never interleave even when several daemons share the
    /// database: the actor orders the jobs within this process, the row lock across processes.
    /// On SQLite every write transaction already excludes the others.
    pub async fn on_account<R, F>(
        &self,
        tenant: TenantId,
        account: AccountId,
        work: F,
    ) -> ServiceResult<R>
    where
        F: FnOnce(&mut Tx<'_>) -> ServiceResult<R> + Send + 'static,
        R: Send + 'static,
    {
        let store = self.inner.store.clone();
        let result = self
            .on_actor(tenant, account, move || {
                store.transaction(|tx| {
                    lock_account(tx, account)?;
                    work(tx)
                })
            })
            .await;
        if result.is_ok() {
            self.inner.committed.notify_waiters();
        }
        result
    }

    /// Runs `work` in a read-only transaction on the account's actor, after every earlier job of
    /// that account, for work that usually only reads. On SQLite it runs beside the writer
    /// instead of waiting for it. It takes no row lock, so on PostgreSQL a daemon sharing the
    /// database may change the account meanwhile. The write that acts on what `work` decides
    /// must check it again.
    pub async fn on_account_read<R, F>(
        &self,
        tenant: TenantId,
        account: AccountId,
        work: F,
    ) -> ServiceResult<R>
    where
        F: FnOnce(&mut Tx<'_>) -> ServiceResult<R> + Send + 'static,
        R: Send + 'static,
    {
        let store = self.inner.store.clone();
        self.on_actor(tenant, account, move || store.read(work))
            .await
    }

    /// Runs `job` on the account's actor and updates the gauge of active actors.
    async fn on_actor<R, J>(&self, tenant: TenantId, account: AccountId, job: J) -> ServiceResult<R>
    where
        J: FnOnce() -> ServiceResult<R> + Send + 'static,
        R: Send + 'static,
    {
        let key = AccountKey { tenant, account };
        let result = self.inner.directory.run(key, job).await;
        self.inner
            .metrics
            .actors_active
            .set(i64::try_from(self.inner.directory.active_actors()).unwrap_or(i64::MAX));
        result?
    }

    /// Runs `work` in a read-only transaction on the blocking pool.
    pub async fn read<R, F>(&self, work: F) -> ServiceResult<R>
    where
        F: FnOnce(&mut Tx<'_>) -> ServiceResult<R> + Send + 'static,
        R: Send + 'static,
    {
        let store = self.inner.store.clone();
        blocking(move || store.read(work)).await
    }

    /// Runs `work` in a write transaction on the blocking pool, for changes that belong to no
    /// account.
    pub async fn write<R, F>(&self, work: F) -> ServiceResult<R>
    where
        F: FnOnce(&mut Tx<'_>) -> ServiceResult<R> + Send + 'static,
        R: Send + 'static,
    {
        let store = self.inner.store.clone();
        let result = blocking(move || store.transaction(work)).await;
        if result.is_ok() {
            self.inner.committed.notify_waiters();
        }
        result
    }
}

/// Locks the account's row until the transaction ends, on PostgreSQL. A missing account is left
/// to `work`, which reports it in its own words.
fn lock_account(tx: &mut Tx<'_>, account: AccountId) -> ServiceResult<()> {
    if tx.backend() != Backend::Postgres {
        return Ok(());
    }
    match accounts::lock(tx, account) {
        Ok(_) | Err(StoreError::NotFound { .. }) => Ok(()),
        Err(error) => Err(error.into()),
    }
}

/// Runs blocking work on the blocking pool and turns a panic into an internal error.
async fn blocking<R, F>(work: F) -> ServiceResult<R>
where
    F: FnOnce() -> ServiceResult<R> + Send + 'static,
    R: Send + 'static,
{
    match tokio::task::spawn_blocking(work).await {
        Ok(result) => result,
        Err(error) => {
            tracing::error!(error = %error, "blocking database work panicked");
            Err(ServiceError::internal(
                "the database work failed unexpectedly; see the daemon log",
            ))
        }
    }
}

/// Opens the database the configuration names.
pub fn open_store(config: &Config) -> anyhow::Result<Store> {
    let url = store_url(&config.database.url);
    Store::open(
        &url,
        StoreOptions {
            busy_timeout: Duration::from_millis(u64::from(config.database.busy_timeout_ms)),
            pool_size: config.database.pool_size,
            ..StoreOptions::default()
        },
    )
    .with_context(|| {
        format!(
            "failed to open the database {}",
            config.database.url.redacted()
        )
    })
}

/// The connections of the lease heartbeat, separate from the main pool.
const LEASE_POOL_SIZE: u32 = 2;

fn open_lease_store(config: &Config) -> anyhow::Result<Store> {
    let url = store_url(&config.database.url);
    Store::open(
        &url,
        StoreOptions {
            pool_size: LEASE_POOL_SIZE,
            ..StoreOptions::default()
        },
    )
    .with_context(|| {
        format!(
            "failed to open the database {} for the lease heartbeat",
            config.database.url.redacted()
        )
    })
}

/// The store's URL for a configured database.
pub fn store_url(url: &DatabaseUrl) -> String {
    match url {
        DatabaseUrl::Sqlite { path } => format!("sqlite://{}", path.display()),
        DatabaseUrl::Postgres(secret) => secret.expose().to_owned(),
    }
}

/// The mail crate's transport settings for the configuration.
pub fn transport_config(config: &Config) -> TransportConfig {
    match (&config.mail.transport, &config.mail.smtp) {
        (MailTransport::Smtp, Some(smtp)) => {
            let security = match smtp.security {
                SmtpSecurity::Starttls => Security::StartTls,
                SmtpSecurity::Tls => Security::ImplicitTls,
                SmtpSecurity::Plain => Security::Plain,
            };
            let mut settings = MailSmtpConfig::new(smtp.host.clone(), security);
            settings.port = Some(smtp.port);
            settings.allow_insecure_remote = smtp.allow_insecure_remote;
            settings.credentials = match (&smtp.username, &smtp.password) {
                (Some(username), Some(password)) => Some(SmtpCredentials {
                    username: username.clone(),
                    password: password.expose().to_owned(),
                }),
                _ => None,
            };
            settings.connect_timeout = Duration::from_secs(smtp.timeout_seconds);
            settings.send_timeout = Duration::from_secs(smtp.timeout_seconds);
            settings.pool_size = smtp.pool_size;
            TransportConfig::Smtp(settings)
        }
        _ => TransportConfig::File {
            directory: config.mail.file_dir.clone(),
        },
    }
}

/// The configured node id, or the host name and process id.
fn node_id(config: &Config) -> String {
    config
        .cluster
        .node_id
        .clone()
        .unwrap_or_else(|| format!("{}-{}", hostname(), std::process::id()))
}

fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|name| name.trim().to_owned())
        .ok()
        .filter(|name| !name.is_empty())
        .unwrap_or_else(|| "vahtid".to_owned())
}
