//! When each card's `[data-field="broker"]` changed, as the page itself saw it: a MutationObserver installed in the
//! page records every change of the text with `Date.now()`, so how long a card took to leave a faulty broker is
//! measured from the fault to the DOM change, not to whenever a poll happened to look. The page's clock and the
//! test's are the same machine's wall clock.
//!
//! Reads only the DOM contract (frontend/README.md): `[data-sensor]` and its `[data-field="broker"]`.

use serde::Deserialize;
use std::collections::BTreeMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Installs the recorder (once per page load; a second call does nothing). Returns `true`.
pub const INSTALL_JS: &str = r#"
if (!window.__e2eBrokerChanges) {
  const changes = [];
  const last = {};
  const scan = () => {
    const at = Date.now();
    for (const card of document.querySelectorAll('[data-sensor]')) {
      const field = card.querySelector('[data-field="broker"]');
      const broker = field === null ? null : field.textContent.trim();
      const sensor = card.getAttribute('data-sensor');
      if (last[sensor] !== broker) {
        last[sensor] = broker;
        changes.push({ sensor, broker, at_ms: at });
      }
    }
  };
  new MutationObserver(scan).observe(document.body,
    { subtree: true, childList: true, characterData: true, attributes: true });
  window.__e2eBrokerChanges = changes;
  scan();
}
return true;
"#;

/// Every change recorded so far, oldest first.
pub const READ_JS: &str = "return window.__e2eBrokerChanges || [];";

/// One card's broker text changing.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct BrokerChange {
    pub sensor: String,
    pub broker: Option<String>,
    /// Milliseconds since the Unix epoch, page clock.
    pub at_ms: f64,
}

/// Milliseconds since the Unix epoch now, on the test's clock (the same clock the page reads).
pub fn now_ms() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64() * 1000.0)
}

/// For each of `sensors`: how long after `since_ms` its card first showed `broker`, or `None` if it has not yet.
/// A card that already showed `broker` before `since_ms` counts only when it changes to it again afterwards.
pub fn time_to_show(
    changes: &[BrokerChange],
    sensors: &[&str],
    broker: &str,
    since_ms: f64,
) -> BTreeMap<String, Option<Duration>> {
    sensors
        .iter()
        .map(|sensor| {
            let first = changes
                .iter()
                .find(|c| c.sensor == *sensor && c.at_ms >= since_ms && c.broker.as_deref() == Some(broker));
            let elapsed = first.map(|c| Duration::from_secs_f64((c.at_ms - since_ms).max(0.0) / 1000.0));
            ((*sensor).to_owned(), elapsed)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(sensor: &str, broker: &str, at_ms: f64) -> BrokerChange {
        BrokerChange {
            sensor: sensor.to_owned(),
            broker: Some(broker.to_owned()),
            at_ms,
        }
    }

    #[test]
    fn measures_from_the_fault_to_the_first_change_to_the_broker() {
        let changes = [
            change("temperature", "broker-primary", 100.0),
            change("temperature", "broker-secondary", 2_600.0),
            change("humidity", "broker-secondary", 1_100.0),
            change("temperature", "broker-primary", 9_000.0),
        ];
        let t = time_to_show(&changes, &["temperature", "humidity"], "broker-secondary", 1_000.0);
        assert_eq!(t["temperature"], Some(Duration::from_millis(1_600)));
        assert_eq!(t["humidity"], Some(Duration::from_millis(100)));
    }

    #[test]
    fn a_change_before_the_fault_does_not_count() {
        let changes = [change("voltage", "broker-secondary", 500.0)];
        let t = time_to_show(&changes, &["voltage", "air_quality"], "broker-secondary", 1_000.0);
        assert_eq!(t["voltage"], None);
        assert_eq!(t["air_quality"], None);
    }

    #[test]
    fn the_recorder_parses_from_the_page_shape() {
        let json = serde_json::json!([{"sensor": "temperature", "broker": null, "at_ms": 1.5e12}]);
        let changes: Vec<BrokerChange> = serde_json::from_value(json).unwrap();
        assert_eq!(changes[0].broker, None);
    }
}
