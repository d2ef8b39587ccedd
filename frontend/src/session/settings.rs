//! Settings of one browser MQTT session and their defaults: keepalive, deadlines, frame limit, backoff.

use super::{Backoff, DEFAULT_BACKOFF};
use sensor_wire::MAX_PACKET_BYTES;

/// MQTT keepalive announced in CONNECT, seconds. The session pings after half of it without traffic.
pub const DEFAULT_KEEP_ALIVE_S: u16 = 10;
/// How long a PINGRESP may take before the broker is taken as hung.
pub const DEFAULT_PING_TIMEOUT_MS: u64 = 3_000;
/// How long the socket open, CONNACK and SUBACK may take together.
pub const DEFAULT_CONNECT_TIMEOUT_MS: u64 = 5_000;
/// Largest frame accepted: the system-wide packet bound, equal to the brokers' `max_packet_size`, so no frame a
/// broker would relay is refused. A bigger frame closes the session.
pub const DEFAULT_MAX_FRAME_BYTES: usize = MAX_PACKET_BYTES;

/// Settings of one session. `Default`-free on purpose: the client id must be unique per page.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionConfig {
    /// Stable for the tab's life (reloads included), so a persistent session is picked up again.
    pub client_id: String,
    /// `clean_session = false`: the broker keeps the subscription and queues readings while the page is away.
    pub persistent: bool,
    pub username: Option<String>,
    pub password: Option<String>,
    pub keep_alive_s: u16,
    pub ping_timeout_ms: u64,
    pub connect_timeout_ms: u64,
    pub max_frame_bytes: usize,
    pub backoff: Backoff,
}

impl SessionConfig {
    pub fn new(client_id: impl Into<String>) -> Self {
        Self {
            client_id: client_id.into(),
            persistent: true,
            username: None,
            password: None,
            keep_alive_s: DEFAULT_KEEP_ALIVE_S,
            ping_timeout_ms: DEFAULT_PING_TIMEOUT_MS,
            connect_timeout_ms: DEFAULT_CONNECT_TIMEOUT_MS,
            max_frame_bytes: DEFAULT_MAX_FRAME_BYTES,
            backoff: DEFAULT_BACKOFF,
        }
    }
}
