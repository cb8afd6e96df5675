//! Planner throughput: invoice evaluations per second on one core.
//!
//! Each iteration plans one consumer account with ten invoices in mixed states, so criterion's
//! element throughput counts invoice evaluations. The `read_only` baseline walks the same
//! snapshot and reads every field the planner's filters read, which is the memory-bound floor
//! that any planner on this data pays. See docs/benchmarks.md for the figures.

use std::hint::black_box;

use chrono::{DateTime, Days, NaiveDate, TimeZone, Utc};
use chrono_tz::Europe::Helsinki;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use vahti_domain::calendar::FinnishCalendar;
use vahti_domain::ids::{AccountId, InvoiceId};
use vahti_domain::planner::{
    AccountSnapshot, InvoiceSnapshot, InvoiceStatus, StepRecord, StepState, plan,
};
use vahti_domain::policy::{FeeKind, Policy, ValidatedPolicy};
use vahti_domain::{Currency, DebtorType, Money};

/// Invoices per planned account.
const INVOICES: usize = 10;

fn date(year: i32, month: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, month, day).unwrap_or(NaiveDate::MIN)
}

fn instant(year: i32, month: u32, day: u32, hour: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(year, month, day, hour, 0, 0)
        .single()
        .unwrap_or(DateTime::<Utc>::MIN_UTC)
}

fn euros(text: &str) -> Money {
    Money::parse(text, Currency::EUR).unwrap_or_else(|_| Money::zero(Currency::EUR))
}

/// An invoice due `days_overdue` days before 2026-03-02, with one sent reminder when
/// `reminded` is set.
fn invoice(id: i64, days_overdue: u64, reminded: bool) -> InvoiceSnapshot {
    let due = date(2026, 3, 2)
        .checked_sub_days(Days::new(days_overdue))
        .unwrap_or(NaiveDate::MIN);
    let history = if reminded {
        vec![StepRecord {
            step_key: "friendly_reminder".to_owned(),
            state: StepState::Sent {
                at: instant(2026, 2, 20, 8),
            },
            fee: None::<FeeKind>,
        }]
    } else {
        Vec::new()
    };
    InvoiceSnapshot {
        id: InvoiceId(id),
        status: InvoiceStatus::Open,
        original_amount: euros("120.00"),
        principal_outstanding: euros("120.00"),
        total_outstanding: euros("120.00"),
        sent_on: due.checked_sub_days(Days::new(30)),
        due_date: Some(due),
        disputed: false,
        paused_until: None,
        promised_until: None,
        in_payment_plan: false,
        history,
    }
}

/// Ten invoices: some not yet due, some due for their first step, some with a reminder sent.
fn account() -> AccountSnapshot {
    let overdue_days = [0, 3, 8, 10, 12, 15, 20, 25, 30, 40];
    let invoices = overdue_days
        .iter()
        .zip(1..)
        .map(|(days, id)| invoice(id, *days, *days >= 20))
        .take(INVOICES)
        .collect();
    AccountSnapshot {
        account_id: AccountId(1),
        debtor_type: DebtorType::Consumer,
        business_time_zone: Helsinki,
        debtor_time_zone: Helsinki,
        can_email: true,
        electronic_demand_consent_until: Some(date(2030, 1, 1)),
        last_contact_at: None,
        paused_until: None,
        invoices,
    }
}

/// Reads every field the planner's filters read and folds them into one number.
fn read_only(account: &AccountSnapshot, now: NaiveDate) -> i64 {
    let mut folded = 0_i64;
    for invoice in &account.invoices {
        let open = invoice.status == InvoiceStatus::Open
            && !invoice.disputed
            && !invoice.in_payment_plan
            && invoice.paused_until.is_none_or(|until| until < now)
            && invoice.promised_until.is_none_or(|until| until < now);
        let overdue = invoice.due_date.is_some_and(|due| due < now);
        let steps = i64::try_from(invoice.history.len()).unwrap_or(i64::MAX);
        folded = folded
            .wrapping_add(invoice.id.0)
            .wrapping_add(i64::from(open && overdue))
            .wrapping_add(steps)
            .wrapping_add(i64::from(
                invoice.total_outstanding.amount().is_sign_positive(),
            ));
    }
    folded
}

fn planner(criterion: &mut Criterion) {
    let account = account();
    let policy: Option<ValidatedPolicy> = Policy::default_consumer().into_validated().ok();
    let Some(policy) = policy else {
        panic!("the default consumer policy must validate");
    };
    let now = instant(2026, 3, 2, 7);

    let mut group = criterion.benchmark_group("planner");
    group.throughput(Throughput::Elements(INVOICES as u64));
    group.bench_function("plan_10_invoices", |bencher| {
        bencher.iter(|| {
            plan(
                black_box(&account),
                &policy,
                &FinnishCalendar,
                black_box(now),
            )
        });
    });
    group.bench_function("read_only_10_invoices", |bencher| {
        bencher.iter(|| read_only(black_box(&account), black_box(now.date_naive())));
    });
    group.finish();
}

criterion_group!(benches, planner);
criterion_main!(benches);
