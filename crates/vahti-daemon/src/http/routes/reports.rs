//! `/v1/reports`: reports over all accounts of the tenant.

use actix_web::{HttpResponse, web};
use vahti_api::{AgingBucket, AgingByCurrency, AgingQuery, AgingReport, ApiErrorBody, paths};

use crate::app::App;
use crate::http::auth::TenantAuth;
use crate::http::error::ApiResult;
use crate::service::reports::{self as report_service, Bucket};

/// Registers the report routes.
pub fn configure(config: &mut web::ServiceConfig) {
    config.route(paths::AGING_REPORT, web::get().to(aging_report));
}

/// Reads the aging report: open invoices per currency in buckets of days past their due date
/// (not yet due, 1-14, 15-30, 31-60, 61-90, over 90), with count and total outstanding.
#[utoipa::path(
    get,
    path = paths::AGING_REPORT,
    tag = "reports",
    operation_id = "aging_report",
    params(AgingQuery),
    responses(
        (status = 200, description = "The aging report.", body = AgingReport),
        (status = 400, description = "`as_of` is not a date (`query_invalid`).", body = ApiErrorBody),
        (status = 401, description = "Missing or invalid API token (`unauthorized`).", body = ApiErrorBody),
        (status = 422, description = "An account's ledger cannot be computed; the message names the account.", body = ApiErrorBody),
    ),
    security(("tenant_token" = []))
)]
pub(crate) async fn aging_report(
    auth: TenantAuth,
    app: web::Data<App>,
    query: web::Query<AgingQuery>,
) -> ApiResult<HttpResponse> {
    let as_of = query.as_of;
    let now = app.now();
    let tenant = auth.tenant;
    let report = app
        .read(move |tx| report_service::aging(tx, tenant, as_of, now))
        .await?;
    Ok(HttpResponse::Ok().json(AgingReport {
        as_of: report.as_of,
        currencies: report
            .currencies
            .iter()
            .map(|(currency, aging)| AgingByCurrency {
                currency: currency.code().to_owned(),
                not_due: wire_bucket(aging.not_due),
                days_1_14: wire_bucket(aging.days_1_14),
                days_15_30: wire_bucket(aging.days_15_30),
                days_31_60: wire_bucket(aging.days_31_60),
                days_61_90: wire_bucket(aging.days_61_90),
                days_over_90: wire_bucket(aging.days_over_90),
                total: wire_bucket(aging.total),
            })
            .collect(),
    }))
}

fn wire_bucket(bucket: Bucket) -> AgingBucket {
    AgingBucket {
        count: bucket.count,
        amount: bucket.amount,
    }
}
