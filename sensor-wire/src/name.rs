//! `SensorName`: a validated sensor type such as `temperature`, usable as one MQTT topic level.

use crate::{clip, WireError};
use std::fmt;

/// Longest sensor name accepted.
pub const MAX_SENSOR_NAME_LEN: usize = 64;

/// A sensor type name: 1–64 characters of `a-z`, `0-9`, `_`, `-`. Safe as a topic level (no `/`, `+`, `#`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SensorName(String);

impl SensorName {
    pub fn parse(s: &str) -> Result<Self, WireError> {
        let ok = !s.is_empty()
            && s.len() <= MAX_SENSOR_NAME_LEN
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-');
        if ok {
            Ok(Self(s.to_owned()))
        } else {
            Err(WireError::SensorName(clip(s, MAX_SENSOR_NAME_LEN).into_owned()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for SensorName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_seed_names() {
        for n in ["temperature", "humidity", "voltage", "air_quality", "co2-2"] {
            assert_eq!(SensorName::parse(n).unwrap().as_str(), n);
        }
    }

    #[test]
    fn rejects_wildcards_separators_and_empty() {
        for n in ["", "a/b", "+", "#", "Temp", "tem perature", "ä"] {
            assert!(SensorName::parse(n).is_err(), "{n:?} accepted");
        }
    }

    #[test]
    fn rejects_overlong_names_and_truncates_them_in_the_error() {
        let long = "a".repeat(1000);
        let Err(WireError::SensorName(shown)) = SensorName::parse(&long) else {
            panic!("accepted")
        };
        assert!(shown.len() < 100);
    }
}
