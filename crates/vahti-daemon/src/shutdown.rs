//! Graceful stop and reload: SIGTERM and SIGINT start a drain that every task can wait for, and
//! SIGHUP calls a reload hook.

use std::future::Future;
use std::io;
use std::sync::Arc;
use std::time::Duration;

use tokio::signal::unix::{Signal, SignalKind, signal};
use tokio::sync::watch;

/// A one-way switch shared by every task: once triggered, the daemon is stopping.
///
/// Clones share the switch. Tasks wait for it with [`ShutdownToken::triggered`], finish their
/// current unit of work, and return.
#[derive(Debug, Clone)]
pub struct ShutdownToken {
    state: Arc<watch::Sender<bool>>,
}

impl Default for ShutdownToken {
    fn default() -> Self {
        ShutdownToken::new()
    }
}

impl ShutdownToken {
    /// Creates a token that is not triggered yet.
    pub fn new() -> Self {
        let (sender, _) = watch::channel(false);
        ShutdownToken {
            state: Arc::new(sender),
        }
    }

    /// Starts the stop. Returns `true` for the first call and `false` when already stopping.
    pub fn trigger(&self) -> bool {
        self.state.send_if_modified(|stopping| {
            let first = !*stopping;
            *stopping = true;
            first
        })
    }

    /// Returns whether the stop has started.
    pub fn is_triggered(&self) -> bool {
        *self.state.borrow()
    }

    /// Waits until the stop starts; returns at once if it already has.
    pub async fn triggered(&self) {
        let mut receiver = self.state.subscribe();
        // The sender lives in `self`, so the channel cannot close while this waits.
        let _ = receiver.wait_for(|stopping| *stopping).await;
    }
}

/// The Unix signals the daemon handles, installed early so that a SIGTERM during start-up is not
/// lost.
#[derive(Debug)]
pub struct Signals {
    terminate: Signal,
    interrupt: Signal,
    hangup: Signal,
}

impl Signals {
    /// Installs the handlers. Must be called inside a tokio runtime.
    pub fn install() -> io::Result<Signals> {
        Ok(Signals {
            terminate: signal(SignalKind::terminate())?,
            interrupt: signal(SignalKind::interrupt())?,
            hangup: signal(SignalKind::hangup())?,
        })
    }

    /// Handles signals until the process ends: SIGTERM and SIGINT trigger `shutdown`, SIGHUP
    /// awaits `on_reload`. A second SIGTERM or SIGINT is logged and otherwise ignored, because
    /// the drain is already bounded by `server.shutdown_timeout_seconds`.
    pub async fn run<R, F>(mut self, shutdown: ShutdownToken, mut on_reload: R)
    where
        R: FnMut() -> F,
        F: Future<Output = ()>,
    {
        loop {
            let name = tokio::select! {
                Some(()) = self.terminate.recv() => "SIGTERM",
                Some(()) = self.interrupt.recv() => "SIGINT",
                Some(()) = self.hangup.recv() => {
                    tracing::info!(signal = "SIGHUP", "reloading the configuration");
                    on_reload().await;
                    continue;
                }
                else => return,
            };

            if shutdown.is_triggered() {
                tracing::warn!(signal = name, "already stopping; waiting for running work");
            } else {
                tracing::info!(signal = name, "stopping: finishing running work");
                shutdown.trigger();
            }
        }
    }
}

/// The drain did not finish within its time limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("running work did not finish within {} s; stopping anyway", limit.as_secs())]
pub struct DrainTimedOut {
    /// The time limit.
    pub limit: Duration,
}

/// Runs `drain` for at most `limit`, logging a warning when it runs out of time.
pub async fn drain_within<F: Future>(
    limit: Duration,
    drain: F,
) -> Result<F::Output, DrainTimedOut> {
    match tokio::time::timeout(limit, drain).await {
        Ok(output) => Ok(output),
        Err(_) => {
            let error = DrainTimedOut { limit };
            tracing::warn!(limit_seconds = limit.as_secs(), "{error}");
            Err(error)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_starts_untriggered() {
        assert!(!ShutdownToken::new().is_triggered());
    }

    #[test]
    fn trigger_reports_first_call() {
        let token = ShutdownToken::new();
        assert!(token.trigger());
        assert!(!token.trigger());
    }

    #[test]
    fn clones_share_trigger() {
        let token = ShutdownToken::new();
        let clone = token.clone();

        token.trigger();

        assert!(clone.is_triggered());
    }

    #[tokio::test]
    async fn waiter_wakes_on_trigger() {
        let token = ShutdownToken::new();
        let waiter = token.clone();
        let task = tokio::spawn(async move { waiter.triggered().await });

        token.trigger();

        tokio::time::timeout(Duration::from_secs(5), task)
            .await
            .unwrap()
            .unwrap();
    }

    #[tokio::test]
    async fn waiter_returns_when_already_triggered() {
        let token = ShutdownToken::new();
        token.trigger();

        tokio::time::timeout(Duration::from_secs(5), token.triggered())
            .await
            .unwrap();
    }

    #[tokio::test]
    async fn drain_within_returns_output() {
        let output = drain_within(Duration::from_secs(5), async { 7 }).await;
        assert_eq!(output, Ok(7));
    }

    #[tokio::test(start_paused = true)]
    async fn drain_within_times_out() {
        let limit = Duration::from_secs(30);

        let output = drain_within(limit, std::future::pending::<()>()).await;

        assert_eq!(output, Err(DrainTimedOut { limit }));
    }
}
