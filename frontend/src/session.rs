//! The browser's MQTT 3.1.1 session with one broker, as a pure state machine over the mqttrs codec.
//!
//! Events in (`Opened`, `Bytes`, `Tick`, `Closed`, each with the current time), actions out (`Open` a socket,
//! `Send` bytes, `Deliver` a publish, `Close` the socket, `Phase` changes). It connects with a persistent session
//! under the page's stable client id, subscribes to `sensor/#` at QoS 1 (see `SUBSCRIBE_QOS`), acknowledges every
//! QoS 1 publish, pings when idle, and on any failure — refusal, timeout, malformed frame, closed socket — schedules
//! a reconnect with capped, jittered backoff. Failures are typed (`SessionError`).
//! No WebSocket, timer, DOM or leptos type in here: `connection.rs` is the shell that runs it.

mod backoff;
mod error;
mod events;
mod frame;
mod settings;

pub use backoff::{Backoff, Jitter, DEFAULT_BACKOFF};
pub use error::{SessionError, Step};
pub use events::{Action, Delivery, Input, Phase, PhaseChange};
pub use frame::FrameError;
pub use settings::{
    SessionConfig, DEFAULT_CONNECT_TIMEOUT_MS, DEFAULT_KEEP_ALIVE_S, DEFAULT_MAX_FRAME_BYTES, DEFAULT_PING_TIMEOUT_MS,
};

use mqttrs::{Connect, ConnectReturnCode, Packet, Pid, Protocol, QoS, QosPid, Subscribe, SubscribeReturnCodes};
use sensor_wire::SUBSCRIBE_FILTER;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Before `start`.
    Idle,
    /// No socket; open one at `until`.
    Waiting {
        until: u64,
    },
    Opening {
        deadline: u64,
    },
    AwaitConnack {
        deadline: u64,
    },
    AwaitSuback {
        deadline: u64,
    },
    Connected {
        last_sent: u64,
        ping_deadline: Option<u64>,
    },
}

const SUBSCRIBE_PID: u16 = 1;

/// QoS 1 with a persistent session (`clean_session = false`, the same client id for the tab's whole life): a broker
/// keeps every reading for this page while the page is away (its WebSocket cut, the tab reloading) and sends them
/// when it is back, so nothing published to a live broker is lost to the page (docs/failover.md). At 5,000 msg/s
/// this needs a wide in-flight window in `mosquitto.conf`: at Mosquitto's default of 20 unacknowledged messages
/// per PUBACK round trip through the page's busy main thread most readings queued up and were dropped.
pub const SUBSCRIBE_QOS: QoS = QoS::AtLeastOnce;

/// One broker's session. Create it, call `start`, then feed every event to `handle` and run the actions.
#[derive(Debug, Clone)]
pub struct Session {
    config: SessionConfig,
    state: State,
    phase: Phase,
    attempts: u32,
    inbox: Vec<u8>,
    jitter: Jitter,
}

impl Session {
    /// `seed` drives the reconnect jitter; pass something random in the browser and a constant in tests.
    pub fn new(config: SessionConfig, seed: u64) -> Self {
        Self {
            config,
            state: State::Idle,
            phase: Phase::Connecting,
            attempts: 0,
            inbox: Vec::new(),
            jitter: Jitter::new(seed),
        }
    }

    pub fn phase(&self) -> Phase {
        self.phase
    }

    /// Begins the first connection.
    pub fn start(&mut self, now: u64) -> Vec<Action> {
        self.state = State::Opening {
            deadline: now + self.config.connect_timeout_ms,
        };
        vec![self.phase_change(Phase::Connecting, None), Action::Open]
    }

    pub fn handle(&mut self, now: u64, input: Input<'_>) -> Vec<Action> {
        let mut out = Vec::new();
        match input {
            Input::Opened => self.on_opened(now, &mut out),
            Input::Bytes(bytes) => self.on_bytes(now, bytes, &mut out),
            Input::Tick => self.on_tick(now, &mut out),
            Input::Closed(reason) => {
                if self.has_socket() {
                    self.fail(now, SessionError::closed(reason), false, &mut out);
                }
            }
        }
        out
    }

    fn has_socket(&self) -> bool {
        !matches!(self.state, State::Idle | State::Waiting { .. })
    }

    fn on_opened(&mut self, now: u64, out: &mut Vec<Action>) {
        let State::Opening { deadline } = self.state else {
            return;
        };
        let password = self.config.password.as_deref().map(str::as_bytes);
        let connect = Packet::Connect(Connect {
            protocol: Protocol::MQTT311,
            keep_alive: self.config.keep_alive_s,
            client_id: &self.config.client_id,
            clean_session: !self.config.persistent,
            last_will: None,
            username: self.config.username.as_deref(),
            password,
        });
        match encode(&connect) {
            Ok(bytes) => {
                out.push(Action::Send(bytes));
                self.state = State::AwaitConnack { deadline };
            }
            Err(error) => self.fail(
                now,
                SessionError::Encode {
                    packet: "CONNECT",
                    error,
                },
                true,
                out,
            ),
        }
    }

    fn on_bytes(&mut self, now: u64, bytes: &[u8], out: &mut Vec<Action>) {
        if !self.has_socket() {
            return;
        }
        self.heard_from_broker(now);
        let mut inbox = std::mem::take(&mut self.inbox);
        inbox.extend_from_slice(bytes);
        let mut used = 0;
        let failure = loop {
            let rest = &inbox[used..];
            match frame::complete_len(rest, self.config.max_frame_bytes) {
                Ok(None) => break None,
                Ok(Some(len)) => {
                    let frame = &rest[..len];
                    used += len;
                    let result = match mqttrs::decode_slice(frame) {
                        Ok(Some(packet)) => self.on_packet(now, packet, out),
                        Ok(None) => Err(SessionError::Incomplete),
                        Err(e) => Err(SessionError::Packet(e)),
                    };
                    if let Err(reason) = result {
                        break Some(reason);
                    }
                    if !self.has_socket() {
                        break None;
                    }
                }
                Err(e) => break Some(SessionError::Frame(e)),
            }
        };
        match failure {
            Some(reason) => self.fail(now, reason, true, out),
            None if self.has_socket() => {
                inbox.drain(..used);
                self.inbox = inbox;
                self.ping_if_idle(now, out);
            }
            None => {}
        }
    }

    /// Handles one decoded packet; `Err` is a protocol violation that ends the session.
    fn on_packet(&mut self, now: u64, packet: Packet<'_>, out: &mut Vec<Action>) -> Result<(), SessionError> {
        match (self.state, packet) {
            (State::AwaitConnack { deadline }, Packet::Connack(ack)) => {
                if ack.code != ConnectReturnCode::Accepted {
                    return Err(SessionError::Refused(ack.code));
                }
                let subscribe = Packet::Subscribe(Subscribe::new(
                    pid(SUBSCRIBE_PID),
                    vec![mqttrs::SubscribeTopic {
                        topic_path: SUBSCRIBE_FILTER.into(),
                        qos: SUBSCRIBE_QOS,
                    }],
                ));
                out.push(Action::Send(encode(&subscribe).map_err(|error| {
                    SessionError::Encode {
                        packet: "SUBSCRIBE",
                        error,
                    }
                })?));
                self.state = State::AwaitSuback { deadline };
                Ok(())
            }
            (State::AwaitConnack { .. }, other) => Err(SessionError::ExpectedConnack(other.get_type())),
            (_, Packet::Connack(_)) => Err(SessionError::SecondConnack),
            (State::AwaitSuback { .. }, Packet::Suback(ack)) if ack.pid.get() == SUBSCRIBE_PID => {
                if ack.return_codes.contains(&SubscribeReturnCodes::Failure) {
                    return Err(SessionError::SubscriptionRefused);
                }
                self.state = State::Connected {
                    last_sent: now,
                    ping_deadline: None,
                };
                self.attempts = 0;
                out.push(self.phase_change(Phase::Connected, None));
                Ok(())
            }
            (State::AwaitSuback { .. } | State::Connected { .. }, Packet::Publish(publish)) => {
                match publish.qospid {
                    QosPid::AtMostOnce => {}
                    QosPid::AtLeastOnce(id) => {
                        out.push(Action::Send(encode(&Packet::Puback(id)).map_err(|error| {
                            SessionError::Encode {
                                packet: "PUBACK",
                                error,
                            }
                        })?));
                        self.touch(now);
                    }
                    QosPid::ExactlyOnce(_) => return Err(SessionError::ExactlyOnce),
                }
                out.push(Action::Deliver(Delivery {
                    topic: publish.topic_name.to_owned(),
                    payload: publish.payload.to_vec(),
                    retained: publish.retain,
                }));
                Ok(())
            }
            (State::Connected { last_sent, .. }, Packet::Pingresp) => {
                self.state = State::Connected {
                    last_sent,
                    ping_deadline: None,
                };
                Ok(())
            }
            // Acknowledgements of things this client never sends, and late PINGRESPs: harmless, ignored.
            (
                _,
                Packet::Puback(_) | Packet::Pubrec(_) | Packet::Pubcomp(_) | Packet::Unsuback(_) | Packet::Pingresp,
            ) => Ok(()),
            (_, other) => Err(SessionError::Unexpected(other.get_type())),
        }
    }

    /// Bytes arrived: the broker is alive, whatever it has yet to answer. A PINGRESP or SUBACK queued behind a
    /// backlog (a persistent session's queue flushed on reconnect, a burst of readings) is late, not missing, so the
    /// deadline for it moves on — a hung broker sends nothing at all.
    fn heard_from_broker(&mut self, now: u64) {
        match &mut self.state {
            State::Connected {
                ping_deadline: Some(deadline),
                ..
            } => *deadline = (*deadline).max(now + self.config.ping_timeout_ms),
            State::AwaitSuback { deadline } => *deadline = (*deadline).max(now + self.config.connect_timeout_ms),
            _ => {}
        }
    }

    fn touch(&mut self, now: u64) {
        if let State::Connected { ping_deadline, .. } = self.state {
            self.state = State::Connected {
                last_sent: now,
                ping_deadline,
            };
        }
    }

    fn on_tick(&mut self, now: u64, out: &mut Vec<Action>) {
        match self.state {
            State::Idle => {}
            State::Waiting { until } => {
                if now >= until {
                    self.state = State::Opening {
                        deadline: now + self.config.connect_timeout_ms,
                    };
                    out.push(Action::Open);
                }
            }
            State::Opening { deadline } | State::AwaitConnack { deadline } | State::AwaitSuback { deadline } => {
                if now >= deadline {
                    let step = match self.state {
                        State::Opening { .. } => Step::Opening,
                        State::AwaitConnack { .. } => Step::Connack,
                        _ => Step::Suback,
                    };
                    self.fail(now, SessionError::TimedOut(step), true, out);
                }
            }
            State::Connected {
                ping_deadline: Some(deadline),
                ..
            } => {
                if now >= deadline {
                    let error = SessionError::NoPingResponse(self.config.ping_timeout_ms);
                    self.fail(now, error, true, out);
                }
            }
            State::Connected {
                ping_deadline: None, ..
            } => self.ping_if_idle(now, out),
        }
    }

    /// Sends a PINGREQ after half the keepalive without sending anything. Runs on ticks and on received bytes, so
    /// a background tab whose timers the browser throttles still pings as long as anything arrives.
    fn ping_if_idle(&mut self, now: u64, out: &mut Vec<Action>) {
        let State::Connected {
            last_sent,
            ping_deadline: None,
        } = self.state
        else {
            return;
        };
        if now.saturating_sub(last_sent) < u64::from(self.config.keep_alive_s) * 500 {
            return;
        }
        match encode(&Packet::Pingreq) {
            Ok(bytes) => {
                out.push(Action::Send(bytes));
                self.state = State::Connected {
                    last_sent: now,
                    ping_deadline: Some(now + self.config.ping_timeout_ms),
                };
            }
            Err(error) => self.fail(
                now,
                SessionError::Encode {
                    packet: "PINGREQ",
                    error,
                },
                true,
                out,
            ),
        }
    }

    /// Ends the current attempt and schedules the next one.
    fn fail(&mut self, now: u64, reason: SessionError, close: bool, out: &mut Vec<Action>) {
        self.attempts = self.attempts.saturating_add(1);
        let delay = self.config.backoff.delay_ms(self.attempts, self.jitter.next_unit());
        self.state = State::Waiting { until: now + delay };
        self.inbox = Vec::new();
        if close {
            out.push(Action::Close);
        }
        out.push(self.phase_change(Phase::Disconnected, Some(reason)));
    }

    fn phase_change(&mut self, phase: Phase, reason: Option<SessionError>) -> Action {
        self.phase = phase;
        Action::Phase(PhaseChange {
            phase,
            reason,
            attempts: self.attempts,
        })
    }
}

fn pid(n: u16) -> Pid {
    Pid::try_from(n).unwrap_or_default()
}

/// Whether `bytes` (one `Action::Send`) is a PUBACK and nothing else: an acknowledgement may wait a little and go out
/// with others (the broker keeps up to `max_inflight_messages` unacknowledged), any other packet may not.
pub fn is_puback(bytes: &[u8]) -> bool {
    matches!(bytes, [0x40, 0x02, _, _])
}

/// Encodes one packet. Control packets are small; the buffer grows with the CONNECT's strings.
fn encode(packet: &Packet<'_>) -> Result<Vec<u8>, mqttrs::Error> {
    let extra = match packet {
        Packet::Connect(c) => c.client_id.len() + c.username.map_or(0, str::len) + c.password.map_or(0, <[u8]>::len),
        _ => 0,
    };
    let mut buf = vec![0u8; 128 + extra];
    let len = mqttrs::encode_slice(packet, &mut buf)?;
    buf.truncate(len);
    Ok(buf)
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod puback_tests {
    use super::*;

    #[test]
    fn tells_a_puback_from_every_other_packet() {
        let puback = encode(&Packet::Puback(pid(7))).unwrap_or_default();
        assert!(is_puback(&puback));
        for other in [
            Packet::Pingreq,
            Packet::Disconnect,
            Packet::Pubrec(pid(7)),
            Packet::Unsuback(pid(7)),
        ] {
            assert!(!is_puback(&encode(&other).unwrap_or_default()), "{other:?}");
        }
        let two = [puback.clone(), puback].concat();
        assert!(!is_puback(&two), "one packet only");
    }
}
