//! The release `sensor-node` processes against two real brokers, seen by MQTT subscribers on each — the browser-free
//! half of the end-to-end path, so a failure here points at the sensors rather than the dashboard.
//!
//! Needs `cargo build --release -p sensor-node` first.

use e2e::{SensorSpec, Stack, StackConfig, Subscriber};
use std::collections::BTreeSet;
use std::time::Duration;

const INTERVAL: Duration = Duration::from_millis(200);
const TIMEOUT: Duration = Duration::from_secs(30);

#[tokio::test]
async fn the_four_seed_sensors_publish_in_range_through_the_primary_then_the_secondary_after_it_dies() {
    let mut stack = Stack::start(StackConfig::brokers_only().unwrap().sensors(SensorSpec::seed(INTERVAL)))
        .await
        .unwrap();
    let primary = Subscriber::connect("primary", stack.primary().ports().mqtt, "sensor/#")
        .await
        .unwrap();
    let secondary = Subscriber::connect("secondary", stack.secondary().ports().mqtt, "sensor/#")
        .await
        .unwrap();

    let ranges: Vec<(&str, f64, f64)> = sensor_wire::SEED_TYPES.iter().map(|t| (t.name, t.min, t.max)).collect();
    let all_seen = |subscriber: &Subscriber, broker: &str| {
        let readings = subscriber.readings();
        let seen: BTreeSet<&str> = ranges
            .iter()
            .filter(|(s, _, _)| {
                readings
                    .iter()
                    .any(|(r, _)| r.sensor.as_str() == *s && r.broker_used == broker)
            })
            .map(|(s, _, _)| *s)
            .collect();
        seen.len() == ranges.len()
    };
    e2e::wait_for("a reading of every seed sensor via broker-primary", TIMEOUT, || {
        let ok = all_seen(&primary, "broker-primary");
        async move { Ok(ok.then_some(())) }
    })
    .await
    .unwrap();
    for (reading, _) in primary.readings() {
        let (_, lo, hi) = ranges
            .iter()
            .find(|(s, _, _)| *s == reading.sensor.as_str())
            .expect("a seed sensor");
        assert!((*lo..=*hi).contains(&reading.value), "{reading:?} out of range");
        assert_eq!(reading.broker_used, "broker-primary");
    }
    assert!(
        secondary
            .readings()
            .iter()
            .all(|(r, _)| r.broker_used == "broker-secondary"),
        "the secondary only carries readings published to it"
    );

    stack.primary().kill().unwrap();
    e2e::wait_for("a reading of every seed sensor via broker-secondary", TIMEOUT, || {
        let ok = all_seen(&secondary, "broker-secondary");
        async move { Ok(ok.then_some(())) }
    })
    .await
    .unwrap();
    for sensor in stack.sensors() {
        let status = sensor.exit_status().unwrap();
        assert!(
            status.is_none(),
            "sensor {} exited after the primary died: {status:?}",
            sensor.spec().sensor_type
        );
    }
}

#[tokio::test]
async fn a_sensor_stops_with_exit_code_zero_on_sigterm() {
    let mut stack = Stack::start(StackConfig::brokers_only().unwrap()).await.unwrap();
    let primary = Subscriber::connect("primary", stack.primary().ports().mqtt, "sensor/#")
        .await
        .unwrap();
    stack.start_sensor(&SensorSpec::new("temperature", INTERVAL)).unwrap();
    primary
        .wait_for_messages(1, TIMEOUT, |r| r.topic == "sensor/temperature")
        .await
        .unwrap();
    let sensor = stack.sensor("temperature").unwrap();
    sensor.terminate().unwrap();
    let status = sensor.wait_exit(Duration::from_secs(10)).await.unwrap();
    assert!(status.success(), "sensor-node exited with {status} on SIGTERM");
}
