//! The daemon's configuration: built-in defaults, then the TOML file, then `VAHTI__SECTION__KEY`
//! environment variables, validated into a typed [`Config`].
//!
//! With no file and no variables the defaults give a working daemon: SQLite in the data
//! directory, HTTP on 127.0.0.1:7878, and mail written as `.eml` files. Every key, its default and
//! its variable are listed in `docs/configuration.md`.

mod error;
mod raw;
mod resolve;
mod schema;
mod secret;

#[cfg(test)]
mod tests;

use std::ffi::OsString;
use std::fmt;
use std::fs;
use std::io;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, Utc};
use config::{FileFormat, Source};
use serde::{Serialize, Serializer};
use url::Url;

pub use error::{ConfigError, ValueSource};
pub use resolve::MIN_ADMIN_TOKEN_LEN;
pub use schema::env_var_name;
pub use secret::{REDACTED, Secret};

use raw::RawConfig;
use schema::{ENV_PREFIX, EnvSetting, Origins};

/// The configuration file read when `--config` is not given, if it exists.
pub const DEFAULT_CONFIG_PATH: &str = "/etc/vahti/vahti.toml";

/// The validated configuration of the daemon.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Config {
    /// `[server]`: the HTTP listener.
    pub server: ServerConfig,
    /// `[database]`: where the data is stored.
    pub database: DatabaseConfig,
    /// `[daemon]`: the process itself.
    pub daemon: DaemonConfig,
    /// `[admin]`: access to the admin endpoints.
    pub admin: AdminConfig,
    /// `[clock]`: the source of the current time.
    pub clock: ClockConfig,
    /// `[scheduler]`: the poller that wakes accounts with due actions.
    pub scheduler: SchedulerConfig,
    /// `[actors]`: the per-account actors.
    pub actors: ActorsConfig,
    /// `[mail]`: how emails leave the daemon.
    pub mail: MailConfig,
    /// `[outbox]`: delivery of emails and webhooks with retries.
    pub outbox: OutboxConfig,
    /// `[webhooks]`: HTTP deliveries to integrators and collection agencies.
    pub webhooks: WebhooksConfig,
    /// `[collection]`: hand-over of cases to collection agencies.
    pub collection: CollectionConfig,
    /// `[self_service]`: the debtor's self-service page.
    pub self_service: SelfServiceConfig,
    /// `[cluster]`: several daemons on one PostgreSQL database.
    pub cluster: ClusterConfig,
    /// `[log]`: log output.
    pub log: LogConfig,
    /// The file and variables the configuration was read from.
    #[serde(skip)]
    pub loaded_from: LoadedFrom,
    /// Facts an operator should see at start, such as "the admin endpoints are disabled".
    #[serde(skip)]
    pub notices: Vec<String>,
}

/// The file and variables a configuration was read from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LoadedFrom {
    /// The configuration file, if one was read.
    pub file: Option<PathBuf>,
    /// The names of the `VAHTI__` variables that were read.
    pub variables: Vec<String>,
}

/// `[server]`: the HTTP listener.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ServerConfig {
    /// The address and port to listen on.
    pub listen: SocketAddr,
    /// The largest request body accepted, in bytes.
    pub max_body_bytes: usize,
    /// How long a graceful stop waits for running work before it gives up, in seconds.
    pub shutdown_timeout_seconds: u64,
    /// The number of HTTP worker threads; 0 in the file means one per CPU core.
    pub workers: usize,
    /// The maximum number of requests that change data (any method but GET, HEAD and OPTIONS)
    /// served at once. Further ones are rejected at once with 503 `server_busy`. 0 means no
    /// limit.
    pub max_pending_writes: usize,
    /// The base URL of the daemon as debtors reach it, used in links in emails.
    #[serde(serialize_with = "serialize_display")]
    pub public_url: Url,
}

impl ServerConfig {
    /// `shutdown_timeout_seconds` as a duration.
    pub fn shutdown_timeout(&self) -> Duration {
        Duration::from_secs(self.shutdown_timeout_seconds)
    }
}

/// `[database]`: where the data is stored.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DatabaseConfig {
    /// The database to connect to.
    pub url: DatabaseUrl,
    /// The number of connections in the pool.
    pub pool_size: u32,
    /// How long SQLite waits for a lock before it reports the database as busy, in milliseconds.
    pub busy_timeout_ms: u32,
    /// Whether pending migrations run when the daemon starts.
    pub migrate_on_start: bool,
}

/// The database backend and its location.
#[derive(Debug, Clone, PartialEq)]
pub enum DatabaseUrl {
    /// An SQLite database file.
    Sqlite {
        /// The absolute path of the file.
        path: PathBuf,
    },
    /// A PostgreSQL connection URL, which may contain a password.
    Postgres(Secret),
}

impl DatabaseUrl {
    /// Returns the URL with any password replaced by `***`, for logs.
    pub fn redacted(&self) -> String {
        match self {
            DatabaseUrl::Sqlite { path } => format!("sqlite://{}", path.display()),
            DatabaseUrl::Postgres(secret) => redact_postgres_url(secret.expose()),
        }
    }
}

impl Serialize for DatabaseUrl {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.redacted())
    }
}

/// Replaces the password in a PostgreSQL URL, both after the user name and as a `password`
/// query parameter. A URL that does not parse is hidden whole.
fn redact_postgres_url(text: &str) -> String {
    let Ok(mut url) = Url::parse(text) else {
        return format!("postgres://{REDACTED}");
    };
    if url.password().is_some() && url.set_password(Some(REDACTED)).is_err() {
        return format!("postgres://{REDACTED}");
    }

    let has_password_param = url.query_pairs().any(|(name, _)| name == "password");
    if has_password_param {
        let pairs: Vec<(String, String)> = url
            .query_pairs()
            .map(|(name, value)| {
                let value = if name == "password" {
                    REDACTED.to_owned()
                } else {
                    value.into_owned()
                };
                (name.into_owned(), value)
            })
            .collect();
        url.query_pairs_mut().clear().extend_pairs(pairs);
    }
    url.to_string()
}

/// `[daemon]`: the process itself.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DaemonConfig {
    /// The directory for the SQLite database and mail files; absolute.
    pub data_dir: PathBuf,
}

/// `[admin]`: access to the admin endpoints.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AdminConfig {
    /// The bearer token of the admin endpoints; `None` disables them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token: Option<Secret>,
}

/// `[clock]`: the source of the current time.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClockConfig {
    /// The clock the daemon uses.
    pub mode: ClockMode,
    /// The start instant of the manual clock; `None` starts it at the current system time.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start: Option<DateTime<Utc>>,
}

/// The clock the daemon uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ClockMode {
    /// The operating system's clock.
    System,
    /// A clock that moves only when it is set or advanced, for tests and demonstrations.
    Manual,
}

/// `[scheduler]`: the poller that wakes accounts with due actions.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SchedulerConfig {
    /// The time between two polls when nothing is due, in milliseconds.
    pub poll_interval_ms: u64,
    /// The largest number of due accounts fetched per poll.
    pub batch_size: u32,
    /// The largest number of accounts processed at once when they are woken one at a time.
    pub concurrency: usize,
    /// The largest number of due accounts of one tenant woken in one transaction; 1 wakes each
    /// account alone on its actor.
    pub accounts_per_transaction: u32,
}

impl SchedulerConfig {
    /// `poll_interval_ms` as a duration.
    pub fn poll_interval(&self) -> Duration {
        Duration::from_millis(self.poll_interval_ms)
    }
}

/// `[actors]`: the per-account actors.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ActorsConfig {
    /// How long an actor stays in memory without messages, in seconds.
    pub idle_timeout_seconds: u64,
    /// The number of shards of the actor directory.
    pub directory_shards: usize,
    /// The number of actor threads; 0 in the file means one per CPU core.
    pub arbiters: usize,
}

impl ActorsConfig {
    /// `idle_timeout_seconds` as a duration.
    pub fn idle_timeout(&self) -> Duration {
        Duration::from_secs(self.idle_timeout_seconds)
    }
}

/// `[mail]`: how emails leave the daemon.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MailConfig {
    /// The destination of messages.
    pub transport: MailTransport,
    /// The directory the file transport writes `.eml` files to; absolute.
    pub file_dir: PathBuf,
    /// The domain in the `Message-ID` of sent messages.
    pub from_domain: String,
    /// The SMTP server; set exactly when `transport` is SMTP.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub smtp: Option<SmtpConfig>,
}

/// The destination of messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum MailTransport {
    /// Written as `.eml` files into `mail.file_dir`, never sent.
    File,
    /// Sent through the SMTP server in `[mail.smtp]`.
    Smtp,
}

/// `[mail.smtp]`: the SMTP server.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SmtpConfig {
    /// The server's host name or IP address.
    pub host: String,
    /// The server's port.
    pub port: u16,
    /// The encryption of the connection.
    pub security: SmtpSecurity,
    /// The user name to log in with; `None` sends without logging in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// The password; set exactly when `username` is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub password: Option<Secret>,
    /// Whether `security = "plain"` may be used with a server that is not on loopback.
    pub allow_insecure_remote: bool,
    /// The time limit of one SMTP command, in seconds.
    pub timeout_seconds: u64,
    /// The number of pooled connections.
    pub pool_size: u32,
}

impl SmtpConfig {
    /// `timeout_seconds` as a duration.
    pub fn timeout(&self) -> Duration {
        Duration::from_secs(self.timeout_seconds)
    }
}

/// The encryption of the SMTP connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SmtpSecurity {
    /// Plain connection upgraded with STARTTLS, which must succeed (default port 587).
    Starttls,
    /// TLS from the first byte (default port 465).
    Tls,
    /// No encryption (default port 25); only for a server on loopback unless allowed.
    Plain,
}

impl SmtpSecurity {
    /// Returns the usual port for this kind of connection.
    pub fn default_port(self) -> u16 {
        match self {
            SmtpSecurity::Starttls => 587,
            SmtpSecurity::Tls => 465,
            SmtpSecurity::Plain => 25,
        }
    }
}

/// `[outbox]`: delivery of emails and webhooks with retries.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OutboxConfig {
    /// The largest number of deliveries in flight.
    pub concurrency: usize,
    /// How long a delivery is retried before it is given up, in hours.
    pub max_age_hours: u64,
    /// The delay before the first retry, in seconds; later retries back off exponentially.
    pub retry_base_seconds: u64,
    /// The maximum delay between two retries, in seconds.
    pub retry_max_seconds: u64,
    /// The largest number of deliveries per second for one tenant.
    pub tenant_rate_per_second: u32,
    /// Whether a delivery that was given up becomes a manual task for a person.
    pub manual_task_on_failure: bool,
}

/// `[webhooks]`: HTTP deliveries to integrators' webhook endpoints and to collection agencies'
/// APIs. Retries follow the backoff of `[outbox]`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WebhooksConfig {
    /// The time limit of one request, connecting included, in seconds.
    pub timeout_seconds: u64,
    /// How long a delivery is retried before it is given up, in hours.
    pub max_age_hours: u64,
    /// The number of failed attempts in a row after which an endpoint is disabled.
    pub failures_before_disable: u32,
    /// How long the previous secret of an endpoint stays valid after a rotation, in hours.
    pub secret_grace_hours: u64,
    /// Whether endpoints and agency APIs may use plain `http` to hosts other than loopback.
    pub allow_insecure_http: bool,
}

impl WebhooksConfig {
    /// `timeout_seconds` as a duration.
    pub fn timeout(&self) -> Duration {
        Duration::from_secs(self.timeout_seconds)
    }

    /// `max_age_hours` as a duration.
    pub fn max_age(&self) -> Duration {
        Duration::from_secs(self.max_age_hours.saturating_mul(3600))
    }

    /// `secret_grace_hours` as a duration.
    pub fn secret_grace(&self) -> Duration {
        Duration::from_secs(self.secret_grace_hours.saturating_mul(3600))
    }
}

/// `[collection]`: hand-over of cases to collection agencies.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CollectionConfig {
    /// The directory that file partners' cases are written to, one subdirectory per tenant;
    /// absolute.
    pub export_dir: PathBuf,
}

/// `[self_service]`: the debtor's self-service page under `/s/`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SelfServiceConfig {
    /// Days a link in a message opens the page.
    pub link_days: u32,
    /// Requests per minute that one link may make; bursts of as many are allowed.
    pub link_requests_per_minute: u32,
    /// Requests per minute to the page from one client address.
    pub address_requests_per_minute: u32,
}

/// `[cluster]`: several daemons on one PostgreSQL database, which split the accounts between
/// them by leasing shards.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClusterConfig {
    /// Whether this daemon takes part in shard leases. `true` by default on PostgreSQL; never
    /// on SQLite, which serves one daemon.
    pub enabled: bool,
    /// The daemon's name among the others, unique per running daemon; `None` uses the host
    /// name and the process id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub node_id: Option<String>,
    /// The number of shards that are leased: a power of two from 1 to 256, the same on every
    /// daemon.
    pub shards: u32,
    /// How long a lease lasts without renewal, in milliseconds: the time after which the shards
    /// of a daemon that died are taken over.
    pub lease_duration_ms: u64,
    /// The time between two heartbeats that renew the leases, in milliseconds.
    pub heartbeat_interval_ms: u64,
}

impl ClusterConfig {
    /// `lease_duration_ms` as a duration.
    pub fn lease_duration(&self) -> Duration {
        Duration::from_millis(self.lease_duration_ms)
    }

    /// `heartbeat_interval_ms` as a duration.
    pub fn heartbeat_interval(&self) -> Duration {
        Duration::from_millis(self.heartbeat_interval_ms)
    }
}

/// `[log]`: log output.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LogConfig {
    /// The output format.
    pub format: LogFormat,
    /// The filter, in `tracing_subscriber::EnvFilter` directive syntax, such as `info` or
    /// `info,vahti_daemon=debug`.
    pub level: String,
}

/// The log output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Readable lines on standard error.
    Text,
    /// One JSON object per line on standard error.
    Json,
    /// Structured entries sent to the systemd journal.
    Journald,
}

fn serialize_display<T: fmt::Display, S: Serializer>(
    value: &T,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.collect_str(value)
}

/// A snapshot of environment variables, read once so that loading is repeatable and testable.
#[derive(Debug, Clone, Default)]
pub struct ProcessEnv {
    vars: Vec<(OsString, OsString)>,
}

impl ProcessEnv {
    /// Captures the environment of this process.
    pub fn capture() -> Self {
        ProcessEnv {
            vars: std::env::vars_os().collect(),
        }
    }

    /// Builds an environment from name and value pairs, for tests.
    pub fn from_pairs<I, K, V>(pairs: I) -> Self
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<OsString>,
        V: Into<OsString>,
    {
        ProcessEnv {
            vars: pairs
                .into_iter()
                .map(|(name, value)| (name.into(), value.into()))
                .collect(),
        }
    }

    /// Returns the value of a variable, if it is set and UTF-8. A later pair overrides an earlier
    /// one.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.vars
            .iter()
            .rev()
            .find(|(key, _)| key == name)
            .and_then(|(_, value)| value.to_str())
    }

    /// Collects the `VAHTI__` variables as dotted keys. Names are matched without regard to case, as the
    /// `config` crate does.
    fn settings(&self) -> Result<Vec<EnvSetting>, ConfigError> {
        let mut settings: Vec<EnvSetting> = Vec::new();
        for (name, value) in &self.vars {
            let name = name.to_string_lossy();
            let Some(key) = strip_prefix_ignore_case(&name, ENV_PREFIX) else {
                continue;
            };
            let Some(value) = value.to_str() else {
                return Err(ConfigError::EnvNotUnicode {
                    variable: name.into_owned(),
                });
            };
            let key = key.to_lowercase().replace(schema::ENV_SEPARATOR, ".");
            settings.retain(|setting| setting.key != key);
            settings.push(EnvSetting {
                variable: name.into_owned(),
                key,
                value: value.to_owned(),
            });
        }
        Ok(settings)
    }
}

fn strip_prefix_ignore_case<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let head = text.get(..prefix.len())?;
    if head.eq_ignore_ascii_case(prefix) {
        text.get(prefix.len()..)
    } else {
        None
    }
}

impl Config {
    /// Loads the configuration: the defaults, then the file at `path` (which must exist) or else
    /// [`DEFAULT_CONFIG_PATH`] if it exists, then the `VAHTI__` variables of this process.
    pub fn load(path: Option<&Path>) -> Result<Config, ConfigError> {
        Config::load_with(
            path,
            Some(Path::new(DEFAULT_CONFIG_PATH)),
            &ProcessEnv::capture(),
        )
    }

    /// Loads the configuration like [`Config::load`], with the default file path and the
    /// environment given by the caller. `default_path = None` reads no file unless `path` is set.
    pub fn load_with(
        path: Option<&Path>,
        default_path: Option<&Path>,
        env: &ProcessEnv,
    ) -> Result<Config, ConfigError> {
        let file = choose_file(path, default_path)?;
        let mut origins = Origins::new();
        let mut problems = Vec::new();
        let mut builder = config::Config::builder();

        if let Some(path) = &file {
            let text = fs::read_to_string(path).map_err(|error| ConfigError::FileRead {
                path: path.clone(),
                error,
            })?;
            let source = config::File::from_str(&text, FileFormat::Toml);
            let table = source.collect().map_err(|error| ConfigError::FileSyntax {
                path: path.clone(),
                message: syntax_message(&error),
            })?;
            let origin = ValueSource::File(path.clone());
            problems.extend(schema::check_file(&table, &origin, &mut origins));
            builder = builder.add_source(source);
        }

        let settings = env.settings()?;
        problems.extend(schema::check_env(&settings, &mut origins));
        if let Some(error) = ConfigError::from_problems(problems) {
            return Err(error);
        }

        let variables: config::Map<String, String> = settings
            .iter()
            .map(|setting| (setting.variable.clone(), setting.value.clone()))
            .collect();
        let environment = config::Environment::with_prefix("VAHTI")
            .prefix_separator(schema::ENV_SEPARATOR)
            .separator(schema::ENV_SEPARATOR)
            .source(Some(variables));
        let raw: RawConfig = builder
            .add_source(environment)
            .build()
            .and_then(config::Config::try_deserialize)
            .map_err(|error| ConfigError::Load {
                message: error.to_string(),
            })?;

        let loaded_from = LoadedFrom {
            file,
            variables: settings
                .into_iter()
                .map(|setting| setting.variable)
                .collect(),
        };
        resolve::resolve(raw, &origins, env, loaded_from)
    }

    /// Renders the effective configuration as TOML, with every secret shown as `***`, for logging at
    /// start and for `vahtid check-config`.
    pub fn redacted_summary(&self) -> String {
        match toml::to_string(self) {
            Ok(text) => text,
            Err(error) => format!("# the configuration could not be shown: {error}\n"),
        }
    }
}

/// Picks the file to read: the given path, which must exist, or else the default path if it
/// exists.
fn choose_file(
    path: Option<&Path>,
    default_path: Option<&Path>,
) -> Result<Option<PathBuf>, ConfigError> {
    if let Some(path) = path {
        return match fs::metadata(path) {
            Ok(_) => Ok(Some(path.to_path_buf())),
            Err(error) if error.kind() == io::ErrorKind::NotFound => {
                Err(ConfigError::FileNotFound {
                    path: path.to_path_buf(),
                })
            }
            Err(error) => Err(ConfigError::FileRead {
                path: path.to_path_buf(),
                error,
            }),
        };
    }

    match default_path {
        Some(path) if path.exists() => Ok(Some(path.to_path_buf())),
        _ => Ok(None),
    }
}

/// Returns the parser's own message, without the `config` crate's wrapping.
fn syntax_message(error: &config::ConfigError) -> String {
    match error {
        config::ConfigError::FileParse { cause, .. } => cause.to_string(),
        other => other.to_string(),
    }
    .trim_end()
    .to_owned()
}
