//! Errors in an account's entries, each naming the entry at fault.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::ErrorCode;
use crate::ids::{FeeId, InvoiceId, PaymentId};
use crate::interest::InterestError;
use crate::{Currency, Money};

/// A reference to one ledger entry, used in errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum EntryRef {
    /// An invoice.
    Invoice(InvoiceId),
    /// A credit note.
    CreditNote(InvoiceId),
    /// A payment.
    Payment(PaymentId),
    /// A fee.
    Fee(FeeId),
    /// The write-off of an invoice.
    WriteOff(InvoiceId),
}

/// Prints the kind and id, such as `payment 17` or `write-off of invoice 3`.
impl fmt::Display for EntryRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EntryRef::Invoice(id) => write!(f, "invoice {id}"),
            EntryRef::CreditNote(id) => write!(f, "credit note {id}"),
            EntryRef::Payment(id) => write!(f, "payment {id}"),
            EntryRef::Fee(id) => write!(f, "fee {id}"),
            EntryRef::WriteOff(id) => write!(f, "write-off of invoice {id}"),
        }
    }
}

/// An error in the entries of an account's ledger.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LedgerError {
    /// An entry refers to an invoice that is not among the entries.
    #[error(
        "{entry} refers to invoice {invoice}, which is not in the ledger: add the invoice or correct the reference"
    )]
    UnknownInvoice {
        /// The entry with the reference.
        entry: EntryRef,
        /// The invoice it refers to.
        invoice: InvoiceId,
    },

    /// An entry is in another currency than the invoice it refers to.
    #[error(
        "{entry} is in {entry_currency}, but invoice {invoice} is in {invoice_currency}: record it in the invoice's currency, because amounts are never converted"
    )]
    CurrencyMismatch {
        /// The entry in the other currency.
        entry: EntryRef,
        /// The entry's currency.
        entry_currency: Currency,
        /// The invoice it refers to.
        invoice: InvoiceId,
        /// The invoice's currency.
        invoice_currency: Currency,
    },

    /// An amount is zero or negative.
    #[error("invalid amount {amount} in {entry}: the amount must be greater than zero")]
    AmountNotPositive {
        /// The entry.
        entry: EntryRef,
        /// The amount as given.
        amount: Money,
    },

    /// An amount has digits below its currency's minor unit.
    #[error(
        "invalid amount {amount:?} in {entry}: the amount must be in whole minor units of its currency, such as cents"
    )]
    AmountNotRounded {
        /// The entry.
        entry: EntryRef,
        /// The amount as given.
        amount: Money,
    },

    /// Two entries of the same kind have the same id, or an invoice is written off twice.
    #[error("duplicate {entry}: record each entry once, and write off an invoice at most once")]
    DuplicateEntry {
        /// The entry listed more than once.
        entry: EntryRef,
    },

    /// Penalty interest on an invoice cannot be computed, for example because the reference rate
    /// table lacks a half-year.
    #[error("penalty interest on invoice {invoice} cannot be computed: {source}")]
    Interest {
        /// The invoice.
        invoice: InvoiceId,
        /// The interest error.
        #[source]
        source: InterestError,
    },

    /// The balances grew beyond what a decimal can hold exactly.
    #[error(
        "amount overflow while applying {entry}: the account's balances are too large to compute exactly"
    )]
    Overflow {
        /// The entry being applied.
        entry: EntryRef,
    },
}

impl ErrorCode for LedgerError {
    fn code(&self) -> &'static str {
        match self {
            LedgerError::UnknownInvoice { .. } => "ledger_invoice_unknown",
            LedgerError::CurrencyMismatch { .. } => "ledger_currency_mismatch",
            LedgerError::AmountNotPositive { .. } => "ledger_amount_not_positive",
            LedgerError::AmountNotRounded { .. } => "ledger_amount_not_rounded",
            LedgerError::DuplicateEntry { .. } => "ledger_entry_duplicate",
            // The interest error keeps its own code, so clients see one code per cause.
            LedgerError::Interest { source, .. } => source.code(),
            LedgerError::Overflow { .. } => "ledger_overflow",
        }
    }
}
