//! Property tests of the planner's guarantees over random accounts and histories.

use chrono::{DateTime, Days, TimeDelta, Utc};
use proptest::prelude::*;
use rust_decimal::Decimal;

use super::{account, date, eur, invoice};
use crate::calendar::FinnishCalendar;
use crate::planner::{InvoiceSnapshot, InvoiceStatus, Plan, StepRecord, StepState, plan};
use crate::policy::{CatchUpMode, Grouping, Policy, ValidatedPolicy};
use crate::{DebtorType, planner::AccountSnapshot};

fn epoch() -> DateTime<Utc> {
    super::utc(2026, 1, 1, 0, 0)
}

fn policy_strategy() -> impl Strategy<Value = ValidatedPolicy> {
    (any::<bool>(), any::<bool>(), any::<bool>(), 0_u32..10).prop_map(
        |(consumer, jump, per_invoice, contact_days)| {
            let mut policy = if consumer {
                Policy::default_consumer()
            } else {
                Policy::default_business()
            };
            if jump {
                policy.catch_up.mode = CatchUpMode::JumpToLatest;
            }
            if per_invoice {
                policy.grouping = Grouping::PerInvoice;
            }
            policy.min_contact_interval_days = contact_days;
            policy.into_validated().unwrap()
        },
    )
}

/// A random history: a prefix of the policy's steps, completed at increasing instants, whose
/// last entry may still be pending, queued or failed.
fn history_strategy(steps: usize) -> impl Strategy<Value = Vec<(usize, u8, i64)>> {
    prop::collection::vec((0_u8..5, 0_i64..40 * 24 * 3600), 0..=steps).prop_map(|entries| {
        entries
            .into_iter()
            .enumerate()
            .map(|(index, (state, gap))| (index, state, gap))
            .collect()
    })
}

#[derive(Debug, Clone)]
struct Case {
    policy: ValidatedPolicy,
    account: AccountSnapshot,
    now: DateTime<Utc>,
}

fn case_strategy() -> impl Strategy<Value = Case> {
    policy_strategy().prop_flat_map(|policy| {
        let steps = policy.steps.len();
        let invoice = (
            0_u64..150,
            0_u8..10,
            history_strategy(steps),
            1_i64..100_000,
            any::<bool>(),
        );
        (
            Just(policy),
            prop::collection::vec(invoice, 1..5),
            0_i64..220 * 24 * 3600,
            prop::option::of(0_i64..220 * 24 * 3600),
        )
            .prop_map(|(policy, invoices, now_offset, contact_offset)| {
                let now = epoch() + TimeDelta::seconds(now_offset);
                let invoices = invoices
                    .into_iter()
                    .enumerate()
                    .map(|(index, (due_days, status, history, cents, disputed))| {
                        build_invoice(
                            &policy, index, due_days, status, &history, cents, disputed, now,
                        )
                    })
                    .collect();
                let mut account = account(policy.debtor_type, invoices);
                account.last_contact_at = contact_offset
                    .map(|offset| epoch() + TimeDelta::seconds(offset))
                    .filter(|at| *at <= now);
                Case {
                    policy,
                    account,
                    now,
                }
            })
    })
}

#[expect(
    clippy::too_many_arguments,
    reason = "a flat generator keeps the strategy readable"
)]
fn build_invoice(
    policy: &ValidatedPolicy,
    index: usize,
    due_days: u64,
    status: u8,
    history: &[(usize, u8, i64)],
    cents: i64,
    disputed: bool,
    now: DateTime<Utc>,
) -> InvoiceSnapshot {
    let due = date(2026, 1, 1)
        .checked_add_days(Days::new(due_days))
        .unwrap();
    let mut snapshot = invoice(i64::try_from(index).unwrap() + 1, due);
    let amount = eur(Decimal::new(cents, 2));
    snapshot.original_amount = amount;
    snapshot.principal_outstanding = amount;
    snapshot.total_outstanding = amount;
    snapshot.status = match status {
        0 => InvoiceStatus::Paid,
        1 => InvoiceStatus::Draft,
        _ => InvoiceStatus::Open,
    };
    snapshot.disputed = disputed && status == 2;

    let mut at = super::utc(2026, 1, 1, 0, 0) + TimeDelta::days(i64::try_from(due_days).unwrap());
    let last = history.len().saturating_sub(1);
    for &(step_index, state, gap) in history {
        at += TimeDelta::seconds(gap);
        if at > now {
            break;
        }
        let step = &policy.steps[step_index];
        let completed = step_index < last || state < 2;
        let state = match (completed, state) {
            (true, 1) => StepState::Skipped { at },
            (true, _) => StepState::Sent { at },
            (false, 2) => StepState::PendingApproval { since: at },
            (false, 3) => StepState::Queued { at },
            (false, _) => StepState::Failed { at },
        };
        let fee = step.fee.as_ref().map(|fee| fee.kind);
        snapshot.history.push(StepRecord {
            step_key: step.key.clone(),
            state,
            fee: if matches!(state, StepState::Skipped { .. }) {
                None
            } else {
                fee
            },
        });
    }
    snapshot
}

/// Records a plan the way the daemon does: every step enters the history as pending or queued,
/// skipped steps as skipped, and a message that reaches the debtor sets the contact time.
fn apply(account: &mut AccountSnapshot, plan: &Plan, now: DateTime<Utc>) {
    for message in &plan.messages {
        for step in &message.steps {
            let state = if message.requires_approval {
                StepState::PendingApproval { since: now }
            } else {
                StepState::Queued { at: now }
            };
            let invoice = account
                .invoices
                .iter_mut()
                .find(|invoice| invoice.id == step.invoice)
                .unwrap();
            invoice.history.push(StepRecord {
                step_key: step.step_key.clone(),
                state,
                fee: step.fee.as_ref().map(|fee| fee.kind),
            });
        }
        if message.channel.contacts_debtor() && !message.requires_approval {
            account.last_contact_at = Some(now);
        }
    }
    for skipped in &plan.skipped {
        let invoice = account
            .invoices
            .iter_mut()
            .find(|invoice| invoice.id == skipped.invoice)
            .unwrap();
        invoice.history.push(StepRecord {
            step_key: skipped.step_key.clone(),
            state: StepState::Skipped { at: now },
            fee: None,
        });
    }
}

fn highest_recorded(policy: &ValidatedPolicy, invoice: &InvoiceSnapshot) -> Option<usize> {
    invoice
        .history
        .iter()
        .filter_map(|record| policy.step_index(&record.step_key))
        .max()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn steps_never_repeat_or_go_backwards(case in case_strategy()) {
        let result = plan(&case.account, &case.policy, &FinnishCalendar, case.now);

        let mut seen = std::collections::BTreeSet::new();
        for message in &result.messages {
            for step in &message.steps {
                prop_assert!(seen.insert(step.invoice), "two steps for invoice {}", step.invoice);
                let invoice = case.account.invoices.iter().find(|i| i.id == step.invoice).unwrap();
                prop_assert!(
                    invoice.history.iter().all(|record| record.step_key != step.step_key),
                    "step {} repeated", step.step_key
                );
                let next = highest_recorded(&case.policy, invoice).map_or(0, |index| index + 1);
                prop_assert!(step.step_index >= next, "step {} before {}", step.step_index, next);

                let skipped: Vec<usize> = result
                    .skipped
                    .iter()
                    .filter(|skip| skip.invoice == step.invoice)
                    .map(|skip| skip.step_index)
                    .collect();
                let expected: Vec<usize> = (next..step.step_index).collect();
                prop_assert_eq!(skipped, expected);
            }
        }
    }

    #[test]
    fn wake_up_is_never_in_the_past(case in case_strategy()) {
        let result = plan(&case.account, &case.policy, &FinnishCalendar, case.now);
        if let Some(at) = result.next_wake_up {
            prop_assert!(at > case.now, "wake-up {} is not after {}", at, case.now);
        }
    }

    #[test]
    fn replanning_after_recording_is_idle(case in case_strategy()) {
        let mut account = case.account.clone();
        let first = plan(&account, &case.policy, &FinnishCalendar, case.now);
        apply(&mut account, &first, case.now);
        let second = plan(&account, &case.policy, &FinnishCalendar, case.now);
        prop_assert!(second.is_idle(), "second plan at the same instant: {:#?}", second);
    }

    #[test]
    fn paid_account_has_nothing_due(case in case_strategy()) {
        let mut account = case.account.clone();
        for invoice in &mut account.invoices {
            invoice.status = InvoiceStatus::Paid;
            invoice.principal_outstanding = eur(Decimal::ZERO);
            invoice.total_outstanding = eur(Decimal::ZERO);
        }
        let result = plan(&account, &case.policy, &FinnishCalendar, case.now);
        prop_assert!(result.is_idle());
        prop_assert_eq!(result.next_wake_up, None);
    }

    #[test]
    fn fully_paid_open_invoice_gets_nothing(case in case_strategy()) {
        let mut account = case.account.clone();
        for invoice in &mut account.invoices {
            invoice.principal_outstanding = eur(Decimal::ZERO);
            invoice.total_outstanding = eur(Decimal::ZERO);
        }
        let result = plan(&account, &case.policy, &FinnishCalendar, case.now);
        prop_assert!(result.is_idle());
        prop_assert_eq!(result.next_wake_up, None);
    }

    #[test]
    fn consumer_fees_respect_legal_spacing(case in case_strategy()) {
        prop_assume!(case.policy.debtor_type == DebtorType::Consumer);
        let result = plan(&case.account, &case.policy, &FinnishCalendar, case.now);
        for message in &result.messages {
            for step in message.steps.iter().filter(|step| step.fee.is_some()) {
                let invoice = case.account.invoices.iter().find(|i| i.id == step.invoice).unwrap();
                let due = invoice.due_date.unwrap();
                let today = crate::calendar::local_date(case.now, chrono_tz::Europe::Helsinki);
                prop_assert!((today - due).num_days() >= 14, "fee {} days after due", (today - due).num_days());
                for record in invoice.history.iter().filter(|record| record.fee.is_some()) {
                    if let StepState::Sent { at } = record.state {
                        let sent = crate::calendar::local_date(at, chrono_tz::Europe::Helsinki);
                        prop_assert!((today - sent).num_days() >= 14);
                    }
                }
            }
        }
    }
}
