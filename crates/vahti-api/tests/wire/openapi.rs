//! The OpenAPI schemas that the `openapi` feature derives match the JSON the types produce.

use serde_json::{Value, json};
use utoipa::openapi::path::ParameterIn;
use utoipa::{IntoParams, OpenApi};
use vahti_api::*;

#[derive(OpenApi)]
#[openapi(components(schemas(
    Account,
    AccountStatus,
    AgingReport,
    ApiErrorBody,
    ApiToken,
    ApprovePendingRequest,
    BatchInvoiceRequest,
    BatchInvoiceResponse,
    CaseStateRequest,
    ChangeDueDateRequest,
    Clock,
    ClockRequest,
    CollectionCase,
    CollectionPartner,
    CreatePaymentPlanRequest,
    CreatePolicyRequest,
    CreateTenantRequest,
    CreateTenantResponse,
    CreateTokenRequest,
    CreateWebhookRequest,
    CreatedToken,
    CreatedWebhook,
    Dispute,
    EventsResponse,
    Health,
    ImportReport,
    Invoice,
    MatchPaymentRequest,
    OpenDisputeRequest,
    Page<Invoice>,
    PauseRequest,
    PauseState,
    Payment,
    PaymentPlan,
    Page<WebhookDelivery>,
    PendingAction,
    Policy,
    PolicySummary,
    PolicyValidation,
    Promise,
    PromiseRequest,
    PutPartnerRequest,
    PutPartnerResponse,
    RecallCaseRequest,
    RecordPaymentRequest,
    RemindRequest,
    RemindResponse,
    ResolveDisputeRequest,
    ResumeRequest,
    RotatedWebhookSecret,
    SkipPendingRequest,
    Tenant,
    UpdatePolicyRequest,
    UpdateTenantRequest,
    UpdateWebhookRequest,
    UpsertAccountRequest,
    UpsertInvoiceRequest,
    ValidatePolicyRequest,
    Webhook,
)))]
struct Document;

fn document() -> Value {
    serde_json::to_value(Document::openapi())
        .unwrap_or_else(|error| panic!("OpenAPI document does not encode: {error}"))
}

fn schema(name: &str) -> Value {
    let schema = document()["components"]["schemas"][name].clone();
    assert!(schema.is_object(), "no schema named {name}");
    schema
}

#[test]
fn enum_schemas_list_known_values_only() {
    let cases: &[(&str, &[&str])] = &[
        ("AllocationComponent", AllocationComponent::VALUES),
        ("BatchItemStatus", BatchItemStatus::VALUES),
        ("CaseChange", CaseChange::VALUES),
        ("CaseState", CaseState::VALUES),
        ("DebtorType", DebtorType::VALUES),
        ("DeliveryState", DeliveryState::VALUES),
        ("DisputeResolution", DisputeResolution::VALUES),
        ("EventType", EventType::VALUES),
        ("HealthStatus", HealthStatus::VALUES),
        ("ImportFormat", ImportFormat::VALUES),
        ("InstalmentStatus", InstalmentStatus::VALUES),
        ("InvoiceKind", InvoiceKind::VALUES),
        ("InvoiceStatus", InvoiceStatus::VALUES),
        ("IssueStatus", IssueStatus::VALUES),
        ("Locale", Locale::VALUES),
        ("PartnerKind", PartnerKind::VALUES),
        ("PaymentPlanState", PaymentPlanState::VALUES),
        ("PendingActionKind", PendingActionKind::VALUES),
        ("PendingActionState", PendingActionState::VALUES),
        ("PromiseState", PromiseState::VALUES),
        ("RemindOutcome", RemindOutcome::VALUES),
        ("ReportedCaseState", ReportedCaseState::VALUES),
        ("StepKind", StepKind::VALUES),
        ("StepState", StepState::VALUES),
        ("TimelineKind", TimelineKind::VALUES),
    ];
    for (name, values) in cases {
        assert_eq!(schema(name)["enum"], json!(values), "{name}");
    }
}

#[test]
fn amounts_are_strings() {
    let invoice = schema("Invoice");
    for field in ["amount", "paid", "total_outstanding"] {
        assert_eq!(invoice["properties"][field]["type"], "string", "{field}");
    }
    let promise = schema("PromiseRequest");
    assert_eq!(
        promise["properties"]["amount"]["type"],
        json!(["string", "null"])
    );
}

#[test]
fn dates_and_instants_have_formats() {
    let invoice = schema("Invoice");
    assert_eq!(invoice["properties"]["issue_date"]["format"], "date");
    assert_eq!(invoice["properties"]["created_at"]["format"], "date-time");
}

#[test]
fn error_code_is_a_string() {
    let error = schema("ApiError");
    assert_eq!(error["properties"]["code"]["type"], "string");
    assert_eq!(error["required"], json!(["code", "message"]));
}

#[test]
fn requests_forbid_additional_properties() {
    let requests = [
        "ApprovePendingRequest",
        "BatchInvoiceRequest",
        "ClockRequest",
        "CreatePaymentPlanRequest",
        "CreatePolicyRequest",
        "CreateTenantRequest",
        "CreateTokenRequest",
        "CreateWebhookRequest",
        "CaseStateRequest",
        "PutPartnerRequest",
        "RecallCaseRequest",
        "RecordPaymentRequest",
        "UpdateTenantRequest",
        "UpdateWebhookRequest",
        "UpsertAccountRequest",
        "UpsertInvoiceRequest",
    ];
    for name in requests {
        assert_eq!(schema(name)["additionalProperties"], false, "{name}");
    }
}

#[test]
fn responses_allow_additional_properties() {
    for name in ["Invoice", "Account", "Payment", "EventsResponse"] {
        assert_eq!(schema(name).get("additionalProperties"), None, "{name}");
    }
}

#[test]
fn optional_response_fields_are_not_required() {
    let required = schema("Invoice")["required"].clone();
    let required: Vec<&str> = required
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(required.contains(&"amount"));
    assert!(!required.contains(&"disputed"));
    assert!(!required.contains(&"due_date"));
}

#[test]
fn event_type_field_is_named_type() {
    let event = schema("Event");
    assert!(event["properties"]["type"].is_object());
    assert!(event["properties"].get("event_type").is_none());
}

#[test]
fn policy_bodies_are_objects() {
    let request = schema("CreatePolicyRequest");
    assert_eq!(request["properties"]["policy"]["type"], "object");
}

#[test]
fn descriptions_hold_no_code_examples() {
    let document = document();
    for (name, schema) in document["components"]["schemas"].as_object().unwrap() {
        let description = schema["description"].as_str().unwrap_or_default();
        assert!(!description.contains("```"), "{name}: {description}");
    }
}

#[test]
fn invoice_page_lists_invoices() {
    let page = schema("Page_Invoice");
    assert_eq!(page["properties"]["items"]["type"], "array");
    assert!(page["properties"]["items"]["items"]["properties"]["payment_codes"].is_object());
}

#[test]
fn invoice_query_parameters() {
    let parameters = InvoiceListQuery::into_params(|| Some(ParameterIn::Query));
    let names: Vec<&str> = parameters
        .iter()
        .map(|parameter| parameter.name.as_str())
        .collect();
    assert_eq!(names, ["account", "status", "cursor", "limit"]);
}

#[test]
fn events_query_parameters() {
    let parameters = EventsQuery::into_params(|| Some(ParameterIn::Query));
    let names: Vec<&str> = parameters
        .iter()
        .map(|parameter| parameter.name.as_str())
        .collect();
    assert_eq!(names, ["after", "limit", "wait"]);
}
