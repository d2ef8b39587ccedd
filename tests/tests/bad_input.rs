//! Issue 5: bad input never breaks the dashboard. Real Mosquitto, nginx, four release sensors and headless Chromium.
//!
//! - The malformed corpus (`sensor_wire::corpus::malformed()`) published on the primary while the real sensors
//!   run: the page keeps updating them, shows no card for the junk, throws nothing, shows no panic banner, and its
//!   `[data-field="rejected"]` count reaches at least the number of corpus messages the broker delivered.
//! - The corpus published retained, each entry on a topic of its own, before any page is open: a new page gets all
//!   of it the moment it subscribes, stays up, and counts every one as rejected (a message that crashed the parser
//!   once killed every page load that followed).
//! - A fake broker that answers the dashboard's CONNECT with garbage, an invalid frame and an absurd length: the page
//!   shows it not connected, keeps closing and reopening that session, never panics, and the real broker's cards
//!   keep updating.
//!
//! Needs `cargo build --release -p sensor-node` and the dashboard dist (`cd frontend && trunk build --release`).

use e2e::credentials::OPERATOR;
use e2e::dist::BrokerEndpoint;
use e2e::fake_broker::FakeBroker;
use e2e::publish_as::publish_as;
use e2e::sensor::SEED_SENSORS;
use e2e::{Browser, DashboardView, Nginx, SensorSpec, Stack, StackConfig, Subscriber};
use std::collections::BTreeMap;
use std::time::Duration;

const PRIMARY: &str = "broker-primary";
const SECONDARY: &str = "broker-secondary";
const INTERVAL: Duration = Duration::from_millis(500);
/// Page load, first connections, first readings.
const FIRST_VIEW_TIMEOUT: Duration = Duration::from_secs(30);
/// For the page to catch up with what was published, or to show new readings.
const CATCH_UP: Duration = Duration::from_secs(20);
/// Marks the end of the corpus: malformed as well (a topic level beyond `sensor/<type>`), so it is counted too.
const END_TOPIC: &str = "sensor/temperature/corpus-end";
const END_PAYLOAD: &[u8] = b"end of the malformed corpus";

/// Every seed card shows a number delivered through `broker`.
fn seed_cards_via(view: &DashboardView, broker: &str) -> bool {
    SEED_SENSORS.iter().all(|sensor| {
        view.card(sensor)
            .is_some_and(|c| c.broker.as_deref() == Some(broker) && c.value_number().is_some())
    })
}

fn seed_values(view: &DashboardView) -> BTreeMap<String, Option<String>> {
    SEED_SENSORS
        .iter()
        .map(|s| (s.to_string(), view.card(s).and_then(|c| c.value.clone())))
        .collect()
}

/// Waits until every seed card shows a value other than the one in `before`, through `broker`: the page still
/// takes in live readings.
async fn seed_cards_keep_updating(
    browser: &Browser,
    before: &BTreeMap<String, Option<String>>,
    broker: &str,
) -> anyhow::Result<()> {
    DashboardView::wait_until(browser, "every seed card to show a new value", CATCH_UP, |v| {
        SEED_SENSORS
            .iter()
            .all(|s| {
                v.card(s).is_some_and(|c| {
                    c.broker.as_deref() == Some(broker)
                        && c.value_number().is_some()
                        && before.get(*s).is_some_and(|b| *b != c.value)
                })
            })
            .then_some(())
    })
    .await
}

async fn assert_page_healthy(browser: &Browser) -> anyhow::Result<()> {
    let view = DashboardView::read(browser).await?;
    anyhow::ensure!(view.panic.is_none(), "the page shows a panic banner: {view:#?}");
    let errors = browser.page_errors().await?;
    anyhow::ensure!(errors.is_empty(), "the page threw or panicked: {errors:#?}");
    Ok(())
}

/// Runs `scenario`; on failure panics with its error, the browser console and a screenshot path.
async fn run<F>(dir: &std::path::Path, browser: &Browser, scenario: F)
where
    F: std::future::Future<Output = anyhow::Result<()>>,
{
    if let Err(e) = scenario.await {
        browser.fail(e, dir).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_malformed_corpus_is_counted_as_rejected_while_the_real_sensors_keep_updating() {
    let config = StackConfig::with_dashboard()
        .unwrap()
        .sensors(SensorSpec::seed(INTERVAL));
    let mut stack = Stack::start(config).await.unwrap();
    let browser = Browser::launch(stack.dir()).await.unwrap();
    let primary = stack.primary().ports().mqtt;
    let url = stack.dashboard_url().expect("nginx runs");
    let dir = stack.dir().to_path_buf();
    let scenario = async {
        browser.goto(&url).await?;
        DashboardView::wait_until(
            &browser,
            "four seed cards via broker-primary",
            FIRST_VIEW_TIMEOUT,
            |v| seed_cards_via(v, PRIMARY).then_some(()),
        )
        .await?;
        let rejected_before = rejected_count(&DashboardView::read(&browser).await?);

        // A subscriber counts what the broker delivers of the corpus: the page must have rejected at least that.
        let counter = Subscriber::connect("corpus-counter", primary, "sensor/#").await?;
        let corpus = sensor_wire::corpus::malformed();
        let mut refused_by_broker = Vec::new();
        for entry in &corpus {
            // The operator may write every sensor/# topic: only the broker's own limits stop anything.
            if let Err(e) = publish_as(primary, Some(OPERATOR), &entry.topic, entry.payload.clone(), false).await {
                refused_by_broker.push(format!("{}: {e:#}", entry.why));
            }
        }
        publish_as(primary, Some(OPERATOR), END_TOPIC, END_PAYLOAD.to_vec(), false).await?;
        counter.wait_for_messages(1, CATCH_UP, |r| r.topic == END_TOPIC).await?;
        let received = counter.received();
        let delivered = corpus
            .iter()
            .filter(|m| received.iter().any(|r| r.topic == m.topic && r.payload == m.payload))
            .count();
        // Most of the corpus must get through the broker, or the test proves little (the over-limit entry is
        // meant to be dropped).
        anyhow::ensure!(
            delivered + 5 >= corpus.len(),
            "the broker delivered only {delivered} of {} corpus entries; refused: {refused_by_broker:#?}",
            corpus.len()
        );
        let expected = rejected_before + delivered as u64 + 1;

        let view = DashboardView::wait_until(
            &browser,
            &format!(
                "[data-field=\"rejected\"] to reach {expected} ({delivered} corpus entries delivered + end marker)"
            ),
            CATCH_UP,
            |v| (rejected_count(v) >= expected).then(|| v.clone()),
        )
        .await?;
        let title = browser
            .execute(
                r#"const f = document.querySelector('[data-field="rejected"]'); return f ? f.getAttribute('title') : null;"#,
                Vec::new(),
            )
            .await?;
        anyhow::ensure!(
            title.as_str().is_some_and(|t| !t.trim().is_empty()),
            "the rejected count has no last reason as its title: {title:?}"
        );
        let extra: Vec<&str> = view
            .cards
            .iter()
            .map(|c| c.sensor.as_str())
            .filter(|s| !SEED_SENSORS.contains(s))
            .collect();
        anyhow::ensure!(extra.is_empty(), "malformed messages became cards: {extra:?}");

        seed_cards_keep_updating(&browser, &seed_values(&view), PRIMARY).await?;
        assert_page_healthy(&browser).await?;
        for sensor in stack.sensors() {
            anyhow::ensure!(sensor.is_running(), "sensor {} exited", sensor.spec().sensor_type);
        }
        eprintln!(
            "corpus: {} entries, {delivered} delivered by the broker, rejected count {} (needed {expected})",
            corpus.len(),
            rejected_count(&view)
        );
        Ok(())
    };
    run(&dir, &browser, scenario).await;
    browser.close().await.unwrap();
}

/// Where a corpus entry is retained: entries on the usual reading or status topic move to a topic of their own
/// (`sensor/retained-N`, `…/status`), so that each stays retained; entries about the topic itself keep theirs.
fn retained_topic(index: usize, entry: &sensor_wire::corpus::Malformed) -> String {
    match entry.topic.as_str() {
        "sensor/temperature" => format!("sensor/retained-{index}"),
        "sensor/temperature/status" => format!("sensor/retained-{index}/status"),
        other => other.to_owned(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_page_survives_the_corpus_retained_and_counts_every_message_as_rejected() {
    let mut stack = Stack::start(StackConfig::with_dashboard().unwrap()).await.unwrap();
    let primary = stack.primary().ports().mqtt;
    let url = stack.dashboard_url().expect("nginx runs");
    // An empty retained payload deletes the retained message, so it cannot be kept for a later page.
    let corpus: Vec<_> = sensor_wire::corpus::malformed()
        .into_iter()
        .enumerate()
        .filter(|(_, m)| !m.payload.is_empty())
        .map(|(i, m)| (retained_topic(i, &m), m))
        .collect();
    let mut published = BTreeMap::new();
    for (topic, entry) in &corpus {
        // Refused by the broker: over its packet limit. Anything else it keeps (a later entry on the same topic wins).
        if publish_as(primary, Some(OPERATOR), topic, entry.payload.clone(), true)
            .await
            .is_ok()
        {
            published.insert(topic.clone(), entry.why);
        }
    }
    // What a fresh subscription gets retained: exactly what the page must count.
    let counter = Subscriber::connect("retained-counter", primary, "sensor/#")
        .await
        .unwrap();
    let kept = counter
        .wait_for_messages(published.len(), CATCH_UP, |r| r.retain)
        .await
        .map(|_| counter.received().iter().filter(|r| r.retain).count())
        .unwrap_or_else(|e| {
            panic!(
                "the broker kept {} of {} retained entries: {e:#}",
                counter.count(),
                published.len()
            )
        });
    assert!(
        kept + 5 >= corpus.len(),
        "only {kept} of {} corpus entries were retained",
        corpus.len()
    );
    assert!(
        published.values().any(|why| why.contains("4-byte")) && published.values().any(|why| why.contains("non-ASCII")),
        "the retained set must include the non-ASCII entries: {published:#?}"
    );

    let browser = Browser::launch(stack.dir()).await.unwrap();
    let dir = stack.dir().to_path_buf();
    let scenario = async {
        browser.goto(&url).await?;
        let view = DashboardView::wait_until(
            &browser,
            &format!("[data-field=\"rejected\"] to reach {kept} with both brokers connected"),
            FIRST_VIEW_TIMEOUT,
            |v| {
                let connected =
                    v.broker_state(PRIMARY) == Some("connected") && v.broker_state(SECONDARY) == Some("connected");
                (connected && rejected_count(v) >= kept as u64).then(|| v.clone())
            },
        )
        .await?;
        anyhow::ensure!(
            rejected_count(&view) == kept as u64,
            "the page counted {} rejected messages for {kept} retained ones",
            rejected_count(&view)
        );
        anyhow::ensure!(
            view.cards.is_empty(),
            "malformed messages became cards: {:?}",
            view.cards
        );
        assert_page_healthy(&browser).await?;
        eprintln!(
            "retained corpus: {} entries, {kept} kept by the broker, all {kept} rejected by a new page",
            corpus.len()
        );
        Ok(())
    };
    run(&dir, &browser, scenario).await;
    browser.close().await.unwrap();
}

fn rejected_count(view: &DashboardView) -> u64 {
    view.rejected
        .as_deref()
        .and_then(|r| r.trim().parse().ok())
        .unwrap_or(0)
}

/// What the fake broker answers a CONNECT with, one reply per connection (cycled).
fn bad_replies() -> Vec<(&'static str, Vec<u8>)> {
    vec![
        // 0xff…: reserved packet type, and a remaining length that never ends.
        ("garbage", [vec![0xff; 8], b"this is not MQTT".to_vec()].concat()),
        // A CONNACK one byte short.
        ("a short CONNACK", vec![0x20, 0x01, 0x00]),
        // An accepting CONNACK, then a PUBLISH whose topic runs past its body (would index out of bounds in mqttrs).
        (
            "a PUBLISH with its topic past its body",
            vec![0x20, 0x02, 0x00, 0x00, 0x30, 0x03, 0x00, 0x05, b'x'],
        ),
        // An accepting CONNACK, then a PUBLISH announcing 256 MiB.
        (
            "an oversized length",
            vec![0x20, 0x02, 0x00, 0x00, 0x30, 0xff, 0xff, 0xff, 0x7f],
        ),
        // A CONNECT sent to the client: a packet type no broker sends.
        ("a packet only clients send", vec![0x10, 0x00]),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_mqtt_frames_from_a_broker_close_its_session_and_reconnect_without_a_panic() {
    let replies = bad_replies();
    let fake = FakeBroker::start(replies.iter().map(|(_, r)| r.clone()).collect())
        .await
        .unwrap();
    let config = StackConfig::brokers_only().unwrap().sensors(SensorSpec::seed(INTERVAL));
    let mut stack = Stack::start(config).await.unwrap();

    // The dashboard's second broker is the fake one; the first is the real primary.
    let endpoints = [
        BrokerEndpoint {
            name: PRIMARY.to_owned(),
            url: stack.primary().ws_url(),
        },
        BrokerEndpoint {
            name: SECONDARY.to_owned(),
            url: fake.ws_url(),
        },
    ];
    let site = stack.dir().join("site-with-fake-broker");
    e2e::dist::stage(
        &e2e::artifacts::dashboard_dist().unwrap(),
        &site,
        &endpoints,
        &Default::default(),
    )
    .unwrap();
    let run_dir = stack.dir().join("nginx");
    std::fs::create_dir_all(&run_dir).unwrap();
    let http = e2e::ports::free_ports(1).unwrap()[0];
    let nginx = Nginx::start(http, &site, &run_dir).await.unwrap();
    let browser = Browser::launch(stack.dir()).await.unwrap();
    let dir = stack.dir().to_path_buf();

    let scenario = async {
        browser.goto(&nginx.url()).await?;
        let view = DashboardView::wait_until(
            &browser,
            "four seed cards via broker-primary, broker-secondary not connected",
            FIRST_VIEW_TIMEOUT,
            |v| {
                (seed_cards_via(v, PRIMARY)
                    && v.broker_state(PRIMARY) == Some("connected")
                    && v.broker_state(SECONDARY).is_some_and(|s| s != "connected"))
                .then(|| v.clone())
            },
        )
        .await?;

        // Every bad reply was answered by the page closing that socket and opening a new one.
        let wanted = replies.len() + 1;
        e2e::wait_for(
            &format!("{wanted} connections to the fake broker, each bad reply closed by the page"),
            CATCH_UP,
            || {
                let connections = fake.connections();
                let ok = connections.len() >= wanted
                    && connections[..replies.len()]
                        .iter()
                        .all(|c| c.first_byte == Some(0x10) && c.replied && c.closed_by_client);
                async move { Ok(ok.then_some(())) }
            },
        )
        .await
        .map_err(|e| e.context(format!("connections so far: {:#?}", fake.connections())))?;

        let now = DashboardView::read(&browser).await?;
        anyhow::ensure!(
            now.broker_state(SECONDARY).is_some_and(|s| s != "connected"),
            "the fake broker shows as connected: {now:#?}"
        );
        seed_cards_keep_updating(&browser, &seed_values(&view), PRIMARY).await?;
        assert_page_healthy(&browser).await?;
        eprintln!(
            "fake broker: {} connections, replies {:?}",
            fake.connections().len(),
            replies.iter().map(|(why, _)| *why).collect::<Vec<_>>()
        );
        Ok(())
    };
    run(&dir, &browser, scenario).await;
    browser.close().await.unwrap();
    drop(nginx);
}
