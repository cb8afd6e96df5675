//! The test harness: a daemon in this process, reached over real HTTP.

use std::net::TcpListener;
use std::sync::Arc;

use reqwest::{Method, StatusCode};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use tempfile::TempDir;
use vahti_daemon::app::App;
use vahti_daemon::clock;
use vahti_daemon::config::{Config, ProcessEnv};
use vahti_daemon::http;
use vahti_daemon::metrics::Metrics;
use vahti_testkit::{Backend, TestDatabase};

/// The admin token of every harness.
pub const ADMIN_TOKEN: &str = "test-admin-token-0123456789";

/// The instant the manual clock starts at: Monday 2026-03-02, 09:00 in Helsinki.
pub const START: &str = "2026-03-02T07:00:00Z";

/// A running daemon with a client.
pub struct Harness {
    /// The daemon's state, for direct checks.
    pub app: App,
    /// The base URL, such as `http://127.0.0.1:40123`.
    pub base: String,
    /// The HTTP client.
    pub client: reqwest::Client,
    /// The directory the file transport writes emails to.
    pub mail_dir: std::path::PathBuf,
    server: actix_web::dev::ServerHandle,
    _database: TestDatabase,
    _dir: TempDir,
}

/// A response with its status and JSON body.
#[derive(Debug)]
pub struct Reply {
    /// The status.
    pub status: StatusCode,
    /// The body, `Value::Null` when empty or not JSON.
    pub body: Value,
    /// The raw body.
    pub text: String,
}

impl Reply {
    /// The error code of an error body.
    pub fn code(&self) -> &str {
        self.body["error"]["code"].as_str().unwrap_or("")
    }

    /// Decodes the body.
    pub fn json<T: DeserializeOwned>(&self) -> T {
        serde_json::from_value(self.body.clone())
            .unwrap_or_else(|error| panic!("cannot decode {}: {error}", self.text))
    }
}

impl Harness {
    /// Starts a daemon on a fresh database of `backend`.
    pub async fn start(backend: Backend) -> Harness {
        let database = TestDatabase::new(backend);
        let dir = tempfile::tempdir().unwrap();
        let mail_dir = dir.path().join("mail");
        let env = ProcessEnv::from_pairs([
            ("VAHTI__DATABASE__URL", database.url().to_owned()),
            ("VAHTI__DAEMON__DATA_DIR", dir.path().display().to_string()),
            ("VAHTI__CLOCK__MODE", "manual".to_owned()),
            ("VAHTI__CLOCK__START", START.to_owned()),
            ("VAHTI__ADMIN__TOKEN", ADMIN_TOKEN.to_owned()),
            ("VAHTI__MAIL__TRANSPORT", "file".to_owned()),
            ("VAHTI__MAIL__FILE_DIR", mail_dir.display().to_string()),
            ("VAHTI__SERVER__WORKERS", "2".to_owned()),
            ("VAHTI__ACTORS__ARBITERS", "2".to_owned()),
            ("VAHTI__DATABASE__POOL_SIZE", "4".to_owned()),
        ]);
        let config = Config::load_with(None, None, &env).unwrap();
        let clock = clock::from_config(&config.clock);
        let metrics = Arc::new(Metrics::new("test"));
        let app = App::start(config, clock, metrics).unwrap();
        let store = app.store().clone();
        tokio::task::spawn_blocking(move || store.migrate())
            .await
            .unwrap()
            .unwrap();
        app.set_ready(true);

        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let server = http::server(app.clone(), listener).unwrap();
        let handle = server.handle();
        actix_rt::spawn(server);

        Harness {
            app,
            base,
            client: reqwest::Client::new(),
            mail_dir,
            server: handle,
            _database: database,
            _dir: dir,
        }
    }

    /// Stops the HTTP server.
    pub async fn stop(self) {
        self.server.stop(true).await;
    }

    /// Sends a request with an optional bearer token and JSON body.
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Reply {
        let mut request = self.client.request(method, format!("{}{path}", self.base));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        let text = response.text().await.unwrap();
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Reply { status, body, text }
    }

    /// `GET` with a token.
    pub async fn get(&self, path: &str, token: &str) -> Reply {
        self.call(Method::GET, path, Some(token), None).await
    }

    /// `POST` with a token and a body.
    pub async fn post(&self, path: &str, token: &str, body: impl Serialize) -> Reply {
        self.call(
            Method::POST,
            path,
            Some(token),
            Some(serde_json::to_value(body).unwrap()),
        )
        .await
    }

    /// `PUT` with a token and a body.
    pub async fn put(&self, path: &str, token: &str, body: impl Serialize) -> Reply {
        self.call(
            Method::PUT,
            path,
            Some(token),
            Some(serde_json::to_value(body).unwrap()),
        )
        .await
    }

    /// `POST` with a token and a raw body, such as an imported file, with an optional
    /// `Content-Type`.
    pub async fn post_bytes(
        &self,
        path: &str,
        token: &str,
        content_type: Option<&str>,
        body: Vec<u8>,
    ) -> Reply {
        let mut request = self
            .client
            .post(format!("{}{path}", self.base))
            .bearer_auth(token)
            .body(body);
        if let Some(content_type) = content_type {
            request = request.header(reqwest::header::CONTENT_TYPE, content_type);
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        let text = response.text().await.unwrap();
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Reply { status, body, text }
    }

    /// Returns the kinds of the tenant's events so far, in order.
    pub async fn event_kinds(&self, tenant_id: i64) -> Vec<String> {
        self.events(tenant_id)
            .await
            .into_iter()
            .map(|event| event.kind)
            .collect()
    }

    /// Reads the tenant's events so far, in order, from the database.
    pub async fn events(&self, tenant_id: i64) -> Vec<vahti_store::events::Event> {
        let store = self.app.store().clone();
        let tenant = vahti_domain::ids::TenantId(tenant_id);
        tokio::task::spawn_blocking(move || {
            store.read(|tx| vahti_store::events::list_after(tx, tenant, 0, 100_000))
        })
        .await
        .unwrap()
        .unwrap()
    }

    /// Creates a tenant with complete creditor details and returns its id and API token.
    pub async fn tenant(&self, name: &str) -> (i64, String) {
        let reply = self
            .call(
                Method::POST,
                "/v1/tenants",
                Some(ADMIN_TOKEN),
                Some(json!({
                    "name": name,
                    "business_id": "3958213-2",
                    "iban": "FI5057234000204518",
                    "bic": "OKOYFIHH",
                    "sender_email": "laskutus@kahvi.example.fi",
                    "reply_to": "asiakaspalvelu@kahvi.example.fi",
                    "contact": {"address_lines": ["Paahtimotie 1"], "postal_code": "00100", "city": "Helsinki", "phone": "+358 40 123 4567"}
                })),
            )
            .await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
        (
            reply.body["tenant"]["id"].as_i64().unwrap(),
            reply.body["token"]["token"].as_str().unwrap().to_owned(),
        )
    }

    /// Moves the manual clock forward and waits until every consequence ran.
    pub async fn advance_days(&self, days: u32) {
        let reply = self
            .call(
                Method::POST,
                "/v1/admin/clock",
                Some(ADMIN_TOKEN),
                Some(json!({"advance_seconds": days * 86_400, "wait": true})),
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    }

    /// The `.eml` files written so far, sorted by name.
    pub fn emails(&self) -> Vec<String> {
        let Ok(entries) = std::fs::read_dir(&self.mail_dir) else {
            return Vec::new();
        };
        let mut files: Vec<_> = entries
            .filter_map(Result::ok)
            .map(|entry| entry.path())
            .filter(|path| path.extension().is_some_and(|ext| ext == "eml"))
            .collect();
        files.sort();
        files
            .into_iter()
            .map(|path| std::fs::read_to_string(path).unwrap())
            .collect()
    }
}

/// Defines an async test that runs once on SQLite and once on PostgreSQL, each in its own actix
/// system. The body gets `h: Harness`.
#[macro_export]
macro_rules! api_test {
    ($(fn $name:ident($h:ident) $body:block)*) => {
        $(
            mod $name {
                use super::*;

                async fn body($h: $crate::support::Harness) $body

                #[test]
                fn sqlite() {
                    actix_rt::System::new().block_on(async {
                        body($crate::support::Harness::start(vahti_testkit::Backend::Sqlite).await).await;
                    });
                }

                #[test]
                fn postgres() {
                    actix_rt::System::new().block_on(async {
                        body($crate::support::Harness::start(vahti_testkit::Backend::Postgres).await).await;
                    });
                }
            }
        )*
    };
}
