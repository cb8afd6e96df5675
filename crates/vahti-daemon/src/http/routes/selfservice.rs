//! The tenant's side of the debtor's self-service page: issuing and revoking an account's links,
//! and the requests debtors make there, with the creditor's decisions on pending ones.

use actix_web::{HttpResponse, web};
use vahti_api::{
    ApiErrorBody, CreateSelfServiceLinkRequest, DecideSelfServiceRequest, Page,
    RevokedSelfServiceLinks, SelfServiceLink, SelfServiceRequest, SelfServiceRequestKind,
    SelfServiceRequestState, SelfServiceRequestsQuery, paths,
};
use vahti_domain::ids::TenantId;
use vahti_store::ids::SelfServiceRequestId;
use vahti_store::self_service::{RequestKind, RequestState, SelfServiceRequest as Stored};

use super::events::{id_cursor, page_limit};
use super::holds::{after_change, checked_external_id};
use crate::app::App;
use crate::http::auth::TenantAuth;
use crate::http::error::ApiResult;
use crate::service::holds as hold_service;
use crate::service::selfservice::{self as service, LinkSettings};

/// Registers the self-service routes of the API.
pub fn configure(config: &mut web::ServiceConfig) {
    config
        .route(
            paths::ACCOUNT_SELF_SERVICE_LINKS,
            web::post().to(create_link),
        )
        .route(paths::ACCOUNT_SELF_SERVICE_REVOKE, web::post().to(revoke))
        .route(paths::SELF_SERVICE_REQUESTS, web::get().to(list_requests))
        .route(paths::SELF_SERVICE_REQUEST, web::get().to(get_request))
        .route(
            paths::SELF_SERVICE_REQUEST_APPROVE,
            web::post().to(approve_request),
        )
        .route(
            paths::SELF_SERVICE_REQUEST_REJECT,
            web::post().to(reject_request),
        );
}

/// Issues a new link to the account's self-service page, valid for `self_service.link_days`
/// days. Other live links stay valid unless `revoke_others` is set. The URL is returned only
/// here: Vahti stores a hash of its token.
#[utoipa::path(
    post,
    path = paths::ACCOUNT_SELF_SERVICE_LINKS,
    tag = "self-service",
    operation_id = "create_self_service_link",
    params(("external_id" = String, Path, description = "The integrator's id of the account, percent-encoded.")),
    request_body = CreateSelfServiceLinkRequest,
    responses(
        (status = 201, description = "The new link.", body = SelfServiceLink),
        (status = 400, description = "The body is not valid JSON for the request (`body_invalid`).", body = ApiErrorBody),
        (status = 401, description = "Missing or invalid API token (`unauthorized`).", body = ApiErrorBody),
        (status = 404, description = "The tenant has no account with this id (`account_not_found`).", body = ApiErrorBody),
        (status = 422, description = "The external id is invalid (`external_id_invalid`).", body = ApiErrorBody),
    ),
    security(("tenant_token" = []))
)]
pub(crate) async fn create_link(
    auth: TenantAuth,
    app: web::Data<App>,
    path: web::Path<String>,
    body: web::Json<CreateSelfServiceLinkRequest>,
) -> ApiResult<HttpResponse> {
    let external_id = checked_external_id(path.into_inner())?;
    let request = body.into_inner();
    let tenant = auth.tenant;
    let account = app
        .read(move |tx| hold_service::find_account(tx, tenant, &external_id))
        .await?;
    let settings = LinkSettings::from_config(app.config());
    let now = app.now();
    let account_id = account.id;
    let (link, url, revoked) = app
        .on_account(tenant, account_id, move |tx| {
            service::issue_link(
                tx,
                tenant,
                account_id,
                &settings,
                request.revoke_others,
                now,
            )
        })
        .await?;
    Ok(HttpResponse::Created().json(SelfServiceLink {
        id: link.id.0,
        account: account.external_id,
        url,
        expires_at: link.expires_at,
        revoked_others: u64::try_from(revoked).unwrap_or(u64::MAX),
    }))
}

/// Revokes every live link to the account's self-service page. A revoked link shows the same
/// neutral page as an unknown one.
#[utoipa::path(
    post,
    path = paths::ACCOUNT_SELF_SERVICE_REVOKE,
    tag = "self-service",
    operation_id = "revoke_self_service_links",
    params(("external_id" = String, Path, description = "The integrator's id of the account, percent-encoded.")),
    responses(
        (status = 200, description = "How many links were revoked.", body = RevokedSelfServiceLinks),
        (status = 401, description = "Missing or invalid API token (`unauthorized`).", body = ApiErrorBody),
        (status = 404, description = "The tenant has no account with this id (`account_not_found`).", body = ApiErrorBody),
        (status = 422, description = "The external id is invalid (`external_id_invalid`).", body = ApiErrorBody),
    ),
    security(("tenant_token" = []))
)]
pub(crate) async fn revoke(
    auth: TenantAuth,
    app: web::Data<App>,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let external_id = checked_external_id(path.into_inner())?;
    let tenant = auth.tenant;
    let account = app
        .read(move |tx| hold_service::find_account(tx, tenant, &external_id))
        .await?;
    let now = app.now();
    let account_id = account.id;
    let revoked = app
        .on_account(tenant, account_id, move |tx| {
            service::revoke(tx, tenant, account_id, now)
        })
        .await?;
    Ok(HttpResponse::Ok().json(RevokedSelfServiceLinks {
        account: account.external_id,
        revoked: u64::try_from(revoked).unwrap_or(u64::MAX),
    }))
}

/// Lists the requests debtors made on their self-service pages, by id, in every state or in
/// the requested `state`.
#[utoipa::path(
    get,
    path = paths::SELF_SERVICE_REQUESTS,
    tag = "self-service",
    operation_id = "list_self_service_requests",
    params(SelfServiceRequestsQuery),
    responses(
        (status = 200, description = "One page of requests.", body = Page<SelfServiceRequest>),
        (status = 400, description = "A query parameter is malformed (`query_invalid`, `cursor_invalid`, `limit_out_of_range`).", body = ApiErrorBody),
        (status = 401, description = "Missing or invalid API token (`unauthorized`).", body = ApiErrorBody),
    ),
    security(("tenant_token" = []))
)]
pub(crate) async fn list_requests(
    auth: TenantAuth,
    app: web::Data<App>,
    query: web::Query<SelfServiceRequestsQuery>,
) -> ApiResult<HttpResponse> {
    let query = query.into_inner();
    let limit = page_limit(query.limit)?;
    let after = id_cursor(query.cursor.as_deref())?.map(SelfServiceRequestId);
    let state = query.state.and_then(store_state);
    if query.state.is_some() && state.is_none() {
        return Ok(HttpResponse::Ok().json(Page::<SelfServiceRequest>::new(Vec::new(), None)));
    }
    let tenant = auth.tenant;
    let fetch = i64::from(limit).saturating_add(1);
    let (requests, externals) = app
        .read(move |tx| {
            let requests = service::list(tx, tenant, state, after, fetch)?;
            let externals = external_ids(tx, tenant, &requests)?;
            Ok((requests, externals))
        })
        .await?;
    let page_size = usize::try_from(limit).unwrap_or(usize::MAX);
    let more = requests.len() > page_size;
    let items: Vec<SelfServiceRequest> = requests
        .iter()
        .take(page_size)
        .zip(externals)
        .map(|(request, (account, invoices))| wire_request(request, account, invoices))
        .collect();
    let next_cursor = more
        .then(|| items.last().map(|item| item.id.to_string()))
        .flatten();
    Ok(HttpResponse::Ok().json(Page::new(items, next_cursor)))
}

/// Reads one self-service request.
#[utoipa::path(
    get,
    path = paths::SELF_SERVICE_REQUEST,
    tag = "self-service",
    operation_id = "get_self_service_request",
    params(("id" = i64, Path, description = "Vahti's id of the request.")),
    responses(
        (status = 200, description = "The request.", body = SelfServiceRequest),
        (status = 400, description = "The id is not an integer (`path_invalid`).", body = ApiErrorBody),
        (status = 401, description = "Missing or invalid API token (`unauthorized`).", body = ApiErrorBody),
        (status = 404, description = "The tenant has no request with this id (`self_service_request_not_found`).", body = ApiErrorBody),
    ),
    security(("tenant_token" = []))
)]
pub(crate) async fn get_request(
    auth: TenantAuth,
    app: web::Data<App>,
    path: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let id = SelfServiceRequestId(path.into_inner());
    let tenant = auth.tenant;
    let (request, (account, invoices)) = app
        .read(move |tx| {
            let request = service::find(tx, tenant, id)?;
            let externals = external_ids(tx, tenant, std::slice::from_ref(&request))?;
            Ok((request, externals.into_iter().next().unwrap_or_default()))
        })
        .await?;
    Ok(HttpResponse::Ok().json(wire_request(&request, account, invoices)))
}

/// Approves a pending payment plan or extension, which takes effect now: the plan is created
/// and its confirmation emailed, or collection of the invoice waits until the new due date.
/// The note is shown to the debtor.
#[utoipa::path(
    post,
    path = paths::SELF_SERVICE_REQUEST_APPROVE,
    tag = "self-service",
    operation_id = "approve_self_service_request",
    params(("id" = i64, Path, description = "Vahti's id of the request.")),
    request_body = DecideSelfServiceRequest,
    responses(
        (status = 200, description = "The approved request, with the id of the plan or pause it created.", body = SelfServiceRequest),
        (status = 400, description = "The id is not an integer (`path_invalid`) or the body is not valid JSON for the request (`body_invalid`).", body = ApiErrorBody),
        (status = 401, description = "Missing or invalid API token (`unauthorized`).", body = ApiErrorBody),
        (status = 404, description = "The tenant has no request with this id (`self_service_request_not_found`).", body = ApiErrorBody),
        (status = 409, description = "The request is not pending (`self_service_request_decided`), or its dates have passed (`self_service_request_stale`).", body = ApiErrorBody),
        (status = 422, description = "The note is invalid (`value_invalid`), or the request no longer fits the account, such as after a payment (`payment_plan_invalid`, `invoice_closed`).", body = ApiErrorBody),
    ),
    security(("tenant_token" = []))
)]
pub(crate) async fn approve_request(
    auth: TenantAuth,
    app: web::Data<App>,
    path: web::Path<i64>,
    body: web::Json<DecideSelfServiceRequest>,
) -> ApiResult<HttpResponse> {
    decide(auth, app, path.into_inner(), body.into_inner(), true).await
}

/// Rejects a pending payment plan or extension; nothing changes for the debtor but the
/// request's state, which their page shows with the note.
#[utoipa::path(
    post,
    path = paths::SELF_SERVICE_REQUEST_REJECT,
    tag = "self-service",
    operation_id = "reject_self_service_request",
    params(("id" = i64, Path, description = "Vahti's id of the request.")),
    request_body = DecideSelfServiceRequest,
    responses(
        (status = 200, description = "The rejected request.", body = SelfServiceRequest),
        (status = 400, description = "The id is not an integer (`path_invalid`) or the body is not valid JSON for the request (`body_invalid`).", body = ApiErrorBody),
        (status = 401, description = "Missing or invalid API token (`unauthorized`).", body = ApiErrorBody),
        (status = 404, description = "The tenant has no request with this id (`self_service_request_not_found`).", body = ApiErrorBody),
        (status = 409, description = "The request is not pending (`self_service_request_decided`).", body = ApiErrorBody),
        (status = 422, description = "The note is invalid (`value_invalid`).", body = ApiErrorBody),
    ),
    security(("tenant_token" = []))
)]
pub(crate) async fn reject_request(
    auth: TenantAuth,
    app: web::Data<App>,
    path: web::Path<i64>,
    body: web::Json<DecideSelfServiceRequest>,
) -> ApiResult<HttpResponse> {
    decide(auth, app, path.into_inner(), body.into_inner(), false).await
}

async fn decide(
    auth: TenantAuth,
    app: web::Data<App>,
    id: i64,
    body: DecideSelfServiceRequest,
    approve: bool,
) -> ApiResult<HttpResponse> {
    let id = SelfServiceRequestId(id);
    let tenant = auth.tenant;
    let request = app.read(move |tx| service::find(tx, tenant, id)).await?;
    let now = app.now();
    let changed = app
        .on_account(tenant, request.account_id, move |tx| {
            service::decide(tx, tenant, id, approve, body.note.as_deref(), now)
        })
        .await?;
    after_change(&app, &changed);
    let decided = changed.value;
    let wire = app
        .read(move |tx| {
            let externals = external_ids(tx, tenant, std::slice::from_ref(&decided))?;
            let (account, invoices) = externals.into_iter().next().unwrap_or_default();
            Ok(wire_request(&decided, account, invoices))
        })
        .await?;
    Ok(HttpResponse::Ok().json(wire))
}

/// The external ids of each request's account and invoices.
fn external_ids(
    tx: &mut vahti_store::Tx<'_>,
    tenant: TenantId,
    requests: &[Stored],
) -> crate::error::ServiceResult<Vec<(String, Vec<String>)>> {
    let mut result = Vec::with_capacity(requests.len());
    for request in requests {
        let account = vahti_store::accounts::get(tx, request.account_id)?;
        if account.tenant_id != tenant {
            return Err(crate::error::ServiceError::internal(format!(
                "self-service request {} belongs to another tenant's account",
                request.id
            )));
        }
        let mut invoices = Vec::new();
        for id in service::invoice_ids_of(request) {
            invoices.push(vahti_store::invoices::get(tx, id)?.external_id);
        }
        result.push((account.external_id, invoices));
    }
    Ok(result)
}

fn wire_request(request: &Stored, account: String, invoices: Vec<String>) -> SelfServiceRequest {
    let mut details = request.details.clone();
    if let Some(object) = details.as_object_mut() {
        object.remove("invoices");
    }
    SelfServiceRequest {
        id: request.id.0,
        account,
        kind: match request.kind {
            RequestKind::Dispute => SelfServiceRequestKind::Dispute,
            RequestKind::Promise => SelfServiceRequestKind::Promise,
            RequestKind::PaymentPlan => SelfServiceRequestKind::PaymentPlan,
            RequestKind::Extension => SelfServiceRequestKind::Extension,
            RequestKind::EmailChange => SelfServiceRequestKind::EmailChange,
        },
        state: match request.state {
            RequestState::Applied => SelfServiceRequestState::Applied,
            RequestState::Pending => SelfServiceRequestState::Pending,
            RequestState::Approved => SelfServiceRequestState::Approved,
            RequestState::Rejected => SelfServiceRequestState::Rejected,
        },
        invoices,
        details,
        note: request.note.clone(),
        created_at: request.created_at,
        decided_at: request.decided_at,
    }
}

fn store_state(state: SelfServiceRequestState) -> Option<RequestState> {
    match state {
        SelfServiceRequestState::Applied => Some(RequestState::Applied),
        SelfServiceRequestState::Pending => Some(RequestState::Pending),
        SelfServiceRequestState::Approved => Some(RequestState::Approved),
        SelfServiceRequestState::Rejected => Some(RequestState::Rejected),
        SelfServiceRequestState::Unknown => None,
    }
}
