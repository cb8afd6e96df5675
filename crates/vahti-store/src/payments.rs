//! Payments, the queue of unmatched payments, and allocations of money to invoices.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use vahti_domain::Money;
use vahti_domain::ids::{AccountId, InvoiceId, PaymentId, TenantId};

use crate::Tx;
use crate::convert::{money_from_parts, money_parts, parse_column, text_enum};
use crate::error::StoreError;
use crate::ids::{AllocationId, ImportId};
use crate::reuse::ReuseExt;
use crate::rows::{AllocationRow, PaymentRow};
use crate::schema::{allocations, payments};
use crate::sql_types::Instant;
use crate::store::per_backend;

text_enum! {
    /// The source of a payment.
    pub enum PaymentSource {
        /// Posted through the HTTP API.
        Api => "api",
        /// An ISO 20022 camt.053 or camt.054 bank statement.
        Camt => "camt",
        /// A Finnish KTL reference payment file.
        Ktl => "ktl",
    }
}

text_enum! {
    /// The part of a claim that an allocation pays.
    pub enum Component {
        /// The invoice's own amount.
        Principal => "principal",
        /// Penalty interest.
        Interest => "interest",
        /// Fees and collection costs.
        Costs => "costs",
    }
}

/// A payment to record.
#[derive(Debug, Clone, PartialEq)]
pub struct NewPayment {
    /// The payer's account when known; `None` puts the payment in the queue of unmatched ones.
    pub account_id: Option<AccountId>,
    /// The invoice the payment names, if any.
    pub invoice_id: Option<InvoiceId>,
    /// The amount received. Negative amounts are returned payments.
    pub amount: Money,
    /// The value date.
    pub paid_on: NaiveDate,
    /// The booking date, if the bank gives one.
    pub booked_on: Option<NaiveDate>,
    /// The reference the payer gave, in compact form.
    pub reference: Option<String>,
    /// The bank's archive id, unique per tenant; repeating one is a [`StoreError::Conflict`].
    pub bank_archive_id: Option<String>,
    /// The source of the payment.
    pub source: PaymentSource,
    /// The imported file it came in.
    pub import_id: Option<ImportId>,
    /// The payer's name as the bank gives it.
    pub payer_name: Option<String>,
}

/// A stored payment.
#[derive(Debug, Clone, PartialEq)]
pub struct Payment {
    /// The key.
    pub id: PaymentId,
    /// The owning tenant.
    pub tenant_id: TenantId,
    /// The payer's account; `None` while unmatched.
    pub account_id: Option<AccountId>,
    /// The invoice the payment names.
    pub invoice_id: Option<InvoiceId>,
    /// The amount received.
    pub amount: Money,
    /// The value date.
    pub paid_on: NaiveDate,
    /// The booking date.
    pub booked_on: Option<NaiveDate>,
    /// The reference the payer gave.
    pub reference: Option<String>,
    /// The bank's archive id.
    pub bank_archive_id: Option<String>,
    /// The source of the payment.
    pub source: PaymentSource,
    /// The imported file it came in.
    pub import_id: Option<ImportId>,
    /// The payer's name.
    pub payer_name: Option<String>,
    /// When the payment was reversed; a reversed payment pays nothing.
    pub reversed_at: Option<DateTime<Utc>>,
    /// When the payment was recorded.
    pub created_at: DateTime<Utc>,
    /// When the payment last changed.
    pub updated_at: DateTime<Utc>,
}

impl TryFrom<PaymentRow> for Payment {
    type Error = StoreError;

    fn try_from(row: PaymentRow) -> Result<Self, StoreError> {
        Ok(Payment {
            id: PaymentId(row.id),
            tenant_id: TenantId(row.tenant_id),
            account_id: row.account_id.map(AccountId),
            invoice_id: row.invoice_id.map(InvoiceId),
            amount: money_from_parts("payments", "currency", row.amount_minor, &row.currency)?,
            source: parse_column("payments", "source", &row.source)?,
            paid_on: row.paid_on,
            booked_on: row.booked_on,
            reference: row.reference,
            bank_archive_id: row.bank_archive_id,
            import_id: row.import_id.map(ImportId),
            payer_name: row.payer_name,
            reversed_at: row.reversed_at.map(DateTime::from),
            created_at: row.created_at.0,
            updated_at: row.updated_at.0,
        })
    }
}

/// Records a payment.
///
/// Fails with [`StoreError::Conflict`] on field `bank_archive_id` when the tenant already has a
/// payment with the same archive id, which makes re-imported bank files harmless.
pub fn insert(
    tx: &mut Tx<'_>,
    tenant_id: TenantId,
    payment: &NewPayment,
    now: DateTime<Utc>,
) -> Result<Payment, StoreError> {
    let (amount_minor, currency) = money_parts("amount", &payment.amount)?;
    let row: PaymentRow = diesel::insert_into(payments::table)
        .values((
            payments::tenant_id.eq(tenant_id.0),
            payments::account_id.eq(payment.account_id.map(|id| id.0)),
            payments::invoice_id.eq(payment.invoice_id.map(|id| id.0)),
            payments::currency.eq(&currency),
            payments::amount_minor.eq(amount_minor),
            payments::paid_on.eq(payment.paid_on),
            payments::booked_on.eq(payment.booked_on),
            payments::reference.eq(payment.reference.as_deref()),
            payments::bank_archive_id.eq(payment.bank_archive_id.as_deref()),
            payments::source.eq(payment.source.as_str()),
            payments::import_id.eq(payment.import_id.map(|id| id.0)),
            payments::payer_name.eq(payment.payer_name.as_deref()),
            payments::created_at.eq(Instant(now)),
            payments::updated_at.eq(Instant(now)),
        ))
        .returning(payments::all_columns)
        .get_result(tx.connection())
        .map_err(|error| match tx.error(error) {
            StoreError::Conflict { .. } => StoreError::Conflict {
                field: "bank_archive_id".to_owned(),
                detail: format!(
                    "a payment with archive id {:?} is already recorded",
                    payment.bank_archive_id.as_deref().unwrap_or_default()
                ),
            },
            other => other,
        })?;
    tracing::debug!(
        tenant.id = tenant_id.0,
        payment.id = row.id,
        "recorded payment"
    );
    Payment::try_from(row)
}

/// Loads a payment.
pub fn get(tx: &mut Tx<'_>, id: PaymentId) -> Result<Payment, StoreError> {
    let row: PaymentRow = payments::table
        .find(id.0)
        .select(PaymentRow::as_select())
        .first(tx.connection())
        .map_err(|error| tx.lookup_error("payment", id, error))?;
    Payment::try_from(row)
}

/// Finds a payment by the bank's archive id.
pub fn find_by_archive_id(
    tx: &mut Tx<'_>,
    tenant_id: TenantId,
    bank_archive_id: &str,
) -> Result<Option<Payment>, StoreError> {
    let row: Option<PaymentRow> = payments::table
        .filter(payments::tenant_id.eq(tenant_id.0))
        .filter(payments::bank_archive_id.eq(bank_archive_id))
        .select(PaymentRow::as_select())
        .first(tx.connection())
        .optional()
        .map_err(|error| tx.error(error))?;
    row.map(Payment::try_from).transpose()
}

/// Lists the tenant's unmatched payments (no account) that are not reversed, by key, after
/// `after` and at most `limit`.
pub fn list_unmatched(
    tx: &mut Tx<'_>,
    tenant_id: TenantId,
    after: Option<PaymentId>,
    limit: i64,
) -> Result<Vec<Payment>, StoreError> {
    let rows: Vec<PaymentRow> = payments::table
        .filter(payments::tenant_id.eq(tenant_id.0))
        .filter(payments::account_id.is_null())
        .filter(payments::reversed_at.is_null())
        .filter(payments::id.gt(after.map_or(0, |id| id.0)))
        .order(payments::id)
        .limit(limit)
        .select(PaymentRow::as_select())
        .load(tx.connection())
        .map_err(|error| tx.error(error))?;
    rows.into_iter().map(Payment::try_from).collect()
}

/// Lists the tenant's payments by key, after `after` and at most `limit`, reversed ones included.
/// `matched` `Some(true)` keeps payments assigned to an account, `Some(false)` the unassigned
/// ones, and `None` both.
pub fn list(
    tx: &mut Tx<'_>,
    tenant_id: TenantId,
    matched: Option<bool>,
    after: Option<PaymentId>,
    limit: i64,
) -> Result<Vec<Payment>, StoreError> {
    let mut query = payments::table
        .filter(payments::tenant_id.eq(tenant_id.0))
        .filter(payments::id.gt(after.map_or(0, |id| id.0)))
        .order(payments::id)
        .limit(limit)
        .select(PaymentRow::as_select())
        .into_boxed();
    match matched {
        Some(true) => query = query.filter(payments::account_id.is_not_null()),
        Some(false) => query = query.filter(payments::account_id.is_null()),
        None => {}
    }
    let rows: Vec<PaymentRow> = query
        .load(tx.connection())
        .map_err(|error| tx.error(error))?;
    rows.into_iter().map(Payment::try_from).collect()
}

/// Lists an account's payments, reversed ones included, by key.
pub fn list_for_account(
    tx: &mut Tx<'_>,
    account_id: AccountId,
) -> Result<Vec<Payment>, StoreError> {
    let rows: Vec<PaymentRow> = per_backend!(tx, |connection| {
        payments::table
            .filter(payments::account_id.eq(account_id.0))
            .order(payments::id)
            .select(PaymentRow::as_select())
            .load(connection)
    })
    .map_err(|error| tx.error(error))?;
    rows.into_iter().map(Payment::try_from).collect()
}

/// Lists the payments of many accounts, reversed ones included, by key.
pub fn list_for_accounts(
    tx: &mut Tx<'_>,
    account_ids: &[AccountId],
) -> Result<Vec<Payment>, StoreError> {
    // One key: the statement of a single account, so that its kept plan is the usual one.
    if let [account_id] = account_ids {
        return list_for_account(tx, *account_id);
    }
    crate::store::read_rows_of_accounts!(tx, account_ids, PaymentRow => Payment, |keys| {
        payments::table
            .filter(crate::store::in_keys(payments::account_id, keys))
            .order(payments::id)
            .select(PaymentRow::as_select())
    })
}

/// Assigns a payment to an account and optionally an invoice, taking it out of the queue.
pub fn assign(
    tx: &mut Tx<'_>,
    id: PaymentId,
    account_id: AccountId,
    invoice_id: Option<InvoiceId>,
    now: DateTime<Utc>,
) -> Result<Payment, StoreError> {
    let row: PaymentRow = diesel::update(payments::table.find(id.0))
        .set((
            payments::account_id.eq(account_id.0),
            payments::invoice_id.eq(invoice_id.map(|id| id.0)),
            payments::updated_at.eq(Instant(now)),
        ))
        .returning(payments::all_columns)
        .reusable()
        .get_result(tx.connection())
        .map_err(|error| tx.lookup_error("payment", id, error))?;
    tracing::debug!(
        payment.id = id.0,
        account.id = account_id.0,
        "assigned payment"
    );
    Payment::try_from(row)
}

/// Marks a payment reversed at `at`. Its allocations stay for the record; the caller adds
/// counter-allocations or recomputes the ledger.
pub fn reverse(tx: &mut Tx<'_>, id: PaymentId, at: DateTime<Utc>) -> Result<Payment, StoreError> {
    let row: PaymentRow = diesel::update(payments::table.find(id.0))
        .set((
            payments::reversed_at.eq(Instant(at)),
            payments::updated_at.eq(Instant(at)),
        ))
        .returning(payments::all_columns)
        .reusable()
        .get_result(tx.connection())
        .map_err(|error| tx.lookup_error("payment", id, error))?;
    tracing::info!(payment.id = id.0, "reversed payment");
    Payment::try_from(row)
}

/// An allocation to record: money from a payment or a credit note applied to an invoice.
#[derive(Debug, Clone, PartialEq)]
pub struct NewAllocation {
    /// The payment the money comes from; `None` for a credit note or credit application.
    pub payment_id: Option<PaymentId>,
    /// The credit note the money comes from, if any.
    pub credit_note_id: Option<InvoiceId>,
    /// The invoice paid.
    pub invoice_id: InvoiceId,
    /// The part of the claim paid.
    pub component: Component,
    /// The amount applied.
    pub amount: Money,
    /// The day the money counts as paid, which ends interest on it.
    pub allocated_on: NaiveDate,
}

/// A stored allocation.
#[derive(Debug, Clone, PartialEq)]
pub struct Allocation {
    /// The key.
    pub id: AllocationId,
    /// The owning tenant.
    pub tenant_id: TenantId,
    /// The payment the money comes from.
    pub payment_id: Option<PaymentId>,
    /// The credit note the money comes from.
    pub credit_note_id: Option<InvoiceId>,
    /// The invoice paid.
    pub invoice_id: InvoiceId,
    /// The part of the claim paid.
    pub component: Component,
    /// The amount applied.
    pub amount: Money,
    /// The day the money counts as paid.
    pub allocated_on: NaiveDate,
    /// When the allocation was recorded.
    pub created_at: DateTime<Utc>,
}

impl TryFrom<AllocationRow> for Allocation {
    type Error = StoreError;

    fn try_from(row: AllocationRow) -> Result<Self, StoreError> {
        Ok(Allocation {
            id: AllocationId(row.id),
            tenant_id: TenantId(row.tenant_id),
            payment_id: row.payment_id.map(PaymentId),
            credit_note_id: row.credit_note_id.map(InvoiceId),
            invoice_id: InvoiceId(row.invoice_id),
            component: parse_column("allocations", "component", &row.component)?,
            amount: money_from_parts("allocations", "currency", row.amount_minor, &row.currency)?,
            allocated_on: row.allocated_on,
            created_at: row.created_at.0,
        })
    }
}

/// Records allocations and returns them in input order.
pub fn allocate(
    tx: &mut Tx<'_>,
    tenant_id: TenantId,
    new: &[NewAllocation],
    now: DateTime<Utc>,
) -> Result<Vec<Allocation>, StoreError> {
    let mut stored = Vec::with_capacity(new.len());
    for allocation in new {
        let (amount_minor, currency) = money_parts("amount", &allocation.amount)?;
        let row: AllocationRow = diesel::insert_into(allocations::table)
            .values((
                allocations::tenant_id.eq(tenant_id.0),
                allocations::payment_id.eq(allocation.payment_id.map(|id| id.0)),
                allocations::credit_note_id.eq(allocation.credit_note_id.map(|id| id.0)),
                allocations::invoice_id.eq(allocation.invoice_id.0),
                allocations::component.eq(allocation.component.as_str()),
                allocations::currency.eq(&currency),
                allocations::amount_minor.eq(amount_minor),
                allocations::allocated_on.eq(allocation.allocated_on),
                allocations::created_at.eq(Instant(now)),
            ))
            .returning(allocations::all_columns)
            .get_result(tx.connection())
            .map_err(|error| tx.error(error))?;
        stored.push(Allocation::try_from(row)?);
    }
    Ok(stored)
}

/// Lists the allocations to the given invoices, by key.
pub fn allocations_for_invoices(
    tx: &mut Tx<'_>,
    invoice_ids: &[InvoiceId],
) -> Result<Vec<Allocation>, StoreError> {
    let mut found = Vec::new();
    for chunk in invoice_ids.chunks(crate::ledger::ID_CHUNK) {
        let keys: Vec<i64> = chunk.iter().map(|id| id.0).collect();
        let rows: Vec<AllocationRow> = allocations::table
            .filter(allocations::invoice_id.eq_any(&keys))
            .order(allocations::id)
            .select(AllocationRow::as_select())
            .load(tx.connection())
            .map_err(|error| tx.error(error))?;
        for row in rows {
            found.push(Allocation::try_from(row)?);
        }
    }
    found.sort_by_key(|allocation| allocation.id);
    Ok(found)
}
