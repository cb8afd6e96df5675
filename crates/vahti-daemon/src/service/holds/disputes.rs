//! Disputes: a debtor contests an invoice, and escalation of it stops until the creditor
//! resolves the dispute.

use chrono::{DateTime, Utc};
use serde_json::json;
use vahti_api::EventType;
use vahti_domain::ids::{InvoiceId, TenantId};
use vahti_store::holds::{self, Dispute};
use vahti_store::ids::DisputeId;
use vahti_store::invoices::{self, InvoiceKind};
use vahti_store::{StoreError, Tx};

use super::{
    Changed, external_id_of, finish, invoice_closed, is_open, optional_text, required_text,
};
use crate::error::{ServiceError, ServiceResult};
use crate::service::Loaded;
use crate::service::events::emit;

/// The outcome of a dispute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resolution {
    /// The creditor accepts the dispute.
    Upheld,
    /// The creditor rejects the dispute; collection resumes.
    Rejected,
}

impl Resolution {
    /// Returns the stored and wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Resolution::Upheld => "upheld",
            Resolution::Rejected => "rejected",
        }
    }
}

/// A dispute with the external ids and the outcome read from its stored resolution.
#[derive(Debug, Clone)]
pub struct DisputeView {
    /// The stored dispute.
    pub dispute: Dispute,
    /// External id of the account.
    pub account: String,
    /// External id of the disputed invoice.
    pub invoice: Option<String>,
    /// The outcome, once resolved.
    pub resolution: Option<Resolution>,
    /// The note given on resolving.
    pub note: Option<String>,
}

/// The stored text of a resolution: the outcome, then the note on the following lines.
fn resolution_text(resolution: Resolution, note: Option<&str>) -> String {
    match note {
        Some(note) => format!("{}\n{note}", resolution.as_str()),
        None => resolution.as_str().to_owned(),
    }
}

fn view_dispute(loaded: &Loaded, dispute: Dispute) -> DisputeView {
    let (resolution, note) = match dispute.resolution.as_deref() {
        Some(text) => {
            let (outcome, note) = text.split_once('\n').unwrap_or((text, ""));
            let resolution = match outcome {
                "upheld" => Some(Resolution::Upheld),
                "rejected" => Some(Resolution::Rejected),
                _ => None,
            };
            (resolution, (!note.is_empty()).then(|| note.to_owned()))
        }
        None => (None, None),
    };
    DisputeView {
        account: loaded.context.account.external_id.clone(),
        invoice: dispute.invoice_id.map(|id| external_id_of(loaded, id)),
        dispute,
        resolution,
        note,
    }
}

/// Opens a dispute on an invoice: escalation of the invoice stops at once, and a queued email
/// about it is withdrawn when the sender re-checks it.
pub fn open_dispute(
    tx: &mut Tx<'_>,
    invoice_id: InvoiceId,
    reason: &str,
    now: DateTime<Utc>,
) -> ServiceResult<Changed<DisputeView>> {
    let reason = required_text("reason", reason)?;
    let account_id = invoices::get(tx, invoice_id)?.account_id;
    let loaded = Loaded::load(tx, account_id, now)?;
    let tenant = loaded.context.tenant.id;
    let invoice = loaded.invoice(invoice_id).cloned().ok_or_else(|| {
        ServiceError::internal(format!("invoice {invoice_id} is missing from its account"))
    })?;

    if invoice.kind != InvoiceKind::Invoice {
        return Err(ServiceError::unprocessable(
            "value_invalid",
            None,
            format!(
                "{:?} is a credit note, which cannot be disputed; open the dispute on the invoice it corrects",
                invoice.external_id
            ),
        ));
    }
    if !is_open(&loaded, &invoice) {
        return Err(invoice_closed(&loaded, &invoice));
    }
    let already_open = holds::disputes_for_account(tx, account_id)?
        .into_iter()
        .find(|dispute| dispute.invoice_id == Some(invoice_id) && dispute.resolved_at.is_none());
    if let Some(open) = already_open {
        return Err(ServiceError::conflict(
            "dispute_already_open",
            None,
            format!(
                "invoice {:?} already has open dispute {}; resolve it with POST /v1/disputes/{}/resolve",
                invoice.external_id, open.id, open.id
            ),
        ));
    }

    let dispute = holds::open_dispute(tx, tenant, account_id, Some(invoice_id), &reason, now)?;
    let mut state = invoice.collection_state();
    state.disputed = true;
    invoices::update_collection(tx, invoice_id, &state, now)?;
    emit(
        tx,
        tenant,
        EventType::DisputeOpened,
        Some(account_id),
        Some(invoice_id),
        json!({"dispute_id": dispute.id}),
        now,
    )?;
    let view = view_dispute(&loaded, dispute);
    finish(tx, &loaded, view, false)
}

/// Loads a dispute of the tenant, or a 404 `dispute_not_found`.
pub fn find_dispute(tx: &mut Tx<'_>, tenant: TenantId, id: DisputeId) -> ServiceResult<Dispute> {
    match holds::get_dispute(tx, id) {
        Ok(dispute) if dispute.tenant_id == tenant => Ok(dispute),
        Ok(_) | Err(StoreError::NotFound { .. }) => Err(ServiceError::not_found(
            "dispute_not_found",
            format!("dispute {id} not found"),
        )),
        Err(other) => Err(other.into()),
    }
}

/// Resolves a dispute and clears the invoice's disputed flag, so that escalation of whatever
/// the invoice still owes resumes.
///
/// An upheld dispute changes no amounts: the integrator corrects the invoice with a credit note,
/// best before resolving, because escalation resumes on the balance that remains.
pub fn resolve_dispute(
    tx: &mut Tx<'_>,
    tenant: TenantId,
    id: DisputeId,
    resolution: Resolution,
    note: Option<&str>,
    now: DateTime<Utc>,
) -> ServiceResult<Changed<DisputeView>> {
    let note = optional_text("note", note)?;
    let dispute = find_dispute(tx, tenant, id)?;
    let account_id = dispute.account_id;

    let resolved =
        holds::resolve_dispute(tx, id, &resolution_text(resolution, note.as_deref()), now)
            .map_err(|error| match error {
                StoreError::Conflict { .. } => ServiceError::conflict(
                    "dispute_already_resolved",
                    None,
                    format!("dispute {id} is already resolved"),
                ),
                other => other.into(),
            })?;

    if let Some(invoice_id) = resolved.invoice_id {
        let still_open = holds::disputes_for_account(tx, account_id)?
            .iter()
            .any(|other| other.invoice_id == Some(invoice_id) && other.resolved_at.is_none());
        if !still_open {
            let invoice = invoices::get(tx, invoice_id)?;
            let mut state = invoice.collection_state();
            state.disputed = false;
            invoices::update_collection(tx, invoice_id, &state, now)?;
        }
    }
    emit(
        tx,
        tenant,
        EventType::DisputeResolved,
        Some(account_id),
        resolved.invoice_id,
        json!({"dispute_id": id, "resolution": resolution.as_str()}),
        now,
    )?;

    let loaded = Loaded::load(tx, account_id, now)?;
    let view = view_dispute(&loaded, resolved);
    finish(tx, &loaded, view, false)
}
