//! Reminders sent now, outside the policy's steps.

use std::collections::BTreeSet;

use chrono::{DateTime, SecondsFormat, Utc};
use vahti_domain::Currency;
use vahti_domain::calendar::{BankingCalendar, FinnishCalendar};
use vahti_domain::ids::AccountId;
use vahti_domain::planner::{Channel, PlannedMessage, PlannedStep};
use vahti_domain::policy::{StepInterest, StepKind};
use vahti_store::Tx;
use vahti_store::invoices::{Invoice, InvoiceKind};
use vahti_store::steps::{self, NewStep, StepState};

use super::{Changed, add_days, finish, hold_reason, invoice_in};
use crate::error::{ServiceError, ServiceResult};
use crate::service::Loaded;
use crate::service::wake::{Edits, PendingStep, execute};

/// Days to pay printed on a reminder sent outside the policy, when the policy has no step of
/// the same kind to take the period from.
pub const DEFAULT_REMIND_PAYMENT_DAYS: u32 = 14;

/// The prefix of the step key of a reminder sent outside the policy. Policy step keys consist of
/// lower-case letters, digits, `-` and `_`, so a key with a colon never matches a policy step.
pub const MANUAL_STEP_PREFIX: &str = "manual:";

/// The kinds of reminder that can be sent outside the policy's steps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RemindKind {
    /// A friendly reminder.
    Friendly,
    /// A payment reminder, without a fee.
    Reminder,
}

/// Sends a reminder without a fee now, outside the policy's steps, about some or all of the
/// account's overdue invoices, and returns the invoices it lists.
///
/// It is rejected with a 409 `contact_interval_not_elapsed` while the policy's minimum contact
/// interval since the last message to the debtor has not passed, or while another message waits
/// for delivery. It is rejected with a 409 `nothing_to_remind` when no listed invoice is overdue
/// and free of holds. Each invoice gets a step history row whose key starts with [`MANUAL_STEP_PREFIX`]; the
/// row blocks the policy's next step of that invoice until the email is delivered, and delivery
/// sets the account's last contact.
pub fn remind(
    tx: &mut Tx<'_>,
    account_id: AccountId,
    kind: RemindKind,
    invoice_ids: &[String],
    now: DateTime<Utc>,
) -> ServiceResult<Changed<Vec<String>>> {
    let loaded = Loaded::load(tx, account_id, now)?;
    let context = &loaded.context;
    check_contact_interval(&loaded)?;

    let listed = remindable_invoices(&loaded, invoice_ids)?;
    let currencies: BTreeSet<Currency> = listed
        .iter()
        .map(|invoice| invoice.amount.currency())
        .collect();
    let [currency] = currencies.iter().copied().collect::<Vec<_>>()[..] else {
        return Err(ServiceError::unprocessable(
            "currency_mismatch",
            Some("invoices".to_owned()),
            format!(
                "the overdue invoices are in {}; one reminder lists invoices of one currency, so name the invoices to remind of",
                currencies
                    .iter()
                    .map(|currency| currency.code())
                    .collect::<Vec<_>>()
                    .join(" and ")
            ),
        ));
    };

    let step_kind = match kind {
        RemindKind::Friendly => StepKind::FriendlyReminder,
        RemindKind::Reminder => StepKind::Reminder,
    };
    let period = context
        .policy
        .steps
        .iter()
        .find(|step| step.kind == step_kind)
        .map_or(DEFAULT_REMIND_PAYMENT_DAYS, |step| step.payment_period_days);
    let unadjusted = add_days(loaded.today, u64::from(period));
    let new_due_date = FinnishCalendar
        .banking_day_on_or_after(unadjusted)
        .unwrap_or(unadjusted);
    let step_key = format!(
        "{MANUAL_STEP_PREFIX}{}",
        now.to_rfc3339_opts(SecondsFormat::Secs, true)
    );

    let mut held = Vec::with_capacity(listed.len());
    let mut planned = Vec::with_capacity(listed.len());
    for invoice in &listed {
        let balance = loaded
            .balance(invoice.id)
            .map(|balance| balance.total_outstanding)
            .ok_or_else(|| {
                ServiceError::internal(format!("invoice {} is missing from the ledger", invoice.id))
            })?;
        let step = steps::record(
            tx,
            context.tenant.id,
            &NewStep {
                account_id,
                invoice_id: invoice.id,
                policy_version_id: context.policy_version,
                // The step has no place in the policy; its key marks it as manual.
                step_index: 0,
                step_key: step_key.clone(),
                step_kind: step_kind.as_str().to_owned(),
                due_at: now,
                executed_at: None,
                state: StepState::Queued,
                detail: Some("reminder requested outside the policy's steps".to_owned()),
                balance,
                outbox_id: None,
            },
            now,
        )?;
        held.push(PendingStep {
            invoice: invoice.id,
            step_id: step.id,
        });
        planned.push(PlannedStep {
            invoice: invoice.id,
            step_index: 0,
            step_key: step_key.clone(),
            kind: step_kind,
            due_at: now,
            fee: None,
            fee_waiver: None,
            interest: StepInterest::Show,
        });
    }
    let message = PlannedMessage {
        channel: Channel::Email,
        kind: step_kind,
        template: step_kind.as_str().to_owned(),
        currency,
        requires_approval: false,
        steps: planned,
        listed_invoices: listed.iter().map(|invoice| invoice.id).collect(),
        new_due_date,
    };
    let not_before = context
        .policy
        .send_window
        .next_open_at_or_after(now, context.debtor_time_zone, &FinnishCalendar)
        .unwrap_or(now);
    execute(
        tx,
        account_id,
        &message,
        &held,
        &Edits {
            not_before: Some(not_before),
            ..Edits::default()
        },
        now,
    )?;

    let external_ids = listed
        .iter()
        .map(|invoice| invoice.external_id.clone())
        .collect();
    finish(tx, &loaded, external_ids, true)
}

fn check_contact_interval(loaded: &Loaded) -> ServiceResult<()> {
    let account = &loaded.context.account;
    let days = loaded.context.policy.min_contact_interval_days;
    if let Some(last) = account.last_contact_at {
        let allowed = last
            .checked_add_signed(chrono::TimeDelta::days(i64::from(days)))
            .unwrap_or(last);
        if allowed > loaded.now {
            return Err(ServiceError::conflict(
                "contact_interval_not_elapsed",
                None,
                format!(
                    "the debtor was last contacted at {}, and the policy keeps at least {days} days between messages; the next message is allowed from {}",
                    last.to_rfc3339_opts(SecondsFormat::Secs, true),
                    allowed.to_rfc3339_opts(SecondsFormat::Secs, true)
                ),
            ));
        }
    }
    let in_flight = loaded
        .steps
        .iter()
        .any(|step| step.state == StepState::Queued && step.outbox_id.is_some());
    if in_flight {
        return Err(ServiceError::conflict(
            "contact_interval_not_elapsed",
            None,
            format!(
                "a message to account {:?} waits for delivery; the next message is allowed once it is delivered and the policy's {days} days have passed",
                account.external_id
            ),
        ));
    }
    Ok(())
}

fn remindable_invoices<'a>(
    loaded: &'a Loaded,
    external_ids: &[String],
) -> ServiceResult<Vec<&'a Invoice>> {
    let overdue = |invoice: &Invoice| invoice.due_date.is_some_and(|due| due < loaded.today);
    let mut listed: Vec<&Invoice> = if external_ids.is_empty() {
        loaded
            .invoices
            .iter()
            .filter(|invoice| invoice.kind == InvoiceKind::Invoice)
            .filter(|invoice| overdue(invoice) && hold_reason(loaded, invoice).is_none())
            .collect()
    } else {
        let mut chosen: Vec<&Invoice> = Vec::with_capacity(external_ids.len());
        for (index, external_id) in external_ids.iter().enumerate() {
            let field = format!("invoices.{index}");
            let invoice =
                invoice_in(loaded, external_id).map_err(|error| error.with_field(field.clone()))?;
            if let Some(reason) = hold_reason(loaded, invoice) {
                return Err(ServiceError::conflict(
                    "nothing_to_remind",
                    Some(field),
                    format!("{reason}, so it cannot be reminded of"),
                ));
            }
            if !overdue(invoice) {
                return Err(ServiceError::conflict(
                    "nothing_to_remind",
                    Some(field),
                    format!("invoice {external_id:?} is not overdue, so it cannot be reminded of"),
                ));
            }
            if !chosen.iter().any(|seen| seen.id == invoice.id) {
                chosen.push(invoice);
            }
        }
        chosen
    };
    if listed.is_empty() {
        return Err(ServiceError::conflict(
            "nothing_to_remind",
            None,
            format!(
                "account {:?} has no overdue invoice that is free of disputes, pauses, promises and payment plans",
                loaded.context.account.external_id
            ),
        ));
    }
    listed.sort_by_key(|invoice| (invoice.due_date, invoice.id));
    Ok(listed)
}
