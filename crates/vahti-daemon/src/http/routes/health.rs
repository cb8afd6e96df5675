//! `/healthz` (the process answers), `/readyz` (start-up finished, the database answers and, in a
//! cluster, the lease heartbeat succeeds) and `/metrics` (Prometheus text format).

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use vahti_api::{Health, HealthCheck, HealthStatus};

use crate::app::App;
use crate::metrics::CONTENT_TYPE;

/// Registers the health and metrics routes.
pub fn configure(config: &mut web::ServiceConfig) {
    config
        .route("/healthz", web::get().to(healthz))
        .route("/readyz", web::get().to(readyz))
        .route("/metrics", web::get().to(metrics));
}

async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(Health {
        status: HealthStatus::Ok,
        checks: Vec::new(),
    })
}

/// Checks that start-up finished and that the database answers a query.
pub async fn check_ready(app: &App) -> Health {
    let mut checks = Vec::new();
    let started = app.is_ready();
    checks.push(HealthCheck {
        name: "startup".to_owned(),
        status: if started {
            HealthStatus::Ok
        } else {
            HealthStatus::Failing
        },
        detail: (!started).then(|| "start-up has not finished".to_owned()),
    });

    let database = app.read(|tx| Ok(vahti_store::rates::list(tx)?.len())).await;
    checks.push(HealthCheck {
        name: "database".to_owned(),
        status: if database.is_ok() {
            HealthStatus::Ok
        } else {
            HealthStatus::Failing
        },
        detail: database.err().map(|error| error.to_string()),
    });

    if app.cluster().is_leased() {
        checks.push(cluster_check(app));
    }

    let status = if checks.iter().all(|check| check.status == HealthStatus::Ok) {
        HealthStatus::Ok
    } else {
        HealthStatus::Failing
    };
    Health { status, checks }
}

/// Checks that the lease heartbeat succeeded within one lease duration. A daemon whose heartbeat
/// fails longer than that has lost its shards to the others.
fn cluster_check(app: &App) -> HealthCheck {
    let cluster = app.cluster();
    let since = cluster.since_last_heartbeat();
    let fresh = since.is_some_and(|since| since < cluster.lease_duration());
    HealthCheck {
        name: "cluster".to_owned(),
        status: if fresh {
            HealthStatus::Ok
        } else {
            HealthStatus::Failing
        },
        detail: (!fresh).then(|| match since {
            Some(since) => format!(
                "the last lease heartbeat succeeded {} ms ago, longer than the lease duration \
                 of {} ms; see the log for the database error",
                since.as_millis(),
                cluster.lease_duration().as_millis()
            ),
            None => "no lease heartbeat has succeeded yet".to_owned(),
        }),
    }
}

async fn readyz(app: web::Data<App>) -> HttpResponse {
    let health = check_ready(&app).await;
    let status = if health.status == HealthStatus::Ok {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    HttpResponse::build(status).json(health)
}

async fn metrics(app: web::Data<App>) -> HttpResponse {
    app.metrics()
        .actors_active
        .set(i64::try_from(app.directory().active_actors()).unwrap_or(i64::MAX));
    crate::cluster::heartbeat::publish_metrics(&app);
    HttpResponse::Ok()
        .content_type(CONTENT_TYPE)
        .body(app.metrics().render())
}
