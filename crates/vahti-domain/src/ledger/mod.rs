//! The ledger of one customer account: its invoices, credit notes, payments, fees and write-offs
//! replayed in date order into balances, penalty interest and payment allocations.
//!
//! [`compute`] is a pure function of the entries, so the caller runs it again after every change
//! instead of updating balances in place. The rules it applies are described in the "Ledger and
//! payment allocation" section of `docs/domain.md`.

mod accrual;
mod allocate;
mod entry;
mod error;
mod invoice;
mod replay;
mod settings;
mod state;
mod validate;

#[cfg(test)]
mod tests;

use chrono::NaiveDate;

use crate::interest::ReferenceRateTable;

pub use entry::{
    CreditNoteEntry, Entry, FeeEntry, InvoiceEntry, InvoiceEntryStatus, PaymentEntry, WriteOffEntry,
};
pub use error::{EntryRef, LedgerError};
pub use settings::LedgerSettings;
pub use state::{
    AccountBalance, AccruedPeriod, Allocation, AllocationSource, CreditLot, CreditOrigin,
    InvoiceBalance, LedgerState, WaivedFee, WaiverReason,
};

/// Computes the balances of an account at the end of `as_of` from its entries.
///
/// The entries may come in any order: the result depends only on their content. Entries dated
/// after `as_of` have no effect yet, except that an issued invoice is owed whatever its issue
/// date. Penalty interest accrues up to and including `as_of` on invoices still unpaid.
///
/// The time taken grows with n log n in the number of entries, plus the half-years that interest
/// periods span.
///
/// Fails when an entry has a duplicate id, an amount that is not positive or not in whole minor
/// units, a reference to an unknown invoice, or a currency other than its invoice's. It also fails
/// when `rates` lacks a half-year that interest needs. Each error names the entry.
pub fn compute(
    entries: &[Entry],
    settings: &LedgerSettings,
    rates: &ReferenceRateTable,
    as_of: NaiveDate,
) -> Result<LedgerState, LedgerError> {
    replay::replay(entries, settings, rates, as_of)
}
