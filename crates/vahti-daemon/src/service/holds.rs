//! Holds on collection and manual interventions: disputes, pauses, promises to pay, payment
//! plans, and reminders sent outside the policy's steps.
//!
//! Each change runs on the account's actor in one transaction that writes the record (dispute,
//! pause, promise or plan row), the invoice and account fields the planner reads, the event, any
//! outbox email, and the account's recomputed next wake-up.
//!
//! Promises and plans also end by themselves. [`settle_expired`] runs at every wake-up of the
//! account and marks a promise kept or broken once its day has passed. It marks a plan completed
//! once every instalment is paid, and broken once an instalment is unpaid past its due date and
//! the policy's payment protection days. [`next_check_at`] adds those instants to the account's
//! next wake-up.

use std::collections::BTreeSet;

use chrono::{DateTime, Days, NaiveDate, Utc};
use vahti_domain::ids::{InvoiceId, TenantId};
use vahti_domain::ledger::{AllocationSource, CreditOrigin};
use vahti_domain::planner::InvoiceStatus;
use vahti_domain::{Currency, Money};
use vahti_store::accounts::{self, Account};
use vahti_store::invoices::{self, Invoice, InvoiceKind};
use vahti_store::{StoreError, Tx};

use super::Loaded;
use super::wake::refresh_next_action;
use crate::error::{ServiceError, ServiceResult};

mod disputes;
mod pauses;
mod plans;
mod promises;
mod remind;
mod settle;

pub use disputes::{DisputeView, Resolution, find_dispute, open_dispute, resolve_dispute};
pub use pauses::{PauseView, pause, resume};
pub use plans::{
    InstalmentView, MAX_INSTALMENTS, PlanView, cancel_plan, create_plan, find_plan, list_plans,
};
pub use promises::{PromiseRequest, PromiseView, promise, promise_state_now};
pub use remind::{DEFAULT_REMIND_PAYMENT_DAYS, MANUAL_STEP_PREFIX, RemindKind, remind};
pub use settle::{next_check_at, next_check_with, settle_expired};

/// Maximum length in characters of a dispute reason, pause reason or resolution note.
pub const MAX_TEXT_CHARS: usize = 2000;

/// The result of a change to an account.
#[derive(Debug, Clone)]
pub struct Changed<T> {
    /// The value the change returns.
    pub value: T,
    /// The account's next wake-up after the change.
    pub next_action_at: Option<DateTime<Utc>>,
    /// Whether an email was put in the outbox.
    pub email_queued: bool,
}

// Lookups.

/// Loads the tenant's account with this external id, or a 404 `account_not_found`.
pub fn find_account(
    tx: &mut Tx<'_>,
    tenant: TenantId,
    external_id: &str,
) -> ServiceResult<Account> {
    accounts::get_by_external_id(tx, tenant, external_id).map_err(|error| match error {
        StoreError::NotFound { .. } => account_not_found(external_id),
        other => other.into(),
    })
}

/// Loads the tenant's invoice or credit note with this external id, or a 404
/// `invoice_not_found`.
pub fn find_invoice(
    tx: &mut Tx<'_>,
    tenant: TenantId,
    external_id: &str,
) -> ServiceResult<Invoice> {
    invoices::get_by_external_id(tx, tenant, external_id).map_err(|error| match error {
        StoreError::NotFound { .. } => ServiceError::not_found(
            "invoice_not_found",
            format!("invoice {external_id:?} not found"),
        ),
        other => other.into(),
    })
}

fn account_not_found(external_id: &str) -> ServiceError {
    ServiceError::not_found(
        "account_not_found",
        format!("account {external_id:?} not found"),
    )
}

/// Finds the account's invoice with this external id, or returns a 404 that names both.
fn invoice_in<'a>(loaded: &'a Loaded, external_id: &str) -> ServiceResult<&'a Invoice> {
    loaded
        .invoices
        .iter()
        .find(|invoice| invoice.external_id == external_id && invoice.kind == InvoiceKind::Invoice)
        .ok_or_else(|| {
            ServiceError::not_found(
                "invoice_not_found",
                format!(
                    "account {:?} has no invoice {external_id:?}",
                    loaded.context.account.external_id
                ),
            )
        })
}

pub(crate) fn external_id_of(loaded: &Loaded, id: InvoiceId) -> String {
    loaded
        .invoice(id)
        .map_or_else(|| id.to_string(), |invoice| invoice.external_id.clone())
}

/// Checks a required free text and returns it without surrounding white space.
pub(crate) fn required_text(field: &str, text: &str) -> ServiceResult<String> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err(ServiceError::unprocessable(
            "value_invalid",
            Some(field.to_owned()),
            format!("{field} is empty; say in a few words why"),
        ));
    }
    optional_text(field, Some(trimmed)).map(|text| text.unwrap_or_default())
}

/// Checks an optional free text: at most [`MAX_TEXT_CHARS`] characters, and no control
/// characters other than line breaks and tabs.
pub(crate) fn optional_text(field: &str, text: Option<&str>) -> ServiceResult<Option<String>> {
    let Some(text) = text.map(str::trim).filter(|text| !text.is_empty()) else {
        return Ok(None);
    };
    let length = text.chars().count();
    if length > MAX_TEXT_CHARS {
        return Err(ServiceError::unprocessable(
            "value_invalid",
            Some(field.to_owned()),
            format!("{field} has {length} characters; shorten it to at most {MAX_TEXT_CHARS}"),
        ));
    }
    if text
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
    {
        return Err(ServiceError::unprocessable(
            "value_invalid",
            Some(field.to_owned()),
            format!("{field} contains a control character; remove it"),
        ));
    }
    Ok(Some(text.to_owned()))
}

fn not_before_today(field: &str, date: NaiveDate, today: NaiveDate) -> ServiceResult<()> {
    if date < today {
        return Err(ServiceError::unprocessable(
            "date_in_past",
            Some(field.to_owned()),
            format!("{field} {date} is in the past; use {today} or later"),
        ));
    }
    Ok(())
}

/// Explains why an invoice is not open for collection now, or returns `None` when it is.
pub(crate) fn hold_reason(loaded: &Loaded, invoice: &Invoice) -> Option<String> {
    let today = loaded.today;
    let status = loaded.status_of(invoice);
    let outstanding = loaded
        .balance(invoice.id)
        .is_some_and(|balance| balance.total_outstanding.is_positive());
    if status != InvoiceStatus::Open || !outstanding {
        Some(format!(
            "invoice {:?} is {}",
            invoice.external_id,
            status_word(status, outstanding)
        ))
    } else if invoice.disputed {
        Some(format!("invoice {:?} is disputed", invoice.external_id))
    } else if loaded.in_payment_plan(invoice.id) {
        Some(format!(
            "invoice {:?} is in an active payment plan",
            invoice.external_id
        ))
    } else if invoice.paused_until.is_some_and(|until| until >= today)
        || loaded
            .context
            .account
            .paused_until
            .is_some_and(|until| until >= today)
    {
        Some(format!(
            "collection of invoice {:?} is paused",
            invoice.external_id
        ))
    } else if invoice.promised_until.is_some_and(|until| until >= today) {
        Some(format!(
            "the debtor promised to pay invoice {:?}",
            invoice.external_id
        ))
    } else {
        None
    }
}

fn status_word(status: InvoiceStatus, outstanding: bool) -> &'static str {
    match status {
        InvoiceStatus::Draft => "a draft",
        InvoiceStatus::Open if !outstanding => "settled",
        InvoiceStatus::Open => "open",
        InvoiceStatus::Paid => "paid",
        InvoiceStatus::Credited => "credited",
        InvoiceStatus::WrittenOff => "written off",
        InvoiceStatus::Cancelled => "cancelled",
        InvoiceStatus::HandedOver => "handed over to a collection agency",
    }
}

fn invoice_closed(loaded: &Loaded, invoice: &Invoice) -> ServiceError {
    let status = loaded.status_of(invoice);
    ServiceError::conflict(
        "invoice_closed",
        None,
        format!(
            "invoice {:?} is {}, so collection of it cannot change",
            invoice.external_id,
            status_word(status, true)
        ),
    )
}

fn is_open(loaded: &Loaded, invoice: &Invoice) -> bool {
    loaded.status_of(invoice) == InvoiceStatus::Open
        && loaded
            .balance(invoice.id)
            .is_some_and(|balance| balance.total_outstanding.is_positive())
}

pub(crate) fn finish<T>(
    tx: &mut Tx<'_>,
    loaded: &Loaded,
    value: T,
    email_queued: bool,
) -> ServiceResult<Changed<T>> {
    let next_action_at = refresh_next_action(tx, loaded.context.account.id, loaded.now)?;
    Ok(Changed {
        value,
        next_action_at,
        email_queued,
    })
}

/// Checks that an amount from a request is above zero and has no more decimals than its
/// currency's minor unit.
pub(crate) fn checked_amount(field: &str, amount: Money) -> ServiceResult<Money> {
    if !amount.is_positive() {
        return Err(ServiceError::unprocessable(
            "amount_not_positive",
            Some(field.to_owned()),
            format!("{field} {} must be above zero", amount.amount()),
        ));
    }
    if !amount.is_rounded() {
        return Err(ServiceError::unprocessable(
            "amount_too_many_decimals",
            Some(field.to_owned()),
            format!(
                "{field} {} has more decimals than {} allows ({})",
                amount.amount(),
                amount.currency().code(),
                amount.currency().minor_unit_decimals()
            ),
        ));
    }
    Ok(amount)
}

/// Sums the payments allocated to the invoices of `scope` on or after `since`, which count
/// towards a promise or plan.
fn paid_since(
    loaded: &Loaded,
    scope: &BTreeSet<InvoiceId>,
    since: NaiveDate,
    currency: Currency,
) -> Money {
    let amounts = loaded
        .ledger
        .allocations
        .iter()
        .filter(|allocation| scope.contains(&allocation.invoice) && allocation.on >= since)
        .filter(|allocation| {
            matches!(
                allocation.source,
                AllocationSource::Payment(_)
                    | AllocationSource::AccountCredit(CreditOrigin::Payment(_))
            )
        })
        .map(|allocation| allocation.amount)
        .filter(|amount| amount.currency() == currency);
    Money::sum(currency, amounts).unwrap_or_else(|_| Money::zero(currency))
}

fn add_days(date: NaiveDate, days: u64) -> NaiveDate {
    date.checked_add_days(Days::new(days)).unwrap_or(date)
}
