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
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        Harness::start_on(backend, settings, listener).await
    }

    /// Starts a daemon like [`Harness::start_with`] on an already bound listener, whose address
    /// is the daemon's `server.public_url` unless the settings set another.
    pub async fn start_on(
        backend: Backend,
        settings: &[(&str, &str)],
        listener: TcpListener,
    ) -> Harness {
        let base = format!("http://{}", listener.local_addr().unwrap());
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
            ("VAHTI__SERVER__PUBLIC_URL", format!("{base}/")),
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
    pub fn raw_emails(&self) -> Vec<String> {
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

    /// Returns the emails written so far, oldest first, each as [`readable`] shows it.
    pub fn emails(&self) -> Vec<String> {
        self.raw_emails().iter().map(|raw| readable(raw)).collect()
    }
}

/// Turns a raw email into what a test reads: the header block as sent, then the decoded text
/// of each text part, since the parts themselves are base64.
pub fn readable(raw: &str) -> String {
    let parsed = mailparse::parse_mail(raw.as_bytes()).unwrap();
    let headers = raw.split("\r\n\r\n").next().unwrap_or_default();
    let mut texts = vec![headers.to_owned()];
    collect_parts(&parsed, &mut texts, &["text/plain", "text/html"]);
    texts.join("\r\n\r\n")
}

/// Returns the decoded plain-text parts of a raw email.
pub fn email_text(raw: &str) -> String {
    let parsed = mailparse::parse_mail(raw.as_bytes()).unwrap();
    let mut texts = Vec::new();
    collect_parts(&parsed, &mut texts, &["text/plain"]);
    texts.join("\n")
}

fn collect_parts(part: &mailparse::ParsedMail<'_>, texts: &mut Vec<String>, types: &[&str]) {
    if types.contains(&part.ctype.mimetype.as_str()) {
        texts.push(part.get_body().unwrap());
    }
    for sub in &part.subparts {
        collect_parts(sub, texts, types);
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

/// An invoice that [`Harness::store_account`] writes directly to the store.
#[derive(Debug, Clone, Copy)]
pub struct StoredInvoice<'a> {
    /// The integrator's id.
    pub external_id: &'a str,
    /// The amount in euros, such as `"100.00"`.
    pub amount: &'a str,
    /// The due date, `YYYY-MM-DD`. The invoice was issued and sent 21 days earlier.
    pub due: &'a str,
}

impl Harness {
    /// Stores a consumer account that reads Finnish, with issued euro invoices, directly in the
    /// store instead of through the accounts and invoices endpoints, and computes its next
    /// wake-up. Returns the account's and the invoices' keys.
    pub async fn store_account(
        &self,
        tenant: i64,
        external_id: &str,
        invoices: &[StoredInvoice<'_>],
    ) -> (
        vahti_domain::ids::AccountId,
        Vec<vahti_domain::ids::InvoiceId>,
    ) {
        use vahti_store::accounts::{self, AccountUpsert};
        use vahti_store::invoices::{self, InvoiceKind, InvoiceStatus, InvoiceUpsert};

        let tenant = vahti_domain::ids::TenantId(tenant);
        let account = AccountUpsert {
            external_id: external_id.to_owned(),
            name: "Matti Meikäläinen".to_owned(),
            debtor_type: vahti_domain::DebtorType::Consumer,
            emails: vec!["matti@example.fi".to_owned()],
            locale: vahti_store::Locale::Fi,
            time_zone: None,
            policy_id: None,
            contact: json!({}),
            e_demand_consent_until: None,
        };
        let upserts: Vec<InvoiceUpsert> = invoices
            .iter()
            .map(|invoice| {
                let due = chrono::NaiveDate::parse_from_str(invoice.due, "%Y-%m-%d").unwrap();
                let issued = due - chrono::Days::new(21);
                InvoiceUpsert {
                    external_id: invoice.external_id.to_owned(),
                    account_id: vahti_domain::ids::AccountId(0),
                    kind: InvoiceKind::Invoice,
                    number: invoice.external_id.to_owned(),
                    issue_date: issued,
                    sent_on: Some(issued),
                    due_date: Some(due),
                    amount: vahti_domain::Money::parse(invoice.amount, vahti_domain::Currency::EUR)
                        .unwrap(),
                    reference: Some(next_reference()),
                    reference_invalid: false,
                    seller_iban: None,
                    seller_bic: None,
                    status: InvoiceStatus::Issued,
                    corrects_external_id: None,
                }
            })
            .collect();
        let now = self.app.now();
        let (account, ids) = self
            .app
            .write(move |tx| {
                let account = accounts::upsert(tx, tenant, &account, now)?;
                let upserts: Vec<InvoiceUpsert> = upserts
                    .into_iter()
                    .map(|invoice| InvoiceUpsert {
                        account_id: account.id,
                        ..invoice
                    })
                    .collect();
                let ids = invoices::upsert_batch(tx, tenant, &upserts, now)?;
                Ok((account.id, ids))
            })
            .await
            .unwrap();
        self.refresh_account(tenant.0, account).await;
        (account, ids)
    }

    /// Stores a payment of `amount` euros on an invoice directly in the store, paid on `paid_on`
    /// (`YYYY-MM-DD`), and recomputes the account's next wake-up.
    pub async fn store_payment(
        &self,
        tenant: i64,
        account: vahti_domain::ids::AccountId,
        invoice: vahti_domain::ids::InvoiceId,
        amount: &str,
        paid_on: &str,
    ) {
        use vahti_store::payments::{self, NewPayment, PaymentSource};

        let payment = NewPayment {
            account_id: Some(account),
            invoice_id: Some(invoice),
            amount: vahti_domain::Money::parse(amount, vahti_domain::Currency::EUR).unwrap(),
            paid_on: chrono::NaiveDate::parse_from_str(paid_on, "%Y-%m-%d").unwrap(),
            booked_on: None,
            reference: None,
            bank_archive_id: None,
            source: PaymentSource::Api,
            import_id: None,
            payer_name: None,
        };
        let now = self.app.now();
        let tenant_id = vahti_domain::ids::TenantId(tenant);
        self.app
            .write(move |tx| Ok(payments::insert(tx, tenant_id, &payment, now)?))
            .await
            .unwrap();
        self.refresh_account(tenant, account).await;
    }

    /// Recomputes an account's next wake-up on its actor, as the endpoints that change accounts
    /// do.
    pub async fn refresh_account(&self, tenant: i64, account: vahti_domain::ids::AccountId) {
        let now = self.app.now();
        self.app
            .on_account(vahti_domain::ids::TenantId(tenant), account, move |tx| {
                vahti_daemon::service::wake::refresh_next_action(tx, account, now)
            })
            .await
            .unwrap();
    }

    /// Reads the account's next wake-up as stored.
    pub async fn next_action_at(
        &self,
        account: vahti_domain::ids::AccountId,
    ) -> Option<chrono::DateTime<chrono::Utc>> {
        self.app
            .read(move |tx| Ok(vahti_store::accounts::get(tx, account)?.next_action_at))
            .await
            .unwrap()
    }

    /// Reads the types of the tenant's events, oldest first.
    pub async fn event_types(&self, token: &str) -> Vec<String> {
        let reply = self.get("/v1/events?limit=1000", token).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
        reply.body["events"]
            .as_array()
            .unwrap()
            .iter()
            .map(|event| event["type"].as_str().unwrap().to_owned())
            .collect()
    }
}

/// Returns a new valid Finnish creditor reference on each call.
fn next_reference() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(100_000);
    let base = NEXT.fetch_add(1, Ordering::Relaxed).to_string();
    vahti_domain::ident::FinnishReference::from_base(&base)
        .unwrap()
        .as_str()
        .to_owned()
}
