//! The I/O shell: one loop that samples on a timer, feeds link events and timers to the failover policy and the
//! outbox, and carries out their decisions. The only module with tokio timers (and, through `link`, rumqttc).
//! It decides nothing itself: which broker, when to retry and what to re-send come from `failover` and `outbox`.

mod link;
mod presence;

use crate::config::Config;
use crate::failover::{Decision, Event, Policy, PRIMARY};
use crate::outbox::{Acked, Outbox, DEFAULT_WINDOW};
use crate::sample::{Identity, Sample};
use link::{Failure, Link, LinkEvent, LinkOptions, Publication};
use sensor_wire::{Presence, Topic};
use std::future::Future;
use std::pin::Pin;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use tokio::time::{sleep_until, MissedTickBehavior};
use tracing::{debug, error, info, warn};

/// What a run did, for the exit log line and for tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunSummary {
    pub sampled: u64,
    /// Readings acknowledged by some broker.
    pub acknowledged: u64,
    /// Readings dropped because the outbox was full.
    pub dropped: u64,
    /// Readings still unacknowledged when the process stopped.
    pub unsent: usize,
}

type Probe = Pin<Box<dyn Future<Output = Result<(), Failure>> + Send>>;

/// The connection in use (or being opened) and what it has been told.
struct Current {
    broker: usize,
    link: Link,
    connected: bool,
    /// The presence last handed to this link.
    presence: Option<Presence>,
}

struct Node {
    config: Config,
    identity: Identity,
    link_options: LinkOptions,
    policy: Policy,
    outbox: Outbox,
    current: Option<Current>,
    probe: Option<Probe>,
    next_seq: u64,
    acknowledged: u64,
    /// Quiet after a few failed rounds: per-attempt failures go to debug, not to the log at large.
    quiet: bool,
    /// Per broker: CONNACKs refusing the credentials since it last accepted them (logged at 1, 2, 4, 8…).
    refusals: Vec<u64>,
    /// Set on SIGTERM/SIGINT: the flush deadline.
    stopping: Option<Instant>,
}

/// Runs the sensor until `shutdown` completes, then publishes `offline`, flushes what it can within
/// `config.shutdown_flush` and returns.
pub async fn run(config: Config, shutdown: impl Future<Output = ()>) -> RunSummary {
    let boot = format!("{:016x}", fastrand::u64(..));
    let identity = Identity {
        sensor: config.sensor.clone(),
        boot: boot.clone(),
        unit: config.unit.map(str::to_owned),
    };
    let link_options = LinkOptions {
        client_id: format!("{}-{}", config.sensor, boot),
        keepalive: config.keepalive,
        connect_timeout: config.failover.connect_timeout,
        capacity: DEFAULT_WINDOW + 16,
        credentials: config.credentials.clone(),
    };
    let now = now();
    let (policy, first) = Policy::start(config.failover, config.brokers.len(), now);
    let outbox = Outbox::new(config.outbox_capacity, DEFAULT_WINDOW).with_replay_window(config.replay_window);
    let refusals = vec![0; config.brokers.len()];
    let user = config
        .credentials
        .as_ref()
        .map_or("(anonymous)", |c| c.username.as_str());
    info!(sensor = %config.sensor, boot = %boot, primary = %config.brokers[PRIMARY].name, %user, "starting");
    if config.credentials.is_none() {
        // The shipped brokers accept anonymous clients but silently drop what they publish.
        warn!("MQTT_USERNAME and MQTT_PASSWORD are not set: brokers with an ACL will drop these readings");
    }
    let mut node = Node {
        config,
        identity,
        link_options,
        policy,
        outbox,
        current: None,
        probe: None,
        next_seq: 0,
        acknowledged: 0,
        quiet: false,
        refusals,
        stopping: None,
    };
    node.apply(first, None);
    node.run_loop(shutdown).await
}

impl Node {
    async fn run_loop(&mut self, shutdown: impl Future<Output = ()>) -> RunSummary {
        tokio::pin!(shutdown);
        let mut sampler = tokio::time::interval(self.config.publish_interval);
        sampler.set_missed_tick_behavior(MissedTickBehavior::Delay);
        loop {
            let wake = self.next_wake().unwrap_or_else(|| now() + Duration::from_secs(3600));
            tokio::select! {
                () = &mut shutdown, if self.stopping.is_none() => self.begin_stop(),
                _ = sampler.tick(), if self.stopping.is_none() => self.sample(),
                event = next_link_event(&mut self.current) => self.on_link_event(event),
                result = next_probe_result(&mut self.probe) => {
                    self.probe = None;
                    let event = match result {
                        Ok(()) => {
                            self.refusals[PRIMARY] = 0;
                            Event::ProbeSucceeded
                        }
                        Err(Failure::NotAuthorized(reason)) => {
                            self.refused(PRIMARY, reason);
                            Event::ProbeFailed
                        }
                        Err(why) => {
                            debug!(broker = %self.config.brokers[PRIMARY].name, why = ?why, "probe failed");
                            Event::ProbeFailed
                        }
                    };
                    self.decide(event);
                }
                () = sleep_until(wake.into()) => {}
            }
            self.on_timers();
            self.pump();
            if let Some(deadline) = self.stopping {
                let flushed = self
                    .current
                    .as_ref()
                    .is_some_and(|c| c.connected && c.presence == Some(Presence::Offline))
                    && self.outbox.all_acked();
                if flushed || now() >= deadline {
                    return self.finish().await;
                }
            }
        }
    }

    fn next_wake(&self) -> Option<Instant> {
        let connected = self.current.as_ref().is_some_and(|c| c.connected);
        let ack = connected
            .then(|| self.outbox.ack_deadline(self.config.ack_timeout))
            .flatten();
        [self.policy.next_deadline(), ack, self.stopping]
            .into_iter()
            .flatten()
            .min()
    }

    fn on_timers(&mut self) {
        let now = now();
        let connected = self.current.as_ref().is_some_and(|c| c.connected);
        if connected && self.outbox.ack_overdue(now, self.config.ack_timeout) {
            warn!(broker = %self.broker_name(), timeout_ms = self.config.ack_timeout.as_millis() as u64,
                "no PUBACK in time, leaving broker");
            self.decide(Event::AckTimeout);
        }
        self.decide(Event::Tick);
    }

    fn sample(&mut self) {
        let ts_ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as u64);
        let sample = Sample {
            seq: self.next_seq,
            ts_ms,
            value: self.config.range.value_at(fastrand::f64()),
        };
        self.next_seq += 1;
        if let Some(seq) = self.outbox.push(sample) {
            let dropped = self.outbox.dropped();
            if dropped.is_power_of_two() {
                warn!(
                    seq,
                    dropped,
                    capacity = self.config.outbox_capacity,
                    "outbox full, dropped the oldest reading"
                );
            }
        }
    }

    fn on_link_event(&mut self, event: LinkEvent) {
        match event {
            LinkEvent::Connected => {
                let Some(current) = self.current.as_mut() else { return };
                current.connected = true;
                self.quiet = false;
                self.refusals[current.broker] = 0;
                info!(broker = %self.config.brokers[current.broker].name, unacked = self.outbox.len(), "connected");
                self.decide(Event::Connected);
                let presence = if self.stopping.is_some() {
                    Presence::Offline
                } else {
                    Presence::Online
                };
                self.publish_presence(presence);
            }
            LinkEvent::Written(pkid) => self.outbox.written(pkid),
            LinkEvent::Acked(pkid) => {
                if let Acked::Reading(_) = self.outbox.acked(pkid, now()) {
                    self.acknowledged += 1;
                }
            }
            LinkEvent::Closed => self.current = None,
            LinkEvent::Failed(failure) => {
                let name = self.broker_name();
                let broker = self.current.as_ref().map(|c| c.broker);
                let event = match failure {
                    Failure::NotAuthorized(reason) => {
                        if let Some(broker) = broker {
                            self.refused(broker, reason);
                        }
                        Event::ConnectFailed
                    }
                    Failure::Connect(why) => {
                        if self.quiet {
                            debug!(broker = %name, %why, "connect failed");
                        } else {
                            warn!(broker = %name, %why, "connect failed");
                        }
                        Event::ConnectFailed
                    }
                    Failure::Lost(why) => {
                        warn!(broker = %name, %why, "connection lost");
                        Event::ConnectionLost
                    }
                    Failure::PingTimeout => {
                        warn!(broker = %name, "no PINGRESP in time, leaving broker");
                        Event::PingTimeout
                    }
                };
                // The link has ended whatever the policy says; never poll it again.
                self.current = None;
                self.outbox.connection_reset();
                self.decide(event);
            }
        }
    }

    fn decide(&mut self, event: Event) {
        let decision = self.policy.on(event, now(), fastrand::f64());
        self.apply(decision, Some(event));
    }

    fn apply(&mut self, decision: Decision, cause: Option<Event>) {
        let left_a_failed_broker = matches!(
            cause,
            Some(Event::ConnectionLost | Event::PingTimeout | Event::AckTimeout)
        );
        match decision {
            Decision::Stay => {}
            Decision::SwitchTo(broker) => {
                let to = self.config.brokers[broker].name.clone();
                match self.current.take() {
                    Some(old) if old.connected && cause == Some(Event::ProbeSucceeded) => {
                        info!(from = %self.config.brokers[old.broker].name, %to, "primary is back, failing back");
                        // Tell the old broker where the sensor went, then leave without triggering the Will.
                        self.hand_status(&old.link, Presence::Online, &to);
                        old.link.close();
                    }
                    Some(old) => info!(from = %self.config.brokers[old.broker].name, %to, "switching broker"),
                    None if cause.is_none() => info!(%to, "connecting"),
                    None if self.quiet => debug!(%to, "switching broker"),
                    None => info!(%to, "switching broker"),
                }
                self.outbox.connection_reset();
                if left_a_failed_broker {
                    self.replay_recent();
                }
                let will = self.status_message(Presence::Offline, &to);
                let link = Link::open(&self.config.brokers[broker], &self.link_options, will);
                self.current = Some(Current {
                    broker,
                    link,
                    connected: false,
                    presence: None,
                });
            }
            Decision::Retry { after, round, .. } => {
                self.current = None;
                self.outbox.connection_reset();
                if left_a_failed_broker {
                    self.replay_recent();
                }
                self.quiet = round >= 2;
                if round.is_power_of_two() {
                    warn!(
                        round,
                        retry_in_ms = after.as_millis() as u64,
                        unacked = self.outbox.len(),
                        "no broker reachable, backing off"
                    );
                } else {
                    debug!(
                        round,
                        retry_in_ms = after.as_millis() as u64,
                        "no broker reachable, backing off"
                    );
                }
            }
            Decision::ProbePrimary => {
                let primary = &self.config.brokers[PRIMARY];
                debug!(broker = %primary.name, "probing primary");
                self.probe = Some(Box::pin(link::probe(primary, &self.link_options)));
            }
        }
    }

    /// A broker failed: what it acknowledged lately may never have reached its subscribers, so it goes again.
    fn replay_recent(&mut self) {
        let replayed = self.outbox.replay_recent(now());
        if replayed > 0 {
            info!(
                replayed,
                window_ms = self.config.replay_window.as_millis() as u64,
                "sending again what the failed broker acknowledged lately"
            );
        }
    }

    /// Hands every reading the outbox releases to the connected link, labelled with that broker's name — once the
    /// policy lets readings go there (a returning broker settles first).
    fn pump(&mut self) {
        let Some(current) = self.current.as_ref().filter(|c| c.connected) else {
            return;
        };
        if !self.policy.may_publish() {
            return;
        }
        let name = &self.config.brokers[current.broker].name;
        let topic = Topic::Reading(self.identity.sensor.clone()).to_topic_string();
        let now = now();
        while let Some(sample) = self.outbox.next_to_send(now) {
            let payload = sample.to_reading(&self.identity, name).to_json();
            if let Err(e) = current.link.publish(Publication {
                topic: topic.clone(),
                payload,
                retain: true,
            }) {
                // The link is ending; its failure event follows and everything is re-sent on the next one.
                debug!(error = %e, "publish not handed over");
                break;
            }
        }
    }

    fn begin_stop(&mut self) {
        info!(
            unacked = self.outbox.len(),
            flush_ms = self.config.shutdown_flush.as_millis() as u64,
            "stopping"
        );
        self.stopping = Some(now() + self.config.shutdown_flush);
        self.publish_presence(Presence::Offline);
    }

    async fn finish(&mut self) -> RunSummary {
        if let Some(current) = self.current.take() {
            if current.connected && current.presence != Some(Presence::Offline) {
                let name = self.config.brokers[current.broker].name.clone();
                self.hand_status(&current.link, Presence::Offline, &name);
            }
            current.link.close_and_wait().await;
        }
        let summary = RunSummary {
            sampled: self.next_seq,
            acknowledged: self.acknowledged,
            dropped: self.outbox.dropped(),
            unsent: self.outbox.unacknowledged(),
        };
        info!(
            sampled = summary.sampled,
            acknowledged = summary.acknowledged,
            dropped = summary.dropped,
            unsent = summary.unsent,
            "stopped"
        );
        summary
    }

    /// A broker refused the credentials: a misconfiguration the user must see, so an error line — at the 1st, 2nd,
    /// 4th, 8th… refusal in a row (the policy's backoff spaces the attempts), at debug in between.
    fn refused(&mut self, broker: usize, reason: &str) {
        self.refusals[broker] += 1;
        let (refusals, name) = (self.refusals[broker], &self.config.brokers[broker].name);
        let user = self.config.credentials.as_ref().map(|c| c.username.as_str());
        match (refusals.is_power_of_two(), user) {
            (false, _) => debug!(broker = %name, ?user, refusals, "broker refused the credentials ({reason})"),
            (true, Some(user)) => error!(broker = %name, %user, refusals,
                "broker refused the credentials ({reason}): check MQTT_USERNAME and MQTT_PASSWORD"),
            (true, None) => error!(broker = %name, refusals,
                "broker refused an anonymous connection ({reason}): set MQTT_USERNAME and MQTT_PASSWORD"),
        }
    }

    fn broker_name(&self) -> String {
        self.current
            .as_ref()
            .map_or_else(String::new, |c| self.config.brokers[c.broker].name.clone())
    }
}

/// The current time on tokio's clock (so a paused test clock drives the policy too), as a std `Instant`.
fn now() -> Instant {
    tokio::time::Instant::now().into_std()
}

async fn next_link_event(current: &mut Option<Current>) -> LinkEvent {
    match current {
        Some(c) => c.link.next_event().await,
        None => std::future::pending().await,
    }
}

async fn next_probe_result(probe: &mut Option<Probe>) -> Result<(), Failure> {
    match probe {
        Some(p) => p.await,
        None => std::future::pending().await,
    }
}
