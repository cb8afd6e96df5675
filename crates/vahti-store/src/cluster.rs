//! Shard leases and the daemons that hold them, for several daemons on one PostgreSQL database.
//!
//! A daemon registers a row in `cluster_nodes` and renews it with every heartbeat. Each shard has
//! one row in `shard_leases`. A daemon takes a shard only when its lease is free or expired, in
//! one compare-and-set statement that counts the shard's `epoch` up, or when its holder hands
//! the lease over to it, which counts the epoch up as well. It renews only the leases it took or
//! was handed, by shard and epoch. Every expiry is the database server's clock, so clock skew
//! between the daemons' hosts cannot make two of them hold one shard.
//!
//! The functions need PostgreSQL. SQLite serves one daemon, which holds every shard without a
//! lease, so on SQLite they fail with [`StoreError::InvalidInput`] on field `database`.

use std::time::Duration;

use chrono::{DateTime, Utc};
use diesel::pg::PgConnection;
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Bool, Integer, Nullable, Text, Timestamptz};

use crate::Tx;
use crate::connection::DbConnection;
use crate::error::StoreError;
use crate::url::Backend;

/// A lease from its holder's side: the shard and the epoch it was acquired with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct HeldLease {
    /// The shard.
    pub shard: i32,
    /// The epoch of the acquisition, the fencing token of this holder.
    pub epoch: i64,
}

/// A shard this daemon just acquired.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Acquired {
    /// The shard and its new epoch.
    pub lease: HeldLease,
    /// The daemon whose lease had expired, or `None` when the shard was free (released, or never
    /// held).
    pub expired_holder: Option<String>,
}

/// One row of the lease table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShardLease {
    /// The shard.
    pub shard: i32,
    /// The daemon that holds or last held the lease; `None` after a release.
    pub holder: Option<String>,
    /// When the lease runs out, by the database server's clock.
    pub expires_at: Option<DateTime<Utc>>,
    /// The number of acquisitions of the shard so far.
    pub epoch: i64,
    /// Whether the lease is held now: a holder is set and the lease has not run out.
    pub held: bool,
}

/// One daemon that took part in the cluster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClusterNode {
    /// The daemon's node id.
    pub node_id: String,
    /// When it registered, by the database server's clock.
    pub started_at: DateTime<Utc>,
    /// Its last heartbeat.
    pub heartbeat_at: DateTime<Utc>,
    /// When it counts as gone unless it sends another heartbeat.
    pub expires_at: DateTime<Utc>,
    /// Whether `expires_at` is still ahead.
    pub live: bool,
}

/// The change [`prepare_shards`] made to the lease table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShardSetup {
    /// The table was empty and now has one row per shard.
    Created,
    /// The table already had this number of shards.
    Unchanged,
    /// No lease was held, and the table was rebuilt from `previous` shards to the new number.
    Resized {
        /// The number of shards before.
        previous: i64,
    },
}

/// The result of [`heartbeat`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Heartbeat {
    /// Whether this process still owns its node row. `false` means the row expired and another
    /// process registered the same node id; the caller must stop using its leases.
    pub registered: bool,
    /// The leases that were renewed, in shard order, among them those handed over to this node
    /// since the last heartbeat. A lease of the caller's that is missing here has expired and is
    /// lost.
    pub renewed: Vec<HeldLease>,
}

/// Registers this process as node `node_id` until `lease` from now and returns `true`, or
/// returns `false` when another live process is registered with this node id.
///
/// A row of an expired process with the same node id is taken over. Registering again with the
/// same `session` renews the row.
pub fn register_node(
    tx: &mut Tx<'_>,
    node_id: &str,
    session: &str,
    lease: Duration,
) -> Result<bool, StoreError> {
    let lease_ms = millis("lease", lease)?;
    let changed = diesel::sql_query(
        "INSERT INTO cluster_nodes (node_id, session, started_at, heartbeat_at, expires_at) \
         VALUES ($1, $2, now(), now(), now() + $3 * INTERVAL '1 millisecond') \
         ON CONFLICT (node_id) DO UPDATE SET session = EXCLUDED.session, \
             started_at = EXCLUDED.started_at, heartbeat_at = EXCLUDED.heartbeat_at, \
             expires_at = EXCLUDED.expires_at \
         WHERE cluster_nodes.expires_at <= now() OR cluster_nodes.session = EXCLUDED.session",
    )
    .bind::<Text, _>(node_id)
    .bind::<Text, _>(session)
    .bind::<BigInt, _>(lease_ms)
    .execute(postgres(tx)?)
    .map_err(pg_error)?;
    Ok(changed == 1)
}

/// Makes the lease table hold exactly `count` shards, numbered from 0.
///
/// An empty table is filled. A table with another number of shards is rebuilt only while no
/// lease is held, and its new rows start at the highest epoch seen, so epochs never go back.
/// Otherwise it fails with [`StoreError::Conflict`] on field `cluster.shards`, because the
/// running daemons split the accounts by the old number. Concurrent callers wait for each other
/// on a table lock.
pub fn prepare_shards(tx: &mut Tx<'_>, count: u32) -> Result<ShardSetup, StoreError> {
    let connection = postgres(tx)?;
    diesel::sql_query("LOCK TABLE shard_leases IN SHARE ROW EXCLUSIVE MODE")
        .execute(connection)
        .map_err(pg_error)?;

    let current: TableState = diesel::sql_query(
        "SELECT COUNT(*) AS shards, COALESCE(MAX(epoch), 0) AS max_epoch, \
             COUNT(*) FILTER (WHERE holder IS NOT NULL AND expires_at > now()) AS held \
         FROM shard_leases",
    )
    .get_result(connection)
    .map_err(pg_error)?;

    let wanted = i64::from(count);
    if current.shards == wanted {
        return Ok(ShardSetup::Unchanged);
    }
    if current.held > 0 {
        return Err(StoreError::Conflict {
            field: "cluster.shards".to_owned(),
            detail: format!(
                "the database's cluster has {} shards and {} of them are held by running \
                 daemons, so it cannot change to {count} shards; set cluster.shards = {} to \
                 join it, or stop every daemon first",
                current.shards, current.held, current.shards
            ),
        });
    }

    diesel::sql_query("DELETE FROM shard_leases")
        .execute(connection)
        .map_err(pg_error)?;
    diesel::sql_query(
        "INSERT INTO shard_leases (shard, epoch) SELECT shard, $2 FROM generate_series(0, $1 - 1) \
         AS shard",
    )
    .bind::<Integer, _>(i32::try_from(count).map_err(|_| too_many_shards(count))?)
    .bind::<BigInt, _>(current.max_epoch)
    .execute(connection)
    .map_err(pg_error)?;

    if current.shards == 0 {
        Ok(ShardSetup::Created)
    } else {
        Ok(ShardSetup::Resized {
            previous: current.shards,
        })
    }
}

/// Renews the node row of `session` and the leases this node holds that have not run out, each
/// until `lease` from now.
///
/// Renewed are the leases in `held` that still have the same epoch, and the leases another
/// daemon handed over to this node ([`hand_over`]) since this process registered. A lease that
/// ran out is not renewed even when nobody took it, because the caller may already have stopped
/// working on it; it can be acquired again with a new epoch.
pub fn heartbeat(
    tx: &mut Tx<'_>,
    node_id: &str,
    session: &str,
    lease: Duration,
    held: &[HeldLease],
) -> Result<Heartbeat, StoreError> {
    let lease_ms = millis("lease", lease)?;
    let connection = postgres(tx)?;
    let touched = diesel::sql_query(
        "UPDATE cluster_nodes SET heartbeat_at = now(), \
             expires_at = now() + $3 * INTERVAL '1 millisecond' \
         WHERE node_id = $1 AND session = $2",
    )
    .bind::<Text, _>(node_id)
    .bind::<Text, _>(session)
    .bind::<BigInt, _>(lease_ms)
    .execute(&mut *connection)
    .map_err(pg_error)?;
    if touched == 0 {
        return Ok(Heartbeat {
            registered: false,
            renewed: Vec::new(),
        });
    }

    let shards: Vec<i32> = held.iter().map(|lease| lease.shard).collect();
    let epochs: Vec<i64> = held.iter().map(|lease| lease.epoch).collect();
    let mut renewed: Vec<HeldLease> = diesel::sql_query(
        "UPDATE shard_leases AS lease \
         SET expires_at = now() + $2 * INTERVAL '1 millisecond' \
         FROM cluster_nodes AS node \
         WHERE node.node_id = $1 AND node.session = $5 \
             AND lease.holder = $1 AND lease.expires_at > now() \
             AND ((lease.shard, lease.epoch) IN \
                     (SELECT * FROM unnest($3::integer[], $4::bigint[])) \
                 OR lease.acquired_at >= node.started_at) \
         RETURNING lease.shard, lease.epoch",
    )
    .bind::<Text, _>(node_id)
    .bind::<BigInt, _>(lease_ms)
    .bind::<Array<Integer>, _>(shards)
    .bind::<Array<BigInt>, _>(epochs)
    .bind::<Text, _>(session)
    .load::<LeaseRow>(connection)
    .map_err(pg_error)?
    .into_iter()
    .map(LeaseRow::into_held)
    .collect();
    renewed.sort_unstable();
    Ok(Heartbeat {
        registered: true,
        renewed,
    })
}

/// Acquires up to `limit` shards whose lease is free or expired for `node_id`, until `lease`
/// from now, and returns them in shard order.
///
/// Each acquisition is a compare-and-set on the row: it only changes a lease that is still free
/// or expired when the row is locked, and it counts the epoch up. Rows another transaction has
/// locked are skipped, among them shards whose holder is still finishing work under
/// [`holds`], so that work commits before anyone else holds the shard.
pub fn acquire(
    tx: &mut Tx<'_>,
    node_id: &str,
    lease: Duration,
    limit: u32,
) -> Result<Vec<Acquired>, StoreError> {
    if limit == 0 {
        return Ok(Vec::new());
    }
    let lease_ms = millis("lease", lease)?;
    let mut rows: Vec<AcquiredRow> = diesel::sql_query(
        "UPDATE shard_leases AS lease \
         SET holder = $1, expires_at = now() + $2 * INTERVAL '1 millisecond', \
             epoch = lease.epoch + 1, acquired_at = now() \
         FROM ( \
             SELECT shard, holder FROM shard_leases \
             WHERE holder IS NULL OR expires_at <= now() \
             ORDER BY shard LIMIT $3 \
             FOR UPDATE SKIP LOCKED \
         ) AS previous \
         WHERE lease.shard = previous.shard \
             AND (lease.holder IS NULL OR lease.expires_at <= now()) \
         RETURNING lease.shard, lease.epoch, previous.holder AS previous_holder",
    )
    .bind::<Text, _>(node_id)
    .bind::<BigInt, _>(lease_ms)
    .bind::<BigInt, _>(i64::from(limit))
    .load(postgres(tx)?)
    .map_err(pg_error)?;
    rows.sort_unstable_by_key(|row| row.shard);
    Ok(rows
        .into_iter()
        .map(|row| Acquired {
            lease: HeldLease {
                shard: row.shard,
                epoch: row.epoch,
            },
            expired_holder: row.previous_holder,
        })
        .collect())
}

/// Hands `lease` of `from` over to the live daemon `to`, which holds it at once with the next
/// epoch until `duration` from now, and returns the new lease. Returns `None` and changes
/// nothing when `from` no longer holds `lease` or `to` has no live registration.
///
/// The shard has a holder at every moment, unlike after [`release`]. The statement waits for
/// transactions of `from` that hold the lease row under [`holds`], so their work commits
/// before `to` holds the shard. `to` learns of the lease with its next [`heartbeat`].
pub fn hand_over(
    tx: &mut Tx<'_>,
    from: &str,
    lease: HeldLease,
    to: &str,
    duration: Duration,
) -> Result<Option<HeldLease>, StoreError> {
    let duration_ms = millis("duration", duration)?;
    let rows: Vec<LeaseRow> = diesel::sql_query(
        "UPDATE shard_leases AS lease \
         SET holder = $3, expires_at = now() + $4 * INTERVAL '1 millisecond', \
             epoch = lease.epoch + 1, acquired_at = now() \
         FROM ( \
             SELECT shard FROM shard_leases \
             WHERE shard = $1 AND holder = $2 AND epoch = $5 AND expires_at > now() \
             FOR UPDATE \
         ) AS mine \
         WHERE lease.shard = mine.shard \
             AND EXISTS (SELECT 1 FROM cluster_nodes WHERE node_id = $3 AND expires_at > now()) \
         RETURNING lease.shard, lease.epoch",
    )
    .bind::<Integer, _>(lease.shard)
    .bind::<Text, _>(from)
    .bind::<Text, _>(to)
    .bind::<BigInt, _>(duration_ms)
    .bind::<BigInt, _>(lease.epoch)
    .load(postgres(tx)?)
    .map_err(pg_error)?;
    Ok(rows.into_iter().next().map(LeaseRow::into_held))
}

/// Releases the given leases of `node_id`, each only while it still has the same epoch, and
/// returns how many were released. A released shard is free for any daemon at once.
pub fn release(tx: &mut Tx<'_>, node_id: &str, leases: &[HeldLease]) -> Result<usize, StoreError> {
    if leases.is_empty() {
        return Ok(0);
    }
    let shards: Vec<i32> = leases.iter().map(|lease| lease.shard).collect();
    let epochs: Vec<i64> = leases.iter().map(|lease| lease.epoch).collect();
    diesel::sql_query(
        "UPDATE shard_leases SET holder = NULL, expires_at = NULL \
         WHERE holder = $1 \
             AND (shard, epoch) IN (SELECT * FROM unnest($2::integer[], $3::bigint[]))",
    )
    .bind::<Text, _>(node_id)
    .bind::<Array<Integer>, _>(shards)
    .bind::<Array<BigInt>, _>(epochs)
    .execute(postgres(tx)?)
    .map_err(pg_error)
}

/// Removes the node row of `session`, for a daemon that stops. Returns whether it was there.
pub fn deregister_node(tx: &mut Tx<'_>, node_id: &str, session: &str) -> Result<bool, StoreError> {
    let removed =
        diesel::sql_query("DELETE FROM cluster_nodes WHERE node_id = $1 AND session = $2")
            .bind::<Text, _>(node_id)
            .bind::<Text, _>(session)
            .execute(postgres(tx)?)
            .map_err(pg_error)?;
    Ok(removed == 1)
}

/// Returns whether `node_id` holds `lease` now, and if so keeps the lease row locked against
/// acquisition until the transaction ends (`FOR KEY SHARE`).
///
/// Work that must run only on the holder of a shard calls this first in its transaction: the
/// work then either commits while the lease is held, or it does not run. Renewals and releases
/// do not wait for the lock; only [`acquire`] skips the row until the transaction ends.
pub fn holds(tx: &mut Tx<'_>, node_id: &str, lease: HeldLease) -> Result<bool, StoreError> {
    let rows: Vec<LeaseRow> = diesel::sql_query(
        "SELECT shard, epoch FROM shard_leases \
         WHERE shard = $1 AND holder = $2 AND epoch = $3 AND expires_at > now() \
         FOR KEY SHARE",
    )
    .bind::<Integer, _>(lease.shard)
    .bind::<Text, _>(node_id)
    .bind::<BigInt, _>(lease.epoch)
    .load(postgres(tx)?)
    .map_err(pg_error)?;
    Ok(!rows.is_empty())
}

/// Lists every lease, in shard order.
pub fn leases(tx: &mut Tx<'_>) -> Result<Vec<ShardLease>, StoreError> {
    let rows: Vec<ShardLeaseRow> = diesel::sql_query(
        "SELECT shard, holder, expires_at, epoch, \
             (holder IS NOT NULL AND expires_at > now()) AS held \
         FROM shard_leases ORDER BY shard",
    )
    .load(postgres(tx)?)
    .map_err(pg_error)?;
    Ok(rows
        .into_iter()
        .map(|row| ShardLease {
            shard: row.shard,
            holder: row.holder,
            expires_at: row.expires_at,
            epoch: row.epoch,
            held: row.held,
        })
        .collect())
}

/// Lists every registered node, live or not, by node id.
pub fn nodes(tx: &mut Tx<'_>) -> Result<Vec<ClusterNode>, StoreError> {
    let rows: Vec<NodeRow> = diesel::sql_query(
        "SELECT node_id, started_at, heartbeat_at, expires_at, expires_at > now() AS live \
         FROM cluster_nodes ORDER BY node_id",
    )
    .load(postgres(tx)?)
    .map_err(pg_error)?;
    Ok(rows
        .into_iter()
        .map(|row| ClusterNode {
            node_id: row.node_id,
            started_at: row.started_at,
            heartbeat_at: row.heartbeat_at,
            expires_at: row.expires_at,
            live: row.live,
        })
        .collect())
}

/// Deletes the rows of nodes that have been gone for longer than `gone_for`, and returns how
/// many.
pub fn forget_nodes(tx: &mut Tx<'_>, gone_for: Duration) -> Result<usize, StoreError> {
    let gone_ms = millis("gone_for", gone_for)?;
    diesel::sql_query(
        "DELETE FROM cluster_nodes WHERE expires_at < now() - $1 * INTERVAL '1 millisecond'",
    )
    .bind::<BigInt, _>(gone_ms)
    .execute(postgres(tx)?)
    .map_err(pg_error)
}

#[derive(QueryableByName)]
struct TableState {
    #[diesel(sql_type = BigInt)]
    shards: i64,
    #[diesel(sql_type = BigInt)]
    max_epoch: i64,
    #[diesel(sql_type = BigInt)]
    held: i64,
}

#[derive(QueryableByName)]
struct LeaseRow {
    #[diesel(sql_type = Integer)]
    shard: i32,
    #[diesel(sql_type = BigInt)]
    epoch: i64,
}

impl LeaseRow {
    fn into_held(self) -> HeldLease {
        HeldLease {
            shard: self.shard,
            epoch: self.epoch,
        }
    }
}

#[derive(QueryableByName)]
struct AcquiredRow {
    #[diesel(sql_type = Integer)]
    shard: i32,
    #[diesel(sql_type = BigInt)]
    epoch: i64,
    #[diesel(sql_type = Nullable<Text>)]
    previous_holder: Option<String>,
}

#[derive(QueryableByName)]
struct ShardLeaseRow {
    #[diesel(sql_type = Integer)]
    shard: i32,
    #[diesel(sql_type = Nullable<Text>)]
    holder: Option<String>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    expires_at: Option<DateTime<Utc>>,
    #[diesel(sql_type = BigInt)]
    epoch: i64,
    #[diesel(sql_type = Bool)]
    held: bool,
}

#[derive(QueryableByName)]
struct NodeRow {
    #[diesel(sql_type = Text)]
    node_id: String,
    #[diesel(sql_type = Timestamptz)]
    started_at: DateTime<Utc>,
    #[diesel(sql_type = Timestamptz)]
    heartbeat_at: DateTime<Utc>,
    #[diesel(sql_type = Timestamptz)]
    expires_at: DateTime<Utc>,
    #[diesel(sql_type = Bool)]
    live: bool,
}

/// The PostgreSQL connection of the transaction, or the error that explains why SQLite has no
/// leases.
fn postgres<'t>(tx: &'t mut Tx<'_>) -> Result<&'t mut PgConnection, StoreError> {
    match tx.connection() {
        DbConnection::Postgres(connection) => Ok(connection),
        DbConnection::Sqlite(_) => Err(StoreError::InvalidInput {
            field: "database",
            detail: "shard leases need PostgreSQL; SQLite serves one daemon, which holds every \
                     shard"
                .to_owned(),
        }),
    }
}

fn pg_error(error: diesel::result::Error) -> StoreError {
    StoreError::from_diesel(Backend::Postgres, error)
}

fn millis(field: &'static str, duration: Duration) -> Result<i64, StoreError> {
    i64::try_from(duration.as_millis()).map_err(|_| StoreError::InvalidInput {
        field,
        detail: format!("{duration:?} is too long"),
    })
}

fn too_many_shards(count: u32) -> StoreError {
    StoreError::InvalidInput {
        field: "cluster.shards",
        detail: format!("{count} shards are too many; use at most {}", i32::MAX),
    }
}
