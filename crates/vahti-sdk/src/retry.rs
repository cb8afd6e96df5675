//! When and how long the client waits before it repeats a failed request.
//!
//! Only failures that another attempt can fix are retried: connection failures, timeouts, and the
//! statuses 429 and 503. Every `POST` carries an `Idempotency-Key` that stays the same across its
//! attempts, and `GET`, `PUT`, `PATCH` and `DELETE` requests have the same effect when repeated,
//! so a retry never acts twice.

use std::time::Duration;

use chrono::{DateTime, NaiveDateTime, Utc};

use crate::error::{ConfigError, SdkError};

/// The limits and delays of retries.
///
/// The delay before retry `n` (counting from 1) is `initial_backoff * 2^(n-1)`, capped at
/// `max_backoff`, then drawn at random from the upper half of that value so that many clients do
/// not retry in step. A `Retry-After` header replaces that delay with the server's. The client
/// gives up when `max_attempts` attempts have failed, or when waiting for the next attempt would
/// end after `max_elapsed` from the first attempt.
///
/// ```
/// use std::time::Duration;
/// use vahti_sdk::RetryPolicy;
///
/// let policy = RetryPolicy::default()
///     .with_max_attempts(6)?
///     .with_max_elapsed(Duration::from_secs(120));
/// assert_eq!(policy.max_attempts(), 6);
/// # Ok::<(), vahti_sdk::ConfigError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    max_attempts: u32,
    max_elapsed: Duration,
    initial_backoff: Duration,
    max_backoff: Duration,
}

impl Default for RetryPolicy {
    /// Returns 4 attempts within 60 seconds, with backoff from 250 milliseconds up to 10 seconds.
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 4,
            max_elapsed: Duration::from_secs(60),
            initial_backoff: Duration::from_millis(250),
            max_backoff: Duration::from_secs(10),
        }
    }
}

/// The decision after a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryDecision {
    /// Wait this long, then send the request again.
    RetryAfter(Duration),
    /// Return the error to the caller.
    GiveUp,
}

impl RetryPolicy {
    /// Returns a policy that never retries: every call makes exactly one attempt.
    pub fn never() -> Self {
        RetryPolicy {
            max_attempts: 1,
            ..RetryPolicy::default()
        }
    }

    /// Sets the maximum number of attempts, the first one included. Fails when `attempts` is 0.
    pub fn with_max_attempts(mut self, attempts: u32) -> Result<Self, ConfigError> {
        if attempts == 0 {
            return Err(ConfigError::RetryAttemptsZero);
        }
        self.max_attempts = attempts;
        Ok(self)
    }

    /// Sets the time after the first attempt within which every retry must start.
    pub fn with_max_elapsed(mut self, max_elapsed: Duration) -> Self {
        self.max_elapsed = max_elapsed;
        self
    }

    /// Sets the delay before the first retry, before jitter.
    pub fn with_initial_backoff(mut self, initial_backoff: Duration) -> Self {
        self.initial_backoff = initial_backoff;
        self
    }

    /// Sets the maximum delay between two attempts, before jitter. A `Retry-After` header may ask
    /// for longer; the client then waits as asked if `max_elapsed` allows it.
    pub fn with_max_backoff(mut self, max_backoff: Duration) -> Self {
        self.max_backoff = max_backoff;
        self
    }

    /// Returns the maximum number of attempts, the first one included.
    pub fn max_attempts(&self) -> u32 {
        self.max_attempts
    }

    /// Returns the time after the first attempt within which every retry must start.
    pub fn max_elapsed(&self) -> Duration {
        self.max_elapsed
    }

    /// Returns the delay before retry `retry` (1 for the first retry) without a `Retry-After`
    /// header.
    ///
    /// `jitter` is a number from 0 to 1 that picks the delay within the upper half of the
    /// exponential value: 0 gives half of it, 1 all of it. Values outside that range are clamped.
    ///
    /// ```
    /// use std::time::Duration;
    /// use vahti_sdk::RetryPolicy;
    ///
    /// let policy = RetryPolicy::default(); // 250 ms doubling, at most 10 s
    /// assert_eq!(policy.backoff(1, 1.0), Duration::from_millis(250));
    /// assert_eq!(policy.backoff(3, 1.0), Duration::from_millis(1000));
    /// assert_eq!(policy.backoff(3, 0.0), Duration::from_millis(500));
    /// assert_eq!(policy.backoff(30, 1.0), Duration::from_secs(10));
    /// ```
    pub fn backoff(&self, retry: u32, jitter: f64) -> Duration {
        let doublings = retry.saturating_sub(1).min(31);
        let exponential = self
            .initial_backoff
            .checked_mul(1_u32 << doublings)
            .unwrap_or(self.max_backoff)
            .min(self.max_backoff);
        let jitter = if jitter.is_nan() {
            0.0
        } else {
            jitter.clamp(0.0, 1.0)
        };
        let half = exponential / 2;
        half + half.mul_f64(jitter)
    }

    /// Decides what to do after attempt number `attempt` (1 for the first) failed with `error`,
    /// `elapsed` after the first attempt started.
    ///
    /// Gives up on errors that are not retryable (see [`SdkError::is_retryable`]), after the last
    /// allowed attempt, and when the delay would end after `max_elapsed`. The delay is the
    /// error's `Retry-After` when the server sent one, and [`RetryPolicy::backoff`] otherwise.
    pub fn decide(
        &self,
        attempt: u32,
        elapsed: Duration,
        error: &SdkError,
        jitter: f64,
    ) -> RetryDecision {
        if !error.is_retryable() || attempt >= self.max_attempts {
            return RetryDecision::GiveUp;
        }

        let delay = error
            .retry_after()
            .unwrap_or_else(|| self.backoff(attempt, jitter));
        let resumes_at = elapsed.saturating_add(delay);
        if resumes_at > self.max_elapsed {
            return RetryDecision::GiveUp;
        }
        RetryDecision::RetryAfter(delay)
    }
}

/// Parses a `Retry-After` header value: a number of seconds, or an HTTP date (RFC 9110,
/// section 10.2.3), which becomes the time from `now` until that date.
///
/// Returns `None` for a value that is neither. A date in the past gives a zero delay.
///
/// ```
/// use std::time::Duration;
/// use chrono::{TimeZone, Utc};
/// use vahti_sdk::retry::parse_retry_after;
///
/// let now = Utc.with_ymd_and_hms(2026, 3, 2, 7, 0, 0).unwrap();
/// assert_eq!(parse_retry_after("5", now), Some(Duration::from_secs(5)));
/// assert_eq!(
///     parse_retry_after("Mon, 02 Mar 2026 07:00:30 GMT", now),
///     Some(Duration::from_secs(30)),
/// );
/// assert_eq!(parse_retry_after("soon", now), None);
/// ```
pub fn parse_retry_after(value: &str, now: DateTime<Utc>) -> Option<Duration> {
    let value = value.trim();
    if !value.is_empty() && value.bytes().all(|byte| byte.is_ascii_digit()) {
        return value.parse::<u64>().ok().map(Duration::from_secs);
    }

    let date = parse_http_date(value)?;
    let delay = date.signed_duration_since(now);
    Some(delay.to_std().unwrap_or(Duration::ZERO))
}

/// Parses an HTTP date in any of the three formats RFC 9110 requires recipients to accept:
/// IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`), the obsolete RFC 850 format
/// (`Sunday, 06-Nov-94 08:49:37 GMT`) and the asctime format (`Sun Nov  6 08:49:37 1994`).
fn parse_http_date(value: &str) -> Option<DateTime<Utc>> {
    if let Ok(date) = DateTime::parse_from_rfc2822(value) {
        return Some(date.with_timezone(&Utc));
    }
    let formats = ["%A, %d-%b-%y %H:%M:%S GMT", "%a %b %e %H:%M:%S %Y"];
    formats.iter().find_map(|format| {
        NaiveDateTime::parse_from_str(value, format)
            .ok()
            .map(|naive| naive.and_utc())
    })
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
    use vahti_api::{ApiError, ErrorCode};

    use super::*;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 2, 7, 0, 0).unwrap()
    }

    fn status_error(status: u16, retry_after: Option<Duration>) -> SdkError {
        SdkError::Api {
            endpoint: "POST /v1/payments".to_owned(),
            status,
            error: ApiError::new(ErrorCode::ServiceUnavailable, "starting"),
            retry_after,
        }
    }

    #[test]
    fn retry_after_seconds() {
        let cases = [
            ("0", Some(0)),
            ("1", Some(1)),
            ("120", Some(120)),
            (" 7 ", Some(7)),
            ("-1", None),
            ("1.5", None),
            ("", None),
            ("99999999999999999999999", None),
        ];
        for (value, expected) in cases {
            assert_eq!(
                parse_retry_after(value, now()),
                expected.map(Duration::from_secs),
                "{value:?}"
            );
        }
    }

    #[test]
    fn retry_after_http_dates() {
        let cases = [
            ("Mon, 02 Mar 2026 07:01:00 GMT", 60),
            ("Monday, 02-Mar-26 07:00:10 GMT", 10),
            ("Mon Mar  2 07:00:05 2026", 5),
        ];
        for (value, seconds) in cases {
            assert_eq!(
                parse_retry_after(value, now()),
                Some(Duration::from_secs(seconds)),
                "{value:?}"
            );
        }
    }

    #[test]
    fn retry_after_past_date_is_zero() {
        let delay = parse_retry_after("Sun, 01 Mar 2026 07:00:00 GMT", now());
        assert_eq!(delay, Some(Duration::ZERO));
    }

    #[test]
    fn backoff_doubles_up_to_cap() {
        let policy = RetryPolicy::default()
            .with_initial_backoff(Duration::from_millis(100))
            .with_max_backoff(Duration::from_millis(1000));
        let full: Vec<u128> = (1..=6)
            .map(|retry| policy.backoff(retry, 1.0).as_millis())
            .collect();
        assert_eq!(full, [100, 200, 400, 800, 1000, 1000]);
    }

    #[test]
    fn backoff_jitter_stays_in_upper_half() {
        let policy = RetryPolicy::default();
        assert_eq!(policy.backoff(2, 0.0), Duration::from_millis(250));
        assert_eq!(policy.backoff(2, 0.5), Duration::from_millis(375));
        assert_eq!(policy.backoff(2, 1.0), Duration::from_millis(500));
        assert_eq!(policy.backoff(2, 7.0), Duration::from_millis(500));
        assert_eq!(policy.backoff(2, f64::NAN), Duration::from_millis(250));
    }

    #[test]
    fn backoff_survives_huge_retry_numbers() {
        let policy = RetryPolicy::default();
        assert_eq!(policy.backoff(u32::MAX, 1.0), Duration::from_secs(10));
    }

    #[test]
    fn decide_retries_503_with_backoff() {
        let policy = RetryPolicy::default();
        let decision = policy.decide(1, Duration::ZERO, &status_error(503, None), 1.0);
        assert_eq!(
            decision,
            RetryDecision::RetryAfter(Duration::from_millis(250))
        );
    }

    #[test]
    fn decide_honours_retry_after() {
        let policy = RetryPolicy::default();
        let error = status_error(429, Some(Duration::from_secs(3)));
        let decision = policy.decide(1, Duration::ZERO, &error, 1.0);
        assert_eq!(decision, RetryDecision::RetryAfter(Duration::from_secs(3)));
    }

    #[test]
    fn decide_gives_up_on_other_statuses() {
        let policy = RetryPolicy::default();
        for status in [400, 401, 404, 409, 422, 500, 502, 504] {
            let decision = policy.decide(1, Duration::ZERO, &status_error(status, None), 1.0);
            assert_eq!(decision, RetryDecision::GiveUp, "HTTP {status}");
        }
    }

    #[test]
    fn decide_gives_up_after_last_attempt() {
        let policy = RetryPolicy::default().with_max_attempts(3).unwrap();
        let error = status_error(503, None);
        assert!(matches!(
            policy.decide(2, Duration::ZERO, &error, 1.0),
            RetryDecision::RetryAfter(_)
        ));
        assert_eq!(
            policy.decide(3, Duration::ZERO, &error, 1.0),
            RetryDecision::GiveUp
        );
    }

    #[test]
    fn decide_gives_up_past_max_elapsed() {
        let policy = RetryPolicy::default().with_max_elapsed(Duration::from_secs(10));
        let error = status_error(503, Some(Duration::from_secs(4)));
        assert_eq!(
            policy.decide(1, Duration::from_secs(6), &error, 1.0),
            RetryDecision::RetryAfter(Duration::from_secs(4))
        );
        assert_eq!(
            policy.decide(1, Duration::from_secs(7), &error, 1.0),
            RetryDecision::GiveUp
        );
    }

    #[test]
    fn never_makes_one_attempt() {
        let decision =
            RetryPolicy::never().decide(1, Duration::ZERO, &status_error(503, None), 1.0);
        assert_eq!(decision, RetryDecision::GiveUp);
    }

    #[test]
    fn zero_attempts_rejected() {
        let result = RetryPolicy::default().with_max_attempts(0);
        assert!(matches!(result, Err(ConfigError::RetryAttemptsZero)));
    }
}
