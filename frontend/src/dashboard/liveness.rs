//! Whether a sensor is alive: `live`, `stale` (no reading for 3 learned intervals) or `offline` (its presence says so
//! and nothing contradicts it). Holds the interval learning and the presence rules; time comes in as an argument.
//! Pure.

use sensor_wire::{Presence, Status};

/// Assumed publish interval until two readings teach the real one (the sensors' default `PUBLISH_INTERVAL_MS`).
pub const DEFAULT_INTERVAL_MS: u64 = 2_000;
/// A sensor is stale after this many intervals without a reading…
pub const STALE_INTERVALS: u64 = 3;
/// …but never sooner than this, so fast sensors do not flicker with network jitter.
pub const MIN_STALE_MS: u64 = 1_500;

/// `data-state` of a card.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Liveness {
    #[default]
    Live,
    Stale,
    Offline,
}

impl Liveness {
    pub fn as_str(self) -> &'static str {
        match self {
            Liveness::Live => "live",
            Liveness::Stale => "stale",
            Liveness::Offline => "offline",
        }
    }
}

/// Learns a sensor's publish interval from consecutive readings: the time between them divided by how far `seq`
/// moved (so a lost reading does not double the estimate), smoothed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Cadence {
    interval_ms: Option<u64>,
    last: Option<(Option<String>, Option<u64>, u64)>,
}

impl Cadence {
    /// The learned interval, or the default before there is one.
    pub fn interval_ms(&self) -> u64 {
        self.interval_ms.unwrap_or(DEFAULT_INTERVAL_MS)
    }

    pub fn stale_after_ms(&self) -> u64 {
        (self.interval_ms() * STALE_INTERVALS).max(MIN_STALE_MS)
    }

    /// A new newest reading of `(boot, seq)` sampled (or received) at `at_ms`.
    pub fn observe(&mut self, boot: Option<&str>, seq: Option<u64>, at_ms: u64) {
        if let Some((last_boot, last_seq, last_at)) = &self.last {
            let steps = match (seq, last_seq) {
                (Some(s), Some(l)) if last_boot.as_deref() == boot && s > *l => Some(s - l),
                (None, None) => Some(1),
                _ => None,
            };
            if let Some(steps) = steps.filter(|_| at_ms > *last_at) {
                let gap = (at_ms - last_at) / steps;
                self.interval_ms = Some(match self.interval_ms {
                    Some(old) => (old * 3 + gap) / 4,
                    None => gap,
                });
            }
        }
        self.last = Some((boot.map(str::to_owned), seq, at_ms));
    }
}

/// What the page knows about a sensor when judging it.
pub struct Evidence<'a> {
    /// The last presence message and when it arrived.
    pub presence: Option<(&'a Status, u64)>,
    /// The reading shown: its `boot`, `broker_used`, whether it was retained, and when it arrived.
    pub latest: Option<(Option<&'a str>, &'a str, bool, u64)>,
    /// When anything was last heard from the sensor.
    pub heard_ms: u64,
}

impl Evidence<'_> {
    /// Whether an `offline` presence stands. It does not when a live reading arrived after it (proof of life), or
    /// when it is the Last Will of a broker the sensor has since left: same `boot`, but the reading shown came
    /// through another broker.
    pub fn offline(&self) -> bool {
        let Some((status, heard_at)) = self.presence else {
            return false;
        };
        if status.status != Presence::Offline {
            return false;
        }
        match self.latest {
            Some((_, _, false, received)) if received > heard_at => false,
            Some((Some(boot), broker, _, _)) if boot == status.boot && broker != status.broker_used => false,
            _ => true,
        }
    }

    pub fn judge(&self, now_ms: u64, cadence: &Cadence) -> Liveness {
        if self.offline() {
            Liveness::Offline
        } else if now_ms.saturating_sub(self.heard_ms) > cadence.stale_after_ms() {
            Liveness::Stale
        } else {
            Liveness::Live
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sensor_wire::SensorName;

    fn status(presence: Presence, broker: &str, boot: &str) -> Status {
        Status {
            sensor: SensorName::parse("temperature").expect("name"),
            status: presence,
            broker_used: broker.into(),
            boot: boot.into(),
        }
    }

    #[test]
    fn learns_the_interval_from_readings_and_ignores_lost_ones() {
        let mut c = Cadence::default();
        assert_eq!(c.interval_ms(), DEFAULT_INTERVAL_MS);
        c.observe(Some("a"), Some(1), 10_000);
        c.observe(Some("a"), Some(2), 10_500);
        assert_eq!(c.interval_ms(), 500);
        c.observe(Some("a"), Some(4), 11_500);
        assert_eq!(c.interval_ms(), 500, "two steps in 1 s is still 500 ms each");
        c.observe(Some("b"), Some(0), 60_000);
        assert_eq!(c.interval_ms(), 500, "a restart teaches nothing");
        assert_eq!(c.stale_after_ms(), MIN_STALE_MS);
    }

    #[test]
    fn goes_stale_after_three_intervals_without_a_reading() {
        let mut c = Cadence::default();
        c.observe(Some("a"), Some(1), 0);
        c.observe(Some("a"), Some(2), 1_000);
        let e = Evidence {
            presence: None,
            latest: Some((Some("a"), "p", false, 1_000)),
            heard_ms: 1_000,
        };
        assert_eq!(e.judge(3_900, &c), Liveness::Live);
        assert_eq!(e.judge(4_100, &c), Liveness::Stale);
    }

    #[test]
    fn an_offline_presence_makes_a_sensor_offline() {
        let s = status(Presence::Offline, "primary", "a");
        let e = Evidence {
            presence: Some((&s, 2_000)),
            latest: Some((Some("a"), "primary", false, 1_000)),
            heard_ms: 2_000,
        };
        assert_eq!(e.judge(2_000, &Cadence::default()), Liveness::Offline);
    }

    #[test]
    fn the_will_of_a_broker_the_sensor_left_does_not_make_it_offline() {
        // It moved to the secondary because the primary hung; the primary fires its Will later.
        let will = status(Presence::Offline, "primary", "a");
        let e = Evidence {
            presence: Some((&will, 5_000)),
            latest: Some((Some("a"), "secondary", false, 4_000)),
            heard_ms: 5_000,
        };
        assert!(!e.offline());
        assert_eq!(e.judge(5_000, &Cadence::default()), Liveness::Live);
    }

    #[test]
    fn a_live_reading_after_an_offline_presence_is_proof_of_life() {
        let will = status(Presence::Offline, "primary", "a");
        let e = Evidence {
            presence: Some((&will, 5_000)),
            latest: Some((Some("b"), "primary", false, 6_000)),
            heard_ms: 6_000,
        };
        assert!(!e.offline());
        let retained = Evidence {
            latest: Some((Some("b"), "primary", true, 6_000)),
            ..e
        };
        assert!(retained.offline(), "a retained value proves nothing");
    }
}
