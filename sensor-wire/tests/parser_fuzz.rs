//! Property-based fuzzing of the wire parser: any topic and any bytes give `Ok` or a typed `Err`, never a panic,
//! and everything the crate builds, it parses back unchanged.
//!
//! CI runs the default number of cases; a long run: `PROPTEST_CASES=2000000 cargo test -p sensor-wire --release
//! --test parser_fuzz`.

use proptest::prelude::*;
use sensor_wire::{parse_message, Message, Presence, Reading, SensorName, Status, Topic};

fn sensor_name() -> impl Strategy<Value = SensorName> {
    "[a-z0-9_-]{1,64}".prop_map(|s| SensorName::parse(&s).expect("strategy yields valid names"))
}

fn text() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9 ._-]{1,64}"
}

fn reading() -> impl Strategy<Value = Reading> {
    (
        sensor_name(),
        any::<f64>().prop_filter("finite", |v| v.is_finite()),
        text(),
        any::<Option<u64>>(),
        proptest::option::of(text()),
        any::<Option<u64>>(),
        proptest::option::of(text()),
    )
        .prop_map(|(sensor, value, broker_used, seq, boot, ts, unit)| Reading {
            sensor,
            value,
            broker_used,
            seq,
            boot,
            ts,
            unit,
        })
}

/// JSON-ish text built from the pieces real payloads are made of, so the parser's deeper paths get exercised.
fn jsonish() -> impl Strategy<Value = Vec<u8>> {
    let atoms = prop_oneof![
        Just("{".to_string()),
        Just("}".to_string()),
        Just("[".to_string()),
        Just("]".to_string()),
        Just(",".to_string()),
        Just(":".to_string()),
        Just("\"sensor\"".to_string()),
        Just("\"value\"".to_string()),
        Just("\"broker_used\"".to_string()),
        Just("\"seq\"".to_string()),
        Just("\"boot\"".to_string()),
        Just("\"ts\"".to_string()),
        Just("\"unit\"".to_string()),
        Just("\"temperature\"".to_string()),
        Just("null".to_string()),
        Just("NaN".to_string()),
        Just("-1e999".to_string()),
        any::<i64>().prop_map(|n| n.to_string()),
        any::<f64>().prop_map(|n| n.to_string()),
        "\"[^\"]{0,80}\"",
    ];
    proptest::collection::vec(atoms, 0..40).prop_map(|parts| parts.concat().into_bytes())
}

fn topic() -> impl Strategy<Value = String> {
    prop_oneof![
        sensor_name().prop_map(|n| Topic::Reading(n).to_topic_string()),
        sensor_name().prop_map(|n| Topic::Status(n).to_topic_string()),
        ".{0,100}",
    ]
}

proptest! {
    #[test]
    fn arbitrary_bytes_on_any_topic_never_panic(topic in topic(), payload in proptest::collection::vec(any::<u8>(), 0..5000)) {
        let _ = parse_message(&topic, &payload);
    }

    #[test]
    fn jsonish_payloads_never_panic(topic in topic(), payload in jsonish()) {
        let _ = parse_message(&topic, &payload);
    }

    #[test]
    fn every_built_reading_parses_back_unchanged(r in reading()) {
        let topic = Topic::Reading(r.sensor.clone()).to_topic_string();
        prop_assert_eq!(parse_message(&topic, &r.to_json()), Ok(Message::Reading(r)));
    }

    #[test]
    fn every_built_status_parses_back_unchanged(sensor in sensor_name(), online in any::<bool>(), broker in text(), boot in text()) {
        let s = Status { sensor, status: if online { Presence::Online } else { Presence::Offline }, broker_used: broker, boot };
        let topic = Topic::Status(s.sensor.clone()).to_topic_string();
        prop_assert_eq!(parse_message(&topic, &s.to_json()), Ok(Message::Status(s)));
    }
}
