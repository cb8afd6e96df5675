//! The account snapshot the planner works from, read in a handful of queries.

use vahti_domain::ids::{AccountId, InvoiceId};

use crate::Tx;
use crate::accounts::{self, Account};
use crate::claims::{self, FeeClaim, InterestClaim};
use crate::error::StoreError;
use crate::invoices::{self, Invoice};
use crate::payments::{self, Allocation, Payment};
use crate::steps::{self, Step};

/// Keys bound per `IN (...)` list: well below the parameter limits of both backends.
pub(crate) const ID_CHUNK: usize = 1000;

/// Everything the planner needs about one account.
#[derive(Debug, Clone, PartialEq)]
pub struct AccountSnapshot {
    /// The account.
    pub account: Account,
    /// Its open invoices and credit notes (see [`invoices::list_open_for_account`]).
    pub invoices: Vec<Invoice>,
    /// All its payments, reversed ones included.
    pub payments: Vec<Payment>,
    /// Allocations to the open invoices.
    pub allocations: Vec<Allocation>,
    /// Fee claims on the open invoices.
    pub fees: Vec<FeeClaim>,
    /// Interest claims on the open invoices.
    pub interest_claims: Vec<InterestClaim>,
    /// Step history of the open invoices.
    pub steps: Vec<Step>,
}

/// Reads an account with its open items in seven queries (more only past 1000 open invoices).
///
/// Run it inside the transaction that acts on the result, so that the planner works from one
/// consistent state.
pub fn snapshot(tx: &mut Tx<'_>, account_id: AccountId) -> Result<AccountSnapshot, StoreError> {
    let account = accounts::get(tx, account_id)?;
    let invoices = invoices::list_open_for_account(tx, account_id)?;
    let invoice_ids: Vec<InvoiceId> = invoices.iter().map(|invoice| invoice.id).collect();

    Ok(AccountSnapshot {
        payments: payments::list_for_account(tx, account_id)?,
        allocations: payments::allocations_for_invoices(tx, &invoice_ids)?,
        fees: claims::fees_for_invoices(tx, &invoice_ids)?,
        interest_claims: claims::interest_for_invoices(tx, &invoice_ids)?,
        steps: steps::list_for_invoices(tx, &invoice_ids)?,
        account,
        invoices,
    })
}
