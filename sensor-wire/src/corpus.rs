//! A corpus of malformed messages on `sensor/#`: what a broken or hostile client might publish.
//! Every entry must be rejected by `parse_message`. Test data only (feature `corpus`), never used at run time.

/// One malformed message: why it is malformed, where it is published, what it carries.
#[derive(Debug, Clone)]
pub struct Malformed {
    pub why: &'static str,
    pub topic: String,
    pub payload: Vec<u8>,
}

fn entry(why: &'static str, topic: &str, payload: impl Into<Vec<u8>>) -> Malformed {
    Malformed {
        why,
        topic: topic.to_owned(),
        payload: payload.into(),
    }
}

/// Payloads with these `sensor`/`value`/`broker_used` defaults, but one part replaced.
fn reading(sensor: &str, value: &str, broker: &str) -> String {
    format!(r#"{{"sensor":{sensor},"value":{value},"broker_used":{broker}}}"#)
}

/// The corpus. All entries fit in the brokers' 4 KiB limit except the one that tests it.
pub fn malformed() -> Vec<Malformed> {
    const T: &str = "sensor/temperature";
    const S: &str = "sensor/temperature/status";
    let ok_sensor = r#""temperature""#;
    let ok_broker = r#""broker-primary""#;
    let r = |value: &str| reading(ok_sensor, value, ok_broker);
    let deep = format!("{}{}", "[".repeat(1000), "]".repeat(1000));
    let deep_value = format!(
        r#"{{"sensor":"temperature","value":{}1{},"broker_used":"b"}}"#,
        "[".repeat(200),
        "]".repeat(200)
    );
    let binary: Vec<u8> = (0u8..=255).collect();
    vec![
        entry("empty payload", T, ""),
        entry("not JSON", T, "not json"),
        entry("truncated JSON", T, r#"{"sensor":"temperature","value":25"#),
        entry("JSON null", T, "null"),
        entry("JSON array", T, "[]"),
        entry("JSON number", T, "42"),
        entry("JSON string", T, r#""temperature""#),
        entry("empty object", T, "{}"),
        entry("missing value", T, r#"{"sensor":"temperature","broker_used":"b"}"#),
        entry("missing sensor", T, r#"{"value":25.5,"broker_used":"b"}"#),
        entry("missing broker_used", T, r#"{"sensor":"temperature","value":25.5}"#),
        entry("value is a string", T, r(r#""25.5""#)),
        entry("value is null", T, r("null")),
        entry("value is a boolean", T, r("true")),
        entry("value is an array", T, r("[25.5]")),
        entry("value is an object", T, r(r#"{"v":25.5}"#)),
        entry("value is NaN", T, r("NaN")),
        entry("value is Infinity", T, r("Infinity")),
        entry("value is -Infinity", T, r("-Infinity")),
        entry("value overflows f64", T, r("1e999")),
        entry("value underflows to -inf", T, r("-1e999")),
        entry("value in hex", T, r("0x19")),
        entry("value with a leading plus", T, r("+25")),
        entry("value with a leading zero", T, r("025")),
        entry("sensor is a number", T, reading("1", "25.5", ok_broker)),
        entry("sensor is null", T, reading("null", "25.5", ok_broker)),
        entry("broker_used is a number", T, reading(ok_sensor, "25.5", "1")),
        entry("broker_used is empty", T, reading(ok_sensor, "25.5", r#""""#)),
        entry(
            "broker_used has a control character",
            T,
            reading(ok_sensor, "25.5", r#""broker\u0007""#),
        ),
        entry(
            "broker_used is very long",
            T,
            reading(ok_sensor, "25.5", &format!("\"{}\"", "b".repeat(3000))),
        ),
        entry(
            "seq is negative",
            T,
            r#"{"sensor":"temperature","value":1,"broker_used":"b","seq":-1}"#,
        ),
        entry(
            "seq is a float",
            T,
            r#"{"sensor":"temperature","value":1,"broker_used":"b","seq":1.5}"#,
        ),
        entry(
            "seq is a string",
            T,
            r#"{"sensor":"temperature","value":1,"broker_used":"b","seq":"1"}"#,
        ),
        entry(
            "seq exceeds u64",
            T,
            r#"{"sensor":"temperature","value":1,"broker_used":"b","seq":18446744073709551616}"#,
        ),
        entry(
            "ts is a string",
            T,
            r#"{"sensor":"temperature","value":1,"broker_used":"b","ts":"now"}"#,
        ),
        entry(
            "boot is a number",
            T,
            r#"{"sensor":"temperature","value":1,"broker_used":"b","boot":7}"#,
        ),
        entry(
            "unit is a number",
            T,
            r#"{"sensor":"temperature","value":1,"broker_used":"b","unit":1}"#,
        ),
        entry(
            "unknown extra field",
            T,
            r#"{"sensor":"temperature","value":1,"broker_used":"b","admin":true}"#,
        ),
        entry(
            "duplicated key",
            T,
            r#"{"sensor":"temperature","value":1,"value":2,"broker_used":"b"}"#,
        ),
        entry(
            "sensor does not match the topic",
            T,
            reading(r#""humidity""#, "50", ok_broker),
        ),
        entry(
            "sensor name in upper case",
            "sensor/Temperature",
            reading(r#""Temperature""#, "25", ok_broker),
        ),
        entry(
            "sensor name with a space",
            T,
            reading(r#""temp erature""#, "25", ok_broker),
        ),
        entry("sensor name is empty", T, reading(r#""""#, "25", ok_broker)),
        entry(
            "sensor name is very long",
            T,
            reading(&format!("\"{}\"", "t".repeat(2000)), "25", ok_broker),
        ),
        entry(
            "payload over the 4 KiB limit",
            T,
            format!(
                r#"{{"sensor":"temperature","value":1,"broker_used":"{}"}}"#,
                "x".repeat(5000)
            ),
        ),
        entry("deeply nested arrays", T, deep),
        entry("deeply nested value", T, deep_value),
        entry("binary bytes", T, binary),
        entry("invalid UTF-8", T, b"\xff\xfe\xfd{\"sensor\":1}".to_vec()),
        entry("UTF-8 byte-order mark", T, format!("\u{feff}{}", r("25"))),
        entry(
            "NUL inside the JSON",
            T,
            b"{\"sensor\":\"temperature\0\",\"value\":1,\"broker_used\":\"b\"}".to_vec(),
        ),
        entry("trailing garbage", T, format!("{}x", r("25"))),
        entry("two JSON objects", T, format!("{}{}", r("25"), r("26"))),
        entry("JSON with a comment", T, format!("/* hi */{}", r("25"))),
        entry(
            "single-quoted JSON",
            T,
            "{'sensor':'temperature','value':25,'broker_used':'b'}",
        ),
        // Text from outside the ASCII range: 2-, 3- and 4-byte characters, long enough that any error message
        // quoting them must be cut, in every field and as a key. The parser once panicked cutting such a message.
        entry(
            "unknown key of 4-byte characters",
            T,
            format!(
                r#"{{"sensor":"temperature","value":1,"broker_used":"b","{}":1}}"#,
                "😀".repeat(300)
            ),
        ),
        entry(
            "unknown key of 2-byte characters",
            T,
            format!(
                r#"{{"sensor":"temperature","value":1,"broker_used":"b","{}":1}}"#,
                "é".repeat(500)
            ),
        ),
        entry(
            "sensor name is long non-ASCII",
            T,
            reading(&format!("\"{}\"", "é".repeat(600)), "25", ok_broker),
        ),
        entry(
            "sensor name has 4-byte characters",
            T,
            reading(r#""温度😀""#, "25", ok_broker),
        ),
        entry(
            "value is a non-ASCII string",
            T,
            r(&format!("\"{}\"", "二十五".repeat(200))),
        ),
        entry(
            "value is a key of 3-byte characters",
            T,
            r(&format!(r#"{{"{}":25}}"#, "€".repeat(300))),
        ),
        entry(
            "broker_used is 65 characters of 3 bytes",
            T,
            reading(ok_sensor, "25", &format!("\"{}\"", "€".repeat(65))),
        ),
        entry(
            "broker_used is long 4-byte text",
            T,
            reading(ok_sensor, "25", &format!("\"{}\"", "𝔟".repeat(900))),
        ),
        entry(
            "boot is long non-ASCII",
            T,
            format!(
                r#"{{"sensor":"temperature","value":1,"broker_used":"b","boot":"{}"}}"#,
                "ブート".repeat(100)
            ),
        ),
        entry(
            "unit is long 4-byte text",
            T,
            format!(
                r#"{{"sensor":"temperature","value":1,"broker_used":"b","unit":"{}"}}"#,
                "🌡".repeat(500)
            ),
        ),
        entry(
            "seq is a non-ASCII string",
            T,
            format!(
                r#"{{"sensor":"temperature","value":1,"broker_used":"b","seq":"{}"}}"#,
                "一".repeat(400)
            ),
        ),
        entry(
            "ts is a non-ASCII string",
            T,
            format!(
                r#"{{"sensor":"temperature","value":1,"broker_used":"b","ts":"{}"}}"#,
                "ζ".repeat(700)
            ),
        ),
        entry(
            "lone surrogate escape in a key",
            T,
            r#"{"sensor":"temperature","value":1,"broker_used":"b","\ud800":1}"#,
        ),
        entry("non-breaking space before the value", T, r("\u{a0}25")),
        entry(
            "payload over the 4 KiB limit in 4-byte characters",
            T,
            format!(
                r#"{{"sensor":"temperature","value":1,"broker_used":"{}"}}"#,
                "😀".repeat(1100)
            ),
        ),
        entry(
            "presence value is long non-ASCII",
            S,
            format!(
                r#"{{"sensor":"temperature","status":"{}","broker_used":"b","boot":"1"}}"#,
                "オンライン".repeat(100)
            ),
        ),
        entry(
            "presence boot is long 4-byte text",
            S,
            format!(
                r#"{{"sensor":"temperature","status":"online","broker_used":"b","boot":"{}"}}"#,
                "🥾".repeat(300)
            ),
        ),
        entry("topic level of 2-byte characters", "sensor/température", r("25")),
        entry(
            "topic level of long 4-byte text",
            &format!("sensor/{}", "😀".repeat(200)),
            r("25"),
        ),
        entry("topic level beyond sensor/<type>", "sensor/temperature/extra", r("25")),
        entry(
            "topic two levels beyond the status topic",
            "sensor/temperature/status/x",
            r("25"),
        ),
        entry("topic without a sensor type", "sensor/", r("25")),
        entry("topic with an empty level", "sensor//temperature", r("25")),
        entry("reading payload on the status topic", S, r("25")),
        entry(
            "unknown presence value",
            S,
            r#"{"sensor":"temperature","status":"maybe","broker_used":"b","boot":"1"}"#,
        ),
        entry(
            "presence without boot",
            S,
            r#"{"sensor":"temperature","status":"online","broker_used":"b"}"#,
        ),
        entry(
            "presence for another sensor",
            S,
            r#"{"sensor":"humidity","status":"online","broker_used":"b","boot":"1"}"#,
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse_message;

    #[test]
    fn has_at_least_fifty_entries() {
        assert!(malformed().len() >= 50);
    }

    #[test]
    fn every_entry_is_rejected() {
        for m in malformed() {
            assert!(
                parse_message(&m.topic, &m.payload).is_err(),
                "accepted: {} ({})",
                m.why,
                m.topic
            );
        }
    }
}
