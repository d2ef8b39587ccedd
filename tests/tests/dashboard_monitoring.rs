//! Issue 4: the dashboard as a monitoring tool, in a real browser against the real system (two Mosquitto brokers
//! from the shipped config, release `sensor-node`s, nginx serving the release dist, headless Chromium). Read only
//! through the DOM contract in `frontend/README.md`: `data-state`, `data-alert`, `[data-chart]`, `[data-event]`
//! with `data-kind`, the broker panel's `[data-field]`s, `[data-detail]`, the ARIA live region.
//!
//! One test per behaviour, each on its own stack, so one failure does not hide the others (run them one at a
//! time: `--test-threads=1`; each starts brokers, nginx, four sensors and Chromium).
//!
//! Needs `cargo build --release -p sensor-node` and `cd frontend && trunk build --release --offline` first.
//! `DASHBOARD_SCREENSHOT=path.png` also saves a screenshot of the dashboard with the large chart open there (used
//! for the README), taken by `enter_on_a_focused_card_opens_the_large_chart_with_axes_and_failover_marks`.

use anyhow::Context;
use e2e::credentials::OPERATOR;
use e2e::publish_as::publish_as;
use e2e::{wait_for, wait_for_snapshot, Browser, SensorSpec, Stack, StackConfig};
use serde::Deserialize;
use std::cell::Cell;
use std::time::Duration;

const PRIMARY: &str = "broker-primary";
const SECONDARY: &str = "broker-secondary";
const SEEDS: [&str; 4] = ["temperature", "humidity", "voltage", "air_quality"];
/// Faster than the seed's 2 s, so staleness (3 intervals) shows quickly.
const INTERVAL: Duration = Duration::from_millis(500);
const TIMEOUT: Duration = Duration::from_secs(30);
/// Item 5: `config.json` thresholds that the seed humidity (30–70 %) crosses often; the defaults (warn above 70)
/// never alert on it.
const HUMIDITY_THRESHOLDS: (f64, f64) = (50.0, 60.0);
/// …raised once readings stay beyond the clear line (50 − 5 %) for this long (issue 13's hold time): at 500 ms,
/// three readings in a row above 45 %, which the seed's humidity does within seconds. The default 30 s would need
/// 60 in a row (`tests/tests/dashboard_alerts.rs` checks the default's calm).
const HUMIDITY_FOR_SECONDS: f64 = 1.0;
/// Issue 4, item 6: retained values on screen this soon after both sessions are connected…
const FIRST_PAINT_BUDGET_MS: f64 = 300.0;
/// …give or take one poll of the page (a WebDriver round trip).
const POLL_SLACK_MS: f64 = 100.0;
/// Keepalive of the sensor that is stopped to go stale: its broker waits 1.5 × this before publishing its Will.
const HUNG_KEEPALIVE_SECS: u64 = 10;

/// One consistent read of everything this file checks.
const SNAPSHOT_JS: &str = r#"
const text = (el, sel) => { const f = el.querySelector(sel); return f === null ? null : f.textContent.trim(); };
return {
  now: performance.now(),
  cards: [...document.querySelectorAll('[data-sensor]')].map(c => ({
    sensor: c.dataset.sensor, state: c.dataset.state, alert: c.dataset.alert, value: text(c, '[data-field="value"]'),
    state_text: text(c, '[data-field="state"]'), alert_text: text(c, '[data-field="alert"]'),
    state_colour: (() => { const b = c.querySelector('[data-field="state"]');
                           if (b === null) return null;
                           const s = getComputedStyle(b), k = getComputedStyle(c);
                           return [s.color, s.backgroundColor, k.backgroundColor, k.borderLeftColor].join(' '); })(),
    chart_points: (() => { const p = c.querySelector('[data-chart="' + c.dataset.sensor + '"] path.line');
                           return p === null ? 0 : (p.getAttribute('d').match(/[ML]/g) || []).length; })(),
  })),
  brokers: [...document.querySelectorAll('[data-broker]')].map(b => ({
    name: b.dataset.broker, state: b.dataset.state, rate: text(b, '[data-field="rate"]'),
    attempts: text(b, '[data-field="attempts"]'), error: text(b, '[data-field="error"]'), since: text(b, '[data-field="since"]'),
  })),
  events: [...document.querySelectorAll('[data-event]')].map(e => ({ kind: e.dataset.kind, subject: text(e, '.subject') })),
  announcement: text(document, '[data-field="announcement"][aria-live]'),
};
"#;

#[derive(Debug, Deserialize)]
struct Snapshot {
    now: f64,
    cards: Vec<CardView>,
    brokers: Vec<BrokerView>,
    events: Vec<EventView>,
    announcement: Option<String>,
}

#[derive(Debug, Deserialize)]
struct CardView {
    sensor: String,
    state: Option<String>,
    alert: Option<String>,
    value: Option<String>,
    chart_points: usize,
    state_text: Option<String>,
    alert_text: Option<String>,
    /// The state badge's text and background colours, the card's background and left border.
    state_colour: Option<String>,
}

impl CardView {
    /// In `state`, said in words as well as by `data-state`.
    fn is(&self, state: &str) -> bool {
        self.state.as_deref() == Some(state) && self.state_text.as_deref() == Some(state)
    }
}

#[derive(Debug, Deserialize)]
struct BrokerView {
    name: String,
    state: Option<String>,
    rate: Option<String>,
    attempts: Option<String>,
    error: Option<String>,
    since: Option<String>,
}

#[derive(Debug, Deserialize)]
struct EventView {
    kind: Option<String>,
    subject: Option<String>,
}

impl Snapshot {
    async fn read(browser: &Browser) -> anyhow::Result<Snapshot> {
        let value = browser.execute(SNAPSHOT_JS, vec![]).await?;
        serde_json::from_value(value).context("reading the dashboard snapshot")
    }

    fn card(&self, sensor: &str) -> Option<&CardView> {
        self.cards.iter().find(|c| c.sensor == sensor)
    }

    fn broker(&self, name: &str) -> Option<&BrokerView> {
        self.brokers.iter().find(|b| b.name == name)
    }

    fn has_event(&self, kind: &str, subject: Option<&str>) -> bool {
        self.events
            .iter()
            .any(|e| e.kind.as_deref() == Some(kind) && subject.is_none_or(|s| e.subject.as_deref() == Some(s)))
    }

    /// Position of the newest `kind` entry about `subject` (0 = newest of all).
    fn newest(&self, kind: &str, subject: &str) -> Option<usize> {
        self.events
            .iter()
            .position(|e| e.kind.as_deref() == Some(kind) && e.subject.as_deref() == Some(subject))
    }

    /// The newest `kind` entry about `subject` is newer than any `than` entry about it (or there is none of those
    /// left on screen).
    fn newer(&self, kind: &str, than: &str, subject: &str) -> bool {
        self.newest(kind, subject)
            .is_some_and(|k| self.newest(than, subject).is_none_or(|t| k < t))
    }

    fn all_connected(&self) -> bool {
        self.brokers.len() == 2 && self.brokers.iter().all(|b| b.state.as_deref() == Some("connected"))
    }

    fn seeds_shown(&self) -> bool {
        SEEDS.iter().all(|s| {
            self.card(s)
                .is_some_and(|c| c.value.as_deref().is_some_and(|v| v != "—"))
        })
    }
}

/// Polls snapshots until `check` finds what it wants (`e2e::wait_for_snapshot`).
async fn until<T>(browser: &Browser, what: &str, check: impl FnMut(&Snapshot) -> Option<T>) -> anyhow::Result<T> {
    wait_for_snapshot(what, TIMEOUT, || Snapshot::read(browser), check).await
}

/// The state colours of the named cards.
fn colours<const N: usize>(s: &Snapshot, sensors: [&str; N]) -> [Option<String>; N] {
    sensors.map(|t| s.card(t).and_then(|c| c.state_colour.clone()))
}

fn signal(pid: u32, signal: libc::c_int) -> anyhow::Result<()> {
    // SAFETY: kill(2) on a process this test started; no memory is shared.
    let rc = unsafe { libc::kill(pid as libc::pid_t, signal) };
    anyhow::ensure!(
        rc == 0,
        "kill({pid}, {signal}) failed: {}",
        std::io::Error::last_os_error()
    );
    Ok(())
}

/// The whole system with the seed sensors at `INTERVAL` and humidity thresholds it crosses, and Chromium on the
/// dashboard.
async fn open_dashboard() -> (Stack, Browser) {
    open_dashboard_with(SensorSpec::seed(INTERVAL)).await
}

/// `open_dashboard` with these sensors.
async fn open_dashboard_with(sensors: Vec<SensorSpec>) -> (Stack, Browser) {
    let (warn_above, crit_above) = HUMIDITY_THRESHOLDS;
    let config = StackConfig::with_dashboard()
        .unwrap()
        .sensors(sensors)
        .dashboard_settings(serde_json::json!({
            "thresholds": {"humidity": {"warn_above": warn_above, "crit_above": crit_above,
                                        "for_seconds": HUMIDITY_FOR_SECONDS}}
        }))
        .unwrap();
    let stack = Stack::start(config).await.unwrap();
    let browser = Browser::launch(stack.dir()).await.unwrap();
    let url = stack.dashboard_url().expect("the stack runs nginx");
    if let Err(e) = browser.goto(&url).await {
        browser.fail(e, stack.dir()).await;
    }
    (stack, browser)
}

/// Ends a test (`Browser::finish`).
async fn finish(stack: &Stack, browser: Browser, result: anyhow::Result<()>) {
    browser.finish(result, stack.dir()).await;
}

/// Items 1 and 4: every seed card live, with a chart that has grown a line.
#[tokio::test]
async fn every_seed_card_goes_live_with_a_growing_chart() {
    let (stack, browser) = open_dashboard().await;
    let result = until(&browser, "four live seed cards with a chart of several points", |s| {
        SEEDS
            .iter()
            .all(|t| {
                s.card(t)
                    .is_some_and(|c| c.state.as_deref() == Some("live") && c.chart_points >= 2)
            })
            .then_some(())
    })
    .await;
    finish(&stack, browser, result).await;
}

/// Item 6: a freshly opened page shows the retained values within 300 ms of both sessions connecting.
#[tokio::test]
async fn a_reloaded_page_shows_the_retained_values_within_300_ms_of_connecting() {
    let (stack, browser) = open_dashboard().await;
    let result = first_paint(&stack, &browser).await;
    finish(&stack, browser, result).await;
}

async fn first_paint(stack: &Stack, browser: &Browser) -> anyhow::Result<()> {
    // Every sensor has published (retained) before the reload.
    until(browser, "a value on every seed card", |s| s.seeds_shown().then_some(())).await?;
    browser
        .goto(&stack.dashboard_url().expect("the stack runs nginx"))
        .await?;
    let connected_at = Cell::new(None);
    let painted = wait_for("retained values after a reload", TIMEOUT, || {
        let connected_at = &connected_at;
        async move {
            let s = Snapshot::read(browser).await?;
            if connected_at.get().is_none() && s.all_connected() {
                connected_at.set(Some(s.now));
            }
            Ok((s.seeds_shown() && connected_at.get().is_some()).then_some(s.now))
        }
    })
    .await?;
    let connected_at = connected_at.get().unwrap_or(painted);
    anyhow::ensure!(
        painted - connected_at <= FIRST_PAINT_BUDGET_MS + POLL_SLACK_MS,
        "values showed {:.0} ms after the sessions connected",
        painted - connected_at
    );
    Ok(())
}

/// Item 5: humidity crosses the lines `config.json` set for it (the defaults never fire for the seed range); the
/// crossing is on the card in attribute and words, in the timeline, and in the live region.
#[tokio::test]
async fn configured_thresholds_raise_an_alert_on_the_card_in_the_timeline_and_aloud() {
    let (stack, browser) = open_dashboard().await;
    let result = until(
        &browser,
        "a humidity alert from the configured thresholds, in the timeline and announced",
        |s| {
            let alerting = s
                .card("humidity")
                .is_some_and(|c| matches!(c.alert.as_deref(), Some("warn" | "crit")) && c.alert_text == c.alert);
            let announced = s.announcement.as_deref().is_some_and(|a| a.starts_with("Alert:"));
            (alerting && s.has_event("alert", Some("humidity")) && announced).then_some(())
        },
    )
    .await;
    finish(&stack, browser, result).await;
}

/// Item 4: a stopped (hung) sensor goes stale — once the page has learned its interval from a few readings — and a
/// terminated one goes offline through its presence message, each in words, in its own colours and in the
/// timeline; started again, the terminated one is online and live again.
///
/// The stopped sensor gets a keepalive of `HUNG_KEEPALIVE_SECS`: with the default 1 s the broker gives up on it after
/// 1.5 s and publishes its Will (`offline`) just as the page would call it stale (3 intervals = 1.5 s), and either
/// may come first.
#[tokio::test]
async fn a_stopped_sensor_goes_stale_and_a_terminated_one_offline_then_online_again() {
    let sensors = SensorSpec::seed(INTERVAL)
        .into_iter()
        .map(|s| match s.sensor_type.as_str() {
            "humidity" => s.with_env("KEEPALIVE_SECS", &HUNG_KEEPALIVE_SECS.to_string()),
            _ => s,
        })
        .collect();
    let (mut stack, browser) = open_dashboard_with(sensors).await;
    let result = stale_and_offline(&mut stack, &browser).await;
    finish(&stack, browser, result).await;
}

async fn stale_and_offline(stack: &mut Stack, browser: &Browser) -> anyhow::Result<()> {
    until(browser, "a few readings of humidity and voltage", |s| {
        ["humidity", "voltage"]
            .iter()
            .all(|t| s.card(t).is_some_and(|c| c.chart_points >= 3))
            .then_some(())
    })
    .await?;
    let humidity = stack.sensor("humidity").context("humidity sensor")?.pid();
    signal(humidity, libc::SIGSTOP)?;
    let stale = until(browser, "humidity stale in words, in the timeline", |s| {
        let stale = s.card("humidity").is_some_and(|c| c.is("stale"));
        let live = s.card("temperature").is_some_and(|c| c.is("live"));
        (stale && live && s.has_event("stale", Some("humidity"))).then(|| colours(s, ["temperature", "humidity"]))
    })
    .await?;
    anyhow::ensure!(
        stale[0] != stale[1],
        "a stale card has the colours of a live one: {stale:?}"
    );
    signal(humidity, libc::SIGCONT)?;

    stack.sensor("voltage").context("voltage sensor")?.terminate()?;
    let offline = until(browser, "voltage offline in words, in the timeline", |s| {
        let offline = s.card("voltage").is_some_and(|c| c.is("offline"));
        let live = s.card("temperature").is_some_and(|c| c.is("live"));
        (offline && live && s.has_event("sensor-offline", Some("voltage")))
            .then(|| colours(s, ["temperature", "voltage"]))
    })
    .await?;
    anyhow::ensure!(
        offline[0] != offline[1] && offline[1] != stale[1],
        "an offline card's colours are not its own: live {:?}, stale {:?}, offline {:?}",
        offline[0],
        stale[1],
        offline[1]
    );

    stack.start_sensor(&SensorSpec::new("voltage", INTERVAL))?;
    until(browser, "voltage online and live again", |s| {
        (s.newer("sensor-online", "sensor-offline", "voltage") && s.card("voltage").is_some_and(|c| c.is("live")))
            .then_some(())
    })
    .await?;
    Ok(())
}

/// Items 2 and 3: the primary dies; its panel shows it down with attempts and an error, the live sensors fail over
/// and the timeline says so. It comes back: up in its panel and the timeline, and the sensors fail back.
#[tokio::test]
async fn the_primary_dying_and_returning_shows_in_its_panel_and_the_timeline() {
    let (mut stack, browser) = open_dashboard().await;
    let result = primary_down_and_up(&mut stack, &browser).await;
    finish(&stack, browser, result).await;
}

async fn primary_down_and_up(stack: &mut Stack, browser: &Browser) -> anyhow::Result<()> {
    until(browser, "both brokers connected, values on every seed card", |s| {
        (s.all_connected() && s.seeds_shown()).then_some(())
    })
    .await?;
    stack.primary().kill()?;
    until(
        browser,
        "primary down in its panel, failovers and broker-down in the timeline",
        |s| {
            let primary = s.broker(PRIMARY)?;
            let down = primary.state.as_deref() == Some("disconnected")
                && primary.error.as_deref().is_some_and(|e| e != "none")
                && primary.since.as_deref().is_some_and(|t| t.contains(':'));
            let retrying = primary
                .attempts
                .as_deref()
                .and_then(|a| a.parse::<u32>().ok())
                .is_some_and(|a| a >= 1);
            let secondary_busy = s.brokers.iter().any(|b| {
                b.name != PRIMARY
                    && b.rate
                        .as_deref()
                        .and_then(|r| r.parse::<f64>().ok())
                        .is_some_and(|r| r > 0.0)
            });
            (down
                && retrying
                && secondary_busy
                && s.has_event("broker-down", Some(PRIMARY))
                && s.has_event("failover", Some("temperature")))
            .then_some(())
        },
    )
    .await?;

    stack.primary().restart().await?;
    until(browser, "primary up again, temperature failed back", |s| {
        let up = s.broker(PRIMARY)?.state.as_deref() == Some("connected");
        (up && s.newer("broker-up", "broker-down", PRIMARY) && s.newer("failback", "failover", "temperature"))
            .then_some(())
    })
    .await?;
    Ok(())
}

/// Items 1 and 8: a focused card selected with Enter (keyboard) opens the larger chart: time and value axes (value
/// ticks with the unit), the latest value marked, the failover and failback moments marked; that card, and only
/// it, is marked selected. The switches come from one reading the operator publishes as if through the secondary,
/// between two of the sensor's own: the marks are drawn from the model's switches whatever caused them (the real
/// failover is the test above).
#[tokio::test]
async fn enter_on_a_focused_card_opens_the_large_chart_with_axes_and_failover_marks() {
    let (stack, browser) = open_dashboard().await;
    let result = large_chart(&stack, &browser).await;
    if let Ok(path) = std::env::var("DASHBOARD_SCREENSHOT") {
        let _ = browser.screenshot(std::path::Path::new(&path)).await;
    }
    finish(&stack, browser, result).await;
}

async fn large_chart(stack: &Stack, browser: &Browser) -> anyhow::Result<()> {
    until(browser, "a temperature chart of several points", |s| {
        s.card("temperature").is_some_and(|c| c.chart_points >= 6).then_some(())
    })
    .await?;
    let payload = serde_json::json!({"sensor": "temperature", "value": 30.0, "broker_used": SECONDARY});
    publish_as(
        stack.ports().mqtt[0],
        Some(OPERATOR),
        "sensor/temperature",
        payload.to_string().into_bytes(),
        false,
    )
    .await?;
    until(browser, "a failover and a failback of temperature", |s| {
        s.newer("failback", "failover", "temperature").then_some(())
    })
    .await?;

    let card = browser
        .client()
        .find(fantoccini::Locator::Css(r#"[data-sensor="temperature"]"#))
        .await?;
    card.send_keys("\u{E007}").await?;
    wait_for("the large chart of temperature", TIMEOUT, || async {
        let v = browser
            .execute(
                r#"const d = document.querySelector('[data-detail="temperature"]');
                   if (d === null || d.hidden) return false;
                   const x = [...d.querySelectorAll('text.tick.x')], y = [...d.querySelectorAll('text.tick.y')];
                   return x.length > 0 && x.every(t => /\d:\d\d/.test(t.textContent))
                       && y.length > 0 && y.every(t => t.textContent.trim().endsWith('°C'))
                       && d.querySelector('circle.latest') !== null
                       && d.querySelector('line.mark.failover') !== null
                       && d.querySelector('line.mark.failback') !== null
                       && [...document.querySelectorAll('[data-sensor]')]
                            .every(c => c.dataset.selected === String(c.dataset.sensor === 'temperature')
                                     && c.getAttribute('aria-pressed') === c.dataset.selected);"#,
                vec![],
            )
            .await?;
        Ok((v == serde_json::Value::Bool(true)).then_some(()))
    })
    .await
}

/// Item 8: a 375 px wide phone gets no horizontal scrolling, with the large chart open.
#[tokio::test]
async fn a_375_px_wide_phone_gets_no_horizontal_scrolling() {
    let (stack, browser) = open_dashboard().await;
    let result = phone_layout(&browser).await;
    finish(&stack, browser, result).await;
}

async fn phone_layout(browser: &Browser) -> anyhow::Result<()> {
    until(browser, "values on every seed card", |s| s.seeds_shown().then_some(())).await?;
    browser
        .client()
        .find(fantoccini::Locator::Css(r#"[data-sensor="temperature"]"#))
        .await?
        .click()
        .await?;
    wait_for("the large chart of temperature", TIMEOUT, || async {
        let shown = browser
            .execute(
                r#"const d = document.querySelector('[data-detail="temperature"]');
                   return d !== null && !d.hidden && d.querySelector('path.line') !== null;"#,
                vec![],
            )
            .await?;
        Ok((shown == serde_json::Value::Bool(true)).then_some(()))
    })
    .await?;
    browser.client().set_window_size(375, 800).await?;
    wait_for("a phone-sized layout", TIMEOUT, || async {
        let w = browser
            .execute("return document.documentElement.scrollWidth;", vec![])
            .await?;
        Ok(w.as_f64().filter(|w| *w <= 375.0))
    })
    .await?;
    Ok(())
}
