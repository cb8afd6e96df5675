//! The configuration as written in the file and the environment, with the built-in defaults,
//! before validation. Enumerations and addresses stay text here so that validation can name the
//! value and the accepted choices.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct RawConfig {
    pub server: RawServer,
    pub database: RawDatabase,
    pub daemon: RawDaemon,
    pub admin: RawAdmin,
    pub clock: RawClock,
    pub scheduler: RawScheduler,
    pub actors: RawActors,
    pub mail: RawMail,
    pub outbox: RawOutbox,
    pub webhooks: RawWebhooks,
    pub collection: RawCollection,
    pub self_service: RawSelfService,
    pub cluster: RawCluster,
    pub log: RawLog,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct RawServer {
    pub listen: String,
    pub max_body_bytes: u64,
    pub shutdown_timeout_seconds: u64,
    pub workers: u64,
    pub max_pending_writes: u64,
    pub public_url: Option<String>,
}

impl Default for RawServer {
    fn default() -> Self {
        RawServer {
            listen: "127.0.0.1:7878".to_owned(),
            max_body_bytes: 32 * 1024 * 1024,
            shutdown_timeout_seconds: 30,
            workers: 0,
            max_pending_writes: 256,
            public_url: None,
        }
    }
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct RawDatabase {
    pub url: Option<String>,
    pub url_file: Option<PathBuf>,
    pub pool_size: u64,
    pub busy_timeout_ms: u64,
    pub migrate_on_start: bool,
}

impl Default for RawDatabase {
    fn default() -> Self {
        RawDatabase {
            url: None,
            url_file: None,
            pool_size: 8,
            busy_timeout_ms: 5000,
            migrate_on_start: true,
        }
    }
}

#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct RawDaemon {
    pub data_dir: Option<PathBuf>,
}

#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct RawAdmin {
    pub token: Option<String>,
    pub token_file: Option<PathBuf>,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct RawClock {
    pub mode: String,
    pub start: Option<String>,
}

impl Default for RawClock {
    fn default() -> Self {
        RawClock {
            mode: "system".to_owned(),
            start: None,
        }
    }
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct RawScheduler {
    pub poll_interval_ms: u64,
    pub batch_size: u64,
    pub concurrency: u64,
    pub accounts_per_transaction: u64,
}

impl Default for RawScheduler {
    fn default() -> Self {
        RawScheduler {
            poll_interval_ms: 1000,
            batch_size: 500,
            concurrency: 64,
            accounts_per_transaction: 500,
        }
    }
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct RawActors {
    pub idle_timeout_seconds: u64,
    pub directory_shards: u64,
    pub arbiters: u64,
}

impl Default for RawActors {
    fn default() -> Self {
        RawActors {
            idle_timeout_seconds: 300,
            directory_shards: 64,
            arbiters: 0,
        }
    }
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct RawMail {
    pub transport: String,
    pub file_dir: Option<PathBuf>,
    pub from_domain: Option<String>,
    pub smtp: RawSmtp,
}

impl Default for RawMail {
    fn default() -> Self {
        RawMail {
            transport: "file".to_owned(),
            file_dir: None,
            from_domain: None,
            smtp: RawSmtp::default(),
        }
    }
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct RawSmtp {
    pub host: Option<String>,
    pub port: Option<u64>,
    pub security: String,
    pub username: Option<String>,
    pub password: Option<String>,
    pub password_file: Option<PathBuf>,
    pub allow_insecure_remote: bool,
    pub timeout_seconds: u64,
    pub pool_size: u64,
}

impl Default for RawSmtp {
    fn default() -> Self {
        RawSmtp {
            host: None,
            port: None,
            security: "starttls".to_owned(),
            username: None,
            password: None,
            password_file: None,
            allow_insecure_remote: false,
            timeout_seconds: 30,
            pool_size: 8,
        }
    }
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct RawOutbox {
    pub concurrency: u64,
    pub max_age_hours: u64,
    pub retry_base_seconds: u64,
    pub retry_max_seconds: u64,
    pub tenant_rate_per_second: u64,
    pub manual_task_on_failure: bool,
}

impl Default for RawOutbox {
    fn default() -> Self {
        RawOutbox {
            concurrency: 16,
            max_age_hours: 72,
            retry_base_seconds: 60,
            retry_max_seconds: 3600,
            tenant_rate_per_second: 10,
            manual_task_on_failure: true,
        }
    }
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct RawWebhooks {
    pub timeout_seconds: u64,
    pub max_age_hours: u64,
    pub failures_before_disable: u64,
    pub secret_grace_hours: u64,
    pub allow_insecure_http: bool,
}

impl Default for RawWebhooks {
    fn default() -> Self {
        RawWebhooks {
            timeout_seconds: 10,
            max_age_hours: 72,
            failures_before_disable: 20,
            secret_grace_hours: 24,
            allow_insecure_http: false,
        }
    }
}

#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct RawCollection {
    pub export_dir: Option<PathBuf>,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct RawSelfService {
    pub link_days: u64,
    pub link_requests_per_minute: u64,
    pub address_requests_per_minute: u64,
}

impl Default for RawSelfService {
    fn default() -> Self {
        RawSelfService {
            link_days: 60,
            link_requests_per_minute: 30,
            address_requests_per_minute: 120,
        }
    }
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct RawCluster {
    pub enabled: Option<bool>,
    pub node_id: Option<String>,
    pub shards: u64,
    pub lease_duration_ms: u64,
    pub heartbeat_interval_ms: u64,
}

impl Default for RawCluster {
    fn default() -> Self {
        RawCluster {
            enabled: None,
            node_id: None,
            shards: 256,
            lease_duration_ms: 15_000,
            heartbeat_interval_ms: 3_000,
        }
    }
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct RawLog {
    pub format: String,
    pub level: String,
}

impl Default for RawLog {
    fn default() -> Self {
        RawLog {
            format: "text".to_owned(),
            level: "info".to_owned(),
        }
    }
}
