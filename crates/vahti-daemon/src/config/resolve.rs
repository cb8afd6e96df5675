//! Validation of the raw configuration and resolution of derived defaults (data directory, public
//! URL, mail directory, secrets) into the typed [`Config`].

use std::fmt::Display;
use std::net::{IpAddr, SocketAddr};
use std::ops::RangeInclusive;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use tracing_subscriber::EnvFilter;
use url::{Host, Url};

use super::error::{ConfigError, ValueSource};
use super::raw::{
    RawActors, RawAdmin, RawClock, RawCluster, RawCollection, RawConfig, RawDatabase, RawLog,
    RawMail, RawOutbox, RawScheduler, RawSelfService, RawServer, RawSmtp, RawWebhooks,
};
use super::schema::Origins;
use super::secret::{Secret, read_secret_file, resolve_secret_path};
use super::{
    ActorsConfig, AdminConfig, ClockConfig, ClockMode, ClusterConfig, CollectionConfig, Config,
    DaemonConfig, DatabaseConfig, DatabaseUrl, LoadedFrom, LogConfig, LogFormat, MailConfig,
    MailTransport, OutboxConfig, ProcessEnv, SchedulerConfig, SelfServiceConfig, ServerConfig,
    SmtpConfig, SmtpSecurity, WebhooksConfig,
};

/// The shortest admin token accepted, in characters.
pub const MIN_ADMIN_TOKEN_LEN: usize = 16;

/// The largest thread or shard count accepted, to catch a mistyped value before it starts
/// thousands of threads.
const MAX_THREADS: u64 = 1024;

/// Collects every problem of one pass, so that `check-config` can list them all at once.
struct Checker<'a> {
    origins: &'a Origins,
    problems: Vec<ConfigError>,
    notices: Vec<String>,
}

impl Checker<'_> {
    fn origin(&self, key: &str) -> ValueSource {
        self.origins
            .get(key)
            .cloned()
            .unwrap_or(ValueSource::Default)
    }

    fn is_set(&self, key: &str) -> bool {
        self.origins.contains_key(key)
    }

    fn invalid(&mut self, key: &str, value: impl Display, reason: impl Into<String>) {
        self.problems.push(ConfigError::InvalidValue {
            key: key.to_owned(),
            value: value.to_string(),
            origin: self.origin(key),
            reason: reason.into(),
        });
    }

    /// Checks that `value` lies in `range` and fits `T`. On failure it records the problem and
    /// returns `T::default()`, which is never used because the load then fails.
    fn integer<T>(&mut self, key: &str, value: u64, range: RangeInclusive<u64>) -> T
    where
        T: TryFrom<u64> + Default,
    {
        let converted = T::try_from(value).ok().filter(|_| range.contains(&value));
        match converted {
            Some(converted) => converted,
            None => {
                let reason = if *range.end() == u64::MAX {
                    format!("must be at least {}", range.start())
                } else {
                    format!("must be between {} and {}", range.start(), range.end())
                };
                self.invalid(key, value, reason);
                T::default()
            }
        }
    }

    /// Resolves a secret given either inline (`key`) or as a file (`file_key`). An empty inline
    /// value counts as unset.
    fn secret(
        &mut self,
        key: &str,
        value: Option<String>,
        file_key: &str,
        file: Option<PathBuf>,
        env: &ProcessEnv,
    ) -> Option<Secret> {
        let value = value.filter(|value| !value.is_empty());
        match (value, file) {
            (Some(_), Some(_)) => {
                self.problems.push(ConfigError::SecretConflict {
                    key: key.to_owned(),
                    file_key: file_key.to_owned(),
                });
                None
            }
            (Some(value), None) => Some(Secret::new(value)),
            (None, Some(file)) => {
                let path = resolve_secret_path(&file, env.get("CREDENTIALS_DIRECTORY"));
                match read_secret_file(file_key, &path) {
                    Ok(secret) => Some(secret),
                    Err(problem) => {
                        self.problems.push(problem);
                        None
                    }
                }
            }
            (None, None) => None,
        }
    }
}

/// Validates `raw` and resolves every derived default.
pub(crate) fn resolve(
    raw: RawConfig,
    origins: &Origins,
    env: &ProcessEnv,
    loaded_from: LoadedFrom,
) -> Result<Config, ConfigError> {
    let mut checker = Checker {
        origins,
        problems: Vec::new(),
        notices: Vec::new(),
    };

    let data_dir = data_dir(&mut checker, raw.daemon.data_dir, env)?;
    let server = server(&mut checker, raw.server);
    let database = database(&mut checker, raw.database, &data_dir, env);
    let admin = admin(&mut checker, raw.admin, env);
    let clock = clock(&mut checker, raw.clock);
    let scheduler = scheduler(&mut checker, raw.scheduler);
    let actors = actors(&mut checker, raw.actors);
    let public_url = server.as_ref().map(|server| &server.public_url);
    let mail = mail(&mut checker, raw.mail, &data_dir, public_url, env);
    let outbox = outbox(&mut checker, raw.outbox);
    let webhooks = webhooks(&mut checker, raw.webhooks);
    let collection = collection(raw.collection, &data_dir);
    let self_service = self_service(&mut checker, raw.self_service);
    let cluster = cluster(&mut checker, raw.cluster, &database.url);
    let log = log(&mut checker, raw.log);

    if let Some(error) = ConfigError::from_problems(checker.problems) {
        return Err(error);
    }
    // A missing server section always comes with a recorded problem, returned above.
    let Some(server) = server else {
        return Err(ConfigError::Load {
            message: "the [server] section could not be resolved".to_owned(),
        });
    };
    Ok(Config {
        server,
        database,
        daemon: DaemonConfig { data_dir },
        admin,
        clock,
        scheduler,
        actors,
        mail,
        outbox,
        webhooks,
        collection,
        self_service,
        cluster,
        log,
        loaded_from,
        notices: checker.notices,
    })
}

/// Replaces 0 with the number of CPU cores.
fn or_cores(count: usize) -> usize {
    if count > 0 {
        return count;
    }
    std::thread::available_parallelism().map_or(1, usize::from)
}

fn data_dir(
    checker: &mut Checker<'_>,
    configured: Option<PathBuf>,
    env: &ProcessEnv,
) -> Result<PathBuf, ConfigError> {
    let non_empty = |name: &str| env.get(name).filter(|value| !value.is_empty());

    let dir = match configured {
        Some(dir) => dir,
        // systemd sets STATE_DIRECTORY from StateDirectory=, colon-separated when there are
        // several; the first one belongs to the daemon.
        None => match non_empty("STATE_DIRECTORY") {
            Some(dirs) => PathBuf::from(dirs.split(':').next().unwrap_or(dirs)),
            None => match non_empty("XDG_DATA_HOME").filter(|dir| Path::new(dir).is_absolute()) {
                Some(data_home) => Path::new(data_home).join("vahti"),
                None => match non_empty("HOME") {
                    Some(home) => Path::new(home).join(".local/share/vahti"),
                    None => return Err(ConfigError::NoDataDir),
                },
            },
        },
    };

    match std::path::absolute(&dir) {
        Ok(absolute) => Ok(absolute),
        Err(error) => {
            checker.invalid(
                "daemon.data_dir",
                format!("{:?}", dir.display().to_string()),
                format!("cannot be made absolute ({error}): give an absolute path"),
            );
            Ok(dir)
        }
    }
}

fn server(checker: &mut Checker<'_>, raw: RawServer) -> Option<ServerConfig> {
    let listen = match raw.listen.parse::<SocketAddr>() {
        Ok(listen) => listen,
        Err(_) => {
            checker.invalid(
                "server.listen",
                format!("{:?}", raw.listen),
                "must be an IP address and port, such as 127.0.0.1:7878 or [::1]:7878 \
                 (host names are not accepted)",
            );
            SocketAddr::from(([127, 0, 0, 1], 7878))
        }
    };

    let public_url = match raw.public_url.filter(|url| !url.is_empty()) {
        Some(text) => parse_public_url(checker, &text),
        None => {
            let url = derived_public_url(checker, listen);
            if let Some(url) = &url {
                checker.notices.push(format!(
                    "server.public_url is not set: links in emails point to {url}; set it to \
                     the address that debtors can reach"
                ));
            }
            url
        }
    };

    Some(ServerConfig {
        listen,
        max_body_bytes: checker.integer("server.max_body_bytes", raw.max_body_bytes, 1..=u64::MAX),
        shutdown_timeout_seconds: raw.shutdown_timeout_seconds,
        workers: or_cores(checker.integer("server.workers", raw.workers, 0..=MAX_THREADS)),
        max_pending_writes: checker.integer(
            "server.max_pending_writes",
            raw.max_pending_writes,
            0..=1_000_000,
        ),
        public_url: public_url?,
    })
}

/// Builds `http://HOST:PORT/` from the listen address, with `localhost` for a wildcard address.
fn derived_public_url(checker: &mut Checker<'_>, listen: SocketAddr) -> Option<Url> {
    let host = match listen.ip() {
        ip if ip.is_unspecified() => "localhost".to_owned(),
        IpAddr::V4(ip) => ip.to_string(),
        IpAddr::V6(ip) => format!("[{ip}]"),
    };
    let text = format!("http://{host}:{}/", listen.port());
    match Url::parse(&text) {
        Ok(url) => Some(url),
        Err(error) => {
            checker.invalid(
                "server.public_url",
                format!("{text:?}"),
                format!("derived from server.listen but invalid ({error}): set server.public_url"),
            );
            None
        }
    }
}

fn parse_public_url(checker: &mut Checker<'_>, text: &str) -> Option<Url> {
    match Url::parse(text) {
        Ok(url) if matches!(url.scheme(), "http" | "https") && url.host().is_some() => Some(url),
        Ok(_) | Err(_) => {
            checker.invalid(
                "server.public_url",
                format!("{text:?}"),
                "must be an absolute http or https URL, such as https://vahti.example.com/",
            );
            None
        }
    }
}

fn database(
    checker: &mut Checker<'_>,
    raw: RawDatabase,
    data_dir: &Path,
    env: &ProcessEnv,
) -> DatabaseConfig {
    let secret = checker.secret(
        "database.url",
        raw.url,
        "database.url_file",
        raw.url_file,
        env,
    );
    let url = match secret {
        None => DatabaseUrl::Sqlite {
            path: data_dir.join("vahti.db"),
        },
        Some(secret) => parse_database_url(checker, secret, data_dir),
    };

    DatabaseConfig {
        url,
        pool_size: checker.integer("database.pool_size", raw.pool_size, 1..=MAX_THREADS),
        busy_timeout_ms: checker.integer(
            "database.busy_timeout_ms",
            raw.busy_timeout_ms,
            0..=i32::MAX.unsigned_abs().into(),
        ),
        migrate_on_start: raw.migrate_on_start,
    }
}

fn parse_database_url(checker: &mut Checker<'_>, secret: Secret, data_dir: &Path) -> DatabaseUrl {
    let text = secret.expose();
    if text.starts_with("postgres://") || text.starts_with("postgresql://") {
        return DatabaseUrl::Postgres(secret);
    }

    let sqlite_path = text
        .strip_prefix("sqlite://")
        .or_else(|| text.strip_prefix("sqlite:"));
    match sqlite_path {
        Some(path) if !path.is_empty() => DatabaseUrl::Sqlite {
            path: data_dir.join(path),
        },
        _ => {
            // Only the scheme is shown: the rest may contain a password.
            let scheme = text
                .split_once(':')
                .map_or("(no scheme)", |(scheme, _)| scheme);
            checker.invalid(
                "database.url",
                format!("with scheme {scheme:?}"),
                "must be postgres://USER@HOST/DATABASE, sqlite:///PATH/TO/FILE.db, or empty for \
                 the SQLite file vahti.db in the data directory",
            );
            DatabaseUrl::Sqlite {
                path: data_dir.join("vahti.db"),
            }
        }
    }
}

fn admin(checker: &mut Checker<'_>, raw: RawAdmin, env: &ProcessEnv) -> AdminConfig {
    let token = checker.secret(
        "admin.token",
        raw.token,
        "admin.token_file",
        raw.token_file,
        env,
    );
    match &token {
        Some(token) if token.expose().chars().count() < MIN_ADMIN_TOKEN_LEN => {
            let key = if checker.is_set("admin.token") {
                "admin.token"
            } else {
                "admin.token_file"
            };
            checker.invalid(
                key,
                "(secret)",
                format!(
                    "the token must be at least {MIN_ADMIN_TOKEN_LEN} characters long: generate \
                     one with `openssl rand -hex 32`"
                ),
            );
        }
        Some(_) => {}
        None => checker
            .notices
            .push("admin.token is not set: the admin endpoints are disabled".to_owned()),
    }
    AdminConfig { token }
}

fn clock(checker: &mut Checker<'_>, raw: RawClock) -> ClockConfig {
    let mode = match raw.mode.as_str() {
        "system" => ClockMode::System,
        "manual" => ClockMode::Manual,
        other => {
            checker.invalid(
                "clock.mode",
                format!("{other:?}"),
                "must be \"system\" or \"manual\"",
            );
            ClockMode::System
        }
    };

    let start = raw
        .start
        .filter(|start| !start.is_empty())
        .and_then(|text| match DateTime::parse_from_rfc3339(&text) {
            Ok(start) => Some(start.with_timezone(&Utc)),
            Err(error) => {
                checker.invalid(
                    "clock.start",
                    format!("{text:?}"),
                    format!("{error}: write an RFC 3339 instant such as 2025-01-31T09:00:00+02:00"),
                );
                None
            }
        });

    if mode == ClockMode::System && start.is_some() {
        checker.invalid(
            "clock.start",
            "(set)",
            "applies only to the manual clock: set clock.mode = \"manual\" or remove clock.start",
        );
    }
    if mode == ClockMode::Manual {
        checker.notices.push(
            "clock.mode is manual: time moves only when the admin endpoint sets or advances it"
                .to_owned(),
        );
    }
    ClockConfig { mode, start }
}

fn scheduler(checker: &mut Checker<'_>, raw: RawScheduler) -> SchedulerConfig {
    SchedulerConfig {
        poll_interval_ms: checker.integer(
            "scheduler.poll_interval_ms",
            raw.poll_interval_ms,
            1..=u64::MAX,
        ),
        batch_size: checker.integer("scheduler.batch_size", raw.batch_size, 1..=100_000),
        concurrency: checker.integer("scheduler.concurrency", raw.concurrency, 1..=4096),
        accounts_per_transaction: checker.integer(
            "scheduler.accounts_per_transaction",
            raw.accounts_per_transaction,
            1..=10_000,
        ),
    }
}

fn actors(checker: &mut Checker<'_>, raw: RawActors) -> ActorsConfig {
    ActorsConfig {
        idle_timeout_seconds: checker.integer(
            "actors.idle_timeout_seconds",
            raw.idle_timeout_seconds,
            1..=u64::MAX,
        ),
        directory_shards: checker.integer(
            "actors.directory_shards",
            raw.directory_shards,
            1..=MAX_THREADS,
        ),
        arbiters: or_cores(checker.integer("actors.arbiters", raw.arbiters, 0..=MAX_THREADS)),
    }
}

fn mail(
    checker: &mut Checker<'_>,
    raw: RawMail,
    data_dir: &Path,
    public_url: Option<&Url>,
    env: &ProcessEnv,
) -> MailConfig {
    let transport = match raw.transport.as_str() {
        "file" => MailTransport::File,
        "smtp" => MailTransport::Smtp,
        other => {
            checker.invalid(
                "mail.transport",
                format!("{other:?}"),
                "must be \"file\" or \"smtp\"",
            );
            MailTransport::File
        }
    };

    let file_dir = match raw.file_dir {
        Some(dir) => data_dir.join(dir),
        None => data_dir.join("mail"),
    };

    let from_domain = match raw.from_domain.filter(|domain| !domain.is_empty()) {
        Some(domain) => {
            if !is_domain_name(&domain) {
                checker.invalid(
                    "mail.from_domain",
                    format!("{domain:?}"),
                    "must be a domain name such as vahti.example.com (letters, digits, hyphens \
                     and dots)",
                );
            }
            domain
        }
        None => match public_url.and_then(Url::host) {
            Some(Host::Domain(domain)) => domain.to_owned(),
            _ => "vahti.invalid".to_owned(),
        },
    };

    let smtp = match transport {
        MailTransport::Smtp => smtp(checker, raw.smtp, env),
        MailTransport::File => {
            let smtp_keys_set = checker
                .origins
                .keys()
                .any(|key| key.starts_with("mail.smtp."));
            if smtp_keys_set {
                checker
                    .notices
                    .push("mail.smtp is ignored because mail.transport is \"file\"".to_owned());
            }
            checker.notices.push(format!(
                "mail.transport is \"file\": messages are written to {} and not sent",
                file_dir.display()
            ));
            None
        }
    };

    MailConfig {
        transport,
        file_dir,
        from_domain,
        smtp,
    }
}

fn is_domain_name(text: &str) -> bool {
    !text.is_empty()
        && text.len() <= 253
        && text.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
}

fn smtp(checker: &mut Checker<'_>, raw: RawSmtp, env: &ProcessEnv) -> Option<SmtpConfig> {
    let security = match raw.security.as_str() {
        "starttls" => SmtpSecurity::Starttls,
        "tls" => SmtpSecurity::Tls,
        "plain" => SmtpSecurity::Plain,
        other => {
            checker.invalid(
                "mail.smtp.security",
                format!("{other:?}"),
                "must be \"starttls\", \"tls\" or \"plain\"",
            );
            SmtpSecurity::Starttls
        }
    };

    let port = match raw.port {
        Some(port) => checker.integer("mail.smtp.port", port, 1..=65535),
        None => security.default_port(),
    };

    let password = checker.secret(
        "mail.smtp.password",
        raw.password,
        "mail.smtp.password_file",
        raw.password_file,
        env,
    );
    let username = raw.username.filter(|name| !name.is_empty());
    match (&username, &password) {
        (Some(name), None) => checker.invalid(
            "mail.smtp.username",
            format!("{name:?}"),
            "is set without a password: set mail.smtp.password or mail.smtp.password_file",
        ),
        (None, Some(_)) => checker.invalid(
            "mail.smtp.password",
            "(secret)",
            "is set without mail.smtp.username: set the user name too",
        ),
        _ => {}
    }

    let host = match raw.host.filter(|host| !host.is_empty()) {
        Some(host) => host,
        None => {
            checker.problems.push(ConfigError::MissingKey {
                key: "mail.smtp.host".to_owned(),
                reason: "required when mail.transport is \"smtp\": set it to the mail server's \
                         host name in [mail.smtp] or with VAHTI__MAIL__SMTP__HOST"
                    .to_owned(),
            });
            String::new()
        }
    };
    if security == SmtpSecurity::Plain && !raw.allow_insecure_remote && !is_loopback(&host) {
        checker.invalid(
            "mail.smtp.security",
            "\"plain\"",
            format!(
                "would send mail and the password unencrypted to {host}: use \"starttls\" or \
                 \"tls\", or set mail.smtp.allow_insecure_remote = true"
            ),
        );
    }

    Some(SmtpConfig {
        host,
        port,
        security,
        username,
        password,
        allow_insecure_remote: raw.allow_insecure_remote,
        timeout_seconds: checker.integer(
            "mail.smtp.timeout_seconds",
            raw.timeout_seconds,
            1..=u64::MAX,
        ),
        pool_size: checker.integer("mail.smtp.pool_size", raw.pool_size, 1..=MAX_THREADS),
    })
}

fn is_loopback(host: &str) -> bool {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || bare.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

fn outbox(checker: &mut Checker<'_>, raw: RawOutbox) -> OutboxConfig {
    let retry_base_seconds = checker.integer(
        "outbox.retry_base_seconds",
        raw.retry_base_seconds,
        1..=u64::MAX,
    );
    if raw.retry_max_seconds < raw.retry_base_seconds {
        checker.invalid(
            "outbox.retry_max_seconds",
            raw.retry_max_seconds,
            format!(
                "must be at least outbox.retry_base_seconds ({})",
                raw.retry_base_seconds
            ),
        );
    }

    OutboxConfig {
        concurrency: checker.integer("outbox.concurrency", raw.concurrency, 1..=4096),
        max_age_hours: checker.integer("outbox.max_age_hours", raw.max_age_hours, 1..=u64::MAX),
        retry_base_seconds,
        retry_max_seconds: raw.retry_max_seconds,
        tenant_rate_per_second: checker.integer(
            "outbox.tenant_rate_per_second",
            raw.tenant_rate_per_second,
            1..=u32::MAX.into(),
        ),
        manual_task_on_failure: raw.manual_task_on_failure,
    }
}

fn webhooks(checker: &mut Checker<'_>, raw: RawWebhooks) -> WebhooksConfig {
    WebhooksConfig {
        timeout_seconds: checker.integer("webhooks.timeout_seconds", raw.timeout_seconds, 1..=300),
        max_age_hours: checker.integer("webhooks.max_age_hours", raw.max_age_hours, 1..=8760),
        failures_before_disable: checker.integer(
            "webhooks.failures_before_disable",
            raw.failures_before_disable,
            1..=10_000,
        ),
        secret_grace_hours: checker.integer(
            "webhooks.secret_grace_hours",
            raw.secret_grace_hours,
            0..=8760,
        ),
        allow_insecure_http: raw.allow_insecure_http,
    }
}

fn collection(raw: RawCollection, data_dir: &Path) -> CollectionConfig {
    let export_dir = match raw.export_dir {
        Some(dir) => data_dir.join(dir),
        None => data_dir.join("collection"),
    };
    CollectionConfig { export_dir }
}

fn self_service(checker: &mut Checker<'_>, raw: RawSelfService) -> SelfServiceConfig {
    SelfServiceConfig {
        link_days: checker.integer("self_service.link_days", raw.link_days, 1..=3650),
        link_requests_per_minute: checker.integer(
            "self_service.link_requests_per_minute",
            raw.link_requests_per_minute,
            1..=100_000,
        ),
        address_requests_per_minute: checker.integer(
            "self_service.address_requests_per_minute",
            raw.address_requests_per_minute,
            1..=100_000,
        ),
    }
}

/// The number of shards accounts are hashed into when they are created. A leased shard covers
/// the account shards with the same remainder, so `cluster.shards` must divide this number.
const ACCOUNT_SHARDS: u64 = vahti_store::accounts::SHARD_COUNT as u64;

/// The longest node id accepted, in characters.
const MAX_NODE_ID_LEN: usize = 64;

fn cluster(checker: &mut Checker<'_>, raw: RawCluster, database: &DatabaseUrl) -> ClusterConfig {
    let postgres = matches!(database, DatabaseUrl::Postgres(_));
    let enabled = match raw.enabled {
        Some(true) if !postgres => {
            checker.invalid(
                "cluster.enabled",
                true,
                "needs PostgreSQL: SQLite serves one daemon, and a second daemon on the same \
                 file is refused; set database.url to a postgres:// URL, or remove \
                 cluster.enabled",
            );
            false
        }
        Some(enabled) => enabled,
        None => postgres,
    };
    if postgres && !enabled {
        checker.notices.push(
            "cluster.enabled is false: this daemon schedules every account as if it were the \
             only one; run no other daemon on this database"
                .to_owned(),
        );
    }

    let node_id = raw.node_id.filter(|id| !id.is_empty());
    if let Some(id) = &node_id
        && !is_node_id(id)
    {
        checker.invalid(
            "cluster.node_id",
            format!("{id:?}"),
            format!(
                "must be 1 to {MAX_NODE_ID_LEN} letters, digits, dots, hyphens or underscores, \
                 different on every daemon, such as \"vahti-1\""
            ),
        );
    }

    let shards = raw.shards;
    if !(shards.is_power_of_two() && shards <= ACCOUNT_SHARDS) {
        checker.invalid(
            "cluster.shards",
            shards,
            format!(
                "must be a power of two from 1 to {ACCOUNT_SHARDS} (1, 2, 4, ..., \
                 {ACCOUNT_SHARDS}), because accounts are hashed into {ACCOUNT_SHARDS} shards \
                 and each leased shard covers an equal share of them"
            ),
        );
    }

    let lease_duration_ms = checker.integer(
        "cluster.lease_duration_ms",
        raw.lease_duration_ms,
        500..=3_600_000,
    );
    let longest_heartbeat = raw.lease_duration_ms / 3;
    if raw.heartbeat_interval_ms == 0 || raw.heartbeat_interval_ms > longest_heartbeat {
        checker.invalid(
            "cluster.heartbeat_interval_ms",
            raw.heartbeat_interval_ms,
            format!(
                "must be between 1 and a third of cluster.lease_duration_ms ({longest_heartbeat}), \
                 so that two heartbeats in a row can fail before the leases run out"
            ),
        );
    }

    ClusterConfig {
        enabled,
        node_id,
        shards: u32::try_from(shards).unwrap_or(0),
        lease_duration_ms,
        heartbeat_interval_ms: raw.heartbeat_interval_ms,
    }
}

fn is_node_id(id: &str) -> bool {
    id.chars().count() <= MAX_NODE_ID_LEN
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
}

fn log(checker: &mut Checker<'_>, raw: RawLog) -> LogConfig {
    let format = match raw.format.as_str() {
        "text" => LogFormat::Text,
        "json" => LogFormat::Json,
        "journald" => LogFormat::Journald,
        other => {
            checker.invalid(
                "log.format",
                format!("{other:?}"),
                "must be \"text\", \"json\" or \"journald\"",
            );
            LogFormat::Text
        }
    };

    if let Err(error) = EnvFilter::builder().parse(&raw.level) {
        checker.invalid(
            "log.level",
            format!("{:?}", raw.level),
            format!(
                "{error}: use a level such as \"info\" or \"debug\", or directives such as \
                 \"info,vahti_daemon=debug\""
            ),
        );
    }

    LogConfig {
        format,
        level: raw.level,
    }
}
