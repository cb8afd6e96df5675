//! The status of one account: its ledger as of today, its open invoices and the timeline of what
//! happened, built from the stored rows.

use chrono::{DateTime, Utc};
use vahti_api::{TimelineEntry, TimelineKind};
use vahti_domain::Money;
use vahti_domain::ids::{InvoiceId, TenantId};
use vahti_domain::planner::InvoiceStatus as LedgerStatus;
use vahti_store::Tx;
use vahti_store::holds::{self, PlanState, PromiseState};
use vahti_store::invoices::InvoiceKind;
use vahti_store::steps::StepState;

use super::Loaded;
use super::accounts;
use crate::error::ServiceResult;

/// An account's status as read in one transaction.
#[derive(Debug, Clone)]
pub struct AccountStatus {
    /// The account with its ledger as of today.
    pub loaded: Loaded,
    /// The invoices still owed (open or handed over), earliest due date first.
    pub open_invoices: Vec<InvoiceId>,
    /// The account's history, newest first.
    pub timeline: Vec<TimelineEntry>,
}

/// Reads the status of the tenant's account with this external id, or fails with 404
/// `account_not_found`.
pub fn load(
    tx: &mut Tx<'_>,
    tenant_id: TenantId,
    external_id: &str,
    now: DateTime<Utc>,
) -> ServiceResult<AccountStatus> {
    let account = accounts::get(tx, tenant_id, external_id)?;
    let loaded = Loaded::load(tx, account.id, now)?;

    let mut open: Vec<_> = loaded
        .invoices
        .iter()
        .filter(|invoice| invoice.kind == InvoiceKind::Invoice)
        .filter(|invoice| {
            matches!(
                loaded.status_of(invoice),
                LedgerStatus::Open | LedgerStatus::HandedOver
            )
        })
        .collect();
    open.sort_by_key(|invoice| (invoice.due_date.is_none(), invoice.due_date, invoice.id));
    let open_invoices = open.iter().map(|invoice| invoice.id).collect();

    let timeline = timeline(tx, &loaded)?;
    Ok(AccountStatus {
        loaded,
        open_invoices,
        timeline,
    })
}

/// Builds the timeline from the account's documents, steps, fees, payments, disputes, pauses,
/// promises and payment plans, newest first.
fn timeline(tx: &mut Tx<'_>, loaded: &Loaded) -> ServiceResult<Vec<TimelineEntry>> {
    let account_id = loaded.context.account.id;
    let name_of = |id: InvoiceId| {
        loaded
            .invoice(id)
            .map(|invoice| invoice.external_id.clone())
    };
    let mut entries = Vec::new();

    for invoice in &loaded.invoices {
        let (kind, concerns) = match invoice.kind {
            InvoiceKind::Invoice => (
                TimelineKind::InvoiceCreated,
                Some(invoice.external_id.clone()),
            ),
            InvoiceKind::CreditNote => (
                TimelineKind::CreditNote,
                invoice.corrects_invoice_id.and_then(name_of),
            ),
        };
        entries.push(entry(
            invoice.created_at,
            kind,
            concerns,
            Some(invoice.amount),
            Some(format!(
                "{} {}",
                document_name(invoice.kind),
                invoice.number
            )),
        ));
        if let Some(at) = invoice.handed_over_at {
            entries.push(entry(
                at,
                TimelineKind::HandedOver,
                Some(invoice.external_id.clone()),
                None,
                None,
            ));
        }
    }

    for step in &loaded.steps {
        let kind = match step.state {
            StepState::Sent => TimelineKind::StepSent,
            StepState::Skipped => TimelineKind::StepSkipped,
            StepState::Failed => TimelineKind::StepFailed,
            StepState::PendingApproval | StepState::Queued => continue,
        };
        let mut item = entry(
            step.executed_at.unwrap_or(step.updated_at),
            kind,
            name_of(step.invoice_id),
            None,
            step.detail.clone(),
        );
        item.step = Some(step.step_key.clone());
        entries.push(item);
    }

    for fee in &loaded.fees {
        entries.push(entry(
            fee.created_at,
            TimelineKind::FeeCharged,
            name_of(fee.invoice_id),
            Some(fee.amount),
            None,
        ));
        if let Some(at) = fee.waived_at {
            entries.push(entry(
                at,
                TimelineKind::FeeWaived,
                name_of(fee.invoice_id),
                Some(fee.amount),
                None,
            ));
        }
    }

    for payment in &loaded.payments {
        let invoice = payment.invoice_id.and_then(name_of);
        entries.push(entry(
            payment.created_at,
            TimelineKind::Payment,
            invoice.clone(),
            Some(payment.amount),
            Some(format!("paid on {}", payment.paid_on)),
        ));
        if let Some(at) = payment.reversed_at {
            entries.push(entry(
                at,
                TimelineKind::PaymentReversed,
                invoice,
                Some(payment.amount),
                None,
            ));
        }
    }

    for dispute in holds::disputes_for_account(tx, account_id)? {
        let invoice = dispute.invoice_id.and_then(name_of);
        entries.push(entry(
            dispute.opened_at,
            TimelineKind::DisputeOpened,
            invoice.clone(),
            None,
            Some(dispute.reason.clone()),
        ));
        if let Some(at) = dispute.resolved_at {
            entries.push(entry(
                at,
                TimelineKind::DisputeResolved,
                invoice,
                None,
                dispute.resolution.clone(),
            ));
        }
    }

    for pause in holds::pauses_for_account(tx, account_id)? {
        let invoice = pause.invoice_id.and_then(name_of);
        entries.push(entry(
            pause.created_at,
            TimelineKind::Paused,
            invoice.clone(),
            None,
            Some(format!("until {}: {}", pause.paused_until, pause.reason)),
        ));
        if let Some(at) = pause.lifted_at {
            entries.push(entry(at, TimelineKind::Resumed, invoice, None, None));
        }
    }

    for promise in holds::promises_for_account(tx, account_id)? {
        let invoice = promise.invoice_id.and_then(name_of);
        entries.push(entry(
            promise.created_at,
            TimelineKind::PromiseMade,
            invoice.clone(),
            Some(promise.amount),
            Some(format!("to pay by {}", promise.promised_on)),
        ));
        if promise.state == PromiseState::Broken {
            entries.push(entry(
                promise.updated_at,
                TimelineKind::PromiseBroken,
                invoice,
                Some(promise.amount),
                None,
            ));
        }
    }

    for plan in &loaded.plans {
        entries.push(entry(
            plan.created_at,
            TimelineKind::PaymentPlanCreated,
            None,
            Some(plan.total),
            Some(format!("{} instalments", plan.instalments.len())),
        ));
        if plan.state == PlanState::Broken {
            entries.push(entry(
                plan.updated_at,
                TimelineKind::PaymentPlanBroken,
                None,
                Some(plan.total),
                None,
            ));
        }
    }

    // Stable, so entries of the same instant keep the order above.
    entries.sort_by_key(|entry| std::cmp::Reverse(entry.at));
    Ok(entries)
}

fn document_name(kind: InvoiceKind) -> &'static str {
    match kind {
        InvoiceKind::Invoice => "invoice",
        InvoiceKind::CreditNote => "credit note",
    }
}

fn entry(
    at: DateTime<Utc>,
    kind: TimelineKind,
    invoice: Option<String>,
    amount: Option<Money>,
    detail: Option<String>,
) -> TimelineEntry {
    TimelineEntry {
        at,
        kind,
        invoice,
        step: None,
        amount: amount.map(|money| money.round().amount()),
        currency: amount.map(|money| money.currency().code().to_owned()),
        detail,
    }
}
