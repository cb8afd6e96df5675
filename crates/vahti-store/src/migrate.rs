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

    /// The first `.1` embedded migrations.
    struct FirstMigrations<'a>(&'a EmbeddedMigrations, usize);

    impl<DB: DieselBackend> MigrationSource<DB> for FirstMigrations<'_> {
        fn migrations(&self) -> diesel::migration::Result<Vec<Box<dyn Migration<DB>>>> {
            let mut migrations = MigrationSource::<DB>::migrations(self.0)?;
            migrations.truncate(self.1);
            Ok(migrations)
        }
    }

    fn execute(store: &Store, sql: &str) -> QueryResult<()> {
        let mut pooled = store
            .connection()
            .map_err(|error| diesel::result::Error::QueryBuilderError(error.to_string().into()))?;
        let connection: &mut DbConnection = &mut pooled;
        match connection {
            DbConnection::Sqlite(sqlite) => sqlite.batch_execute(sql),
            DbConnection::Postgres(postgres) => postgres.batch_execute(sql),
        }
    }

    /// Rows of the tables that the webhook and collection migration rebuilds on SQLite, written
    /// before it runs. The third outbox row is deleted again, so the next key must be 4.
    const ROWS_BEFORE_REBUILD: &str = "
        INSERT INTO tenants (name, created_at, updated_at)
        VALUES ('Acme', '2025-03-01T09:00:00.000000Z', '2025-03-01T09:00:00.000000Z');
        INSERT INTO accounts (tenant_id, external_id, name, debtor_type, locale, created_at,
            updated_at)
        SELECT id, 'A-1', 'Matti', 'consumer', 'fi', created_at, updated_at FROM tenants;
        INSERT INTO outbox (tenant_id, kind, message_id, payload, state, next_attempt_at,
            created_at, updated_at)
        SELECT id, 'email', 'm-' || n, '{}', 'sent', created_at, created_at, created_at
        FROM tenants, (SELECT 1 AS n UNION ALL SELECT 2 UNION ALL SELECT 3) AS numbers
        ORDER BY n;
        DELETE FROM outbox WHERE message_id = 'm-3';
        INSERT INTO collection_cases (tenant_id, account_id, state, agency, created_at,
            updated_at)
        SELECT tenant_id, id, 'handed_over', 'Perintä Oy', created_at, updated_at FROM accounts;
    ";

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
            assert_eq!(count_rows(&store, "__diesel_schema_migrations").unwrap(), 6);
            assert_eq!(count_rows(&store, "reference_rates").unwrap(), 15);
            assert!(store.migrate().unwrap().is_empty());
        }

        fn rebuilt_tables_keep_rows(db) {
            let store = Store::open(db.url(), StoreOptions::default()).unwrap();
            let before = store
                .migrate_from(
                    &FirstMigrations(&SQLITE_MIGRATIONS, 2),
                    &FirstMigrations(&POSTGRES_MIGRATIONS, 2),
                )
                .unwrap();
            assert_eq!(before.len(), 2);
            execute(&store, ROWS_BEFORE_REBUILD).unwrap();

            let applied = store.migrate().unwrap();
            assert_eq!(applied.len(), 4, "{applied:?}");
            assert!(applied[0].contains("webhooks_and_collection"), "{applied:?}");
            assert_eq!(count_rows(&store, "outbox").unwrap(), 2);
            assert_eq!(count_rows(&store, "collection_cases").unwrap(), 1);

            let now = chrono::Utc::now();
            let (row, case) = store
                .transaction(|tx| {
                    let tenant = crate::tenants::list(tx)?
                        .first()
                        .map(|tenant| tenant.id)
                        .ok_or_else(|| StoreError::not_found("tenant", "Acme"))?;
                    let row = crate::outbox::enqueue(
                        tx,
                        tenant,
                        &crate::outbox::NewOutboxMessage {
                            kind: crate::outbox::OutboxKind::Collection,
                            account_id: None,
                            message_id: "collection:1:handover".to_owned(),
                            payload: serde_json::json!({}),
                            not_before: now,
                        },
                        now,
                    )?;
                    let case_id = crate::cases::list(tx, tenant, None, None, None, 10)?
                        .first()
                        .copied()
                        .ok_or_else(|| StoreError::not_found("collection case", "first"))?;
                    let case = crate::cases::set_state(
                        tx,
                        case_id,
                        crate::cases::CaseState::Recalled,
                        now,
                    )?;
                    Ok::<_, StoreError>((row, case))
                })
                .unwrap();
            assert_eq!(row.id.0, 4);
            assert_eq!(case.state, crate::cases::CaseState::Recalled);
            assert_eq!(case.agency, "Perintä Oy");

            let orphan = execute(
                &store,
                "INSERT INTO step_history (tenant_id, account_id, invoice_id, policy_version_id,
                    step_index, step_key, step_kind, due_at, state, balance_currency,
                    balance_minor, outbox_id, created_at, updated_at)
                 VALUES (1, 1, 999, 999, 0, 'k', 'reminder', '2025-03-01T09:00:00.000000Z',
                    'sent', 'EUR', 0, 999, '2025-03-01T09:00:00.000000Z',
                    '2025-03-01T09:00:00.000000Z')",
            );
            assert!(orphan.is_err(), "foreign keys are enforced again");
        }
    }
}
