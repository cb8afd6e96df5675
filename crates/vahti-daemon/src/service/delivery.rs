//! The account side of delivering an outbox email: the re-check at send time and the recording
//! of the outcome. The sender loop calls these on the account's actor around the SMTP call.

use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::json;
use vahti_api::EventType;
use vahti_domain::ids::{AccountId, InvoiceId};
use vahti_domain::planner::InvoiceStatus;
use vahti_mail::SenderIdentity;
use vahti_mail::model::{MessageInput, MessageKind, RenderModel};
use vahti_mail::overrides::{FreeParagraph, TemplateOverride, TemplateOverrides};
use vahti_store::accounts::{self, AccountState};
use vahti_store::ids::OutboxId;
use vahti_store::outbox::{self, OutboxMessage, OutboxState};
use vahti_store::pending::{self, NewPendingAction, PendingKind};
use vahti_store::steps::{self, StepState};
use vahti_store::{Tx, claims, invoices};

use super::Loaded;
use super::context::AccountContext;
use super::events::emit;
use super::messages::{self, Composition};
use super::selfservice::{self, LinkSettings, PendingLink};
use super::wake::{EmailPayload, PendingStep, refresh_next_action, refresh_next_action_in};
use crate::error::{ServiceError, ServiceResult};

/// An email ready to send, composed again from the ledger at send time.
#[derive(Debug, Clone)]
pub struct ReadyEmail {
    /// The content, with the self-service link when the account's policy offers the page.
    pub content: MessageInput,
    /// The self-service link in the content when a read-only [`prepare`] composed it: its URL is
    /// in the message, and [`record_sent`] stores it with the outcome. A write transaction
    /// stores the link at once and leaves this empty.
    pub link: Option<PendingLink>,
    /// Template overrides for this message, such as an approver's added paragraph.
    pub overrides: TemplateOverrides,
    /// The tenant's sender identity.
    pub sender: SenderIdentity,
    /// The `Date` of the message: when the outbox row was written.
    pub date: DateTime<Utc>,
}

/// Validates the content of a [`ReadyEmail`].
///
/// # Errors
///
/// Unprocessable when the content fails the checks of [`RenderModel::new`].
pub fn render_model(content: MessageInput) -> ServiceResult<RenderModel> {
    RenderModel::new(content).map_err(|error| {
        ServiceError::unprocessable(
            vahti_domain::ErrorCode::code(&error),
            None,
            format!("the message cannot be composed: {error}"),
        )
    })
}

/// Whether [`prepare`] may write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// A read-only transaction: when steps must be cancelled or the row withdrawn, [`prepare`]
    /// returns [`Prepared::NeedsWrites`] instead, and it leaves storing the self-service link to
    /// [`record_sent`].
    ReadOnly,
    /// A write transaction: [`prepare`] records everything it decides.
    ReadWrite,
}

/// What the re-check at send time decided.
#[derive(Debug, Clone)]
pub enum Prepared {
    /// Send this email.
    Send(Box<ReadyEmail>),
    /// Every invoice of the email was settled, disputed or paused since it was queued: the row is
    /// cancelled and nothing is sent.
    Cancelled,
    /// Only with [`Access::ReadOnly`]: steps must be cancelled or the row withdrawn, so
    /// [`prepare`] must run again in a write transaction. Nothing was written.
    NeedsWrites,
}

/// Reads the account of an outbox email from its payload.
pub fn account_of(row: &OutboxMessage) -> ServiceResult<AccountId> {
    payload_part::<Recipient>(row).map(|recipient| recipient.account)
}

/// The account of an outbox email, read without the rest of its payload.
#[derive(Deserialize)]
struct Recipient {
    account: AccountId,
}

/// The parts of an outbox email's payload that recording its outcome needs, read without the
/// composed content, the largest part.
#[derive(Deserialize)]
struct Outcome {
    account: AccountId,
    steps: Vec<PendingStep>,
    listed: Vec<InvoiceId>,
}

/// Reads `T` from the payload of an email row without copying the parsed JSON.
fn payload_part<T: serde::de::DeserializeOwned>(row: &OutboxMessage) -> ServiceResult<T> {
    T::deserialize(&row.payload).map_err(|error| {
        ServiceError::internal(format!(
            "outbox row {} has an unreadable payload: {error}",
            row.id
        ))
    })
}

/// Re-checks a claimed email against the account's current state and composes it again.
///
/// Steps whose invoice was paid, credited, disputed, paused or put in a payment plan since the
/// email was queued are skipped, their fees waived and an `email_cancelled` event recorded. When
/// none is left, the outbox row is cancelled. An email without steps, such as a payment plan
/// confirmation, is cancelled when none of its invoices is still due. `row` is the outbox row as
/// the sender claimed it.
pub fn prepare(
    tx: &mut Tx<'_>,
    row: &OutboxMessage,
    worker: &str,
    mail_domain: &str,
    links: &LinkSettings,
    now: DateTime<Utc>,
    access: Access,
) -> ServiceResult<Prepared> {
    let payload: EmailPayload = payload_part(row)?;
    let loaded = Loaded::load(tx, payload.account, now)?;
    let context = &loaded.context;
    let snapshot = loaded.planner_snapshot();

    let confirmation = payload.kind == MessageKind::PaymentPlanConfirmation;
    let still_due = |invoice: InvoiceId| -> Option<&'static str> {
        let Some(state) = snapshot
            .invoices
            .iter()
            .find(|candidate| candidate.id == invoice)
        else {
            return Some("the invoice no longer exists");
        };
        if payload.kind == MessageKind::CollectionHandover {
            return None;
        }
        if confirmation {
            return (!state.in_payment_plan).then_some("the payment plan is no longer active");
        }
        if state.status != InvoiceStatus::Open || !state.total_outstanding.is_positive() {
            Some("the invoice was settled")
        } else if state.disputed {
            Some("the invoice is disputed")
        } else if state.in_payment_plan {
            Some("the invoice is in a payment plan")
        } else if state
            .paused_until
            .is_some_and(|until| until >= loaded.today)
            || snapshot
                .paused_until
                .is_some_and(|until| until >= loaded.today)
        {
            Some("collection is paused")
        } else if state
            .promised_until
            .is_some_and(|until| until >= loaded.today)
        {
            Some("the debtor promised to pay")
        } else {
            None
        }
    };

    // The withdrawal below writes, so a read-only check stops where it would begin.
    let read_only = access == Access::ReadOnly;
    if read_only {
        let must_withdraw = if payload.steps.is_empty() {
            payload
                .listed
                .iter()
                .all(|invoice| still_due(*invoice).is_some())
        } else {
            payload
                .steps
                .iter()
                .any(|step| still_due(step.invoice).is_some())
        };
        if must_withdraw {
            return Ok(Prepared::NeedsWrites);
        }
    }

    let mut kept: Vec<PendingStep> = Vec::new();
    for step in &payload.steps {
        match still_due(step.invoice) {
            None => kept.push(step.clone()),
            Some(reason) => cancel_step(tx, &loaded, step, row.id, reason)?,
        }
    }

    // An email without steps, such as a payment plan confirmation, is withdrawn when none of
    // its invoices is still due.
    let nothing_left = if payload.steps.is_empty() {
        let reason = payload
            .listed
            .iter()
            .find_map(|invoice| still_due(*invoice));
        let withdrawn = payload
            .listed
            .iter()
            .all(|invoice| still_due(*invoice).is_some());
        if withdrawn {
            emit(
                tx,
                context.tenant.id,
                EventType::EmailCancelled,
                Some(context.account.id),
                None,
                json!({"outbox_id": row.id, "reason": reason.unwrap_or("nothing is due")}),
                now,
            )?;
        }
        withdrawn
    } else {
        kept.is_empty()
    };
    if nothing_left {
        outbox::cancel_claimed(
            tx,
            row.id,
            worker,
            "every invoice was settled or put on hold",
            now,
        )?;
        refresh_next_action(tx, payload.account, now)?;
        return Ok(Prepared::Cancelled);
    }

    let listed: Vec<InvoiceId> = payload
        .listed
        .iter()
        .copied()
        .filter(|invoice| still_due(*invoice).is_none())
        .collect();
    // The link is issued now rather than when the email was queued, so that its token is
    // never stored in the outbox. A read-only check only generates it. The write that records
    // the email as sent stores it, so the email needs no write of its own before it is sent.
    let (self_service_url, link) = if !context.policy.self_service.enabled {
        (None, None)
    } else if read_only {
        let (pending, url) = PendingLink::generate(links, now)?;
        (Some(url), Some(pending))
    } else {
        (
            selfservice::link_for_message(tx, &loaded, links, now)?,
            None,
        )
    };
    // A plan confirmation states the instalments agreed when it was queued, so it is sent as
    // composed then; every other email is composed again from the ledger as of now.
    let content = if confirmation {
        let mut content = payload.content.clone();
        content.dispute.self_service_url = self_service_url;
        content
    } else {
        let mut content = messages::compose(
            &loaded,
            &Composition {
                kind: payload.kind,
                listed,
                new_due_date: payload.new_due_date,
                self_service_url,
            },
        )?;
        // The agency of a hand-over notice is the one the case went to, not the current partner.
        content.agency.clone_from(&payload.content.agency);
        content
    };

    let mut overrides = TemplateOverrides::new();
    if let Some(text) = &payload.free_text {
        let paragraph = FreeParagraph::parse(text).map_err(|error| {
            ServiceError::invalid(
                "free_text_invalid",
                Some("free_text".to_owned()),
                error.to_string(),
            )
        })?;
        overrides.set(
            payload.kind,
            messages::mail_locale(context.account.locale),
            TemplateOverride {
                subject: None,
                paragraph: Some(paragraph),
            },
        );
    }

    let creditor = &context.tenant.creditor;
    let sender = SenderIdentity {
        from_name: creditor.legal_name.clone(),
        from_address: creditor
            .mail_from
            .clone()
            .unwrap_or_else(|| format!("noreply@{mail_domain}")),
        reply_to: creditor
            .mail_reply_to
            .clone()
            .or_else(|| creditor.contact_email.clone()),
        bcc: creditor.mail_bcc.clone(),
        mail_domain: mail_domain.to_owned(),
    };

    let ready = ReadyEmail {
        content,
        link,
        overrides,
        sender,
        date: row.created_at,
    };
    Ok(Prepared::Send(Box::new(ready)))
}

fn cancel_step(
    tx: &mut Tx<'_>,
    loaded: &Loaded,
    step: &PendingStep,
    outbox_id: OutboxId,
    reason: &str,
) -> ServiceResult<()> {
    let context = &loaded.context;
    let detail = format!("cancelled before sending: {reason}");
    steps::update_state(
        tx,
        step.step_id,
        StepState::Skipped,
        Some(&detail),
        Some(outbox_id),
        Some(loaded.now),
        loaded.now,
    )?;
    for fee in loaded
        .fees
        .iter()
        .filter(|fee| fee.step_id == Some(step.step_id) && fee.waived_at.is_none())
    {
        claims::waive_fee(tx, fee.id, loaded.now)?;
        emit(
            tx,
            context.tenant.id,
            EventType::FeeWaived,
            Some(context.account.id),
            Some(step.invoice),
            json!({"fee_id": fee.id, "reason": "email cancelled before sending"}),
            loaded.now,
        )?;
    }
    emit(
        tx,
        context.tenant.id,
        EventType::EmailCancelled,
        Some(context.account.id),
        Some(step.invoice),
        json!({"step_id": step.step_id, "outbox_id": outbox_id, "reason": reason}),
        loaded.now,
    )?;
    Ok(())
}

/// Records a delivered email: the row is sent, its steps are sent, the self-service link it
/// carries is stored, the account's last contact is now, and the next wake-up is recomputed.
///
/// When this fails after the email was sent, the link in it opens nothing. The row's claim then
/// runs out and the email is sent again with a new link.
pub fn record_sent(
    tx: &mut Tx<'_>,
    row: &OutboxMessage,
    worker: &str,
    total: Option<vahti_domain::Money>,
    message_id: &str,
    link: Option<&PendingLink>,
    now: DateTime<Utc>,
) -> ServiceResult<()> {
    let outbox_id = row.id;
    outbox::mark_sent(tx, outbox_id, worker, now)?;
    let payload: Outcome = payload_part(row)?;
    touches_only_accounts_of(tx, row.account_id, payload.account);
    // The context is read once: the next wake-up below needs it with the account as updated.
    let mut context = AccountContext::load(tx, payload.account)?;
    let account = &context.account;
    if let Some(link) = link {
        link.store(tx, account.tenant_id, account.id, now)?;
    }
    // The email lists these invoices, which may be more than those whose steps it carries.
    let listed = payload
        .listed
        .iter()
        .map(|id| invoices::get(tx, *id).map(|invoice| invoice.external_id))
        .collect::<Result<Vec<_>, _>>()?;

    for step in &payload.steps {
        let current = steps::get(tx, step.step_id)?;
        if current.state != StepState::Queued {
            continue;
        }
        steps::update_state(
            tx,
            step.step_id,
            StepState::Sent,
            None,
            Some(outbox_id),
            Some(now),
            now,
        )?;
        emit(
            tx,
            account.tenant_id,
            EventType::StepSent,
            Some(account.id),
            Some(step.invoice),
            json!({
                "step_id": step.step_id,
                "outbox_id": outbox_id,
                "step_kind": current.step_kind,
                "message_id": message_id,
                "invoice_external_ids": listed,
                "total": total.map(|total| total.amount().to_string()),
                "currency": total.map(|total| total.currency()),
            }),
            now,
        )?;
    }

    context.account = accounts::update_state(
        tx,
        account.id,
        account.version,
        &AccountState {
            paused_until: account.paused_until,
            pause_reason: account.pause_reason.clone(),
            last_contact_at: Some(now),
        },
        now,
    )?;
    refresh_next_action_in(tx, context, now)?;
    Ok(())
}

/// Declares that recording an email's outcome changes rows of its account alone, so that the
/// scheduler's accounts read ahead of their transaction stay current (see
/// [`Tx::touches_only`]).
fn touches_only_accounts_of(tx: &mut Tx<'_>, row: Option<AccountId>, payload: AccountId) {
    tx.touches_only(&[payload]);
    if let Some(row) = row {
        tx.touches_only(&[row]);
    }
}

/// Records a failed delivery attempt. With `retry_at` the row waits for another attempt;
/// without it the email failed for good, its steps fail (which blocks escalation of those
/// invoices until a person acts), and with `manual_task` a task is created for a person.
pub fn record_failure(
    tx: &mut Tx<'_>,
    outbox_id: OutboxId,
    worker: &str,
    error: &str,
    retry_at: Option<DateTime<Utc>>,
    manual_task: bool,
    now: DateTime<Utc>,
) -> ServiceResult<()> {
    let row = outbox::fail(tx, outbox_id, worker, error, retry_at, now)?;
    if row.state != OutboxState::Failed {
        if let Some(account) = row.account_id {
            tx.touches_only(&[account]);
        }
        return Ok(());
    }

    let payload: Outcome = payload_part(&row)?;
    touches_only_accounts_of(tx, row.account_id, payload.account);
    let account = accounts::get(tx, payload.account)?;
    for step in &payload.steps {
        steps::update_state(
            tx,
            step.step_id,
            StepState::Failed,
            Some(error),
            Some(outbox_id),
            Some(now),
            now,
        )?;
        emit(
            tx,
            account.tenant_id,
            EventType::StepFailed,
            Some(account.id),
            Some(step.invoice),
            json!({"step_id": step.step_id, "outbox_id": outbox_id, "reason": error}),
            now,
        )?;
    }

    if manual_task {
        let action = pending::create(
            tx,
            account.tenant_id,
            &NewPendingAction {
                account_id: account.id,
                kind: PendingKind::Task,
                action: json!({
                    "task": "delivery_failed",
                    "outbox_id": outbox_id,
                    "steps": payload.steps,
                    "error": error,
                }),
            },
            now,
        )?;
        emit(
            tx,
            account.tenant_id,
            EventType::ManualTaskCreated,
            Some(account.id),
            None,
            json!({"pending_action": action.id, "kind": "task", "task": "delivery_failed"}),
            now,
        )?;
    }
    refresh_next_action(tx, account.id, now)?;
    Ok(())
}
