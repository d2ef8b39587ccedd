//! `Rig`: the processes one failover scenario runs on — a `Stack` of two brokers, a `Gate` and a `Subscriber` per
//! broker, the sensor processes behind the gates — and the steps scripts are made of: inject a fault, hold it,
//! bring a broker back (gate closed until our subscriber is resubscribed), wait for readings. Every wait polls with a
//! deadline and gives up at once if a sensor process has exited.

use super::{Outcome, Scenario, SensorEnd, StopSummary, INTERVAL};
use crate::delivery_audit::Delivery;
use crate::gate::Gate;
use crate::sensor::{Sensor, SensorSpec};
use crate::wait::GIVE_UP;
use crate::{Stack, StackConfig, Subscriber, BROKER_NAMES};
use anyhow::Context;
use sensor_wire::{Message, Presence, Status, SUBSCRIBE_FILTER};
use std::time::Duration;
use tokio::time::Instant;

/// Deadline for any step that should take a few seconds at most.
const STEP_TIMEOUT: Duration = Duration::from_secs(20);
/// Readings through the primary before the first fault.
const WARM_UP_READINGS: usize = 5;
/// Readings through the final broker after the last event before the sensors are stopped.
const SETTLE_READINGS: usize = 5;
/// How long a sensor may take to exit after SIGTERM (docker's grace period).
const STOP_TIMEOUT: Duration = Duration::from_secs(10);
/// Bound on waiting for the last deliveries after the sensors exited; the audit judges what arrived by then.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(5);

pub(super) struct Rig {
    // Dropped in this order: sensors, gates, subscribers, then the stack (brokers, temp dir).
    sensors: Vec<Sensor>,
    gates: [Gate; 2],
    subscribers: [Subscriber; 2],
    stack: Stack,
    faults: Vec<Instant>,
    backs: Vec<Instant>,
}

/// What the subscribers have received so far, parsed.
struct Received {
    deliveries: Vec<Delivery>,
    statuses: Vec<(String, Status)>,
    unparsable: Vec<String>,
}

impl Rig {
    /// Brokers, a subscriber on each (subscribed before any sensor runs, so nothing retained is replayed), gates,
    /// then the sensors; returns once each has delivered a few readings through the primary.
    pub(super) async fn start(sensor_types: &[&str]) -> anyhow::Result<Rig> {
        let mut stack = Stack::start(StackConfig::brokers_only()?).await?;
        let primary = Subscriber::connect("primary", stack.primary().ports().mqtt, SUBSCRIBE_FILTER).await?;
        let secondary = Subscriber::connect("secondary", stack.secondary().ports().mqtt, SUBSCRIBE_FILTER).await?;
        let gates = [
            Gate::start(stack.primary().ports().mqtt).await?,
            Gate::start(stack.secondary().ports().mqtt).await?,
        ];
        let list: Vec<(&str, String)> = BROKER_NAMES.iter().copied().zip(gates.iter().map(Gate::addr)).collect();
        let started = Instant::now();
        let mut sensors = Vec::new();
        for t in sensor_types {
            sensors.push(Sensor::start(&SensorSpec::new(t, INTERVAL), &list, stack.dir())?);
        }
        let mut rig = Rig {
            sensors,
            gates,
            subscribers: [primary, secondary],
            stack,
            faults: Vec::new(),
            backs: Vec::new(),
        };
        if let Err(e) = rig.wait_readings(0, started, WARM_UP_READINGS).await {
            anyhow::bail!("warming up: {e:#}\n----- logs -----\n{}", rig.logs());
        }
        Ok(rig)
    }

    fn received(&self) -> Received {
        received(&self.subscribers)
    }

    /// Waits until every sensor has `n` readings delivered live through broker `broker` (index) after `after`.
    pub(super) async fn wait_readings(&mut self, broker: usize, after: Instant, n: usize) -> anyhow::Result<()> {
        let what = format!("{n} readings of every sensor through {}", BROKER_NAMES[broker]);
        let types: Vec<String> = self.sensors.iter().map(|s| s.spec().sensor_type.clone()).collect();
        let name = BROKER_NAMES[broker];
        crate::wait_for(&what, STEP_TIMEOUT, || {
            let alive = all_running(&mut self.sensors);
            let deliveries = received(&self.subscribers).deliveries;
            let done = types.iter().all(|t| {
                deliveries
                    .iter()
                    .filter(|d| !d.retained && d.via == name && d.at > after && d.reading.sensor.as_str() == t)
                    .count()
                    >= n
            });
            async move { alive.map(|()| done.then_some(())) }
        })
        .await
    }

    /// Keeps the current faults in place until `until`, checking that every sensor keeps running.
    pub(super) async fn hold_until(&mut self, until: Instant) -> anyhow::Result<()> {
        let timeout = until.saturating_duration_since(Instant::now()) + STEP_TIMEOUT;
        crate::wait_for("the end of the fault", timeout, || {
            let alive = all_running(&mut self.sensors);
            async move { alive.map(|()| (Instant::now() >= until).then_some(())) }
        })
        .await
    }

    /// SIGKILLs the brokers `which` (indices); returns (and records) when the first was killed.
    pub(super) fn kill(&mut self, which: &[usize]) -> anyhow::Result<Instant> {
        let mut at = None;
        for &i in which {
            self.stack.brokers()[i].kill()?;
            at.get_or_insert_with(Instant::now);
        }
        let at = at.context("no broker to kill")?;
        self.faults.push(at);
        Ok(at)
    }

    /// SIGSTOPs broker `i`; returns (and records) when.
    pub(super) fn stop(&mut self, i: usize) -> anyhow::Result<Instant> {
        self.stack.brokers()[i].stop()?;
        let at = Instant::now();
        self.faults.push(at);
        Ok(at)
    }

    /// Restarts the (killed) brokers `which` behind closed gates, waits until our subscribers are subscribed on
    /// them again, then opens the gates; returns (and records) that moment. See the module doc of
    /// `failover_scenario` for why.
    pub(super) async fn bring_back(&mut self, which: &[usize]) -> anyhow::Result<Instant> {
        for &i in which {
            self.gates[i].close();
        }
        let since = Instant::now();
        for &i in which {
            self.stack.brokers()[i].restart().await?;
        }
        self.reopen(which, since).await
    }

    /// SIGCONTs the (stopped) broker `i` behind its closed gate, as `bring_back`.
    pub(super) async fn resume(&mut self, i: usize) -> anyhow::Result<Instant> {
        self.gates[i].close();
        let since = Instant::now();
        self.stack.brokers()[i].cont()?;
        self.reopen(&[i], since).await
    }

    async fn reopen(&mut self, which: &[usize], since: Instant) -> anyhow::Result<Instant> {
        for &i in which {
            let sub = &self.subscribers[i];
            let what = format!("our subscriber to resubscribe on {}", BROKER_NAMES[i]);
            crate::wait_for(&what, STEP_TIMEOUT, || {
                let ready = sub.subscribed_since(since);
                async move { Ok(ready.then_some(())) }
            })
            .await?;
        }
        for &i in which {
            self.gates[i].open();
        }
        let at = Instant::now();
        self.backs.push(at);
        Ok(at)
    }

    /// Lets the sensors settle on the broker they must end on, then stops them with SIGTERM and waits for them
    /// to exit.
    pub(super) async fn stop_sensors(&mut self, scenario: Scenario) -> anyhow::Result<Vec<SensorEnd>> {
        let (broker, since) = if scenario.ends_on_primary() {
            (0, self.backs.last().copied())
        } else {
            (1, self.faults.last().copied())
        };
        let since = since.context("a scenario without a fault")?;
        self.wait_readings(broker, since, SETTLE_READINGS)
            .await
            .context("settling after the last fault")?;
        for sensor in &mut self.sensors {
            sensor.terminate()?;
        }
        let mut ends = Vec::new();
        for sensor in &mut self.sensors {
            let exit = sensor.wait_exit(STOP_TIMEOUT).await?;
            ends.push(SensorEnd {
                sensor_type: sensor.spec().sensor_type.clone(),
                exit,
                summary: StopSummary::from_log(&sensor.log_text()),
            });
        }
        Ok(ends)
    }

    /// Waits for the last deliveries of the stopped sensors, then returns everything recorded.
    pub(super) async fn outcome(self, scenario: Scenario, ends: Vec<SensorEnd>) -> Outcome {
        self.drain(&ends).await;
        let r = self.received();
        Outcome {
            scenario,
            deliveries: r.deliveries,
            statuses: r.statuses,
            unparsable: r.unparsable,
            faults: self.faults.clone(),
            backs: self.backs.clone(),
            sensors: ends,
            logs: self.logs(),
        }
    }

    /// Waits (bounded, without failing) until each sensor's `offline` status and every reading it reported
    /// flushed have reached our subscribers: a PUBACK means the broker has it, not that it has passed it on yet.
    async fn drain(&self, ends: &[SensorEnd]) {
        let _ = crate::wait_for("the last deliveries", DRAIN_TIMEOUT, || {
            let r = self.received();
            let done = ends.iter().all(|end| {
                let offline = r
                    .statuses
                    .iter()
                    .any(|(_, s)| s.sensor.as_str() == end.sensor_type && s.status == Presence::Offline);
                let flushed = end.summary.is_none_or(|sum| {
                    let mut seqs: Vec<u64> = r
                        .deliveries
                        .iter()
                        .filter(|d| !d.retained && d.reading.sensor.as_str() == end.sensor_type)
                        .filter_map(|d| d.reading.seq)
                        .collect();
                    seqs.sort_unstable();
                    seqs.dedup();
                    seqs.len() as u64 >= sum.sampled - sum.unsent
                });
                offline && flushed
            });
            async move { Ok(done.then_some(())) }
        })
        .await;
    }

    /// Every log: brokers and sensors.
    pub(super) fn logs(&self) -> String {
        let mut out = self.stack.logs();
        for s in &self.sensors {
            out.push_str(&format!("===== sensor-{}\n{}\n", s.spec().sensor_type, s.log_text()));
        }
        out
    }
}

/// What `subscribers` (primary, secondary) have received so far, parsed.
fn received(subscribers: &[Subscriber; 2]) -> Received {
    let mut r = Received {
        deliveries: Vec::new(),
        statuses: Vec::new(),
        unparsable: Vec::new(),
    };
    for (name, sub) in BROKER_NAMES.iter().zip(subscribers) {
        for m in sub.received() {
            match m.parse() {
                Ok(Message::Reading(reading)) => r.deliveries.push(Delivery {
                    via: (*name).to_owned(),
                    reading,
                    retained: m.retain,
                    at: m.at,
                }),
                Ok(Message::Status(status)) => r.statuses.push(((*name).to_owned(), status)),
                Err(e) => r.unparsable.push(format!("via {name} on {}: {e}", m.topic)),
            }
        }
    }
    r
}

/// `Err` marked `GIVE_UP` (ends a wait at once) if a sensor process has exited.
fn all_running(sensors: &mut [Sensor]) -> anyhow::Result<()> {
    for s in sensors {
        if let Some(status) = s.exit_status()? {
            return Err(
                anyhow::anyhow!("sensor-{} exited during the scenario ({status})", s.spec().sensor_type)
                    .context(GIVE_UP),
            );
        }
    }
    Ok(())
}
