//! The binary's configuration edge: a bad environment variable gives one line on stderr naming it, and exit code 2.
//! No broker needed: the process must stop before connecting anywhere.

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::process::Command;

fn run_with(vars: &[(&str, &str)]) -> std::process::Output {
    run_with_os(&vars.iter().map(|(k, v)| (*k, OsStr::new(v))).collect::<Vec<_>>())
}

fn run_with_os(vars: &[(&str, &OsStr)]) -> std::process::Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_sensor-node"));
    cmd.env_clear();
    for (k, v) in vars {
        cmd.env(k, v);
    }
    cmd.output().expect("the sensor-node binary starts")
}

/// Exit code 2 and exactly one line on stderr, naming `var`; returns the line.
fn assert_refused(out: &std::process::Output, var: &str) -> String {
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.starts_with(&format!("sensor-node: {var}")), "{stderr}");
    stderr
}

#[test]
fn a_bad_interval_exits_with_code_2_and_one_line_naming_the_variable() {
    let out = run_with(&[("SENSOR_TYPE", "temperature"), ("PUBLISH_INTERVAL_MS", "fast")]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("PUBLISH_INTERVAL_MS") && stderr.contains("expected"),
        "{stderr}"
    );
}

#[test]
fn a_missing_sensor_type_exits_with_code_2() {
    let out = run_with(&[]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("SENSOR_TYPE"), "{stderr}");
}

#[test]
fn a_bad_broker_list_exits_with_code_2() {
    let out = run_with(&[("SENSOR_TYPE", "humidity"), ("BROKER_LIST", "no-port")]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("BROKER_LIST"));
}

#[test]
fn each_kind_of_bad_value_exits_with_code_2_and_one_line() {
    let cases: &[(&[(&str, &str)], &str)] = &[
        (&[("SENSOR_TYPE", "co2")], "SENSOR_MIN"),
        (
            &[("SENSOR_TYPE", "co2"), ("SENSOR_MIN", "9"), ("SENSOR_MAX", "1")],
            "SENSOR_MAX",
        ),
        (&[("SENSOR_TYPE", "voltage"), ("SENSOR_MIN", "NaN")], "SENSOR_MIN"),
        (
            &[("SENSOR_TYPE", "voltage"), ("BROKER_LIST", "a:1883,,b:1883")],
            "BROKER_LIST",
        ),
        (&[("SENSOR_TYPE", "voltage"), ("BROKER_LIST", "a:0")], "BROKER_LIST"),
        (
            &[("SENSOR_TYPE", "voltage"), ("BROKER_LIST", "p=a:1883,p=b:1883")],
            "BROKER_LIST",
        ),
        (
            &[("SENSOR_TYPE", "voltage"), ("PUBLISH_INTERVAL_MS", "-1")],
            "PUBLISH_INTERVAL_MS",
        ),
        (
            &[("SENSOR_TYPE", "voltage"), ("SHUTDOWN_FLUSH_MS", "99999999999")],
            "SHUTDOWN_FLUSH_MS",
        ),
        (
            &[("SENSOR_TYPE", "voltage"), ("MQTT_USERNAME", "sensor-volt")],
            "MQTT_PASSWORD",
        ),
    ];
    for (vars, var) in cases {
        assert_refused(&run_with(vars), var);
    }
}

#[test]
fn a_password_without_a_user_name_is_refused_without_printing_it() {
    let out = run_with(&[("SENSOR_TYPE", "voltage"), ("MQTT_PASSWORD", "dev-sensor-volt")]);
    let line = assert_refused(&out, "MQTT_USERNAME");
    assert!(
        line.contains("MQTT_PASSWORD") && !line.contains("dev-sensor-volt"),
        "{line}"
    );
}

#[test]
fn a_value_that_is_not_utf8_is_refused_rather_than_read_as_unset() {
    let bad = OsStr::from_bytes(b"sensor-\xff");
    let out = run_with_os(&[
        ("SENSOR_TYPE", OsStr::new("voltage")),
        ("MQTT_USERNAME", bad),
        ("MQTT_PASSWORD", OsStr::new("x")),
    ]);
    assert_refused(&out, "MQTT_USERNAME");
}
