//! The embedded migrations of both backends and the function that applies them.

use diesel::backend::Backend as DieselBackend;
use diesel::connection::SimpleConnection;
use diesel::migration::MigrationSource;
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use crate::Store;
use crate::connection::DbConnection;
use crate::error::StoreError;

/// The SQLite migrations, from `migrations/sqlite` at the repository root.
pub(crate) const SQLITE_MIGRATIONS: EmbeddedMigrations =
    embed_migrations!("../../migrations/sqlite");

/// The PostgreSQL migrations, from `migrations/postgres` at the repository root.
pub(crate) const POSTGRES_MIGRATIONS: EmbeddedMigrations =
    embed_migrations!("../../migrations/postgres");

/// The key of the PostgreSQL advisory lock held while migrating, so that daemons starting
/// together apply each migration once. The value is arbitrary but fixed ("vahti" in ASCII).
const MIGRATION_LOCK_KEY: i64 = 0x76_61_68_74_69;

impl Store {
    /// Applies the migrations that the database has not seen yet and returns their versions.
    ///
    /// Each migration runs in its own transaction: when one fails, the database keeps every
    /// migration before it and nothing of the failing one, and [`StoreError::MigrationFailed`]
    /// names it. Running it again on an up-to-date database does nothing.
    pub fn migrate(&self) -> Result<Vec<String>, StoreError> {
        self.migrate_from(&SQLITE_MIGRATIONS, &POSTGRES_MIGRATIONS)
    }

    /// Applies migrations from the given sources, one per backend.
    pub(crate) fn migrate_from<S, P>(
        &self,
        sqlite: &S,
        postgres: &P,
    ) -> Result<Vec<String>, StoreError>
    where
        S: MigrationSource<diesel::sqlite::Sqlite>,
        P: MigrationSource<diesel::pg::Pg>,
    {
        let backend = self.backend();
        let mut pooled = self.connection()?;
        let applied = match &mut *pooled {
            DbConnection::Sqlite(connection) => run_pending(connection, sqlite),
            DbConnection::Postgres(connection) => {
                let lock = format!("SELECT pg_advisory_lock({MIGRATION_LOCK_KEY})");
                connection
                    .batch_execute(&lock)
                    .map_err(|error| StoreError::from_diesel(backend, error))?;
                let applied = run_pending(connection, postgres);
                let unlock = format!("SELECT pg_advisory_unlock({MIGRATION_LOCK_KEY})");
                connection
                    .batch_execute(&unlock)
                    .map_err(|error| StoreError::from_diesel(backend, error))?;
                applied
            }
        }?;

        if applied.is_empty() {
            tracing::info!(
                database.backend = backend.as_str(),
                "database schema is up to date"
            );
        } else {
            tracing::info!(
                database.backend = backend.as_str(),
                migrations = ?applied,
                "applied database migrations"
            );
        }
        Ok(applied)
    }
}

fn run_pending<C, DB, S>(connection: &mut C, source: &S) -> Result<Vec<String>, StoreError>
where
    C: MigrationHarness<DB>,
    DB: DieselBackend,
    S: MigrationSource<DB>,
{
    let pending = connection
        .pending_migrations(source_ref(source))
        .map_err(|error| StoreError::MigrationFailed {
            detail: format!("cannot list pending migrations: {error}"),
        })?;

    let mut applied = Vec::with_capacity(pending.len());
    for migration in &pending {
        let name = migration.name().to_string();
        connection
            .run_migration(migration.as_ref())
            .map_err(|error| StoreError::MigrationFailed {
                detail: format!("migration {name} failed and was rolled back: {error}"),
            })?;
        applied.push(name);
    }
    Ok(applied)
}

/// Lends a migration source by reference, since the harness takes sources by value.
fn source_ref<DB: DieselBackend, S: MigrationSource<DB>>(source: &S) -> SourceRef<'_, S> {
    SourceRef(source)
}

struct SourceRef<'a, S>(&'a S);

impl<DB: DieselBackend, S: MigrationSource<DB>> MigrationSource<DB> for SourceRef<'_, S> {
    fn migrations(
        &self,
    ) -> diesel::migration::Result<Vec<Box<dyn diesel::migration::Migration<DB>>>> {
        self.0.migrations()
    }
}
