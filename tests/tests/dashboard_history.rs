//! History kept in the browser (issue 12), with the page as the judge: real Mosquitto, nginx with the shipped
//! config, the release dist in headless Chromium, release sensors. The page reaches each broker through a
//! `FaultProxy`, so the test can keep it from connecting after a reload.
//!
//! - Run the sensors (`HISTORY_RUN_SECONDS`, default 60 s), fail over (SIGKILL the primary) and back, stop the
//!   sensors: every card counts what its sensor delivered, none lost.
//! - Cut the page from both brokers and reload at once (the last readings still held in memory, so the reload's
//!   `pagehide` must write them): before any broker connects, every card shows the same `readings` and `lost` as
//!   before, its sparkline and the detail chart draw points older than the reload, and `history-since` is older
//!   than the reload. Let it connect: nothing is counted twice, and the store (read with IndexedDB's own API)
//!   holds each reading exactly once.
//! - Export CSV: the downloaded file parses with a standard CSV reader (the `csv` crate) and has one row per reading
//!   the page received, each with a `broker_used` the sensor published it with (as two plain MQTT subscribers, one
//!   per broker, saw it: a reading sent again after a failover names the broker it went through then), `seq` and
//!   `boot`, and an ISO 8601 UTC time; the rows name both brokers.
//! - Two tabs open over the same period store each reading once.

use e2e::dashboard_page::{wait_brokers_connected, DashboardView};
use e2e::fault_proxy::{Fault, FaultProxy};
use e2e::subscriber::Subscriber;
use e2e::{Browser, SensorSpec, Stack, StackConfig};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tokio::time::Instant;

const SENSORS: [&str; 2] = ["temperature", "humidity"];
const INTERVAL: Duration = Duration::from_millis(200);
/// Deadline for anything that should take seconds (a batch is written every second; a failback takes ~10 s).
const TIMEOUT: Duration = Duration::from_secs(40);
const STOP_TIMEOUT: Duration = Duration::from_secs(10);

/// How long the sensors run before the failover; `HISTORY_RUN_SECONDS` (the issue says "a few minutes").
fn run_for() -> Duration {
    let seconds = std::env::var("HISTORY_RUN_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(60);
    Duration::from_secs(seconds)
}

/// The store's readings, read in the page with IndexedDB's own API: readings per sensor, all readings, distinct
/// keys. The store keeps a block of up to 32 readings of one sensor and boot per row: `d` holds `seq`, time and
/// value of each.
const STORED_JS: &str = r#"
return new Promise((resolve, reject) => {
  const open = indexedDB.open('sensor-history');
  open.onerror = () => reject(String(open.error));
  open.onsuccess = () => {
    const db = open.result;
    const all = db.transaction(['blocks'], 'readonly').objectStore('blocks').getAll();
    all.onerror = () => reject(String(all.error));
    all.onsuccess = () => {
      const perSensor = {};
      const keys = new Set();
      let rows = 0;
      for (const b of all.result) {
        for (let i = 0; i < b.f.length; i++) {
          perSensor[b.s] = (perSensor[b.s] || 0) + 1;
          keys.add(JSON.stringify([b.s, b.o, b.d[3 * i]]));
          rows += 1;
        }
      }
      db.close();
      resolve({perSensor, rows, distinct: keys.size});
    };
  };
});
"#;

/// Points drawn by each sparkline, the detail chart and its range, and the oldest stored time.
const CHARTS_JS: &str = r#"
const spark = {};
for (const el of document.querySelectorAll('svg[data-chart]')) {
  spark[el.getAttribute('data-chart')] = Number(el.getAttribute('data-points') || 0);
}
const detail = document.querySelector('svg[data-chart-detail]');
const section = document.querySelector('[data-detail]');
const since = document.querySelector('[data-field="history-since"]');
return {
  spark,
  detail: detail ? Number(detail.getAttribute('data-points') || 0) : 0,
  detailSensor: detail ? detail.getAttribute('data-chart-detail') : null,
  range: section ? section.getAttribute('data-range') : null,
  since: since && since.getAttribute('data-since-ms') ? Number(since.getAttribute('data-since-ms')) : null,
  history: (document.querySelector('[data-history]') || {getAttribute: () => null}).getAttribute('data-history'),
};
"#;

#[derive(Debug, Clone, PartialEq, Eq)]
struct Stored {
    per_sensor: BTreeMap<String, u64>,
    rows: u64,
    distinct: u64,
}

async fn stored(browser: &Browser) -> anyhow::Result<Stored> {
    let v = browser.execute(STORED_JS, Vec::new()).await?;
    let per_sensor = v["perSensor"]
        .as_object()
        .map(|m| m.iter().map(|(k, n)| (k.clone(), n.as_u64().unwrap_or(0))).collect())
        .unwrap_or_default();
    Ok(Stored {
        per_sensor,
        rows: v["rows"].as_u64().unwrap_or(0),
        distinct: v["distinct"].as_u64().unwrap_or(0),
    })
}

/// Waits until the store holds exactly `delivered` readings per sensor, each once.
async fn wait_stored(browser: &Browser, delivered: &[(String, u64)], what: &str) -> anyhow::Result<Stored> {
    let want: BTreeMap<String, u64> = delivered.iter().cloned().collect();
    let last = std::cell::RefCell::new(None);
    let found = e2e::wait_for(what, TIMEOUT, || async {
        let s = stored(browser).await?;
        let done = s.per_sensor == want && s.distinct == s.rows;
        *last.borrow_mut() = Some(s.clone());
        Ok(done.then_some(s))
    })
    .await;
    found.map_err(|e| e.context(format!("store last read as {:?}, want {want:?}", last.borrow())))
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

fn card_counts(v: &DashboardView) -> BTreeMap<String, (Option<u64>, Option<u64>)> {
    SENSORS
        .iter()
        .map(|s| {
            let card = v.card(s);
            (
                s.to_string(),
                (
                    card.and_then(|c| c.count("readings")),
                    card.and_then(|c| c.count("lost")),
                ),
            )
        })
        .collect()
}

/// Waits until every card counts what its sensor `delivered`, none lost.
async fn wait_every_reading_counted(browser: &Browser, delivered: &[(String, u64)]) -> anyhow::Result<()> {
    DashboardView::wait_until(browser, "every reading counted, none lost", TIMEOUT, |v| {
        delivered
            .iter()
            .all(|(s, n)| card_counts(v).get(s) == Some(&(Some(*n), Some(0))))
            .then_some(())
    })
    .await
}

fn on_broker(v: &DashboardView, broker: &str) -> bool {
    SENSORS
        .iter()
        .all(|s| v.card(s).and_then(|c| c.broker.as_deref()) == Some(broker))
}

/// The one finished `.csv` file in `dir`.
async fn downloaded_csv(dir: &Path) -> anyhow::Result<PathBuf> {
    e2e::wait_for("the CSV download to finish", TIMEOUT, || async {
        let done: Vec<PathBuf> = std::fs::read_dir(dir)?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "csv"))
            .collect();
        Ok((done.len() == 1).then(|| done[0].clone()))
    })
    .await
}

/// What two plain subscribers, one per broker, saw published: (sensor, boot, seq) → every `broker_used` it was
/// published with (a reading a sensor sends again after a failover carries the broker it is sent through then).
type Published = HashMap<(String, String, u64), HashSet<String>>;

fn published(subscribers: &[&Subscriber]) -> Published {
    let mut seen = Published::new();
    for sub in subscribers {
        for (r, _) in sub.readings() {
            if let Some(seq) = r.seq {
                seen.entry((r.sensor.as_str().to_owned(), r.boot.clone().unwrap_or_default(), seq))
                    .or_default()
                    .insert(r.broker_used.clone());
            }
        }
    }
    seen
}

/// Checks the exported file against what was published: one row per reading, each with its broker.
fn check_csv(path: &Path, published: &Published, delivered: &[(String, u64)]) -> anyhow::Result<()> {
    let mut reader = csv::Reader::from_path(path)?;
    let header: Vec<String> = reader.headers()?.iter().map(str::to_owned).collect();
    anyhow::ensure!(
        header == ["time", "sensor", "value", "unit", "broker_used", "seq", "boot"],
        "header {header:?}"
    );
    let mut rows_per_sensor: BTreeMap<String, u64> = BTreeMap::new();
    let mut keys = HashSet::new();
    let mut brokers = HashSet::new();
    for row in reader.records() {
        let row = row?;
        let (time, sensor, value, broker, seq, boot) = (&row[0], &row[1], &row[2], &row[4], &row[5], &row[6]);
        anyhow::ensure!(
            time.len() == 24 && time.ends_with('Z') && time.as_bytes()[10] == b'T',
            "time {time:?} is not ISO 8601 UTC with ms"
        );
        value
            .parse::<f64>()
            .map_err(|e| anyhow::anyhow!("value {value:?}: {e}"))?;
        let seq: u64 = seq.parse().map_err(|e| anyhow::anyhow!("seq {seq:?}: {e}"))?;
        let key = (sensor.to_owned(), boot.to_owned(), seq);
        let Some(expected) = published.get(&key) else {
            anyhow::bail!("row {row:?}: no subscriber saw this reading published");
        };
        anyhow::ensure!(
            expected.contains(broker),
            "row {row:?}: broker_used {broker}, published only with {expected:?}"
        );
        brokers.insert(broker.to_owned());
        anyhow::ensure!(keys.insert(key), "row {row:?} appears twice");
        *rows_per_sensor.entry(sensor.to_owned()).or_default() += 1;
    }
    let want: BTreeMap<String, u64> = delivered.iter().cloned().collect();
    anyhow::ensure!(
        rows_per_sensor == want,
        "rows per sensor {rows_per_sensor:?}, delivered {want:?}"
    );
    anyhow::ensure!(brokers.len() == 2, "the rows should name both brokers, saw {brokers:?}");
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn history_survives_a_reload_before_any_broker_connects_and_exports_one_row_per_reading() {
    let config = StackConfig::with_dashboard().unwrap();
    let proxies = [
        FaultProxy::start(config.ports.ws[0]).await.unwrap(),
        FaultProxy::start(config.ports.ws[1]).await.unwrap(),
    ];
    let config = config
        .dashboard_url_for(0, proxies[0].ws_url())
        .dashboard_url_for(1, proxies[1].ws_url());
    let mut stack = Stack::start(config).await.unwrap();
    let downloads = stack.dir().join("downloads");
    std::fs::create_dir_all(&downloads).unwrap();
    let browser = Browser::launch(stack.dir()).await.unwrap();
    let result = async {
        browser
            .devtools(
                "Browser.setDownloadBehavior",
                serde_json::json!({"behavior": "allow", "downloadPath": downloads.to_string_lossy()}),
            )
            .await?;
        let ports = stack.ports();
        let on_primary = Subscriber::connect("audit-primary", ports.mqtt[0], "sensor/#").await?;
        let on_secondary = Subscriber::connect("audit-secondary", ports.mqtt[1], "sensor/#").await?;
        browser.goto(&stack.dashboard_url().unwrap()).await?;
        wait_brokers_connected(&browser, TIMEOUT).await?;
        for sensor in SENSORS {
            stack.start_sensor(&SensorSpec::new(sensor, INTERVAL))?;
        }
        let started = Instant::now();
        e2e::wait_for("the sensors' run", run_for() + TIMEOUT, || async {
            Ok((Instant::now() >= started + run_for()).then_some(()))
        })
        .await?;
        stack.primary().kill()?;
        DashboardView::wait_until(&browser, "the cards on the secondary", TIMEOUT, |v| {
            on_broker(v, "broker-secondary").then_some(())
        })
        .await?;
        stack.primary().restart().await?;
        DashboardView::wait_until(&browser, "the cards back on the primary", TIMEOUT, |v| {
            on_broker(v, "broker-primary").then_some(())
        })
        .await?;
        let delivered = stack.stop_sensors(STOP_TIMEOUT).await?;
        wait_every_reading_counted(&browser, &delivered).await?;
        // No wait for the store: the last readings are still held (a block is written when full, or after 10 s),
        // so the reload's `pagehide` must write them, or the store below lacks them.
        let before = card_counts(&DashboardView::read(&browser).await?);

        // Reload with both brokers out of reach: what shows comes from the store.
        for p in &proxies {
            p.set(Fault::Reset);
        }
        let reloaded_at = now_ms();
        browser
            .execute("setTimeout(() => location.reload(), 0); return 0;", Vec::new())
            .await?;
        let restored = DashboardView::wait_until(&browser, "the cards restored from the store", TIMEOUT, |v| {
            let counts = card_counts(v);
            (v.brokers.len() == 2 && counts == before).then(|| v.clone())
        })
        .await?;
        anyhow::ensure!(
            restored.brokers.iter().all(|b| b.state.as_deref() != Some("connected")),
            "a broker connected although the page could not reach it: {:?}",
            restored.brokers
        );
        browser
            .client()
            .find(fantoccini::Locator::Css("[data-sensor=\"temperature\"]"))
            .await?
            .click()
            .await?;
        let charts = e2e::wait_for("the charts drawn from the store", TIMEOUT, || async {
            let c = browser.execute(CHARTS_JS, Vec::new()).await?;
            let all_drawn = SENSORS.iter().all(|s| c["spark"][s].as_u64().unwrap_or(0) >= 2);
            Ok((all_drawn && c["detail"].as_u64().unwrap_or(0) >= 2).then_some(c))
        })
        .await?;
        anyhow::ensure!(charts["range"] == "10m", "the detail view's range: {charts}");
        anyhow::ensure!(
            charts["since"].as_u64().is_some_and(|s| s < reloaded_at),
            "history-since should be older than the reload at {reloaded_at}: {charts}"
        );
        let still = DashboardView::read(&browser).await?;
        anyhow::ensure!(
            still.brokers.iter().all(|b| b.state.as_deref() != Some("connected")),
            "the charts were checked after a broker connected: {:?}",
            still.brokers
        );

        // Let the page connect: the brokers' retained values count as nothing, nothing is stored twice.
        for p in &proxies {
            p.set(Fault::None);
        }
        wait_brokers_connected(&browser, TIMEOUT).await?;
        let connected = DashboardView::read(&browser).await?;
        anyhow::ensure!(
            card_counts(&connected) == before,
            "counts changed after connecting: {connected:#?}"
        );
        wait_stored(
            &browser,
            &delivered,
            "the store unchanged after the reload and a failover",
        )
        .await?;

        browser
            .client()
            .find(fantoccini::Locator::Css(".history-bar [data-action=\"export-csv\"]"))
            .await?
            .click()
            .await?;
        let file = downloaded_csv(&downloads).await?;
        check_csv(&file, &published(&[&on_primary, &on_secondary]), &delivered)
    }
    .await;
    browser.finish(result, stack.dir()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_tabs_open_over_the_same_period_store_each_reading_once() {
    let mut stack = Stack::start(StackConfig::with_dashboard().unwrap()).await.unwrap();
    let browser = Browser::launch(stack.dir()).await.unwrap();
    let result = async {
        let url = stack.dashboard_url().unwrap();
        browser.goto(&url).await?;
        wait_brokers_connected(&browser, TIMEOUT).await?;
        let first = browser.client().window().await?;
        let second = browser.client().new_window(true).await?.handle;
        browser.client().switch_to_window(second).await?;
        browser.goto(&url).await?;
        wait_brokers_connected(&browser, TIMEOUT).await?;
        for sensor in SENSORS {
            stack.start_sensor(&SensorSpec::new(sensor, INTERVAL))?;
        }
        DashboardView::wait_until(&browser, "readings in the second tab", TIMEOUT, |v| {
            SENSORS
                .iter()
                .all(|s| v.card(s).and_then(|c| c.count("readings")).is_some_and(|n| n >= 25))
                .then_some(())
        })
        .await?;
        let delivered = stack.stop_sensors(STOP_TIMEOUT).await?;
        for tab in [first, browser.client().window().await?] {
            browser.client().switch_to_window(tab).await?;
            wait_every_reading_counted(&browser, &delivered).await?;
        }
        wait_stored(&browser, &delivered, "two tabs' writes to hold each reading once").await?;
        Ok(())
    }
    .await;
    browser.finish(result, stack.dir()).await;
}

/// `frontend/tests/store_blocks.test.mjs`: the store's JavaScript (blocks, merge by `seq`, commit, `expand`) in
/// plain node, when node is installed (the scenarios above are its real test).
#[test]
fn the_stores_block_merge_passes_its_node_tests() {
    e2e::node_test::run("frontend/tests/store_blocks.test.mjs");
}
