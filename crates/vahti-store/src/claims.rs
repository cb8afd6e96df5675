//! Fee claims and penalty-interest claims on invoices.
//!
//! Interest and fees are claims of their own beside the principal: they survive payment of the
//! invoice until they are paid or waived.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use vahti_domain::Money;
use vahti_domain::ids::{AccountId, FeeId, InvoiceId, TenantId};

use crate::Tx;
use crate::convert::{money_from_parts, money_parts, parse_column, text_enum};
use crate::error::StoreError;
use crate::ids::{InterestClaimId, StepId};
use crate::reuse::ReuseExt;
use crate::rows::{FeeClaimRow, InterestClaimRow};
use crate::schema::{fee_claims, interest_claims};
use crate::sql_types::Instant;
use crate::store::per_backend;

text_enum! {
    /// The legal basis of a fee.
    pub enum FeeKind {
        /// A fee for a payment reminder; the Debt Collection Act 513/1999 caps it for consumers.
        ReminderFee => "reminder_fee",
        /// The fixed compensation for recovery costs between businesses, under the Act on Payment
        /// Terms in Commercial Contracts 30/2013.
        StandardCompensation => "standard_compensation",
    }
}

/// A fee to charge.
#[derive(Debug, Clone, PartialEq)]
pub struct NewFeeClaim {
    /// The invoice the fee is charged on.
    pub invoice_id: InvoiceId,
    /// The step that charged it.
    pub step_id: Option<StepId>,
    /// The legal basis.
    pub kind: FeeKind,
    /// The amount.
    pub amount: Money,
    /// The day the fee was charged.
    pub charged_on: NaiveDate,
}

/// A stored fee claim.
#[derive(Debug, Clone, PartialEq)]
pub struct FeeClaim {
    /// The key.
    pub id: FeeId,
    /// The owning tenant.
    pub tenant_id: TenantId,
    /// The invoice the fee is charged on.
    pub invoice_id: InvoiceId,
    /// The step that charged it.
    pub step_id: Option<StepId>,
    /// The legal basis.
    pub kind: FeeKind,
    /// The amount.
    pub amount: Money,
    /// The day the fee was charged.
    pub charged_on: NaiveDate,
    /// When the fee was waived; a waived fee is not owed.
    pub waived_at: Option<DateTime<Utc>>,
    /// When the claim was recorded.
    pub created_at: DateTime<Utc>,
}

impl TryFrom<FeeClaimRow> for FeeClaim {
    type Error = StoreError;

    fn try_from(row: FeeClaimRow) -> Result<Self, StoreError> {
        Ok(FeeClaim {
            id: FeeId(row.id),
            tenant_id: TenantId(row.tenant_id),
            invoice_id: InvoiceId(row.invoice_id),
            step_id: row.step_id.map(StepId),
            kind: parse_column("fee_claims", "kind", &row.kind)?,
            amount: money_from_parts("fee_claims", "currency", row.amount_minor, &row.currency)?,
            charged_on: row.charged_on,
            waived_at: row.waived_at.map(DateTime::from),
            created_at: row.created_at.0,
        })
    }
}

/// Records a fee claim.
pub fn charge_fee(
    tx: &mut Tx<'_>,
    tenant_id: TenantId,
    fee: &NewFeeClaim,
    now: DateTime<Utc>,
) -> Result<FeeClaim, StoreError> {
    let (amount_minor, currency) = money_parts("amount", &fee.amount)?;
    let row: FeeClaimRow = diesel::insert_into(fee_claims::table)
        .values((
            fee_claims::tenant_id.eq(tenant_id.0),
            fee_claims::invoice_id.eq(fee.invoice_id.0),
            fee_claims::step_id.eq(fee.step_id.map(|id| id.0)),
            fee_claims::kind.eq(fee.kind.as_str()),
            fee_claims::currency.eq(&currency),
            fee_claims::amount_minor.eq(amount_minor),
            fee_claims::charged_on.eq(fee.charged_on),
            fee_claims::created_at.eq(Instant(now)),
        ))
        .returning(fee_claims::all_columns)
        .get_result(tx.connection())
        .map_err(|error| tx.error(error))?;
    FeeClaim::try_from(row)
}

/// Waives a fee. Waiving a waived fee keeps the first time.
pub fn waive_fee(tx: &mut Tx<'_>, id: FeeId, now: DateTime<Utc>) -> Result<FeeClaim, StoreError> {
    diesel::update(
        fee_claims::table
            .find(id.0)
            .filter(fee_claims::waived_at.is_null()),
    )
    .set(fee_claims::waived_at.eq(Instant(now)))
    .reusable()
    .execute(tx.connection())
    .map_err(|error| tx.error(error))?;
    let row: FeeClaimRow = fee_claims::table
        .find(id.0)
        .select(FeeClaimRow::as_select())
        .first(tx.connection())
        .map_err(|error| tx.lookup_error("fee claim", id, error))?;
    FeeClaim::try_from(row)
}

/// Lists the fee claims on the given invoices, by key.
pub fn fees_for_invoices(
    tx: &mut Tx<'_>,
    invoice_ids: &[InvoiceId],
) -> Result<Vec<FeeClaim>, StoreError> {
    let mut found = Vec::new();
    for chunk in invoice_ids.chunks(crate::ledger::ID_CHUNK) {
        let keys: Vec<i64> = chunk.iter().map(|id| id.0).collect();
        let rows: Vec<FeeClaimRow> = fee_claims::table
            .filter(fee_claims::invoice_id.eq_any(&keys))
            .select(FeeClaimRow::as_select())
            .load(tx.connection())
            .map_err(|error| tx.error(error))?;
        for row in rows {
            found.push(FeeClaim::try_from(row)?);
        }
    }
    found.sort_by_key(|fee| fee.id);
    Ok(found)
}

/// Lists the fee claims on the invoices and credit notes that belong to an account now, by key.
///
/// One statement with a subquery, so that its prepared form is reused whatever the number of
/// invoices.
pub fn fees_for_account(
    tx: &mut Tx<'_>,
    account_id: AccountId,
) -> Result<Vec<FeeClaim>, StoreError> {
    let rows: Vec<FeeClaimRow> = per_backend!(tx, |connection| {
        fee_claims::table
            .filter(fee_claims::invoice_id.eq_any(crate::invoices::ids_of_account(account_id.0)))
            .order(fee_claims::id)
            .select(FeeClaimRow::as_select())
            .load(connection)
    })
    .map_err(|error| tx.error(error))?;
    rows.into_iter().map(FeeClaim::try_from).collect()
}

/// Lists the fee claims on the invoices that belong to any of the accounts now, by key.
pub fn fees_for_accounts(
    tx: &mut Tx<'_>,
    account_ids: &[AccountId],
) -> Result<Vec<FeeClaim>, StoreError> {
    // One key: the statement of a single account, so that its kept plan is the usual one.
    if let [account_id] = account_ids {
        return fees_for_account(tx, *account_id);
    }
    crate::store::read_rows_of_accounts!(tx, account_ids, FeeClaimRow => FeeClaim, |keys| {
        fee_claims::table
            .filter(
                fee_claims::invoice_id.eq_any(
                    crate::schema::invoices::table
                        .filter(crate::store::in_keys(crate::schema::invoices::account_id, keys))
                        .select(crate::schema::invoices::id),
                ),
            )
            .order(fee_claims::id)
            .select(FeeClaimRow::as_select())
    })
}

/// A claim of penalty interest to record.
#[derive(Debug, Clone, PartialEq)]
pub struct NewInterestClaim {
    /// The invoice.
    pub invoice_id: InvoiceId,
    /// The first day interest runs.
    pub claimed_from: NaiveDate,
    /// An agreed rate in percent per year as decimal text, if it replaces the statutory rate.
    pub contractual_rate: Option<rust_decimal::Decimal>,
}

/// A stored interest claim.
#[derive(Debug, Clone, PartialEq)]
pub struct InterestClaim {
    /// The key.
    pub id: InterestClaimId,
    /// The owning tenant.
    pub tenant_id: TenantId,
    /// The invoice.
    pub invoice_id: InvoiceId,
    /// The first day interest runs.
    pub claimed_from: NaiveDate,
    /// An agreed rate in percent per year.
    pub contractual_rate: Option<rust_decimal::Decimal>,
    /// When the claim was recorded.
    pub created_at: DateTime<Utc>,
}

impl TryFrom<InterestClaimRow> for InterestClaim {
    type Error = StoreError;

    fn try_from(row: InterestClaimRow) -> Result<Self, StoreError> {
        let contractual_rate = row
            .contractual_rate
            .as_deref()
            .map(|text| parse_column("interest_claims", "contractual_rate", text))
            .transpose()?;
        Ok(InterestClaim {
            id: InterestClaimId(row.id),
            tenant_id: TenantId(row.tenant_id),
            invoice_id: InvoiceId(row.invoice_id),
            claimed_from: row.claimed_from,
            contractual_rate,
            created_at: row.created_at.0,
        })
    }
}

/// Records an interest claim.
pub fn claim_interest(
    tx: &mut Tx<'_>,
    tenant_id: TenantId,
    claim: &NewInterestClaim,
    now: DateTime<Utc>,
) -> Result<InterestClaim, StoreError> {
    let row: InterestClaimRow = diesel::insert_into(interest_claims::table)
        .values((
            interest_claims::tenant_id.eq(tenant_id.0),
            interest_claims::invoice_id.eq(claim.invoice_id.0),
            interest_claims::claimed_from.eq(claim.claimed_from),
            interest_claims::contractual_rate
                .eq(claim.contractual_rate.map(|rate| rate.to_string())),
            interest_claims::created_at.eq(Instant(now)),
        ))
        .returning(interest_claims::all_columns)
        .get_result(tx.connection())
        .map_err(|error| tx.error(error))?;
    InterestClaim::try_from(row)
}

/// Lists the interest claims on the given invoices, by key.
pub fn interest_for_invoices(
    tx: &mut Tx<'_>,
    invoice_ids: &[InvoiceId],
) -> Result<Vec<InterestClaim>, StoreError> {
    let mut found = Vec::new();
    for chunk in invoice_ids.chunks(crate::ledger::ID_CHUNK) {
        let keys: Vec<i64> = chunk.iter().map(|id| id.0).collect();
        let rows: Vec<InterestClaimRow> = interest_claims::table
            .filter(interest_claims::invoice_id.eq_any(&keys))
            .select(InterestClaimRow::as_select())
            .load(tx.connection())
            .map_err(|error| tx.error(error))?;
        for row in rows {
            found.push(InterestClaim::try_from(row)?);
        }
    }
    found.sort_by_key(|claim| claim.id);
    Ok(found)
}

/// Lists the interest claims on the invoices that belong to an account now, by key.
pub fn interest_for_account(
    tx: &mut Tx<'_>,
    account_id: AccountId,
) -> Result<Vec<InterestClaim>, StoreError> {
    let rows: Vec<InterestClaimRow> = per_backend!(tx, |connection| {
        interest_claims::table
            .filter(
                interest_claims::invoice_id.eq_any(crate::invoices::ids_of_account(account_id.0)),
            )
            .order(interest_claims::id)
            .select(InterestClaimRow::as_select())
            .load(connection)
    })
    .map_err(|error| tx.error(error))?;
    rows.into_iter().map(InterestClaim::try_from).collect()
}

/// Lists the interest claims on the invoices that belong to any of the accounts now, by key.
pub fn interest_for_accounts(
    tx: &mut Tx<'_>,
    account_ids: &[AccountId],
) -> Result<Vec<InterestClaim>, StoreError> {
    // One key: the statement of a single account, so that its kept plan is the usual one.
    if let [account_id] = account_ids {
        return interest_for_account(tx, *account_id);
    }
    crate::store::read_rows_of_accounts!(tx, account_ids, InterestClaimRow => InterestClaim, |keys| {
        interest_claims::table
            .filter(
                interest_claims::invoice_id.eq_any(
                    crate::schema::invoices::table
                        .filter(crate::store::in_keys(crate::schema::invoices::account_id, keys))
                        .select(crate::schema::invoices::id),
                ),
            )
            .order(interest_claims::id)
            .select(InterestClaimRow::as_select())
    })
}
