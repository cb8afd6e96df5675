//! `/v1/events`: the tenant's event log by sequence number, with long-polling; and the paging
//! helpers that the list endpoints share.
//!
//! A long-poll re-reads the log whenever a write transaction of this process commits
//! ([`App::committed`]), and at least every [`FALLBACK_POLL`], so that events written by
//! another daemon on the same PostgreSQL database arrive too, at most that much later.

use std::collections::HashMap;
use std::time::Duration;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use vahti_api::limits::{self, ValidationError};
use vahti_api::{ApiErrorBody, Event, EventType, EventsQuery, EventsResponse, WireEnum, paths};
use vahti_domain::ids::{AccountId, InvoiceId, TenantId};
use vahti_store::{accounts, events, invoices};

use crate::app::App;
use crate::error::ServiceResult;
use crate::http::auth::TenantAuth;
use crate::http::error::{ApiError, ApiResult};

/// Maximum time a long-poll waits between two reads of the log when no local write wakes it.
pub const FALLBACK_POLL: Duration = Duration::from_secs(1);

/// Registers the event route.
pub fn configure(config: &mut web::ServiceConfig) {
    config.route(paths::EVENTS, web::get().to(list_events));
}

/// Reads the tenant's events after a sequence number, oldest first.
///
/// With `wait`, the request stays open until an event after `after` exists or `wait` seconds
/// have passed, and then returns an empty list.
#[utoipa::path(
    get,
    path = paths::EVENTS,
    tag = "events",
    operation_id = "list_events",
    params(EventsQuery),
    responses(
        (status = 200, description = "The events after `after`, at most `limit`; empty when none arrived within `wait`.", body = EventsResponse),
        (status = 400, description = "A query parameter is malformed or out of range (`query_invalid`, `limit_out_of_range`, `wait_out_of_range`).", body = ApiErrorBody),
        (status = 401, description = "Missing or invalid API token (`unauthorized`).", body = ApiErrorBody),
    ),
    security(("tenant_token" = []))
)]
pub(crate) async fn list_events(
    auth: TenantAuth,
    app: web::Data<App>,
    query: web::Query<EventsQuery>,
) -> ApiResult<HttpResponse> {
    let query = query.into_inner();
    let limit = page_limit(query.limit)?;
    let wait =
        limits::events_wait_seconds(query.wait).map_err(|error| from_validation(None, &error))?;
    let after = query.after.unwrap_or(0);
    if after < 0 {
        return Err(ApiError::bad_request(
            "query_invalid",
            Some("after".to_owned()),
            format!("after {after} is invalid: use 0 or the seq of an event"),
        ));
    }

    let deadline = tokio::time::Instant::now() + Duration::from_secs(u64::from(wait));
    loop {
        // Register for the commit notice before reading, so a commit between the read and the
        // wait is not missed.
        let committed = app.committed();
        tokio::pin!(committed);
        committed.as_mut().enable();

        let tenant = auth.tenant;
        let response = app
            .read(move |tx| read_events(tx, tenant, after, limit))
            .await?;
        let now = tokio::time::Instant::now();
        if !response.events.is_empty() || now >= deadline {
            return Ok(HttpResponse::Ok().json(response));
        }

        let pause = deadline.saturating_duration_since(now).min(FALLBACK_POLL);
        tokio::select! {
            () = &mut committed => {}
            () = tokio::time::sleep(pause) => {}
        }
    }
}

/// Reads up to `limit` events after `after` and turns them into their wire form.
///
/// An event whose type this version does not know is left out with a warning. `next_after`
/// still moves past it, so a client never reads it again.
fn read_events(
    tx: &mut vahti_store::Tx<'_>,
    tenant: TenantId,
    after: i64,
    limit: u32,
) -> ServiceResult<EventsResponse> {
    let stored = events::list_after(tx, tenant, after, i64::from(limit))?;
    let next_after = stored.last().map_or(after, |event| event.seq);

    let mut account_ids: HashMap<AccountId, String> = HashMap::new();
    let mut invoice_ids: HashMap<InvoiceId, String> = HashMap::new();
    let mut items = Vec::with_capacity(stored.len());
    for event in stored {
        let Some(event_type) = EventType::from_wire(&event.kind) else {
            tracing::warn!(
                tenant.id = tenant.0,
                event.seq = event.seq,
                event.kind = %event.kind,
                "event of an unknown type left out of the event log response"
            );
            continue;
        };
        let account = match event.account_id {
            Some(id) => Some(account_external_id(tx, &mut account_ids, id)?),
            None => None,
        };
        let invoice = match event.invoice_id {
            Some(id) => Some(invoice_external_id(tx, &mut invoice_ids, id)?),
            None => None,
        };
        items.push(Event {
            seq: event.seq,
            event_type,
            at: event.created_at,
            account,
            invoice,
            data: event.payload,
        });
    }
    Ok(EventsResponse {
        events: items,
        next_after,
    })
}

fn account_external_id(
    tx: &mut vahti_store::Tx<'_>,
    known: &mut HashMap<AccountId, String>,
    id: AccountId,
) -> ServiceResult<String> {
    if let Some(external_id) = known.get(&id) {
        return Ok(external_id.clone());
    }
    let external_id = accounts::get(tx, id)?.external_id;
    known.insert(id, external_id.clone());
    Ok(external_id)
}

fn invoice_external_id(
    tx: &mut vahti_store::Tx<'_>,
    known: &mut HashMap<InvoiceId, String>,
    id: InvoiceId,
) -> ServiceResult<String> {
    if let Some(external_id) = known.get(&id) {
        return Ok(external_id.clone());
    }
    let external_id = invoices::get(tx, id)?.external_id;
    known.insert(id, external_id.clone());
    Ok(external_id)
}

/// Resolves the `limit` of a list request, or the 400 response for an out-of-range value.
pub(crate) fn page_limit(limit: Option<u32>) -> ApiResult<u32> {
    limits::page_limit(limit).map_err(|error| from_validation(Some("limit"), &error))
}

/// Decodes the `cursor` of a list keyed by integer ids: the key of the last item of the previous
/// page.
pub(crate) fn id_cursor(cursor: Option<&str>) -> ApiResult<Option<i64>> {
    let Some(text) = cursor else {
        return Ok(None);
    };
    match text.parse::<i64>() {
        Ok(id) if id >= 0 => Ok(Some(id)),
        _ => Err(ApiError::bad_request(
            "cursor_invalid",
            Some("cursor".to_owned()),
            format!(
                "cursor {text:?} was not issued by this server; pass the next_cursor of the previous page unchanged"
            ),
        )),
    }
}

/// Cuts `items` to `limit` and returns the last item kept when more items followed. The key of
/// that item is the next page's cursor.
pub(crate) fn truncate<T>(items: &mut Vec<T>, limit: u32) -> Option<&T> {
    let limit = usize::try_from(limit).unwrap_or(usize::MAX);
    if items.len() <= limit {
        return None;
    }
    items.truncate(limit);
    items.last()
}

/// Builds the response to a request that breaks one of the API's limits, with the status of its
/// code.
pub(crate) fn from_validation(field: Option<&str>, error: &ValidationError) -> ApiError {
    let code = error.code();
    let status = code
        .http_status()
        .and_then(|status| StatusCode::from_u16(status).ok())
        .unwrap_or(StatusCode::BAD_REQUEST);
    ApiError::new(
        status,
        code.as_str(),
        field.map(str::to_owned),
        error.to_string(),
    )
}
