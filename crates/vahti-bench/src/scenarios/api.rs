//! API latency: invoice upserts (`PUT /v1/invoices/{id}`) at a fixed rate, against a trivial
//! actix-web handler on the same machine driven by the same generator.

use std::net::TcpListener;
use std::sync::Arc;

use actix_web::{App as WebApp, HttpResponse, HttpServer, web};
use anyhow::{Context, bail};
use chrono::Days;
use vahti_domain::ids::TenantId;
use vahti_testkit::Backend;

use super::Sizes;
use crate::daemon::Daemon;
use crate::load::{self, LoadReport};
use crate::report::{Figure, Goal};
use crate::seed::{self, Accounts};

/// Accounts the upserted invoices are spread over.
const ACCOUNTS: usize = 1_000;

/// Runs the API scenario on SQLite.
pub async fn run(sizes: &Sizes) -> anyhow::Result<Vec<Figure>> {
    let daemon = Daemon::start(Backend::Sqlite, &[]).await?;
    let (tenant, token) = daemon.tenant().await?;
    seed::accounts(
        &daemon.app,
        TenantId(tenant),
        Accounts {
            first: 0,
            count: ACCOUNTS,
            invoices_per_account: 0,
            days_overdue: 0,
        },
    )
    .await?;
    let due = daemon
        .app
        .now()
        .date_naive()
        .checked_add_days(Days::new(14))
        .context("due date out of range")?;
    let total = usize::try_from(u64::from(sizes.api_rate) * sizes.api_duration.as_secs())?;
    let bodies: Vec<(String, Vec<u8>)> = (0..total)
        .map(|index| {
            let item = seed::invoice_request(index % ACCOUNTS, index / ACCOUNTS, due)?;
            Ok((item.external_id, serde_json::to_vec(&item.invoice)?))
        })
        .collect::<anyhow::Result<_>>()?;
    let bodies = Arc::new(bodies);

    let base = daemon.base.clone();
    let shared = Arc::clone(&bodies);
    let vahti = run_load(
        sizes,
        Arc::new(move |client: &reqwest::Client, index: usize| {
            let (external_id, body) = &shared[index];
            client
                .put(format!("{base}/v1/invoices/{external_id}"))
                .bearer_auth(&token)
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(body.clone())
        }),
    )
    .await?;
    daemon.stop().await;

    let (trivial_base, trivial) = trivial_server()?;
    let shared = Arc::clone(&bodies);
    let baseline = run_load(
        sizes,
        Arc::new(move |client: &reqwest::Client, index: usize| {
            let (external_id, body) = &shared[index];
            client
                .put(format!("{trivial_base}/v1/invoices/{external_id}"))
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(body.clone())
        }),
    )
    .await?;
    trivial.stop(true).await;

    if baseline.errors > 0 {
        bail!(
            "{} of {} requests to the trivial handler failed; the first: {}",
            baseline.errors,
            baseline.sent,
            baseline.first_error.unwrap_or_default()
        );
    }

    let setup = format!(
        "{} upserts per second for {} s over {ACCOUNTS} accounts, open loop, SQLite; \
         vahti: {:.0}/s achieved, {} of {} failed, max {:.1} ms; trivial handler: max {:.1} ms",
        sizes.api_rate,
        sizes.api_duration.as_secs(),
        vahti.achieved_rate,
        vahti.errors,
        vahti.sent,
        vahti.max.as_secs_f64() * 1000.0,
        baseline.max.as_secs_f64() * 1000.0,
    );
    if let Some(first) = &vahti.first_error {
        eprintln!("api: the first failed upsert: {first}");
    }
    let ms = |duration: std::time::Duration| duration.as_secs_f64() * 1000.0;
    Ok(vec![
        Figure::new(
            "api",
            "upsert latency p50",
            ms(vahti.p50),
            "ms",
            setup.clone(),
        )
        .baseline("trivial handler", ms(baseline.p50)),
        Figure::new(
            "api",
            "upsert latency p99",
            ms(vahti.p99),
            "ms",
            setup.clone(),
        )
        .baseline("trivial handler", ms(baseline.p99))
        .goal(Goal::AtMost(5.0)),
        // Latencies count failed requests too, so a run is only good when none failed.
        Figure::new(
            "api",
            "failed upserts",
            vahti.errors as f64,
            "requests",
            setup,
        )
        .baseline("trivial handler", baseline.errors as f64)
        .goal(Goal::AtMost(0.0)),
    ])
}

async fn run_load(sizes: &Sizes, make: Arc<load::MakeRequest>) -> anyhow::Result<LoadReport> {
    let rate = sizes.api_rate;
    let duration = sizes.api_duration;
    let report =
        tokio::task::spawn_blocking(move || load::fixed_rate(rate, duration, make)).await??;
    Ok(report)
}

/// Starts an actix-web server with one handler that reads the JSON body and answers 200 with a
/// small JSON document, with as many workers as the daemon's default.
fn trivial_server() -> anyhow::Result<(String, actix_web::dev::ServerHandle)> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let base = format!("http://{}", listener.local_addr()?);
    let server = HttpServer::new(|| {
        WebApp::new().route(
            "/v1/invoices/{id}",
            web::put().to(|_body: web::Json<serde_json::Value>| async {
                HttpResponse::Ok().json(serde_json::json!({"status": "ok"}))
            }),
        )
    })
    .listen(listener)?
    .run();
    let handle = server.handle();
    actix_rt::spawn(server);
    Ok((base, handle))
}
