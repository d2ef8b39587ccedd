//! `Backoff`: the one reconnect delay policy of the system, used by the sensor (every broker refused) and by the
//! dashboard (a broker's session failed): capped exponential growth with "equal jitter", so that many clients that
//! lost the same broker do not come back in step. Pure: the random number comes in as an argument.

/// Attempt `n` (1 = the first retry) waits a time in `[d/2, d]`, `d = min(base · 2ⁿ⁻¹, max)`: half of it fixed,
/// so there is never a tight loop, half random.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    pub base_ms: u64,
    pub max_ms: u64,
}

impl Backoff {
    /// Delay before attempt `attempt`, with `unit` uniform in `[0, 1)` (anything else counts as 0.5).
    pub fn delay_ms(&self, attempt: u32, unit: f64) -> u64 {
        let doublings = attempt.saturating_sub(1).min(32);
        let full = self.base_ms.saturating_mul(1u64 << doublings).min(self.max_ms);
        let unit = if unit.is_finite() { unit.clamp(0.0, 1.0) } else { 0.5 };
        let half = full / 2;
        half + (half as f64 * unit) as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const B: Backoff = Backoff {
        base_ms: 500,
        max_ms: 8_000,
    };

    #[test]
    fn doubles_from_the_base_up_to_the_cap() {
        let top: Vec<u64> = (1..=7).map(|n| B.delay_ms(n, 1.0)).collect();
        assert_eq!(top, [500, 1_000, 2_000, 4_000, 8_000, 8_000, 8_000]);
        assert_eq!(B.delay_ms(u32::MAX, 1.0), 8_000);
        assert_eq!(B.delay_ms(0, 1.0), 500, "attempt 0 counts as the first");
    }

    #[test]
    fn jitter_keeps_delays_between_half_and_full() {
        for attempt in 1..20 {
            let full = B.delay_ms(attempt, 1.0);
            for unit in [0.0, 0.25, 0.999, -3.0, 7.0] {
                let d = B.delay_ms(attempt, unit);
                assert!(d >= full / 2 && d <= full, "attempt {attempt}, unit {unit}: {d}");
            }
            assert_eq!(B.delay_ms(attempt, f64::NAN), B.delay_ms(attempt, 0.5));
        }
    }
}
