//! Invoices and credit notes: checking the integrator's documents, applying them to one account
//! in one transaction, the actions on one invoice (issue, cancel, change of due date), and the
//! schedule shown with each invoice.
//!
//! Every change to an account's documents is replayed in the account's ledger before it is
//! written. A document whose penalty interest cannot be computed, for example because its due
//! date lies before the first stored reference rate, is then rejected on its own instead of
//! making the whole account unreadable.

mod apply;
mod queue;
pub use queue::UpsertQueue;
mod schedule;
mod settle;

use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, NaiveDate, Utc};
use vahti_api::limits::validate_external_id;
use vahti_api::{IssueStatus, UpsertInvoiceRequest};
use vahti_domain::ident::{Bic, Iban, PaymentReference};
use vahti_domain::ids::{AccountId, InvoiceId, TenantId};
use vahti_domain::planner::InvoiceStatus as LedgerStatus;
use vahti_domain::{Currency, ErrorCode, Money};
use vahti_store::invoices::{self, Invoice, InvoiceKind, InvoiceStatus};
use vahti_store::{StoreError, Tx};

pub use apply::{AccountRun, InvoiceAction, act, apply_to_accounts};
pub use schedule::{InvoiceSchedule, ScheduledStep, StepPhase, schedule, schedules};
pub use settle::record_settlements;

use super::Loaded;
use super::accounts;
use crate::app::App;
use crate::error::{ServiceError, ServiceResult};

/// Maximum length of a document number, in characters.
const MAX_NUMBER_CHARS: usize = 100;

/// Accounts whose batch items are applied in one transaction at most.
const ACCOUNTS_PER_TRANSACTION: usize = 500;

/// Documents applied in one transaction at most, unless one account has more.
const DOCUMENTS_PER_TRANSACTION: usize = 2_000;

/// Pages' worth of documents one list request reads at most while filtering by status.
const SCAN_PAGES: usize = 10;

/// The payment reference of a document as the integrator gave it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReferenceInput {
    /// No reference: Vahti generates one, or keeps the one it generated before.
    Absent,
    /// A valid Finnish or RF reference.
    Valid(PaymentReference),
    /// A reference that fails its check. Vahti stores a generated valid reference instead and
    /// flags the invoice.
    Invalid {
        /// The reference as given.
        raw: String,
        /// The validation error, naming the value.
        reason: String,
    },
}

impl ReferenceInput {
    /// Reads an optional reference as given; blank text counts as absent.
    pub fn from_text(text: Option<&str>) -> Self {
        match text.map(str::trim).filter(|text| !text.is_empty()) {
            None => ReferenceInput::Absent,
            Some(text) => match PaymentReference::parse(text) {
                Ok(reference) => ReferenceInput::Valid(reference),
                Err(error) => ReferenceInput::Invalid {
                    raw: text.to_owned(),
                    reason: error.to_string(),
                },
            },
        }
    }
}

/// Returns the form in which a reference is stored and matched: the compact RF text, or the Finnish
/// digits without leading zeros but at least four digits long.
///
/// A Finnish reference may be as short as 4 digits including leading zeros, such as `0440`,
/// whose digits without the zeros (`440`) no longer parse as a reference. Keeping four digits
/// lets the stored form be parsed again for the payment codes and messages.
pub fn stored_reference(reference: &PaymentReference) -> String {
    match reference {
        PaymentReference::Finnish(finnish) => format!("{:0>4}", finnish.as_str()),
        PaymentReference::Rf(rf) => rf.as_str().to_owned(),
    }
}

/// A checked invoice or credit note, before it is compared with what is stored.
#[derive(Debug, Clone, PartialEq)]
pub struct InvoiceDraft {
    /// The integrator's id of the document.
    pub external_id: String,
    /// The external id of the account.
    pub account: String,
    /// Invoice or credit note.
    pub kind: InvoiceKind,
    /// The printed number.
    pub number: String,
    /// The issue date.
    pub issue_date: NaiveDate,
    /// The day the document was sent.
    pub sent_on: Option<NaiveDate>,
    /// The due date; always `None` for a credit note.
    pub due_date: Option<NaiveDate>,
    /// The amount, positive and rounded to the currency's minor unit.
    pub amount: Money,
    /// The reference as given.
    pub reference: ReferenceInput,
    /// For a credit note, the external id of the invoice it corrects.
    pub corrects: Option<String>,
    /// Draft or issued.
    pub status: InvoiceStatus,
    /// The IBAN printed on the document, in compact form.
    pub seller_iban: Option<String>,
    /// The BIC of that IBAN.
    pub seller_bic: Option<String>,
}

/// The result of applying one document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// A new document was stored.
    Created,
    /// A stored document was changed.
    Updated,
    /// The stored document already matched.
    Unchanged,
}

/// One applied document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Applied {
    /// The result.
    pub outcome: Outcome,
    /// The stored document.
    pub invoice_id: InvoiceId,
    /// Whether the integrator's reference failed its check and was replaced.
    pub reference_flagged: bool,
}

/// Checks an upsert request and turns it into a draft. Field names in errors are those of the
/// request body.
pub fn draft_from_request(
    external_id: &str,
    request: &UpsertInvoiceRequest,
) -> ServiceResult<InvoiceDraft> {
    check_external_id(external_id, None)?;
    check_external_id(&request.account, Some("account"))?;

    let kind = match request.kind {
        vahti_api::InvoiceKind::Invoice => InvoiceKind::Invoice,
        vahti_api::InvoiceKind::CreditNote => InvoiceKind::CreditNote,
        vahti_api::InvoiceKind::Unknown => {
            return Err(invalid("kind", "kind must be invoice or credit_note"));
        }
    };
    let status = match request.status {
        IssueStatus::Draft => InvoiceStatus::Draft,
        IssueStatus::Issued => InvoiceStatus::Issued,
        IssueStatus::Unknown => {
            return Err(invalid("status", "status must be draft or issued"));
        }
    };

    let number = request.number.trim();
    if number.is_empty() || number.chars().count() > MAX_NUMBER_CHARS {
        return Err(invalid(
            "number",
            format!(
                "invalid number {:?}: use 1 to {MAX_NUMBER_CHARS} characters",
                request.number
            ),
        ));
    }

    let currency = Currency::from_code(&request.currency).map_err(|error| {
        ServiceError::unprocessable(error.code(), Some("currency".to_owned()), error.to_string())
    })?;
    let amount = checked_amount(request.amount, currency, "amount")?;

    let due_date = match kind {
        InvoiceKind::Invoice => request.due_date,
        InvoiceKind::CreditNote => None,
    };
    if let Some(due) = due_date
        && due < request.issue_date
    {
        return Err(ServiceError::unprocessable(
            "due_date_before_issue_date",
            Some("due_date".to_owned()),
            format!(
                "due date {due} lies before the issue date {}; correct one of them",
                request.issue_date
            ),
        ));
    }

    let corrects = match (kind, &request.corrects) {
        (InvoiceKind::CreditNote, Some(target)) => {
            check_external_id(target, Some("corrects"))?;
            if target == external_id {
                return Err(credit_note_invalid(format!(
                    "credit note {external_id:?} cannot correct itself; name the invoice it corrects"
                )));
            }
            Some(target.clone())
        }
        (InvoiceKind::CreditNote, None) => {
            return Err(credit_note_invalid(format!(
                "credit note {external_id:?} has no corrects: name the external id of the invoice it corrects"
            )));
        }
        (InvoiceKind::Invoice, Some(_)) => {
            return Err(credit_note_invalid(format!(
                "{external_id:?} is an invoice, and only a credit note corrects another invoice; set kind to credit_note or leave corrects out"
            )));
        }
        (InvoiceKind::Invoice, None) => None,
    };

    let seller_iban = request
        .seller_iban
        .as_deref()
        .map(|text| {
            Iban::parse(text)
                .map(|iban| iban.as_str().to_owned())
                .map_err(|error| {
                    ServiceError::unprocessable(
                        "iban_invalid",
                        Some("seller_iban".to_owned()),
                        error.to_string(),
                    )
                })
        })
        .transpose()?;
    let seller_bic = request
        .seller_bic
        .as_deref()
        .map(|text| {
            Bic::parse(text)
                .map(|bic| bic.as_str().to_owned())
                .map_err(|error| {
                    ServiceError::unprocessable(
                        "bic_invalid",
                        Some("seller_bic".to_owned()),
                        error.to_string(),
                    )
                })
        })
        .transpose()?;

    Ok(InvoiceDraft {
        external_id: external_id.to_owned(),
        account: request.account.clone(),
        kind,
        number: number.to_owned(),
        issue_date: request.issue_date,
        sent_on: request.sent_on,
        due_date,
        amount,
        reference: ReferenceInput::from_text(request.reference.as_deref()),
        corrects,
        status,
        seller_iban,
        seller_bic,
    })
}

/// Checks that an amount is above zero, has no more decimals than the currency's minor unit and
/// fits the store, and returns it rounded to the minor unit.
pub fn checked_amount(
    amount: rust_decimal::Decimal,
    currency: Currency,
    field: &str,
) -> ServiceResult<Money> {
    if !amount.is_sign_positive() || amount.is_zero() {
        return Err(ServiceError::unprocessable(
            "amount_not_positive",
            Some(field.to_owned()),
            format!("{field} {amount} must be greater than zero"),
        ));
    }
    let decimals = currency.minor_unit_decimals();
    if amount.normalize().scale() > decimals {
        return Err(ServiceError::unprocessable(
            "amount_too_many_decimals",
            Some(field.to_owned()),
            format!(
                "{field} {amount} has more than {decimals} decimal places, the minor unit of {currency}"
            ),
        ));
    }
    let money = Money::new(amount, currency).round();
    money.to_minor_units().map_err(|error| {
        ServiceError::unprocessable(error.code(), Some(field.to_owned()), error.to_string())
    })?;
    Ok(money)
}

fn check_external_id(value: &str, field: Option<&str>) -> ServiceResult<()> {
    validate_external_id(value).map_err(|error| {
        ServiceError::unprocessable(
            error.code().as_str(),
            field.map(str::to_owned),
            error.to_string(),
        )
    })
}

fn invalid(field: &str, message: impl Into<String>) -> ServiceError {
    ServiceError::unprocessable("value_invalid", Some(field.to_owned()), message)
}

fn credit_note_invalid(message: String) -> ServiceError {
    ServiceError::unprocessable("credit_note_invalid", Some("corrects".to_owned()), message)
}

/// Returns the status shown for a document: the invoice's status from the integrator, hand-over and the
/// ledger, and for a credit note draft, cancelled or (once issued) credited.
pub fn document_status(loaded: &Loaded, invoice: &Invoice) -> LedgerStatus {
    if invoice.kind == InvoiceKind::CreditNote {
        return match invoice.status {
            InvoiceStatus::Draft => LedgerStatus::Draft,
            InvoiceStatus::Cancelled => LedgerStatus::Cancelled,
            InvoiceStatus::Issued => LedgerStatus::Credited,
        };
    }
    loaded.status_of(invoice)
}

/// One page of documents with their accounts as read now.
#[derive(Debug, Clone)]
pub struct InvoicePage {
    /// The documents, by id.
    pub invoices: Vec<Invoice>,
    /// The accounts of the documents.
    pub accounts: HashMap<AccountId, Loaded>,
    /// The id after which the next page starts, when there may be more.
    pub next: Option<InvoiceId>,
}

/// Lists the tenant's documents by id, after `after`, at most `limit`, optionally only those of
/// one account (404 `account_not_found` when it does not exist) or with one status.
///
/// The status comes from the ledger, so documents are read in chunks and filtered. At most ten
/// pages' worth of documents are read per call, so a page may hold fewer than `limit`
/// documents and still have a next page.
pub fn list_page(
    tx: &mut Tx<'_>,
    tenant_id: TenantId,
    account: Option<&str>,
    status: Option<LedgerStatus>,
    after: Option<InvoiceId>,
    limit: u32,
    now: DateTime<Utc>,
) -> ServiceResult<InvoicePage> {
    let account_id = match account {
        Some(external_id) => Some(accounts::get(tx, tenant_id, external_id)?.id),
        None => None,
    };
    let stored_status = status.map(|status| match status {
        LedgerStatus::Draft => InvoiceStatus::Draft,
        LedgerStatus::Cancelled => InvoiceStatus::Cancelled,
        _ => InvoiceStatus::Issued,
    });
    let filter = invoices::ListFilter {
        account_id,
        status: stored_status,
    };
    let page_size = usize::try_from(limit).unwrap_or(usize::MAX);
    let budget = page_size.saturating_mul(SCAN_PAGES);
    let chunk = i64::from(limit.max(1));

    let mut page = InvoicePage {
        invoices: Vec::new(),
        accounts: HashMap::new(),
        next: None,
    };
    let mut cursor = after;
    let mut scanned = 0_usize;
    loop {
        let rows = invoices::list(tx, tenant_id, filter, cursor, chunk)?;
        let exhausted = i64::try_from(rows.len()).unwrap_or(i64::MAX) < chunk;
        for row in rows {
            cursor = Some(row.id);
            scanned += 1;
            if let Entry::Vacant(slot) = page.accounts.entry(row.account_id) {
                slot.insert(Loaded::load(tx, row.account_id, now)?);
            }
            let keep = match (status, page.accounts.get(&row.account_id)) {
                (None, _) => true,
                (Some(status), Some(loaded)) => document_status(loaded, &row) == status,
                (Some(_), None) => false,
            };
            if keep {
                page.invoices.push(row);
            }
            if page.invoices.len() >= page_size {
                let more = !invoices::list(tx, tenant_id, filter, cursor, 1)?.is_empty();
                page.next = cursor.filter(|_| more);
                return Ok(page);
            }
        }
        if exhausted {
            return Ok(page);
        }
        if scanned >= budget {
            page.next = cursor;
            return Ok(page);
        }
    }
}

/// Loads the tenant's invoice with this external id, or fails with 404 `invoice_not_found`.
pub fn get(tx: &mut Tx<'_>, tenant_id: TenantId, external_id: &str) -> ServiceResult<Invoice> {
    match invoices::get_by_external_id(tx, tenant_id, external_id) {
        Ok(invoice) => Ok(invoice),
        Err(StoreError::NotFound { .. }) => Err(not_found(external_id)),
        Err(error) => Err(error.into()),
    }
}

/// Builds the 404 error of an invoice that the tenant does not have.
pub fn not_found(external_id: &str) -> ServiceError {
    ServiceError::not_found(
        "invoice_not_found",
        format!("invoice {external_id:?} not found: check the external id"),
    )
}

/// Applies one upserted document and returns the outcome together with the account as read
/// after the change. Upserts that arrive together share a transaction (see [`queue`]).
///
/// Fails with 404 `account_not_found` naming `account` when the account does not exist.
pub async fn upsert_one(
    app: &App,
    tenant_id: TenantId,
    draft: InvoiceDraft,
) -> ServiceResult<(Applied, Box<Loaded>)> {
    queue::upsert_queued(app, tenant_id, draft).await
}

/// Applies many documents, the documents of up to [`ACCOUNTS_PER_TRANSACTION`] accounts in one
/// transaction, and returns one result per draft in input order. A rejected draft never rejects
/// another one, except that a credit note fails with the invoice it corrects when both are new.
///
/// An external id that occurs twice is rejected the second time.
pub async fn apply_many(
    app: &App,
    tenant_id: TenantId,
    drafts: Vec<ServiceResult<InvoiceDraft>>,
) -> Vec<ServiceResult<Applied>> {
    let now = app.now();
    let count = drafts.len();
    let mut results: Vec<Option<ServiceResult<Applied>>> = vec![None; count];
    let mut groups: BTreeMap<String, Vec<(usize, InvoiceDraft)>> = BTreeMap::new();
    let mut seen: HashSet<String> = HashSet::with_capacity(count);

    for (index, draft) in drafts.into_iter().enumerate() {
        match draft {
            Err(error) => results[index] = Some(Err(error)),
            Ok(draft) if !seen.insert(draft.external_id.clone()) => {
                results[index] = Some(Err(ServiceError::unprocessable(
                    "value_invalid",
                    None,
                    format!(
                        "external id {:?} occurs more than once; send each document once",
                        draft.external_id
                    ),
                )));
            }
            Ok(draft) => groups
                .entry(draft.account.clone())
                .or_default()
                .push((index, draft)),
        }
    }

    let names: Vec<String> = groups.keys().cloned().collect();
    let found = app
        .read(move |tx| {
            let names: Vec<&str> = names.iter().map(String::as_str).collect();
            Ok(vahti_store::accounts::ids_by_external_id(
                tx, tenant_id, &names,
            )?)
        })
        .await;
    let account_ids = match found {
        Ok(ids) => ids,
        Err(error) => {
            return fill(results, &error);
        }
    };

    let mut work = Vec::with_capacity(groups.len());
    for (name, items) in groups {
        match account_ids.get(&name) {
            Some(account_id) => work.push((*account_id, items)),
            None => {
                let error = accounts::not_found(&name).with_field("account");
                for (index, _) in items {
                    results[index] = Some(Err(error.clone()));
                }
            }
        }
    }

    // Accounts share transactions, a bounded number each, so that a large batch does not hold
    // the write lock or the row locks of thousands of accounts at once.
    let mut runs: Vec<(Vec<usize>, ServiceResult<AccountRun>)> = Vec::with_capacity(work.len());
    let mut pending = work.into_iter().peekable();
    while pending.peek().is_some() {
        let mut indexes: Vec<Vec<usize>> = Vec::new();
        let mut group: Vec<(AccountId, Vec<InvoiceDraft>)> = Vec::new();
        let mut documents = 0;
        while let Some((_, items)) = pending.peek() {
            if !group.is_empty()
                && (group.len() >= ACCOUNTS_PER_TRANSACTION
                    || documents + items.len() > DOCUMENTS_PER_TRANSACTION)
            {
                break;
            }
            let Some((account_id, items)) = pending.next() else {
                break;
            };
            documents += items.len();
            let (slots, drafts): (Vec<usize>, Vec<InvoiceDraft>) = items.into_iter().unzip();
            indexes.push(slots);
            group.push((account_id, drafts));
        }
        let applied = app
            .write(move |tx| {
                let ids: Vec<AccountId> = group.iter().map(|(id, _)| *id).collect();
                vahti_store::accounts::lock_many(tx, &ids)?;
                let parts: Vec<(AccountId, &[InvoiceDraft])> = group
                    .iter()
                    .map(|(id, drafts)| (*id, drafts.as_slice()))
                    .collect();
                apply_to_accounts(tx, tenant_id, &parts, now)
            })
            .await;
        match applied {
            Ok(applied) => runs.extend(indexes.into_iter().zip(applied)),
            Err(error) => runs.extend(
                indexes
                    .into_iter()
                    .map(|indexes| (indexes, Err(error.clone()))),
            ),
        }
    }

    let mut nudge = false;
    for (indexes, run) in runs {
        match run {
            Ok(run) => {
                nudge |= run.next_action_at.is_some_and(|at| at <= now);
                for (index, result) in indexes.into_iter().zip(run.results) {
                    results[index] = Some(result);
                }
            }
            Err(error) => {
                for index in indexes {
                    results[index] = Some(Err(error.clone()));
                }
            }
        }
    }
    if nudge {
        app.nudge_scheduler();
    }
    fill(
        results,
        &ServiceError::internal("a document was not applied"),
    )
}

fn fill(
    results: Vec<Option<ServiceResult<Applied>>>,
    missing: &ServiceError,
) -> Vec<ServiceResult<Applied>> {
    results
        .into_iter()
        .map(|result| result.unwrap_or_else(|| Err(missing.clone())))
        .collect()
}

/// Runs an action on one invoice on its account's actor and returns the account as read after
/// the change.
pub async fn act_on(
    app: &App,
    tenant_id: TenantId,
    external_id: &str,
    action: InvoiceAction,
) -> ServiceResult<(InvoiceId, Box<Loaded>)> {
    let name = external_id.to_owned();
    let invoice = app.read(move |tx| get(tx, tenant_id, &name)).await?;
    let now = app.now();
    let invoice_id = invoice.id;
    let (loaded, next) = app
        .on_account(tenant_id, invoice.account_id, move |tx| {
            let next = act(tx, invoice_id, action, now)?;
            let loaded = Loaded::load(tx, invoice.account_id, now)?;
            Ok((Box::new(loaded), next))
        })
        .await?;
    if next.is_some_and(|at: DateTime<Utc>| at <= now) {
        app.nudge_scheduler();
    }
    Ok((invoice_id, loaded))
}
