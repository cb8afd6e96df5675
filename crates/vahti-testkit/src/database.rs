//! Throwaway databases for tests: one SQLite file or one PostgreSQL database per test.

use std::path::PathBuf;
use std::sync::Once;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use diesel::prelude::*;
use diesel::sql_types::Text;
use rand::Rng;
use tempfile::TempDir;

/// The administrative URL used when `VAHTI_TEST_POSTGRES_URL` is not set.
const DEFAULT_POSTGRES_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// Name prefix of every test database, so leftovers can be found and dropped.
const NAME_PREFIX: &str = "vahti_test_";

/// Test databases older than this are dropped when the first PostgreSQL test of a process starts.
const LEFTOVER_AGE: Duration = Duration::from_secs(3600);

/// The database backend of a [`TestDatabase`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// A SQLite file in a temporary directory.
    Sqlite,
    /// A database on the PostgreSQL server at [`postgres_admin_url`].
    Postgres,
}

/// A fresh, empty database that is removed when the value is dropped.
///
/// The database has no tables; the test runs the migrations it wants.
pub struct TestDatabase {
    backend: Backend,
    url: String,
    // Kept so the directory lives as long as the database.
    _dir: Option<TempDir>,
    postgres_name: Option<String>,
}

impl TestDatabase {
    /// Creates an empty database of the given backend.
    ///
    /// # Panics
    ///
    /// When the temporary directory cannot be created or the PostgreSQL server cannot be reached.
    pub fn new(backend: Backend) -> Self {
        match backend {
            Backend::Sqlite => Self::sqlite(),
            Backend::Postgres => Self::postgres(),
        }
    }

    /// Creates an empty SQLite database file in a new temporary directory.
    pub fn sqlite() -> Self {
        let dir = match tempfile::Builder::new().prefix("vahti-test-").tempdir() {
            Ok(dir) => dir,
            Err(error) => panic!("cannot create a temporary directory for SQLite: {error}"),
        };
        let path: PathBuf = dir.path().join("vahti.db");
        TestDatabase {
            backend: Backend::Sqlite,
            url: format!("sqlite://{}", path.display()),
            _dir: Some(dir),
            postgres_name: None,
        }
    }

    /// Creates an empty database with a random name on the PostgreSQL server.
    ///
    /// The first call in a process also drops test databases older than an hour, which crashed
    /// test runs leave behind.
    pub fn postgres() -> Self {
        let admin_url = postgres_admin_url();
        static CLEANUP: Once = Once::new();
        CLEANUP.call_once(|| drop_leftovers(&admin_url));

        let name = new_database_name();
        let mut admin = connect_admin(&admin_url);
        execute(&mut admin, &format!("CREATE DATABASE \"{name}\""));

        TestDatabase {
            backend: Backend::Postgres,
            url: database_url(&admin_url, &name),
            _dir: None,
            postgres_name: Some(name),
        }
    }

    /// Returns the backend of this database.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Returns the URL to open this database with: `sqlite://PATH` or `postgres://...`.
    pub fn url(&self) -> &str {
        &self.url
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let Some(name) = &self.postgres_name else {
            return;
        };

        // Best effort: a failure leaves a database that a later run drops as a leftover.
        let admin_url = postgres_admin_url();
        if let Ok(mut admin) = PgConnection::establish(&admin_url) {
            let statement = format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
            let _ = diesel::sql_query(statement).execute(&mut admin);
        }
    }
}

/// Returns the administrative PostgreSQL URL: `VAHTI_TEST_POSTGRES_URL`, or
/// `postgres://postgres@127.0.0.1:5432/postgres` when unset.
pub fn postgres_admin_url() -> String {
    std::env::var("VAHTI_TEST_POSTGRES_URL").unwrap_or_else(|_| DEFAULT_POSTGRES_URL.to_owned())
}

fn connect_admin(admin_url: &str) -> PgConnection {
    match PgConnection::establish(admin_url) {
        Ok(connection) => connection,
        Err(error) => panic!(
            "cannot connect to the PostgreSQL test server at VAHTI_TEST_POSTGRES_URL \
             (host {}): {error}; start it with scripts/test or set the variable",
            host_of(admin_url)
        ),
    }
}

fn execute(connection: &mut PgConnection, statement: &str) {
    if let Err(error) = diesel::sql_query(statement).execute(connection) {
        panic!("test database statement failed: {statement}: {error}");
    }
}

/// Makes a name such as `vahti_test_1735689600_k3j9x2q8`: the creation time in Unix seconds lets a later
/// run recognise leftovers.
fn new_database_name() -> String {
    let seconds = unix_seconds(SystemTime::now());
    let suffix: String = rand::rng()
        .sample_iter(rand::distr::Alphanumeric)
        .take(10)
        .map(|byte| char::from(byte).to_ascii_lowercase())
        .collect();
    format!("{NAME_PREFIX}{seconds}_{suffix}")
}

fn unix_seconds(time: SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH)
        .map(|elapsed| elapsed.as_secs())
        .unwrap_or(0)
}

#[derive(QueryableByName)]
struct DatabaseName {
    #[diesel(sql_type = Text)]
    datname: String,
}

fn drop_leftovers(admin_url: &str) {
    let mut admin = connect_admin(admin_url);
    let names =
        diesel::sql_query("SELECT datname FROM pg_database WHERE datname LIKE 'vahti\\_test\\_%'")
            .load::<DatabaseName>(&mut admin)
            .unwrap_or_default();

    let now = unix_seconds(SystemTime::now());
    for DatabaseName { datname } in names {
        let created = datname
            .strip_prefix(NAME_PREFIX)
            .and_then(|rest| rest.split('_').next())
            .and_then(|seconds| seconds.parse::<u64>().ok());
        let Some(created) = created else { continue };
        if now.saturating_sub(created) > LEFTOVER_AGE.as_secs() {
            let statement = format!("DROP DATABASE IF EXISTS \"{datname}\" WITH (FORCE)");
            let _ = diesel::sql_query(statement).execute(&mut admin);
        }
    }
}

/// Replaces the database name of the admin URL with `name`.
fn database_url(admin_url: &str, name: &str) -> String {
    match url::Url::parse(admin_url) {
        Ok(mut parsed) => {
            parsed.set_path(name);
            parsed.to_string()
        }
        Err(error) => panic!("VAHTI_TEST_POSTGRES_URL is not a valid URL: {error}"),
    }
}

/// The host of a URL, for messages that must not show a password.
fn host_of(url: &str) -> String {
    url::Url::parse(url)
        .ok()
        .and_then(|parsed| parsed.host_str().map(str::to_owned))
        .unwrap_or_else(|| "unknown".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_url_replaces_name() {
        let url = database_url(
            "postgres://postgres@127.0.0.1:5432/postgres",
            "vahti_test_1_a",
        );
        assert_eq!(url, "postgres://postgres@127.0.0.1:5432/vahti_test_1_a");
    }

    #[test]
    fn database_names_are_unique() {
        assert_ne!(new_database_name(), new_database_name());
    }

    #[test]
    fn sqlite_database_is_a_file_url() {
        let database = TestDatabase::sqlite();
        assert!(database.url().starts_with("sqlite:///"));
    }
}
