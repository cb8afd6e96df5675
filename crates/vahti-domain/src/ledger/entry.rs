//! The entries of an account's ledger: invoices, credit notes, payments, fees and write-offs.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::Money;
use crate::ids::{FeeId, InvoiceId, PaymentId};
use crate::policy::FeeKind;

/// One recorded fact about a customer account.
///
/// Amounts are positive and in whole minor units of their currency. An entry takes effect on its
/// date: entries dated after the `as_of` day of [`compute`](super::compute) are left out, except
/// invoices, which always count as described at [`InvoiceEntry::issued_on`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Entry {
    /// An invoice.
    Invoice(InvoiceEntry),
    /// A credit note.
    CreditNote(CreditNoteEntry),
    /// A payment received.
    Payment(PaymentEntry),
    /// A reminder fee or standard compensation charged on an invoice.
    Fee(FeeEntry),
    /// A write-off of an invoice's remaining balance.
    WriteOff(WriteOffEntry),
}

/// Whether an invoice is a debt yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InvoiceEntryStatus {
    /// Prepared but not issued, so nothing is owed on it.
    Draft,
    /// Issued to the debtor.
    Issued,
    /// Cancelled, so nothing is owed on it.
    Cancelled,
}

/// An invoice to the debtor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvoiceEntry {
    /// The invoice.
    pub id: InvoiceId,
    /// The issue date. An issued invoice is owed in full whatever this date is, but untargeted
    /// payments and account credit reach it only from this day on.
    pub issued_on: NaiveDate,
    /// The day it was sent to the debtor. Without a due date, penalty interest starts 30 days
    /// after this day.
    pub sent_on: Option<NaiveDate>,
    /// The agreed due date. Penalty interest starts the day after it.
    pub due_date: Option<NaiveDate>,
    /// The invoiced amount.
    pub amount: Money,
    /// Draft, issued or cancelled.
    pub status: InvoiceEntryStatus,
    /// The day from which penalty interest is claimed, or `None` while it is not claimed.
    ///
    /// Interest always accrues from the due date, because that is when it starts by law. This
    /// date only decides from when the accrued interest is part of the debt: payments from this
    /// day on settle it, and it counts in the outstanding total.
    pub interest_claimed_from: Option<NaiveDate>,
}

/// A credit note, which lowers what the debtor owes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreditNoteEntry {
    /// The credit note. Credit notes and invoices share one id space.
    pub id: InvoiceId,
    /// The date of the credit note.
    pub credited_on: NaiveDate,
    /// The amount credited.
    pub amount: Money,
    /// The invoice it corrects, or `None` for a credit to the account as a whole.
    pub invoice: Option<InvoiceId>,
}

/// A payment from the debtor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentEntry {
    /// The payment.
    pub id: PaymentId,
    /// The value date. Penalty interest runs up to and including this day, and the ledger orders
    /// and allocates payments by it.
    pub paid_on: NaiveDate,
    /// The day the payment was booked, such as the date of the bank file. The ledger keeps it for
    /// the record only.
    pub booked_on: NaiveDate,
    /// The amount paid.
    pub amount: Money,
    /// The invoice the debtor paid, when the reference or message names one.
    pub invoice: Option<InvoiceId>,
    /// Whether the bank reversed the payment. A reversed payment is ignored entirely and is not
    /// even validated, as if it had never been recorded.
    pub reversed: bool,
}

/// A fee charged on an invoice by a collection step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeeEntry {
    /// The fee.
    pub id: FeeId,
    /// The invoice it is charged on.
    pub invoice: InvoiceId,
    /// The day the message that charged it was sent.
    pub charged_on: NaiveDate,
    /// The amount.
    pub amount: Money,
    /// A reminder fee or the standard compensation.
    pub kind: FeeKind,
}

/// A write-off of an invoice's remaining balance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WriteOffEntry {
    /// The invoice written off. An invoice can be written off once.
    pub invoice: InvoiceId,
    /// The day of the write-off. Payments of the same day count before it.
    pub written_off_on: NaiveDate,
}

impl From<InvoiceEntry> for Entry {
    fn from(invoice: InvoiceEntry) -> Self {
        Entry::Invoice(invoice)
    }
}

impl From<CreditNoteEntry> for Entry {
    fn from(note: CreditNoteEntry) -> Self {
        Entry::CreditNote(note)
    }
}

impl From<PaymentEntry> for Entry {
    fn from(payment: PaymentEntry) -> Self {
        Entry::Payment(payment)
    }
}

impl From<FeeEntry> for Entry {
    fn from(fee: FeeEntry) -> Self {
        Entry::Fee(fee)
    }
}

impl From<WriteOffEntry> for Entry {
    fn from(write_off: WriteOffEntry) -> Self {
        Entry::WriteOff(write_off)
    }
}
