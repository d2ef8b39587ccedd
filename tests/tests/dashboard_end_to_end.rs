//! Issue 2, item 8: the whole system in a real browser. Two Mosquitto brokers from the shipped `mosquitto.conf`,
//! four release `sensor-node` processes, nginx from the shipped `nginx.conf` serving the release dist, headless
//! Chromium. The page is read only through its DOM contract (`data-sensor`, `data-field`, `data-broker`).
//!
//! Needs `cargo build --release -p sensor-node` and `cd frontend && trunk build --release --offline` first.

use e2e::http_get;
use e2e::{mosquitto_pub, Browser, DashboardView, SensorSpec, Stack, StackConfig};
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

const PRIMARY: &str = "broker-primary";
const SECONDARY: &str = "broker-secondary";
/// Sensors publish faster than the seed's 2 s so the test sees many readings.
const INTERVAL: Duration = Duration::from_millis(500);
/// The seed sensors' value ranges.
const RANGES: [(&str, f64, f64); 4] = [
    ("temperature", 25.0, 40.0),
    ("humidity", 30.0, 70.0),
    ("voltage", 110.0, 240.0),
    ("air_quality", 50.0, 150.0),
];
/// Page load, first connections, first readings.
const FIRST_VIEW_TIMEOUT: Duration = Duration::from_secs(30);
/// From SIGKILL of the primary to every card showing the secondary (issue 3 tightens this to 1 s).
const FAILOVER_TIMEOUT: Duration = Duration::from_secs(30);
/// Distinct values each card must show after the failover.
const DISTINCT_VALUES_AFTER_FAILOVER: usize = 3;

fn in_range(sensor: &str, value: f64) -> bool {
    RANGES
        .iter()
        .any(|(s, lo, hi)| *s == sensor && (*lo..=*hi).contains(&value))
}

/// Every seed card shows an in-range number delivered by `broker`.
fn seed_cards_via(view: &DashboardView, broker: &str) -> bool {
    RANGES.iter().all(|(sensor, _, _)| {
        view.card(sensor).is_some_and(|c| {
            c.broker.as_deref() == Some(broker) && c.value_number().is_some_and(|v| in_range(sensor, v))
        })
    })
}

#[tokio::test]
async fn readings_reach_the_browser_through_both_brokers_and_survive_the_primary_dying() {
    let config = StackConfig::with_dashboard()
        .unwrap()
        .sensors(SensorSpec::seed(INTERVAL));
    let mut stack = Stack::start(config).await.unwrap();
    let browser = Browser::launch(stack.dir()).await.unwrap();
    if let Err(e) = scenario(&mut stack, &browser).await {
        browser.fail(e, stack.dir()).await;
    }
    browser.close().await.unwrap();
}

async fn scenario(stack: &mut Stack, browser: &Browser) -> anyhow::Result<()> {
    browser
        .goto(&stack.dashboard_url().expect("the stack runs nginx"))
        .await?;

    // The four seed cards, in range, via the primary; both brokers connected.
    DashboardView::wait_until(
        browser,
        "four seed cards via broker-primary, both brokers connected",
        FIRST_VIEW_TIMEOUT,
        |v| {
            (seed_cards_via(v, PRIMARY)
                && v.broker_state(PRIMARY) == Some("connected")
                && v.broker_state(SECONDARY) == Some("connected"))
            .then_some(())
        },
    )
    .await?;

    // Any client's seed-format message, on the secondary only, becomes a card of its own.
    let payload = r#"{"sensor":"pressure","value":1013,"broker_used":"broker-secondary"}"#;
    mosquitto_pub::publish(stack.secondary().ports().mqtt, "sensor/pressure", payload).await?;
    DashboardView::wait_until(
        browser,
        "a pressure card from broker-secondary",
        FIRST_VIEW_TIMEOUT,
        |v| {
            v.card("pressure")
                .filter(|c| c.value_number() == Some(1013.0) && c.broker.as_deref() == Some(SECONDARY))
                .map(|_| ())
        },
    )
    .await?;

    // SIGKILL the primary: every seed card moves to the secondary, the header shows the primary down.
    stack.primary().kill()?;
    DashboardView::wait_until(
        browser,
        "every seed card via broker-secondary, broker-primary not connected",
        FAILOVER_TIMEOUT,
        |v| (seed_cards_via(v, SECONDARY) && v.broker_state(PRIMARY).is_some_and(|s| s != "connected")).then_some(()),
    )
    .await?;

    // Values keep changing through the secondary.
    let mut seen: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let seen = std::cell::RefCell::new(&mut seen);
    DashboardView::wait_until(
        browser,
        "several distinct values per card via broker-secondary",
        FAILOVER_TIMEOUT,
        |v| {
            let mut seen = seen.borrow_mut();
            for (sensor, _, _) in RANGES {
                if let Some(card) = v.card(sensor).filter(|c| c.broker.as_deref() == Some(SECONDARY)) {
                    if card.value_number().is_some_and(|n| in_range(sensor, n)) {
                        seen.entry(sensor.to_owned())
                            .or_default()
                            .insert(card.value.clone().unwrap_or_default());
                    }
                }
            }
            RANGES
                .iter()
                .all(|(sensor, _, _)| {
                    seen.get(*sensor)
                        .is_some_and(|s| s.len() >= DISTINCT_VALUES_AFTER_FAILOVER)
                })
                .then_some(())
        },
    )
    .await
    .map_err(|e| e.context(format!("distinct values seen per card: {:?}", seen.borrow())))?;

    let view = DashboardView::read(browser).await?;
    anyhow::ensure!(
        view.broker_state(SECONDARY) == Some("connected"),
        "broker-secondary not connected: {view:#?}"
    );
    anyhow::ensure!(view.panic.is_none(), "the page shows a panic banner: {view:#?}");

    let errors = browser.page_errors().await?;
    anyhow::ensure!(errors.is_empty(), "the page threw or panicked: {errors:#?}");
    // Everything the page asked nginx for exists (no favicon 404 either).
    let access = stack.nginx().map(|n| n.log_text()).unwrap_or_default();
    let missing: Vec<&str> = access.lines().filter(|l| l.contains("\" 404 ")).collect();
    anyhow::ensure!(missing.is_empty(), "the page requested missing files: {missing:#?}");
    for sensor in stack.sensors() {
        let status = sensor.exit_status()?;
        anyhow::ensure!(
            status.is_none(),
            "sensor {} exited: {status:?}",
            sensor.spec().sensor_type
        );
    }
    Ok(())
}

#[tokio::test]
async fn nginx_serves_wasm_with_its_mime_type_gzip_and_an_uncached_index() {
    let stack = Stack::start(StackConfig::with_dashboard().unwrap()).await.unwrap();
    let port = stack.ports().http;
    let site = stack.dir().join("site");

    let index = http_get::get(port, "/index.html", &[]).await.unwrap();
    assert_eq!(index.status, 200);
    assert_eq!(index.header("cache-control"), Some("no-cache"), "{:?}", index.headers);
    let root = http_get::get(port, "/", &[]).await.unwrap();
    assert_eq!(root.header("cache-control"), Some("no-cache"), "{:?}", root.headers);

    let config = http_get::get(port, "/config.json", &[]).await.unwrap();
    assert_eq!(config.status, 200);
    assert_eq!(config.header("cache-control"), Some("no-cache"), "{:?}", config.headers);
    let brokers: serde_json::Value = serde_json::from_slice(&config.body).unwrap();
    assert_eq!(brokers["brokers"][1]["name"], SECONDARY);

    let wasm = std::fs::read_dir(&site)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .find(|name| name.ends_with(".wasm"))
        .expect("the dist has a .wasm file");
    let plain = http_get::get(port, &format!("/{wasm}"), &[]).await.unwrap();
    assert_eq!(plain.status, 200);
    assert_eq!(
        plain.header("content-type"),
        Some("application/wasm"),
        "{:?}",
        plain.headers
    );
    assert_eq!(plain.header("content-encoding"), None);
    assert!(
        plain.header("cache-control").is_some_and(|c| c.contains("immutable")),
        "a hashed asset should be cached for long: {:?}",
        plain.headers
    );

    let gzipped = http_get::get(port, &format!("/{wasm}"), &[("Accept-Encoding", "gzip")])
        .await
        .unwrap();
    assert_eq!(gzipped.status, 200);
    assert_eq!(
        gzipped.header("content-encoding"),
        Some("gzip"),
        "{:?}",
        gzipped.headers
    );
    assert_eq!(gzipped.header("content-type"), Some("application/wasm"));
    assert!(
        gzipped.body.len() < plain.body.len(),
        "gzip should make the wasm smaller"
    );
}
