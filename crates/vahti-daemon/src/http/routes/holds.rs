//! Holds and manual interventions: disputes, pauses, promises to pay, payment plans and reminders
//! sent now. Each change runs on the account's actor.

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use vahti_api::limits::validate_external_id;
use vahti_api::{
    ApiErrorBody, CreatePaymentPlanRequest, Dispute, DisputeResolution, Instalment,
    InstalmentStatus, OpenDisputeRequest, Page, PageQuery, PauseRequest, PauseState, PaymentPlan,
    PaymentPlanState, Promise, PromiseRequest, PromiseState, RemindOutcome, RemindRequest,
    RemindResponse, ResolveDisputeRequest, ResumeRequest, StepKind, paths,
};
use vahti_domain::ids::TenantId;
use vahti_store::accounts::Account;
use vahti_store::holds::{PlanState, PromiseState as StoredPromiseState};
use vahti_store::ids::{DisputeId, PaymentPlanId};

use super::events::{from_validation, id_cursor, page_limit, truncate};
use crate::app::App;
use crate::http::auth::TenantAuth;
use crate::http::error::{ApiError, ApiResult};
use crate::service::holds::{
    self as hold_service, Changed, DisputeView, PauseView, PlanView, PromiseView, RemindKind,
    Resolution,
};

/// Registers the routes of holds and manual interventions.
pub fn configure(config: &mut web::ServiceConfig) {
    config
        .route(paths::INVOICE_DISPUTES, web::post().to(open_dispute))
        .route(paths::DISPUTE_RESOLVE, web::post().to(resolve_dispute))
        .route(paths::ACCOUNT_PAUSE, web::post().to(pause))
        .route(paths::ACCOUNT_RESUME, web::post().to(resume))
        .route(paths::ACCOUNT_PROMISES, web::post().to(promise))
        .route(paths::ACCOUNT_PAYMENT_PLANS, web::post().to(create_plan))
        .route(paths::ACCOUNT_PAYMENT_PLANS, web::get().to(list_plans))
        .route(paths::PAYMENT_PLAN_CANCEL, web::post().to(cancel_plan))
        .route(paths::ACCOUNT_REMIND, web::post().to(remind));
}

/// Wakes the scheduler when the change made the account due, and the outbox sender when it
/// queued an email.
pub(crate) fn after_change<T>(app: &App, changed: &Changed<T>) {
    if changed
        .next_action_at
        .is_some_and(|at: DateTime<Utc>| at <= app.now())
    {
        app.nudge_scheduler();
    }
    if changed.email_queued {
        app.nudge_outbox();
    }
}

/// Checks an external id from the path.
pub(crate) fn checked_external_id(external_id: String) -> ApiResult<String> {
    validate_external_id(&external_id)
        .map_err(|error| from_validation(Some("external_id"), &error))?;
    Ok(external_id)
}

async fn account_of(app: &App, tenant: TenantId, external_id: String) -> ApiResult<Account> {
    let external_id = checked_external_id(external_id)?;
    Ok(app
        .read(move |tx| hold_service::find_account(tx, tenant, &external_id))
        .await?)
}

/// Opens a dispute on an invoice. Escalation of the invoice stops at once, and an email about it
/// that waits in the outbox is withdrawn before sending.
#[utoipa::path(
    post,
    path = paths::INVOICE_DISPUTES,
    tag = "holds",
    operation_id = "open_dispute",
    params(("external_id" = String, Path, description = "The integrator's id of the invoice, percent-encoded.")),
    request_body = OpenDisputeRequest,
    responses(
        (status = 201, description = "The open dispute.", body = Dispute),
        (status = 400, description = "The body is not valid JSON for the request (`body_invalid`).", body = ApiErrorBody),
        (status = 401, description = "Missing or invalid API token (`unauthorized`).", body = ApiErrorBody),
        (status = 404, description = "The tenant has no invoice with this id (`invoice_not_found`).", body = ApiErrorBody),
        (status = 409, description = "The invoice is not open (`invoice_closed`) or already has an open dispute (`dispute_already_open`).", body = ApiErrorBody),
        (status = 422, description = "The external id or the reason is invalid (`external_id_invalid`, `value_invalid`), or the document is a credit note.", body = ApiErrorBody),
    ),
    security(("tenant_token" = []))
)]
pub(crate) async fn open_dispute(
    auth: TenantAuth,
    app: web::Data<App>,
    path: web::Path<String>,
    body: web::Json<OpenDisputeRequest>,
) -> ApiResult<HttpResponse> {
    let external_id = checked_external_id(path.into_inner())?;
    let request = body.into_inner();
    let tenant = auth.tenant;
    let invoice = app
        .read(move |tx| hold_service::find_invoice(tx, tenant, &external_id))
        .await?;
    let now = app.now();
    let changed = app
        .on_account(tenant, invoice.account_id, move |tx| {
            hold_service::open_dispute(tx, invoice.id, &request.reason, now)
        })
        .await?;
    after_change(&app, &changed);
    Ok(HttpResponse::Created().json(wire_dispute(&changed.value)))
}

/// Resolves a dispute. `upheld` accepts it and `rejected` rejects it; either way the invoice is
/// no longer disputed and escalation resumes on what it still owes. An upheld dispute changes no
/// amounts: send the credit note first.
#[utoipa::path(
    post,
    path = paths::DISPUTE_RESOLVE,
    tag = "holds",
    operation_id = "resolve_dispute",
    params(("id" = i64, Path, description = "Vahti's id of the dispute.")),
    request_body = ResolveDisputeRequest,
    responses(
        (status = 200, description = "The resolved dispute.", body = Dispute),
        (status = 400, description = "The id is not an integer (`path_invalid`) or the body is not valid JSON for the request (`body_invalid`).", body = ApiErrorBody),
        (status = 401, description = "Missing or invalid API token (`unauthorized`).", body = ApiErrorBody),
        (status = 404, description = "The tenant has no dispute with this id (`dispute_not_found`).", body = ApiErrorBody),
        (status = 409, description = "The dispute is already resolved (`dispute_already_resolved`).", body = ApiErrorBody),
        (status = 422, description = "The note is too long or contains control characters (`value_invalid`).", body = ApiErrorBody),
    ),
    security(("tenant_token" = []))
)]
pub(crate) async fn resolve_dispute(
    auth: TenantAuth,
    app: web::Data<App>,
    path: web::Path<i64>,
    body: web::Json<ResolveDisputeRequest>,
) -> ApiResult<HttpResponse> {
    let id = DisputeId(path.into_inner());
    let request = body.into_inner();
    let resolution = match request.resolution {
        DisputeResolution::Upheld => Resolution::Upheld,
        _ => Resolution::Rejected,
    };
    let tenant = auth.tenant;
    let dispute = app
        .read(move |tx| hold_service::find_dispute(tx, tenant, id))
        .await?;
    let now = app.now();
    let changed = app
        .on_account(tenant, dispute.account_id, move |tx| {
            hold_service::resolve_dispute(tx, tenant, id, resolution, request.note.as_deref(), now)
        })
        .await?;
    after_change(&app, &changed);
    Ok(HttpResponse::Ok().json(wire_dispute(&changed.value)))
}

/// Pauses collection of the account, or of one of its invoices, up to and including `until`.
#[utoipa::path(
    post,
    path = paths::ACCOUNT_PAUSE,
    tag = "holds",
    operation_id = "pause_account",
    params(("external_id" = String, Path, description = "The integrator's id of the account, percent-encoded.")),
    request_body = PauseRequest,
    responses(
        (status = 200, description = "The pause now in force.", body = PauseState),
        (status = 400, description = "The body is not valid JSON for the request (`body_invalid`).", body = ApiErrorBody),
        (status = 401, description = "Missing or invalid API token (`unauthorized`).", body = ApiErrorBody),
        (status = 404, description = "The tenant has no such account, or the account no such invoice (`account_not_found`, `invoice_not_found`).", body = ApiErrorBody),
        (status = 422, description = "`until` is in the past (`date_in_past`), or the external id or reason is invalid (`external_id_invalid`, `value_invalid`).", body = ApiErrorBody),
    ),
    security(("tenant_token" = []))
)]
pub(crate) async fn pause(
    auth: TenantAuth,
    app: web::Data<App>,
    path: web::Path<String>,
    body: web::Json<PauseRequest>,
) -> ApiResult<HttpResponse> {
    let request = body.into_inner();
    let account = account_of(&app, auth.tenant, path.into_inner()).await?;
    let now = app.now();
    let changed = app
        .on_account(auth.tenant, account.id, move |tx| {
            hold_service::pause(
                tx,
                account.id,
                request.until,
                &request.reason,
                request.invoice.as_deref(),
                now,
            )
        })
        .await?;
    after_change(&app, &changed);
    Ok(HttpResponse::Ok().json(wire_pause(&changed.value)))
}

/// Ends a pause of the account, or of one of its invoices, before its last day. Escalation
/// resumes at once. An empty body resumes the whole account.
#[utoipa::path(
    post,
    path = paths::ACCOUNT_RESUME,
    tag = "holds",
    operation_id = "resume_account",
    params(("external_id" = String, Path, description = "The integrator's id of the account, percent-encoded.")),
    request_body(content = Option<ResumeRequest>, description = "The invoice to resume; the whole account when absent or empty."),
    responses(
        (status = 200, description = "The pause state after resuming.", body = PauseState),
        (status = 400, description = "The body is not valid JSON for the request (`body_invalid`).", body = ApiErrorBody),
        (status = 401, description = "Missing or invalid API token (`unauthorized`).", body = ApiErrorBody),
        (status = 404, description = "The tenant has no such account, or the account no such invoice (`account_not_found`, `invoice_not_found`).", body = ApiErrorBody),
        (status = 422, description = "The external id is invalid (`external_id_invalid`).", body = ApiErrorBody),
    ),
    security(("tenant_token" = []))
)]
pub(crate) async fn resume(
    auth: TenantAuth,
    app: web::Data<App>,
    path: web::Path<String>,
    body: web::Bytes,
) -> ApiResult<HttpResponse> {
    let request: ResumeRequest = optional_body(&body)?;
    let account = account_of(&app, auth.tenant, path.into_inner()).await?;
    let now = app.now();
    let changed = app
        .on_account(auth.tenant, account.id, move |tx| {
            hold_service::resume(tx, account.id, request.invoice.as_deref(), now)
        })
        .await?;
    after_change(&app, &changed);
    Ok(HttpResponse::Ok().json(wire_pause(&changed.value)))
}

/// Records the debtor's promise to pay by `pay_by`. No step is taken on the promised invoices
/// until the day after. Then the promise is kept if the promised amount arrived, and otherwise
/// broken (event `promise_broken`).
#[utoipa::path(
    post,
    path = paths::ACCOUNT_PROMISES,
    tag = "holds",
    operation_id = "create_promise",
    params(("external_id" = String, Path, description = "The integrator's id of the account, percent-encoded.")),
    request_body = PromiseRequest,
    responses(
        (status = 201, description = "The open promise.", body = Promise),
        (status = 400, description = "The body is not valid JSON for the request (`body_invalid`).", body = ApiErrorBody),
        (status = 401, description = "Missing or invalid API token (`unauthorized`).", body = ApiErrorBody),
        (status = 404, description = "The tenant has no such account, or the account no such invoice (`account_not_found`, `invoice_not_found`).", body = ApiErrorBody),
        (status = 409, description = "The named invoice is not open (`invoice_closed`).", body = ApiErrorBody),
        (status = 422, description = "`pay_by` is in the past (`date_in_past`), the amount is not above zero or has too many decimals (`amount_not_positive`, `amount_too_many_decimals`), the currency is unknown (`currency_unknown`), or there is no overdue invoice or the currency is ambiguous (`value_invalid`).", body = ApiErrorBody),
    ),
    security(("tenant_token" = []))
)]
pub(crate) async fn promise(
    auth: TenantAuth,
    app: web::Data<App>,
    path: web::Path<String>,
    body: web::Json<PromiseRequest>,
) -> ApiResult<HttpResponse> {
    let request = body.into_inner();
    let account = account_of(&app, auth.tenant, path.into_inner()).await?;
    let now = app.now();
    let input = hold_service::PromiseRequest {
        invoice: request.invoice,
        pay_by: request.pay_by,
        amount: request.amount,
        currency: request.currency,
    };
    let changed = app
        .on_account(auth.tenant, account.id, move |tx| {
            hold_service::promise(tx, account.id, &input, now)
        })
        .await?;
    after_change(&app, &changed);
    Ok(HttpResponse::Created().json(wire_promise(&changed.value)))
}

/// Agrees a payment plan for invoices of the account and queues its confirmation email.
///
/// The invoices must be open, undisputed and in one currency. The instalments must be after
/// today, in ascending date order, and add up exactly to what the invoices owe today, interest
/// and fees included. While the plan is active its invoices are not reminded; the account's
/// other invoices are.
#[utoipa::path(
    post,
    path = paths::ACCOUNT_PAYMENT_PLANS,
    tag = "holds",
    operation_id = "create_payment_plan",
    params(("external_id" = String, Path, description = "The integrator's id of the account, percent-encoded.")),
    request_body = CreatePaymentPlanRequest,
    responses(
        (status = 201, description = "The active plan.", body = PaymentPlan),
        (status = 400, description = "The body is not valid JSON for the request (`body_invalid`).", body = ApiErrorBody),
        (status = 401, description = "Missing or invalid API token (`unauthorized`).", body = ApiErrorBody),
        (status = 404, description = "The tenant has no such account, or the account no such invoice (`account_not_found`, `invoice_not_found`).", body = ApiErrorBody),
        (status = 409, description = "An invoice is not open (`invoice_closed`).", body = ApiErrorBody),
        (status = 422, description = "The plan breaks a rule (`payment_plan_invalid`), the invoices mix currencies (`currency_mismatch`), or an amount is not above zero or has too many decimals (`amount_not_positive`, `amount_too_many_decimals`); `field` names the value.", body = ApiErrorBody),
    ),
    security(("tenant_token" = []))
)]
pub(crate) async fn create_plan(
    auth: TenantAuth,
    app: web::Data<App>,
    path: web::Path<String>,
    body: web::Json<CreatePaymentPlanRequest>,
) -> ApiResult<HttpResponse> {
    let request = body.into_inner();
    let account = account_of(&app, auth.tenant, path.into_inner()).await?;
    let now = app.now();
    let instalments: Vec<_> = request
        .instalments
        .iter()
        .map(|instalment| (instalment.due_date, instalment.amount))
        .collect();
    let changed = app
        .on_account(auth.tenant, account.id, move |tx| {
            hold_service::create_plan(tx, account.id, &request.invoices, &instalments, now)
        })
        .await?;
    after_change(&app, &changed);
    Ok(HttpResponse::Created().json(wire_plan(&changed.value)))
}

/// Lists the account's payment plans, oldest first, with what was paid towards each instalment.
#[utoipa::path(
    get,
    path = paths::ACCOUNT_PAYMENT_PLANS,
    tag = "holds",
    operation_id = "list_payment_plans",
    params(
        ("external_id" = String, Path, description = "The integrator's id of the account, percent-encoded."),
        PageQuery,
    ),
    responses(
        (status = 200, description = "One page of plans.", body = Page<PaymentPlan>),
        (status = 400, description = "A query parameter is malformed (`query_invalid`, `cursor_invalid`, `limit_out_of_range`).", body = ApiErrorBody),
        (status = 401, description = "Missing or invalid API token (`unauthorized`).", body = ApiErrorBody),
        (status = 404, description = "The tenant has no such account (`account_not_found`).", body = ApiErrorBody),
        (status = 422, description = "The external id is invalid (`external_id_invalid`).", body = ApiErrorBody),
    ),
    security(("tenant_token" = []))
)]
pub(crate) async fn list_plans(
    auth: TenantAuth,
    app: web::Data<App>,
    path: web::Path<String>,
    query: web::Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    let query = query.into_inner();
    let limit = page_limit(query.limit)?;
    let after = id_cursor(query.cursor.as_deref())?;
    let account = account_of(&app, auth.tenant, path.into_inner()).await?;
    let now = app.now();
    let plans = app
        .read(move |tx| hold_service::list_plans(tx, account.id, now))
        .await?;
    let mut items: Vec<PaymentPlan> = plans
        .iter()
        .filter(|view| after.is_none_or(|after| view.plan.id.0 > after))
        .map(wire_plan)
        .collect();
    let next_cursor = truncate(&mut items, limit).map(|last| last.id.to_string());
    Ok(HttpResponse::Ok().json(Page::new(items, next_cursor)))
}

/// Cancels an active payment plan; escalation of its invoices resumes. The body is ignored.
#[utoipa::path(
    post,
    path = paths::PAYMENT_PLAN_CANCEL,
    tag = "holds",
    operation_id = "cancel_payment_plan",
    params(("id" = i64, Path, description = "Vahti's id of the payment plan.")),
    responses(
        (status = 200, description = "The cancelled plan.", body = PaymentPlan),
        (status = 400, description = "The id is not an integer (`path_invalid`).", body = ApiErrorBody),
        (status = 401, description = "Missing or invalid API token (`unauthorized`).", body = ApiErrorBody),
        (status = 404, description = "The tenant has no payment plan with this id (`payment_plan_not_found`).", body = ApiErrorBody),
        (status = 409, description = "The plan is completed, broken or cancelled (`payment_plan_closed`).", body = ApiErrorBody),
    ),
    security(("tenant_token" = []))
)]
pub(crate) async fn cancel_plan(
    auth: TenantAuth,
    app: web::Data<App>,
    path: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let id = PaymentPlanId(path.into_inner());
    let tenant = auth.tenant;
    let plan = app
        .read(move |tx| hold_service::find_plan(tx, tenant, id))
        .await?;
    let now = app.now();
    let changed = app
        .on_account(tenant, plan.account_id, move |tx| {
            hold_service::cancel_plan(tx, tenant, id, now)
        })
        .await?;
    after_change(&app, &changed);
    Ok(HttpResponse::Ok().json(wire_plan(&changed.value)))
}

/// Sends a reminder without a fee now, outside the policy's steps, about the account's overdue
/// invoices or the ones named. It counts as a contact for the policy's minimum contact interval,
/// and is rejected while that interval has not passed since the last message.
#[utoipa::path(
    post,
    path = paths::ACCOUNT_REMIND,
    tag = "holds",
    operation_id = "remind_account",
    params(("external_id" = String, Path, description = "The integrator's id of the account, percent-encoded.")),
    request_body = RemindRequest,
    responses(
        (status = 200, description = "The reminder is in the outbox and goes out in the next send window.", body = RemindResponse),
        (status = 400, description = "The body is not valid JSON for the request (`body_invalid`).", body = ApiErrorBody),
        (status = 401, description = "Missing or invalid API token (`unauthorized`).", body = ApiErrorBody),
        (status = 404, description = "The tenant has no such account, or the account no such invoice (`account_not_found`, `invoice_not_found`).", body = ApiErrorBody),
        (status = 409, description = "The minimum contact interval has not passed or another message waits for delivery; the message names when the next one is allowed (`contact_interval_not_elapsed`). Or no invoice is overdue and free of holds (`nothing_to_remind`).", body = ApiErrorBody),
        (status = 422, description = "The kind is not `friendly_reminder` or `reminder`, the invoices mix currencies (`value_invalid`, `currency_mismatch`), or the account has no email address or the tenant's creditor details are incomplete (`account_email_missing`, `tenant_creditor_incomplete`).", body = ApiErrorBody),
    ),
    security(("tenant_token" = []))
)]
pub(crate) async fn remind(
    auth: TenantAuth,
    app: web::Data<App>,
    path: web::Path<String>,
    body: web::Json<RemindRequest>,
) -> ApiResult<HttpResponse> {
    let request = body.into_inner();
    let kind = match request.kind {
        None | Some(StepKind::Reminder) => RemindKind::Reminder,
        Some(StepKind::FriendlyReminder) => RemindKind::Friendly,
        Some(other) => {
            return Err(ApiError::from(crate::error::ServiceError::unprocessable(
                "value_invalid",
                Some("kind".to_owned()),
                format!(
                    "kind {other} cannot be sent outside the policy's steps; use friendly_reminder or reminder"
                ),
            )));
        }
    };
    let account = account_of(&app, auth.tenant, path.into_inner()).await?;
    let now = app.now();
    let changed = app
        .on_account(auth.tenant, account.id, move |tx| {
            hold_service::remind(tx, account.id, kind, &request.invoices, now)
        })
        .await?;
    after_change(&app, &changed);
    Ok(HttpResponse::Ok().json(RemindResponse {
        outcome: RemindOutcome::Queued,
        invoices: changed.value.clone(),
        pending_action_id: None,
    }))
}

/// Decodes an optional JSON body: an empty body gives the type's default.
fn optional_body<T: serde::de::DeserializeOwned + Default>(body: &[u8]) -> ApiResult<T> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    serde_json::from_slice(body).map_err(|error| {
        let message = error.to_string();
        let field = message
            .split_once('`')
            .and_then(|(_, rest)| rest.split_once('`'))
            .map(|(field, _)| field.to_owned())
            .filter(|_| {
                message.starts_with("unknown field") || message.starts_with("missing field")
            });
        ApiError::bad_request(
            "body_invalid",
            field,
            format!("invalid JSON body: {message}"),
        )
    })
}

fn wire_dispute(view: &DisputeView) -> Dispute {
    Dispute {
        id: view.dispute.id.0,
        invoice: view.invoice.clone().unwrap_or_default(),
        account: view.account.clone(),
        reason: view.dispute.reason.clone(),
        opened_at: view.dispute.opened_at,
        resolved_at: view.dispute.resolved_at,
        resolution: view.resolution.map(|resolution| match resolution {
            Resolution::Upheld => DisputeResolution::Upheld,
            Resolution::Rejected => DisputeResolution::Rejected,
        }),
        note: view.note.clone(),
    }
}

fn wire_pause(view: &PauseView) -> PauseState {
    PauseState {
        account: view.account.clone(),
        invoice: view.invoice.clone(),
        paused_until: view.paused_until,
        reason: view.reason.clone(),
    }
}

fn wire_promise(view: &PromiseView) -> Promise {
    let promise = &view.promise;
    Promise {
        id: promise.id.0,
        account: view.account.clone(),
        invoice: view.invoice.clone(),
        pay_by: promise.promised_on,
        amount: promise.amount.amount(),
        currency: promise.amount.currency().code().to_owned(),
        state: match promise.state {
            StoredPromiseState::Open => PromiseState::Open,
            StoredPromiseState::Kept => PromiseState::Kept,
            StoredPromiseState::Broken | StoredPromiseState::Cancelled => PromiseState::Broken,
        },
        created_at: promise.created_at,
    }
}

fn wire_plan(view: &PlanView) -> PaymentPlan {
    let plan = &view.plan;
    PaymentPlan {
        id: plan.id.0,
        account: view.account.clone(),
        state: match plan.state {
            PlanState::Proposed | PlanState::Active => PaymentPlanState::Active,
            PlanState::Completed => PaymentPlanState::Completed,
            PlanState::Broken => PaymentPlanState::Broken,
            PlanState::Cancelled => PaymentPlanState::Cancelled,
        },
        invoices: view.invoices.clone(),
        currency: plan.total.currency().code().to_owned(),
        total: plan.total.amount(),
        instalments: view
            .instalments
            .iter()
            .map(|instalment| Instalment {
                due_date: instalment.due_on,
                amount: instalment.amount.amount(),
                paid: instalment.paid.amount(),
                status: if instalment.covered {
                    InstalmentStatus::Paid
                } else if instalment.overdue {
                    InstalmentStatus::Overdue
                } else {
                    InstalmentStatus::Pending
                },
            })
            .collect(),
        created_at: plan.created_at,
        updated_at: plan.updated_at,
    }
}
