//! The store handle: the connection pool, transactions and the connection wrapper [`Tx`].

use std::any::Any;
use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use diesel::Connection;
use diesel::connection::{AnsiTransactionManager, TransactionManager};

use crate::connection::{ConnectionManager, DbConnection};
use crate::error::{StoreError, pool_error};
use crate::url::{Backend, DatabaseUrl};
use vahti_domain::ids::AccountId;

/// Settings of a [`Store`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreOptions {
    /// How long a SQLite writer waits for the write lock before failing with
    /// [`StoreError::Unavailable`]. Ignored on PostgreSQL. Default 5000 ms.
    pub busy_timeout: Duration,
    /// The maximum number of pooled connections. Default 8.
    pub pool_size: u32,
    /// How long a caller waits for a free pooled connection. Default 30 s.
    pub connection_timeout: Duration,
}

impl Default for StoreOptions {
    fn default() -> Self {
        StoreOptions {
            busy_timeout: Duration::from_millis(5000),
            pool_size: 8,
            connection_timeout: Duration::from_secs(30),
        }
    }
}

type Pool = r2d2::Pool<ConnectionManager>;
type PooledConnection = r2d2::PooledConnection<ConnectionManager>;

/// A handle on the database: cheap to clone, safe to share between threads.
///
/// Every call blocks the calling thread, so async callers run it on a blocking thread pool.
#[derive(Clone)]
pub struct Store {
    pool: Pool,
    url: DatabaseUrl,
    /// On SQLite, the writers of this process queue here for the database's single write lock.
    writers: Option<Arc<WriterQueue>>,
    /// Values derived from policy versions, shared by the transactions of this store.
    derived: Arc<DerivedPolicies>,
}

/// The maximum number of policy versions [`DerivedPolicies`] keeps. It starts over when full.
const MAX_DERIVED_POLICIES: usize = 1024;

/// Values derived from stored policy versions, such as their parsed and validated rules, by
/// version key.
///
/// Policy versions are never changed once written, so a derived value stays right as long as
/// the version's body is the same. Each entry keeps the body it was derived from and is used only
/// when the body read now is equal: a version written by a transaction that rolled back can leave
/// its key to another version with other rules.
#[derive(Default)]
struct DerivedPolicies {
    entries: parking_lot::Mutex<HashMap<i64, DerivedPolicy>>,
}

/// The body a value was derived from, as stored text, and the value.
type DerivedPolicy = (String, Arc<dyn Any + Send + Sync>);

/// The in-process queue of SQLite writers.
///
/// SQLite lets one writer in at a time. A writer that finds the lock taken waits in SQLite's
/// busy handler, which sleeps in steps of up to 100 ms and checks again, so under many writers
/// most of the time goes into sleeping while the lock is free. Writers of the same process
/// instead wait on this mutex and are let in the moment the previous one commits. The busy
/// timeout still covers writers of other processes, such as a backup or a second daemon.
struct WriterQueue {
    lock: parking_lot::Mutex<()>,
    timeout: Duration,
    /// The write transactions committed through this queue, counted while the lock is held.
    commits: AtomicU64,
    /// The accounts each of the last [`RECENT_COMMITS`] commits declared it changed, by number.
    recent: parking_lot::Mutex<VecDeque<(u64, Touched)>>,
}

/// Commits whose accounts [`WriterQueue`] keeps.
const RECENT_COMMITS: usize = 1024;

/// The changes of a write transaction, as far as reads of accounts are concerned.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Touched {
    /// Anything; the default.
    Unknown,
    /// Only rows of these accounts (see [`Tx::touches_only`]).
    Accounts(Vec<i64>),
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("url", &self.url).finish()
    }
}

impl Store {
    /// Opens a pool of connections to the database at `url`; see [`DatabaseUrl::parse`] for the
    /// accepted forms.
    ///
    /// One connection is opened at once so that a wrong URL, a missing server or a bad password
    /// fails here with [`StoreError::Unavailable`] instead of at the first query. A SQLite file
    /// is created when missing. The schema is not touched; call [`Store::migrate`].
    pub fn open(url: &str, options: StoreOptions) -> Result<Store, StoreError> {
        let url = DatabaseUrl::parse(url)?;
        let backend = url.backend();
        let manager = ConnectionManager::new(url.clone(), options.busy_timeout);

        let first =
            r2d2::ManageConnection::connect(&manager).map_err(|error| StoreError::Unavailable {
                backend,
                detail: format!("cannot connect to {url}: {error}"),
            })?;
        drop(first);

        let pool = r2d2::Pool::builder()
            .max_size(options.pool_size.max(1))
            .min_idle(Some(0))
            .connection_timeout(options.connection_timeout)
            .build_unchecked(manager);

        tracing::info!(
            database.backend = backend.as_str(),
            database.url = %url,
            pool_size = options.pool_size,
            "opened database"
        );
        let writers = (backend == Backend::Sqlite).then(|| {
            Arc::new(WriterQueue {
                lock: parking_lot::Mutex::new(()),
                timeout: options.busy_timeout,
                commits: AtomicU64::new(0),
                recent: parking_lot::Mutex::new(VecDeque::with_capacity(RECENT_COMMITS)),
            })
        });
        Ok(Store {
            pool,
            url,
            writers,
            derived: Arc::default(),
        })
    }

    /// Returns the backend the URL selected.
    pub fn backend(&self) -> Backend {
        self.url.backend()
    }

    /// Returns the database URL, which displays without its password.
    pub fn url(&self) -> &DatabaseUrl {
        &self.url
    }

    /// Runs `f` in one write transaction and commits when it returns `Ok`.
    ///
    /// On SQLite the transaction starts with `BEGIN IMMEDIATE`, so it holds the write lock from
    /// the start and never fails half-way on a lock upgrade. On PostgreSQL it runs at READ
    /// COMMITTED; the repository functions take row locks where two writers could race.
    ///
    /// When `f` returns `Err`, everything it wrote is rolled back and the error is returned.
    ///
    /// On SQLite the write transactions of this process queue for the write lock in the process
    /// (see [`WriterQueue`]) rather than in SQLite's busy handler.
    ///
    /// Do not call `transaction` again inside `f`. The inner call takes another pooled connection,
    /// and on SQLite it waits for the outer transaction's write lock until the busy timeout fails it.
    pub fn transaction<T, E, F>(&self, f: F) -> Result<T, E>
    where
        F: FnOnce(&mut Tx<'_>) -> Result<T, E>,
        E: From<StoreError>,
    {
        self.run(Mode::Write, f)
    }

    /// Runs `f` in one read transaction, a consistent snapshot on SQLite, without taking the
    /// SQLite write lock.
    ///
    /// Use it only for reads: a write inside it can fail on SQLite with "database is locked"
    /// when another writer is active, because a read transaction cannot wait for the lock.
    pub fn read<T, E, F>(&self, f: F) -> Result<T, E>
    where
        F: FnOnce(&mut Tx<'_>) -> Result<T, E>,
        E: From<StoreError>,
    {
        self.run(Mode::Read, f)
    }

    /// Returns how many write transactions this store has committed on SQLite, or `None` on
    /// PostgreSQL.
    ///
    /// On SQLite one daemon owns the database and every write transaction of the process passes
    /// through [`Store::transaction`], so the count changes exactly when the database does.
    /// Taken before a read transaction, it lets a later write transaction ask whether any
    /// commit since changed the accounts read ([`Tx::unchanged_since`]). Clones of a store
    /// share the count.
    pub fn write_commits(&self) -> Option<u64> {
        self.writers
            .as_ref()
            .map(|writers| writers.commits.load(Ordering::SeqCst))
    }

    /// Takes a pooled connection outside any transaction.
    pub(crate) fn connection(&self) -> Result<PooledConnection, StoreError> {
        self.pool
            .get()
            .map_err(|error| pool_error(self.backend(), &error))
    }

    fn run<T, E, F>(&self, mode: Mode, f: F) -> Result<T, E>
    where
        F: FnOnce(&mut Tx<'_>) -> Result<T, E>,
        E: From<StoreError>,
    {
        let backend = self.backend();
        let writer = match (&self.writers, mode) {
            (Some(writers), Mode::Write) => {
                Some(writers.lock.try_lock_for(writers.timeout).ok_or_else(|| {
                    StoreError::Unavailable {
                        backend,
                        detail: format!(
                            "another write transaction of this process held the SQLite write \
                             lock for longer than the busy timeout of {} ms; raise \
                             database.busy_timeout_ms or look for a long transaction in the log",
                            writers.timeout.as_millis()
                        ),
                    }
                })?)
            }
            _ => None,
        };
        // Read while the lock is held, so no commit of this process can come between.
        let commits_before = writer
            .as_ref()
            .and(self.writers.as_ref())
            .map(|writers| writers.commits.load(Ordering::SeqCst));
        let mut pooled = self.connection()?;
        let connection: &mut DbConnection = &mut pooled;

        begin(connection, mode).map_err(|error| StoreError::from_diesel(backend, error))?;

        let mut tx = Tx {
            connection: &mut *connection,
            backend,
            endpoints: None,
            derived: &self.derived,
            commits_before,
            writers: writer.as_ref().and(self.writers.as_deref()),
            touched: Touched::Unknown,
        };
        let result = f(&mut tx);
        let touched = tx.touched;

        match result {
            Ok(value) => {
                <DbConnection as Connection>::TransactionManager::commit_transaction(connection)
                    .map_err(|error| StoreError::from_diesel(backend, error))?;
                if let (Some(writers), Some(_)) = (&self.writers, &writer) {
                    let number = writers.commits.fetch_add(1, Ordering::SeqCst) + 1;
                    let mut recent = writers.recent.lock();
                    if recent.len() == RECENT_COMMITS {
                        recent.pop_front();
                    }
                    recent.push_back((number, touched));
                }
                drop(writer);
                Ok(value)
            }
            Err(error) => {
                if let Err(rollback) =
                    <DbConnection as Connection>::TransactionManager::rollback_transaction(
                        connection,
                    )
                {
                    tracing::error!(
                        database.backend = backend.as_str(),
                        error = %rollback,
                        "rollback failed; the connection is discarded"
                    );
                }
                Err(error)
            }
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Read,
    Write,
}

fn begin(connection: &mut DbConnection, mode: Mode) -> diesel::QueryResult<()> {
    match connection {
        DbConnection::Sqlite(sqlite) => {
            let sql = match mode {
                Mode::Write => "BEGIN IMMEDIATE",
                Mode::Read => "BEGIN DEFERRED",
            };
            AnsiTransactionManager::begin_transaction_sql(sqlite, sql)
        }
        DbConnection::Postgres(postgres) => AnsiTransactionManager::begin_transaction(postgres),
    }
}

/// A connection inside a transaction opened by [`Store::transaction`] or [`Store::read`].
///
/// The repository modules take `&mut Tx` so that several of their calls share the transaction.
pub struct Tx<'c> {
    connection: &'c mut DbConnection,
    backend: Backend,
    /// The enabled webhook endpoints of one tenant, read once per transaction: every event
    /// looks them up, and a wake-up appends dozens of events. The webhook functions that
    /// change endpoints clear it.
    pub(crate) endpoints: Option<(i64, Vec<crate::webhooks::WebhookEndpoint>)>,
    derived: &'c DerivedPolicies,
    /// For a SQLite write transaction, [`Store::write_commits`] as it was when it began.
    commits_before: Option<u64>,
    /// For a SQLite write transaction, the queue whose lock it holds.
    writers: Option<&'c WriterQueue>,
    /// The changes this transaction declared.
    touched: Touched,
}

impl Tx<'_> {
    /// Returns the backend of the connection.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Returns, in a SQLite write transaction, how many write transactions the store had
    /// committed when this one began (see [`Store::write_commits`]). `None` in read
    /// transactions and on PostgreSQL.
    pub fn commits_before(&self) -> Option<u64> {
        self.commits_before
    }

    /// Declares that this transaction changes no rows that reads of accounts depend on, other
    /// than rows of `accounts`: their invoices, documents, steps, outbox rows and the like.
    /// Appending events and taking their sequence numbers does not count as a change.
    ///
    /// [`Tx::unchanged_since`] in later transactions relies on it, so a transaction that cannot
    /// declare them for sure must not call it. Without the call a transaction counts as changing
    /// everything. Calls add up.
    pub fn touches_only(&mut self, accounts: &[AccountId]) {
        let ids = accounts.iter().map(|account| account.0);
        match &mut self.touched {
            Touched::Accounts(touched) => touched.extend(ids),
            Touched::Unknown => self.touched = Touched::Accounts(ids.collect()),
        }
    }

    /// Returns, in a SQLite write transaction, whether every write transaction committed after
    /// the first `commits` ([`Store::write_commits`]) declared that it changed none of
    /// `accounts` ([`Tx::touches_only`]). Rows of these accounts read after that count was taken
    /// are then still the rows stored. Returns `false` when unsure: on PostgreSQL, in read
    /// transactions, and when the commits are too far back to be known.
    pub fn unchanged_since(&self, commits: u64, accounts: &[AccountId]) -> bool {
        let (Some(writers), Some(before)) = (self.writers, self.commits_before) else {
            return false;
        };
        if before < commits {
            return false;
        }
        let recent = writers.recent.lock();
        let Some(&(oldest, _)) = recent.front() else {
            return before == commits;
        };
        if commits + 1 < oldest {
            return false;
        }
        let checked: std::collections::HashSet<i64> =
            accounts.iter().map(|account| account.0).collect();
        recent
            .iter()
            .filter(|(number, _)| *number > commits)
            .all(|(_, touched)| match touched {
                Touched::Unknown => false,
                Touched::Accounts(changed) => changed.iter().all(|id| !checked.contains(id)),
            })
    }

    /// Has PostgreSQL plan every statement of the rest of this transaction for its own bound
    /// values, for transactions that read many accounts with key lists. PostgreSQL chooses the
    /// plan it keeps for a prepared statement once, from the table as it was then. A plan chosen
    /// while a table was nearly empty scans the whole table for each key once a bulk load has
    /// grown it, until the table's statistics are next gathered. Does nothing on SQLite.
    pub fn plan_each_statement(&mut self) -> Result<(), StoreError> {
        let DbConnection::Postgres(connection) = self.connection() else {
            return Ok(());
        };
        let result = diesel::RunQueryDsl::execute(
            diesel::sql_query("SET LOCAL plan_cache_mode = force_custom_plan"),
            connection,
        );
        result.map(|_| ()).map_err(|error| self.error(error))
    }

    /// Returns the value `derive` makes of a policy version's body, such as its parsed rules,
    /// and keeps it for the other transactions of this store. A value kept for the same version
    /// and the same stored text is returned without calling `derive`, so the body is parsed only
    /// once. Errors of `derive` are returned and not kept.
    ///
    /// Give each version one kind of derived value: a kept value of another type is replaced.
    pub fn derive_policy<T, E>(
        &self,
        version: &crate::policies::StoredBody,
        derive: impl FnOnce(&str) -> Result<T, E>,
    ) -> Result<Arc<T>, E>
    where
        T: Any + Send + Sync,
    {
        let key = version.id.0;
        let cached = self
            .derived
            .entries
            .lock()
            .get(&key)
            .and_then(|(body, value)| {
                (*body == version.body)
                    .then(|| Arc::clone(value).downcast::<T>().ok())
                    .flatten()
            });
        if let Some(value) = cached {
            return Ok(value);
        }
        let value = Arc::new(derive(&version.body)?);
        let mut entries = self.derived.entries.lock();
        if entries.len() >= MAX_DERIVED_POLICIES {
            entries.clear();
        }
        let shared: Arc<dyn Any + Send + Sync> = Arc::clone(&value) as _;
        entries.insert(key, (version.body.clone(), shared));
        Ok(value)
    }

    pub(crate) fn connection(&mut self) -> &mut DbConnection {
        self.connection
    }

    /// Maps a diesel error of this connection's backend.
    pub(crate) fn error(&self, error: diesel::result::Error) -> StoreError {
        StoreError::from_diesel(self.backend, error)
    }

    /// Maps a diesel error, turning "no row" into [`StoreError::NotFound`] for `entity` and `key`.
    pub(crate) fn lookup_error(
        &self,
        entity: &'static str,
        key: impl ToString,
        error: diesel::result::Error,
    ) -> StoreError {
        StoreError::from_lookup(self.backend, entity, key, error)
    }
}

/// Keys bound in one query that reads the rows of many accounts: well under SQLite's limit of
/// 32,766 bound values. PostgreSQL binds the whole list as one array.
pub(crate) const KEYS_PER_QUERY: usize = 1000;

/// Reads the rows of many accounts with `read`, which gets the keys of up to
/// [`KEYS_PER_QUERY`] accounts at a time, and returns them converted and sorted by `key`.
pub(crate) fn read_by_accounts<R, T, K: Ord>(
    tx: &mut Tx<'_>,
    account_ids: &[vahti_domain::ids::AccountId],
    mut read: impl FnMut(&mut Tx<'_>, &[i64]) -> Result<Vec<R>, StoreError>,
    key: impl Fn(&T) -> K,
) -> Result<Vec<T>, StoreError>
where
    T: TryFrom<R, Error = StoreError>,
{
    let mut found = Vec::new();
    for chunk in account_ids.chunks(KEYS_PER_QUERY) {
        let keys: Vec<i64> = chunk.iter().map(|id| id.0).collect();
        for row in read(tx, &keys)? {
            found.push(T::try_from(row)?);
        }
    }
    found.sort_by_key(key);
    Ok(found)
}

/// The condition `column IN keys` of a read of many accounts' rows, as a statement that is
/// prepared once for any number of keys: `column IN (SELECT value FROM json_each(?))` with the
/// keys as one JSON text on SQLite, `column = ANY(?)` with one array on PostgreSQL. Diesel's
/// `eq_any` binds each key on SQLite, so each count of keys is a statement of its own, rendered
/// and parsed anew on every call.
#[derive(Debug, Clone)]
pub(crate) struct InKeys<C> {
    column: C,
    keys: Vec<i64>,
    json: String,
}

/// Builds [`InKeys`].
pub(crate) fn in_keys<C>(column: C, keys: &[i64]) -> InKeys<C> {
    let mut json = String::with_capacity(keys.len() * 8 + 2);
    json.push('[');
    for (position, key) in keys.iter().enumerate() {
        if position > 0 {
            json.push(',');
        }
        json.push_str(&key.to_string());
    }
    json.push(']');
    InKeys {
        column,
        keys: keys.to_vec(),
        json,
    }
}

impl<C: diesel::Expression> diesel::Expression for InKeys<C> {
    type SqlType = diesel::sql_types::Bool;
}

impl<C, QS> diesel::AppearsOnTable<QS> for InKeys<C>
where
    C: diesel::AppearsOnTable<QS>,
    Self: diesel::Expression,
{
}

impl<C, QS> diesel::SelectableExpression<QS> for InKeys<C>
where
    C: diesel::SelectableExpression<QS>,
    Self: diesel::AppearsOnTable<QS>,
{
}

impl<C, GB> diesel::expression::ValidGrouping<GB> for InKeys<C>
where
    C: diesel::expression::ValidGrouping<GB>,
{
    type IsAggregate = C::IsAggregate;
}

impl<C: diesel::query_builder::QueryId> diesel::query_builder::QueryId for InKeys<C> {
    type QueryId = InKeys<C::QueryId>;
    const HAS_STATIC_QUERY_ID: bool = C::HAS_STATIC_QUERY_ID;
}

impl<C> diesel::query_builder::QueryFragment<diesel::sqlite::Sqlite> for InKeys<C>
where
    C: diesel::query_builder::QueryFragment<diesel::sqlite::Sqlite>,
{
    fn walk_ast<'b>(
        &'b self,
        mut out: diesel::query_builder::AstPass<'_, 'b, diesel::sqlite::Sqlite>,
    ) -> diesel::QueryResult<()> {
        self.column.walk_ast(out.reborrow())?;
        out.push_sql(" IN (SELECT value FROM json_each(");
        out.push_bind_param::<diesel::sql_types::Text, _>(&self.json)?;
        out.push_sql("))");
        Ok(())
    }
}

impl<C> diesel::query_builder::QueryFragment<diesel::pg::Pg> for InKeys<C>
where
    C: diesel::query_builder::QueryFragment<diesel::pg::Pg>,
{
    fn walk_ast<'b>(
        &'b self,
        mut out: diesel::query_builder::AstPass<'_, 'b, diesel::pg::Pg>,
    ) -> diesel::QueryResult<()> {
        self.column.walk_ast(out.reborrow())?;
        out.push_sql(" = ANY(");
        out.push_bind_param::<diesel::sql_types::Array<diesel::sql_types::BigInt>, _>(&self.keys)?;
        out.push_sql(")");
        Ok(())
    }
}

/// Reads the rows of many accounts with [`read_by_accounts`]: `$query` selects rows of type
/// `$row` for the account keys bound to `$keys`, and the results convert to `$item`, sorted by
/// their `id`.
macro_rules! read_rows_of_accounts {
    ($tx:expr, $account_ids:expr, $row:ty => $item:ty, |$keys:ident| $query:expr) => {
        $crate::store::read_by_accounts(
            $tx,
            $account_ids,
            |tx, $keys| {
                let rows: Vec<$row> = $crate::store::per_backend!(tx, |connection| $query
                    .load(connection))
                .map_err(|error| tx.error(error))?;
                Ok(rows)
            },
            |item: &$item| item.id,
        )
    };
}

pub(crate) use read_rows_of_accounts;

/// Runs `$body` with `$conn` bound to the backend's own connection type, for statements that
/// only the concrete backends support, such as `ON CONFLICT` upserts and row locks. The body is
/// compiled once per backend.
macro_rules! per_backend {
    ($tx:expr, |$conn:ident| $body:expr) => {
        match $tx.connection() {
            $crate::connection::DbConnection::Sqlite($conn) => $body,
            $crate::connection::DbConnection::Postgres($conn) => $body,
        }
    };
}

pub(crate) use per_backend;
