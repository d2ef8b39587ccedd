//! The failover policy: which broker to use, when to give up on one, how long to back off, when to probe the
//! primary and fail back, and when a broker that came back may be published to (it must settle first, so that every
//! dashboard has subscribed there again). Pure: events and `now` in, decisions out; jitter comes in as a number in
//! `[0, 1)`.
//! Must not touch tokio, rumqttc or the clock — the shell in `node.rs` does that and obeys the decisions.

use sensor_wire::Backoff;
use std::time::{Duration, Instant};

/// Longest a connection attempt may take from TCP connect to CONNACK. A hung broker accepts TCP and never answers.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_millis(1000);
/// How often the primary is probed while a secondary is in use.
pub const DEFAULT_PROBE_INTERVAL: Duration = Duration::from_millis(2000);
/// First pause after every broker has failed in a row; doubles per round.
pub const DEFAULT_BACKOFF_MIN: Duration = Duration::from_millis(250);
/// Longest pause between rounds.
pub const DEFAULT_BACKOFF_MAX: Duration = Duration::from_millis(4000);
/// A connection that lived this long was a real one: failures before it are forgotten.
pub const DEFAULT_STABLE_AFTER: Duration = Duration::from_millis(5000);
/// How long a broker this sensor saw fail must answer before readings go to it again: longer than a dashboard needs
/// to notice the broker is back and subscribe there again (its reconnect backoff is capped at 4 s), so a reading
/// never reaches a broker nobody reads from. Failback takes at least this long.
pub const DEFAULT_SETTLE: Duration = Duration::from_millis(6000);

/// The policy's timers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Settings {
    pub connect_timeout: Duration,
    pub probe_interval: Duration,
    pub backoff_min: Duration,
    pub backoff_max: Duration,
    pub stable_after: Duration,
    pub settle: Duration,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            probe_interval: DEFAULT_PROBE_INTERVAL,
            backoff_min: DEFAULT_BACKOFF_MIN,
            backoff_max: DEFAULT_BACKOFF_MAX,
            stable_after: DEFAULT_STABLE_AFTER,
            settle: DEFAULT_SETTLE,
        }
    }
}

/// What happened, as the shell saw it. Each refers to the connection the policy last asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    /// The broker sent a successful CONNACK.
    Connected,
    /// The attempt failed before CONNACK: refused, reset, unreachable.
    ConnectFailed,
    /// An established connection closed or errored.
    ConnectionLost,
    /// The broker did not answer a PINGREQ before the next keepalive.
    PingTimeout,
    /// The oldest unacknowledged publish waited longer than its deadline.
    AckTimeout,
    /// A side connection to the primary got its CONNACK.
    ProbeSucceeded,
    /// A side connection to the primary failed or timed out.
    ProbeFailed,
    /// Time passed; sent at (or after) `next_deadline()`.
    Tick,
}

/// What the shell must do now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Stay,
    /// Drop the current connection, if any, and open one to this broker (index into the broker list) now.
    SwitchTo(usize),
    /// Drop the current connection, if any; the policy asks for `broker` on a `Tick` after `after`.
    /// `round` counts consecutive rounds in which every broker failed (1 for the first).
    Retry {
        broker: usize,
        after: Duration,
        round: u32,
    },
    /// Open a short side connection to the primary and report `ProbeSucceeded` or `ProbeFailed`.
    ProbePrimary,
}

/// Index of the primary in the broker list.
pub const PRIMARY: usize = 0;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Connecting {
        broker: usize,
        since: Instant,
    },
    /// `hold_until`: readings wait in the outbox until then (a broker that came back is settling).
    Connected {
        broker: usize,
        since: Instant,
        hold_until: Option<Instant>,
    },
    Waiting {
        broker: usize,
        until: Instant,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Probe {
    Idle { next_at: Option<Instant> },
    InFlight,
}

/// The failover state machine for `brokers` brokers, the first being the primary.
#[derive(Debug, Clone)]
pub struct Policy {
    settings: Settings,
    brokers: usize,
    phase: Phase,
    /// Brokers that failed in a row since the last stable connection or the last backoff.
    failed_in_row: usize,
    /// Consecutive rounds in which every broker failed.
    rounds: u32,
    probe: Probe,
    /// Per broker: seen failing since it last settled. Such a broker is published to only after `settle`.
    unsettled: Vec<bool>,
    /// While on a secondary: since when every probe of the primary has succeeded.
    primary_answering_since: Option<Instant>,
}

impl Policy {
    /// A policy over `brokers` brokers (at least one). Returns the first decision: connect to the primary.
    pub fn start(settings: Settings, brokers: usize, now: Instant) -> (Self, Decision) {
        let brokers = brokers.max(1);
        let policy = Self {
            settings,
            brokers,
            phase: Phase::Connecting {
                broker: PRIMARY,
                since: now,
            },
            failed_in_row: 0,
            rounds: 0,
            probe: Probe::Idle { next_at: None },
            unsettled: vec![false; brokers],
            primary_answering_since: None,
        };
        (policy, Decision::SwitchTo(PRIMARY))
    }

    /// The broker with an established connection, if any.
    pub fn connected_to(&self) -> Option<usize> {
        match self.phase {
            Phase::Connected { broker, .. } => Some(broker),
            _ => None,
        }
    }

    /// Whether readings may be published on the connection now: connected, and not holding them while the broker
    /// settles. The shell asks after every `Tick`.
    pub fn may_publish(&self) -> bool {
        matches!(self.phase, Phase::Connected { hold_until: None, .. })
    }

    /// When the shell must send the next `Tick`, if anything is pending.
    pub fn next_deadline(&self) -> Option<Instant> {
        match (self.phase, self.probe) {
            (Phase::Connecting { since, .. }, _) => Some(since + self.settings.connect_timeout),
            (Phase::Waiting { until, .. }, _) => Some(until),
            (
                Phase::Connected {
                    hold_until: Some(at), ..
                },
                _,
            ) => Some(at),
            (Phase::Connected { broker, .. }, Probe::Idle { next_at }) if broker != PRIMARY => next_at,
            (Phase::Connected { .. }, _) => None,
        }
    }

    /// Feeds one event; `jitter` is uniform in `[0, 1)` and spreads retries and probes.
    pub fn on(&mut self, event: Event, now: Instant, jitter: f64) -> Decision {
        match event {
            Event::Connected => {
                if let Phase::Connecting { broker, .. } = self.phase {
                    let unsettled = std::mem::take(&mut self.unsettled[broker]);
                    self.phase = Phase::Connected {
                        broker,
                        since: now,
                        hold_until: unsettled.then(|| now + self.settings.settle),
                    };
                    self.probe = Probe::Idle {
                        next_at: Some(now + self.probe_delay(jitter)),
                    };
                }
                Decision::Stay
            }
            Event::ConnectFailed | Event::ConnectionLost | Event::PingTimeout | Event::AckTimeout => match self.phase {
                Phase::Connecting { broker, .. } => self.fail(broker, now, jitter),
                Phase::Connected { broker, since, .. } => {
                    if now.saturating_duration_since(since) >= self.settings.stable_after {
                        self.forget_failures();
                    }
                    self.fail(broker, now, jitter)
                }
                Phase::Waiting { .. } => Decision::Stay,
            },
            Event::ProbeSucceeded => {
                let was_probing = self.probe == Probe::InFlight;
                self.probe = Probe::Idle { next_at: None };
                match self.phase {
                    Phase::Connected { broker, .. } if broker != PRIMARY && was_probing => {
                        let answering_since = *self.primary_answering_since.get_or_insert(now);
                        if now.saturating_duration_since(answering_since) < self.settings.settle {
                            // Back, but not for long enough: keep probing until it has settled.
                            self.probe = Probe::Idle {
                                next_at: Some(now + self.probe_delay(jitter)),
                            };
                            return Decision::Stay;
                        }
                        self.forget_failures();
                        self.primary_answering_since = None;
                        self.unsettled[PRIMARY] = false;
                        self.phase = Phase::Connecting {
                            broker: PRIMARY,
                            since: now,
                        };
                        Decision::SwitchTo(PRIMARY)
                    }
                    _ => Decision::Stay,
                }
            }
            Event::ProbeFailed => {
                if self.probe == Probe::InFlight {
                    self.probe = Probe::Idle {
                        next_at: Some(now + self.probe_delay(jitter)),
                    };
                    self.primary_answering_since = None;
                    self.unsettled[PRIMARY] = true;
                }
                Decision::Stay
            }
            Event::Tick => self.tick(now, jitter),
        }
    }

    fn tick(&mut self, now: Instant, jitter: f64) -> Decision {
        match self.phase {
            Phase::Connecting { broker, since } if now >= since + self.settings.connect_timeout => {
                self.fail(broker, now, jitter)
            }
            Phase::Waiting { broker, until } if now >= until => {
                self.phase = Phase::Connecting { broker, since: now };
                Decision::SwitchTo(broker)
            }
            Phase::Connected {
                broker,
                since,
                hold_until,
            } => {
                if hold_until.is_some_and(|at| now >= at) {
                    self.phase = Phase::Connected {
                        broker,
                        since,
                        hold_until: None,
                    };
                }
                if now.saturating_duration_since(since) >= self.settings.stable_after {
                    self.forget_failures();
                }
                match self.probe {
                    Probe::Idle { next_at: Some(at) } if broker != PRIMARY && now >= at => {
                        self.probe = Probe::InFlight;
                        Decision::ProbePrimary
                    }
                    _ => Decision::Stay,
                }
            }
            _ => Decision::Stay,
        }
    }

    fn forget_failures(&mut self) {
        self.failed_in_row = 0;
        self.rounds = 0;
    }

    /// The broker in use (or being tried) failed: try the next one at once, or back off once all have failed.
    fn fail(&mut self, broker: usize, now: Instant, jitter: f64) -> Decision {
        self.probe = Probe::Idle { next_at: None };
        self.primary_answering_since = None;
        if let Some(unsettled) = self.unsettled.get_mut(broker) {
            *unsettled = true;
        }
        self.failed_in_row += 1;
        if self.failed_in_row < self.brokers {
            let next = (broker + 1) % self.brokers;
            self.phase = Phase::Connecting {
                broker: next,
                since: now,
            };
            return Decision::SwitchTo(next);
        }
        self.failed_in_row = 0;
        self.rounds = self.rounds.saturating_add(1);
        let after = self.backoff(self.rounds, jitter);
        self.phase = Phase::Waiting {
            broker: PRIMARY,
            until: now + after,
        };
        Decision::Retry {
            broker: PRIMARY,
            after,
            round: self.rounds,
        }
    }

    /// The system's one reconnect policy (`sensor_wire::Backoff`: capped exponential, half fixed, half random),
    /// from `backoff_min` up to `backoff_max`. Never below `backoff_min / 2`, so there is no tight loop even when
    /// every broker refuses at once.
    fn backoff(&self, round: u32, jitter: f64) -> Duration {
        let policy = Backoff {
            base_ms: self.settings.backoff_min.as_millis() as u64,
            max_ms: self.settings.backoff_max.as_millis() as u64,
        };
        Duration::from_millis(policy.delay_ms(round, jitter))
    }

    /// Probes are spread over ±25% of the interval so many sensors do not probe in step.
    fn probe_delay(&self, jitter: f64) -> Duration {
        self.settings.probe_interval.mul_f64(0.75 + 0.5 * unit(jitter))
    }
}

fn unit(jitter: f64) -> f64 {
    if jitter.is_finite() {
        jitter.clamp(0.0, 1.0)
    } else {
        0.5
    }
}

#[cfg(test)]
mod tests;
