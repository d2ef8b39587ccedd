//! `run` started and stopped in-process with no broker reachable, on tokio's paused clock: sampling goes on into the
//! outbox, and shutdown returns within the flush deadline with every reading accounted for.

use sensor_node::config;
use std::collections::HashMap;
use std::net::TcpListener;
use std::time::Duration;

/// A port nothing listens on: bound to find it, then released.
fn closed_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("bind 127.0.0.1:0")
        .port()
}

#[tokio::test(start_paused = true)]
async fn keeps_sampling_into_the_outbox_while_no_broker_is_reachable_and_stops_on_shutdown() {
    let brokers = format!("a=127.0.0.1:{},b=127.0.0.1:{}", closed_port(), closed_port());
    let env: HashMap<&str, String> = HashMap::from([
        ("SENSOR_TYPE", "humidity".to_owned()),
        ("BROKER_LIST", brokers),
        ("PUBLISH_INTERVAL_MS", "100".to_owned()),
        ("SHUTDOWN_FLUSH_MS", "50".to_owned()),
    ]);
    let config = config::parse(|k| env.get(k).cloned()).expect("valid config");
    let started = tokio::time::Instant::now();
    let summary = sensor_node::run(config, tokio::time::sleep(Duration::from_millis(1_050))).await;
    assert_eq!(
        summary.sampled, 11,
        "one sample at start and one per 100 ms: {summary:?}"
    );
    assert_eq!((summary.acknowledged, summary.dropped, summary.unsent), (0, 0, 11));
    // On the test clock: the shutdown at 1.05 s, then at most the 50 ms flush deadline.
    let took = tokio::time::Instant::now() - started;
    assert!(took <= Duration::from_millis(1_100), "stopped after {took:?}");
}
