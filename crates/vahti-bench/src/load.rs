//! An open-loop load generator: it starts requests at a fixed rate whether or not earlier ones
//! finished, and measures each latency from the instant the request was due to start. A server
//! that falls behind therefore shows its queueing delay in the latencies instead of slowing the
//! generator down, which a closed loop such as `wrk` would hide.

use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, anyhow};
use tokio::time::Instant;

/// The latencies of one run.
#[derive(Debug, Clone)]
pub struct LoadReport {
    /// Requests started.
    pub sent: usize,
    /// Requests that failed or got a status other than 2xx.
    pub errors: usize,
    /// The first error, for the log.
    pub first_error: Option<String>,
    /// Median latency.
    pub p50: Duration,
    /// 99th percentile latency.
    pub p99: Duration,
    /// Largest latency.
    pub max: Duration,
    /// Requests completed per second over the run.
    pub achieved_rate: f64,
}

/// Builds request number `index` on the generator's client.
pub type MakeRequest = dyn Fn(&reqwest::Client, usize) -> reqwest::RequestBuilder + Send + Sync;

/// Sends `rate` requests per second for `duration`, on a thread and runtime of its own so that
/// it does not share the runtime of the server under test.
pub fn fixed_rate(
    rate: u32,
    duration: Duration,
    make_request: Arc<MakeRequest>,
) -> anyhow::Result<LoadReport> {
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .context("failed to start the load generator's runtime")?;
        runtime.block_on(generate(rate, duration, make_request))
    })
    .join()
    .map_err(|_| anyhow!("the load generator panicked"))?
}

async fn generate(
    rate: u32,
    duration: Duration,
    make_request: Arc<MakeRequest>,
) -> anyhow::Result<LoadReport> {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(1024)
        .tcp_nodelay(true)
        .build()?;
    let total = usize::try_from(u64::from(rate) * duration.as_secs()).unwrap_or(usize::MAX);
    let interval = Duration::from_secs(1) / rate.max(1);
    let start = Instant::now();
    let mut tasks = Vec::with_capacity(total);
    for index in 0..total {
        let due = start + interval * u32::try_from(index).unwrap_or(u32::MAX);
        tokio::time::sleep_until(due).await;
        let request = make_request(&client, index);
        tasks.push(tokio::spawn(async move {
            let outcome = match request.send().await {
                Ok(response) => {
                    let status = response.status();
                    match response.bytes().await {
                        Ok(_) if status.is_success() => Ok(()),
                        Ok(body) => Err(format!(
                            "status {status}: {}",
                            String::from_utf8_lossy(&body)
                        )),
                        Err(error) => Err(error.to_string()),
                    }
                }
                Err(error) => Err(error.to_string()),
            };
            (due.elapsed(), outcome)
        }));
    }

    let mut latencies = Vec::with_capacity(total);
    let mut errors = 0;
    let mut first_error = None;
    for task in tasks {
        let (latency, outcome) = task.await.context("a request task panicked")?;
        latencies.push(latency);
        if let Err(error) = outcome {
            errors += 1;
            first_error.get_or_insert(error);
        }
    }
    let elapsed = start.elapsed();
    latencies.sort_unstable();
    let percentile = |fraction: f64| -> Duration {
        let last = latencies.len().saturating_sub(1);
        let index = ((last as f64) * fraction).round() as usize;
        latencies.get(index.min(last)).copied().unwrap_or_default()
    };
    Ok(LoadReport {
        sent: total,
        errors,
        first_error,
        p50: percentile(0.50),
        p99: percentile(0.99),
        max: latencies.last().copied().unwrap_or_default(),
        achieved_rate: total as f64 / elapsed.as_secs_f64(),
    })
}
