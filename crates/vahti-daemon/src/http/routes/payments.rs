//! Payments: record, list, reverse, and match by hand.

use actix_web::{HttpResponse, web};
use vahti_api::{MatchPaymentRequest, Page, PaymentListQuery, RecordPaymentRequest, paths};
use vahti_domain::ids::PaymentId;

use crate::app::App;
use crate::http::auth::TenantAuth;
use crate::http::convert;
use crate::http::error::ApiResult;
use crate::service::payments::{self, input_from_request};

/// Registers the payment routes.
pub fn configure(config: &mut web::ServiceConfig) {
    config
        .route(paths::PAYMENTS, web::post().to(record))
        .route(paths::PAYMENTS, web::get().to(list))
        .route(paths::PAYMENT_REVERSE, web::post().to(reverse))
        .route(paths::PAYMENT_MATCH, web::post().to(match_by_hand));
}

/// Records a payment: 201 with the new payment, or 200 with the stored one when its archive id
/// was recorded before with the same amount.
async fn record(
    auth: TenantAuth,
    app: web::Data<App>,
    body: web::Json<RecordPaymentRequest>,
) -> ApiResult<HttpResponse> {
    let input = input_from_request(&body.into_inner())?;
    let recorded = payments::record(&app, auth.tenant, input).await?;
    let payment = convert::payment(&recorded.payment, recorded.account.as_deref());
    Ok(if recorded.created {
        HttpResponse::Created().json(payment)
    } else {
        HttpResponse::Ok().json(payment)
    })
}

async fn reverse(
    auth: TenantAuth,
    app: web::Data<App>,
    path: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let id = PaymentId(path.into_inner());
    let (payment, account) = payments::reverse(&app, auth.tenant, id).await?;
    Ok(HttpResponse::Ok().json(convert::payment(&payment, account.as_deref())))
}

async fn match_by_hand(
    auth: TenantAuth,
    app: web::Data<App>,
    path: web::Path<i64>,
    body: web::Json<MatchPaymentRequest>,
) -> ApiResult<HttpResponse> {
    let id = PaymentId(path.into_inner());
    let invoice = body.into_inner().invoice;
    let (payment, account) = payments::match_to_invoice(&app, auth.tenant, id, &invoice).await?;
    Ok(HttpResponse::Ok().json(convert::payment(&payment, account.as_deref())))
}

async fn list(
    auth: TenantAuth,
    app: web::Data<App>,
    query: web::Query<PaymentListQuery>,
) -> ApiResult<HttpResponse> {
    let query = query.into_inner();
    let limit = convert::page_limit(query.limit)?;
    let after = convert::parse_cursor(query.cursor.as_deref())?.map(PaymentId);
    let tenant_id = auth.tenant;
    let unmatched = query.unmatched;
    let now = app.now();
    let mut page = app
        .read(move |tx| payments::list(tx, tenant_id, unmatched, after, i64::from(limit) + 1, now))
        .await?;

    let page_size = usize::try_from(limit).unwrap_or(usize::MAX);
    let more = page.payments.len() > page_size;
    page.payments.truncate(page_size);
    let next_cursor = more
        .then(|| {
            page.payments
                .last()
                .map(|payment| convert::cursor(payment.id.0))
        })
        .flatten();
    let items = page
        .payments
        .iter()
        .map(|payment| {
            let account = payment
                .account_id
                .and_then(|account_id| page.accounts.get(&account_id));
            convert::payment(payment, account)
        })
        .collect();
    Ok(HttpResponse::Ok().json(Page::new(items, next_cursor)))
}
