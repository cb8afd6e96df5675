//! Restart: time from starting a `vahtid` process until `/readyz` answers 200, on a database
//! with the daily run's invoices, against the same start on an empty database.
//!
//! The process is this binary with [`RUN_AS_VAHTID`] set, which runs `vahtid`'s own entry point
//! with the same code and configuration handling as the `vahtid` binary.

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use vahti_testkit::TestDatabase;

use super::Sizes;
use crate::daemon::{ADMIN_TOKEN, START};
use crate::report::{Figure, Goal};

/// The environment variable that makes this binary run as `vahtid`.
pub const RUN_AS_VAHTID: &str = "VAHTI_BENCH_RUN_AS_VAHTID";

/// How long one start may take before the scenario fails.
const START_LIMIT: Duration = Duration::from_secs(120);

/// The number of stored invoices the restart goal is set for.
const GOAL_INVOICES: usize = 1_000_000;

/// Runs the restart scenario on `stored`, a SQLite database holding `invoices` invoices.
pub async fn run(
    sizes: &Sizes,
    stored: &TestDatabase,
    invoices: usize,
) -> anyhow::Result<Vec<Figure>> {
    let empty = TestDatabase::sqlite();
    let runs = sizes.restart_runs.max(1);
    let with_data = median_start(stored, runs).await?;
    let baseline = median_start(&empty, runs).await?;
    let setup = format!(
        "median of {runs} starts of a vahtid process on SQLite with {invoices} invoices stored, \
         after one start that is not counted"
    );
    Ok(vec![
        Figure::new(
            "restart",
            "time until ready",
            with_data.as_secs_f64(),
            "s",
            setup,
        )
        .baseline("same start, empty database", baseline.as_secs_f64())
        .goal(Goal::AtMost(2.0))
        .sized(invoices, GOAL_INVOICES),
    ])
}

async fn median_start(database: &TestDatabase, runs: usize) -> anyhow::Result<Duration> {
    let dir = tempfile::tempdir()?;
    // The first start applies any pending migrations, which a restart does not do.
    start_and_stop(database, dir.path()).await?;
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        times.push(start_and_stop(database, dir.path()).await?);
    }
    times.sort_unstable();
    Ok(times[times.len() / 2])
}

/// Starts `vahtid`, waits until it is ready, stops it with SIGTERM, and returns the time from
/// spawning the process until the first 200 from `/readyz`.
async fn start_and_stop(
    database: &TestDatabase,
    data_dir: &std::path::Path,
) -> anyhow::Result<Duration> {
    let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
    let exe = std::env::current_exe().context("failed to find this binary")?;
    let started = Instant::now();
    let child = Command::new(exe)
        .arg("run")
        .env(RUN_AS_VAHTID, "1")
        .env("VAHTI__DATABASE__URL", database.url())
        .env("VAHTI__DAEMON__DATA_DIR", data_dir)
        .env("VAHTI__SERVER__LISTEN", format!("127.0.0.1:{port}"))
        .env("VAHTI__ADMIN__TOKEN", ADMIN_TOKEN)
        .env("VAHTI__CLOCK__MODE", "manual")
        .env("VAHTI__CLOCK__START", START)
        .env("VAHTI__MAIL__TRANSPORT", "file")
        .env("VAHTI__MAIL__FILE_DIR", data_dir.join("mail"))
        .env("VAHTI__LOG__LEVEL", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .context("failed to start vahtid")?;
    let mut child = Guard(child);
    let client = reqwest::Client::new();
    let url = format!("http://127.0.0.1:{port}{}", vahti_api::paths::READYZ);
    let ready = loop {
        if let Ok(response) = client.get(&url).send().await
            && response.status().is_success()
        {
            break started.elapsed();
        }
        if let Some(status) = child.0.try_wait()? {
            bail!("vahtid exited with {status} before it was ready");
        }
        if started.elapsed() > START_LIMIT {
            bail!("vahtid was not ready within {START_LIMIT:?}");
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    };

    let pid = child.0.id().to_string();
    let signalled = Command::new("kill").args(["-TERM", &pid]).status()?;
    if !signalled.success() {
        bail!("failed to send SIGTERM to vahtid {pid}");
    }
    let waited = tokio::task::spawn_blocking(move || {
        let status = child.0.wait();
        (child, status)
    })
    .await?;
    let status = waited.1?;
    if !status.success() {
        bail!("vahtid exited with {status} after SIGTERM");
    }
    Ok(ready)
}

/// Kills the child process if the scenario fails before stopping it.
struct Guard(Child);

impl Drop for Guard {
    fn drop(&mut self) {
        if matches!(self.0.try_wait(), Ok(None)) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
}
