//! One broker's health as the page shows it: link state, since when, reconnect attempts, last error, messages per
//! second.
//! Plain data, changed only through `Dashboard::apply`.

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
    /// Publishes per second over the last measured second or more.
    pub rate: f64,
    /// `(when, messages)` at the start of the current measurement.
    counted: Option<(u64, u64)>,
}

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
        }
    }

    /// Updates `rate` once at least a second has passed since the last measurement.
    pub fn measure_rate(&mut self, now_ms: u64) {
        match self.counted {
            Some((since, count)) if now_ms >= since + 1_000 => {
                self.rate = (self.messages - count) as f64 * 1_000.0 / (now_ms - since) as f64;
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
    fn measures_messages_per_second_over_each_elapsed_second() {
        let mut b = BrokerHealth::new("p");
        b.measure_rate(10_000);
        b.messages = 500;
        b.measure_rate(10_500);
        assert_eq!(b.rate, 0.0, "not a full second yet");
        b.measure_rate(12_000);
        assert_eq!(b.rate, 250.0);
    }
}
