//! Topic strings: `sensor/<type>` carries readings, `sensor/<type>/status` carries presence.
//! Nothing outside this module formats or splits a topic.

use crate::{clip, SensorName, WireError};

/// First level of every topic the system uses.
pub const TOPIC_ROOT: &str = "sensor";
/// The filter the dashboard subscribes to: every reading and every presence message.
pub const SUBSCRIBE_FILTER: &str = "sensor/#";
const STATUS_LEVEL: &str = "status";
/// Most of a bad topic quoted back in its error.
const MAX_QUOTED_TOPIC_CHARS: usize = 128;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Topic {
    /// `sensor/<type>`: readings.
    Reading(SensorName),
    /// `sensor/<type>/status`: retained presence, also the Last Will.
    Status(SensorName),
}

impl Topic {
    pub fn parse(topic: &str) -> Result<Self, WireError> {
        let bad = || WireError::Topic(clip(topic, MAX_QUOTED_TOPIC_CHARS).into_owned());
        let mut levels = topic.split('/');
        if levels.next() != Some(TOPIC_ROOT) {
            return Err(bad());
        }
        let name = levels.next().ok_or_else(bad)?;
        let name = SensorName::parse(name).map_err(|_| bad())?;
        match (levels.next(), levels.next()) {
            (None, _) => Ok(Topic::Reading(name)),
            (Some(STATUS_LEVEL), None) => Ok(Topic::Status(name)),
            _ => Err(bad()),
        }
    }

    pub fn sensor(&self) -> &SensorName {
        match self {
            Topic::Reading(n) | Topic::Status(n) => n,
        }
    }

    pub fn to_topic_string(&self) -> String {
        match self {
            Topic::Reading(n) => format!("{TOPIC_ROOT}/{n}"),
            Topic::Status(n) => format!("{TOPIC_ROOT}/{n}/{STATUS_LEVEL}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(s: &str) -> SensorName {
        SensorName::parse(s).unwrap()
    }

    #[test]
    fn builds_and_parses_reading_and_status_topics() {
        for t in [Topic::Reading(name("temperature")), Topic::Status(name("air_quality"))] {
            assert_eq!(Topic::parse(&t.to_topic_string()).unwrap(), t);
        }
        assert_eq!(Topic::Reading(name("humidity")).to_topic_string(), "sensor/humidity");
        assert_eq!(
            Topic::Status(name("humidity")).to_topic_string(),
            "sensor/humidity/status"
        );
    }

    #[test]
    fn rejects_foreign_roots_extra_levels_and_bad_names() {
        for t in [
            "",
            "sensor",
            "sensor/",
            "sensors/temp",
            "x/temp",
            "sensor/temp/extra",
            "sensor/temp/status/x",
            "sensor/Temp",
            "/sensor/temp",
            "sensor/temp/",
        ] {
            assert!(Topic::parse(t).is_err(), "{t:?} accepted");
        }
    }
}
