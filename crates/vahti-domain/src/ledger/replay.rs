//! The replay: entries turned into dated events, sorted, and applied one by one.
//!
//! Events are ordered by date, then by kind, then by id. On one day an invoice is issued first,
//! then credit notes add account credit, interest claims and fees follow, then payments, and
//! write-offs come last. So a payment settles the interest and fees of its own day, and a
//! write-off takes only what the day's payments left.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::Entry;
use super::allocate::Account;
use super::entry::{FeeEntry, PaymentEntry};
use super::error::{EntryRef, LedgerError};
use super::invoice::{InvoiceLedger, ReplayError, Rules};
use super::settings::LedgerSettings;
use super::state::{CreditOrigin, LedgerState};
use super::validate::{Checked, check};
use crate::Currency;
use crate::ids::InvoiceId;
use crate::interest::ReferenceRateTable;

/// An action of the replay. The variants are listed in their order within a day.
#[derive(Debug)]
enum Action<'a> {
    Issue(usize),
    Credit {
        note: InvoiceId,
        currency: Currency,
        amount: Decimal,
    },
    ClaimInterest(usize),
    Fee(&'a FeeEntry, usize),
    Payment(&'a PaymentEntry, Option<usize>),
    WriteOff(usize),
}

impl Action<'_> {
    /// Returns the position of the action within a day.
    fn rank(&self) -> u8 {
        match self {
            Action::Issue(_) => 0,
            Action::Credit { .. } => 1,
            Action::ClaimInterest(_) => 2,
            Action::Fee(..) => 3,
            Action::Payment(..) => 4,
            Action::WriteOff(_) => 5,
        }
    }
}

/// An action on a day, with the entry it comes from.
#[derive(Debug)]
struct Event<'a> {
    on: NaiveDate,
    entry: EntryRef,
    action: Action<'a>,
}

impl Event<'_> {
    /// Returns the sort key. Ids are unique within each kind, so no two events compare equal.
    fn key(&self) -> (NaiveDate, u8, i64) {
        let id = match self.entry {
            EntryRef::Invoice(id) | EntryRef::CreditNote(id) | EntryRef::WriteOff(id) => id.0,
            EntryRef::Payment(id) => id.0,
            EntryRef::Fee(id) => id.0,
        };
        (self.on, self.action.rank(), id)
    }
}

/// Replays the entries up to and including `as_of`.
pub(super) fn replay(
    entries: &[Entry],
    settings: &LedgerSettings,
    rates: &ReferenceRateTable,
    as_of: NaiveDate,
) -> Result<LedgerState, LedgerError> {
    let checked = check(entries)?;
    let rules = Rules {
        rates,
        terms: settings.penalty_terms(),
        order: settings.allocation_order(),
        protection_days: settings.payment_protection_days(),
        apply_credit: settings.apply_credit_automatically(),
    };

    let mut invoices = Vec::with_capacity(checked.invoices.len());
    for entry in &checked.invoices {
        let ledger = InvoiceLedger::new(entry).map_err(|source| LedgerError::Interest {
            invoice: entry.id,
            source,
        })?;
        invoices.push(ledger);
    }

    let mut events = credit_events(&checked, &mut invoices, as_of)?;
    events.extend(other_events(&checked, &invoices, as_of));
    events.sort_unstable_by_key(Event::key);

    let mut account = Account::new(rules, invoices);
    for event in events {
        apply(&mut account, &event).map_err(|error| ledger_error(event.entry, error))?;
    }
    account
        .finish(as_of)
        .map_err(|(entry, error)| ledger_error(entry, error))
}

fn apply(account: &mut Account<'_>, event: &Event<'_>) -> Result<(), ReplayError> {
    match event.action {
        Action::Issue(index) => account.issue(index, event.on),
        Action::Credit {
            note,
            currency,
            amount,
        } => account.add_credit(CreditOrigin::CreditNote(note), currency, amount, event.on),
        Action::ClaimInterest(index) => account.claim_interest(index, event.on),
        Action::Fee(fee, index) => account.charge_fee(index, fee),
        Action::Payment(payment, target) => account.pay(payment, target),
        Action::WriteOff(index) => account.write_off(index, event.on),
    }
}

fn ledger_error(entry: EntryRef, error: ReplayError) -> LedgerError {
    match error {
        ReplayError::Overflow => LedgerError::Overflow { entry },
        ReplayError::Interest { invoice, source } => LedgerError::Interest { invoice, source },
    }
}

/// Applies linked credit notes to their invoices' principal from the start, because the
/// credited part was never owed, and returns events for the credit beyond each invoice.
///
/// Credit notes are taken in date order, so the credit beyond an invoice falls on the note that
/// exceeds it. A note linked to a draft or cancelled invoice has no effect, because such an
/// invoice owes nothing.
fn credit_events<'a>(
    checked: &Checked<'a>,
    invoices: &mut [InvoiceLedger],
    as_of: NaiveDate,
) -> Result<Vec<Event<'a>>, LedgerError> {
    let mut notes: Vec<_> = checked
        .credit_notes
        .iter()
        .filter(|note| note.credited_on <= as_of)
        .collect();
    notes.sort_by_key(|note| (note.credited_on, note.id));

    let mut events = Vec::new();
    for note in notes {
        let entry = EntryRef::CreditNote(note.id);
        let linked = note
            .invoice
            .and_then(|id| checked.index_of(id))
            .and_then(|index| invoices.get_mut(index));

        let excess = match linked {
            Some(invoice) if invoice.is_issued() => invoice
                .apply_credit_note(note.amount.amount(), note.credited_on)
                .map_err(|error| ledger_error(entry, error))?,
            Some(_) => Decimal::ZERO,
            None => note.amount.amount(),
        };
        if excess > Decimal::ZERO {
            events.push(Event {
                on: note.credited_on,
                entry,
                action: Action::Credit {
                    note: note.id,
                    currency: note.amount.currency(),
                    amount: excess,
                },
            });
        }
    }
    Ok(events)
}

/// Returns the events of invoices, interest claims, fees, payments and write-offs dated up to
/// `as_of`.
fn other_events<'a>(
    checked: &Checked<'a>,
    invoices: &[InvoiceLedger],
    as_of: NaiveDate,
) -> Vec<Event<'a>> {
    let mut events = Vec::new();
    let is_issued = |index: usize| invoices.get(index).is_some_and(InvoiceLedger::is_issued);

    for (index, invoice) in checked.invoices.iter().enumerate() {
        if !is_issued(index) {
            continue;
        }
        let entry = EntryRef::Invoice(invoice.id);
        if invoice.issued_on <= as_of {
            events.push(Event {
                on: invoice.issued_on,
                entry,
                action: Action::Issue(index),
            });
        }
        if let Some(claimed_from) = invoice.interest_claimed_from.filter(|day| *day <= as_of) {
            events.push(Event {
                on: claimed_from,
                entry,
                action: Action::ClaimInterest(index),
            });
        }
    }

    for fee in checked.fees.iter().filter(|fee| fee.charged_on <= as_of) {
        if let Some(index) = checked.index_of(fee.invoice) {
            events.push(Event {
                on: fee.charged_on,
                entry: EntryRef::Fee(fee.id),
                action: Action::Fee(fee, index),
            });
        }
    }

    for payment in checked
        .payments
        .iter()
        .filter(|payment| payment.paid_on <= as_of)
    {
        // A payment for a draft or cancelled invoice is treated as untargeted.
        let target = payment
            .invoice
            .and_then(|id| checked.index_of(id))
            .filter(|index| is_issued(*index));
        events.push(Event {
            on: payment.paid_on,
            entry: EntryRef::Payment(payment.id),
            action: Action::Payment(payment, target),
        });
    }

    for write_off in checked
        .write_offs
        .iter()
        .filter(|entry| entry.written_off_on <= as_of)
    {
        if let Some(index) = checked
            .index_of(write_off.invoice)
            .filter(|index| is_issued(*index))
        {
            events.push(Event {
                on: write_off.written_off_on,
                entry: EntryRef::WriteOff(write_off.invoice),
                action: Action::WriteOff(index),
            });
        }
    }

    events
}
