//! The runtime configuration: which brokers to connect to, alert thresholds and how much history to keep, read from
//! `config.json` beside `index.html`, with a default built from the page's own host when that file is missing or
//! invalid. Parsing is pure; `load` (wasm only) is the shell that fetches the file. Unknown top-level keys are
//! allowed so later settings can be added.
//!
//! ```json
//! {"brokers": [{"name": "broker-primary", "url": "ws://HOST:9001"},
//!              {"name": "broker-secondary", "url": "ws://HOST:9002"}],
//!  "thresholds": {"temperature": {"warn_above": 35, "crit_above": 38, "for_seconds": 30, "clear_margin": 1}},
//!  "history_minutes": 10, "history_hours": 24}
//! ```
//!
//! `history_minutes` is the live window the cards and the detail chart hold in memory; `history_hours` is how long
//! the browser keeps readings in IndexedDB (`archive`), for the longer chart ranges, reloads and CSV export.

#[cfg(target_arch = "wasm32")]
pub mod load;
mod thresholds;

pub use thresholds::{
    default_thresholds, Level, ThresholdOverrides, ThresholdProblem, ThresholdTable, Thresholds, MAX_FOR_SECONDS,
};

use serde::Deserialize;
use thiserror::Error;

/// Where the page looks for its configuration, relative to `index.html`.
pub const CONFIG_PATH: &str = "config.json";
/// The default brokers: `ws://<page host>:<port>`, as published by docker-compose.
pub const DEFAULT_BROKERS: [(&str, u16); 2] = [("broker-primary", 9001), ("broker-secondary", 9002)];
/// More brokers than this is a mistake in the file, not a deployment.
pub const MAX_BROKERS: usize = 8;
/// History kept per sensor when `config.json` does not say.
pub const DEFAULT_HISTORY_MINUTES: u32 = 10;
/// Most history `history_minutes` may ask for.
pub const MAX_HISTORY_MINUTES: u32 = 60;
/// Hours of readings the browser stores when `config.json` does not say.
pub const DEFAULT_HISTORY_HOURS: u32 = 24;
/// Most stored history `history_hours` may ask for (a week).
pub const MAX_HISTORY_HOURS: u32 = 168;

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct BrokerConfig {
    pub name: String,
    /// `ws://` or `wss://` URL of the broker's MQTT-over-WebSocket listener.
    pub url: String,
    /// Read-only credentials, if the brokers require them.
    #[serde(default)]
    pub username: Option<String>,
    #[serde(default)]
    pub password: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Config {
    pub brokers: Vec<BrokerConfig>,
    /// Per sensor type; types named here replace their defaults (`default_thresholds`, from `sensor_wire::SEED_TYPES`).
    #[serde(default, deserialize_with = "thresholds::deserialize_overrides")]
    pub thresholds: ThresholdOverrides,
    #[serde(default = "default_history_minutes")]
    pub history_minutes: u32,
    /// Hours of readings kept in the browser (IndexedDB); 0 stores nothing.
    #[serde(default = "default_history_hours")]
    pub history_hours: u32,
}

fn default_history_minutes() -> u32 {
    DEFAULT_HISTORY_MINUTES
}

fn default_history_hours() -> u32 {
    DEFAULT_HISTORY_HOURS
}

/// Stands for the page's host name in a broker URL of `config.json`, e.g. `ws://{host}:9001`.
pub const PAGE_HOST_PLACEHOLDER: &str = "{host}";

#[derive(Debug, Clone, PartialEq, Error)]
pub enum ConfigError {
    #[error("{CONFIG_PATH} is not valid: {0}")]
    Json(String),
    #[error("{CONFIG_PATH} lists no brokers")]
    NoBrokers,
    #[error("{CONFIG_PATH} lists {0} brokers, more than {MAX_BROKERS}")]
    TooManyBrokers(usize),
    #[error("broker {index} in {CONFIG_PATH} has an empty name")]
    EmptyName { index: usize },
    #[error("broker name `{0}` appears twice in {CONFIG_PATH}")]
    DuplicateName(String),
    #[error("broker `{name}` has url `{url}`; expected ws://host:port or wss://host:port")]
    BadUrl { name: String, url: String },
    #[error("thresholds for `{0}` in {CONFIG_PATH} are not finite or have warn beyond crit")]
    BadThresholds(String),
    #[error("thresholds.{0}.for_seconds in {CONFIG_PATH} is {1}; expected 0 to {MAX_FOR_SECONDS} seconds")]
    BadForSeconds(String, f64),
    #[error(
        "thresholds.{0}.clear_margin in {CONFIG_PATH} is {1}; expected 0 or more, under half the gap between \
         warn_below and warn_above"
    )]
    BadClearMargin(String, f64),
    #[error("history_minutes in {CONFIG_PATH} is {0}; expected 1 to {MAX_HISTORY_MINUTES}")]
    BadHistory(u32),
    #[error("history_hours in {CONFIG_PATH} is {0}; expected 0 (store nothing) to {MAX_HISTORY_HOURS}")]
    BadHistoryHours(u32),
}

impl Config {
    /// Parses and validates the text of `config.json`.
    pub fn parse(text: &str) -> Result<Self, ConfigError> {
        let config: Config = serde_json::from_str(text).map_err(|e| ConfigError::Json(e.to_string()))?;
        config.validate()?;
        Ok(config)
    }

    fn validate(&self) -> Result<(), ConfigError> {
        match self.brokers.len() {
            0 => return Err(ConfigError::NoBrokers),
            n if n > MAX_BROKERS => return Err(ConfigError::TooManyBrokers(n)),
            _ => {}
        }
        for (index, broker) in self.brokers.iter().enumerate() {
            if broker.name.trim().is_empty() {
                return Err(ConfigError::EmptyName { index });
            }
            if self.brokers[..index].iter().any(|b| b.name == broker.name) {
                return Err(ConfigError::DuplicateName(broker.name.clone()));
            }
            let rest = broker
                .url
                .strip_prefix("ws://")
                .or_else(|| broker.url.strip_prefix("wss://"));
            if rest.is_none_or(|host| host.is_empty() || host.contains(char::is_whitespace)) {
                return Err(ConfigError::BadUrl {
                    name: broker.name.clone(),
                    url: broker.url.clone(),
                });
            }
        }
        for (name, t) in &self.thresholds {
            match t.problem() {
                None => {}
                Some(ThresholdProblem::Limits) => return Err(ConfigError::BadThresholds(name.clone())),
                Some(ThresholdProblem::ForSeconds(s)) => return Err(ConfigError::BadForSeconds(name.clone(), s)),
                Some(ThresholdProblem::ClearMargin(m)) => return Err(ConfigError::BadClearMargin(name.clone(), m)),
            }
        }
        if !(1..=MAX_HISTORY_MINUTES).contains(&self.history_minutes) {
            return Err(ConfigError::BadHistory(self.history_minutes));
        }
        if self.history_hours > MAX_HISTORY_HOURS {
            return Err(ConfigError::BadHistoryHours(self.history_hours));
        }
        Ok(())
    }

    /// The thresholds of every sensor type: the defaults with this file's overrides.
    pub fn threshold_table(&self) -> ThresholdTable {
        ThresholdTable::with_overrides(self.thresholds.clone())
    }

    pub fn history_ms(&self) -> u64 {
        u64::from(self.history_minutes) * 60_000
    }

    /// How long readings stay in the browser's store; 0: none are stored.
    pub fn stored_ms(&self) -> u64 {
        u64::from(self.history_hours) * 3_600_000
    }

    /// The brokers on the page's own host: `ws://HOST:9001` and `ws://HOST:9002` (`wss://` on an https page,
    /// where browsers block plain WebSockets). `hostname` is `location.hostname` (IPv6 comes bracketed).
    pub fn default_for_page(hostname: &str, page_is_https: bool) -> Self {
        let host = if hostname.is_empty() { "localhost" } else { hostname };
        let scheme = if page_is_https { "wss" } else { "ws" };
        let brokers = DEFAULT_BROKERS
            .iter()
            .map(|(name, port)| BrokerConfig {
                name: (*name).to_owned(),
                url: format!("{scheme}://{host}:{port}"),
                username: None,
                password: None,
            })
            .collect();
        Self {
            brokers,
            thresholds: Vec::new(),
            history_minutes: DEFAULT_HISTORY_MINUTES,
            history_hours: DEFAULT_HISTORY_HOURS,
        }
    }

    /// Replaces `{host}` in every broker URL with the page's host name, so one `config.json` serves any host.
    pub fn on_page_host(mut self, hostname: &str) -> Self {
        let host = if hostname.is_empty() { "localhost" } else { hostname };
        for broker in &mut self.brokers {
            broker.url = broker.url.replace(PAGE_HOST_PLACEHOLDER, host);
        }
        self
    }

    /// Picks the configuration from what fetching `config.json` gave (`Err` if it could not be fetched), and says
    /// why the default was used, if it was.
    pub fn resolve(fetched: Result<String, String>, hostname: &str, page_is_https: bool) -> (Self, Option<String>) {
        let parsed = fetched.and_then(|text| Self::parse(&text).map_err(|e| e.to_string()));
        match parsed {
            Ok(config) => (config.on_page_host(hostname), None),
            Err(why) => {
                let config = Self::default_for_page(hostname, page_is_https);
                let urls: Vec<&str> = config.brokers.iter().map(|b| b.url.as_str()).collect();
                let note = format!("{why}; using the default brokers {}", urls.join(", "));
                (config, Some(note))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_the_host_placeholder_with_the_page_host() {
        let text = r#"{"brokers":[{"name":"broker-primary","url":"ws://{host}:9001"}]}"#;
        let (config, note) = Config::resolve(Ok(text.to_owned()), "10.1.2.3", false);
        assert_eq!((config.brokers[0].url.as_str(), note), ("ws://10.1.2.3:9001", None));
    }

    const SAMPLE: &str = r#"{"brokers":[{"name":"broker-primary","url":"ws://10.0.0.5:9001"},
        {"name":"broker-secondary","url":"wss://mq.example:443/mqtt","username":"dash","password":"pw"}],
        "thresholds":{"temperature":{"warn_above":30,"crit_above":33,"for_seconds":12.5,"clear_margin":0.5}},
        "history_minutes":5,"later":1}"#;

    #[test]
    fn parses_the_documented_format_and_ignores_unknown_top_level_keys() {
        let c = Config::parse(SAMPLE).expect("valid");
        assert_eq!(c.brokers.len(), 2);
        assert_eq!(c.brokers[0].url, "ws://10.0.0.5:9001");
        assert_eq!(c.brokers[1].username.as_deref(), Some("dash"));
        assert_eq!(c.history_ms(), 5 * 60_000);
        assert_eq!(c.stored_ms(), u64::from(DEFAULT_HISTORY_HOURS) * 3_600_000);
        assert_eq!(c.threshold_table().level("temperature", 31.0), Level::Warn);
        let table = c.threshold_table();
        let temperature = table.for_type("temperature");
        assert_eq!((temperature.hold_ms(), temperature.clear_margin), (12_500, Some(0.5)));
    }

    #[test]
    fn the_shipped_config_is_valid_and_writes_out_the_default_thresholds() {
        let c = Config::parse(include_str!("../config.json")).expect("frontend/config.json is valid");
        assert_eq!(c.history_minutes, DEFAULT_HISTORY_MINUTES);
        assert_eq!(c.history_hours, DEFAULT_HISTORY_HOURS);
        for (name, defaults) in default_thresholds() {
            assert_eq!(c.threshold_table().get(name), Some(&defaults), "{name}");
        }
    }

    #[test]
    fn thresholds_and_history_default_when_the_file_leaves_them_out() {
        let c = Config::parse(r#"{"brokers":[{"name":"a","url":"ws://h:1"}]}"#).expect("valid");
        assert_eq!(c.history_minutes, DEFAULT_HISTORY_MINUTES);
        assert_eq!(c.threshold_table().level("temperature", 36.0), Level::Warn);
    }

    #[test]
    fn rejects_invalid_files_with_a_reason() {
        let cases = [
            ("", "not valid"),
            ("{}", "not valid"),
            (r#"{"brokers":[]}"#, "no brokers"),
            (r#"{"brokers":[{"name":"","url":"ws://h:1"}]}"#, "empty name"),
            (
                r#"{"brokers":[{"name":"a","url":"ws://h:1"},{"name":"a","url":"ws://h:2"}]}"#,
                "twice",
            ),
            (r#"{"brokers":[{"name":"a","url":"http://h:1"}]}"#, "expected ws://"),
            (r#"{"brokers":[{"name":"a","url":"ws://"}]}"#, "expected ws://"),
            (r#"{"brokers":[{"name":"a"}]}"#, "not valid"),
            (
                r#"{"brokers":[{"name":"a","url":"ws://h:1"}],"thresholds":{"t":{"warn_above":9,"crit_above":1}}}"#,
                "warn beyond crit",
            ),
            (
                r#"{"brokers":[{"name":"a","url":"ws://h:1"}],"thresholds":{"t":{"warn_abov":9}}}"#,
                "not valid",
            ),
            (
                r#"{"brokers":[{"name":"a","url":"ws://h:1"}],"history_minutes":0}"#,
                "history_minutes",
            ),
            (
                r#"{"brokers":[{"name":"a","url":"ws://h:1"}],"history_hours":169}"#,
                "history_hours in config.json is 169; expected 0 (store nothing) to 168",
            ),
            (
                r#"{"brokers":[{"name":"a","url":"ws://h:1"}],"thresholds":{"t":{"warn_above":9,"for_seconds":-1}}}"#,
                "thresholds.t.for_seconds in config.json is -1; expected 0 to 3600 seconds",
            ),
            (
                r#"{"brokers":[{"name":"a","url":"ws://h:1"}],"thresholds":{"t":{"for_seconds":"30"}}}"#,
                "not valid",
            ),
            (
                r#"{"brokers":[{"name":"a","url":"ws://h:1"}],"thresholds":{"t":{"clear_margin":-2}}}"#,
                "thresholds.t.clear_margin in config.json is -2; expected 0 or more",
            ),
            (
                r#"{"brokers":[{"name":"a","url":"ws://h:1"}],
                    "thresholds":{"h":{"warn_above":70,"warn_below":20,"clear_margin":30}}}"#,
                "thresholds.h.clear_margin in config.json is 30",
            ),
        ];
        for (text, expected) in cases {
            let err = Config::parse(text).expect_err(text).to_string();
            assert!(err.contains(expected) && !err.contains('\n'), "{text}: {err}");
        }
    }

    #[test]
    fn defaults_to_ports_9001_and_9002_on_the_page_host() {
        let c = Config::default_for_page("192.168.1.20", false);
        let pairs: Vec<(&str, &str)> = c.brokers.iter().map(|b| (b.name.as_str(), b.url.as_str())).collect();
        assert_eq!(
            pairs,
            [
                ("broker-primary", "ws://192.168.1.20:9001"),
                ("broker-secondary", "ws://192.168.1.20:9002")
            ]
        );
        assert_eq!(
            Config::default_for_page("[::1]", true).brokers[0].url,
            "wss://[::1]:9001"
        );
        assert_eq!(
            Config::default_for_page("", false).brokers[1].url,
            "ws://localhost:9002"
        );
    }

    #[test]
    fn falls_back_to_the_default_and_says_why() {
        let (c, why) = Config::resolve(Err("HTTP 404".into()), "example", false);
        assert_eq!(c, Config::default_for_page("example", false));
        assert!(why.is_some_and(|w| w.contains("HTTP 404") && w.contains("ws://example:9001")));
        let (_, why) = Config::resolve(Ok("<html>".into()), "example", false);
        assert!(why.is_some_and(|w| w.contains("not valid")));
        let (c, why) = Config::resolve(Ok(SAMPLE.into()), "example", false);
        assert_eq!((c.brokers[0].name.as_str(), why), ("broker-primary", None));
    }
}
