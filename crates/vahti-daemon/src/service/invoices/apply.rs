//! Applying documents to one account inside its transaction: comparing them with what is
//! stored, checking the account's ledger with the changes, writing the survivors in one batch
//! upsert, and emitting their events.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, NaiveDate, SubsecRound, Utc};
use serde_json::{Value, json};
use vahti_api::EventType;
use vahti_domain::ErrorCode;
use vahti_domain::ident::FinnishReference;
use vahti_domain::ids::{AccountId, InvoiceId, TenantId};
use vahti_domain::ledger::{self, EntryRef, LedgerError, LedgerState};
use vahti_domain::planner::InvoiceStatus as LedgerStatus;
use vahti_store::invoices::{self, Invoice, InvoiceKind, InvoiceStatus, InvoiceUpsert};
use vahti_store::{Tx, tenants};

use super::settle::record_settlements;
use super::{
    Applied, InvoiceDraft, Outcome, ReferenceInput, credit_note_invalid, stored_reference,
};
use crate::error::{ServiceError, ServiceResult};
use crate::service::Loaded;
use crate::service::events::emit_many;
use crate::service::snapshot::ledger_entries;
use crate::service::wake::{refresh_next_action, refresh_next_actions_of};

/// The results of applying documents to one account.
#[derive(Debug, Clone)]
pub struct AccountRun {
    /// One result per draft, in input order.
    pub results: Vec<ServiceResult<Applied>>,
    /// The account's next wake-up after the change.
    pub next_action_at: Option<DateTime<Utc>>,
    /// The account as read after the change, with its documents read again. Only the next
    /// wake-up stored on the account row may be newer, in [`AccountRun::next_action_at`].
    pub after: Box<Loaded>,
}

/// An action on one stored invoice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvoiceAction {
    /// Issue a draft: from now on it is owed and watched.
    Issue,
    /// Cancel an invoice nothing was paid on.
    Cancel,
    /// Move the due date, for example after a granted extension.
    ChangeDueDate(NaiveDate),
}

/// The choice of the stored reference of a changed document.
#[derive(Debug, Clone, PartialEq, Eq)]
enum ReferencePlan {
    /// Store this compact reference with this flag.
    Set { reference: String, flagged: bool },
    /// Generate a Finnish reference from the tenant's counter.
    Generate { flagged: bool },
}

/// The kind of event a change emits.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Change {
    Created,
    Updated { changed: Vec<&'static str> },
    Cancelled,
}

/// A document that will be written unless the ledger check rejects it.
#[derive(Debug, Clone)]
struct Candidate {
    /// The position of its result.
    slot: usize,
    /// Whether the document is stored already.
    existing: bool,
    /// The document as it will be. A new document has a negative placeholder id until it is
    /// written, so that the ledger check and credit notes can refer to it.
    row: Invoice,
    /// For a credit note, the external id of the invoice it corrects.
    corrects_external_id: Option<String>,
    reference: ReferencePlan,
    /// The integrator's reference when it failed its check, for the log.
    rejected_reference: Option<String>,
    change: Change,
}

/// A batch's part for one account, between reading the account and writing its documents.
struct Staged {
    before: Loaded,
    results: Vec<Option<ServiceResult<Applied>>>,
    candidates: Vec<Candidate>,
    /// The ledger with the surviving candidates; `None` when nothing is written.
    after: Option<LedgerState>,
    /// The documents as written, with their keys, and then those whose settlement was stored.
    written: Vec<Invoice>,
}

/// Applies drafts to many accounts of one tenant in one transaction: each draft is created,
/// updated, left unchanged or rejected on its own, with one read per table for all accounts,
/// one upsert and one insert of events for all their documents, and their next wake-ups
/// recomputed. On PostgreSQL, with more than one account, the statements are planned for their
/// own values (see `Tx::plan_each_statement`). Returns one result per account, in the
/// order given; an account that cannot be read fails on its own.
///
/// Fails as a whole when a read shared by all accounts or a write fails, or when a written
/// account's ledger cannot be replayed, which rolls the transaction back. On PostgreSQL the caller must hold the accounts' row locks.
pub fn apply_to_accounts(
    tx: &mut Tx<'_>,
    tenant_id: TenantId,
    work: &[(AccountId, &[InvoiceDraft])],
    now: DateTime<Utc>,
) -> ServiceResult<Vec<ServiceResult<AccountRun>>> {
    if work.len() > 1 {
        tx.plan_each_statement()?;
    }
    let ids: Vec<AccountId> = work.iter().map(|(id, _)| *id).collect();
    let loaded = Loaded::load_many(tx, tenant_id, &ids, now)?;

    let mut keys: Vec<&str> = Vec::new();
    for (_, drafts) in work {
        for draft in *drafts {
            keys.push(&draft.external_id);
            if let Some(target) = &draft.corrects {
                keys.push(target);
            }
        }
    }
    let stored: HashMap<String, Invoice> = invoices::get_many_by_external_id(tx, tenant_id, &keys)?
        .into_iter()
        .map(|invoice| (invoice.external_id.clone(), invoice))
        .collect();

    let mut staged: Vec<ServiceResult<Staged>> = loaded
        .into_iter()
        .zip(work)
        .map(|(before, (_, drafts))| Ok(stage(before?, drafts, &stored, now)))
        .collect();

    write(tx, tenant_id, &mut staged, now)?;

    // Writing documents changes only these accounts' invoices and credit notes (a document
    // cannot move to another account), so the rest of what was read still holds, and the
    // documents are known from what was written.
    let mut runs: Vec<Option<ServiceResult<AccountRun>>> = Vec::with_capacity(staged.len());
    let mut refreshed = Vec::with_capacity(staged.len());
    for (slot, part) in staged.into_iter().enumerate() {
        let part = match part {
            Ok(part) => part,
            Err(error) => {
                runs.push(Some(Err(error)));
                continue;
            }
        };
        runs.push(None);
        // The account's documents are written already, so a failure here fails the whole
        // transaction rather than leave them stored behind an error.
        let after = part.before.with_documents_written(part.written)?;
        refreshed.push((slot, part.results, after));
    }
    #[cfg(debug_assertions)]
    check_documents_as_stored(tx, refreshed.iter().map(|(_, _, after)| after))?;
    let accounts: Vec<&Loaded> = refreshed.iter().map(|(_, _, after)| after).collect();
    let next = refresh_next_actions_of(tx, &accounts, now)?;
    for ((slot, results, after), next_action_at) in refreshed.into_iter().zip(next) {
        let results = results
            .into_iter()
            .map(|result| {
                result.unwrap_or_else(|| Err(ServiceError::internal("a document has no result")))
            })
            .collect();
        runs[slot] = Some(Ok(AccountRun {
            results,
            next_action_at,
            after: Box::new(after),
        }));
    }
    Ok(runs
        .into_iter()
        .map(|run| run.unwrap_or_else(|| Err(ServiceError::internal("an account has no result"))))
        .collect())
}

/// Checks, in debug builds, that the documents kept in memory after a write equal the documents
/// as stored, so that the tests catch a write whose effect the memory copy misses.
#[cfg(debug_assertions)]
fn check_documents_as_stored<'a>(
    tx: &mut Tx<'_>,
    accounts: impl Iterator<Item = &'a Loaded>,
) -> ServiceResult<()> {
    for loaded in accounts {
        let stored = invoices::list_for_account(tx, loaded.context.account.id)?;
        assert_eq!(
            loaded.invoices, stored,
            "documents of account {} kept after the write differ from those stored",
            loaded.context.account.id
        );
    }
    Ok(())
}

/// Compares an account's drafts with what is stored and checks its ledger with the changes.
fn stage(
    before: Loaded,
    drafts: &[InvoiceDraft],
    stored: &HashMap<String, Invoice>,
    now: DateTime<Utc>,
) -> Staged {
    let mut results: Vec<Option<ServiceResult<Applied>>> = vec![None; drafts.len()];
    let mut candidates: Vec<Candidate> = Vec::new();
    let mut seen_ids: HashSet<&str> = HashSet::with_capacity(drafts.len());
    for (slot, draft) in drafts.iter().enumerate() {
        if !seen_ids.insert(&draft.external_id) {
            results[slot] = Some(Err(ServiceError::unprocessable(
                "value_invalid",
                None,
                format!(
                    "external id {:?} occurs more than once; send each document once",
                    draft.external_id
                ),
            )));
            continue;
        }
        match prepare(&before, draft, slot, stored, &candidates, now) {
            Ok(Prepared::Unchanged(applied)) => results[slot] = Some(Ok(applied)),
            Ok(Prepared::Change(candidate)) => candidates.push(*candidate),
            Err(error) => results[slot] = Some(Err(error)),
        }
    }
    let after = check_ledger(&before, &mut candidates, &mut results);
    if after.is_none() {
        candidates.clear();
    }
    Staged {
        before,
        results,
        candidates,
        after,
        written: Vec::new(),
    }
}

/// Carries out an action on one invoice and returns the account's next wake-up.
///
/// Fails with 409 `invoice_not_draft` when issuing an invoice that is not a draft. Fails with
/// 409 `invoice_closed` when cancelling or moving the due date of an invoice that is paid,
/// credited, cancelled, written off or handed over, and when cancelling one paid in part.
pub fn act(
    tx: &mut Tx<'_>,
    invoice_id: InvoiceId,
    action: InvoiceAction,
    now: DateTime<Utc>,
) -> ServiceResult<Option<DateTime<Utc>>> {
    let invoice = invoices::get(tx, invoice_id)?;
    let before = Loaded::load(tx, invoice.account_id, now)?;
    let status = before.status_of(&invoice);
    let mut row = invoice.clone();

    let change = match action {
        InvoiceAction::Issue => {
            if invoice.status != InvoiceStatus::Draft {
                return Err(ServiceError::conflict(
                    "invoice_not_draft",
                    None,
                    format!(
                        "invoice {:?} is {}, not a draft, so it cannot be issued",
                        invoice.external_id,
                        invoice.status.as_str()
                    ),
                ));
            }
            row.status = InvoiceStatus::Issued;
            row.sent_on = row.sent_on.or(Some(before.today));
            Change::Updated {
                changed: vec!["status", "sent_on"],
            }
        }
        InvoiceAction::Cancel => {
            let paid = before
                .balance(invoice.id)
                .is_some_and(|balance| balance.principal_paid.is_positive());
            let closed = matches!(
                status,
                LedgerStatus::Cancelled
                    | LedgerStatus::Paid
                    | LedgerStatus::Credited
                    | LedgerStatus::WrittenOff
                    | LedgerStatus::HandedOver
            );
            if closed || paid {
                return Err(ServiceError::conflict(
                    "invoice_closed",
                    None,
                    format!(
                        "invoice {:?} is {}{}, so it cannot be cancelled; send a credit note instead",
                        invoice.external_id,
                        status_text(status),
                        if paid && !closed {
                            " and paid in part"
                        } else {
                            ""
                        }
                    ),
                ));
            }
            row.status = InvoiceStatus::Cancelled;
            Change::Cancelled
        }
        InvoiceAction::ChangeDueDate(due_date) => {
            if invoice.kind == InvoiceKind::CreditNote {
                return Err(ServiceError::unprocessable(
                    "value_invalid",
                    Some("due_date".to_owned()),
                    format!(
                        "{:?} is a credit note, which has no due date",
                        invoice.external_id
                    ),
                ));
            }
            if !matches!(status, LedgerStatus::Open | LedgerStatus::Draft) {
                return Err(ServiceError::conflict(
                    "invoice_closed",
                    None,
                    format!(
                        "invoice {:?} is {}, so its due date cannot change",
                        invoice.external_id,
                        status_text(status)
                    ),
                ));
            }
            if due_date < invoice.issue_date {
                return Err(ServiceError::unprocessable(
                    "due_date_before_issue_date",
                    Some("due_date".to_owned()),
                    format!(
                        "due date {due_date} lies before the issue date {}; choose a later date",
                        invoice.issue_date
                    ),
                ));
            }
            if invoice.due_date == Some(due_date) {
                return refresh_next_action(tx, invoice.account_id, now);
            }
            row.due_date = Some(due_date);
            Change::Updated {
                changed: vec!["due_date"],
            }
        }
    };

    let corrects_external_id = invoice.corrects_invoice_id.and_then(|target| {
        before
            .invoice(target)
            .map(|corrected| corrected.external_id.clone())
    });
    let reference = ReferencePlan::Set {
        reference: invoice.reference.clone().unwrap_or_default(),
        flagged: invoice.reference_invalid,
    };
    let mut candidates = vec![Candidate {
        slot: 0,
        existing: true,
        row,
        corrects_external_id,
        reference,
        rejected_reference: None,
        change,
    }];
    let mut results = vec![None];
    let after = check_ledger(&before, &mut candidates, &mut results);
    if let Some(Some(Err(error))) = results.into_iter().next() {
        return Err(error);
    }
    let tenant_id = before.context.tenant.id;
    if after.is_some() {
        let mut staged = [Ok(Staged {
            before,
            results: vec![None],
            candidates,
            after,
            written: Vec::new(),
        })];
        write(tx, tenant_id, &mut staged, now)?;
    }
    tracing::info!(
        tenant.id = tenant_id.0,
        account.id = invoice.account_id.0,
        invoice.id = invoice.id.0,
        action = ?action,
        "invoice action applied"
    );
    refresh_next_action(tx, invoice.account_id, now)
}

fn status_text(status: LedgerStatus) -> &'static str {
    match status {
        LedgerStatus::Draft => "a draft",
        LedgerStatus::Open => "open",
        LedgerStatus::Paid => "paid",
        LedgerStatus::Credited => "credited",
        LedgerStatus::WrittenOff => "written off",
        LedgerStatus::Cancelled => "cancelled",
        LedgerStatus::HandedOver => "handed over to collection",
    }
}

enum Prepared {
    Unchanged(Applied),
    Change(Box<Candidate>),
}

/// Compares a draft with the stored document and decides what to write.
fn prepare(
    before: &Loaded,
    draft: &InvoiceDraft,
    slot: usize,
    stored: &HashMap<String, Invoice>,
    candidates: &[Candidate],
    now: DateTime<Utc>,
) -> ServiceResult<Prepared> {
    let account = &before.context.account;
    let existing = stored.get(&draft.external_id);
    if let Some(existing) = existing {
        check_fixed_fields(existing, draft, account.id)?;
    }
    let corrects_id = match &draft.corrects {
        None => None,
        Some(target) => Some(corrected_invoice(
            draft, target, before, stored, candidates,
        )?),
    };

    let (reference, rejected_reference) = match (&draft.reference, existing) {
        (ReferenceInput::Valid(reference), _) => (
            ReferencePlan::Set {
                reference: stored_reference(reference),
                flagged: false,
            },
            None,
        ),
        (
            ReferenceInput::Absent,
            Some(Invoice {
                reference: Some(stored),
                ..
            }),
        ) => (
            ReferencePlan::Set {
                reference: stored.clone(),
                flagged: false,
            },
            None,
        ),
        (ReferenceInput::Absent, _) => (ReferencePlan::Generate { flagged: false }, None),
        (
            ReferenceInput::Invalid { raw, .. },
            Some(Invoice {
                reference: Some(stored),
                reference_invalid: true,
                ..
            }),
        ) => (
            ReferencePlan::Set {
                reference: stored.clone(),
                flagged: true,
            },
            Some(raw.clone()),
        ),
        (ReferenceInput::Invalid { raw, .. }, _) => {
            (ReferencePlan::Generate { flagged: true }, Some(raw.clone()))
        }
    };

    let mut row = match existing {
        Some(existing) => existing.clone(),
        None => placeholder(before, draft, slot, now),
    };
    row.number.clone_from(&draft.number);
    row.issue_date = draft.issue_date;
    row.sent_on = draft.sent_on;
    row.due_date = draft.due_date;
    row.amount = draft.amount;
    row.seller_iban.clone_from(&draft.seller_iban);
    row.seller_bic.clone_from(&draft.seller_bic);
    row.status = draft.status;
    row.corrects_invoice_id = corrects_id;
    if let ReferencePlan::Set { reference, flagged } = &reference {
        row.reference = Some(reference.clone());
        row.reference_invalid = *flagged;
    }

    let change = match existing {
        None => Change::Created,
        Some(existing) => {
            let changed = changed_fields(existing, &row);
            if changed.is_empty() {
                return Ok(Prepared::Unchanged(Applied {
                    outcome: Outcome::Unchanged,
                    invoice_id: existing.id,
                    reference_flagged: existing.reference_invalid,
                }));
            }
            Change::Updated { changed }
        }
    };

    Ok(Prepared::Change(Box::new(Candidate {
        slot,
        existing: existing.is_some(),
        row,
        corrects_external_id: draft.corrects.clone(),
        reference,
        rejected_reference,
        change,
    })))
}

/// Rejects a change of the fields that are fixed once a document exists.
fn check_fixed_fields(
    existing: &Invoice,
    draft: &InvoiceDraft,
    account_id: AccountId,
) -> ServiceResult<()> {
    let id = &draft.external_id;
    let fixed = |field: &str, message: String| {
        ServiceError::conflict("invoice_field_immutable", Some(field.to_owned()), message)
    };
    if existing.account_id != account_id {
        return Err(fixed(
            "account",
            format!(
                "document {id:?} belongs to another account, and the account of a document cannot change; cancel it and send a new document"
            ),
        ));
    }
    if existing.kind != draft.kind {
        return Err(fixed(
            "kind",
            format!(
                "document {id:?} is stored as {}, and its kind cannot change",
                existing.kind.as_str()
            ),
        ));
    }
    if existing.amount.currency() != draft.amount.currency() {
        return Err(fixed(
            "currency",
            format!(
                "document {id:?} is stored in {}, and its currency cannot change",
                existing.amount.currency()
            ),
        ));
    }
    if existing.status == InvoiceStatus::Cancelled {
        return Err(ServiceError::conflict(
            "invoice_closed",
            None,
            format!(
                "document {id:?} is cancelled and cannot change; send a new document with a new external id"
            ),
        ));
    }
    if existing.status == InvoiceStatus::Issued && draft.status == InvoiceStatus::Draft {
        return Err(fixed(
            "status",
            format!("document {id:?} is issued and cannot become a draft again; cancel it instead"),
        ));
    }
    Ok(())
}

/// Finds the invoice a credit note corrects, among the documents of this run first and then
/// among the stored ones, and checks that it is an invoice of the same account and currency.
fn corrected_invoice(
    draft: &InvoiceDraft,
    target: &str,
    before: &Loaded,
    stored: &HashMap<String, Invoice>,
    candidates: &[Candidate],
) -> ServiceResult<InvoiceId> {
    let found = candidates
        .iter()
        .find(|candidate| candidate.row.external_id == target)
        .map(|candidate| &candidate.row)
        .or_else(|| stored.get(target));
    let Some(corrected) = found else {
        return Err(credit_note_invalid(format!(
            "credit note {:?} corrects invoice {target:?}, which is not found; send the invoice first",
            draft.external_id
        )));
    };
    if corrected.account_id != before.context.account.id {
        return Err(credit_note_invalid(format!(
            "credit note {:?} corrects invoice {target:?} of another account; a credit note must belong to the account of its invoice",
            draft.external_id
        )));
    }
    if corrected.kind != InvoiceKind::Invoice {
        return Err(credit_note_invalid(format!(
            "credit note {:?} corrects {target:?}, which is a credit note; name an invoice",
            draft.external_id
        )));
    }
    if corrected.amount.currency() != draft.amount.currency() {
        return Err(ServiceError::unprocessable(
            "currency_mismatch",
            Some("currency".to_owned()),
            format!(
                "credit note {:?} is in {}, but invoice {target:?} is in {}; amounts are never converted",
                draft.external_id,
                draft.amount.currency(),
                corrected.amount.currency()
            ),
        ));
    }
    Ok(corrected.id)
}

/// Builds a new document with a placeholder id, which it keeps until it is written.
fn placeholder(before: &Loaded, draft: &InvoiceDraft, slot: usize, now: DateTime<Utc>) -> Invoice {
    let placeholder_id = i64::try_from(slot).map_or(i64::MIN, |slot| -slot - 1);
    Invoice {
        id: InvoiceId(placeholder_id),
        tenant_id: before.context.tenant.id,
        account_id: before.context.account.id,
        external_id: draft.external_id.clone(),
        kind: draft.kind,
        number: draft.number.clone(),
        issue_date: draft.issue_date,
        sent_on: draft.sent_on,
        due_date: draft.due_date,
        amount: draft.amount,
        reference: None,
        reference_invalid: false,
        seller_iban: draft.seller_iban.clone(),
        seller_bic: draft.seller_bic.clone(),
        status: draft.status,
        corrects_invoice_id: None,
        interest_claimed_from: None,
        disputed: false,
        paused_until: None,
        promised_until: None,
        handed_over_at: None,
        written_off_at: None,
        settled_at: None,
        created_at: now,
        updated_at: now,
    }
}

/// Returns the integrator's fields that differ between the stored document and the new one.
fn changed_fields(stored: &Invoice, row: &Invoice) -> Vec<&'static str> {
    let mut changed = Vec::new();
    let checks: [(&'static str, bool); 11] = [
        ("number", stored.number != row.number),
        ("issue_date", stored.issue_date != row.issue_date),
        ("sent_on", stored.sent_on != row.sent_on),
        ("due_date", stored.due_date != row.due_date),
        ("amount", stored.amount != row.amount),
        ("reference", stored.reference != row.reference),
        (
            "reference_flagged",
            stored.reference_invalid != row.reference_invalid,
        ),
        ("seller_iban", stored.seller_iban != row.seller_iban),
        ("seller_bic", stored.seller_bic != row.seller_bic),
        ("status", stored.status != row.status),
        (
            "corrects",
            stored.corrects_invoice_id != row.corrects_invoice_id,
        ),
    ];
    for (field, differs) in checks {
        if differs {
            changed.push(field);
        }
    }
    changed
}

/// Replays the account's ledger with the candidates in place and removes every candidate the
/// ledger rejects, with its error in `results`. Returns the ledger with the surviving
/// candidates, or `None` when none is left.
fn check_ledger(
    before: &Loaded,
    candidates: &mut Vec<Candidate>,
    results: &mut [Option<ServiceResult<Applied>>],
) -> Option<LedgerState> {
    let settings = match before.context.ledger_settings() {
        Ok(settings) => settings,
        Err(error) => {
            for candidate in candidates.drain(..) {
                set(results, candidate.slot, Err(error.clone()));
            }
            return None;
        }
    };

    loop {
        if candidates.is_empty() {
            return None;
        }
        let changed: HashMap<InvoiceId, &Invoice> = candidates
            .iter()
            .filter(|candidate| candidate.existing)
            .map(|candidate| (candidate.row.id, &candidate.row))
            .collect();
        let mut rows: Vec<Invoice> = before
            .invoices
            .iter()
            .map(|stored| (*changed.get(&stored.id).unwrap_or(&stored)).clone())
            .collect();
        rows.extend(
            candidates
                .iter()
                .filter(|candidate| !candidate.existing)
                .map(|candidate| candidate.row.clone()),
        );
        let entries = ledger_entries(&rows, &before.payments, &before.fees);

        let error = match ledger::compute(&entries, &settings, &before.context.rates, before.today)
        {
            Ok(state) => return Some(state),
            Err(error) => error,
        };
        let position = culprit(&error).and_then(|id| {
            candidates
                .iter()
                .position(|candidate| candidate.row.id == id)
        });
        let Some(position) = position else {
            let message = format!("the account's ledger rejects the change: {error}");
            for candidate in candidates.drain(..) {
                set(
                    results,
                    candidate.slot,
                    Err(ServiceError::unprocessable(
                        error.code(),
                        None,
                        message.clone(),
                    )),
                );
            }
            return None;
        };

        let rejected = candidates.remove(position);
        set(
            results,
            rejected.slot,
            Err(ledger_rejection(&error, &rejected)),
        );
        if !rejected.existing {
            candidates.retain(|candidate| {
                if candidate.row.corrects_invoice_id != Some(rejected.row.id) {
                    return true;
                }
                set(
                    results,
                    candidate.slot,
                    Err(credit_note_invalid(format!(
                        "credit note {:?} corrects invoice {:?}, which was rejected",
                        candidate.row.external_id, rejected.row.external_id
                    ))),
                );
                false
            });
        }
    }
}

fn set(
    results: &mut [Option<ServiceResult<Applied>>],
    slot: usize,
    result: ServiceResult<Applied>,
) {
    if let Some(place) = results.get_mut(slot) {
        *place = Some(result);
    }
}

/// Returns the document a ledger error is about, when it names a document.
fn culprit(error: &LedgerError) -> Option<InvoiceId> {
    let entry = match error {
        LedgerError::Interest { invoice, .. } => return Some(*invoice),
        LedgerError::UnknownInvoice { entry, .. }
        | LedgerError::CurrencyMismatch { entry, .. }
        | LedgerError::AmountNotPositive { entry, .. }
        | LedgerError::AmountNotRounded { entry, .. }
        | LedgerError::DuplicateEntry { entry }
        | LedgerError::Overflow { entry } => *entry,
    };
    match entry {
        EntryRef::Invoice(id) | EntryRef::CreditNote(id) | EntryRef::WriteOff(id) => Some(id),
        EntryRef::Payment(_) | EntryRef::Fee(_) => None,
    }
}

fn ledger_rejection(error: &LedgerError, rejected: &Candidate) -> ServiceError {
    let name = &rejected.row.external_id;
    match error {
        LedgerError::Interest { source, .. } => ServiceError::unprocessable(
            error.code(),
            Some("due_date".to_owned()),
            format!("penalty interest on {name:?} cannot be computed: {source}"),
        ),
        _ => ServiceError::unprocessable(
            error.code(),
            None,
            format!("{name:?} cannot be added to the account's ledger: {error}"),
        ),
    }
}

/// Writes the surviving candidates of every account: references generated from one counter
/// update, one upsert of all documents, one insert of all events, then each account's
/// settlements.
fn write(
    tx: &mut Tx<'_>,
    tenant_id: TenantId,
    staged: &mut [ServiceResult<Staged>],
    now: DateTime<Utc>,
) -> ServiceResult<()> {
    let generated = staged
        .iter()
        .flatten()
        .flat_map(|part| &part.candidates)
        .filter(|candidate| matches!(candidate.reference, ReferencePlan::Generate { .. }))
        .count();
    if generated > 0 {
        let count = u32::try_from(generated)
            .map_err(|_| ServiceError::internal("too many references to generate at once"))?;
        let mut base = tenants::next_reference_bases(tx, tenant_id, count)?;
        for candidate in staged
            .iter_mut()
            .flatten()
            .flat_map(|part| &mut part.candidates)
        {
            if let ReferencePlan::Generate { flagged } = candidate.reference {
                let reference =
                    FinnishReference::from_base(&base.to_string()).map_err(|error| {
                        ServiceError::internal(format!(
                            "cannot build a reference from base {base}: {error}"
                        ))
                    })?;
                candidate.row.reference = Some(reference.as_str().to_owned());
                candidate.row.reference_invalid = flagged;
                base += 1;
            }
        }
    }

    let upserts: Vec<InvoiceUpsert> = staged
        .iter()
        .flatten()
        .flat_map(|part| &part.candidates)
        .map(|candidate| upsert_of(&candidate.row, candidate.corrects_external_id.clone()))
        .collect();
    if upserts.is_empty() {
        return Ok(());
    }
    let mut ids = invoices::upsert_batch(tx, tenant_id, &upserts, now)?.into_iter();

    let mut events = Vec::with_capacity(upserts.len());
    let mut settlements = Vec::new();
    // The store keeps microseconds.
    let stored_now = now.trunc_subsecs(6);
    for part in staged.iter_mut().flatten() {
        if part.after.is_none() {
            continue;
        }
        let part_ids: Vec<InvoiceId> = ids.by_ref().take(part.candidates.len()).collect();
        let placeholders: HashMap<InvoiceId, InvoiceId> = part
            .candidates
            .iter()
            .zip(&part_ids)
            .map(|(candidate, id)| (candidate.row.id, *id))
            .collect();
        for (candidate, id) in part.candidates.iter().zip(&part_ids) {
            let mut written = candidate.row.clone();
            written.id = *id;
            written.corrects_invoice_id = written
                .corrects_invoice_id
                .map(|target| placeholders.get(&target).copied().unwrap_or(target));
            if !candidate.existing {
                written.created_at = stored_now;
            }
            written.updated_at = stored_now;
            part.written.push(written);
            let row = &candidate.row;
            let mut payload = event_payload(row, *id);
            let corrects = row
                .corrects_invoice_id
                .map(|target| placeholders.get(&target).copied().unwrap_or(target));
            if let (Some(corrects), Some(map)) = (corrects, payload.as_object_mut()) {
                map.insert("corrects_invoice_id".to_owned(), json!(corrects));
            }
            let (kind, outcome) = match &candidate.change {
                Change::Created => (EventType::InvoiceCreated, Outcome::Created),
                Change::Updated { changed } => {
                    if let Some(map) = payload.as_object_mut() {
                        map.insert("changed".to_owned(), json!(changed));
                    }
                    (EventType::InvoiceUpdated, Outcome::Updated)
                }
                Change::Cancelled => (EventType::InvoiceCancelled, Outcome::Updated),
            };
            events.push((kind, Some(row.account_id), Some(*id), payload));
            if row.reference_invalid && candidate.rejected_reference.is_some() {
                tracing::info!(
                    tenant.id = tenant_id.0,
                    account.id = row.account_id.0,
                    invoice.id = id.0,
                    "integrator's reference failed its check; a generated reference is used"
                );
            }
            set(
                &mut part.results,
                candidate.slot,
                Ok(Applied {
                    outcome,
                    invoice_id: *id,
                    reference_flagged: row.reference_invalid,
                }),
            );
        }
        settlements.push((part, placeholders));
    }

    emit_many(tx, tenant_id, events, now)?;

    for (part, placeholders) in settlements {
        let Some(after) = &part.after else {
            continue;
        };
        let settled = record_settlements(
            tx,
            tenant_id,
            part.before.context.account.id,
            &part.before.ledger,
            after,
            &part.before.invoices,
            &placeholders,
            now,
        )?;
        part.written.extend(settled);
    }
    Ok(())
}

/// Builds the store's upsert of a document.
fn upsert_of(row: &Invoice, corrects_external_id: Option<String>) -> InvoiceUpsert {
    InvoiceUpsert {
        external_id: row.external_id.clone(),
        account_id: row.account_id,
        kind: row.kind,
        number: row.number.clone(),
        issue_date: row.issue_date,
        sent_on: row.sent_on,
        due_date: row.due_date,
        amount: row.amount,
        reference: row.reference.clone(),
        reference_invalid: row.reference_invalid,
        seller_iban: row.seller_iban.clone(),
        seller_bic: row.seller_bic.clone(),
        status: row.status,
        corrects_external_id,
    }
}

/// Builds the payload of an invoice event: ids, amounts, dates and codes.
fn event_payload(row: &Invoice, id: InvoiceId) -> Value {
    json!({
        "invoice_id": id,
        "external_id": row.external_id,
        "kind": row.kind.as_str(),
        "status": row.status.as_str(),
        "amount": row.amount.amount().to_string(),
        "currency": row.amount.currency().code(),
        "issue_date": row.issue_date,
        "due_date": row.due_date,
        "reference": row.reference,
        "reference_flagged": row.reference_invalid,
    })
}
