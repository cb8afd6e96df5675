//! Baselines written with plain diesel on a connection of their own: no actors, no services, no
//! validation, only the SQL that the work cannot do without.

use anyhow::Context;
use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use diesel::Connection as _;
use diesel::connection::SimpleConnection;
use diesel::pg::PgConnection;
use diesel::prelude::*;
use diesel::sqlite::SqliteConnection;
use vahti_testkit::{Backend, TestDatabase};

/// Rows per multi-row `INSERT`, as the store uses for invoice batches.
pub const INSERT_CHUNK: usize = 1000;

mod sqlite_schema {
    diesel::table! {
        invoices (id) {
            id -> BigInt,
            tenant_id -> BigInt,
            account_id -> BigInt,
            external_id -> Text,
            kind -> Text,
            number -> Text,
            issue_date -> Date,
            sent_on -> Nullable<Date>,
            due_date -> Nullable<Date>,
            currency -> Text,
            amount_minor -> BigInt,
            reference -> Nullable<Text>,
            reference_invalid -> Bool,
            status -> Text,
            created_at -> Text,
            updated_at -> Text,
        }
    }
}

mod pg_schema {
    diesel::table! {
        invoices (id) {
            id -> BigInt,
            tenant_id -> BigInt,
            account_id -> BigInt,
            external_id -> Text,
            kind -> Text,
            number -> Text,
            issue_date -> Date,
            sent_on -> Nullable<Date>,
            due_date -> Nullable<Date>,
            currency -> Text,
            amount_minor -> BigInt,
            reference -> Nullable<Text>,
            reference_invalid -> Bool,
            status -> Text,
            created_at -> Timestamptz,
            updated_at -> Timestamptz,
        }
    }
}

mod scratch_schema {
    diesel::table! {
        bench_steps (id) {
            id -> BigInt,
            invoice_id -> BigInt,
            step_key -> Text,
            created_at -> Text,
        }
    }
}

#[derive(Insertable)]
#[diesel(table_name = scratch_schema::bench_steps)]
struct ScratchStep<'a> {
    invoice_id: i64,
    step_key: &'a str,
    created_at: &'a str,
}

/// One invoice row as the store writes it for an upserted invoice.
#[derive(Debug, Clone)]
pub struct InvoiceRow {
    /// The tenant.
    pub tenant_id: i64,
    /// The account.
    pub account_id: i64,
    /// The integrator's id.
    pub external_id: String,
    /// The invoice number.
    pub number: String,
    /// The issue date, also the sending date.
    pub issue_date: NaiveDate,
    /// The due date.
    pub due_date: NaiveDate,
    /// The amount in cents.
    pub amount_minor: i64,
    /// The payment reference.
    pub reference: String,
}

#[derive(Insertable)]
#[diesel(table_name = sqlite_schema::invoices)]
struct SqliteInvoice<'a> {
    tenant_id: i64,
    account_id: i64,
    external_id: &'a str,
    kind: &'a str,
    number: &'a str,
    issue_date: NaiveDate,
    sent_on: Option<NaiveDate>,
    due_date: Option<NaiveDate>,
    currency: &'a str,
    amount_minor: i64,
    reference: Option<&'a str>,
    reference_invalid: bool,
    status: &'a str,
    created_at: &'a str,
    updated_at: &'a str,
}

#[derive(Insertable)]
#[diesel(table_name = pg_schema::invoices)]
struct PgInvoice<'a> {
    tenant_id: i64,
    account_id: i64,
    external_id: &'a str,
    kind: &'a str,
    number: &'a str,
    issue_date: NaiveDate,
    sent_on: Option<NaiveDate>,
    due_date: Option<NaiveDate>,
    currency: &'a str,
    amount_minor: i64,
    reference: Option<&'a str>,
    reference_invalid: bool,
    status: &'a str,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

/// A plain diesel connection to a test database, with the store's SQLite settings.
pub enum RawConnection {
    /// SQLite in WAL mode with `synchronous=NORMAL`, as the store opens it.
    Sqlite(SqliteConnection),
    /// PostgreSQL.
    Postgres(PgConnection),
}

impl RawConnection {
    /// Connects to `database`.
    pub fn open(database: &TestDatabase) -> anyhow::Result<RawConnection> {
        match database.backend() {
            Backend::Sqlite => {
                let path = database
                    .url()
                    .strip_prefix("sqlite://")
                    .unwrap_or(database.url());
                let mut connection = SqliteConnection::establish(path)
                    .with_context(|| format!("failed to open {path}"))?;
                connection.batch_execute(
                    "PRAGMA busy_timeout = 5000; PRAGMA journal_mode = WAL; \
                     PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;",
                )?;
                Ok(RawConnection::Sqlite(connection))
            }
            Backend::Postgres => Ok(RawConnection::Postgres(
                PgConnection::establish(database.url()).context("failed to connect")?,
            )),
        }
    }

    /// Inserts `rows` in one transaction, [`INSERT_CHUNK`] rows per statement.
    pub fn insert_invoices(
        &mut self,
        rows: &[InvoiceRow],
        now: DateTime<Utc>,
    ) -> anyhow::Result<()> {
        match self {
            RawConnection::Sqlite(connection) => {
                let stamp = now.to_rfc3339_opts(SecondsFormat::Micros, true);
                connection.immediate_transaction(|connection| {
                    for chunk in rows.chunks(INSERT_CHUNK) {
                        let values: Vec<SqliteInvoice<'_>> = chunk
                            .iter()
                            .map(|row| SqliteInvoice {
                                tenant_id: row.tenant_id,
                                account_id: row.account_id,
                                external_id: &row.external_id,
                                kind: "invoice",
                                number: &row.number,
                                issue_date: row.issue_date,
                                sent_on: Some(row.issue_date),
                                due_date: Some(row.due_date),
                                currency: "EUR",
                                amount_minor: row.amount_minor,
                                reference: Some(&row.reference),
                                reference_invalid: false,
                                status: "issued",
                                created_at: &stamp,
                                updated_at: &stamp,
                            })
                            .collect();
                        diesel::insert_into(sqlite_schema::invoices::table)
                            .values(&values)
                            .execute(connection)?;
                    }
                    Ok::<_, diesel::result::Error>(())
                })?;
            }
            RawConnection::Postgres(connection) => {
                connection.transaction(|connection| {
                    for chunk in rows.chunks(INSERT_CHUNK) {
                        let values: Vec<PgInvoice<'_>> = chunk
                            .iter()
                            .map(|row| PgInvoice {
                                tenant_id: row.tenant_id,
                                account_id: row.account_id,
                                external_id: &row.external_id,
                                kind: "invoice",
                                number: &row.number,
                                issue_date: row.issue_date,
                                sent_on: Some(row.issue_date),
                                due_date: Some(row.due_date),
                                currency: "EUR",
                                amount_minor: row.amount_minor,
                                reference: Some(&row.reference),
                                reference_invalid: false,
                                status: "issued",
                                created_at: now,
                                updated_at: now,
                            })
                            .collect();
                        diesel::insert_into(pg_schema::invoices::table)
                            .values(&values)
                            .execute(connection)?;
                    }
                    Ok::<_, diesel::result::Error>(())
                })?;
            }
        }
        Ok(())
    }

    /// Runs SQL statements that return no rows.
    pub fn execute(&mut self, sql: &str) -> anyhow::Result<()> {
        match self {
            RawConnection::Sqlite(connection) => connection.batch_execute(sql)?,
            RawConnection::Postgres(connection) => connection.batch_execute(sql)?,
        }
        Ok(())
    }

    /// Runs a query that returns one `BIGINT`, such as a count.
    pub fn count(&mut self, sql: &str) -> anyhow::Result<i64> {
        #[derive(QueryableByName)]
        struct Count {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            value: i64,
        }
        let query = format!("SELECT ({sql}) AS value");
        let rows: Vec<Count> = match self {
            RawConnection::Sqlite(connection) => diesel::sql_query(query).load(connection)?,
            RawConnection::Postgres(connection) => diesel::sql_query(query).load(connection)?,
        };
        rows.first()
            .map(|row| row.value)
            .with_context(|| format!("{sql} returned no row"))
    }

    /// Returns the ids and external ids of every account.
    pub fn account_ids(&mut self) -> anyhow::Result<Vec<(i64, String)>> {
        #[derive(QueryableByName)]
        struct AccountKey {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            id: i64,
            #[diesel(sql_type = diesel::sql_types::Text)]
            external_id: String,
        }
        let query = "SELECT id, external_id FROM accounts ORDER BY id";
        let rows: Vec<AccountKey> = match self {
            RawConnection::Sqlite(connection) => diesel::sql_query(query).load(connection)?,
            RawConnection::Postgres(connection) => diesel::sql_query(query).load(connection)?,
        };
        Ok(rows
            .into_iter()
            .map(|row| (row.id, row.external_id))
            .collect())
    }

    /// Runs, for each account in its own write transaction, a read of the account's open
    /// invoices and an insert of one row per invoice into a scratch table with a unique key like
    /// the step history's. This is the least a daily run does per account on SQLite: read, write
    /// and commit. Returns the rows written. SQLite only.
    pub fn read_and_record(
        &mut self,
        account_ids: &[i64],
        now: DateTime<Utc>,
    ) -> anyhow::Result<usize> {
        #[derive(QueryableByName)]
        struct InvoiceKey {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            id: i64,
        }
        let RawConnection::Sqlite(connection) = self else {
            anyhow::bail!("the per-account baseline runs on SQLite only");
        };
        connection.batch_execute(
            "CREATE TABLE IF NOT EXISTS bench_steps (id INTEGER PRIMARY KEY, \
             invoice_id BIGINT NOT NULL, step_key TEXT NOT NULL, created_at TEXT NOT NULL, \
             UNIQUE (invoice_id, step_key))",
        )?;
        let stamp = now.to_rfc3339_opts(SecondsFormat::Micros, true);
        let mut written = 0;
        for account_id in account_ids {
            written += connection.immediate_transaction(|connection| {
                let invoices: Vec<InvoiceKey> = diesel::sql_query(
                    "SELECT id FROM invoices WHERE account_id = ? AND status = 'issued' ORDER BY id",
                )
                .bind::<diesel::sql_types::BigInt, _>(account_id)
                .load(connection)?;
                let rows: Vec<ScratchStep<'_>> = invoices
                    .iter()
                    .map(|invoice| ScratchStep {
                        invoice_id: invoice.id,
                        step_key: "friendly_reminder",
                        created_at: &stamp,
                    })
                    .collect();
                diesel::insert_into(scratch_schema::bench_steps::table)
                    .values(&rows)
                    .execute(connection)
            })?;
        }
        Ok(written)
    }
}
