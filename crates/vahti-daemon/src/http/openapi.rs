//! The OpenAPI document of the HTTP API, built from the route annotations and the wire types of
//! `vahti-api`, and served at `/openapi.json`.
//!
//! Handlers of tokens, policies, holds, pending actions, events and reports carry their own
//! `#[utoipa::path]` annotations. The other operations are described in [`described`], by
//! annotated functions that only carry the description. [`CommonResponses`] adds the answers
//! that any operation of a kind can give (a body that is too large or not JSON, an
//! `Idempotency-Key` used for another request, a busy database), so that no operation leaves
//! them out.

use std::sync::OnceLock;

use actix_web::{HttpResponse, web};
use utoipa::openapi::OpenApi as Document;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use vahti_api::paths;

use super::routes;

/// The name of the security scheme of a tenant's API token.
pub const TENANT_TOKEN: &str = "tenant_token";

/// The name of the security scheme of the operator's admin token.
pub const ADMIN_TOKEN: &str = "admin_token";

/// The OpenAPI description of the API.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Vahti HTTP API",
        description = "Payment monitoring and collection. Every `/v1` path takes a bearer token: a \
        tenant's API token, or the operator's admin token under `/v1/tenants` and `/v1/admin`. \
        Amounts are decimal strings with a separate ISO 4217 currency; dates are `YYYY-MM-DD`; \
        instants are RFC 3339 in UTC. Every error has the body `{\"error\": {\"code\", \"message\", \
        \"field\"}}`. A `POST` with an `Idempotency-Key` header is safe to retry. Lists are pages \
        with `cursor` and `limit`.",
        license(name = "Apache-2.0", identifier = "Apache-2.0")
    ),
    paths(
        described::create_tenant,
        described::list_tenants,
        described::get_tenant,
        described::update_tenant,
        described::get_clock,
        described::set_clock,
        described::get_cluster,
        routes::tokens::create_token,
        routes::tokens::list_tokens,
        routes::tokens::revoke_token,
        routes::policies::create_policy,
        routes::policies::list_policies,
        routes::policies::get_policy,
        routes::policies::update_policy,
        routes::policies::validate_policy,
        described::list_accounts,
        described::upsert_account,
        described::get_account,
        described::account_status,
        described::list_invoices,
        described::upsert_invoice,
        described::get_invoice,
        described::upsert_invoices_batch,
        described::issue_invoice,
        described::cancel_invoice,
        described::change_due_date,
        described::record_payment,
        described::list_payments,
        described::reverse_payment,
        described::match_payment,
        described::import_invoices,
        described::import_payments,
        described::create_webhook,
        described::list_webhooks,
        described::get_webhook,
        described::update_webhook,
        described::delete_webhook,
        described::rotate_webhook_secret,
        described::list_webhook_deliveries,
        described::redeliver_webhook,
        described::put_collection_partner,
        described::get_collection_partner,
        described::delete_collection_partner,
        described::list_cases,
        described::get_case,
        described::report_case_state,
        described::recall_case,
        routes::holds::open_dispute,
        routes::holds::resolve_dispute,
        routes::holds::pause,
        routes::holds::resume,
        routes::holds::promise,
        routes::holds::create_plan,
        routes::holds::list_plans,
        routes::holds::cancel_plan,
        routes::holds::remind,
        routes::pending::list_pending,
        routes::pending::get_pending,
        routes::pending::approve_pending,
        routes::pending::skip_pending,
        routes::events::list_events,
        routes::reports::aging_report,
        routes::selfservice::create_link,
        routes::selfservice::revoke,
        routes::selfservice::list_requests,
        routes::selfservice::get_request,
        routes::selfservice::approve_request,
        routes::selfservice::reject_request,
        described::healthz,
        described::readyz,
        described::metrics,
        serve,
    ),
    modifiers(&SecuritySchemes, &CommonResponses),
    tags(
        (name = "admin", description = "Tenants, the manual clock and the cluster, for the operator."),
        (name = "tokens", description = "The calling tenant's API tokens."),
        (name = "policies", description = "Collection policies: steps, timings and fees, versioned per key."),
        (name = "accounts", description = "Customer accounts (the debtors) and their status."),
        (name = "invoices", description = "Invoices and credit notes with their payment codes."),
        (name = "payments", description = "Incoming payments and their allocation."),
        (name = "imports", description = "E-invoice and bank payment files."),
        (name = "holds", description = "Disputes, pauses, promises to pay, payment plans and reminders sent now."),
        (name = "pending", description = "Steps that wait for a person's approval (guided mode)."),
        (name = "webhooks", description = "Endpoints that receive the tenant's events, their signing secrets and deliveries."),
        (name = "collection", description = "The collection agency and the cases handed over to it."),
        (name = "events", description = "The tenant's event log, read by cursor with long-polling."),
        (name = "reports", description = "Reports over all accounts of the tenant."),
        (name = "self-service", description = "Links to the debtor's self-service page, and the requests debtors make there."),
        (name = "operations", description = "Health, readiness, metrics and this document."),
    )
)]
pub struct ApiDoc;

/// Adds the two bearer token schemes.
struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut Document) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            TENANT_TOKEN,
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "A tenant's API token, `vahti_` and 40 letters and digits, as created by \
                         `POST /v1/tenants` or `POST /v1/tokens`.",
                    ))
                    .build(),
            ),
        );
        components.add_security_scheme(
            ADMIN_TOKEN,
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "The operator's admin token from the daemon's configuration \
                         (`admin.token` or `admin.token_file`).",
                    ))
                    .build(),
            ),
        );
    }
}

/// Adds to every operation the answers that do not depend on the operation itself, where its
/// own description does not give them yet.
pub struct CommonResponses;

impl CommonResponses {
    /// Adds a response with `status`, or appends `sentence` to the description of the one the
    /// operation already has unless that one names `code` already.
    fn add(
        operation: &mut utoipa::openapi::path::Operation,
        status: &str,
        code: &str,
        sentence: &str,
    ) {
        use utoipa::openapi::{RefOr, ResponseBuilder};

        let responses = &mut operation.responses.responses;
        match responses.get_mut(status) {
            Some(RefOr::T(response)) => {
                if !response.description.contains(&format!("`{code}`")) {
                    response.description = format!("{} {sentence}", response.description);
                }
            }
            Some(RefOr::Ref(_)) => {}
            None => {
                let response = ResponseBuilder::new()
                    .description(sentence)
                    .content(
                        "application/json",
                        utoipa::openapi::ContentBuilder::new()
                            .schema(Some(utoipa::openapi::Ref::from_schema_name("ApiErrorBody")))
                            .build(),
                    )
                    .build();
                responses.insert(status.to_owned(), RefOr::T(response));
            }
        }
    }
}

impl Modify for CommonResponses {
    fn modify(&self, openapi: &mut Document) {
        use utoipa::openapi::HttpMethod;

        for item in openapi.paths.paths.values_mut() {
            let operations = [
                (HttpMethod::Get, item.get.as_mut()),
                (HttpMethod::Post, item.post.as_mut()),
                (HttpMethod::Put, item.put.as_mut()),
                (HttpMethod::Patch, item.patch.as_mut()),
                (HttpMethod::Delete, item.delete.as_mut()),
            ];
            for (method, operation) in operations {
                let Some(operation) = operation else { continue };
                let scheme = |name: &str| {
                    operation.security.as_ref().is_some_and(|requirements| {
                        serde_json::to_value(requirements)
                            .is_ok_and(|value| value.to_string().contains(name))
                    })
                };
                let tenant = scheme(TENANT_TOKEN);
                let admin = scheme(ADMIN_TOKEN);
                let json_body = matches!(
                    &operation.request_body,
                    Some(utoipa::openapi::RefOr::T(body)) if body.content.contains_key("application/json")
                );
                if json_body {
                    Self::add(
                        operation,
                        "400",
                        "body_invalid",
                        "A body that is not valid JSON for the request is `body_invalid`, with the field in `field` when one is at fault.",
                    );
                    Self::add(
                        operation,
                        "413",
                        "body_too_large",
                        "The body is larger than the limit (`body_too_large`).",
                    );
                    Self::add(
                        operation,
                        "415",
                        "content_type_unsupported",
                        "The body is not sent as `Content-Type: application/json` (`content_type_unsupported`).",
                    );
                }
                if tenant && method == HttpMethod::Post {
                    Self::add(
                        operation,
                        "400",
                        "idempotency_key_invalid",
                        "An `Idempotency-Key` that is empty, longer than 255 characters or not printable ASCII is `idempotency_key_invalid`.",
                    );
                    Self::add(
                        operation,
                        "409",
                        "idempotency_key_reused",
                        "The `Idempotency-Key` was used before for a different request (`idempotency_key_reused`).",
                    );
                }
                if admin {
                    Self::add(
                        operation,
                        "403",
                        "admin_disabled",
                        "The daemon has no admin token configured (`admin_disabled`).",
                    );
                    Self::add(
                        operation,
                        "403",
                        "forbidden",
                        "A tenant's API token was sent instead of the admin token (`forbidden`).",
                    );
                }
                if tenant {
                    Self::add(
                        operation,
                        "403",
                        "tenant_inactive",
                        "The operator has deactivated the tenant (`tenant_inactive`).",
                    );
                    Self::add(
                        operation,
                        "503",
                        "store_unavailable",
                        "The database or the account's worker is busy or shutting down (`store_unavailable`, `account_busy`, `server_busy`, `shutting_down`); retry after `Retry-After` seconds.",
                    );
                }
            }
        }
    }
}

/// Returns the OpenAPI document, built once.
pub fn document() -> &'static Document {
    static DOCUMENT: OnceLock<Document> = OnceLock::new();
    DOCUMENT.get_or_init(ApiDoc::openapi)
}

/// Registers the route of the document.
pub fn configure(config: &mut web::ServiceConfig) {
    config.route(paths::OPENAPI, web::get().to(serve));
}

/// Returns this OpenAPI document.
#[utoipa::path(
    get,
    path = paths::OPENAPI,
    tag = "operations",
    operation_id = "openapi_document",
    responses((status = 200, description = "The OpenAPI document of the API.", content_type = "application/json"))
)]
pub(crate) async fn serve() -> HttpResponse {
    HttpResponse::Ok().json(document())
}

/// Descriptions of the operations whose handlers carry no annotation of their own. The
/// functions are never called.
pub mod described {
    #![expect(
        dead_code,
        reason = "the functions only carry the OpenAPI description of their operation"
    )]

    use vahti_api::{
        Account, AccountStatus, ApiErrorBody, BatchInvoiceRequest, BatchInvoiceResponse,
        CaseStateRequest, CasesQuery, ChangeDueDateRequest, Clock, ClockRequest, ClusterStatus,
        CollectionCase, CollectionPartner, CreateTenantRequest, CreateTenantResponse,
        CreateWebhookRequest, CreatedWebhook, DeliveriesQuery, Health, ImportReport, Invoice,
        InvoiceListQuery, MatchPaymentRequest, Page, PageQuery, Payment, PaymentListQuery,
        PutPartnerRequest, PutPartnerResponse, RecallCaseRequest, RecordPaymentRequest,
        RotatedWebhookSecret, Tenant, UpdateTenantRequest, UpdateWebhookRequest,
        UpsertAccountRequest, UpsertInvoiceRequest, Webhook, WebhookDelivery, paths,
    };

    /// Creates a tenant with the default consumer and business policies and a first API token.
    #[utoipa::path(
        post,
        path = paths::TENANTS,
        tag = "admin",
        request_body = CreateTenantRequest,
        responses(
            (status = 201, description = "The tenant and its first token; the plain token is shown only here.", body = CreateTenantResponse),
            (status = 400, description = "The body is not valid JSON for the request, or a value is invalid; `field` names it.", body = ApiErrorBody),
            (status = 401, description = "Missing or invalid admin token (`unauthorized`).", body = ApiErrorBody),
            (status = 403, description = "The daemon has no admin token configured (`admin_disabled`).", body = ApiErrorBody),
        ),
        security(("admin_token" = []))
    )]
    fn create_tenant() {}

    /// Lists the tenants.
    #[utoipa::path(
        get,
        path = paths::TENANTS,
        tag = "admin",
        responses(
            (status = 200, description = "Every tenant, on one page.", body = Page<Tenant>),
            (status = 401, description = "Missing or invalid admin token (`unauthorized`).", body = ApiErrorBody),
            (status = 403, description = "The daemon has no admin token configured (`admin_disabled`).", body = ApiErrorBody),
        ),
        security(("admin_token" = []))
    )]
    fn list_tenants() {}

    /// Reads a tenant.
    #[utoipa::path(
        get,
        path = paths::TENANT,
        tag = "admin",
        params(("id" = i64, Path, description = "Vahti's id of the tenant.")),
        responses(
            (status = 200, description = "The tenant.", body = Tenant),
            (status = 401, description = "Missing or invalid admin token (`unauthorized`).", body = ApiErrorBody),
            (status = 404, description = "No tenant has this id (`tenant_not_found`).", body = ApiErrorBody),
        ),
        security(("admin_token" = []))
    )]
    fn get_tenant() {}

    /// Changes a tenant; an absent field keeps its value and `null` clears an optional one.
    /// Setting `active` to false disables the tenant's tokens at once.
    #[utoipa::path(
        patch,
        path = paths::TENANT,
        tag = "admin",
        params(("id" = i64, Path, description = "Vahti's id of the tenant.")),
        request_body = UpdateTenantRequest,
        responses(
            (status = 200, description = "The changed tenant.", body = Tenant),
            (status = 400, description = "The body is not valid JSON for the request, or a value is invalid; `field` names it.", body = ApiErrorBody),
            (status = 401, description = "Missing or invalid admin token (`unauthorized`).", body = ApiErrorBody),
            (status = 404, description = "No tenant has this id (`tenant_not_found`).", body = ApiErrorBody),
        ),
        security(("admin_token" = []))
    )]
    fn update_tenant() {}

    /// Reads the daemon's clock.
    #[utoipa::path(
        get,
        path = paths::CLOCK,
        tag = "admin",
        responses(
            (status = 200, description = "The current instant and whether the clock is manual.", body = Clock),
            (status = 401, description = "Missing or invalid admin token (`unauthorized`).", body = ApiErrorBody),
        ),
        security(("admin_token" = []))
    )]
    fn get_clock() {}

    /// Moves the manual clock forward; with `wait`, responds after the scheduler and the outbox
    /// handled everything due at the new instant.
    #[utoipa::path(
        post,
        path = paths::CLOCK,
        tag = "admin",
        request_body = ClockRequest,
        responses(
            (status = 200, description = "The clock after the change.", body = Clock),
            (status = 400, description = "The request gives both or neither of `set` and `advance_seconds` (`clock_request_invalid`).", body = ApiErrorBody),
            (status = 401, description = "Missing or invalid admin token (`unauthorized`).", body = ApiErrorBody),
            (status = 409, description = "The daemon runs on the system clock (`manual_clock_disabled`), or the change would move the clock backwards (`clock_backwards`).", body = ApiErrorBody),
        ),
        security(("admin_token" = []))
    )]
    fn set_clock() {}

    /// Reads the shards whose accounts this daemon schedules and the daemons that share its
    /// database.
    #[utoipa::path(
        get,
        path = paths::CLUSTER,
        tag = "admin",
        responses(
            (status = 200, description = "This daemon's shards and the known daemons.", body = ClusterStatus),
            (status = 401, description = "Missing or invalid admin token (`unauthorized`).", body = ApiErrorBody),
        ),
        security(("admin_token" = []))
    )]
    fn get_cluster() {}

    /// Lists the tenant's accounts.
    #[utoipa::path(
        get,
        path = paths::ACCOUNTS,
        tag = "accounts",
        params(PageQuery),
        responses(
            (status = 200, description = "One page of accounts.", body = Page<Account>),
            (status = 400, description = "A query parameter is malformed (`query_invalid`, `cursor_invalid`, `limit_out_of_range`).", body = ApiErrorBody),
            (status = 401, description = "Missing or invalid API token (`unauthorized`).", body = ApiErrorBody),
        ),
        security(("tenant_token" = []))
    )]
    fn list_accounts() {}

    /// Creates or updates an account, keyed by the integrator's id.
    #[utoipa::path(
        put,
        path = paths::ACCOUNT,
        tag = "accounts",
        params(("external_id" = String, Path, description = "The integrator's id of the account, percent-encoded.")),
        request_body = UpsertAccountRequest,
        responses(
            (status = 200, description = "The updated account.", body = Account),
            (status = 201, description = "The new account.", body = Account),
            (status = 400, description = "The body is not valid JSON for the request (`body_invalid`).", body = ApiErrorBody),
            (status = 401, description = "Missing or invalid API token (`unauthorized`).", body = ApiErrorBody),
            (status = 404, description = "The named policy does not exist (`policy_not_found`).", body = ApiErrorBody),
            (status = 422, description = "A value is invalid; `field` names it.", body = ApiErrorBody),
        ),
        security(("tenant_token" = []))
    )]
    fn upsert_account() {}

    /// Reads an account.
    #[utoipa::path(
        get,
        path = paths::ACCOUNT,
        tag = "accounts",
        params(("external_id" = String, Path, description = "The integrator's id of the account, percent-encoded.")),
        responses(
            (status = 200, description = "The account.", body = Account),
            (status = 401, description = "Missing or invalid API token (`unauthorized`).", body = ApiErrorBody),
            (status = 404, description = "The tenant has no account with this id (`account_not_found`).", body = ApiErrorBody),
        ),
        security(("tenant_token" = []))
    )]
    fn get_account() {}

    /// Reads an account's balances, open invoices with their current step, next wake-up and
    /// timeline.
    #[utoipa::path(
        get,
        path = paths::ACCOUNT_STATUS,
        tag = "accounts",
        params(("external_id" = String, Path, description = "The integrator's id of the account, percent-encoded.")),
        responses(
            (status = 200, description = "The account's status.", body = AccountStatus),
            (status = 401, description = "Missing or invalid API token (`unauthorized`).", body = ApiErrorBody),
            (status = 404, description = "The tenant has no account with this id (`account_not_found`).", body = ApiErrorBody),
        ),
        security(("tenant_token" = []))
    )]
    fn account_status() {}

    /// Lists the tenant's invoices and credit notes.
    #[utoipa::path(
        get,
        path = paths::INVOICES,
        tag = "invoices",
        params(InvoiceListQuery),
        responses(
            (status = 200, description = "One page of invoices and credit notes.", body = Page<Invoice>),
            (status = 400, description = "A query parameter is malformed (`query_invalid`, `cursor_invalid`, `limit_out_of_range`).", body = ApiErrorBody),
            (status = 401, description = "Missing or invalid API token (`unauthorized`).", body = ApiErrorBody),
        ),
        security(("tenant_token" = []))
    )]
    fn list_invoices() {}

    /// Creates or updates an invoice or credit note, keyed by the integrator's id.
    #[utoipa::path(
        put,
        path = paths::INVOICE,
        tag = "invoices",
        params(("external_id" = String, Path, description = "The integrator's id of the document, percent-encoded.")),
        request_body = UpsertInvoiceRequest,
        responses(
            (status = 200, description = "The updated document with its payment codes.", body = Invoice),
            (status = 201, description = "The new document with its payment codes.", body = Invoice),
            (status = 400, description = "The body is not valid JSON for the request (`body_invalid`).", body = ApiErrorBody),
            (status = 401, description = "Missing or invalid API token (`unauthorized`).", body = ApiErrorBody),
            (status = 404, description = "The account or the corrected invoice does not exist (`account_not_found`, `invoice_not_found`).", body = ApiErrorBody),
            (status = 409, description = "The upsert changes a fixed field or a closed invoice (`invoice_field_immutable`, `invoice_closed`).", body = ApiErrorBody),
            (status = 422, description = "A value is invalid; `field` names it.", body = ApiErrorBody),
        ),
        security(("tenant_token" = []))
    )]
    fn upsert_invoice() {}

    /// Reads an invoice or credit note with its payment codes.
    #[utoipa::path(
        get,
        path = paths::INVOICE,
        tag = "invoices",
        params(("external_id" = String, Path, description = "The integrator's id of the document, percent-encoded.")),
        responses(
            (status = 200, description = "The document.", body = Invoice),
            (status = 401, description = "Missing or invalid API token (`unauthorized`).", body = ApiErrorBody),
            (status = 404, description = "The tenant has no document with this id (`invoice_not_found`).", body = ApiErrorBody),
        ),
        security(("tenant_token" = []))
    )]
    fn get_invoice() {}

    /// Creates or updates up to 10000 documents; each item succeeds or fails on its own.
    #[utoipa::path(
        post,
        path = paths::INVOICES_BATCH,
        tag = "invoices",
        request_body = BatchInvoiceRequest,
        responses(
            (status = 200, description = "One result per item, in request order.", body = BatchInvoiceResponse),
            (status = 400, description = "The body is not valid JSON for the request (`body_invalid`).", body = ApiErrorBody),
            (status = 401, description = "Missing or invalid API token (`unauthorized`).", body = ApiErrorBody),
            (status = 413, description = "The body is larger than the batch limit (`body_too_large`).", body = ApiErrorBody),
            (status = 422, description = "The batch has more than 10000 items (`batch_too_large`).", body = ApiErrorBody),
        ),
        security(("tenant_token" = []))
    )]
    fn upsert_invoices_batch() {}

    /// Issues a draft invoice, which starts watching it for payment.
    #[utoipa::path(
        post,
        path = paths::INVOICE_ISSUE,
        tag = "invoices",
        params(("external_id" = String, Path, description = "The integrator's id of the invoice, percent-encoded.")),
        responses(
            (status = 200, description = "The issued invoice.", body = Invoice),
            (status = 401, description = "Missing or invalid API token (`unauthorized`).", body = ApiErrorBody),
            (status = 404, description = "The tenant has no invoice with this id (`invoice_not_found`).", body = ApiErrorBody),
            (status = 409, description = "The invoice is not a draft (`invoice_not_draft`).", body = ApiErrorBody),
        ),
        security(("tenant_token" = []))
    )]
    fn issue_invoice() {}

    /// Cancels an invoice; it is never reminded again.
    #[utoipa::path(
        post,
        path = paths::INVOICE_CANCEL,
        tag = "invoices",
        params(("external_id" = String, Path, description = "The integrator's id of the invoice, percent-encoded.")),
        responses(
            (status = 200, description = "The cancelled invoice.", body = Invoice),
            (status = 401, description = "Missing or invalid API token (`unauthorized`).", body = ApiErrorBody),
            (status = 404, description = "The tenant has no invoice with this id (`invoice_not_found`).", body = ApiErrorBody),
            (status = 409, description = "The invoice is closed (`invoice_closed`).", body = ApiErrorBody),
        ),
        security(("tenant_token" = []))
    )]
    fn cancel_invoice() {}

    /// Changes an invoice's due date; later steps are scheduled from the new date.
    #[utoipa::path(
        post,
        path = paths::INVOICE_DUE_DATE,
        tag = "invoices",
        params(("external_id" = String, Path, description = "The integrator's id of the invoice, percent-encoded.")),
        request_body = ChangeDueDateRequest,
        responses(
            (status = 200, description = "The invoice with its new due date.", body = Invoice),
            (status = 400, description = "The body is not valid JSON for the request (`body_invalid`).", body = ApiErrorBody),
            (status = 401, description = "Missing or invalid API token (`unauthorized`).", body = ApiErrorBody),
            (status = 404, description = "The tenant has no invoice with this id (`invoice_not_found`).", body = ApiErrorBody),
            (status = 409, description = "The invoice is closed (`invoice_closed`).", body = ApiErrorBody),
            (status = 422, description = "The date is before the issue date (`due_date_before_issue_date`).", body = ApiErrorBody),
        ),
        security(("tenant_token" = []))
    )]
    fn change_due_date() {}

    /// Records an incoming payment and allocates it to an invoice by `invoice` or `reference`.
    #[utoipa::path(
        post,
        path = paths::PAYMENTS,
        tag = "payments",
        request_body = RecordPaymentRequest,
        responses(
            (status = 200, description = "A payment with this archive id and amount was recorded before; it is returned unchanged.", body = Payment),
            (status = 201, description = "The recorded payment with its allocations.", body = Payment),
            (status = 400, description = "The body is not valid JSON for the request (`body_invalid`).", body = ApiErrorBody),
            (status = 401, description = "Missing or invalid API token (`unauthorized`).", body = ApiErrorBody),
            (status = 404, description = "The named invoice does not exist (`invoice_not_found`).", body = ApiErrorBody),
            (status = 409, description = "The archive id is recorded with another amount (`payment_duplicate`).", body = ApiErrorBody),
            (status = 422, description = "A value is invalid, or both `invoice` and `reference` are given (`payment_target_conflict`).", body = ApiErrorBody),
        ),
        security(("tenant_token" = []))
    )]
    fn record_payment() {}

    /// Lists the tenant's payments.
    #[utoipa::path(
        get,
        path = paths::PAYMENTS,
        tag = "payments",
        params(PaymentListQuery),
        responses(
            (status = 200, description = "One page of payments.", body = Page<Payment>),
            (status = 400, description = "A query parameter is malformed (`query_invalid`, `cursor_invalid`, `limit_out_of_range`).", body = ApiErrorBody),
            (status = 401, description = "Missing or invalid API token (`unauthorized`).", body = ApiErrorBody),
        ),
        security(("tenant_token" = []))
    )]
    fn list_payments() {}

    /// Reverses a payment; its allocations are undone.
    #[utoipa::path(
        post,
        path = paths::PAYMENT_REVERSE,
        tag = "payments",
        params(("id" = i64, Path, description = "Vahti's id of the payment.")),
        responses(
            (status = 200, description = "The reversed payment.", body = Payment),
            (status = 401, description = "Missing or invalid API token (`unauthorized`).", body = ApiErrorBody),
            (status = 404, description = "The tenant has no payment with this id (`payment_not_found`).", body = ApiErrorBody),
            (status = 409, description = "The payment is already reversed (`payment_reversed`).", body = ApiErrorBody),
        ),
        security(("tenant_token" = []))
    )]
    fn reverse_payment() {}

    /// Matches an unmatched payment to an invoice by hand.
    #[utoipa::path(
        post,
        path = paths::PAYMENT_MATCH,
        tag = "payments",
        params(("id" = i64, Path, description = "Vahti's id of the payment.")),
        request_body = MatchPaymentRequest,
        responses(
            (status = 200, description = "The matched payment with its allocations.", body = Payment),
            (status = 400, description = "The body is not valid JSON for the request (`body_invalid`).", body = ApiErrorBody),
            (status = 401, description = "Missing or invalid API token (`unauthorized`).", body = ApiErrorBody),
            (status = 404, description = "The payment or the invoice does not exist (`payment_not_found`, `invoice_not_found`).", body = ApiErrorBody),
            (status = 409, description = "The payment is matched or reversed (`payment_already_matched`, `payment_reversed`).", body = ApiErrorBody),
        ),
        security(("tenant_token" = []))
    )]
    fn match_payment() {}

    /// Imports an e-invoice file (Finvoice or Peppol UBL); the body is the file itself.
    #[utoipa::path(
        post,
        path = paths::IMPORT_INVOICES,
        tag = "imports",
        request_body(content((Vec<u8> = "application/xml"), (Vec<u8> = "text/xml"), (Vec<u8> = "text/plain"), (Vec<u8> = "application/octet-stream")), description = "The file's bytes, at most 64 MiB, sent as they are. A `Content-Disposition` header with a `filename` names the file in the report and the event."),
        responses(
            (status = 200, description = "What the file held and what was imported.", body = ImportReport),
            (status = 400, description = "The body could not be read (`body_invalid`).", body = ApiErrorBody),
            (status = 401, description = "Missing or invalid API token (`unauthorized`).", body = ApiErrorBody),
            (status = 413, description = "The file is larger than the import limit (`body_too_large`).", body = ApiErrorBody),
            (status = 415, description = "The `Content-Type` is none of the accepted ones (`content_type_unsupported`).", body = ApiErrorBody),
            (status = 422, description = "The format is unknown or the file cannot be read (`import_format_unknown`, `import_invalid`).", body = ApiErrorBody),
        ),
        security(("tenant_token" = []))
    )]
    fn import_invoices() {}

    /// Imports a bank payment file (camt.053, camt.054 or KTL); the body is the file itself.
    #[utoipa::path(
        post,
        path = paths::IMPORT_PAYMENTS,
        tag = "imports",
        request_body(content((Vec<u8> = "application/xml"), (Vec<u8> = "text/xml"), (Vec<u8> = "text/plain"), (Vec<u8> = "application/octet-stream")), description = "The file's bytes, at most 64 MiB, sent as they are. A `Content-Disposition` header with a `filename` names the file in the report and the event."),
        responses(
            (status = 200, description = "What the file held and what was imported.", body = ImportReport),
            (status = 400, description = "The body could not be read (`body_invalid`).", body = ApiErrorBody),
            (status = 401, description = "Missing or invalid API token (`unauthorized`).", body = ApiErrorBody),
            (status = 413, description = "The file is larger than the import limit (`body_too_large`).", body = ApiErrorBody),
            (status = 415, description = "The `Content-Type` is none of the accepted ones (`content_type_unsupported`).", body = ApiErrorBody),
            (status = 422, description = "The format is unknown or the file cannot be read (`import_format_unknown`, `import_invalid`).", body = ApiErrorBody),
        ),
        security(("tenant_token" = []))
    )]
    fn import_payments() {}

    /// Creates a webhook endpoint and its first signing secret.
    #[utoipa::path(
        post,
        path = paths::WEBHOOKS,
        tag = "webhooks",
        request_body = CreateWebhookRequest,
        responses(
            (status = 201, description = "The endpoint and its signing secret; the plain secret is shown only here.", body = CreatedWebhook),
            (status = 400, description = "The URL, an event type or the description is invalid (`webhook_url_invalid`, `event_type_unknown`, `webhook_description_invalid`); `field` names it.", body = ApiErrorBody),
            (status = 401, description = "Missing or invalid API token (`unauthorized`).", body = ApiErrorBody),
        ),
        security(("tenant_token" = []))
    )]
    fn create_webhook() {}

    /// Lists the tenant's webhook endpoints, oldest first.
    #[utoipa::path(
        get,
        path = paths::WEBHOOKS,
        tag = "webhooks",
        params(PageQuery),
        responses(
            (status = 200, description = "One page of endpoints.", body = Page<Webhook>),
            (status = 400, description = "A query parameter is malformed (`query_invalid`, `cursor_invalid`, `limit_out_of_range`).", body = ApiErrorBody),
            (status = 401, description = "Missing or invalid API token (`unauthorized`).", body = ApiErrorBody),
        ),
        security(("tenant_token" = []))
    )]
    fn list_webhooks() {}

    /// Reads a webhook endpoint with the prefixes of its active secrets.
    #[utoipa::path(
        get,
        path = paths::WEBHOOK,
        tag = "webhooks",
        params(("id" = i64, Path, description = "Vahti's id of the endpoint.")),
        responses(
            (status = 200, description = "The endpoint.", body = Webhook),
            (status = 400, description = "The id is not a number (`path_invalid`).", body = ApiErrorBody),
            (status = 401, description = "Missing or invalid API token (`unauthorized`).", body = ApiErrorBody),
            (status = 404, description = "The tenant has no endpoint with this id (`webhook_not_found`).", body = ApiErrorBody),
        ),
        security(("tenant_token" = []))
    )]
    fn get_webhook() {}

    /// Changes a webhook endpoint; an absent field keeps its value. Enabling an endpoint that
    /// the daemon disabled after failed deliveries starts it again with a fresh failure count.
    #[utoipa::path(
        patch,
        path = paths::WEBHOOK,
        tag = "webhooks",
        params(("id" = i64, Path, description = "Vahti's id of the endpoint.")),
        request_body = UpdateWebhookRequest,
        responses(
            (status = 200, description = "The changed endpoint.", body = Webhook),
            (status = 400, description = "The URL, an event type or the description is invalid (`webhook_url_invalid`, `event_type_unknown`, `webhook_description_invalid`); `field` names it.", body = ApiErrorBody),
            (status = 401, description = "Missing or invalid API token (`unauthorized`).", body = ApiErrorBody),
            (status = 404, description = "The tenant has no endpoint with this id (`webhook_not_found`).", body = ApiErrorBody),
        ),
        security(("tenant_token" = []))
    )]
    fn update_webhook() {}

    /// Deletes a webhook endpoint; its pending deliveries are cancelled.
    #[utoipa::path(
        delete,
        path = paths::WEBHOOK,
        tag = "webhooks",
        params(("id" = i64, Path, description = "Vahti's id of the endpoint.")),
        responses(
            (status = 204, description = "The endpoint is deleted."),
            (status = 400, description = "The id is not a number (`path_invalid`).", body = ApiErrorBody),
            (status = 401, description = "Missing or invalid API token (`unauthorized`).", body = ApiErrorBody),
            (status = 404, description = "The tenant has no endpoint with this id (`webhook_not_found`).", body = ApiErrorBody),
        ),
        security(("tenant_token" = []))
    )]
    fn delete_webhook() {}

    /// Creates a new signing secret; the previous one stays valid for the configured grace
    /// period, so receivers can switch without losing deliveries.
    #[utoipa::path(
        post,
        path = paths::WEBHOOK_SECRET_ROTATE,
        tag = "webhooks",
        params(("id" = i64, Path, description = "Vahti's id of the endpoint.")),
        responses(
            (status = 200, description = "The new secret, shown only here, and when the previous one expires.", body = RotatedWebhookSecret),
            (status = 400, description = "The id is not a number (`path_invalid`).", body = ApiErrorBody),
            (status = 401, description = "Missing or invalid API token (`unauthorized`).", body = ApiErrorBody),
            (status = 404, description = "The tenant has no endpoint with this id (`webhook_not_found`).", body = ApiErrorBody),
        ),
        security(("tenant_token" = []))
    )]
    fn rotate_webhook_secret() {}

    /// Lists an endpoint's deliveries with their attempts, newest first.
    #[utoipa::path(
        get,
        path = paths::WEBHOOK_DELIVERIES,
        tag = "webhooks",
        params(("id" = i64, Path, description = "Vahti's id of the endpoint."), DeliveriesQuery),
        responses(
            (status = 200, description = "One page of deliveries.", body = Page<WebhookDelivery>),
            (status = 400, description = "A path or query parameter is malformed (`path_invalid`, `query_invalid`, `cursor_invalid`, `limit_out_of_range`).", body = ApiErrorBody),
            (status = 401, description = "Missing or invalid API token (`unauthorized`).", body = ApiErrorBody),
            (status = 404, description = "The tenant has no endpoint with this id (`webhook_not_found`).", body = ApiErrorBody),
        ),
        security(("tenant_token" = []))
    )]
    fn list_webhook_deliveries() {}

    /// Queues a delivery's event for the endpoint again, as a new delivery with the same
    /// `Vahti-Event-Id`.
    #[utoipa::path(
        post,
        path = paths::WEBHOOK_REDELIVER,
        tag = "webhooks",
        params(
            ("id" = i64, Path, description = "Vahti's id of the endpoint."),
            ("delivery_id" = i64, Path, description = "The id of the delivery to repeat."),
        ),
        responses(
            (status = 202, description = "The new delivery, queued.", body = WebhookDelivery),
            (status = 400, description = "An id is not a number (`path_invalid`).", body = ApiErrorBody),
            (status = 401, description = "Missing or invalid API token (`unauthorized`).", body = ApiErrorBody),
            (status = 404, description = "The endpoint or the delivery does not exist (`webhook_not_found`, `webhook_delivery_not_found`).", body = ApiErrorBody),
            (status = 409, description = "The endpoint is disabled (`webhook_disabled`), or the delivery is still queued (`webhook_delivery_queued`).", body = ApiErrorBody),
        ),
        security(("tenant_token" = []))
    )]
    fn redeliver_webhook() {}

    /// Sets the tenant's collection agency and how cases reach it.
    #[utoipa::path(
        put,
        path = paths::COLLECTION_PARTNER,
        tag = "collection",
        request_body = PutPartnerRequest,
        responses(
            (status = 200, description = "The partner as stored, with the signing secret when Vahti generated one.", body = PutPartnerResponse),
            (status = 400, description = "A value is invalid (`partner_invalid`, `body_invalid`); `field` names it.", body = ApiErrorBody),
            (status = 401, description = "Missing or invalid API token (`unauthorized`).", body = ApiErrorBody),
        ),
        security(("tenant_token" = []))
    )]
    fn put_collection_partner() {}

    /// Reads the tenant's collection agency.
    #[utoipa::path(
        get,
        path = paths::COLLECTION_PARTNER,
        tag = "collection",
        responses(
            (status = 200, description = "The partner.", body = CollectionPartner),
            (status = 401, description = "Missing or invalid API token (`unauthorized`).", body = ApiErrorBody),
            (status = 404, description = "No partner is set (`partner_not_found`).", body = ApiErrorBody),
        ),
        security(("tenant_token" = []))
    )]
    fn get_collection_partner() {}

    /// Removes the tenant's collection agency; cases already handed over keep their history.
    #[utoipa::path(
        delete,
        path = paths::COLLECTION_PARTNER,
        tag = "collection",
        responses(
            (status = 204, description = "The partner is removed."),
            (status = 401, description = "Missing or invalid API token (`unauthorized`).", body = ApiErrorBody),
            (status = 404, description = "No partner is set (`partner_not_found`).", body = ApiErrorBody),
        ),
        security(("tenant_token" = []))
    )]
    fn delete_collection_partner() {}

    /// Lists collection cases, newest first.
    #[utoipa::path(
        get,
        path = paths::CASES,
        tag = "collection",
        params(CasesQuery),
        responses(
            (status = 200, description = "One page of cases, without their documents and history.", body = Page<CollectionCase>),
            (status = 400, description = "A query parameter is malformed (`query_invalid`, `cursor_invalid`, `limit_out_of_range`, `external_id_invalid`).", body = ApiErrorBody),
            (status = 401, description = "Missing or invalid API token (`unauthorized`).", body = ApiErrorBody),
        ),
        security(("tenant_token" = []))
    )]
    fn list_cases() {}

    /// Reads a collection case with its document and history.
    #[utoipa::path(
        get,
        path = paths::CASE,
        tag = "collection",
        params(("id" = i64, Path, description = "Vahti's id of the case.")),
        responses(
            (status = 200, description = "The case.", body = CollectionCase),
            (status = 400, description = "The id is not a number (`path_invalid`).", body = ApiErrorBody),
            (status = 401, description = "Missing or invalid API token (`unauthorized`).", body = ApiErrorBody),
            (status = 404, description = "The tenant has no case with this id (`case_not_found`).", body = ApiErrorBody),
        ),
        security(("tenant_token" = []))
    )]
    fn get_case() {}

    /// Records a state the agency reports, such as an acknowledgement or a payment collected.
    #[utoipa::path(
        post,
        path = paths::CASE_STATE,
        tag = "collection",
        params(("id" = i64, Path, description = "Vahti's id of the case.")),
        request_body = CaseStateRequest,
        responses(
            (status = 200, description = "The case after the report.", body = CollectionCase),
            (status = 400, description = "The state, note or amount is invalid (`body_invalid`, `case_report_invalid`); `field` names it.", body = ApiErrorBody),
            (status = 401, description = "Missing or invalid API token (`unauthorized`).", body = ApiErrorBody),
            (status = 404, description = "The tenant has no case with this id (`case_not_found`).", body = ApiErrorBody),
            (status = 409, description = "The case is closed or recalled (`case_closed`).", body = ApiErrorBody),
        ),
        security(("tenant_token" = []))
    )]
    fn report_case_state() {}

    /// Takes a case back from the agency; collection of its invoices goes on in Vahti.
    #[utoipa::path(
        post,
        path = paths::CASE_RECALL,
        tag = "collection",
        params(("id" = i64, Path, description = "Vahti's id of the case.")),
        request_body = RecallCaseRequest,
        responses(
            (status = 200, description = "The recalled case.", body = CollectionCase),
            (status = 400, description = "The reason is empty or too long (`case_report_invalid`).", body = ApiErrorBody),
            (status = 401, description = "Missing or invalid API token (`unauthorized`).", body = ApiErrorBody),
            (status = 404, description = "The tenant has no case with this id (`case_not_found`).", body = ApiErrorBody),
            (status = 409, description = "The case is closed or recalled already (`case_closed`).", body = ApiErrorBody),
        ),
        security(("tenant_token" = []))
    )]
    fn recall_case() {}

    /// Reports that the process is alive.
    #[utoipa::path(
        get,
        path = paths::HEALTHZ,
        tag = "operations",
        responses((status = 200, description = "The process responds.", body = Health))
    )]
    fn healthz() {}

    /// Reports whether start-up finished and the database responds.
    #[utoipa::path(
        get,
        path = paths::READYZ,
        tag = "operations",
        responses(
            (status = 200, description = "Ready to serve requests.", body = Health),
            (status = 503, description = "Not ready; the failing checks say why.", body = Health),
        )
    )]
    fn readyz() {}

    /// Returns the daemon's metrics in the Prometheus text format.
    #[utoipa::path(
        get,
        path = paths::METRICS,
        tag = "operations",
        responses((status = 200, description = "The metrics.", body = String, content_type = "text/plain; version=0.0.4"))
    )]
    fn metrics() {}
}
