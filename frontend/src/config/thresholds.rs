//! Alert thresholds per sensor type, as `config.json` gives them (`"thresholds": {"temperature": {...}}`), merged
//! over the defaults for the four seed types: the alert level a value has against them, the clear lines
//! (hysteresis) and the hold time the alert policy (`dashboard/alert.rs`) applies. Pure.

use sensor_wire::{seed_type, Limits, DEFAULT_ALERT_HOLD_SECS, SEED_TYPES};
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
    /// The next level down (`Ok` stays `Ok`).
    pub fn lower(self) -> Level {
        match self {
            Level::Crit => Level::Warn,
            _ => Level::Ok,
        }
    }

    /// `data-alert` on a card.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Ok => "ok",
            Level::Warn => "warn",
            Level::Crit => "crit",
        }
    }
}

/// Most `for_seconds` a type may ask for: an hour.
pub const MAX_FOR_SECONDS: f64 = 3600.0;

/// Limits for one sensor type; each is optional. A value strictly above `*_above` or strictly below `*_below` is at
/// that level; `crit` wins over `warn`. `for_seconds` and `clear_margin` say how calmly an alert is raised and
/// cleared (`dashboard/alert.rs`); left out, they are `DEFAULT_ALERT_HOLD_SECS` and the seed type's margin (0 for
/// other types) — `ThresholdTable` fills them in.
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
    /// Hold time: readings stay beyond a clear line this long before an alert is raised, and back inside it this
    /// long before it clears.
    #[serde(default)]
    pub for_seconds: Option<f64>,
    /// Hysteresis in the sensor's unit: each limit's clear line lies this far inside it.
    #[serde(default)]
    pub clear_margin: Option<f64>,
}

/// A setting of one type's thresholds that `config.json` got wrong.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ThresholdProblem {
    /// A limit is not finite, or warn lies beyond crit.
    Limits,
    /// `for_seconds` is negative, not finite or over `MAX_FOR_SECONDS`.
    ForSeconds(f64),
    /// `clear_margin` is negative, not finite, or so wide that the clear lines of `warn_below` and `warn_above` meet.
    ClearMargin(f64),
}

/// Thresholds of a type nobody configured: no limits, so never an alert.
const NONE: Thresholds = Thresholds {
    warn_above: None,
    crit_above: None,
    warn_below: None,
    crit_below: None,
    for_seconds: None,
    clear_margin: None,
};

impl Thresholds {
    pub fn level(&self, value: f64) -> Level {
        self.level_with_margin(value, 0.0)
    }

    /// The level of `value` against the clear lines (every limit moved `clear_margin` inward): a raised alert of
    /// level L holds while this is at least L.
    pub fn clear_level(&self, value: f64) -> Level {
        self.level_with_margin(value, self.clear_margin.unwrap_or(0.0))
    }

    fn level_with_margin(&self, value: f64, margin: f64) -> Level {
        let above = |limit: Option<f64>| limit.is_some_and(|l| value > l - margin);
        let below = |limit: Option<f64>| limit.is_some_and(|l| value < l + margin);
        if above(self.crit_above) || below(self.crit_below) {
            Level::Crit
        } else if above(self.warn_above) || below(self.warn_below) {
            Level::Warn
        } else {
            Level::Ok
        }
    }

    /// The hold time in milliseconds.
    pub fn hold_ms(&self) -> u64 {
        let secs = self.for_seconds.unwrap_or(f64::from(DEFAULT_ALERT_HOLD_SECS));
        (secs.clamp(0.0, MAX_FOR_SECONDS) * 1000.0).round() as u64
    }

    /// What is wrong with these thresholds, if anything.
    pub fn problem(&self) -> Option<ThresholdProblem> {
        if !self.is_consistent() {
            return Some(ThresholdProblem::Limits);
        }
        if let Some(s) = self.for_seconds.filter(|s| !(0.0..=MAX_FOR_SECONDS).contains(s)) {
            return Some(ThresholdProblem::ForSeconds(s));
        }
        let gap = match (self.warn_below, self.warn_above) {
            (Some(low), Some(high)) => high - low,
            _ => f64::INFINITY,
        };
        self.clear_margin
            .filter(|m| !(m.is_finite() && *m >= 0.0 && 2.0 * m < gap))
            .map(ThresholdProblem::ClearMargin)
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
            for_seconds: Some(f64::from(DEFAULT_ALERT_HOLD_SECS)),
            clear_margin: Some(l.clear_margin),
        }
    }
}

/// Defaults for the seed types (`sensor_wire::SEED_TYPES`), used where `config.json` names no thresholds for the
/// type: temperature (°C) warn above 35, crit above 38, clear margin 1; humidity (%) warn outside 20–70, crit
/// outside 10–85, margin 5; voltage (V) warn below 200 or above 250, crit below 180 or above 260, margin 5; air
/// quality (AQI) warn above 100 (unhealthy for sensitive groups), crit above 150 (unhealthy), margin 10. Hold time
/// `DEFAULT_ALERT_HOLD_SECS` (30 s) for all.
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
    /// The defaults, then `overrides`: each replaces its type's limits as a whole; a `for_seconds` or
    /// `clear_margin` it leaves out is `DEFAULT_ALERT_HOLD_SECS` and the seed type's margin (0 for other types).
    pub fn with_overrides(overrides: ThresholdOverrides) -> Self {
        let mut by_type: Vec<(String, Thresholds)> =
            default_thresholds().map(|(name, t)| (name.to_owned(), t)).collect();
        by_type.extend(overrides.into_iter().map(|(name, mut t)| {
            t.for_seconds.get_or_insert(f64::from(DEFAULT_ALERT_HOLD_SECS));
            t.clear_margin
                .get_or_insert(seed_type(&name).map_or(0.0, |s| s.limits.clear_margin));
            (name, t)
        }));
        Self { by_type }
    }

    /// The thresholds of sensor type `sensor`; none (never an alert) for a type without any.
    pub fn for_type(&self, sensor: &str) -> &Thresholds {
        self.get(sensor).unwrap_or(&NONE)
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
            for_seconds: None,
            clear_margin: None,
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
    fn clear_lines_lie_the_margin_inside_each_limit() {
        let t = ThresholdTable::default();
        let temperature = t.for_type("temperature");
        assert_eq!(temperature.clear_margin, Some(1.0));
        assert_eq!(
            temperature.clear_level(34.0),
            Level::Ok,
            "34 is on the clear line of 35 − 1"
        );
        assert_eq!(temperature.clear_level(34.1), Level::Warn);
        assert_eq!(temperature.level(34.1), Level::Ok);
        assert_eq!(temperature.clear_level(37.5), Level::Crit);
        let voltage = t.for_type("voltage");
        assert_eq!(voltage.clear_level(204.0), Level::Warn, "below 200 + 5");
        assert_eq!(voltage.clear_level(205.0), Level::Ok);
        assert_eq!(voltage.clear_level(246.0), Level::Warn, "above 250 − 5");
        assert_eq!(t.for_type("co2").clear_level(1e9), Level::Ok, "no thresholds, no alert");
    }

    #[test]
    fn a_configured_type_keeps_the_default_hold_and_its_seed_margin_unless_it_names_them() {
        let overrides = vec![
            ("temperature".to_owned(), limits(Some(30.0), None, None, None)),
            ("co2".to_owned(), limits(Some(1000.0), None, None, None)),
            (
                "rpm".to_owned(),
                Thresholds {
                    for_seconds: Some(2.5),
                    clear_margin: Some(50.0),
                    ..limits(Some(3000.0), None, None, None)
                },
            ),
        ];
        let t = ThresholdTable::with_overrides(overrides);
        let hold = u64::from(DEFAULT_ALERT_HOLD_SECS) * 1000;
        assert_eq!(
            (
                t.for_type("temperature").hold_ms(),
                t.for_type("temperature").clear_margin
            ),
            (hold, Some(1.0))
        );
        assert_eq!(
            (t.for_type("co2").hold_ms(), t.for_type("co2").clear_margin),
            (hold, Some(0.0))
        );
        assert_eq!(
            (t.for_type("rpm").hold_ms(), t.for_type("rpm").clear_margin),
            (2_500, Some(50.0))
        );
        assert_eq!(t.for_type("nothing").hold_ms(), hold);
    }

    #[test]
    fn a_negative_hold_or_margin_or_one_that_closes_the_band_is_a_problem() {
        let band = limits(Some(70.0), None, Some(20.0), None);
        let with = |for_seconds, clear_margin| Thresholds {
            for_seconds,
            clear_margin,
            ..band
        };
        assert_eq!(with(Some(0.0), Some(0.0)).problem(), None);
        assert_eq!(
            with(Some(-1.0), None).problem(),
            Some(ThresholdProblem::ForSeconds(-1.0))
        );
        assert_eq!(
            with(Some(3601.0), None).problem(),
            Some(ThresholdProblem::ForSeconds(3601.0))
        );
        assert_eq!(
            with(None, Some(-0.5)).problem(),
            Some(ThresholdProblem::ClearMargin(-0.5))
        );
        assert_eq!(
            with(None, Some(25.0)).problem(),
            Some(ThresholdProblem::ClearMargin(25.0))
        );
        assert_eq!(with(None, Some(24.9)).problem(), None);
        assert_eq!(
            limits(Some(40.0), Some(30.0), None, None).problem(),
            Some(ThresholdProblem::Limits)
        );
    }

    #[test]
    fn the_defaults_are_consistent_and_inverted_limits_are_not() {
        assert!(default_thresholds().all(|(_, t)| t.is_consistent() && t.problem().is_none()));
        assert!(!limits(Some(40.0), Some(30.0), None, None).is_consistent());
        assert!(!limits(None, None, Some(10.0), Some(20.0)).is_consistent());
        assert!(!limits(Some(f64::NAN), None, None, None).is_consistent());
    }
}
