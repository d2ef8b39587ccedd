//! The seed's four sensor types, described once: unit, value range and decimals (what a sensor samples), and the
//! default alert limits (what the dashboard warns about). The sensor, the dashboard and the tests all read this
//! table; nothing else names a seed type's unit, range or limits. Pure data.

/// Alert limits of one sensor type; each is optional. A value strictly above `*_above` or strictly below `*_below`
/// is at that level; crit wins over warn.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Limits {
    pub warn_above: Option<f64>,
    pub crit_above: Option<f64>,
    pub warn_below: Option<f64>,
    pub crit_below: Option<f64>,
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
    fn finds_seed_types_by_name_only() {
        assert_eq!(seed_type("humidity").map(|t| t.unit), Some("%"));
        assert_eq!(unit_for("air_quality"), Some("AQI"));
        assert_eq!(unit_for("co2"), None);
        assert_eq!(seed_type("Temperature"), None);
    }
}
