//! A token bucket per tenant, so that one tenant's large run cannot starve the others' mail or
//! flood a relay.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;
use vahti_domain::ids::TenantId;

/// Limits each tenant to `rate` sends per second, with bursts of up to `rate` sends.
#[derive(Debug)]
pub struct TenantRateLimiter {
    rate: u32,
    buckets: Mutex<HashMap<TenantId, Bucket>>,
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    refilled_at: Instant,
}

impl TenantRateLimiter {
    /// A limiter of `rate` sends per second per tenant; 0 means no limit.
    pub fn new(rate: u32) -> Self {
        TenantRateLimiter {
            rate,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Waits until the tenant may send one more message.
    pub async fn acquire(&self, tenant: TenantId) {
        if self.rate == 0 {
            return;
        }
        loop {
            match self.try_acquire(tenant, Instant::now()) {
                None => return,
                Some(wait) => tokio::time::sleep(wait).await,
            }
        }
    }

    /// Takes a token if one is available at `now`, or returns how long to wait for the next.
    fn try_acquire(&self, tenant: TenantId, now: Instant) -> Option<Duration> {
        let rate = f64::from(self.rate);
        let Ok(mut buckets) = self.buckets.lock() else {
            return None;
        };
        let bucket = buckets.entry(tenant).or_insert(Bucket {
            tokens: rate,
            refilled_at: now,
        });
        let elapsed = now
            .saturating_duration_since(bucket.refilled_at)
            .as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * rate).min(rate);
        bucket.refilled_at = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            None
        } else {
            Some(Duration::from_secs_f64((1.0 - bucket.tokens) / rate))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn burst_then_waits() {
        let limiter = TenantRateLimiter::new(5);
        let start = Instant::now();
        for _ in 0..5 {
            assert_eq!(limiter.try_acquire(TenantId(1), start), None);
        }
        let wait = limiter.try_acquire(TenantId(1), start).unwrap();
        assert!(
            wait > Duration::from_millis(150) && wait <= Duration::from_millis(200),
            "{wait:?}"
        );
    }

    #[test]
    fn refills_over_time() {
        let limiter = TenantRateLimiter::new(2);
        let start = Instant::now();
        assert_eq!(limiter.try_acquire(TenantId(1), start), None);
        assert_eq!(limiter.try_acquire(TenantId(1), start), None);
        assert!(limiter.try_acquire(TenantId(1), start).is_some());
        assert_eq!(
            limiter.try_acquire(TenantId(1), start + Duration::from_millis(500)),
            None
        );
    }

    #[test]
    fn tenants_have_separate_buckets() {
        let limiter = TenantRateLimiter::new(1);
        let start = Instant::now();
        assert_eq!(limiter.try_acquire(TenantId(1), start), None);
        assert!(limiter.try_acquire(TenantId(1), start).is_some());
        assert_eq!(limiter.try_acquire(TenantId(2), start), None);
    }

    #[test]
    fn zero_rate_is_unlimited() {
        let limiter = TenantRateLimiter::new(0);
        actix_rt::System::new().block_on(async {
            for _ in 0..100 {
                limiter.acquire(TenantId(1)).await;
            }
        });
    }
}
