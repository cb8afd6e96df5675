//! Several `vahtid` processes on one PostgreSQL database: every due step runs exactly once across
//! the cluster although a daemon is killed mid-run, and shards move between daemons without any
//! daemon acting on a lease that another one holds.

#![expect(
    clippy::unwrap_used,
    reason = "test helpers outside #[test] functions fail the test on any error"
)]

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, Instant};

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Integer, Nullable, Text};
use reqwest::StatusCode;
use serde_json::{Value, json};
use tempfile::TempDir;
use vahti_testkit::TestDatabase;
use vahti_testkit::smtp::{Fault, ReceivedMessage, SmtpServer, Stage};

const VAHTID: &str = env!("CARGO_BIN_EXE_vahtid");

const ADMIN_TOKEN: &str = "cluster-admin-token-0123456789";

/// Monday 2026-03-02, 09:00 in Helsinki.
const START: &str = "2026-03-02T07:00:00Z";

/// The domain of every Message-ID, the same on every daemon.
const MAIL_DOMAIN: &str = "vahti.test";

/// Leased shards in these tests: fewer than the default, so that rebalancing takes seconds.
const SHARDS: usize = 32;

const LEASE_MS: u64 = 3000;

const HEARTBEAT_MS: u64 = 200;

const DAY: u32 = 86_400;

/// A running `vahtid` whose standard error is collected line by line.
struct Daemon {
    name: String,
    child: Child,
    base: String,
    lines: Receiver<String>,
    seen: Vec<String>,
    _dir: TempDir,
}

impl Daemon {
    /// Starts a daemon named `name` on the database with the manual clock at [`START`], and waits
    /// until it serves requests.
    async fn start(name: &str, database: &TestDatabase, smtp_port: u16) -> Daemon {
        let dir = tempfile::tempdir().unwrap();
        let port = smtp_port.to_string();
        let lease = LEASE_MS.to_string();
        let heartbeat = HEARTBEAT_MS.to_string();
        let shards = SHARDS.to_string();
        let settings = [
            ("VAHTI__DATABASE__URL", database.url()),
            ("VAHTI__DATABASE__POOL_SIZE", "6"),
            ("VAHTI__SERVER__LISTEN", "127.0.0.1:0"),
            ("VAHTI__SERVER__PUBLIC_URL", "http://vahti.test/"),
            ("VAHTI__SERVER__WORKERS", "2"),
            ("VAHTI__SERVER__SHUTDOWN_TIMEOUT_SECONDS", "10"),
            ("VAHTI__ACTORS__ARBITERS", "2"),
            ("VAHTI__ADMIN__TOKEN", ADMIN_TOKEN),
            ("VAHTI__CLOCK__MODE", "manual"),
            ("VAHTI__CLOCK__START", START),
            ("VAHTI__SCHEDULER__POLL_INTERVAL_MS", "200"),
            ("VAHTI__OUTBOX__CONCURRENCY", "2"),
            ("VAHTI__MAIL__TRANSPORT", "smtp"),
            ("VAHTI__MAIL__FROM_DOMAIN", MAIL_DOMAIN),
            ("VAHTI__MAIL__SMTP__HOST", "127.0.0.1"),
            ("VAHTI__MAIL__SMTP__PORT", &port),
            ("VAHTI__MAIL__SMTP__SECURITY", "plain"),
            ("VAHTI__CLUSTER__NODE_ID", name),
            ("VAHTI__CLUSTER__SHARDS", &shards),
            ("VAHTI__CLUSTER__LEASE_DURATION_MS", &lease),
            ("VAHTI__CLUSTER__HEARTBEAT_INTERVAL_MS", &heartbeat),
        ];
        let mut child = Command::new(VAHTID)
            .arg("run")
            .env_clear()
            .env("HOME", dir.path())
            .envs(settings)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = child.stderr.take().unwrap();
        let (sender, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                if sender.send(line).is_err() {
                    break;
                }
            }
        });

        let mut daemon = Daemon {
            name: name.to_owned(),
            child,
            base: String::new(),
            lines,
            seen: Vec::new(),
            _dir: dir,
        };
        let started = daemon.wait_for_line("vahtid started").await;
        let listen = started
            .split_whitespace()
            .find_map(|field| field.strip_prefix("listen="))
            .unwrap_or_else(|| panic!("no listen address in {started:?}"));
        daemon.base = format!("http://{listen}");
        daemon
    }

    /// Waits up to a minute for a log line containing `text`.
    async fn wait_for_line(&mut self, text: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            while let Ok(line) = self.lines.try_recv() {
                self.seen.push(line.clone());
                if line.contains(text) {
                    return line;
                }
            }
            if let Some(status) = self.child.try_wait().unwrap() {
                panic!(
                    "{} exited with {status} before logging {text:?}:\n{}",
                    self.name,
                    self.seen.join("\n")
                );
            }
            assert!(
                Instant::now() < deadline,
                "{} logged no line containing {text:?}:\n{}",
                self.name,
                self.seen.join("\n")
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Kills the process with SIGKILL, as a crash or an out-of-memory kill would.
    fn kill(&mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }

    /// Sends SIGTERM and returns the exit code once the process ended.
    async fn terminate(&mut self) -> Option<i32> {
        let status = Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .status()
            .unwrap();
        assert!(status.success(), "kill -TERM failed");
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status.code();
            }
            assert!(Instant::now() < deadline, "{} did not stop", self.name);
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        token: &str,
        body: Option<Value>,
    ) -> Value {
        let client = reqwest::Client::new();
        let mut request = client
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        let text = response.text().await.unwrap();
        assert!(status.is_success(), "{} {path}: {status} {text}", self.name);
        serde_json::from_str(&text).unwrap_or(Value::Null)
    }

    /// Moves the manual clock forward; with `wait`, returns after the scheduler and the outbox
    /// handled everything due on this daemon.
    async fn advance(&self, seconds: u32, wait: bool) {
        self.call(
            reqwest::Method::POST,
            "/v1/admin/clock",
            ADMIN_TOKEN,
            Some(json!({"advance_seconds": seconds, "wait": wait})),
        )
        .await;
    }

    async fn cluster(&self) -> Value {
        self.call(reqwest::Method::GET, "/v1/admin/cluster", ADMIN_TOKEN, None)
            .await
    }

    async fn metrics(&self) -> String {
        let response = reqwest::get(format!("{}/metrics", self.base))
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        response.text().await.unwrap()
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Reads the value of an unlabelled metric, or of the labelled series `name{labels}`.
fn metric(text: &str, series: &str) -> f64 {
    text.lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' '))
        .map_or(0.0, |value| value.trim().parse().unwrap())
}

#[derive(QueryableByName, Debug, Clone, PartialEq, Eq)]
struct LeaseRow {
    #[diesel(sql_type = Integer)]
    shard: i32,
    #[diesel(sql_type = Nullable<Text>)]
    holder: Option<String>,
    #[diesel(sql_type = BigInt)]
    epoch: i64,
    #[diesel(sql_type = Bool)]
    held: bool,
}

#[derive(QueryableByName, Debug)]
struct StepRow {
    #[diesel(sql_type = BigInt)]
    invoice_id: i64,
    #[diesel(sql_type = Text)]
    step_key: String,
    #[diesel(sql_type = Text)]
    state: String,
    #[diesel(sql_type = Nullable<BigInt>)]
    outbox_id: Option<i64>,
    #[diesel(sql_type = Text)]
    account: String,
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    count: i64,
}

fn connect(database: &TestDatabase) -> PgConnection {
    PgConnection::establish(database.url()).unwrap()
}

fn leases(connection: &mut PgConnection) -> Vec<LeaseRow> {
    diesel::sql_query(
        "SELECT shard, holder, epoch, (holder IS NOT NULL AND expires_at > now()) AS held \
         FROM shard_leases ORDER BY shard",
    )
    .load(connection)
    .unwrap()
}

/// The number of held shards per daemon.
fn held_counts(rows: &[LeaseRow]) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for row in rows.iter().filter(|row| row.held) {
        if let Some(holder) = &row.holder {
            *counts.entry(holder.clone()).or_insert(0) += 1;
        }
    }
    counts
}

fn steps(connection: &mut PgConnection) -> Vec<StepRow> {
    diesel::sql_query(
        "SELECT s.invoice_id, s.step_key, s.state, s.outbox_id, a.external_id AS account \
         FROM step_history s JOIN accounts a ON a.id = s.account_id ORDER BY s.id",
    )
    .load(connection)
    .unwrap()
}

fn count(connection: &mut PgConnection, sql: &str) -> i64 {
    diesel::sql_query(sql)
        .get_result::<Count>(connection)
        .unwrap()
        .count
}

/// Waits until the daemons `names` hold every shard between them, within one of each other.
async fn wait_balanced(connection: &mut PgConnection, names: &[&str]) -> Vec<LeaseRow> {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let rows = leases(connection);
        let counts = held_counts(&rows);
        let total: usize = counts.values().sum();
        let balanced = counts.len() == names.len()
            && names.iter().all(|name| counts.contains_key(*name))
            && total == SHARDS
            && counts.values().max().unwrap() - counts.values().min().unwrap() <= 1;
        if balanced {
            return rows;
        }
        assert!(Instant::now() < deadline, "shards not balanced: {counts:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Creates a tenant through the daemon's admin API and returns its API token.
async fn create_tenant(daemon: &Daemon) -> String {
    let created = daemon
        .call(
            reqwest::Method::POST,
            "/v1/tenants",
            ADMIN_TOKEN,
            Some(json!({
                "name": "Kuusimäen Kahvipaahtimo Oy",
                "business_id": "3958213-2",
                "iban": "FI5057234000204518",
                "bic": "OKOYFIHH",
                "sender_email": "laskutus@kahvi.example.fi",
                "contact": {"address_lines": ["Paahtimotie 1"], "postal_code": "00100", "city": "Helsinki"}
            })),
        )
        .await;
    created["token"]["token"].as_str().unwrap().to_owned()
}

/// Creates `count` consumer accounts, each with one invoice that fell due on Friday
/// 2026-02-27, so that the friendly reminder falls due a week after that, on 2026-03-06, and the
/// reminder with a fee two weeks after the friendly reminder.
async fn create_debtors(daemon: &Daemon, token: &str, count: usize) {
    for n in 0..count {
        let account = format!("debtor-{n:03}");
        daemon
            .call(
                reqwest::Method::PUT,
                &format!("/v1/accounts/{account}"),
                token,
                Some(json!({
                    "name": format!("Debtor {n}"),
                    "debtor_type": "consumer",
                    "emails": [format!("{account}@example.com")],
                })),
            )
            .await;
        daemon
            .call(
                reqwest::Method::PUT,
                &format!("/v1/invoices/INV-{n:03}"),
                token,
                Some(json!({
                    "account": account,
                    "number": format!("2026-{n:03}"),
                    "issue_date": "2026-02-09",
                    "due_date": "2026-02-27",
                    "currency": "EUR",
                    "amount": "100.00",
                })),
            )
            .await;
    }
}

/// The Message-ID header of a received message.
fn message_id(message: &ReceivedMessage) -> String {
    let (headers, _) = mailparse::parse_headers(&message.data).unwrap();
    headers
        .iter()
        .find(|header| header.get_key().eq_ignore_ascii_case("Message-ID"))
        .map(|header| header.get_value().trim().to_owned())
        .unwrap_or_else(|| panic!("a message without Message-ID from {}", message.mail_from))
}

/// Runs the daemons' schedulers and outboxes (a clock change of 0 seconds with `wait`) until
/// `expected` steps of `step_key` exist and every one of them is sent.
async fn settle(
    connection: &mut PgConnection,
    daemons: &[&Daemon],
    step_key: &str,
    expected: usize,
) {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let rows = steps(connection);
        let of_key: Vec<&StepRow> = rows.iter().filter(|row| row.step_key == step_key).collect();
        if of_key.len() >= expected && of_key.iter().all(|row| row.state == "sent") {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{} of {expected} {step_key} steps, states {:?}",
            of_key.len(),
            of_key
                .iter()
                .map(|row| row.state.as_str())
                .collect::<BTreeSet<_>>()
        );
        for daemon in daemons {
            daemon.advance(0, true).await;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Checks every step against the messages the SMTP server received: one Message-ID per step,
/// each received at least once, to the account's address, and no other Message-ID.
fn check_deliveries(steps: &[StepRow], messages: &[ReceivedMessage]) -> usize {
    let mut expected: HashMap<String, &StepRow> = HashMap::new();
    for step in steps {
        let outbox = step.outbox_id.unwrap_or_else(|| {
            panic!(
                "step {} of invoice {} has no email",
                step.step_key, step.invoice_id
            )
        });
        let previous = expected.insert(format!("<vahti.{outbox}@{MAIL_DOMAIN}>"), step);
        assert!(previous.is_none(), "two steps share outbox row {outbox}");
    }

    let mut received: HashMap<String, usize> = HashMap::new();
    for message in messages {
        let id = message_id(message);
        let step = expected
            .get(&id)
            .unwrap_or_else(|| panic!("received {id}, which belongs to no step"));
        assert_eq!(
            message.rcpt_to,
            [format!("{}@example.com", step.account)],
            "{id}"
        );
        *received.entry(id).or_insert(0) += 1;
    }
    for id in expected.keys() {
        assert!(received.contains_key(id), "no message {id} was received");
    }
    received.values().filter(|times| **times > 1).count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn killed_daemon_loses_no_step() {
    const ACCOUNTS: usize = 60;
    let smtp = SmtpServer::start().await.unwrap();
    // Every message waits a little before its final reply, so that sends are in flight when
    // the daemon is killed.
    smtp.inject(Fault::delay(
        Stage::DataEnd,
        Duration::from_millis(100),
        usize::MAX,
    ));
    let database = TestDatabase::postgres();
    let a = Daemon::start("node-a", &database, smtp.port()).await;
    let mut b = Daemon::start("node-b", &database, smtp.port()).await;
    let c = Daemon::start("node-c", &database, smtp.port()).await;
    let mut connection = connect(&database);
    wait_balanced(&mut connection, &["node-a", "node-b", "node-c"]).await;

    let token = create_tenant(&a).await;
    create_debtors(&a, &token, ACCOUNTS).await;

    // On Friday every friendly reminder is due; the three daemons run their shards at once.
    for daemon in [&a, &b, &c] {
        daemon.advance(4 * DAY, false).await;
    }
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let sending = count(
            &mut connection,
            "SELECT COUNT(*) AS count FROM outbox WHERE claimed_by = 'node-b' AND state = 'sending'",
        );
        // Two rows in flight make it unlikely that both finish between this check and the kill.
        if sending >= 2 && smtp.messages().len() >= 5 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "node-b never had an email in flight; {} messages received",
            smtp.messages().len()
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    b.kill();
    let received_at_kill = smtp.messages().len();
    let stranded = count(
        &mut connection,
        "SELECT COUNT(*) AS count FROM outbox WHERE claimed_by = 'node-b' AND state = 'sending'",
    );

    // The killed daemon's leases run out and the survivors take its shards.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let counts = held_counts(&leases(&mut connection));
        if !counts.contains_key("node-b") && counts.values().sum::<usize>() == SHARDS {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "node-b's shards were not taken over: {counts:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // The survivors finish the emails they have in flight, so that the jump of the clocks
    // below releases only the killed daemon's claims, which run out after five minutes of
    // daemon time.
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        for daemon in [&a, &c] {
            daemon.advance(0, true).await;
        }
        let in_flight = count(
            &mut connection,
            "SELECT COUNT(*) AS count FROM outbox WHERE claimed_by <> 'node-b' AND state = 'sending'",
        );
        if in_flight == 0 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "{in_flight} emails stay in flight"
        );
    }
    for daemon in [&a, &c] {
        daemon.advance(600, true).await;
    }
    settle(&mut connection, &[&a, &c], "friendly_reminder", ACCOUNTS).await;

    // Two weeks later the reminder with a fee is due, and the two survivors send it.
    for daemon in [&a, &c] {
        daemon.advance(14 * DAY + 3600, true).await;
    }
    settle(&mut connection, &[&a, &c], "reminder", ACCOUNTS).await;

    let rows = steps(&mut connection);
    let keys: BTreeSet<(i64, &str)> = rows
        .iter()
        .map(|row| (row.invoice_id, row.step_key.as_str()))
        .collect();
    let invoices: BTreeSet<i64> = rows.iter().map(|row| row.invoice_id).collect();
    assert_eq!(rows.len(), 2 * ACCOUNTS, "steps: {rows:?}");
    assert_eq!(keys.len(), rows.len(), "a step ran twice");
    assert_eq!(invoices.len(), ACCOUNTS);
    for invoice in &invoices {
        assert!(
            keys.contains(&(*invoice, "friendly_reminder")),
            "invoice {invoice}"
        );
        assert!(keys.contains(&(*invoice, "reminder")), "invoice {invoice}");
    }
    assert!(rows.iter().all(|row| row.state == "sent"));

    let messages = smtp.messages();
    let resent = check_deliveries(&rows, &messages);
    println!(
        "{} messages for {} steps: {received_at_kill} received before the kill, {stranded} \
         claims stranded by it, {resent} Message-IDs received twice",
        messages.len(),
        rows.len()
    );
    assert!(stranded > 0, "the kill stranded no email in flight");
    assert!(
        resent <= usize::try_from(stranded).unwrap(),
        "only emails in flight at the kill may arrive twice"
    );

    let takeovers: f64 = [&a, &c]
        .iter()
        .map(|daemon| daemon.metrics())
        .collect::<futures::future::JoinAll<_>>()
        .await
        .iter()
        .map(|text| {
            metric(
                text,
                "vahti_cluster_lease_takeovers_total{reason=\"expired\"}",
            )
        })
        .sum();
    assert!(takeovers >= 1.0, "no expired lease was taken over");
    let view = a.cluster().await;
    let killed = view["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|node| node["node_id"] == "node-b")
        .expect("node-b is still listed");
    assert_eq!(killed["live"], false);
    assert_eq!(killed["shards_held"], 0);
}

/// What the test has seen of one shard so far, in the order of observation.
#[derive(Debug, Default, Clone)]
struct ShardHistory {
    /// The highest epoch seen.
    epoch: i64,
    /// The daemon holding that epoch, or `None` once the lease was seen released or expired.
    holder: Option<String>,
}

/// Checks observations of the lease table and of the daemons' own views, taken one after the
/// other, against each other. Epochs never go back, and no daemon acts on an epoch that the
/// database or another daemon had already moved past.
#[derive(Debug, Default)]
struct Observer {
    shards: BTreeMap<i32, ShardHistory>,
    observations: usize,
}

impl Observer {
    fn database(&mut self, rows: &[LeaseRow]) {
        self.observations += 1;
        for row in rows {
            let seen = self.shards.entry(row.shard).or_default();
            assert!(
                row.epoch >= seen.epoch,
                "shard {} went back from epoch {} to {}",
                row.shard,
                seen.epoch,
                row.epoch
            );
            if row.epoch > seen.epoch {
                seen.epoch = row.epoch;
                seen.holder = if row.held { row.holder.clone() } else { None };
            } else if row.held {
                assert_eq!(
                    seen.holder, row.holder,
                    "shard {} epoch {} changed holder without a new epoch",
                    row.shard, row.epoch
                );
            } else {
                seen.holder = None;
            }
        }
    }

    fn daemon(&mut self, name: &str, view: &Value) {
        self.observations += 1;
        for held in view["held"].as_array().unwrap() {
            let shard = i32::try_from(held["shard"].as_i64().unwrap()).unwrap();
            let epoch = held["epoch"].as_i64().unwrap();
            let seen = self.shards.entry(shard).or_default();
            assert!(
                epoch >= seen.epoch,
                "{name} acts on shard {shard} with epoch {epoch}, but epoch {} was already \
                 acquired",
                seen.epoch
            );
            if epoch == seen.epoch {
                assert_eq!(
                    seen.holder.as_deref(),
                    Some(name),
                    "{name} acts on shard {shard} epoch {epoch} after it was released, expired \
                     or held elsewhere"
                );
            } else {
                seen.epoch = epoch;
                seen.holder = Some(name.to_owned());
            }
        }
    }

    /// Observes the lease table and every daemon's view once, one after the other, and returns
    /// the lease table.
    async fn round(&mut self, connection: &mut PgConnection, daemons: &[&Daemon]) -> Vec<LeaseRow> {
        let rows = leases(connection);
        self.database(&rows);
        for daemon in daemons {
            let view = daemon.cluster().await;
            self.daemon(&daemon.name, &view);
        }
        rows
    }
}

/// Observes until the daemons hold every shard, within one of each other, and checks in every
/// round that at most `max_free` shards are without a holder.
async fn observe_until_balanced(
    observer: &mut Observer,
    connection: &mut PgConnection,
    daemons: &[&Daemon],
    max_free: usize,
) -> BTreeMap<String, usize> {
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        let rows = observer.round(connection, daemons).await;
        let counts = held_counts(&rows);
        let free = rows.iter().filter(|row| !row.held).count();
        assert!(
            free <= max_free,
            "{free} shards without a holder: {counts:?}"
        );
        let balanced = counts.len() == daemons.len()
            && free == 0
            && counts.values().max().unwrap() - counts.values().min().unwrap() <= 1;
        if balanced {
            return counts;
        }
        assert!(Instant::now() < deadline, "shards not balanced: {counts:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn joining_daemons_share_shards() {
    let smtp = SmtpServer::start().await.unwrap();
    let database = TestDatabase::postgres();
    let mut connection = connect(&database);
    let mut observer = Observer::default();

    let a = Daemon::start("node-a", &database, smtp.port()).await;
    let alone = held_counts(&observer.round(&mut connection, &[&a]).await);
    assert_eq!(alone.get("node-a"), Some(&SHARDS), "{alone:?}");

    // A second daemon joins: the first hands shards over one at a time, and every shard has a
    // holder in every observation.
    let b = Daemon::start("node-b", &database, smtp.port()).await;
    let two = observe_until_balanced(&mut observer, &mut connection, &[&a, &b], 0).await;
    assert_eq!(
        two.values().copied().collect::<Vec<_>>(),
        [SHARDS / 2, SHARDS / 2]
    );

    // A third joins: both hand shards over, each one at a time.
    let mut c = Daemon::start("node-c", &database, smtp.port()).await;
    let three = observe_until_balanced(&mut observer, &mut connection, &[&a, &b, &c], 0).await;
    let mut shares: Vec<usize> = three.values().copied().collect();
    shares.sort_unstable();
    assert_eq!(shares, [10, 11, 11]);

    // A graceful stop hands the shards over to the others, so no shard is without a holder.
    let code = c.terminate().await;
    assert_eq!(code, Some(0));
    let after_stop = observe_until_balanced(&mut observer, &mut connection, &[&a, &b], 0).await;
    assert_eq!(after_stop.values().sum::<usize>(), SHARDS);
    assert!(
        observer.observations > 10,
        "{} observations",
        observer.observations
    );

    // Each daemon sees the stopped one gone at its next heartbeat.
    let deadline = Instant::now() + Duration::from_secs(30);
    let (metrics_a, metrics_b) = loop {
        let metrics_a = a.metrics().await;
        let metrics_b = b.metrics().await;
        let live_a = metric(&metrics_a, "vahti_cluster_nodes_live");
        let live_b = metric(&metrics_b, "vahti_cluster_nodes_live");
        if live_a == 2.0 && live_b == 2.0 {
            break (metrics_a, metrics_b);
        }
        assert!(
            Instant::now() < deadline,
            "live daemons seen by node-a: {live_a}, by node-b: {live_b}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    for metrics in [&metrics_a, &metrics_b] {
        assert_eq!(
            metric(
                metrics,
                "vahti_cluster_lease_takeovers_total{reason=\"expired\"}"
            ),
            0.0,
            "no lease may run out during joins and a graceful stop:\n{metrics}"
        );
        assert_eq!(
            metric(metrics, "vahti_cluster_leases_lost_total"),
            0.0,
            "{metrics}"
        );
    }
    assert!(
        metric(
            &metrics_b,
            "vahti_cluster_lease_takeovers_total{reason=\"handed_over\"}"
        ) >= 16.0,
        "{metrics_b}"
    );
    assert_eq!(
        metric(&metrics_a, "vahti_cluster_shards_held"),
        f64::from(u32::try_from(after_stop["node-a"]).unwrap()),
        "{metrics_a}"
    );

    // The per-shard series of /metrics name the shards the status endpoint lists.
    let view = a.cluster().await;
    let listed: BTreeSet<i64> = view["held"]
        .as_array()
        .unwrap()
        .iter()
        .map(|held| held["shard"].as_i64().unwrap())
        .collect();
    let metrics_a = a.metrics().await;
    for shard in 0..i64::try_from(SHARDS).unwrap() {
        let series = format!("vahti_cluster_shard_held{{shard=\"{shard}\"}}");
        let expected = if listed.contains(&shard) { 1.0 } else { 0.0 };
        assert_eq!(metric(&metrics_a, &series), expected, "{series}");
    }
    assert_eq!(listed.len(), after_stop["node-a"]);
}
