//! `/v1/pending`: steps that wait for a person (guided mode), and the decisions on them.

use actix_web::{HttpResponse, web};
use vahti_api::{
    Amount, ApiErrorBody, ApprovePendingRequest, Page, PendingAction, PendingActionKind,
    PendingActionState, PendingInvoice, PendingListQuery, SkipPendingRequest, StepKind, paths,
};
use vahti_domain::policy::StepKind as DomainStepKind;
use vahti_store::ids::PendingActionId;
use vahti_store::pending::{PendingKind, PendingState};

use super::events::{id_cursor, page_limit};
use super::holds::{after_change, checked_external_id};
use crate::app::App;
use crate::http::auth::TenantAuth;
use crate::http::error::ApiResult;
use crate::service::holds as hold_service;
use crate::service::pending::{self as pending_service, Approval, ListFilter, PendingView};

/// Registers the pending action routes.
pub fn configure(config: &mut web::ServiceConfig) {
    config
        .route(paths::PENDING_ACTIONS, web::get().to(list_pending))
        .route(paths::PENDING_ACTION, web::get().to(get_pending))
        .route(
            paths::PENDING_ACTION_APPROVE,
            web::post().to(approve_pending),
        )
        .route(paths::PENDING_ACTION_SKIP, web::post().to(skip_pending));
}

/// Lists pending actions by id: those still waiting, or those in the requested `state`.
#[utoipa::path(
    get,
    path = paths::PENDING_ACTIONS,
    tag = "pending",
    operation_id = "list_pending_actions",
    params(PendingListQuery),
    responses(
        (status = 200, description = "One page of pending actions, each with what it would send.", body = Page<PendingAction>),
        (status = 400, description = "A query parameter is malformed (`query_invalid`, `cursor_invalid`, `limit_out_of_range`).", body = ApiErrorBody),
        (status = 401, description = "Missing or invalid API token (`unauthorized`).", body = ApiErrorBody),
        (status = 404, description = "The tenant has no account with the `account` id (`account_not_found`).", body = ApiErrorBody),
        (status = 422, description = "The `account` id is invalid (`external_id_invalid`).", body = ApiErrorBody),
    ),
    security(("tenant_token" = []))
)]
pub(crate) async fn list_pending(
    auth: TenantAuth,
    app: web::Data<App>,
    query: web::Query<PendingListQuery>,
) -> ApiResult<HttpResponse> {
    let query = query.into_inner();
    let limit = page_limit(query.limit)?;
    let after = id_cursor(query.cursor.as_deref())?.map(PendingActionId);
    let state = match query.state {
        None | Some(PendingActionState::Pending) => Some(PendingState::Pending),
        Some(PendingActionState::Approved) => Some(PendingState::Approved),
        Some(PendingActionState::Skipped) => Some(PendingState::Skipped),
        // Actions that no longer apply are recorded as skipped, so none is ever cancelled.
        Some(_) => None,
    };
    let Some(state) = state else {
        return Ok(HttpResponse::Ok().json(Page::<PendingAction>::new(Vec::new(), None)));
    };
    let account = match query.account {
        Some(external_id) => {
            let external_id = checked_external_id(external_id)?;
            let tenant = auth.tenant;
            let account = app
                .read(move |tx| hold_service::find_account(tx, tenant, &external_id))
                .await?;
            Some(account.id)
        }
        None => None,
    };

    let page_size = usize::try_from(limit).unwrap_or(usize::MAX);
    let filter = ListFilter {
        state,
        account,
        after,
        limit: page_size.saturating_add(1),
    };
    let now = app.now();
    let tenant = auth.tenant;
    let mut views = app
        .read(move |tx| pending_service::list(tx, tenant, filter, now))
        .await?;
    let more = views.len() > page_size;
    views.truncate(page_size);
    let next_cursor = more
        .then(|| views.last().map(|view| view.action.id.to_string()))
        .flatten();
    let items = views.iter().map(wire_pending).collect();
    Ok(HttpResponse::Ok().json(Page::new(items, next_cursor)))
}

/// Reads one pending action: what its step would send, with the invoices, step keys, fees and
/// totals per currency from the ledger as of now.
#[utoipa::path(
    get,
    path = paths::PENDING_ACTION,
    tag = "pending",
    operation_id = "get_pending_action",
    params(("id" = i64, Path, description = "Vahti's id of the pending action.")),
    responses(
        (status = 200, description = "The pending action.", body = PendingAction),
        (status = 400, description = "The id is not an integer (`path_invalid`).", body = ApiErrorBody),
        (status = 401, description = "Missing or invalid API token (`unauthorized`).", body = ApiErrorBody),
        (status = 404, description = "The tenant has no pending action with this id (`pending_action_not_found`).", body = ApiErrorBody),
    ),
    security(("tenant_token" = []))
)]
pub(crate) async fn get_pending(
    auth: TenantAuth,
    app: web::Data<App>,
    path: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let id = PendingActionId(path.into_inner());
    let now = app.now();
    let tenant = auth.tenant;
    let view = app
        .read(move |tx| pending_service::get(tx, tenant, id, now))
        .await?;
    Ok(HttpResponse::Ok().json(wire_pending(&view)))
}

/// Approves a pending action.
///
/// For steps that await approval, the step runs now: its fees are charged, lowered as
/// `fee_amounts` requests, and its email is queued with `free_text` added, or its letter or task
/// becomes a new pending action. For a letter to post or a task to do, approval records it as
/// done. Invoices paid or put on hold since the action was created are skipped; when none is
/// left, the action is skipped with the reason.
#[utoipa::path(
    post,
    path = paths::PENDING_ACTION_APPROVE,
    tag = "pending",
    operation_id = "approve_pending_action",
    params(("id" = i64, Path, description = "Vahti's id of the pending action.")),
    request_body = ApprovePendingRequest,
    responses(
        (status = 200, description = "The action after the decision: `approved`, or `skipped` when no invoice was still due.", body = PendingAction),
        (status = 400, description = "The id is not an integer (`path_invalid`) or the body is not valid JSON for the request (`body_invalid`).", body = ApiErrorBody),
        (status = 401, description = "Missing or invalid API token (`unauthorized`).", body = ApiErrorBody),
        (status = 404, description = "The tenant has no pending action with this id (`pending_action_not_found`).", body = ApiErrorBody),
        (status = 409, description = "The action was already decided (`pending_action_closed`).", body = ApiErrorBody),
        (status = 422, description = "A fee is above the planned fee (`fee_above_proposed`), a fee, invoice, note or free text is invalid (`value_invalid`, `amount_too_many_decimals`), or the email cannot be composed (`account_email_missing`, `tenant_creditor_incomplete`, `message_reference_missing`).", body = ApiErrorBody),
    ),
    security(("tenant_token" = []))
)]
pub(crate) async fn approve_pending(
    auth: TenantAuth,
    app: web::Data<App>,
    path: web::Path<i64>,
    body: web::Json<ApprovePendingRequest>,
) -> ApiResult<HttpResponse> {
    let id = PendingActionId(path.into_inner());
    let request = body.into_inner();
    let tenant = auth.tenant;
    let action = app
        .read(move |tx| pending_service::find(tx, tenant, id))
        .await?;
    let approval = Approval {
        fees: request
            .fee_amounts
            .iter()
            .map(|fee| (fee.invoice.clone(), fee.amount))
            .collect(),
        free_text: request.free_text,
        note: request.note,
        decided_by: decided_by(&auth),
    };
    let now = app.now();
    let changed = app
        .on_account(tenant, action.account_id, move |tx| {
            pending_service::approve(tx, tenant, id, &approval, now)
        })
        .await?;
    after_change(&app, &changed);
    Ok(HttpResponse::Ok().json(wire_pending(&changed.value)))
}

/// Skips a pending action: its steps are recorded as skipped with the reason and not offered
/// again, and fees already charged for them are waived. Escalation continues with the policy's
/// next step when it falls due.
#[utoipa::path(
    post,
    path = paths::PENDING_ACTION_SKIP,
    tag = "pending",
    operation_id = "skip_pending_action",
    params(("id" = i64, Path, description = "Vahti's id of the pending action.")),
    request_body = SkipPendingRequest,
    responses(
        (status = 200, description = "The skipped action.", body = PendingAction),
        (status = 400, description = "The id is not an integer (`path_invalid`) or the body is not valid JSON for the request (`body_invalid`).", body = ApiErrorBody),
        (status = 401, description = "Missing or invalid API token (`unauthorized`).", body = ApiErrorBody),
        (status = 404, description = "The tenant has no pending action with this id (`pending_action_not_found`).", body = ApiErrorBody),
        (status = 409, description = "The action was already decided (`pending_action_closed`).", body = ApiErrorBody),
        (status = 422, description = "The reason is empty or invalid (`value_invalid`).", body = ApiErrorBody),
    ),
    security(("tenant_token" = []))
)]
pub(crate) async fn skip_pending(
    auth: TenantAuth,
    app: web::Data<App>,
    path: web::Path<i64>,
    body: web::Json<SkipPendingRequest>,
) -> ApiResult<HttpResponse> {
    let id = PendingActionId(path.into_inner());
    let request = body.into_inner();
    let tenant = auth.tenant;
    let action = app
        .read(move |tx| pending_service::find(tx, tenant, id))
        .await?;
    let who = decided_by(&auth);
    let now = app.now();
    let changed = app
        .on_account(tenant, action.account_id, move |tx| {
            pending_service::skip(tx, tenant, id, &request.reason, &who, now)
        })
        .await?;
    after_change(&app, &changed);
    Ok(HttpResponse::Ok().json(wire_pending(&changed.value)))
}

/// Returns the decider recorded with a decision: the API token used.
fn decided_by(auth: &TenantAuth) -> String {
    format!("token:{}", auth.token)
}

fn wire_pending(view: &PendingView) -> PendingAction {
    let action = &view.action;
    PendingAction {
        id: action.id.0,
        account: view.account.clone(),
        kind: match action.kind {
            PendingKind::Message => PendingActionKind::Message,
            PendingKind::Letter => PendingActionKind::Letter,
            PendingKind::Task => PendingActionKind::Task,
        },
        step_kind: wire_step_kind(view.step_kind),
        invoices: view
            .invoices
            .iter()
            .map(|invoice| PendingInvoice {
                invoice: invoice.invoice.clone(),
                step: invoice.step.clone(),
                currency: invoice.outstanding.currency().code().to_owned(),
                outstanding: invoice.outstanding.amount(),
                fee: invoice.fee.amount(),
            })
            .collect(),
        totals: view
            .totals
            .iter()
            .map(|total| Amount {
                amount: total.amount(),
                currency: total.currency().code().to_owned(),
            })
            .collect(),
        state: match action.state {
            PendingState::Pending => PendingActionState::Pending,
            PendingState::Approved => PendingActionState::Approved,
            PendingState::Skipped => PendingActionState::Skipped,
        },
        created_at: action.created_at,
        decided_at: action.decided_at,
        note: action.edited_text.clone(),
    }
}

/// Returns the wire form of a step kind.
pub(crate) fn wire_step_kind(kind: DomainStepKind) -> StepKind {
    match kind {
        DomainStepKind::FriendlyReminder => StepKind::FriendlyReminder,
        DomainStepKind::Reminder => StepKind::Reminder,
        DomainStepKind::FinalDemand => StepKind::FinalDemand,
        DomainStepKind::CollectionHandover => StepKind::CollectionHandover,
        DomainStepKind::ManualTask => StepKind::ManualTask,
    }
}
