//! `sensor-node`: a simulated sensor that publishes a reading every interval over MQTT and fails over between
//! brokers without losing readings.
//!
//! Pure cores — `config` (environment → `Config`), `sample` (values and readings), `failover` (which broker,
//! when), `outbox` (what is unacknowledged and must be re-sent) — and one I/O shell, `node`, which alone touches
//! rumqttc and tokio timers. `main.rs` only parses the config, sets up tracing and calls [`run`].

pub mod config;
pub mod failover;
mod node;
pub mod outbox;
pub mod sample;

pub use config::{Broker, Config, ConfigError};
pub use node::{run, RunSummary};
