//! Issue 4, item 7: rendering is decoupled from ingest. Under 5,000 readings a second across 500 sensors, the page
//! applies what arrived once per animation frame rather than once per message, and when the load stops every card
//! shows its sensor's last value, with every reading counted and none lost or doubled.
//!
//! The real system: two Mosquitto brokers from the shipped config, nginx serving the release dist, headless
//! Chromium, and `e2e::load_generator` publishing into the primary broker for `LOAD_FOR`. Speed (frame times,
//! latency, heap over ten minutes) is the load benchmark's business (`load_bench`); this test asserts no timing.
//!
//! Needs `cd frontend && trunk build --release --offline` first.

use anyhow::Context;
use e2e::dashboard_page::{leading_number, wait_brokers_connected};
use e2e::load_generator::{publish_load, sensor_name, LoadPlan, LoadReport};
use e2e::{wait_for, Browser, Stack, StackConfig};
use serde::Deserialize;
use std::collections::HashMap;
use std::time::Duration;

const RATE: u64 = 5_000;
const SENSORS: usize = 500;
const LOAD_FOR: Duration = Duration::from_secs(20);
const TIMEOUT: Duration = Duration::from_secs(30);
/// The page's clock beats about every 500 ms and may apply the buffer itself when no frame comes; allow one DOM
/// update per frame and per beat, and twice that for updates a frame's effects split across microtasks.
const DOM_UPDATES_PER_FLUSH: u64 = 2;
const BEATS_PER_SECOND: u64 = 2;

/// Installed before the load starts: counts animation frames and DOM update batches (MutationObserver deliveries;
/// one per task or microtask that changed the DOM).
const PROBE_JS: &str = r#"
window.__load = { frames: 0, updates: 0 };
(function frame() { requestAnimationFrame(() => { window.__load.frames++; frame(); }); })();
new MutationObserver(() => { window.__load.updates++; })
  .observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
"#;
const PROBE_READ_JS: &str = "return window.__load;";
const CARDS_JS: &str = r#"
const text = (el, sel) => { const f = el.querySelector(sel); return f === null ? null : f.textContent.trim(); };
return [...document.querySelectorAll('[data-sensor]')].map(c => ({
  sensor: c.dataset.sensor, value: text(c, '[data-field="value"]'), readings: text(c, '[data-field="readings"]'),
  lost: text(c, '[data-field="lost"]'), duplicates: text(c, '[data-field="duplicates"]'),
}));
"#;

#[derive(Debug, Deserialize)]
struct Probe {
    frames: u64,
    updates: u64,
}

#[derive(Debug, Clone, Deserialize)]
struct CardView {
    sensor: String,
    value: Option<String>,
    readings: Option<String>,
    lost: Option<String>,
    duplicates: Option<String>,
}

impl CardView {
    /// Shows exactly what was sent: the last value, every reading, none lost or doubled.
    fn matches(&self, (sent, last): (u64, f64)) -> bool {
        self.value.as_deref().and_then(leading_number) == Some(last)
            && self.readings.as_deref() == Some(sent.to_string().as_str())
            && self.lost.as_deref() == Some("0")
            && self.duplicates.as_deref() == Some("0")
    }
}

#[tokio::test]
async fn under_5000_readings_a_second_the_page_draws_per_frame_and_ends_current() {
    let mut stack = Stack::start(StackConfig::with_dashboard().unwrap()).await.unwrap();
    let browser = Browser::launch(stack.dir()).await.unwrap();
    let result = scenario(&mut stack, &browser).await;
    if let Err(e) = result {
        browser.fail(e, stack.dir()).await;
    }
    browser.close().await.unwrap();
}

async fn scenario(stack: &mut Stack, browser: &Browser) -> anyhow::Result<()> {
    browser
        .goto(&stack.dashboard_url().expect("the stack runs nginx"))
        .await?;
    wait_brokers_connected(browser, TIMEOUT).await?;
    browser.execute(PROBE_JS, vec![]).await?;

    let plan = LoadPlan {
        rate: RATE,
        sensors: SENSORS,
        duration: LOAD_FOR,
        broker: "broker-primary".to_owned(),
        drop_percent: 0,
    };
    let report = publish_load(stack.primary().ports().mqtt, &plan).await?;
    let probe: Probe = serde_json::from_value(browser.execute(PROBE_READ_JS, vec![]).await?)?;

    eprintln!(
        "{} readings at {:.0}/s; the page drew {} frames and updated the DOM {} times",
        report.sent,
        report.rate(),
        probe.frames,
        probe.updates
    );
    let flushes = probe.frames + BEATS_PER_SECOND * report.took.as_secs().max(1);
    anyhow::ensure!(
        probe.updates <= DOM_UPDATES_PER_FLUSH * flushes,
        "the DOM was updated {} times for {} readings in {} frames: rendering follows messages, not frames",
        probe.updates,
        report.sent,
        probe.frames
    );
    current_cards(browser, &report).await
}

/// Waits until every card shows exactly what was sent; on timeout names the cards that do not.
async fn current_cards(browser: &Browser, report: &LoadReport) -> anyhow::Result<()> {
    let mismatches = || async {
        let cards: Vec<CardView> =
            serde_json::from_value(browser.execute(CARDS_JS, vec![]).await?).context("reading the cards")?;
        let by_name: HashMap<String, CardView> = cards.into_iter().map(|c| (c.sensor.clone(), c)).collect();
        let wrong: Vec<String> = report
            .per_sensor
            .iter()
            .enumerate()
            .filter(|(i, sent)| !by_name.get(&sensor_name(*i)).is_some_and(|c| c.matches(**sent)))
            .map(|(i, (count, last))| {
                format!(
                    "{}: sent {count}, last {last}; shows {:?}",
                    sensor_name(i),
                    by_name.get(&sensor_name(i))
                )
            })
            .collect();
        anyhow::Ok(wrong)
    };
    let done = wait_for(
        "every card at its last value with every reading counted",
        TIMEOUT,
        || async { Ok(mismatches().await?.is_empty().then_some(())) },
    )
    .await;
    if let Err(e) = done {
        let wrong = mismatches().await?;
        return Err(e.context(format!(
            "{} of {SENSORS} cards differ, e.g. {:?}",
            wrong.len(),
            wrong.iter().take(3).collect::<Vec<_>>()
        )));
    }
    Ok(())
}
