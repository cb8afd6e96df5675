//! `vahti-bench`: runs Vahti's whole-system benchmark scenarios and prints their figures as a
//! Markdown table. See docs/benchmarks.md.

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, ValueEnum};
use vahti_bench::report::{self, Figure};
use vahti_bench::scenarios::{self, Sizes, restart::RUN_AS_VAHTID};
use vahti_testkit::{Backend, TestDatabase};

/// Runs Vahti's benchmark scenarios against a daemon in this process and prints the figures.
#[derive(Debug, Parser)]
#[command(name = "vahti-bench", version)]
struct Cli {
    /// The data sizes: `tiny` proves the harness in seconds, `full` uses the sizes of the goals.
    #[arg(long, value_enum, default_value = "full")]
    size: Size,
    /// The scenarios to run, in this order; every scenario when none is given.
    #[arg(value_enum)]
    scenarios: Vec<Scenario>,
    /// Overrides the number of accounts in the daily run (10 open invoices each at full size).
    #[arg(long)]
    daily_accounts: Option<usize>,
    /// Overrides the number of registered accounts in the memory scenario.
    #[arg(long)]
    memory_registered: Option<usize>,
    /// Overrides the number of ingested invoices.
    #[arg(long)]
    ingest_invoices: Option<usize>,
    /// Overrides the number of emails.
    #[arg(long)]
    email_messages: Option<usize>,
    /// Overrides the number of SMTP connections for emails.
    #[arg(long)]
    email_connections: Option<u32>,
    /// Overrides the API scenario's rate, in upserts per second.
    #[arg(long)]
    api_rate: Option<u32>,
    /// Writes the figures as JSON to this file too.
    #[arg(long)]
    json: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Size {
    Tiny,
    Medium,
    Full,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Scenario {
    IngestSqlite,
    IngestPostgres,
    Daily,
    Email,
    Memory,
    Restart,
    Api,
}

fn main() -> ExitCode {
    if std::env::var_os(RUN_AS_VAHTID).is_some() {
        return vahti_daemon::cli::main();
    }
    let cli = Cli::parse();
    let result = actix_rt::System::with_tokio_rt(|| {
        tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .unwrap_or_else(|error| panic!("failed to start the async runtime: {error}"))
    })
    .block_on(run(cli));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("vahti-bench: {error:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let mut sizes = match cli.size {
        Size::Tiny => Sizes::tiny(),
        Size::Medium => Sizes::medium(),
        Size::Full => Sizes::full(),
    };
    if let Some(accounts) = cli.daily_accounts {
        sizes.daily_accounts = accounts;
    }
    if let Some(registered) = cli.memory_registered {
        sizes.memory_registered = registered;
    }
    if let Some(invoices) = cli.ingest_invoices {
        sizes.ingest_invoices = invoices;
    }
    if let Some(messages) = cli.email_messages {
        sizes.email_messages = messages;
    }
    if let Some(connections) = cli.email_connections {
        sizes.email_connections = connections;
    }
    if let Some(rate) = cli.api_rate {
        sizes.api_rate = rate.max(1);
    }
    let selected = if cli.scenarios.is_empty() {
        vec![
            Scenario::IngestSqlite,
            Scenario::IngestPostgres,
            Scenario::Daily,
            Scenario::Restart,
            Scenario::Email,
            Scenario::Memory,
            Scenario::Api,
        ]
    } else {
        cli.scenarios
    };

    eprintln!("machine: {}", report::machine());
    let mut figures: Vec<Figure> = Vec::new();
    let mut daily_database: Option<(TestDatabase, usize)> = None;
    for scenario in selected {
        eprintln!("running {scenario:?}");
        let started = std::time::Instant::now();
        let produced = match scenario {
            Scenario::IngestSqlite => scenarios::ingest::run(Backend::Sqlite, &sizes).await?,
            Scenario::IngestPostgres => scenarios::ingest::run(Backend::Postgres, &sizes).await?,
            Scenario::Daily => {
                let (produced, database) = scenarios::daily::run(&sizes).await?;
                let invoices = sizes.daily_accounts * sizes.daily_invoices_per_account;
                daily_database = Some((database, invoices));
                produced
            }
            Scenario::Restart => {
                if daily_database.is_none() {
                    let database = scenarios::daily::seeded(&sizes).await?;
                    let invoices = sizes.daily_accounts * sizes.daily_invoices_per_account;
                    daily_database = Some((database, invoices));
                }
                let (database, invoices) = daily_database
                    .as_ref()
                    .context("the daily database is missing")?;
                scenarios::restart::run(&sizes, database, *invoices).await?
            }
            Scenario::Email => scenarios::email::run(&sizes).await?,
            Scenario::Memory => scenarios::memory::run(&sizes).await?,
            Scenario::Api => scenarios::api::run(&sizes).await?,
        };
        eprintln!(
            "finished {scenario:?} in {:.1} s",
            started.elapsed().as_secs_f64()
        );
        // Each figure goes to standard error as soon as it is measured, so that a run that
        // fails later still leaves the figures of the scenarios before.
        for figure in &produced {
            let baseline = figure.baseline.map_or_else(String::new, |value| {
                format!(
                    "; {}: {} {}",
                    figure.baseline_name,
                    report::number(value),
                    figure.unit
                )
            });
            eprintln!(
                "  {}: {} {}{baseline}",
                figure.name,
                report::number(figure.value),
                figure.unit
            );
        }
        figures.extend(produced);
    }

    let mut output = report::table(&figures);
    for figure in &figures {
        output.push_str(&format!(
            "- {} / {}: {}\n",
            figure.scenario, figure.name, figure.setup
        ));
    }
    std::io::stdout()
        .write_all(output.as_bytes())
        .context("failed to write the figures")?;
    if let Some(path) = cli.json {
        let json = serde_json::to_string_pretty(&figures)?;
        std::fs::write(&path, json)
            .with_context(|| format!("failed to write {}", path.display()))?;
    }
    Ok(())
}
