//! `/v1/policies`: collection policies, their versions and offline validation.

use actix_web::{HttpResponse, web};
use vahti_api::limits::validate_policy_key;
use vahti_api::{
    ApiErrorBody, CreatePolicyRequest, Page, PageQuery, Policy, PolicyIssue, PolicySummary,
    PolicyValidation, PolicyVersion, UpdatePolicyRequest, ValidatePolicyRequest, paths,
};
use vahti_domain::policy::PolicyViolation;
use vahti_store::policies::PolicyVersion as StoredVersion;

use super::events::{from_validation, page_limit, truncate};
use crate::app::App;
use crate::http::auth::TenantAuth;
use crate::http::error::{ApiError, ApiResult};
use crate::service::policies::{self as policy_service, PolicyRecord};

/// Registers the policy routes. The validation route comes first so that `validate` is never
/// taken for a policy key.
pub fn configure(config: &mut web::ServiceConfig) {
    config
        .route(paths::POLICY_VALIDATE, web::post().to(validate_policy))
        .route(paths::POLICIES, web::post().to(create_policy))
        .route(paths::POLICIES, web::get().to(list_policies))
        .route(paths::POLICY, web::get().to(get_policy))
        .route(paths::POLICY, web::put().to(update_policy));
}

/// Creates a policy at version 1.
///
/// The body is checked against the policy format and against the legal rules of its debtor
/// type. A policy with errors is rejected with every error listed in the message.
#[utoipa::path(
    post,
    path = paths::POLICIES,
    tag = "policies",
    operation_id = "create_policy",
    request_body = CreatePolicyRequest,
    responses(
        (status = 201, description = "The new policy at version 1, its body normalised with every default filled in.", body = Policy),
        (status = 400, description = "The body is not valid JSON for the request (`body_invalid`).", body = ApiErrorBody),
        (status = 401, description = "Missing or invalid API token (`unauthorized`).", body = ApiErrorBody),
        (status = 409, description = "A policy with this key exists (`policy_exists`).", body = ApiErrorBody),
        (status = 422, description = "The key breaks the key format (`policy_key_invalid`), or the policy breaks the format or a rule (`policy_invalid`); the message lists every violation and `field` names the first.", body = ApiErrorBody),
    ),
    security(("tenant_token" = []))
)]
pub(crate) async fn create_policy(
    auth: TenantAuth,
    app: web::Data<App>,
    body: web::Json<CreatePolicyRequest>,
) -> ApiResult<HttpResponse> {
    let request = body.into_inner();
    let now = app.now();
    let record = app
        .write(move |tx| {
            policy_service::create(tx, auth.tenant, &request.key, &request.policy, now)
        })
        .await?;
    Ok(HttpResponse::Created().json(wire_policy(&record)?))
}

/// Lists the tenant's policies by key, without their bodies.
#[utoipa::path(
    get,
    path = paths::POLICIES,
    tag = "policies",
    operation_id = "list_policies",
    params(PageQuery),
    responses(
        (status = 200, description = "One page of policies, ordered by key.", body = Page<PolicySummary>),
        (status = 400, description = "A query parameter is malformed (`query_invalid`, `cursor_invalid`, `limit_out_of_range`).", body = ApiErrorBody),
        (status = 401, description = "Missing or invalid API token (`unauthorized`).", body = ApiErrorBody),
    ),
    security(("tenant_token" = []))
)]
pub(crate) async fn list_policies(
    auth: TenantAuth,
    app: web::Data<App>,
    query: web::Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    let query = query.into_inner();
    let limit = page_limit(query.limit)?;
    let after = match query.cursor {
        Some(cursor) => {
            validate_policy_key(&cursor).map_err(|_| {
                ApiError::bad_request(
                    "cursor_invalid",
                    Some("cursor".to_owned()),
                    format!(
                        "cursor {cursor:?} was not issued by this server; pass the next_cursor of the previous page unchanged"
                    ),
                )
            })?;
            Some(cursor)
        }
        None => None,
    };
    let listed = app
        .read(move |tx| policy_service::list(tx, auth.tenant))
        .await?;

    let mut items = Vec::with_capacity(listed.len());
    for (policy, current) in listed
        .iter()
        .filter(|(policy, _)| after.as_ref().is_none_or(|after| policy.key > *after))
    {
        items.push(PolicySummary {
            key: policy.key.clone(),
            version: version_number(current)?,
            created_at: policy.created_at,
            updated_at: current.created_at,
        });
    }
    let next_cursor = truncate(&mut items, limit).map(|last| last.key.clone());
    Ok(HttpResponse::Ok().json(Page::new(items, next_cursor)))
}

/// Reads a policy: its current body and version, and the history of its versions.
#[utoipa::path(
    get,
    path = paths::POLICY,
    tag = "policies",
    operation_id = "get_policy",
    params(("key" = String, Path, description = "The policy's key, such as `default-consumer`.")),
    responses(
        (status = 200, description = "The policy with its version history.", body = Policy),
        (status = 401, description = "Missing or invalid API token (`unauthorized`).", body = ApiErrorBody),
        (status = 404, description = "The tenant has no policy with this key (`policy_not_found`).", body = ApiErrorBody),
        (status = 422, description = "The key breaks the key format (`policy_key_invalid`).", body = ApiErrorBody),
    ),
    security(("tenant_token" = []))
)]
pub(crate) async fn get_policy(
    auth: TenantAuth,
    app: web::Data<App>,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let key = checked_key(path.into_inner())?;
    let record = app
        .read(move |tx| policy_service::get(tx, auth.tenant, &key))
        .await?;
    Ok(HttpResponse::Ok().json(wire_policy(&record)?))
}

/// Saves a new version of a policy, the default policies included.
///
/// The response comes after the next wake-up of every account that uses the policy was
/// recomputed from the new version: accounts that name the policy and, for `default-consumer`
/// and `default-business`, accounts of that debtor type that name none.
#[utoipa::path(
    put,
    path = paths::POLICY,
    tag = "policies",
    operation_id = "update_policy",
    params(("key" = String, Path, description = "The policy's key, such as `default-consumer`.")),
    request_body = UpdatePolicyRequest,
    responses(
        (status = 200, description = "The policy at its new version.", body = Policy),
        (status = 400, description = "The body is not valid JSON for the request (`body_invalid`).", body = ApiErrorBody),
        (status = 401, description = "Missing or invalid API token (`unauthorized`).", body = ApiErrorBody),
        (status = 404, description = "The tenant has no policy with this key (`policy_not_found`).", body = ApiErrorBody),
        (status = 422, description = "The key breaks the key format (`policy_key_invalid`), or the policy breaks the format or a rule or changes the debtor type (`policy_invalid`); the message lists every violation and `field` names the first.", body = ApiErrorBody),
    ),
    security(("tenant_token" = []))
)]
pub(crate) async fn update_policy(
    auth: TenantAuth,
    app: web::Data<App>,
    path: web::Path<String>,
    body: web::Json<UpdatePolicyRequest>,
) -> ApiResult<HttpResponse> {
    let key = checked_key(path.into_inner())?;
    let request = body.into_inner();
    let now = app.now();
    let (record, affected) = app
        .write(move |tx| policy_service::update(tx, auth.tenant, &key, &request.policy, now))
        .await?;

    // The recomputation runs as a task of its own, so that a client that disconnects does not
    // stop it halfway.
    // NOTE: the response waits for every affected account, and a recomputation cut short by a
    // crash is not resumed. Those accounts keep their old wake-up, which plans with the new
    // version when it comes but may come later than the new version's first step.
    let worker = app.get_ref().clone();
    let tenant = auth.tenant;
    let recomputed = actix_rt::spawn(async move {
        policy_service::recompute_affected(&worker, tenant, affected).await
    })
    .await
    .map_err(|error| {
        tracing::error!(error = %error, "recomputing wake-ups after a policy change panicked");
        ApiError::from(crate::error::ServiceError::internal(
            "recomputing the accounts' next wake-ups failed; see the daemon log",
        ))
    })??;
    tracing::info!(
        tenant.id = tenant.0,
        policy.id = record.policy.id.0,
        accounts = recomputed,
        "next wake-ups recomputed after a policy change"
    );
    Ok(HttpResponse::Ok().json(wire_policy(&record)?))
}

/// Checks a policy without saving it and lists every error and warning.
#[utoipa::path(
    post,
    path = paths::POLICY_VALIDATE,
    tag = "policies",
    operation_id = "validate_policy",
    request_body = ValidatePolicyRequest,
    responses(
        (status = 200, description = "The result of the check; `valid` is false when `errors` is not empty.", body = PolicyValidation),
        (status = 400, description = "The body is not valid JSON for the request (`body_invalid`).", body = ApiErrorBody),
        (status = 401, description = "Missing or invalid API token (`unauthorized`).", body = ApiErrorBody),
    ),
    security(("tenant_token" = []))
)]
pub(crate) async fn validate_policy(
    _auth: TenantAuth,
    body: web::Json<ValidatePolicyRequest>,
) -> HttpResponse {
    let (_, report) = policy_service::check(&body.policy);
    HttpResponse::Ok().json(PolicyValidation {
        valid: report.is_valid(),
        errors: report.errors.iter().map(wire_issue).collect(),
        warnings: report.warnings.iter().map(wire_issue).collect(),
    })
}

fn checked_key(key: String) -> ApiResult<String> {
    validate_policy_key(&key).map_err(|error| from_validation(Some("key"), &error))?;
    Ok(key)
}

fn wire_issue(violation: &PolicyViolation) -> PolicyIssue {
    PolicyIssue {
        step: violation.step.clone(),
        field: (!violation.field.is_empty()).then(|| violation.field.clone()),
        rule: violation.rule.clone(),
        message: violation.message.clone(),
    }
}

fn wire_policy(record: &PolicyRecord) -> ApiResult<Policy> {
    let versions = record
        .versions
        .iter()
        .map(|version| {
            Ok(PolicyVersion {
                version: version_number(version)?,
                created_at: version.created_at,
            })
        })
        .collect::<ApiResult<Vec<_>>>()?;
    Ok(Policy {
        key: record.policy.key.clone(),
        version: version_number(&record.current)?,
        policy: record.current.body.clone(),
        created_at: record.policy.created_at,
        updated_at: record.current.created_at,
        versions,
    })
}

fn version_number(version: &StoredVersion) -> ApiResult<u32> {
    u32::try_from(version.version).map_err(|_| {
        ApiError::from(crate::error::ServiceError::internal(format!(
            "policy version {} has the invalid number {}",
            version.id, version.version
        )))
    })
}
