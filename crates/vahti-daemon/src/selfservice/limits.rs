//! Token buckets per key in memory, which limit how often one link or one client address may
//! load the self-service page.
//!
//! Each key gets a bucket of `per_minute` tokens that refills evenly over a minute. Buckets that
//! are full again carry no information, so they are dropped when the map grows past
//! [`MAX_KEYS`]; a flood of new keys therefore cannot grow the map without bound. The limits
//! hold per daemon process: several daemons behind one address each keep their own buckets.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The number of keys kept before full buckets are dropped.
pub const MAX_KEYS: usize = 100_000;

/// Token buckets of `per_minute` tokens per key.
#[derive(Debug)]
pub struct KeyedLimiter<K> {
    per_minute: u32,
    buckets: Mutex<HashMap<K, Bucket>>,
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    refilled_at: Instant,
}

impl<K: Eq + Hash + Clone> KeyedLimiter<K> {
    /// A limiter that allows `per_minute` requests per key, in bursts of up to as many.
    pub fn new(per_minute: u32) -> Self {
        KeyedLimiter {
            per_minute: per_minute.max(1),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes a token for `key` at `now`, or returns how long to wait until one is free.
    pub fn check(&self, key: &K, now: Instant) -> Result<(), Duration> {
        let capacity = f64::from(self.per_minute);
        let per_second = capacity / 60.0;
        let Ok(mut buckets) = self.buckets.lock() else {
            return Ok(());
        };
        if buckets.len() >= MAX_KEYS && !buckets.contains_key(key) {
            buckets.retain(|_, bucket| {
                let elapsed = now.saturating_duration_since(bucket.refilled_at);
                bucket.tokens + elapsed.as_secs_f64() * per_second < capacity
            });
        }
        let bucket = buckets.entry(key.clone()).or_insert(Bucket {
            tokens: capacity,
            refilled_at: now,
        });
        let elapsed = now
            .saturating_duration_since(bucket.refilled_at)
            .as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * per_second).min(capacity);
        bucket.refilled_at = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64((1.0 - bucket.tokens) / per_second))
        }
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.buckets.lock().map_or(0, |buckets| buckets.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn burst_then_limited() {
        let limiter = KeyedLimiter::new(3);
        let start = Instant::now();
        for _ in 0..3 {
            assert_eq!(limiter.check(&"a", start), Ok(()));
        }
        let wait = limiter.check(&"a", start).unwrap_err();
        assert!(
            wait > Duration::from_secs(19) && wait <= Duration::from_secs(20),
            "{wait:?}"
        );
    }

    #[test]
    fn refills_over_a_minute() {
        let limiter = KeyedLimiter::new(2);
        let start = Instant::now();
        assert_eq!(limiter.check(&"a", start), Ok(()));
        assert_eq!(limiter.check(&"a", start), Ok(()));
        assert!(limiter.check(&"a", start).is_err());
        assert_eq!(limiter.check(&"a", start + Duration::from_secs(30)), Ok(()));
    }

    #[test]
    fn keys_are_separate() {
        let limiter = KeyedLimiter::new(1);
        let start = Instant::now();
        assert_eq!(limiter.check(&"a", start), Ok(()));
        assert!(limiter.check(&"a", start).is_err());
        assert_eq!(limiter.check(&"b", start), Ok(()));
    }

    #[test]
    fn full_buckets_dropped_when_crowded() {
        let limiter = KeyedLimiter::new(1);
        let start = Instant::now();
        for key in 0..MAX_KEYS {
            assert_eq!(limiter.check(&key, start), Ok(()));
        }
        let later = start + Duration::from_secs(120);
        assert_eq!(limiter.check(&MAX_KEYS, later), Ok(()));
        assert_eq!(limiter.len(), 1);
    }
}
