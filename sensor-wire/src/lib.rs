//! The wire format of the system: MQTT topics and JSON payloads, built and parsed only here.
//!
//! Shared by `sensor-node` (which builds messages) and the dashboard (which parses whatever any client
//! published), with what else both ends must agree on: the seed sensor types (`SEED_TYPES`), the reconnect policy
//! (`Backoff`) and how text from outside is shortened (`clip`). Pure: no I/O, no clock, no panics on any input.

mod backoff;
mod clip;
#[cfg(any(test, feature = "corpus"))]
pub mod corpus;
mod error;
mod message;
mod name;
mod payload;
mod sensor_type;
mod topic;

pub use backoff::Backoff;
pub use clip::{clip, ELLIPSIS};
pub use error::WireError;
pub use message::{parse_message, Message};
pub use name::SensorName;
pub use payload::{Presence, Reading, Status};
pub use sensor_type::{seed_type, title_for, unit_for, Limits, SensorType, DEFAULT_ALERT_HOLD_SECS, SEED_TYPES};
pub use topic::{Topic, SUBSCRIBE_FILTER, TOPIC_ROOT};

/// Largest payload the system accepts, in bytes. A reading is about 150 bytes; the brokers' `message_size_limit`
/// and both MQTT clients' packet limits are set to agree with this.
pub const MAX_PAYLOAD_BYTES: usize = 4096;

/// Largest MQTT packet any part of the system sends or accepts: a publish of `MAX_PAYLOAD_BYTES` plus 128 bytes for
/// its fixed header (≤ 5), topic (`sensor/<64 characters>/status`, 78 bytes with its length) and packet id. The
/// brokers' `max_packet_size`, the sensor's MQTT client and the browser's session all use this bound.
pub const MAX_PACKET_BYTES: usize = MAX_PAYLOAD_BYTES + 128;

/// Longest text field (`broker_used`, `boot`, `unit`) accepted in a payload.
pub const MAX_TEXT_LEN: usize = 64;
