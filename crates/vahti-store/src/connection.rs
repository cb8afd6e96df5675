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
}

impl r2d2::ManageConnection for ConnectionManager {
    type Connection = DbConnection;
    type Error = ManagerError;

    fn connect(&self) -> Result<DbConnection, ManagerError> {
        match self.url.backend() {
            Backend::Sqlite => {
                let mut connection = SqliteConnection::establish(self.url.target())?;
                connection.batch_execute(&sqlite_pragmas(self.busy_timeout))?;
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

#[cfg(test)]
mod tests {
    use super::*;

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
