//! The session's interface: the inputs it takes, the actions it asks of its shell, and the phase the page shows.

/// What the page shows for a broker: `data-state` on its header entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// First connection in progress (never connected yet).
    Connecting,
    /// CONNACK accepted and `sensor/#` subscribed.
    Connected,
    /// Lost or refused; retrying with backoff. Stays so through retries until one succeeds.
    Disconnected,
}

impl Phase {
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Connecting => "connecting",
            Phase::Connected => "connected",
            Phase::Disconnected => "disconnected",
        }
    }
}

/// An input to the session. Time comes with every call to [`Session::handle`](super::Session::handle).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Input<'a> {
    /// The socket asked for by the last `Action::Open` is open.
    Opened,
    /// One WebSocket message; may hold part of a frame or several frames.
    Bytes(&'a [u8]),
    /// Time passes; call about every 500 ms.
    Tick,
    /// The socket closed or failed, with a reason for the page.
    Closed(&'a str),
}

/// A publish received from the broker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    pub topic: String,
    pub payload: Vec<u8>,
    /// Sent because it was retained (a freshly subscribed session), not live.
    pub retained: bool,
}

/// What the shell must do, in order.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// Open a new WebSocket to the broker, then report `Opened` or `Closed`.
    Open,
    /// Send these bytes as one binary WebSocket message.
    Send(Vec<u8>),
    Deliver(Delivery),
    /// Close the socket; its later events are stale and must not be fed back.
    Close,
    /// The page-visible state changed.
    Phase(PhaseChange),
}

#[derive(Debug, Clone, PartialEq)]
pub struct PhaseChange {
    pub phase: Phase,
    /// Why the session failed, for `Disconnected`.
    pub reason: Option<super::SessionError>,
    /// Failed attempts since the last successful connection.
    pub attempts: u32,
}
