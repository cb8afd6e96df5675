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
        Harness::start_with(backend, &[]).await
    }

    /// Starts a daemon like [`Harness::start`], with further configuration variables such as
    /// `("VAHTI__WEBHOOKS__TIMEOUT_SECONDS", "1")`.
    pub async fn start_with(backend: Backend, settings: &[(&str, &str)]) -> Harness {
        let database = TestDatabase::new(backend);
        let dir = tempfile::tempdir().unwrap();
        let mail_dir = dir.path().join("mail");
        let mut pairs = vec![
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
        ];
        pairs.extend(
            settings
                .iter()
                .map(|(name, value)| (*name, (*value).to_owned())),
        );
        let env = ProcessEnv::from_pairs(pairs);
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

    /// Moves the manual clock forward by `seconds` and waits until every consequence ran, such
    /// as retries of deliveries that became due.
    pub async fn advance_seconds(&self, seconds: u32) {
        let reply = self
            .call(
                Method::POST,
                "/v1/admin/clock",
                Some(ADMIN_TOKEN),
                Some(json!({"advance_seconds": seconds, "wait": true})),
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    }

    /// `PATCH` with a token and a body.
    pub async fn patch(&self, path: &str, token: &str, body: impl Serialize) -> Reply {
        self.call(
            Method::PATCH,
            path,
            Some(token),
            Some(serde_json::to_value(body).unwrap()),
        )
        .await
    }

    /// `DELETE` with a token.
    pub async fn delete(&self, path: &str, token: &str) -> Reply {
        self.call(Method::DELETE, path, Some(token), None).await
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

/// Creates an account and invoices directly in the store, as an integrator's upserts would, and
/// schedules the account. Returns the account id and the invoice ids in input order.
pub async fn seed_account(
    h: &Harness,
    tenant: i64,
    external_id: &str,
    debtor_type: vahti_domain::DebtorType,
    invoices: Vec<SeedInvoice>,
) -> (
    vahti_domain::ids::AccountId,
    Vec<vahti_domain::ids::InvoiceId>,
) {
    use vahti_domain::ids::TenantId;
    use vahti_store::accounts::{self, AccountUpsert};
    use vahti_store::invoices::{self, InvoiceKind, InvoiceStatus, InvoiceUpsert};

    let tenant = TenantId(tenant);
    let external_id = external_id.to_owned();
    let now = h.app.now();
    let (account, ids) = h
        .app
        .write(move |tx| {
            let account = accounts::upsert(
                tx,
                tenant,
                &AccountUpsert {
                    external_id: external_id.clone(),
                    name: format!("Debtor {external_id}"),
                    debtor_type,
                    emails: vec![format!("{external_id}@example.com")],
                    locale: vahti_store::Locale::Fi,
                    time_zone: None,
                    policy_id: None,
                    contact: serde_json::json!({}),
                    e_demand_consent_until: None,
                },
                now,
            )?;
            let rows: Vec<InvoiceUpsert> = invoices
                .iter()
                .map(|seed| InvoiceUpsert {
                    external_id: format!("{external_id}-{}", seed.number),
                    account_id: account.id,
                    kind: InvoiceKind::Invoice,
                    number: seed.number.clone(),
                    issue_date: seed.issue_date,
                    sent_on: Some(seed.issue_date),
                    due_date: Some(seed.due_date),
                    amount: vahti_domain::Money::parse(&seed.amount, vahti_domain::Currency::EUR)
                        .unwrap(),
                    reference: Some(seed.reference.clone()),
                    reference_invalid: false,
                    seller_iban: None,
                    seller_bic: None,
                    status: InvoiceStatus::Issued,
                    corrects_external_id: None,
                })
                .collect();
            let ids = invoices::upsert_batch(tx, tenant, &rows, now)?;
            vahti_daemon::service::wake::refresh_next_action(tx, account.id, now)?;
            Ok((account.id, ids))
        })
        .await
        .unwrap();
    (account, ids)
}

/// An invoice for [`seed_account`].
#[derive(Debug, Clone)]
pub struct SeedInvoice {
    /// The invoice number.
    pub number: String,
    /// The issue date.
    pub issue_date: chrono::NaiveDate,
    /// The due date.
    pub due_date: chrono::NaiveDate,
    /// The amount in euros, such as `"100.00"`.
    pub amount: String,
    /// A valid Finnish reference.
    pub reference: String,
}

/// Parses a date written as `YYYY-MM-DD`.
pub fn date(text: &str) -> chrono::NaiveDate {
    text.parse().unwrap()
}
