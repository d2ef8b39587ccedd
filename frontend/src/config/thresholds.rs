//! Alert thresholds per sensor type, as `config.json` gives them (`"thresholds": {"temperature": {...}}`), merged
//! over the defaults for the four seed types, and the alert level a value has against them. Pure.

use sensor_wire::{Limits, SEED_TYPES};
use serde::de::{Deserializer, MapAccess, Visitor};
use serde::Deserialize;
use std::fmt;

/// How far a value is from normal. Ordered: `Ok < Warn < Crit`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub enum Level {
    #[default]
    Ok,
    Warn,
    Crit,
}

impl Level {
    /// `data-alert` on a card.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Ok => "ok",
            Level::Warn => "warn",
            Level::Crit => "crit",
        }
    }
}

/// Limits for one sensor type; each is optional. A value strictly above `*_above` or strictly below `*_below` is at
/// that level; `crit` wins over `warn`.
#[derive(Debug, Clone, Copy, PartialEq, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Thresholds {
    #[serde(default)]
    pub warn_above: Option<f64>,
    #[serde(default)]
    pub crit_above: Option<f64>,
    #[serde(default)]
    pub warn_below: Option<f64>,
    #[serde(default)]
    pub crit_below: Option<f64>,
}

impl Thresholds {
    pub fn level(&self, value: f64) -> Level {
        let above = |limit: Option<f64>| limit.is_some_and(|l| value > l);
        let below = |limit: Option<f64>| limit.is_some_and(|l| value < l);
        if above(self.crit_above) || below(self.crit_below) {
            Level::Crit
        } else if above(self.warn_above) || below(self.warn_below) {
            Level::Warn
        } else {
            Level::Ok
        }
    }

    /// Every limit given is finite, and warn limits lie inside crit limits.
    pub fn is_consistent(&self) -> bool {
        let all = [self.warn_above, self.crit_above, self.warn_below, self.crit_below];
        let finite = all.iter().flatten().all(|v| v.is_finite());
        let ordered = |low: Option<f64>, high: Option<f64>| match (low, high) {
            (Some(l), Some(h)) => l <= h,
            _ => true,
        };
        finite
            && ordered(self.warn_above, self.crit_above)
            && ordered(self.crit_below, self.warn_below)
            && ordered(self.warn_below, self.warn_above)
    }
}

impl From<Limits> for Thresholds {
    fn from(l: Limits) -> Self {
        Self {
            warn_above: l.warn_above,
            crit_above: l.crit_above,
            warn_below: l.warn_below,
            crit_below: l.crit_below,
        }
    }
}

/// Defaults for the seed types (`sensor_wire::SEED_TYPES`), used where `config.json` names no thresholds for the
/// type: temperature (°C) warn above 35, crit above 38; humidity (%) warn outside 20–70, crit outside 10–85;
/// voltage (V) warn below 200 or above 250, crit below 180 or above 260; air quality (AQI) warn above 100
/// (unhealthy for sensitive groups), crit above 150 (unhealthy).
pub fn default_thresholds() -> impl Iterator<Item = (&'static str, Thresholds)> {
    SEED_TYPES.iter().map(|t| (t.name, Thresholds::from(t.limits)))
}

/// `"thresholds"` as `config.json` gives them, in file order (a later repeat of a type wins). A list rather than a
/// map type: a few entries, and it keeps the wasm smaller.
pub type ThresholdOverrides = Vec<(String, Thresholds)>;

/// Reads the `"thresholds"` JSON object into `ThresholdOverrides`.
pub fn deserialize_overrides<'de, D: Deserializer<'de>>(deserializer: D) -> Result<ThresholdOverrides, D::Error> {
    struct Entries;
    impl<'de> Visitor<'de> for Entries {
        type Value = ThresholdOverrides;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("an object of sensor types to thresholds")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut out = Vec::new();
            while let Some(entry) = map.next_entry::<String, Thresholds>()? {
                out.push(entry);
            }
            Ok(out)
        }
    }
    deserializer.deserialize_map(Entries)
}

/// Thresholds of every type: the defaults, with each type `config.json` names replaced as a whole.
#[derive(Debug, Clone, PartialEq)]
pub struct ThresholdTable {
    /// Searched from the end, so overrides (appended after the defaults) win.
    by_type: Vec<(String, Thresholds)>,
}

impl Default for ThresholdTable {
    fn default() -> Self {
        Self::with_overrides(Vec::new())
    }
}

impl ThresholdTable {
    pub fn with_overrides(overrides: ThresholdOverrides) -> Self {
        let mut by_type: Vec<(String, Thresholds)> =
            default_thresholds().map(|(name, t)| (name.to_owned(), t)).collect();
        by_type.extend(overrides);
        Self { by_type }
    }

    /// The level of `value` for sensor type `sensor`; `Ok` for a type without thresholds.
    pub fn level(&self, sensor: &str, value: f64) -> Level {
        self.get(sensor).map_or(Level::Ok, |t| t.level(value))
    }

    pub fn get(&self, sensor: &str) -> Option<&Thresholds> {
        self.by_type
            .iter()
            .rev()
            .find(|(name, _)| name == sensor)
            .map(|(_, t)| t)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const fn limits(
        warn_above: Option<f64>,
        crit_above: Option<f64>,
        warn_below: Option<f64>,
        crit_below: Option<f64>,
    ) -> Thresholds {
        Thresholds {
            warn_above,
            crit_above,
            warn_below,
            crit_below,
        }
    }

    #[test]
    fn a_value_beyond_a_crit_limit_is_crit_and_beyond_a_warn_limit_is_warn() {
        let t = ThresholdTable::default();
        assert_eq!(t.level("temperature", 30.0), Level::Ok);
        assert_eq!(t.level("temperature", 35.0), Level::Ok, "limits are exclusive");
        assert_eq!(t.level("temperature", 36.5), Level::Warn);
        assert_eq!(t.level("temperature", 38.1), Level::Crit);
        assert_eq!(t.level("voltage", 230.0), Level::Ok);
        assert_eq!(t.level("voltage", 190.0), Level::Warn);
        assert_eq!(t.level("voltage", 170.0), Level::Crit);
        assert_eq!(t.level("co2", 1e9), Level::Ok, "no thresholds, no alert");
    }

    #[test]
    fn a_configured_type_replaces_its_defaults_as_a_whole() {
        let overrides = vec![
            ("temperature".to_owned(), limits(None, None, Some(5.0), None)),
            ("co2".to_owned(), limits(Some(1000.0), None, None, None)),
        ];
        let t = ThresholdTable::with_overrides(overrides);
        assert_eq!(t.level("temperature", 50.0), Level::Ok);
        assert_eq!(t.level("temperature", 4.0), Level::Warn);
        assert_eq!(t.level("co2", 1001.0), Level::Warn);
        assert_eq!(t.level("voltage", 170.0), Level::Crit, "other defaults stay");
    }

    #[test]
    fn the_defaults_are_consistent_and_inverted_limits_are_not() {
        assert!(default_thresholds().all(|(_, t)| t.is_consistent()));
        assert!(!limits(Some(40.0), Some(30.0), None, None).is_consistent());
        assert!(!limits(None, None, Some(10.0), Some(20.0)).is_consistent());
        assert!(!limits(Some(f64::NAN), None, None, None).is_consistent());
    }
}
