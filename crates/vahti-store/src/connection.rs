//! The connection type over both backends and the r2d2 connection manager that opens it.

use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::pg::PgConnection;
use diesel::r2d2::R2D2Connection;
use diesel::sqlite::SqliteConnection;
use diesel::{Connection, ConnectionError};

use crate::url::{Backend, DatabaseUrl};

/// A connection to either backend.
///
/// Queries written against this type with diesel's query builder run on both. Code that needs a
/// feature only one backend has (row locks, `ON CONFLICT`, sequences) matches on the variant.
#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    /// An embedded SQLite database.
    Sqlite(SqliteConnection),
    /// A PostgreSQL server.
    Postgres(PgConnection),
}

/// Opens connections of one backend for the pool and applies the start-up settings.
#[derive(Debug)]
pub(crate) struct ConnectionManager {
    url: DatabaseUrl,
    busy_timeout: Duration,
}

impl ConnectionManager {
    pub(crate) fn new(url: DatabaseUrl, busy_timeout: Duration) -> Self {
        ConnectionManager { url, busy_timeout }
    }
}

/// A failure to open or check a pooled connection.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ManagerError {
    #[error(transparent)]
    Connect(#[from] ConnectionError),
    #[error(transparent)]
    Query(#[from] diesel::result::Error),
    #[error("{0}")]
    Config(String),
}

impl r2d2::ManageConnection for ConnectionManager {
    type Connection = DbConnection;
    type Error = ManagerError;

    fn connect(&self) -> Result<DbConnection, ManagerError> {
        match self.url.backend() {
            Backend::Sqlite => {
                let mut connection = SqliteConnection::establish(self.url.target())?;
                connection.batch_execute(&sqlite_pragmas(self.busy_timeout))?;
                keep_query_plans(&mut connection)?;
                Ok(DbConnection::Sqlite(connection))
            }
            Backend::Postgres => {
                let mut connection = PgConnection::establish(self.url.target())?;
                // Instants are always exchanged in UTC; the session zone only affects text output
                // in tools, but keeping it fixed makes server logs and psql sessions agree.
                connection.batch_execute("SET TIME ZONE 'UTC'")?;
                Ok(DbConnection::Postgres(connection))
            }
        }
    }

    fn is_valid(&self, connection: &mut DbConnection) -> Result<(), ManagerError> {
        Ok(connection.ping()?)
    }

    fn has_broken(&self, connection: &mut DbConnection) -> bool {
        connection.is_broken()
    }
}

/// The settings every SQLite connection starts with.
///
/// WAL lets readers work while one writer commits. In WAL mode `synchronous=NORMAL` survives
/// application crashes and loses at most the last commits on power loss. `busy_timeout` makes a
/// writer wait for the write lock instead of failing at once. It comes first, because switching
/// to WAL needs a lock too: a connection opened while another process closes the database (and
/// checkpoints the log) would otherwise fail at once with "database is locked". `foreign_keys`
/// is off by default in SQLite and must be enabled per connection.
fn sqlite_pragmas(busy_timeout: Duration) -> String {
    let millis = busy_timeout.as_millis();
    format!(
        "PRAGMA busy_timeout = {millis};\n\
         PRAGMA journal_mode = WAL;\n\
         PRAGMA synchronous = NORMAL;\n\
         PRAGMA foreign_keys = ON;"
    )
}

/// Turns on SQLite's query planner stability guarantee for the connection.
///
/// Without it, SQLite marks some bound parameters of a statement as able to change its query
/// plan, such as a comparison with a small integer or a `LIMIT`. When a new value is bound to
/// such a parameter, SQLite prepares the statement again from its SQL text. Diesel clears the
/// bindings after every execution, so a cached statement was parsed and planned again on most
/// executions. In a profile of the scheduler's wake-ups this took about 28% of all instructions.
/// With the guarantee a statement keeps the plan it was prepared with, which for Vahti's
/// queries (equality on indexed ids, no `ANALYZE` statistics) is the same plan.
fn keep_query_plans(connection: &mut SqliteConnection) -> Result<(), ManagerError> {
    let (code, _) = query_planner_stability(connection, 1);
    if code == libsqlite3_sys::SQLITE_OK {
        Ok(())
    } else {
        Err(ManagerError::Config(format!(
            "failed to enable SQLITE_DBCONFIG_ENABLE_QPSG: SQLite returned result code {code}"
        )))
    }
}

/// Calls `sqlite3_db_config(SQLITE_DBCONFIG_ENABLE_QPSG)` with `enable` (1 on, 0 off, -1 to
/// leave it) and returns SQLite's result code and the setting after the call.
#[expect(
    unsafe_code,
    reason = "diesel has no safe call for sqlite3_db_config; see the SAFETY comment"
)]
fn query_planner_stability(connection: &mut SqliteConnection, enable: i32) -> (i32, i32) {
    let mut enabled: std::ffi::c_int = -1;
    // SAFETY: `with_raw_connection` hands out the open handle of `connection`, which stays open
    // and is not used by anything else for the duration of the call, since we hold `&mut`.
    // SQLITE_DBCONFIG_ENABLE_QPSG takes exactly two further arguments: an int, and a pointer
    // to an int that SQLite writes the new setting to. `enabled` lives until the call returns.
    let code = unsafe {
        connection.with_raw_connection(|raw| {
            libsqlite3_sys::sqlite3_db_config(
                raw,
                libsqlite3_sys::SQLITE_DBCONFIG_ENABLE_QPSG,
                std::ffi::c_int::from(enable),
                &raw mut enabled,
            )
        })
    };
    (code, enabled)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_connections_keep_their_query_plans() {
        let manager = ConnectionManager::new(
            DatabaseUrl::parse("file:planner-stability?mode=memory").unwrap(),
            Duration::from_millis(100),
        );
        let DbConnection::Sqlite(mut connection) =
            r2d2::ManageConnection::connect(&manager).unwrap()
        else {
            panic!("a SQLite URL opened another backend");
        };
        let (code, enabled) = query_planner_stability(&mut connection, -1);
        assert_eq!(code, libsqlite3_sys::SQLITE_OK);
        assert_eq!(enabled, 1, "the query planner stability guarantee is off");

        let mut plain = SqliteConnection::establish(":memory:").unwrap();
        assert_eq!(query_planner_stability(&mut plain, -1).1, 0);
    }

    #[test]
    fn pragmas_carry_busy_timeout() {
        let pragmas = sqlite_pragmas(Duration::from_millis(1234));
        assert!(pragmas.contains("busy_timeout = 1234;"));
    }

    #[test]
    fn busy_timeout_set_before_wal() {
        let pragmas = sqlite_pragmas(Duration::from_millis(1234));
        let timeout = pragmas.find("busy_timeout").unwrap();
        let wal = pragmas.find("journal_mode").unwrap();
        assert!(timeout < wal, "busy_timeout must come first:\n{pragmas}");
    }
}
