//! Health checks for process supervisors and load balancers.

use serde::{Deserialize, Serialize};

use crate::wire::wire_enum;

wire_enum! {
    /// The state of the daemon or of one of its checks.
    pub enum HealthStatus {
        /// Working.
        Ok = "ok",
        /// Working with reduced capacity, such as an outbox that retries deliveries.
        Degraded = "degraded",
        /// Not working.
        Failing = "failing",
    }
}

/// Response of `GET /healthz` and `GET /readyz`.
///
/// The status is 200 unless `status` is `failing`, when it is 503.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Health {
    /// The worst status of the checks.
    pub status: HealthStatus,
    /// The individual checks, such as `database`, `scheduler` and `smtp`.
    #[serde(default)]
    pub checks: Vec<HealthCheck>,
}

/// One health check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HealthCheck {
    /// The checked part, such as `database`.
    pub name: String,
    /// Its state.
    pub status: HealthStatus,
    /// The problem, when the status is not `ok`. It names no secrets.
    #[serde(default)]
    pub detail: Option<String>,
}
