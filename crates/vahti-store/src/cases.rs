//! Cases handed over to a collection agency, with the invoices and amounts they cover.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use vahti_domain::Money;
use vahti_domain::ids::{AccountId, InvoiceId, TenantId};

use crate::Tx;
use crate::convert::{from_json, money_from_parts, money_parts, parse_column, text_enum, to_json};
use crate::error::StoreError;
use crate::ids::CaseId;
use crate::rows::{CaseInvoiceRow, CaseRow};
use crate::schema::{collection_case_invoices, collection_cases};
use crate::sql_types::Instant;

text_enum! {
    /// The state of a collection case.
    pub enum CaseState {
        /// Assembled, not yet sent to the agency.
        Preparing => "preparing",
        /// With the agency.
        HandedOver => "handed_over",
        /// Returned by the agency, for example because the debtor disputed.
        Returned => "returned",
        /// Finished.
        Closed => "closed",
    }
}

/// An invoice covered by a case, with the amount handed over.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseInvoice {
    /// The invoice.
    pub invoice_id: InvoiceId,
    /// The amount handed over for it.
    pub amount: Money,
}

/// A collection case.
#[derive(Debug, Clone, PartialEq)]
pub struct CollectionCase {
    /// The key.
    pub id: CaseId,
    /// The owning tenant.
    pub tenant_id: TenantId,
    /// The account.
    pub account_id: AccountId,
    /// The state.
    pub state: CaseState,
    /// The agency's name or key.
    pub agency: String,
    /// The data sent to the agency and received from it, as JSON.
    pub payload: serde_json::Value,
    /// The invoices covered.
    pub invoices: Vec<CaseInvoice>,
    /// When the case was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

/// Creates a case in state `preparing` covering the given invoices.
pub fn create(
    tx: &mut Tx<'_>,
    tenant_id: TenantId,
    account_id: AccountId,
    agency: &str,
    payload: &serde_json::Value,
    invoices: &[CaseInvoice],
    now: DateTime<Utc>,
) -> Result<CollectionCase, StoreError> {
    let text = to_json("payload", payload)?;
    let case: CaseRow = diesel::insert_into(collection_cases::table)
        .values((
            collection_cases::tenant_id.eq(tenant_id.0),
            collection_cases::account_id.eq(account_id.0),
            collection_cases::state.eq(CaseState::Preparing.as_str()),
            collection_cases::agency.eq(agency),
            collection_cases::payload.eq(&text),
            collection_cases::created_at.eq(Instant(now)),
            collection_cases::updated_at.eq(Instant(now)),
        ))
        .returning(collection_cases::all_columns)
        .get_result(tx.connection())
        .map_err(|error| tx.error(error))?;

    for invoice in invoices {
        let (amount_minor, currency) = money_parts("amount", &invoice.amount)?;
        diesel::insert_into(collection_case_invoices::table)
            .values((
                collection_case_invoices::case_id.eq(case.id),
                collection_case_invoices::invoice_id.eq(invoice.invoice_id.0),
                collection_case_invoices::tenant_id.eq(tenant_id.0),
                collection_case_invoices::currency.eq(&currency),
                collection_case_invoices::amount_minor.eq(amount_minor),
            ))
            .execute(tx.connection())
            .map_err(|error| tx.error(error))?;
    }
    tracing::info!(
        tenant.id = tenant_id.0,
        account.id = account_id.0,
        case.id = case.id,
        "created collection case"
    );
    get(tx, CaseId(case.id))
}

/// Loads a case with its invoices.
pub fn get(tx: &mut Tx<'_>, id: CaseId) -> Result<CollectionCase, StoreError> {
    let case: CaseRow = collection_cases::table
        .find(id.0)
        .select(CaseRow::as_select())
        .first(tx.connection())
        .map_err(|error| tx.lookup_error("collection case", id, error))?;
    let rows: Vec<CaseInvoiceRow> = collection_case_invoices::table
        .filter(collection_case_invoices::case_id.eq(id.0))
        .order(collection_case_invoices::invoice_id)
        .select(CaseInvoiceRow::as_select())
        .load(tx.connection())
        .map_err(|error| tx.error(error))?;
    let invoices = rows
        .into_iter()
        .map(|row| {
            Ok(CaseInvoice {
                invoice_id: InvoiceId(row.invoice_id),
                amount: money_from_parts(
                    "collection_case_invoices",
                    "currency",
                    row.amount_minor,
                    &row.currency,
                )?,
            })
        })
        .collect::<Result<Vec<_>, StoreError>>()?;

    Ok(CollectionCase {
        id,
        tenant_id: TenantId(case.tenant_id),
        account_id: AccountId(case.account_id),
        state: parse_column("collection_cases", "state", &case.state)?,
        payload: from_json("collection_cases", "payload", &case.payload)?,
        agency: case.agency,
        invoices,
        created_at: case.created_at.0,
        updated_at: case.updated_at.0,
    })
}

/// Sets the state and payload of a case.
pub fn update(
    tx: &mut Tx<'_>,
    id: CaseId,
    state: CaseState,
    payload: &serde_json::Value,
    now: DateTime<Utc>,
) -> Result<CollectionCase, StoreError> {
    let text = to_json("payload", payload)?;
    let changed = diesel::update(collection_cases::table.find(id.0))
        .set((
            collection_cases::state.eq(state.as_str()),
            collection_cases::payload.eq(&text),
            collection_cases::updated_at.eq(Instant(now)),
        ))
        .execute(tx.connection())
        .map_err(|error| tx.error(error))?;
    if changed == 0 {
        return Err(StoreError::not_found("collection case", id));
    }
    get(tx, id)
}

/// Lists the keys of an account's cases, oldest first; load each with [`get`].
pub fn list_for_account(tx: &mut Tx<'_>, account_id: AccountId) -> Result<Vec<CaseId>, StoreError> {
    let ids: Vec<i64> = collection_cases::table
        .filter(collection_cases::account_id.eq(account_id.0))
        .order(collection_cases::id)
        .select(collection_cases::id)
        .load(tx.connection())
        .map_err(|error| tx.error(error))?;
    Ok(ids.into_iter().map(CaseId).collect())
}
