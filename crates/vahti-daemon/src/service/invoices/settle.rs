//! Invoices that a change settled or reopened: their `invoice_paid` and `invoice_credited`
//! events and their `settled_at` time.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde_json::json;
use vahti_api::EventType;
use vahti_domain::ids::{AccountId, InvoiceId, TenantId};
use vahti_domain::ledger::LedgerState;
use vahti_domain::planner::InvoiceStatus as LedgerStatus;
use vahti_store::Tx;
use vahti_store::invoices::{self, CollectionState, Invoice};

use crate::error::ServiceResult;
use crate::service::events::emit;

/// Compares the ledger before and after a change: emits `invoice_paid` or `invoice_credited` for
/// each invoice that became paid or credited, and sets or clears `settled_at` of each invoice
/// whose settlement changed.
///
/// `rows` are the account's documents as read before the change, for their collection state.
/// `placeholders` maps the placeholder ids of documents created by the change to their keys.
/// Returns the documents whose settlement it stored, as stored.
#[expect(
    clippy::too_many_arguments,
    reason = "the two ledger states and the rows they refer to belong together but come from different places"
)]
pub fn record_settlements(
    tx: &mut Tx<'_>,
    tenant_id: TenantId,
    account_id: AccountId,
    before: &LedgerState,
    after: &LedgerState,
    rows: &[Invoice],
    placeholders: &HashMap<InvoiceId, InvoiceId>,
    now: DateTime<Utc>,
) -> ServiceResult<Vec<Invoice>> {
    let mut stored = Vec::new();
    for (ledger_id, balance) in &after.invoices {
        let id = placeholders.get(ledger_id).copied().unwrap_or(*ledger_id);
        if id.0 <= 0 {
            continue;
        }
        let previous = before.invoices.get(&id).map(|balance| balance.status);
        if previous == Some(balance.status) {
            continue;
        }

        let settled = is_settled(balance.status);
        let event = match balance.status {
            LedgerStatus::Paid => Some(EventType::InvoicePaid),
            LedgerStatus::Credited => Some(EventType::InvoiceCredited),
            _ => None,
        };
        if let Some(kind) = event {
            emit(
                tx,
                tenant_id,
                kind,
                Some(account_id),
                Some(id),
                json!({
                    "invoice_id": id,
                    "amount": balance.original_amount.amount().to_string(),
                    "credited": balance.credited.amount().to_string(),
                    "currency": balance.currency.code(),
                    "settled_on": balance.settled_on,
                }),
                now,
            )?;
        }

        if settled != previous.is_some_and(is_settled) {
            let mut state = rows
                .iter()
                .find(|row| row.id == id)
                .map_or_else(CollectionState::default, Invoice::collection_state);
            state.settled_at = settled.then_some(now);
            stored.push(invoices::update_collection(tx, id, &state, now)?);
        }
    }
    Ok(stored)
}

fn is_settled(status: LedgerStatus) -> bool {
    matches!(status, LedgerStatus::Paid | LedgerStatus::Credited)
}
