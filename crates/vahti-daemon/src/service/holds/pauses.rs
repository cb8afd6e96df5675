//! Pauses of collection of a whole account or of one invoice.

use chrono::{DateTime, NaiveDate, Utc};
use serde_json::json;
use vahti_api::EventType;
use vahti_domain::ids::AccountId;
use vahti_store::Tx;
use vahti_store::accounts::{self, AccountState};
use vahti_store::holds::{self, Pause};
use vahti_store::invoices::{self};

use super::{Changed, finish, invoice_in, not_before_today, required_text};
use crate::error::ServiceResult;
use crate::service::Loaded;
use crate::service::events::emit;

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
