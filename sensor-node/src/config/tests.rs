//! Unit tests of the configuration parser: a map stands in for the environment.

use super::*;
use std::collections::HashMap;

fn parse_with(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
    let map: HashMap<String, String> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    parse(|k| map.get(k).cloned())
}

fn err_var(e: ConfigError) -> &'static str {
    e.var()
}

#[test]
fn a_seed_sensor_type_alone_gives_the_documented_defaults() {
    let c = parse_with(&[("SENSOR_TYPE", "temperature")]).unwrap();
    assert_eq!(c.sensor.as_str(), "temperature");
    assert_eq!(
        c.range,
        ValueRange {
            min: 25.0,
            max: 40.0,
            decimals: 1
        }
    );
    assert_eq!(c.unit, Some("°C"));
    assert_eq!(c.brokers.len(), 2);
    assert_eq!(c.brokers[0].name, "broker-primary");
    assert_eq!(c.brokers[1].name, "broker-secondary");
    assert_eq!(c.publish_interval, Duration::from_millis(DEFAULT_PUBLISH_INTERVAL_MS));
    assert_eq!(c.outbox_capacity, DEFAULT_OUTBOX_CAPACITY);
    assert_eq!(c.keepalive, Duration::from_secs(DEFAULT_KEEPALIVE_SECS));
    assert_eq!(c.ack_timeout, DEFAULT_ACK_TIMEOUT);
    assert_eq!(c.failover, failover::Settings::default());
}

#[test]
fn the_default_outbox_holds_at_least_an_hour_at_the_default_interval() {
    assert!(DEFAULT_OUTBOX_CAPACITY as u64 * DEFAULT_PUBLISH_INTERVAL_MS >= 3_600_000);
}

#[test]
fn each_seed_type_gets_its_range_and_unit() {
    for t in sensor_wire::SEED_TYPES {
        let c = parse_with(&[("SENSOR_TYPE", t.name)]).unwrap();
        assert_eq!(
            (c.range.min, c.range.max, c.range.decimals, c.unit),
            (t.min, t.max, t.decimals, Some(t.unit))
        );
    }
}

#[test]
fn a_missing_sensor_type_names_the_variable() {
    let e = parse_with(&[]).unwrap_err();
    assert_eq!(err_var(e.clone()), "SENSOR_TYPE");
    assert!(e.to_string().starts_with("SENSOR_TYPE is not set: expected"), "{e}");
}

#[test]
fn a_sensor_type_that_cannot_be_a_topic_level_is_rejected() {
    for t in ["Temp", "a/b", "#", "sensor type"] {
        assert_eq!(
            err_var(parse_with(&[("SENSOR_TYPE", t)]).unwrap_err()),
            "SENSOR_TYPE",
            "{t}"
        );
    }
}

#[test]
fn another_sensor_type_needs_min_and_max() {
    assert_eq!(
        err_var(parse_with(&[("SENSOR_TYPE", "co2")]).unwrap_err()),
        "SENSOR_MIN"
    );
    assert_eq!(
        err_var(parse_with(&[("SENSOR_TYPE", "co2"), ("SENSOR_MIN", "400")]).unwrap_err()),
        "SENSOR_MAX"
    );
    let c = parse_with(&[("SENSOR_TYPE", "co2"), ("SENSOR_MIN", "400"), ("SENSOR_MAX", "2000.5")]).unwrap();
    assert_eq!(
        c.range,
        ValueRange {
            min: 400.0,
            max: 2000.5,
            decimals: DEFAULT_CUSTOM_DECIMALS
        }
    );
    assert_eq!(c.unit, None);
}

#[test]
fn rejects_min_above_max_and_non_numbers() {
    let base = [("SENSOR_TYPE", "co2"), ("SENSOR_MIN", "5"), ("SENSOR_MAX", "4")];
    assert_eq!(err_var(parse_with(&base).unwrap_err()), "SENSOR_MAX");
    for bad in ["x", "NaN", "inf", "1e999"] {
        let e = parse_with(&[("SENSOR_TYPE", "co2"), ("SENSOR_MIN", bad), ("SENSOR_MAX", "4")]).unwrap_err();
        assert_eq!(err_var(e), "SENSOR_MIN", "{bad}");
    }
}

#[test]
fn decimals_are_optional_and_bounded() {
    let c = parse_with(&[("SENSOR_TYPE", "humidity"), ("SENSOR_DECIMALS", "3")]).unwrap();
    assert_eq!(c.range.decimals, 3);
    for bad in ["7", "-1", "one"] {
        let e = parse_with(&[("SENSOR_TYPE", "humidity"), ("SENSOR_DECIMALS", bad)]).unwrap_err();
        assert_eq!(err_var(e), "SENSOR_DECIMALS");
    }
}

#[test]
fn reads_a_named_broker_list_with_the_first_as_primary() {
    let c = parse_with(&[
        ("SENSOR_TYPE", "voltage"),
        ("BROKER_LIST", "p=127.0.0.1:21883,s=127.0.0.1:21884"),
    ])
    .unwrap();
    assert_eq!(
        c.brokers,
        vec![
            Broker {
                name: "p".into(),
                host: "127.0.0.1".into(),
                port: 21883
            },
            Broker {
                name: "s".into(),
                host: "127.0.0.1".into(),
                port: 21884
            },
        ]
    );
}

#[test]
fn a_bad_broker_list_names_the_variable_and_the_expected_form() {
    let e = parse_with(&[("SENSOR_TYPE", "voltage"), ("BROKER_LIST", "localhost")]).unwrap_err();
    assert_eq!(err_var(e.clone()), "BROKER_LIST");
    assert!(e.to_string().contains("host:port"), "{e}");
}

#[test]
fn durations_and_counts_must_be_whole_numbers_above_zero() {
    for var in [
        "PUBLISH_INTERVAL_MS",
        "ACK_TIMEOUT_MS",
        "CONNECT_TIMEOUT_MS",
        "PROBE_INTERVAL_MS",
        "BACKOFF_MIN_MS",
        "BACKOFF_MAX_MS",
        "SHUTDOWN_FLUSH_MS",
        "KEEPALIVE_SECS",
        "OUTBOX_CAPACITY",
    ] {
        for bad in [
            "0",
            "-5",
            "1.5",
            "soon",
            "99999999999999999999999",
            "1e3",
            "0x10",
            "2 000",
        ] {
            let e = parse_with(&[("SENSOR_TYPE", "voltage"), (var, bad)]).unwrap_err();
            assert_eq!(err_var(e.clone()), var, "{var}={bad}");
            assert!(!e.to_string().contains('\n'));
        }
    }
}

#[test]
fn reads_every_timer_from_its_variable() {
    let c = parse_with(&[
        ("SENSOR_TYPE", "voltage"),
        ("PUBLISH_INTERVAL_MS", "200"),
        ("ACK_TIMEOUT_MS", "900"),
        ("CONNECT_TIMEOUT_MS", "800"),
        ("PROBE_INTERVAL_MS", "700"),
        ("BACKOFF_MIN_MS", "10"),
        ("BACKOFF_MAX_MS", "20"),
        ("SHUTDOWN_FLUSH_MS", "600"),
        ("KEEPALIVE_SECS", "3"),
        ("OUTBOX_CAPACITY", "50"),
    ])
    .unwrap();
    let ms = Duration::from_millis;
    assert_eq!(
        (c.publish_interval, c.ack_timeout, c.shutdown_flush),
        (ms(200), ms(900), ms(600))
    );
    assert_eq!(
        (c.failover.connect_timeout, c.failover.probe_interval),
        (ms(800), ms(700))
    );
    assert_eq!((c.failover.backoff_min, c.failover.backoff_max), (ms(10), ms(20)));
    assert_eq!((c.keepalive, c.outbox_capacity), (Duration::from_secs(3), 50));
}

#[test]
fn backoff_max_below_min_is_rejected() {
    let e = parse_with(&[
        ("SENSOR_TYPE", "voltage"),
        ("BACKOFF_MIN_MS", "500"),
        ("BACKOFF_MAX_MS", "100"),
    ]);
    assert_eq!(err_var(e.unwrap_err()), "BACKOFF_MAX_MS");
}

#[test]
fn keepalive_beyond_the_mqtt_limit_is_rejected() {
    let e = parse_with(&[("SENSOR_TYPE", "voltage"), ("KEEPALIVE_SECS", "70000")]);
    assert_eq!(err_var(e.unwrap_err()), "KEEPALIVE_SECS");
}

#[test]
fn empty_values_count_as_unset() {
    let c = parse_with(&[
        ("SENSOR_TYPE", "humidity"),
        ("BROKER_LIST", ""),
        ("PUBLISH_INTERVAL_MS", " "),
    ])
    .unwrap();
    assert_eq!(c.brokers[0].name, "broker-primary");
    assert_eq!(c.publish_interval, Duration::from_millis(DEFAULT_PUBLISH_INTERVAL_MS));
}

#[test]
fn an_overlong_value_is_shortened_in_the_error_line() {
    let long = "x".repeat(10_000);
    let e = parse_with(&[("SENSOR_TYPE", "voltage"), ("BROKER_LIST", &long)]).unwrap_err();
    assert!(e.to_string().len() < 400);
}

#[test]
fn timers_and_the_outbox_have_an_upper_bound() {
    let too_long = (MAX_DURATION_MS + 1).to_string();
    for var in [
        "PUBLISH_INTERVAL_MS",
        "ACK_TIMEOUT_MS",
        "CONNECT_TIMEOUT_MS",
        "PROBE_INTERVAL_MS",
        "BACKOFF_MIN_MS",
        "SHUTDOWN_FLUSH_MS",
        "BACKOFF_MAX_MS",
    ] {
        let e = parse_with(&[("SENSOR_TYPE", "voltage"), (var, &too_long)]).unwrap_err();
        assert_eq!(err_var(e.clone()), var);
        assert!(e.to_string().contains(&MAX_DURATION_MS.to_string()), "{e}");
        let longest = MAX_DURATION_MS.to_string();
        let mut ok = vec![("SENSOR_TYPE", "voltage"), (var, longest.as_str())];
        if var == "BACKOFF_MIN_MS" {
            ok.push(("BACKOFF_MAX_MS", longest.as_str()));
        }
        assert!(parse_with(&ok).is_ok(), "{var}={longest}");
    }
    let too_many = (MAX_OUTBOX_CAPACITY + 1).to_string();
    let e = parse_with(&[("SENSOR_TYPE", "voltage"), ("OUTBOX_CAPACITY", &too_many)]).unwrap_err();
    assert_eq!(err_var(e), "OUTBOX_CAPACITY");
}

#[test]
fn a_range_too_wide_to_draw_from_is_rejected() {
    let e = parse_with(&[
        ("SENSOR_TYPE", "co2"),
        ("SENSOR_MIN", "-1e308"),
        ("SENSOR_MAX", "1e308"),
    ])
    .unwrap_err();
    assert_eq!(err_var(e), "SENSOR_MAX");
    assert!(parse_with(&[
        ("SENSOR_TYPE", "co2"),
        ("SENSOR_MIN", "-1e307"),
        ("SENSOR_MAX", "1e307")
    ])
    .is_ok());
}

#[test]
fn credentials_are_read_in_pairs() {
    let c = parse_with(&[("SENSOR_TYPE", "temperature")]).unwrap();
    assert_eq!(c.credentials, None);
    let c = parse_with(&[
        ("SENSOR_TYPE", "temperature"),
        ("MQTT_USERNAME", "sensor-temp"),
        ("MQTT_PASSWORD", "dev-sensor-temp"),
    ])
    .unwrap();
    assert_eq!(
        c.credentials,
        Some(Credentials {
            username: "sensor-temp".into(),
            password: "dev-sensor-temp".into()
        })
    );
    let only_user = parse_with(&[("SENSOR_TYPE", "temperature"), ("MQTT_USERNAME", "sensor-temp")]);
    assert_eq!(err_var(only_user.unwrap_err()), "MQTT_PASSWORD");
    let only_password = parse_with(&[("SENSOR_TYPE", "temperature"), ("MQTT_PASSWORD", "dev-sensor-temp")]);
    assert_eq!(err_var(only_password.unwrap_err()), "MQTT_USERNAME");
    let empty_user = parse_with(&[
        ("SENSOR_TYPE", "temperature"),
        ("MQTT_USERNAME", ""),
        ("MQTT_PASSWORD", "dev-sensor-temp"),
    ]);
    assert_eq!(err_var(empty_user.unwrap_err()), "MQTT_USERNAME");
}

/// Issue 5, item 6: every kind of bad value, each alone on an otherwise valid environment.
#[test]
fn every_invalid_value_gives_one_line_naming_its_variable() {
    let cases: &[(&[(&str, &str)], &str)] = &[
        (&[("BROKER_LIST", "a:1,,b:2")], "BROKER_LIST"),
        (&[("BROKER_LIST", "broker-primary")], "BROKER_LIST"),
        (&[("BROKER_LIST", "broker-primary:0")], "BROKER_LIST"),
        (&[("BROKER_LIST", "broker-primary:70000")], "BROKER_LIST"),
        (&[("BROKER_LIST", "bad host:1883")], "BROKER_LIST"),
        (&[("BROKER_LIST", "p=a:1,p=b:2")], "BROKER_LIST"),
        (&[("PUBLISH_INTERVAL_MS", "0")], "PUBLISH_INTERVAL_MS"),
        (&[("PUBLISH_INTERVAL_MS", "-2000")], "PUBLISH_INTERVAL_MS"),
        (&[("PUBLISH_INTERVAL_MS", "2s")], "PUBLISH_INTERVAL_MS"),
        (&[("SENSOR_TYPE", "co2")], "SENSOR_MIN"),
        (&[("SENSOR_TYPE", "co2"), ("SENSOR_MIN", "1")], "SENSOR_MAX"),
        (&[("SENSOR_MIN", "50"), ("SENSOR_MAX", "10")], "SENSOR_MAX"),
        (&[("SENSOR_MIN", "NaN")], "SENSOR_MIN"),
        (&[("SENSOR_MAX", "nan")], "SENSOR_MAX"),
        (&[("SENSOR_MAX", "-inf")], "SENSOR_MAX"),
        (&[("MQTT_USERNAME", "sensor-temp")], "MQTT_PASSWORD"),
        (&[("MQTT_PASSWORD", "dev-sensor-temp")], "MQTT_USERNAME"),
        (&[("MQTT_USERNAME", "a:b"), ("MQTT_PASSWORD", "x")], "MQTT_USERNAME"),
        (&[("MQTT_USERNAME", "a"), ("MQTT_PASSWORD", "x\ny")], "MQTT_PASSWORD"),
        (&[("ACK_TIMEOUT_MS", "0")], "ACK_TIMEOUT_MS"),
        (&[("CONNECT_TIMEOUT_MS", "-1")], "CONNECT_TIMEOUT_MS"),
        (&[("PROBE_INTERVAL_MS", "often")], "PROBE_INTERVAL_MS"),
        (
            &[("BACKOFF_MIN_MS", "500"), ("BACKOFF_MAX_MS", "100")],
            "BACKOFF_MAX_MS",
        ),
        (&[("KEEPALIVE_SECS", "65536")], "KEEPALIVE_SECS"),
        (&[("SHUTDOWN_FLUSH_MS", "1.5")], "SHUTDOWN_FLUSH_MS"),
        (&[("OUTBOX_CAPACITY", "0")], "OUTBOX_CAPACITY"),
        (&[("SENSOR_DECIMALS", "9")], "SENSOR_DECIMALS"),
    ];
    for (vars, var) in cases {
        let mut env = vec![("SENSOR_TYPE", "temperature")];
        env.extend_from_slice(vars);
        let e = parse_with(&env).expect_err(&format!("{vars:?} accepted"));
        assert_eq!(e.var(), *var, "{vars:?}: {e}");
        let line = e.to_string();
        assert!(
            line.starts_with(var) && line.contains("expected") && !line.contains('\n'),
            "{line}"
        );
    }
}

#[test]
fn variables_lists_everything_parse_reads() {
    let read = std::cell::RefCell::new(Vec::new());
    let _ = parse(|var| {
        read.borrow_mut().push(var.to_owned());
        match var {
            "SENSOR_TYPE" => Some("co2".into()),
            "SENSOR_MIN" => Some("1".into()),
            "SENSOR_MAX" => Some("2".into()),
            _ => None,
        }
    })
    .unwrap();
    let mut read = read.into_inner();
    read.sort();
    read.dedup();
    let mut listed: Vec<String> = VARIABLES.iter().map(|v| v.to_string()).collect();
    listed.sort();
    assert_eq!(read, listed);
}

#[test]
fn settle_and_replay_window_default_may_be_zero_and_name_themselves_when_bad() {
    let c = parse_with(&[("SENSOR_TYPE", "humidity")]).unwrap();
    assert_eq!(
        (c.failover.settle, c.replay_window),
        (failover::DEFAULT_SETTLE, crate::outbox::DEFAULT_REPLAY_WINDOW)
    );
    let c = parse_with(&[
        ("SENSOR_TYPE", "humidity"),
        ("SETTLE_MS", "0"),
        ("REPLAY_WINDOW_MS", "0"),
    ])
    .unwrap();
    assert_eq!((c.failover.settle, c.replay_window), (Duration::ZERO, Duration::ZERO));
    for var in ["SETTLE_MS", "REPLAY_WINDOW_MS"] {
        let e = parse_with(&[("SENSOR_TYPE", "humidity"), (var, "-1")]).unwrap_err();
        assert_eq!(err_var(e.clone()), var);
        assert!(e.to_string().contains("from 0 to"), "{e}");
    }
}
