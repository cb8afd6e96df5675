//! `vahti demo`: a whole collection run in a minute.
//!
//! The demo starts the daemon inside this process on its embedded defaults (a SQLite database and
//! `.eml` files in a fresh directory, the manual clock at Monday 2026-03-02 09:00 Helsinki time),
//! creates a tenant with the default consumer and business policies, creates the debtors, imports
//! the invoice files that ship in `crates/vahti-cli/demo/`, moves the clock forward one day at a
//! time, imports the bank statement on 2026-03-26, and prints a timeline of every message and an
//! aging summary. Everything goes through the public HTTP API with the SDK.

#![expect(
    clippy::print_stdout,
    reason = "the demo reports its progress and results on standard output"
)]

mod daemon;
mod timeline;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Instant;

use indicatif::{ProgressBar, ProgressStyle};
use serde_json::Value;
use vahti_sdk::Client;
use vahti_sdk::api::{
    AgingQuery, ApprovePendingRequest, ClockRequest, CreateTenantRequest, EventsQuery,
    UpsertAccountRequest,
};

use self::daemon::DemoDaemon;
use self::timeline::Timeline;
use crate::error::CliError;

/// The creditor, as the body of `POST /v1/tenants`.
const TENANT: &str = include_str!("../../demo/tenant.json");
/// The debtors, keyed by external id, as bodies of `PUT /v1/accounts/{external_id}`.
const ACCOUNTS: &str = include_str!("../../demo/accounts.json");
/// The invoice files, in import order: the credit note comes after the invoice it corrects.
const INVOICE_FILES: [(&str, &[u8]); 5] = [
    (
        "finvoice-3.0-koivunlehti.xml",
        include_bytes!("../../demo/finvoice-3.0-koivunlehti.xml"),
    ),
    (
        "finvoice-3.0-consumers-soap.xml",
        include_bytes!("../../demo/finvoice-3.0-consumers-soap.xml"),
    ),
    (
        "finvoice-2.01-swedish.xml",
        include_bytes!("../../demo/finvoice-2.01-swedish.xml"),
    ),
    (
        "peppol-invoice-4096.xml",
        include_bytes!("../../demo/peppol-invoice-4096.xml"),
    ),
    (
        "peppol-creditnote-4105.xml",
        include_bytes!("../../demo/peppol-creditnote-4105.xml"),
    ),
];
/// The bank statement, imported when the clock reaches [`STATEMENT_DAY`].
const STATEMENT: (&str, &[u8]) = (
    "statement-2026-03.camt054.xml",
    include_bytes!("../../demo/statement-2026-03.camt054.xml"),
);
/// The day a bank would deliver the statement: after its last booking day, 2026-03-25.
const STATEMENT_DAY: u32 = 24;

/// Options of the demo.
#[derive(Debug, Clone)]
pub struct DemoOptions {
    /// Days to run the clock forward.
    pub days: u32,
    /// Where to keep the database and the emails; a new directory under the system's temporary
    /// directory when absent.
    pub out: Option<PathBuf>,
}

/// Runs the demonstration.
pub async fn run(options: DemoOptions) -> Result<(), CliError> {
    let started = Instant::now();
    let dir = match &options.out {
        Some(dir) => dir.clone(),
        None => std::env::temp_dir().join(format!("vahti-demo-{}", std::process::id())),
    };
    if dir.join("vahti.db").exists() {
        return Err(CliError::Usage(format!(
            "{} already holds a demo database; choose another --out directory or remove it",
            dir.display()
        )));
    }
    std::fs::create_dir_all(&dir).map_err(|error| input_error(&dir, error.to_string()))?;

    println!(
        "Starting vahtid in this process; its data goes to {}",
        dir.display()
    );
    let daemon = DemoDaemon::start(&dir).map_err(CliError::Runtime)?;
    let result = run_scenario(&daemon, &options).await;
    daemon.stop();

    let mail_dir = dir.join("mail");
    result.map(|()| {
        println!();
        println!(
            "Done in {:.1} s. The emails are in {} and open in any mail client.",
            started.elapsed().as_secs_f64(),
            mail_dir.display()
        );
    })
}

async fn run_scenario(daemon: &DemoDaemon, options: &DemoOptions) -> Result<(), CliError> {
    let admin = client(&daemon.base_url, &daemon.admin_token)?;
    let tenant: CreateTenantRequest = serde_json::from_str(TENANT).map_err(embedded_error)?;
    let created = admin.admin().tenants().create(&tenant).await?;
    println!(
        "Created tenant {} with the default consumer and business policies",
        created.tenant.name
    );
    let api = client(&daemon.base_url, &created.token.token)?;

    let accounts: BTreeMap<String, UpsertAccountRequest> =
        serde_json::from_str(ACCOUNTS).map_err(embedded_error)?;
    for (external_id, account) in &accounts {
        api.accounts().upsert(external_id, account).await?;
    }
    println!("Created {} accounts", accounts.len());

    for (name, bytes) in INVOICE_FILES {
        let report = api.imports().invoices(bytes.to_vec()).await?;
        println!(
            "Imported {name}: {} created, {} updated, {} warnings",
            report.created,
            report.updated,
            report.warnings.len()
        );
    }

    let mut timeline = Timeline::new(&accounts);
    let mut after: Option<i64> = None;
    let progress = ProgressBar::new(u64::from(options.days));
    progress.set_style(
        ProgressStyle::with_template("{prefix} [{bar:40}] day {pos}/{len}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );

    for day in 0..=options.days {
        if day > 0 {
            admin
                .admin()
                .clock()
                .change(&ClockRequest {
                    set: None,
                    advance_seconds: Some(86_400),
                    wait: true,
                })
                .await?;
        } else {
            admin
                .admin()
                .clock()
                .change(&ClockRequest {
                    set: None,
                    advance_seconds: Some(0),
                    wait: true,
                })
                .await?;
        }
        if day == STATEMENT_DAY {
            let report = api.imports().payments(STATEMENT.1.to_vec()).await?;
            let today = admin.admin().clock().get().await?.now;
            timeline.note_import(
                today
                    .with_timezone(&chrono_tz::Europe::Helsinki)
                    .date_naive(),
                STATEMENT.0,
                report.created,
                report.duplicates_skipped,
                report.warnings.len(),
            );
        }
        after = collect_events(&api, after, &mut timeline).await?;
        let now = admin.admin().clock().get().await?.now;
        progress.set_prefix(now.format("%Y-%m-%d").to_string());
        progress.set_position(u64::from(day));
    }
    progress.finish_and_clear();

    timeline.print();
    print_aging(&api).await?;
    Ok(())
}

async fn collect_events(
    api: &Client,
    mut after: Option<i64>,
    timeline: &mut Timeline,
) -> Result<Option<i64>, CliError> {
    loop {
        let response = api
            .events()
            .list(&EventsQuery {
                after,
                limit: Some(1000),
                wait: None,
            })
            .await?;
        if response.events.is_empty() {
            return Ok(after);
        }
        for event in &response.events {
            if let Some(letter) = timeline.record(event) {
                // The demo acts as the creditor: it posts the letter and records that it did,
                // so that the next step of the policy can follow.
                let approval = ApprovePendingRequest {
                    note: Some("posted by the demo".to_owned()),
                    ..ApprovePendingRequest::default()
                };
                let action = api.pending().approve(letter, &approval).await?;
                timeline.note_letter_approved(&action);
            }
            after = Some(event.seq);
        }
    }
}

async fn print_aging(api: &Client) -> Result<(), CliError> {
    let report = api.reports().aging(&AgingQuery { as_of: None }).await?;
    println!();
    println!("Aging on {} (amount and number of invoices)", report.as_of);
    println!(
        "{}",
        aging_line([
            "currency",
            "not due",
            "1-14 days",
            "15-30 days",
            "31-60 days",
            "61-90 days",
            "over 90",
            "total",
        ])
    );
    for row in &report.currencies {
        let cell =
            |bucket: &vahti_sdk::api::AgingBucket| format!("{} ({})", bucket.amount, bucket.count);
        let cells = [
            row.currency.clone(),
            cell(&row.not_due),
            cell(&row.days_1_14),
            cell(&row.days_15_30),
            cell(&row.days_31_60),
            cell(&row.days_61_90),
            cell(&row.days_over_90),
            cell(&row.total),
        ];
        println!("{}", aging_line(cells.each_ref().map(String::as_str)));
    }
    Ok(())
}

/// One line of the aging table.
fn aging_line(cells: [&str; 8]) -> String {
    let [currency, rest @ ..] = cells;
    let mut line = format!("{currency:<8}");
    for cell in rest {
        line.push_str(&format!(" {cell:>16}"));
    }
    line
}

fn client(base_url: &str, token: &str) -> Result<Client, CliError> {
    Client::builder()
        .base_url(base_url)
        .token(token)
        .timeout(std::time::Duration::from_secs(120))
        .build()
        .map_err(|error| CliError::Sdk(error.into()))
}

fn embedded_error(error: serde_json::Error) -> CliError {
    CliError::Runtime(format!("the demo's embedded data is invalid: {error}"))
}

fn input_error(path: &std::path::Path, message: String) -> CliError {
    CliError::Input {
        path: path.to_path_buf(),
        message,
    }
}

/// A string field of an event's data.
fn text(data: &Value, key: &str) -> Option<String> {
    data.get(key).and_then(Value::as_str).map(str::to_owned)
}
