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

use chrono::{DateTime, Days, NaiveDate, NaiveTime, SecondsFormat, Utc};
use rust_decimal::Decimal;
use serde_json::json;
use vahti_api::EventType;
use vahti_domain::calendar::{BankingCalendar, FinnishCalendar, local_date, resolve_local};
use vahti_domain::ids::{AccountId, InvoiceId, TenantId};
use vahti_domain::ledger::{AllocationSource, CreditOrigin};
use vahti_domain::planner::{Channel, InvoiceStatus, PlannedMessage, PlannedStep};
use vahti_domain::policy::{StepInterest, StepKind};
use vahti_domain::{Currency, Money};
use vahti_mail::model::{Instalment as MailInstalment, MessageKind, RenderModel};
use vahti_store::accounts::{self, Account, AccountState};
use vahti_store::holds::{
    self, Dispute, NewInstalment, Pause, PaymentPlan, PlanState, Promise, PromiseState,
};
use vahti_store::ids::{DisputeId, PaymentPlanId};
use vahti_store::invoices::{self, Invoice, InvoiceKind};
use vahti_store::outbox::{self, NewOutboxMessage, OutboxKind};
use vahti_store::steps::{self, NewStep, StepState};
use vahti_store::{StoreError, Tx};

use super::Loaded;
use super::events::emit;
use super::messages::{self, Composition};
use super::wake::{Edits, EmailPayload, PendingStep, execute, refresh_next_action};
use crate::error::{ServiceError, ServiceResult};

/// Maximum length in characters of a dispute reason, pause reason or resolution note.
pub const MAX_TEXT_CHARS: usize = 2000;

/// Maximum number of instalments in a payment plan: ten years of monthly payments.
///
/// NOTE: policies set no limit on payment plans yet; this bound only keeps requests small.
pub const MAX_INSTALMENTS: usize = 120;

/// Days to pay printed on a reminder sent outside the policy, when the policy has no step of
/// the same kind to take the period from.
pub const DEFAULT_REMIND_PAYMENT_DAYS: u32 = 14;

/// The prefix of the step key of a reminder sent outside the policy. Policy step keys consist of
/// lower-case letters, digits, `-` and `_`, so a key with a colon never matches a policy step.
pub const MANUAL_STEP_PREFIX: &str = "manual:";

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

// Disputes.

/// The outcome of a dispute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resolution {
    /// The creditor accepts the dispute.
    Upheld,
    /// The creditor rejects the dispute; collection resumes.
    Rejected,
}

impl Resolution {
    /// Returns the stored and wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Resolution::Upheld => "upheld",
            Resolution::Rejected => "rejected",
        }
    }
}

/// A dispute with the external ids and the outcome read from its stored resolution.
#[derive(Debug, Clone)]
pub struct DisputeView {
    /// The stored dispute.
    pub dispute: Dispute,
    /// External id of the account.
    pub account: String,
    /// External id of the disputed invoice.
    pub invoice: Option<String>,
    /// The outcome, once resolved.
    pub resolution: Option<Resolution>,
    /// The note given on resolving.
    pub note: Option<String>,
}

/// The stored text of a resolution: the outcome, then the note on the following lines.
fn resolution_text(resolution: Resolution, note: Option<&str>) -> String {
    match note {
        Some(note) => format!("{}\n{note}", resolution.as_str()),
        None => resolution.as_str().to_owned(),
    }
}

fn view_dispute(loaded: &Loaded, dispute: Dispute) -> DisputeView {
    let (resolution, note) = match dispute.resolution.as_deref() {
        Some(text) => {
            let (outcome, note) = text.split_once('\n').unwrap_or((text, ""));
            let resolution = match outcome {
                "upheld" => Some(Resolution::Upheld),
                "rejected" => Some(Resolution::Rejected),
                _ => None,
            };
            (resolution, (!note.is_empty()).then(|| note.to_owned()))
        }
        None => (None, None),
    };
    DisputeView {
        account: loaded.context.account.external_id.clone(),
        invoice: dispute.invoice_id.map(|id| external_id_of(loaded, id)),
        dispute,
        resolution,
        note,
    }
}

/// Opens a dispute on an invoice: escalation of the invoice stops at once, and a queued email
/// about it is withdrawn when the sender re-checks it.
pub fn open_dispute(
    tx: &mut Tx<'_>,
    invoice_id: InvoiceId,
    reason: &str,
    now: DateTime<Utc>,
) -> ServiceResult<Changed<DisputeView>> {
    let reason = required_text("reason", reason)?;
    let account_id = invoices::get(tx, invoice_id)?.account_id;
    let loaded = Loaded::load(tx, account_id, now)?;
    let tenant = loaded.context.tenant.id;
    let invoice = loaded.invoice(invoice_id).cloned().ok_or_else(|| {
        ServiceError::internal(format!("invoice {invoice_id} is missing from its account"))
    })?;

    if invoice.kind != InvoiceKind::Invoice {
        return Err(ServiceError::unprocessable(
            "value_invalid",
            None,
            format!(
                "{:?} is a credit note, which cannot be disputed; open the dispute on the invoice it corrects",
                invoice.external_id
            ),
        ));
    }
    if !is_open(&loaded, &invoice) {
        return Err(invoice_closed(&loaded, &invoice));
    }
    let already_open = holds::disputes_for_account(tx, account_id)?
        .into_iter()
        .find(|dispute| dispute.invoice_id == Some(invoice_id) && dispute.resolved_at.is_none());
    if let Some(open) = already_open {
        return Err(ServiceError::conflict(
            "dispute_already_open",
            None,
            format!(
                "invoice {:?} already has open dispute {}; resolve it with POST /v1/disputes/{}/resolve",
                invoice.external_id, open.id, open.id
            ),
        ));
    }

    let dispute = holds::open_dispute(tx, tenant, account_id, Some(invoice_id), &reason, now)?;
    let mut state = invoice.collection_state();
    state.disputed = true;
    invoices::update_collection(tx, invoice_id, &state, now)?;
    emit(
        tx,
        tenant,
        EventType::DisputeOpened,
        Some(account_id),
        Some(invoice_id),
        json!({"dispute_id": dispute.id}),
        now,
    )?;
    let view = view_dispute(&loaded, dispute);
    finish(tx, &loaded, view, false)
}

/// Loads a dispute of the tenant, or a 404 `dispute_not_found`.
pub fn find_dispute(tx: &mut Tx<'_>, tenant: TenantId, id: DisputeId) -> ServiceResult<Dispute> {
    match holds::get_dispute(tx, id) {
        Ok(dispute) if dispute.tenant_id == tenant => Ok(dispute),
        Ok(_) | Err(StoreError::NotFound { .. }) => Err(ServiceError::not_found(
            "dispute_not_found",
            format!("dispute {id} not found"),
        )),
        Err(other) => Err(other.into()),
    }
}

/// Resolves a dispute and clears the invoice's disputed flag, so that escalation of whatever
/// the invoice still owes resumes.
///
/// An upheld dispute changes no amounts: the integrator corrects the invoice with a credit note,
/// best before resolving, because escalation resumes on the balance that remains.
pub fn resolve_dispute(
    tx: &mut Tx<'_>,
    tenant: TenantId,
    id: DisputeId,
    resolution: Resolution,
    note: Option<&str>,
    now: DateTime<Utc>,
) -> ServiceResult<Changed<DisputeView>> {
    let note = optional_text("note", note)?;
    let dispute = find_dispute(tx, tenant, id)?;
    let account_id = dispute.account_id;

    let resolved =
        holds::resolve_dispute(tx, id, &resolution_text(resolution, note.as_deref()), now)
            .map_err(|error| match error {
                StoreError::Conflict { .. } => ServiceError::conflict(
                    "dispute_already_resolved",
                    None,
                    format!("dispute {id} is already resolved"),
                ),
                other => other.into(),
            })?;

    if let Some(invoice_id) = resolved.invoice_id {
        let still_open = holds::disputes_for_account(tx, account_id)?
            .iter()
            .any(|other| other.invoice_id == Some(invoice_id) && other.resolved_at.is_none());
        if !still_open {
            let invoice = invoices::get(tx, invoice_id)?;
            let mut state = invoice.collection_state();
            state.disputed = false;
            invoices::update_collection(tx, invoice_id, &state, now)?;
        }
    }
    emit(
        tx,
        tenant,
        EventType::DisputeResolved,
        Some(account_id),
        resolved.invoice_id,
        json!({"dispute_id": id, "resolution": resolution.as_str()}),
        now,
    )?;

    let loaded = Loaded::load(tx, account_id, now)?;
    let view = view_dispute(&loaded, resolved);
    finish(tx, &loaded, view, false)
}

// Pauses.

/// The pause state of an account or one of its invoices.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PauseView {
    /// External id of the account.
    pub account: String,
    /// External id of the invoice, or `None` for the whole account.
    pub invoice: Option<String>,
    /// The last day of the pause, or `None` when not paused.
    pub paused_until: Option<NaiveDate>,
    /// The reason, or `None` when not paused.
    pub reason: Option<String>,
}

/// Pauses collection of the whole account or of one invoice up to and including `until`.
pub fn pause(
    tx: &mut Tx<'_>,
    account_id: AccountId,
    until: NaiveDate,
    reason: &str,
    invoice: Option<&str>,
    now: DateTime<Utc>,
) -> ServiceResult<Changed<PauseView>> {
    let reason = required_text("reason", reason)?;
    let loaded = Loaded::load(tx, account_id, now)?;
    not_before_today("until", until, loaded.today)?;
    let tenant = loaded.context.tenant.id;
    let account = &loaded.context.account;

    let target = invoice
        .map(|external_id| invoice_in(&loaded, external_id))
        .transpose()?;
    let record = holds::pause(
        tx,
        tenant,
        account_id,
        target.map(|invoice| invoice.id),
        until,
        &reason,
        now,
    )?;
    match target {
        Some(invoice) => {
            let mut state = invoice.collection_state();
            state.paused_until = Some(until);
            invoices::update_collection(tx, invoice.id, &state, now)?;
        }
        None => {
            accounts::update_state(
                tx,
                account_id,
                account.version,
                &AccountState {
                    paused_until: Some(until),
                    pause_reason: Some(reason.clone()),
                    last_contact_at: account.last_contact_at,
                },
                now,
            )?;
        }
    }
    emit(
        tx,
        tenant,
        EventType::Paused,
        Some(account_id),
        target.map(|invoice| invoice.id),
        json!({"pause_id": record.id, "paused_until": until}),
        now,
    )?;

    let view = PauseView {
        account: account.external_id.clone(),
        invoice: target.map(|invoice| invoice.external_id.clone()),
        paused_until: Some(until),
        reason: Some(reason),
    };
    finish(tx, &loaded, view, false)
}

/// Ends the pause of the whole account or of one invoice before its last day. Resuming what is
/// not paused changes nothing and records no event.
pub fn resume(
    tx: &mut Tx<'_>,
    account_id: AccountId,
    invoice: Option<&str>,
    now: DateTime<Utc>,
) -> ServiceResult<Changed<PauseView>> {
    let loaded = Loaded::load(tx, account_id, now)?;
    let tenant = loaded.context.tenant.id;
    let account = &loaded.context.account;
    let target = invoice
        .map(|external_id| invoice_in(&loaded, external_id))
        .transpose()?;
    let target_id = target.map(|invoice| invoice.id);

    let lifted: Vec<Pause> = holds::pauses_for_account(tx, account_id)?
        .into_iter()
        .filter(|pause| pause.invoice_id == target_id && pause.lifted_at.is_none())
        .filter(|pause| pause.paused_until >= loaded.today)
        .collect();
    for pause in &lifted {
        holds::lift_pause(tx, pause.id, now)?;
    }

    let was_paused = match target {
        Some(invoice) => {
            let paused = invoice.paused_until.is_some();
            if paused {
                let mut state = invoice.collection_state();
                state.paused_until = None;
                invoices::update_collection(tx, invoice.id, &state, now)?;
            }
            paused
        }
        None => {
            let paused = account.paused_until.is_some();
            if paused {
                accounts::update_state(
                    tx,
                    account_id,
                    account.version,
                    &AccountState {
                        paused_until: None,
                        pause_reason: None,
                        last_contact_at: account.last_contact_at,
                    },
                    now,
                )?;
            }
            paused
        }
    };
    if was_paused || !lifted.is_empty() {
        emit(
            tx,
            tenant,
            EventType::Resumed,
            Some(account_id),
            target_id,
            json!({"pause_ids": lifted.iter().map(|pause| pause.id).collect::<Vec<_>>()}),
            now,
        )?;
    }

    let view = PauseView {
        account: account.external_id.clone(),
        invoice: target.map(|invoice| invoice.external_id.clone()),
        paused_until: None,
        reason: None,
    };
    finish(tx, &loaded, view, false)
}

// Promises to pay.

/// A promise to pay as requested.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PromiseRequest {
    /// External id of the one invoice promised; every overdue invoice when `None`.
    pub invoice: Option<String>,
    /// The day by which the debtor promised to pay.
    pub pay_by: NaiveDate,
    /// The amount promised; everything outstanding on the promised invoices when `None`.
    pub amount: Option<Decimal>,
    /// The currency of the amount, required when the promised invoices use several.
    pub currency: Option<String>,
}

/// A promise with the external ids it concerns.
#[derive(Debug, Clone)]
pub struct PromiseView {
    /// The stored promise.
    pub promise: Promise,
    /// External id of the account.
    pub account: String,
    /// External id of the one invoice promised, or `None` for the account's overdue invoices.
    pub invoice: Option<String>,
}

/// Records a promise to pay by `pay_by`: no step is taken on the promised invoices until the
/// day after. When that day comes, the account's wake-up marks the promise kept if payments of
/// at least the promised amount arrived since it was made, and broken otherwise.
pub fn promise(
    tx: &mut Tx<'_>,
    account_id: AccountId,
    request: &PromiseRequest,
    now: DateTime<Utc>,
) -> ServiceResult<Changed<PromiseView>> {
    let loaded = Loaded::load(tx, account_id, now)?;
    not_before_today("pay_by", request.pay_by, loaded.today)?;
    let tenant = loaded.context.tenant.id;

    let mut promised: Vec<&Invoice> = match &request.invoice {
        Some(external_id) => {
            let invoice = invoice_in(&loaded, external_id)?;
            if !is_open(&loaded, invoice) {
                return Err(invoice_closed(&loaded, invoice));
            }
            vec![invoice]
        }
        None => loaded
            .invoices
            .iter()
            .filter(|invoice| invoice.kind == InvoiceKind::Invoice && is_open(&loaded, invoice))
            .filter(|invoice| invoice.due_date.is_some_and(|due| due < loaded.today))
            .filter(|invoice| !invoice.disputed)
            .collect(),
    };
    if let Some(code) = &request.currency {
        let currency = Currency::from_code(code).map_err(|error| {
            ServiceError::unprocessable(
                "currency_unknown",
                Some("currency".to_owned()),
                error.to_string(),
            )
        })?;
        promised.retain(|invoice| invoice.amount.currency() == currency);
    }
    if promised.is_empty() {
        return Err(ServiceError::unprocessable(
            "value_invalid",
            Some("invoice".to_owned()),
            format!(
                "account {:?} has no overdue invoice{} to promise payment for; name the invoice",
                loaded.context.account.external_id,
                request
                    .currency
                    .as_deref()
                    .map(|code| format!(" in {code}"))
                    .unwrap_or_default()
            ),
        ));
    }
    let currencies: BTreeSet<Currency> = promised
        .iter()
        .map(|invoice| invoice.amount.currency())
        .collect();
    let [currency] = currencies.iter().copied().collect::<Vec<_>>()[..] else {
        return Err(ServiceError::unprocessable(
            "value_invalid",
            Some("currency".to_owned()),
            format!(
                "the overdue invoices are in {}; give the currency of the promise",
                currencies
                    .iter()
                    .map(|currency| currency.code())
                    .collect::<Vec<_>>()
                    .join(" and ")
            ),
        ));
    };

    let outstanding = Money::sum(
        currency,
        promised
            .iter()
            .filter_map(|invoice| loaded.balance(invoice.id))
            .map(|balance| balance.total_outstanding),
    )
    .map_err(|error| ServiceError::internal(format!("promised total: {error}")))?;
    let amount = match request.amount {
        Some(amount) => checked_amount("amount", Money::new(amount, currency))?,
        None => outstanding,
    };

    let single = request
        .invoice
        .as_ref()
        .and_then(|_| promised.first().map(|invoice| invoice.id));
    let record = holds::promise(tx, tenant, account_id, single, &amount, request.pay_by, now)?;
    for invoice in &promised {
        let mut state = invoice.collection_state();
        state.promised_until = Some(request.pay_by);
        invoices::update_collection(tx, invoice.id, &state, now)?;
    }
    emit(
        tx,
        tenant,
        EventType::PromiseMade,
        Some(account_id),
        single,
        json!({
            "promise_id": record.id,
            "pay_by": request.pay_by,
            "amount": amount.amount().to_string(),
            "currency": currency.code(),
            "invoices": promised.iter().map(|invoice| invoice.id).collect::<Vec<_>>(),
        }),
        now,
    )?;

    let view = PromiseView {
        promise: record,
        account: loaded.context.account.external_id.clone(),
        invoice: request.invoice.clone(),
    };
    finish(tx, &loaded, view, false)
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

fn promise_scope(loaded: &Loaded, promise: &Promise) -> BTreeSet<InvoiceId> {
    match promise.invoice_id {
        Some(invoice) => BTreeSet::from([invoice]),
        None => loaded
            .invoices
            .iter()
            .filter(|invoice| invoice.amount.currency() == promise.amount.currency())
            .map(|invoice| invoice.id)
            .collect(),
    }
}

/// Decides the state of a promise today: open until its day has passed, then kept or broken.
pub fn promise_state_now(loaded: &Loaded, promise: &Promise) -> PromiseState {
    if promise.state != PromiseState::Open || promise.promised_on >= loaded.today {
        return promise.state;
    }
    let scope = promise_scope(loaded, promise);
    let since = local_date(promise.created_at, loaded.context.business_time_zone);
    let paid = paid_since(loaded, &scope, since, promise.amount.currency());
    let settled = scope.iter().all(|invoice| {
        loaded
            .balance(*invoice)
            .is_none_or(|balance| !balance.total_outstanding.is_positive())
    });
    if settled || paid.amount() >= promise.amount.amount() {
        PromiseState::Kept
    } else {
        PromiseState::Broken
    }
}

// Payment plans.

/// One instalment of a plan with what was paid towards it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstalmentView {
    /// The due day.
    pub due_on: NaiveDate,
    /// The amount due.
    pub amount: Money,
    /// The amount paid towards it.
    pub paid: Money,
    /// Whether it is paid in full.
    pub covered: bool,
    /// Whether its due date has passed without it being paid in full.
    pub overdue: bool,
}

/// A payment plan with the external ids it concerns and its progress.
#[derive(Debug, Clone)]
pub struct PlanView {
    /// The stored plan.
    pub plan: PaymentPlan,
    /// External id of the account.
    pub account: String,
    /// External ids of the invoices the plan covers.
    pub invoices: Vec<String>,
    /// The instalments with their payments.
    pub instalments: Vec<InstalmentView>,
}

/// Returns the invoices a plan covers: its recorded invoices, or every invoice of the account for
/// a plan that has none recorded.
fn plan_scope(loaded: &Loaded, plan: &PaymentPlan) -> BTreeSet<InvoiceId> {
    if plan.invoices.is_empty() {
        loaded.invoices.iter().map(|invoice| invoice.id).collect()
    } else {
        plan.invoices.iter().copied().collect()
    }
}

/// Spreads the payments made since the plan was agreed over its instalments, oldest first.
fn plan_progress(loaded: &Loaded, plan: &PaymentPlan) -> Vec<InstalmentView> {
    let currency = plan.total.currency();
    let since = local_date(plan.created_at, loaded.context.business_time_zone);
    let mut left = paid_since(loaded, &plan_scope(loaded, plan), since, currency).amount();
    plan.instalments
        .iter()
        .map(|instalment| {
            let due = instalment.amount.amount();
            let mut paid = left.min(due).max(Decimal::ZERO);
            left = left.checked_sub(paid).unwrap_or(Decimal::ZERO);
            paid.rescale(currency.minor_unit_decimals());
            let covered = instalment.paid_at.is_some() || paid >= due;
            InstalmentView {
                due_on: instalment.due_on,
                amount: instalment.amount,
                paid: Money::new(paid, currency),
                covered,
                overdue: !covered && instalment.due_on < loaded.today,
            }
        })
        .collect()
}

fn view_plan(loaded: &Loaded, plan: PaymentPlan) -> PlanView {
    PlanView {
        account: loaded.context.account.external_id.clone(),
        invoices: plan
            .invoices
            .iter()
            .map(|id| external_id_of(loaded, *id))
            .collect(),
        instalments: plan_progress(loaded, &plan),
        plan,
    }
}

/// Creates an active payment plan for some of the account's invoices and queues its
/// confirmation email.
///
/// The invoices must be open, undisputed, of the account and in one currency, and the account
/// must have no other active plan. The instalments must be in the future, in ascending date
/// order, above zero, and add up to exactly what the invoices owe today (principal, claimed
/// interest and fees). While the plan is active the planner skips its invoices. When the
/// account has no email address the plan is still made, without the confirmation.
pub fn create_plan(
    tx: &mut Tx<'_>,
    account_id: AccountId,
    invoice_ids: &[String],
    instalments: &[(NaiveDate, Decimal)],
    now: DateTime<Utc>,
) -> ServiceResult<Changed<PlanView>> {
    let loaded = Loaded::load(tx, account_id, now)?;
    let tenant = loaded.context.tenant.id;

    let covered = plan_invoices(&loaded, invoice_ids)?;
    let currency = plan_currency(&covered)?;
    let new_instalments = plan_instalments(&loaded, instalments, currency)?;
    let owed = Money::sum(
        currency,
        covered
            .iter()
            .filter_map(|invoice| loaded.balance(invoice.id))
            .map(|balance| balance.total_outstanding),
    )
    .map_err(|error| ServiceError::internal(format!("plan total: {error}")))?;
    let agreed = Money::sum(
        currency,
        new_instalments.iter().map(|instalment| instalment.amount),
    )
    .map_err(|error| {
        ServiceError::unprocessable(
            "payment_plan_invalid",
            Some("instalments".to_owned()),
            error.to_string(),
        )
    })?;
    if agreed != owed {
        return Err(ServiceError::unprocessable(
            "payment_plan_invalid",
            Some("instalments".to_owned()),
            format!(
                "the instalments add up to {} {}, but the invoices owe {} {} today; make them add up exactly",
                agreed.amount(),
                currency.code(),
                owed.amount(),
                currency.code()
            ),
        ));
    }
    if let Some(active) = loaded
        .plans
        .iter()
        .find(|plan| plan.state == PlanState::Active)
    {
        return Err(ServiceError::unprocessable(
            "payment_plan_invalid",
            Some("invoices".to_owned()),
            format!(
                "account {:?} already has active payment plan {}; cancel it with POST /v1/payment-plans/{}/cancel first",
                loaded.context.account.external_id, active.id, active.id
            ),
        ));
    }

    let proposed = holds::create_plan(tx, tenant, account_id, &new_instalments, now)?;
    let ids: Vec<InvoiceId> = covered.iter().map(|invoice| invoice.id).collect();
    holds::cover_invoices(tx, tenant, proposed.id, &ids)?;
    let plan = holds::set_plan_state(tx, proposed.id, PlanState::Active, now)?;

    let confirmation = queue_confirmation(tx, &loaded, &plan, now)?;
    emit(
        tx,
        tenant,
        EventType::PaymentPlanCreated,
        Some(account_id),
        None,
        json!({
            "plan_id": plan.id,
            "invoices": ids,
            "currency": currency.code(),
            "total": plan.total.amount().to_string(),
            "instalments": plan.instalments.iter().map(|instalment| json!({
                "due_date": instalment.due_on,
                "amount": instalment.amount.amount().to_string(),
            })).collect::<Vec<_>>(),
            "confirmation_queued": confirmation,
        }),
        now,
    )?;

    let view = view_plan(&loaded, plan);
    finish(tx, &loaded, view, confirmation)
}

fn plan_invoices<'a>(
    loaded: &'a Loaded,
    external_ids: &[String],
) -> ServiceResult<Vec<&'a Invoice>> {
    if external_ids.is_empty() {
        return Err(ServiceError::unprocessable(
            "payment_plan_invalid",
            Some("invoices".to_owned()),
            "a payment plan needs at least one invoice; list the external ids of the invoices it covers",
        ));
    }
    let mut covered: Vec<&Invoice> = Vec::with_capacity(external_ids.len());
    for (index, external_id) in external_ids.iter().enumerate() {
        let field = format!("invoices.{index}");
        let invoice =
            invoice_in(loaded, external_id).map_err(|error| error.with_field(field.clone()))?;
        if covered.iter().any(|seen| seen.id == invoice.id) {
            return Err(ServiceError::unprocessable(
                "payment_plan_invalid",
                Some(field),
                format!("invoice {external_id:?} is listed twice; list each invoice once"),
            ));
        }
        if !is_open(loaded, invoice) {
            return Err(invoice_closed(loaded, invoice).with_field(field));
        }
        if invoice.disputed {
            return Err(ServiceError::unprocessable(
                "payment_plan_invalid",
                Some(field),
                format!(
                    "invoice {external_id:?} is disputed; resolve the dispute before agreeing a plan for it"
                ),
            ));
        }
        covered.push(invoice);
    }
    Ok(covered)
}

fn plan_currency(covered: &[&Invoice]) -> ServiceResult<Currency> {
    let currencies: BTreeSet<Currency> = covered
        .iter()
        .map(|invoice| invoice.amount.currency())
        .collect();
    match currencies.iter().copied().collect::<Vec<_>>()[..] {
        [currency] => Ok(currency),
        _ => Err(ServiceError::unprocessable(
            "currency_mismatch",
            Some("invoices".to_owned()),
            format!(
                "the invoices are in {}; a payment plan covers invoices of one currency",
                currencies
                    .iter()
                    .map(|currency| currency.code())
                    .collect::<Vec<_>>()
                    .join(" and ")
            ),
        )),
    }
}

fn plan_instalments(
    loaded: &Loaded,
    instalments: &[(NaiveDate, Decimal)],
    currency: Currency,
) -> ServiceResult<Vec<NewInstalment>> {
    if instalments.is_empty() || instalments.len() > MAX_INSTALMENTS {
        return Err(ServiceError::unprocessable(
            "payment_plan_invalid",
            Some("instalments".to_owned()),
            format!(
                "a payment plan has 1 to {MAX_INSTALMENTS} instalments, not {}",
                instalments.len()
            ),
        ));
    }
    let mut previous: Option<NaiveDate> = None;
    let mut checked = Vec::with_capacity(instalments.len());
    for (index, (due_on, amount)) in instalments.iter().enumerate() {
        let field = format!("instalments.{index}");
        if *due_on <= loaded.today {
            return Err(ServiceError::unprocessable(
                "payment_plan_invalid",
                Some(format!("{field}.due_date")),
                format!(
                    "instalment {} is due on {due_on}; use a day after today, {}",
                    index + 1,
                    loaded.today
                ),
            ));
        }
        if previous.is_some_and(|previous| *due_on <= previous) {
            return Err(ServiceError::unprocessable(
                "payment_plan_invalid",
                Some(format!("{field}.due_date")),
                format!(
                    "instalment {} is due on {due_on}, not after the one before it; list instalments in ascending date order",
                    index + 1
                ),
            ));
        }
        previous = Some(*due_on);
        let amount = checked_amount(&format!("{field}.amount"), Money::new(*amount, currency))?;
        checked.push(NewInstalment {
            due_on: *due_on,
            amount,
        });
    }
    Ok(checked)
}

/// Queues the email that confirms a plan to the debtor and returns whether it was queued. An
/// account without a usable email address gets no confirmation.
fn queue_confirmation(
    tx: &mut Tx<'_>,
    loaded: &Loaded,
    plan: &PaymentPlan,
    now: DateTime<Utc>,
) -> ServiceResult<bool> {
    let tenant = loaded.context.tenant.id;
    let account_id = loaded.context.account.id;
    let composition = Composition {
        kind: MessageKind::PaymentPlanConfirmation,
        listed: plan.invoices.clone(),
        new_due_date: None,
        self_service_url: None,
    };
    let mut content = match messages::compose(loaded, &composition) {
        Ok(content) => content,
        Err(error) if error.code() == "account_email_missing" => {
            tracing::warn!(
                tenant.id = tenant.0,
                account.id = account_id.0,
                plan.id = plan.id.0,
                "account has no email address; payment plan confirmation not sent"
            );
            return Ok(false);
        }
        Err(error) => return Err(error),
    };
    content.instalments = plan
        .instalments
        .iter()
        .map(|instalment| MailInstalment {
            due_date: instalment.due_on,
            amount: instalment.amount,
        })
        .collect();
    RenderModel::new(content.clone()).map_err(|error| {
        ServiceError::unprocessable(
            vahti_domain::ErrorCode::code(&error),
            None,
            format!("the payment plan confirmation cannot be composed: {error}"),
        )
    })?;

    let payload = EmailPayload {
        account: account_id,
        steps: Vec::new(),
        listed: plan.invoices.clone(),
        kind: MessageKind::PaymentPlanConfirmation,
        new_due_date: None,
        free_text: None,
        content,
    };
    let not_before = loaded
        .context
        .policy
        .send_window
        .next_open_at_or_after(now, loaded.context.debtor_time_zone, &FinnishCalendar)
        .unwrap_or(now);
    outbox::enqueue(
        tx,
        tenant,
        &NewOutboxMessage {
            kind: OutboxKind::Email,
            account_id: Some(account_id),
            message_id: format!("plan:{tenant}:{account_id}:{}", plan.id),
            payload: serde_json::to_value(&payload).map_err(|error| {
                ServiceError::internal(format!("cannot encode a stored payload: {error}"))
            })?,
            not_before,
        },
        now,
    )?;
    Ok(true)
}

/// Loads a payment plan of the tenant, or a 404 `payment_plan_not_found`.
pub fn find_plan(
    tx: &mut Tx<'_>,
    tenant: TenantId,
    id: PaymentPlanId,
) -> ServiceResult<PaymentPlan> {
    match holds::get_plan(tx, id) {
        Ok(plan) if plan.tenant_id == tenant => Ok(plan),
        Ok(_) | Err(StoreError::NotFound { .. }) => Err(ServiceError::not_found(
            "payment_plan_not_found",
            format!("payment plan {id} not found"),
        )),
        Err(other) => Err(other.into()),
    }
}

/// Lists the account's payment plans, oldest first, with their progress.
pub fn list_plans(
    tx: &mut Tx<'_>,
    account_id: AccountId,
    now: DateTime<Utc>,
) -> ServiceResult<Vec<PlanView>> {
    let loaded = Loaded::load(tx, account_id, now)?;
    Ok(loaded
        .plans
        .iter()
        .cloned()
        .map(|plan| view_plan(&loaded, plan))
        .collect())
}

/// Cancels an active or proposed plan; escalation of its invoices resumes.
pub fn cancel_plan(
    tx: &mut Tx<'_>,
    tenant: TenantId,
    id: PaymentPlanId,
    now: DateTime<Utc>,
) -> ServiceResult<Changed<PlanView>> {
    let plan = find_plan(tx, tenant, id)?;
    if !matches!(plan.state, PlanState::Active | PlanState::Proposed) {
        return Err(ServiceError::conflict(
            "payment_plan_closed",
            None,
            format!(
                "payment plan {id} is {}, so it cannot be cancelled",
                plan.state
            ),
        ));
    }
    let cancelled = holds::set_plan_state(tx, id, PlanState::Cancelled, now)?;
    emit(
        tx,
        tenant,
        EventType::PaymentPlanCancelled,
        Some(plan.account_id),
        None,
        json!({"plan_id": id}),
        now,
    )?;
    let loaded = Loaded::load(tx, plan.account_id, now)?;
    let view = view_plan(&loaded, cancelled);
    finish(tx, &loaded, view, false)
}

// Promises and plans that end by themselves.

/// Marks promises whose day has passed kept or broken, and active plans completed or broken,
/// with their events. Returns whether anything changed, in which case the caller loads the
/// account again.
pub fn settle_expired(tx: &mut Tx<'_>, loaded: &Loaded) -> ServiceResult<bool> {
    let tenant = loaded.context.tenant.id;
    let account_id = loaded.context.account.id;
    let now = loaded.now;
    let mut changed = false;

    for promise in holds::promises_for_account(tx, account_id)? {
        let state = promise_state_now(loaded, &promise);
        if state == promise.state {
            continue;
        }
        holds::set_promise_state(tx, promise.id, state, now)?;
        changed = true;
        if state == PromiseState::Broken {
            let scope = promise_scope(loaded, &promise);
            let since = local_date(promise.created_at, loaded.context.business_time_zone);
            let paid = paid_since(loaded, &scope, since, promise.amount.currency());
            emit(
                tx,
                tenant,
                EventType::PromiseBroken,
                Some(account_id),
                promise.invoice_id,
                json!({
                    "promise_id": promise.id,
                    "pay_by": promise.promised_on,
                    "amount": promise.amount.amount().to_string(),
                    "paid": paid.amount().to_string(),
                    "currency": promise.amount.currency().code(),
                }),
                now,
            )?;
        }
    }

    let grace = u64::from(loaded.context.policy.payment_protection_days);
    for plan in loaded
        .plans
        .iter()
        .filter(|plan| plan.state == PlanState::Active)
    {
        let progress = plan_progress(loaded, plan);
        for (instalment, view) in plan.instalments.iter().zip(&progress) {
            if view.covered && instalment.paid_at.is_none() {
                holds::set_instalment_paid(tx, instalment.id, Some(now))?;
                changed = true;
            }
        }

        if progress.iter().all(|view| view.covered) {
            holds::set_plan_state(tx, plan.id, PlanState::Completed, now)?;
            emit(
                tx,
                tenant,
                EventType::PaymentPlanCompleted,
                Some(account_id),
                None,
                json!({"plan_id": plan.id}),
                now,
            )?;
            changed = true;
            continue;
        }
        let missed = plan
            .instalments
            .iter()
            .zip(&progress)
            .find(|(instalment, view)| {
                !view.covered && add_days(instalment.due_on, grace) < loaded.today
            });
        if let Some((instalment, view)) = missed {
            holds::set_plan_state(tx, plan.id, PlanState::Broken, now)?;
            emit(
                tx,
                tenant,
                EventType::PaymentPlanBroken,
                Some(account_id),
                None,
                json!({
                    "plan_id": plan.id,
                    "instalment": instalment.seq,
                    "due_date": instalment.due_on,
                    "amount": instalment.amount.amount().to_string(),
                    "paid": view.paid.amount().to_string(),
                    "currency": instalment.amount.currency().code(),
                }),
                now,
            )?;
            changed = true;
        }
    }
    Ok(changed)
}

/// Returns the next instant at which [`settle_expired`] has something to decide, in the tenant's
/// time zone. For an open promise it is the start of the day after its day. For an active plan it
/// is the start of the day after its first unpaid instalment's due date and the policy's payment
/// protection days, or the start of today once every instalment is paid. The instant may have
/// passed, when the account was not woken since.
pub fn next_check_at(tx: &mut Tx<'_>, loaded: &Loaded) -> ServiceResult<Option<DateTime<Utc>>> {
    let zone = loaded.context.business_time_zone;
    let grace = u64::from(loaded.context.policy.payment_protection_days);
    let promises: Vec<NaiveDate> = holds::promises_for_account(tx, loaded.context.account.id)?
        .into_iter()
        .filter(|promise| promise.state == PromiseState::Open)
        .map(|promise| add_days(promise.promised_on, 1))
        .collect();
    let plans = loaded
        .plans
        .iter()
        .filter(|plan| plan.state == PlanState::Active)
        .map(|plan| {
            // A plan paid in full is settled at once; otherwise when its first unpaid
            // instalment is late by more than the payment protection days.
            plan.instalments
                .iter()
                .zip(plan_progress(loaded, plan))
                .find(|(_, view)| !view.covered)
                .map_or(loaded.today, |(instalment, _)| {
                    add_days(instalment.due_on, grace.saturating_add(1))
                })
        });
    Ok(promises
        .into_iter()
        .chain(plans)
        .min()
        .map(|day| resolve_local(zone, day, NaiveTime::MIN)))
}

fn add_days(date: NaiveDate, days: u64) -> NaiveDate {
    date.checked_add_days(Days::new(days)).unwrap_or(date)
}

// Reminders outside the policy.

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
