//! `PUT`, `GET /v1/accounts/{external_id}` and `GET /v1/accounts`.

use actix_web::{HttpResponse, web};
use vahti_api::{Page, PageQuery, UpsertAccountRequest, paths};
use vahti_domain::calendar::local_date;
use vahti_domain::ids::AccountId;
use vahti_store::accounts as account_store;
use vahti_store::tenants;

use crate::app::App;
use crate::http::auth::TenantAuth;
use crate::http::convert;
use crate::http::error::ApiResult;
use crate::service::accounts::{self, AccountInput};
use crate::service::context::parse_zone;
use crate::service::tenants::store_locale;

/// Registers the account routes.
pub fn configure(config: &mut web::ServiceConfig) {
    config
        .route(paths::ACCOUNTS, web::get().to(list))
        .route(paths::ACCOUNT, web::put().to(upsert))
        .route(paths::ACCOUNT, web::get().to(get));
}

async fn upsert(
    auth: TenantAuth,
    app: web::Data<App>,
    path: web::Path<String>,
    body: web::Json<UpsertAccountRequest>,
) -> ApiResult<HttpResponse> {
    let external_id = convert::external_id(path.into_inner())?;
    let request = body.into_inner();
    let input = AccountInput {
        external_id: external_id.clone(),
        name: request.name,
        debtor_type: match request.debtor_type {
            vahti_api::DebtorType::Business => vahti_domain::DebtorType::Business,
            _ => vahti_domain::DebtorType::Consumer,
        },
        emails: request.emails,
        locale: request.locale.map(store_locale),
        time_zone: request.time_zone,
        policy: request.policy,
        contact: convert::contact_json(request.contact.map(Into::into)),
        electronic_demand_consent_until: request.electronic_demand_consent_until,
    };
    accounts::validate(&input)?;

    let tenant_id = auth.tenant;
    let now = app.now();
    let (upserted, tenant, keys) =
        accounts::on_external_id(&app, tenant_id, &external_id, move |tx| {
            let upserted = accounts::upsert(tx, tenant_id, &input, now)?;
            let tenant = tenants::get(tx, tenant_id)?;
            let keys = accounts::policy_keys(tx, tenant_id)?;
            Ok((upserted, tenant, keys))
        })
        .await?;
    if upserted.next_action_at.is_some_and(|at| at <= now) {
        app.nudge_scheduler();
    }

    let today = local_date(now, parse_zone(&tenant.time_zone));
    let body = convert::account(&upserted.account, &tenant, &keys, today);
    Ok(if upserted.created {
        HttpResponse::Created().json(body)
    } else {
        HttpResponse::Ok().json(body)
    })
}

async fn get(
    auth: TenantAuth,
    app: web::Data<App>,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let external_id = convert::external_id(path.into_inner())?;
    let tenant_id = auth.tenant;
    let now = app.now();
    let body = app
        .read(move |tx| {
            let account = accounts::get(tx, tenant_id, &external_id)?;
            let tenant = tenants::get(tx, tenant_id)?;
            let keys = accounts::policy_keys(tx, tenant_id)?;
            let today = local_date(now, parse_zone(&tenant.time_zone));
            Ok(convert::account(&account, &tenant, &keys, today))
        })
        .await?;
    Ok(HttpResponse::Ok().json(body))
}

async fn list(
    auth: TenantAuth,
    app: web::Data<App>,
    query: web::Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    let query = query.into_inner();
    let limit = convert::page_limit(query.limit)?;
    let after = convert::parse_cursor(query.cursor.as_deref())?.map(AccountId);
    let tenant_id = auth.tenant;
    let now = app.now();
    let page = app
        .read(move |tx| {
            let mut found = account_store::list(tx, tenant_id, after, i64::from(limit) + 1)?;
            let more = found.len() > usize::try_from(limit).unwrap_or(usize::MAX);
            found.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
            let tenant = tenants::get(tx, tenant_id)?;
            let keys = accounts::policy_keys(tx, tenant_id)?;
            let today = local_date(now, parse_zone(&tenant.time_zone));
            let next_cursor = more
                .then(|| found.last().map(|account| convert::cursor(account.id.0)))
                .flatten();
            let items = found
                .iter()
                .map(|account| convert::account(account, &tenant, &keys, today))
                .collect();
            Ok(Page::new(items, next_cursor))
        })
        .await?;
    Ok(HttpResponse::Ok().json(page))
}
