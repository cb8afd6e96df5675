//! Invoices and credit notes, their batch upsert and the lookups of payment matching.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel::upsert::excluded;
use vahti_domain::Money;
use vahti_domain::ids::{AccountId, InvoiceId, TenantId};

use crate::Tx;
use crate::connection::DbConnection;
use crate::convert::{money_from_parts, money_parts, parse_column, text_enum};
use crate::error::StoreError;
use crate::raw_insert::{self, SqlValue};
use crate::reuse::ReuseExt;
use crate::rows::InvoiceRow;
use crate::schema::invoices;
use crate::sql_types::{Instant, sqlite_date_text, sqlite_text};
use crate::store::per_backend;

/// The maximum number of invoices one [`upsert_batch`] call takes.
pub const MAX_BATCH: usize = 10_000;

/// Rows per INSERT statement. Each row binds 17 values, so 1000 rows bind 17,000: below SQLite's
/// default limit of 32,766 variables (since SQLite 3.32) and PostgreSQL's 65,535 parameters.
const INSERT_CHUNK: usize = 1000;

/// Invoices per lookup by external id (one bound value each).
const LOOKUP_CHUNK: usize = 1000;

text_enum! {
    /// Whether a document claims money or gives it back.
    pub enum InvoiceKind {
        /// An invoice.
        Invoice => "invoice",
        /// A credit note, which reduces what the debtor owes.
        CreditNote => "credit_note",
    }
}

text_enum! {
    /// The integrator's status of an invoice.
    pub enum InvoiceStatus {
        /// Not sent to the debtor yet; never reminded.
        Draft => "draft",
        /// Sent to the debtor.
        Issued => "issued",
        /// Withdrawn by the creditor; never reminded.
        Cancelled => "cancelled",
    }
}

/// An invoice or credit note as the integrator sends it; the key is `external_id` within the
/// tenant.
#[derive(Debug, Clone, PartialEq)]
pub struct InvoiceUpsert {
    /// The integrator's own id, unique per tenant.
    pub external_id: String,
    /// The debtor's account.
    pub account_id: AccountId,
    /// Invoice or credit note.
    pub kind: InvoiceKind,
    /// The invoice number printed on the document.
    pub number: String,
    /// The issue date.
    pub issue_date: NaiveDate,
    /// The day the invoice was sent, if known.
    pub sent_on: Option<NaiveDate>,
    /// The due date; credit notes have none.
    pub due_date: Option<NaiveDate>,
    /// The total, rounded to the currency's minor unit. Credit notes carry a positive amount.
    pub amount: Money,
    /// The payment reference in compact form (no spaces), Finnish or RF.
    pub reference: Option<String>,
    /// Whether the integrator's reference failed validation. The daemon then stores a generated
    /// valid reference in `reference` and keeps this flag to report the replacement.
    pub reference_invalid: bool,
    /// The creditor account printed on this invoice, if it differs from the tenant's.
    pub seller_iban: Option<String>,
    /// The BIC of `seller_iban`.
    pub seller_bic: Option<String>,
    /// Draft, issued or cancelled.
    pub status: InvoiceStatus,
    /// For a credit note, the external id of the invoice it corrects; it may be in the same batch.
    pub corrects_external_id: Option<String>,
}

/// A stored invoice or credit note.
#[derive(Debug, Clone, PartialEq)]
pub struct Invoice {
    /// The key.
    pub id: InvoiceId,
    /// The owning tenant.
    pub tenant_id: TenantId,
    /// The debtor's account.
    pub account_id: AccountId,
    /// The integrator's own id.
    pub external_id: String,
    /// Invoice or credit note.
    pub kind: InvoiceKind,
    /// The printed number.
    pub number: String,
    /// The issue date.
    pub issue_date: NaiveDate,
    /// The day it was sent.
    pub sent_on: Option<NaiveDate>,
    /// The due date.
    pub due_date: Option<NaiveDate>,
    /// The total.
    pub amount: Money,
    /// The payment reference in compact form.
    pub reference: Option<String>,
    /// Whether the integrator's reference failed validation and was replaced.
    pub reference_invalid: bool,
    /// The creditor account printed on this invoice.
    pub seller_iban: Option<String>,
    /// The BIC of `seller_iban`.
    pub seller_bic: Option<String>,
    /// Draft, issued or cancelled.
    pub status: InvoiceStatus,
    /// For a credit note, the invoice it corrects.
    pub corrects_invoice_id: Option<InvoiceId>,
    /// The day from which penalty interest is claimed, once a step claimed it.
    pub interest_claimed_from: Option<NaiveDate>,
    /// Whether the debtor disputes the invoice; a disputed invoice is not reminded.
    pub disputed: bool,
    /// Collection of this invoice is paused up to and including this day.
    pub paused_until: Option<NaiveDate>,
    /// The debtor promised to pay by this day.
    pub promised_until: Option<NaiveDate>,
    /// When the invoice was handed over to a collection agency.
    pub handed_over_at: Option<DateTime<Utc>>,
    /// When the creditor wrote the invoice off.
    pub written_off_at: Option<DateTime<Utc>>,
    /// When the invoice was fully paid or credited.
    pub settled_at: Option<DateTime<Utc>>,
    /// When the invoice was first stored.
    pub created_at: DateTime<Utc>,
    /// When the invoice last changed.
    pub updated_at: DateTime<Utc>,
}

impl TryFrom<InvoiceRow> for Invoice {
    type Error = StoreError;

    fn try_from(row: InvoiceRow) -> Result<Self, StoreError> {
        Ok(Invoice {
            id: InvoiceId(row.id),
            tenant_id: TenantId(row.tenant_id),
            account_id: AccountId(row.account_id),
            kind: parse_column("invoices", "kind", &row.kind)?,
            amount: money_from_parts("invoices", "currency", row.amount_minor, &row.currency)?,
            status: parse_column("invoices", "status", &row.status)?,
            external_id: row.external_id,
            number: row.number,
            issue_date: row.issue_date,
            sent_on: row.sent_on,
            due_date: row.due_date,
            reference: row.reference,
            reference_invalid: row.reference_invalid,
            seller_iban: row.seller_iban,
            seller_bic: row.seller_bic,
            corrects_invoice_id: row.corrects_invoice_id.map(InvoiceId),
            interest_claimed_from: row.interest_claimed_from,
            disputed: row.disputed,
            paused_until: row.paused_until,
            promised_until: row.promised_until,
            handed_over_at: row.handed_over_at.map(DateTime::from),
            written_off_at: row.written_off_at.map(DateTime::from),
            settled_at: row.settled_at.map(DateTime::from),
            created_at: row.created_at.0,
            updated_at: row.updated_at.0,
        })
    }
}

/// The columns an upsert writes; the columns Vahti owns (dispute, pause, hand-over, interest)
/// keep their defaults on insert and their values on update.
#[derive(Insertable)]
#[diesel(table_name = invoices, treat_none_as_default_value = false)]
struct InvoiceInsert<'a> {
    tenant_id: i64,
    account_id: i64,
    external_id: &'a str,
    kind: &'static str,
    number: &'a str,
    issue_date: NaiveDate,
    sent_on: Option<NaiveDate>,
    due_date: Option<NaiveDate>,
    currency: &'static str,
    amount_minor: i64,
    reference: Option<&'a str>,
    reference_invalid: bool,
    seller_iban: Option<&'a str>,
    seller_bic: Option<&'a str>,
    status: &'static str,
    created_at: Instant,
    updated_at: Instant,
}

/// Creates or updates up to [`MAX_BATCH`] invoices in multi-row statements and returns their
/// keys in input order.
///
/// Existing invoices (same tenant and external id) get the integrator's fields replaced; the
/// fields Vahti owns stay. Credit notes are linked to the invoices they correct after all rows
/// are written. Fails with [`StoreError::InvalidInput`] for an oversized batch, a repeated
/// external id or an amount with sub-minor digits. Fails with [`StoreError::NotFound`] when a
/// corrected invoice does not exist, after the rows are written, so the caller's transaction must
/// roll back.
pub fn upsert_batch(
    tx: &mut Tx<'_>,
    tenant_id: TenantId,
    batch: &[InvoiceUpsert],
    now: DateTime<Utc>,
) -> Result<Vec<InvoiceId>, StoreError> {
    if batch.len() > MAX_BATCH {
        return Err(StoreError::InvalidInput {
            field: "invoices",
            detail: format!(
                "a batch has {} invoices, more than the maximum of {MAX_BATCH}; split it",
                batch.len()
            ),
        });
    }
    let rows = insert_rows(tenant_id, batch, now)?;

    let backend = tx.backend();
    // One statement text per chunk size, so only a single row, the usual size of an upsert on
    // one account, is kept prepared (see `crate::reuse`).
    macro_rules! upsert {
        ($values:expr) => {
            diesel::insert_into(invoices::table)
                .values($values)
                .on_conflict((invoices::tenant_id, invoices::external_id))
                .do_update()
                .set((
                    invoices::account_id.eq(excluded(invoices::account_id)),
                    invoices::kind.eq(excluded(invoices::kind)),
                    invoices::number.eq(excluded(invoices::number)),
                    invoices::issue_date.eq(excluded(invoices::issue_date)),
                    invoices::sent_on.eq(excluded(invoices::sent_on)),
                    invoices::due_date.eq(excluded(invoices::due_date)),
                    invoices::currency.eq(excluded(invoices::currency)),
                    invoices::amount_minor.eq(excluded(invoices::amount_minor)),
                    invoices::reference.eq(excluded(invoices::reference)),
                    invoices::reference_invalid.eq(excluded(invoices::reference_invalid)),
                    invoices::seller_iban.eq(excluded(invoices::seller_iban)),
                    invoices::seller_bic.eq(excluded(invoices::seller_bic)),
                    invoices::status.eq(excluded(invoices::status)),
                    invoices::updated_at.eq(excluded(invoices::updated_at)),
                ))
        };
    }
    // A single row runs the prepared statement and looks its key up; many rows return their
    // keys, which saves a lookup of every external id. Two or more rows on SQLite bind their
    // values in place instead of going through diesel.
    let mut returned: HashMap<String, i64> = HashMap::new();
    let mut through_diesel: &[InvoiceInsert<'_>] = &rows;
    if batch.len() > 1
        && let DbConnection::Sqlite(connection) = tx.connection()
    {
        returned = upsert_raw(connection, &rows)
            .map_err(|error| StoreError::from_diesel(backend, error))?
            .into_iter()
            .collect();
        through_diesel = &[];
    }
    for chunk in through_diesel.chunks(INSERT_CHUNK) {
        per_backend!(tx, |connection| match chunk {
            [row] if batch.len() == 1 => upsert!(row).reusable().execute(connection).map(|_| ()),
            rows => upsert!(rows)
                .returning((invoices::external_id, invoices::id))
                .get_results::<(String, i64)>(connection)
                .map(|keys| returned.extend(keys)),
        })
        .map_err(|error| StoreError::from_diesel(backend, error))?;
    }

    let keys: HashMap<&str, InvoiceId> = if let [single] = batch {
        ids_by_external_id(tx, tenant_id, &[single.external_id.as_str()])?
    } else {
        batch
            .iter()
            .filter_map(|invoice| {
                let id = returned.get(&invoice.external_id)?;
                Some((invoice.external_id.as_str(), InvoiceId(*id)))
            })
            .collect()
    };
    link_credit_notes(tx, tenant_id, batch, &keys, now)?;

    tracing::debug!(
        tenant.id = tenant_id.0,
        invoices = batch.len(),
        "upserted invoices"
    );
    batch
        .iter()
        .map(|invoice| {
            keys.get(invoice.external_id.as_str())
                .copied()
                .ok_or_else(|| {
                    StoreError::not_found(
                        "invoice",
                        format!("external_id {:?}", invoice.external_id),
                    )
                })
        })
        .collect()
}

fn insert_rows<'a>(
    tenant_id: TenantId,
    batch: &'a [InvoiceUpsert],
    now: DateTime<Utc>,
) -> Result<Vec<InvoiceInsert<'a>>, StoreError> {
    let mut seen = HashSet::with_capacity(batch.len());
    let mut rows = Vec::with_capacity(batch.len());
    for invoice in batch {
        if !seen.insert(invoice.external_id.as_str()) {
            return Err(StoreError::InvalidInput {
                field: "external_id",
                detail: format!(
                    "external id {:?} occurs twice in one batch; send each invoice once",
                    invoice.external_id
                ),
            });
        }
        let (amount_minor, _) = money_parts("amount", &invoice.amount)?;
        rows.push(InvoiceInsert {
            tenant_id: tenant_id.0,
            account_id: invoice.account_id.0,
            external_id: &invoice.external_id,
            kind: invoice.kind.as_str(),
            number: &invoice.number,
            issue_date: invoice.issue_date,
            sent_on: invoice.sent_on,
            due_date: invoice.due_date,
            currency: invoice.amount.currency().code(),
            amount_minor,
            reference: invoice.reference.as_deref(),
            reference_invalid: invoice.reference_invalid,
            seller_iban: invoice.seller_iban.as_deref(),
            seller_bic: invoice.seller_bic.as_deref(),
            status: invoice.status.as_str(),
            created_at: Instant(now),
            updated_at: Instant(now),
        });
    }
    Ok(rows)
}

/// The columns of an upsert, in the order [`upsert_raw`] binds them.
const UPSERT_COLUMNS: [&str; 17] = [
    "tenant_id",
    "account_id",
    "external_id",
    "kind",
    "number",
    "issue_date",
    "sent_on",
    "due_date",
    "currency",
    "amount_minor",
    "reference",
    "reference_invalid",
    "seller_iban",
    "seller_bic",
    "status",
    "created_at",
    "updated_at",
];

/// The `ON CONFLICT` clause of an upsert, which replaces the integrator's fields of a stored
/// invoice as `upsert_batch` does.
const UPSERT_CONFLICT: &str = "ON CONFLICT (tenant_id, external_id) DO UPDATE SET \
     account_id = excluded.account_id, kind = excluded.kind, number = excluded.number, \
     issue_date = excluded.issue_date, sent_on = excluded.sent_on, \
     due_date = excluded.due_date, currency = excluded.currency, \
     amount_minor = excluded.amount_minor, reference = excluded.reference, \
     reference_invalid = excluded.reference_invalid, seller_iban = excluded.seller_iban, \
     seller_bic = excluded.seller_bic, status = excluded.status, \
     updated_at = excluded.updated_at";

/// Upserts many invoices on SQLite with values bound in place (see [`crate::raw_insert`]) and
/// returns the external id and key of each row. Diesel renders a multi-row upsert anew for
/// every call and walks it three times, about 26,000 instructions per invoice more than this
/// (callgrind, the ingest benchmark).
fn upsert_raw(
    connection: &mut diesel::sqlite::SqliteConnection,
    rows: &[InvoiceInsert<'_>],
) -> diesel::QueryResult<Vec<(String, i64)>> {
    // The rows of one upsert share their instant, so its text is written once.
    let shared = rows
        .first()
        .map(|row| (row.created_at.0, sqlite_text(&row.created_at.0)));
    let stamp = |at: &Instant| match &shared {
        Some((instant, text)) if *instant == at.0 => std::borrow::Cow::Borrowed(text.as_str()),
        _ => std::borrow::Cow::Owned(sqlite_text(&at.0)),
    };
    let date = sqlite_date_text;
    raw_insert::insert_all_with(
        connection,
        &raw_insert::Target {
            table: "invoices",
            columns: &UPSERT_COLUMNS,
            tail: UPSERT_CONFLICT,
            returning: &["external_id", "id"],
        },
        rows,
        |row, bind| {
            bind(SqlValue::Integer(row.tenant_id))?;
            bind(SqlValue::Integer(row.account_id))?;
            bind(SqlValue::Text(row.external_id))?;
            bind(SqlValue::Text(row.kind))?;
            bind(SqlValue::Text(row.number))?;
            bind(SqlValue::Text(&date(row.issue_date)))?;
            bind(SqlValue::from(row.sent_on.map(date).as_deref()))?;
            bind(SqlValue::from(row.due_date.map(date).as_deref()))?;
            bind(SqlValue::Text(row.currency))?;
            bind(SqlValue::Integer(row.amount_minor))?;
            bind(SqlValue::from(row.reference))?;
            bind(SqlValue::Integer(i64::from(row.reference_invalid)))?;
            bind(SqlValue::from(row.seller_iban))?;
            bind(SqlValue::from(row.seller_bic))?;
            bind(SqlValue::Text(row.status))?;
            bind(SqlValue::Text(&stamp(&row.created_at)))?;
            bind(SqlValue::Text(&stamp(&row.updated_at)))
        },
        |returned| Ok((returned.text(0)?, returned.integer(1))),
    )
}

/// Looks up the keys of the given external ids that exist, in chunks of [`LOOKUP_CHUNK`].
fn ids_by_external_id<'a>(
    tx: &mut Tx<'_>,
    tenant_id: TenantId,
    external_ids: &[&'a str],
) -> Result<HashMap<&'a str, InvoiceId>, StoreError> {
    let mut keys = HashMap::with_capacity(external_ids.len());
    for chunk in external_ids.chunks(LOOKUP_CHUNK) {
        let query = invoices::table
            .filter(invoices::tenant_id.eq(tenant_id.0))
            .filter(invoices::external_id.eq_any(chunk))
            .select((invoices::external_id, invoices::id));
        // A text per list length: a single key, the usual size, is kept prepared.
        let found: Vec<(String, i64)> = if chunk.len() == 1 {
            query.reusable().load(tx.connection())
        } else {
            query.load(tx.connection())
        }
        .map_err(|error| tx.error(error))?;
        let found: HashMap<String, i64> = found.into_iter().collect();
        for external_id in chunk {
            if let Some(id) = found.get(*external_id) {
                keys.insert(*external_id, InvoiceId(*id));
            }
        }
    }
    Ok(keys)
}

fn link_credit_notes(
    tx: &mut Tx<'_>,
    tenant_id: TenantId,
    batch: &[InvoiceUpsert],
    keys: &HashMap<&str, InvoiceId>,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let corrected: Vec<&str> = batch
        .iter()
        .filter_map(|invoice| invoice.corrects_external_id.as_deref())
        .collect();
    if corrected.is_empty() {
        return Ok(());
    }
    let targets = ids_by_external_id(tx, tenant_id, &corrected)?;

    for invoice in batch {
        let Some(target) = invoice.corrects_external_id.as_deref() else {
            continue;
        };
        let target_id = targets.get(target).ok_or_else(|| {
            StoreError::not_found(
                "invoice",
                format!(
                    "external_id {target:?} (corrected by {:?})",
                    invoice.external_id
                ),
            )
        })?;
        let Some(own_id) = keys.get(invoice.external_id.as_str()) else {
            continue;
        };
        diesel::update(invoices::table.find(own_id.0))
            .set((
                invoices::corrects_invoice_id.eq(target_id.0),
                invoices::updated_at.eq(Instant(now)),
            ))
            .reusable()
            .execute(tx.connection())
            .map_err(|error| tx.error(error))?;
    }
    Ok(())
}

/// Loads an invoice.
pub fn get(tx: &mut Tx<'_>, id: InvoiceId) -> Result<Invoice, StoreError> {
    let row: InvoiceRow = per_backend!(tx, |connection| {
        invoices::table
            .find(id.0)
            .select(InvoiceRow::as_select())
            .first(connection)
    })
    .map_err(|error| tx.lookup_error("invoice", id, error))?;
    Invoice::try_from(row)
}

/// Loads an invoice by the integrator's id.
pub fn get_by_external_id(
    tx: &mut Tx<'_>,
    tenant_id: TenantId,
    external_id: &str,
) -> Result<Invoice, StoreError> {
    let row: InvoiceRow = invoices::table
        .filter(invoices::tenant_id.eq(tenant_id.0))
        .filter(invoices::external_id.eq(external_id))
        .select(InvoiceRow::as_select())
        .first(tx.connection())
        .map_err(|error| {
            tx.lookup_error("invoice", format!("external_id {external_id:?}"), error)
        })?;
    Invoice::try_from(row)
}

/// Finds the invoices of a tenant that carry this reference (compact form), for payment
/// matching, by key.
///
/// Flagged invoices are included: the daemon stores a generated valid reference in place of an
/// integrator's reference that failed validation, so the stored reference is the one the debtor
/// is asked to pay with.
pub fn find_by_reference(
    tx: &mut Tx<'_>,
    tenant_id: TenantId,
    reference: &str,
) -> Result<Vec<Invoice>, StoreError> {
    let rows: Vec<InvoiceRow> = invoices::table
        .filter(invoices::tenant_id.eq(tenant_id.0))
        .filter(invoices::reference.eq(reference))
        .order(invoices::id)
        .select(InvoiceRow::as_select())
        .load(tx.connection())
        .map_err(|error| tx.error(error))?;
    rows.into_iter().map(Invoice::try_from).collect()
}

/// Loads the tenant's invoices and credit notes with the given external ids, by key, each once
/// even when its id is given twice. Ids that do not exist are left out.
pub fn get_many_by_external_id(
    tx: &mut Tx<'_>,
    tenant_id: TenantId,
    external_ids: &[&str],
) -> Result<Vec<Invoice>, StoreError> {
    let mut unique = external_ids.to_vec();
    unique.sort_unstable();
    unique.dedup();
    let external_ids = unique.as_slice();
    let mut found = Vec::with_capacity(external_ids.len());
    // On the backend's own connection, so that each statement stays prepared.
    for chunk in crate::reuse::lookup_chunks(tx.backend(), external_ids, LOOKUP_CHUNK) {
        let rows: Vec<InvoiceRow> = per_backend!(tx, |connection| {
            invoices::table
                .filter(invoices::tenant_id.eq(tenant_id.0))
                .filter(invoices::external_id.eq_any(chunk))
                .select(InvoiceRow::as_select())
                .reusable()
                .load(connection)
        })
        .map_err(|error| tx.error(error))?;
        for row in rows {
            found.push(Invoice::try_from(row)?);
        }
    }
    found.sort_by_key(|invoice| invoice.id);
    Ok(found)
}

/// The filters of [`list`]. An absent filter lets every document through.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ListFilter {
    /// Only documents of this account.
    pub account_id: Option<AccountId>,
    /// Only documents with this integrator's status.
    pub status: Option<InvoiceStatus>,
}

/// Lists a tenant's invoices and credit notes by key, after `after` and at most `limit`.
pub fn list(
    tx: &mut Tx<'_>,
    tenant_id: TenantId,
    filter: ListFilter,
    after: Option<InvoiceId>,
    limit: i64,
) -> Result<Vec<Invoice>, StoreError> {
    let mut query = invoices::table
        .filter(invoices::tenant_id.eq(tenant_id.0))
        .filter(invoices::id.gt(after.map_or(0, |id| id.0)))
        .order(invoices::id)
        .limit(limit)
        .select(InvoiceRow::as_select())
        .into_boxed();
    if let Some(account_id) = filter.account_id {
        query = query.filter(invoices::account_id.eq(account_id.0));
    }
    if let Some(status) = filter.status {
        query = query.filter(invoices::status.eq(status.as_str()));
    }
    let rows: Vec<InvoiceRow> = query
        .load(tx.connection())
        .map_err(|error| tx.error(error))?;
    rows.into_iter().map(Invoice::try_from).collect()
}

/// Lists all invoices and credit notes of an account by key.
pub fn list_for_account(
    tx: &mut Tx<'_>,
    account_id: AccountId,
) -> Result<Vec<Invoice>, StoreError> {
    let rows: Vec<InvoiceRow> = per_backend!(tx, |conn| {
        invoices::table
            .filter(invoices::account_id.eq(account_id.0))
            .order(invoices::id)
            .select(InvoiceRow::as_select())
            .load(conn)
    })
    .map_err(|error| tx.error(error))?;
    rows.into_iter().map(Invoice::try_from).collect()
}

/// Lists all invoices and credit notes of many accounts, by key.
pub fn list_for_accounts(
    tx: &mut Tx<'_>,
    account_ids: &[AccountId],
) -> Result<Vec<Invoice>, StoreError> {
    // One key: the statement of a single account, so that its kept plan is the usual one.
    if let [account_id] = account_ids {
        return list_for_account(tx, *account_id);
    }
    crate::store::read_rows_of_accounts!(tx, account_ids, InvoiceRow => Invoice, |keys| {
        invoices::table
            .filter(crate::store::in_keys(invoices::account_id, keys))
            .order(invoices::id)
            .select(InvoiceRow::as_select())
    })
}

/// The keys of the invoices and credit notes that belong to an account now, as a subquery.
#[diesel::dsl::auto_type]
pub(crate) fn ids_of_account(account_id: i64) -> _ {
    invoices::table
        .filter(invoices::account_id.eq(account_id))
        .select(invoices::id)
}

/// Lists an account's open documents: issued invoices and credit notes that are neither settled
/// nor written off. Handed-over invoices are included, since they still block reminders.
pub fn list_open_for_account(
    tx: &mut Tx<'_>,
    account_id: AccountId,
) -> Result<Vec<Invoice>, StoreError> {
    let rows: Vec<InvoiceRow> = invoices::table
        .filter(invoices::account_id.eq(account_id.0))
        .filter(invoices::status.eq(InvoiceStatus::Issued.as_str()))
        .filter(invoices::settled_at.is_null())
        .filter(invoices::written_off_at.is_null())
        .order(invoices::id)
        .select(InvoiceRow::as_select())
        .load(tx.connection())
        .map_err(|error| tx.error(error))?;
    rows.into_iter().map(Invoice::try_from).collect()
}

/// The collection state of an invoice that Vahti owns, set as a whole by [`update_collection`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CollectionState {
    /// The day from which penalty interest is claimed.
    pub interest_claimed_from: Option<NaiveDate>,
    /// Whether the debtor disputes the invoice.
    pub disputed: bool,
    /// Collection is paused up to and including this day.
    pub paused_until: Option<NaiveDate>,
    /// The debtor promised to pay by this day.
    pub promised_until: Option<NaiveDate>,
    /// When the invoice was handed over to a collection agency.
    pub handed_over_at: Option<DateTime<Utc>>,
    /// When the creditor wrote the invoice off.
    pub written_off_at: Option<DateTime<Utc>>,
    /// When the invoice was fully paid or credited.
    pub settled_at: Option<DateTime<Utc>>,
}

impl Invoice {
    /// Returns the invoice's current collection state, to change and pass to [`update_collection`].
    pub fn collection_state(&self) -> CollectionState {
        CollectionState {
            interest_claimed_from: self.interest_claimed_from,
            disputed: self.disputed,
            paused_until: self.paused_until,
            promised_until: self.promised_until,
            handed_over_at: self.handed_over_at,
            written_off_at: self.written_off_at,
            settled_at: self.settled_at,
        }
    }
}

/// Replaces the collection state of an invoice and returns the invoice.
///
/// Changes to one account go through its actor, which serialises them, so this does not check
/// for concurrent writers. Where that is not so, lock the account with [`crate::accounts::lock`]
/// first.
pub fn update_collection(
    tx: &mut Tx<'_>,
    id: InvoiceId,
    state: &CollectionState,
    now: DateTime<Utc>,
) -> Result<Invoice, StoreError> {
    let row: InvoiceRow = diesel::update(invoices::table.find(id.0))
        .set((
            invoices::interest_claimed_from.eq(state.interest_claimed_from),
            invoices::disputed.eq(state.disputed),
            invoices::paused_until.eq(state.paused_until),
            invoices::promised_until.eq(state.promised_until),
            invoices::handed_over_at.eq(state.handed_over_at.map(Instant)),
            invoices::written_off_at.eq(state.written_off_at.map(Instant)),
            invoices::settled_at.eq(state.settled_at.map(Instant)),
            invoices::updated_at.eq(Instant(now)),
        ))
        .returning(invoices::all_columns)
        .reusable()
        .get_result(tx.connection())
        .map_err(|error| tx.lookup_error("invoice", id, error))?;
    Invoice::try_from(row)
}
