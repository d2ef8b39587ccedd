//! Unit tests of the session state machine: scripted broker bytes in, actions checked out. No socket, no clock.

use super::*;
use mqttrs::{Connack, Publish, Suback};

const T0: u64 = 1_000_000;

fn bytes(packet: &Packet<'_>) -> Vec<u8> {
    let mut buf = vec![0u8; 8192];
    let len = mqttrs::encode_slice(packet, &mut buf).expect("test packet encodes");
    buf.truncate(len);
    buf
}

fn connack(code: ConnectReturnCode) -> Vec<u8> {
    bytes(&Packet::Connack(Connack {
        session_present: false,
        code,
    }))
}

fn suback(code: SubscribeReturnCodes) -> Vec<u8> {
    bytes(&Packet::Suback(Suback::new(pid(SUBSCRIBE_PID), vec![code])))
}

fn publish(topic: &str, payload: &[u8], qospid: QosPid, retain: bool) -> Vec<u8> {
    bytes(&Packet::Publish(Publish {
        dup: false,
        qospid,
        retain,
        topic_name: topic,
        payload,
    }))
}

fn sent(actions: &[Action]) -> Vec<Vec<u8>> {
    actions
        .iter()
        .filter_map(|a| if let Action::Send(b) = a { Some(b.clone()) } else { None })
        .collect()
}

fn phases(actions: &[Action]) -> Vec<Phase> {
    actions
        .iter()
        .filter_map(|a| if let Action::Phase(p) = a { Some(p.phase) } else { None })
        .collect()
}

fn deliveries(actions: &[Action]) -> Vec<Delivery> {
    actions
        .iter()
        .filter_map(|a| {
            if let Action::Deliver(d) = a {
                Some(d.clone())
            } else {
                None
            }
        })
        .collect()
}

/// A session that has opened, been accepted and subscribed at `T0`.
fn connected() -> Session {
    let mut s = Session::new(SessionConfig::new("dash-test"), 7);
    s.start(T0);
    s.handle(T0, Input::Opened);
    s.handle(T0, Input::Bytes(&connack(ConnectReturnCode::Accepted)));
    let out = s.handle(
        T0,
        Input::Bytes(&suback(SubscribeReturnCodes::Success(QoS::AtLeastOnce))),
    );
    assert_eq!(phases(&out), [Phase::Connected]);
    s
}

#[test]
fn connects_with_a_persistent_session_then_subscribes_to_every_sensor_at_qos1() {
    let mut s = Session::new(SessionConfig::new("dash-1"), 1);
    let out = s.start(T0);
    assert_eq!(phases(&out), [Phase::Connecting]);
    assert_eq!(out.last(), Some(&Action::Open));

    let out = s.handle(T0 + 10, Input::Opened);
    let frames = sent(&out);
    let Ok(Some(Packet::Connect(c))) = mqttrs::decode_slice(&frames[0]) else {
        panic!("not CONNECT: {out:?}")
    };
    assert!(!c.clean_session, "the broker must keep readings while the page is away");
    assert_eq!(
        (c.client_id, c.keep_alive, c.protocol),
        ("dash-1", DEFAULT_KEEP_ALIVE_S, Protocol::MQTT311)
    );

    let out = s.handle(T0 + 20, Input::Bytes(&connack(ConnectReturnCode::Accepted)));
    let frames = sent(&out);
    let Ok(Some(Packet::Subscribe(sub))) = mqttrs::decode_slice(&frames[0]) else {
        panic!("not SUBSCRIBE: {out:?}")
    };
    assert_eq!(sub.topics[0].topic_path, SUBSCRIBE_FILTER);
    assert_eq!(sub.topics[0].qos, QoS::AtLeastOnce);
    assert_eq!(s.phase(), Phase::Connecting);

    let out = s.handle(
        T0 + 30,
        Input::Bytes(&suback(SubscribeReturnCodes::Success(QoS::AtLeastOnce))),
    );
    assert_eq!(phases(&out), [Phase::Connected]);
}

#[test]
fn sends_username_and_password_when_configured() {
    let mut config = SessionConfig::new("dash-2");
    config.username = Some("dashboard".into());
    config.password = Some("secret".into());
    let mut s = Session::new(config, 1);
    s.start(T0);
    let frames = sent(&s.handle(T0, Input::Opened));
    let Ok(Some(Packet::Connect(c))) = mqttrs::decode_slice(&frames[0]) else {
        panic!("not CONNECT")
    };
    assert_eq!((c.username, c.password), (Some("dashboard"), Some(&b"secret"[..])));
}

#[test]
fn delivers_a_publish_split_across_websocket_messages_once_and_acks_it() {
    let mut s = connected();
    let frame = publish(
        "sensor/temperature",
        br#"{"sensor":"temperature"}"#,
        QosPid::AtLeastOnce(pid(9)),
        false,
    );
    for (i, byte) in frame.iter().enumerate() {
        let out = s.handle(T0 + 1, Input::Bytes(std::slice::from_ref(byte)));
        if i + 1 < frame.len() {
            assert!(out.is_empty(), "acted on a partial frame at byte {i}: {out:?}");
        } else {
            assert_eq!(deliveries(&out)[0].topic, "sensor/temperature");
            assert_eq!(sent(&out), [bytes(&Packet::Puback(pid(9)))]);
        }
    }
}

#[test]
fn delivers_every_frame_of_a_message_that_holds_several_and_keeps_the_tail() {
    let mut s = connected();
    let a = publish("sensor/a", b"1", QosPid::AtMostOnce, true);
    let b = publish("sensor/b", b"2", QosPid::AtMostOnce, false);
    let c = publish("sensor/c", b"3", QosPid::AtMostOnce, false);
    let mut message = [a, b].concat();
    message.extend_from_slice(&c[..3]);
    let out = s.handle(T0, Input::Bytes(&message));
    let got = deliveries(&out);
    assert_eq!(got.len(), 2);
    assert!(got[0].retained && !got[1].retained);
    assert!(sent(&out).is_empty(), "QoS 0 needs no PUBACK");
    let out = s.handle(T0, Input::Bytes(&c[3..]));
    assert_eq!(deliveries(&out)[0].payload, b"3");
}

#[test]
fn accepts_retained_publishes_that_arrive_before_the_suback() {
    let mut s = Session::new(SessionConfig::new("d"), 1);
    s.start(T0);
    s.handle(T0, Input::Opened);
    s.handle(T0, Input::Bytes(&connack(ConnectReturnCode::Accepted)));
    let out = s.handle(T0, Input::Bytes(&publish("sensor/x", b"{}", QosPid::AtMostOnce, true)));
    assert_eq!(deliveries(&out).len(), 1);
}

#[test]
fn pings_when_idle_and_stays_up_while_pingresps_come_back() {
    let mut s = connected();
    let idle = u64::from(DEFAULT_KEEP_ALIVE_S) * 500;
    assert!(s.handle(T0 + idle - 1, Input::Tick).is_empty());
    let out = s.handle(T0 + idle, Input::Tick);
    assert_eq!(sent(&out), [bytes(&Packet::Pingreq)]);
    assert!(s.handle(T0 + idle + 1, Input::Tick).is_empty(), "one ping at a time");
    s.handle(T0 + idle + 50, Input::Bytes(&bytes(&Packet::Pingresp)));
    assert!(s
        .handle(T0 + idle + DEFAULT_PING_TIMEOUT_MS + 1, Input::Tick)
        .is_empty());
    assert_eq!(s.phase(), Phase::Connected);
}

#[test]
fn takes_a_broker_that_does_not_answer_a_ping_as_hung_and_reconnects() {
    let mut s = connected();
    let ping_at = T0 + u64::from(DEFAULT_KEEP_ALIVE_S) * 500;
    s.handle(ping_at, Input::Tick);
    let out = s.handle(ping_at + DEFAULT_PING_TIMEOUT_MS, Input::Tick);
    assert_eq!(out[0], Action::Close);
    assert_eq!(phases(&out), [Phase::Disconnected]);
    let reopen = ping_at + DEFAULT_PING_TIMEOUT_MS + DEFAULT_BACKOFF.base_ms;
    assert_eq!(s.handle(reopen, Input::Tick), [Action::Open]);
}

#[test]
fn closes_and_backs_off_when_the_broker_refuses_the_connection() {
    let mut s = Session::new(SessionConfig::new("d"), 3);
    s.start(T0);
    s.handle(T0, Input::Opened);
    let out = s.handle(T0, Input::Bytes(&connack(ConnectReturnCode::NotAuthorized)));
    assert_eq!(out[0], Action::Close);
    let Some(Action::Phase(change)) = out.get(1) else {
        panic!("{out:?}")
    };
    assert_eq!((change.phase, change.attempts), (Phase::Disconnected, 1));
    assert_eq!(
        change.reason,
        Some(SessionError::Refused(ConnectReturnCode::NotAuthorized))
    );
    assert!(change
        .reason
        .as_ref()
        .is_some_and(|r| r.to_string().contains("NotAuthorized")));
    let base = DEFAULT_BACKOFF.base_ms;
    assert!(
        s.handle(T0 + base / 2 - 1, Input::Tick).is_empty(),
        "retried before the backoff"
    );
    assert_eq!(s.handle(T0 + base, Input::Tick), [Action::Open]);
}

#[test]
fn reconnect_delays_grow_to_the_cap_and_reset_after_a_success() {
    let mut s = Session::new(SessionConfig::new("d"), 5);
    let mut now = T0;
    s.start(now);
    let mut waits = Vec::new();
    for _ in 0..8 {
        let out = s.handle(now, Input::Closed("refused"));
        assert_eq!(phases(&out), [Phase::Disconnected]);
        assert!(!out.contains(&Action::Close), "the socket is already closed");
        let start = now;
        while s.handle(now, Input::Tick) != [Action::Open] {
            now += 50;
        }
        waits.push(now - start);
    }
    assert!(waits[0] <= DEFAULT_BACKOFF.base_ms + 50);
    assert!(waits.windows(2).take(4).all(|w| w[1] + 50 >= w[0]), "{waits:?}");
    assert!(waits.iter().all(|w| *w <= DEFAULT_BACKOFF.max_ms + 50), "{waits:?}");
    s.handle(now, Input::Opened);
    s.handle(now, Input::Bytes(&connack(ConnectReturnCode::Accepted)));
    let out = s.handle(
        now,
        Input::Bytes(&suback(SubscribeReturnCodes::Success(QoS::AtLeastOnce))),
    );
    let Some(Action::Phase(change)) = out.first() else {
        panic!("{out:?}")
    };
    assert_eq!(change.attempts, 0);
}

#[test]
fn stays_disconnected_through_retries_until_a_connection_succeeds() {
    let mut s = connected();
    s.handle(T0 + 1, Input::Closed("broker gone"));
    let mut now = T0 + 1;
    while s.handle(now, Input::Tick) != [Action::Open] {
        now += 100;
    }
    assert_eq!(s.phase(), Phase::Disconnected);
    s.handle(now, Input::Opened);
    assert_eq!(s.phase(), Phase::Disconnected);
}

#[test]
fn times_out_a_connection_that_never_completes() {
    let mut s = Session::new(SessionConfig::new("d"), 1);
    s.start(T0);
    s.handle(T0, Input::Opened);
    assert!(s.handle(T0 + DEFAULT_CONNECT_TIMEOUT_MS - 1, Input::Tick).is_empty());
    let out = s.handle(T0 + DEFAULT_CONNECT_TIMEOUT_MS, Input::Tick);
    assert_eq!(out[0], Action::Close);
    assert_eq!(phases(&out), [Phase::Disconnected]);
}

#[test]
fn ignores_events_of_a_socket_it_already_gave_up() {
    let mut s = connected();
    s.handle(T0, Input::Bytes(&[0xf0, 0x00]));
    assert!(s.handle(T0 + 1, Input::Closed("late close")).is_empty());
    assert!(s.handle(T0 + 1, Input::Opened).is_empty());
    assert!(s
        .handle(
            T0 + 1,
            Input::Bytes(&publish("sensor/x", b"1", QosPid::AtMostOnce, false))
        )
        .is_empty());
}

#[test]
fn closes_and_reconnects_on_malformed_or_unexpected_frames() {
    let cases: Vec<Vec<u8>> = vec![
        vec![0xf0, 0x00],
        vec![0x20, 0x02, 0x00, 0x00],
        vec![0x30, 0xff, 0xff, 0xff, 0xff, 0x7f],
        vec![0x34, 0x06, 0x00, 0x01, b't', 0x00, 0x01, b'x'],
        vec![0x32, 0x03, 0x00, 0x01, b't'],
        vec![0x30, 0x04, 0x00, 0x02, 0xff, 0xfe],
        vec![0x90, 0x03, 0x00, 0x00, 0x01],
        publish(
            "sensor/x",
            &vec![b'x'; DEFAULT_MAX_FRAME_BYTES],
            QosPid::AtMostOnce,
            false,
        ),
    ];
    for frame in cases {
        let mut s = connected();
        let out = s.handle(T0, Input::Bytes(&frame));
        assert_eq!(out.first(), Some(&Action::Close), "{frame:x?}");
        assert_eq!(phases(&out), [Phase::Disconnected], "{frame:x?}");
    }
}

#[test]
fn refuses_anything_but_a_connack_first() {
    let mut s = Session::new(SessionConfig::new("d"), 1);
    s.start(T0);
    s.handle(T0, Input::Opened);
    let out = s.handle(T0, Input::Bytes(&publish("sensor/x", b"1", QosPid::AtMostOnce, false)));
    assert!(deliveries(&out).is_empty());
    assert_eq!(out.first(), Some(&Action::Close));
}

/// Random bytes, cut at random points, after a real handshake: the session may close, but never panics and never
/// delivers a publish out of a frame it could not decode.
#[test]
fn survives_random_bytes_in_random_chunks() {
    let mut rng = Jitter::new(2024);
    let mut next = |n: u32| (rng.next_u32() % n) as usize;
    for round in 0..3_000 {
        let mut s = connected();
        let len = next(64);
        let mut junk: Vec<u8> = (0..len).map(|_| next(256) as u8).collect();
        if round % 2 == 0 && !junk.is_empty() {
            // Start with a plausible header so the packet decoders themselves get exercised.
            junk[0] = [0x20, 0x30, 0x32, 0x34, 0x40, 0x90, 0xb0, 0xd0][next(8)];
            if junk.len() > 1 {
                junk[1] = (junk.len() - 2).min(127) as u8;
            }
        }
        let mut at = 0;
        while at < junk.len() {
            let step = 1 + next(8);
            let end = (at + step).min(junk.len());
            s.handle(T0, Input::Bytes(&junk[at..end]));
            at = end;
        }
        s.handle(T0 + 60_000, Input::Tick);
    }
}

#[test]
fn pings_on_received_traffic_when_idle_so_throttled_timers_do_not_matter() {
    let mut s = connected();
    let idle = u64::from(DEFAULT_KEEP_ALIVE_S) * 500;
    let qos0 = publish("sensor/temperature", b"{}", QosPid::AtMostOnce, false);
    let out = s.handle(T0 + idle - 1, Input::Bytes(&qos0));
    assert!(sent(&out).is_empty(), "not idle long enough yet");
    let out = s.handle(T0 + idle, Input::Bytes(&qos0));
    assert_eq!(sent(&out), [bytes(&Packet::Pingreq)]);
    assert_eq!(deliveries(&out).len(), 1);
}

#[test]
fn every_reconnect_resumes_the_same_persistent_session() {
    let mut s = connected();
    let out = s.handle(T0 + 100, Input::Closed("network changed"));
    assert_eq!(phases(&out), [Phase::Disconnected]);
    let mut now = T0 + 100;
    while s.handle(now, Input::Tick) != [Action::Open] {
        now += 50;
    }
    let out = s.handle(now, Input::Opened);
    let frames = sent(&out);
    let Ok(Some(Packet::Connect(c))) = mqttrs::decode_slice(&frames[0]) else {
        panic!("not CONNECT: {out:?}")
    };
    assert_eq!((c.client_id, c.clean_session), ("dash-test", false));
}

#[test]
fn failures_are_typed_and_read_as_sentences() {
    let mut s = connected();
    let out = s.handle(T0 + 5, Input::Bytes(&[0x10, 0x00]));
    let Some(Action::Phase(change)) = out.iter().find(|a| matches!(a, Action::Phase(_))) else {
        panic!("{out:?}")
    };
    assert!(matches!(
        change.reason,
        Some(SessionError::Frame(FrameError::NotFromBroker(1)))
    ));
    let long = "é".repeat(500);
    let closed = SessionError::closed(&long).to_string();
    assert!(
        closed.starts_with("connection closed: é") && closed.chars().count() < 200,
        "{closed}"
    );
}

/// A valid reading's payload.
const READING: &[u8] = br#"{"sensor":"temperature","value":1,"broker_used":"b"}"#;

#[test]
fn traffic_from_the_broker_keeps_a_late_pingresp_from_failing_the_session() {
    let mut s = connected();
    let ping_at = T0 + u64::from(DEFAULT_KEEP_ALIVE_S) * 500;
    let out = s.handle(ping_at, Input::Tick);
    assert_eq!(sent(&out).len(), 1, "PINGREQ sent");
    // Readings keep arriving (a backlog the PINGRESP is queued behind) past the original deadline.
    let reading = publish("sensor/temperature", READING, QosPid::AtMostOnce, false);
    let mut now = ping_at;
    for _ in 0..10 {
        now += DEFAULT_PING_TIMEOUT_MS / 2;
        s.handle(now, Input::Bytes(&reading));
        assert!(!s.handle(now, Input::Tick).contains(&Action::Close), "failed at {now}");
    }
    assert_eq!(s.phase(), Phase::Connected);
    // Silence for the whole deadline, though, is a hung broker.
    let out = s.handle(now + DEFAULT_PING_TIMEOUT_MS, Input::Tick);
    assert_eq!(out[0], Action::Close);
}

#[test]
fn queued_readings_before_the_suback_keep_the_handshake_alive() {
    let mut s = Session::new(SessionConfig::new("dash-q"), 1);
    s.start(T0);
    s.handle(T0, Input::Opened);
    s.handle(T0, Input::Bytes(&connack(ConnectReturnCode::Accepted)));
    let queued = publish("sensor/temperature", READING, QosPid::AtLeastOnce(pid(9)), false);
    let mut now = T0;
    for _ in 0..10 {
        now += DEFAULT_CONNECT_TIMEOUT_MS / 2;
        let out = s.handle(now, Input::Bytes(&queued));
        assert!(out.iter().any(|a| matches!(a, Action::Deliver(_))));
        assert!(!s.handle(now, Input::Tick).contains(&Action::Close), "failed at {now}");
    }
    let out = s.handle(
        now,
        Input::Bytes(&suback(SubscribeReturnCodes::Success(QoS::AtLeastOnce))),
    );
    assert_eq!(phases(&out), [Phase::Connected]);
}
