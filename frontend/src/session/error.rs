//! Why a session attempt ended: one typed case per way it can fail, each with the sentence the page shows.

use super::FrameError;
use mqttrs::{ConnectReturnCode, PacketType};
use sensor_wire::{clip, SUBSCRIBE_FILTER};
use thiserror::Error;

/// Most of the browser's own close or error text kept in a `Closed`.
const MAX_CLOSE_REASON_CHARS: usize = 120;

/// The step of the handshake that ran out of time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum Step {
    #[error("opening the WebSocket")]
    Opening,
    #[error("waiting for CONNACK")]
    Connack,
    #[error("waiting for SUBACK")]
    Suback,
}

/// Why a session attempt ended. Any of these closes the socket and schedules a reconnect.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum SessionError {
    /// The socket closed or failed; the text is the browser's.
    #[error("connection closed: {0}")]
    Closed(String),
    #[error("timed out {0}")]
    TimedOut(Step),
    #[error("no PINGRESP within {0} ms")]
    NoPingResponse(u64),
    #[error("broker refused the connection: {0:?}")]
    Refused(ConnectReturnCode),
    #[error("broker refused the subscription to {SUBSCRIBE_FILTER}")]
    SubscriptionRefused,
    #[error("malformed frame: {0}")]
    Frame(#[from] FrameError),
    #[error("malformed packet: {0}")]
    Packet(mqttrs::Error),
    #[error("incomplete packet in a complete frame")]
    Incomplete,
    #[error("expected CONNACK, got {0:?}")]
    ExpectedConnack(PacketType),
    #[error("unexpected second CONNACK")]
    SecondConnack,
    #[error("QoS 2 publish on a QoS 1 subscription")]
    ExactlyOnce,
    #[error("unexpected {0:?} from the broker")]
    Unexpected(PacketType),
    #[error("cannot encode {packet}: {error}")]
    Encode { packet: &'static str, error: mqttrs::Error },
}

impl SessionError {
    /// The browser's reason for a closed socket, shortened: it is shown on the page.
    pub fn closed(reason: &str) -> Self {
        Self::Closed(clip(reason, MAX_CLOSE_REASON_CHARS).into_owned())
    }
}
