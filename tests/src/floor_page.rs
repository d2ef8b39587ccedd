//! The load benchmark's floor page: a hand-written page that receives the same stream as the dashboard and does the
//! least a correct dashboard must do with it, so the dashboard's renderer CPU can be set against what headless
//! Chromium itself costs. A measuring stick, not a dashboard: it must never grow features.
//!
//! `floor_page/floor.js` (plain JavaScript, an external file for the shipped Content-Security-Policy) reads
//! `config.json`, opens one WebSocket per broker, sends an MQTT 3.1.1 CONNECT with the login and SUBSCRIBE
//! `sensor/#` at QoS 1, splits the bytes into packets, counts every PUBLISH and acknowledges it (PUBACKs batched
//! into one WebSocket message at most every 20 ms, as the dashboard does), JSON-parses each payload and keeps the
//! last value per sensor. Its `Variant::Draw` also writes, once per animation frame, the changed values of the first
//! 20 of its cards (those on screen at 1280 × 900) into their text nodes; card `i` is sensor `load_{i:03}` with the
//! dashboard's `[data-sensor] [data-field="value"]` markup, so the benchmark's latency probe works on it.
//! Left out: validation, deduplication, gaps, broker state, failover, alerts, charts, history and its store, every
//! card field but the value, and cards off screen. The page reports through `window.floor` (`FloorCounts`).
//!
//! This module writes the page's files (served by a `Stack`'s nginx in place of the dist, which adds `config.json`)
//! and reads the page's counters; it does no measuring itself.

use crate::Browser;
use anyhow::Context;
use serde::Deserialize;
use std::path::Path;
use std::time::Duration;

/// The page's files, by name.
pub const FILES: [(&str, &str); 3] = [
    ("index.html", include_str!("floor_page/index.html")),
    ("floor.js", include_str!("floor_page/floor.js")),
    ("floor.css", include_str!("floor_page/floor.css")),
];

/// Cards the page draws: the first ones, on screen at Chromium's 1280 × 900 (`floor.js`'s `DRAWN_CARDS`).
pub const DRAWN_CARDS: usize = 20;

/// What the page does with the readings besides receiving, parsing and acknowledging them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Variant {
    /// Draws nothing, and runs no animation-frame loop of its own (`?draw=0`).
    Receive,
    /// Writes the latest values of the cards on screen once per animation frame (`?draw=1`).
    Draw,
}

impl Variant {
    /// Both, the cheaper first.
    pub const ALL: [Variant; 2] = [Variant::Receive, Variant::Draw];

    pub fn label(self) -> &'static str {
        match self {
            Variant::Receive => "floor: receive + ack",
            Variant::Draw => "floor: receive + ack + draw 20 cards each frame",
        }
    }

    fn draw_query(self) -> u8 {
        match self {
            Variant::Receive => 0,
            Variant::Draw => 1,
        }
    }
}

/// The page's counters (`window.floor`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
pub struct FloorCounts {
    /// Brokers whose SUBACK granted the subscription.
    pub subscribed: u64,
    /// PUBLISH packets received, from every broker.
    pub received: u64,
    /// PUBACKs sent.
    pub acked: u64,
    /// Payloads that were not a JSON reading with a `sensor` and a numeric `value`.
    pub bad: u64,
    /// WebSockets that closed (the page does not reconnect).
    pub closed: u64,
}

/// Writes the page's files into `dir` (which must exist), to be staged as a stack's dashboard dist.
pub fn write(dir: &Path) -> anyhow::Result<()> {
    for (name, text) in FILES {
        let path = dir.join(name);
        std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(())
}

/// The page's files in a fresh temporary directory (removed when dropped).
pub fn temp_dir() -> anyhow::Result<tempfile::TempDir> {
    let dir = tempfile::Builder::new()
        .prefix("floor-page-")
        .tempdir()
        .context("creating the floor page's temp dir")?;
    write(dir.path())?;
    Ok(dir)
}

/// The page's URL under `base` (nginx's `http://127.0.0.1:PORT/`), showing `cards` cards.
pub fn url(base: &str, variant: Variant, cards: usize) -> String {
    format!("{base}?draw={}&cards={cards}", variant.draw_query())
}

/// The page's counters now (all zero before its script has run).
pub async fn counts(browser: &Browser) -> anyhow::Result<FloorCounts> {
    let value = browser.execute("return window.floor || null;", Vec::new()).await?;
    if value.is_null() {
        return Ok(FloorCounts::default());
    }
    serde_json::from_value(value).context("window.floor has an unexpected shape")
}

/// Waits until the page has subscribed on every broker.
pub async fn wait_subscribed(browser: &Browser, timeout: Duration) -> anyhow::Result<()> {
    crate::wait_for("the floor page subscribed on both brokers", timeout, || async {
        let counts = counts(browser).await?;
        Ok((counts.subscribed == crate::BROKER_NAMES.len() as u64).then_some(()))
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_selects_the_variant_and_the_card_count() {
        assert_eq!(
            url("http://127.0.0.1:5001/", Variant::Receive, 500),
            "http://127.0.0.1:5001/?draw=0&cards=500"
        );
        assert_eq!(
            url("http://127.0.0.1:5001/", Variant::Draw, 30),
            "http://127.0.0.1:5001/?draw=1&cards=30"
        );
    }

    #[test]
    fn write_puts_every_file_in_the_directory() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path()).unwrap();
        for (name, text) in FILES {
            assert_eq!(std::fs::read_to_string(dir.path().join(name)).unwrap(), text);
        }
    }

    #[test]
    fn the_page_loads_its_script_and_style_from_files() {
        // The shipped Content-Security-Policy allows no inline script or style.
        let html = FILES[0].1;
        assert!(html.contains(r#"<script src="floor.js" defer></script>"#), "{html}");
        assert!(html.contains(r#"<link rel="stylesheet" href="floor.css">"#), "{html}");
        assert!(!html.contains("<script>") && !html.contains("style="), "{html}");
    }

    #[test]
    fn the_script_draws_as_many_cards_as_this_module_says() {
        assert!(FILES[1].1.contains(&format!("const DRAWN_CARDS = {DRAWN_CARDS};")));
    }
}
