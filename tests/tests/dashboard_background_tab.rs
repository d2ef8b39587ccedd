//! Issue 4, item 7: the dashboard's MQTT sessions stay alive while its tab is in the background.
//!
//! Browsers throttle a hidden tab's timers: Chrome wakes them at most once a minute after five minutes hidden
//! ("intensive wake-up throttling"). A session that pings from a page timer then misses its keepalive (10 s; the
//! broker gives up after 15 s) and is dropped: mqtt.js issue #1257. The secondary broker's session is the one at
//! risk, since while the primary is healthy no reading flows through it and only pings keep it open.
//!
//! The real system (two Mosquitto brokers from the shipped config, a release `sensor-node`, nginx serving the release
//! dist) and headless Chromium with background throttling switched back on (`BackgroundTabs::Throttled`: chromedriver
//! turns it off by default, and the five-minute wait before intensive throttling is shortened to 10 s). The dashboard
//! tab is hidden behind a second tab for `HIDDEN_FOR`. The test first proves that the page's own timers really were
//! throttled to about one wake-up a minute, then that neither broker ever saw the dashboard's sessions drop or
//! reconnect, that the page shows no broker going down, and that readings kept arriving with none lost. Nothing else
//! happens meanwhile, so the timeline must gain no entry.
//!
//! Needs `cargo build --release -p sensor-node` and `cd frontend && trunk build --release --offline` first.

use anyhow::Context;
use e2e::browser::BackgroundTabs;
use e2e::wait::GIVE_UP;
use e2e::{wait_for, Browser, SensorSpec, Stack, StackConfig, BROKER_NAMES};
use serde::Deserialize;
use std::path::PathBuf;
use std::time::Duration;
use tokio::time::Instant;

const SENSOR: &str = "temperature";
/// The sensor's range, under the default 35 °C warn line: no alert, so while hidden the timeline has nothing to say
/// unless a session drops.
const QUIET_RANGE: (&str, &str) = ("25", "30");
/// The seed's publish interval.
const INTERVAL: Duration = Duration::from_secs(2);
const TIMEOUT: Duration = Duration::from_secs(30);
/// How long the dashboard tab stays hidden: the 10 s grace, then at least one whole one-minute throttled period,
/// four times the brokers' 15 s keepalive limit.
const HIDDEN_FOR: Duration = Duration::from_secs(120);

/// Installed before the tab is hidden: a one-second page timer (repeating, so Chromium's throttling applies to it
/// like to the page's own) and a record of visibility changes.
const PROBE_JS: &str = r#"
window.__ticks = []; window.__visibility = [];
document.addEventListener('visibilitychange', () => window.__visibility.push([Date.now(), document.visibilityState]));
setInterval(() => window.__ticks.push(Date.now()), 1000);
"#;
const PROBE_READ_JS: &str = "return { ticks: window.__ticks, visibility: window.__visibility };";

/// What the test reads of the page: the broker panel, the sensor's card and the timeline.
const VIEW_JS: &str = r#"
const text = (el, sel) => { const f = el.querySelector(sel); return f === null ? null : f.textContent.trim(); };
const card = document.querySelector('[data-sensor="' + arguments[0] + '"]');
return {
  brokers: [...document.querySelectorAll('[data-broker]')].map(b => ({
    name: b.dataset.broker, state: b.dataset.state, since: text(b, '[data-field="since"]'),
  })),
  card: card === null ? null : {
    state: card.dataset.state, readings: text(card, '[data-field="readings"]'), lost: text(card, '[data-field="lost"]'),
  },
  events: [...document.querySelectorAll('[data-event]')].map(e => ({ id: e.dataset.event, kind: e.dataset.kind, subject: text(e, '.subject') })),
};
"#;

#[derive(Debug, Deserialize)]
struct Probe {
    ticks: Vec<f64>,
    visibility: Vec<(f64, String)>,
}

#[derive(Debug, Deserialize, PartialEq)]
struct BrokerView {
    name: String,
    state: Option<String>,
    since: Option<String>,
}

#[derive(Debug, Deserialize)]
struct CardView {
    state: Option<String>,
    readings: Option<String>,
    lost: Option<String>,
}

#[derive(Debug, Deserialize)]
#[allow(dead_code)] // `subject` is read through `Debug`, in the failure message.
struct EventView {
    id: String,
    kind: Option<String>,
    subject: Option<String>,
}

#[derive(Debug, Deserialize)]
struct View {
    brokers: Vec<BrokerView>,
    card: Option<CardView>,
    events: Vec<EventView>,
}

impl View {
    async fn read(browser: &Browser) -> anyhow::Result<View> {
        let value = browser.execute(VIEW_JS, vec![SENSOR.into()]).await?;
        serde_json::from_value(value).context("reading the dashboard")
    }

    fn both_connected(&self) -> bool {
        self.brokers.len() == 2 && self.brokers.iter().all(|b| b.state.as_deref() == Some("connected"))
    }

    fn readings(&self) -> Option<u64> {
        self.card.as_ref()?.readings.as_deref()?.parse().ok()
    }

    /// Both sessions' first `broker-up` entries are drawn (the timeline redraws on the model's one-second clock).
    fn connections_in_timeline(&self) -> bool {
        self.events
            .iter()
            .filter(|e| e.kind.as_deref() == Some("broker-up"))
            .count()
            == 2
    }

    fn event_ids(&self) -> Vec<&str> {
        self.events.iter().map(|e| e.id.as_str()).collect()
    }
}

/// What one broker's log says about the dashboard's sessions (client ids `dashboard-…`).
#[derive(Debug, Default)]
struct SessionLog {
    connects: usize,
    /// The keepalive the session announced, seconds (`k10` in Mosquitto's connect line).
    keep_alive_s: Option<u64>,
    /// Lines where a dashboard session ended: keepalive timeout, socket error, disconnect.
    ends: Vec<String>,
}

fn session_log(path: &PathBuf) -> anyhow::Result<SessionLog> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let mut log = SessionLog::default();
    for line in text.lines().filter(|l| l.contains("dashboard-")) {
        if line.contains("New client connected") {
            log.connects += 1;
            log.keep_alive_s = line
                .split(['(', ',', ')'])
                .filter_map(|field| field.trim().strip_prefix('k')?.parse().ok())
                .next();
        } else if line.contains("exceeded timeout")
            || line.contains("disconnect")
            || line.contains("closed its connection")
        {
            log.ends.push(line.to_owned());
        }
    }
    Ok(log)
}

/// The longest wait between two wake-ups of the probe's timer while the tab was hidden (from hiding to the first
/// wake-up, between wake-ups, and from the last to showing again), and how long it was hidden.
fn longest_hidden_gap(probe: &Probe) -> anyhow::Result<(f64, f64)> {
    let hidden_at = probe
        .visibility
        .iter()
        .find(|(_, s)| s == "hidden")
        .map(|(t, _)| *t)
        .context("the dashboard tab never became hidden")?;
    let shown_at = probe
        .visibility
        .iter()
        .rev()
        .find(|(t, s)| s == "visible" && *t > hidden_at)
        .map(|(t, _)| *t)
        .context("the dashboard tab never became visible again")?;
    let mut moments = vec![hidden_at];
    moments.extend(probe.ticks.iter().copied().filter(|t| *t > hidden_at && *t < shown_at));
    moments.push(shown_at);
    let gap = moments.windows(2).map(|w| w[1] - w[0]).fold(0.0, f64::max);
    Ok((gap, shown_at - hidden_at))
}

#[tokio::test]
async fn sessions_stay_alive_while_the_tab_is_in_the_background() {
    let config = StackConfig::with_dashboard()
        .unwrap()
        .sensors(vec![SensorSpec::new(SENSOR, INTERVAL)
            .with_env("SENSOR_MIN", QUIET_RANGE.0)
            .with_env("SENSOR_MAX", QUIET_RANGE.1)]);
    let mut stack = Stack::start(config).await.unwrap();
    let browser = Browser::launch_with(stack.dir(), BackgroundTabs::Throttled)
        .await
        .unwrap();
    let result = scenario(&mut stack, &browser).await;
    if let Err(e) = result {
        browser.fail(e, stack.dir()).await;
    }
    browser.close().await.unwrap();
}

async fn scenario(stack: &mut Stack, browser: &Browser) -> anyhow::Result<()> {
    let logs: Vec<PathBuf> = stack.brokers().iter().map(|b| b.log_path().to_owned()).collect();
    let url = stack.dashboard_url().expect("the stack runs nginx");
    browser.goto(&url).await?;
    let before = wait_for(
        "both brokers connected, in the timeline, and the sensor live",
        TIMEOUT,
        || async {
            let view = View::read(browser).await?;
            let live = view.card.as_ref().is_some_and(|c| c.state.as_deref() == Some("live"));
            let ready = view.both_connected() && view.connections_in_timeline() && live && view.readings().is_some();
            Ok(ready.then_some(view))
        },
    )
    .await?;
    let mut keep_alive_s = 0;
    for (name, path) in BROKER_NAMES.iter().zip(&logs) {
        let log = session_log(path)?;
        anyhow::ensure!(
            log.connects == 1 && log.ends.is_empty(),
            "{name} before hiding: expected one dashboard session, its log shows {log:?}"
        );
        keep_alive_s = keep_alive_s.max(log.keep_alive_s.context("no keepalive in the connect line")?);
    }
    // Mosquitto drops a silent client after 1.5 keepalives. A page timer held back longer than that would have
    // pinged too late.
    let broker_patience_ms = keep_alive_s as f64 * 1_500.0;

    // Hide the dashboard behind a second tab.
    browser.execute(PROBE_JS, vec![]).await?;
    let client = browser.client();
    let dashboard_tab = client.window().await?;
    let other_tab = client.new_window(true).await?;
    client.switch_to_window(other_tab.handle.clone()).await?;
    browser.goto("about:blank").await?;

    // Stay hidden for HIDDEN_FOR, giving up at once if a broker drops a dashboard session.
    let shown_after = Instant::now() + HIDDEN_FOR;
    wait_for(
        "the dashboard tab to stay hidden for its time",
        HIDDEN_FOR + TIMEOUT,
        || {
            let logs = &logs;
            async move {
                for (name, path) in BROKER_NAMES.iter().zip(logs) {
                    let log = session_log(path)?;
                    if let Some(line) = log.ends.first() {
                        return Err(anyhow::anyhow!(
                            "{name} dropped a dashboard session while the tab was hidden: {line}"
                        )
                        .context(GIVE_UP));
                    }
                }
                Ok((Instant::now() >= shown_after).then_some(()))
            }
        },
    )
    .await?;

    // Back to the dashboard.
    client.close_window().await?;
    client.switch_to_window(dashboard_tab).await?;
    let probe: Probe = serde_json::from_value(browser.execute(PROBE_READ_JS, vec![]).await?)?;
    let (gap, hidden) = longest_hidden_gap(&probe)?;
    anyhow::ensure!(
        gap > broker_patience_ms,
        "Chromium did not throttle the hidden tab enough to matter: the longest page-timer gap was {gap:.0} ms in \
         {hidden:.0} ms hidden, within the brokers' {broker_patience_ms:.0} ms, so this run shows nothing"
    );
    eprintln!(
        "hidden {hidden:.0} ms; a page timer waited up to {gap:.0} ms (the brokers wait {broker_patience_ms:.0} ms)"
    );

    for (name, path) in BROKER_NAMES.iter().zip(&logs) {
        let log = session_log(path)?;
        anyhow::ensure!(
            log.connects == 1 && log.ends.is_empty(),
            "{name}: the dashboard's session dropped or reconnected while hidden: {log:?}"
        );
    }
    let min_new_readings = (HIDDEN_FOR.as_millis() / INTERVAL.as_millis() / 2) as u64;
    let after = wait_for(
        "the page to show the readings that came while hidden",
        TIMEOUT,
        || async {
            let view = View::read(browser).await?;
            let grown = view
                .readings()
                .zip(before.readings())
                .is_some_and(|(a, b)| a >= b + min_new_readings);
            Ok(grown.then_some(view))
        },
    )
    .await?;
    anyhow::ensure!(
        after.both_connected() && after.brokers == before.brokers,
        "the broker panel changed while hidden: before {:?}, after {:?}",
        before.brokers,
        after.brokers
    );
    anyhow::ensure!(
        after.event_ids() == before.event_ids(),
        "the timeline gained entries while hidden (a broker down or up, the sensor stale or offline): {:?}",
        after.events
    );
    let card = after.card.as_ref().context("the sensor's card is gone")?;
    anyhow::ensure!(
        card.state.as_deref() == Some("live") && card.lost.as_deref() == Some("0"),
        "the sensor's card after the tab came back: {card:?}"
    );
    Ok(())
}
