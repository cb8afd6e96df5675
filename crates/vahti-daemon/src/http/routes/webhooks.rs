//! Webhook endpoints of the calling tenant: `/v1/webhooks`, their secrets and delivery log.

use std::str::FromStr;

use actix_web::{HttpResponse, web};
use vahti_api::limits::page_limit;
use vahti_api::{
    CreateWebhookRequest, CreatedWebhook, DeliveriesQuery, DeliveryAttempt, DeliveryState,
    EventType, Page, PageQuery, RotatedWebhookSecret, UpdateWebhookRequest, Webhook,
    WebhookDelivery, WebhookSecretInfo,
};
use vahti_store::ids::{OutboxId, WebhookEndpointId};
use vahti_store::outbox::{OutboxMessage, OutboxState};
use vahti_store::webhooks::{
    self as store_webhooks, EndpointChange, WebhookAttempt, WebhookDelivery as StoredDelivery,
    WebhookEndpoint, WebhookSecret,
};

use crate::app::App;
use crate::error::ServiceError;
use crate::http::auth::TenantAuth;
use crate::http::error::{ApiError, ApiResult};
use crate::service::webhooks::{self, EndpointInput};

/// Registers the webhook routes.
pub fn configure(config: &mut web::ServiceConfig) {
    config
        .route("/v1/webhooks", web::post().to(create))
        .route("/v1/webhooks", web::get().to(list))
        .route("/v1/webhooks/{id}", web::get().to(get))
        .route("/v1/webhooks/{id}", web::patch().to(update))
        .route("/v1/webhooks/{id}", web::delete().to(delete))
        .route(
            "/v1/webhooks/{id}/secrets/rotate",
            web::post().to(rotate_secret),
        )
        .route("/v1/webhooks/{id}/deliveries", web::get().to(deliveries))
        .route(
            "/v1/webhooks/{id}/deliveries/{delivery_id}/redeliver",
            web::post().to(redeliver),
        );
}

async fn create(
    auth: TenantAuth,
    app: web::Data<App>,
    body: web::Json<CreateWebhookRequest>,
) -> ApiResult<HttpResponse> {
    let request = body.into_inner();
    let input = EndpointInput {
        url: request.url,
        event_types: request.event_types,
        description: request.description,
    };
    let allow_insecure = app.config().webhooks.allow_insecure_http;
    let now = app.now();
    let created = app
        .write(move |tx| webhooks::create(tx, auth.tenant, &input, allow_insecure, now))
        .await?;
    let secret = created.secret.secret.clone();
    Ok(HttpResponse::Created().json(CreatedWebhook {
        webhook: wire_webhook(&created.endpoint, std::slice::from_ref(&created.secret)),
        secret,
    }))
}

async fn list(
    auth: TenantAuth,
    app: web::Data<App>,
    query: web::Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    let query = query.into_inner();
    let limit = limit_of(query.limit)?;
    let after = cursor_of(query.cursor.as_deref())?.map(WebhookEndpointId);
    let now = app.now();
    let items = app
        .read(move |tx| {
            let endpoints = store_webhooks::list(tx, auth.tenant, after, i64::from(limit) + 1)?;
            endpoints
                .into_iter()
                .map(|endpoint| {
                    let secrets = store_webhooks::active_secrets(tx, endpoint.id, now)?;
                    Ok((endpoint, secrets))
                })
                .collect::<Result<Vec<_>, ServiceError>>()
        })
        .await?;
    let (items, next_cursor) = page_of(items, limit, |(endpoint, _)| endpoint.id.0);
    let items = items
        .iter()
        .map(|(endpoint, secrets)| wire_webhook(endpoint, secrets))
        .collect();
    Ok(HttpResponse::Ok().json(Page::new(items, next_cursor)))
}

async fn get(
    auth: TenantAuth,
    app: web::Data<App>,
    path: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let id = WebhookEndpointId(path.into_inner());
    let now = app.now();
    let (endpoint, secrets) = app
        .read(move |tx| webhooks::get(tx, auth.tenant, id, now))
        .await?;
    Ok(HttpResponse::Ok().json(wire_webhook(&endpoint, &secrets)))
}

async fn update(
    auth: TenantAuth,
    app: web::Data<App>,
    path: web::Path<i64>,
    body: web::Json<UpdateWebhookRequest>,
) -> ApiResult<HttpResponse> {
    let id = WebhookEndpointId(path.into_inner());
    let request = body.into_inner();
    let change = EndpointChange {
        url: request.url,
        description: request.description,
        event_types: request.event_types,
        enabled: request.enabled,
    };
    let allow_insecure = app.config().webhooks.allow_insecure_http;
    let now = app.now();
    let (endpoint, secrets) = app
        .write(move |tx| {
            webhooks::update(tx, auth.tenant, id, &change, allow_insecure, now)?;
            webhooks::get(tx, auth.tenant, id, now)
        })
        .await?;
    Ok(HttpResponse::Ok().json(wire_webhook(&endpoint, &secrets)))
}

async fn delete(
    auth: TenantAuth,
    app: web::Data<App>,
    path: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let id = WebhookEndpointId(path.into_inner());
    let now = app.now();
    app.write(move |tx| webhooks::delete(tx, auth.tenant, id, now))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

async fn rotate_secret(
    auth: TenantAuth,
    app: web::Data<App>,
    path: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let id = WebhookEndpointId(path.into_inner());
    let grace = app.config().webhooks.secret_grace();
    let now = app.now();
    let (secret, previous_expires_at) = app
        .write(move |tx| webhooks::rotate_secret(tx, auth.tenant, id, grace, now))
        .await?;
    Ok(HttpResponse::Ok().json(RotatedWebhookSecret {
        secret: secret.secret.clone(),
        prefix: secret.prefix.clone(),
        created_at: secret.created_at,
        previous_expires_at,
    }))
}

async fn deliveries(
    auth: TenantAuth,
    app: web::Data<App>,
    path: web::Path<i64>,
    query: web::Query<DeliveriesQuery>,
) -> ApiResult<HttpResponse> {
    let id = WebhookEndpointId(path.into_inner());
    let query = query.into_inner();
    let limit = limit_of(query.limit)?;
    let before = cursor_of(query.cursor.as_deref())?.map(OutboxId);
    let state = query.state.map(store_state).transpose()?;
    let page = app
        .read(move |tx| webhooks::deliveries(tx, auth.tenant, id, before, i64::from(limit), state))
        .await?;
    let items = page
        .items
        .iter()
        .map(|(delivery, row, attempts)| wire_delivery(delivery, row, attempts))
        .collect::<Result<Vec<_>, ApiError>>()?;
    Ok(HttpResponse::Ok().json(Page::new(
        items,
        page.next_before.map(|id| id.0.to_string()),
    )))
}

async fn redeliver(
    auth: TenantAuth,
    app: web::Data<App>,
    path: web::Path<(i64, i64)>,
) -> ApiResult<HttpResponse> {
    let (id, delivery_id) = path.into_inner();
    let id = WebhookEndpointId(id);
    let delivery_id = OutboxId(delivery_id);
    let now = app.now();
    let (delivery, row) = app
        .write(move |tx| webhooks::redeliver(tx, auth.tenant, id, delivery_id, now))
        .await?;
    app.nudge_outbox();
    Ok(HttpResponse::Accepted().json(wire_delivery(&delivery, &row, &[])?))
}

/// Resolves a page size, or returns a 400 error.
pub(crate) fn limit_of(limit: Option<u32>) -> Result<u32, ApiError> {
    page_limit(limit).map_err(|error| {
        ApiError::bad_request(
            error.code().as_str(),
            Some("limit".to_owned()),
            error.to_string(),
        )
    })
}

/// Reads a cursor issued by this module: the key of the last item of the previous page.
pub(crate) fn cursor_of(cursor: Option<&str>) -> Result<Option<i64>, ApiError> {
    match cursor {
        None => Ok(None),
        Some(text) => text
            .parse::<i64>()
            .ok()
            .filter(|key| *key > 0)
            .map(Some)
            .ok_or_else(|| {
                ApiError::bad_request(
                    "cursor_invalid",
                    Some("cursor".to_owned()),
                    format!(
                        "cursor {text:?} was not issued by this server; repeat the request without it"
                    ),
                )
            }),
    }
}

/// Cuts a list read with one item more than `limit` into a page and the cursor of the next.
pub(crate) fn page_of<T>(
    mut items: Vec<T>,
    limit: u32,
    key: impl Fn(&T) -> i64,
) -> (Vec<T>, Option<String>) {
    let limit = usize::try_from(limit).unwrap_or(usize::MAX);
    if items.len() > limit {
        items.truncate(limit);
        let next = items.last().map(|item| key(item).to_string());
        (items, next)
    } else {
        (items, None)
    }
}

fn store_state(state: DeliveryState) -> Result<OutboxState, ApiError> {
    match state {
        DeliveryState::Pending => Ok(OutboxState::Pending),
        DeliveryState::Sending => Ok(OutboxState::Sending),
        DeliveryState::Sent => Ok(OutboxState::Sent),
        DeliveryState::Failed => Ok(OutboxState::Failed),
        DeliveryState::Cancelled => Ok(OutboxState::Cancelled),
        DeliveryState::Unknown => Err(ApiError::bad_request(
            "query_invalid",
            Some("state".to_owned()),
            "unknown delivery state",
        )),
    }
}

fn wire_state(state: OutboxState) -> DeliveryState {
    match state {
        OutboxState::Pending => DeliveryState::Pending,
        OutboxState::Sending => DeliveryState::Sending,
        OutboxState::Sent => DeliveryState::Sent,
        OutboxState::Failed => DeliveryState::Failed,
        OutboxState::Cancelled => DeliveryState::Cancelled,
    }
}

/// Converts an endpoint with its active secrets to its wire form.
fn wire_webhook(endpoint: &WebhookEndpoint, secrets: &[WebhookSecret]) -> Webhook {
    Webhook {
        id: endpoint.id.0,
        url: endpoint.url.clone(),
        event_types: endpoint.event_types.clone(),
        description: endpoint.description.clone(),
        enabled: endpoint.enabled,
        disabled_reason: endpoint.disabled_reason.clone(),
        consecutive_failures: u32::try_from(endpoint.consecutive_failures).unwrap_or(0),
        secrets: secrets
            .iter()
            .map(|secret| WebhookSecretInfo {
                prefix: secret.prefix.clone(),
                created_at: secret.created_at,
                expires_at: secret.expires_at,
            })
            .collect(),
        last_success_at: endpoint.last_success_at,
        last_failure_at: endpoint.last_failure_at,
        created_at: endpoint.created_at,
        updated_at: endpoint.updated_at,
    }
}

/// Converts a delivery with its attempts to its wire form.
fn wire_delivery(
    delivery: &StoredDelivery,
    row: &OutboxMessage,
    attempts: &[WebhookAttempt],
) -> Result<WebhookDelivery, ApiError> {
    let event_type = EventType::from_str(&delivery.event_type).map_err(|_| {
        ApiError::from(ServiceError::internal(format!(
            "delivery {} has the unknown event type {:?}",
            delivery.outbox_id, delivery.event_type
        )))
    })?;
    Ok(WebhookDelivery {
        id: delivery.outbox_id.0,
        event_seq: delivery.event_seq,
        event_type,
        state: wire_state(row.state),
        attempts: attempts
            .iter()
            .map(|attempt| DeliveryAttempt {
                at: attempt.attempted_at,
                status_code: attempt
                    .status_code
                    .and_then(|code| u16::try_from(code).ok()),
                error: attempt.error.clone(),
                duration_ms: u64::try_from(attempt.duration_ms).unwrap_or(0),
            })
            .collect(),
        next_attempt_at: (row.state == OutboxState::Pending).then_some(row.next_attempt_at),
        last_error: row.last_error.clone(),
        delivered_at: row.sent_at,
        created_at: delivery.created_at,
    })
}
