//! Reconnect delays: exponential with a cap and jitter, so many open dashboards do not reconnect in step.
//! Randomness comes from a seed the shell passes in; the same seed gives the same delays in tests.

/// Exponential backoff: attempt `n` waits a random time in `[d/2, d]` where `d = min(base · 2ⁿ⁻¹, max)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    pub base_ms: u64,
    pub max_ms: u64,
}

impl Default for Backoff {
    fn default() -> Self {
        Self {
            base_ms: DEFAULT_BASE_MS,
            max_ms: DEFAULT_MAX_MS,
        }
    }
}

/// First retry after 250–500 ms: a broker that restarts is back on the page quickly.
pub const DEFAULT_BASE_MS: u64 = 500;
/// Never wait more than 8 s, so a recovered broker shows as connected within about that.
pub const DEFAULT_MAX_MS: u64 = 8_000;

impl Backoff {
    /// Delay before attempt `attempt` (1 = first retry), with `unit` a random number in `[0, 1)`.
    pub fn delay_ms(&self, attempt: u32, unit: f64) -> u64 {
        let doublings = attempt.saturating_sub(1).min(32);
        let full = self.base_ms.saturating_mul(1u64 << doublings).min(self.max_ms);
        let half = full / 2;
        half + (half as f64 * unit.clamp(0.0, 1.0)) as u64
    }
}

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
    fn doubles_from_the_base_up_to_the_cap() {
        let b = Backoff {
            base_ms: 500,
            max_ms: 8_000,
        };
        let top: Vec<u64> = (1..=7).map(|n| b.delay_ms(n, 1.0)).collect();
        assert_eq!(top, [500, 1_000, 2_000, 4_000, 8_000, 8_000, 8_000]);
        assert_eq!(b.delay_ms(u32::MAX, 1.0), 8_000);
    }

    #[test]
    fn jitter_keeps_delays_between_half_and_full() {
        let b = Backoff::default();
        let mut j = Jitter::new(42);
        for attempt in 1..20 {
            let d = b.delay_ms(attempt, j.next_unit());
            let full = b.delay_ms(attempt, 1.0);
            assert!(d >= full / 2 && d <= full, "attempt {attempt}: {d}");
        }
    }

    #[test]
    fn different_seeds_spread_reconnects() {
        let b = Backoff::default();
        let delays: std::collections::BTreeSet<u64> = (0..20)
            .map(|seed| b.delay_ms(4, Jitter::new(seed).next_unit()))
            .collect();
        assert!(delays.len() > 10, "{delays:?}");
    }
}
