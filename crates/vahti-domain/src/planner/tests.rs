use chrono::{DateTime, Datelike, NaiveDate, TimeZone, Utc};
use chrono_tz::Europe::Helsinki;
use rust_decimal_macros::dec;

use super::*;
use crate::calendar::FinnishCalendar;
use crate::ids::AccountId;
use crate::policy::{
    CatchUpMode, FeeBase, FeeSpec, Grouping, PercentFee, Policy, StepKind, ValidatedPolicy,
};
use crate::{Currency, DebtorType, Money};

mod properties;

pub(super) fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

pub(super) fn utc(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, h, min, 0).unwrap()
}

pub(super) fn eur(amount: rust_decimal::Decimal) -> Money {
    Money::new(amount, Currency::EUR)
}

pub(super) fn invoice(id: i64, due: NaiveDate) -> InvoiceSnapshot {
    InvoiceSnapshot {
        id: InvoiceId(id),
        status: InvoiceStatus::Open,
        original_amount: eur(dec!(100)),
        principal_outstanding: eur(dec!(100)),
        total_outstanding: eur(dec!(100)),
        sent_on: due.checked_sub_days(chrono::Days::new(30)),
        due_date: Some(due),
        disputed: false,
        paused_until: None,
        promised_until: None,
        in_payment_plan: false,
        history: Vec::new(),
    }
}

pub(super) fn account(debtor_type: DebtorType, invoices: Vec<InvoiceSnapshot>) -> AccountSnapshot {
    AccountSnapshot {
        account_id: AccountId(1),
        debtor_type,
        business_time_zone: Helsinki,
        debtor_time_zone: Helsinki,
        can_email: true,
        electronic_demand_consent_until: Some(date(2030, 1, 1)),
        last_contact_at: None,
        paused_until: None,
        invoices,
    }
}

pub(super) fn consumer_policy() -> ValidatedPolicy {
    Policy::default_consumer().into_validated().unwrap()
}

fn sent(key: &str, at: DateTime<Utc>, fee: bool) -> StepRecord {
    StepRecord {
        step_key: key.into(),
        state: StepState::Sent { at },
        fee: fee.then_some(crate::policy::FeeKind::ReminderFee),
    }
}

fn run(account: &AccountSnapshot, policy: &ValidatedPolicy, now: DateTime<Utc>) -> Plan {
    plan(account, policy, &FinnishCalendar, now)
}

fn only_step(plan: &Plan) -> &PlannedStep {
    assert_eq!(plan.messages.len(), 1, "messages: {:#?}", plan.messages);
    assert_eq!(
        plan.messages[0].steps.len(),
        1,
        "steps: {:#?}",
        plan.messages[0].steps
    );
    &plan.messages[0].steps[0]
}

// 2026-01-15 is a Thursday. Helsinki is UTC+2 in winter, so 08:00 local is 06:00 UTC.

#[test]
fn not_overdue_waits_for_first_step() {
    let account = account(DebtorType::Consumer, vec![invoice(1, date(2026, 1, 15))]);
    let plan = run(&account, &consumer_policy(), utc(2026, 1, 15, 12, 0));
    assert!(plan.is_idle());
    assert_eq!(plan.next_wake_up, Some(utc(2026, 1, 22, 6, 0)));
}

#[test]
fn step_due_at_exact_instant() {
    let account = account(DebtorType::Consumer, vec![invoice(1, date(2026, 1, 15))]);
    let policy = consumer_policy();

    let before = run(
        &account,
        &policy,
        utc(2026, 1, 22, 6, 0) - chrono::TimeDelta::seconds(1),
    );
    assert!(before.is_idle());
    assert_eq!(before.next_wake_up, Some(utc(2026, 1, 22, 6, 0)));

    let at = run(&account, &policy, utc(2026, 1, 22, 6, 0));
    let step = only_step(&at);
    assert_eq!(step.step_key, "friendly_reminder");
    assert_eq!(step.due_at, utc(2026, 1, 22, 6, 0));
    assert_eq!(step.fee, None);
    assert_eq!(at.messages[0].channel, Channel::Email);
    assert_eq!(at.next_wake_up, None);
}

#[test]
fn weekend_due_date_moves_to_banking_day() {
    // Saturday 2026-01-17 counts as due on Monday 2026-01-19.
    let account = account(DebtorType::Consumer, vec![invoice(1, date(2026, 1, 17))]);
    let plan = run(&account, &consumer_policy(), utc(2026, 1, 18, 12, 0));
    assert_eq!(plan.next_wake_up, Some(utc(2026, 1, 26, 6, 0)));
}

#[test]
fn settled_invoices_get_nothing() {
    for status in [
        InvoiceStatus::Paid,
        InvoiceStatus::Credited,
        InvoiceStatus::WrittenOff,
        InvoiceStatus::Cancelled,
        InvoiceStatus::Draft,
        InvoiceStatus::HandedOver,
    ] {
        let mut open = invoice(1, date(2026, 1, 15));
        open.status = status;
        let account = account(DebtorType::Consumer, vec![open]);
        let plan = run(&account, &consumer_policy(), utc(2026, 3, 1, 12, 0));
        assert!(plan.is_idle(), "status {status:?}");
        assert_eq!(plan.next_wake_up, None, "status {status:?}");
    }
}

#[test]
fn disputed_invoice_gets_nothing() {
    let mut disputed = invoice(1, date(2026, 1, 15));
    disputed.disputed = true;
    let plan = run(
        &account(DebtorType::Consumer, vec![disputed]),
        &consumer_policy(),
        utc(2026, 3, 1, 12, 0),
    );
    assert!(plan.is_idle());
    assert_eq!(plan.next_wake_up, None);
}

#[test]
fn invoice_without_due_date_gets_nothing() {
    let mut undated = invoice(1, date(2026, 1, 15));
    undated.due_date = None;
    let plan = run(
        &account(DebtorType::Consumer, vec![undated]),
        &consumer_policy(),
        utc(2026, 3, 1, 12, 0),
    );
    assert!(plan.is_idle());
    assert_eq!(plan.next_wake_up, None);
}

#[test]
fn pause_delays_until_day_after() {
    let mut paused = invoice(1, date(2026, 1, 15));
    paused.paused_until = Some(date(2026, 2, 10));
    let plan = run(
        &account(DebtorType::Consumer, vec![paused]),
        &consumer_policy(),
        utc(2026, 2, 1, 12, 0),
    );
    assert!(plan.is_idle());
    assert_eq!(plan.next_wake_up, Some(utc(2026, 2, 11, 6, 0)));
}

#[test]
fn account_pause_and_promise_delay() {
    let mut promised = invoice(1, date(2026, 1, 15));
    promised.promised_until = Some(date(2026, 2, 2));
    let mut account = account(DebtorType::Consumer, vec![promised]);
    account.paused_until = Some(date(2026, 2, 4));
    let plan = run(&account, &consumer_policy(), utc(2026, 2, 1, 12, 0));
    assert!(plan.is_idle());
    assert_eq!(plan.next_wake_up, Some(utc(2026, 2, 5, 6, 0)));
}

#[test]
fn payment_plan_stops_escalation() {
    let mut planned = invoice(1, date(2026, 1, 15));
    planned.in_payment_plan = true;
    let plan = run(
        &account(DebtorType::Consumer, vec![planned]),
        &consumer_policy(),
        utc(2026, 3, 1, 12, 0),
    );
    assert!(plan.is_idle());
    assert_eq!(plan.next_wake_up, None);
}

#[test]
fn below_minimum_amount_gets_nothing() {
    let mut small = invoice(1, date(2026, 1, 15));
    small.total_outstanding = eur(dec!(0.99));
    small.principal_outstanding = eur(dec!(0.99));
    let plan = run(
        &account(DebtorType::Consumer, vec![small]),
        &consumer_policy(),
        utc(2026, 3, 1, 12, 0),
    );
    assert!(plan.is_idle());
    assert_eq!(plan.next_wake_up, None);
}

#[test]
fn next_step_counts_from_previous_send() {
    let mut reminded = invoice(1, date(2026, 1, 15));
    reminded.history = vec![sent("friendly_reminder", utc(2026, 1, 23, 9, 0), false)];
    let account = account(DebtorType::Consumer, vec![reminded]);
    let policy = consumer_policy();

    let waiting = run(&account, &policy, utc(2026, 1, 30, 12, 0));
    assert!(waiting.is_idle());
    assert_eq!(waiting.next_wake_up, Some(utc(2026, 2, 6, 6, 0)));

    let due = run(&account, &policy, utc(2026, 2, 6, 6, 0));
    let step = only_step(&due);
    assert_eq!(step.step_key, "reminder");
    assert_eq!(
        step.fee,
        Some(PlannedFee {
            kind: crate::policy::FeeKind::ReminderFee,
            amount: eur(dec!(5.00)),
        })
    );
    assert_eq!(step.interest, crate::policy::StepInterest::Charge);
    assert_eq!(due.messages[0].new_due_date, date(2026, 2, 20));
}

#[test]
fn consumer_fee_waived_when_invoice_sent_late() {
    let mut late = invoice(1, date(2026, 1, 15));
    late.sent_on = Some(date(2026, 1, 5));
    late.history = vec![sent("friendly_reminder", utc(2026, 1, 23, 9, 0), false)];
    let plan = run(
        &account(DebtorType::Consumer, vec![late]),
        &consumer_policy(),
        utc(2026, 2, 6, 6, 0),
    );
    let step = only_step(&plan);
    assert_eq!(step.fee, None);
    assert_eq!(step.fee_waiver, Some(FeeWaiver::InvoiceSentLate));
}

#[test]
fn consumer_fee_waived_when_sent_date_unknown() {
    let mut unknown = invoice(1, date(2026, 1, 15));
    unknown.sent_on = None;
    unknown.history = vec![sent("friendly_reminder", utc(2026, 1, 23, 9, 0), false)];
    let plan = run(
        &account(DebtorType::Consumer, vec![unknown]),
        &consumer_policy(),
        utc(2026, 2, 6, 6, 0),
    );
    assert_eq!(
        only_step(&plan).fee_waiver,
        Some(FeeWaiver::InvoiceSentLate)
    );
}

#[test]
fn max_fee_reminders_waives_further_fees() {
    let mut reminded = invoice(1, date(2026, 1, 15));
    reminded.history = vec![
        sent("friendly_reminder", utc(2026, 1, 22, 9, 0), false),
        sent("reminder", utc(2026, 2, 5, 9, 0), true),
    ];
    let policy = consumer_policy();
    let plan = run(
        &account(DebtorType::Consumer, vec![reminded.clone()]),
        &policy,
        utc(2026, 2, 19, 6, 0),
    );
    assert_eq!(only_step(&plan).step_key, "final_demand");
    assert_eq!(
        only_step(&plan).fee.as_ref().map(|fee| fee.amount),
        Some(eur(dec!(5)))
    );

    // A fee charged by a step of an earlier policy version counts toward the limit of two.
    reminded.history.push(StepRecord {
        step_key: "old_reminder".into(),
        state: StepState::Sent {
            at: utc(2026, 1, 30, 9, 0),
        },
        fee: Some(crate::policy::FeeKind::ReminderFee),
    });
    let plan = run(
        &account(DebtorType::Consumer, vec![reminded]),
        &policy,
        utc(2026, 2, 19, 6, 0),
    );
    assert_eq!(only_step(&plan).fee, None);
    assert_eq!(
        only_step(&plan).fee_waiver,
        Some(FeeWaiver::MaxFeeRemindersReached)
    );
}

#[test]
fn pending_approval_blocks_next_step() {
    let mut pending = invoice(1, date(2026, 1, 15));
    pending.history = vec![StepRecord {
        step_key: "friendly_reminder".into(),
        state: StepState::PendingApproval {
            since: utc(2026, 1, 22, 6, 0),
        },
        fee: None,
    }];
    let plan = run(
        &account(DebtorType::Consumer, vec![pending]),
        &consumer_policy(),
        utc(2026, 4, 1, 12, 0),
    );
    assert!(plan.is_idle());
    assert_eq!(plan.next_wake_up, None);
}

#[test]
fn undelivered_and_failed_steps_block() {
    for state in [
        StepState::Queued {
            at: utc(2026, 1, 22, 6, 0),
        },
        StepState::Failed {
            at: utc(2026, 1, 22, 6, 0),
        },
    ] {
        let mut blocked = invoice(1, date(2026, 1, 15));
        blocked.history = vec![StepRecord {
            step_key: "friendly_reminder".into(),
            state,
            fee: None,
        }];
        let plan = run(
            &account(DebtorType::Consumer, vec![blocked]),
            &consumer_policy(),
            utc(2026, 4, 1, 12, 0),
        );
        assert!(plan.is_idle(), "state {state:?}");
    }
}

#[test]
fn skipped_step_lets_escalation_continue() {
    let mut skipped = invoice(1, date(2026, 1, 15));
    skipped.history = vec![StepRecord {
        step_key: "friendly_reminder".into(),
        state: StepState::Skipped {
            at: utc(2026, 1, 22, 10, 0),
        },
        fee: None,
    }];
    let plan = run(
        &account(DebtorType::Consumer, vec![skipped]),
        &consumer_policy(),
        utc(2026, 1, 23, 12, 0),
    );
    assert_eq!(plan.next_wake_up, Some(utc(2026, 2, 5, 6, 0)));
}

#[test]
fn contact_interval_postpones_step() {
    let mut reminded = invoice(1, date(2026, 1, 15));
    reminded.history = vec![sent("friendly_reminder", utc(2026, 1, 23, 9, 0), false)];
    let mut account = account(DebtorType::Consumer, vec![reminded]);
    account.last_contact_at = Some(utc(2026, 2, 4, 10, 0));

    let plan = run(&account, &consumer_policy(), utc(2026, 2, 6, 6, 0));
    assert!(plan.is_idle());
    assert_eq!(plan.next_wake_up, Some(utc(2026, 2, 11, 10, 0)));
}

#[test]
fn contact_interval_end_aligns_to_window() {
    let mut reminded = invoice(1, date(2026, 1, 15));
    reminded.history = vec![sent("friendly_reminder", utc(2026, 1, 23, 9, 0), false)];
    let mut account = account(DebtorType::Consumer, vec![reminded]);
    // 17:30 UTC is 19:30 in Helsinki, after the window closes; the next opening is Thursday
    // 08:00 local.
    account.last_contact_at = Some(utc(2026, 2, 4, 17, 30));

    let plan = run(&account, &consumer_policy(), utc(2026, 2, 6, 6, 0));
    assert_eq!(plan.next_wake_up, Some(utc(2026, 2, 12, 6, 0)));
}

#[test]
fn one_message_lists_all_overdue_invoices() {
    let first = invoice(1, date(2026, 1, 15));
    let second = invoice(2, date(2026, 1, 14));
    let mut third = invoice(3, date(2026, 1, 20));
    third.history = vec![sent("friendly_reminder", utc(2026, 1, 27, 9, 0), false)];
    let plan = run(
        &account(DebtorType::Consumer, vec![first, second, third]),
        &consumer_policy(),
        utc(2026, 1, 22, 6, 0),
    );

    assert_eq!(plan.messages.len(), 1, "{:#?}", plan.messages);
    let message = &plan.messages[0];
    let stepped: Vec<i64> = message.steps.iter().map(|s| s.invoice.0).collect();
    assert_eq!(stepped, [1, 2]);
    let listed: Vec<i64> = message.listed_invoices.iter().map(|id| id.0).collect();
    assert_eq!(listed, [2, 1, 3]);
}

#[test]
fn per_invoice_grouping_separates_messages() {
    let mut policy = Policy::default_consumer();
    policy.grouping = Grouping::PerInvoice;
    let policy = policy.into_validated().unwrap();
    let plan = run(
        &account(
            DebtorType::Consumer,
            vec![invoice(1, date(2026, 1, 15)), invoice(2, date(2026, 1, 14))],
        ),
        &policy,
        utc(2026, 1, 22, 6, 0),
    );
    assert_eq!(plan.messages.len(), 2);
    for message in &plan.messages {
        assert_eq!(message.steps.len(), 1);
        assert_eq!(message.listed_invoices, [message.steps[0].invoice]);
    }
}

#[test]
fn currencies_get_separate_messages() {
    let mut sek = invoice(2, date(2026, 1, 15));
    let krona = Currency::from_code("SEK").unwrap();
    sek.original_amount = Money::new(dec!(100), krona);
    sek.principal_outstanding = Money::new(dec!(100), krona);
    sek.total_outstanding = Money::new(dec!(100), krona);
    let plan = run(
        &account(
            DebtorType::Consumer,
            vec![invoice(1, date(2026, 1, 15)), sek],
        ),
        &consumer_policy(),
        utc(2026, 1, 22, 6, 0),
    );
    assert_eq!(plan.messages.len(), 2);
    assert_ne!(plan.messages[0].currency, plan.messages[1].currency);
}

#[test]
fn consumer_final_demand_needs_consent_for_email() {
    let mut reminded = invoice(1, date(2026, 1, 15));
    reminded.history = vec![
        sent("friendly_reminder", utc(2026, 1, 22, 9, 0), false),
        sent("reminder", utc(2026, 2, 5, 9, 0), true),
    ];
    let mut account = account(DebtorType::Consumer, vec![reminded]);
    account.electronic_demand_consent_until = Some(date(2026, 2, 1));
    let policy = consumer_policy();

    let without = run(&account, &policy, utc(2026, 2, 19, 6, 0));
    assert_eq!(only_step(&without).step_key, "final_demand");
    assert_eq!(without.messages[0].channel, Channel::Letter);

    account.electronic_demand_consent_until = Some(date(2026, 12, 31));
    let with = run(&account, &policy, utc(2026, 2, 19, 6, 0));
    assert_eq!(with.messages[0].channel, Channel::Email);
}

#[test]
fn no_email_address_means_letter() {
    let mut account = account(DebtorType::Consumer, vec![invoice(1, date(2026, 1, 15))]);
    account.can_email = false;
    let plan = run(&account, &consumer_policy(), utc(2026, 1, 22, 6, 0));
    assert_eq!(plan.messages[0].channel, Channel::Letter);
}

#[test]
fn handover_requires_approval_and_spacing() {
    let mut reminded = invoice(1, date(2026, 1, 15));
    reminded.history = vec![
        sent("friendly_reminder", utc(2026, 1, 22, 9, 0), false),
        sent("reminder", utc(2026, 2, 5, 9, 0), true),
        sent("final_demand", utc(2026, 2, 19, 9, 0), true),
    ];
    let account = account(DebtorType::Consumer, vec![reminded]);
    let policy = consumer_policy();

    let waiting = run(&account, &policy, utc(2026, 3, 4, 12, 0));
    assert!(waiting.is_idle());
    assert_eq!(waiting.next_wake_up, Some(utc(2026, 3, 5, 6, 0)));

    let due = run(&account, &policy, utc(2026, 3, 5, 6, 0));
    assert_eq!(only_step(&due).kind, StepKind::CollectionHandover);
    assert!(due.messages[0].requires_approval);
}

#[test]
fn consumer_handover_without_reminder_is_skipped() {
    let mut skipped_all = invoice(1, date(2026, 1, 15));
    let skip = |key: &str, at| StepRecord {
        step_key: key.into(),
        state: StepState::Skipped { at },
        fee: None,
    };
    skipped_all.history = vec![
        skip("friendly_reminder", utc(2026, 1, 22, 9, 0)),
        skip("reminder", utc(2026, 2, 5, 9, 0)),
        skip("final_demand", utc(2026, 2, 19, 9, 0)),
    ];
    let plan = run(
        &account(DebtorType::Consumer, vec![skipped_all]),
        &consumer_policy(),
        utc(2026, 3, 10, 12, 0),
    );
    assert!(plan.messages.is_empty());
    assert_eq!(plan.skipped.len(), 1);
    assert_eq!(plan.skipped[0].reason, SkipReason::HandoverPreconditions);
}

#[test]
fn catch_up_walks_in_order_by_default() {
    let account = account(DebtorType::Consumer, vec![invoice(1, date(2025, 10, 1))]);
    let plan = run(&account, &consumer_policy(), utc(2026, 1, 20, 10, 0));
    assert_eq!(only_step(&plan).step_key, "friendly_reminder");
    assert!(plan.skipped.is_empty());
}

#[test]
fn catch_up_jumps_to_latest_step() {
    let mut policy = Policy::default_consumer();
    policy.catch_up.mode = CatchUpMode::JumpToLatest;
    let policy = policy.into_validated().unwrap();
    let account = account(DebtorType::Consumer, vec![invoice(1, date(2025, 10, 1))]);

    let plan = run(&account, &policy, utc(2026, 1, 20, 10, 0));
    let step = only_step(&plan);
    assert_eq!(step.step_key, "final_demand");
    let skipped: Vec<&str> = plan.skipped.iter().map(|s| s.step_key.as_str()).collect();
    assert_eq!(skipped, ["friendly_reminder", "reminder"]);
    assert!(plan.skipped.iter().all(|s| s.reason == SkipReason::CatchUp));
}

#[test]
fn catch_up_window_runs_late_step() {
    let mut policy = Policy::default_consumer();
    policy.catch_up.mode = CatchUpMode::JumpToLatest;
    let policy = policy.into_validated().unwrap();
    // Four days late on Monday 2026-01-26, inside the seven-day window.
    let account = account(DebtorType::Consumer, vec![invoice(1, date(2026, 1, 15))]);
    let plan = run(&account, &policy, utc(2026, 1, 26, 10, 0));
    assert_eq!(only_step(&plan).step_key, "friendly_reminder");
    assert!(plan.skipped.is_empty());
}

#[test]
fn percentage_fee_is_capped() {
    let mut policy = Policy::default_business();
    policy.steps[1].fee = Some(FeeSpec {
        kind: crate::policy::FeeKind::ReminderFee,
        fixed: dec!(2),
        percent: Some(PercentFee {
            rate: dec!(1.5),
            base: FeeBase::OutstandingPrincipal,
            max: dec!(10),
        }),
    });
    let policy = policy.into_validated().unwrap();

    let mut reminded = invoice(1, date(2026, 1, 15));
    reminded.principal_outstanding = eur(dec!(333.33));
    reminded.history = vec![sent("friendly_reminder", utc(2026, 1, 19, 9, 0), false)];
    let plan = run(
        &account(DebtorType::Business, vec![reminded.clone()]),
        &policy,
        utc(2026, 1, 26, 6, 0),
    );
    // 2 + 1.5 % of 333.33 = 2 + 4.99995, rounded half away from zero.
    assert_eq!(
        only_step(&plan).fee.as_ref().unwrap().amount,
        eur(dec!(7.00))
    );

    reminded.principal_outstanding = eur(dec!(100000));
    let plan = run(
        &account(DebtorType::Business, vec![reminded]),
        &policy,
        utc(2026, 1, 26, 6, 0),
    );
    // The percentage part stops at 10 and the legal cap at 12.
    assert_eq!(
        only_step(&plan).fee.as_ref().unwrap().amount,
        eur(dec!(12.00))
    );
}

#[test]
fn window_opens_after_dst_change() {
    // Helsinki moves to UTC+3 on 2026-03-29; 08:00 local on Monday 2026-03-30 is 05:00 UTC.
    let account = account(DebtorType::Consumer, vec![invoice(1, date(2026, 3, 23))]);
    let plan = run(&account, &consumer_policy(), utc(2026, 3, 24, 12, 0));
    assert_eq!(plan.next_wake_up, Some(utc(2026, 3, 30, 5, 0)));
}

#[test]
fn late_step_waits_for_open_window() {
    // Due long ago, but now is Saturday 2026-04-11: the reminder waits for Monday 08:00, which is
    // 05:00 UTC in summer time.
    let account = account(DebtorType::Consumer, vec![invoice(1, date(2026, 3, 2))]);
    let plan = run(&account, &consumer_policy(), utc(2026, 4, 11, 7, 0));
    assert!(plan.is_idle(), "{:#?}", plan.messages);
    assert_eq!(plan.next_wake_up, Some(utc(2026, 4, 13, 5, 0)));

    let monday = run(&account, &consumer_policy(), utc(2026, 4, 13, 5, 0));
    assert_eq!(only_step(&monday).step_key, "friendly_reminder");
}

#[test]
fn late_step_waits_for_morning() {
    // 19:00 in Helsinki on a Tuesday: after the window closes.
    let account = account(DebtorType::Consumer, vec![invoice(1, date(2026, 1, 15))]);
    let plan = run(&account, &consumer_policy(), utc(2026, 1, 27, 17, 0));
    assert!(plan.is_idle());
    assert_eq!(plan.next_wake_up, Some(utc(2026, 1, 28, 6, 0)));
}

#[test]
fn earliest_wake_up_across_invoices() {
    let plan = run(
        &account(
            DebtorType::Consumer,
            vec![invoice(1, date(2026, 2, 15)), invoice(2, date(2026, 2, 2))],
        ),
        &consumer_policy(),
        utc(2026, 1, 20, 10, 0),
    );
    assert_eq!(plan.next_wake_up, Some(utc(2026, 2, 9, 6, 0)));
}

/// Returns the planned and the skipped steps of one invoice in a plan.
fn steps_of(plan: &Plan, invoice: InvoiceId) -> (Vec<PlannedStep>, Vec<SkippedStep>) {
    let steps = plan
        .messages
        .iter()
        .flat_map(|message| message.steps.iter())
        .filter(|step| step.invoice == invoice)
        .cloned()
        .collect();
    let skipped = plan
        .skipped
        .iter()
        .filter(|skip| skip.invoice == invoice)
        .cloned()
        .collect();
    (steps, skipped)
}

#[test]
fn shared_dates_plan_like_single_invoices() {
    // The planner reuses send window intervals and openings between the invoices of one plan.
    // Planned alone, an invoice reuses nothing, so each invoice must get the same steps either
    // way. The dates lie around Helsinki's daylight saving changes of 29 March and 25 October
    // 2026, and Tokyo, which has no daylight saving time, is the control.
    let mut jump = Policy::default_consumer();
    jump.catch_up.mode = CatchUpMode::JumpToLatest;
    let policies = [consumer_policy(), jump.into_validated().unwrap()];
    let changes = [date(2026, 3, 29), date(2026, 10, 25)];
    let mut planned_steps = 0;
    let mut skipped_steps = 0;

    for tz in [Helsinki, chrono_tz::Asia::Tokyo] {
        for change in changes {
            // Two invoices per due date, from 60 days before the change to 3 days after it,
            // with a friendly reminder sent on every second date. It was sent at 21:30 UTC,
            // which is 23:30 in Helsinki in winter but already the next day in summer.
            let mut invoices = Vec::new();
            for day in 0..64_u64 {
                let due = change - chrono::Days::new(60) + chrono::Days::new(day);
                for copy in 0..2 {
                    let id = i64::try_from(day * 2 + copy).unwrap() + 1;
                    let mut snapshot = invoice(id, due);
                    if day % 2 == 0 {
                        let sent_on = due + chrono::Days::new(8);
                        let at = Utc.from_utc_datetime(&sent_on.and_hms_opt(21, 30, 0).unwrap());
                        snapshot.history.push(sent("friendly_reminder", at, false));
                    }
                    invoices.push(snapshot);
                }
            }
            let mut shared = account(DebtorType::Consumer, invoices);
            shared.business_time_zone = tz;
            shared.debtor_time_zone = tz;

            // Friday before the change, the Sunday of the change, and the Monday after it.
            let nows = [
                utc(2026, change.month(), change.day() - 2, 10, 0),
                utc(2026, change.month(), change.day(), 1, 30),
                utc(2026, change.month(), change.day() + 1, 6, 0),
            ];
            for (policy, now) in policies.iter().flat_map(|p| nows.map(|now| (p, now))) {
                let whole = run(&shared, policy, now);
                let mut earliest_alone = None;
                for invoice in &shared.invoices {
                    let mut single = shared.clone();
                    single.invoices = vec![invoice.clone()];
                    let alone = run(&single, policy, now);
                    assert_eq!(
                        steps_of(&whole, invoice.id),
                        steps_of(&alone, invoice.id),
                        "invoice {} in {tz} at {now}",
                        invoice.id
                    );
                    if let Some(at) = alone.next_wake_up {
                        earliest_alone = Some(
                            earliest_alone.map_or(at, |earliest: DateTime<Utc>| earliest.min(at)),
                        );
                    }
                }
                assert_eq!(whole.next_wake_up, earliest_alone, "{tz} at {now}");
                planned_steps += whole.messages.iter().map(|m| m.steps.len()).sum::<usize>();
                skipped_steps += whole.skipped.len();
            }
        }
    }
    // The comparison covers planned and skipped steps, not only idle plans.
    assert!(planned_steps > 0);
    assert!(skipped_steps > 0);
}
