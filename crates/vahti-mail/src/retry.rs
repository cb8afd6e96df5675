//! The retry decision after a failed delivery: exponential backoff with full jitter, bounded by a
//! maximum age, and no retry for permanent errors.
//!
//! With full jitter the wait before attempt `n + 1` is drawn uniformly from zero to
//! `min(max_delay, base_delay * 2^(n - 1))`, which spreads the retries of many messages that
//! failed together (a relay outage) instead of sending them back in waves.

use std::time::Duration;

use rand::Rng;

use crate::transport::DeliveryError;

/// The default wait cap after the first failed attempt.
pub const DEFAULT_BASE_DELAY: Duration = Duration::from_secs(30);

/// The default maximum wait between two attempts.
pub const DEFAULT_MAX_DELAY: Duration = Duration::from_secs(60 * 60);

/// The default time after the first attempt when a message stops being retried: three days, so
/// a relay outage over a long weekend does not lose reminders.
pub const DEFAULT_MAX_AGE: Duration = Duration::from_secs(3 * 24 * 60 * 60);

/// The retry schedule of failed deliveries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// The wait cap after the first failure; each further failure doubles it.
    pub base_delay: Duration,
    /// The maximum wait cap.
    pub max_delay: Duration,
    /// The time after the first attempt after which a message fails instead of being retried.
    pub max_age: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            base_delay: DEFAULT_BASE_DELAY,
            max_delay: DEFAULT_MAX_DELAY,
            max_age: DEFAULT_MAX_AGE,
        }
    }
}

/// The outcome for a message after a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryDecision {
    /// Try again after the wait.
    RetryAfter(Duration),
    /// Give up and record the message as failed.
    Fail(FailReason),
}

/// The reason a message is given up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailReason {
    /// The relay refused the message permanently.
    Permanent,
    /// The next attempt would come after the maximum age.
    Expired,
}

impl RetryPolicy {
    /// The wait cap before the attempt after `attempts` failed ones: `base_delay` after the
    /// first, doubling up to `max_delay`.
    pub fn delay_cap(&self, attempts: u32) -> Duration {
        let doublings = attempts.saturating_sub(1);
        let factor = 2_u32.checked_pow(doublings).unwrap_or(u32::MAX);
        self.base_delay
            .checked_mul(factor)
            .unwrap_or(Duration::MAX)
            .min(self.max_delay)
    }

    /// Decides what follows a failed attempt.
    ///
    /// `attempts` counts the attempts made so far, this one included, and `age` is the time since
    /// the first attempt. `rng` draws the jitter; pass a seeded generator in tests.
    pub fn decide<R: Rng + ?Sized>(
        &self,
        error: &DeliveryError,
        attempts: u32,
        age: Duration,
        rng: &mut R,
    ) -> RetryDecision {
        if error.is_permanent() {
            return RetryDecision::Fail(FailReason::Permanent);
        }

        let cap = self.delay_cap(attempts);
        let cap_ms = u64::try_from(cap.as_millis()).unwrap_or(u64::MAX);
        let delay = Duration::from_millis(rng.random_range(0..=cap_ms));

        match age.checked_add(delay) {
            Some(next) if next <= self.max_age => RetryDecision::RetryAfter(delay),
            _ => RetryDecision::Fail(FailReason::Expired),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    fn transient() -> DeliveryError {
        DeliveryError::TransientReply {
            code: 451,
            text: "4.3.0 Try again later".to_owned(),
        }
    }

    fn policy() -> RetryPolicy {
        RetryPolicy {
            base_delay: Duration::from_secs(30),
            max_delay: Duration::from_secs(3600),
            max_age: Duration::from_secs(86_400),
        }
    }

    #[test]
    fn permanent_fails_at_once() {
        let error = DeliveryError::PermanentReply {
            code: 550,
            text: "5.1.1 Unknown user".to_owned(),
        };
        let decision = policy().decide(&error, 1, Duration::ZERO, &mut StdRng::seed_from_u64(1));
        assert_eq!(decision, RetryDecision::Fail(FailReason::Permanent));
    }

    #[test]
    fn cap_doubles_up_to_max() {
        let policy = policy();
        let cases = [
            (0, 30),
            (1, 30),
            (2, 60),
            (3, 120),
            (7, 1920),
            (8, 3600),
            (40, 3600),
            (u32::MAX, 3600),
        ];
        for (attempts, seconds) in cases {
            assert_eq!(
                policy.delay_cap(attempts),
                Duration::from_secs(seconds),
                "attempts {attempts}"
            );
        }
    }

    #[test]
    fn jitter_stays_within_cap() {
        let policy = policy();
        let mut rng = StdRng::seed_from_u64(7);
        for attempts in 1..12 {
            for _ in 0..200 {
                let RetryDecision::RetryAfter(delay) =
                    policy.decide(&transient(), attempts, Duration::ZERO, &mut rng)
                else {
                    panic!("a transient error at age zero must be retried");
                };
                assert!(delay <= policy.delay_cap(attempts), "attempts {attempts}");
            }
        }
    }

    #[test]
    fn jitter_spreads_delays() {
        let policy = policy();
        let mut rng = StdRng::seed_from_u64(11);
        let delays: Vec<Duration> = (0..100)
            .filter_map(
                |_| match policy.decide(&transient(), 5, Duration::ZERO, &mut rng) {
                    RetryDecision::RetryAfter(delay) => Some(delay),
                    RetryDecision::Fail(_) => None,
                },
            )
            .collect();
        let cap = policy.delay_cap(5);
        assert!(delays.iter().any(|delay| *delay < cap / 4));
        assert!(delays.iter().any(|delay| *delay > cap * 3 / 4));
    }

    #[test]
    fn old_message_expires() {
        let policy = policy();
        let mut rng = StdRng::seed_from_u64(3);
        let decision = policy.decide(&transient(), 3, policy.max_age, &mut rng);
        // Only a zero delay keeps the message within the maximum age; the seed draws more.
        assert_eq!(decision, RetryDecision::Fail(FailReason::Expired));
        let beyond = policy.max_age + Duration::from_secs(1);
        assert_eq!(
            policy.decide(&transient(), 3, beyond, &mut rng),
            RetryDecision::Fail(FailReason::Expired)
        );
    }

    #[test]
    fn young_message_is_retried() {
        let decision = policy().decide(
            &DeliveryError::TimedOut {
                after: Duration::from_secs(60),
            },
            1,
            Duration::from_secs(5),
            &mut StdRng::seed_from_u64(5),
        );
        assert!(
            matches!(decision, RetryDecision::RetryAfter(_)),
            "{decision:?}"
        );
    }

    #[test]
    fn every_transient_kind_is_retried() {
        let errors = [
            DeliveryError::Connection {
                reason: "refused".to_owned(),
            },
            DeliveryError::Tls {
                reason: "handshake".to_owned(),
            },
            DeliveryError::Protocol {
                reason: "incomplete".to_owned(),
            },
            DeliveryError::Configuration {
                reason: "no STARTTLS".to_owned(),
            },
            DeliveryError::Authentication {
                code: 535,
                text: "bad".to_owned(),
            },
            DeliveryError::ShutDown,
        ];
        for error in errors {
            let decision =
                policy().decide(&error, 1, Duration::ZERO, &mut StdRng::seed_from_u64(9));
            assert!(
                matches!(decision, RetryDecision::RetryAfter(_)),
                "{error:?}"
            );
        }
    }
}
