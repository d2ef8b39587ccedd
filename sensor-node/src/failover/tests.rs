//! Unit tests of the failover policy: virtual time only, no broker.

use super::*;

const MS: Duration = Duration::from_millis(1);

fn settings() -> Settings {
    Settings::default()
}

/// A policy over two brokers that has just been started at `t0`.
fn two_brokers() -> (Policy, Instant) {
    let t0 = Instant::now();
    let (p, first) = Policy::start(settings(), 2, t0);
    assert_eq!(first, Decision::SwitchTo(PRIMARY));
    (p, t0)
}

/// Connected to the secondary at `t`, as after a failover.
fn on_secondary() -> (Policy, Instant) {
    let (mut p, t0) = two_brokers();
    assert_eq!(p.on(Event::ConnectFailed, t0, 0.5), Decision::SwitchTo(1));
    assert_eq!(p.on(Event::Connected, t0 + MS, 0.5), Decision::Stay);
    (p, t0 + MS)
}

#[test]
fn starts_by_connecting_to_the_primary() {
    let (p, t0) = two_brokers();
    assert_eq!(p.connected_to(), None);
    assert_eq!(p.next_deadline(), Some(t0 + DEFAULT_CONNECT_TIMEOUT));
}

#[test]
fn stays_on_the_primary_once_connected_and_never_probes_it() {
    let (mut p, t0) = two_brokers();
    assert_eq!(p.on(Event::Connected, t0, 0.5), Decision::Stay);
    assert_eq!(p.connected_to(), Some(PRIMARY));
    assert_eq!(p.next_deadline(), None);
    assert_eq!(p.on(Event::Tick, t0 + Duration::from_secs(600), 0.5), Decision::Stay);
}

#[test]
fn switches_to_secondary_when_primary_refuses() {
    let (mut p, t0) = two_brokers();
    assert_eq!(p.on(Event::ConnectFailed, t0 + MS, 0.5), Decision::SwitchTo(1));
    assert_eq!(p.on(Event::Connected, t0 + 2 * MS, 0.5), Decision::Stay);
    assert_eq!(p.connected_to(), Some(1));
}

#[test]
fn switches_to_secondary_at_once_when_the_primary_connection_is_lost() {
    for lost in [Event::ConnectionLost, Event::PingTimeout, Event::AckTimeout] {
        let (mut p, t0) = two_brokers();
        p.on(Event::Connected, t0, 0.5);
        assert_eq!(
            p.on(lost, t0 + Duration::from_secs(60), 0.5),
            Decision::SwitchTo(1),
            "{lost:?}"
        );
    }
}

#[test]
fn gives_up_a_hung_connect_attempt_after_the_connect_timeout() {
    let (mut p, t0) = two_brokers();
    assert_eq!(
        p.on(Event::Tick, t0 + DEFAULT_CONNECT_TIMEOUT - MS, 0.5),
        Decision::Stay
    );
    assert_eq!(
        p.on(Event::Tick, t0 + DEFAULT_CONNECT_TIMEOUT, 0.5),
        Decision::SwitchTo(1)
    );
}

#[test]
fn backs_off_when_every_broker_refuses_then_retries_the_primary_first() {
    let (mut p, t0) = two_brokers();
    p.on(Event::ConnectFailed, t0, 0.0);
    let Decision::Retry { broker, after, round } = p.on(Event::ConnectFailed, t0, 0.0) else {
        panic!()
    };
    assert_eq!((broker, round), (PRIMARY, 1));
    assert_eq!(after, DEFAULT_BACKOFF_MIN / 2);
    assert_eq!(p.next_deadline(), Some(t0 + after));
    assert_eq!(p.on(Event::Tick, t0 + after - MS, 0.0), Decision::Stay);
    assert_eq!(p.on(Event::Tick, t0 + after, 0.0), Decision::SwitchTo(PRIMARY));
}

#[test]
fn backs_off_exponentially_up_to_the_cap() {
    let (mut p, mut now) = two_brokers();
    let mut delays = Vec::new();
    for _ in 0..8 {
        p.on(Event::ConnectFailed, now, 1.0);
        let Decision::Retry { after, .. } = p.on(Event::ConnectFailed, now, 1.0) else {
            panic!()
        };
        delays.push(after.as_millis());
        now += after;
        assert_eq!(p.on(Event::Tick, now, 0.5), Decision::SwitchTo(PRIMARY));
    }
    assert_eq!(delays, [250, 500, 1000, 2000, 4000, 4000, 4000, 4000]);
}

#[test]
fn jitter_keeps_each_backoff_between_half_and_all_of_its_delay() {
    for jitter in [0.0, 0.25, 0.5, 0.75, 0.999_999, -1.0, 2.0, f64::NAN] {
        let (mut p, t0) = two_brokers();
        p.on(Event::ConnectFailed, t0, jitter);
        let Decision::Retry { after, .. } = p.on(Event::ConnectFailed, t0, jitter) else {
            panic!()
        };
        assert!(
            after >= DEFAULT_BACKOFF_MIN / 2 && after <= DEFAULT_BACKOFF_MIN,
            "{jitter}: {after:?}"
        );
    }
}

#[test]
fn makes_no_tight_loop_when_both_brokers_refuse_for_a_minute() {
    let (mut p, t0) = two_brokers();
    let mut now = t0;
    let mut attempts = 1;
    let mut rng = 0.1;
    while now < t0 + Duration::from_secs(60) {
        rng = (rng * 7.3_f64).fract();
        match p.on(Event::ConnectFailed, now, rng) {
            Decision::SwitchTo(_) => attempts += 1,
            Decision::Retry { after, .. } => {
                now += after;
                assert_eq!(p.on(Event::Tick, now, rng), Decision::SwitchTo(PRIMARY));
                attempts += 1;
            }
            d => panic!("{d:?}"),
        }
    }
    // Two attempts per round, rounds at most 4 s apart once capped: about 30-40 in a minute, never thousands.
    assert!(attempts < 80, "{attempts} attempts in a minute");
}

#[test]
fn a_single_broker_backs_off_at_once() {
    let t0 = Instant::now();
    let (mut p, _) = Policy::start(settings(), 1, t0);
    assert!(matches!(
        p.on(Event::ConnectFailed, t0, 0.5),
        Decision::Retry {
            broker: PRIMARY,
            round: 1,
            ..
        }
    ));
}

#[test]
fn connections_that_drop_at_once_count_as_failures() {
    let (mut p, t0) = two_brokers();
    p.on(Event::Connected, t0, 0.5);
    assert_eq!(p.on(Event::ConnectionLost, t0 + MS, 0.5), Decision::SwitchTo(1));
    p.on(Event::Connected, t0 + 2 * MS, 0.5);
    assert!(matches!(
        p.on(Event::ConnectionLost, t0 + 3 * MS, 0.5),
        Decision::Retry { round: 1, .. }
    ));
}

#[test]
fn a_stable_connection_forgets_earlier_failures_and_backoff_rounds() {
    let (mut p, t0) = two_brokers();
    for _ in 0..5 {
        p.on(Event::ConnectFailed, t0, 1.0);
        p.on(Event::ConnectFailed, t0, 1.0);
        p.on(Event::Tick, t0 + Duration::from_secs(10), 0.5);
    }
    let t1 = t0 + Duration::from_secs(10);
    p.on(Event::Connected, t1, 0.5);
    let t2 = t1 + DEFAULT_STABLE_AFTER;
    assert_eq!(p.on(Event::ConnectionLost, t2, 1.0), Decision::SwitchTo(1));
    let d = p.on(Event::ConnectFailed, t2, 1.0);
    assert!(
        matches!(d, Decision::Retry { round: 1, after, .. } if after == DEFAULT_BACKOFF_MIN),
        "{d:?}"
    );
}

#[test]
fn probes_the_primary_periodically_while_on_a_secondary() {
    let (mut p, t1) = on_secondary();
    let first = p.next_deadline().expect("a probe is scheduled");
    assert!(first >= t1 + DEFAULT_PROBE_INTERVAL * 3 / 4 && first <= t1 + DEFAULT_PROBE_INTERVAL * 5 / 4);
    assert_eq!(p.on(Event::Tick, first - MS, 0.5), Decision::Stay);
    assert_eq!(p.on(Event::Tick, first, 0.5), Decision::ProbePrimary);
    assert_eq!(p.next_deadline(), None, "one probe at a time");
    assert_eq!(p.on(Event::Tick, first + Duration::from_secs(30), 0.5), Decision::Stay);
    assert_eq!(
        p.on(Event::ProbeFailed, first + Duration::from_secs(30), 0.5),
        Decision::Stay
    );
    assert_eq!(p.connected_to(), Some(1));
    let second = p.next_deadline().expect("probing goes on");
    assert_eq!(p.on(Event::Tick, second, 0.5), Decision::ProbePrimary);
}

/// Probes the primary, every probe succeeding, until the policy fails back; returns when the first probe succeeded
/// and when the policy switched.
fn probe_until_failback(p: &mut Policy) -> (Instant, Instant) {
    let mut first_success = None;
    for _ in 0..100 {
        let at = p.next_deadline().expect("a probe is scheduled");
        assert_eq!(p.on(Event::Tick, at, 0.5), Decision::ProbePrimary);
        first_success.get_or_insert(at + MS);
        match p.on(Event::ProbeSucceeded, at + MS, 0.5) {
            Decision::SwitchTo(PRIMARY) => return (first_success.unwrap_or(at), at + MS),
            Decision::Stay => assert_eq!(p.connected_to(), Some(1), "stays on the secondary meanwhile"),
            other => panic!("{other:?}"),
        }
    }
    panic!("never failed back")
}

#[test]
fn fails_back_once_the_primary_has_answered_probes_for_the_settle_time() {
    let (mut p, _) = on_secondary();
    let (first, switched) = probe_until_failback(&mut p);
    let waited = switched - first;
    assert!(
        waited >= DEFAULT_SETTLE && waited <= DEFAULT_SETTLE + DEFAULT_PROBE_INTERVAL * 5 / 4,
        "{waited:?}"
    );
    assert_eq!(p.on(Event::Connected, switched + MS, 0.5), Decision::Stay);
    assert_eq!(p.connected_to(), Some(PRIMARY));
    assert!(p.may_publish(), "settled by the probes: no second wait");
    assert_eq!(p.next_deadline(), None);
}

#[test]
fn a_failed_probe_starts_the_settle_time_again() {
    let (mut p, _) = on_secondary();
    let at = p.next_deadline().unwrap();
    p.on(Event::Tick, at, 0.5);
    assert_eq!(p.on(Event::ProbeSucceeded, at, 0.5), Decision::Stay);
    let at = p.next_deadline().unwrap();
    p.on(Event::Tick, at, 0.5);
    assert_eq!(p.on(Event::ProbeFailed, at, 0.5), Decision::Stay);
    let (first, switched) = probe_until_failback(&mut p);
    assert!(first > at && switched - first >= DEFAULT_SETTLE);
}

#[test]
fn a_failed_failback_returns_to_the_secondary_at_once() {
    let (mut p, _) = on_secondary();
    let (_, switched) = probe_until_failback(&mut p);
    assert_eq!(p.on(Event::ConnectFailed, switched + MS, 0.5), Decision::SwitchTo(1));
    assert_eq!(p.on(Event::Connected, switched + 2 * MS, 0.5), Decision::Stay);
    assert!(p.may_publish(), "the secondary never failed");
}

#[test]
fn publishes_to_a_healthy_secondary_at_once_after_a_failover() {
    let (mut p, t0) = two_brokers();
    p.on(Event::Connected, t0, 0.5);
    assert!(p.may_publish());
    assert_eq!(
        p.on(Event::ConnectionLost, t0 + Duration::from_secs(60), 0.5),
        Decision::SwitchTo(1)
    );
    assert!(!p.may_publish(), "not connected yet");
    p.on(Event::Connected, t0 + Duration::from_secs(60) + MS, 0.5);
    assert!(p.may_publish());
}

#[test]
fn a_broker_that_came_back_gets_readings_only_after_the_settle_time() {
    // Both brokers fail, the policy backs off, then the primary answers again.
    let (mut p, t0) = two_brokers();
    p.on(Event::ConnectFailed, t0, 0.5);
    let Decision::Retry { after, .. } = p.on(Event::ConnectFailed, t0, 0.5) else {
        panic!("backs off")
    };
    assert_eq!(p.on(Event::Tick, t0 + after, 0.5), Decision::SwitchTo(PRIMARY));
    let up = t0 + after + MS;
    assert_eq!(p.on(Event::Connected, up, 0.5), Decision::Stay);
    assert_eq!(p.connected_to(), Some(PRIMARY));
    assert!(!p.may_publish(), "readings wait while the broker settles");
    assert_eq!(p.next_deadline(), Some(up + DEFAULT_SETTLE));
    p.on(Event::Tick, up + DEFAULT_SETTLE - MS, 0.5);
    assert!(!p.may_publish());
    p.on(Event::Tick, up + DEFAULT_SETTLE, 0.5);
    assert!(p.may_publish());
    assert_eq!(p.next_deadline(), None, "nothing left to wait for on the primary");
}

#[test]
fn a_settle_time_of_zero_publishes_at_once() {
    let settings = Settings {
        settle: Duration::ZERO,
        ..Settings::default()
    };
    let t0 = Instant::now();
    let (mut p, _) = Policy::start(settings, 1, t0);
    let Decision::Retry { after, .. } = p.on(Event::ConnectFailed, t0, 0.5) else {
        panic!("backs off")
    };
    p.on(Event::Tick, t0 + after, 0.5);
    p.on(Event::Connected, t0 + after, 0.5);
    p.on(Event::Tick, t0 + after, 0.5);
    assert!(p.may_publish());
}

#[test]
fn ignores_a_probe_result_after_the_secondary_was_lost() {
    let (mut p, _) = on_secondary();
    let at = p.next_deadline().unwrap();
    p.on(Event::Tick, at, 0.5);
    let lost = at + DEFAULT_STABLE_AFTER;
    assert_eq!(p.on(Event::ConnectionLost, lost, 0.5), Decision::SwitchTo(PRIMARY));
    assert_eq!(p.on(Event::ProbeSucceeded, lost + MS, 0.5), Decision::Stay);
    assert_eq!(p.next_deadline(), Some(lost + DEFAULT_CONNECT_TIMEOUT));
}

#[test]
fn losing_a_short_lived_secondary_after_the_primary_failed_backs_off_briefly() {
    let (mut p, t1) = on_secondary();
    let d = p.on(Event::ConnectionLost, t1 + Duration::from_secs(1), 0.0);
    assert_eq!(
        d,
        Decision::Retry {
            broker: PRIMARY,
            after: DEFAULT_BACKOFF_MIN / 2,
            round: 1
        }
    );
}

#[test]
fn ignores_failures_reported_while_waiting_out_a_backoff() {
    let (mut p, t0) = two_brokers();
    p.on(Event::ConnectFailed, t0, 0.5);
    let Decision::Retry { after, .. } = p.on(Event::ConnectFailed, t0, 0.5) else {
        panic!()
    };
    assert_eq!(p.on(Event::ConnectionLost, t0 + MS, 0.5), Decision::Stay);
    assert_eq!(p.next_deadline(), Some(t0 + after));
}

#[test]
fn moves_through_three_brokers_in_order_before_backing_off() {
    let t0 = Instant::now();
    let (mut p, _) = Policy::start(settings(), 3, t0);
    assert_eq!(p.on(Event::ConnectFailed, t0, 0.5), Decision::SwitchTo(1));
    assert_eq!(p.on(Event::ConnectFailed, t0, 0.5), Decision::SwitchTo(2));
    assert!(matches!(
        p.on(Event::ConnectFailed, t0, 0.5),
        Decision::Retry { broker: PRIMARY, .. }
    ));
}
