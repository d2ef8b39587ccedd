//! What one sample is: a value drawn from a sensor's range and rounded, its `seq` and sampling time, and how it
//! becomes a wire `Reading` for a given broker. Pure: randomness and time come in as arguments.

use sensor_wire::{Reading, SensorName};

/// The range a sensor's values are drawn from, and how many decimals they keep.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ValueRange {
    pub min: f64,
    pub max: f64,
    pub decimals: u8,
}

/// Most decimals a value may keep (`SENSOR_DECIMALS`).
pub const MAX_DECIMALS: u8 = 6;

impl ValueRange {
    /// The seed's range for a known sensor type, or `None` for any other name.
    pub fn seed(sensor: &str) -> Option<Self> {
        sensor_wire::seed_type(sensor).map(|t| Self {
            min: t.min,
            max: t.max,
            decimals: t.decimals,
        })
    }

    /// Maps `unit` (uniform in `[0, 1)`) onto the range and rounds to `decimals`. Always within `[min, max]`.
    pub fn value_at(&self, unit: f64) -> f64 {
        let unit = if unit.is_finite() { unit.clamp(0.0, 1.0) } else { 0.0 };
        let scale = 10f64.powi(i32::from(self.decimals.min(MAX_DECIMALS)));
        let raw = self.min + unit * (self.max - self.min);
        ((raw * scale).round() / scale).clamp(self.min, self.max)
    }
}

/// One sampled value, as the outbox keeps it until a broker acknowledges it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sample {
    /// +1 per sample within one process run.
    pub seq: u64,
    /// Sampling time, ms since the Unix epoch.
    pub ts_ms: u64,
    pub value: f64,
}

/// What every reading of this process carries besides the sample itself.
#[derive(Debug, Clone, PartialEq)]
pub struct Identity {
    pub sensor: SensorName,
    /// Changes on every process start.
    pub boot: String,
    pub unit: Option<String>,
}

impl Sample {
    /// The wire reading for this sample as published to the broker named `broker_used`.
    pub fn to_reading(&self, identity: &Identity, broker_used: &str) -> Reading {
        Reading {
            sensor: identity.sensor.clone(),
            value: self.value,
            broker_used: broker_used.to_owned(),
            seq: Some(self.seq),
            boot: Some(identity.boot.clone()),
            ts: Some(self.ts_ms),
            unit: identity.unit.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seed_types_sample_the_range_and_decimals_of_the_wire_table() {
        for t in sensor_wire::SEED_TYPES {
            assert_eq!(
                ValueRange::seed(t.name),
                Some(ValueRange {
                    min: t.min,
                    max: t.max,
                    decimals: t.decimals
                })
            );
        }
        assert_eq!(ValueRange::seed("co2"), None);
    }

    #[test]
    fn temperature_keeps_one_decimal_and_stays_in_range() {
        let r = ValueRange::seed("temperature").unwrap();
        for i in 0..1000 {
            let v = r.value_at(i as f64 / 1000.0);
            assert!((25.0..=40.0).contains(&v), "{v}");
            assert!(
                ((v * 10.0).round() - v * 10.0).abs() < 1e-9,
                "{v} has more than one decimal"
            );
        }
    }

    #[test]
    fn integer_types_produce_whole_numbers_covering_both_ends() {
        let r = ValueRange::seed("humidity").unwrap();
        assert_eq!(r.value_at(0.0), 30.0);
        assert_eq!(r.value_at(0.999_999), 70.0);
        assert_eq!(r.value_at(0.5), 50.0);
        for i in 0..1000 {
            let v = r.value_at(i as f64 / 1000.0);
            assert_eq!(v, v.trunc());
        }
    }

    #[test]
    fn out_of_range_or_non_finite_input_still_gives_a_value_in_range() {
        let r = ValueRange {
            min: -1.5,
            max: 2.25,
            decimals: 2,
        };
        for u in [-3.0, 7.0, f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            let v = r.value_at(u);
            assert!((-1.5..=2.25).contains(&v), "{u} gave {v}");
        }
    }

    #[test]
    fn rounding_never_leaves_a_range_whose_ends_are_not_on_the_grid() {
        let r = ValueRange {
            min: 0.04,
            max: 0.06,
            decimals: 1,
        };
        for i in 0..=10 {
            let v = r.value_at(i as f64 / 10.0);
            assert!((0.04..=0.06).contains(&v), "{v}");
        }
    }

    #[test]
    fn a_degenerate_range_always_gives_its_single_value() {
        let r = ValueRange {
            min: 5.0,
            max: 5.0,
            decimals: 0,
        };
        assert_eq!(r.value_at(0.3), 5.0);
    }

    #[test]
    fn a_sample_becomes_a_reading_naming_the_broker_it_is_published_to() {
        let id = Identity {
            sensor: SensorName::parse("voltage").unwrap(),
            boot: "b1".into(),
            unit: Some("V".into()),
        };
        let s = Sample {
            seq: 7,
            ts_ms: 1_700_000_000_000,
            value: 231.0,
        };
        let r = s.to_reading(&id, "broker-secondary");
        assert_eq!(r.broker_used, "broker-secondary");
        assert_eq!((r.seq, r.ts, r.value), (Some(7), Some(1_700_000_000_000), 231.0));
        assert_eq!((r.boot.as_deref(), r.unit.as_deref()), (Some("b1"), Some("V")));
        let back = sensor_wire::parse_message("sensor/voltage", &r.to_json()).unwrap();
        assert_eq!(back, sensor_wire::Message::Reading(r));
    }
}
