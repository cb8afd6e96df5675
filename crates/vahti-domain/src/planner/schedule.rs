//! The planning algorithm: per invoice, find the next step and the earliest instant it may run,
//! then group the steps that are due now into messages.

use std::cell::OnceCell;
use std::collections::BTreeMap;

use chrono::{DateTime, Days, NaiveDate, NaiveTime, TimeDelta, Utc};
use rust_decimal::Decimal;

use super::{
    AccountSnapshot, Channel, FeeWaiver, InvoiceSnapshot, InvoiceStatus, Plan, PlannedFee,
    PlannedMessage, PlannedStep, SkipReason, SkippedStep, StepRecord, StepState,
};
use crate::calendar::{BankingCalendar, CachedSendWindow, local_date, resolve_local};
use crate::ids::InvoiceId;
use crate::legal::{self, consumer};
use crate::policy::{
    CatchUpMode, FeeBase, FeeKind, Grouping, OffsetBase, Step, StepKind, ValidatedPolicy,
};
use crate::{Currency, DebtorType, Money};

/// A recorded step matched to its position in the current policy.
struct Recorded<'a> {
    index: usize,
    record: &'a StepRecord,
}

/// What one invoice needs now.
enum Outcome {
    /// Nothing now and nothing scheduled: the invoice waits for a change.
    Inactive,
    /// The next step becomes due at this instant, after `now`.
    Waiting(DateTime<Utc>),
    /// A step runs now, possibly after skipping missed ones.
    Due {
        channel: Channel,
        step: PlannedStep,
        skipped: Vec<SkippedStep>,
    },
    /// Steps are skipped now and nothing runs.
    SkipOnly(Vec<SkippedStep>),
    /// The invoice's dates lie outside the calendar's supported years.
    Unplannable,
}

/// The earliest instant a step may run, or why it never can.
enum Earliest {
    At(DateTime<Utc>),
    /// A consumer hand-over without any reminder sent: the law forbids it. Carries the instant
    /// at which the hand-over would otherwise have been due.
    HandoverBlocked(DateTime<Utc>),
}

pub(super) struct Planner<'a> {
    account: &'a AccountSnapshot,
    policy: &'a ValidatedPolicy,
    calendar: &'a dyn BankingCalendar,
    now: DateTime<Utc>,
    today: NaiveDate,
    /// The policy's send window in the debtor's zone, which keeps each day's interval for the
    /// rest of the plan.
    send_window: CachedSendWindow<'a>,
    /// The next opening of the send window when it is closed at `now`. It is the same for every
    /// invoice, so it is computed on first use and then reused.
    window_closed_until: OnceCell<Option<DateTime<Utc>>>,
    /// The results of [`opening`](Self::opening) so far, sorted by date and channel class.
    /// Invoices of one account often share dates.
    openings: Vec<KnownOpening>,
    /// The results of [`business_date`](Self::business_date) so far, sorted by instant. Steps
    /// sent in one message share their instant.
    business_dates: Vec<(DateTime<Utc>, NaiveDate)>,
}

/// A result of [`Planner::opening`].
struct KnownOpening {
    date: NaiveDate,
    /// Whether the channel contacts the debtor. Email and letter share the send window's
    /// opening, and tasks start at local midnight.
    contacts_debtor: bool,
    at: Option<DateTime<Utc>>,
}

impl<'a> Planner<'a> {
    pub(super) fn new(
        account: &'a AccountSnapshot,
        policy: &'a ValidatedPolicy,
        calendar: &'a dyn BankingCalendar,
        now: DateTime<Utc>,
    ) -> Self {
        Planner {
            account,
            policy,
            calendar,
            now,
            today: local_date(now, account.business_time_zone),
            send_window: CachedSendWindow::new(
                policy.send_window,
                account.debtor_time_zone,
                calendar,
            ),
            window_closed_until: OnceCell::new(),
            openings: Vec::new(),
            business_dates: Vec::new(),
        }
    }

    pub(super) fn run(&mut self) -> Plan {
        let mut due: Vec<(Channel, PlannedStep)> = Vec::new();
        let mut skipped = Vec::new();
        let mut next_wake_up: Option<DateTime<Utc>> = None;
        let mut unplannable = Vec::new();

        for invoice in &self.account.invoices {
            match self.evaluate(invoice) {
                Outcome::Inactive => {}
                Outcome::Waiting(at) => {
                    next_wake_up = Some(next_wake_up.map_or(at, |current| current.min(at)));
                }
                Outcome::Due {
                    channel,
                    step,
                    skipped: missed,
                } => {
                    skipped.extend(missed);
                    due.push((channel, step));
                }
                Outcome::SkipOnly(missed) => skipped.extend(missed),
                Outcome::Unplannable => unplannable.push(invoice.id),
            }
        }

        Plan {
            messages: self.group(due),
            skipped,
            next_wake_up,
            unplannable,
        }
    }

    fn evaluate(&mut self, invoice: &InvoiceSnapshot) -> Outcome {
        if !self.is_escalating(invoice) {
            return Outcome::Inactive;
        }
        let Some(due_date) = invoice.due_date else {
            return Outcome::Inactive;
        };

        let recorded = self.recorded_steps(invoice);
        if invoice
            .history
            .iter()
            .any(|record| record.state.blocks_escalation())
        {
            return Outcome::Inactive;
        }
        let next = recorded.iter().map(|r| r.index + 1).max().unwrap_or(0);
        let Some(step) = self.policy.steps.get(next) else {
            return Outcome::Inactive;
        };

        let Ok(effective_due) = self.calendar.banking_day_on_or_after(due_date) else {
            return Outcome::Unplannable;
        };
        let channel = self.channel_for(step.kind);
        let (fee, fee_waiver) = self.fee_for(step, invoice);
        let Some(earliest) = self.earliest_instant(
            next,
            invoice,
            effective_due,
            &recorded,
            fee.is_some(),
            channel,
        ) else {
            return Outcome::Unplannable;
        };

        // A step whose time has come still waits for the send window to be open now.
        if let Some(open) = self.window_closed_until(channel) {
            let at = match earliest {
                Earliest::At(at) | Earliest::HandoverBlocked(at) => at,
            };
            if at <= self.now {
                return Outcome::Waiting(open);
            }
        }

        let due_at = match earliest {
            Earliest::At(at) if at > self.now => return Outcome::Waiting(at),
            Earliest::HandoverBlocked(at) if at > self.now => return Outcome::Waiting(at),
            Earliest::HandoverBlocked(at) => {
                return Outcome::SkipOnly(vec![SkippedStep {
                    invoice: invoice.id,
                    step_index: next,
                    step_key: step.key.clone(),
                    due_at: at,
                    reason: SkipReason::HandoverPreconditions,
                }]);
            }
            Earliest::At(at) => at,
        };

        let planned = PlannedStep {
            invoice: invoice.id,
            step_index: next,
            step_key: step.key.clone(),
            kind: step.kind,
            due_at,
            fee,
            fee_waiver,
            interest: step.interest,
        };

        match self.catch_up_target(next, invoice, effective_due, &recorded) {
            Some((target, missed)) if !missed.is_empty() => {
                let target_step = &self.policy.steps[target];
                let (fee, fee_waiver) = self.fee_for(target_step, invoice);
                let target_due = missed
                    .last()
                    .map_or(due_at, |last: &SkippedStep| last.due_at);
                Outcome::Due {
                    channel: self.channel_for(target_step.kind),
                    step: PlannedStep {
                        invoice: invoice.id,
                        step_index: target,
                        step_key: target_step.key.clone(),
                        kind: target_step.kind,
                        due_at: target_due,
                        fee,
                        fee_waiver,
                        interest: target_step.interest,
                    },
                    skipped: missed,
                }
            }
            _ => Outcome::Due {
                channel,
                step: planned,
                skipped: Vec::new(),
            },
        }
    }

    /// Whether the invoice takes part in escalation at all, whatever its history.
    fn is_escalating(&self, invoice: &InvoiceSnapshot) -> bool {
        invoice.status == InvoiceStatus::Open
            && !invoice.disputed
            && !invoice.in_payment_plan
            && invoice.total_outstanding.is_positive()
            && invoice.total_outstanding.amount() >= self.policy.min_overdue_for(invoice.currency())
    }

    /// The history entries whose keys the current policy knows, with their positions.
    fn recorded_steps<'r>(&self, invoice: &'r InvoiceSnapshot) -> Vec<Recorded<'r>> {
        invoice
            .history
            .iter()
            .filter_map(|record| {
                self.policy
                    .step_index(&record.step_key)
                    .map(|index| Recorded { index, record })
            })
            .collect()
    }

    fn channel_for(&self, kind: StepKind) -> Channel {
        if kind == StepKind::ManualTask {
            return Channel::Task;
        }
        if !self.account.can_email {
            return Channel::Letter;
        }
        let formal_demand = kind == StepKind::FinalDemand;
        let consented = self
            .account
            .electronic_demand_consent_until
            .is_some_and(|until| until >= self.today);
        if self.account.debtor_type == DebtorType::Consumer && formal_demand && !consented {
            Channel::Letter
        } else {
            Channel::Email
        }
    }

    /// The fee a step charges on this invoice, or why the policy's fee is waived.
    fn fee_for(
        &self,
        step: &Step,
        invoice: &InvoiceSnapshot,
    ) -> (Option<PlannedFee>, Option<FeeWaiver>) {
        let Some(spec) = &step.fee else {
            return (None, None);
        };
        let currency = invoice.currency();

        let mut amount = spec.fixed;
        if let Some(percent) = &spec.percent {
            let base = match percent.base {
                FeeBase::OutstandingPrincipal => invoice.principal_outstanding.amount(),
                FeeBase::OriginalPrincipal => invoice.original_amount.amount(),
            };
            let part = base
                .max(Decimal::ZERO)
                .checked_mul(percent.rate)
                .and_then(|product| product.checked_div(Decimal::ONE_HUNDRED))
                .unwrap_or(percent.max)
                .min(percent.max);
            amount = amount.saturating_add(part);
        }
        if currency == Currency::EUR {
            let cap = match spec.kind {
                FeeKind::ReminderFee => legal::max_reminder_fee_eur(self.account.debtor_type),
                FeeKind::StandardCompensation => legal::business::STANDARD_COMPENSATION_EUR,
            };
            amount = amount.min(cap);
        }
        let amount = Money::new(amount, currency).round();
        if !amount.is_positive() {
            return (None, None);
        }

        // Fees from every recorded step count, including steps of an earlier policy version.
        let fees_so_far = invoice
            .history
            .iter()
            .filter(|record| record.fee.is_some() && record.state.completed_at().is_some())
            .count();
        let waiver = match spec.kind {
            FeeKind::ReminderFee
                if self.account.debtor_type == DebtorType::Consumer
                    && !sent_early_enough(invoice) =>
            {
                Some(FeeWaiver::InvoiceSentLate)
            }
            FeeKind::StandardCompensation
                if invoice
                    .history
                    .iter()
                    .any(|record| record.fee == Some(FeeKind::StandardCompensation)) =>
            {
                Some(FeeWaiver::CompensationAlreadyCharged)
            }
            _ if u32::try_from(fees_so_far).unwrap_or(u32::MAX)
                >= self.policy.max_fee_reminders =>
            {
                Some(FeeWaiver::MaxFeeRemindersReached)
            }
            _ => None,
        };

        match waiver {
            Some(reason) => (None, Some(reason)),
            None => (
                Some(PlannedFee {
                    kind: spec.kind,
                    amount,
                }),
                None,
            ),
        }
    }

    /// The earliest instant step `index` may run, from the recorded history and every rule that
    /// delays it: its offset, the legal spacing, pauses and promises, the send window and the
    /// minimum contact interval.
    fn earliest_instant(
        &mut self,
        index: usize,
        invoice: &InvoiceSnapshot,
        effective_due: NaiveDate,
        recorded: &[Recorded<'_>],
        charges_fee: bool,
        channel: Channel,
    ) -> Option<Earliest> {
        let step = &self.policy.steps[index];
        let debtor = self.account.debtor_type;
        let previous_completed = recorded
            .iter()
            .filter(|r| r.index < index)
            .max_by_key(|r| r.index)
            .and_then(|r| r.record.state.completed_at())
            .map(|at| self.business_date(at));

        let mut date = self.base_date(step, effective_due, previous_completed);
        date = date.max(add_days(effective_due, 1));

        if charges_fee {
            if debtor == DebtorType::Consumer {
                date = date.max(add_days(
                    effective_due,
                    consumer::MIN_DAYS_FROM_DUE_TO_FEE_REMINDER,
                ));
            }
            let last_fee = invoice
                .history
                .iter()
                .filter(|record| record.fee.is_some())
                .filter_map(sent_at)
                .max();
            if let Some(last_fee) = last_fee {
                date = date.max(add_days(
                    self.business_date(last_fee),
                    legal::min_days_between_fee_steps(debtor),
                ));
            }
        }

        let mut handover_blocked = false;
        if step.kind == StepKind::CollectionHandover {
            let reference = match debtor {
                DebtorType::Consumer => recorded
                    .iter()
                    .filter(|r| self.policy.steps[r.index].kind.is_reminder())
                    .filter_map(|r| sent_at(r.record))
                    .max(),
                DebtorType::Business => recorded.iter().filter_map(|r| sent_at(r.record)).max(),
            };
            match reference {
                Some(at) => {
                    date = date.max(add_days(
                        self.business_date(at),
                        legal::min_days_before_handover(debtor),
                    ));
                }
                None => handover_blocked = debtor == DebtorType::Consumer,
            }
        }

        for pause_end in [
            invoice.paused_until,
            self.account.paused_until,
            invoice.promised_until,
        ]
        .into_iter()
        .flatten()
        {
            date = date.max(add_days(pause_end, 1));
        }

        let mut at = self.opening(date, channel)?;
        if channel.contacts_debtor()
            && let Some(last) = self.account.last_contact_at
        {
            let interval = TimeDelta::days(i64::from(self.policy.min_contact_interval_days));
            let allowed = last.checked_add_signed(interval).unwrap_or(last);
            if allowed > at {
                at = self.send_window.next_open_at_or_after(allowed).ok()?;
            }
        }

        Some(if handover_blocked {
            Earliest::HandoverBlocked(at)
        } else {
            Earliest::At(at)
        })
    }

    /// The next opening of the send window when it is closed now, for channels that contact the
    /// debtor; `None` when the window is open or the channel has none.
    fn window_closed_until(&mut self, channel: Channel) -> Option<DateTime<Utc>> {
        if !channel.contacts_debtor() {
            return None;
        }
        let (send_window, now) = (&mut self.send_window, self.now);
        *self.window_closed_until.get_or_init(|| {
            let open = send_window.next_open_at_or_after(now).ok()?;
            (open > now).then_some(open)
        })
    }

    /// The date a step becomes due by its offset alone.
    fn base_date(
        &self,
        step: &Step,
        effective_due: NaiveDate,
        previous_completed: Option<NaiveDate>,
    ) -> NaiveDate {
        let offset = i64::from(step.offset_days);
        match (step.offset_from, previous_completed) {
            (OffsetBase::PreviousStep, Some(previous)) => add_days(previous, offset),
            (OffsetBase::PreviousStep, None) | (OffsetBase::DueDate, _) => {
                add_days(effective_due, offset)
            }
        }
    }

    /// The first instant on `date` (or later) at which the channel may act: the send window's
    /// opening for messages, local midnight in the tenant's zone for tasks. `None` when the
    /// search leaves the calendar's supported years.
    fn opening(&mut self, date: NaiveDate, channel: Channel) -> Option<DateTime<Utc>> {
        let contacts_debtor = channel.contacts_debtor();
        let position = match self
            .openings
            .binary_search_by_key(&(date, contacts_debtor), |known| {
                (known.date, known.contacts_debtor)
            }) {
            Ok(position) => return self.openings[position].at,
            Err(position) => position,
        };
        let opening = match channel {
            Channel::Task => Some(resolve_local(
                self.account.business_time_zone,
                date,
                NaiveTime::MIN,
            )),
            Channel::Email | Channel::Letter => {
                let start_of_day =
                    resolve_local(self.account.debtor_time_zone, date, NaiveTime::MIN);
                self.send_window.next_open_at_or_after(start_of_day).ok()
            }
        };
        self.openings.insert(
            position,
            KnownOpening {
                date,
                contacts_debtor,
                at: opening,
            },
        );
        opening
    }

    /// For a step that is due now: when the policy jumps to the latest step and the step is
    /// later than the catch-up window, the highest step whose time has come, with the missed
    /// steps before it.
    fn catch_up_target(
        &mut self,
        next: usize,
        invoice: &InvoiceSnapshot,
        effective_due: NaiveDate,
        recorded: &[Recorded<'_>],
    ) -> Option<(usize, Vec<SkippedStep>)> {
        if self.policy.catch_up.mode != CatchUpMode::JumpToLatest {
            return None;
        }

        let previous_completed = recorded
            .iter()
            .max_by_key(|r| r.index)
            .and_then(|r| r.record.state.completed_at())
            .map(|at| self.business_date(at));

        // Nominal due dates, as if every step from `next` on had run on time.
        let mut nominal: Vec<(usize, NaiveDate)> = Vec::new();
        let mut previous = previous_completed;
        for index in next..self.policy.steps.len() {
            let step = &self.policy.steps[index];
            let date = self
                .base_date(step, effective_due, previous)
                .max(add_days(effective_due, 1));
            let at = self.opening(date, self.channel_for(step.kind))?;
            if at > self.now {
                break;
            }
            nominal.push((index, date));
            previous = Some(date);
        }

        let (_, first_date) = *nominal.first()?;
        let window = TimeDelta::days(i64::from(self.policy.catch_up.window_days));
        let first_at = self.opening(first_date, self.channel_for(self.policy.steps[next].kind))?;
        if self.now.signed_duration_since(first_at) <= window {
            return None;
        }

        let target = nominal
            .iter()
            .rev()
            .map(|(index, _)| *index)
            .find(|&index| {
                let step = &self.policy.steps[index];
                if index <= next || step.kind == StepKind::CollectionHandover {
                    return false;
                }
                // The target must also meet the legal spacing against what was really sent.
                let (fee, _) = self.fee_for(step, invoice);
                let earliest = self.earliest_instant(
                    index,
                    invoice,
                    effective_due,
                    recorded,
                    fee.is_some(),
                    self.channel_for(step.kind),
                );
                matches!(earliest, Some(Earliest::At(at)) if at <= self.now)
            })?;

        let missed = nominal
            .iter()
            .filter(|(index, _)| *index < target)
            .map(|(index, date)| {
                let step = &self.policy.steps[*index];
                self.opening(*date, self.channel_for(step.kind))
                    .map(|due_at| SkippedStep {
                        invoice: invoice.id,
                        step_index: *index,
                        step_key: step.key.clone(),
                        due_at,
                        reason: SkipReason::CatchUp,
                    })
            })
            .collect::<Option<Vec<_>>>()?;
        Some((target, missed))
    }

    /// Groups the steps due now into messages, as the policy's grouping says.
    fn group(&self, due: Vec<(Channel, PlannedStep)>) -> Vec<PlannedMessage> {
        let mut groups: BTreeMap<(Channel, Currency, bool, usize), Vec<PlannedStep>> =
            BTreeMap::new();
        for (position, (channel, step)) in due.into_iter().enumerate() {
            let Some(invoice) = self.invoice(step.invoice) else {
                continue;
            };
            let separate = match self.policy.grouping {
                Grouping::PerAccount => 0,
                Grouping::PerInvoice => position,
            };
            let handover = step.kind == StepKind::CollectionHandover;
            groups
                .entry((channel, invoice.currency(), handover, separate))
                .or_default()
                .push(step);
        }

        groups
            .into_iter()
            .filter_map(|((channel, currency, handover, _), steps)| {
                self.message(channel, currency, handover, steps)
            })
            .collect()
    }

    fn message(
        &self,
        channel: Channel,
        currency: Currency,
        handover: bool,
        steps: Vec<PlannedStep>,
    ) -> Option<PlannedMessage> {
        let lead = steps
            .iter()
            .max_by_key(|step| (step.kind, step.step_index))?;
        let lead_step = &self.policy.steps[lead.step_index];
        let kind = lead.kind;
        let template = lead_step
            .template
            .clone()
            .unwrap_or_else(|| kind.as_str().to_owned());

        let requires_approval = steps.iter().any(|step| {
            self.policy.steps[step.step_index].approval == crate::policy::Approval::Required
        });
        let payment_period = steps
            .iter()
            .map(|step| self.policy.steps[step.step_index].payment_period_days)
            .max()
            .unwrap_or(0);
        let unadjusted = add_days(self.today, i64::from(payment_period));
        let new_due_date = self
            .calendar
            .banking_day_on_or_after(unadjusted)
            .unwrap_or(unadjusted);

        // Listed invoices sort by (due date, id). Each key is looked up once here instead of on
        // every comparison, and equal keys have equal ids, so an unstable sort is enough.
        let due_date_of = |id: InvoiceId| self.invoice(id).and_then(|invoice| invoice.due_date);
        let mut listed: Vec<(Option<NaiveDate>, InvoiceId)> = steps
            .iter()
            .map(|step| (due_date_of(step.invoice), step.invoice))
            .collect();
        let lists_others =
            self.policy.grouping == Grouping::PerAccount && channel != Channel::Task && !handover;
        if lists_others {
            listed.extend(
                self.account
                    .invoices
                    .iter()
                    .filter(|invoice| invoice.currency() == currency)
                    .filter(|invoice| self.is_listed_overdue(invoice))
                    .map(|invoice| (due_date_of(invoice.id), invoice.id)),
            );
        }
        listed.sort_unstable();
        listed.dedup();

        let mut steps = steps;
        steps.sort_by_key(|step| step.invoice);

        Some(PlannedMessage {
            channel,
            kind,
            template,
            currency,
            requires_approval,
            steps,
            listed_invoices: listed.iter().map(|(_, id)| *id).collect(),
            new_due_date,
        })
    }

    /// Whether an invoice is overdue and listed in an account-wide message even when none of
    /// its own steps runs now.
    fn is_listed_overdue(&self, invoice: &InvoiceSnapshot) -> bool {
        let overdue = invoice.due_date.is_some_and(|due| {
            let effective = self.calendar.banking_day_on_or_after(due).unwrap_or(due);
            self.today > effective
        });
        let on_hold = invoice
            .paused_until
            .is_some_and(|until| until >= self.today)
            || invoice
                .promised_until
                .is_some_and(|until| until >= self.today);
        invoice.status == InvoiceStatus::Open
            && overdue
            && !invoice.disputed
            && !invoice.in_payment_plan
            && !on_hold
            && invoice.total_outstanding.is_positive()
    }

    fn invoice(&self, id: InvoiceId) -> Option<&InvoiceSnapshot> {
        self.account
            .invoices
            .iter()
            .find(|invoice| invoice.id == id)
    }

    fn business_date(&mut self, instant: DateTime<Utc>) -> NaiveDate {
        match self
            .business_dates
            .binary_search_by_key(&instant, |(known, _)| *known)
        {
            Ok(position) => self.business_dates[position].1,
            Err(position) => {
                let date = local_date(instant, self.account.business_time_zone);
                self.business_dates.insert(position, (instant, date));
                date
            }
        }
    }
}

/// When a recorded step reached the debtor; skipped steps never did.
fn sent_at(record: &StepRecord) -> Option<DateTime<Utc>> {
    match record.state {
        StepState::Sent { at } => Some(at),
        _ => None,
    }
}

/// Whether a consumer invoice was sent at least 14 days before its due date, which a reminder
/// fee requires.
fn sent_early_enough(invoice: &InvoiceSnapshot) -> bool {
    match (invoice.sent_on, invoice.due_date) {
        (Some(sent), Some(due)) => {
            due.signed_duration_since(sent).num_days() >= consumer::MIN_DAYS_INVOICE_SENT_BEFORE_DUE
        }
        _ => false,
    }
}

/// Adds whole days, saturating at the end of the calendar instead of failing.
fn add_days(date: NaiveDate, days: i64) -> NaiveDate {
    let magnitude = Days::new(days.unsigned_abs());
    let shifted = if days >= 0 {
        date.checked_add_days(magnitude)
    } else {
        date.checked_sub_days(magnitude)
    };
    shifted.unwrap_or(date)
}
