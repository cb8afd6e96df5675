//! `/v1/tokens`: the calling tenant's API tokens.

use actix_web::{HttpResponse, web};
use vahti_api::{ApiErrorBody, ApiToken, CreateTokenRequest, CreatedToken, Page, PageQuery, paths};
use vahti_store::ids::TokenId;
use vahti_store::tokens::ApiToken as StoredToken;

use super::events::{id_cursor, page_limit, truncate};
use crate::app::App;
use crate::http::auth::{TenantAuth, forget_token};
use crate::http::error::ApiResult;
use crate::service::tokens as token_service;

/// Registers the token routes.
pub fn configure(config: &mut web::ServiceConfig) {
    config
        .route(paths::TOKENS, web::post().to(create_token))
        .route(paths::TOKENS, web::get().to(list_tokens))
        .route(paths::TOKEN, web::delete().to(revoke_token));
}

/// Creates an API token for the calling tenant. The plain token is in this response only.
#[utoipa::path(
    post,
    path = paths::TOKENS,
    tag = "tokens",
    operation_id = "create_token",
    request_body = CreateTokenRequest,
    responses(
        (status = 201, description = "The token with its secret, shown once.", body = CreatedToken),
        (status = 400, description = "The body is not valid JSON for the request (`body_invalid`).", body = ApiErrorBody),
        (status = 401, description = "Missing or invalid API token (`unauthorized`).", body = ApiErrorBody),
        (status = 422, description = "The name is empty or longer than 100 characters (`value_invalid`).", body = ApiErrorBody),
    ),
    security(("tenant_token" = []))
)]
pub(crate) async fn create_token(
    auth: TenantAuth,
    app: web::Data<App>,
    body: web::Json<CreateTokenRequest>,
) -> ApiResult<HttpResponse> {
    let request = body.into_inner();
    let now = app.now();
    let (token, secret) = app
        .write(move |tx| token_service::create(tx, auth.tenant, &request.name, now))
        .await?;
    tracing::info!(
        tenant.id = auth.tenant.0,
        token.id = token.id.0,
        "API token created"
    );
    Ok(HttpResponse::Created().json(CreatedToken {
        id: token.id.0,
        name: token.name.clone(),
        prefix: token.prefix.clone(),
        token: secret.token.clone(),
        created_at: token.created_at,
    }))
}

/// Lists the calling tenant's API tokens, revoked ones included, oldest first.
#[utoipa::path(
    get,
    path = paths::TOKENS,
    tag = "tokens",
    operation_id = "list_tokens",
    params(PageQuery),
    responses(
        (status = 200, description = "One page of tokens, without their secrets.", body = Page<ApiToken>),
        (status = 400, description = "A query parameter is malformed (`query_invalid`, `cursor_invalid`, `limit_out_of_range`).", body = ApiErrorBody),
        (status = 401, description = "Missing or invalid API token (`unauthorized`).", body = ApiErrorBody),
    ),
    security(("tenant_token" = []))
)]
pub(crate) async fn list_tokens(
    auth: TenantAuth,
    app: web::Data<App>,
    query: web::Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    let query = query.into_inner();
    let limit = page_limit(query.limit)?;
    let after = id_cursor(query.cursor.as_deref())?;
    let tokens = app
        .read(move |tx| token_service::list(tx, auth.tenant))
        .await?;

    let mut items: Vec<ApiToken> = tokens
        .iter()
        .filter(|token| after.is_none_or(|after| token.id.0 > after))
        .map(wire_token)
        .collect();
    let next_cursor = truncate(&mut items, limit).map(|last| last.id.to_string());
    Ok(HttpResponse::Ok().json(Page::new(items, next_cursor)))
}

/// Revokes one of the calling tenant's API tokens. It stops working at once on this daemon.
#[utoipa::path(
    delete,
    path = paths::TOKEN,
    tag = "tokens",
    operation_id = "revoke_token",
    params(("id" = i64, Path, description = "Vahti's id of the token.")),
    responses(
        (status = 200, description = "The revoked token.", body = ApiToken),
        (status = 400, description = "The id is not an integer (`path_invalid`).", body = ApiErrorBody),
        (status = 401, description = "Missing or invalid API token (`unauthorized`).", body = ApiErrorBody),
        (status = 404, description = "The tenant has no token with this id (`token_not_found`).", body = ApiErrorBody),
    ),
    security(("tenant_token" = []))
)]
pub(crate) async fn revoke_token(
    auth: TenantAuth,
    app: web::Data<App>,
    path: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let id = TokenId(path.into_inner());
    let now = app.now();
    let token = app
        .write(move |tx| token_service::revoke(tx, auth.tenant, id, now))
        .await?;
    forget_token(id);
    tracing::info!(
        tenant.id = auth.tenant.0,
        token.id = id.0,
        "API token revoked"
    );
    Ok(HttpResponse::Ok().json(wire_token(&token)))
}

fn wire_token(token: &StoredToken) -> ApiToken {
    ApiToken {
        id: token.id.0,
        name: token.name.clone(),
        prefix: token.prefix.clone(),
        created_at: token.created_at,
        last_used_at: token.last_used_at,
        revoked_at: token.revoked_at,
    }
}
