//! Moving a SQLite database to PostgreSQL: a copy of every row, keys included, and a
//! row-by-row comparison of two databases.

use diesel::prelude::*;

use crate::connection::DbConnection;
use crate::error::StoreError;
use crate::rows::*;
use crate::schema::*;
use crate::{Backend, Store, Tx};

/// Rows read and written per statement. The widest table has 26 columns, so a page binds at most
/// 26,000 values, below PostgreSQL's limit of 65,535 parameters.
const PAGE: i64 = 1000;

/// The number of rows copied into one table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableCount {
    /// The table.
    pub table: &'static str,
    /// Rows copied.
    pub rows: usize,
}

/// The result of comparing one table in two databases.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableComparison {
    /// The table.
    pub table: &'static str,
    /// Rows in the first database.
    pub left_rows: i64,
    /// Rows in the second database.
    pub right_rows: i64,
    /// The first difference found, or `None` when every row is equal.
    pub difference: Option<String>,
}

impl TableComparison {
    /// Returns true when both databases contain the same rows.
    pub fn is_equal(&self) -> bool {
        self.difference.is_none() && self.left_rows == self.right_rows
    }
}

/// Tables with a surrogate key `id`, in an order in which every row's foreign keys point to rows
/// already copied (invoices correcting later invoices are linked afterwards).
macro_rules! tables_with_id {
    ($callback:ident!($($arg:tt)*)) => {
        $callback!($($arg)* tenants, TenantRow);
        $callback!($($arg)* api_tokens, TokenRow);
        $callback!($($arg)* policies, PolicyRow);
        $callback!($($arg)* policy_versions, PolicyVersionRow);
        $callback!($($arg)* accounts, AccountRow);
        $callback!($($arg)* invoices, InvoiceRow);
        $callback!($($arg)* imports, ImportRow);
        $callback!($($arg)* payments, PaymentRow);
        $callback!($($arg)* allocations, AllocationRow);
        $callback!($($arg)* outbox, OutboxRow);
        $callback!($($arg)* step_history, StepRow);
        $callback!($($arg)* fee_claims, FeeClaimRow);
        $callback!($($arg)* interest_claims, InterestClaimRow);
        $callback!($($arg)* pending_actions, PendingActionRow);
        $callback!($($arg)* disputes, DisputeRow);
        $callback!($($arg)* pauses, PauseRow);
        $callback!($($arg)* promises, PromiseRow);
        $callback!($($arg)* payment_plans, PaymentPlanRow);
        $callback!($($arg)* payment_plan_instalments, InstalmentRow);
        $callback!($($arg)* collection_cases, CaseRow);
        $callback!($($arg)* collection_case_updates, CaseUpdateRow);
        $callback!($($arg)* collection_partners, CollectionPartnerRow);
        $callback!($($arg)* webhook_endpoints, WebhookEndpointRow);
        $callback!($($arg)* webhook_secrets, WebhookSecretRow);
        $callback!($($arg)* webhook_deliveries, WebhookDeliveryRow);
        $callback!($($arg)* webhook_attempts, WebhookAttemptRow);
        $callback!($($arg)* self_service_links, SelfServiceLinkRow);
        $callback!($($arg)* self_service_requests, SelfServiceRequestRow);
        $callback!($($arg)* events, EventRow);
    };
}

/// Tables keyed by other columns, small enough to read at once, with their key order.
macro_rules! tables_without_id {
    ($callback:ident!($($arg:tt)*)) => {
        $callback!($($arg)* tenant_counters, TenantCounterRow, tenant_counters::tenant_id);
        $callback!($($arg)* payment_plan_invoices, PlanInvoiceRow,
            (payment_plan_invoices::plan_id, payment_plan_invoices::invoice_id));
        $callback!($($arg)* collection_case_invoices, CaseInvoiceRow,
            (collection_case_invoices::case_id, collection_case_invoices::invoice_id));
        $callback!($($arg)* idempotency_keys, IdempotencyKeyRow,
            (idempotency_keys::tenant_id, idempotency_keys::key));
        $callback!($($arg)* reference_rates, ReferenceRateRow,
            (reference_rates::year, reference_rates::half));
        $callback!($($arg)* daemon_secrets, DaemonSecretRow, daemon_secrets::name);
    };
}

/// Copies every row of a SQLite database into an empty PostgreSQL database and returns the row
/// count per table.
///
/// Both databases are migrated first. The target must be empty, or the copy fails with
/// [`StoreError::TargetNotEmpty`]. Only the reference rates that its migration seeds may be there,
/// and the source's rates replace them. Keys are preserved and PostgreSQL's sequences are set past
/// them. The copy runs in one transaction on the target, so a failure leaves it empty, and reads
/// one snapshot of the source, which may stay in use meanwhile.
pub fn copy_sqlite_to_postgres(
    source: &Store,
    target: &Store,
) -> Result<Vec<TableCount>, StoreError> {
    if source.backend() != Backend::Sqlite || target.backend() != Backend::Postgres {
        return Err(StoreError::InvalidInput {
            field: "database",
            detail: format!(
                "the copy goes from SQLite to PostgreSQL, not from {} to {}",
                source.backend(),
                target.backend()
            ),
        });
    }
    source.migrate()?;
    target.migrate()?;
    tracing::info!(source = %source.url(), target = %target.url(), "copying database");

    let counts = source.read(|from: &mut Tx<'_>| {
        target.transaction(|to: &mut Tx<'_>| {
            ensure_empty(to)?;
            copy_all(from, to)
        })
    })?;

    let total: usize = counts.iter().map(|count| count.rows).sum();
    tracing::info!(rows = total, tables = counts.len(), "copied database");
    Ok(counts)
}

fn ensure_empty(to: &mut Tx<'_>) -> Result<(), StoreError> {
    macro_rules! check {
        ($table:ident, $row:ty $(, $order:expr)?) => {
            if stringify!($table) != "reference_rates" {
                let rows: i64 = $table::table
                    .count()
                    .get_result(to.connection())
                    .map_err(|error| to.error(error))?;
                if rows > 0 {
                    return Err(StoreError::TargetNotEmpty {
                        table: stringify!($table),
                        rows,
                    });
                }
            }
        };
    }
    tables_with_id!(check!());
    tables_without_id!(check!());
    Ok(())
}

fn copy_all(from: &mut Tx<'_>, to: &mut Tx<'_>) -> Result<Vec<TableCount>, StoreError> {
    let mut counts = Vec::new();
    let mut corrections: Vec<(i64, i64)> = Vec::new();

    diesel::delete(reference_rates::table)
        .execute(to.connection())
        .map_err(|error| to.error(error))?;

    macro_rules! copy_by_id {
        ($table:ident, $row:ty) => {{
            let mut last = 0_i64;
            let mut copied = 0_usize;
            loop {
                let mut rows: Vec<$row> = $table::table
                    .filter($table::id.gt(last))
                    .order($table::id)
                    .limit(PAGE)
                    .select(<$row>::as_select())
                    .load(from.connection())
                    .map_err(|error| from.error(error))?;
                let Some(tail) = rows.last() else { break };
                last = tail.id;
                copied += rows.len();
                detach(&mut rows, &mut corrections);
                insert_page!($table, &rows);
            }
            tracing::info!(table = stringify!($table), rows = copied, "copied table");
            counts.push(TableCount {
                table: stringify!($table),
                rows: copied,
            });
        }};
    }
    macro_rules! copy_whole {
        ($table:ident, $row:ty, $order:expr) => {{
            let rows: Vec<$row> = $table::table
                .order($order)
                .select(<$row>::as_select())
                .load(from.connection())
                .map_err(|error| from.error(error))?;
            for page in rows.chunks(usize::try_from(PAGE).unwrap_or(1000)) {
                insert_page!($table, page);
            }
            tracing::info!(
                table = stringify!($table),
                rows = rows.len(),
                "copied table"
            );
            counts.push(TableCount {
                table: stringify!($table),
                rows: rows.len(),
            });
        }};
    }
    macro_rules! insert_page {
        ($table:ident, $rows:expr) => {{
            let DbConnection::Postgres(connection) = to.connection() else {
                return Err(not_postgres());
            };
            diesel::insert_into($table::table)
                .values($rows)
                .execute(connection)
                .map_err(|error| StoreError::from_diesel(Backend::Postgres, error))?;
        }};
    }

    tables_with_id!(copy_by_id!());
    copy_whole!(
        tenant_counters,
        TenantCounterRow,
        tenant_counters::tenant_id
    );
    copy_whole!(
        payment_plan_invoices,
        PlanInvoiceRow,
        (
            payment_plan_invoices::plan_id,
            payment_plan_invoices::invoice_id
        )
    );
    copy_whole!(
        collection_case_invoices,
        CaseInvoiceRow,
        (
            collection_case_invoices::case_id,
            collection_case_invoices::invoice_id
        )
    );
    copy_whole!(
        idempotency_keys,
        IdempotencyKeyRow,
        (idempotency_keys::tenant_id, idempotency_keys::key)
    );
    copy_whole!(
        reference_rates,
        ReferenceRateRow,
        (reference_rates::year, reference_rates::half)
    );
    copy_whole!(daemon_secrets, DaemonSecretRow, daemon_secrets::name);

    for (invoice, corrected) in corrections {
        diesel::update(invoices::table.find(invoice))
            .set(invoices::corrects_invoice_id.eq(corrected))
            .execute(to.connection())
            .map_err(|error| to.error(error))?;
    }
    reset_sequences(to)?;
    Ok(counts)
}

/// Holds back links between invoices, which may point to an invoice with a higher key, until
/// all invoices are in.
#[expect(
    clippy::ptr_arg,
    reason = "downcasting needs the sized Vec, not a slice"
)]
fn detach<T: 'static>(rows: &mut Vec<T>, corrections: &mut Vec<(i64, i64)>) {
    let rows: &mut dyn std::any::Any = rows;
    if let Some(invoices) = rows.downcast_mut::<Vec<InvoiceRow>>() {
        for invoice in invoices {
            if let Some(corrected) = invoice.corrects_invoice_id.take() {
                corrections.push((invoice.id, corrected));
            }
        }
    }
}

fn reset_sequences(to: &mut Tx<'_>) -> Result<(), StoreError> {
    macro_rules! reset {
        ($table:ident, $row:ty) => {{
            let statement = format!(
                "SELECT setval(pg_get_serial_sequence('{table}', 'id'), \
                 COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)",
                table = stringify!($table)
            );
            let DbConnection::Postgres(connection) = to.connection() else {
                return Err(not_postgres());
            };
            diesel::sql_query(statement)
                .execute(connection)
                .map_err(|error| StoreError::from_diesel(Backend::Postgres, error))?;
        }};
    }
    tables_with_id!(reset!());
    Ok(())
}

fn not_postgres() -> StoreError {
    StoreError::InvalidInput {
        field: "database",
        detail: "the copy target must be PostgreSQL".to_owned(),
    }
}

/// Compares every table of two databases row by row, in key order, and returns one result per
/// table. Either database may be SQLite or PostgreSQL.
pub fn compare(left: &Store, right: &Store) -> Result<Vec<TableComparison>, StoreError> {
    left.read(|a: &mut Tx<'_>| right.read(|b: &mut Tx<'_>| compare_all(a, b)))
}

fn compare_all(a: &mut Tx<'_>, b: &mut Tx<'_>) -> Result<Vec<TableComparison>, StoreError> {
    let mut results = Vec::new();

    macro_rules! count {
        ($tx:expr, $table:ident) => {
            $table::table
                .count()
                .get_result::<i64>($tx.connection())
                .map_err(|error| $tx.error(error))?
        };
    }
    macro_rules! compare_by_id {
        ($table:ident, $row:ty) => {{
            let left_rows = count!(a, $table);
            let right_rows = count!(b, $table);
            let mut difference = None;
            let mut last = 0_i64;
            while difference.is_none() {
                let left_page: Vec<$row> = $table::table
                    .filter($table::id.gt(last))
                    .order($table::id)
                    .limit(PAGE)
                    .select(<$row>::as_select())
                    .load(a.connection())
                    .map_err(|error| a.error(error))?;
                let right_page: Vec<$row> = $table::table
                    .filter($table::id.gt(last))
                    .order($table::id)
                    .limit(PAGE)
                    .select(<$row>::as_select())
                    .load(b.connection())
                    .map_err(|error| b.error(error))?;
                difference = first_difference(&left_page, &right_page);
                match left_page.last() {
                    Some(tail) => last = tail.id,
                    None => break,
                }
            }
            results.push(TableComparison {
                table: stringify!($table),
                left_rows,
                right_rows,
                difference,
            });
        }};
    }
    macro_rules! compare_whole {
        ($table:ident, $row:ty, $order:expr) => {{
            let left: Vec<$row> = $table::table
                .order($order)
                .select(<$row>::as_select())
                .load(a.connection())
                .map_err(|error| a.error(error))?;
            let right: Vec<$row> = $table::table
                .order($order)
                .select(<$row>::as_select())
                .load(b.connection())
                .map_err(|error| b.error(error))?;
            results.push(TableComparison {
                table: stringify!($table),
                left_rows: i64::try_from(left.len()).unwrap_or(i64::MAX),
                right_rows: i64::try_from(right.len()).unwrap_or(i64::MAX),
                difference: first_difference(&left, &right),
            });
        }};
    }

    tables_with_id!(compare_by_id!());
    tables_without_id!(compare_whole!());
    Ok(results)
}

fn first_difference<T: PartialEq + std::fmt::Debug>(left: &[T], right: &[T]) -> Option<String> {
    for (position, pair) in left.iter().zip(right).enumerate() {
        if pair.0 != pair.1 {
            return Some(format!(
                "row {position} differs: {:?} != {:?}",
                pair.0, pair.1
            ));
        }
    }
    match left.len().cmp(&right.len()) {
        std::cmp::Ordering::Equal => None,
        std::cmp::Ordering::Less => right
            .get(left.len())
            .map(|row| format!("only in the second database: {row:?}")),
        std::cmp::Ordering::Greater => left
            .get(right.len())
            .map(|row| format!("only in the first database: {row:?}")),
    }
}
