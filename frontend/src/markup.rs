//! HTML text for the parts of the page drawn as one string per redraw (charts, the timeline, the brokers) rather than as one
//! reactive element per item: that keeps the wasm small and a redraw to one DOM write. Escapes every text it
//! inserts. Pure; times are formatted by the caller (the browser knows the time zone).

use crate::dashboard::{BrokerHealth, Entry, Rejected, SensorSummary};
use sensor_wire::Presence;
use std::fmt::Write;

/// Appends `v` with one decimal, e.g. `12.3`, `-0.5` (integer formatting only: float formatting with a
/// precision would pull a large formatter into the wasm).
pub fn push_fixed1(out: &mut String, v: f64) {
    let tenths = (v * 10.0).round() as i64;
    if tenths < 0 {
        out.push('-');
    }
    let tenths = tenths.unsigned_abs();
    let _ = write!(out, "{}.{}", tenths / 10, tenths % 10);
}

/// Appends `text` escaped for HTML/SVG text and attribute values.
pub fn push_escaped(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
}

/// The timeline's items, newest first: `<li data-event=ID data-kind=KIND>` with time, kind, subject and detail.
pub fn timeline<'a>(entries: impl Iterator<Item = &'a Entry>, time_label: &dyn Fn(u64) -> String) -> String {
    let mut out = String::new();
    for e in entries {
        let kind = e.kind.as_str();
        let _ = write!(
            out,
            "<li class=\"event\" data-event=\"{}\" data-kind=\"{kind}\"><time>",
            e.id
        );
        push_escaped(&mut out, &time_label(e.at_ms));
        let _ = write!(
            out,
            "</time> <span class=\"kind\">{kind}</span> <span class=\"subject\">"
        );
        push_escaped(&mut out, &e.subject);
        out.push_str("</span> <span class=\"detail-text\">");
        push_escaped(&mut out, &e.detail);
        out.push_str("</span></li>");
    }
    out
}

/// The rejected-messages summary: `Rejected messages: <span data-field="rejected" title=LAST_REASON>N</span>`, the
/// count marked `has-rejected` once there is one.
pub fn rejected(r: &Rejected) -> String {
    let mut out = String::from("Rejected messages: <span data-field=\"rejected\"");
    if r.count > 0 {
        out.push_str(" class=\"has-rejected\"");
    }
    out.push_str(" title=\"");
    push_escaped(&mut out, r.last_reason.as_deref().unwrap_or(""));
    let _ = write!(out, "\">{}</span>", r.count);
    out
}

/// A card's facts: `[data-field]` broker (`broker_used` of the reading shown), readings, lost, duplicates and
/// presence (`online` | `offline` | `unknown`).
pub fn sensor_facts(s: &SensorSummary) -> String {
    let presence = match s.presence {
        Some(Presence::Online) => "online",
        Some(Presence::Offline) => "offline",
        None => "unknown",
    };
    let mut out = String::from("<div class=\"wide\"><dt>via</dt><dd data-field=\"broker\">");
    push_escaped(&mut out, &s.broker);
    let _ = write!(
        out,
        "</dd></div><div><dt>readings</dt><dd data-field=\"readings\">{}</dd></div>\
         <div><dt>lost</dt><dd data-field=\"lost\">{}</dd></div>\
         <div><dt>duplicates</dt><dd data-field=\"duplicates\">{}</dd></div>\
         <div><dt>status</dt><dd data-field=\"presence\">{presence}</dd></div>",
        s.readings, s.lost, s.duplicates
    );
    out
}

/// The brokers' health, side by side: `<li data-broker=NAME data-state=STATE title=LAST_ERROR>` holding
/// `[data-field]` `since`, `rate` (messages per second), `attempts` (reconnect attempts since the last success) and
/// `error` (the last error, `none` before the first).
pub fn brokers(brokers: &[BrokerHealth], time_label: &dyn Fn(u64) -> String) -> String {
    let mut out = String::new();
    for b in brokers {
        let state = b.phase.as_str();
        let error = b.last_error.as_deref().unwrap_or("");
        out.push_str("<li class=\"broker\" data-broker=\"");
        push_escaped(&mut out, &b.name);
        let _ = write!(out, "\" data-state=\"{state}\" title=\"");
        push_escaped(&mut out, error);
        out.push_str("\"><div class=\"broker-head\"><span class=\"broker-name\">");
        push_escaped(&mut out, &b.name);
        let _ = write!(
            out,
            "</span><span class=\"broker-state\">{state}</span></div><dl class=\"broker-facts\">"
        );
        let since = b.since_ms.map_or_else(|| "—".to_owned(), time_label);
        let facts = [
            ("since", "since", since),
            ("msg/s", "rate", (b.rate.round() as u64).to_string()),
            ("reconnects", "attempts", b.attempts.to_string()),
        ];
        for (label, field, value) in facts {
            let _ = write!(out, "<div><dt>{label}</dt><dd data-field=\"{field}\">");
            push_escaped(&mut out, &value);
            out.push_str("</dd></div>");
        }
        out.push_str("<div class=\"wide\"><dt>last error</dt><dd data-field=\"error\">");
        push_escaped(&mut out, if error.is_empty() { "none" } else { error });
        out.push_str("</dd></div></dl></li>");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dashboard::{Kind, Timeline};

    #[test]
    fn writes_one_decimal_with_integer_formatting_only() {
        let mut s = String::new();
        for v in [12.34, -0.46, 0.0, 7.0] {
            push_fixed1(&mut s, v);
            s.push(' ');
        }
        assert_eq!(s, "12.3 -0.5 0.0 7.0 ");
    }

    #[test]
    fn each_broker_shows_state_since_rate_attempts_and_last_error() {
        let mut b = BrokerHealth::new("broker-primary");
        b.phase = crate::session::Phase::Disconnected;
        b.since_ms = Some(5);
        b.attempts = 3;
        b.rate = 12.6;
        b.last_error = Some("closed \"early\"".into());
        let html = brokers(&[b, BrokerHealth::new("broker-secondary")], &|ms| format!("t{ms}"));
        for expected in [
            "data-broker=\"broker-primary\" data-state=\"disconnected\" title=\"closed &quot;early&quot;\"",
            "<dd data-field=\"since\">t5</dd>",
            "<dd data-field=\"rate\">13</dd>",
            "<dd data-field=\"attempts\">3</dd>",
            "data-broker=\"broker-secondary\" data-state=\"connecting\"",
            "<dd data-field=\"error\">none</dd>",
        ] {
            assert!(html.contains(expected), "{expected} in {html}");
        }
    }

    #[test]
    fn the_rejected_count_carries_the_last_reason_as_its_title() {
        let none = rejected(&Rejected::default());
        assert_eq!(
            none,
            "Rejected messages: <span data-field=\"rejected\" title=\"\">0</span>"
        );
        let some = rejected(&Rejected {
            count: 2,
            last_reason: Some("sensor/x: bad \"json\"".into()),
        });
        assert!(some.contains("class=\"has-rejected\" title=\"sensor/x: bad &quot;json&quot;\">2</span>"));
    }

    #[test]
    fn timeline_items_carry_id_and_kind_and_escape_their_text() {
        let mut t = Timeline::default();
        t.push(1_000, Kind::BrokerDown, "broker-primary", "closed: <eof> & gone".into());
        t.push(2_000, Kind::Failover, "voltage", "a → b".into());
        let html = timeline(t.entries(), &|ms| format!("t{ms}"));
        assert!(html.starts_with("<li class=\"event\" data-event=\"2\" data-kind=\"failover\"><time>t2000</time>"));
        assert!(html.contains("data-kind=\"broker-down\""));
        assert!(html.contains("closed: &lt;eof&gt; &amp; gone"));
    }
}
