//! A daemon in this process on a fresh database, reached over loopback HTTP like an integrator.

use std::net::TcpListener;
use std::sync::Arc;

use anyhow::{Context, bail};
use serde_json::{Value, json};
use tempfile::TempDir;
use vahti_daemon::app::App;
use vahti_daemon::clock;
use vahti_daemon::config::{Config, ProcessEnv};
use vahti_daemon::http;
use vahti_daemon::metrics::Metrics;
use vahti_testkit::{Backend, TestDatabase};

/// The admin token of every benchmarked daemon.
pub const ADMIN_TOKEN: &str = "bench-admin-token-0123456789";

/// The instant the manual clock starts at: Monday 2026-03-02, 09:00 in Helsinki, inside the
/// default send window.
pub const START: &str = "2026-03-02T07:00:00Z";

/// A daemon running in this process: its state, its HTTP address and its database.
pub struct Daemon {
    /// The daemon's state, for seeding and for running the scheduler and outbox directly.
    pub app: App,
    /// The base URL, such as `http://127.0.0.1:40123`.
    pub base: String,
    /// An HTTP client for the daemon.
    pub client: reqwest::Client,
    /// The database, kept until the daemon is dropped.
    pub database: TestDatabase,
    server: actix_web::dev::ServerHandle,
    _dir: TempDir,
}

impl Daemon {
    /// Starts a daemon on a fresh, migrated database of `backend` with the manual clock at
    /// [`START`], the file mail transport, and further configuration variables from `settings`
    /// such as `("VAHTI__OUTBOX__CONCURRENCY", "32")`, then from the process environment. Must run inside an actix system. The
    /// scheduler and the outbox sender do not run by themselves: scenarios call them.
    pub async fn start(backend: Backend, settings: &[(&str, String)]) -> anyhow::Result<Daemon> {
        let database = TestDatabase::new(backend);
        Daemon::start_on(database, settings).await
    }

    /// Starts a daemon like [`Daemon::start`] on an existing database.
    pub async fn start_on(
        database: TestDatabase,
        settings: &[(&str, String)],
    ) -> anyhow::Result<Daemon> {
        let dir = tempfile::tempdir().context("failed to create a data directory")?;
        let mut pairs = vec![
            ("VAHTI__DATABASE__URL", database.url().to_owned()),
            ("VAHTI__DAEMON__DATA_DIR", dir.path().display().to_string()),
            ("VAHTI__CLOCK__MODE", "manual".to_owned()),
            ("VAHTI__CLOCK__START", START.to_owned()),
            ("VAHTI__ADMIN__TOKEN", ADMIN_TOKEN.to_owned()),
            ("VAHTI__MAIL__TRANSPORT", "file".to_owned()),
            (
                "VAHTI__MAIL__FILE_DIR",
                dir.path().join("mail").display().to_string(),
            ),
        ];
        pairs.extend(settings.iter().map(|(name, value)| (*name, value.clone())));
        // Variables of the benchmark's own environment come last, so that a run can change any
        // setting of every daemon it starts, as `vahtid` would take them.
        let inherited: Vec<(String, String)> = std::env::vars()
            .filter(|(name, _)| name.starts_with("VAHTI__"))
            .collect();
        pairs.extend(
            inherited
                .iter()
                .map(|(name, value)| (name.as_str(), value.clone())),
        );
        let env = ProcessEnv::from_pairs(pairs);
        let config = Config::load_with(None, None, &env).context("invalid configuration")?;
        let clock = clock::from_config(&config.clock);
        let metrics = Arc::new(Metrics::new("bench"));
        let app = App::start(config, clock, metrics)?;
        let store = app.store().clone();
        tokio::task::spawn_blocking(move || store.migrate())
            .await
            .context("the migration task failed")?
            .context("migration failed")?;
        app.set_ready(true);

        let listener = TcpListener::bind("127.0.0.1:0").context("failed to bind loopback")?;
        let base = format!("http://{}", listener.local_addr()?);
        let server = http::server(app.clone(), listener).context("failed to start HTTP")?;
        let handle = server.handle();
        actix_rt::spawn(server);

        Ok(Daemon {
            app,
            base,
            client: reqwest::Client::new(),
            database,
            server: handle,
            _dir: dir,
        })
    }

    /// Creates a tenant through the admin API and returns its id and API token.
    pub async fn tenant(&self) -> anyhow::Result<(i64, String)> {
        let body = json!({
            "name": "Kahvipaahtimo Oy",
            "business_id": "3958213-2",
            "iban": "FI5057234000204518",
            "bic": "OKOYFIHH",
            "sender_email": "laskutus@kahvi.example.fi",
            "reply_to": "asiakaspalvelu@kahvi.example.fi",
            "contact": {
                "address_lines": ["Paahtimotie 1"],
                "postal_code": "00100",
                "city": "Helsinki",
                "phone": "+358 40 123 4567"
            }
        });
        let response = self
            .client
            .post(format!("{}{}", self.base, vahti_api::paths::TENANTS))
            .bearer_auth(ADMIN_TOKEN)
            .json(&body)
            .send()
            .await?;
        let status = response.status();
        let reply: Value = response.json().await?;
        if !status.is_success() {
            bail!("creating the tenant failed with {status}: {reply}");
        }
        let id = reply["tenant"]["id"]
            .as_i64()
            .context("the tenant reply has no id")?;
        let token = reply["token"]["token"]
            .as_str()
            .context("the tenant reply has no token")?
            .to_owned();
        Ok((id, token))
    }

    /// Stops the HTTP server and hands back the database.
    pub async fn stop(self) -> TestDatabase {
        self.server.stop(true).await;
        self.app.directory().drain().await;
        self.database
    }
}
