//! Payment plans: the debtor pays some invoices in agreed instalments, and escalation of those
//! invoices waits while the plan is active.

use std::collections::BTreeSet;

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde_json::json;
use vahti_api::EventType;
use vahti_domain::calendar::{FinnishCalendar, local_date};
use vahti_domain::ids::{AccountId, InvoiceId, TenantId};
use vahti_domain::{Currency, Money};
use vahti_mail::model::{Instalment as MailInstalment, MessageKind, RenderModel};
use vahti_store::holds::{self, NewInstalment, PaymentPlan, PlanState};
use vahti_store::ids::PaymentPlanId;
use vahti_store::invoices::Invoice;
use vahti_store::outbox::{self, NewOutboxMessage, OutboxKind};
use vahti_store::{StoreError, Tx};

use super::{
    Changed, checked_amount, external_id_of, finish, invoice_closed, invoice_in, is_open,
    paid_since,
};
use crate::error::{ServiceError, ServiceResult};
use crate::service::Loaded;
use crate::service::events::emit;
use crate::service::messages::{self, Composition};
use crate::service::wake::EmailPayload;

/// Maximum number of instalments in a payment plan: ten years of monthly payments.
///
/// NOTE: policies set no limit on payment plans yet; this bound only keeps requests small.
pub const MAX_INSTALMENTS: usize = 120;

/// One instalment of a plan with what was paid towards it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstalmentView {
    /// The due day.
    pub due_on: NaiveDate,
    /// The amount due.
    pub amount: Money,
    /// The amount paid towards it.
    pub paid: Money,
    /// Whether it is paid in full.
    pub covered: bool,
    /// Whether its due date has passed without it being paid in full.
    pub overdue: bool,
}

/// A payment plan with the external ids it concerns and its progress.
#[derive(Debug, Clone)]
pub struct PlanView {
    /// The stored plan.
    pub plan: PaymentPlan,
    /// External id of the account.
    pub account: String,
    /// External ids of the invoices the plan covers.
    pub invoices: Vec<String>,
    /// The instalments with their payments.
    pub instalments: Vec<InstalmentView>,
}

/// Returns the invoices a plan covers: its recorded invoices, or every invoice of the account for
/// a plan that has none recorded.
fn plan_scope(loaded: &Loaded, plan: &PaymentPlan) -> BTreeSet<InvoiceId> {
    if plan.invoices.is_empty() {
        loaded.invoices.iter().map(|invoice| invoice.id).collect()
    } else {
        plan.invoices.iter().copied().collect()
    }
}

/// Spreads the payments made since the plan was agreed over its instalments, oldest first.
pub(super) fn plan_progress(loaded: &Loaded, plan: &PaymentPlan) -> Vec<InstalmentView> {
    let currency = plan.total.currency();
    let since = local_date(plan.created_at, loaded.context.business_time_zone);
    let mut left = paid_since(loaded, &plan_scope(loaded, plan), since, currency).amount();
    plan.instalments
        .iter()
        .map(|instalment| {
            let due = instalment.amount.amount();
            let mut paid = left.min(due).max(Decimal::ZERO);
            left = left.checked_sub(paid).unwrap_or(Decimal::ZERO);
            paid.rescale(currency.minor_unit_decimals());
            let covered = instalment.paid_at.is_some() || paid >= due;
            InstalmentView {
                due_on: instalment.due_on,
                amount: instalment.amount,
                paid: Money::new(paid, currency),
                covered,
                overdue: !covered && instalment.due_on < loaded.today,
            }
        })
        .collect()
}

fn view_plan(loaded: &Loaded, plan: PaymentPlan) -> PlanView {
    PlanView {
        account: loaded.context.account.external_id.clone(),
        invoices: plan
            .invoices
            .iter()
            .map(|id| external_id_of(loaded, *id))
            .collect(),
        instalments: plan_progress(loaded, &plan),
        plan,
    }
}

/// Creates an active payment plan for some of the account's invoices and queues its
/// confirmation email.
///
/// The invoices must be open, undisputed, of the account and in one currency, and the account
/// must have no other active plan. The instalments must be in the future, in ascending date
/// order, above zero, and add up to exactly what the invoices owe today (principal, claimed
/// interest and fees). While the plan is active the planner skips its invoices. When the
/// account has no email address the plan is still made, without the confirmation.
pub fn create_plan(
    tx: &mut Tx<'_>,
    account_id: AccountId,
    invoice_ids: &[String],
    instalments: &[(NaiveDate, Decimal)],
    now: DateTime<Utc>,
) -> ServiceResult<Changed<PlanView>> {
    let loaded = Loaded::load(tx, account_id, now)?;
    let tenant = loaded.context.tenant.id;

    let covered = plan_invoices(&loaded, invoice_ids)?;
    let currency = plan_currency(&covered)?;
    let new_instalments = plan_instalments(&loaded, instalments, currency)?;
    // NOTE: the instalments cover what is owed today. Interest that a step already claimed keeps
    // accruing during the plan and stays owed after the last instalment.
    let owed = Money::sum(
        currency,
        covered
            .iter()
            .filter_map(|invoice| loaded.balance(invoice.id))
            .map(|balance| balance.total_outstanding),
    )
    .map_err(|error| ServiceError::internal(format!("plan total: {error}")))?;
    let agreed = Money::sum(
        currency,
        new_instalments.iter().map(|instalment| instalment.amount),
    )
    .map_err(|error| {
        ServiceError::unprocessable(
            "payment_plan_invalid",
            Some("instalments".to_owned()),
            error.to_string(),
        )
    })?;
    if agreed != owed {
        return Err(ServiceError::unprocessable(
            "payment_plan_invalid",
            Some("instalments".to_owned()),
            format!(
                "the instalments add up to {} {}, but the invoices owe {} {} today; make them add up exactly",
                agreed.amount(),
                currency.code(),
                owed.amount(),
                currency.code()
            ),
        ));
    }
    if let Some(active) = loaded
        .plans
        .iter()
        .find(|plan| plan.state == PlanState::Active)
    {
        return Err(ServiceError::unprocessable(
            "payment_plan_invalid",
            Some("invoices".to_owned()),
            format!(
                "account {:?} already has active payment plan {}; cancel it with POST /v1/payment-plans/{}/cancel first",
                loaded.context.account.external_id, active.id, active.id
            ),
        ));
    }

    let proposed = holds::create_plan(tx, tenant, account_id, &new_instalments, now)?;
    let ids: Vec<InvoiceId> = covered.iter().map(|invoice| invoice.id).collect();
    holds::cover_invoices(tx, tenant, proposed.id, &ids)?;
    let plan = holds::set_plan_state(tx, proposed.id, PlanState::Active, now)?;

    let confirmation = queue_confirmation(tx, &loaded, &plan, now)?;
    emit(
        tx,
        tenant,
        EventType::PaymentPlanCreated,
        Some(account_id),
        None,
        json!({
            "plan_id": plan.id,
            "invoices": ids,
            "currency": currency.code(),
            "total": plan.total.amount().to_string(),
            "instalments": plan.instalments.iter().map(|instalment| json!({
                "due_date": instalment.due_on,
                "amount": instalment.amount.amount().to_string(),
            })).collect::<Vec<_>>(),
            "confirmation_queued": confirmation,
        }),
        now,
    )?;

    let view = view_plan(&loaded, plan);
    finish(tx, &loaded, view, confirmation)
}

fn plan_invoices<'a>(
    loaded: &'a Loaded,
    external_ids: &[String],
) -> ServiceResult<Vec<&'a Invoice>> {
    if external_ids.is_empty() {
        return Err(ServiceError::unprocessable(
            "payment_plan_invalid",
            Some("invoices".to_owned()),
            "a payment plan needs at least one invoice; list the external ids of the invoices it covers",
        ));
    }
    let mut covered: Vec<&Invoice> = Vec::with_capacity(external_ids.len());
    for (index, external_id) in external_ids.iter().enumerate() {
        let field = format!("invoices.{index}");
        let invoice =
            invoice_in(loaded, external_id).map_err(|error| error.with_field(field.clone()))?;
        if covered.iter().any(|seen| seen.id == invoice.id) {
            return Err(ServiceError::unprocessable(
                "payment_plan_invalid",
                Some(field),
                format!("invoice {external_id:?} is listed twice; list each invoice once"),
            ));
        }
        if !is_open(loaded, invoice) {
            return Err(invoice_closed(loaded, invoice).with_field(field));
        }
        if invoice.disputed {
            return Err(ServiceError::unprocessable(
                "payment_plan_invalid",
                Some(field),
                format!(
                    "invoice {external_id:?} is disputed; resolve the dispute before agreeing a plan for it"
                ),
            ));
        }
        covered.push(invoice);
    }
    Ok(covered)
}

fn plan_currency(covered: &[&Invoice]) -> ServiceResult<Currency> {
    let currencies: BTreeSet<Currency> = covered
        .iter()
        .map(|invoice| invoice.amount.currency())
        .collect();
    match currencies.iter().copied().collect::<Vec<_>>()[..] {
        [currency] => Ok(currency),
        _ => Err(ServiceError::unprocessable(
            "currency_mismatch",
            Some("invoices".to_owned()),
            format!(
                "the invoices are in {}; a payment plan covers invoices of one currency",
                currencies
                    .iter()
                    .map(|currency| currency.code())
                    .collect::<Vec<_>>()
                    .join(" and ")
            ),
        )),
    }
}

fn plan_instalments(
    loaded: &Loaded,
    instalments: &[(NaiveDate, Decimal)],
    currency: Currency,
) -> ServiceResult<Vec<NewInstalment>> {
    if instalments.is_empty() || instalments.len() > MAX_INSTALMENTS {
        return Err(ServiceError::unprocessable(
            "payment_plan_invalid",
            Some("instalments".to_owned()),
            format!(
                "a payment plan has 1 to {MAX_INSTALMENTS} instalments, not {}",
                instalments.len()
            ),
        ));
    }
    let mut previous: Option<NaiveDate> = None;
    let mut checked = Vec::with_capacity(instalments.len());
    for (index, (due_on, amount)) in instalments.iter().enumerate() {
        let field = format!("instalments.{index}");
        if *due_on <= loaded.today {
            return Err(ServiceError::unprocessable(
                "payment_plan_invalid",
                Some(format!("{field}.due_date")),
                format!(
                    "instalment {} is due on {due_on}; use a day after today, {}",
                    index + 1,
                    loaded.today
                ),
            ));
        }
        if previous.is_some_and(|previous| *due_on <= previous) {
            return Err(ServiceError::unprocessable(
                "payment_plan_invalid",
                Some(format!("{field}.due_date")),
                format!(
                    "instalment {} is due on {due_on}, not after the one before it; list instalments in ascending date order",
                    index + 1
                ),
            ));
        }
        previous = Some(*due_on);
        let amount = checked_amount(&format!("{field}.amount"), Money::new(*amount, currency))?;
        checked.push(NewInstalment {
            due_on: *due_on,
            amount,
        });
    }
    Ok(checked)
}

/// Queues the email that confirms a plan to the debtor and returns whether it was queued. An
/// account without a usable email address gets no confirmation.
fn queue_confirmation(
    tx: &mut Tx<'_>,
    loaded: &Loaded,
    plan: &PaymentPlan,
    now: DateTime<Utc>,
) -> ServiceResult<bool> {
    let tenant = loaded.context.tenant.id;
    let account_id = loaded.context.account.id;
    let composition = Composition {
        kind: MessageKind::PaymentPlanConfirmation,
        listed: plan.invoices.clone(),
        new_due_date: None,
        self_service_url: None,
    };
    let mut content = match messages::compose(loaded, &composition) {
        Ok(content) => content,
        Err(error) if error.code() == "account_email_missing" => {
            tracing::warn!(
                tenant.id = tenant.0,
                account.id = account_id.0,
                plan.id = plan.id.0,
                "account has no email address; payment plan confirmation not sent"
            );
            return Ok(false);
        }
        Err(error) => return Err(error),
    };
    content.instalments = plan
        .instalments
        .iter()
        .map(|instalment| MailInstalment {
            due_date: instalment.due_on,
            amount: instalment.amount,
        })
        .collect();
    RenderModel::check(&content).map_err(|error| {
        ServiceError::unprocessable(
            vahti_domain::ErrorCode::code(&error),
            None,
            format!("the payment plan confirmation cannot be composed: {error}"),
        )
    })?;

    let payload = EmailPayload {
        account: account_id,
        steps: Vec::new(),
        listed: plan.invoices.clone(),
        kind: MessageKind::PaymentPlanConfirmation,
        new_due_date: None,
        free_text: None,
        content,
    };
    let not_before = loaded
        .context
        .policy
        .send_window
        .next_open_at_or_after(now, loaded.context.debtor_time_zone, &FinnishCalendar)
        .unwrap_or(now);
    outbox::enqueue(
        tx,
        tenant,
        &NewOutboxMessage {
            kind: OutboxKind::Email,
            account_id: Some(account_id),
            message_id: format!("plan:{tenant}:{account_id}:{}", plan.id),
            payload: serde_json::to_value(&payload).map_err(|error| {
                ServiceError::internal(format!("cannot encode a stored payload: {error}"))
            })?,
            not_before,
        },
        now,
    )?;
    Ok(true)
}

/// Loads a payment plan of the tenant, or a 404 `payment_plan_not_found`.
pub fn find_plan(
    tx: &mut Tx<'_>,
    tenant: TenantId,
    id: PaymentPlanId,
) -> ServiceResult<PaymentPlan> {
    match holds::get_plan(tx, id) {
        Ok(plan) if plan.tenant_id == tenant => Ok(plan),
        Ok(_) | Err(StoreError::NotFound { .. }) => Err(ServiceError::not_found(
            "payment_plan_not_found",
            format!("payment plan {id} not found"),
        )),
        Err(other) => Err(other.into()),
    }
}

/// Lists the account's payment plans, oldest first, with their progress.
pub fn list_plans(
    tx: &mut Tx<'_>,
    account_id: AccountId,
    now: DateTime<Utc>,
) -> ServiceResult<Vec<PlanView>> {
    let loaded = Loaded::load(tx, account_id, now)?;
    Ok(loaded
        .plans
        .iter()
        .cloned()
        .map(|plan| view_plan(&loaded, plan))
        .collect())
}

/// Cancels an active or proposed plan; escalation of its invoices resumes.
pub fn cancel_plan(
    tx: &mut Tx<'_>,
    tenant: TenantId,
    id: PaymentPlanId,
    now: DateTime<Utc>,
) -> ServiceResult<Changed<PlanView>> {
    let plan = find_plan(tx, tenant, id)?;
    if !matches!(plan.state, PlanState::Active | PlanState::Proposed) {
        return Err(ServiceError::conflict(
            "payment_plan_closed",
            None,
            format!(
                "payment plan {id} is {}, so it cannot be cancelled",
                plan.state
            ),
        ));
    }
    let cancelled = holds::set_plan_state(tx, id, PlanState::Cancelled, now)?;
    emit(
        tx,
        tenant,
        EventType::PaymentPlanCancelled,
        Some(plan.account_id),
        None,
        json!({"plan_id": id}),
        now,
    )?;
    let loaded = Loaded::load(tx, plan.account_id, now)?;
    let view = view_plan(&loaded, cancelled);
    finish(tx, &loaded, view, false)
}
