//! Collection cases and the tenant's collection partner: `/v1/cases` and
//! `/v1/collection/partner`.
//!
//! The agency reports progress with `POST /v1/cases/{id}/state`, authenticated with an API token
//! of the tenant issued for it, like any other client.

use std::collections::BTreeMap;

use actix_web::{HttpResponse, web};
use vahti_api::{
    Amount, CaseChange as WireChange, CaseInvoice as WireInvoice, CaseState as WireState,
    CaseStateRequest, CaseUpdate as WireUpdate, CasesQuery, CollectionCase as WireCase,
    CollectionPartner as WirePartner, Page, PartnerKind as WireKind, PutPartnerRequest,
    PutPartnerResponse, RecallCaseRequest, ReportedCaseState,
};
use vahti_domain::Currency;
use vahti_store::cases::{CaseChange, CaseState};
use vahti_store::ids::CaseId;
use vahti_store::partners::{CollectionPartner, PartnerKind, PartnerSettings};
use vahti_store::webhooks::shown_prefix;

use super::webhooks::{cursor_of, limit_of, page_of};
use crate::app::App;
use crate::http::auth::TenantAuth;
use crate::http::error::{ApiError, ApiResult};
use crate::service::cases::{self, CaseView, PartnerInput, StateReport};

/// Registers the collection routes.
pub fn configure(config: &mut web::ServiceConfig) {
    config
        .route("/v1/collection/partner", web::put().to(put_partner))
        .route("/v1/collection/partner", web::get().to(get_partner))
        .route("/v1/collection/partner", web::delete().to(delete_partner))
        .route("/v1/cases", web::get().to(list))
        .route("/v1/cases/{id}", web::get().to(get))
        .route("/v1/cases/{id}/state", web::post().to(report_state))
        .route("/v1/cases/{id}/recall", web::post().to(recall));
}

async fn put_partner(
    auth: TenantAuth,
    app: web::Data<App>,
    body: web::Json<PutPartnerRequest>,
) -> ApiResult<HttpResponse> {
    let request = body.into_inner();
    let kind = match request.kind {
        WireKind::Http => PartnerKind::Http,
        WireKind::File => PartnerKind::File,
        WireKind::Unknown => {
            return Err(ApiError::bad_request(
                "body_invalid",
                Some("kind".to_owned()),
                "kind must be \"http\" or \"file\"",
            ));
        }
    };
    let input = PartnerInput {
        settings: PartnerSettings {
            kind,
            name: request.name,
            email: request.email,
            phone: request.phone,
            website: request.website,
            url: request.url,
            secret: request.secret,
        },
    };
    let allow_insecure = app.config().webhooks.allow_insecure_http;
    let now = app.now();
    let (partner, secret) = app
        .write(move |tx| cases::put_partner(tx, auth.tenant, &input, allow_insecure, now))
        .await?;
    Ok(HttpResponse::Ok().json(PutPartnerResponse {
        partner: wire_partner(&partner),
        secret,
    }))
}

async fn get_partner(auth: TenantAuth, app: web::Data<App>) -> ApiResult<HttpResponse> {
    let partner = app.read(move |tx| cases::partner(tx, auth.tenant)).await?;
    Ok(HttpResponse::Ok().json(wire_partner(&partner)))
}

async fn delete_partner(auth: TenantAuth, app: web::Data<App>) -> ApiResult<HttpResponse> {
    app.write(move |tx| cases::delete_partner(tx, auth.tenant))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

async fn list(
    auth: TenantAuth,
    app: web::Data<App>,
    query: web::Query<CasesQuery>,
) -> ApiResult<HttpResponse> {
    let query = query.into_inner();
    let limit = limit_of(query.limit)?;
    let before = cursor_of(query.cursor.as_deref())?.map(CaseId);
    let state = query.state.map(store_state).transpose()?;
    if let Some(account) = &query.account {
        vahti_api::limits::validate_external_id(account).map_err(|error| {
            ApiError::bad_request(
                error.code().as_str(),
                Some("account".to_owned()),
                error.to_string(),
            )
        })?;
    }
    let account = query.account;
    let views = app
        .read(move |tx| {
            cases::list(
                tx,
                auth.tenant,
                state,
                account.as_deref(),
                before,
                i64::from(limit) + 1,
            )
        })
        .await?;
    let (views, next_cursor) = page_of(views, limit, |view| view.case.id.0);
    let items: Vec<WireCase> = views.iter().map(|view| wire_case(view, false)).collect();
    Ok(HttpResponse::Ok().json(Page::new(items, next_cursor)))
}

async fn get(
    auth: TenantAuth,
    app: web::Data<App>,
    path: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let id = CaseId(path.into_inner());
    let view = app.read(move |tx| cases::view(tx, auth.tenant, id)).await?;
    Ok(HttpResponse::Ok().json(wire_case(&view, true)))
}

async fn report_state(
    auth: TenantAuth,
    app: web::Data<App>,
    path: web::Path<i64>,
    body: web::Json<CaseStateRequest>,
) -> ApiResult<HttpResponse> {
    let id = CaseId(path.into_inner());
    let request = body.into_inner();
    let state = match request.state {
        ReportedCaseState::HandedOver => CaseState::HandedOver,
        ReportedCaseState::Acknowledged => CaseState::Acknowledged,
        ReportedCaseState::PaidToAgency => CaseState::PaidToAgency,
        ReportedCaseState::Returned => CaseState::Returned,
        ReportedCaseState::Closed => CaseState::Closed,
        ReportedCaseState::Unknown => {
            return Err(ApiError::bad_request(
                "body_invalid",
                Some("state".to_owned()),
                "unknown case state",
            ));
        }
    };
    let report = StateReport {
        state,
        note: request.note,
        amount: request.amount,
        token: auth.token,
    };
    let account = app
        .read(move |tx| Ok(cases::case_of(tx, auth.tenant, id)?.account_id))
        .await?;
    let now = app.now();
    app.on_account(auth.tenant, account, move |tx| {
        cases::report_state(tx, auth.tenant, id, &report, now)
    })
    .await?;
    app.nudge_scheduler();
    let view = app.read(move |tx| cases::view(tx, auth.tenant, id)).await?;
    Ok(HttpResponse::Ok().json(wire_case(&view, false)))
}

async fn recall(
    auth: TenantAuth,
    app: web::Data<App>,
    path: web::Path<i64>,
    body: web::Json<RecallCaseRequest>,
) -> ApiResult<HttpResponse> {
    let id = CaseId(path.into_inner());
    let reason = body.into_inner().reason;
    let account = app
        .read(move |tx| Ok(cases::case_of(tx, auth.tenant, id)?.account_id))
        .await?;
    let now = app.now();
    app.on_account(auth.tenant, account, move |tx| {
        cases::recall(tx, auth.tenant, id, &reason, auth.token, now)
    })
    .await?;
    app.nudge_outbox();
    app.nudge_scheduler();
    let view = app.read(move |tx| cases::view(tx, auth.tenant, id)).await?;
    Ok(HttpResponse::Ok().json(wire_case(&view, false)))
}

fn store_state(state: WireState) -> Result<CaseState, ApiError> {
    Ok(match state {
        WireState::Preparing => CaseState::Preparing,
        WireState::HandedOver => CaseState::HandedOver,
        WireState::Acknowledged => CaseState::Acknowledged,
        WireState::PaidToAgency => CaseState::PaidToAgency,
        WireState::Returned => CaseState::Returned,
        WireState::Closed => CaseState::Closed,
        WireState::Recalled => CaseState::Recalled,
        WireState::Unknown => {
            return Err(ApiError::bad_request(
                "query_invalid",
                Some("state".to_owned()),
                "unknown case state",
            ));
        }
    })
}

fn wire_state(state: CaseState) -> WireState {
    match state {
        CaseState::Preparing => WireState::Preparing,
        CaseState::HandedOver => WireState::HandedOver,
        CaseState::Acknowledged => WireState::Acknowledged,
        CaseState::PaidToAgency => WireState::PaidToAgency,
        CaseState::Returned => WireState::Returned,
        CaseState::Closed => WireState::Closed,
        CaseState::Recalled => WireState::Recalled,
    }
}

fn wire_change(change: CaseChange) -> WireChange {
    match change {
        CaseChange::Created => WireChange::Created,
        CaseChange::Delivered => WireChange::Delivered,
        CaseChange::DeliveryFailed => WireChange::DeliveryFailed,
        CaseChange::StateChanged => WireChange::StateChanged,
        CaseChange::PaymentForwarded => WireChange::PaymentForwarded,
        CaseChange::CreditNoteForwarded => WireChange::CreditNoteForwarded,
        CaseChange::Recalled => WireChange::Recalled,
    }
}

fn wire_partner(partner: &CollectionPartner) -> WirePartner {
    let settings = &partner.settings;
    WirePartner {
        kind: match settings.kind {
            PartnerKind::Http => WireKind::Http,
            PartnerKind::File => WireKind::File,
        },
        name: settings.name.clone(),
        email: settings.email.clone(),
        phone: settings.phone.clone(),
        website: settings.website.clone(),
        url: settings.url.clone(),
        secret_prefix: settings.secret.as_deref().map(shown_prefix),
        created_at: partner.created_at,
        updated_at: partner.updated_at,
    }
}

/// Converts a case to its wire form, with its document when `with_document` is set.
fn wire_case(view: &CaseView, with_document: bool) -> WireCase {
    let case = &view.case;
    let mut totals: BTreeMap<Currency, rust_decimal::Decimal> = BTreeMap::new();
    let mut invoices = Vec::with_capacity(case.invoices.len());
    for item in &case.invoices {
        let invoice = view
            .invoices
            .iter()
            .find(|invoice| invoice.id == item.invoice_id);
        let amount = item.amount.round();
        let total = totals.entry(amount.currency()).or_default();
        *total = total.checked_add(amount.amount()).unwrap_or(*total);
        invoices.push(WireInvoice {
            invoice: invoice
                .map(|found| found.external_id.clone())
                .unwrap_or_default(),
            number: invoice
                .map(|found| found.number.clone())
                .unwrap_or_default(),
            currency: amount.currency().code().to_owned(),
            amount: amount.amount(),
        });
    }
    WireCase {
        id: case.id.0,
        account: view.account.clone(),
        state: wire_state(case.state),
        agency: case.agency.clone(),
        invoices,
        totals: totals
            .into_iter()
            .map(|(currency, amount)| Amount {
                amount,
                currency: currency.code().to_owned(),
            })
            .collect(),
        history: view
            .history
            .iter()
            .map(|update| WireUpdate {
                change: wire_change(update.change),
                state: wire_state(update.state),
                note: update.note.clone(),
                amount: update.amount.map(|amount| Amount {
                    amount: amount.round().amount(),
                    currency: amount.currency().code().to_owned(),
                }),
                reference: update.reference.clone(),
                at: update.created_at,
            })
            .collect(),
        document: with_document.then(|| case.payload.clone()),
        created_at: case.created_at,
        updated_at: case.updated_at,
    }
}
