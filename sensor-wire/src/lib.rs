//! The wire format of the system: MQTT topics and JSON payloads, built and parsed only here.
//!
//! Shared by `sensor-node` (which builds messages) and the dashboard (which parses whatever any client
//! published). Pure: no I/O, no clock, no panics on any input.

#[cfg(any(test, feature = "corpus"))]
pub mod corpus;
mod error;
mod message;
mod name;
mod payload;
mod topic;
mod unit;

pub use error::WireError;
pub use message::{parse_message, Message};
pub use name::SensorName;
pub use payload::{Presence, Reading, Status};
pub use topic::{Topic, SUBSCRIBE_FILTER, TOPIC_ROOT};
pub use unit::unit_for;

/// Largest payload the system accepts, in bytes. A reading is about 150 bytes; the brokers' `message_size_limit`
/// and both MQTT clients' packet limits are set to agree with this.
pub const MAX_PAYLOAD_BYTES: usize = 4096;

/// Longest text field (`broker_used`, `boot`, `unit`) accepted in a payload.
pub const MAX_TEXT_LEN: usize = 64;
