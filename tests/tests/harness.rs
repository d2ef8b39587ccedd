//! The harness itself, against real Mosquitto, nginx and Chromium, with no project build artifact: a stub dist
//! stands in for the dashboard and `mosquitto_pub` for the sensors. If these fail, the end-to-end tests cannot be
//! trusted either way.

use e2e::broker::BrokerState;
use e2e::{mosquitto_pub, Browser, DashboardView, Stack, StackConfig, Subscriber};
use std::time::Duration;

const TIMEOUT: Duration = Duration::from_secs(15);

#[tokio::test]
async fn a_message_published_with_mosquitto_pub_reaches_a_subscriber_on_that_broker_only() {
    let mut stack = Stack::start(StackConfig::brokers_only().unwrap()).await.unwrap();
    let on_secondary = Subscriber::connect("secondary", stack.secondary().ports().mqtt, "sensor/#")
        .await
        .unwrap();
    let on_primary = Subscriber::connect("primary", stack.primary().ports().mqtt, "sensor/#")
        .await
        .unwrap();
    let payload = r#"{"sensor":"pressure","value":1013,"broker_used":"broker-secondary"}"#;
    mosquitto_pub::publish(stack.secondary().ports().mqtt, "sensor/pressure", payload)
        .await
        .unwrap();

    let got = on_secondary
        .wait_for_messages(1, TIMEOUT, |r| r.topic == "sensor/pressure")
        .await
        .unwrap();
    assert_eq!(got[0].payload_text(), payload);
    let readings = on_secondary.readings();
    assert_eq!(readings[0].0.broker_used, "broker-secondary");
    assert_eq!(
        on_primary.count(),
        0,
        "the primary must not see a message published to the secondary"
    );
}

#[tokio::test]
async fn a_killed_broker_restarts_on_the_same_ports_and_subscribers_resubscribe() {
    let mut stack = Stack::start(StackConfig::brokers_only().unwrap()).await.unwrap();
    let port = stack.primary().ports().mqtt;
    let subscriber = Subscriber::connect("primary", port, "sensor/#").await.unwrap();
    let first_pid = stack.primary().pid();

    stack.primary().kill().unwrap();
    assert_eq!(stack.primary().state(), BrokerState::Dead);
    assert!(!stack.primary().answers_mqtt().await);

    stack.primary().restart().await.unwrap();
    assert_ne!(stack.primary().pid(), first_pid);
    assert_eq!(stack.primary().ports().mqtt, port);
    e2e::wait_for("the subscriber to notice the kill and reconnect", TIMEOUT, || {
        let ok = subscriber.disconnects() >= 1 && subscriber.is_connected();
        async move { Ok(ok.then_some(())) }
    })
    .await
    .unwrap();
    // Resubscription is asynchronous to the CONNACK: publish until one arrives.
    e2e::wait_for("a message after the restart", TIMEOUT, || {
        let seen = subscriber.count() > 0;
        async move {
            if !seen {
                mosquitto_pub::publish(port, "sensor/x", r#"{"sensor":"x","value":1,"broker_used":"b"}"#).await?;
            }
            Ok(seen.then_some(()))
        }
    })
    .await
    .unwrap();
}

#[tokio::test]
async fn a_stopped_broker_answers_nothing_until_continued() {
    let mut stack = Stack::start(StackConfig::brokers_only().unwrap()).await.unwrap();
    stack.primary().stop().unwrap();
    assert_eq!(stack.primary().state(), BrokerState::Stopped);
    assert!(
        !stack.primary().answers_mqtt().await,
        "a SIGSTOPped broker must not send CONNACK"
    );
    assert!(stack.secondary().answers_mqtt().await);
    stack.primary().cont().unwrap();
    stack.primary().wait_ready(TIMEOUT).await.unwrap();
    assert_eq!(stack.primary().state(), BrokerState::Running);
}

/// A page that follows the DOM contract by hand, and throws once. Its script is an inline module script, as trunk's
/// loader is, so nginx's CSP nonce (stamped by `sub_filter`) lets it run.
const STUB_INDEX: &str = r#"<!doctype html><html><head><meta charset="utf-8"><title>stub</title></head><body>
<header><span data-broker="broker-primary" data-state="connected">primary</span>
<span data-broker="broker-secondary" data-state="connecting">secondary</span></header>
<div data-sensor="temperature"><span data-field="value">25.5 °C</span><span data-field="broker">broker-primary</span></div>
<script type="module">
fetch('config.json').then(r => r.json()).then(c => {
  const d = document.createElement('div');
  d.setAttribute('data-sensor', 'config');
  d.innerHTML = '<span data-field="value">' + c.brokers.length + '</span><span data-field="broker">' + c.brokers[1].url + '</span>';
  document.body.appendChild(d);
});
setTimeout(() => { throw new Error('stub page error'); }, 0);
</script></body></html>"#;

#[tokio::test]
async fn chromium_reads_the_dom_contract_and_the_console_from_a_page_nginx_serves() {
    let dist = tempfile::tempdir().unwrap();
    std::fs::write(dist.path().join("index.html"), STUB_INDEX).unwrap();
    let config = StackConfig {
        dashboard_dist: Some(dist.path().to_path_buf()),
        ..StackConfig::brokers_only().unwrap()
    };
    let mut stack = Stack::start(config).await.unwrap();
    let secondary_ws = stack.secondary().ws_url();
    let browser = Browser::launch(stack.dir()).await.unwrap();
    browser.goto(&stack.dashboard_url().unwrap()).await.unwrap();

    let view = DashboardView::wait_until(&browser, "the config card", TIMEOUT, |v| {
        v.card("config").cloned().map(|_| v.clone())
    })
    .await
    .unwrap();
    let config_card = view.card("config").unwrap();
    assert_eq!(config_card.value_number(), Some(2.0));
    assert_eq!(config_card.broker.as_deref(), Some(secondary_ws.as_str()));
    assert_eq!(view.card("temperature").and_then(|c| c.value_number()), Some(25.5));
    assert_eq!(view.broker_state("broker-primary"), Some("connected"));
    assert_eq!(view.broker_state("broker-secondary"), Some("connecting"));

    let errors = e2e::wait_for("the stub's uncaught error in the console", TIMEOUT, || async {
        let errors = browser.page_errors().await?;
        Ok((!errors.is_empty()).then_some(errors))
    })
    .await
    .unwrap();
    assert!(
        errors.iter().any(|e| e.message.contains("stub page error")),
        "{errors:#?}"
    );

    let profile = stack.dir().join("chromium-profile");
    browser.close().await.unwrap();
    e2e::wait_for("no Chromium process left on the profile", TIMEOUT, || {
        let left = processes_using(&profile);
        async move { Ok(left.is_empty().then_some(())) }
    })
    .await
    .unwrap();
}

fn processes_using(profile: &std::path::Path) -> Vec<u32> {
    let needle = format!("--user-data-dir={}", profile.display());
    std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let pid = e.file_name().to_str()?.parse().ok()?;
            let cmdline = std::fs::read(e.path().join("cmdline")).ok()?;
            cmdline
                .split(|b| *b == 0)
                .any(|a| a == needle.as_bytes())
                .then_some(pid)
        })
        .collect()
}
