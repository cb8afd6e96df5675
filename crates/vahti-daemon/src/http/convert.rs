//! Conversions from stored rows and ledger balances to the wire types of `vahti-api`: accounts,
//! invoices with their payment codes, and payments. Also the opaque cursors of list pages.

use std::collections::HashMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use vahti_api::{
    Account as WireAccount, Allocation as WireAllocation, AllocationComponent, Contact,
    CurrentStep, DebtorType as WireDebtorType, Invoice as WireInvoice,
    InvoiceKind as WireInvoiceKind, InvoiceStatus as WireStatus, Payment as WirePayment,
    PaymentCodes, ReferenceCodes, StepState, WireEnum,
};
use vahti_domain::ident::{Bic, Iban, PaymentReference};
use vahti_domain::ids::{InvoiceId, PaymentId};
use vahti_domain::ledger::{AllocationSource, CreditOrigin};
use vahti_domain::paycode::{EpcQr, EpcVersion, VirtualBarcode};
use vahti_domain::planner::InvoiceStatus as LedgerStatus;
use vahti_domain::policy::Component;
use vahti_domain::{Currency, DebtorType, Money};
use vahti_store::accounts::Account;
use vahti_store::ids::PolicyId;
use vahti_store::invoices::{Invoice, InvoiceKind};
use vahti_store::payments::Payment;
use vahti_store::tenants::Tenant;

use super::error::ApiError;
use crate::service::Loaded;
use crate::service::context::default_policy_key;
use crate::service::invoices::{InvoiceSchedule, StepPhase, document_status};
use crate::service::tenants::api_locale;

/// Converts an account to its wire form. `today` is the tenant's today, which decides whether a pause is
/// still in force.
pub fn account(
    account: &Account,
    tenant: &Tenant,
    policy_keys: &HashMap<PolicyId, String>,
    today: NaiveDate,
) -> WireAccount {
    let policy = account
        .policy_id
        .and_then(|id| policy_keys.get(&id))
        .cloned();
    let effective_policy = policy
        .clone()
        .unwrap_or_else(|| default_policy_key(account.debtor_type).to_owned());
    WireAccount {
        id: account.id.0,
        external_id: account.external_id.clone(),
        name: account.name.clone(),
        debtor_type: debtor_type(account.debtor_type),
        emails: account.emails.clone(),
        locale: api_locale(account.locale),
        time_zone: account
            .time_zone
            .clone()
            .unwrap_or_else(|| tenant.time_zone.clone()),
        policy,
        effective_policy,
        contact: serde_json::from_value(account.contact.clone()).unwrap_or_default(),
        electronic_demand_consent_until: account.e_demand_consent_until,
        paused_until: account.paused_until.filter(|until| *until >= today),
        next_action_at: account.next_action_at,
        created_at: account.created_at,
        updated_at: account.updated_at,
    }
}

/// Converts a contact to the JSON form stored with an account.
pub fn contact_json(contact: Option<Contact>) -> serde_json::Value {
    serde_json::to_value(contact.unwrap_or_default()).unwrap_or(serde_json::Value::Null)
}

fn debtor_type(debtor_type: DebtorType) -> WireDebtorType {
    match debtor_type {
        DebtorType::Consumer => WireDebtorType::Consumer,
        DebtorType::Business => WireDebtorType::Business,
    }
}

/// Converts an invoice or credit note of a loaded account to its wire form, with its balances from the
/// ledger, its schedule and its payment codes.
pub fn invoice(
    loaded: &Loaded,
    invoice: &Invoice,
    schedule: Option<&InvoiceSchedule>,
) -> WireInvoice {
    let currency = invoice.amount.currency();
    let zero = zero(currency);
    let balance = match invoice.kind {
        InvoiceKind::Invoice => loaded.balance(invoice.id),
        InvoiceKind::CreditNote => None,
    };
    let paid = balance.map_or(zero, |balance| {
        Money::sum(
            currency,
            [
                balance.principal_paid,
                balance.interest_paid,
                balance.fees_paid,
            ],
        )
        .map_or(zero, |sum| sum.round().amount())
    });
    let amount_of = |pick: fn(&vahti_domain::ledger::InvoiceBalance) -> Money| {
        balance.map_or(zero, |balance| pick(balance).round().amount())
    };
    let total_outstanding = balance.map(|balance| balance.total_outstanding.round());

    let today = loaded.today;
    let account = &loaded.context.account;
    let paused_until = [invoice.paused_until, account.paused_until]
        .into_iter()
        .flatten()
        .filter(|until| *until >= today)
        .max();
    let (seller_iban, seller_bic) = match &invoice.seller_iban {
        Some(iban) => (Some(iban.clone()), invoice.seller_bic.clone()),
        None => (
            loaded.context.tenant.creditor.iban.clone(),
            loaded.context.tenant.creditor.bic.clone(),
        ),
    };

    WireInvoice {
        id: invoice.id.0,
        external_id: invoice.external_id.clone(),
        account: account.external_id.clone(),
        kind: match invoice.kind {
            InvoiceKind::Invoice => WireInvoiceKind::Invoice,
            InvoiceKind::CreditNote => WireInvoiceKind::CreditNote,
        },
        number: invoice.number.clone(),
        issue_date: invoice.issue_date,
        sent_on: invoice.sent_on.unwrap_or(invoice.issue_date),
        due_date: invoice.due_date,
        currency: currency.code().to_owned(),
        amount: invoice.amount.round().amount(),
        credited: amount_of(|balance| balance.credited),
        paid,
        principal_outstanding: amount_of(|balance| balance.principal_outstanding),
        interest_outstanding: amount_of(|balance| balance.interest_outstanding),
        fees_outstanding: amount_of(|balance| balance.fees_outstanding),
        total_outstanding: total_outstanding.map_or(zero, |total| total.amount()),
        status: status(loaded, invoice),
        disputed: invoice.disputed,
        paused_until,
        promised_until: invoice.promised_until.filter(|until| *until >= today),
        current_step: schedule
            .and_then(|schedule| schedule.current_step.as_ref())
            .map(|step| CurrentStep {
                key: step.key.clone(),
                kind: vahti_api::StepKind::from_wire(&step.kind)
                    .unwrap_or(vahti_api::StepKind::Unknown),
                state: step_state(step.phase),
                at: step.at,
            }),
        next_action_at: schedule.and_then(|schedule| schedule.next_action_at),
        corrects: invoice
            .corrects_invoice_id
            .and_then(|id| loaded.invoice(id))
            .map(|corrected| corrected.external_id.clone()),
        payment_codes: payment_codes(
            loaded,
            invoice,
            seller_iban.as_deref(),
            seller_bic.as_deref(),
            total_outstanding,
        ),
        seller_iban,
        seller_bic,
        reference_flagged: invoice.reference_invalid,
        created_at: invoice.created_at,
        updated_at: invoice.updated_at,
    }
}

fn status(loaded: &Loaded, invoice: &Invoice) -> WireStatus {
    wire_status(document_status(loaded, invoice))
}

/// Returns the status of the ledger and the planner that a wire status filter selects, or `None` for a
/// value this version does not know.
pub fn ledger_status(status: WireStatus) -> Option<LedgerStatus> {
    match status {
        WireStatus::Draft => Some(LedgerStatus::Draft),
        WireStatus::Open => Some(LedgerStatus::Open),
        WireStatus::Paid => Some(LedgerStatus::Paid),
        WireStatus::Credited => Some(LedgerStatus::Credited),
        WireStatus::WrittenOff => Some(LedgerStatus::WrittenOff),
        WireStatus::Cancelled => Some(LedgerStatus::Cancelled),
        WireStatus::HandedOver => Some(LedgerStatus::HandedOver),
        WireStatus::Unknown => None,
    }
}

/// Converts a status of the ledger and the planner to its wire form.
pub fn wire_status(status: LedgerStatus) -> WireStatus {
    match status {
        LedgerStatus::Draft => WireStatus::Draft,
        LedgerStatus::Open => WireStatus::Open,
        LedgerStatus::Paid => WireStatus::Paid,
        LedgerStatus::Credited => WireStatus::Credited,
        LedgerStatus::WrittenOff => WireStatus::WrittenOff,
        LedgerStatus::Cancelled => WireStatus::Cancelled,
        LedgerStatus::HandedOver => WireStatus::HandedOver,
    }
}

fn step_state(phase: StepPhase) -> StepState {
    match phase {
        StepPhase::Scheduled => StepState::Scheduled,
        StepPhase::AwaitingApproval => StepState::AwaitingApproval,
        StepPhase::Queued => StepState::Queued,
        StepPhase::Sent => StepState::Sent,
        StepPhase::Failed => StepState::Failed,
        StepPhase::Skipped => StepState::Skipped,
    }
}

/// Builds the codes a debtor pays an invoice with.
///
/// The virtual bank barcode needs a euro invoice and a Finnish IBAN. It carries the outstanding
/// total (zeros when nothing is outstanding or the total is above 999 999.99) and the due date.
/// The EPC QR payload (version 002) needs a euro invoice and any IBAN; it carries the tenant's
/// legal name as beneficiary, the RF form of the reference, the outstanding total when there is
/// one and the due date as `ReqdExctnDt/YYYY-MM-DD`. Credit notes get neither.
fn payment_codes(
    loaded: &Loaded,
    invoice: &Invoice,
    iban: Option<&str>,
    bic: Option<&str>,
    outstanding: Option<Money>,
) -> PaymentCodes {
    let stored = invoice.reference.clone().unwrap_or_default();
    let Ok(reference) = PaymentReference::parse(&stored) else {
        return PaymentCodes {
            reference: ReferenceCodes {
                finnish: None,
                rf: String::new(),
                printed: stored,
            },
            barcode: None,
            epc_qr: None,
        };
    };
    let codes = ReferenceCodes {
        finnish: reference
            .finnish()
            .map(|finnish| finnish.as_str().to_owned()),
        rf: reference.rf().as_str().to_owned(),
        printed: reference.to_printed(),
    };

    let payable =
        invoice.kind == InvoiceKind::Invoice && invoice.amount.currency() == Currency::EUR;
    let iban = iban
        .and_then(|text| Iban::parse(text).ok())
        .filter(|_| payable);
    let Some(iban) = iban else {
        return PaymentCodes {
            reference: codes,
            barcode: None,
            epc_qr: None,
        };
    };
    let amount = outstanding.filter(Money::is_positive);

    let barcode = iban
        .is_finnish()
        .then(|| VirtualBarcode::for_invoice(&iban, amount, &reference, invoice.due_date).ok())
        .flatten()
        .map(|barcode| barcode.to_digits());

    let mut builder = EpcQr::builder(loaded.context.tenant.creditor.legal_name.clone(), iban)
        .version(EpcVersion::V002)
        .reference(reference.rf());
    if let Some(bic) = bic.and_then(|text| Bic::parse(text).ok()) {
        builder = builder.bic(bic);
    }
    if let Some(amount) = amount {
        builder = builder.amount(amount);
    }
    if let Some(due) = invoice.due_date {
        builder = builder.due_date(due);
    }
    let epc_qr = match builder.build() {
        Ok(qr) => Some(qr.payload()),
        Err(error) => {
            tracing::debug!(invoice.id = invoice.id.0, error = %error, "no EPC QR payload for the invoice");
            None
        }
    };

    PaymentCodes {
        reference: codes,
        barcode,
        epc_qr,
    }
}

/// Converts a payment to its wire form. `loaded` is the payment's account, whose ledger gives
/// the allocations, or `None` for an unmatched payment.
pub fn payment(payment: &Payment, loaded: Option<&Loaded>) -> WirePayment {
    let currency = payment.amount.currency();
    let amount = payment.amount.round().amount();
    let mut allocations = Vec::new();
    if let Some(loaded) = loaded.filter(|_| payment.reversed_at.is_none()) {
        for allocation in &loaded.ledger.allocations {
            if !is_from(allocation.source, payment.id) {
                continue;
            }
            allocations.push(WireAllocation {
                invoice: external_id_of(loaded, allocation.invoice),
                component: match allocation.component {
                    Component::Principal => AllocationComponent::Principal,
                    Component::Interest => AllocationComponent::Interest,
                    Component::Costs => AllocationComponent::Costs,
                },
                amount: allocation.amount.round().amount(),
            });
        }
    }
    let allocated: Decimal = allocations.iter().map(|allocation| allocation.amount).sum();
    let unallocated = if payment.reversed_at.is_some() {
        zero(currency)
    } else {
        let mut left = (amount - allocated).max(Decimal::ZERO);
        left.rescale(currency.minor_unit_decimals());
        left
    };

    WirePayment {
        id: payment.id.0,
        amount,
        currency: currency.code().to_owned(),
        paid_on: payment.paid_on,
        booked_on: payment.booked_on.unwrap_or(payment.paid_on),
        reference: payment.reference.clone(),
        archive_id: payment.bank_archive_id.clone(),
        payer_name: payment.payer_name.clone(),
        matched: payment.account_id.is_some(),
        account: loaded.map(|loaded| loaded.context.account.external_id.clone()),
        allocations,
        unallocated,
        reversed_at: payment.reversed_at,
        created_at: payment.created_at,
    }
}

/// Returns whether an allocation's money comes from a payment, directly or as account credit the
/// payment left.
fn is_from(source: AllocationSource, payment: PaymentId) -> bool {
    match source {
        AllocationSource::Payment(id) => id == payment,
        AllocationSource::AccountCredit(CreditOrigin::Payment(id)) => id == payment,
        AllocationSource::AccountCredit(CreditOrigin::CreditNote(_)) => false,
    }
}

fn external_id_of(loaded: &Loaded, id: InvoiceId) -> String {
    loaded
        .invoice(id)
        .map_or_else(|| id.to_string(), |invoice| invoice.external_id.clone())
}

/// Returns zero in a currency, with the currency's decimals.
fn zero(currency: Currency) -> Decimal {
    Money::zero(currency).round().amount()
}

/// The prefix of every cursor, so that a cursor of another API is not taken for an id.
const CURSOR_PREFIX: &str = "after:";

/// Builds the cursor of the page after the row with this key.
pub fn cursor(id: i64) -> String {
    format!("{CURSOR_PREFIX}{id}")
}

/// Reads a cursor made by [`cursor`], or fails with 400 `cursor_invalid` for anything else.
pub fn parse_cursor(text: Option<&str>) -> Result<Option<i64>, ApiError> {
    let Some(text) = text else {
        return Ok(None);
    };
    text.strip_prefix(CURSOR_PREFIX)
        .and_then(|id| id.parse::<i64>().ok())
        .filter(|id| *id > 0)
        .map(Some)
        .ok_or_else(|| {
            ApiError::bad_request(
                "cursor_invalid",
                Some("cursor".to_owned()),
                format!(
                    "invalid cursor {text:?}: pass the next_cursor of the previous page unchanged, or leave it out for the first page"
                ),
            )
        })
}

/// Reads an external id from a path, or fails with 422 `external_id_invalid`.
pub fn external_id(path: String) -> Result<String, ApiError> {
    match vahti_api::limits::validate_external_id(&path) {
        Ok(()) => Ok(path),
        Err(error) => Err(ApiError::new(
            actix_web::http::StatusCode::UNPROCESSABLE_ENTITY,
            error.code().as_str(),
            None,
            error.to_string(),
        )),
    }
}

/// Resolves the `limit` of a list request, or fails with 400 `limit_out_of_range`.
pub fn page_limit(limit: Option<u32>) -> Result<u32, ApiError> {
    vahti_api::limits::page_limit(limit).map_err(|error| {
        ApiError::bad_request(
            error.code().as_str(),
            Some("limit".to_owned()),
            error.to_string(),
        )
    })
}
