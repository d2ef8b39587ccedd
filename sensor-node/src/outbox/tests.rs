//! Unit tests of the outbox: ordering, acknowledgement by packet id, re-sending after a switch, overflow.

use super::*;

fn sample(seq: u64) -> Sample {
    Sample {
        seq,
        ts_ms: 1_000 + seq,
        value: seq as f64,
    }
}

fn filled(n: u64) -> Outbox {
    let mut o = Outbox::new(100, 10);
    for s in 0..n {
        assert_eq!(o.push(sample(s)), None);
    }
    o
}

fn drain(o: &mut Outbox, now: Instant) -> Vec<u64> {
    std::iter::from_fn(|| o.next_to_send(now)).map(|s| s.seq).collect()
}

#[test]
fn hands_out_samples_in_seq_order_up_to_the_window() {
    let mut o = filled(15);
    let now = Instant::now();
    assert_eq!(drain(&mut o, now), (0..10).collect::<Vec<_>>());
    assert_eq!(o.len(), 15);
}

#[test]
fn removes_a_sample_once_its_packet_id_is_acknowledged() {
    let mut o = filled(3);
    let now = Instant::now();
    drain(&mut o, now);
    for pkid in 1..=3 {
        o.written(pkid);
    }
    assert_eq!(o.acked(1, Instant::now()), Acked::Reading(0));
    assert_eq!(
        o.acked(1, Instant::now()),
        Acked::Unknown,
        "a second PUBACK for the same id is not ours"
    );
    assert_eq!(o.acked(3, Instant::now()), Acked::Reading(2));
    assert_eq!(o.len(), 1);
    assert_eq!(o.acked(2, Instant::now()), Acked::Reading(1));
    assert!(o.all_acked());
}

#[test]
fn an_acknowledgement_opens_the_window_for_the_next_sample() {
    let mut o = filled(12);
    let now = Instant::now();
    drain(&mut o, now);
    o.written(1);
    o.acked(1, Instant::now());
    assert_eq!(drain(&mut o, now), vec![10]);
}

#[test]
fn maps_packet_ids_around_other_publishes_and_wrapping_ids() {
    let mut o = filled(3);
    let now = Instant::now();
    o.other_handed();
    drain(&mut o, now);
    for pkid in [99, 100, 1, 2] {
        o.written(pkid);
    }
    assert_eq!(o.acked(99, Instant::now()), Acked::Other);
    assert_eq!(o.acked(100, Instant::now()), Acked::Reading(0));
    assert_eq!(o.acked(1, Instant::now()), Acked::Reading(1));
    assert_eq!(o.acked(2, Instant::now()), Acked::Reading(2));
    assert!(o.all_acked());
}

#[test]
fn re_sends_every_unacknowledged_sample_in_order_after_a_switch() {
    let mut o = filled(5);
    let now = Instant::now();
    drain(&mut o, now);
    for pkid in 1..=5 {
        o.written(pkid);
    }
    o.acked(2, Instant::now());
    o.push(sample(5));
    o.connection_reset();
    assert_eq!(
        o.acked(1, Instant::now()),
        Acked::Unknown,
        "ids of the old connection mean nothing on the new one"
    );
    assert_eq!(drain(&mut o, now), vec![0, 2, 3, 4, 5]);
}

#[test]
fn keeps_sampling_into_the_outbox_while_no_broker_is_reachable() {
    let mut o = Outbox::new(1000, 64);
    for s in 0..500 {
        o.push(sample(s));
    }
    o.connection_reset();
    let now = Instant::now();
    assert_eq!(drain(&mut o, now), (0..64).collect::<Vec<_>>());
    assert_eq!(o.len(), 500);
}

#[test]
fn drops_the_oldest_and_counts_them_on_overflow() {
    let mut o = Outbox::new(3, 10);
    for s in 0..3 {
        assert_eq!(o.push(sample(s)), None);
    }
    assert_eq!(o.push(sample(3)), Some(0));
    assert_eq!(o.push(sample(4)), Some(1));
    assert_eq!(o.dropped(), 2);
    assert_eq!(drain(&mut o, Instant::now()), vec![2, 3, 4]);
}

#[test]
fn overflow_of_a_sample_in_flight_keeps_the_rest_consistent() {
    let mut o = Outbox::new(2, 10);
    o.push(sample(0));
    o.push(sample(1));
    let now = Instant::now();
    drain(&mut o, now);
    o.written(1);
    o.written(2);
    assert_eq!(o.push(sample(2)), Some(0));
    assert_eq!(o.acked(1, Instant::now()), Acked::Unknown);
    assert_eq!(o.acked(2, Instant::now()), Acked::Reading(1));
    assert_eq!(drain(&mut o, now), vec![2]);
}

#[test]
fn reports_an_overdue_acknowledgement_from_the_oldest_sent_sample() {
    let mut o = filled(2);
    let t0 = Instant::now();
    let timeout = Duration::from_millis(1500);
    assert_eq!(o.ack_deadline(timeout), None, "nothing sent, nothing due");
    o.next_to_send(t0);
    o.next_to_send(t0 + Duration::from_millis(500));
    assert_eq!(o.ack_deadline(timeout), Some(t0 + timeout));
    assert!(!o.ack_overdue(t0 + Duration::from_millis(1499), timeout));
    assert!(o.ack_overdue(t0 + timeout, timeout));
    o.written(1);
    o.acked(1, Instant::now());
    assert_eq!(o.ack_deadline(timeout), Some(t0 + Duration::from_millis(2000)));
    o.connection_reset();
    assert_eq!(o.ack_deadline(timeout), None);
}

#[test]
fn is_not_all_acked_while_a_status_publish_waits_for_its_ack() {
    let mut o = Outbox::new(10, 10);
    o.other_handed();
    assert!(!o.all_acked());
    o.written(7);
    assert!(!o.all_acked());
    assert_eq!(o.acked(7, Instant::now()), Acked::Other);
    assert!(o.all_acked());
}

/// Sends everything and acknowledges `acked` (by position, packet id = position + 1) at `at`.
fn send_and_ack(o: &mut Outbox, now: Instant, acked: std::ops::Range<u16>, at: Instant) -> Vec<Acked> {
    let sent = drain(o, now);
    for pkid in 1..=sent.len() as u16 {
        o.written(pkid);
    }
    acked.map(|pkid| o.acked(pkid + 1, at)).collect()
}

#[test]
fn a_failed_broker_s_recent_acknowledgements_are_sent_again_in_seq_order() {
    let window = Duration::from_secs(10);
    let mut o = Outbox::new(100, 10).with_replay_window(window);
    let t0 = Instant::now();
    for s in 0..6 {
        o.push(sample(s));
    }
    // 0 and 1 acknowledged long ago, 2..4 recently, 4 and 5 never.
    send_and_ack(&mut o, t0, 0..2, t0);
    let late = t0 + Duration::from_secs(30);
    for (pkid, expected) in [(3, 2), (4, 3)] {
        assert_eq!(o.acked(pkid, late), Acked::Reading(expected));
    }
    o.connection_reset();
    assert_eq!(o.replay_recent(late + Duration::from_secs(1)), 2);
    assert_eq!(drain(&mut o, late), [2, 3, 4, 5]);
    assert_eq!(o.unacknowledged(), 2, "the replayed two were acknowledged once already");
    for pkid in 1..=4 {
        o.written(pkid);
    }
    assert_eq!(o.acked(1, late), Acked::Again(2));
    assert_eq!(o.acked(3, late), Acked::Reading(4));
}

#[test]
fn nothing_is_replayed_without_a_window_or_after_it() {
    let t0 = Instant::now();
    let mut o = filled(3);
    send_and_ack(&mut o, t0, 0..3, t0);
    o.connection_reset();
    assert_eq!(o.replay_recent(t0), 0, "no window by default");
    let mut o = Outbox::new(10, 10).with_replay_window(Duration::from_secs(5));
    o.push(sample(0));
    send_and_ack(&mut o, t0, 0..1, t0);
    o.connection_reset();
    assert_eq!(o.replay_recent(t0 + Duration::from_secs(6)), 0);
    assert!(o.is_empty());
}

#[test]
fn replayed_readings_make_room_first_and_are_not_counted_as_dropped() {
    let t0 = Instant::now();
    let mut o = Outbox::new(3, 10).with_replay_window(Duration::from_secs(5));
    for s in 0..3 {
        o.push(sample(s));
    }
    send_and_ack(&mut o, t0, 0..3, t0);
    o.push(sample(3));
    o.connection_reset();
    assert_eq!(o.replay_recent(t0), 3);
    assert_eq!(drain(&mut o, t0), [1, 2, 3], "bounded by the capacity, oldest out");
    assert_eq!(o.dropped(), 0);
    o.push(sample(4));
    assert_eq!(o.dropped(), 0, "a replayed reading made room, nothing was lost");
}
