//! Checks of an account's entries before the replay: unique ids, positive rounded amounts, and
//! references to known invoices in the same currency.
//!
//! Each kind is checked in id order, and duplicates before anything else, so the error reported
//! for a faulty set of entries does not depend on the order they came in.

use super::entry::{CreditNoteEntry, Entry, FeeEntry, InvoiceEntry, PaymentEntry, WriteOffEntry};
use super::error::{EntryRef, LedgerError};
use crate::Money;
use crate::ids::InvoiceId;

/// The entries of an account, checked and sorted by id. Reversed payments are left out.
#[derive(Debug)]
pub(super) struct Checked<'a> {
    pub(super) invoices: Vec<&'a InvoiceEntry>,
    pub(super) credit_notes: Vec<&'a CreditNoteEntry>,
    pub(super) payments: Vec<&'a PaymentEntry>,
    pub(super) fees: Vec<&'a FeeEntry>,
    pub(super) write_offs: Vec<&'a WriteOffEntry>,
}

impl Checked<'_> {
    /// The position of an invoice in [`Checked::invoices`].
    pub(super) fn index_of(&self, id: InvoiceId) -> Option<usize> {
        self.invoices
            .binary_search_by_key(&id, |invoice| invoice.id)
            .ok()
    }

    fn invoice(&self, id: InvoiceId) -> Option<&InvoiceEntry> {
        self.index_of(id)
            .and_then(|index| self.invoices.get(index).copied())
    }

    /// Checks that `entry` refers to a known invoice in the currency of `amount`.
    fn check_reference(
        &self,
        entry: EntryRef,
        invoice: InvoiceId,
        amount: Money,
    ) -> Result<(), LedgerError> {
        let known = self
            .invoice(invoice)
            .ok_or(LedgerError::UnknownInvoice { entry, invoice })?;
        let invoice_currency = known.amount.currency();
        if amount.currency() != invoice_currency {
            return Err(LedgerError::CurrencyMismatch {
                entry,
                entry_currency: amount.currency(),
                invoice,
                invoice_currency,
            });
        }
        Ok(())
    }
}

/// Checks the entries and sorts them by kind and id.
pub(super) fn check(entries: &[Entry]) -> Result<Checked<'_>, LedgerError> {
    let mut checked = Checked {
        invoices: Vec::new(),
        credit_notes: Vec::new(),
        payments: Vec::new(),
        fees: Vec::new(),
        write_offs: Vec::new(),
    };
    for entry in entries {
        match entry {
            Entry::Invoice(invoice) => checked.invoices.push(invoice),
            Entry::CreditNote(note) => checked.credit_notes.push(note),
            Entry::Payment(payment) if payment.reversed => {}
            Entry::Payment(payment) => checked.payments.push(payment),
            Entry::Fee(fee) => checked.fees.push(fee),
            Entry::WriteOff(write_off) => checked.write_offs.push(write_off),
        }
    }

    checked.invoices.sort_by_key(|invoice| invoice.id);
    checked.credit_notes.sort_by_key(|note| note.id);
    checked.payments.sort_by_key(|payment| payment.id);
    checked.fees.sort_by_key(|fee| fee.id);
    checked
        .write_offs
        .sort_by_key(|write_off| write_off.invoice);

    reject_duplicates(&checked.invoices, |invoice| EntryRef::Invoice(invoice.id))?;
    reject_duplicates(&checked.credit_notes, |note| EntryRef::CreditNote(note.id))?;
    reject_duplicates(&checked.payments, |payment| EntryRef::Payment(payment.id))?;
    reject_duplicates(&checked.fees, |fee| EntryRef::Fee(fee.id))?;
    reject_duplicates(&checked.write_offs, |write_off| {
        EntryRef::WriteOff(write_off.invoice)
    })?;

    for invoice in &checked.invoices {
        check_amount(EntryRef::Invoice(invoice.id), invoice.amount)?;
    }
    for note in &checked.credit_notes {
        let entry = EntryRef::CreditNote(note.id);
        check_amount(entry, note.amount)?;
        if let Some(invoice) = note.invoice {
            checked.check_reference(entry, invoice, note.amount)?;
        }
    }
    for payment in &checked.payments {
        let entry = EntryRef::Payment(payment.id);
        check_amount(entry, payment.amount)?;
        if let Some(invoice) = payment.invoice {
            checked.check_reference(entry, invoice, payment.amount)?;
        }
    }
    for fee in &checked.fees {
        let entry = EntryRef::Fee(fee.id);
        check_amount(entry, fee.amount)?;
        checked.check_reference(entry, fee.invoice, fee.amount)?;
    }
    for write_off in &checked.write_offs {
        let entry = EntryRef::WriteOff(write_off.invoice);
        if checked.index_of(write_off.invoice).is_none() {
            return Err(LedgerError::UnknownInvoice {
                entry,
                invoice: write_off.invoice,
            });
        }
    }

    Ok(checked)
}

/// Fails on the first id that appears twice in a list sorted by id.
fn reject_duplicates<T>(
    sorted: &[&T],
    entry_ref: impl Fn(&T) -> EntryRef,
) -> Result<(), LedgerError> {
    for pair in sorted.windows(2) {
        if let [first, second] = pair {
            let entry = entry_ref(first);
            if entry == entry_ref(second) {
                return Err(LedgerError::DuplicateEntry { entry });
            }
        }
    }
    Ok(())
}

fn check_amount(entry: EntryRef, amount: Money) -> Result<(), LedgerError> {
    if !amount.is_positive() {
        return Err(LedgerError::AmountNotPositive { entry, amount });
    }
    if !amount.is_rounded() {
        return Err(LedgerError::AmountNotRounded { entry, amount });
    }
    Ok(())
}
