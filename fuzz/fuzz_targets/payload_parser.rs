//! The payload parser on any topic and any payload bytes: `parse_message` must never panic, and whatever it accepts
//! must survive its own `to_json` unchanged. Input: topic bytes, a 0 byte, payload bytes (no 0 byte: all payload,
//! on `sensor/temperature`).
#![no_main]

use libfuzzer_sys::fuzz_target;
use sensor_wire::{clip, parse_message, Message, Reading, SensorName, Status, Topic};

fuzz_target!(|data: &[u8]| {
    let (topic, payload) = match data.iter().position(|&b| b == 0) {
        Some(at) => (String::from_utf8_lossy(&data[..at]).into_owned(), &data[at + 1..]),
        None => ("sensor/temperature".to_owned(), data),
    };
    match parse_message(&topic, payload) {
        Ok(Message::Reading(r)) => assert_eq!(Reading::from_json(&r.to_json()).as_ref(), Ok(&r)),
        Ok(Message::Status(s)) => assert_eq!(Status::from_json(&s.to_json()).as_ref(), Ok(&s)),
        Err(e) => {
            // Every error renders: it is what the dashboard shows.
            let _ = e.to_string();
        }
    }
    let _ = Reading::from_json(payload).map_err(|e| e.to_string());
    let _ = Status::from_json(payload).map_err(|e| e.to_string());
    let text = String::from_utf8_lossy(payload);
    let _ = Topic::parse(&text).map_err(|e| e.to_string());
    let _ = SensorName::parse(&text).map_err(|e| e.to_string());
    for max in [0, 1, 7, 64, 160] {
        let shown = clip(&text, max);
        assert!(shown.chars().count() <= max + 1);
    }
});
