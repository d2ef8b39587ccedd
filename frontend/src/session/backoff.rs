//! Reconnect delays of the browser's sessions: the system's one `sensor_wire::Backoff` with the dashboard's
//! defaults, and the random numbers that spread it. Randomness comes from a seed the shell passes in; the same seed
//! gives the same delays in tests.

pub use sensor_wire::Backoff;

/// First retry after 250–500 ms: a broker that restarts is back on the page quickly.
pub const DEFAULT_BASE_MS: u64 = 500;
/// Never wait more than 4 s, so a page is subscribed again within about 4.5 s of a broker's return: well inside the
/// 6 s a sensor lets a returning broker settle before it publishes there (`SETTLE_MS`, docs/failover.md).
pub const DEFAULT_MAX_MS: u64 = 4_000;

/// The dashboard's reconnect policy: the system's one `Backoff`, from `DEFAULT_BASE_MS` up to `DEFAULT_MAX_MS`.
pub const DEFAULT_BACKOFF: Backoff = Backoff {
    base_ms: DEFAULT_BASE_MS,
    max_ms: DEFAULT_MAX_MS,
};

/// A small xorshift generator: enough to spread reconnects, not for anything secret.
#[derive(Debug, Clone)]
pub struct Jitter(u64);

impl Jitter {
    pub fn new(seed: u64) -> Self {
        // One splitmix64 step spreads nearby seeds apart; xorshift must not start at zero.
        let mut z = seed.wrapping_add(0x9e37_79b9_7f4a_7c15);
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        Self((z ^ (z >> 31)) | 1)
    }

    /// The next number in `[0, 1)`.
    pub fn next_unit(&mut self) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }

    /// The next 32 random bits (for client ids).
    pub fn next_u32(&mut self) -> u32 {
        (self.next_unit() * f64::from(u32::MAX)) as u32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn different_seeds_spread_reconnects() {
        let delays: std::collections::BTreeSet<u64> = (0..20)
            .map(|seed| DEFAULT_BACKOFF.delay_ms(4, Jitter::new(seed).next_unit()))
            .collect();
        assert!(delays.len() > 10, "{delays:?}");
    }

    #[test]
    fn jitter_stays_in_the_unit_interval() {
        let mut j = Jitter::new(42);
        assert!((0..10_000).map(|_| j.next_unit()).all(|u| (0.0..1.0).contains(&u)));
    }
}
