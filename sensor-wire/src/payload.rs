//! JSON payloads: a `Reading` on `sensor/<type>` and a `Status` (presence) on `sensor/<type>/status`.
//!
//! The seed payload `{"sensor": "temperature", "value": 25.5, "broker_used": "broker-primary"}` is a valid
//! `Reading`; `seq`, `boot`, `ts` and `unit` are optional. Unknown fields are rejected.

use crate::{clip, SensorName, WireError, MAX_PAYLOAD_BYTES, MAX_TEXT_LEN};
use serde::{Deserialize, Serialize};

/// One sample from one sensor, as published.
#[derive(Debug, Clone, PartialEq)]
pub struct Reading {
    pub sensor: SensorName,
    pub value: f64,
    /// Name of the broker this message was published to.
    pub broker_used: String,
    /// +1 per reading within one `boot`.
    pub seq: Option<u64>,
    /// Identifies one run of the sensor process, so a restart is not mistaken for loss.
    pub boot: Option<String>,
    /// Sampling time, ms since the Unix epoch.
    pub ts: Option<u64>,
    pub unit: Option<String>,
}

/// Whether a sensor process is running, published retained and as its Last Will.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Presence {
    Online,
    Offline,
}

/// A presence message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    pub sensor: SensorName,
    pub status: Presence,
    pub broker_used: String,
    pub boot: String,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ReadingJson<'a> {
    #[serde(borrow)]
    sensor: std::borrow::Cow<'a, str>,
    value: f64,
    #[serde(borrow)]
    broker_used: std::borrow::Cow<'a, str>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    seq: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none", borrow)]
    boot: Option<std::borrow::Cow<'a, str>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    ts: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none", borrow)]
    unit: Option<std::borrow::Cow<'a, str>>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct StatusJson<'a> {
    #[serde(borrow)]
    sensor: std::borrow::Cow<'a, str>,
    status: Presence,
    #[serde(borrow)]
    broker_used: std::borrow::Cow<'a, str>,
    #[serde(borrow)]
    boot: std::borrow::Cow<'a, str>,
}

/// Longest parser message kept in a `WireError::Json`, in characters.
const MAX_ERROR_CHARS: usize = 160;

fn text(field: &'static str, s: &str) -> Result<String, WireError> {
    if s.is_empty() || s.chars().count() > MAX_TEXT_LEN || s.chars().any(char::is_control) {
        Err(WireError::Text { field })
    } else {
        Ok(s.to_owned())
    }
}

fn json_text(payload: &[u8]) -> Result<&str, WireError> {
    if payload.len() > MAX_PAYLOAD_BYTES {
        return Err(WireError::TooLarge(payload.len()));
    }
    std::str::from_utf8(payload).map_err(|_| WireError::NotUtf8)
}

/// serde_json quotes the offending key or value in its message, so the message is as foreign as the payload.
fn json_error(e: serde_json::Error) -> WireError {
    WireError::Json(clip(&e.to_string(), MAX_ERROR_CHARS).into_owned())
}

impl Reading {
    /// Parses and validates a reading payload (without checking it against a topic).
    pub fn from_json(payload: &[u8]) -> Result<Self, WireError> {
        let raw: ReadingJson = serde_json::from_str(json_text(payload)?).map_err(json_error)?;
        if !raw.value.is_finite() {
            return Err(WireError::NotFinite(raw.value));
        }
        Ok(Reading {
            sensor: SensorName::parse(&raw.sensor)?,
            value: raw.value,
            broker_used: text("broker_used", &raw.broker_used)?,
            seq: raw.seq,
            boot: raw.boot.as_deref().map(|b| text("boot", b)).transpose()?,
            ts: raw.ts,
            unit: raw.unit.as_deref().map(|u| text("unit", u)).transpose()?,
        })
    }

    pub fn to_json(&self) -> Vec<u8> {
        let raw = ReadingJson {
            sensor: self.sensor.as_str().into(),
            value: self.value,
            broker_used: self.broker_used.as_str().into(),
            seq: self.seq,
            boot: self.boot.as_deref().map(Into::into),
            ts: self.ts,
            unit: self.unit.as_deref().map(Into::into),
        };
        // Serialising plain strings and numbers cannot fail; a non-finite value becomes `null`.
        serde_json::to_vec(&raw).unwrap_or_default()
    }
}

impl Status {
    pub fn from_json(payload: &[u8]) -> Result<Self, WireError> {
        let raw: StatusJson = serde_json::from_str(json_text(payload)?).map_err(json_error)?;
        Ok(Status {
            sensor: SensorName::parse(&raw.sensor)?,
            status: raw.status,
            broker_used: text("broker_used", &raw.broker_used)?,
            boot: text("boot", &raw.boot)?,
        })
    }

    pub fn to_json(&self) -> Vec<u8> {
        let raw = StatusJson {
            sensor: self.sensor.as_str().into(),
            status: self.status,
            broker_used: self.broker_used.as_str().into(),
            boot: self.boot.as_str().into(),
        };
        serde_json::to_vec(&raw).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_seed_payload() {
        let r = Reading::from_json(br#"{"sensor": "temperature", "value": 25.5, "broker_used": "broker-primary"}"#)
            .unwrap();
        assert_eq!(r.sensor.as_str(), "temperature");
        assert_eq!(r.value, 25.5);
        assert_eq!(r.broker_used, "broker-primary");
        assert_eq!((r.seq, r.boot, r.ts, r.unit), (None, None, None, None));
    }

    #[test]
    fn accepts_integer_values() {
        let r = Reading::from_json(br#"{"sensor":"humidity","value":45,"broker_used":"b"}"#).unwrap();
        assert_eq!(r.value, 45.0);
    }

    #[test]
    fn round_trips_a_full_reading() {
        let r = Reading {
            sensor: SensorName::parse("voltage").unwrap(),
            value: 231.0,
            broker_used: "broker-secondary".into(),
            seq: Some(u64::MAX),
            boot: Some("7f3a".into()),
            ts: Some(1_764_000_000_000),
            unit: Some("V".into()),
        };
        assert_eq!(Reading::from_json(&r.to_json()).unwrap(), r);
    }

    #[test]
    fn leaves_absent_optional_fields_out_of_the_json() {
        let r = Reading::from_json(br#"{"sensor":"humidity","value":45,"broker_used":"b"}"#).unwrap();
        assert_eq!(
            String::from_utf8(r.to_json()).unwrap(),
            r#"{"sensor":"humidity","value":45.0,"broker_used":"b"}"#
        );
    }

    #[test]
    fn round_trips_a_status() {
        let s = Status {
            sensor: SensorName::parse("temperature").unwrap(),
            status: Presence::Offline,
            broker_used: "broker-primary".into(),
            boot: "b1".into(),
        };
        assert_eq!(Status::from_json(&s.to_json()).unwrap(), s);
        assert!(String::from_utf8(s.to_json())
            .unwrap()
            .contains(r#""status":"offline""#));
    }

    #[test]
    fn rejects_malformed_readings_with_typed_errors() {
        type Expect = fn(&WireError) -> bool;
        let cases: &[(&[u8], Expect)] = &[
            (b"", |e| matches!(e, WireError::Json(_))),
            (b"not json", |e| matches!(e, WireError::Json(_))),
            (b"\xff\xfe", |e| matches!(e, WireError::NotUtf8)),
            (br#"{"sensor":"t","value":"25","broker_used":"b"}"#, |e| {
                matches!(e, WireError::Json(_))
            }),
            (br#"{"sensor":"t","value":NaN,"broker_used":"b"}"#, |e| {
                matches!(e, WireError::Json(_))
            }),
            (br#"{"sensor":"t","value":1e999,"broker_used":"b"}"#, |e| {
                matches!(e, WireError::Json(_))
            }),
            (br#"{"sensor":"t","broker_used":"b"}"#, |e| {
                matches!(e, WireError::Json(_))
            }),
            (br#"{"sensor":"t","value":1,"broker_used":"b","x":1}"#, |e| {
                matches!(e, WireError::Json(_))
            }),
            (br#"{"sensor":"T T","value":1,"broker_used":"b"}"#, |e| {
                matches!(e, WireError::SensorName(_))
            }),
            (br#"{"sensor":"t","value":1,"broker_used":""}"#, |e| {
                matches!(e, WireError::Text { .. })
            }),
            (br#"{"sensor":"t","value":1,"broker_used":"b","seq":-1}"#, |e| {
                matches!(e, WireError::Json(_))
            }),
            (br#"[1,2,3]"#, |e| matches!(e, WireError::Json(_))),
        ];
        for (payload, expected) in cases {
            let err = Reading::from_json(payload).unwrap_err();
            assert!(expected(&err), "{:?} gave {err:?}", String::from_utf8_lossy(payload));
        }
    }

    #[test]
    fn quotes_long_non_ascii_keys_and_values_in_errors_without_cutting_a_character() {
        // serde_json quotes the key or value it rejects; each case puts a multi-byte character across byte 160.
        for filler in ["é", "€", "😀", "a€"] {
            let long = filler.repeat(200);
            let payloads = [
                format!(r#"{{"sensor":"temperature","value":1,"broker_used":"b","{long}":1}}"#),
                format!(r#"{{"sensor":"temperature","value":"{long}","broker_used":"b"}}"#),
                format!(r#"{{"sensor":{{"{long}":1}},"value":1,"broker_used":"b"}}"#),
            ];
            for payload in payloads {
                let Err(WireError::Json(message)) = Reading::from_json(payload.as_bytes()) else {
                    panic!("accepted or not a JSON error: {payload}")
                };
                assert!(message.chars().count() <= MAX_ERROR_CHARS + 1, "{message}");
                let err = Status::from_json(payload.as_bytes()).unwrap_err();
                assert!(err.to_string().len() < 1_000);
            }
        }
    }

    #[test]
    fn rejects_oversized_and_deeply_nested_payloads_without_panicking() {
        let big = vec![b' '; MAX_PAYLOAD_BYTES + 1];
        assert_eq!(
            Reading::from_json(&big),
            Err(WireError::TooLarge(MAX_PAYLOAD_BYTES + 1))
        );
        let nested = format!("{}{}", "[".repeat(2000), "]".repeat(2000));
        assert!(Reading::from_json(nested.as_bytes()).is_err());
    }
}
