//! `parse_message`: topic + payload → a checked `Message`, the single entry point for received data.

use crate::{Reading, Status, Topic, WireError};

#[derive(Debug, Clone, PartialEq)]
pub enum Message {
    Reading(Reading),
    Status(Status),
}

impl Message {
    pub fn sensor(&self) -> &crate::SensorName {
        match self {
            Message::Reading(r) => &r.sensor,
            Message::Status(s) => &s.sensor,
        }
    }
}

/// Parses what arrived on `topic`. The payload's `sensor` must match the topic's sensor level.
pub fn parse_message(topic: &str, payload: &[u8]) -> Result<Message, WireError> {
    let topic = Topic::parse(topic)?;
    let msg = match &topic {
        Topic::Reading(_) => Message::Reading(Reading::from_json(payload)?),
        Topic::Status(_) => Message::Status(Status::from_json(payload)?),
    };
    if msg.sensor() != topic.sensor() {
        return Err(WireError::SensorMismatch {
            topic: topic.sensor().to_string(),
            payload: msg.sensor().to_string(),
        });
    }
    Ok(msg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_seed_message_on_its_topic() {
        let m = parse_message(
            "sensor/temperature",
            br#"{"sensor":"temperature","value":25.5,"broker_used":"x"}"#,
        );
        assert!(matches!(m, Ok(Message::Reading(r)) if r.value == 25.5));
    }

    #[test]
    fn parses_a_status_on_the_status_topic() {
        let m = parse_message(
            "sensor/humidity/status",
            br#"{"sensor":"humidity","status":"online","broker_used":"b","boot":"1"}"#,
        );
        assert!(matches!(m, Ok(Message::Status(_))));
    }

    #[test]
    fn rejects_a_payload_whose_sensor_differs_from_the_topic() {
        let m = parse_message(
            "sensor/humidity",
            br#"{"sensor":"temperature","value":1,"broker_used":"b"}"#,
        );
        assert!(matches!(m, Err(WireError::SensorMismatch { .. })));
    }

    #[test]
    fn rejects_a_reading_on_the_status_topic() {
        let m = parse_message(
            "sensor/humidity/status",
            br#"{"sensor":"humidity","value":1,"broker_used":"b"}"#,
        );
        assert!(matches!(m, Err(WireError::Json(_))));
    }
}
