//! End-to-end harness: starts the real parts of the system natively — Mosquitto from the shipped `mosquitto.conf`,
//! nginx from the shipped `nginx.conf`, release `sensor-node` processes, headless Chromium — on free ports.
//!
//! Every process it starts lives in its own process group and is killed when its handle drops; every file it writes
//! lives in a temporary directory that is removed on drop (set `E2E_KEEP_TMP=1` to keep it). It never edits the
//! shipped configs: it writes rewritten copies (see `broker::config` and `nginx::config` for exactly which lines).
//!
//! Errors are `anyhow` with context: the callers are tests and the `stack` binary, which only report them.
//!
//! Running (one test at a time: each test starts its own processes):
//! ```text
//! cargo build --release -p sensor-node && (cd frontend && trunk build --release --offline)
//! cargo test -p e2e -- --test-threads=1
//! cargo run -p e2e --bin stack          # the whole system natively, on the compose ports
//! ```
//! `SENSOR_NODE_BIN` and `DASHBOARD_DIST` override where the artifacts are found (see `artifacts`).

pub mod artifacts;
pub mod broker;
pub mod browser;
pub mod compose;
pub mod compose_contract;
pub mod credentials;
pub mod dashboard_page;
pub mod delivery_audit;
pub mod dist;
pub mod failover_scenario;
pub mod fake_broker;
pub mod fault_proxy;
pub mod floor_page;
pub mod http_get;
pub mod load_generator;
pub mod mosquitto_pub;
pub mod nginx;
pub mod node_test;
pub mod ports;
pub mod process;
pub mod publish_as;
pub mod sensor;
pub mod stack;
pub mod subscriber;
pub mod wait;
pub mod ws_mqtt_client;

pub use broker::{Broker, BrokerPorts};
pub use browser::Browser;
pub use dashboard_page::{BrokerBadge, Card, DashboardView};
pub use nginx::Nginx;
pub use ports::Ports;
pub use sensor::{Sensor, SensorSpec};
pub use stack::{Stack, StackConfig};
pub use subscriber::{Received, Subscriber};
pub use wait::{wait_for, wait_for_snapshot};

/// The broker names of the seed's compose file; the first is the primary.
pub const BROKER_NAMES: [&str; 2] = ["broker-primary", "broker-secondary"];
