//! The daemon's source of the current time: the system clock in production, and in tests and
//! demonstrations a manual clock that moves only when it is set or advanced.

use std::fmt;
use std::sync::Arc;

use chrono::{DateTime, TimeDelta, Utc};
use tokio::sync::watch;
use vahti_domain::ErrorCode;

use crate::config::{ClockConfig, ClockMode};

/// A source of the current instant.
pub trait Clock: Send + Sync + fmt::Debug {
    /// Returns the current instant.
    fn now(&self) -> DateTime<Utc>;

    /// Returns a receiver that is notified of every change of a clock that jumps, or `None` for a
    /// clock that runs on its own. The scheduler waits on it so that it wakes at once when a
    /// manual clock moves.
    fn subscribe(&self) -> Option<watch::Receiver<DateTime<Utc>>> {
        None
    }

    /// Returns the manual clock behind this clock, if it is one.
    fn as_manual(&self) -> Option<&ManualClock> {
        None
    }
}

/// A clock shared by every part of the daemon.
pub type SharedClock = Arc<dyn Clock>;

/// Builds the clock the configuration selects. A manual clock without `clock.start` starts at the
/// current system time.
pub fn from_config(config: &ClockConfig) -> SharedClock {
    match config.mode {
        ClockMode::System => Arc::new(SystemClock),
        ClockMode::Manual => Arc::new(ManualClock::new(config.start.unwrap_or_else(Utc::now))),
    }
}

/// The operating system's clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that stays at one instant until it is set or advanced, and never goes backwards.
///
/// Clones share the same time, so the admin endpoint can hold one while the daemon reads another.
#[derive(Clone)]
pub struct ManualClock {
    time: Arc<watch::Sender<DateTime<Utc>>>,
}

/// An error in moving a manual clock.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClockError {
    /// The requested instant is before the clock's current time.
    #[error(
        "cannot move the clock back from {current} to {requested}: a manual clock only moves \
         forward; restart the daemon to start again from an earlier time"
    )]
    Backwards {
        /// The clock's time.
        current: DateTime<Utc>,
        /// The requested time.
        requested: DateTime<Utc>,
    },

    /// The step is negative.
    #[error("cannot advance the clock by {step}: the step must be zero or positive")]
    NegativeStep {
        /// The requested step.
        step: TimeDelta,
    },

    /// The result lies beyond the range of dates that can be represented.
    #[error("cannot advance the clock from {current} by {step}: the result is out of range")]
    OutOfRange {
        /// The clock's time.
        current: DateTime<Utc>,
        /// The requested step.
        step: TimeDelta,
    },
}

impl ErrorCode for ClockError {
    fn code(&self) -> &'static str {
        match self {
            ClockError::Backwards { .. } => "clock_backwards",
            ClockError::NegativeStep { .. } => "clock_negative_step",
            ClockError::OutOfRange { .. } => "clock_out_of_range",
        }
    }
}

impl ManualClock {
    /// Creates a clock at `start`.
    pub fn new(start: DateTime<Utc>) -> Self {
        let (sender, _) = watch::channel(start);
        ManualClock {
            time: Arc::new(sender),
        }
    }

    /// Moves the clock to `instant` and returns it. Setting the current time again is allowed and
    /// notifies no subscriber.
    pub fn set(&self, instant: DateTime<Utc>) -> Result<DateTime<Utc>, ClockError> {
        let mut result = Ok(instant);
        self.time.send_if_modified(|current| {
            if instant < *current {
                result = Err(ClockError::Backwards {
                    current: *current,
                    requested: instant,
                });
                return false;
            }
            let changed = instant != *current;
            *current = instant;
            changed
        });
        result
    }

    /// Moves the clock forward by `step` and returns the new time.
    pub fn advance(&self, step: TimeDelta) -> Result<DateTime<Utc>, ClockError> {
        if step < TimeDelta::zero() {
            return Err(ClockError::NegativeStep { step });
        }
        let mut result = Err(ClockError::NegativeStep { step });
        self.time
            .send_if_modified(|current| match current.checked_add_signed(step) {
                Some(next) => {
                    result = Ok(next);
                    let changed = next != *current;
                    *current = next;
                    changed
                }
                None => {
                    result = Err(ClockError::OutOfRange {
                        current: *current,
                        step,
                    });
                    false
                }
            });
        result
    }
}

impl fmt::Debug for ManualClock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ManualClock")
            .field("now", &*self.time.borrow())
            .finish()
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        *self.time.borrow()
    }

    fn subscribe(&self) -> Option<watch::Receiver<DateTime<Utc>>> {
        Some(self.time.subscribe())
    }

    fn as_manual(&self) -> Option<&ManualClock> {
        Some(self)
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn instant(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn manual_clock_starts_at_start() {
        let clock = ManualClock::new(instant("2025-01-31T09:00:00Z"));
        assert_eq!(clock.now(), instant("2025-01-31T09:00:00Z"));
    }

    #[test]
    fn manual_clock_set_moves_forward() {
        let clock = ManualClock::new(instant("2025-01-31T09:00:00Z"));

        let now = clock.set(instant("2025-02-14T12:00:00Z")).unwrap();

        assert_eq!(now, instant("2025-02-14T12:00:00Z"));
        assert_eq!(clock.now(), instant("2025-02-14T12:00:00Z"));
    }

    #[test]
    fn manual_clock_set_backwards_rejected() {
        let clock = ManualClock::new(instant("2025-01-31T09:00:00Z"));

        let error = clock.set(instant("2025-01-30T09:00:00Z")).unwrap_err();

        assert_eq!(error.code(), "clock_backwards");
        assert_eq!(clock.now(), instant("2025-01-31T09:00:00Z"));
    }

    #[test]
    fn manual_clock_advance_adds_step() {
        let clock = ManualClock::new(instant("2025-01-31T09:00:00Z"));

        let now = clock.advance(TimeDelta::days(14)).unwrap();

        assert_eq!(now, instant("2025-02-14T09:00:00Z"));
        assert_eq!(clock.now(), now);
    }

    #[test]
    fn manual_clock_negative_step_rejected() {
        let clock = ManualClock::new(instant("2025-01-31T09:00:00Z"));

        let error = clock.advance(TimeDelta::seconds(-1)).unwrap_err();

        assert_eq!(error.code(), "clock_negative_step");
        assert_eq!(clock.now(), instant("2025-01-31T09:00:00Z"));
    }

    #[test]
    fn manual_clock_overflow_rejected() {
        let clock = ManualClock::new(DateTime::<Utc>::MAX_UTC);

        let error = clock.advance(TimeDelta::seconds(1)).unwrap_err();

        assert_eq!(error.code(), "clock_out_of_range");
    }

    #[test]
    fn clones_share_time() {
        let clock = ManualClock::new(instant("2025-01-31T09:00:00Z"));
        let other = clock.clone();

        clock.advance(TimeDelta::hours(1)).unwrap();

        assert_eq!(other.now(), instant("2025-01-31T10:00:00Z"));
    }

    #[test]
    fn shared_clock_gives_back_manual() {
        let shared: SharedClock = Arc::new(ManualClock::new(instant("2025-01-31T09:00:00Z")));

        let manual = shared.as_manual().unwrap().clone();
        manual.advance(TimeDelta::minutes(5)).unwrap();

        assert_eq!(shared.now(), instant("2025-01-31T09:05:00Z"));
    }

    #[test]
    fn system_clock_is_not_manual() {
        let shared: SharedClock = Arc::new(SystemClock);
        assert!(shared.as_manual().is_none());
        assert!(shared.subscribe().is_none());
    }

    #[tokio::test]
    async fn subscriber_wakes_on_advance() {
        let clock = ManualClock::new(instant("2025-01-31T09:00:00Z"));
        let mut changes = clock.subscribe().unwrap();
        let mover = clock.clone();

        let task = tokio::spawn(async move {
            changes.changed().await.unwrap();
            *changes.borrow_and_update()
        });
        mover.advance(TimeDelta::days(1)).unwrap();
        let seen = tokio::time::timeout(Duration::from_secs(5), task)
            .await
            .unwrap()
            .unwrap();

        assert_eq!(seen, instant("2025-02-01T09:00:00Z"));
    }

    #[tokio::test]
    async fn subscriber_not_woken_by_same_time() {
        let clock = ManualClock::new(instant("2025-01-31T09:00:00Z"));
        let changes = clock.subscribe().unwrap();

        clock.set(instant("2025-01-31T09:00:00Z")).unwrap();

        assert!(!changes.has_changed().unwrap());
    }

    #[tokio::test]
    async fn subscriber_not_woken_by_rejected_set() {
        let clock = ManualClock::new(instant("2025-01-31T09:00:00Z"));
        let changes = clock.subscribe().unwrap();

        clock.set(instant("2025-01-01T00:00:00Z")).unwrap_err();

        assert!(!changes.has_changed().unwrap());
    }

    #[test]
    fn from_config_manual_uses_start() {
        let config = ClockConfig {
            mode: ClockMode::Manual,
            start: Some(instant("2025-01-31T09:00:00Z")),
        };

        let clock = from_config(&config);

        assert_eq!(clock.now(), instant("2025-01-31T09:00:00Z"));
        assert!(clock.as_manual().is_some());
    }
}
