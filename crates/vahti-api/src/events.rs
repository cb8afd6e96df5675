//! The event log: every change Vahti makes, in order, for clients to follow by sequence number.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::wire::wire_enum;

wire_enum! {
    /// The type of an event.
    ///
    /// New types may appear in later versions, and the Rust type decodes them as
    /// `EventType::Unknown`. A client that follows the log should skip events it does not know.
    pub enum EventType {
        /// An invoice or credit note was created.
        InvoiceCreated = "invoice_created",
        /// An invoice or credit note was changed by an upsert, issue or due-date change.
        InvoiceUpdated = "invoice_updated",
        /// An invoice passed its due date unpaid.
        InvoiceOverdue = "invoice_overdue",
        /// An invoice was paid in full.
        InvoicePaid = "invoice_paid",
        /// An invoice was settled by credit notes.
        InvoiceCredited = "invoice_credited",
        /// An invoice was cancelled.
        InvoiceCancelled = "invoice_cancelled",
        /// A step's message was put in the outbox.
        StepQueued = "step_queued",
        /// A step's message was delivered, or its task done.
        StepSent = "step_sent",
        /// A step's delivery failed for good.
        StepFailed = "step_failed",
        /// A step was skipped by a person or by the catch-up rules after downtime.
        StepSkipped = "step_skipped",
        /// A step waits for approval as a pending action.
        ApprovalNeeded = "approval_needed",
        /// A pending action was approved.
        ActionApproved = "action_approved",
        /// A pending action was skipped.
        ActionSkipped = "action_skipped",
        /// A queued email was withdrawn before delivery, because the invoice was paid, disputed
        /// or paused meanwhile.
        EmailCancelled = "email_cancelled",
        /// A payment was recorded.
        PaymentRecorded = "payment_recorded",
        /// A payment was matched to invoices.
        PaymentMatched = "payment_matched",
        /// A payment matched no invoice and waits to be matched by hand.
        PaymentUnmatched = "payment_unmatched",
        /// A payment was reversed.
        PaymentReversed = "payment_reversed",
        /// A fee was charged on an invoice.
        FeeCharged = "fee_charged",
        /// A fee was waived.
        FeeWaived = "fee_waived",
        /// A dispute was opened.
        DisputeOpened = "dispute_opened",
        /// A dispute was resolved.
        DisputeResolved = "dispute_resolved",
        /// Collection of an account or invoice was paused.
        Paused = "paused",
        /// Collection of an account or invoice was resumed.
        Resumed = "resumed",
        /// The debtor promised to pay.
        PromiseMade = "promise_made",
        /// A promise to pay was broken.
        PromiseBroken = "promise_broken",
        /// A payment plan was agreed.
        PaymentPlanCreated = "payment_plan_created",
        /// Every instalment of a payment plan was paid.
        PaymentPlanCompleted = "payment_plan_completed",
        /// A payment plan was broken by a late instalment.
        PaymentPlanBroken = "payment_plan_broken",
        /// A payment plan was cancelled.
        PaymentPlanCancelled = "payment_plan_cancelled",
        /// A debt was handed over to a collection agency.
        CaseHandedOver = "case_handed_over",
        /// A handed-over debt changed, such as by a payment or credit note that the agency must
        /// know about.
        CaseUpdated = "case_updated",
        /// An account was created or changed.
        AccountUpdated = "account_updated",
        /// A policy was created or got a new version.
        PolicyUpdated = "policy_updated",
        /// A step created a task for a person.
        ManualTaskCreated = "manual_task_created",
        /// A webhook endpoint was disabled after too many failed deliveries in a row.
        WebhookDisabled = "webhook_disabled",
        /// The debtor opened a page of the self-service site, or a link that expired or was
        /// revoked.
        SelfServiceViewed = "self_service_viewed",
        /// The debtor made a request on the self-service page.
        SelfServiceRequest = "self_service_request",
        /// The creditor approved or rejected a self-service request.
        SelfServiceRequestDecided = "self_service_request_decided",
        /// The links to an account's self-service page were revoked.
        SelfServiceLinksRevoked = "self_service_links_revoked",
    }
}

/// Query parameters of `GET /v1/events`.
///
/// With `wait`, the server keeps the request open until an event after `after` exists or `wait`
/// seconds have passed, whichever comes first.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
#[serde(deny_unknown_fields)]
pub struct EventsQuery {
    /// Return events with a sequence number above this one; from the first event when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<i64>,
    /// Maximum number of events, 1 to 1000; 100 when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
    /// Seconds to wait for a first event, 0 to 60; 0 (respond at once) when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wait: Option<u32>,
}

/// Response of `GET /v1/events`.
///
/// ```
/// use vahti_api::{EventType, EventsResponse};
///
/// let response: EventsResponse = serde_json::from_str(r#"{
///     "events": [
///         {"seq": 41, "type": "payment_recorded", "at": "2025-04-02T10:00:00Z",
///          "account": "C-1001", "invoice": "INV-42", "data": {"amount": "250.00"}},
///         {"seq": 42, "type": "solar_flare", "at": "2025-04-02T10:00:01Z",
///          "account": null, "invoice": null, "data": {}}
///     ],
///     "next_after": 42
/// }"#)?;
/// assert_eq!(response.events[0].event_type, EventType::PaymentRecorded);
/// assert_eq!(response.events[1].event_type, EventType::Unknown);
/// assert_eq!(response.next_after, 42);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(
    feature = "openapi",
    schema(description = "Response of `GET /v1/events`.")
)]
pub struct EventsResponse {
    /// The events in sequence order.
    #[serde(default)]
    pub events: Vec<Event>,
    /// The `after` of the next request: the last event's sequence number, or the request's
    /// `after` when there were no events.
    pub next_after: i64,
}

/// One event of the log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Event {
    /// The event's sequence number, increasing across the tenant's log.
    pub seq: i64,
    /// What happened.
    #[serde(rename = "type")]
    pub event_type: EventType,
    /// When it happened.
    pub at: DateTime<Utc>,
    /// External id of the account concerned, if any.
    #[serde(default)]
    pub account: Option<String>,
    /// External id of the invoice concerned, if any.
    #[serde(default)]
    pub invoice: Option<String>,
    /// Details that depend on the type, such as the amount of a payment. Amounts in it are
    /// decimal strings, as everywhere in the API.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub data: serde_json::Value,
}
