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

#[cfg(test)]
mod tests {
    use diesel::QueryResult;
    use diesel::connection::BoxableConnection;
    use diesel::migration::{Migration, MigrationMetadata, MigrationName, MigrationVersion};
    use diesel::prelude::*;

    use super::*;
    use crate::StoreOptions;

    /// A migration that creates a table, fills it and then fails on a missing table.
    struct FailingMigration;

    impl std::fmt::Display for FailingMigration {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("9999-12-31-000000_failing")
        }
    }

    impl MigrationName for FailingMigration {
        fn version(&self) -> MigrationVersion<'_> {
            MigrationVersion::from("99991231000000")
        }
    }

    struct InTransaction;

    impl MigrationMetadata for InTransaction {}

    impl<DB: DieselBackend> Migration<DB> for FailingMigration {
        fn run(&self, connection: &mut dyn BoxableConnection<DB>) -> diesel::migration::Result<()> {
            connection.batch_execute(
                "CREATE TABLE failing_probe (id INTEGER);\n\
                 INSERT INTO failing_probe VALUES (1);\n\
                 INSERT INTO missing_table VALUES (1);",
            )?;
            Ok(())
        }

        fn revert(&self, _: &mut dyn BoxableConnection<DB>) -> diesel::migration::Result<()> {
            Ok(())
        }

        fn metadata(&self) -> &dyn MigrationMetadata {
            &InTransaction
        }

        fn name(&self) -> &dyn MigrationName {
            self
        }
    }

    /// The embedded migrations followed by [`FailingMigration`].
    struct WithFailing<'a>(&'a EmbeddedMigrations);

    impl<DB: DieselBackend> MigrationSource<DB> for WithFailing<'_> {
        fn migrations(&self) -> diesel::migration::Result<Vec<Box<dyn Migration<DB>>>> {
            let mut migrations = MigrationSource::<DB>::migrations(self.0)?;
            migrations.push(Box::new(FailingMigration));
            Ok(migrations)
        }
    }

    #[derive(QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        count: i64,
    }

    fn count_rows(store: &Store, table: &str) -> QueryResult<i64> {
        let mut pooled = store
            .connection()
            .map_err(|error| diesel::result::Error::QueryBuilderError(error.to_string().into()))?;
        let sql = format!("SELECT COUNT(*) AS count FROM {table}");
        let connection: &mut DbConnection = &mut pooled;
        match connection {
            DbConnection::Sqlite(sqlite) => diesel::sql_query(sql).get_result::<Count>(sqlite),
            DbConnection::Postgres(postgres) => {
                diesel::sql_query(sql).get_result::<Count>(postgres)
            }
        }
        .map(|row| row.count)
    }

    vahti_testkit::test_both_backends! {
        fn failing_migration_leaves_nothing(db) {
            let store = Store::open(db.url(), StoreOptions::default()).unwrap();
            let failing = WithFailing(&SQLITE_MIGRATIONS);
            let failing_postgres = WithFailing(&POSTGRES_MIGRATIONS);

            let error = store.migrate_from(&failing, &failing_postgres).unwrap_err();
            assert!(matches!(error, StoreError::MigrationFailed { .. }), "{error}");
            assert!(error.to_string().contains("9999-12-31-000000_failing"), "{error}");

            // The migrations before it were applied and recorded, the failing one was not.
            assert!(count_rows(&store, "failing_probe").is_err());
            assert_eq!(count_rows(&store, "__diesel_schema_migrations").unwrap(), 3);
            assert_eq!(count_rows(&store, "reference_rates").unwrap(), 15);
            assert!(store.migrate().unwrap().is_empty());
        }
    }
}
