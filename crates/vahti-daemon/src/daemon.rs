//! The commands that start after the configuration is loaded: `run`, `migrate` and
//! `copy-sqlite-to-postgres`.
//!
//! `run` carries the process plumbing: directories, the SQLite lock, signals, reload, the
//! systemd notifications and watchdog, joining and leaving the cluster, and the bounded drain.

use std::fs::DirBuilder;
use std::io;
use std::os::unix::fs::DirBuilderExt;
use std::path::{Path, PathBuf};

use anyhow::Context;

use std::sync::Arc;

use vahti_store::{Store, StoreOptions, copy};

use crate::app::{App, open_store};
use crate::clock;
use crate::cluster::heartbeat;
use crate::config::{Config, DatabaseUrl, MailTransport};
use crate::http::{self, routes::health::check_ready};
use crate::metrics::Metrics;
use crate::reload::reload_log_filter;
use crate::shutdown::{ShutdownToken, Signals, drain_within};
use crate::sqlite_lock::{self, SqliteLock};
use crate::systemd;
use crate::telemetry::LogFilterHandle;
use crate::{outbox, scheduler};

/// The state that the start-up sequence passes to a command.
#[derive(Debug)]
pub struct Startup {
    /// The validated configuration.
    pub config: Config,
    /// The `--config` path, read again on SIGHUP.
    pub config_path: Option<PathBuf>,
    /// Changes the log filter of the running subscriber.
    pub log_filter: LogFilterHandle,
}

/// Runs the daemon until SIGTERM or SIGINT, then drains within `server.shutdown_timeout_seconds`.
pub fn run(startup: Startup) -> anyhow::Result<()> {
    prepare_directories(&startup.config)?;
    let _lock = lock_sqlite(&startup.config)?;
    let system = actix_rt::System::with_tokio_rt(|| {
        tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .unwrap_or_else(|error| {
                tracing::error!(error = %error, "failed to start the async runtime");
                std::process::exit(1)
            })
    });
    system.block_on(serve(startup))
}

async fn serve(startup: Startup) -> anyhow::Result<()> {
    let Startup {
        config,
        config_path,
        log_filter,
    } = startup;

    let shutdown = ShutdownToken::new();
    let signals = Signals::install().context("failed to install the signal handlers")?;
    let mut running = config.clone();
    tokio::spawn(signals.run(shutdown.clone(), move || {
        if let Some(loaded) = reload_log_filter(config_path.as_deref(), &running, &log_filter) {
            running = loaded;
        }
        // Policies are read from the database on every account operation, so a changed
        // policy takes effect without a reload.
        std::future::ready(())
    }));

    let clock = clock::from_config(&config.clock);
    let metrics = Arc::new(Metrics::new(crate::cli::VERSION));
    let migrate_on_start = config.database.migrate_on_start;
    let listen = config.server.listen;

    let app = App::start_in_cluster(config, clock, metrics)?;
    if migrate_on_start {
        let store = app.store().clone();
        let applied = tokio::task::spawn_blocking(move || store.migrate())
            .await
            .context("the migration task failed")?
            .context("database migration failed; the database was left as it was")?;
        tracing::info!(migrations = applied.len(), "database migrations applied");
    }

    let heartbeat_stop = ShutdownToken::new();
    let mut heartbeat_task = if app.cluster().is_leased() {
        heartbeat::join(&app)
            .await
            .context("failed to join the cluster")?;
        Some(tokio::spawn(heartbeat::run(
            app.clone(),
            heartbeat_stop.clone(),
        )))
    } else {
        heartbeat::publish_metrics(&app);
        None
    };

    let listener = std::net::TcpListener::bind(listen)
        .with_context(|| format!("failed to listen on {listen}: is another process using it?"))?;
    let bound = listener.local_addr().unwrap_or(listen);
    let server = http::server(app.clone(), listener).context("failed to start the HTTP server")?;
    let server_handle = server.handle();
    let server_task = tokio::spawn(server);

    let scheduler_task = tokio::spawn(scheduler::run(app.clone(), shutdown.clone()));
    let outbox_task = tokio::spawn(outbox::run(app.clone(), shutdown.clone()));

    app.set_ready(true);
    let health_app = app.clone();
    let watchdog = systemd::spawn_watchdog(move || {
        let app = health_app.clone();
        async move { check_ready(&app).await.status == vahti_api::HealthStatus::Ok }
    });
    systemd::notify_ready();
    systemd::notify_status("running");
    tracing::info!(
        listen = %bound,
        node_id = app.cluster().node_id(),
        "vahtid started"
    );

    shutdown.triggered().await;
    systemd::notify_stopping();
    systemd::notify_status("stopping: finishing running work");
    app.set_ready(false);
    let timeout = app.config().server.shutdown_timeout();
    let leave = async {
        heartbeat_stop.trigger();
        if let Some(task) = heartbeat_task.as_mut() {
            let _ = task.await;
        }
        heartbeat::leave(&app).await;
    };
    let drained = drain_within(timeout, async {
        // The scheduler stops first, so that the shards go to other daemons while requests and
        // deliveries still finish here.
        let _ = scheduler_task.await;
        leave.await;
        server_handle.stop(true).await;
        let _ = server_task.await;
        let _ = outbox_task.await;
        app.directory().drain().await;
    })
    .await;
    if drained.is_err() {
        // The drain ran out of time, possibly before the leases were released.
        heartbeat_stop.trigger();
        if let Some(task) = &heartbeat_task {
            task.abort();
        }
        heartbeat::leave(&app).await;
    }

    if let Some(watchdog) = watchdog {
        watchdog.abort();
    }
    match drained {
        Ok(()) => tracing::info!("vahtid stopped"),
        Err(_) => tracing::warn!("vahtid stopped before all work finished"),
    }
    Ok(())
}

/// Applies pending database migrations and exits.
pub fn migrate(startup: Startup) -> anyhow::Result<()> {
    prepare_directories(&startup.config)?;
    let _lock = lock_sqlite(&startup.config)?;
    let store = open_store(&startup.config)?;
    let applied = store
        .migrate()
        .context("database migration failed; the database was left as it was")?;
    if applied.is_empty() {
        tracing::info!("the database schema is up to date");
    }
    for name in &applied {
        tracing::info!(migration = %name, "applied migration");
    }
    Ok(())
}

/// Copies all data from an SQLite database into an empty PostgreSQL database, then compares
/// every table.
pub fn copy_sqlite_to_postgres(_startup: Startup, from: &str, to: &str) -> anyhow::Result<()> {
    let options = StoreOptions::default();
    let source = Store::open(from, options.clone()).context("failed to open the SQLite source")?;
    let target = Store::open(to, options).context("failed to open the PostgreSQL target")?;
    let counts = copy::copy_sqlite_to_postgres(&source, &target)
        .context("the copy failed; the target was left empty")?;
    let total: usize = counts.iter().map(|count| count.rows).sum();
    tracing::info!(tables = counts.len(), rows = total, "copied the database");

    let comparison = copy::compare(&source, &target).context("failed to compare the databases")?;
    let differing: Vec<_> = comparison
        .iter()
        .filter(|table| !table.is_equal())
        .collect();
    if let Some(first) = differing.first() {
        anyhow::bail!(
            "the copy differs from the source in table {}: {}",
            first.table,
            first.difference.as_deref().unwrap_or("row counts differ")
        );
    }
    tracing::info!("every table of the copy equals the source");
    Ok(())
}

/// Locks an SQLite database for this process, so that a second daemon on the same file refuses
/// to start. PostgreSQL needs no lock.
fn lock_sqlite(config: &Config) -> anyhow::Result<Option<SqliteLock>> {
    let DatabaseUrl::Sqlite { path } = &config.database.url else {
        return Ok(None);
    };
    let lock = sqlite_lock::lock(path)?;
    tracing::debug!(lock_file = %lock.path().display(), "locked the SQLite database");
    Ok(Some(lock))
}

/// Creates the data directory and, for the file transport, the mail directory, with mode 0700
/// when they are missing. Existing directories keep their mode.
pub fn prepare_directories(config: &Config) -> anyhow::Result<()> {
    create_private_dir(&config.daemon.data_dir, "daemon.data_dir")?;
    if config.mail.transport == MailTransport::File {
        create_private_dir(&config.mail.file_dir, "mail.file_dir")?;
    }
    Ok(())
}

fn create_private_dir(path: &Path, key: &str) -> anyhow::Result<()> {
    if path.is_dir() {
        return Ok(());
    }
    match DirBuilder::new().recursive(true).mode(0o700).create(path) {
        Ok(()) => {
            tracing::info!(path = %path.display(), "created {key}");
            Ok(())
        }
        Err(error) if error.kind() == io::ErrorKind::PermissionDenied => {
            Err(error).with_context(|| {
                format!(
                    "failed to create {key} {}: permission denied; create it for the user that \
                     runs vahtid, or set {key} to a writable directory",
                    path.display()
                )
            })
        }
        Err(error) => {
            Err(error).with_context(|| format!("failed to create {key} {}", path.display()))
        }
    }
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;
    use crate::config::ProcessEnv;

    #[test]
    fn directories_created_private() {
        let dir = tempfile::tempdir().unwrap();
        let data_dir = dir.path().join("state/vahti");
        let env = ProcessEnv::from_pairs([("VAHTI__DAEMON__DATA_DIR", data_dir.as_os_str())]);
        let config = Config::load_with(None, None, &env).unwrap();

        prepare_directories(&config).unwrap();

        let mode = std::fs::metadata(&data_dir).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o700);
        assert!(data_dir.join("mail").is_dir());
    }
}
