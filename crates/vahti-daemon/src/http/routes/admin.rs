//! Operator endpoints, authenticated with the admin token: tenants, the manual clock and the
//! cluster.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use chrono::TimeDelta;
use vahti_api::{
    ClockChange, ClockRequest, ClusterNode, ClusterStatus, Contact, ContactInput,
    CreateTenantRequest, CreateTenantResponse, CreatedToken, HeldShard, Tenant as WireTenant,
    UpdateTenantRequest,
};
use vahti_domain::ids::TenantId;
use vahti_store::StoreError;
use vahti_store::cluster as cluster_store;
use vahti_store::tenants::{self, CreditorSettings, NewTenant, Tenant};

use crate::app::App;
use crate::clock::ClockError;
use crate::error::{ServiceError, ServiceResult};
use crate::http::auth::{AdminAuth, forget_tenant};
use crate::http::error::{ApiError, ApiResult};
use crate::scheduler;
use crate::service::tenants::{self as tenant_service, api_locale, store_locale};
use vahti_domain::ErrorCode as _;

/// Registers the admin routes.
pub fn configure(config: &mut web::ServiceConfig) {
    config
        .route("/v1/tenants", web::post().to(create_tenant))
        .route("/v1/tenants", web::get().to(list_tenants))
        .route("/v1/tenants/{id}", web::get().to(get_tenant))
        .route("/v1/tenants/{id}", web::patch().to(update_tenant))
        .route("/v1/admin/clock", web::get().to(get_clock))
        .route("/v1/admin/clock", web::post().to(set_clock))
        .route(vahti_api::paths::CLUSTER, web::get().to(get_cluster));
}

async fn create_tenant(
    _admin: AdminAuth,
    app: web::Data<App>,
    body: web::Json<CreateTenantRequest>,
) -> ApiResult<HttpResponse> {
    let request = body.into_inner();
    let new = NewTenant {
        name: request.name.trim().to_owned(),
        time_zone: request
            .time_zone
            .clone()
            .unwrap_or_else(|| "Europe/Helsinki".to_owned()),
        default_locale: store_locale(request.locale.unwrap_or(vahti_api::Locale::Fi)),
        creditor: creditor_of(
            &request.name,
            request.business_id.clone(),
            request.sender_email.clone(),
            request.reply_to.clone(),
            request.iban.clone(),
            request.bic.clone(),
            request.contact.as_ref(),
        ),
    };
    let token_name = request
        .token_name
        .clone()
        .unwrap_or_else(|| vahti_api::admin::DEFAULT_TOKEN_NAME.to_owned());
    let now = app.now();
    let created = app
        .write(move |tx| tenant_service::create(tx, &new, &token_name, now))
        .await?;

    Ok(HttpResponse::Created().json(CreateTenantResponse {
        tenant: wire_tenant(&created.tenant),
        token: CreatedToken {
            id: created.token.id.0,
            name: created.token.name.clone(),
            prefix: created.token.prefix.clone(),
            token: created.secret.token.clone(),
            created_at: created.token.created_at,
        },
    }))
}

async fn list_tenants(_admin: AdminAuth, app: web::Data<App>) -> ApiResult<HttpResponse> {
    let list = app.read(|tx| Ok(tenants::list(tx)?)).await?;
    let items: Vec<WireTenant> = list.iter().map(wire_tenant).collect();
    Ok(HttpResponse::Ok().json(vahti_api::Page {
        items,
        next_cursor: None,
    }))
}

async fn get_tenant(
    _admin: AdminAuth,
    app: web::Data<App>,
    path: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let id = TenantId(path.into_inner());
    let tenant = app.read(move |tx| tenant_of(tx, id)).await?;
    Ok(HttpResponse::Ok().json(wire_tenant(&tenant)))
}

/// Reads a tenant, or fails with 404 `tenant_not_found`.
fn tenant_of(tx: &mut vahti_store::Tx<'_>, id: TenantId) -> ServiceResult<Tenant> {
    match tenants::get(tx, id) {
        Ok(tenant) => Ok(tenant),
        Err(StoreError::NotFound { .. }) => Err(ServiceError::not_found(
            "tenant_not_found",
            format!("tenant {id} not found; list the tenants with GET /v1/tenants"),
        )),
        Err(error) => Err(error.into()),
    }
}

async fn update_tenant(
    _admin: AdminAuth,
    app: web::Data<App>,
    path: web::Path<i64>,
    body: web::Json<UpdateTenantRequest>,
) -> ApiResult<HttpResponse> {
    let id = TenantId(path.into_inner());
    let request = body.into_inner();
    let now = app.now();
    let updated = app
        .write(move |tx| {
            let current = tenant_of(tx, id)?;
            let mut changed = NewTenant {
                name: current.name.clone(),
                time_zone: current.time_zone.clone(),
                default_locale: current.default_locale,
                creditor: current.creditor.clone(),
            };
            if let Some(name) = &request.name {
                changed.name = name.trim().to_owned();
                changed.creditor.legal_name = changed.name.clone();
            }
            if let Some(zone) = &request.time_zone {
                changed.time_zone = zone.clone();
            }
            if let Some(locale) = request.locale {
                changed.default_locale = store_locale(locale);
            }
            apply(&mut changed.creditor.business_id, &request.business_id);
            apply(&mut changed.creditor.mail_from, &request.sender_email);
            apply(&mut changed.creditor.mail_reply_to, &request.reply_to);
            apply(&mut changed.creditor.iban, &request.iban);
            apply(&mut changed.creditor.bic, &request.bic);
            if request.reply_to.is_some() || request.sender_email.is_some() {
                changed.creditor.contact_email = changed
                    .creditor
                    .mail_reply_to
                    .clone()
                    .or_else(|| changed.creditor.mail_from.clone());
            }
            if let Some(contact) = &request.contact {
                set_address(&mut changed.creditor, contact);
                changed.creditor.contact_phone = contact.phone.clone();
            }
            tenant_service::validate(&changed)?;
            let mut tenant = tenants::update(tx, id, &changed, now)?;
            if let Some(active) = request.active
                && active == tenant.disabled
            {
                tenants::set_disabled(tx, id, !active, now)?;
                tenant = tenants::get(tx, id)?;
            }
            Ok(tenant)
        })
        .await?;
    if updated.disabled {
        forget_tenant(updated.id);
    }
    Ok(HttpResponse::Ok().json(wire_tenant(&updated)))
}

fn apply(target: &mut Option<String>, change: &Option<Option<String>>) {
    if let Some(value) = change {
        target.clone_from(value);
    }
}

async fn get_clock(_admin: AdminAuth, app: web::Data<App>) -> HttpResponse {
    HttpResponse::Ok().json(vahti_api::Clock {
        now: app.now(),
        manual: app.clock().as_manual().is_some(),
    })
}

async fn set_clock(
    _admin: AdminAuth,
    app: web::Data<App>,
    body: web::Json<ClockRequest>,
) -> ApiResult<HttpResponse> {
    let request = body.into_inner();
    let Some(manual) = app.clock().as_manual() else {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "manual_clock_disabled",
            None,
            "the daemon runs on the system clock; start it with clock.mode = \"manual\" to move time",
        ));
    };
    let change = request
        .change()
        .map_err(|error| ApiError::bad_request("clock_request_invalid", None, error.to_string()))?;
    let moved = match change {
        ClockChange::Set(instant) => manual.set(instant),
        ClockChange::Advance { seconds } => manual.advance(TimeDelta::seconds(i64::from(seconds))),
    };
    moved.map_err(|error| {
        let status = match error {
            ClockError::Backwards { .. } => StatusCode::CONFLICT,
            _ => StatusCode::UNPROCESSABLE_ENTITY,
        };
        ApiError::new(status, error.code(), None, error.to_string())
    })?;

    if request.wait {
        scheduler::run_until_idle(&app).await;
    } else {
        app.nudge_scheduler();
    }
    Ok(HttpResponse::Ok().json(vahti_api::Clock {
        now: app.now(),
        manual: true,
    }))
}

async fn get_cluster(_admin: AdminAuth, app: web::Data<App>) -> ApiResult<HttpResponse> {
    let cluster = app.cluster().clone();
    let held: Vec<HeldShard> = cluster
        .held()
        .into_iter()
        .map(|lease| HeldShard {
            shard: u32::try_from(lease.shard).unwrap_or_default(),
            epoch: u64::try_from(lease.epoch).unwrap_or_default(),
        })
        .collect();

    let nodes = if cluster.is_leased() {
        let (leases, nodes) = app
            .read(|tx| Ok((cluster_store::leases(tx)?, cluster_store::nodes(tx)?)))
            .await?;
        nodes
            .into_iter()
            .map(|node| {
                let shards_held = leases
                    .iter()
                    .filter(|lease| lease.held && lease.holder.as_deref() == Some(&node.node_id))
                    .count();
                ClusterNode {
                    shards_held: u32::try_from(shards_held).unwrap_or(u32::MAX),
                    live: node.live,
                    started_at: Some(node.started_at),
                    heartbeat_at: Some(node.heartbeat_at),
                    expires_at: Some(node.expires_at),
                    node_id: node.node_id,
                }
            })
            .collect()
    } else {
        vec![ClusterNode {
            node_id: cluster.node_id().to_owned(),
            live: true,
            shards_held: cluster.shards(),
            started_at: None,
            heartbeat_at: None,
            expires_at: None,
        }]
    };

    Ok(HttpResponse::Ok().json(ClusterStatus {
        enabled: cluster.is_leased(),
        node_id: cluster.node_id().to_owned(),
        shards: cluster.shards(),
        held,
        nodes,
    }))
}

/// Stores the address fields as given, so that the tenant reads back in the shape it was sent.
fn set_address(creditor: &mut CreditorSettings, contact: &ContactInput) {
    creditor.address = contact.address_lines.clone();
    creditor.postal_code = contact.postal_code.clone();
    creditor.city = contact.city.clone();
    creditor.country = contact.country.clone();
}

fn creditor_of(
    name: &str,
    business_id: Option<String>,
    sender_email: Option<String>,
    reply_to: Option<String>,
    iban: Option<String>,
    bic: Option<String>,
    contact: Option<&ContactInput>,
) -> CreditorSettings {
    let mut creditor = CreditorSettings {
        legal_name: name.trim().to_owned(),
        business_id,
        contact_email: reply_to.clone().or_else(|| sender_email.clone()),
        contact_phone: contact.and_then(|contact| contact.phone.clone()),
        iban,
        bic,
        mail_from: sender_email,
        mail_reply_to: reply_to,
        ..CreditorSettings::default()
    };
    if let Some(contact) = contact {
        set_address(&mut creditor, contact);
    }
    creditor
}

/// The wire form of a tenant.
pub fn wire_tenant(tenant: &Tenant) -> WireTenant {
    let creditor = &tenant.creditor;
    WireTenant {
        id: tenant.id.0,
        name: tenant.name.clone(),
        business_id: creditor.business_id.clone(),
        time_zone: tenant.time_zone.clone(),
        locale: api_locale(tenant.default_locale),
        sender_email: creditor.mail_from.clone(),
        reply_to: creditor.mail_reply_to.clone(),
        iban: creditor.iban.clone(),
        bic: creditor.bic.clone(),
        contact: Contact {
            address_lines: creditor.address.clone(),
            postal_code: creditor.postal_code.clone(),
            city: creditor.city.clone(),
            country: creditor.country.clone(),
            phone: creditor.contact_phone.clone(),
        },
        active: !tenant.disabled,
        created_at: tenant.created_at,
        updated_at: tenant.updated_at,
    }
}
