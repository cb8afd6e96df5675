//! The debtor's self-service page: issuing and revoking personal links, reading what the page
//! shows, and the requests a debtor makes there.
//!
//! A link opens the page of one account. Every request runs on the account's actor and checks
//! the link again inside its transaction, so a link revoked a moment earlier changes nothing.
//! Disputes, promises and email corrections take effect at once. Payment plans and due-date
//! extensions take effect at once or wait for the creditor, as the account's policy says
//! ([`SelfServiceApproval`]). Each request is stored with its outcome, which the debtor sees on
//! a later visit, and becomes a `self_service_request` event. Events and logs carry ids only,
//! never the link's token or the debtor's address.

use chrono::{DateTime, Days, Duration, Months, NaiveDate, Utc};
use serde_json::{Value, json};
use url::Url;
use vahti_api::EventType;
use vahti_domain::ident::PaymentReference;
use vahti_domain::ids::{AccountId, InvoiceId, TenantId};
use vahti_domain::paycode::{EpcQr, VirtualBarcode};
use vahti_domain::planner::InvoiceStatus;
use vahti_domain::policy::{SelfServiceApproval, SelfServiceSettings};
use vahti_domain::{Currency, Money};
use vahti_mail::model::Creditor;
use vahti_store::Tx;
use vahti_store::accounts::{self, AccountUpsert};
use vahti_store::claims::{self, FeeKind, NewFeeClaim};
use vahti_store::ids::SelfServiceRequestId;
use vahti_store::invoices::{Invoice, InvoiceKind};
use vahti_store::self_service::{
    self as store, NewSelfServiceRequest, RequestKind, RequestState, SelfServiceLink,
    SelfServiceRequest,
};

use super::context::AccountContext;
use super::events::emit;
use super::holds::{self, Changed, PromiseRequest};
use super::messages;
use super::wake::refresh_next_action;
use super::{Loaded, snapshot};
use crate::config::Config;
use crate::error::{ServiceError, ServiceResult};

/// The name of the daemon secret that signs the page's form tokens.
pub const FORM_SECRET_NAME: &str = "self_service_forms";

/// The latest first due date of a payment plan the debtor asks for, in days after today.
pub const MAX_FIRST_INSTALMENT_DAYS: u64 = 30;

/// Maximum length in characters of an email address (RFC 5321 section 4.5.3.1.3 allows a path
/// of 256 characters including the angle brackets).
const MAX_EMAIL_CHARS: usize = 254;

/// The longest payee name an EPC QR code carries (EPC069-12).
const EPC_NAME_CHARS: usize = 70;

/// Where links point and how long they live, from the daemon's configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkSettings {
    /// The base URL debtors reach the daemon at.
    pub public_url: Url,
    /// Days a new link opens the page.
    pub link_days: u32,
}

impl LinkSettings {
    /// The settings of the configuration's `server.public_url` and `self_service.link_days`.
    pub fn from_config(config: &Config) -> Self {
        LinkSettings {
            public_url: config.server.public_url.clone(),
            link_days: config.self_service.link_days,
        }
    }

    /// The URL of the page that `token` opens.
    pub fn page_url(&self, token: &str) -> ServiceResult<String> {
        self.public_url
            .join(&format!("s/{token}"))
            .map(String::from)
            .map_err(|error| {
                ServiceError::internal(format!("server.public_url cannot carry a link: {error}"))
            })
    }
}

// Links.

/// Issues a link to the account's page and returns it with its URL. With `revoke_others` the
/// account's other live links are revoked first, and their number is returned.
pub fn issue_link(
    tx: &mut Tx<'_>,
    tenant: TenantId,
    account: AccountId,
    settings: &LinkSettings,
    revoke_others: bool,
    now: DateTime<Utc>,
) -> ServiceResult<(SelfServiceLink, String, usize)> {
    let revoked = if revoke_others {
        revoke(tx, tenant, account, now)?
    } else {
        0
    };
    let expires_at = now
        .checked_add_signed(Duration::days(i64::from(settings.link_days)))
        .unwrap_or(now);
    let (link, generated) = store::create_link(tx, tenant, account, expires_at, now)?;
    let url = settings.page_url(&generated.token)?;
    Ok((link, url, revoked))
}

/// A self-service link whose token is generated and whose URL is in a composed message, but
/// which is not stored yet: [`PendingLink::store`] stores it in the transaction that records the
/// message as sent.
#[derive(Debug, Clone)]
pub struct PendingLink {
    generated: store::GeneratedLinkToken,
    expires_at: DateTime<Utc>,
}

impl PendingLink {
    /// Generates a link that expires `settings.link_days` after `now`, and returns it with its
    /// URL.
    ///
    /// # Errors
    ///
    /// As [`LinkSettings::page_url`].
    pub fn generate(settings: &LinkSettings, now: DateTime<Utc>) -> ServiceResult<(Self, String)> {
        let generated = store::generate_link_token();
        let url = settings.page_url(&generated.token)?;
        let expires_at = now
            .checked_add_signed(Duration::days(i64::from(settings.link_days)))
            .unwrap_or(now);
        Ok((
            PendingLink {
                generated,
                expires_at,
            },
            url,
        ))
    }

    /// Stores the link for the account, so that its URL opens the account's page.
    ///
    /// # Errors
    ///
    /// When the insert fails.
    pub fn store(
        &self,
        tx: &mut Tx<'_>,
        tenant: TenantId,
        account: AccountId,
        now: DateTime<Utc>,
    ) -> ServiceResult<SelfServiceLink> {
        Ok(store::store_link(
            tx,
            tenant,
            account,
            &self.generated,
            self.expires_at,
            now,
        )?)
    }
}

/// Issues the link a message to the debtor carries, or returns `None` when the account's
/// policy turns the page off.
pub fn link_for_message(
    tx: &mut Tx<'_>,
    loaded: &Loaded,
    settings: &LinkSettings,
    now: DateTime<Utc>,
) -> ServiceResult<Option<String>> {
    if !loaded.context.policy.self_service.enabled {
        return Ok(None);
    }
    let context = &loaded.context;
    let (_, url, _) = issue_link(
        tx,
        context.tenant.id,
        context.account.id,
        settings,
        false,
        now,
    )?;
    Ok(Some(url))
}

/// Revokes every live link of an account and records a `self_service_links_revoked` event when
/// there was one. Returns how many were revoked.
pub fn revoke(
    tx: &mut Tx<'_>,
    tenant: TenantId,
    account: AccountId,
    now: DateTime<Utc>,
) -> ServiceResult<usize> {
    let revoked = store::revoke_links(tx, account, now)?;
    if revoked > 0 {
        emit(
            tx,
            tenant,
            EventType::SelfServiceLinksRevoked,
            Some(account),
            None,
            json!({"revoked": revoked}),
            now,
        )?;
    }
    Ok(revoked)
}

/// What a token opens.
#[derive(Debug, Clone)]
pub enum Access {
    /// No link has this token.
    Unknown,
    /// The link expired or was revoked, or the creditor turned the page off.
    Closed(Box<ClosedLink>),
    /// The link opens the account's page.
    Live(SelfServiceLink),
}

/// A link that no longer opens the page, with what the neutral page may show.
#[derive(Debug, Clone)]
pub struct ClosedLink {
    /// The link.
    pub link: SelfServiceLink,
    /// The account's language.
    pub locale: vahti_store::Locale,
    /// The creditor's name.
    pub creditor_name: String,
    /// The creditor's contact email, if set.
    pub creditor_email: Option<String>,
    /// The creditor's contact phone, if set.
    pub creditor_phone: Option<String>,
}

/// Finds what `token` opens at `now`.
pub fn resolve(tx: &mut Tx<'_>, token: &str, now: DateTime<Utc>) -> ServiceResult<Access> {
    let Some(link) = store::find_link(tx, token)? else {
        return Ok(Access::Unknown);
    };
    let context = AccountContext::load(tx, link.account_id)?;
    let open = link.is_live(now) && !context.tenant.disabled && context.policy.self_service.enabled;
    if open {
        return Ok(Access::Live(link));
    }
    let creditor = &context.tenant.creditor;
    Ok(Access::Closed(Box::new(ClosedLink {
        link,
        locale: context.account.locale,
        creditor_name: creditor.legal_name.clone(),
        creditor_email: creditor
            .contact_email
            .clone()
            .or_else(|| creditor.mail_reply_to.clone()),
        creditor_phone: creditor.contact_phone.clone(),
    })))
}

/// Loads the link `token` opens and fails with a 404 `self_service_link_closed` unless it is
/// live, for requests that must not act through a link revoked meanwhile.
pub fn live_link(
    tx: &mut Tx<'_>,
    token: &str,
    now: DateTime<Utc>,
) -> ServiceResult<SelfServiceLink> {
    match resolve(tx, token, now)? {
        Access::Live(link) => Ok(link),
        Access::Unknown | Access::Closed(_) => Err(ServiceError::not_found(
            "self_service_link_closed",
            "the self-service link is unknown, expired or revoked",
        )),
    }
}

/// Records that a page was opened, as a `self_service_viewed` event with the page's name and,
/// for a form sent back with an error, the error's code.
pub fn record_view(
    tx: &mut Tx<'_>,
    link: &SelfServiceLink,
    page: &str,
    refused: Option<&str>,
    now: DateTime<Utc>,
) -> ServiceResult<()> {
    store::touch_link(tx, link, now)?;
    let mut payload = json!({"link_id": link.id, "page": page});
    if let Some(code) = refused {
        payload["refused"] = json!(code);
    }
    emit(
        tx,
        link.tenant_id,
        EventType::SelfServiceViewed,
        Some(link.account_id),
        None,
        payload,
        now,
    )?;
    tracing::info!(
        tenant.id = link.tenant_id.0,
        account.id = link.account_id.0,
        link.id = link.id.0,
        page,
        "self-service page viewed"
    );
    Ok(())
}

// What the page shows.

/// The account as the page shows it.
#[derive(Debug, Clone)]
pub struct Overview {
    /// The creditor and its bank account.
    pub creditor: Creditor,
    /// The debtor's name.
    pub debtor_name: String,
    /// The address messages go to now.
    pub email: Option<String>,
    /// The account's language.
    pub locale: vahti_store::Locale,
    /// Open invoices, oldest due date first.
    pub invoices: Vec<InvoiceItem>,
    /// What the open invoices owe, one total per currency.
    pub totals: Vec<Money>,
    /// What the policy lets the debtor do.
    pub settings: SelfServiceSettings,
    /// The requests made so far, newest first.
    pub requests: Vec<RequestItem>,
    /// Today in the creditor's time zone.
    pub today: NaiveDate,
    /// The creditor's time zone, in which dates are read.
    pub time_zone: chrono_tz::Tz,
    /// What a payment plan would cover, when the debtor may ask for one now.
    pub plan: Option<PlanOffer>,
}

/// One open invoice with what it owes today and how to pay it.
#[derive(Debug, Clone)]
pub struct InvoiceItem {
    /// Vahti's id, which the page's forms carry.
    pub id: InvoiceId,
    /// The invoice number.
    pub number: String,
    /// The issue date.
    pub issue_date: NaiveDate,
    /// The due date.
    pub due_date: Option<NaiveDate>,
    /// Principal still unpaid.
    pub principal: Money,
    /// Penalty interest claimed and unpaid, accrued to date.
    pub interest: Money,
    /// Fees still unpaid.
    pub fees: Money,
    /// What paying the invoice in full takes today.
    pub total: Money,
    /// Whether the due date has passed.
    pub overdue: bool,
    /// Where collection of the invoice stands.
    pub hold: Hold,
    /// The payment reference, printed in groups.
    pub reference: Option<String>,
    /// The 54 digits of the virtual bank barcode.
    pub barcode: Option<String>,
    /// The EPC QR payload.
    pub epc_qr: Option<String>,
}

/// Why collection of an invoice waits, if it does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hold {
    /// Nothing holds collection.
    None,
    /// The debtor disputed the invoice.
    Disputed,
    /// The debtor promised to pay by this day.
    Promised(NaiveDate),
    /// Collection pauses until this day, such as after an extension.
    Paused(NaiveDate),
    /// An active payment plan covers the invoice.
    InPlan,
}

/// What a payment plan would cover.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanOffer {
    /// What the plan's invoices owe today, before any plan fee.
    pub owed: Money,
    /// The fee a plan costs.
    pub fee: Money,
    /// The largest number of instalments the policy and the minimum instalment allow.
    pub max_instalments: u32,
}

/// A request as the page lists it.
#[derive(Debug, Clone)]
pub struct RequestItem {
    /// The stored request.
    pub request: SelfServiceRequest,
    /// The numbers of the invoices it concerns.
    pub invoice_numbers: Vec<String>,
}

/// Reads what the page of `link` shows.
pub fn overview(
    tx: &mut Tx<'_>,
    link: &SelfServiceLink,
    now: DateTime<Utc>,
) -> ServiceResult<Overview> {
    let loaded = Loaded::load(tx, link.account_id, now)?;
    let creditor = messages::creditor(&loaded)?;
    let account = &loaded.context.account;
    let settings = loaded.context.policy.self_service.clone();

    let mut invoices: Vec<InvoiceItem> = open_invoices(&loaded)
        .into_iter()
        .filter_map(|invoice| invoice_item(&loaded, &creditor, invoice))
        .collect();
    invoices.sort_by_key(|item| (item.due_date, item.id));

    let mut totals: Vec<Money> = Vec::new();
    for item in &invoices {
        match totals
            .iter_mut()
            .find(|total| total.currency() == item.total.currency())
        {
            Some(total) => *total = total.checked_add(item.total).unwrap_or(*total),
            None => totals.push(item.total),
        }
    }

    let stored = store::requests_for_account(tx, link.account_id)?;
    let plan = plan_offer(&loaded, &settings, &stored);
    let requests = stored
        .into_iter()
        .rev()
        .map(|request| RequestItem {
            invoice_numbers: invoice_ids_of(&request)
                .iter()
                .filter_map(|id| loaded.invoice(*id))
                .map(|invoice| invoice.number.clone())
                .collect(),
            request,
        })
        .collect();

    Ok(Overview {
        creditor,
        debtor_name: account.name.clone(),
        email: account
            .emails
            .iter()
            .find(|email| snapshot::is_plausible_email(email))
            .cloned(),
        locale: account.locale,
        invoices,
        totals,
        settings,
        requests,
        today: loaded.today,
        time_zone: loaded.context.business_time_zone,
        plan,
    })
}

/// Loads one request of the link's account, or a 404 `self_service_request_not_found` for a
/// request of any other account.
pub fn request_of(
    tx: &mut Tx<'_>,
    link: &SelfServiceLink,
    id: SelfServiceRequestId,
) -> ServiceResult<SelfServiceRequest> {
    match store::get_request(tx, id) {
        Ok(request) if request.account_id == link.account_id => Ok(request),
        Ok(_) | Err(vahti_store::StoreError::NotFound { .. }) => Err(request_not_found(id)),
        Err(other) => Err(other.into()),
    }
}

fn request_not_found(id: SelfServiceRequestId) -> ServiceError {
    ServiceError::not_found(
        "self_service_request_not_found",
        format!("self-service request {id} not found"),
    )
}

/// The account's invoices that still owe something and are not handed over.
fn open_invoices(loaded: &Loaded) -> Vec<&Invoice> {
    loaded
        .invoices
        .iter()
        .filter(|invoice| invoice.kind == InvoiceKind::Invoice)
        .filter(|invoice| loaded.status_of(invoice) == InvoiceStatus::Open)
        .filter(|invoice| {
            loaded
                .balance(invoice.id)
                .is_some_and(|balance| balance.total_outstanding.is_positive())
        })
        .collect()
}

fn invoice_item(loaded: &Loaded, creditor: &Creditor, invoice: &Invoice) -> Option<InvoiceItem> {
    let balance = loaded.balance(invoice.id)?;
    let today = loaded.today;
    let interest = balance.interest_outstanding;
    let total = balance.total_outstanding.round();
    let overdue = invoice.due_date.is_some_and(|due| due < today);
    let hold = if invoice.disputed {
        Hold::Disputed
    } else if loaded.in_payment_plan(invoice.id) {
        Hold::InPlan
    } else if let Some(until) = invoice.promised_until.filter(|until| *until >= today) {
        Hold::Promised(until)
    } else if let Some(until) = invoice.paused_until.filter(|until| *until >= today) {
        Hold::Paused(until)
    } else {
        Hold::None
    };

    let reference = invoice
        .reference
        .as_deref()
        .and_then(|text| PaymentReference::parse(text).ok());
    let due = invoice.due_date.filter(|due| *due >= today);
    let (barcode, epc_qr) = match &reference {
        Some(reference) => payment_codes(creditor, reference, total, due),
        None => (None, None),
    };

    Some(InvoiceItem {
        id: invoice.id,
        number: invoice.number.clone(),
        issue_date: invoice.issue_date,
        due_date: invoice.due_date,
        principal: balance.principal_outstanding.round(),
        interest: interest.round(),
        fees: balance.fees_outstanding.round(),
        total,
        overdue,
        hold,
        reference: reference.as_ref().map(PaymentReference::to_printed),
        barcode,
        epc_qr,
    })
}

/// The virtual bank barcode and the EPC QR payload for paying `amount` with `reference`. An
/// overdue invoice gets no due date in its codes, so the bank pays at once.
fn payment_codes(
    creditor: &Creditor,
    reference: &PaymentReference,
    amount: Money,
    due: Option<NaiveDate>,
) -> (Option<String>, Option<String>) {
    if amount.currency() != Currency::EUR {
        return (None, None);
    }
    let barcode = if creditor.iban.is_finnish() {
        VirtualBarcode::for_invoice(&creditor.iban, Some(amount), reference, due)
            .ok()
            .map(|barcode| barcode.to_digits())
    } else {
        None
    };
    let name: String = creditor.name.trim().chars().take(EPC_NAME_CHARS).collect();
    let mut builder = EpcQr::builder(name, creditor.iban.clone())
        .amount(amount)
        .reference(reference.rf());
    if let Some(due) = due {
        builder = builder.due_date(due);
    }
    if let Some(bic) = &creditor.bic {
        builder = builder.bic(bic.clone());
    }
    (barcode, builder.build().ok().map(|qr| qr.payload()))
}

/// Returns what a plan would cover, or `None` when the policy allows no plan, the account has
/// an active plan or a plan request waiting, or the invoices cannot share one plan.
fn plan_offer(
    loaded: &Loaded,
    settings: &SelfServiceSettings,
    requests: &[SelfServiceRequest],
) -> Option<PlanOffer> {
    if !settings.allows_plans() || loaded.has_active_plan() {
        return None;
    }
    let waiting = requests.iter().any(|request| {
        request.kind == RequestKind::PaymentPlan && request.state == RequestState::Pending
    });
    if waiting {
        return None;
    }
    let covered = plan_invoices(loaded).ok()?;
    let currency = covered.first()?.amount.currency();
    let owed = owed_by(loaded, &covered, currency).ok()?;
    let fee = Money::new(settings.plan.fee, currency).round();
    let total = owed.checked_add(fee).ok()?;
    let max_instalments = (2..=settings.plan.max_instalments).rev().find(|count| {
        smallest_instalment(total, *count)
            .is_some_and(|least| least.amount() >= settings.plan.min_instalment)
    })?;
    Some(PlanOffer {
        owed,
        fee,
        max_instalments,
    })
}

/// The invoices a plan covers: the open ones that are not disputed. They must share one
/// currency.
fn plan_invoices(loaded: &Loaded) -> ServiceResult<Vec<&Invoice>> {
    let covered: Vec<&Invoice> = open_invoices(loaded)
        .into_iter()
        .filter(|invoice| !invoice.disputed)
        .collect();
    let Some(first) = covered.first() else {
        return Err(refused(
            "self_service_nothing_owed",
            None,
            "the account has no open, undisputed invoice",
        ));
    };
    let currency = first.amount.currency();
    if covered
        .iter()
        .any(|invoice| invoice.amount.currency() != currency)
    {
        return Err(refused(
            "self_service_currencies_mixed",
            None,
            "the open invoices are in several currencies, so one plan cannot cover them",
        ));
    }
    Ok(covered)
}

fn owed_by(loaded: &Loaded, invoices: &[&Invoice], currency: Currency) -> ServiceResult<Money> {
    Money::sum(
        currency,
        invoices
            .iter()
            .filter_map(|invoice| loaded.balance(invoice.id))
            .map(|balance| balance.total_outstanding),
    )
    .map(|sum| sum.round())
    .map_err(|error| ServiceError::internal(format!("plan total: {error}")))
}

/// The smallest of `count` instalments that add up to `total`: the total divided evenly and
/// rounded down to the minor unit, the last instalment taking the remainder.
fn smallest_instalment(total: Money, count: u32) -> Option<Money> {
    let minor = total.to_minor_units().ok()?;
    let each = minor.checked_div(i64::from(count))?;
    Some(Money::from_minor_units(each, total.currency()))
}

/// Splits `total` into `count` monthly instalments from `first`. The last one takes the
/// remainder of the even split.
pub fn plan_schedule(
    total: Money,
    count: u32,
    first: NaiveDate,
) -> ServiceResult<Vec<(NaiveDate, Money)>> {
    let minor = total
        .to_minor_units()
        .map_err(|error| ServiceError::internal(format!("plan total: {error}")))?;
    let count_i64 = i64::from(count);
    let each = minor
        .checked_div(count_i64)
        .ok_or_else(|| ServiceError::internal("a plan has no instalments"))?;
    let last = minor
        .checked_sub(each.saturating_mul(count_i64.saturating_sub(1)))
        .unwrap_or(each);
    (0..count)
        .map(|index| {
            let due = first
                .checked_add_months(Months::new(index))
                .ok_or_else(|| ServiceError::internal("an instalment falls after year 262142"))?;
            let amount = if index + 1 == count { last } else { each };
            Ok((due, Money::from_minor_units(amount, total.currency())))
        })
        .collect()
}

// Requests.

/// A dispute of one invoice, made on the page.
pub fn dispute(
    tx: &mut Tx<'_>,
    token: &str,
    invoice: InvoiceId,
    reason: &str,
    now: DateTime<Utc>,
) -> ServiceResult<Changed<SelfServiceRequest>> {
    let link = live_link(tx, token, now)?;
    let loaded = Loaded::load(tx, link.account_id, now)?;
    let target = invoice_of(&loaded, invoice)?;
    let opened = holds::open_dispute(tx, target.id, reason, now)?;
    let details = json!({
        "invoices": [target.id],
        "reason": opened.value.dispute.reason,
        "dispute_id": opened.value.dispute.id,
    });
    record(
        tx,
        &link,
        (RequestKind::Dispute, RequestState::Applied, details),
        opened,
        now,
    )
}

/// A promise to pay one invoice, or every overdue invoice when `invoice` is `None`, by
/// `pay_by`, which must lie within the policy's `max_promise_days`.
pub fn promise(
    tx: &mut Tx<'_>,
    token: &str,
    invoice: Option<InvoiceId>,
    pay_by: NaiveDate,
    now: DateTime<Utc>,
) -> ServiceResult<Changed<SelfServiceRequest>> {
    let link = live_link(tx, token, now)?;
    let loaded = Loaded::load(tx, link.account_id, now)?;
    let settings = &loaded.context.policy.self_service;
    if !settings.allows_promises() {
        return Err(not_offered("promises to pay"));
    }
    let latest = add_days(loaded.today, settings.max_promise_days);
    check_date("pay_by", pay_by, loaded.today, latest)?;
    let target = invoice.map(|id| invoice_of(&loaded, id)).transpose()?;

    let made = holds::promise(
        tx,
        link.account_id,
        &PromiseRequest {
            invoice: target.map(|invoice| invoice.external_id.clone()),
            pay_by,
            amount: None,
            currency: None,
        },
        now,
    )?;
    let invoices: Vec<InvoiceId> = match target {
        Some(invoice) => vec![invoice.id],
        None => open_invoices(&loaded)
            .into_iter()
            .filter(|invoice| invoice.due_date.is_some_and(|due| due < loaded.today))
            .filter(|invoice| !invoice.disputed)
            .map(|invoice| invoice.id)
            .collect(),
    };
    let details = json!({
        "invoices": invoices,
        "pay_by": pay_by,
        "amount": made.value.promise.amount.amount().to_string(),
        "currency": made.value.promise.amount.currency().code(),
        "promise_id": made.value.promise.id,
    });
    record(
        tx,
        &link,
        (RequestKind::Promise, RequestState::Applied, details),
        made,
        now,
    )
}

/// A request to pay the open, undisputed invoices in `instalments` monthly instalments from
/// `first_due`. It takes effect at once or waits for the creditor, as the policy says.
pub fn request_plan(
    tx: &mut Tx<'_>,
    token: &str,
    instalments: u32,
    first_due: NaiveDate,
    now: DateTime<Utc>,
) -> ServiceResult<Changed<SelfServiceRequest>> {
    let link = live_link(tx, token, now)?;
    let loaded = Loaded::load(tx, link.account_id, now)?;
    let settings = loaded.context.policy.self_service.clone();
    let requests = store::requests_for_account(tx, link.account_id)?;
    let Some(offer) = plan_offer(&loaded, &settings, &requests) else {
        return Err(not_offered("payment plans"));
    };
    if !(2..=offer.max_instalments).contains(&instalments) {
        return Err(refused(
            "self_service_instalments_invalid",
            Some("instalments"),
            format!(
                "{instalments} instalments asked; this plan allows 2 to {}",
                offer.max_instalments
            ),
        ));
    }
    let first_latest = loaded
        .today
        .checked_add_days(Days::new(MAX_FIRST_INSTALMENT_DAYS))
        .unwrap_or(loaded.today);
    let tomorrow = add_days(loaded.today, 1);
    check_date("first_due_date", first_due, tomorrow, first_latest)?;

    let covered: Vec<InvoiceId> = plan_invoices(&loaded)?
        .iter()
        .map(|invoice| invoice.id)
        .collect();
    let details = json!({
        "invoices": covered,
        "instalments": instalments,
        "first_due_date": first_due,
        "fee": offer.fee.amount().to_string(),
        "currency": offer.fee.currency().code(),
    });
    match settings.approval {
        SelfServiceApproval::Creditor => {
            pending(tx, &link, &loaded, (RequestKind::PaymentPlan, details), now)
        }
        SelfServiceApproval::Auto => {
            let (details, changed) = apply_plan(tx, &loaded, &details, now)?;
            record(
                tx,
                &link,
                (RequestKind::PaymentPlan, RequestState::Applied, details),
                changed,
                now,
            )
        }
    }
}

/// A request to move an invoice's due date to `new_due`, at most the policy's
/// `max_extension_days` after the later of the due date and today. It takes effect at once or
/// waits for the creditor, as the policy says; once in effect, collection of the invoice waits
/// until the new date. Penalty interest still runs from the original due date.
pub fn request_extension(
    tx: &mut Tx<'_>,
    token: &str,
    invoice: InvoiceId,
    new_due: NaiveDate,
    now: DateTime<Utc>,
) -> ServiceResult<Changed<SelfServiceRequest>> {
    let link = live_link(tx, token, now)?;
    let loaded = Loaded::load(tx, link.account_id, now)?;
    let settings = loaded.context.policy.self_service.clone();
    if !settings.allows_extensions() {
        return Err(not_offered("due-date extensions"));
    }
    let target = invoice_of(&loaded, invoice)?;
    if target.disputed {
        return Err(refused(
            "self_service_invoice_disputed",
            Some("invoice"),
            format!("invoice {} is disputed", target.id),
        ));
    }
    let base = target
        .due_date
        .map_or(loaded.today, |due| due.max(loaded.today));
    check_date(
        "new_due_date",
        new_due,
        add_days(base, 1),
        add_days(base, settings.max_extension_days),
    )?;
    let fee = Money::new(settings.extension_fee, target.amount.currency()).round();
    let details = json!({
        "invoices": [target.id],
        "new_due_date": new_due,
        "fee": fee.amount().to_string(),
        "currency": fee.currency().code(),
    });
    match settings.approval {
        SelfServiceApproval::Creditor => {
            pending(tx, &link, &loaded, (RequestKind::Extension, details), now)
        }
        SelfServiceApproval::Auto => {
            let (details, changed) = apply_extension(tx, &loaded, &details, now)?;
            record(
                tx,
                &link,
                (RequestKind::Extension, RequestState::Applied, details),
                changed,
                now,
            )
        }
    }
}

/// A corrected email address: later messages go to it. The address itself stays out of the
/// request's details and the events.
pub fn change_email(
    tx: &mut Tx<'_>,
    token: &str,
    email: &str,
    now: DateTime<Utc>,
) -> ServiceResult<Changed<SelfServiceRequest>> {
    let link = live_link(tx, token, now)?;
    let email = checked_email(email)?;
    let account = accounts::get(tx, link.account_id)?;
    let updated = accounts::upsert(
        tx,
        link.tenant_id,
        &AccountUpsert {
            external_id: account.external_id.clone(),
            name: account.name.clone(),
            debtor_type: account.debtor_type,
            emails: vec![email],
            locale: account.locale,
            time_zone: account.time_zone.clone(),
            policy_id: account.policy_id,
            contact: account.contact.clone(),
            e_demand_consent_until: account.e_demand_consent_until,
        },
        now,
    )?;
    emit(
        tx,
        link.tenant_id,
        EventType::AccountUpdated,
        Some(updated.id),
        None,
        json!({
            "account_id": updated.id,
            "external_id": updated.external_id,
            "changed": ["emails"],
            "source": "self_service",
        }),
        now,
    )?;
    let next_action_at = refresh_next_action(tx, link.account_id, now)?;
    let changed = Changed {
        value: (),
        next_action_at,
        email_queued: false,
    };
    let new = (
        RequestKind::EmailChange,
        RequestState::Applied,
        json!({"invoices": []}),
    );
    record(tx, &link, new, changed, now)
}

/// The creditor's decision on a pending request: an approved plan or extension takes effect
/// now, a rejected one changes nothing. The note is shown to the debtor.
pub fn decide(
    tx: &mut Tx<'_>,
    tenant: TenantId,
    id: SelfServiceRequestId,
    approve: bool,
    note: Option<&str>,
    now: DateTime<Utc>,
) -> ServiceResult<Changed<SelfServiceRequest>> {
    let note = holds::optional_text("note", note)?;
    let request = match store::get_request(tx, id) {
        Ok(request) if request.tenant_id == tenant => request,
        Ok(_) | Err(vahti_store::StoreError::NotFound { .. }) => {
            return Err(request_not_found(id));
        }
        Err(other) => return Err(other.into()),
    };
    if request.state != RequestState::Pending {
        return Err(ServiceError::conflict(
            "self_service_request_decided",
            None,
            format!("self-service request {id} is already {}", request.state),
        ));
    }

    let loaded = Loaded::load(tx, request.account_id, now)?;
    let (state, details, changed) = if approve {
        let (details, changed) = match request.kind {
            RequestKind::PaymentPlan => apply_plan(tx, &loaded, &request.details, now)?,
            RequestKind::Extension => apply_extension(tx, &loaded, &request.details, now)?,
            other => {
                return Err(ServiceError::internal(format!(
                    "self-service request {id} of kind {other} cannot be pending"
                )));
            }
        };
        (RequestState::Approved, details, changed)
    } else {
        let next_action_at = refresh_next_action(tx, request.account_id, now)?;
        let changed = Changed {
            value: (),
            next_action_at,
            email_queued: false,
        };
        (RequestState::Rejected, request.details.clone(), changed)
    };

    let decided = store::decide_request(tx, id, state, &details, note.as_deref(), now)?;
    emit(
        tx,
        tenant,
        EventType::SelfServiceRequestDecided,
        Some(decided.account_id),
        None,
        json!({
            "request_id": decided.id,
            "kind": decided.kind.as_str(),
            "state": decided.state.as_str(),
        }),
        now,
    )?;
    Ok(Changed {
        value: decided,
        next_action_at: changed.next_action_at,
        email_queued: changed.email_queued,
    })
}

/// Lists a tenant's requests for the API.
pub fn list(
    tx: &mut Tx<'_>,
    tenant: TenantId,
    state: Option<RequestState>,
    after: Option<SelfServiceRequestId>,
    limit: i64,
) -> ServiceResult<Vec<SelfServiceRequest>> {
    Ok(store::list_requests(tx, tenant, state, after, limit)?)
}

/// Loads one request of the tenant, or a 404 `self_service_request_not_found`.
pub fn find(
    tx: &mut Tx<'_>,
    tenant: TenantId,
    id: SelfServiceRequestId,
) -> ServiceResult<SelfServiceRequest> {
    match store::get_request(tx, id) {
        Ok(request) if request.tenant_id == tenant => Ok(request),
        Ok(_) | Err(vahti_store::StoreError::NotFound { .. }) => Err(request_not_found(id)),
        Err(other) => Err(other.into()),
    }
}

/// The invoices a request concerns, from its details.
pub fn invoice_ids_of(request: &SelfServiceRequest) -> Vec<InvoiceId> {
    request.details["invoices"]
        .as_array()
        .map(|ids| {
            ids.iter()
                .filter_map(Value::as_i64)
                .map(InvoiceId)
                .collect()
        })
        .unwrap_or_default()
}

/// Creates the plan a request describes: charges the plan fee on the oldest invoice, splits
/// what the invoices then owe into the requested instalments, and queues the plan's
/// confirmation email. Returns the details with the plan's id.
fn apply_plan(
    tx: &mut Tx<'_>,
    loaded: &Loaded,
    details: &Value,
    now: DateTime<Utc>,
) -> ServiceResult<(Value, Changed<()>)> {
    let instalments = details["instalments"]
        .as_u64()
        .and_then(|count| u32::try_from(count).ok())
        .ok_or_else(|| ServiceError::internal("a plan request without instalments"))?;
    let first_due = date_in(details, "first_due_date")?;
    if first_due <= loaded.today {
        return Err(ServiceError::conflict(
            "self_service_request_stale",
            None,
            format!(
                "the first instalment was asked for {first_due}, which is not after today; reject the request and agree a new plan with the debtor"
            ),
        ));
    }
    let covered = plan_invoices(loaded)?;
    let Some(oldest) = covered
        .iter()
        .min_by_key(|invoice| (invoice.due_date, invoice.id))
    else {
        return Err(ServiceError::internal("a plan without invoices"));
    };
    let currency = oldest.amount.currency();
    let fee = Money::new(loaded.context.policy.self_service.plan.fee, currency).round();
    charge(tx, loaded, oldest.id, fee, "payment_plan", now)?;

    let external_ids: Vec<String> = covered
        .iter()
        .map(|invoice| invoice.external_id.clone())
        .collect();
    let ids: Vec<InvoiceId> = covered.iter().map(|invoice| invoice.id).collect();
    let fresh = Loaded::load(tx, loaded.context.account.id, now)?;
    let fresh_covered: Vec<&Invoice> = ids.iter().filter_map(|id| fresh.invoice(*id)).collect();
    let owed = owed_by(&fresh, &fresh_covered, currency)?;
    let schedule: Vec<(NaiveDate, rust_decimal::Decimal)> =
        plan_schedule(owed, instalments, first_due)?
            .into_iter()
            .map(|(due, amount)| (due, amount.amount()))
            .collect();
    let created = holds::create_plan(tx, loaded.context.account.id, &external_ids, &schedule, now)?;

    let mut details = details.clone();
    details["plan_id"] = json!(created.value.plan.id);
    details["total"] = json!(created.value.plan.total.amount().to_string());
    let changed = Changed {
        value: (),
        next_action_at: created.next_action_at,
        email_queued: created.email_queued,
    };
    Ok((details, changed))
}

/// Carries out an extension: charges its fee and pauses collection of the invoice until the
/// new due date. Returns the details with the pause's id.
fn apply_extension(
    tx: &mut Tx<'_>,
    loaded: &Loaded,
    details: &Value,
    now: DateTime<Utc>,
) -> ServiceResult<(Value, Changed<()>)> {
    let new_due = date_in(details, "new_due_date")?;
    if new_due <= loaded.today {
        return Err(ServiceError::conflict(
            "self_service_request_stale",
            None,
            format!(
                "the extension was asked until {new_due}, which is not after today; reject the request"
            ),
        ));
    }
    let invoice_id = details["invoices"][0]
        .as_i64()
        .map(InvoiceId)
        .ok_or_else(|| ServiceError::internal("an extension request without an invoice"))?;
    let invoice = invoice_of(loaded, invoice_id)?;
    let fee = Money::new(
        loaded.context.policy.self_service.extension_fee,
        invoice.amount.currency(),
    )
    .round();
    charge(tx, loaded, invoice.id, fee, "extension", now)?;

    let reason = format!("due date extended to {new_due} on the self-service page");
    let paused = holds::pause(
        tx,
        loaded.context.account.id,
        new_due,
        &reason,
        Some(&invoice.external_id),
        now,
    )?;
    let mut details = details.clone();
    let pause = vahti_store::holds::pauses_for_account(tx, loaded.context.account.id)?
        .into_iter()
        .filter(|pause| pause.invoice_id == Some(invoice.id) && pause.lifted_at.is_none())
        .map(|pause| pause.id)
        .max();
    if let Some(pause) = pause {
        details["pause_id"] = json!(pause);
    }
    let changed = Changed {
        value: (),
        next_action_at: paused.next_action_at,
        email_queued: paused.email_queued,
    };
    Ok((details, changed))
}

/// Charges a plan or extension fee on an invoice, when the fee is above zero.
fn charge(
    tx: &mut Tx<'_>,
    loaded: &Loaded,
    invoice: InvoiceId,
    fee: Money,
    purpose: &str,
    now: DateTime<Utc>,
) -> ServiceResult<()> {
    if !fee.is_positive() {
        return Ok(());
    }
    let tenant = loaded.context.tenant.id;
    // NOTE: the store knows two fee kinds; a plan or extension fee is stored as a reminder fee
    // without a step, which the planner does not count towards max_fee_reminders.
    let charged = claims::charge_fee(
        tx,
        tenant,
        &NewFeeClaim {
            invoice_id: invoice,
            step_id: None,
            kind: FeeKind::ReminderFee,
            amount: fee,
            charged_on: loaded.today,
        },
        now,
    )?;
    emit(
        tx,
        tenant,
        EventType::FeeCharged,
        Some(loaded.context.account.id),
        Some(invoice),
        json!({
            "fee_id": charged.id,
            "amount": fee.amount().to_string(),
            "currency": fee.currency(),
            "purpose": purpose,
        }),
        now,
    )?;
    Ok(())
}

/// Stores a request that waits for the creditor. Collection goes on meanwhile.
fn pending(
    tx: &mut Tx<'_>,
    link: &SelfServiceLink,
    loaded: &Loaded,
    request: (RequestKind, Value),
    now: DateTime<Utc>,
) -> ServiceResult<Changed<SelfServiceRequest>> {
    let (kind, details) = request;
    let changed = Changed {
        value: (),
        next_action_at: loaded.context.account.next_action_at,
        email_queued: false,
    };
    record(
        tx,
        link,
        (kind, RequestState::Pending, details),
        changed,
        now,
    )
}

/// Stores a request with its event and hands back the change's outcome.
fn record<T>(
    tx: &mut Tx<'_>,
    link: &SelfServiceLink,
    new: (RequestKind, RequestState, Value),
    changed: Changed<T>,
    now: DateTime<Utc>,
) -> ServiceResult<Changed<SelfServiceRequest>> {
    let (kind, state, details) = new;
    let request = store::create_request(
        tx,
        link.tenant_id,
        &NewSelfServiceRequest {
            account_id: link.account_id,
            link_id: link.id,
            kind,
            state,
            details,
        },
        now,
    )?;
    emit(
        tx,
        link.tenant_id,
        EventType::SelfServiceRequest,
        Some(link.account_id),
        None,
        event_payload(&request),
        now,
    )?;
    Ok(Changed {
        value: request,
        next_action_at: changed.next_action_at,
        email_queued: changed.email_queued,
    })
}

/// The payload of a `self_service_request` event: ids, dates, amounts and codes only. The
/// dispute's reason is left out, because the debtor may have written personal details in it.
fn event_payload(request: &SelfServiceRequest) -> Value {
    let mut payload = json!({
        "request_id": request.id,
        "link_id": request.link_id,
        "kind": request.kind.as_str(),
        "state": request.state.as_str(),
    });
    for key in [
        "invoices",
        "pay_by",
        "amount",
        "currency",
        "instalments",
        "first_due_date",
        "fee",
        "new_due_date",
        "dispute_id",
        "promise_id",
        "plan_id",
        "pause_id",
    ] {
        if let Some(value) = request.details.get(key) {
            payload[key] = value.clone();
        }
    }
    payload
}

/// Finds an open invoice of the loaded account, or a 404 `self_service_invoice_not_found` for
/// an invoice of any other account, closed or not.
fn invoice_of(loaded: &Loaded, id: InvoiceId) -> ServiceResult<&Invoice> {
    open_invoices(loaded)
        .into_iter()
        .find(|invoice| invoice.id == id)
        .ok_or_else(|| {
            ServiceError::not_found(
                "self_service_invoice_not_found",
                format!("invoice {id} is not an open invoice of this account"),
            )
        })
        .map_err(|error| error.with_field("invoice"))
}

fn check_date(
    field: &str,
    date: NaiveDate,
    earliest: NaiveDate,
    latest: NaiveDate,
) -> ServiceResult<()> {
    if date < earliest || date > latest {
        return Err(refused(
            "self_service_date_out_of_range",
            Some(field),
            format!("{field} {date} must be from {earliest} to {latest}"),
        ));
    }
    Ok(())
}

fn checked_email(text: &str) -> ServiceResult<String> {
    let email = text.trim();
    let parsed = email.parse::<lettre::Address>();
    let plausible = !email.is_empty()
        && email.chars().count() <= MAX_EMAIL_CHARS
        && parsed.is_ok()
        && snapshot::is_plausible_email(email);
    if plausible {
        Ok(email.to_owned())
    } else {
        Err(refused(
            "self_service_email_invalid",
            Some("email"),
            "the email address is invalid; write it as name@example.fi",
        ))
    }
}

fn date_in(details: &Value, key: &str) -> ServiceResult<NaiveDate> {
    details[key]
        .as_str()
        .and_then(|text| text.parse().ok())
        .ok_or_else(|| ServiceError::internal(format!("a self-service request without {key}")))
}

fn not_offered(what: &str) -> ServiceError {
    refused(
        "self_service_not_offered",
        None,
        format!("the creditor does not offer {what} on this page"),
    )
}

fn refused(code: &str, field: Option<&str>, message: impl Into<String>) -> ServiceError {
    ServiceError::unprocessable(code, field.map(str::to_owned), message)
}

fn add_days(date: NaiveDate, days: u32) -> NaiveDate {
    date.checked_add_days(Days::new(u64::from(days)))
        .unwrap_or(date)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eur(cents: i64) -> Money {
        Money::from_minor_units(cents, Currency::EUR)
    }

    fn date(text: &str) -> NaiveDate {
        text.parse().unwrap_or_default()
    }

    #[test]
    fn schedule_splits_evenly() {
        let schedule = plan_schedule(eur(10_000), 4, date("2026-03-31")).unwrap_or_default();
        let amounts: Vec<Money> = schedule.iter().map(|(_, amount)| *amount).collect();
        assert_eq!(amounts, vec![eur(2500); 4]);
    }

    #[test]
    fn schedule_last_takes_remainder() {
        let schedule = plan_schedule(eur(10_001), 3, date("2026-03-02")).unwrap_or_default();
        let amounts: Vec<Money> = schedule.iter().map(|(_, amount)| *amount).collect();
        assert_eq!(amounts, vec![eur(3333), eur(3333), eur(3335)]);
    }

    #[test]
    fn schedule_months_clamp_to_month_end() {
        let schedule = plan_schedule(eur(300), 3, date("2026-01-31")).unwrap_or_default();
        let dates: Vec<NaiveDate> = schedule.iter().map(|(due, _)| *due).collect();
        assert_eq!(
            dates,
            vec![date("2026-01-31"), date("2026-02-28"), date("2026-03-31")]
        );
    }

    #[test]
    fn smallest_instalment_rounds_down() {
        assert_eq!(smallest_instalment(eur(1000), 3), Some(eur(333)));
        assert_eq!(smallest_instalment(eur(1000), 0), None);
    }

    #[test]
    fn email_checked() {
        assert!(checked_email(" matti@example.fi ").is_ok());
        for invalid in [
            "",
            "matti",
            "matti@localhost",
            "a b@example.fi",
            "@example.fi",
        ] {
            assert!(checked_email(invalid).is_err(), "{invalid:?}");
        }
    }
}
