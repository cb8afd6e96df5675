//! Appending events to the tenant's audit log, inside the transaction that caused them.

use chrono::{DateTime, Utc};
use serde_json::Value;
use vahti_api::EventType;
use vahti_domain::ids::{AccountId, InvoiceId, TenantId};
use vahti_store::Tx;
use vahti_store::events::{self, Event, NewEvent};

use crate::error::ServiceResult;

/// Appends one event, queues its webhook deliveries, and returns it with its sequence number.
///
/// The payload carries ids, amounts, dates and codes only, never names, email addresses or IBANs,
/// because events are delivered to webhooks and kept for audit. The deliveries are written in
/// the same transaction, so a change that rolls back sends nothing.
pub fn emit(
    tx: &mut Tx<'_>,
    tenant: TenantId,
    kind: EventType,
    account: Option<AccountId>,
    invoice: Option<InvoiceId>,
    payload: Value,
    now: DateTime<Utc>,
) -> ServiceResult<Event> {
    let event = events::append(
        tx,
        tenant,
        &NewEvent {
            kind: kind.as_str().to_owned(),
            account_id: account,
            invoice_id: invoice,
            payload,
        },
        now,
    )?;
    super::webhooks::fan_out(tx, &event, now)?;
    Ok(event)
}

/// Appends several events in order with consecutive sequence numbers, in as few statements as
/// the store allows, for a change that emits one event per item of a batch, and queues their
/// webhook deliveries like [`emit`]. The payload rules of [`emit`] apply.
pub fn emit_many(
    tx: &mut Tx<'_>,
    tenant: TenantId,
    events: Vec<(EventType, Option<AccountId>, Option<InvoiceId>, Value)>,
    now: DateTime<Utc>,
) -> ServiceResult<()> {
    let new: Vec<NewEvent> = events
        .into_iter()
        .map(|(kind, account, invoice, payload)| NewEvent {
            kind: kind.as_str().to_owned(),
            account_id: account,
            invoice_id: invoice,
            payload,
        })
        .collect();
    for event in events::append_many(tx, tenant, new, now)? {
        super::webhooks::fan_out(tx, &event, now)?;
    }
    Ok(())
}
