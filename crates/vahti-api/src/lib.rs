//! Wire types of Vahti's HTTP API, shared by the daemon (server) and the SDK (client).
//!
//! This crate defines the JSON bodies and query parameters of every endpoint, the error body,
//! the paths ([`paths`]) and the limits ([`limits`]). It contains no server code and does not
//! depend on Vahti's domain crate, so a client pulls in only `serde`, `chrono` and
//! `rust_decimal`. The daemon converts between these types and its domain types. With the
//! `openapi` feature every type also derives `utoipa::ToSchema` or `utoipa::IntoParams`.
//!
//! # Conventions
//!
//! - Field names are snake_case.
//! - Amounts are decimal strings such as `"1234.50"`, never JSON numbers, with the currency as a
//!   separate ISO 4217 code (see [`decimal`]). In Rust they are [`rust_decimal::Decimal`].
//! - Dates are `YYYY-MM-DD` ([`chrono::NaiveDate`]); instants are RFC 3339 in UTC
//!   ([`chrono::DateTime<Utc>`](chrono::DateTime)).
//! - Vahti's own ids are integers (`id`). Accounts and invoices also carry the integrator's own
//!   `external_id`, 1 to 128 characters without control characters or surrounding white space
//!   (see [`limits::validate_external_id`]).
//! - Requests reject unknown fields and unknown enum values, so a typo is a 400 response rather
//!   than a silently ignored field. Responses tolerate both: an older client ignores fields a
//!   newer server adds, and decodes enum values it does not know as the enum's `Unknown`
//!   variant, or an error code it does not know as [`ErrorCode::Unknown`].
//! - Lists return a [`Page`] and take `cursor` and `limit` query parameters.
//! - Every failure returns an [`ApiErrorBody`].
//!
//! ```
//! use vahti_api::{Invoice, Page};
//!
//! let body = r#"{"items": [], "next_cursor": null}"#;
//! let page: Page<Invoice> = serde_json::from_str(body)?;
//! assert!(page.next_cursor.is_none());
//! # Ok::<(), serde_json::Error>(())
//! ```

#![warn(missing_docs)]

pub mod accounts;
pub mod admin;
pub mod cases;
pub mod collection;
pub mod common;
pub mod decimal;
pub mod disputes;
pub mod error;
pub mod events;
pub mod health;
pub mod imports;
pub mod invoices;
pub mod limits;
pub mod page;
pub mod paths;
pub mod payments;
pub mod pending;
pub mod plans;
pub mod policies;
pub mod reports;
pub mod self_service;
pub mod status;
pub mod tokens;
pub mod webhooks;
pub mod wire;

pub use accounts::{Account, UpsertAccountRequest};
pub use admin::{
    Clock, ClockChange, ClockRequest, ClusterNode, ClusterStatus, CreateTenantRequest,
    CreateTenantResponse, HeldShard, Tenant, UpdateTenantRequest,
};
pub use cases::{
    CaseChange, CaseInvoice, CaseState, CaseStateRequest, CaseUpdate, CasesQuery, CollectionCase,
    CollectionPartner, PartnerKind, PutPartnerRequest, PutPartnerResponse, RecallCaseRequest,
    ReportedCaseState,
};
pub use collection::{
    PauseRequest, PauseState, Promise, PromiseRequest, PromiseState, RemindOutcome, RemindRequest,
    RemindResponse, ResumeRequest,
};
pub use common::{Amount, Contact, ContactInput, DebtorType, Locale, StepKind};
pub use disputes::{Dispute, DisputeResolution, OpenDisputeRequest, ResolveDisputeRequest};
pub use error::{ApiError, ApiErrorBody, ErrorCode, UnknownErrorCode};
pub use events::{Event, EventType, EventsQuery, EventsResponse};
pub use health::{Health, HealthCheck, HealthStatus};
pub use imports::{ImportFormat, ImportRejection, ImportReport, ImportWarning};
pub use invoices::{
    BatchInvoiceItem, BatchInvoiceRequest, BatchInvoiceResponse, BatchItemResult, BatchItemStatus,
    ChangeDueDateRequest, CurrentStep, Invoice, InvoiceKind, InvoiceListQuery, InvoiceStatus,
    IssueStatus, PaymentCodes, ReferenceCodes, StepState, UpsertInvoiceRequest,
};
pub use limits::{MAX_BATCH_ITEMS, ValidationError};
pub use page::{Page, PageQuery};
pub use payments::{
    Allocation, AllocationComponent, MatchPaymentRequest, Payment, PaymentListQuery,
    RecordPaymentRequest,
};
pub use pending::{
    ApprovePendingRequest, FeeAmount, PendingAction, PendingActionKind, PendingActionState,
    PendingInvoice, PendingListQuery, SkipPendingRequest,
};
pub use plans::{
    CreatePaymentPlanRequest, Instalment, InstalmentInput, InstalmentStatus, PaymentPlan,
    PaymentPlanState,
};
pub use policies::{
    CreatePolicyRequest, Policy, PolicyIssue, PolicySummary, PolicyValidation, PolicyVersion,
    UpdatePolicyRequest, ValidatePolicyRequest,
};
pub use reports::{AgingBucket, AgingByCurrency, AgingQuery, AgingReport};
pub use self_service::{
    CreateSelfServiceLinkRequest, DecideSelfServiceRequest, RevokedSelfServiceLinks,
    SelfServiceLink, SelfServiceRequest, SelfServiceRequestKind, SelfServiceRequestState,
    SelfServiceRequestsQuery,
};
pub use status::{AccountStatus, Balance, TimelineEntry, TimelineKind};
pub use tokens::{ApiToken, CreateTokenRequest, CreatedToken};
pub use webhooks::{
    CreateWebhookRequest, CreatedWebhook, DeliveriesQuery, DeliveryAttempt, DeliveryState,
    RotatedWebhookSecret, UpdateWebhookRequest, Webhook, WebhookDelivery, WebhookSecretInfo,
};
pub use wire::WireEnum;
