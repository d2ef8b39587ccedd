//! One broker's health as the page shows it: link state, since when, reconnect attempts, last error, messages per
//! second (smoothed). Plain data, changed only through `Dashboard::apply`.

use crate::session::Phase;

#[derive(Debug, Clone, PartialEq)]
pub struct BrokerHealth {
    pub name: String,
    pub phase: Phase,
    /// When `phase` last changed, ms since the Unix epoch.
    pub since_ms: Option<u64>,
    /// Failed attempts since the last successful connection.
    pub attempts: u32,
    pub last_error: Option<String>,
    /// Publishes received from this broker (valid or not).
    pub messages: u64,
    /// Publishes per second, smoothed: an exponentially weighted mean of the per-second counts with a time
    /// constant of `RATE_SMOOTHING_MS`, so 2 msg/s arriving in bursts (four sensors at 2 s, in step: 4, 0, 4, 0…)
    /// reads 1.8–2.2, not 0 and 4.
    pub rate: f64,
    /// `(when, messages)` at the start of the current measurement.
    counted: Option<(u64, u64)>,
    /// Whether `rate` holds a measurement yet (the first one is taken as it is).
    measured: bool,
}

/// Time constant of the rate's smoothing: at one measurement a second, a step change shows 60 % after this long
/// and 97 % after four times it.
pub const RATE_SMOOTHING_MS: f64 = 5_000.0;

impl BrokerHealth {
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            phase: Phase::Connecting,
            since_ms: None,
            attempts: 0,
            last_error: None,
            messages: 0,
            rate: 0.0,
            counted: None,
            measured: false,
        }
    }

    /// Measures the rate once at least a second has passed since the last measurement, and folds it into `rate`
    /// with a weight that grows with the time it covers (`elapsed / (elapsed + τ)`: 1/6 for one second), so
    /// irregular ticks weigh fairly. A rational weight rather than `1 − e^(−elapsed/τ)`: no `exp` in the wasm.
    pub fn measure_rate(&mut self, now_ms: u64) {
        match self.counted {
            Some((since, count)) if now_ms >= since + 1_000 => {
                let elapsed = (now_ms - since) as f64;
                let measured = self.messages.saturating_sub(count) as f64 * 1_000.0 / elapsed;
                let weight = if self.measured {
                    elapsed / (elapsed + RATE_SMOOTHING_MS)
                } else {
                    1.0
                };
                self.rate += weight * (measured - self.rate);
                self.measured = true;
                self.counted = Some((now_ms, self.messages));
            }
            Some(_) => {}
            None => self.counted = Some((now_ms, self.messages)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_measurement_counts_as_it_is_once_a_second_has_passed() {
        let mut b = BrokerHealth::new("p");
        b.measure_rate(10_000);
        b.messages = 500;
        b.measure_rate(10_500);
        assert_eq!(b.rate, 0.0, "not a full second yet");
        b.measure_rate(12_000);
        assert_eq!(b.rate, 250.0);
    }

    /// Ticks once a second for `seconds`, with `arriving(second)` messages in each.
    fn run(b: &mut BrokerHealth, from_s: u64, seconds: u64, arriving: impl Fn(u64) -> u64) -> Vec<f64> {
        (from_s..from_s + seconds)
            .map(|s| {
                b.messages += arriving(s);
                b.measure_rate(s * 1_000);
                b.rate
            })
            .collect()
    }

    #[test]
    fn two_messages_a_second_in_bursts_never_read_zero() {
        let mut b = BrokerHealth::new("p");
        // Four sensors every 2 s, all in the same second: 4, 0, 4, 0, …
        let rates = run(&mut b, 0, 120, |s| if s % 2 == 1 { 4 } else { 0 });
        let settled = rates.get(30..).expect("120 rates");
        assert!(settled.iter().all(|r| (1.7..=2.3).contains(r)), "{settled:?}");
        let mean = settled.iter().sum::<f64>() / settled.len() as f64;
        assert!((mean - 2.0).abs() < 0.1, "{mean}");
        assert!(rates.iter().skip(1).all(|r| *r > 0.0), "{rates:?}");
    }

    #[test]
    fn a_step_in_the_rate_shows_within_a_few_time_constants_and_silence_decays_to_zero() {
        let mut b = BrokerHealth::new("p");
        run(&mut b, 0, 30, |_| 10);
        assert!((b.rate - 10.0).abs() < 1e-9);
        let rates = run(&mut b, 30, 20, |_| 100);
        assert!(rates[0] > 10.0 && rates[0] < 30.0, "smoothed: {}", rates[0]);
        assert!(rates[19] > 95.0, "over 95 % after four time constants: {}", rates[19]);
        run(&mut b, 45, 60, |_| 0);
        assert!(b.rate < 0.05, "{}", b.rate);
    }
}
