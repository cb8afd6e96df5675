//! systemd integration through `sd_notify`: readiness, status text, stopping, and the watchdog.
//!
//! Every function does nothing when `NOTIFY_SOCKET` is not set, that is when the daemon does not
//! run under systemd with `Type=notify`. A failed notification is logged as a warning and never
//! stops the daemon.

use std::future::Future;
use std::time::Duration;

use sd_notify::NotifyState;
use tokio::task::JoinHandle;
use tokio::time::MissedTickBehavior;

/// Returns whether systemd listens for notifications from this process.
pub fn is_supervised() -> bool {
    std::env::var_os("NOTIFY_SOCKET").is_some()
}

/// Tells systemd that start-up is complete (`READY=1`). Call it once migrations have run and the
/// listener and the scheduler are up.
pub fn notify_ready() {
    send(&[NotifyState::Ready]);
}

/// Sets the one-line status that `systemctl status` shows (`STATUS=...`).
pub fn notify_status(status: &str) {
    send(&[NotifyState::Status(status)]);
}

/// Tells systemd that the daemon is stopping (`STOPPING=1`).
pub fn notify_stopping() {
    send(&[NotifyState::Stopping]);
}

fn send(states: &[NotifyState<'_>]) {
    if let Err(error) = sd_notify::notify(states) {
        let message: Vec<String> = states.iter().map(ToString::to_string).collect();
        tracing::warn!(
            error = %error,
            notification = %message.join(" "),
            "failed to notify systemd"
        );
    }
}

/// Returns the watchdog interval (`WatchdogSec=`) that systemd expects pings within, if the
/// watchdog is on for this process.
pub fn watchdog_interval() -> Option<Duration> {
    sd_notify::watchdog_enabled().filter(|interval| !interval.is_zero())
}

/// Starts a task that sends `WATCHDOG=1` at half the watchdog interval while `health` returns
/// `true`.
///
/// While the check fails no pings are sent, so systemd restarts the service once the interval
/// passes without one. A check that hangs has the same effect. Returns `None` when the watchdog
/// is off. The task runs until it is aborted or the runtime stops, so pings continue during a
/// graceful drain. Must be called inside a tokio runtime.
pub fn spawn_watchdog<H, F>(health: H) -> Option<JoinHandle<()>>
where
    H: Fn() -> F + Send + 'static,
    F: Future<Output = bool> + Send + 'static,
{
    let interval = watchdog_interval()?;
    let period = interval / 2;
    tracing::info!(
        interval_ms = interval.as_millis(),
        "systemd watchdog on; pinging while healthy"
    );
    Some(tokio::spawn(ping_while_healthy(period, health)))
}

async fn ping_while_healthy<H, F>(period: Duration, health: H)
where
    H: Fn() -> F,
    F: Future<Output = bool>,
{
    // The first ping waits one period, so that READY=1 goes out before any ping.
    let mut ticker = tokio::time::interval_at(tokio::time::Instant::now() + period, period);
    ticker.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let mut was_healthy = true;

    loop {
        ticker.tick().await;
        let healthy = health().await;

        if healthy {
            send(&[NotifyState::Watchdog]);
            if !was_healthy {
                tracing::info!("health check passes again; watchdog pings resumed");
            }
        } else if was_healthy {
            tracing::warn!(
                "health check failed; watchdog pings paused, so systemd restarts the service \
                 unless it recovers within the watchdog interval"
            );
        }
        was_healthy = healthy;
    }
}
