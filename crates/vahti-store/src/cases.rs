//! Cases handed over to a collection agency, with the invoices and amounts they cover.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use vahti_domain::Money;
use vahti_domain::ids::{AccountId, InvoiceId, TenantId};

use crate::Tx;
use crate::convert::{from_json, money_from_parts, money_parts, parse_column, text_enum, to_json};
use crate::error::StoreError;
use crate::ids::{CaseId, CaseUpdateId, TokenId};
use crate::reuse::ReuseExt;
use crate::rows::{CaseInvoiceRow, CaseRow, CaseUpdateRow};
use crate::schema::{collection_case_invoices, collection_case_updates, collection_cases};
use crate::sql_types::Instant;

text_enum! {
    /// The state of a collection case.
    pub enum CaseState {
        /// Assembled, not yet delivered to the agency.
        Preparing => "preparing",
        /// Delivered to the agency.
        HandedOver => "handed_over",
        /// The agency confirmed that it took the case on.
        Acknowledged => "acknowledged",
        /// The agency reports that the debtor paid it.
        PaidToAgency => "paid_to_agency",
        /// Returned by the agency, for example because the debtor disputed.
        Returned => "returned",
        /// Finished.
        Closed => "closed",
        /// Taken back from the agency by the creditor.
        Recalled => "recalled",
    }
}

impl CaseState {
    /// Whether the agency still works on the case, so that payments and credit notes must be
    /// forwarded to it.
    pub fn is_open(self) -> bool {
        matches!(
            self,
            CaseState::Preparing
                | CaseState::HandedOver
                | CaseState::Acknowledged
                | CaseState::PaidToAgency
        )
    }
}

text_enum! {
    /// The kind of change in a collection case.
    pub enum CaseChange {
        /// The case was created at the hand-over.
        Created => "created",
        /// The case reached the agency.
        Delivered => "delivered",
        /// The case could not be delivered to the agency.
        DeliveryFailed => "delivery_failed",
        /// The agency reported a new state.
        StateChanged => "state_changed",
        /// A payment after the hand-over was forwarded to the agency.
        PaymentForwarded => "payment_forwarded",
        /// A credit note after the hand-over was forwarded to the agency.
        CreditNoteForwarded => "credit_note_forwarded",
        /// The creditor recalled the case.
        Recalled => "recalled",
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
        .reusable()
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

/// Returns the accounts among `account_ids` that have at least one collection case.
pub fn accounts_with_cases(
    tx: &mut Tx<'_>,
    account_ids: &[AccountId],
) -> Result<HashSet<AccountId>, StoreError> {
    // One key: the statement of a single account, so that its kept plan is the usual one.
    if let [account_id] = account_ids {
        let cases = list_for_account(tx, *account_id)?;
        return Ok(if cases.is_empty() {
            HashSet::new()
        } else {
            HashSet::from([*account_id])
        });
    }
    let mut found = HashSet::new();
    for chunk in account_ids.chunks(crate::store::KEYS_PER_QUERY) {
        let keys: Vec<i64> = chunk.iter().map(|id| id.0).collect();
        let accounts: Vec<i64> = crate::store::per_backend!(tx, |connection| {
            collection_cases::table
                .filter(crate::store::in_keys(collection_cases::account_id, &keys))
                .select(collection_cases::account_id)
                .distinct()
                .load(connection)
        })
        .map_err(|error| tx.error(error))?;
        found.extend(accounts.into_iter().map(AccountId));
    }
    Ok(found)
}

/// Loads a case of the tenant. A case of another tenant is [`StoreError::NotFound`].
pub fn get_for_tenant(
    tx: &mut Tx<'_>,
    tenant_id: TenantId,
    id: CaseId,
) -> Result<CollectionCase, StoreError> {
    let case = get(tx, id)?;
    if case.tenant_id != tenant_id {
        return Err(StoreError::not_found("collection case", id));
    }
    Ok(case)
}

/// Lists the keys of the tenant's cases with a key below `before`, newest first, at most
/// `limit`. With `state` or `account_id`, only the cases in that state or of that account are
/// listed. Load each with [`get`].
pub fn list(
    tx: &mut Tx<'_>,
    tenant_id: TenantId,
    state: Option<CaseState>,
    account_id: Option<AccountId>,
    before: Option<CaseId>,
    limit: i64,
) -> Result<Vec<CaseId>, StoreError> {
    let mut query = collection_cases::table
        .filter(collection_cases::tenant_id.eq(tenant_id.0))
        .filter(collection_cases::id.lt(before.map_or(i64::MAX, |id| id.0)))
        .into_boxed();
    if let Some(state) = state {
        query = query.filter(collection_cases::state.eq(state.as_str()));
    }
    if let Some(account_id) = account_id {
        query = query.filter(collection_cases::account_id.eq(account_id.0));
    }
    let ids: Vec<i64> = query
        .order(collection_cases::id.desc())
        .limit(limit)
        .select(collection_cases::id)
        .load(tx.connection())
        .map_err(|error| tx.error(error))?;
    Ok(ids.into_iter().map(CaseId).collect())
}

/// Sets the state of a case and returns it.
pub fn set_state(
    tx: &mut Tx<'_>,
    id: CaseId,
    state: CaseState,
    now: DateTime<Utc>,
) -> Result<CollectionCase, StoreError> {
    let changed = diesel::update(collection_cases::table.find(id.0))
        .set((
            collection_cases::state.eq(state.as_str()),
            collection_cases::updated_at.eq(Instant(now)),
        ))
        .reusable()
        .execute(tx.connection())
        .map_err(|error| tx.error(error))?;
    if changed == 0 {
        return Err(StoreError::not_found("collection case", id));
    }
    get(tx, id)
}

/// An entry to add to the history of a case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCaseUpdate {
    /// The kind of change.
    pub change: CaseChange,
    /// The state of the case after the change.
    pub state: CaseState,
    /// A note, such as the agency's comment or the reason of a recall.
    pub note: Option<String>,
    /// An amount, such as a forwarded payment or what the agency collected.
    pub amount: Option<Money>,
    /// The item the change refers to, such as `payment:12`.
    pub reference: Option<String>,
    /// The API token of the request that made the change, if a request made it.
    pub token_id: Option<TokenId>,
}

/// An entry of the history of a case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseUpdate {
    /// The key.
    pub id: CaseUpdateId,
    /// The case.
    pub case_id: CaseId,
    /// The kind of change.
    pub change: CaseChange,
    /// The state of the case after the change.
    pub state: CaseState,
    /// A note.
    pub note: Option<String>,
    /// An amount.
    pub amount: Option<Money>,
    /// The item the change refers to.
    pub reference: Option<String>,
    /// The API token of the request that made the change.
    pub token_id: Option<TokenId>,
    /// When it happened.
    pub created_at: DateTime<Utc>,
}

impl TryFrom<CaseUpdateRow> for CaseUpdate {
    type Error = StoreError;

    fn try_from(row: CaseUpdateRow) -> Result<Self, StoreError> {
        let amount = match (row.amount_minor, row.currency.as_deref()) {
            (Some(minor), Some(currency)) => Some(money_from_parts(
                "collection_case_updates",
                "currency",
                minor,
                currency,
            )?),
            _ => None,
        };
        Ok(CaseUpdate {
            id: CaseUpdateId(row.id),
            case_id: CaseId(row.case_id),
            change: parse_column("collection_case_updates", "change", &row.change)?,
            state: parse_column("collection_case_updates", "state", &row.state)?,
            note: row.note,
            amount,
            reference: row.reference,
            token_id: row.token_id.map(TokenId),
            created_at: row.created_at.0,
        })
    }
}

/// Adds an entry to the history of a case.
pub fn add_update(
    tx: &mut Tx<'_>,
    tenant_id: TenantId,
    case_id: CaseId,
    update: &NewCaseUpdate,
    now: DateTime<Utc>,
) -> Result<CaseUpdate, StoreError> {
    let (amount_minor, currency) = match &update.amount {
        Some(amount) => {
            let (minor, currency) = money_parts("amount", amount)?;
            (Some(minor), Some(currency))
        }
        None => (None, None),
    };
    let row: CaseUpdateRow = diesel::insert_into(collection_case_updates::table)
        .values((
            collection_case_updates::tenant_id.eq(tenant_id.0),
            collection_case_updates::case_id.eq(case_id.0),
            collection_case_updates::change.eq(update.change.as_str()),
            collection_case_updates::state.eq(update.state.as_str()),
            collection_case_updates::note.eq(update.note.as_deref()),
            collection_case_updates::currency.eq(currency),
            collection_case_updates::amount_minor.eq(amount_minor),
            collection_case_updates::reference.eq(update.reference.as_deref()),
            collection_case_updates::token_id.eq(update.token_id.map(|id| id.0)),
            collection_case_updates::created_at.eq(Instant(now)),
        ))
        .returning(collection_case_updates::all_columns)
        .get_result(tx.connection())
        .map_err(|error| tx.error(error))?;
    CaseUpdate::try_from(row)
}

/// Lists the history of a case, oldest first.
pub fn updates(tx: &mut Tx<'_>, case_id: CaseId) -> Result<Vec<CaseUpdate>, StoreError> {
    let rows: Vec<CaseUpdateRow> = collection_case_updates::table
        .filter(collection_case_updates::case_id.eq(case_id.0))
        .order(collection_case_updates::id)
        .select(CaseUpdateRow::as_select())
        .load(tx.connection())
        .map_err(|error| tx.error(error))?;
    rows.into_iter().map(CaseUpdate::try_from).collect()
}
