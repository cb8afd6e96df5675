//! Webhook endpoints: their validation, secrets and rotation, the fan-out of every event to the
//! subscribed endpoints, and the recording of delivery attempts.
//!
//! The fan-out runs inside the transaction that appends the event, so a change that rolls back
//! queues nothing. The body of each delivery is fixed when it is queued, so every retry sends
//! the same bytes.

use std::net::IpAddr;
use std::str::FromStr;

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use url::{Host, Url};
use vahti_api::EventType;
use vahti_domain::ids::{AccountId, TenantId};
use vahti_store::events::Event;
use vahti_store::ids::{OutboxId, WebhookEndpointId};
use vahti_store::outbox::{self, NewOutboxMessage, OutboxKind, OutboxMessage, OutboxState};
use vahti_store::webhooks::{
    self, ALL_EVENTS, EndpointChange, NewEndpoint, WebhookAttempt, WebhookDelivery,
    WebhookEndpoint, WebhookSecret,
};
use vahti_store::{StoreError, Tx, accounts, invoices};

use super::events::emit;
use crate::error::{ServiceError, ServiceResult};

/// The maximum length of an endpoint's description, in characters.
pub const MAX_DESCRIPTION_CHARS: usize = 500;

/// The maximum length of an endpoint's URL, in characters.
pub const MAX_URL_CHARS: usize = 2000;

/// The stored body of a webhook outbox row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookPayload {
    /// The endpoint.
    pub endpoint_id: WebhookEndpointId,
    /// The event's sequence number.
    pub event_seq: i64,
    /// The event's type.
    pub event_type: String,
    /// The request body: the event as `GET /v1/events` returns it.
    pub body: String,
}

impl WebhookPayload {
    /// Reads the payload of a webhook outbox row.
    pub fn of(row: &OutboxMessage) -> ServiceResult<Self> {
        serde_json::from_value(row.payload.clone()).map_err(|error| {
            ServiceError::internal(format!(
                "outbox row {} has an unreadable webhook payload: {error}",
                row.id
            ))
        })
    }
}

/// An endpoint as created, with its first secret.
#[derive(Debug, Clone)]
pub struct CreatedEndpoint {
    /// The endpoint.
    pub endpoint: WebhookEndpoint,
    /// Its secret, which the response shows once.
    pub secret: WebhookSecret,
}

/// A new endpoint as requested.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndpointInput {
    /// The URL.
    pub url: String,
    /// The event types.
    pub event_types: Vec<String>,
    /// The description.
    pub description: Option<String>,
}

/// Checks the URL of a webhook endpoint or a collection partner and returns it parsed.
///
/// It must be an absolute `https` URL, or `http` to a loopback host (`localhost`, `127.0.0.0/8`,
/// `::1`) unless `allow_insecure_http` is set. It may not carry a user name or password, which
/// the daemon would otherwise send in clear in logs and errors.
pub fn check_target_url(field: &str, text: &str, allow_insecure_http: bool) -> ServiceResult<Url> {
    let invalid = |problem: &str| {
        ServiceError::invalid(
            "webhook_url_invalid",
            Some(field.to_owned()),
            format!("{field} {text:?} {problem}"),
        )
    };
    if text.chars().count() > MAX_URL_CHARS {
        return Err(invalid("is longer than 2000 characters"));
    }
    let url = Url::parse(text).map_err(|error| {
        invalid(&format!(
            "is not an absolute URL ({error}); use a URL such as https://erp.example.com/vahti"
        ))
    })?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(invalid(
            "contains a user name or password; authenticate the request by its signature instead",
        ));
    }
    match url.scheme() {
        "https" => {}
        "http" if allow_insecure_http || is_loopback(url.host()) => {}
        "http" => {
            return Err(invalid(
                "uses plain http to a host that is not loopback; use https, or let the operator set webhooks.allow_insecure_http",
            ));
        }
        _ => return Err(invalid("must use https")),
    }
    if url.host().is_none() {
        return Err(invalid("has no host"));
    }
    Ok(url)
}

fn is_loopback(host: Option<Host<&str>>) -> bool {
    match host {
        Some(Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        Some(Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => false,
    }
}

/// Checks a list of event type names: at least one, each a type this version defines, or `*`
/// alone. Returns the names without repeats, in the order given.
pub fn check_event_types(field: &str, names: &[String]) -> ServiceResult<Vec<String>> {
    let unknown = |message: String| {
        ServiceError::invalid("event_type_unknown", Some(field.to_owned()), message)
    };
    if names.is_empty() {
        return Err(unknown(format!(
            "{field} is empty; list the event types to deliver, such as [\"invoice_paid\"], or [\"*\"] for every event"
        )));
    }
    if names.iter().any(|name| name == ALL_EVENTS) {
        if names.len() > 1 {
            return Err(unknown(format!(
                "{field} combines \"*\" with other types; \"*\" alone delivers every event"
            )));
        }
        return Ok(vec![ALL_EVENTS.to_owned()]);
    }
    let mut checked: Vec<String> = Vec::with_capacity(names.len());
    for (index, name) in names.iter().enumerate() {
        EventType::from_str(name).map_err(|error| {
            ServiceError::invalid(
                "event_type_unknown",
                Some(format!("{field}.{index}")),
                error.to_string(),
            )
        })?;
        if !checked.contains(name) {
            checked.push(name.clone());
        }
    }
    Ok(checked)
}

fn check_description(description: &str) -> ServiceResult<String> {
    let trimmed = description.trim();
    if trimmed.chars().count() > MAX_DESCRIPTION_CHARS || trimmed.chars().any(|c| c.is_control()) {
        return Err(ServiceError::invalid(
            "webhook_description_invalid",
            Some("description".to_owned()),
            "description must be at most 500 characters without control characters",
        ));
    }
    Ok(trimmed.to_owned())
}

fn not_found(id: WebhookEndpointId) -> ServiceError {
    ServiceError::not_found(
        "webhook_not_found",
        format!("webhook endpoint {id} not found; list your endpoints with GET /v1/webhooks"),
    )
}

fn map_not_found(id: WebhookEndpointId) -> impl FnOnce(StoreError) -> ServiceError {
    move |error| match error {
        StoreError::NotFound { .. } => not_found(id),
        other => ServiceError::from(other),
    }
}

/// Creates an endpoint with a new signing secret.
pub fn create(
    tx: &mut Tx<'_>,
    tenant: TenantId,
    input: &EndpointInput,
    allow_insecure_http: bool,
    now: DateTime<Utc>,
) -> ServiceResult<CreatedEndpoint> {
    check_target_url("url", &input.url, allow_insecure_http)?;
    let event_types = check_event_types("event_types", &input.event_types)?;
    let description = check_description(input.description.as_deref().unwrap_or_default())?;
    let secret = webhooks::generate_secret();
    let (endpoint, secret) = webhooks::create(
        tx,
        tenant,
        &NewEndpoint {
            url: input.url.clone(),
            description,
            event_types,
        },
        &secret,
        now,
    )?;
    Ok(CreatedEndpoint { endpoint, secret })
}

/// Applies a change to an endpoint.
pub fn update(
    tx: &mut Tx<'_>,
    tenant: TenantId,
    id: WebhookEndpointId,
    change: &EndpointChange,
    allow_insecure_http: bool,
    now: DateTime<Utc>,
) -> ServiceResult<WebhookEndpoint> {
    let mut checked = change.clone();
    if let Some(url) = &change.url {
        check_target_url("url", url, allow_insecure_http)?;
    }
    if let Some(types) = &change.event_types {
        checked.event_types = Some(check_event_types("event_types", types)?);
    }
    if let Some(description) = &change.description {
        checked.description = Some(check_description(description)?);
    }
    let endpoint = webhooks::update(tx, tenant, id, &checked, now).map_err(map_not_found(id))?;
    tracing::info!(
        tenant.id = tenant.0,
        webhook.id = id.0,
        enabled = endpoint.enabled,
        "webhook endpoint changed"
    );
    Ok(endpoint)
}

/// Loads an endpoint of the tenant with its active secrets.
pub fn get(
    tx: &mut Tx<'_>,
    tenant: TenantId,
    id: WebhookEndpointId,
    now: DateTime<Utc>,
) -> ServiceResult<(WebhookEndpoint, Vec<WebhookSecret>)> {
    let endpoint = webhooks::get(tx, tenant, id).map_err(map_not_found(id))?;
    let secrets = webhooks::active_secrets(tx, id, now)?;
    Ok((endpoint, secrets))
}

/// Deletes an endpoint of the tenant.
pub fn delete(
    tx: &mut Tx<'_>,
    tenant: TenantId,
    id: WebhookEndpointId,
    now: DateTime<Utc>,
) -> ServiceResult<()> {
    webhooks::delete(tx, tenant, id, now).map_err(map_not_found(id))
}

/// Creates a new current secret and keeps the previous one valid for `grace`. Returns the new
/// secret and when the previous one expires.
pub fn rotate_secret(
    tx: &mut Tx<'_>,
    tenant: TenantId,
    id: WebhookEndpointId,
    grace: std::time::Duration,
    now: DateTime<Utc>,
) -> ServiceResult<(WebhookSecret, DateTime<Utc>)> {
    let grace = TimeDelta::from_std(grace).map_err(|_| {
        ServiceError::internal("webhooks.secret_grace_hours is too large to compute with")
    })?;
    let secret = webhooks::generate_secret();
    let created =
        webhooks::rotate_secret(tx, tenant, id, &secret, grace, now).map_err(map_not_found(id))?;
    Ok((created, now + grace))
}

/// Queues one delivery of `event` to every enabled endpoint of its tenant that subscribes to
/// its type. Called by [`super::events::emit`] in the event's transaction.
pub fn fan_out(tx: &mut Tx<'_>, event: &Event, now: DateTime<Utc>) -> ServiceResult<()> {
    let endpoints = webhooks::subscribed(tx, event.tenant_id, &event.kind)?;
    if endpoints.is_empty() {
        return Ok(());
    }
    let Some(wire) = wire_event(tx, event)? else {
        tracing::warn!(
            tenant.id = event.tenant_id.0,
            event.seq = event.seq,
            event.kind = %event.kind,
            "event of an unknown type is not delivered to webhooks"
        );
        return Ok(());
    };
    let body = serde_json::to_string(&wire).map_err(|error| {
        ServiceError::internal(format!("cannot encode event {}: {error}", event.seq))
    })?;
    let delivered = Delivered {
        seq: event.seq,
        kind: &event.kind,
        account_id: event.account_id,
        body: &body,
    };
    for endpoint in endpoints {
        let message_id = format!("webhook:{}:{}", endpoint.id, event.seq);
        queue(tx, event.tenant_id, &endpoint, &delivered, message_id, now)?;
    }
    Ok(())
}

/// The content of a delivery: the event's number, type and account, and the request body.
struct Delivered<'a> {
    seq: i64,
    kind: &'a str,
    account_id: Option<AccountId>,
    body: &'a str,
}

fn queue(
    tx: &mut Tx<'_>,
    tenant: TenantId,
    endpoint: &WebhookEndpoint,
    delivered: &Delivered<'_>,
    message_id: String,
    now: DateTime<Utc>,
) -> ServiceResult<OutboxMessage> {
    let payload = WebhookPayload {
        endpoint_id: endpoint.id,
        event_seq: delivered.seq,
        event_type: delivered.kind.to_owned(),
        body: delivered.body.to_owned(),
    };
    let row = outbox::enqueue(
        tx,
        tenant,
        &NewOutboxMessage {
            kind: OutboxKind::Webhook,
            account_id: delivered.account_id,
            message_id,
            payload: serde_json::to_value(&payload).map_err(|error| {
                ServiceError::internal(format!("cannot encode a webhook payload: {error}"))
            })?,
            not_before: now,
        },
        now,
    )?;
    webhooks::record_delivery(
        tx,
        tenant,
        endpoint.id,
        row.id,
        delivered.seq,
        delivered.kind,
        now,
    )?;
    Ok(row)
}

/// The event as `GET /v1/events` returns it, with the external ids of its account and invoice,
/// or `None` when its type is unknown to the API.
pub fn wire_event(tx: &mut Tx<'_>, event: &Event) -> ServiceResult<Option<vahti_api::Event>> {
    let Ok(event_type) = EventType::from_str(&event.kind) else {
        return Ok(None);
    };
    let account = match event.account_id {
        Some(id) => Some(accounts::get(tx, id)?.external_id),
        None => None,
    };
    let invoice = match event.invoice_id {
        Some(id) => Some(invoices::get(tx, id)?.external_id),
        None => None,
    };
    Ok(Some(vahti_api::Event {
        seq: event.seq,
        event_type,
        at: event.created_at,
        account,
        invoice,
        data: event.payload.clone(),
    }))
}

/// The result of one attempt, as the sender hands it over for recording.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttemptOutcome {
    /// The attempt; without an error it succeeded.
    pub attempt: WebhookAttempt,
    /// When to try again after a failure; `None` gives the delivery up.
    pub retry_at: Option<DateTime<Utc>>,
    /// Failed attempts in a row after which the endpoint is disabled.
    pub failures_before_disable: u32,
}

/// Records an attempt of a claimed webhook row: the attempt itself, the row's new state, and
/// the endpoint's failure count. Disables the endpoint with a `webhook_disabled` event when the
/// failures in a row reach the limit, and returns whether it did.
pub fn record_attempt(
    tx: &mut Tx<'_>,
    tenant: TenantId,
    outbox_id: OutboxId,
    worker: &str,
    outcome: &AttemptOutcome,
    now: DateTime<Utc>,
) -> ServiceResult<bool> {
    let attempt = &outcome.attempt;
    webhooks::record_attempt(tx, tenant, attempt)?;

    let Some(error) = &attempt.error else {
        outbox::complete(tx, outbox_id, worker, now)?;
        webhooks::record_success(tx, attempt.endpoint_id, now)?;
        return Ok(false);
    };

    outbox::fail(tx, outbox_id, worker, error, outcome.retry_at, now)?;
    let endpoint = webhooks::record_failure(tx, attempt.endpoint_id, now)?;
    let failures = u32::try_from(endpoint.consecutive_failures).unwrap_or(0);
    if failures < outcome.failures_before_disable {
        return Ok(false);
    }
    let reason = format!(
        "disabled after {failures} failed deliveries in a row; the last one failed with: {error}"
    );
    if !webhooks::disable(tx, endpoint.id, &reason, now)? {
        return Ok(false);
    }
    emit(
        tx,
        tenant,
        EventType::WebhookDisabled,
        None,
        None,
        json!({
            "webhook_id": endpoint.id,
            "consecutive_failures": failures,
            "last_status": attempt.status_code,
        }),
        now,
    )?;
    Ok(true)
}

/// One page of an endpoint's delivery log, with the attempts of each delivery.
#[derive(Debug, Clone)]
pub struct DeliveryPage {
    /// The deliveries, newest first, with their outbox rows and attempts.
    pub items: Vec<(WebhookDelivery, OutboxMessage, Vec<WebhookAttempt>)>,
    /// The delivery id to continue after, when more may follow.
    pub next_before: Option<OutboxId>,
}

/// Lists an endpoint's deliveries, newest first: those below `before`, at most `limit`, and only
/// those in `state` when given.
pub fn deliveries(
    tx: &mut Tx<'_>,
    tenant: TenantId,
    id: WebhookEndpointId,
    before: Option<OutboxId>,
    limit: i64,
    state: Option<OutboxState>,
) -> ServiceResult<DeliveryPage> {
    webhooks::get(tx, tenant, id).map_err(map_not_found(id))?;
    let page_size = usize::try_from(limit).unwrap_or(usize::MAX);
    let batch_size = limit.saturating_add(1);
    let mut items = Vec::new();
    let mut cursor = before;
    // A state filter skips rows, so read on until one item more than a page is found, which
    // shows that another page follows, or until the log ends.
    let next_before = loop {
        let batch = webhooks::deliveries(tx, id, cursor, batch_size)?;
        let exhausted = i64::try_from(batch.len()).unwrap_or(i64::MAX) < batch_size;
        cursor = batch.last().map(|(delivery, _)| delivery.outbox_id);
        for (delivery, row) in batch {
            if state.is_none_or(|selected| row.state == selected) {
                items.push((delivery, row));
            }
        }
        if items.len() > page_size {
            items.truncate(page_size);
            break items.last().map(|(delivery, _)| delivery.outbox_id);
        }
        if exhausted {
            break None;
        }
    };

    let ids: Vec<OutboxId> = items
        .iter()
        .map(|(delivery, _)| delivery.outbox_id)
        .collect();
    let mut attempts = webhooks::attempts_for(tx, &ids)?;
    let items = items
        .into_iter()
        .map(|(delivery, row)| {
            let mine: Vec<WebhookAttempt> = attempts
                .extract_if(.., |attempt| attempt.outbox_id == delivery.outbox_id)
                .collect();
            (delivery, row, mine)
        })
        .collect();
    Ok(DeliveryPage { items, next_before })
}

/// Queues the event of a delivery for its endpoint again, as a new delivery with the same event
/// id, and returns the new delivery with its outbox row.
///
/// Fails with 409 while the delivery still waits in the queue or the endpoint is disabled.
pub fn redeliver(
    tx: &mut Tx<'_>,
    tenant: TenantId,
    id: WebhookEndpointId,
    delivery_id: OutboxId,
    now: DateTime<Utc>,
) -> ServiceResult<(WebhookDelivery, OutboxMessage)> {
    let endpoint = webhooks::get(tx, tenant, id).map_err(map_not_found(id))?;
    let (delivery, row) = webhooks::delivery(tx, id, delivery_id).map_err(|error| match error {
        StoreError::NotFound { .. } => ServiceError::not_found(
            "webhook_delivery_not_found",
            format!(
                "webhook endpoint {id} has no delivery {delivery_id}; list them with GET /v1/webhooks/{id}/deliveries"
            ),
        ),
        other => ServiceError::from(other),
    })?;
    if !endpoint.enabled {
        return Err(ServiceError::conflict(
            "webhook_disabled",
            None,
            format!(
                "webhook endpoint {id} is disabled; enable it with PATCH /v1/webhooks/{id} before redelivering"
            ),
        ));
    }
    if matches!(row.state, OutboxState::Pending | OutboxState::Sending) {
        return Err(ServiceError::conflict(
            "webhook_delivery_queued",
            None,
            format!(
                "delivery {delivery_id} is still {} and will be attempted again; wait for it to finish",
                row.state
            ),
        ));
    }
    let payload = WebhookPayload::of(&row)?;
    let delivered = Delivered {
        seq: delivery.event_seq,
        kind: &delivery.event_type,
        account_id: row.account_id,
        body: &payload.body,
    };
    let message_id = format!(
        "webhook:{id}:{}:redelivery:{delivery_id}:{}",
        delivery.event_seq,
        uuid::Uuid::new_v4()
    );
    let queued = queue(tx, tenant, &endpoint, &delivered, message_id, now)?;
    tracing::info!(
        tenant.id = tenant.0,
        webhook.id = id.0,
        outbox.id = queued.id.0,
        event.seq = delivery.event_seq,
        "webhook redelivery queued"
    );
    let (new_delivery, new_row) = webhooks::delivery(tx, id, queued.id)?;
    Ok((new_delivery, new_row))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_accepted() {
        for (url, insecure) in [
            ("https://erp.example.com/hooks", false),
            ("http://127.0.0.1:8080/hooks", false),
            ("http://localhost/hooks", false),
            ("http://[::1]:9000/", false),
            ("http://erp.internal/hooks", true),
        ] {
            assert!(check_target_url("url", url, insecure).is_ok(), "{url}");
        }
    }

    #[test]
    fn urls_rejected() {
        for url in [
            "erp.example.com/hooks",
            "ftp://erp.example.com/",
            "http://erp.example.com/hooks",
            "http://10.0.0.1/hooks",
            "https://user:pass@erp.example.com/",
            "mailto:ops@example.com",
        ] {
            let error = check_target_url("url", url, false).unwrap_err();
            assert_eq!(error.code(), "webhook_url_invalid", "{url}");
            assert_eq!(error.field(), Some("url"), "{url}");
        }
    }

    #[test]
    fn event_types_checked() {
        let names = |list: &[&str]| {
            list.iter()
                .map(|name| (*name).to_owned())
                .collect::<Vec<_>>()
        };
        assert_eq!(
            check_event_types(
                "event_types",
                &names(&["invoice_paid", "invoice_paid", "step_sent"])
            )
            .unwrap(),
            names(&["invoice_paid", "step_sent"])
        );
        assert_eq!(
            check_event_types("event_types", &names(&["*"])).unwrap(),
            names(&["*"])
        );

        let empty = check_event_types("event_types", &[]).unwrap_err();
        assert_eq!(empty.code(), "event_type_unknown");
        let mixed = check_event_types("event_types", &names(&["*", "invoice_paid"])).unwrap_err();
        assert_eq!(mixed.code(), "event_type_unknown");
        let unknown = check_event_types("event_types", &names(&["invoice_paid", "invoice.paid"]))
            .unwrap_err();
        assert_eq!(unknown.field(), Some("event_types.1"));
    }
}
