//! Property-based fuzzing of the browser's MQTT session decoder through its public API (`Session::handle`): any
//! bytes in any WebSocket chunking never panic it, a stream it cannot read always ends in `Close` + `Disconnected`
//! and a reconnect (`Open` once the backoff has passed), and well-formed frames are delivered exactly.
//!
//! CI runs the default number of cases; a long run: `PROPTEST_CASES=1000000 cargo test -p frontend --release
//! --test session_fuzz`.

use frontend::session::{Action, Delivery, Input, Phase, Session, SessionConfig, DEFAULT_MAX_FRAME_BYTES};
use mqttrs::{Connack, ConnectReturnCode, Packet, Pid, Publish, QoS, QosPid, Suback, SubscribeReturnCodes};
use proptest::prelude::*;

const T0: u64 = 1_000_000;
/// Later than any reconnect delay (the backoff is capped at 8 s).
const AFTER_BACKOFF: u64 = T0 + 60_000;

fn encode(packet: &Packet<'_>) -> Vec<u8> {
    let mut buf = vec![0u8; DEFAULT_MAX_FRAME_BYTES + 64];
    let len = mqttrs::encode_slice(packet, &mut buf).expect("a test packet encodes");
    buf.truncate(len);
    buf
}

/// A session that has opened, been accepted and subscribed at `T0`.
fn connected() -> Session {
    let s = session_in(2);
    assert_eq!(s.phase(), Phase::Connected, "the handshake itself works");
    s
}

/// A session in any phase the decoder can be fed in: waiting for CONNACK (0), for SUBACK (1), or subscribed (2).
fn session_in(phase: u8) -> Session {
    let mut s = Session::new(SessionConfig::new("fuzz"), 7);
    s.start(T0);
    s.handle(T0, Input::Opened);
    if phase % 3 >= 1 {
        let connack = Packet::Connack(Connack {
            session_present: false,
            code: ConnectReturnCode::Accepted,
        });
        s.handle(T0, Input::Bytes(&encode(&connack)));
    }
    if phase % 3 == 2 {
        let suback = Packet::Suback(Suback::new(
            Pid::try_from(1).unwrap(),
            vec![SubscribeReturnCodes::Success(QoS::AtLeastOnce)],
        ));
        s.handle(T0, Input::Bytes(&encode(&suback)));
    }
    s
}

/// What feeding a stream did, all actions in order.
struct Fed {
    actions: Vec<Action>,
}

impl Fed {
    fn closed(&self) -> bool {
        self.actions.contains(&Action::Close)
    }

    fn deliveries(&self) -> Vec<Delivery> {
        self.actions
            .iter()
            .filter_map(|a| match a {
                Action::Deliver(d) => Some(d.clone()),
                _ => None,
            })
            .collect()
    }
}

/// Feeds `stream` cut at `cuts` (positions, any order, out-of-range ones ignored) as separate WebSocket messages,
/// checking after every call that a `Close` is always followed by the `Disconnected` phase the page shows.
fn feed(s: &mut Session, stream: &[u8], cuts: &[usize]) -> Fed {
    let mut points: Vec<usize> = cuts.iter().copied().filter(|&c| c < stream.len()).collect();
    points.push(stream.len());
    points.sort_unstable();
    points.dedup();
    let mut actions = Vec::new();
    let mut at = 0;
    for end in points {
        let out = s.handle(T0, Input::Bytes(&stream[at..end]));
        if let Some(i) = out.iter().position(|a| *a == Action::Close) {
            let disconnected = out[i..]
                .iter()
                .any(|a| matches!(a, Action::Phase(p) if p.phase == Phase::Disconnected && p.reason.is_some()));
            assert!(disconnected, "a Close without a Disconnected phase and reason: {out:?}");
            assert_eq!(s.phase(), Phase::Disconnected);
        }
        actions.extend(out);
        at = end;
    }
    Fed { actions }
}

/// After a failure the session must come back by itself: the next tick past the backoff opens a new socket.
fn assert_reconnects(s: &mut Session) {
    let out = s.handle(AFTER_BACKOFF, Input::Tick);
    assert_eq!(out, [Action::Open], "no reconnect after the backoff");
}

/// Frames a broker may legitimately send to a subscribed dashboard.
fn valid_frame() -> impl Strategy<Value = (Vec<u8>, Option<Delivery>)> {
    let publish = (
        "sensor/[a-z_]{1,20}(/status)?",
        proptest::collection::vec(any::<u8>(), 0..300),
        0u8..2,
        any::<bool>(),
        1u16..=u16::MAX,
    )
        .prop_map(|(topic, payload, qos, retain, pid)| {
            let qospid = match qos {
                0 => QosPid::AtMostOnce,
                _ => QosPid::AtLeastOnce(Pid::try_from(pid).unwrap()),
            };
            let bytes = encode(&Packet::Publish(Publish {
                dup: false,
                qospid,
                retain,
                topic_name: &topic,
                payload: &payload,
            }));
            let delivery = Delivery {
                topic,
                payload,
                retained: retain,
            };
            (bytes, Some(delivery))
        });
    let ack = (1u16..=u16::MAX).prop_map(|pid| (encode(&Packet::Puback(Pid::try_from(pid).unwrap())), None));
    prop_oneof![
        6 => publish,
        1 => Just((encode(&Packet::Pingresp), None)),
        1 => ack,
    ]
}

/// A frame the session can never accept as the next one on a subscribed session: a packet type only clients send
/// (or a reserved one), a remaining length that never ends, a declared length over the limit, a body too short for
/// its type, or a second CONNACK.
fn invalid_frame() -> impl Strategy<Value = Vec<u8>> {
    let client_only = (
        prop::sample::select(vec![0u8, 1, 8, 10, 12, 14, 15]),
        any::<u8>(),
        proptest::collection::vec(any::<u8>(), 0..64),
    )
        .prop_map(|(kind, flags, body)| frame((kind << 4) | (flags & 0x0f), &body));
    let endless_length = (
        prop::sample::select(vec![0x20u8, 0x30, 0x40, 0x90, 0xd0]),
        proptest::collection::vec(0x80u8..=0xff, 4..8),
    )
        .prop_map(|(first, len)| [vec![first], len].concat());
    let oversized = (
        prop::sample::select(vec![0x30u8, 0x32, 0x90, 0xb0]),
        (DEFAULT_MAX_FRAME_BYTES + 1)..(1 << 28),
    )
        .prop_map(|(first, len)| [vec![first], remaining_length(len)].concat());
    let short_body = prop_oneof![
        (0u8..=1).prop_map(|n| frame(0x20, &vec![0; usize::from(n) * 3])),
        proptest::collection::vec(any::<u8>(), 0..2).prop_map(|b| frame(0x40, &b)),
        proptest::collection::vec(any::<u8>(), 0..3).prop_map(|b| frame(0x90, &b)),
        proptest::collection::vec(any::<u8>(), 1..4).prop_map(|b| frame(0xd0, &b)),
        // A PUBLISH whose topic runs past its body.
        (3u16..200, proptest::collection::vec(any::<u8>(), 0..2)).prop_map(|(topic_len, rest)| {
            let mut body = topic_len.to_be_bytes().to_vec();
            body.extend(rest);
            frame(0x30, &body)
        }),
    ];
    let second_connack = Just(frame(0x20, &[0, 0]));
    prop_oneof![client_only, endless_length, oversized, short_body, second_connack]
}

/// MQTT's variable-length remaining length.
fn remaining_length(mut len: usize) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let mut byte = (len % 128) as u8;
        len /= 128;
        if len > 0 {
            byte |= 0x80;
        }
        out.push(byte);
        if len == 0 {
            return out;
        }
    }
}

fn frame(first: u8, body: &[u8]) -> Vec<u8> {
    [vec![first], remaining_length(body.len()), body.to_vec()].concat()
}

/// One change to a byte stream.
#[derive(Debug, Clone)]
enum Mutation {
    Set { at: usize, byte: u8 },
    FlipBit { at: usize, bit: u8 },
    Insert { at: usize, bytes: Vec<u8> },
    Remove { at: usize, len: usize },
    Truncate { at: usize },
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(at, byte)| Mutation::Set { at, byte }),
        (any::<usize>(), 0u8..8).prop_map(|(at, bit)| Mutation::FlipBit { at, bit }),
        (any::<usize>(), proptest::collection::vec(any::<u8>(), 1..8))
            .prop_map(|(at, bytes)| Mutation::Insert { at, bytes }),
        (any::<usize>(), 1usize..16).prop_map(|(at, len)| Mutation::Remove { at, len }),
        any::<usize>().prop_map(|at| Mutation::Truncate { at }),
    ]
}

fn mutate(stream: &mut Vec<u8>, m: &Mutation) {
    if stream.is_empty() {
        return;
    }
    let n = stream.len();
    match m {
        Mutation::Set { at, byte } => stream[at % n] = *byte,
        Mutation::FlipBit { at, bit } => stream[at % n] ^= 1 << bit,
        Mutation::Insert { at, bytes } => {
            let at = at % (n + 1);
            stream.splice(at..at, bytes.iter().copied());
        }
        Mutation::Remove { at, len } => {
            let at = at % n;
            stream.drain(at..(at + len).min(n));
        }
        Mutation::Truncate { at } => stream.truncate(at % n),
    }
}

fn cuts() -> impl Strategy<Value = Vec<usize>> {
    proptest::collection::vec(0usize..2048, 0..12)
}

proptest! {
    /// Noise in any phase of the handshake or after it, in any chunking: never a panic, a Close always comes with
    /// the Disconnected phase, and a session that gave up reconnects after the backoff.
    #[test]
    fn arbitrary_bytes_in_any_phase_never_panic_and_a_failure_reconnects(
        phase in 0u8..3,
        stream in proptest::collection::vec(any::<u8>(), 0..2048),
        cuts in cuts(),
    ) {
        let mut s = session_in(phase);
        let fed = feed(&mut s, &stream, &cuts);
        if fed.closed() {
            assert_reconnects(&mut s);
        }
    }

    /// Well-formed broker frames, in any chunking, are delivered exactly, in order, and keep the session up.
    #[test]
    fn well_formed_frames_in_any_chunking_are_delivered_in_order(
        frames in proptest::collection::vec(valid_frame(), 0..20),
        cuts in cuts(),
    ) {
        let mut s = connected();
        let stream: Vec<u8> = frames.iter().flat_map(|(b, _)| b.clone()).collect();
        let expected: Vec<Delivery> = frames.into_iter().filter_map(|(_, d)| d).collect();
        let fed = feed(&mut s, &stream, &cuts);
        prop_assert!(!fed.closed(), "a valid stream was refused: {:?}", fed.actions);
        prop_assert_eq!(fed.deliveries(), expected);
        prop_assert_eq!(s.phase(), Phase::Connected);
    }

    /// Well-formed frames with a few bytes changed, inserted, removed or cut off: whatever the decoder makes of
    /// them, it never panics, and if it gives up it reconnects.
    #[test]
    fn mutated_frames_never_panic_and_a_failure_reconnects(
        frames in proptest::collection::vec(valid_frame(), 1..12),
        mutations in proptest::collection::vec(mutation(), 1..6),
        cuts in cuts(),
    ) {
        let mut s = connected();
        let mut stream: Vec<u8> = frames.iter().flat_map(|(b, _)| b.clone()).collect();
        for m in &mutations {
            mutate(&mut stream, m);
        }
        let fed = feed(&mut s, &stream, &cuts);
        if fed.closed() {
            assert_reconnects(&mut s);
        } else {
            prop_assert_eq!(s.phase(), Phase::Connected);
        }
    }

    /// Valid frames, then one the session can never accept, then anything: the stream always ends the session with
    /// Close + Disconnected, nothing after the bad frame is delivered, and the session reconnects.
    #[test]
    fn a_malformed_frame_after_valid_ones_closes_the_session_and_it_reconnects(
        frames in proptest::collection::vec(valid_frame(), 0..8),
        bad in invalid_frame(),
        tail in proptest::collection::vec(any::<u8>(), 0..256),
        cuts in cuts(),
    ) {
        let mut s = connected();
        let expected: Vec<Delivery> = frames.iter().filter_map(|(_, d)| d.clone()).collect();
        let mut stream: Vec<u8> = frames.into_iter().flat_map(|(b, _)| b).collect();
        stream.extend(&bad);
        stream.extend(&tail);
        let fed = feed(&mut s, &stream, &cuts);
        prop_assert!(fed.closed(), "bad frame {:02x?} did not close the session: {:?}", bad, fed.actions);
        prop_assert_eq!(s.phase(), Phase::Disconnected);
        prop_assert_eq!(fed.deliveries(), expected);
        assert_reconnects(&mut s);
    }
}
