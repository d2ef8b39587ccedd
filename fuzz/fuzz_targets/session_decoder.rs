//! The browser's MQTT session decoder fed any bytes, in any WebSocket chunking, in every phase it reads bytes
//! (waiting for CONNACK, for SUBACK, subscribed), with every delivery applied to the dashboard model as the page
//! does: nothing may panic, and a stream the session refuses must end in `Close` followed by `Disconnected`.
//!
//! Input: byte 0 picks the phase (`% 3`), byte 1 the chunk size (1–64 bytes), the rest is the broker's stream.
#![no_main]

use frontend::dashboard::{Dashboard, Event};
use frontend::session::{Action, Input, Phase, Session, SessionConfig, DEFAULT_MAX_FRAME_BYTES};
use libfuzzer_sys::fuzz_target;
use mqttrs::{Connack, ConnectReturnCode, Packet, Pid, QoS, Suback, SubscribeReturnCodes};

const T0: u64 = 1_000_000;

fn encode(packet: &Packet<'_>) -> Vec<u8> {
    let mut buf = vec![0u8; DEFAULT_MAX_FRAME_BYTES];
    let len = mqttrs::encode_slice(packet, &mut buf).expect("a handshake packet encodes");
    buf.truncate(len);
    buf
}

fn session_in(phase: u8) -> Session {
    let mut s = Session::new(SessionConfig::new("fuzz"), 7);
    s.start(T0);
    s.handle(T0, Input::Opened);
    if phase >= 1 {
        let connack = Packet::Connack(Connack {
            session_present: false,
            code: ConnectReturnCode::Accepted,
        });
        s.handle(T0, Input::Bytes(&encode(&connack)));
    }
    if phase == 2 {
        let suback = Packet::Suback(Suback::new(
            Pid::try_from(1).expect("pid 1"),
            vec![SubscribeReturnCodes::Success(QoS::AtLeastOnce)],
        ));
        s.handle(T0, Input::Bytes(&encode(&suback)));
        assert_eq!(s.phase(), Phase::Connected);
    }
    s
}

fuzz_target!(|data: &[u8]| {
    let [phase, chunk, stream @ ..] = data else { return };
    let mut session = session_in(phase % 3);
    let mut dashboard = Dashboard::with_brokers(["broker-primary", "broker-secondary"]);
    let chunk = usize::from(chunk % 64) + 1;
    let mut now = T0;
    for piece in stream.chunks(chunk) {
        now += 7;
        let mut actions = session.handle(now, Input::Bytes(piece));
        actions.extend(session.handle(now, Input::Tick));
        if let Some(close) = actions.iter().position(|a| *a == Action::Close) {
            let disconnected = actions[close..]
                .iter()
                .any(|a| matches!(a, Action::Phase(c) if c.phase == Phase::Disconnected));
            assert!(disconnected, "Close without Disconnected: {actions:?}");
        }
        for action in actions {
            let event = match action {
                Action::Deliver(delivery) => Event::Received {
                    broker: 0,
                    delivery,
                    at_ms: now,
                },
                Action::Phase(change) => Event::Broker {
                    broker: 0,
                    change,
                    at_ms: now,
                },
                Action::Open | Action::Send(_) | Action::Close => continue,
            };
            dashboard.apply(event);
        }
    }
    dashboard.apply(Event::Tick { at_ms: now + 60_000 });
});
