//! Display units of the seed sensor types.

/// The unit a seed sensor type is measured in, or `None` for types this system does not know.
pub fn unit_for(sensor: &str) -> Option<&'static str> {
    match sensor {
        "temperature" => Some("°C"),
        "humidity" => Some("%"),
        "voltage" => Some("V"),
        "air_quality" => Some("AQI"),
        _ => None,
    }
}
