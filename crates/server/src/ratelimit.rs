//! Per-party rate limits on submissions: a token bucket per roster member.
//!
//! Monotonic time (`Instant`) is right here: the limit is about this process's load, not about
//! anything recorded, so it needs no controllable clock.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

/// Token buckets keyed by member id.
#[derive(Debug)]
pub(crate) struct RateLimiter {
    rate_per_s: f64,
    burst: f64,
    buckets: Mutex<HashMap<String, (f64, Instant)>>,
}

impl RateLimiter {
    pub(crate) fn new(rate_per_s: f64, burst: f64) -> Self {
        Self {
            rate_per_s,
            burst: burst.max(1.0),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes `cost` tokens from `party`'s bucket; `false` when it is empty.
    pub(crate) fn allow(&self, party: &str, cost: f64) -> bool {
        let now = Instant::now();
        let mut buckets = self
            .buckets
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let (tokens, last) = buckets.entry(party.to_owned()).or_insert((self.burst, now));
        let refill = now.duration_since(*last).as_secs_f64() * self.rate_per_s;
        *tokens = (*tokens + refill).min(self.burst);
        *last = now;
        if *tokens >= cost {
            *tokens -= cost;
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_bucket_refuses_and_parties_are_independent() {
        let limiter = RateLimiter::new(0.0001, 2.0);
        assert!(limiter.allow("us", 1.0));
        assert!(limiter.allow("us", 1.0));
        assert!(!limiter.allow("us", 1.0));
        assert!(limiter.allow("ru", 1.0));
    }
}
