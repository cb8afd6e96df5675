//! Reports over all accounts, and the daemon's health, metrics and OpenAPI document.

use reqwest::Method;
use vahti_api::{AgingQuery, AgingReport, Health, paths};

use crate::client::{Client, Request};
use crate::error::SdkError;

/// Reports, returned by [`Client::reports`].
///
/// ```no_run
/// # async fn run(client: vahti_sdk::Client) -> Result<(), vahti_sdk::SdkError> {
/// use vahti_sdk::api::AgingQuery;
///
/// let report = client.reports().aging(&AgingQuery::default()).await?;
/// for currency in &report.currencies {
///     println!("{}: {} overdue over 90 days", currency.currency, currency.days_over_90.amount);
/// }
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct Reports<'a> {
    client: &'a Client,
}

impl<'a> Reports<'a> {
    pub(crate) fn new(client: &'a Client) -> Self {
        Reports { client }
    }

    /// Reads the aging report of open invoices, as of today in the tenant's time zone or as of
    /// `query.as_of` (`GET /v1/reports/aging`).
    pub async fn aging(&self, query: &AgingQuery) -> Result<AgingReport, SdkError> {
        let request = Request::new(Method::GET, paths::AGING_REPORT.to_owned()).query(query)?;
        self.client.call(request).await
    }
}

/// The daemon's own endpoints, returned by [`Client::server`]. They need no token.
///
/// ```no_run
/// # async fn run(client: vahti_sdk::Client) -> Result<(), vahti_sdk::SdkError> {
/// use vahti_sdk::api::HealthStatus;
///
/// let health = client.server().readyz().await?;
/// if health.status != HealthStatus::Ok {
///     for check in &health.checks {
///         println!("{}: {} {:?}", check.name, check.status, check.detail);
///     }
/// }
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct Server<'a> {
    client: &'a Client,
}

impl<'a> Server<'a> {
    pub(crate) fn new(client: &'a Client) -> Self {
        Server { client }
    }

    /// Reports whether the process is alive (`GET /healthz`).
    ///
    /// Makes one attempt without retries, so that a probe reports the current state. A `failing`
    /// status (HTTP 503 with a health body) is returned as `Ok`, not as an error.
    pub async fn healthz(&self) -> Result<Health, SdkError> {
        self.health(paths::HEALTHZ).await
    }

    /// Reports whether the daemon is ready to serve requests (`GET /readyz`).
    ///
    /// Makes one attempt without retries, so that a probe reports the current state. A `failing`
    /// status (HTTP 503 with a health body) is returned as `Ok`, not as an error.
    pub async fn readyz(&self) -> Result<Health, SdkError> {
        self.health(paths::READYZ).await
    }

    /// Reads the metrics in the Prometheus text format (`GET /metrics`).
    pub async fn metrics(&self) -> Result<String, SdkError> {
        let request = Request::new(Method::GET, paths::METRICS.to_owned()).accept("text/plain");
        Ok(self.client.execute(request).await?.text())
    }

    /// Reads the OpenAPI document of the API (`GET /openapi.json`).
    pub async fn openapi(&self) -> Result<serde_json::Value, SdkError> {
        let request = Request::new(Method::GET, paths::OPENAPI.to_owned());
        self.client.call(request).await
    }

    async fn health(&self, path: &str) -> Result<Health, SdkError> {
        let request = Request::new(Method::GET, path.to_owned());
        let response = self.client.send_once(&request).await?;
        if response.status() == 200 {
            return response.json();
        }
        if response.status() == 503
            && let Ok(health) = response.json::<Health>()
        {
            return Ok(health);
        }
        Err(response.into_error())
    }
}
