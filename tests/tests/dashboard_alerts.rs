//! Issue 13, items 3 and 4: calm alerts, the timeline's filters, smoothed broker rates and titles in words, in a
//! real browser against the real system (two Mosquitto brokers from the shipped config, release `sensor-node`s,
//! nginx serving the release dist, headless Chromium). Read only through the DOM contract in `frontend/README.md`.
//!
//! With the shipped `config.json` (its thresholds, hold times and clear margins) and the seed's four sensors at the
//! seed's 2 s for `ALERTS_RUN_SECONDS` (600 by default: the issue's ten minutes), the timeline holds fewer than 10
//! alert entries about them — while a fifth sensor, `boiler`, held at 90 (beyond the warn limit 80 the test adds to
//! the shipped thresholds, with a 10 s hold), raises its alert within those 10 s (plus a tick and a poll) of its
//! first reading on screen, and not before. Then the filter buttons hide and show entries by kind.
//!
//! Needs `cargo build-native` and `cd frontend && trunk build --release --offline` first. A shorter run while
//! developing: `ALERTS_RUN_SECONDS=60 cargo e2e --test dashboard_alerts -- --test-threads=1`.

use anyhow::Context;
use e2e::credentials::OPERATOR;
use e2e::{wait_for_snapshot, Browser, SensorSpec, Stack, StackConfig};
use serde::Deserialize;
use std::time::Duration;
use tokio::time::Instant;

/// How long the seed sensors run, in seconds.
const RUN_SECONDS_ENV: &str = "ALERTS_RUN_SECONDS";
const DEFAULT_RUN_SECONDS: u64 = 600;
const SEEDS: [&str; 4] = ["temperature", "humidity", "voltage", "air_quality"];
/// The seed's publish interval.
const SEED_INTERVAL: Duration = Duration::from_secs(2);
/// The issue's bound: fewer than this many alert entries about the seed sensors.
const MAX_SEED_ALERTS: usize = 10;
/// The fifth sensor, held beyond its warn limit.
const HELD: &str = "boiler";
const HELD_VALUE: f64 = 90.0;
const HELD_WARN_ABOVE: f64 = 80.0;
const HELD_FOR_SECONDS: u64 = 10;
/// The raise may come this much after the hold: the page's clock ticks once a second, the test polls every 100 ms
/// through WebDriver and the frame that shows it comes after the tick. Also how much before the hold (from when
/// the test first saw the card) it may come: the page received the first reading before the test saw it.
const RAISE_TOLERANCE: Duration = Duration::from_secs(3);
const TIMEOUT: Duration = Duration::from_secs(30);
/// How often the long run looks at the page.
const LOOK_EVERY: Duration = Duration::from_secs(5);

const SNAPSHOT_JS: &str = r#"
const text = (el, sel) => { const f = el.querySelector(sel); return f === null ? null : f.textContent.trim(); };
return {
  cards: [...document.querySelectorAll('[data-sensor]')].map(c => ({
    sensor: c.dataset.sensor, alert: c.dataset.alert, raised: c.dataset.alertRaised ?? null,
    title: text(c, '.card-title'), value: text(c, '[data-field="value"]'),
  })),
  brokers: [...document.querySelectorAll('[data-broker]')].map(b => ({
    name: b.dataset.broker, state: b.dataset.state, rate: text(b, '[data-field="rate"]'),
  })),
  events: [...document.querySelectorAll('[data-event]')].map(e => ({
    kind: e.dataset.kind, subject: text(e, '.subject'), detail: text(e, '.detail-text'),
  })),
  filters: [...document.querySelectorAll('[data-filter]')].map(f => ({
    filter: f.dataset.filter, pressed: f.getAttribute('aria-pressed'),
  })),
};
"#;

#[derive(Debug, Deserialize)]
struct Snapshot {
    cards: Vec<CardView>,
    brokers: Vec<BrokerView>,
    events: Vec<EventView>,
    filters: Vec<FilterView>,
}

#[derive(Debug, Deserialize)]
struct CardView {
    sensor: String,
    alert: Option<String>,
    raised: Option<String>,
    title: Option<String>,
    value: Option<String>,
}

#[derive(Debug, Deserialize)]
struct BrokerView {
    name: String,
    state: Option<String>,
    rate: Option<String>,
}

#[derive(Debug, Deserialize)]
struct EventView {
    kind: Option<String>,
    subject: Option<String>,
    detail: Option<String>,
}

#[derive(Debug, Deserialize)]
struct FilterView {
    filter: String,
    pressed: Option<String>,
}

impl Snapshot {
    async fn read(browser: &Browser) -> anyhow::Result<Snapshot> {
        let value = browser.execute(SNAPSHOT_JS, vec![]).await?;
        serde_json::from_value(value).context("reading the dashboard snapshot")
    }

    fn card(&self, sensor: &str) -> Option<&CardView> {
        self.cards.iter().find(|c| c.sensor == sensor)
    }

    fn shows_value(&self, sensor: &str) -> bool {
        self.card(sensor)
            .and_then(|c| c.value.as_deref())
            .is_some_and(|v| v != "—")
    }

    fn all_connected(&self) -> bool {
        self.brokers.len() == 2 && self.brokers.iter().all(|b| b.state.as_deref() == Some("connected"))
    }

    /// Alert entries about the seed sensors.
    fn seed_alerts(&self) -> Vec<&EventView> {
        self.events
            .iter()
            .filter(|e| e.kind.as_deref() == Some("alert") && e.subject.as_deref().is_some_and(|s| SEEDS.contains(&s)))
            .collect()
    }

    fn count(&self, kind: &str) -> usize {
        self.events.iter().filter(|e| e.kind.as_deref() == Some(kind)).count()
    }

    fn pressed(&self, filter: &str) -> Option<&str> {
        self.filters
            .iter()
            .find(|f| f.filter == filter)
            .and_then(|f| f.pressed.as_deref())
    }
}

/// Polls snapshots until `check` finds what it wants; on timeout the error shows the last.
async fn until<T>(
    browser: &Browser,
    what: &str,
    timeout: Duration,
    check: impl FnMut(&Snapshot) -> Option<T>,
) -> anyhow::Result<T> {
    wait_for_snapshot(what, timeout, || Snapshot::read(browser), check).await
}

fn run_seconds() -> anyhow::Result<u64> {
    match std::env::var(RUN_SECONDS_ENV) {
        Ok(text) => text
            .trim()
            .parse()
            .with_context(|| format!("{RUN_SECONDS_ENV}={text}: expected a whole number of seconds")),
        Err(_) => Ok(DEFAULT_RUN_SECONDS),
    }
}

/// The shipped `frontend/config.json`'s thresholds with one more type: `boiler`, warn above 80, held 10 s.
fn thresholds_with_the_held_type() -> anyhow::Result<serde_json::Value> {
    let path = e2e::artifacts::workspace_root().join("frontend/config.json");
    let text = std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    let shipped: serde_json::Value = serde_json::from_str(&text).context("the shipped config.json")?;
    let mut thresholds = shipped
        .get("thresholds")
        .cloned()
        .context("the shipped config.json has thresholds")?;
    let map = thresholds.as_object_mut().context("thresholds is an object")?;
    map.insert(
        HELD.to_owned(),
        serde_json::json!({"warn_above": HELD_WARN_ABOVE, "for_seconds": HELD_FOR_SECONDS}),
    );
    Ok(serde_json::json!({ "thresholds": thresholds }))
}

/// Clicks the filter button for `group`.
async fn click_filter(browser: &Browser, group: &str) -> anyhow::Result<()> {
    browser
        .execute(
            "const b = document.querySelector('[data-filter=\"' + arguments[0] + '\"]'); \
             if (b === null) throw new Error('no filter ' + arguments[0]); b.click();",
            vec![serde_json::json!(group)],
        )
        .await
        .map(|_| ())
}

#[tokio::test]
async fn the_seed_sensors_stay_calm_while_a_held_value_raises_within_its_hold() {
    let run = Duration::from_secs(run_seconds().unwrap());
    let config = StackConfig::with_dashboard()
        .unwrap()
        .sensors(SensorSpec::seed(SEED_INTERVAL))
        .dashboard_settings(thresholds_with_the_held_type().unwrap())
        .unwrap();
    let mut stack = Stack::start(config).await.unwrap();
    let browser = Browser::launch(stack.dir()).await.unwrap();
    let url = stack.dashboard_url().expect("the stack runs nginx");
    let result = match browser.goto(&url).await {
        Ok(()) => calm_alerts(&mut stack, &browser, run).await,
        Err(e) => Err(e),
    };
    browser.finish(result, stack.dir()).await;
}

async fn calm_alerts(stack: &mut Stack, browser: &Browser, run: Duration) -> anyhow::Result<()> {
    until(
        browser,
        "both brokers connected, values on every seed card",
        TIMEOUT,
        |s| (s.all_connected() && SEEDS.iter().all(|t| s.shows_value(t))).then_some(()),
    )
    .await?;
    let started = Instant::now();

    // A held value raises within its hold, and not at once.
    let held = SensorSpec::new(HELD, SEED_INTERVAL)
        .with_env("SENSOR_MIN", &HELD_VALUE.to_string())
        .with_env("SENSOR_MAX", &HELD_VALUE.to_string())
        .with_env("MQTT_USERNAME", OPERATOR.username)
        .with_env("MQTT_PASSWORD", OPERATOR.password);
    stack.start_sensor(&held)?;
    let (first_seen, first) = until(browser, "the held sensor's first value", TIMEOUT, |s| {
        s.shows_value(HELD)
            .then(|| s.card(HELD).map(|c| (c.alert.clone(), c.raised.clone())))
            .flatten()
            .map(|levels| (Instant::now(), levels))
    })
    .await?;
    anyhow::ensure!(
        first == (Some("warn".to_owned()), Some("ok".to_owned())),
        "at its first value the card shows the value's level at once but raises nothing yet: (alert, raised) = \
         {first:?}"
    );
    let hold = Duration::from_secs(HELD_FOR_SECONDS);
    let raised_after = until(browser, "the held sensor's alert raised", hold + TIMEOUT, |s| {
        let raised = s.card(HELD).is_some_and(|c| c.raised.as_deref() == Some("warn"));
        let logged = s.events.iter().any(|e| {
            e.kind.as_deref() == Some("alert")
                && e.subject.as_deref() == Some(HELD)
                && e.detail.as_deref() == Some("warn raised at 90")
        });
        (raised && logged).then(|| first_seen.elapsed())
    })
    .await?;
    anyhow::ensure!(
        raised_after <= hold + RAISE_TOLERANCE && raised_after + RAISE_TOLERANCE >= hold,
        "raised {raised_after:?} after the first value showed; the hold is {hold:?} (± {RAISE_TOLERANCE:?})"
    );
    eprintln!("held {HELD} at {HELD_VALUE}: raised {raised_after:?} after its first value showed (hold {hold:?})");

    // Titles in words, rates with one decimal.
    let s = Snapshot::read(browser).await?;
    let titles: Vec<(&str, Option<&str>)> = ["air_quality", HELD]
        .iter()
        .map(|t| (*t, s.card(t).and_then(|c| c.title.as_deref())))
        .collect();
    anyhow::ensure!(
        titles == [("air_quality", Some("Air quality")), (HELD, Some("Boiler"))],
        "card titles: {titles:?}"
    );
    until(
        browser,
        "the primary's rate, smoothed, with one decimal",
        TIMEOUT,
        |s| {
            let rate = s.brokers.iter().find(|b| b.name == "broker-primary")?.rate.clone()?;
            let one_decimal = rate.split_once('.').is_some_and(|(_, d)| d.len() == 1);
            // Five sensors every 2 s: 2.5 msg/s.
            (one_decimal && rate.parse::<f64>().is_ok_and(|r| (1.5..=3.5).contains(&r))).then_some(())
        },
    )
    .await?;

    // The seed sensors for the rest of the run: fewer than 10 alert entries about them, watched as it goes.
    let end = started + run;
    let mut most = 0;
    loop {
        let s = Snapshot::read(browser).await?;
        let seed_alerts = s.seed_alerts();
        most = most.max(seed_alerts.len());
        anyhow::ensure!(
            seed_alerts.len() < MAX_SEED_ALERTS,
            "{} alert entries about the seed sensors after {:?}: {seed_alerts:#?}",
            seed_alerts.len(),
            started.elapsed()
        );
        anyhow::ensure!(
            SEEDS.iter().all(|t| s.shows_value(t)) && s.all_connected(),
            "a seed card or a broker went away: {s:#?}"
        );
        if Instant::now() >= end {
            eprintln!(
                "{:?} of the seed sensors at {SEED_INTERVAL:?}: {} alert entries about them: {:#?}",
                started.elapsed(),
                seed_alerts.len(),
                seed_alerts
            );
            break;
        }
        tokio::time::sleep_until(end.min(Instant::now() + LOOK_EVERY)).await;
    }
    anyhow::ensure!(most < MAX_SEED_ALERTS, "at most {most} seed alert entries");

    filters_hide_and_show_by_kind(browser).await
}

async fn filters_hide_and_show_by_kind(browser: &Browser) -> anyhow::Result<()> {
    let before = Snapshot::read(browser).await?;
    let groups: Vec<(&str, Option<&str>)> = ["broker", "presence", "alert"]
        .iter()
        .map(|g| (*g, before.pressed(g)))
        .collect();
    anyhow::ensure!(
        groups.iter().all(|(_, pressed)| *pressed == Some("true")),
        "every filter shows its group at first: {groups:?}"
    );
    let (alerts, brokers_up) = (before.count("alert"), before.count("broker-up"));
    anyhow::ensure!(
        alerts >= 1 && brokers_up >= 2,
        "an alert and both brokers' broker-up to filter: {before:#?}"
    );

    click_filter(browser, "alert").await?;
    until(browser, "alerts hidden, broker entries still shown", TIMEOUT, |s| {
        (s.pressed("alert") == Some("false") && s.count("alert") == 0 && s.count("broker-up") == brokers_up)
            .then_some(())
    })
    .await?;
    click_filter(browser, "broker").await?;
    until(browser, "broker entries hidden too", TIMEOUT, |s| {
        let broker_kinds = ["broker-up", "broker-down", "failover", "failback"];
        (s.pressed("broker") == Some("false") && broker_kinds.iter().all(|k| s.count(k) == 0) && s.count("alert") == 0)
            .then_some(())
    })
    .await?;
    click_filter(browser, "alert").await?;
    until(
        browser,
        "alerts shown again, broker entries still hidden",
        TIMEOUT,
        |s| {
            (s.pressed("alert") == Some("true") && s.count("alert") >= alerts && s.count("broker-up") == 0)
                .then_some(())
        },
    )
    .await?;
    click_filter(browser, "presence").await?;
    until(browser, "presence filter off", TIMEOUT, |s| {
        let presence_kinds = ["sensor-offline", "sensor-online", "stale"];
        (s.pressed("presence") == Some("false") && presence_kinds.iter().all(|k| s.count(k) == 0)).then_some(())
    })
    .await?;
    click_filter(browser, "broker").await?;
    click_filter(browser, "presence").await?;
    until(browser, "everything shown again", TIMEOUT, |s| {
        (s.filters.iter().all(|f| f.pressed.as_deref() == Some("true"))
            && s.count("broker-up") == brokers_up
            && s.count("alert") >= alerts)
            .then_some(())
    })
    .await?;
    Ok(())
}
