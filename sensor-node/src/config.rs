//! Configuration from environment variables, parsed once into a validated `Config`.
//! Pure: the environment comes in as a lookup function, so every rule is unit-tested; `main.rs` passes the real one.
//! Each error names the variable and what was expected, on one line.

use crate::failover;
use crate::outbox::{DEFAULT_ACK_TIMEOUT, DEFAULT_OUTBOX_CAPACITY, DEFAULT_REPLAY_WINDOW};
use crate::sample::{ValueRange, MAX_DECIMALS};
use sensor_wire::{unit_for, SensorName, MAX_TEXT_LEN};
use std::time::Duration;
use thiserror::Error;

mod broker_list;
mod credentials;

pub use broker_list::{parse_broker_list, Broker, DEFAULT_BROKER_LIST};
pub use credentials::{parse_credentials, Credentials, MAX_CREDENTIAL_BYTES};

pub const DEFAULT_PUBLISH_INTERVAL_MS: u64 = 2000;
/// Keepalive in whole seconds (rumqttc's unit). With it, a silent broker is noticed within two keepalives.
pub const DEFAULT_KEEPALIVE_SECS: u64 = 1;
/// Decimals kept by a sensor type the seed does not know.
pub const DEFAULT_CUSTOM_DECIMALS: u8 = 2;
/// How long SIGTERM/SIGINT may spend publishing `offline` and flushing the outbox (docker stop waits 10 s).
pub const DEFAULT_SHUTDOWN_FLUSH_MS: u64 = 3000;
/// Longest any `*_MS` timer may be: one day. Far beyond any sensible setting, and far from overflowing a deadline.
pub const MAX_DURATION_MS: u64 = 24 * 60 * 60 * 1000;
/// Most readings the outbox may be told to hold (about 40 MiB).
pub const MAX_OUTBOX_CAPACITY: u64 = 1_000_000;

/// Every variable `parse` reads. `main.rs` checks them for values that are not UTF-8 before parsing.
pub const VARIABLES: [&str; 18] = [
    "SENSOR_TYPE",
    "SENSOR_MIN",
    "SENSOR_MAX",
    "SENSOR_DECIMALS",
    "BROKER_LIST",
    "MQTT_USERNAME",
    "MQTT_PASSWORD",
    "PUBLISH_INTERVAL_MS",
    "ACK_TIMEOUT_MS",
    "SHUTDOWN_FLUSH_MS",
    "CONNECT_TIMEOUT_MS",
    "PROBE_INTERVAL_MS",
    "BACKOFF_MIN_MS",
    "BACKOFF_MAX_MS",
    "KEEPALIVE_SECS",
    "OUTBOX_CAPACITY",
    "SETTLE_MS",
    "REPLAY_WINDOW_MS",
];

/// Everything the sensor node needs to run.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    pub sensor: SensorName,
    pub range: ValueRange,
    /// From `unit_for`; `None` for sensor types the system does not know.
    pub unit: Option<&'static str>,
    /// At least one; the first is the primary.
    pub brokers: Vec<Broker>,
    /// `None`: connect anonymously.
    pub credentials: Option<Credentials>,
    pub publish_interval: Duration,
    pub outbox_capacity: usize,
    pub keepalive: Duration,
    pub ack_timeout: Duration,
    pub shutdown_flush: Duration,
    /// Readings a broker acknowledged this recently are sent again to the next broker when it fails.
    pub replay_window: Duration,
    pub failover: failover::Settings,
}

/// A variable that could not be used. `Display` is the one line printed before exiting with code 2.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ConfigError {
    #[error("{var} is not set: expected {expected}")]
    Missing { var: &'static str, expected: String },
    #[error("{var}={value:?} is invalid: expected {expected}")]
    Invalid {
        var: &'static str,
        value: String,
        expected: String,
    },
    /// A secret (the password): its value is never shown.
    #[error("{var} is invalid: expected {expected}")]
    InvalidSecret { var: &'static str, expected: String },
    #[error("{var} is not valid UTF-8: expected text")]
    NotUnicode { var: &'static str },
}

impl ConfigError {
    /// The variable at fault.
    pub fn var(&self) -> &'static str {
        match self {
            ConfigError::Missing { var, .. }
            | ConfigError::Invalid { var, .. }
            | ConfigError::InvalidSecret { var, .. }
            | ConfigError::NotUnicode { var } => var,
        }
    }
}

/// Parses the configuration from `env` (a variable name → its value). Empty values count as unset.
pub fn parse(env: impl Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
    let get = |var: &str| env(var).filter(|v| !v.trim().is_empty());

    const SENSOR_EXPECTED: &str = "a sensor type of 1-64 characters a-z, 0-9, `_`, `-` (temperature, humidity, \
                                   voltage, air_quality, or another name with SENSOR_MIN and SENSOR_MAX)";
    let raw_sensor = get("SENSOR_TYPE").ok_or(ConfigError::Missing {
        var: "SENSOR_TYPE",
        expected: SENSOR_EXPECTED.into(),
    })?;
    let sensor =
        SensorName::parse(raw_sensor.trim()).map_err(|_| invalid("SENSOR_TYPE", &raw_sensor, SENSOR_EXPECTED))?;
    let range = parse_range(&sensor, &get)?;

    let brokers = match get("BROKER_LIST") {
        Some(list) => parse_broker_list(&list).map_err(|why| invalid("BROKER_LIST", &list, &why))?,
        None => parse_broker_list(DEFAULT_BROKER_LIST).expect("the default broker list is valid"),
    };

    let credentials = parse_credentials(get("MQTT_USERNAME"), get("MQTT_PASSWORD"))?;

    let ms = |var: &'static str, default: u64| {
        bounded(var, get(var), default, MAX_DURATION_MS, "milliseconds").map(Duration::from_millis)
    };
    // These two may be 0: no settling, no replay (each gives up a guarantee of docs/failover.md).
    let ms_or_zero = |var: &'static str, default: Duration| {
        within(
            var,
            get(var),
            default.as_millis() as u64,
            0..=MAX_DURATION_MS,
            "milliseconds",
        )
        .map(Duration::from_millis)
    };
    let publish_interval = ms("PUBLISH_INTERVAL_MS", DEFAULT_PUBLISH_INTERVAL_MS)?;
    let ack_timeout = ms("ACK_TIMEOUT_MS", DEFAULT_ACK_TIMEOUT.as_millis() as u64)?;
    let shutdown_flush = ms("SHUTDOWN_FLUSH_MS", DEFAULT_SHUTDOWN_FLUSH_MS)?;
    let d = failover::Settings::default();
    let failover = failover::Settings {
        connect_timeout: ms("CONNECT_TIMEOUT_MS", d.connect_timeout.as_millis() as u64)?,
        probe_interval: ms("PROBE_INTERVAL_MS", d.probe_interval.as_millis() as u64)?,
        backoff_min: ms("BACKOFF_MIN_MS", d.backoff_min.as_millis() as u64)?,
        backoff_max: ms("BACKOFF_MAX_MS", d.backoff_max.as_millis() as u64)?,
        stable_after: d.stable_after,
        settle: ms_or_zero("SETTLE_MS", d.settle)?,
    };
    let replay_window = ms_or_zero("REPLAY_WINDOW_MS", DEFAULT_REPLAY_WINDOW)?;
    if failover.backoff_max < failover.backoff_min {
        let value = get("BACKOFF_MAX_MS").unwrap_or_default();
        return Err(invalid(
            "BACKOFF_MAX_MS",
            &value,
            "a number of milliseconds not below BACKOFF_MIN_MS",
        ));
    }
    // MQTT carries the keepalive in 16 bits.
    let keepalive_secs = bounded(
        "KEEPALIVE_SECS",
        get("KEEPALIVE_SECS"),
        DEFAULT_KEEPALIVE_SECS,
        u64::from(u16::MAX),
        "seconds",
    )?;
    let outbox_capacity = bounded(
        "OUTBOX_CAPACITY",
        get("OUTBOX_CAPACITY"),
        DEFAULT_OUTBOX_CAPACITY as u64,
        MAX_OUTBOX_CAPACITY,
        "readings",
    )?;
    let outbox_capacity = usize::try_from(outbox_capacity).unwrap_or(usize::MAX);

    Ok(Config {
        unit: unit_for(sensor.as_str()),
        sensor,
        range,
        brokers,
        credentials,
        publish_interval,
        outbox_capacity,
        keepalive: Duration::from_secs(keepalive_secs),
        ack_timeout,
        shutdown_flush,
        replay_window,
        failover,
    })
}

fn invalid(var: &'static str, value: &str, expected: &str) -> ConfigError {
    ConfigError::Invalid {
        var,
        value: shown(value),
        expected: expected.to_owned(),
    }
}

/// A value as quoted back in an error line: shortened when long.
fn shown(value: &str) -> String {
    sensor_wire::clip(value, MAX_TEXT_LEN * 2).into_owned()
}

/// A whole number from 1 to `max` (in `unit`), or `default` when unset.
fn bounded(var: &'static str, value: Option<String>, default: u64, max: u64, unit: &str) -> Result<u64, ConfigError> {
    within(var, value, default, 1..=max, unit)
}

/// A whole number in `range` (in `unit`), or `default` when unset.
fn within(
    var: &'static str,
    value: Option<String>,
    default: u64,
    range: std::ops::RangeInclusive<u64>,
    unit: &str,
) -> Result<u64, ConfigError> {
    let Some(value) = value else { return Ok(default) };
    match value.trim().parse::<u64>() {
        Ok(n) if range.contains(&n) => Ok(n),
        _ => Err(invalid(
            var,
            &value,
            &format!("a whole number of {unit} from {} to {}", range.start(), range.end()),
        )),
    }
}

/// The seed range for known types (each end overridable), `SENSOR_MIN`/`SENSOR_MAX` required for others.
fn parse_range(sensor: &SensorName, get: &impl Fn(&str) -> Option<String>) -> Result<ValueRange, ConfigError> {
    let seed = ValueRange::seed(sensor.as_str());
    let bound = |var: &'static str, seed_value: Option<f64>| -> Result<f64, ConfigError> {
        match (get(var), seed_value) {
            (Some(v), _) => match v.trim().parse::<f64>() {
                Ok(x) if x.is_finite() => Ok(x),
                _ => Err(invalid(var, &v, "a finite number")),
            },
            (None, Some(x)) => Ok(x),
            (None, None) => Err(ConfigError::Missing {
                var,
                expected: format!(
                    "a number: SENSOR_TYPE={sensor} is not a seed type, so it needs SENSOR_MIN and SENSOR_MAX"
                ),
            }),
        }
    };
    let min = bound("SENSOR_MIN", seed.map(|r| r.min))?;
    let max = bound("SENSOR_MAX", seed.map(|r| r.max))?;
    if min > max {
        return Err(invalid(
            "SENSOR_MAX",
            &max.to_string(),
            &format!("a number not below SENSOR_MIN ({min})"),
        ));
    }
    // Values are drawn as min + u·(max − min): the width must be a finite number too.
    if !(max - min).is_finite() {
        return Err(invalid(
            "SENSOR_MAX",
            &max.to_string(),
            &format!("a number such that SENSOR_MAX − SENSOR_MIN is finite (SENSOR_MIN is {min})"),
        ));
    }
    let decimals = match get("SENSOR_DECIMALS") {
        None => seed.map_or(DEFAULT_CUSTOM_DECIMALS, |r| r.decimals),
        Some(v) => match v.trim().parse::<u8>() {
            Ok(d) if d <= MAX_DECIMALS => d,
            _ => {
                return Err(invalid(
                    "SENSOR_DECIMALS",
                    &v,
                    &format!("a whole number from 0 to {MAX_DECIMALS}"),
                ))
            }
        },
    };
    Ok(ValueRange { min, max, decimals })
}

#[cfg(test)]
mod tests;
