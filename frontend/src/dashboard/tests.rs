//! Unit tests of the dashboard model: payloads and broker events in, cards, counters and health checked out.

use super::*;
use crate::config::Level;
use crate::session::SessionError;
use sensor_wire::Presence;

const PRIMARY: usize = 0;
const SECONDARY: usize = 1;

fn dashboard() -> Dashboard {
    Dashboard::with_brokers(["broker-primary", "broker-secondary"])
}

fn received(broker: usize, topic: &str, payload: &str, retained: bool) -> Event {
    let delivery = Delivery {
        topic: topic.into(),
        payload: payload.as_bytes().to_vec(),
        retained,
    };
    Event::Received {
        broker,
        delivery,
        at_ms: 1_000,
    }
}

fn reading(sensor: &str, value: f64, via: &str, boot: &str, seq: u64) -> String {
    format!(r#"{{"sensor":"{sensor}","value":{value},"broker_used":"{via}","boot":"{boot}","seq":{seq}}}"#)
}

fn live(d: &mut Dashboard, broker: usize, sensor: &str, value: f64, via: &str, boot: &str, seq: u64) {
    d.apply(received(
        broker,
        &format!("sensor/{sensor}"),
        &reading(sensor, value, via, boot, seq),
        false,
    ));
}

#[test]
fn a_seed_message_makes_a_card_with_its_value_unit_and_broker() {
    let mut d = dashboard();
    d.apply(received(
        SECONDARY,
        "sensor/temperature",
        r#"{"sensor":"temperature","value":25.5,"broker_used":"broker-secondary"}"#,
        false,
    ));
    let card = d.sensor("temperature").expect("card").summary();
    assert_eq!(card.value, "25.5 °C");
    assert_eq!(card.broker, "broker-secondary");
    assert_eq!((card.readings, card.lost, card.duplicates), (1, 0, 0));
    assert_eq!(d.broker(SECONDARY).map(|b| b.messages), Some(1));
}

#[test]
fn an_unknown_sensor_type_shows_its_bare_value_or_its_own_unit() {
    let mut d = dashboard();
    d.apply(received(
        PRIMARY,
        "sensor/co2",
        r#"{"sensor":"co2","value":412,"broker_used":"b"}"#,
        false,
    ));
    d.apply(received(
        PRIMARY,
        "sensor/rpm",
        r#"{"sensor":"rpm","value":3000,"broker_used":"b","unit":"rpm"}"#,
        false,
    ));
    assert_eq!(d.sensor("co2").map(Sensor::value_text).as_deref(), Some("412"));
    assert_eq!(d.sensor("rpm").map(Sensor::value_text).as_deref(), Some("3000 rpm"));
}

#[test]
fn both_brokers_feed_one_card_per_sensor() {
    let mut d = dashboard();
    live(&mut d, PRIMARY, "humidity", 40.0, "broker-primary", "b1", 1);
    live(&mut d, SECONDARY, "humidity", 41.0, "broker-secondary", "b1", 2);
    live(&mut d, PRIMARY, "voltage", 220.0, "broker-primary", "v1", 1);
    assert_eq!(d.sensor_names(), ["humidity", "voltage"]);
    let card = d.sensor("humidity").map(Sensor::summary).expect("card");
    assert_eq!(
        (card.value.as_str(), card.broker.as_str(), card.readings),
        ("41 %", "broker-secondary", 2)
    );
}

#[test]
fn a_reading_delivered_by_both_brokers_counts_once() {
    let mut d = dashboard();
    live(&mut d, PRIMARY, "voltage", 230.0, "broker-primary", "b", 5);
    live(&mut d, SECONDARY, "voltage", 230.0, "broker-primary", "b", 5);
    let card = d.sensor("voltage").map(Sensor::summary).expect("card");
    assert_eq!((card.readings, card.duplicates, card.lost), (1, 1, 0));
}

#[test]
fn gaps_within_a_boot_count_as_lost_and_a_restart_does_not() {
    let mut d = dashboard();
    for seq in [1, 2, 5] {
        live(&mut d, PRIMARY, "temperature", 30.0, "broker-primary", "boot-a", seq);
    }
    assert_eq!(d.sensor("temperature").map(Sensor::lost), Some(2));
    live(&mut d, SECONDARY, "temperature", 30.0, "broker-secondary", "boot-a", 3);
    assert_eq!(
        d.sensor("temperature").map(Sensor::lost),
        Some(1),
        "a late arrival is no longer lost"
    );
    live(&mut d, PRIMARY, "temperature", 31.0, "broker-primary", "boot-b", 0);
    assert_eq!(d.sensor("temperature").map(Sensor::lost), Some(1));
    let card = d.sensor("temperature").map(Sensor::summary).expect("card");
    assert_eq!((card.value.as_str(), card.readings), ("31 °C", 5));
}

#[test]
fn a_late_or_duplicate_reading_does_not_replace_the_value_shown() {
    let mut d = dashboard();
    live(&mut d, PRIMARY, "temperature", 30.0, "broker-primary", "a", 1);
    live(&mut d, SECONDARY, "temperature", 32.0, "broker-secondary", "a", 3);
    live(&mut d, PRIMARY, "temperature", 31.0, "broker-primary", "a", 2);
    live(&mut d, PRIMARY, "temperature", 33.0, "broker-primary", "a", 3);
    let card = d.sensor("temperature").map(Sensor::summary).expect("card");
    assert_eq!(
        (card.value.as_str(), card.broker.as_str()),
        ("32 °C", "broker-secondary")
    );
}

#[test]
fn retained_values_show_at_once_but_never_count_as_loss_or_readings() {
    let mut d = dashboard();
    // The primary still holds a value from before a failover; the secondary holds a newer one.
    d.apply(received(
        PRIMARY,
        "sensor/voltage",
        &reading("voltage", 220.0, "broker-primary", "b", 100),
        true,
    ));
    d.apply(received(
        SECONDARY,
        "sensor/voltage",
        &reading("voltage", 225.0, "broker-secondary", "b", 250),
        true,
    ));
    d.apply(received(
        PRIMARY,
        "sensor/voltage",
        &reading("voltage", 219.0, "broker-primary", "b", 90),
        true,
    ));
    let card = d.sensor("voltage").map(Sensor::summary).expect("card");
    assert_eq!((card.value.as_str(), card.readings, card.lost), ("225 V", 0, 0));
    live(&mut d, PRIMARY, "voltage", 226.0, "broker-primary", "b", 251);
    live(&mut d, PRIMARY, "voltage", 227.0, "broker-primary", "b", 252);
    let card = d.sensor("voltage").map(Sensor::summary).expect("card");
    assert_eq!((card.value.as_str(), card.readings, card.lost), ("227 V", 2, 0));
    d.apply(received(
        SECONDARY,
        "sensor/voltage",
        &reading("voltage", 225.0, "broker-secondary", "b", 250),
        true,
    ));
    assert_eq!(
        d.sensor("voltage").map(Sensor::value_text).as_deref(),
        Some("227 V"),
        "live beats retained"
    );
}

#[test]
fn presence_messages_mark_the_card_and_create_it_if_needed() {
    let mut d = dashboard();
    d.apply(received(
        PRIMARY,
        "sensor/humidity/status",
        r#"{"sensor":"humidity","status":"offline","broker_used":"broker-primary","boot":"x"}"#,
        true,
    ));
    let card = d.sensor("humidity").map(Sensor::summary).expect("card");
    assert_eq!((card.presence, card.value.as_str()), (Some(Presence::Offline), ""));
}

#[test]
fn bad_messages_are_counted_with_the_last_reason_and_change_no_card() {
    let mut d = dashboard();
    let bad = [
        ("sensor/temperature", "not json"),
        (
            "sensor/temperature",
            r#"{"sensor":"humidity","value":1,"broker_used":"b"}"#,
        ),
        ("sensor/a/b/c", r#"{"sensor":"a","value":1,"broker_used":"b"}"#),
        (
            "sensor/temperature",
            r#"{"sensor":"temperature","value":"25","broker_used":"b"}"#,
        ),
    ];
    for (topic, payload) in bad {
        d.apply(received(PRIMARY, topic, payload, false));
    }
    assert_eq!(d.rejected().count, 4);
    assert!(d
        .rejected()
        .last_reason
        .as_deref()
        .is_some_and(|r| r.starts_with("sensor/temperature: ")));
    assert_eq!(d.sensors().count(), 0);
}

#[test]
fn rejection_reasons_are_bounded_even_for_huge_topics() {
    let mut d = dashboard();
    d.apply(received(
        PRIMARY,
        &format!("sensor/{}", "é".repeat(10_000)),
        "{}",
        false,
    ));
    let reason = d.rejected().last_reason.clone().unwrap_or_default();
    assert!(reason.chars().count() <= MAX_REASON_CHARS + 1, "{}", reason.len());
}

#[test]
fn broker_events_set_state_since_attempts_and_last_error() {
    let mut d = dashboard();
    let change = |phase, reason: Option<&str>, attempts| PhaseChange {
        phase,
        reason: reason.map(SessionError::closed),
        attempts,
    };
    assert_eq!(d.broker(PRIMARY).map(|b| b.phase), Some(Phase::Connecting));
    d.apply(Event::Broker {
        broker: PRIMARY,
        change: change(Phase::Connected, None, 0),
        at_ms: 10,
    });
    d.apply(Event::Broker {
        broker: PRIMARY,
        change: change(Phase::Disconnected, Some("closed"), 1),
        at_ms: 20,
    });
    d.apply(Event::Broker {
        broker: PRIMARY,
        change: change(Phase::Disconnected, None, 2),
        at_ms: 30,
    });
    let b = d.broker(PRIMARY).expect("broker").clone();
    assert_eq!((b.phase, b.since_ms, b.attempts), (Phase::Disconnected, Some(20), 2));
    assert_eq!(b.last_error.as_deref(), Some("connection closed: closed"));
    d.apply(Event::Broker {
        broker: 7,
        change: change(Phase::Connected, None, 0),
        at_ms: 40,
    });
    assert_eq!(d.brokers().len(), 2, "an unknown broker index is ignored");
}

fn at(event: Event, at_ms: u64) -> Event {
    match event {
        Event::Received { broker, delivery, .. } => Event::Received {
            broker,
            delivery,
            at_ms,
        },
        other => other,
    }
}

fn live_at(d: &mut Dashboard, at_ms: u64, broker: usize, sensor: &str, value: f64, via: &str, seq: u64) {
    let payload = reading(sensor, value, via, "boot", seq);
    d.apply(at(
        received(broker, &format!("sensor/{sensor}"), &payload, false),
        at_ms,
    ));
}

fn status_at(d: &mut Dashboard, at_ms: u64, broker: usize, sensor: &str, presence: &str, via: &str) {
    let payload = format!(r#"{{"sensor":"{sensor}","status":"{presence}","broker_used":"{via}","boot":"boot"}}"#);
    d.apply(at(
        received(broker, &format!("sensor/{sensor}/status"), &payload, true),
        at_ms,
    ));
}

fn kinds(d: &Dashboard) -> Vec<(&'static str, String)> {
    d.timeline()
        .entries()
        .map(|e| (e.kind.as_str(), e.subject.clone()))
        .collect()
}

#[test]
fn a_switch_away_from_the_primary_is_a_failover_and_back_is_a_failback() {
    let mut d = dashboard();
    live_at(&mut d, 1_000, PRIMARY, "humidity", 40.0, "broker-primary", 1);
    live_at(&mut d, 3_000, SECONDARY, "humidity", 41.0, "broker-secondary", 2);
    live_at(&mut d, 5_000, PRIMARY, "humidity", 42.0, "broker-primary", 3);
    let entries: Vec<&Entry> = d.timeline().entries().collect();
    assert_eq!(
        kinds(&d),
        [("failback", "humidity".into()), ("failover", "humidity".into())]
    );
    assert_eq!(entries[1].detail, "broker-primary → broker-secondary");
    let switches = &d.sensor("humidity").expect("card").switches;
    assert_eq!(
        switches.iter().map(|s| (s.at_ms, s.failback)).collect::<Vec<_>>(),
        [(3_000, false), (5_000, true)]
    );
}

#[test]
fn the_will_of_a_broker_the_sensor_left_does_not_mark_it_offline() {
    let mut d = dashboard();
    live_at(&mut d, 1_000, PRIMARY, "voltage", 230.0, "broker-primary", 1);
    // The primary hung; the sensor moved to the secondary, and the primary's Will fires later.
    live_at(&mut d, 5_000, SECONDARY, "voltage", 231.0, "broker-secondary", 2);
    status_at(&mut d, 6_000, PRIMARY, "voltage", "offline", "broker-primary");
    let card = d.sensor("voltage").expect("card").summary();
    assert_eq!((card.state, card.presence), (Liveness::Live, Some(Presence::Online)));
    assert!(!kinds(&d).iter().any(|(k, _)| *k == "sensor-offline"));
}

#[test]
fn an_offline_presence_from_the_broker_in_use_marks_the_sensor_offline_until_it_reads_again() {
    let mut d = dashboard();
    live_at(&mut d, 1_000, SECONDARY, "voltage", 230.0, "broker-secondary", 1);
    status_at(&mut d, 1_500, SECONDARY, "voltage", "offline", "broker-secondary");
    assert_eq!(d.sensor("voltage").map(|s| s.state), Some(Liveness::Offline));
    live_at(&mut d, 9_000, PRIMARY, "voltage", 229.0, "broker-primary", 2);
    assert_eq!(d.sensor("voltage").map(|s| s.state), Some(Liveness::Live));
    assert_eq!(
        kinds(&d)[..2],
        [("sensor-online", "voltage".into()), ("failback", "voltage".into())][..]
    );
    assert!(kinds(&d).contains(&("sensor-offline", "voltage".into())));
}

#[test]
fn a_sensor_goes_stale_after_three_learned_intervals_and_live_again_on_a_reading() {
    let mut d = dashboard();
    for seq in 1..=3 {
        live_at(&mut d, seq * 1_000, PRIMARY, "temperature", 30.0, "broker-primary", seq);
    }
    d.apply(Event::Tick { at_ms: 5_900 });
    assert_eq!(d.sensor("temperature").map(|s| s.state), Some(Liveness::Live));
    d.apply(Event::Tick { at_ms: 6_100 });
    let card = d.sensor("temperature").expect("card");
    assert_eq!(card.state, Liveness::Stale);
    assert_eq!(kinds(&d)[0], ("stale", "temperature".into()));
    live_at(&mut d, 7_000, PRIMARY, "temperature", 30.0, "broker-primary", 4);
    assert_eq!(d.sensor("temperature").map(|s| s.state), Some(Liveness::Live));
}

#[test]
fn the_card_shows_the_current_level_at_once_and_the_timeline_only_the_alert_raised() {
    let mut d = dashboard();
    live_at(&mut d, 1_000, PRIMARY, "temperature", 30.0, "broker-primary", 1);
    assert_eq!(d.sensor("temperature").map(|s| s.alert), Some(Level::Ok));
    live_at(&mut d, 2_000, PRIMARY, "temperature", 36.0, "broker-primary", 2);
    live_at(&mut d, 3_000, PRIMARY, "temperature", 39.5, "broker-primary", 3);
    let card = d.sensor("temperature").expect("card").summary();
    assert_eq!((card.alert, card.raised), (Level::Crit, Level::Ok), "not held 30 s yet");
    live_at(&mut d, 4_000, PRIMARY, "temperature", 30.0, "broker-primary", 4);
    assert_eq!(d.sensor("temperature").map(|s| s.alert), Some(Level::Ok));
    assert!(d.timeline().is_empty(), "a 2 s excursion is no alert: {:?}", kinds(&d));
}

#[test]
fn configured_thresholds_replace_the_defaults_of_their_type() {
    let config = crate::config::Config::parse(
        r#"{"brokers":[{"name":"p","url":"ws://h:1"}],"thresholds":{"temperature":{"crit_above":31}},"history_minutes":1}"#,
    )
    .expect("valid");
    let mut d = Dashboard::new(["p"], config.threshold_table(), config.history_ms());
    live_at(&mut d, 1_000, PRIMARY, "temperature", 32.0, "p", 1);
    assert_eq!(d.sensor("temperature").map(|s| s.alert), Some(Level::Crit));
    assert_eq!(d.sensor("temperature").map(|s| s.history.window_ms()), Some(60_000));
}

mod alerts;
mod store;

#[test]
fn broker_outages_and_recoveries_go_to_the_timeline_once_each() {
    let mut d = dashboard();
    let change = |phase, attempts| Event::Broker {
        broker: SECONDARY,
        change: PhaseChange {
            phase,
            reason: Some(SessionError::closed("refused")),
            attempts,
        },
        at_ms: 10,
    };
    for event in [
        change(Phase::Connected, 0),
        change(Phase::Disconnected, 1),
        change(Phase::Disconnected, 2),
        change(Phase::Connected, 0),
    ] {
        d.apply(event);
    }
    assert_eq!(
        kinds(&d),
        [
            ("broker-up", "broker-secondary".into()),
            ("broker-down", "broker-secondary".into()),
            ("broker-up", "broker-secondary".into())
        ]
    );
}

#[test]
fn history_keeps_the_shown_values_within_the_window() {
    let mut d = dashboard();
    for seq in 0..2_000u64 {
        live_at(
            &mut d,
            seq * 1_000,
            PRIMARY,
            "humidity",
            seq as f64,
            "broker-primary",
            seq,
        );
    }
    let h = &d.sensor("humidity").expect("card").history;
    assert!(h.points().len() <= HISTORY_POINTS);
    assert_eq!(h.latest().map(|p| p.value), Some(1_999.0));
    assert!(h.points().first().is_some_and(|p| p.at_ms >= 1_999_000 - h.window_ms()));
}
