//! Property tests of the ledger over random accounts in one currency.

use chrono::{Days, NaiveDate};
use proptest::prelude::*;
use rust_decimal::Decimal;

use super::{date, settings};
use crate::ids::{FeeId, InvoiceId, PaymentId};
use crate::interest::ReferenceRateTable;
use crate::ledger::{
    AllocationSource, CreditNoteEntry, CreditOrigin, Entry, FeeEntry, InvoiceBalance, InvoiceEntry,
    InvoiceEntryStatus, LedgerSettings, LedgerState, PaymentEntry, WriteOffEntry, compute,
};
use crate::planner::InvoiceStatus;
use crate::policy::FeeKind;
use crate::{Currency, DebtorType, Money};

/// Entries fall from this day up to a little after [`as_of`].
fn start() -> NaiveDate {
    date("2024-07-01")
}

fn as_of() -> NaiveDate {
    date("2025-06-30")
}

fn day(offset: u64) -> NaiveDate {
    start().checked_add_days(Days::new(offset)).unwrap()
}

fn cents(units: i64) -> Money {
    Money::from_minor_units(units, Currency::EUR)
}

/// Returns the id of the invoice at `index`, if that many invoices exist.
fn invoice_id(index: Option<usize>, invoices: usize) -> Option<InvoiceId> {
    index
        .filter(|index| *index < invoices)
        .and_then(|index| i64::try_from(index).ok())
        .map(|index| InvoiceId(index + 1))
}

fn invoice_strategy() -> impl Strategy<Value = (u64, Option<u64>, i64, u8, Option<u64>)> {
    (
        0_u64..250,
        prop::option::of(0_u64..45),
        100_i64..500_000,
        0_u8..10,
        prop::option::of(0_u64..150),
    )
}

#[derive(Debug, Clone)]
struct Case {
    entries: Vec<Entry>,
    settings: LedgerSettings,
}

fn case_strategy() -> impl Strategy<Value = Case> {
    (
        prop::collection::vec(invoice_strategy(), 1..6),
        prop::collection::vec(
            (
                0_u64..380,
                1_i64..600_000,
                prop::option::of(0_usize..6),
                0_u8..8,
            ),
            0..8,
        ),
        prop::collection::vec(
            (0_u64..380, 1_i64..300_000, prop::option::of(0_usize..6)),
            0..4,
        ),
        prop::collection::vec((0_usize..6, 0_u64..380, 100_i64..1500), 0..5),
        prop::collection::vec((0_usize..6, 0_u64..364), 0..2),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(
            |(invoices, payments, notes, fees, write_offs, consumer, automatic)| {
                let count = invoices.len();
                let mut entries = Vec::new();

                for (index, (issue, due, amount, status, claim)) in invoices.into_iter().enumerate()
                {
                    let issued_on = day(issue);
                    let due_date =
                        due.map(|days| issued_on.checked_add_days(Days::new(days)).unwrap());
                    entries.push(Entry::Invoice(InvoiceEntry {
                        id: invoice_id(Some(index), count).unwrap(),
                        issued_on,
                        sent_on: Some(issued_on),
                        due_date,
                        amount: cents(amount),
                        status: match status {
                            0 => InvoiceEntryStatus::Draft,
                            1 => InvoiceEntryStatus::Cancelled,
                            _ => InvoiceEntryStatus::Issued,
                        },
                        interest_claimed_from: claim
                            .map(|days| issued_on.checked_add_days(Days::new(days)).unwrap()),
                    }));
                }

                for (id, (paid, amount, target, reversed)) in (1_i64..).zip(payments) {
                    entries.push(Entry::Payment(PaymentEntry {
                        id: PaymentId(id),
                        paid_on: day(paid),
                        booked_on: day(paid),
                        amount: cents(amount),
                        invoice: invoice_id(target, count),
                        reversed: reversed == 0,
                    }));
                }

                for (id, (credited, amount, target)) in (100_i64..).zip(notes) {
                    entries.push(Entry::CreditNote(CreditNoteEntry {
                        id: InvoiceId(id),
                        credited_on: day(credited),
                        amount: cents(amount),
                        invoice: invoice_id(target, count),
                    }));
                }

                for (id, (target, charged, amount)) in (1_i64..).zip(fees) {
                    if let Some(invoice) = invoice_id(Some(target % count), count) {
                        entries.push(Entry::Fee(FeeEntry {
                            id: FeeId(id),
                            invoice,
                            charged_on: day(charged),
                            amount: cents(amount),
                            kind: FeeKind::ReminderFee,
                        }));
                    }
                }

                let mut written_off = Vec::new();
                for (target, on) in write_offs {
                    let invoice = invoice_id(Some(target % count), count);
                    if let Some(invoice) = invoice.filter(|id| !written_off.contains(id)) {
                        written_off.push(invoice);
                        entries.push(Entry::WriteOff(WriteOffEntry {
                            invoice,
                            written_off_on: day(on),
                        }));
                    }
                }

                let debtor_type = if consumer {
                    DebtorType::Consumer
                } else {
                    DebtorType::Business
                };
                Case {
                    entries,
                    settings: settings(debtor_type).with_credit_applied_automatically(automatic),
                }
            },
        )
}

fn run(case: &Case) -> LedgerState {
    compute(
        &case.entries,
        &case.settings,
        &ReferenceRateTable::finnish_default(),
        as_of(),
    )
    .unwrap()
}

fn amount(money: Money) -> Decimal {
    money.amount()
}

fn sum<'a>(amounts: impl IntoIterator<Item = &'a Money>) -> Decimal {
    amounts.into_iter().map(|money| money.amount()).sum()
}

fn money_fields(balance: &InvoiceBalance) -> [Money; 15] {
    [
        balance.original_amount,
        balance.credited,
        balance.principal,
        balance.principal_paid,
        balance.principal_outstanding,
        balance.interest_accrued,
        balance.interest_claimed,
        balance.interest_paid,
        balance.interest_outstanding,
        balance.fees_charged,
        balance.fees_waived,
        balance.fees_paid,
        balance.fees_outstanding,
        balance.written_off,
        balance.total_outstanding,
    ]
}

/// Returns the origin of the money in an allocation.
fn origin(source: AllocationSource) -> CreditOrigin {
    match source {
        AllocationSource::Payment(id) => CreditOrigin::Payment(id),
        AllocationSource::AccountCredit(origin) => origin,
    }
}

proptest! {
    #[test]
    fn invoice_charges_add_up(case in case_strategy()) {
        let state = run(&case);

        for (id, balance) in &state.invoices {
            let allocated = sum(state.allocations.iter().filter(|a| a.invoice == *id).map(|a| &a.amount));
            let accounted = allocated
                + amount(balance.total_outstanding)
                + amount(balance.written_off)
                + amount(balance.fees_waived);
            let charges = amount(balance.principal)
                + amount(balance.interest_claimed)
                + amount(balance.fees_charged);
            prop_assert_eq!(accounted, charges, "invoice {}", id);

            let paid = amount(balance.principal_paid)
                + amount(balance.interest_paid)
                + amount(balance.fees_paid);
            prop_assert_eq!(paid, allocated, "invoice {}", id);

            for money in money_fields(balance) {
                prop_assert!(!money.is_negative(), "invoice {}: {:?}", id, balance);
                prop_assert!(money.is_rounded(), "invoice {}: {:?}", id, balance);
            }
        }
        for allocation in &state.allocations {
            prop_assert!(allocation.amount.is_positive(), "{:?}", allocation);
            prop_assert!(allocation.on <= as_of());
        }
        for lot in &state.credits {
            prop_assert!(lot.amount.is_positive(), "{:?}", lot);
        }
    }

    #[test]
    fn payments_are_fully_accounted(case in case_strategy()) {
        let state = run(&case);

        for entry in &case.entries {
            let Entry::Payment(payment) = entry else { continue };
            if payment.reversed || payment.paid_on > as_of() {
                continue;
            }
            let from_payment = CreditOrigin::Payment(payment.id);
            let allocated = sum(state
                .allocations
                .iter()
                .filter(|a| origin(a.source) == from_payment)
                .map(|a| &a.amount));
            let credit_left = sum(state.credits.iter().filter(|lot| lot.origin == from_payment).map(|lot| &lot.amount));
            prop_assert_eq!(allocated + credit_left, amount(payment.amount), "payment {}", payment.id);
        }

        let issued = |id: InvoiceId| {
            state.invoices[&id].status != InvoiceStatus::Draft
                && state.invoices[&id].status != InvoiceStatus::Cancelled
        };
        let credit_notes = sum(case.entries.iter().filter_map(|entry| match entry {
            Entry::CreditNote(note) if note.credited_on <= as_of() && note.invoice.is_none_or(issued) => {
                Some(&note.amount)
            }
            _ => None,
        }));
        let credited = sum(state.invoices.values().map(|balance| &balance.credited));
        let from_notes = sum(state
            .allocations
            .iter()
            .filter(|a| matches!(origin(a.source), CreditOrigin::CreditNote(_)))
            .map(|a| &a.amount));
        let notes_left = sum(state
            .credits
            .iter()
            .filter(|lot| matches!(lot.origin, CreditOrigin::CreditNote(_)))
            .map(|lot| &lot.amount));
        prop_assert_eq!(credited + from_notes + notes_left, credit_notes);

        let totals = state.balances.get(&Currency::EUR);
        let credit = totals.map_or(Decimal::ZERO, |totals| amount(totals.credit));
        prop_assert_eq!(credit, sum(state.credits.iter().map(|lot| &lot.amount)));
    }

    #[test]
    fn input_order_does_not_matter(
        (case, shuffled) in case_strategy().prop_flat_map(|case| {
            let entries = case.entries.clone();
            (Just(case), Just(entries).prop_shuffle())
        })
    ) {
        let reordered = Case { entries: shuffled, settings: case.settings };
        prop_assert_eq!(run(&reordered), run(&case));
    }

    #[test]
    fn paying_total_settles_everything(case in case_strategy()) {
        let state = run(&case);
        let total = sum(state.invoices.values().map(|balance| &balance.total_outstanding));
        if total.is_zero() {
            return Ok(());
        }

        let mut entries = case.entries.clone();
        entries.push(Entry::Payment(PaymentEntry {
            id: PaymentId(1000),
            paid_on: as_of(),
            booked_on: as_of(),
            amount: Money::new(total, Currency::EUR),
            invoice: None,
            reversed: false,
        }));
        let paid = run(&Case { entries, settings: case.settings });

        for (id, balance) in &paid.invoices {
            prop_assert!(balance.total_outstanding.is_zero(), "invoice {}: {:?}", id, balance);
            let before = state.invoices[id].status;
            if before == InvoiceStatus::Open {
                prop_assert_eq!(balance.status, InvoiceStatus::Paid, "invoice {}", id);
            } else {
                prop_assert_eq!(balance.status, before, "invoice {}", id);
            }
        }
        let new_credit = paid.credits.iter().any(|lot| lot.origin == CreditOrigin::Payment(PaymentId(1000)));
        prop_assert!(!new_credit);
    }
}
