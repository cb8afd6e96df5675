//! Collection cases: the hand-over of invoices to the tenant's collection agency, the
//! messages that follow it, and the agency's reports.
//!
//! The hand-over step checks its preconditions again when it runs: the rules of the Debt
//! Collection Act 513/1999 on the last reminder, a positive balance, no dispute, and a
//! configured agency. It then creates the case with its document and marks the invoices handed
//! over, so the planner sends them nothing more. The case goes to the agency through the outbox.
//! Payments and credit notes that reach a handed-over invoice later are forwarded to the agency
//! the next time the account's wake-up is recomputed, which every change to an account does.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::json;
use vahti_api::EventType;
use vahti_domain::calendar::local_date;
use vahti_domain::ids::{AccountId, InvoiceId, PaymentId, TenantId};
use vahti_domain::ledger::{AllocationSource, CreditOrigin};
use vahti_domain::planner::PlannedMessage;
use vahti_domain::policy::StepKind;
use vahti_domain::{Currency, DebtorType, Money, legal};
use vahti_mail::model::Agency;
use vahti_store::cases::{
    self, CaseChange, CaseInvoice, CaseState, CaseUpdate, CollectionCase, NewCaseUpdate,
};
use vahti_store::ids::{CaseId, OutboxId, TokenId};
use vahti_store::invoices::{self, Invoice, InvoiceKind, InvoiceStatus};
use vahti_store::outbox::{self, NewOutboxMessage, OutboxKind, OutboxMessage, OutboxState};
use vahti_store::partners::{self, CollectionPartner, PartnerKind, PartnerSettings};
use vahti_store::steps::StepState;
use vahti_store::{StoreError, Tx, webhooks as store_webhooks};

use super::Loaded;
use super::events::emit;
use super::wake::{PendingStep, refresh_next_action};
use super::webhooks::check_target_url;
use crate::collection::document::{
    CaseDocument, CaseInvoice as DocumentInvoice, CaseTotal, CreditNoteItem, CreditorBlock,
    DebtorBlock, FeeItem, FeesBlock, ForwardedCreditNote, ForwardedPayment, InterestBlock,
    InterestPeriodItem, InvoiceShare, MessageKind, PartnerMessage, PaymentItem, StepEvidence,
};
use crate::error::{ServiceError, ServiceResult};

/// The maximum length of a note or a recall reason, in characters.
pub const MAX_NOTE_CHARS: usize = 1000;

/// The shortest signing secret accepted for an HTTP partner, in characters.
pub const MIN_PARTNER_SECRET_CHARS: usize = 24;

/// The stored body of a collection outbox row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CollectionPayload {
    /// The case.
    pub case_id: CaseId,
    /// The account of the case, whose actor records the outcome.
    pub account: AccountId,
    /// The kind of message.
    pub message: MessageKind,
    /// The idempotency key sent to the agency, such as `case-12`, which also names the export
    /// files.
    pub key: String,
    /// The message as JSON text, sent unchanged on every attempt.
    pub body: String,
}

impl CollectionPayload {
    /// Reads the payload of a collection outbox row.
    pub fn of(row: &OutboxMessage) -> ServiceResult<Self> {
        serde_json::from_value(row.payload.clone()).map_err(|error| {
            ServiceError::internal(format!(
                "outbox row {} has an unreadable collection payload: {error}",
                row.id
            ))
        })
    }
}

// The collection partner.

/// A collection partner as requested.
#[derive(Clone, PartialEq, Eq)]
pub struct PartnerInput {
    /// The settings; `secret` may be `None` for an HTTP partner, which keeps or generates one.
    pub settings: PartnerSettings,
}

impl std::fmt::Debug for PartnerInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PartnerInput")
            .field("settings", &self.settings)
            .finish()
    }
}

fn partner_invalid(field: &str, message: impl Into<String>) -> ServiceError {
    ServiceError::invalid("partner_invalid", Some(field.to_owned()), message)
}

fn check_line(field: &str, value: &str, max: usize) -> ServiceResult<String> {
    let trimmed = value.trim();
    if trimmed.is_empty() || trimmed.chars().count() > max || trimmed.chars().any(char::is_control)
    {
        return Err(partner_invalid(
            field,
            format!("{field} must be 1 to {max} characters without control characters"),
        ));
    }
    Ok(trimmed.to_owned())
}

/// Sets the tenant's collection partner. Returns the stored partner and the signing secret when
/// Vahti generated one, which the response shows once.
pub fn put_partner(
    tx: &mut Tx<'_>,
    tenant: TenantId,
    input: &PartnerInput,
    allow_insecure_http: bool,
    now: DateTime<Utc>,
) -> ServiceResult<(CollectionPartner, Option<String>)> {
    let requested = &input.settings;
    let mut settings = PartnerSettings {
        kind: requested.kind,
        name: check_line("name", &requested.name, 200)?,
        email: None,
        phone: None,
        website: None,
        url: None,
        secret: None,
    };
    if let Some(email) = &requested.email {
        let email = check_line("email", email, 254)?;
        if email.parse::<lettre::Address>().is_err() {
            return Err(partner_invalid(
                "email",
                format!("email {email:?} is not a valid email address"),
            ));
        }
        settings.email = Some(email);
    }
    if let Some(phone) = &requested.phone {
        settings.phone = Some(check_line("phone", phone, 50)?);
    }
    if let Some(website) = &requested.website {
        let url = check_target_url("website", website, false)
            .map_err(|error| partner_invalid("website", error.message()))?;
        settings.website = Some(url.to_string());
    }
    if settings.email.is_none() && settings.phone.is_none() && settings.website.is_none() {
        return Err(partner_invalid(
            "email",
            "give at least one of email, phone and website: the debtor's hand-over notice must say how to reach the agency",
        ));
    }

    let mut generated = None;
    match requested.kind {
        PartnerKind::Http => {
            let url = requested.url.as_deref().ok_or_else(|| {
                partner_invalid(
                    "url",
                    "url is missing: an http partner needs the URL cases are posted to",
                )
            })?;
            check_target_url("url", url, allow_insecure_http)?;
            settings.url = Some(url.to_owned());
            settings.secret = match &requested.secret {
                Some(secret) => {
                    let length = secret.chars().count();
                    if !(MIN_PARTNER_SECRET_CHARS..=200).contains(&length)
                        || !secret.bytes().all(|byte| byte.is_ascii_graphic())
                    {
                        return Err(partner_invalid(
                            "secret",
                            "secret must be 24 to 200 printable ASCII characters without spaces",
                        ));
                    }
                    Some(secret.clone())
                }
                None => {
                    match partners::get(tx, tenant)?.and_then(|stored| stored.settings.secret) {
                        Some(stored) => Some(stored),
                        None => {
                            let secret = store_webhooks::generate_secret();
                            generated = Some(secret.clone());
                            Some(secret)
                        }
                    }
                }
            };
        }
        PartnerKind::File => {
            if requested.url.is_some() {
                return Err(partner_invalid("url", "url is only for an http partner"));
            }
            if requested.secret.is_some() {
                return Err(partner_invalid(
                    "secret",
                    "secret is only for an http partner",
                ));
            }
        }
    }

    let partner = partners::put(tx, tenant, &settings, now)?;
    Ok((partner, generated))
}

/// Loads the tenant's collection partner.
pub fn partner(tx: &mut Tx<'_>, tenant: TenantId) -> ServiceResult<CollectionPartner> {
    partners::get(tx, tenant)?.ok_or_else(|| {
        ServiceError::not_found(
            "partner_not_found",
            "no collection partner is configured; set one with PUT /v1/collection/partner",
        )
    })
}

/// Removes the tenant's collection partner. Open cases keep their state; their later messages
/// fail until a partner is configured again.
pub fn delete_partner(tx: &mut Tx<'_>, tenant: TenantId) -> ServiceResult<()> {
    if partners::delete(tx, tenant)? {
        Ok(())
    } else {
        Err(ServiceError::not_found(
            "partner_not_found",
            "no collection partner is configured",
        ))
    }
}

// The hand-over.

fn rejected(reasons: &[String]) -> ServiceError {
    ServiceError::unprocessable(
        "handover_rejected",
        None,
        format!("hand-over rejected: {}", reasons.join("; ")),
    )
}

fn step_kind_of(text: &str) -> Option<StepKind> {
    serde_json::from_value(serde_json::Value::String(text.to_owned())).ok()
}

/// Checks, before the hand-over step charges anything, that its invoices may be handed over
/// now, and returns the partner they go to.
///
/// Fails with `collection_partner_missing` when the tenant has no partner. Fails with
/// `handover_rejected`, naming each invoice, when one has nothing outstanding, is disputed or is
/// handed over already, or when the waiting time since the last reminder has not passed. The
/// Debt Collection Act (513/1999) requires a reminder sent at least 14 days before for a
/// consumer, and the previous step sent at least 10 days before for a business.
pub fn check_handover(
    tx: &mut Tx<'_>,
    loaded: &Loaded,
    message: &PlannedMessage,
) -> ServiceResult<CollectionPartner> {
    let context = &loaded.context;
    let partner = partners::get(tx, context.tenant.id)?.ok_or_else(|| {
        ServiceError::unprocessable(
            "collection_partner_missing",
            None,
            "hand-over rejected: no collection partner is configured, and the debtor's notice must name the agency and how to reach it; set one with PUT /v1/collection/partner",
        )
    })?;

    let debtor = context.account.debtor_type;
    let minimum = legal::min_days_before_handover(debtor);
    let mut reasons = Vec::new();
    for planned in &message.steps {
        let Some(invoice) = loaded.invoice(planned.invoice) else {
            reasons.push(format!("invoice {} no longer exists", planned.invoice));
            continue;
        };
        let name = &invoice.external_id;
        let outstanding = loaded
            .balance(invoice.id)
            .is_some_and(|balance| balance.total_outstanding.is_positive());
        if !outstanding {
            reasons.push(format!("invoice {name} has nothing outstanding"));
        }
        if invoice.disputed {
            reasons.push(format!("invoice {name} is disputed"));
        }
        if invoice.handed_over_at.is_some() {
            reasons.push(format!("invoice {name} is handed over already"));
        }

        let last = loaded
            .steps_of(invoice.id)
            .filter(|step| step.state == StepState::Sent)
            .filter(|step| {
                let kind = step_kind_of(&step.step_kind);
                match debtor {
                    DebtorType::Consumer => kind.is_some_and(StepKind::is_reminder),
                    DebtorType::Business => kind != Some(StepKind::CollectionHandover),
                }
            })
            .filter_map(|step| step.executed_at)
            .max();
        match (last, debtor) {
            (None, DebtorType::Consumer) => reasons.push(format!(
                "no reminder was sent for invoice {name}, and a consumer debt may only be handed over after one"
            )),
            (None, DebtorType::Business) => {}
            (Some(at), _) => {
                let sent_on = local_date(at, context.business_time_zone);
                let days = loaded.today.signed_duration_since(sent_on).num_days();
                if days < minimum {
                    let what = match debtor {
                        DebtorType::Consumer => "the last reminder",
                        DebtorType::Business => "the previous step",
                    };
                    reasons.push(format!(
                        "{what} of invoice {name} was sent on {sent_on}, {days} days ago, but at least {minimum} days must pass before the hand-over"
                    ));
                }
            }
        }
    }
    if reasons.is_empty() {
        Ok(partner)
    } else {
        Err(rejected(&reasons))
    }
}

/// Hands the invoices of a hand-over step over to `partner`: creates the case with its
/// document, marks the invoices handed over, queues the case for the agency and records the
/// `case_handed_over` event. Returns the agency as the debtor's notice shows it.
pub fn hand_over(
    tx: &mut Tx<'_>,
    account_id: AccountId,
    held: &[PendingStep],
    partner: &CollectionPartner,
    now: DateTime<Utc>,
) -> ServiceResult<Agency> {
    let loaded = Loaded::load(tx, account_id, now)?;
    let tenant = loaded.context.tenant.id;
    let invoice_ids: Vec<InvoiceId> = held.iter().map(|step| step.invoice).collect();

    let mut covered = Vec::with_capacity(invoice_ids.len());
    for id in &invoice_ids {
        let balance = loaded.balance(*id).ok_or_else(|| {
            ServiceError::internal(format!("invoice {id} is missing from the ledger"))
        })?;
        covered.push(CaseInvoice {
            invoice_id: *id,
            amount: balance.total_outstanding,
        });
    }
    let settings = &partner.settings;
    let case = cases::create(
        tx,
        tenant,
        account_id,
        &settings.name,
        &json!({}),
        &covered,
        now,
    )?;
    let document = build_document(&loaded, case.id, &invoice_ids, now)?;
    cases::update(tx, case.id, CaseState::Preparing, &to_json(&document)?, now)?;

    for id in &invoice_ids {
        let invoice = invoices::get(tx, *id)?;
        let mut state = invoice.collection_state();
        state.handed_over_at = Some(now);
        invoices::update_collection(tx, *id, &state, now)?;
    }

    cases::add_update(
        tx,
        tenant,
        case.id,
        &NewCaseUpdate {
            change: CaseChange::Created,
            state: CaseState::Preparing,
            note: None,
            amount: None,
            reference: None,
            token_id: None,
        },
        now,
    )?;
    let key = format!("case-{}", case.id);
    enqueue(
        tx,
        tenant,
        account_id,
        case.id,
        &PartnerMessage::handover(document.clone()),
        &key,
        format!("collection:{}:handover", case.id),
        now,
    )?;
    emit(
        tx,
        tenant,
        EventType::CaseHandedOver,
        Some(account_id),
        None,
        json!({
            "case_id": case.id,
            "invoices": invoice_ids,
            "totals": document.totals.iter().map(|total| json!({"amount": total.total.to_string(), "currency": total.currency})).collect::<Vec<_>>(),
            "partner": settings.kind.as_str(),
        }),
        now,
    )?;
    tracing::info!(
        tenant.id = tenant.0,
        account.id = account_id.0,
        case.id = case.id.0,
        invoices = invoice_ids.len(),
        "invoices handed over to collection"
    );

    Ok(Agency {
        name: settings.name.clone(),
        email: settings.email.clone(),
        phone: settings.phone.clone(),
        website: settings.website.clone(),
    })
}

#[expect(
    clippy::too_many_arguments,
    reason = "the outbox row needs each of these values, and a struct would only rename them"
)]
fn enqueue(
    tx: &mut Tx<'_>,
    tenant: TenantId,
    account: AccountId,
    case_id: CaseId,
    message: &PartnerMessage,
    key: &str,
    message_id: String,
    now: DateTime<Utc>,
) -> ServiceResult<OutboxMessage> {
    let body = serde_json::to_string(message).map_err(|error| {
        ServiceError::internal(format!("cannot encode a message to the agency: {error}"))
    })?;
    let payload = CollectionPayload {
        case_id,
        account,
        message: message.message,
        key: key.to_owned(),
        body,
    };
    Ok(outbox::enqueue(
        tx,
        tenant,
        &NewOutboxMessage {
            kind: OutboxKind::Collection,
            account_id: Some(account),
            message_id,
            payload: to_json(&payload)?,
            not_before: now,
        },
        now,
    )?)
}

fn to_json<T: Serialize>(value: &T) -> ServiceResult<serde_json::Value> {
    serde_json::to_value(value)
        .map_err(|error| ServiceError::internal(format!("cannot encode a stored payload: {error}")))
}

fn text(money: Money) -> Decimal {
    money.round().amount()
}

/// The payments and credit notes that reached some of `invoices`, with the part each invoice
/// got.
#[derive(Debug, Default)]
struct Contributions {
    payments: BTreeMap<PaymentId, Vec<(InvoiceId, Money)>>,
    credit_notes: BTreeMap<InvoiceId, Vec<(InvoiceId, Money)>>,
}

fn contributions(loaded: &Loaded, invoices: &[InvoiceId]) -> Contributions {
    let targets: BTreeSet<InvoiceId> = invoices.iter().copied().collect();
    let mut found = Contributions::default();

    for credit_note in &loaded.invoices {
        if credit_note.kind != InvoiceKind::CreditNote
            || credit_note.status != InvoiceStatus::Issued
        {
            continue;
        }
        if let Some(corrected) = credit_note.corrects_invoice_id
            && targets.contains(&corrected)
        {
            found
                .credit_notes
                .entry(credit_note.id)
                .or_default()
                .push((corrected, credit_note.amount));
        }
    }

    for allocation in &loaded.ledger.allocations {
        if !targets.contains(&allocation.invoice) {
            continue;
        }
        match allocation.source {
            AllocationSource::Payment(payment)
            | AllocationSource::AccountCredit(CreditOrigin::Payment(payment)) => {
                add_share(
                    found.payments.entry(payment).or_default(),
                    allocation.invoice,
                    allocation.amount,
                );
            }
            AllocationSource::AccountCredit(CreditOrigin::CreditNote(credit_note)) => {
                let linked_here = found.credit_notes.contains_key(&credit_note);
                if !linked_here {
                    add_share(
                        found.credit_notes.entry(credit_note).or_default(),
                        allocation.invoice,
                        allocation.amount,
                    );
                }
            }
        }
    }
    found
}

fn add_share(shares: &mut Vec<(InvoiceId, Money)>, invoice: InvoiceId, amount: Money) {
    match shares.iter_mut().find(|(id, _)| *id == invoice) {
        Some((_, total)) => *total = total.checked_add(amount).unwrap_or(*total),
        None => shares.push((invoice, amount)),
    }
}

fn sum(shares: &[(InvoiceId, Money)]) -> Option<Money> {
    let currency = shares.first().map(|(_, amount)| amount.currency())?;
    Money::sum(currency, shares.iter().map(|(_, amount)| *amount)).ok()
}

/// Builds the case document from the account as loaded after the hand-over step charged its
/// interest.
fn build_document(
    loaded: &Loaded,
    case_id: CaseId,
    invoice_ids: &[InvoiceId],
    now: DateTime<Utc>,
) -> ServiceResult<CaseDocument> {
    let context = &loaded.context;
    let creditor = &context.tenant.creditor;
    let account = &context.account;
    let found = contributions(loaded, invoice_ids);

    let mut invoices = Vec::with_capacity(invoice_ids.len());
    let mut per_currency: BTreeMap<Currency, [Money; 4]> = BTreeMap::new();
    for id in invoice_ids {
        let (Some(invoice), Some(balance)) = (loaded.invoice(*id), loaded.balance(*id)) else {
            return Err(ServiceError::internal(format!(
                "invoice {id} is missing from the account"
            )));
        };
        let paid = Money::sum(
            balance.currency,
            [
                balance.principal_paid,
                balance.interest_paid,
                balance.fees_paid,
            ],
        )
        .map_err(|error| ServiceError::internal(format!("paid amount of invoice {id}: {error}")))?;
        let fees_charged = balance
            .fees_charged
            .checked_sub(balance.fees_waived)
            .unwrap_or(balance.fees_charged);

        let payments = found
            .payments
            .iter()
            .filter_map(|(payment, shares)| {
                let (_, amount) = shares.iter().find(|(invoice, _)| invoice == id)?;
                let paid_on = loaded
                    .payments
                    .iter()
                    .find(|candidate| candidate.id == *payment)
                    .map_or(loaded.today, |candidate| candidate.paid_on);
                Some(PaymentItem {
                    payment_id: payment.0,
                    paid_on,
                    amount: text(*amount),
                })
            })
            .collect();
        let credit_notes = found
            .credit_notes
            .iter()
            .filter_map(|(credit_note, shares)| {
                let (_, amount) = shares.iter().find(|(invoice, _)| invoice == id)?;
                let note = loaded.invoice(*credit_note)?;
                Some(CreditNoteItem {
                    invoice_id: note.id.0,
                    external_id: note.external_id.clone(),
                    number: note.number.clone(),
                    issue_date: note.issue_date,
                    amount: text(*amount),
                })
            })
            .collect();

        let totals = per_currency
            .entry(balance.currency)
            .or_insert([Money::zero(balance.currency); 4]);
        for (slot, amount) in totals.iter_mut().zip([
            balance.principal_outstanding,
            balance.interest_outstanding,
            balance.fees_outstanding,
            balance.total_outstanding,
        ]) {
            *slot = slot.checked_add(amount).unwrap_or(*slot);
        }

        invoices.push(DocumentInvoice {
            invoice_id: invoice.id.0,
            external_id: invoice.external_id.clone(),
            number: invoice.number.clone(),
            reference: invoice.reference.clone(),
            invoice_date: invoice.issue_date,
            due_date: invoice.due_date,
            currency: balance.currency.code().to_owned(),
            original_amount: text(balance.original_amount),
            credited: text(balance.credited),
            principal: text(balance.principal),
            principal_outstanding: text(balance.principal_outstanding),
            interest: InterestBlock {
                claimed_from: invoice.interest_claimed_from,
                claimed: text(balance.interest_claimed),
                paid: text(balance.interest_paid),
                outstanding: text(balance.interest_outstanding),
                periods: balance
                    .interest_periods
                    .iter()
                    .filter(|accrued| accrued.period.days > 0)
                    .map(|accrued| InterestPeriodItem {
                        first_day: accrued.period.first_day,
                        last_day: accrued.period.last_day,
                        days: accrued.period.days,
                        rate_percent: accrued.period.annual_rate_percent,
                        principal: text(accrued.principal),
                        amount: text(accrued.period.amount),
                    })
                    .collect(),
            },
            fees: FeesBlock {
                charged: text(fees_charged),
                paid: text(balance.fees_paid),
                outstanding: text(balance.fees_outstanding),
                items: loaded
                    .fees
                    .iter()
                    .filter(|fee| fee.invoice_id == *id && fee.waived_at.is_none())
                    .map(|fee| FeeItem {
                        fee_id: fee.id.0,
                        kind: fee.kind.as_str().to_owned(),
                        amount: text(fee.amount),
                        charged_on: fee.charged_on,
                    })
                    .collect(),
            },
            paid: text(paid),
            total: text(balance.total_outstanding),
            payments,
            credit_notes,
        });
    }

    let history = invoice_ids
        .iter()
        .flat_map(|id| loaded.steps_of(*id))
        .map(|step| StepEvidence {
            invoice: loaded
                .invoice(step.invoice_id)
                .map(|invoice| invoice.external_id.clone())
                .unwrap_or_default(),
            step: step.step_key.clone(),
            kind: step.step_kind.clone(),
            state: step.state.as_str().to_owned(),
            due_at: step.due_at,
            executed_at: step.executed_at,
            detail: step.detail.clone(),
            message_id: step.outbox_id.map(|id| id.0),
            balance: text(step.balance),
            currency: step.balance.currency().code().to_owned(),
        })
        .collect::<Vec<_>>();
    let mut history = history;
    history.sort_by_key(|evidence| (evidence.due_at, evidence.invoice.clone()));

    Ok(CaseDocument {
        case_id: case_id.0,
        handed_over_at: now,
        creditor: CreditorBlock {
            name: creditor.legal_name.clone(),
            business_id: creditor.business_id.clone(),
            address: creditor
                .postal_lines()
                .into_iter()
                .chain(creditor.country.clone())
                .collect(),
            email: creditor.contact_email.clone(),
            phone: creditor.contact_phone.clone(),
            iban: creditor.iban.clone(),
            bic: creditor.bic.clone(),
        },
        debtor: DebtorBlock {
            external_id: account.external_id.clone(),
            name: account.name.clone(),
            debtor_type: account.debtor_type.as_str().to_owned(),
            emails: account.emails.clone(),
            locale: account.locale.as_str().to_owned(),
            contact: account.contact.clone(),
        },
        invoices,
        totals: per_currency
            .into_iter()
            .map(|(currency, [principal, interest, fees, total])| CaseTotal {
                currency: currency.code().to_owned(),
                principal: text(principal),
                interest: text(interest),
                fees: text(fees),
                total: text(total),
            })
            .collect(),
        history,
    })
}

// Payments and credit notes after the hand-over.

/// Forwards to the agency every payment and credit note that reached an invoice of an open case
/// of the account after its hand-over, once each, with a `case_updated` event.
///
/// NOTE: a payment reversed after it was forwarded is not reported to the agency, and a later
/// change to how a forwarded payment is split between invoices is not forwarded again.
pub fn forward_changes(tx: &mut Tx<'_>, loaded: &Loaded, now: DateTime<Utc>) -> ServiceResult<()> {
    let context = &loaded.context;
    let tenant = context.tenant.id;
    for case_id in cases::list_for_account(tx, context.account.id)? {
        let case = cases::get(tx, case_id)?;
        if !case.state.is_open() {
            continue;
        }
        let Ok(document) = serde_json::from_value::<CaseDocument>(case.payload.clone()) else {
            tracing::warn!(
                tenant.id = tenant.0,
                case.id = case_id.0,
                "case document cannot be read; payments are not forwarded"
            );
            continue;
        };
        let known_payments: BTreeSet<i64> = document
            .invoices
            .iter()
            .flat_map(|invoice| invoice.payments.iter().map(|payment| payment.payment_id))
            .collect();
        let known_credit_notes: BTreeSet<i64> = document
            .invoices
            .iter()
            .flat_map(|invoice| invoice.credit_notes.iter().map(|note| note.invoice_id))
            .collect();
        let invoice_ids: Vec<InvoiceId> =
            case.invoices.iter().map(|item| item.invoice_id).collect();
        let found = contributions(loaded, &invoice_ids);

        for (payment, shares) in &found.payments {
            if known_payments.contains(&payment.0) {
                continue;
            }
            let message_id = format!("collection:{case_id}:payment:{payment}");
            if outbox::find_by_message_id(tx, tenant, &message_id)?.is_some() {
                continue;
            }
            let Some(amount) = sum(shares) else { continue };
            let paid_on = loaded
                .payments
                .iter()
                .find(|candidate| candidate.id == *payment)
                .map_or(loaded.today, |candidate| candidate.paid_on);
            let forwarded = ForwardedPayment {
                payment_id: payment.0,
                paid_on,
                amount: text(amount),
                currency: amount.currency().code().to_owned(),
                invoices: shares_of(loaded, shares),
            };
            let key = format!("case-{case_id}-payment-{payment}");
            enqueue(
                tx,
                tenant,
                case.account_id,
                case_id,
                &PartnerMessage::payment(case_id.0, forwarded),
                &key,
                message_id,
                now,
            )?;
            record_forward(
                tx,
                &case,
                CaseChange::PaymentForwarded,
                amount,
                format!("payment:{payment}"),
                json!({"payment_id": payment}),
                now,
            )?;
        }

        for (credit_note, shares) in &found.credit_notes {
            if known_credit_notes.contains(&credit_note.0) {
                continue;
            }
            let message_id = format!("collection:{case_id}:credit_note:{credit_note}");
            if outbox::find_by_message_id(tx, tenant, &message_id)?.is_some() {
                continue;
            }
            let (Some(amount), Some(note)) = (sum(shares), loaded.invoice(*credit_note)) else {
                continue;
            };
            let forwarded = ForwardedCreditNote {
                invoice_id: note.id.0,
                external_id: note.external_id.clone(),
                number: note.number.clone(),
                issue_date: note.issue_date,
                amount: text(amount),
                currency: amount.currency().code().to_owned(),
                invoices: shares_of(loaded, shares),
            };
            let key = format!("case-{case_id}-credit-note-{credit_note}");
            enqueue(
                tx,
                tenant,
                case.account_id,
                case_id,
                &PartnerMessage::credit_note(case_id.0, forwarded),
                &key,
                message_id,
                now,
            )?;
            record_forward(
                tx,
                &case,
                CaseChange::CreditNoteForwarded,
                amount,
                format!("credit_note:{}", note.external_id),
                json!({"credit_note_id": note.id}),
                now,
            )?;
        }
    }
    Ok(())
}

fn shares_of(loaded: &Loaded, shares: &[(InvoiceId, Money)]) -> Vec<InvoiceShare> {
    shares
        .iter()
        .map(|(invoice, amount)| InvoiceShare {
            external_id: loaded
                .invoice(*invoice)
                .map(|found| found.external_id.clone())
                .unwrap_or_default(),
            amount: text(*amount),
            outstanding: loaded
                .balance(*invoice)
                .map_or(Decimal::ZERO, |balance| text(balance.total_outstanding)),
        })
        .collect()
}

fn record_forward(
    tx: &mut Tx<'_>,
    case: &CollectionCase,
    change: CaseChange,
    amount: Money,
    reference: String,
    details: serde_json::Value,
    now: DateTime<Utc>,
) -> ServiceResult<()> {
    cases::add_update(
        tx,
        case.tenant_id,
        case.id,
        &NewCaseUpdate {
            change,
            state: case.state,
            note: None,
            amount: Some(amount),
            reference: Some(reference),
            token_id: None,
        },
        now,
    )?;
    let mut data = json!({
        "case_id": case.id,
        "change": change.as_str(),
        "state": case.state.as_str(),
        "amount": text(amount).to_string(),
        "currency": amount.currency().code(),
    });
    if let (Some(data), Some(details)) = (data.as_object_mut(), details.as_object()) {
        data.extend(details.clone());
    }
    emit(
        tx,
        case.tenant_id,
        EventType::CaseUpdated,
        Some(case.account_id),
        None,
        data,
        now,
    )?;
    tracing::info!(
        tenant.id = case.tenant_id.0,
        case.id = case.id.0,
        change = change.as_str(),
        "forwarded to the collection agency"
    );
    Ok(())
}

// The agency's reports and the creditor's recall.

fn case_not_found(id: CaseId) -> ServiceError {
    ServiceError::not_found(
        "case_not_found",
        format!("collection case {id} not found; list your cases with GET /v1/cases"),
    )
}

/// Loads a case of the tenant.
pub fn case_of(tx: &mut Tx<'_>, tenant: TenantId, id: CaseId) -> ServiceResult<CollectionCase> {
    cases::get_for_tenant(tx, tenant, id).map_err(|error| match error {
        StoreError::NotFound { .. } => case_not_found(id),
        other => ServiceError::from(other),
    })
}

fn check_note(field: &str, note: &str) -> ServiceResult<String> {
    let trimmed = note.trim();
    let allowed = |c: char| !c.is_control() || c == '\n';
    if trimmed.is_empty()
        || trimmed.chars().count() > MAX_NOTE_CHARS
        || !trimmed.chars().all(allowed)
    {
        return Err(ServiceError::invalid(
            "case_report_invalid",
            Some(field.to_owned()),
            format!(
                "{field} must be 1 to 1000 characters without control characters other than line breaks"
            ),
        ));
    }
    Ok(trimmed.to_owned())
}

fn ensure_open(case: &CollectionCase) -> ServiceResult<()> {
    if case.state.is_open() {
        Ok(())
    } else {
        Err(ServiceError::conflict(
            "case_closed",
            Some("state".to_owned()),
            format!(
                "collection case {} is {}, so it cannot change any more",
                case.id, case.state
            ),
        ))
    }
}

/// A state the agency reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StateReport {
    /// The new state; one of handed over, acknowledged, paid to agency, returned or closed.
    pub state: CaseState,
    /// The agency's note.
    pub note: Option<String>,
    /// The amount the debtor paid the agency, with `PaidToAgency`.
    pub amount: Option<Decimal>,
    /// The API token of the request.
    pub token: TokenId,
}

/// Records a state the agency reports. `Returned` ends the hand-over of the case's invoices;
/// escalation does not start again by itself.
pub fn report_state(
    tx: &mut Tx<'_>,
    tenant: TenantId,
    id: CaseId,
    report: &StateReport,
    now: DateTime<Utc>,
) -> ServiceResult<CollectionCase> {
    let case = case_of(tx, tenant, id)?;
    ensure_open(&case)?;
    let reportable = matches!(
        report.state,
        CaseState::HandedOver
            | CaseState::Acknowledged
            | CaseState::PaidToAgency
            | CaseState::Returned
            | CaseState::Closed
    );
    if !reportable {
        return Err(ServiceError::invalid(
            "body_invalid",
            Some("state".to_owned()),
            format!("state {} cannot be reported by the agency", report.state),
        ));
    }
    let note = report
        .note
        .as_deref()
        .map(|note| check_note("note", note))
        .transpose()?;
    let amount = match (report.state, report.amount) {
        (CaseState::PaidToAgency, Some(amount)) => Some(case_amount(&case, amount)?),
        (CaseState::PaidToAgency, None) => {
            return Err(ServiceError::invalid(
                "case_report_invalid",
                Some("amount".to_owned()),
                "amount is missing: give what the debtor paid the agency, such as \"148.20\"",
            ));
        }
        (_, Some(_)) => {
            return Err(ServiceError::invalid(
                "case_report_invalid",
                Some("amount".to_owned()),
                "amount is only for the state paid_to_agency",
            ));
        }
        (_, None) => None,
    };

    let changed = cases::set_state(tx, id, report.state, now)?;
    cases::add_update(
        tx,
        tenant,
        id,
        &NewCaseUpdate {
            change: CaseChange::StateChanged,
            state: report.state,
            note,
            amount,
            reference: None,
            token_id: Some(report.token),
        },
        now,
    )?;
    if report.state == CaseState::Returned {
        end_handover(tx, &changed, now)?;
    }
    let mut data = json!({
        "case_id": id,
        "change": CaseChange::StateChanged.as_str(),
        "state": report.state.as_str(),
    });
    if let (Some(object), Some(amount)) = (data.as_object_mut(), amount) {
        object.insert("amount".to_owned(), json!(text(amount).to_string()));
        object.insert("currency".to_owned(), json!(amount.currency().code()));
    }
    emit(
        tx,
        tenant,
        EventType::CaseUpdated,
        Some(case.account_id),
        None,
        data,
        now,
    )?;
    tracing::info!(
        tenant.id = tenant.0,
        case.id = id.0,
        state = report.state.as_str(),
        "collection agency reported a case state"
    );
    cases::get(tx, id).map_err(ServiceError::from)
}

fn case_amount(case: &CollectionCase, amount: Decimal) -> ServiceResult<Money> {
    let invalid = |message: String| {
        ServiceError::invalid("case_report_invalid", Some("amount".to_owned()), message)
    };
    let currency = case
        .invoices
        .first()
        .map(|item| item.amount.currency())
        .ok_or_else(|| ServiceError::internal(format!("case {} has no invoices", case.id)))?;
    let money = Money::new(amount, currency);
    if !money.is_rounded() {
        return Err(invalid(format!(
            "amount {amount} has more decimals than {currency} allows"
        )));
    }
    if !money.is_positive() {
        return Err(invalid(format!("amount {amount} must be above zero")));
    }
    Ok(money.round())
}

/// Takes a case back from the agency: the agency gets a recall message (unless the case never
/// left, in which case its delivery is cancelled), the invoices stop being handed over, and the
/// case ends as recalled. Escalation does not start again by itself.
pub fn recall(
    tx: &mut Tx<'_>,
    tenant: TenantId,
    id: CaseId,
    reason: &str,
    token: TokenId,
    now: DateTime<Utc>,
) -> ServiceResult<CollectionCase> {
    let case = case_of(tx, tenant, id)?;
    ensure_open(&case)?;
    let reason = check_note("reason", reason)?;

    let handover = outbox::find_by_message_id(tx, tenant, &format!("collection:{id}:handover"))?;
    let notify = match handover {
        Some(row) if row.state == OutboxState::Pending => {
            outbox::cancel(tx, row.id, now)?;
            false
        }
        Some(row) => matches!(row.state, OutboxState::Sending | OutboxState::Sent),
        None => false,
    };
    if notify {
        enqueue(
            tx,
            tenant,
            case.account_id,
            id,
            &PartnerMessage::recall(id.0, &reason),
            &format!("case-{id}-recall"),
            format!("collection:{id}:recall"),
            now,
        )?;
    }

    let recalled = cases::set_state(tx, id, CaseState::Recalled, now)?;
    cases::add_update(
        tx,
        tenant,
        id,
        &NewCaseUpdate {
            change: CaseChange::Recalled,
            state: CaseState::Recalled,
            note: Some(reason),
            amount: None,
            reference: None,
            token_id: Some(token),
        },
        now,
    )?;
    end_handover(tx, &recalled, now)?;
    emit(
        tx,
        tenant,
        EventType::CaseUpdated,
        Some(case.account_id),
        None,
        json!({
            "case_id": id,
            "change": CaseChange::Recalled.as_str(),
            "state": CaseState::Recalled.as_str(),
            "agency_notified": notify,
        }),
        now,
    )?;
    tracing::info!(
        tenant.id = tenant.0,
        case.id = id.0,
        agency_notified = notify,
        "collection case recalled"
    );
    Ok(recalled)
}

/// Clears the hand-over mark of the case's invoices. The planner then treats them as open
/// again, but their hand-over step stays recorded, so no step runs again by itself.
fn end_handover(tx: &mut Tx<'_>, case: &CollectionCase, now: DateTime<Utc>) -> ServiceResult<()> {
    for item in &case.invoices {
        let invoice = invoices::get(tx, item.invoice_id)?;
        let mut state = invoice.collection_state();
        state.handed_over_at = None;
        invoices::update_collection(tx, invoice.id, &state, now)?;
    }
    refresh_next_action(tx, case.account_id, now)?;
    Ok(())
}

// Delivery outcomes.

/// Records that the agency accepted a message. The hand-over message moves the case from
/// preparing to handed over.
pub fn record_delivered(
    tx: &mut Tx<'_>,
    outbox_id: OutboxId,
    worker: &str,
    now: DateTime<Utc>,
) -> ServiceResult<()> {
    let row = outbox::complete(tx, outbox_id, worker, now)?;
    let payload = CollectionPayload::of(&row)?;
    if payload.message != MessageKind::Handover {
        return Ok(());
    }
    let case = cases::get(tx, payload.case_id)?;
    if case.state != CaseState::Preparing {
        return Ok(());
    }
    cases::set_state(tx, case.id, CaseState::HandedOver, now)?;
    cases::add_update(
        tx,
        case.tenant_id,
        case.id,
        &NewCaseUpdate {
            change: CaseChange::Delivered,
            state: CaseState::HandedOver,
            note: None,
            amount: None,
            reference: Some(payload.key.clone()),
            token_id: None,
        },
        now,
    )?;
    emit(
        tx,
        case.tenant_id,
        EventType::CaseUpdated,
        Some(case.account_id),
        None,
        json!({
            "case_id": case.id,
            "change": CaseChange::Delivered.as_str(),
            "state": CaseState::HandedOver.as_str(),
        }),
        now,
    )?;
    Ok(())
}

/// Records a failed attempt to reach the agency. With `retry_at` the message waits for another
/// attempt; without it the message failed for good, which the case's history and a
/// `case_updated` event report.
pub fn record_failed(
    tx: &mut Tx<'_>,
    outbox_id: OutboxId,
    worker: &str,
    error: &str,
    retry_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> ServiceResult<()> {
    let row = outbox::fail(tx, outbox_id, worker, error, retry_at, now)?;
    if row.state != OutboxState::Failed {
        return Ok(());
    }
    let payload = CollectionPayload::of(&row)?;
    let case = cases::get(tx, payload.case_id)?;
    cases::add_update(
        tx,
        case.tenant_id,
        case.id,
        &NewCaseUpdate {
            change: CaseChange::DeliveryFailed,
            state: case.state,
            note: Some(error.chars().take(MAX_NOTE_CHARS).collect()),
            amount: None,
            reference: Some(payload.key.clone()),
            token_id: None,
        },
        now,
    )?;
    emit(
        tx,
        case.tenant_id,
        EventType::CaseUpdated,
        Some(case.account_id),
        None,
        json!({
            "case_id": case.id,
            "change": CaseChange::DeliveryFailed.as_str(),
            "state": case.state.as_str(),
            "message": payload.message.as_str(),
            "outbox_id": outbox_id,
        }),
        now,
    )?;
    tracing::error!(
        tenant.id = case.tenant_id.0,
        case.id = case.id.0,
        outbox.id = outbox_id.0,
        "message to the collection agency given up"
    );
    Ok(())
}

// Reading.

/// A case with what its wire form shows.
#[derive(Debug, Clone)]
pub struct CaseView {
    /// The case.
    pub case: CollectionCase,
    /// The external id of its account.
    pub account: String,
    /// Its invoices as stored now, in the case's order.
    pub invoices: Vec<Invoice>,
    /// Its history, oldest first.
    pub history: Vec<CaseUpdate>,
}

/// Loads a case of the tenant with its account, invoices and history.
pub fn view(tx: &mut Tx<'_>, tenant: TenantId, id: CaseId) -> ServiceResult<CaseView> {
    let case = case_of(tx, tenant, id)?;
    view_of(tx, case)
}

fn view_of(tx: &mut Tx<'_>, case: CollectionCase) -> ServiceResult<CaseView> {
    let account = vahti_store::accounts::get(tx, case.account_id)?.external_id;
    let invoices = case
        .invoices
        .iter()
        .map(|item| invoices::get(tx, item.invoice_id))
        .collect::<Result<Vec<_>, _>>()?;
    let history = cases::updates(tx, case.id)?;
    Ok(CaseView {
        case,
        account,
        invoices,
        history,
    })
}

/// Lists the tenant's cases, newest first: those below `before`, at most `limit`, optionally
/// only in `state` or of the account with external id `account`.
pub fn list(
    tx: &mut Tx<'_>,
    tenant: TenantId,
    state: Option<CaseState>,
    account: Option<&str>,
    before: Option<CaseId>,
    limit: i64,
) -> ServiceResult<Vec<CaseView>> {
    let account_id = match account {
        Some(external_id) => {
            match vahti_store::accounts::get_by_external_id(tx, tenant, external_id) {
                Ok(account) => Some(account.id),
                Err(StoreError::NotFound { .. }) => return Ok(Vec::new()),
                Err(other) => return Err(other.into()),
            }
        }
        None => None,
    };
    cases::list(tx, tenant, state, account_id, before, limit)?
        .into_iter()
        .map(|id| {
            let case = cases::get(tx, id)?;
            view_of(tx, case)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn step_kinds_parse() {
        assert_eq!(step_kind_of("final_demand"), Some(StepKind::FinalDemand));
        assert_eq!(
            step_kind_of("collection_handover"),
            Some(StepKind::CollectionHandover)
        );
        assert_eq!(step_kind_of("telegram"), None);
    }

    #[test]
    fn notes_checked() {
        assert_eq!(
            check_note("note", "  agency ref 77\nthanks ").unwrap(),
            "agency ref 77\nthanks"
        );
        for bad in ["", "   ", "tab\there", &"x".repeat(1001)] {
            let error = check_note("note", bad).unwrap_err();
            assert_eq!(error.code(), "case_report_invalid", "{bad:?}");
        }
    }
}
