//! `GET /v1/accounts/{external_id}/status`: balances, open invoices and the timeline.

use actix_web::{HttpResponse, web};
use vahti_api::{AccountStatus, Balance, paths};
use vahti_store::tenants;

use crate::app::App;
use crate::http::auth::TenantAuth;
use crate::http::convert;
use crate::http::error::ApiResult;
use crate::service::accounts;
use crate::service::invoices::schedules;
use crate::service::status;

/// Registers the status route.
pub fn configure(config: &mut web::ServiceConfig) {
    config.route(paths::ACCOUNT_STATUS, web::get().to(get));
}

async fn get(
    auth: TenantAuth,
    app: web::Data<App>,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let external_id = convert::external_id(path.into_inner())?;
    let tenant_id = auth.tenant;
    let now = app.now();
    let (found, tenant, keys) = app
        .read(move |tx| {
            let found = status::load(tx, tenant_id, &external_id, now)?;
            let tenant = tenants::get(tx, tenant_id)?;
            let keys = accounts::policy_keys(tx, tenant_id)?;
            Ok((found, tenant, keys))
        })
        .await?;

    let loaded = &found.loaded;
    let plans = schedules(loaded);
    let balances = loaded
        .ledger
        .balances
        .values()
        .map(|balance| Balance {
            currency: balance.currency.code().to_owned(),
            principal: balance.principal_outstanding.round().amount(),
            interest: balance.interest_outstanding.round().amount(),
            fees: balance.fees_outstanding.round().amount(),
            credit: balance.credit.round().amount(),
            total: balance.total.round().amount(),
        })
        .collect();
    let open_invoices = found
        .open_invoices
        .iter()
        .filter_map(|id| {
            let invoice = loaded.invoice(*id)?;
            Some(convert::invoice(loaded, invoice, plans.get(id)))
        })
        .collect();
    let account = &loaded.context.account;

    Ok(HttpResponse::Ok().json(AccountStatus {
        account: convert::account(account, &tenant, &keys, loaded.today),
        balances,
        open_invoices,
        next_action_at: account.next_action_at,
        timeline: found.timeline,
    }))
}
