//! The seed's four sensor types, described once: unit, value range and decimals (what a sensor samples), the
//! default alert limits and clear margins (what the dashboard warns about, and how calmly), and a type's title in
//! words. The sensor, the dashboard and the tests all read this table; nothing else names a seed type's unit, range
//! or limits. Pure data and pure functions.

use std::borrow::Cow;

/// How long, in seconds, readings must stay beyond a limit before the dashboard raises an alert, and back inside
/// before it clears one, for any type whose `config.json` thresholds give no `for_seconds`. 30 s is 15 readings at
/// the seed's 2 s: a uniform random value beyond a clear line with probability `p` stays there for 15 readings in a
/// row with probability `p^15` (0.7^15 ≈ 0.005), so noise rarely raises, while a real excursion shows within half a
/// minute. docs/alerts.md works out what the seed's sensors do with it.
pub const DEFAULT_ALERT_HOLD_SECS: u32 = 30;

/// Alert limits of one sensor type; each is optional. A value strictly above `*_above` or strictly below `*_below`
/// is at that level; crit wins over warn.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Limits {
    pub warn_above: Option<f64>,
    pub crit_above: Option<f64>,
    pub warn_below: Option<f64>,
    pub crit_below: Option<f64>,
    /// Hysteresis, in the type's unit: a raised alert clears only once readings are this far back inside its limit
    /// (below `warn_above - clear_margin`, above `warn_below + clear_margin`). Larger than the sensor's noise,
    /// well under the gap between warn and crit.
    pub clear_margin: f64,
}

/// One known sensor type.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SensorType {
    /// The `SENSOR_TYPE` and topic level, e.g. `air_quality`.
    pub name: &'static str,
    /// The type in words, for titles: `Air quality`.
    pub title: &'static str,
    /// The display unit, e.g. `°C`.
    pub unit: &'static str,
    /// The seed's sampling range, inclusive.
    pub min: f64,
    pub max: f64,
    /// Decimals a sampled value keeps.
    pub decimals: u8,
    /// Default alert limits, used where the dashboard's `config.json` names none for the type.
    pub limits: Limits,
}

/// The seed's sensor types (`sensor-temp`, `sensor-humidity`, `sensor-volt`, `sensor-air`), in the seed's order.
pub const SEED_TYPES: [SensorType; 4] = [
    SensorType {
        name: "temperature",
        title: "Temperature",
        unit: "°C",
        min: 25.0,
        max: 40.0,
        decimals: 1,
        limits: Limits {
            warn_above: Some(35.0),
            crit_above: Some(38.0),
            warn_below: None,
            crit_below: None,
            // A thermostat's usual hysteresis; ten steps of the sensor's 0.1 °C resolution.
            clear_margin: 1.0,
        },
    },
    SensorType {
        name: "humidity",
        title: "Humidity",
        unit: "%",
        min: 30.0,
        max: 70.0,
        decimals: 0,
        limits: Limits {
            warn_above: Some(70.0),
            crit_above: Some(85.0),
            warn_below: Some(20.0),
            crit_below: Some(10.0),
            // About twice a capacitive humidity sensor's ±2–3 % accuracy.
            clear_margin: 5.0,
        },
    },
    SensorType {
        name: "voltage",
        title: "Voltage",
        unit: "V",
        min: 110.0,
        max: 240.0,
        decimals: 0,
        limits: Limits {
            warn_above: Some(250.0),
            crit_above: Some(260.0),
            warn_below: Some(200.0),
            crit_below: Some(180.0),
            // About 2 % of 230 V: above ordinary mains ripple, a quarter of the 20 V between warn and crit.
            clear_margin: 5.0,
        },
    },
    SensorType {
        name: "air_quality",
        title: "Air quality",
        unit: "AQI",
        // AQI 100–150: unhealthy for sensitive groups; above 150: unhealthy.
        min: 50.0,
        max: 150.0,
        decimals: 0,
        limits: Limits {
            warn_above: Some(100.0),
            crit_above: Some(150.0),
            warn_below: None,
            crit_below: None,
            // A fifth of an AQI category (each is 50 wide).
            clear_margin: 10.0,
        },
    },
];

/// The seed type named `name`, or `None` for any other sensor.
pub fn seed_type(name: &str) -> Option<&'static SensorType> {
    SEED_TYPES.iter().find(|t| t.name == name)
}

/// The unit a seed sensor type is measured in, or `None` for types this system does not know.
pub fn unit_for(sensor: &str) -> Option<&'static str> {
    seed_type(sensor).map(|t| t.unit)
}

/// A sensor type in words, for titles: the seed's title (`air_quality` → `Air quality`), else the name with
/// underscores as spaces and its first letter upper-cased (`wind_speed` → `Wind speed`). Sensor names are ASCII
/// (`SensorName`), so only an ASCII first letter is upper-cased: the browser build then needs no Unicode case tables.
pub fn title_for(sensor: &str) -> Cow<'static, str> {
    if let Some(t) = seed_type(sensor) {
        return Cow::Borrowed(t.title);
    }
    let mut chars = sensor.chars();
    let mut title = String::with_capacity(sensor.len());
    if let Some(first) = chars.next() {
        title.push(first.to_ascii_uppercase());
    }
    title.extend(chars.map(|c| if c == '_' { ' ' } else { c }));
    Cow::Owned(title)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SensorName;

    #[test]
    fn every_seed_type_is_a_valid_sensor_name_with_a_sane_range() {
        for t in SEED_TYPES {
            assert_eq!(SensorName::parse(t.name).map(|n| n.to_string()), Ok(t.name.to_owned()));
            assert!(t.min < t.max && t.min.is_finite() && t.max.is_finite(), "{}", t.name);
            assert!(!t.unit.is_empty() && !t.title.is_empty());
        }
    }

    #[test]
    fn the_ranges_are_the_seeds_contract() {
        // The seed README's sensors: temperature 25–40 °C (one decimal), humidity 30–70 %, voltage 110–240 V,
        // air quality 50–150 AQI. The one place these numbers are restated.
        let ranges: Vec<_> = SEED_TYPES.iter().map(|t| (t.name, t.min, t.max, t.decimals)).collect();
        assert_eq!(
            ranges,
            [
                ("temperature", 25.0, 40.0, 1),
                ("humidity", 30.0, 70.0, 0),
                ("voltage", 110.0, 240.0, 0),
                ("air_quality", 50.0, 150.0, 0)
            ]
        );
    }

    #[test]
    fn titles_are_words() {
        assert_eq!(title_for("air_quality"), "Air quality");
        assert_eq!(title_for("temperature"), "Temperature");
        assert_eq!(title_for("wind_speed"), "Wind speed");
        assert_eq!(title_for("co2"), "Co2");
        assert_eq!(
            title_for("ölstand_2"),
            "ölstand 2",
            "not a sensor name; kept as it is but for the spaces"
        );
        assert_eq!(title_for("pm2-5"), "Pm2-5");
        assert_eq!(title_for(""), "");
    }

    #[test]
    fn clear_margins_are_positive_and_narrower_than_the_gap_between_warn_and_crit() {
        for t in SEED_TYPES {
            let l = t.limits;
            assert!(l.clear_margin > 0.0 && l.clear_margin.is_finite(), "{}", t.name);
            for (warn, crit) in [(l.warn_above, l.crit_above), (l.warn_below, l.crit_below)] {
                if let (Some(w), Some(c)) = (warn, crit) {
                    assert!(l.clear_margin < (c - w).abs(), "{}", t.name);
                }
            }
            if let (Some(below), Some(above)) = (l.warn_below, l.warn_above) {
                assert!(2.0 * l.clear_margin < above - below, "{}", t.name);
            }
        }
    }

    #[test]
    fn finds_seed_types_by_name_only() {
        assert_eq!(seed_type("humidity").map(|t| t.unit), Some("%"));
        assert_eq!(unit_for("air_quality"), Some("AQI"));
        assert_eq!(unit_for("co2"), None);
        assert_eq!(seed_type("Temperature"), None);
    }
}
