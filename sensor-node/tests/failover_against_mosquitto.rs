//! Failover against two real Mosquitto processes: the sensor binary at a 200 ms interval, subscribers on both
//! brokers, a fault injected, and every `seq` accounted for with the right `broker_used`.
//! Needs `mosquitto` installed (CI installs it); fails with a clear message otherwise.

#[path = "failover_against_mosquitto/harness.rs"]
mod harness;

use harness::{assert_gap_free, free_port, signal, subscribe, wait_until, Broker, Seen, Sensor};
use sensor_wire::Presence;
use std::time::Duration;

const PRIMARY: &str = "broker-primary";
const SECONDARY: &str = "broker-secondary";
const WAIT: Duration = Duration::from_secs(15);

struct Stack {
    primary: Broker,
    secondary: Broker,
    on_primary: Seen,
    on_secondary: Seen,
    sensor: Sensor,
}

/// Two brokers, a subscriber on each, and a sensor that has published a few readings through the primary.
async fn stack() -> Stack {
    let primary = Broker::start(free_port()).await;
    let secondary = Broker::start(free_port()).await;
    let (on_primary, on_secondary) = (Seen::default(), Seen::default());
    subscribe(primary.port, on_primary.clone()).await;
    subscribe(secondary.port, on_secondary.clone()).await;
    let sensor = Sensor::start(&[
        ("SENSOR_TYPE", "temperature".into()),
        (
            "BROKER_LIST",
            format!(
                "{PRIMARY}=127.0.0.1:{},{SECONDARY}=127.0.0.1:{}",
                primary.port, secondary.port
            ),
        ),
        ("PUBLISH_INTERVAL_MS", "200".into()),
    ]);
    let stack = Stack {
        primary,
        secondary,
        on_primary,
        on_secondary,
        sensor,
    };
    let p = stack.on_primary.clone();
    wait_until(
        WAIT,
        "five readings through the primary",
        || p.count() >= 5,
        || stack.sensor.log_text(),
    )
    .await;
    stack
}

impl Stack {
    /// Waits until the secondary's subscriber has seen `n` more readings than `after`.
    async fn wait_on_secondary_beyond(&self, after: u64, n: u64, what: &str) {
        let s = self.on_secondary.clone();
        wait_until(
            WAIT,
            what,
            || s.max_seq().is_some_and(|m| m >= after + n),
            || self.sensor.log_text(),
        )
        .await;
    }

    async fn stop_and_check(mut self) {
        self.sensor.assert_running();
        let status = self.sensor.terminate(Duration::from_secs(10)).await;
        assert!(status.success(), "exit status {status:?}\n{}", self.sensor.log_text());
        let log = self.sensor.log_text();
        assert_gap_free(&[(PRIMARY, &self.on_primary), (SECONDARY, &self.on_secondary)], &log);
        // The broker in use gets `offline` last (it may reach the subscriber just after the sensor exited).
        let (p, q) = (self.on_primary.clone(), self.on_secondary.clone());
        let offline_last = || {
            [&p, &q]
                .iter()
                .filter_map(|s| s.statuses().pop())
                .any(|st| st.status == Presence::Offline)
        };
        wait_until(WAIT, "an offline status", offline_last, || log.clone()).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_of_the_primary_moves_readings_to_the_secondary_with_none_lost() {
    let mut s = stack().await;
    s.primary.kill();
    let last_on_primary = s.on_primary.max_seq().unwrap();
    s.wait_on_secondary_beyond(last_on_primary, 10, "ten readings through the secondary")
        .await;
    s.stop_and_check().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restarted_primary_gets_the_readings_back_with_none_lost() {
    let mut s = stack().await;
    let port = s.primary.port;
    s.primary.kill();
    let last_on_primary = s.on_primary.max_seq().unwrap();
    s.wait_on_secondary_beyond(last_on_primary, 5, "readings through the secondary")
        .await;
    s.primary = Broker::start(port).await;
    // A new subscriber on the restarted primary records into the same list as the first one.
    subscribe(port, s.on_primary.clone()).await;
    let last_on_secondary = s.on_secondary.max_seq().unwrap();
    let p = s.on_primary.clone();
    wait_until(
        WAIT,
        "readings back through the restarted primary",
        || p.max_seq().is_some_and(|m| m >= last_on_secondary + 5),
        || s.sensor.log_text(),
    )
    .await;
    s.stop_and_check().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hung_primary_is_left_and_returned_to_with_none_lost() {
    let s = stack().await;
    let pid = s.primary.pid();
    signal(pid, "STOP");
    let last_on_primary = s.on_primary.max_seq().unwrap();
    s.wait_on_secondary_beyond(last_on_primary, 10, "ten readings through the secondary")
        .await;
    signal(pid, "CONT");
    // Once it answers again, the sensor fails back to it.
    subscribe(s.primary.port, s.on_primary.clone()).await;
    let last_on_secondary = s.on_secondary.max_seq().unwrap();
    let p = s.on_primary.clone();
    let back = || p.max_seq().is_some_and(|m| m > last_on_secondary);
    wait_until(WAIT, "failback to the resumed primary", back, || s.sensor.log_text()).await;
    s.stop_and_check().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readings_sampled_while_both_brokers_are_down_arrive_once_they_are_back() {
    let mut s = stack().await;
    let (pp, sp) = (s.primary.port, s.secondary.port);
    s.primary.kill();
    s.secondary.kill();
    let before = s
        .on_primary
        .max_seq()
        .into_iter()
        .chain(s.on_secondary.max_seq())
        .max()
        .unwrap();
    // The outage lasts until the sensor has backed off four rounds in a row (about 1-2 s, several readings).
    let log = s.sensor.log.clone();
    let rounds_logged = || std::fs::read_to_string(&log).unwrap_or_default().contains("round=4");
    wait_until(WAIT, "four backoff rounds", rounds_logged, || s.sensor.log_text()).await;
    s.primary = Broker::start(pp).await;
    s.secondary = Broker::start(sp).await;
    subscribe(pp, s.on_primary.clone()).await;
    subscribe(sp, s.on_secondary.clone()).await;
    let (p, q) = (s.on_primary.clone(), s.on_secondary.clone());
    let beyond = before + 10;
    wait_until(
        WAIT,
        "readings sampled after the outage",
        || {
            p.max_seq()
                .into_iter()
                .chain(q.max_seq())
                .max()
                .is_some_and(|m| m >= beyond)
        },
        || s.sensor.log_text(),
    )
    .await;
    s.stop_and_check().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flapping_primary_loses_nothing() {
    let mut s = stack().await;
    let port = s.primary.port;
    let flaps = 3;
    for _ in 0..flaps {
        s.primary.kill();
        let last = s.on_primary.max_seq().unwrap_or(0);
        s.wait_on_secondary_beyond(last, 3, "readings through the secondary while the primary is down")
            .await;
        s.primary = Broker::start(port).await;
        subscribe(port, s.on_primary.clone()).await;
        let last = s.on_secondary.max_seq().unwrap();
        let p = s.on_primary.clone();
        wait_until(
            WAIT,
            "failback to the restarted primary",
            || p.max_seq().is_some_and(|m| m > last),
            || s.sensor.log_text(),
        )
        .await;
    }
    s.stop_and_check().await;
}
