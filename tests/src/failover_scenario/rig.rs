//! `Rig`: the processes one failover scenario runs on — a `Stack` of two brokers and nginx with the dashboard, the
//! dashboard open in headless Chromium, a persistent `Subscriber` per broker, the sensor processes connected straight
//! to the brokers — and the steps scripts are made of: inject a fault, hold it, bring a broker back, wait for
//! readings. Nothing stands between a sensor and a broker, and nothing holds a returning broker back: the races a
//! real deployment has, this rig has. Every wait polls with a deadline and gives up at once if a sensor process has
//! exited.

use super::{Outcome, PageCount, Scenario, SensorEnd, StopSummary};
use crate::dashboard_page::{wait_brokers_connected, DashboardView};
use crate::delivery_audit::Delivery;
use crate::sensor::{Sensor, SensorSpec};
use crate::wait::GIVE_UP;
use crate::{Browser, Stack, StackConfig, Subscriber, BROKER_NAMES};
use anyhow::Context;
use sensor_wire::{Message, Presence, Status, SUBSCRIBE_FILTER};
use std::time::Duration;
use tokio::time::Instant;

/// Deadline for any step that should take a few seconds at most (a failback takes the sensors' settle time, 6 s,
/// plus a probe interval).
const STEP_TIMEOUT: Duration = Duration::from_secs(30);
/// Readings through the primary before the first fault.
const WARM_UP_READINGS: usize = 5;
/// Readings through the final broker after the last event before the sensors are stopped.
const SETTLE_READINGS: usize = 5;
/// How long a sensor may take to exit after SIGTERM (docker's grace period).
const STOP_TIMEOUT: Duration = Duration::from_secs(10);
/// Bound on waiting for the last deliveries after the sensors exited; the audit judges what arrived by then.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(10);

pub(super) struct Rig {
    // Dropped in this order: sensors, browser, subscribers, then the stack (brokers, nginx, temp dir).
    sensors: Vec<Sensor>,
    browser: Browser,
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
    /// Brokers and nginx, a persistent subscriber on each broker, the dashboard open until it is subscribed on both,
    /// then the sensors — so every reading they sample is one the page must show. Returns once each sensor has
    /// delivered a few readings through the primary.
    pub(super) async fn start(sensor_types: &[&str], interval: Duration) -> anyhow::Result<Rig> {
        let mut stack = Stack::start(StackConfig::with_dashboard()?).await?;
        let primary = Subscriber::connect_persistent("primary", stack.primary().ports().mqtt, SUBSCRIBE_FILTER).await?;
        let secondary =
            Subscriber::connect_persistent("secondary", stack.secondary().ports().mqtt, SUBSCRIBE_FILTER).await?;
        let browser = Browser::launch(stack.dir()).await?;
        let url = stack.dashboard_url().context("the stack serves the dashboard")?;
        browser.goto(&url).await?;
        wait_brokers_connected(&browser, STEP_TIMEOUT)
            .await
            .context("the dashboard connecting to both brokers")?;
        let list = stack.broker_list();
        let list: Vec<(&str, String)> = list.iter().map(|(n, a)| (n.as_str(), a.clone())).collect();
        let started = Instant::now();
        let mut sensors = Vec::new();
        for t in sensor_types {
            sensors.push(Sensor::start(&SensorSpec::new(t, interval), &list, stack.dir())?);
        }
        let mut rig = Rig {
            sensors,
            browser,
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

    /// Restarts the (killed) brokers `which`; returns (and records) when all of them answer MQTT again.
    pub(super) async fn bring_back(&mut self, which: &[usize]) -> anyhow::Result<Instant> {
        for &i in which {
            self.stack.brokers()[i].restart().await?;
        }
        Ok(self.back())
    }

    /// SIGCONTs the (stopped) broker `i`; returns (and records) when.
    pub(super) fn resume(&mut self, i: usize) -> anyhow::Result<Instant> {
        self.stack.brokers()[i].cont()?;
        Ok(self.back())
    }

    /// `docker restart`: SIGTERM broker `i` (recorded as the fault), wait for it to exit, start it again (recorded
    /// as the return once it answers).
    pub(super) async fn restart_gracefully(&mut self, i: usize) -> anyhow::Result<Instant> {
        self.faults.push(Instant::now());
        self.stack.brokers()[i].terminate().await?;
        self.stack.brokers()[i].start_again().await?;
        Ok(self.back())
    }

    fn back(&mut self) -> Instant {
        let at = Instant::now();
        self.backs.push(at);
        at
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

    /// Waits for the last deliveries of the stopped sensors to reach the subscribers and the page, then returns
    /// everything recorded, the page's counts included.
    pub(super) async fn outcome(self, scenario: Scenario, ends: Vec<SensorEnd>) -> Outcome {
        self.drain(&ends).await;
        let page = self.page_counts(&ends).await;
        let r = self.received();
        Outcome {
            scenario,
            deliveries: r.deliveries,
            statuses: r.statuses,
            unparsable: r.unparsable,
            faults: self.faults.clone(),
            backs: self.backs.clone(),
            sensors: ends,
            page,
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
                    seqs.len() as u64 >= sum.delivered()
                });
                offline && flushed
            });
            async move { Ok(done.then_some(())) }
        })
        .await;
    }

    /// The page's counts per sensor, once every card shows as many readings as its sensor delivered (or after
    /// `DRAIN_TIMEOUT`, when the counts are whatever the page shows then; judging them is the caller's).
    async fn page_counts(&self, ends: &[SensorEnd]) -> Result<Vec<PageCount>, String> {
        let complete = |view: &DashboardView| {
            ends.iter().all(|end| {
                let card = view.card(&end.sensor_type);
                let shown = card.and_then(|c| c.count("readings"));
                end.summary.is_some_and(|s| shown == Some(s.delivered()))
            })
        };
        let _ = DashboardView::wait_until(&self.browser, "every reading on the page", DRAIN_TIMEOUT, |v| {
            complete(v).then_some(())
        })
        .await;
        let view = DashboardView::read(&self.browser).await.map_err(|e| format!("{e:#}"))?;
        if let Some(panic) = &view.panic {
            return Err(format!("the page panicked: {panic}"));
        }
        Ok(ends
            .iter()
            .map(|end| {
                let card = view.card(&end.sensor_type);
                let count = |name| card.and_then(|c| c.count(name));
                PageCount {
                    sensor: end.sensor_type.clone(),
                    readings: count("readings"),
                    lost: count("lost"),
                    duplicates: count("duplicates"),
                    broker: card.and_then(|c| c.broker.clone()),
                }
            })
            .collect())
    }

    /// Every log: brokers, nginx and sensors.
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
