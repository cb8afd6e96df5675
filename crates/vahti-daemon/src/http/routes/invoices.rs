//! Invoices and credit notes: upsert one or a batch, read, list, and issue, cancel or move the
//! due date of one.

use std::collections::HashMap;

use actix_web::{HttpResponse, guard, web};
use vahti_api::limits::{MAX_BATCH_BODY_BYTES, validate_batch_len};
use vahti_api::{
    ApiError as WireError, BatchInvoiceRequest, BatchInvoiceResponse, BatchItemResult,
    BatchItemStatus, ChangeDueDateRequest, ErrorCode, InvoiceListQuery, Page, UpsertInvoiceRequest,
    paths,
};
use vahti_domain::ids::{AccountId, InvoiceId};

use crate::app::App;
use crate::error::ServiceError;
use crate::http::auth::TenantAuth;
use crate::http::convert;
use crate::http::error::{self, ApiError, ApiResult};
use crate::service::Loaded;
use crate::service::invoices::{
    self, Applied, InvoiceAction, InvoiceSchedule, Outcome, draft_from_request, schedules,
};

/// Registers the invoice routes.
pub fn configure(config: &mut web::ServiceConfig) {
    config
        .service(
            // The guard lets other methods fall through to the routes of
            // `/v1/invoices/{external_id}` and then to the 405 of the default service.
            web::resource(paths::INVOICES_BATCH)
                .guard(guard::Post())
                .app_data(
                    web::JsonConfig::default()
                        .limit(MAX_BATCH_BODY_BYTES)
                        .error_handler(error::json_error),
                )
                .route(web::post().to(batch)),
        )
        .route(paths::INVOICES, web::get().to(list))
        .route(paths::INVOICE, web::put().to(upsert))
        .route(paths::INVOICE, web::get().to(get))
        .route(paths::INVOICE_ISSUE, web::post().to(issue))
        .route(paths::INVOICE_CANCEL, web::post().to(cancel))
        .route(paths::INVOICE_DUE_DATE, web::post().to(change_due_date));
}

/// Converts one document of a loaded account to its wire form.
fn wire_invoice(loaded: &Loaded, id: InvoiceId) -> ApiResult<vahti_api::Invoice> {
    let invoice = loaded.invoice(id).ok_or_else(|| {
        ServiceError::internal(format!("invoice {id} is missing from its account"))
    })?;
    let schedule = invoices::schedule(loaded, id);
    Ok(convert::invoice(loaded, invoice, Some(&schedule)))
}

async fn upsert(
    auth: TenantAuth,
    app: web::Data<App>,
    path: web::Path<String>,
    body: web::Json<UpsertInvoiceRequest>,
) -> ApiResult<HttpResponse> {
    let external_id = convert::external_id(path.into_inner())?;
    let draft = draft_from_request(&external_id, &body.into_inner())?;
    let (applied, loaded) = invoices::upsert_one(&app, auth.tenant, draft).await?;
    let invoice = wire_invoice(&loaded, applied.invoice_id)?;
    Ok(match applied.outcome {
        Outcome::Created => HttpResponse::Created().json(invoice),
        Outcome::Updated | Outcome::Unchanged => HttpResponse::Ok().json(invoice),
    })
}

async fn batch(
    auth: TenantAuth,
    app: web::Data<App>,
    body: web::Json<BatchInvoiceRequest>,
) -> ApiResult<HttpResponse> {
    let request = body.into_inner();
    validate_batch_len(request.items.len()).map_err(|error| {
        ApiError::from(ServiceError::unprocessable(
            error.code().as_str(),
            Some("items".to_owned()),
            error.to_string(),
        ))
    })?;

    let external_ids: Vec<String> = request
        .items
        .iter()
        .map(|item| item.external_id.clone())
        .collect();
    let drafts = request
        .items
        .iter()
        .map(|item| draft_from_request(&item.external_id, &item.invoice))
        .collect();
    let outcomes = invoices::apply_many(&app, auth.tenant, drafts).await;

    let results = external_ids
        .into_iter()
        .zip(outcomes)
        .map(|(external_id, outcome)| batch_result(external_id, outcome))
        .collect();
    Ok(HttpResponse::Ok().json(BatchInvoiceResponse { results }))
}

fn batch_result(external_id: String, outcome: Result<Applied, ServiceError>) -> BatchItemResult {
    match outcome {
        Ok(applied) => BatchItemResult {
            external_id,
            status: match applied.outcome {
                Outcome::Created => BatchItemStatus::Created,
                Outcome::Updated => BatchItemStatus::Updated,
                Outcome::Unchanged => BatchItemStatus::Unchanged,
            },
            invoice_id: Some(applied.invoice_id.0),
            error: None,
        },
        Err(error) => BatchItemResult {
            external_id,
            status: BatchItemStatus::Rejected,
            invoice_id: None,
            error: Some(WireError {
                code: ErrorCode::parse(error.code()),
                message: error.message().to_owned(),
                field: error.field().map(str::to_owned),
            }),
        },
    }
}

async fn get(
    auth: TenantAuth,
    app: web::Data<App>,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let external_id = convert::external_id(path.into_inner())?;
    let tenant_id = auth.tenant;
    let now = app.now();
    let (id, loaded) = app
        .read(move |tx| {
            let invoice = invoices::get(tx, tenant_id, &external_id)?;
            let loaded = Loaded::load(tx, invoice.account_id, now)?;
            Ok((invoice.id, loaded))
        })
        .await?;
    Ok(HttpResponse::Ok().json(wire_invoice(&loaded, id)?))
}

async fn list(
    auth: TenantAuth,
    app: web::Data<App>,
    query: web::Query<InvoiceListQuery>,
) -> ApiResult<HttpResponse> {
    let query = query.into_inner();
    let limit = convert::page_limit(query.limit)?;
    let after = convert::parse_cursor(query.cursor.as_deref())?.map(InvoiceId);
    let status = match query.status {
        None => None,
        Some(status) => Some(convert::ledger_status(status).ok_or_else(|| {
            ApiError::bad_request(
                "query_invalid",
                Some("status".to_owned()),
                "unknown status: use draft, open, paid, credited, written_off, cancelled or handed_over",
            )
        })?),
    };
    let account = query.account;
    let tenant_id = auth.tenant;
    let now = app.now();
    let page = app
        .read(move |tx| {
            invoices::list_page(tx, tenant_id, account.as_deref(), status, after, limit, now)
        })
        .await?;

    let plans: HashMap<AccountId, HashMap<InvoiceId, InvoiceSchedule>> = page
        .accounts
        .iter()
        .map(|(id, loaded)| (*id, schedules(loaded)))
        .collect();
    let items = page
        .invoices
        .iter()
        .filter_map(|invoice| {
            let loaded = page.accounts.get(&invoice.account_id)?;
            let schedule = plans
                .get(&invoice.account_id)
                .and_then(|plans| plans.get(&invoice.id));
            Some(convert::invoice(loaded, invoice, schedule))
        })
        .collect();
    let next_cursor = page.next.map(|id| convert::cursor(id.0));
    Ok(HttpResponse::Ok().json(Page::new(items, next_cursor)))
}

async fn issue(
    auth: TenantAuth,
    app: web::Data<App>,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    act(auth, app, path, InvoiceAction::Issue).await
}

async fn cancel(
    auth: TenantAuth,
    app: web::Data<App>,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    act(auth, app, path, InvoiceAction::Cancel).await
}

async fn change_due_date(
    auth: TenantAuth,
    app: web::Data<App>,
    path: web::Path<String>,
    body: web::Json<ChangeDueDateRequest>,
) -> ApiResult<HttpResponse> {
    let due_date = body.into_inner().due_date;
    act(auth, app, path, InvoiceAction::ChangeDueDate(due_date)).await
}

async fn act(
    auth: TenantAuth,
    app: web::Data<App>,
    path: web::Path<String>,
    action: InvoiceAction,
) -> ApiResult<HttpResponse> {
    let external_id = convert::external_id(path.into_inner())?;
    let (id, loaded) = invoices::act_on(&app, auth.tenant, &external_id, action).await?;
    Ok(HttpResponse::Ok().json(wire_invoice(&loaded, id)?))
}
