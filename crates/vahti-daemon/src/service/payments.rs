//! Payments: recording them and matching them to an invoice by its reference or by the invoice
//! named, reversing them, and matching an unmatched payment by hand.
//!
//! Matching: a payment that names an invoice goes to that invoice. Otherwise its reference is
//! looked up among the tenant's invoices in both its Finnish and its RF form, so `1234561` and
//! `RF34 1234 561` find the same invoice. When several invoices carry the reference, the oldest
//! one that is issued and not settled wins, else the oldest one. Only invoices in the payment's
//! currency count. A payment that matches nothing is stored without an account and waits in
//! the queue of unmatched payments. The ledger then allocates a matched payment: an exact
//! payment settles the invoice, a partial one leaves the rest open, and an overpayment becomes
//! account credit, which the ledger applies to the account's other open invoices.

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use chrono::{DateTime, NaiveDate, Utc};
use serde_json::json;
use vahti_api::EventType;
use vahti_api::RecordPaymentRequest;
use vahti_api::limits::validate_external_id;
use vahti_domain::ident::PaymentReference;
use vahti_domain::ids::{AccountId, InvoiceId, PaymentId, TenantId};
use vahti_domain::ledger::{AllocationSource, CreditOrigin};
use vahti_domain::policy::Component as LedgerComponent;
use vahti_domain::{Currency, ErrorCode, Money};
use vahti_store::ids::ImportId;
use vahti_store::invoices::{self, Invoice, InvoiceKind, InvoiceStatus};
use vahti_store::payments::{self, Component, NewAllocation, NewPayment, Payment, PaymentSource};
use vahti_store::{StoreError, Tx};

use super::Loaded;
use super::events::emit;
use super::invoices::{checked_amount, record_settlements, stored_reference};
use super::wake::refresh_next_action;
use crate::app::App;
use crate::error::{ServiceError, ServiceResult};

/// Maximum length of a bank archive id, in characters.
const MAX_ARCHIVE_ID_CHARS: usize = 140;

/// Maximum length of a payer name, in characters.
const MAX_PAYER_NAME_CHARS: usize = 200;

/// The reference of an incoming payment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PaymentReferenceInput {
    /// A valid Finnish or RF reference, used for matching.
    Valid(PaymentReference),
    /// A reference that fails its check, kept in compact form for a person to read. It matches
    /// nothing.
    Invalid(String),
}

impl PaymentReferenceInput {
    /// Returns the compact form stored with the payment.
    pub fn stored(&self) -> String {
        match self {
            PaymentReferenceInput::Valid(reference) => stored_reference(reference),
            PaymentReferenceInput::Invalid(text) => text.clone(),
        }
    }
}

/// A checked payment to record.
#[derive(Debug, Clone, PartialEq)]
pub struct PaymentInput {
    /// The amount, positive and rounded.
    pub amount: Money,
    /// The day the debtor paid.
    pub paid_on: NaiveDate,
    /// The day the bank booked it.
    pub booked_on: Option<NaiveDate>,
    /// The reference the debtor used.
    pub reference: Option<PaymentReferenceInput>,
    /// The external id of the invoice the payment is for.
    pub invoice: Option<String>,
    /// The bank's archive id, unique per tenant.
    pub archive_id: Option<String>,
    /// The payer's name as the bank reports it.
    pub payer_name: Option<String>,
    /// The source of the payment: the API or a bank file format.
    pub source: PaymentSource,
    /// The imported file it came in.
    pub import_id: Option<ImportId>,
}

/// The reason a payment was stored without an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnmatchedReason {
    /// It carries no reference and names no invoice.
    NoReference,
    /// Its reference fails its check.
    ReferenceInvalid,
    /// No invoice of the tenant carries its reference.
    NoInvoice,
    /// The invoices with its reference are in another currency.
    CurrencyDiffers,
}

impl UnmatchedReason {
    /// Returns a stable code, used in events and import warnings.
    pub fn code(self) -> &'static str {
        match self {
            UnmatchedReason::NoReference => "payment_reference_missing",
            UnmatchedReason::ReferenceInvalid => "payment_reference_invalid",
            UnmatchedReason::NoInvoice => "payment_invoice_not_found",
            UnmatchedReason::CurrencyDiffers => "payment_currency_differs",
        }
    }

    /// Returns a sentence for people.
    pub fn describe(self) -> &'static str {
        match self {
            UnmatchedReason::NoReference => {
                "the payment carries no reference, so it waits to be matched by hand"
            }
            UnmatchedReason::ReferenceInvalid => {
                "the payment's reference fails its check, so it waits to be matched by hand"
            }
            UnmatchedReason::NoInvoice => {
                "no invoice carries the payment's reference, so it waits to be matched by hand"
            }
            UnmatchedReason::CurrencyDiffers => {
                "the invoices with the payment's reference are in another currency, so it waits to be matched by hand"
            }
        }
    }
}

/// The result of recording a payment.
#[derive(Debug, Clone)]
pub struct Recorded {
    /// The payment as stored.
    pub payment: Payment,
    /// `false` when a payment with the same archive id was recorded before and this one was
    /// skipped as a duplicate.
    pub created: bool,
    /// The reason the payment has no account, when it has none.
    pub unmatched: Option<UnmatchedReason>,
    /// The payment's account after the change, for the allocations.
    pub account: Option<Box<Loaded>>,
}

/// Checks a payment request. Field names in errors are those of the request body.
pub fn input_from_request(request: &RecordPaymentRequest) -> ServiceResult<PaymentInput> {
    let currency = Currency::from_code(&request.currency).map_err(|error| {
        ServiceError::unprocessable(error.code(), Some("currency".to_owned()), error.to_string())
    })?;
    let amount = checked_amount(request.amount, currency, "amount")?;

    if request.reference.is_some() && request.invoice.is_some() {
        return Err(ServiceError::unprocessable(
            "payment_target_conflict",
            Some("invoice".to_owned()),
            "the payment names both a reference and an invoice; give one of them",
        ));
    }
    let reference = match request.reference.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(text) => Some(PaymentReferenceInput::Valid(
            PaymentReference::parse(text).map_err(|error| {
                ServiceError::unprocessable(
                    "payment_reference_invalid",
                    Some("reference".to_owned()),
                    error.to_string(),
                )
            })?,
        )),
    };
    if let Some(invoice) = &request.invoice {
        validate_external_id(invoice).map_err(|error| {
            ServiceError::unprocessable(
                error.code().as_str(),
                Some("invoice".to_owned()),
                error.to_string(),
            )
        })?;
    }
    let archive_id = request
        .archive_id
        .as_deref()
        .map(|text| checked_text(text, "archive_id", MAX_ARCHIVE_ID_CHARS))
        .transpose()?;
    let payer_name = request
        .payer_name
        .as_deref()
        .map(|text| checked_text(text, "payer_name", MAX_PAYER_NAME_CHARS))
        .transpose()?;

    Ok(PaymentInput {
        amount,
        paid_on: request.paid_on,
        booked_on: request.booked_on,
        reference,
        invoice: request.invoice.clone(),
        archive_id,
        payer_name,
        source: PaymentSource::Api,
        import_id: None,
    })
}

fn checked_text(text: &str, field: &str, max_chars: usize) -> ServiceResult<String> {
    let trimmed = text.trim();
    if trimmed.is_empty()
        || trimmed.chars().count() > max_chars
        || trimmed.chars().any(char::is_control)
    {
        return Err(ServiceError::unprocessable(
            "value_invalid",
            Some(field.to_owned()),
            format!(
                "invalid {field} {text:?}: use 1 to {max_chars} characters without control characters"
            ),
        ));
    }
    Ok(trimmed.to_owned())
}

/// The destination of a payment: an invoice, or the queue of unmatched payments.
#[derive(Debug, Clone)]
enum Target {
    Invoice {
        invoice_id: InvoiceId,
        account_id: AccountId,
        matched_by: &'static str,
    },
    Unmatched(UnmatchedReason),
}

/// Records a payment on the actor of the account it matches, or in the queue of unmatched
/// payments.
///
/// A payment whose archive id is already recorded with the same amount is not recorded again:
/// the stored payment comes back with `created: false`. With another amount it fails with 409
/// `payment_duplicate`, naming the stored payment. Fails with 404 `invoice_not_found` naming
/// `invoice` when the named invoice does not exist, and with 422 `currency_mismatch` when it is
/// in another currency.
pub async fn record(
    app: &App,
    tenant_id: TenantId,
    input: PaymentInput,
) -> ServiceResult<Recorded> {
    let now = app.now();
    if let Some(archive_id) = input.archive_id.clone() {
        let existing = app
            .read(move |tx| Ok(payments::find_by_archive_id(tx, tenant_id, &archive_id)?))
            .await?;
        if let Some(existing) = existing {
            return duplicate(app, existing, &input).await;
        }
    }

    let lookup = input.clone();
    let target = app
        .read(move |tx| target_of(tx, tenant_id, &lookup))
        .await?;
    let recorded = match target {
        Target::Invoice {
            invoice_id,
            account_id,
            matched_by,
        } => {
            app.on_account(tenant_id, account_id, move |tx| {
                record_matched(tx, tenant_id, invoice_id, &input, matched_by, now)
            })
            .await?
        }
        Target::Unmatched(reason) => {
            app.write(move |tx| record_unmatched(tx, tenant_id, &input, reason, now))
                .await?
        }
    };
    if recorded.1.is_some_and(|at| at <= now) {
        app.nudge_scheduler();
    }
    Ok(recorded.0)
}

/// Returns the stored payment for a payment whose archive id is already recorded, or a 409
/// conflict when the amounts differ.
async fn duplicate(app: &App, existing: Payment, input: &PaymentInput) -> ServiceResult<Recorded> {
    if existing.amount != input.amount {
        return Err(ServiceError::conflict(
            "payment_duplicate",
            Some("archive_id".to_owned()),
            format!(
                "archive id {:?} is already recorded as payment {} of {}, not {}; check the archive id",
                existing.bank_archive_id.as_deref().unwrap_or_default(),
                existing.id,
                existing.amount,
                input.amount
            ),
        ));
    }
    let account = match existing.account_id {
        Some(account_id) => {
            let now = app.now();
            Some(Box::new(
                app.read(move |tx| Loaded::load(tx, account_id, now))
                    .await?,
            ))
        }
        None => None,
    };
    Ok(Recorded {
        payment: existing,
        created: false,
        unmatched: None,
        account,
    })
}

/// Finds the invoice a payment goes to.
fn target_of(tx: &mut Tx<'_>, tenant_id: TenantId, input: &PaymentInput) -> ServiceResult<Target> {
    if let Some(external_id) = &input.invoice {
        let invoice = match invoices::get_by_external_id(tx, tenant_id, external_id) {
            Ok(invoice) => invoice,
            Err(StoreError::NotFound { .. }) => {
                return Err(super::invoices::not_found(external_id).with_field("invoice"));
            }
            Err(error) => return Err(error.into()),
        };
        check_payable(&invoice, input.amount)?;
        return Ok(Target::Invoice {
            invoice_id: invoice.id,
            account_id: invoice.account_id,
            matched_by: "invoice",
        });
    }

    let reference = match &input.reference {
        None => return Ok(Target::Unmatched(UnmatchedReason::NoReference)),
        Some(PaymentReferenceInput::Invalid(_)) => {
            return Ok(Target::Unmatched(UnmatchedReason::ReferenceInvalid));
        }
        Some(PaymentReferenceInput::Valid(reference)) => reference,
    };
    let mut found: Vec<Invoice> = Vec::new();
    for key in reference_keys(reference) {
        for invoice in invoices::find_by_reference(tx, tenant_id, &key)? {
            if !found.iter().any(|seen| seen.id == invoice.id) {
                found.push(invoice);
            }
        }
    }
    found.retain(|invoice| invoice.kind == InvoiceKind::Invoice);
    if found.is_empty() {
        return Ok(Target::Unmatched(UnmatchedReason::NoInvoice));
    }
    found.retain(|invoice| invoice.amount.currency() == input.amount.currency());
    found.sort_by_key(|invoice| invoice.id);
    let open = found.iter().find(|invoice| {
        invoice.status == InvoiceStatus::Issued
            && invoice.settled_at.is_none()
            && invoice.written_off_at.is_none()
    });
    match open.or_else(|| found.first()) {
        Some(invoice) => Ok(Target::Invoice {
            invoice_id: invoice.id,
            account_id: invoice.account_id,
            matched_by: "reference",
        }),
        None => Ok(Target::Unmatched(UnmatchedReason::CurrencyDiffers)),
    }
}

/// Returns the stored forms under which an invoice may carry a reference: the Finnish digits and the RF
/// form that wraps them, or the RF text alone when it wraps no Finnish reference.
pub fn reference_keys(reference: &PaymentReference) -> Vec<String> {
    let mut keys = Vec::with_capacity(2);
    if let Some(finnish) = reference.finnish() {
        keys.push(stored_reference(&PaymentReference::Finnish(finnish)));
    }
    let rf = reference.rf().as_str().to_owned();
    if !keys.contains(&rf) {
        keys.push(rf);
    }
    keys
}

/// Checks that a payment can go to an invoice: not a credit note, and in its currency.
fn check_payable(invoice: &Invoice, amount: Money) -> ServiceResult<()> {
    if invoice.kind == InvoiceKind::CreditNote {
        return Err(ServiceError::unprocessable(
            "value_invalid",
            Some("invoice".to_owned()),
            format!(
                "{:?} is a credit note, which is not paid; name an invoice",
                invoice.external_id
            ),
        ));
    }
    if invoice.amount.currency() != amount.currency() {
        return Err(ServiceError::unprocessable(
            "currency_mismatch",
            Some("currency".to_owned()),
            format!(
                "the payment is in {}, but invoice {:?} is in {}; amounts are never converted",
                amount.currency(),
                invoice.external_id,
                invoice.amount.currency()
            ),
        ));
    }
    Ok(())
}

/// Records a payment against an invoice on its account's actor.
fn record_matched(
    tx: &mut Tx<'_>,
    tenant_id: TenantId,
    invoice_id: InvoiceId,
    input: &PaymentInput,
    matched_by: &'static str,
    now: DateTime<Utc>,
) -> ServiceResult<(Recorded, Option<DateTime<Utc>>)> {
    if let Some(recorded) = recorded_before(tx, tenant_id, input, now)? {
        return Ok((recorded, None));
    }
    let invoice = invoices::get(tx, invoice_id)?;
    let before = Loaded::load(tx, invoice.account_id, now)?;
    let payment = payments::insert(
        tx,
        tenant_id,
        &new_payment(input, Some(invoice.account_id), Some(invoice.id)),
        now,
    )?;
    emit_recorded(tx, &payment, now)?;
    let (payment, next, loaded) = settle_payment(tx, &before, payment, matched_by, now)?;
    tracing::info!(
        tenant.id = tenant_id.0,
        account.id = invoice.account_id.0,
        invoice.id = invoice.id.0,
        payment.id = payment.id.0,
        matched_by,
        "payment recorded and matched"
    );
    Ok((
        Recorded {
            payment,
            created: true,
            unmatched: None,
            account: Some(loaded),
        },
        next,
    ))
}

/// Records a payment that matches no invoice.
fn record_unmatched(
    tx: &mut Tx<'_>,
    tenant_id: TenantId,
    input: &PaymentInput,
    reason: UnmatchedReason,
    now: DateTime<Utc>,
) -> ServiceResult<(Recorded, Option<DateTime<Utc>>)> {
    if let Some(recorded) = recorded_before(tx, tenant_id, input, now)? {
        return Ok((recorded, None));
    }
    let payment = payments::insert(tx, tenant_id, &new_payment(input, None, None), now)?;
    emit_recorded(tx, &payment, now)?;
    emit(
        tx,
        tenant_id,
        EventType::PaymentUnmatched,
        None,
        None,
        json!({
            "payment_id": payment.id,
            "reason": reason.code(),
            "amount": payment.amount.amount().to_string(),
            "currency": payment.amount.currency().code(),
        }),
        now,
    )?;
    tracing::info!(
        tenant.id = tenant_id.0,
        payment.id = payment.id.0,
        reason = reason.code(),
        "payment recorded without a match"
    );
    Ok((
        Recorded {
            payment,
            created: true,
            unmatched: Some(reason),
            account: None,
        },
        None,
    ))
}

/// Returns the stored payment with the input's archive id, read again inside the transaction in
/// case another request recorded it meanwhile.
fn recorded_before(
    tx: &mut Tx<'_>,
    tenant_id: TenantId,
    input: &PaymentInput,
    now: DateTime<Utc>,
) -> ServiceResult<Option<Recorded>> {
    let Some(archive_id) = &input.archive_id else {
        return Ok(None);
    };
    let Some(existing) = payments::find_by_archive_id(tx, tenant_id, archive_id)? else {
        return Ok(None);
    };
    if existing.amount != input.amount {
        return Err(ServiceError::conflict(
            "payment_duplicate",
            Some("archive_id".to_owned()),
            format!(
                "archive id {archive_id:?} is already recorded as payment {} of {}, not {}; check the archive id",
                existing.id, existing.amount, input.amount
            ),
        ));
    }
    let account = existing
        .account_id
        .map(|account_id| Loaded::load(tx, account_id, now).map(Box::new))
        .transpose()?;
    Ok(Some(Recorded {
        payment: existing,
        created: false,
        unmatched: None,
        account,
    }))
}

fn new_payment(
    input: &PaymentInput,
    account_id: Option<AccountId>,
    invoice_id: Option<InvoiceId>,
) -> NewPayment {
    NewPayment {
        account_id,
        invoice_id,
        amount: input.amount,
        paid_on: input.paid_on,
        booked_on: input.booked_on,
        reference: input.reference.as_ref().map(PaymentReferenceInput::stored),
        bank_archive_id: input.archive_id.clone(),
        source: input.source,
        import_id: input.import_id,
        payer_name: input.payer_name.clone(),
    }
}

fn emit_recorded(tx: &mut Tx<'_>, payment: &Payment, now: DateTime<Utc>) -> ServiceResult<()> {
    emit(
        tx,
        payment.tenant_id,
        EventType::PaymentRecorded,
        payment.account_id,
        payment.invoice_id,
        json!({
            "payment_id": payment.id,
            "amount": payment.amount.amount().to_string(),
            "currency": payment.amount.currency().code(),
            "paid_on": payment.paid_on,
            "booked_on": payment.booked_on,
            "reference": payment.reference,
            "archive_id": payment.bank_archive_id,
            "source": payment.source.as_str(),
        }),
        now,
    )?;
    Ok(())
}

/// After a payment joined an account: records its allocations for audit, emits
/// `payment_matched` and the settlements, and recomputes the next wake-up. Returns the payment,
/// the next wake-up and the account as read afterwards.
fn settle_payment(
    tx: &mut Tx<'_>,
    before: &Loaded,
    payment: Payment,
    matched_by: &'static str,
    now: DateTime<Utc>,
) -> ServiceResult<(Payment, Option<DateTime<Utc>>, Box<Loaded>)> {
    let account_id = before.context.account.id;
    let tenant_id = before.context.tenant.id;
    let after = Loaded::load(tx, account_id, now)?;

    let allocations: Vec<NewAllocation> = after
        .ledger
        .allocations
        .iter()
        .filter(|allocation| comes_from(allocation.source, payment.id))
        .map(|allocation| NewAllocation {
            payment_id: Some(payment.id),
            credit_note_id: None,
            invoice_id: allocation.invoice,
            component: match allocation.component {
                LedgerComponent::Principal => Component::Principal,
                LedgerComponent::Interest => Component::Interest,
                LedgerComponent::Costs => Component::Costs,
            },
            amount: allocation.amount,
            allocated_on: allocation.on,
        })
        .collect();
    payments::allocate(tx, tenant_id, &allocations, now)?;
    let allocated = Money::sum(
        payment.amount.currency(),
        allocations.iter().map(|allocation| allocation.amount),
    )
    .map_err(|error| ServiceError::internal(format!("payment allocations: {error}")))?;
    let unallocated = payment
        .amount
        .checked_sub(allocated)
        .map_err(|error| ServiceError::internal(format!("payment allocations: {error}")))?;

    emit(
        tx,
        tenant_id,
        EventType::PaymentMatched,
        Some(account_id),
        payment.invoice_id,
        json!({
            "payment_id": payment.id,
            "invoice_id": payment.invoice_id,
            "matched_by": matched_by,
            "allocated": allocated.amount().to_string(),
            "credit": unallocated.amount().to_string(),
            "currency": payment.amount.currency().code(),
        }),
        now,
    )?;
    record_settlements(
        tx,
        tenant_id,
        account_id,
        &before.ledger,
        &after.ledger,
        &before.invoices,
        &HashMap::new(),
        now,
    )?;
    let next = refresh_next_action(tx, account_id, now)?;
    let loaded = Loaded::load(tx, account_id, now)?;
    Ok((payment, next, Box::new(loaded)))
}

fn comes_from(source: AllocationSource, payment: PaymentId) -> bool {
    match source {
        AllocationSource::Payment(id)
        | AllocationSource::AccountCredit(CreditOrigin::Payment(id)) => id == payment,
        AllocationSource::AccountCredit(CreditOrigin::CreditNote(_)) => false,
    }
}

/// Loads one of the tenant's payments, or fails with 404 `payment_not_found`.
pub fn get(tx: &mut Tx<'_>, tenant_id: TenantId, id: PaymentId) -> ServiceResult<Payment> {
    let not_found = || {
        ServiceError::not_found(
            "payment_not_found",
            format!("payment {id} not found: check the id"),
        )
    };
    match payments::get(tx, id) {
        Ok(payment) if payment.tenant_id == tenant_id => Ok(payment),
        Ok(_) | Err(StoreError::NotFound { .. }) => Err(not_found()),
        Err(error) => Err(error.into()),
    }
}

/// A payment with its account as read after a change.
pub type PaymentView = (Payment, Option<Box<Loaded>>);

/// Reverses a payment: the ledger ignores it from now on, and `payment_reversed` is emitted.
///
/// Fails with 409 `payment_reversed` when it is reversed already.
pub async fn reverse(app: &App, tenant_id: TenantId, id: PaymentId) -> ServiceResult<PaymentView> {
    let now = app.now();
    let payment = app.read(move |tx| get(tx, tenant_id, id)).await?;
    check_not_reversed(&payment)?;
    let (view, next) = match payment.account_id {
        Some(account_id) => {
            app.on_account(tenant_id, account_id, move |tx| {
                reverse_in(tx, tenant_id, id, now)
            })
            .await?
        }
        None => {
            app.write(move |tx| reverse_in(tx, tenant_id, id, now))
                .await?
        }
    };
    if next.is_some_and(|at| at <= now) {
        app.nudge_scheduler();
    }
    Ok(view)
}

fn check_not_reversed(payment: &Payment) -> ServiceResult<()> {
    match payment.reversed_at {
        Some(at) => Err(ServiceError::conflict(
            "payment_reversed",
            None,
            format!(
                "payment {} was reversed at {at}; it cannot change",
                payment.id
            ),
        )),
        None => Ok(()),
    }
}

fn reverse_in(
    tx: &mut Tx<'_>,
    tenant_id: TenantId,
    id: PaymentId,
    now: DateTime<Utc>,
) -> ServiceResult<(PaymentView, Option<DateTime<Utc>>)> {
    let payment = get(tx, tenant_id, id)?;
    check_not_reversed(&payment)?;
    let before = payment
        .account_id
        .map(|account_id| Loaded::load(tx, account_id, now))
        .transpose()?;

    let reversed = payments::reverse(tx, id, now)?;
    emit(
        tx,
        tenant_id,
        EventType::PaymentReversed,
        reversed.account_id,
        reversed.invoice_id,
        json!({
            "payment_id": reversed.id,
            "amount": reversed.amount.amount().to_string(),
            "currency": reversed.amount.currency().code(),
            "archive_id": reversed.bank_archive_id,
        }),
        now,
    )?;
    let Some(before) = before else {
        return Ok(((reversed, None), None));
    };

    let account_id = before.context.account.id;
    let after = Loaded::load(tx, account_id, now)?;
    record_settlements(
        tx,
        tenant_id,
        account_id,
        &before.ledger,
        &after.ledger,
        &before.invoices,
        &HashMap::new(),
        now,
    )?;
    let next = refresh_next_action(tx, account_id, now)?;
    let loaded = Loaded::load(tx, account_id, now)?;
    Ok(((reversed, Some(Box::new(loaded))), next))
}

/// The result of a reversal in a bank file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReversalOutcome {
    /// The payment was reversed.
    Reversed,
    /// The payment was reversed before.
    AlreadyReversed,
    /// No payment has the archive id.
    NotFound,
}

/// Reverses the payment with this archive id, for a reversal in a bank file.
pub async fn reverse_by_archive_id(
    app: &App,
    tenant_id: TenantId,
    archive_id: &str,
) -> ServiceResult<ReversalOutcome> {
    let key = archive_id.to_owned();
    let found = app
        .read(move |tx| Ok(payments::find_by_archive_id(tx, tenant_id, &key)?))
        .await?;
    match found {
        None => Ok(ReversalOutcome::NotFound),
        Some(payment) if payment.reversed_at.is_some() => Ok(ReversalOutcome::AlreadyReversed),
        Some(payment) => match reverse(app, tenant_id, payment.id).await {
            Ok(_) => Ok(ReversalOutcome::Reversed),
            Err(error) if error.code() == "payment_reversed" => {
                Ok(ReversalOutcome::AlreadyReversed)
            }
            Err(error) => Err(error),
        },
    }
}

/// Matches an unmatched payment to an invoice by hand.
///
/// Fails with 409 `payment_already_matched` when the payment has an account, 409
/// `payment_reversed` when it is reversed, 404 `invoice_not_found` naming `invoice`, and 422
/// `currency_mismatch` when the invoice is in another currency.
pub async fn match_to_invoice(
    app: &App,
    tenant_id: TenantId,
    id: PaymentId,
    invoice_external_id: &str,
) -> ServiceResult<PaymentView> {
    let now = app.now();
    let name = invoice_external_id.to_owned();
    let (payment, invoice) = app
        .read(move |tx| {
            let payment = get(tx, tenant_id, id)?;
            let invoice = super::invoices::get(tx, tenant_id, &name)
                .map_err(|error| error.with_field("invoice"))?;
            Ok((payment, invoice))
        })
        .await?;
    check_matchable(&payment)?;
    check_payable(&invoice, payment.amount)?;

    // NOTE: the payment is read again on the invoice's account actor, but two requests that
    // match one unmatched payment to invoices of different accounts run on different actors. On
    // PostgreSQL both can pass this check, and the later assignment wins.
    let (view, next) = app
        .on_account(tenant_id, invoice.account_id, move |tx| {
            let payment = get(tx, tenant_id, id)?;
            check_matchable(&payment)?;
            let before = Loaded::load(tx, invoice.account_id, now)?;
            let assigned =
                payments::assign(tx, payment.id, invoice.account_id, Some(invoice.id), now)?;
            let (payment, next, loaded) = settle_payment(tx, &before, assigned, "hand", now)?;
            tracing::info!(
                tenant.id = tenant_id.0,
                account.id = invoice.account_id.0,
                invoice.id = invoice.id.0,
                payment.id = payment.id.0,
                "payment matched by hand"
            );
            Ok(((payment, Some(loaded)), next))
        })
        .await?;
    if next.is_some_and(|at| at <= now) {
        app.nudge_scheduler();
    }
    Ok(view)
}

fn check_matchable(payment: &Payment) -> ServiceResult<()> {
    check_not_reversed(payment)?;
    if payment.account_id.is_some() {
        return Err(ServiceError::conflict(
            "payment_already_matched",
            None,
            format!(
                "payment {} is already matched to an account; reverse it and record it again to move it",
                payment.id
            ),
        ));
    }
    Ok(())
}

/// One page of payments with the accounts they belong to, for their allocations.
#[derive(Debug, Clone)]
pub struct PaymentPage {
    /// The payments, by id.
    pub payments: Vec<Payment>,
    /// The accounts of the matched payments, as read now.
    pub accounts: HashMap<AccountId, Loaded>,
}

/// Lists the tenant's payments by id, after `after` and at most `limit`. `unmatched`
/// `Some(true)` lists the queue of unmatched payments (reversed ones left out), `Some(false)`
/// the matched ones, `None` all.
pub fn list(
    tx: &mut Tx<'_>,
    tenant_id: TenantId,
    unmatched: Option<bool>,
    after: Option<PaymentId>,
    limit: i64,
    now: DateTime<Utc>,
) -> ServiceResult<PaymentPage> {
    let payments = match unmatched {
        Some(true) => payments::list_unmatched(tx, tenant_id, after, limit)?,
        Some(false) => payments::list(tx, tenant_id, Some(true), after, limit)?,
        None => payments::list(tx, tenant_id, None, after, limit)?,
    };
    let mut accounts = HashMap::new();
    for account_id in payments.iter().filter_map(|payment| payment.account_id) {
        if let Entry::Vacant(slot) = accounts.entry(account_id) {
            slot.insert(Loaded::load(tx, account_id, now)?);
        }
    }
    Ok(PaymentPage { payments, accounts })
}
