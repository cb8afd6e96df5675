//! Running the planner for an account and carrying out its plan in the same transaction, one
//! account at a time ([`wake`]) or many of one tenant together ([`wake_many`]).
//!
//! A message that needs approval becomes a pending action. An email is composed from the ledger
//! and queued in the outbox. A letter or a task becomes a pending action for a person, whose
//! steps count as queued until the person marks it done. Skipped steps are recorded with their
//! reason. Afterwards the account's `next_action_at` is recomputed from the new state.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use vahti_api::EventType;
use vahti_domain::Money;
use vahti_domain::calendar::FinnishCalendar;
use vahti_domain::ids::{AccountId, InvoiceId, TenantId};
use vahti_domain::planner::{self, Channel, Plan, PlannedMessage, PlannedStep, SkipReason};
use vahti_domain::policy::{FeeKind as DomainFeeKind, StepInterest, StepKind};
use vahti_mail::model::{MessageInput, MessageKind, RenderModel};
use vahti_store::claims::{self, FeeKind, NewFeeClaim, NewInterestClaim};
use vahti_store::holds::{Promise, PromiseState};
use vahti_store::ids::StepId;
use vahti_store::invoices;
use vahti_store::outbox::{self, EncodedOutboxMessage, NewOutboxMessage, OutboxKind};
use vahti_store::pending::{self, NewPendingAction, PendingKind};
use vahti_store::steps::{self, NewStep, StepState};
use vahti_store::{Tx, accounts};

use super::Loaded;
use super::cases;
use super::context::AccountContext;
use super::events::{emit, emit_many};
use super::holds;
use super::messages::{self, Composition};
use crate::error::{ServiceError, ServiceResult};

/// What one wake-up of an account did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct WakeReport {
    /// Emails queued in the outbox.
    pub emails_queued: usize,
    /// Pending actions created: approvals, letters and tasks.
    pub pending_created: usize,
    /// Steps skipped.
    pub steps_skipped: usize,
    /// Steps that failed before they could be queued.
    pub steps_failed: usize,
    /// The account's next wake-up.
    pub next_action_at: Option<DateTime<Utc>>,
}

/// A step of a pending action, with the history row it holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingStep {
    /// The invoice.
    pub invoice: InvoiceId,
    /// The step history row.
    pub step_id: StepId,
}

/// The stored body of a pending action: the planned message and the steps it holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingPayload {
    /// The message as the planner produced it.
    pub message: PlannedMessage,
    /// The step history rows, one per planned step.
    pub steps: Vec<PendingStep>,
    /// The composed content, for letters that a person prints and sends.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<MessageInput>,
}

/// The stored body of an outbox email.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmailPayload {
    /// The account the email goes to.
    pub account: AccountId,
    /// The steps the email carries.
    pub steps: Vec<PendingStep>,
    /// The invoices the email lists.
    pub listed: Vec<InvoiceId>,
    /// The kind of message.
    pub kind: MessageKind,
    /// The new due date printed on the email.
    pub new_due_date: Option<chrono::NaiveDate>,
    /// A paragraph a person added when approving.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub free_text: Option<String>,
    /// The content as composed when the email was queued. The sender composes it again at send
    /// time from the ledger as it then stands.
    pub content: MessageInput,
}

/// Changes a person made when approving a pending action, or when asking for a message outside
/// the policy's steps.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Edits {
    /// Lower fees per invoice.
    pub fees: Vec<(InvoiceId, Money)>,
    /// A paragraph to add to the message.
    pub free_text: Option<String>,
    /// The earliest delivery time of an email, such as the next opening of the send window;
    /// at once when `None`.
    pub not_before: Option<DateTime<Utc>>,
}

/// Plans the account at `now` and carries out what is due. Promises and payment plans whose
/// time has passed are settled first, so that planning takes their outcome into account.
pub fn wake(
    tx: &mut Tx<'_>,
    account_id: AccountId,
    now: DateTime<Utc>,
) -> ServiceResult<WakeReport> {
    let mut loaded = Loaded::load(tx, account_id, now)?;
    let mut report = WakeReport::default();

    if loaded.context.tenant.disabled {
        accounts::set_next_action_at(tx, account_id, None)?;
        return Ok(report);
    }
    if holds::settle_expired(tx, &loaded)? {
        loaded = Loaded::load(tx, account_id, now)?;
    }

    let plan = plan_of(&loaded);
    for invoice in &plan.unplannable {
        tracing::warn!(
            tenant.id = loaded.context.tenant.id.0,
            account.id = account_id.0,
            invoice.id = invoice.0,
            "invoice dates lie outside the banking calendar's years; it is not escalated"
        );
    }

    record_skipped(tx, &loaded, &plan, &mut report)?;
    // Until a message is carried out, the account's rows differ from `loaded` only by the step
    // history rows recorded since, so the first message can be carried out on what was read.
    let mut fresh = true;
    for message in &plan.messages {
        carry_out(tx, &loaded, fresh, message, &mut report)?;
        fresh &= message.requires_approval;
    }

    report.next_action_at = refresh_next_action_in(tx, loaded.context, now)?;
    Ok(report)
}

/// Wakes many accounts of one tenant in this transaction and returns one report per account, in
/// the order given. Does what [`wake`] does for each, with the same rows, events and outbox
/// messages as a result.
///
/// One query per table reads the accounts. The common case is an account whose plan is at most
/// one email without fees or interest charges, with no open promise or active payment plan to
/// settle. All such accounts are carried out together: one statement per table (on SQLite a few
/// prepared ones) writes their emails, step history rows, events and next wake-ups. Every other account is woken alone by [`wake`] in the same transaction. An error
/// fails the whole call; the caller then wakes the accounts one at a time, so that one
/// account's error holds up no other.
pub fn wake_many(
    tx: &mut Tx<'_>,
    tenant: TenantId,
    account_ids: &[AccountId],
    now: DateTime<Utc>,
) -> ServiceResult<Vec<WakeReport>> {
    wake_many_preloaded(tx, tenant, account_ids, now, None).map(|(reports, _)| reports)
}

/// The use [`wake_many_preloaded`] made of the accounts read ahead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadAhead {
    /// None were read ahead.
    None,
    /// They were still current and were used.
    Used,
    /// A change to them, or one that declared no accounts, was committed since, so they were
    /// read again.
    ReadAgain,
}

/// Accounts of one tenant read and planned in a read transaction ahead of the write transaction
/// that wakes them, so that the reading and planning of the next accounts can run on another
/// core while the current ones are written.
pub struct Preloaded {
    accounts: Vec<AccountId>,
    /// The count of [`vahti_store::Store::write_commits`] taken before the rows were read.
    read_after: u64,
    read: Vec<Loaded>,
    prepared: Vec<Option<Prepared>>,
}

impl std::fmt::Debug for Preloaded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Preloaded")
            .field("accounts", &self.accounts.len())
            .field("read_after", &self.read_after)
            .finish_non_exhaustive()
    }
}

/// Reads and plans accounts for a later [`wake_many_preloaded`], in a read transaction on
/// SQLite.
///
/// `read_after` is the store's [`write_commits`](vahti_store::Store::write_commits) count taken
/// before this read transaction began. The rows read are used when every commit after it
/// declared that it changed none of these accounts ([`Tx::unchanged_since`]). Otherwise the
/// accounts are read again inside the write transaction.
pub fn preload(
    tx: &mut Tx<'_>,
    tenant: TenantId,
    account_ids: &[AccountId],
    now: DateTime<Utc>,
    read_after: u64,
) -> ServiceResult<Preloaded> {
    let (read, prepared) = read_and_prepare(tx, tenant, account_ids, now)?;
    Ok(Preloaded {
        accounts: account_ids.to_vec(),
        read_after,
        read,
        prepared,
    })
}

/// Does what [`wake_many`] does, on the rows of `preloaded` when they are still current: read
/// for the same accounts, with no commit since that could have changed them (see [`preload`]).
/// Otherwise, and on PostgreSQL, the accounts are read inside this transaction. Returns the
/// reports and what became of `preloaded`.
pub fn wake_many_preloaded(
    tx: &mut Tx<'_>,
    tenant: TenantId,
    account_ids: &[AccountId],
    now: DateTime<Utc>,
    preloaded: Option<Preloaded>,
) -> ServiceResult<(Vec<WakeReport>, ReadAhead)> {
    accounts::lock_many(tx, account_ids)?;
    if account_ids.len() > 1 {
        tx.plan_each_statement()?;
    }
    let ahead = match &preloaded {
        None => ReadAhead::None,
        Some(preloaded)
            if preloaded.accounts == account_ids
                && tx.unchanged_since(preloaded.read_after, account_ids) =>
        {
            ReadAhead::Used
        }
        Some(_) => {
            tracing::debug!(
                tenant.id = tenant.0,
                accounts = account_ids.len(),
                "accounts read ahead changed since; reading them again"
            );
            ReadAhead::ReadAgain
        }
    };
    let (read, prepared) = match preloaded {
        Some(preloaded) if ahead == ReadAhead::Used => (preloaded.read, preloaded.prepared),
        _ => read_and_prepare(tx, tenant, account_ids, now)?,
    };

    let mut reports = vec![WakeReport::default(); account_ids.len()];
    let mut together: Vec<Together> = Vec::with_capacity(account_ids.len());
    for (slot, (loaded, prepared)) in read.into_iter().zip(prepared).enumerate() {
        let id = loaded.context.account.id;
        match prepared {
            Some(prepared) => together.push(Together {
                slot,
                loaded,
                prepared,
            }),
            None => reports[slot] = wake(tx, id, now)?,
        }
    }
    carry_out_together(tx, tenant, &mut together, &mut reports, now)?;
    Ok((reports, ahead))
}

/// Reads the accounts with one query per table and plans each on the cores available.
fn read_and_prepare(
    tx: &mut Tx<'_>,
    tenant: TenantId,
    account_ids: &[AccountId],
    now: DateTime<Utc>,
) -> ServiceResult<(Vec<Loaded>, Vec<Option<Prepared>>)> {
    let read = Loaded::load_many(tx, tenant, account_ids, now)?;
    let mut promised: HashSet<AccountId> = HashSet::new();
    for promise in vahti_store::holds::promises_for_accounts(tx, account_ids)? {
        if promise.state == PromiseState::Open {
            promised.insert(promise.account_id);
        }
    }
    let read = read.into_iter().collect::<ServiceResult<Vec<Loaded>>>()?;
    let prepared = prepare_all(&read, &promised);
    Ok((read, prepared))
}

/// Accounts below which [`prepare_all`] plans on the calling thread alone.
const PREPARE_IN_PARALLEL_FROM: usize = 64;

/// Runs [`prepare`] for every account without an open promise, on as many threads as the
/// machine has cores (at most four) when there are many accounts. Planning and composing need
/// no database, so the other cores take their share while the transaction waits. The writes
/// that follow stay on the transaction's thread.
fn prepare_all(read: &[Loaded], promised: &HashSet<AccountId>) -> Vec<Option<Prepared>> {
    let prepare_one = |loaded: &Loaded| {
        if promised.contains(&loaded.context.account.id) {
            None
        } else {
            prepare(loaded)
        }
    };
    let threads = std::thread::available_parallelism()
        .map_or(1, std::num::NonZeroUsize::get)
        .min(4);
    if threads < 2 || read.len() < PREPARE_IN_PARALLEL_FROM {
        return read.iter().map(prepare_one).collect();
    }
    let share = read.len().div_ceil(threads);
    std::thread::scope(|scope| {
        let workers: Vec<_> = read
            .chunks(share)
            .map(|part| scope.spawn(move || part.iter().map(prepare_one).collect::<Vec<_>>()))
            .collect();
        workers
            .into_iter()
            .flat_map(|worker| match worker.join() {
                Ok(prepared) => prepared,
                Err(panic) => std::panic::resume_unwind(panic),
            })
            .collect()
    })
}

/// An account carried out with others in [`wake_many`].
struct Together {
    /// Its position in the call.
    slot: usize,
    /// The account as read, and after the writes, with its new step history rows.
    loaded: Loaded,
    /// The skipped steps and the email of its plan.
    prepared: Prepared,
}

/// The plan of an account that [`wake_many`] carries out with others.
struct Prepared {
    /// The steps skipped, with their reasons.
    skipped: Vec<planner::SkippedStep>,
    /// The email and its content, composed from the account as read.
    email: Option<(PlannedMessage, MessageInput)>,
}

/// Returns what the account's plan does when [`wake_many`] can carry it out with others: at most
/// one email, sent without approval, charging no fee and no interest, and no hand-over. The
/// account's promises are checked by the caller.
fn prepare(loaded: &Loaded) -> Option<Prepared> {
    if loaded.context.tenant.disabled || loaded.has_active_plan() {
        return None;
    }
    let plan = plan_of(loaded);
    if !plan.unplannable.is_empty() || plan.messages.len() > 1 {
        return None;
    }
    let email = match plan.messages.into_iter().next() {
        None => None,
        Some(message) => {
            let plain = !message.requires_approval
                && message.channel == Channel::Email
                && message.kind != StepKind::CollectionHandover
                && message.steps.iter().all(|step| {
                    step.interest != StepInterest::Charge
                        && step
                            .fee
                            .as_ref()
                            .is_none_or(|fee| !fee.amount.is_positive())
                });
            if !plain {
                return None;
            }
            // A message that cannot be composed fails its steps, which the single path records.
            messages::precheck(loaded, &message.listed_invoices, true).ok()?;
            let content = messages::compose(loaded, &composition_of(&message)).ok()?;
            RenderModel::check(&content).ok()?;
            Some((message, content))
        }
    };
    Some(Prepared {
        skipped: plan.skipped,
        email,
    })
}

/// Builds the composition of a planned message that a person has not edited.
fn composition_of(message: &PlannedMessage) -> Composition {
    Composition {
        kind: message_kind(message.kind),
        listed: message.listed_invoices.clone(),
        new_due_date: Some(message.new_due_date),
        self_service_url: None,
    }
}

/// Writes what the prepared accounts' plans do, one statement per table, then stores their next
/// wake-ups.
fn carry_out_together(
    tx: &mut Tx<'_>,
    tenant: TenantId,
    together: &mut [Together],
    reports: &mut [WakeReport],
    now: DateTime<Utc>,
) -> ServiceResult<()> {
    if together.is_empty() {
        return Ok(());
    }
    // Keys for every step history row first, so that each email names its steps and each step
    // its email when both are inserted. Within an account, skipped steps come first, as `wake`
    // records them.
    let count = together
        .iter()
        .map(|account| {
            account.prepared.skipped.len()
                + account
                    .prepared
                    .email
                    .as_ref()
                    .map_or(0, |(message, _)| message.steps.len())
        })
        .sum();
    let mut keys = steps::reserve_ids(tx, count)?.into_iter();
    let mut key = || {
        keys.next()
            .ok_or_else(|| ServiceError::internal("fewer step keys were reserved than asked for"))
    };

    let mut emails = Vec::new();
    let mut keyed = Vec::with_capacity(together.len());
    for account in together.iter() {
        let account_id = account.loaded.context.account.id;
        let skipped = account
            .prepared
            .skipped
            .iter()
            .map(|_| key())
            .collect::<ServiceResult<Vec<StepId>>>()?;
        let mut held = Vec::new();
        if let Some((message, content)) = &account.prepared.email {
            for planned in &message.steps {
                held.push(PendingStep {
                    invoice: planned.invoice,
                    step_id: key()?,
                });
            }
            let payload = EmailPayload {
                account: account_id,
                steps: held.clone(),
                listed: message.listed_invoices.clone(),
                kind: message_kind(message.kind),
                new_due_date: Some(message.new_due_date),
                free_text: None,
                content: content.clone(),
            };
            emails.push(EncodedOutboxMessage {
                kind: OutboxKind::Email,
                account_id: Some(account_id),
                message_id: email_id(tenant, account_id, &held),
                payload: serde_json::to_string(&payload).map_err(|error| {
                    ServiceError::internal(format!("cannot encode a stored payload: {error}"))
                })?,
                not_before: now,
            });
        }
        keyed.push((skipped, held));
    }
    let mut outbox_ids = outbox::enqueue_many(tx, tenant, emails, now)?.into_iter();

    // The rows, as `wake` leaves them: skipped ones with their reasons, queued ones in their
    // emails. Events in the order `wake` emits them.
    let mut new = Vec::with_capacity(count);
    let mut events = Vec::with_capacity(count);
    for (account, (skipped_keys, held)) in together.iter().zip(&keyed) {
        let loaded = &account.loaded;
        let context = &loaded.context;
        let account_id = context.account.id;
        for (skipped, id) in account.prepared.skipped.iter().zip(skipped_keys) {
            new.push((*id, skipped_step(loaded, skipped, now)?));
            events.push((
                EventType::StepSkipped,
                Some(account_id),
                Some(skipped.invoice),
                json!({"step": skipped.step_key, "step_id": id, "reason": skipped.reason}),
            ));
        }
        if let Some((message, _)) = &account.prepared.email {
            let outbox_id = outbox_ids
                .next()
                .ok_or_else(|| ServiceError::internal("an email has no outbox row"))?;
            for (planned, step) in message.steps.iter().zip(held) {
                let mut queued = new_step(loaded, planned, StepState::Queued)?;
                // As `steps::queue_in_outbox` leaves a step of the single path.
                queued.detail = None;
                queued.outbox_id = Some(outbox_id);
                new.push((step.step_id, queued));
                events.push((
                    EventType::StepQueued,
                    Some(account_id),
                    Some(step.invoice),
                    json!({"step_id": step.step_id, "outbox_id": outbox_id, "step_kind": message.kind.as_str()}),
                ));
            }
        }
    }
    let mut recorded = steps::record_reserved(tx, tenant, &new, now)?.into_iter();
    emit_many(tx, tenant, events, now)?;

    for (account, (skipped, held)) in together.iter_mut().zip(&keyed) {
        let report = &mut reports[account.slot];
        report.steps_skipped = skipped.len();
        report.emails_queued = usize::from(account.prepared.email.is_some());
        account
            .loaded
            .steps
            .extend(recorded.by_ref().take(skipped.len() + held.len()));
    }

    #[cfg(debug_assertions)]
    check_steps_as_stored(tx, together.iter().map(|account| &account.loaded))?;

    let accounts: Vec<&Loaded> = together.iter().map(|account| &account.loaded).collect();
    let next = refresh_next_actions_of(tx, &accounts, now)?;
    for (account, next_action_at) in together.iter().zip(next) {
        reports[account.slot].next_action_at = next_action_at;
    }
    Ok(())
}

/// Checks, in debug builds, that the step history kept in memory after [`wake_many`] wrote it
/// equals the rows as stored.
#[cfg(debug_assertions)]
fn check_steps_as_stored<'a>(
    tx: &mut Tx<'_>,
    accounts: impl Iterator<Item = &'a Loaded>,
) -> ServiceResult<()> {
    for loaded in accounts {
        let stored = steps::list_for_account_invoices(tx, loaded.context.account.id)?;
        assert_eq!(
            loaded.steps, stored,
            "step history of account {} kept after the wake-up differs from the one stored",
            loaded.context.account.id
        );
    }
    Ok(())
}

/// Returns the outbox message id of an email carrying `held`, unique per tenant.
fn email_id(tenant: TenantId, account_id: AccountId, held: &[PendingStep]) -> String {
    format!(
        "email:{tenant}:{account_id}:{}",
        held.iter()
            .map(|step| step.step_id.to_string())
            .collect::<Vec<_>>()
            .join("-")
    )
}

/// Recomputes and stores the account's next wake-up from its current state: `now` when a step is
/// due, otherwise the earlier of the planner's next wake-up and the next time a promise or
/// payment plan must be settled ([`holds::next_check_at`]). Payments and credit notes that
/// reached a handed-over invoice since the last call are forwarded to the collection agency
/// first.
pub fn refresh_next_action(
    tx: &mut Tx<'_>,
    account_id: AccountId,
    now: DateTime<Utc>,
) -> ServiceResult<Option<DateTime<Utc>>> {
    let context = AccountContext::load(tx, account_id)?;
    refresh_next_action_in(tx, context, now)
}

/// [`refresh_next_action`] with the account's context already loaded in this transaction. A
/// wake-up does not change the context (tenant, account, policy, reference rates), so only the
/// account's documents and history are read again.
pub(crate) fn refresh_next_action_in(
    tx: &mut Tx<'_>,
    context: AccountContext,
    now: DateTime<Utc>,
) -> ServiceResult<Option<DateTime<Utc>>> {
    let loaded = Loaded::with_context(tx, context, now)?;
    refresh_next_action_of(tx, &loaded, now)
}

/// [`refresh_next_action`] for an account read in this transaction since its last change.
pub(crate) fn refresh_next_action_of(
    tx: &mut Tx<'_>,
    loaded: &Loaded,
    now: DateTime<Utc>,
) -> ServiceResult<Option<DateTime<Utc>>> {
    let account_id = loaded.context.account.id;
    cases::forward_changes(tx, loaded, now)?;
    let promises = vahti_store::holds::promises_for_account(tx, account_id)?;
    let next = next_wake_up(loaded, &promises, now);
    accounts::set_next_action_at(tx, account_id, next)?;
    Ok(next)
}

/// Recomputes and stores the next wake-ups of many accounts, each read in this transaction
/// since its last change, as [`refresh_next_action_of`] does for one. Reads their collection
/// cases and their promises with one query each and returns the wake-ups in the order of
/// `loaded`.
pub(crate) fn refresh_next_actions_of(
    tx: &mut Tx<'_>,
    loaded: &[&Loaded],
    now: DateTime<Utc>,
) -> ServiceResult<Vec<Option<DateTime<Utc>>>> {
    if loaded.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<AccountId> = loaded
        .iter()
        .map(|account| account.context.account.id)
        .collect();
    let with_cases = vahti_store::cases::accounts_with_cases(tx, &ids)?;
    let mut promises: HashMap<AccountId, Vec<Promise>> = HashMap::new();
    for promise in vahti_store::holds::promises_for_accounts(tx, &ids)? {
        promises
            .entry(promise.account_id)
            .or_default()
            .push(promise);
    }
    let mut wake_ups = Vec::with_capacity(loaded.len());
    let mut changed = Vec::with_capacity(loaded.len());
    for account in loaded {
        let id = account.context.account.id;
        if with_cases.contains(&id) {
            cases::forward_changes(tx, account, now)?;
        }
        let of_account = promises.get(&id).map_or(&[][..], Vec::as_slice);
        let next = next_wake_up(account, of_account, now);
        // The account row was read in this transaction, so an equal time is stored already.
        if account.context.account.next_action_at != next {
            changed.push((id, next));
        }
        wake_ups.push(next);
    }
    if !changed.is_empty() {
        accounts::set_next_action_many(tx, &changed)?;
    }
    Ok(wake_ups)
}

/// Computes the account's next wake-up: `now` when a step is due, otherwise the earlier of the planner's
/// next wake-up and the next settlement check of its promises and plans. A disabled tenant's
/// accounts are not woken.
fn next_wake_up(
    loaded: &Loaded,
    promises: &[Promise],
    now: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    if loaded.context.tenant.disabled {
        return None;
    }
    let plan = plan_of(loaded);
    let planned = if plan.is_idle() {
        plan.next_wake_up
    } else {
        Some(now)
    };
    let check = holds::next_check_with(loaded, promises);
    planned.into_iter().chain(check).min()
}

/// Runs the planner on a loaded account.
pub fn plan_of(loaded: &Loaded) -> Plan {
    planner::plan(
        &loaded.planner_snapshot(),
        &loaded.context.policy,
        &FinnishCalendar,
        loaded.now,
    )
}

fn record_skipped(
    tx: &mut Tx<'_>,
    loaded: &Loaded,
    plan: &Plan,
    report: &mut WakeReport,
) -> ServiceResult<()> {
    let context = &loaded.context;
    for skipped in &plan.skipped {
        let recorded = steps::record(
            tx,
            context.tenant.id,
            &skipped_step(loaded, skipped, loaded.now)?,
            loaded.now,
        )?;
        emit(
            tx,
            context.tenant.id,
            EventType::StepSkipped,
            Some(context.account.id),
            Some(skipped.invoice),
            json!({"step": skipped.step_key, "step_id": recorded.id, "reason": skipped.reason}),
            loaded.now,
        )?;
        report.steps_skipped += 1;
    }
    Ok(())
}

fn carry_out(
    tx: &mut Tx<'_>,
    loaded: &Loaded,
    fresh: bool,
    message: &PlannedMessage,
    report: &mut WakeReport,
) -> ServiceResult<()> {
    if message.requires_approval {
        let state = StepState::PendingApproval;
        let held = record_steps(tx, loaded, message, state)?;
        let kind = pending_kind(message.channel);
        let action = pending::create(
            tx,
            loaded.context.tenant.id,
            &NewPendingAction {
                account_id: loaded.context.account.id,
                kind,
                action: to_json(&PendingPayload {
                    message: message.clone(),
                    steps: held,
                    content: None,
                })?,
            },
            loaded.now,
        )?;
        emit(
            tx,
            loaded.context.tenant.id,
            EventType::ApprovalNeeded,
            Some(loaded.context.account.id),
            None,
            json!({
                "pending_action": action.id,
                "kind": kind.as_str(),
                "step_kind": message.kind.as_str(),
                "invoices": message.steps.iter().map(|step| step.invoice).collect::<Vec<_>>(),
                "invoice_external_ids": message
                    .steps
                    .iter()
                    .filter_map(|step| loaded.invoice(step.invoice))
                    .map(|invoice| invoice.external_id.clone())
                    .collect::<Vec<_>>(),
            }),
            loaded.now,
        )?;
        report.pending_created += 1;
        return Ok(());
    }

    let held = record_steps(tx, loaded, message, StepState::Queued)?;
    match execute_in(
        tx,
        &loaded.context,
        fresh.then_some(loaded),
        message,
        &held,
        &Edits::default(),
        loaded.now,
    ) {
        Ok(Executed::Email) => report.emails_queued += 1,
        Ok(Executed::Pending) => report.pending_created += 1,
        Err(error) if is_content_error(&error) => {
            fail_steps(tx, loaded, &held, &error)?;
            report.steps_failed += held.len();
        }
        Err(error) => return Err(error),
    }
    Ok(())
}

/// What carrying out a message produced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Executed {
    /// An email in the outbox.
    Email,
    /// A letter or task for a person.
    Pending,
}

/// Carries out a planned message whose steps are recorded as queued: charges its fees, starts
/// claiming interest where a step says so, and queues the email or creates the letter or task.
///
/// A hand-over checks its preconditions before anything is charged and fails with an
/// unprocessable error when they do not hold (see [`cases::check_handover`]); otherwise it opens
/// the collection case, and the notice names the agency.
pub fn execute(
    tx: &mut Tx<'_>,
    account_id: AccountId,
    message: &PlannedMessage,
    held: &[PendingStep],
    edits: &Edits,
    now: DateTime<Utc>,
) -> ServiceResult<Executed> {
    let context = AccountContext::load(tx, account_id)?;
    execute_in(tx, &context, None, message, held, edits, now)
}

/// [`execute`] with the account's context already loaded in this transaction.
///
/// `read` is the account as read at `now` in this transaction, when nothing but the step
/// history rows of `held` was written since. Without it, or for a hand-over, which checks the
/// step history, the account is read again. It is read once more after fees or interest are
/// charged, so that the message shows them.
fn execute_in(
    tx: &mut Tx<'_>,
    context: &AccountContext,
    read: Option<&Loaded>,
    message: &PlannedMessage,
    held: &[PendingStep],
    edits: &Edits,
    now: DateTime<Utc>,
) -> ServiceResult<Executed> {
    let account_id = context.account.id;
    let read_again;
    let before = match read {
        Some(loaded) if message.kind != StepKind::CollectionHandover && loaded.now == now => loaded,
        _ => {
            read_again = Loaded::with_context(tx, context.clone(), now)?;
            &read_again
        }
    };
    let tenant = before.context.tenant.id;
    let mut claims_changed = false;
    if message.channel == Channel::Email {
        messages::precheck(before, &message.listed_invoices, true)?;
    }
    let partner = if message.kind == StepKind::CollectionHandover {
        Some(cases::check_handover(tx, before, message)?)
    } else {
        None
    };

    for planned in &message.steps {
        let Some(step_id) = held
            .iter()
            .find(|held| held.invoice == planned.invoice)
            .map(|held| held.step_id)
        else {
            continue;
        };

        if let Some(fee) = &planned.fee {
            let amount = edits
                .fees
                .iter()
                .find(|(invoice, _)| *invoice == planned.invoice)
                .map_or(fee.amount, |(_, lowered)| *lowered);
            if amount.is_positive() {
                let charged = claims::charge_fee(
                    tx,
                    tenant,
                    &NewFeeClaim {
                        invoice_id: planned.invoice,
                        step_id: Some(step_id),
                        kind: store_fee_kind(fee.kind),
                        amount,
                        charged_on: before.today,
                    },
                    now,
                )?;
                emit(
                    tx,
                    tenant,
                    EventType::FeeCharged,
                    Some(account_id),
                    Some(planned.invoice),
                    json!({"fee_id": charged.id, "amount": amount.amount().to_string(), "currency": amount.currency(), "step": planned.step_key}),
                    now,
                )?;
                claims_changed = true;
            }
        }

        if planned.interest == StepInterest::Charge {
            claims_changed |= claim_interest(tx, before, planned.invoice, now)?;
        }
    }

    let agency = match &partner {
        Some(partner) => Some(cases::hand_over(tx, account_id, held, partner, now)?),
        None => None,
    };

    let charged_again;
    let loaded = if claims_changed || agency.is_some() {
        charged_again = Loaded::with_context(tx, context.clone(), now)?;
        &charged_again
    } else {
        before
    };
    let composition = composition_of(message);

    match message.channel {
        Channel::Email => {
            let mut content = messages::compose(loaded, &composition)?;
            content.agency.clone_from(&agency);
            RenderModel::check(&content).map_err(|error| {
                ServiceError::unprocessable(
                    vahti_domain::ErrorCode::code(&error),
                    None,
                    format!("the message cannot be composed: {error}"),
                )
            })?;
            let payload = EmailPayload {
                account: account_id,
                steps: held.to_vec(),
                listed: message.listed_invoices.clone(),
                kind: composition.kind,
                new_due_date: composition.new_due_date,
                free_text: edits.free_text.clone(),
                content,
            };
            let logical_id = email_id(tenant, account_id, held);
            let row = outbox::enqueue(
                tx,
                tenant,
                &NewOutboxMessage {
                    kind: OutboxKind::Email,
                    account_id: Some(account_id),
                    message_id: logical_id,
                    payload: to_json(&payload)?,
                    not_before: edits.not_before.map_or(now, |at| at.max(now)),
                },
                now,
            )?;
            let ids: Vec<StepId> = held.iter().map(|step| step.step_id).collect();
            steps::queue_in_outbox(tx, &ids, row.id, now)?;
            let queued = held
                .iter()
                .map(|step| {
                    (
                        EventType::StepQueued,
                        Some(account_id),
                        Some(step.invoice),
                        json!({"step_id": step.step_id, "outbox_id": row.id, "step_kind": message.kind.as_str()}),
                    )
                })
                .collect();
            emit_many(tx, tenant, queued, now)?;
            Ok(Executed::Email)
        }
        Channel::Letter | Channel::Task => {
            let content = match message.channel {
                Channel::Letter => {
                    messages::compose(loaded, &composition)
                        .ok()
                        .map(|mut content| {
                            content.agency.clone_from(&agency);
                            content
                        })
                }
                _ => None,
            };
            let kind = pending_kind(message.channel);
            let action = pending::create(
                tx,
                tenant,
                &NewPendingAction {
                    account_id,
                    kind,
                    action: to_json(&PendingPayload {
                        message: message.clone(),
                        steps: held.to_vec(),
                        content,
                    })?,
                },
                now,
            )?;
            emit(
                tx,
                tenant,
                EventType::ManualTaskCreated,
                Some(account_id),
                None,
                json!({"pending_action": action.id, "kind": kind.as_str(), "step_kind": message.kind.as_str()}),
                now,
            )?;
            Ok(Executed::Pending)
        }
    }
}

/// Records one history row per planned step, in one statement, and returns them.
fn record_steps(
    tx: &mut Tx<'_>,
    loaded: &Loaded,
    message: &PlannedMessage,
    state: StepState,
) -> ServiceResult<Vec<PendingStep>> {
    let context = &loaded.context;
    let new = message
        .steps
        .iter()
        .map(|planned| new_step(loaded, planned, state))
        .collect::<ServiceResult<Vec<_>>>()?;
    let recorded = steps::record_many(tx, context.tenant.id, &new, loaded.now)?;
    Ok(recorded
        .into_iter()
        .map(|step| PendingStep {
            invoice: step.invoice_id,
            step_id: step.id,
        })
        .collect())
}

/// Builds the history row of a planned step, not yet in an outbox message.
fn new_step(loaded: &Loaded, planned: &PlannedStep, state: StepState) -> ServiceResult<NewStep> {
    let context = &loaded.context;
    Ok(NewStep {
        account_id: context.account.id,
        invoice_id: planned.invoice,
        policy_version_id: context.policy_version,
        step_index: index_i32(planned.step_index),
        step_key: planned.step_key.clone(),
        step_kind: planned.kind.as_str().to_owned(),
        due_at: planned.due_at,
        executed_at: None,
        state,
        detail: planned
            .fee_waiver
            .map(|waiver| format!("fee waived: {}", waiver_text(waiver))),
        balance: invoice_balance(loaded, planned.invoice)?,
        outbox_id: None,
    })
}

/// Builds the history row of a skipped step, with its reason, executed at `now`.
fn skipped_step(
    loaded: &Loaded,
    skipped: &planner::SkippedStep,
    now: DateTime<Utc>,
) -> ServiceResult<NewStep> {
    let context = &loaded.context;
    let step = &context.policy.steps[skipped.step_index];
    Ok(NewStep {
        account_id: context.account.id,
        invoice_id: skipped.invoice,
        policy_version_id: context.policy_version,
        step_index: index_i32(skipped.step_index),
        step_key: skipped.step_key.clone(),
        step_kind: step.kind.as_str().to_owned(),
        due_at: skipped.due_at,
        executed_at: Some(now),
        state: StepState::Skipped,
        detail: Some(skip_text(skipped.reason).to_owned()),
        balance: invoice_balance(loaded, skipped.invoice)?,
        outbox_id: None,
    })
}

/// Returns the recorded reason of a skipped step.
fn skip_text(reason: SkipReason) -> &'static str {
    match reason {
        SkipReason::CatchUp => "missed during downtime; the policy jumps to the latest step",
        SkipReason::HandoverPreconditions => {
            "hand-over not allowed: no reminder was sent to this consumer"
        }
    }
}

fn fail_steps(
    tx: &mut Tx<'_>,
    loaded: &Loaded,
    held: &[PendingStep],
    error: &ServiceError,
) -> ServiceResult<()> {
    let context = &loaded.context;
    tracing::warn!(
        tenant.id = context.tenant.id.0,
        account.id = context.account.id.0,
        code = error.code(),
        error = %error,
        "message could not be composed; its steps failed"
    );
    for step in held {
        steps::update_state(
            tx,
            step.step_id,
            StepState::Failed,
            Some(error.message()),
            None,
            Some(loaded.now),
            loaded.now,
        )?;
        emit(
            tx,
            context.tenant.id,
            EventType::StepFailed,
            Some(context.account.id),
            Some(step.invoice),
            json!({"step_id": step.step_id, "code": error.code(), "reason": error.message()}),
            loaded.now,
        )?;
    }
    Ok(())
}

/// Starts claiming interest on an invoice from today and returns whether it did; an invoice
/// that already claims interest is left as it is.
fn claim_interest(
    tx: &mut Tx<'_>,
    loaded: &Loaded,
    invoice_id: InvoiceId,
    now: DateTime<Utc>,
) -> ServiceResult<bool> {
    let Some(invoice) = loaded.invoice(invoice_id) else {
        return Ok(false);
    };
    if invoice.interest_claimed_from.is_some() {
        return Ok(false);
    }
    let mut state = invoice.collection_state();
    state.interest_claimed_from = Some(loaded.today);
    invoices::update_collection(tx, invoice_id, &state, now)?;
    claims::claim_interest(
        tx,
        loaded.context.tenant.id,
        &NewInterestClaim {
            invoice_id,
            claimed_from: loaded.today,
            contractual_rate: loaded.context.policy.interest.contractual_rate,
        },
        now,
    )?;
    Ok(true)
}

fn invoice_balance(loaded: &Loaded, invoice: InvoiceId) -> ServiceResult<Money> {
    loaded
        .balance(invoice)
        .map(|balance| balance.total_outstanding)
        .ok_or_else(|| {
            ServiceError::internal(format!("invoice {invoice} is missing from the ledger"))
        })
}

fn index_i32(index: usize) -> i32 {
    i32::try_from(index).unwrap_or(i32::MAX)
}

fn pending_kind(channel: Channel) -> PendingKind {
    match channel {
        Channel::Email => PendingKind::Message,
        Channel::Letter => PendingKind::Letter,
        Channel::Task => PendingKind::Task,
    }
}

/// The message kind of a step kind.
pub fn message_kind(kind: StepKind) -> MessageKind {
    match kind {
        StepKind::FriendlyReminder => MessageKind::FriendlyReminder,
        StepKind::Reminder | StepKind::ManualTask => MessageKind::Reminder,
        StepKind::FinalDemand => MessageKind::FinalDemand,
        StepKind::CollectionHandover => MessageKind::CollectionHandover,
    }
}

fn store_fee_kind(kind: DomainFeeKind) -> FeeKind {
    match kind {
        DomainFeeKind::ReminderFee => FeeKind::ReminderFee,
        DomainFeeKind::StandardCompensation => FeeKind::StandardCompensation,
    }
}

fn waiver_text(waiver: planner::FeeWaiver) -> &'static str {
    match waiver {
        planner::FeeWaiver::InvoiceSentLate => {
            "the invoice was sent less than 14 days before its due date"
        }
        planner::FeeWaiver::MaxFeeRemindersReached => {
            "the maximum number of fee-bearing steps was reached"
        }
        planner::FeeWaiver::CompensationAlreadyCharged => {
            "the standard compensation was charged before"
        }
    }
}

/// Whether an error is about the content of one message (missing creditor details, no email
/// address), which fails that message's steps, rather than a failure of the whole run.
pub fn is_content_error(error: &ServiceError) -> bool {
    error.class() == crate::error::ErrorClass::Unprocessable
}

fn to_json<T: Serialize>(value: &T) -> ServiceResult<serde_json::Value> {
    serde_json::to_value(value)
        .map_err(|error| ServiceError::internal(format!("cannot encode a stored payload: {error}")))
}
