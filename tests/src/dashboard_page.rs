//! Reads the dashboard through its DOM contract, and only through it: each card is `[data-sensor]` holding
//! `[data-field="value"]` and `[data-field="broker"]` (later issues add `lost` and `duplicates`); each broker badge
//! is `[data-broker]` with `data-state`. One script call returns a consistent snapshot of all of it.

use crate::Browser;
use anyhow::Context;
use serde::Deserialize;
use std::time::Duration;

/// Collects every card and badge in one pass, so a snapshot never mixes two renders.
const SNAPSHOT_JS: &str = r#"
const field = (el, name) => {
  const f = el.querySelector('[data-field="' + name + '"]');
  return f === null ? null : f.textContent.trim();
};
const cards = Array.from(document.querySelectorAll('[data-sensor]')).map(el => ({
  sensor: el.getAttribute('data-sensor'),
  value: field(el, 'value'),
  broker: field(el, 'broker'),
  readings: field(el, 'readings'),
  lost: field(el, 'lost'),
  duplicates: field(el, 'duplicates'),
}));
const brokers = Array.from(document.querySelectorAll('[data-broker]')).map(el => ({
  name: el.getAttribute('data-broker'),
  state: el.getAttribute('data-state'),
}));
const pageField = name => {
  const f = document.querySelector('[data-field="' + name + '"]:not([data-sensor] *)');
  return f === null ? null : f.textContent.trim();
};
return { cards, brokers, rejected: pageField('rejected'), panic: pageField('panic') };
"#;

/// One sensor card as shown.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Card {
    pub sensor: String,
    /// `[data-field="value"]`'s text, unit included ("25.5 °C").
    pub value: Option<String>,
    /// `[data-field="broker"]`'s text: the reading's `broker_used`.
    pub broker: Option<String>,
    #[serde(default)]
    pub readings: Option<String>,
    pub lost: Option<String>,
    pub duplicates: Option<String>,
}

impl Card {
    /// `[data-field=name]` as a whole number (`readings`, `lost`, `duplicates`), if shown.
    pub fn count(&self, name: &str) -> Option<u64> {
        let text = match name {
            "readings" => self.readings.as_deref(),
            "lost" => self.lost.as_deref(),
            "duplicates" => self.duplicates.as_deref(),
            _ => None,
        };
        text?.trim().parse().ok()
    }

    /// The number at the start of the value text ("25.5 °C" → 25.5).
    pub fn value_number(&self) -> Option<f64> {
        leading_number(self.value.as_deref()?)
    }
}

/// One broker badge in the header.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct BrokerBadge {
    pub name: String,
    /// `connected` | `connecting` | `disconnected` (whatever the page says; `None` if the attribute is missing).
    pub state: Option<String>,
}

/// Everything the DOM contract exposes at one moment.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
pub struct DashboardView {
    pub cards: Vec<Card>,
    pub brokers: Vec<BrokerBadge>,
    /// The page-wide `[data-field="rejected"]` (messages that failed validation), if the page shows one.
    #[serde(default)]
    pub rejected: Option<String>,
    /// The page-wide `[data-field="panic"]` banner the dashboard shows after a Rust panic, if present.
    #[serde(default)]
    pub panic: Option<String>,
}

impl DashboardView {
    /// Reads the current page.
    pub async fn read(browser: &Browser) -> anyhow::Result<DashboardView> {
        let value = browser.execute(SNAPSHOT_JS, Vec::new()).await?;
        serde_json::from_value(value).context("the dashboard snapshot has an unexpected shape")
    }

    /// Polls the page until `accept` returns `Some`, at most `timeout`. On timeout the error shows the last view.
    pub async fn wait_until<T>(
        browser: &Browser,
        what: &str,
        timeout: Duration,
        accept: impl Fn(&DashboardView) -> Option<T>,
    ) -> anyhow::Result<T> {
        let last = std::cell::RefCell::new(DashboardView::default());
        let result = crate::wait_for(what, timeout, || {
            let read = DashboardView::read(browser);
            let (last, accept) = (&last, &accept);
            async move {
                let view = read.await?;
                let accepted = accept(&view);
                *last.borrow_mut() = view;
                Ok(accepted)
            }
        })
        .await;
        result.with_context(|| format!("last view of the dashboard: {:#?}", last.borrow()))
    }

    pub fn card(&self, sensor: &str) -> Option<&Card> {
        self.cards.iter().find(|c| c.sensor == sensor)
    }

    /// The `data-state` of the badge for `broker`.
    pub fn broker_state(&self, broker: &str) -> Option<&str> {
        self.brokers
            .iter()
            .find(|b| b.name == broker)
            .and_then(|b| b.state.as_deref())
    }
}

/// Waits until every broker badge on the page (there are two) says `connected`.
pub async fn wait_brokers_connected(browser: &Browser, timeout: Duration) -> anyhow::Result<()> {
    crate::wait_for("both brokers connected", timeout, || async {
        let connected = browser
            .execute(
                "return document.querySelectorAll('[data-broker][data-state=connected]').length;",
                Vec::new(),
            )
            .await?;
        Ok((connected.as_u64() == Some(crate::BROKER_NAMES.len() as u64)).then_some(()))
    })
    .await
}

/// Parses the leading decimal number of `text`, ignoring a unit after it ("1013 hPa", "-3.5°C", "42%").
pub fn leading_number(text: &str) -> Option<f64> {
    let text = text.trim();
    let end = text
        .char_indices()
        .find(|&(i, c)| !(c.is_ascii_digit() || c == '.' || ((c == '-' || c == '+') && i == 0)))
        .map_or(text.len(), |(i, _)| i);
    text[..end].parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leading_number_ignores_a_unit_suffix() {
        assert_eq!(leading_number("25.5 °C"), Some(25.5));
        assert_eq!(leading_number("42%"), Some(42.0));
        assert_eq!(leading_number("-3.5°C"), Some(-3.5));
        assert_eq!(leading_number("1013"), Some(1013.0));
    }

    #[test]
    fn leading_number_is_none_without_a_number() {
        assert_eq!(leading_number("—"), None);
        assert_eq!(leading_number(""), None);
    }

    #[test]
    fn snapshot_json_parses_into_a_view() {
        let json = serde_json::json!({
            "cards": [{"sensor": "temperature", "value": "25.5 °C", "broker": "broker-primary",
                       "lost": null, "duplicates": null}],
            "brokers": [{"name": "broker-primary", "state": "connected"}],
        });
        let view: DashboardView = serde_json::from_value(json).unwrap();
        assert_eq!(view.card("temperature").and_then(Card::value_number), Some(25.5));
        assert_eq!(view.broker_state("broker-primary"), Some("connected"));
    }
}
