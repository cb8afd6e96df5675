//! Promises to pay: escalation of the promised invoices waits until the day after the promised
//! day.

use std::collections::BTreeSet;

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde_json::json;
use vahti_api::EventType;
use vahti_domain::calendar::local_date;
use vahti_domain::ids::{AccountId, InvoiceId};
use vahti_domain::{Currency, Money};
use vahti_store::Tx;
use vahti_store::holds::{self, Promise, PromiseState};
use vahti_store::invoices::{self, Invoice, InvoiceKind};

use super::{
    Changed, checked_amount, finish, invoice_closed, invoice_in, is_open, not_before_today,
    paid_since,
};
use crate::error::{ServiceError, ServiceResult};
use crate::service::Loaded;
use crate::service::events::emit;

/// A promise to pay as requested.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PromiseRequest {
    /// External id of the one invoice promised; every overdue invoice when `None`.
    pub invoice: Option<String>,
    /// The day by which the debtor promised to pay.
    pub pay_by: NaiveDate,
    /// The amount promised; everything outstanding on the promised invoices when `None`.
    pub amount: Option<Decimal>,
    /// The currency of the amount, required when the promised invoices use several.
    pub currency: Option<String>,
}

/// A promise with the external ids it concerns.
#[derive(Debug, Clone)]
pub struct PromiseView {
    /// The stored promise.
    pub promise: Promise,
    /// External id of the account.
    pub account: String,
    /// External id of the one invoice promised, or `None` for the account's overdue invoices.
    pub invoice: Option<String>,
}

/// Records a promise to pay by `pay_by`: no step is taken on the promised invoices until the
/// day after. When that day comes, the account's wake-up marks the promise kept if payments of
/// at least the promised amount arrived since it was made, and broken otherwise.
pub fn promise(
    tx: &mut Tx<'_>,
    account_id: AccountId,
    request: &PromiseRequest,
    now: DateTime<Utc>,
) -> ServiceResult<Changed<PromiseView>> {
    let loaded = Loaded::load(tx, account_id, now)?;
    not_before_today("pay_by", request.pay_by, loaded.today)?;
    let tenant = loaded.context.tenant.id;

    let mut promised: Vec<&Invoice> = match &request.invoice {
        Some(external_id) => {
            let invoice = invoice_in(&loaded, external_id)?;
            if !is_open(&loaded, invoice) {
                return Err(invoice_closed(&loaded, invoice));
            }
            vec![invoice]
        }
        None => loaded
            .invoices
            .iter()
            .filter(|invoice| invoice.kind == InvoiceKind::Invoice && is_open(&loaded, invoice))
            .filter(|invoice| invoice.due_date.is_some_and(|due| due < loaded.today))
            .filter(|invoice| !invoice.disputed)
            .collect(),
    };
    if let Some(code) = &request.currency {
        let currency = Currency::from_code(code).map_err(|error| {
            ServiceError::unprocessable(
                "currency_unknown",
                Some("currency".to_owned()),
                error.to_string(),
            )
        })?;
        promised.retain(|invoice| invoice.amount.currency() == currency);
    }
    if promised.is_empty() {
        return Err(ServiceError::unprocessable(
            "value_invalid",
            Some("invoice".to_owned()),
            format!(
                "account {:?} has no overdue invoice{} to promise payment for; name the invoice",
                loaded.context.account.external_id,
                request
                    .currency
                    .as_deref()
                    .map(|code| format!(" in {code}"))
                    .unwrap_or_default()
            ),
        ));
    }
    let currencies: BTreeSet<Currency> = promised
        .iter()
        .map(|invoice| invoice.amount.currency())
        .collect();
    let [currency] = currencies.iter().copied().collect::<Vec<_>>()[..] else {
        return Err(ServiceError::unprocessable(
            "value_invalid",
            Some("currency".to_owned()),
            format!(
                "the overdue invoices are in {}; give the currency of the promise",
                currencies
                    .iter()
                    .map(|currency| currency.code())
                    .collect::<Vec<_>>()
                    .join(" and ")
            ),
        ));
    };

    let outstanding = Money::sum(
        currency,
        promised
            .iter()
            .filter_map(|invoice| loaded.balance(invoice.id))
            .map(|balance| balance.total_outstanding),
    )
    .map_err(|error| ServiceError::internal(format!("promised total: {error}")))?;
    let amount = match request.amount {
        Some(amount) => checked_amount("amount", Money::new(amount, currency))?,
        None => outstanding,
    };

    let single = request
        .invoice
        .as_ref()
        .and_then(|_| promised.first().map(|invoice| invoice.id));
    let record = holds::promise(tx, tenant, account_id, single, &amount, request.pay_by, now)?;
    for invoice in &promised {
        let mut state = invoice.collection_state();
        state.promised_until = Some(request.pay_by);
        invoices::update_collection(tx, invoice.id, &state, now)?;
    }
    emit(
        tx,
        tenant,
        EventType::PromiseMade,
        Some(account_id),
        single,
        json!({
            "promise_id": record.id,
            "pay_by": request.pay_by,
            "amount": amount.amount().to_string(),
            "currency": currency.code(),
            "invoices": promised.iter().map(|invoice| invoice.id).collect::<Vec<_>>(),
        }),
        now,
    )?;

    let view = PromiseView {
        promise: record,
        account: loaded.context.account.external_id.clone(),
        invoice: request.invoice.clone(),
    };
    finish(tx, &loaded, view, false)
}

pub(super) fn promise_scope(loaded: &Loaded, promise: &Promise) -> BTreeSet<InvoiceId> {
    match promise.invoice_id {
        Some(invoice) => BTreeSet::from([invoice]),
        None => loaded
            .invoices
            .iter()
            .filter(|invoice| invoice.amount.currency() == promise.amount.currency())
            .map(|invoice| invoice.id)
            .collect(),
    }
}

/// Decides the state of a promise today: open until its day has passed, then kept or broken.
pub fn promise_state_now(loaded: &Loaded, promise: &Promise) -> PromiseState {
    if promise.state != PromiseState::Open || promise.promised_on >= loaded.today {
        return promise.state;
    }
    let scope = promise_scope(loaded, promise);
    let since = local_date(promise.created_at, loaded.context.business_time_zone);
    let paid = paid_since(loaded, &scope, since, promise.amount.currency());
    let settled = scope.iter().all(|invoice| {
        loaded
            .balance(*invoice)
            .is_none_or(|balance| !balance.total_outstanding.is_positive())
    });
    if settled || paid.amount() >= promise.amount.amount() {
        PromiseState::Kept
    } else {
        PromiseState::Broken
    }
}
