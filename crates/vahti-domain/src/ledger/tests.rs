use chrono::NaiveDate;
use rust_decimal_macros::dec;

use super::*;
use crate::error::ErrorCode;
use crate::ids::{FeeId, InvoiceId, PaymentId};
use crate::interest::{PenaltyTerms, ReferenceRateTable};
use crate::planner::InvoiceStatus;
use crate::policy::{AllocationOrder, Component, FeeKind, Policy};
use crate::{Currency, DebtorType, Money};

mod properties;

pub(super) fn date(text: &str) -> NaiveDate {
    text.parse().unwrap()
}

pub(super) fn eur(text: &str) -> Money {
    Money::parse(text, Currency::EUR).unwrap()
}

fn sek(text: &str) -> Money {
    Money::parse(text, Currency::from_code("SEK").unwrap()).unwrap()
}

/// Builds an issued invoice, sent on its issue day, with interest not claimed.
pub(super) fn invoice(id: i64, issued_on: &str, due_date: &str, amount: Money) -> InvoiceEntry {
    InvoiceEntry {
        id: InvoiceId(id),
        issued_on: date(issued_on),
        sent_on: Some(date(issued_on)),
        due_date: Some(date(due_date)),
        amount,
        status: InvoiceEntryStatus::Issued,
        interest_claimed_from: None,
    }
}

/// Builds the invoice of the Interest Act worked example: 1000.00 EUR to a consumer, due 2024-12-15.
/// Paid on 2025-01-14, it carries 16 days at 11.5 % / 366 and 14 days at 10.5 % / 365, which is
/// 9.05 EUR.
fn worked_example(claimed: bool) -> Entry {
    Entry::Invoice(InvoiceEntry {
        interest_claimed_from: claimed.then(|| date("2025-01-01")),
        ..invoice(1, "2024-11-15", "2024-12-15", eur("1000.00"))
    })
}

pub(super) fn payment(id: i64, paid_on: &str, amount: Money, target: Option<i64>) -> Entry {
    Entry::Payment(PaymentEntry {
        id: PaymentId(id),
        paid_on: date(paid_on),
        booked_on: date(paid_on),
        amount,
        invoice: target.map(InvoiceId),
        reversed: false,
    })
}

fn credit_note(id: i64, credited_on: &str, amount: Money, target: Option<i64>) -> Entry {
    Entry::CreditNote(CreditNoteEntry {
        id: InvoiceId(id),
        credited_on: date(credited_on),
        amount,
        invoice: target.map(InvoiceId),
    })
}

fn fee(id: i64, invoice: i64, charged_on: &str, amount: Money) -> Entry {
    Entry::Fee(FeeEntry {
        id: FeeId(id),
        invoice: InvoiceId(invoice),
        charged_on: date(charged_on),
        amount,
        kind: FeeKind::ReminderFee,
    })
}

fn write_off(invoice: i64, written_off_on: &str) -> Entry {
    Entry::WriteOff(WriteOffEntry {
        invoice: InvoiceId(invoice),
        written_off_on: date(written_off_on),
    })
}

pub(super) fn settings(debtor_type: DebtorType) -> LedgerSettings {
    LedgerSettings::new(PenaltyTerms::statutory(debtor_type))
}

fn run_with(entries: &[Entry], settings: &LedgerSettings, as_of: &str) -> LedgerState {
    compute(
        entries,
        settings,
        &ReferenceRateTable::finnish_default(),
        date(as_of),
    )
    .unwrap()
}

fn run(entries: &[Entry], as_of: &str) -> LedgerState {
    run_with(entries, &settings(DebtorType::Consumer), as_of)
}

fn run_error(entries: &[Entry]) -> LedgerError {
    compute(
        entries,
        &settings(DebtorType::Consumer),
        &ReferenceRateTable::finnish_default(),
        date("2025-06-30"),
    )
    .unwrap_err()
}

fn balance(state: &LedgerState, id: i64) -> &InvoiceBalance {
    &state.invoices[&InvoiceId(id)]
}

/// Sums the amounts allocated to an invoice per component, in component order.
fn allocated(state: &LedgerState, id: i64) -> Vec<(Component, Money)> {
    let mut sums: Vec<(Component, Money)> = Vec::new();
    for allocation in state
        .allocations
        .iter()
        .filter(|a| a.invoice == InvoiceId(id))
    {
        match sums.iter_mut().find(|(c, _)| *c == allocation.component) {
            Some((_, sum)) => *sum = sum.checked_add(allocation.amount).unwrap(),
            None => sums.push((allocation.component, allocation.amount)),
        }
    }
    sums.sort_by_key(|(component, _)| *component);
    sums
}

#[test]
fn worked_example_settles_in_full() {
    let entries = [
        worked_example(true),
        payment(1, "2025-01-14", eur("1009.05"), Some(1)),
    ];
    let state = run(&entries, "2025-03-31");
    let invoice = balance(&state, 1);

    assert_eq!(invoice.status, InvoiceStatus::Paid);
    assert_eq!(invoice.interest_accrued, eur("9.05"));
    assert_eq!(invoice.interest_paid, eur("9.05"));
    assert_eq!(invoice.total_outstanding, eur("0.00"));
    assert_eq!(invoice.settled_on, Some(date("2025-01-14")));
    assert_eq!(
        allocated(&state, 1),
        [
            (Component::Principal, eur("1000.00")),
            (Component::Interest, eur("9.05"))
        ]
    );
    assert!(state.credits.is_empty());
}

#[test]
fn worked_example_principal_only() {
    let entries = [
        worked_example(true),
        payment(1, "2025-01-14", eur("1000.00"), Some(1)),
    ];
    let state = run(&entries, "2025-03-31");
    let invoice = balance(&state, 1);

    assert_eq!(invoice.status, InvoiceStatus::Open);
    assert_eq!(invoice.principal_outstanding, eur("0.00"));
    assert_eq!(invoice.interest_outstanding, eur("9.05"));
    assert_eq!(invoice.total_outstanding, eur("9.05"));
    // No interest accrues once the principal is paid, however late `as_of` is.
    assert_eq!(invoice.interest_accrued, eur("9.05"));
    assert_eq!(state.balances[&Currency::EUR].total, eur("9.05"));
}

#[test]
fn worked_example_periods_itemised() {
    let entries = [
        worked_example(true),
        payment(1, "2025-01-14", eur("1000.00"), Some(1)),
    ];
    let state = run(&entries, "2025-03-31");
    let periods = &balance(&state, 1).interest_periods;

    assert_eq!(periods.len(), 2);
    let rows: Vec<_> = periods
        .iter()
        .map(|p| {
            (
                p.principal,
                p.period.first_day,
                p.period.last_day,
                p.period.annual_rate_percent,
                p.period.amount.round(),
            )
        })
        .collect();
    assert_eq!(
        rows[0],
        (
            eur("1000.00"),
            date("2024-12-16"),
            date("2024-12-31"),
            dec!(11.5),
            eur("5.03")
        )
    );
    assert_eq!(
        rows[1],
        (
            eur("1000.00"),
            date("2025-01-01"),
            date("2025-01-14"),
            dec!(10.5),
            eur("4.03")
        )
    );
}

#[test]
fn unclaimed_interest_is_informational() {
    let entries = [
        worked_example(false),
        payment(1, "2025-01-14", eur("1000.00"), Some(1)),
    ];
    let state = run(&entries, "2025-03-31");
    let invoice = balance(&state, 1);

    assert_eq!(invoice.status, InvoiceStatus::Paid);
    assert_eq!(invoice.interest_accrued, eur("9.05"));
    assert_eq!(invoice.interest_claimed, eur("0.00"));
    assert_eq!(invoice.total_outstanding, eur("0.00"));
}

#[test]
fn unpaid_interest_accrues_to_as_of() {
    let state = run(&[worked_example(true)], "2025-01-14");
    let invoice = balance(&state, 1);

    assert_eq!(invoice.interest_accrued, eur("9.05"));
    assert_eq!(invoice.interest_outstanding, eur("9.05"));
    assert_eq!(invoice.total_outstanding, eur("1009.05"));
}

#[test]
fn claim_date_decides_what_payments_settle() {
    // Claimed only from 2025-01-20: the payment on 2025-01-14 may not go to interest, but the
    // interest accrued up to it becomes owed on the claim day.
    let entries = [
        Entry::Invoice(InvoiceEntry {
            interest_claimed_from: Some(date("2025-01-20")),
            ..invoice(1, "2024-11-15", "2024-12-15", eur("1000.00"))
        }),
        payment(1, "2025-01-14", eur("1009.05"), Some(1)),
    ];
    let state = run(&entries, "2025-03-31");
    let invoice = balance(&state, 1);

    assert_eq!(
        allocated(&state, 1),
        [
            (Component::Principal, eur("1000.00")),
            (Component::Interest, eur("9.05"))
        ]
    );
    assert_eq!(invoice.status, InvoiceStatus::Paid);
    // The 9.05 was account credit until the claim day, then settled the interest.
    let interest = state
        .allocations
        .iter()
        .find(|a| a.component == Component::Interest)
        .unwrap();
    assert_eq!(
        interest.source,
        AllocationSource::AccountCredit(CreditOrigin::Payment(PaymentId(1)))
    );
    assert_eq!(interest.on, date("2025-01-20"));
}

#[test]
fn partial_payments_lower_interest_principal() {
    let entries = [
        worked_example(true),
        payment(1, "2025-01-14", eur("400.00"), Some(1)),
        // 1000 * (11.5 % * 16 / 366 + 10.5 % * 14 / 365) + 600 * 10.5 % * 17 / 365 = 11.9890
        payment(2, "2025-01-31", eur("611.99"), Some(1)),
    ];
    let state = run(&entries, "2025-03-31");
    let invoice = balance(&state, 1);

    assert_eq!(invoice.status, InvoiceStatus::Paid);
    assert_eq!(invoice.interest_paid, eur("11.99"));
    assert_eq!(invoice.interest_periods.len(), 3);
    assert_eq!(invoice.interest_periods[2].principal, eur("600.00"));
    assert_eq!(invoice.interest_periods[2].period.days, 17);
}

#[test]
fn partial_payment_leaves_balance_open() {
    let entries = [
        invoice(1, "2025-01-01", "2025-01-31", eur("100.00")).into(),
        payment(1, "2025-01-20", eur("30.00"), Some(1)),
    ];
    let state = run(&entries, "2025-01-31");
    let invoice = balance(&state, 1);

    assert_eq!(invoice.status, InvoiceStatus::Open);
    assert_eq!(invoice.principal_paid, eur("30.00"));
    assert_eq!(invoice.principal_outstanding, eur("70.00"));
    assert_eq!(invoice.settled_on, None);
}

#[test]
fn overpayment_credit_settles_next_invoice() {
    let entries = [
        invoice(1, "2025-01-01", "2025-01-31", eur("100.00")).into(),
        payment(1, "2025-01-20", eur("150.00"), Some(1)),
        invoice(2, "2025-02-01", "2025-02-28", eur("80.00")).into(),
    ];
    let state = run(&entries, "2025-02-10");

    assert_eq!(balance(&state, 1).status, InvoiceStatus::Paid);
    assert_eq!(balance(&state, 2).principal_outstanding, eur("30.00"));
    let applied = state.allocations.last().unwrap();
    assert_eq!(
        applied.source,
        AllocationSource::AccountCredit(CreditOrigin::Payment(PaymentId(1)))
    );
    assert_eq!(applied.amount, eur("50.00"));
    assert_eq!(applied.on, date("2025-02-01"));
    assert!(state.credits.is_empty());
}

#[test]
fn credit_kept_when_not_automatic() {
    let entries = [
        invoice(1, "2025-01-01", "2025-01-31", eur("100.00")).into(),
        payment(1, "2025-01-20", eur("150.00"), Some(1)),
        invoice(2, "2025-02-01", "2025-02-28", eur("80.00")).into(),
    ];
    let manual = settings(DebtorType::Consumer).with_credit_applied_automatically(false);
    let state = run_with(&entries, &manual, "2025-02-10");
    let totals = &state.balances[&Currency::EUR];

    assert_eq!(balance(&state, 2).principal_outstanding, eur("80.00"));
    assert_eq!(totals.credit, eur("50.00"));
    assert_eq!(totals.total, eur("30.00"));
    assert_eq!(state.credits.len(), 1);
    assert_eq!(state.credits[0].arose_on, date("2025-01-20"));
}

#[test]
fn credit_note_lowers_interest_retroactively() {
    let entries = [
        worked_example(true),
        credit_note(10, "2025-01-10", eur("400.00"), Some(1)),
    ];
    let state = run(&entries, "2025-01-14");
    let invoice = balance(&state, 1);

    assert_eq!(invoice.credited, eur("400.00"));
    assert_eq!(invoice.principal, eur("600.00"));
    // 60 % of the worked example's 9.0547 from the first day of interest.
    assert_eq!(invoice.interest_accrued, eur("5.43"));
    assert_eq!(invoice.interest_periods[0].principal, eur("600.00"));
    assert_eq!(invoice.total_outstanding, eur("605.43"));
}

#[test]
fn credit_note_excess_becomes_credit() {
    let entries = [
        invoice(1, "2025-01-01", "2025-01-31", eur("100.00")).into(),
        credit_note(10, "2025-01-10", eur("150.00"), Some(1)),
    ];
    let state = run(&entries, "2025-01-31");
    let invoice = balance(&state, 1);

    assert_eq!(invoice.status, InvoiceStatus::Credited);
    assert_eq!(invoice.credited, eur("100.00"));
    assert_eq!(invoice.settled_on, Some(date("2025-01-10")));
    assert_eq!(state.credits.len(), 1);
    assert_eq!(
        state.credits[0].origin,
        CreditOrigin::CreditNote(InvoiceId(10))
    );
    assert_eq!(state.credits[0].amount, eur("50.00"));
}

#[test]
fn credit_note_after_payment_frees_payment() {
    // In hindsight the invoice was 50.00, so 10.00 of the payment was never needed.
    let entries = [
        invoice(1, "2025-01-01", "2025-01-31", eur("100.00")).into(),
        payment(1, "2025-01-05", eur("60.00"), Some(1)),
        credit_note(10, "2025-01-10", eur("50.00"), Some(1)),
    ];
    let state = run(&entries, "2025-01-31");

    assert_eq!(balance(&state, 1).status, InvoiceStatus::Paid);
    assert_eq!(balance(&state, 1).settled_on, Some(date("2025-01-10")));
    assert_eq!(state.credits.len(), 1);
    assert_eq!(state.credits[0].origin, CreditOrigin::Payment(PaymentId(1)));
    assert_eq!(state.credits[0].amount, eur("10.00"));
}

#[test]
fn unlinked_credit_note_is_account_credit() {
    let note = credit_note(10, "2025-01-10", eur("30.00"), None);
    let alone = run(std::slice::from_ref(&note), "2025-01-31");
    assert_eq!(alone.balances[&Currency::EUR].credit, eur("30.00"));
    assert_eq!(alone.balances[&Currency::EUR].total, eur("-30.00"));

    let entries = [
        invoice(1, "2025-01-01", "2025-01-31", eur("100.00")).into(),
        note,
    ];
    let state = run(&entries, "2025-01-31");
    assert_eq!(balance(&state, 1).principal_outstanding, eur("70.00"));
    assert_eq!(balance(&state, 1).credited, eur("0.00"));
    assert_eq!(
        state.allocations[0].source,
        AllocationSource::AccountCredit(CreditOrigin::CreditNote(InvoiceId(10)))
    );
}

/// Replays the worked example's invoice with interest claimed, a 5.00 fee and a payment of 500.00.
fn order_case(debtor_type: DebtorType) -> LedgerState {
    let entries = [
        worked_example(true),
        fee(1, 1, "2025-01-05", eur("5.00")),
        payment(1, "2025-01-14", eur("500.00"), Some(1)),
    ];
    run_with(&entries, &settings(debtor_type), "2025-01-14")
}

#[test]
fn consumer_pays_principal_first() {
    let state = order_case(DebtorType::Consumer);
    assert_eq!(
        allocated(&state, 1),
        [(Component::Principal, eur("500.00"))]
    );
    assert_eq!(balance(&state, 1).fees_outstanding, eur("5.00"));
    assert_eq!(balance(&state, 1).interest_outstanding, eur("9.05"));
}

#[test]
fn business_pays_costs_first() {
    let state = order_case(DebtorType::Business);
    // Business interest is 8 points over the reference rate: 9.88 on the worked example.
    assert_eq!(
        allocated(&state, 1),
        [
            (Component::Principal, eur("485.12")),
            (Component::Interest, eur("9.88")),
            (Component::Costs, eur("5.00")),
        ]
    );
    assert_eq!(balance(&state, 1).principal_outstanding, eur("514.88"));
}

#[test]
fn consumer_ignores_allocation_order() {
    let consumer =
        settings(DebtorType::Consumer).with_allocation_order(AllocationOrder::BUSINESS_DEFAULT);
    assert_eq!(consumer.allocation_order(), AllocationOrder::CONSUMER);

    let business = settings(DebtorType::Business).with_allocation_order(AllocationOrder::CONSUMER);
    assert_eq!(business.allocation_order(), AllocationOrder::CONSUMER);
}

#[test]
fn settings_from_policy() {
    let mut policy = Policy::default_business();
    policy.interest.contractual_rate = Some(dec!(12));
    policy.payment_protection_days = 6;
    let settings = LedgerSettings::from_policy(&policy).unwrap();

    assert_eq!(settings.debtor_type(), DebtorType::Business);
    assert_eq!(
        settings.penalty_terms().contractual_rate_percent(),
        Some(dec!(12))
    );
    assert_eq!(settings.payment_protection_days(), 6);
    assert_eq!(
        settings.allocation_order(),
        AllocationOrder::BUSINESS_DEFAULT
    );
    assert!(settings.apply_credit_automatically());

    policy.interest.contractual_rate = Some(dec!(-1));
    assert!(LedgerSettings::from_policy(&policy).is_err());
}

#[test]
fn reversed_payment_is_ignored() {
    let without = run(&[worked_example(true)], "2025-02-28");
    let reversed = Entry::Payment(PaymentEntry {
        reversed: true,
        // A reversed payment is not even validated.
        invoice: Some(InvoiceId(99)),
        ..match payment(1, "2025-01-14", eur("1009.05"), Some(1)) {
            Entry::Payment(payment) => payment,
            _ => unreachable!(),
        }
    });
    let with = run(&[worked_example(true), reversed], "2025-02-28");

    assert_eq!(with, without);
    assert_eq!(balance(&with, 1).principal_outstanding, eur("1000.00"));
    assert!(balance(&with, 1).interest_outstanding.amount() > dec!(9.05));
}

/// Replays an invoice paid in full on 2025-01-20 and a fee charged on `charged_on`.
fn protection_case(charged_on: &str) -> LedgerState {
    let entries = [
        invoice(1, "2024-12-01", "2025-01-15", eur("100.00")).into(),
        payment(1, "2025-01-20", eur("100.00"), Some(1)),
        fee(7, 1, charged_on, eur("5.00")),
    ];
    run(&entries, "2025-01-31")
}

#[test]
fn fee_waived_when_paid_four_days_before() {
    let state = protection_case("2025-01-24");
    let invoice = balance(&state, 1);

    assert_eq!(invoice.status, InvoiceStatus::Paid);
    assert_eq!(invoice.fees_waived, eur("5.00"));
    assert_eq!(invoice.fees_outstanding, eur("0.00"));
    assert_eq!(
        state.waived_fees,
        [WaivedFee {
            fee: FeeId(7),
            invoice: InvoiceId(1),
            amount: eur("5.00"),
            reason: WaiverReason::PaymentProtection,
        }]
    );
}

#[test]
fn fee_owed_when_paid_three_days_before() {
    let state = protection_case("2025-01-23");
    let invoice = balance(&state, 1);

    assert_eq!(invoice.status, InvoiceStatus::Open);
    assert_eq!(invoice.fees_outstanding, eur("5.00"));
    assert!(state.waived_fees.is_empty());
}

#[test]
fn protection_days_follow_settings() {
    let entries = [
        invoice(1, "2024-12-01", "2025-01-15", eur("100.00")).into(),
        payment(1, "2025-01-20", eur("100.00"), Some(1)),
        fee(7, 1, "2025-01-24", eur("5.00")),
    ];
    let strict = settings(DebtorType::Business).with_payment_protection_days(5);
    let state = run_with(&entries, &strict, "2025-01-31");
    assert_eq!(balance(&state, 1).fees_outstanding, eur("5.00"));
}

#[test]
fn fee_survives_principal_payment() {
    let entries = [
        invoice(1, "2024-12-01", "2025-01-15", eur("100.00")).into(),
        fee(7, 1, "2025-01-20", eur("5.00")),
        payment(1, "2025-01-25", eur("100.00"), Some(1)),
    ];
    let state = run(&entries, "2025-01-31");
    let invoice = balance(&state, 1);

    assert_eq!(invoice.principal_outstanding, eur("0.00"));
    assert_eq!(invoice.fees_outstanding, eur("5.00"));
    assert_eq!(invoice.status, InvoiceStatus::Open);
}

#[test]
fn fee_on_credited_invoice_waived() {
    let entries = [
        invoice(1, "2024-12-01", "2025-01-15", eur("100.00")).into(),
        fee(7, 1, "2025-01-20", eur("5.00")),
        credit_note(10, "2025-01-25", eur("100.00"), Some(1)),
    ];
    let state = run(&entries, "2025-01-31");

    assert_eq!(balance(&state, 1).status, InvoiceStatus::Credited);
    assert_eq!(state.waived_fees[0].reason, WaiverReason::InvoiceCredited);
}

/// Lists the worked example with a 5.00 fee, 400.00 paid and the rest written off on 2025-01-14.
fn written_off_entries() -> Vec<Entry> {
    vec![
        worked_example(true),
        fee(1, 1, "2025-01-05", eur("5.00")),
        payment(1, "2025-01-10", eur("400.00"), Some(1)),
        write_off(1, "2025-01-14"),
    ]
}

#[test]
fn write_off_takes_whole_balance() {
    let state = run(&written_off_entries(), "2025-03-31");
    let invoice = balance(&state, 1);
    // 1000 * (11.5 % * 16 / 366 + 10.5 % * 10 / 365) + 600 * 10.5 % * 4 / 365 = 8.5944
    let interest = invoice.interest_claimed;

    assert_eq!(invoice.status, InvoiceStatus::WrittenOff);
    assert_eq!(invoice.written_off_on, Some(date("2025-01-14")));
    assert_eq!(interest, eur("8.59"));
    assert_eq!(
        invoice.written_off,
        eur("600.00")
            .checked_add(interest)
            .unwrap()
            .checked_add(eur("5.00"))
            .unwrap()
    );
    assert_eq!(invoice.total_outstanding, eur("0.00"));
    assert_eq!(state.balances[&Currency::EUR].total, eur("0.00"));
    // Interest stops at the write-off.
    assert_eq!(invoice.interest_accrued, interest);
}

#[test]
fn payment_after_write_off_recovers() {
    let mut entries = written_off_entries();
    entries.push(payment(2, "2025-02-01", eur("700.00"), Some(1)));
    let state = run(&entries, "2025-03-31");
    let invoice = balance(&state, 1);

    assert_eq!(invoice.status, InvoiceStatus::Paid);
    assert_eq!(invoice.written_off, eur("0.00"));
    assert_eq!(invoice.settled_on, Some(date("2025-02-01")));
    let recoveries: Vec<_> = state.allocations.iter().filter(|a| a.recovery).collect();
    assert_eq!(recoveries.len(), 3);
    // 700.00 - 600.00 - 8.59 - 5.00
    assert_eq!(state.credits[0].amount, eur("86.41"));
}

#[test]
fn untargeted_payment_skips_written_off() {
    let mut entries = written_off_entries();
    entries.push(payment(2, "2025-02-01", eur("50.00"), None));
    let state = run(&entries, "2025-03-31");

    assert_eq!(balance(&state, 1).status, InvoiceStatus::WrittenOff);
    assert_eq!(state.balances[&Currency::EUR].credit, eur("50.00"));
}

#[test]
fn same_day_payment_precedes_write_off() {
    let entries = [
        invoice(1, "2025-01-01", "2025-01-31", eur("100.00")).into(),
        write_off(1, "2025-02-10"),
        payment(1, "2025-02-10", eur("40.00"), Some(1)),
    ];
    let state = run(&entries, "2025-02-28");

    assert_eq!(balance(&state, 1).written_off, eur("60.00"));
    assert!(!state.allocations[0].recovery);
}

#[test]
fn same_day_fee_precedes_payment() {
    let entries = [
        invoice(1, "2025-01-01", "2025-01-15", eur("100.00")).into(),
        payment(1, "2025-01-25", eur("100.00"), Some(1)),
        fee(1, 1, "2025-01-25", eur("5.00")),
    ];
    let state = run_with(&entries, &settings(DebtorType::Business), "2025-01-31");

    assert_eq!(
        allocated(&state, 1),
        [
            (Component::Principal, eur("95.00")),
            (Component::Costs, eur("5.00"))
        ]
    );
}

#[test]
fn currencies_kept_apart() {
    let entries = [
        invoice(1, "2025-01-01", "2025-01-31", eur("100.00")).into(),
        invoice(2, "2025-01-01", "2025-01-31", sek("1000.00")).into(),
        payment(1, "2025-01-20", sek("1200.00"), None),
    ];
    let state = run(&entries, "2025-01-31");
    let sek_currency = Currency::from_code("SEK").unwrap();

    assert_eq!(balance(&state, 1).principal_outstanding, eur("100.00"));
    assert_eq!(balance(&state, 2).status, InvoiceStatus::Paid);
    assert_eq!(state.balances[&sek_currency].credit, sek("200.00"));
    assert_eq!(state.balances[&sek_currency].total, sek("-200.00"));
    assert_eq!(state.balances[&Currency::EUR].total, eur("100.00"));
    assert_eq!(state.balances[&Currency::EUR].credit, eur("0.00"));
}

#[test]
fn untargeted_payment_settles_oldest_first() {
    let entries = [
        invoice(3, "2025-01-01", "2025-02-28", eur("100.00")).into(),
        invoice(1, "2025-01-05", "2025-01-31", eur("100.00")).into(),
        // Same due date as invoice 1, issued earlier, so older.
        invoice(2, "2025-01-02", "2025-01-31", eur("100.00")).into(),
        payment(1, "2025-01-20", eur("250.00"), None),
    ];
    let state = run(&entries, "2025-01-20");

    let order: Vec<_> = state.allocations.iter().map(|a| a.invoice.0).collect();
    assert_eq!(order, [2, 1, 3]);
    assert_eq!(balance(&state, 2).status, InvoiceStatus::Paid);
    assert_eq!(balance(&state, 1).status, InvoiceStatus::Paid);
    assert_eq!(balance(&state, 3).principal_outstanding, eur("50.00"));
}

#[test]
fn payment_before_issue_waits_as_credit() {
    let entries = [
        payment(1, "2025-01-10", eur("40.00"), None),
        invoice(1, "2025-01-15", "2025-02-15", eur("100.00")).into(),
    ];
    let state = run(&entries, "2025-01-31");

    assert_eq!(balance(&state, 1).principal_outstanding, eur("60.00"));
    assert_eq!(state.allocations[0].on, date("2025-01-15"));
}

#[test]
fn draft_and_cancelled_owe_nothing() {
    let draft = InvoiceEntry {
        status: InvoiceEntryStatus::Draft,
        ..invoice(1, "2024-11-01", "2024-12-01", eur("100.00"))
    };
    let cancelled = InvoiceEntry {
        status: InvoiceEntryStatus::Cancelled,
        ..invoice(2, "2024-11-01", "2024-12-01", eur("100.00"))
    };
    let entries = [
        draft.into(),
        cancelled.into(),
        payment(1, "2025-01-10", eur("40.00"), Some(2)),
        credit_note(10, "2025-01-10", eur("100.00"), Some(2)),
        fee(1, 1, "2025-01-10", eur("5.00")),
    ];
    let state = run(&entries, "2025-01-31");

    assert_eq!(balance(&state, 1).status, InvoiceStatus::Draft);
    assert_eq!(balance(&state, 2).status, InvoiceStatus::Cancelled);
    assert_eq!(balance(&state, 2).principal, eur("0.00"));
    assert_eq!(balance(&state, 2).interest_accrued, eur("0.00"));
    // The payment becomes credit; the credit note has no effect.
    assert_eq!(state.balances[&Currency::EUR].credit, eur("40.00"));
    assert_eq!(state.waived_fees[0].reason, WaiverReason::InvoiceNotIssued);
}

#[test]
fn later_entries_wait_for_their_day() {
    let entries = [
        worked_example(true),
        payment(1, "2025-01-15", eur("1000.00"), Some(1)),
        fee(1, 1, "2025-01-15", eur("5.00")),
    ];
    let state = run(&entries, "2025-01-14");
    let invoice = balance(&state, 1);

    assert_eq!(invoice.principal_outstanding, eur("1000.00"));
    assert_eq!(invoice.fees_charged, eur("0.00"));
    assert!(state.allocations.is_empty());
}

#[test]
fn no_due_date_starts_after_thirty_days() {
    let entry = InvoiceEntry {
        due_date: None,
        sent_on: Some(date("2025-03-01")),
        ..invoice(1, "2025-03-01", "2025-03-01", eur("1000.00"))
    };
    let on_time = run(&[entry.clone().into()], "2025-03-30");
    assert_eq!(balance(&on_time, 1).interest_accrued, eur("0.00"));

    let late = run(&[entry.into()], "2025-03-31");
    let periods = &balance(&late, 1).interest_periods;
    assert_eq!(periods.len(), 1);
    assert_eq!(periods[0].period.first_day, date("2025-03-31"));
}

#[test]
fn error_names_unknown_invoice() {
    let error = run_error(&[payment(7, "2025-01-10", eur("10.00"), Some(99))]);
    assert_eq!(error.code(), "ledger_invoice_unknown");
    assert!(error.to_string().contains("payment 7"), "{error}");
    assert!(error.to_string().contains("invoice 99"), "{error}");

    let error = run_error(&[write_off(98, "2025-01-10")]);
    assert!(
        error.to_string().contains("write-off of invoice 98"),
        "{error}"
    );
}

#[test]
fn error_names_currency_mismatch() {
    let entries = [
        invoice(1, "2025-01-01", "2025-01-31", eur("100.00")).into(),
        fee(4, 1, "2025-01-10", sek("50.00")),
    ];
    let error = run_error(&entries);
    assert_eq!(error.code(), "ledger_currency_mismatch");
    for part in ["fee 4", "SEK", "invoice 1", "EUR"] {
        assert!(error.to_string().contains(part), "{part}: {error}");
    }
}

#[test]
fn error_names_bad_amounts() {
    let zero = run_error(&[credit_note(3, "2025-01-10", eur("0.00"), None)]);
    assert_eq!(zero.code(), "ledger_amount_not_positive");
    assert!(zero.to_string().contains("credit note 3"), "{zero}");
    assert!(zero.to_string().contains("0.00 EUR"), "{zero}");

    let negative = run_error(&[payment(2, "2025-01-10", eur("-5.00"), None)]);
    assert_eq!(negative.code(), "ledger_amount_not_positive");

    let fraction = Money::new(dec!(1.005), Currency::EUR);
    let unrounded = run_error(&[payment(2, "2025-01-10", fraction, None)]);
    assert_eq!(unrounded.code(), "ledger_amount_not_rounded");
    assert!(unrounded.to_string().contains("1.005"), "{unrounded}");
}

#[test]
fn error_names_duplicate() {
    let error = run_error(&[
        payment(2, "2025-01-10", eur("5.00"), None),
        payment(2, "2025-01-11", eur("6.00"), None),
    ]);
    assert_eq!(error.code(), "ledger_entry_duplicate");
    assert!(error.to_string().contains("payment 2"), "{error}");
}

#[test]
fn error_names_missing_rate() {
    let old = invoice(5, "2018-11-01", "2018-12-01", eur("100.00"));
    let error = run_error(&[old.into()]);
    assert_eq!(error.code(), "reference_rate_missing");
    assert!(error.to_string().contains("invoice 5"), "{error}");
    assert!(error.to_string().contains("2018-H2"), "{error}");
}

#[test]
fn state_serializes() {
    let state = run(
        &[
            worked_example(true),
            payment(1, "2025-01-14", eur("1000.00"), Some(1)),
        ],
        "2025-01-31",
    );
    let json = serde_json::to_value(&state).unwrap();
    assert_eq!(json["invoices"]["1"]["status"], "open");
    assert_eq!(
        json["invoices"]["1"]["interest_outstanding"]["amount"],
        "9.05"
    );
    assert_eq!(json["allocations"][0]["source"]["kind"], "payment");
    assert_eq!(json["allocations"][0]["component"], "principal");
    let back: LedgerState = serde_json::from_value(json).unwrap();
    assert_eq!(back, state);
}

#[test]
fn entries_serialize() {
    let entries = [
        worked_example(true),
        payment(1, "2025-01-14", eur("1000.00"), Some(1)),
        write_off(1, "2025-02-01"),
    ];
    let json = serde_json::to_value(&entries).unwrap();
    assert_eq!(json[0]["kind"], "invoice");
    assert_eq!(json[0]["status"], "issued");
    assert_eq!(json[1]["kind"], "payment");
    assert_eq!(json[1]["amount"]["amount"], "1000.00");
    assert_eq!(json[2]["kind"], "write_off");
    let back: Vec<Entry> = serde_json::from_value(json).unwrap();
    assert_eq!(back, entries);
}

#[test]
fn many_invoices_settle_in_order() {
    // Thousands of invoices and payments: an allocation costs no scan over settled invoices.
    let count = 3000_i64;
    let mut entries = Vec::new();
    for id in 0..count {
        entries.push(invoice(id, "2025-01-01", "2025-03-01", eur("10.00")).into());
        entries.push(payment(id, "2025-02-01", eur("10.00"), None));
    }
    let state = run(&entries, "2025-02-01");

    assert_eq!(state.allocations.len(), 3000);
    assert!(
        state
            .invoices
            .values()
            .all(|invoice| invoice.status == InvoiceStatus::Paid)
    );
}
