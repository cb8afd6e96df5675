//! The daemon the demo runs inside this process, on its own thread with its own actix system.

use std::net::TcpListener;
use std::path::Path;
use std::sync::Arc;
use std::sync::mpsc;
use std::thread::JoinHandle;

use tokio::sync::oneshot;
use vahti_daemon::app::App;
use vahti_daemon::clock;
use vahti_daemon::config::{Config, ProcessEnv};
use vahti_daemon::metrics::Metrics;
use vahti_daemon::shutdown::ShutdownToken;
use vahti_daemon::{http, outbox, scheduler};

/// The manual clock's start: Monday 2026-03-02, 09:00 in Helsinki.
pub const START: &str = "2026-03-02T07:00:00Z";

/// A daemon running in this process.
pub struct DemoDaemon {
    /// The base URL of its HTTP API.
    pub base_url: String,
    /// The admin token it accepts.
    pub admin_token: String,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl DemoDaemon {
    /// Starts the daemon on the embedded defaults, with its data (a SQLite database and the
    /// `.eml` files of the file mail transport) under `dir` and the manual clock at [`START`].
    pub fn start(dir: &Path) -> Result<DemoDaemon, String> {
        let admin_token = format!("demo-admin-token-{}", std::process::id());
        let env = ProcessEnv::from_pairs([
            ("VAHTI__DAEMON__DATA_DIR", dir.display().to_string()),
            (
                "VAHTI__MAIL__FILE_DIR",
                dir.join("mail").display().to_string(),
            ),
            ("VAHTI__CLOCK__MODE", "manual".to_owned()),
            ("VAHTI__CLOCK__START", START.to_owned()),
            ("VAHTI__ADMIN__TOKEN", admin_token.clone()),
            ("VAHTI__SERVER__WORKERS", "2".to_owned()),
            ("VAHTI__LOG__LEVEL", "warn".to_owned()),
        ]);
        let config = Config::load_with(None, None, &env).map_err(|error| error.to_string())?;
        std::fs::create_dir_all(&config.daemon.data_dir).map_err(|error| {
            format!(
                "cannot create {}: {error}",
                config.daemon.data_dir.display()
            )
        })?;

        let (ready_sender, ready) = mpsc::channel::<Result<String, String>>();
        let (stop, stopped) = oneshot::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("vahtid-demo".to_owned())
            .spawn(move || {
                actix_rt::System::new().block_on(serve(config, ready_sender, stopped));
            })
            .map_err(|error| format!("cannot start the daemon thread: {error}"))?;

        let base_url = ready
            .recv()
            .map_err(|_| "the daemon stopped while starting".to_owned())??;
        Ok(DemoDaemon {
            base_url,
            admin_token,
            stop: Some(stop),
            thread: Some(thread),
        })
    }

    /// Stops the daemon and waits for its thread.
    pub fn stop(mut self) {
        self.shut_down();
    }

    fn shut_down(&mut self) {
        if let Some(stop) = self.stop.take() {
            // The daemon may already have stopped on its own; then there is nothing to signal.
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            // A panic on the daemon thread was already printed; the demo ends either way.
            let _ = thread.join();
        }
    }
}

impl Drop for DemoDaemon {
    fn drop(&mut self) {
        self.shut_down();
    }
}

async fn serve(
    config: Config,
    ready: mpsc::Sender<Result<String, String>>,
    stopped: oneshot::Receiver<()>,
) {
    let started = start(config).await;
    let (app, server, base_url) = match started {
        Ok(parts) => parts,
        Err(error) => {
            // The receiver waits for exactly one message; if it is gone, the demo is over.
            let _ = ready.send(Err(error));
            return;
        }
    };
    let handle = server.handle();
    actix_rt::spawn(server);
    let shutdown = ShutdownToken::new();
    let scheduler_task = actix_rt::spawn(scheduler::run(app.clone(), shutdown.clone()));
    let outbox_task = actix_rt::spawn(outbox::run(app.clone(), shutdown.clone()));
    app.set_ready(true);
    let _ = ready.send(Ok(base_url));

    // Whether the demo ended normally or dropped the sender, the daemon stops now.
    let _ = stopped.await;
    shutdown.trigger();
    handle.stop(true).await;
    let _ = scheduler_task.await;
    let _ = outbox_task.await;
    app.directory().drain().await;
}

async fn start(config: Config) -> Result<(App, actix_web::dev::Server, String), String> {
    let clock = clock::from_config(&config.clock);
    let metrics = Arc::new(Metrics::new(env!("CARGO_PKG_VERSION")));
    let app = App::start(config, clock, metrics).map_err(|error| format!("{error:#}"))?;
    let store = app.store().clone();
    tokio::task::spawn_blocking(move || store.migrate())
        .await
        .map_err(|error| error.to_string())?
        .map_err(|error| error.to_string())?;

    let listener = TcpListener::bind("127.0.0.1:0")
        .map_err(|error| format!("cannot listen on loopback: {error}"))?;
    let address = listener.local_addr().map_err(|error| error.to_string())?;
    let server = http::server(app.clone(), listener).map_err(|error| error.to_string())?;
    Ok((app, server, format!("http://{address}")))
}
