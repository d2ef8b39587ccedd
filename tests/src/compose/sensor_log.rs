//! A sensor's log as `docker-compose logs --no-color <service>` prints it, read back as events: every line is one
//! tracing event (`<RFC 3339 time>  <LEVEL> <message> key=value …`). Pure: text in, events or the offending lines
//! out. Running `docker-compose logs` is the caller's job.

/// One log line: one event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogEvent {
    pub level: String,
    /// The text before the first `key=value` field.
    pub message: String,
    /// `key=value` fields in order, the value running to the next field.
    pub fields: Vec<(String, String)>,
}

impl LogEvent {
    pub fn field(&self, key: &str) -> Option<&str> {
        self.fields.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }
}

const LEVELS: [&str; 5] = ["TRACE", "DEBUG", "INFO", "WARN", "ERROR"];

/// Every line of `output` that carries a service's output (`<service> | <text>`), parsed. Compose's own lines
/// (`Attaching to …`) are skipped. `Err` lists every line that is not one event on one line.
pub fn parse(output: &str) -> Result<Vec<LogEvent>, Vec<String>> {
    let mut events = Vec::new();
    let mut bad = Vec::new();
    for line in output.lines() {
        let Some((_, text)) = line.split_once('|') else {
            continue;
        };
        match parse_event(text.trim()) {
            Some(event) => events.push(event),
            None => bad.push(line.to_owned()),
        }
    }
    if bad.is_empty() {
        Ok(events)
    } else {
        Err(bad)
    }
}

fn parse_event(text: &str) -> Option<LogEvent> {
    let mut words = text.split_whitespace();
    let time = words.next()?;
    if !(time.len() >= 20 && time.as_bytes()[0].is_ascii_digit() && time.contains('T') && time.ends_with('Z')) {
        return None;
    }
    let level = words.next()?;
    if !LEVELS.contains(&level) {
        return None;
    }
    let mut message = Vec::new();
    let mut fields: Vec<(String, String)> = Vec::new();
    for word in words {
        match field_start(word) {
            Some((key, value)) if !fields.is_empty() || !message.is_empty() => {
                fields.push((key.to_owned(), value.to_owned()));
            }
            _ if fields.is_empty() => message.push(word),
            _ => {
                let last = fields.last_mut().expect("not empty");
                last.1.push(' ');
                last.1.push_str(word);
            }
        }
    }
    if message.is_empty() {
        return None;
    }
    Some(LogEvent {
        level: level.to_owned(),
        message: message.join(" "),
        fields,
    })
}

/// `key=value` where key is a tracing field name.
fn field_start(word: &str) -> Option<(&str, &str)> {
    let (key, value) = word.split_once('=')?;
    let is_name = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    is_name.then_some((key, value))
}

/// How many events have exactly this message.
pub fn count(events: &[LogEvent], message: &str) -> usize {
    events.iter().filter(|e| e.message == message).count()
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOG: &str = "Attaching to sensor-temp
sensor-temp    | 2026-12-01T11:08:08.383489Z  INFO starting sensor=temperature boot=1764 primary=broker-primary user=sensor-temp
sensor-temp    | 2026-12-01T11:08:08.384000Z  INFO connecting to=broker-primary
sensor-temp    | 2026-12-01T11:09:10.100000Z  WARN connection lost broker=broker-primary why=I/O: Connection reset by peer (os error 104)
sensor-temp    | 2026-12-01T11:09:10.100100Z  INFO switching broker from=broker-primary to=broker-secondary
";

    #[test]
    fn reads_one_event_per_line_with_its_fields() {
        let events = parse(LOG).unwrap();
        assert_eq!(events.len(), 4);
        assert_eq!(events[0].message, "starting");
        assert_eq!(events[0].field("user"), Some("sensor-temp"));
        assert_eq!(events[2].level, "WARN");
        assert_eq!(events[2].message, "connection lost");
        assert_eq!(
            events[2].field("why"),
            Some("I/O: Connection reset by peer (os error 104)")
        );
        assert_eq!(events[3].field("to"), Some("broker-secondary"));
        assert_eq!(count(&events, "switching broker"), 1);
    }

    #[test]
    fn a_line_that_is_not_an_event_is_reported() {
        let log = format!("{LOG}sensor-temp    | thread 'main' panicked at src/main.rs:1:1:\nsensor-temp    | boom\n");
        let bad = parse(&log).unwrap_err();
        assert_eq!(bad.len(), 2, "{bad:?}");
        assert!(bad[0].contains("panicked"));
    }

    #[test]
    fn a_message_with_punctuation_ends_at_the_first_field() {
        let events = parse(
            "s | 2026-12-01T11:09:10.1Z  WARN no PUBACK in time, leaving broker broker=broker-primary timeout_ms=1500",
        )
        .unwrap();
        assert_eq!(events[0].message, "no PUBACK in time, leaving broker");
        assert_eq!(events[0].field("timeout_ms"), Some("1500"));
    }
}
