//! The dashboard model: every broker's health, one card per sensor merged from all brokers (value, liveness, alert,
//! history), the timeline of what happened, and the count of rejected messages. Changed only by `apply(event)`;
//! every received payload goes through `sensor_wire`. Plain data with no signals and no I/O: the view wraps it in
//! one `RwSignal<Dashboard>`, and time only enters through the events.

mod alert;
mod broker;
mod history;
mod liveness;
mod saved;
mod sensor;
mod sequence;
mod timeline;

pub use broker::BrokerHealth;
pub use history::{History, Point, HISTORY_POINTS};
pub use liveness::{Liveness, DEFAULT_INTERVAL_MS, MIN_STALE_MS, STALE_INTERVALS};
pub use saved::{SavedSensor, SequenceParts};
pub use sensor::{Latest, Sensor, SensorSummary, Switch};
pub use sequence::MAX_TRACKED_GAPS;
pub use timeline::{Entry, Filter, Group, Kind, Timeline, TIMELINE_CAPACITY};

use crate::archive::{Record, HOLD_MS};
use crate::config::{ThresholdTable, DEFAULT_HISTORY_MINUTES};
use crate::session::{Delivery, Phase, PhaseChange};
use sensor::Rules;
use sensor_wire::{clip, parse_message, unit_for, Message};
use std::collections::{BTreeMap, BTreeSet};

/// Longest rejection reason kept for display.
const MAX_REASON_CHARS: usize = 200;
/// Most of the topic quoted in a rejection reason.
const MAX_REASON_TOPIC_CHARS: usize = 80;

/// Messages that failed validation, page-wide.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Rejected {
    pub count: u64,
    /// `topic: why`, of the most recent one.
    pub last_reason: Option<String>,
}

/// Something that happened to one broker's session, by index into the configured broker list.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// A publish arrived from broker `broker` at `at_ms`.
    Received {
        broker: usize,
        delivery: Delivery,
        at_ms: u64,
    },
    /// Broker `broker`'s session changed phase at `at_ms`.
    Broker {
        broker: usize,
        change: PhaseChange,
        at_ms: u64,
    },
    /// Time passed (about once a second): sensors may go stale, message rates are measured.
    Tick { at_ms: u64 },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Dashboard {
    brokers: Vec<BrokerHealth>,
    /// Keyed by sensor name, so cards appear in a stable, sorted order.
    sensors: BTreeMap<String, Sensor>,
    rejected: Rejected,
    timeline: Timeline,
    thresholds: ThresholdTable,
    history_ms: u64,
    /// The latest time any event carried.
    now_ms: u64,
    /// What the store has not taken yet, while the store is on (`keep_for_store`).
    unstored: Option<Unstored>,
}

/// Readings counted, and the cards they changed, since the store last took them.
#[derive(Debug, Clone, Default, PartialEq)]
struct Unstored {
    /// Not taken yet: counted since the last take, or held there (`take_due_for_store`).
    records: Vec<Record>,
    changed: BTreeSet<String>,
    /// Most records kept between two takes; the rest are only counted (`skipped`), not even copied.
    most: usize,
    /// Records kept since the last take.
    kept: usize,
    skipped: u64,
}

/// One batch for the store: the readings counted since the last batch and the saved state of every card they (or
/// duplicates) changed, taken together so that the counters stored always match the readings stored.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StoreBatch {
    pub records: Vec<Record>,
    pub sensors: Vec<SavedSensor>,
    /// Readings counted but beyond what one batch keeps (`keep_for_store`'s `most`): not stored.
    pub skipped: u64,
}

impl Default for Dashboard {
    fn default() -> Self {
        Self::new(
            Vec::<String>::new(),
            ThresholdTable::default(),
            u64::from(DEFAULT_HISTORY_MINUTES) * 60_000,
        )
    }
}

impl Dashboard {
    /// A dashboard for these brokers (by name, in configured order; the first is the primary), alert thresholds
    /// and history length, before anything is received.
    pub fn new<S: Into<String>>(
        names: impl IntoIterator<Item = S>,
        thresholds: ThresholdTable,
        history_ms: u64,
    ) -> Self {
        Self {
            brokers: names.into_iter().map(BrokerHealth::new).collect(),
            sensors: BTreeMap::new(),
            rejected: Rejected::default(),
            timeline: Timeline::default(),
            thresholds,
            history_ms,
            now_ms: 0,
            unstored: None,
        }
    }

    /// From now on, every reading counted is also kept for the store until `take_for_store`, at most `most` of
    /// them between two takes (the first ones; the shell takes once a second, so this bounds the rows a second);
    /// beyond that they are only counted.
    pub fn keep_for_store(&mut self, most: usize) {
        self.unstored.get_or_insert_with(Unstored::default).most = most;
    }

    /// Everything counted and not taken yet; `None` while the store is off or nothing changed. For a page going
    /// away, or an export.
    pub fn take_for_store(&mut self) -> Option<StoreBatch> {
        self.take(None)
    }

    /// As `take_for_store`, but the readings of a stored block still filling stay until the block is closed
    /// (`Sensor::block_closed`) or they are `HOLD_MS` old at `now_ms`. So a fast sensor's block is written about
    /// once, when full, instead of once a second while it fills: the store rereads and rewrites a block on every
    /// write, and at 5,000 readings a second that kept the browser's database on more than a core. A slow
    /// sensor's readings wait at most `HOLD_MS`.
    pub fn take_due_for_store(&mut self, now_ms: u64) -> Option<StoreBatch> {
        self.take(Some(now_ms))
    }

    fn take(&mut self, due_at_ms: Option<u64>) -> Option<StoreBatch> {
        let unstored = self.unstored.as_mut()?;
        let mut records = std::mem::take(&mut unstored.records);
        let changed = std::mem::take(&mut unstored.changed);
        let skipped = std::mem::take(&mut unstored.skipped);
        unstored.kept = 0;
        if let Some(now_ms) = due_at_ms {
            let mut due = Vec::new();
            for r in records {
                let closed =
                    r.at_ms + HOLD_MS <= now_ms || self.sensors.get(&r.sensor).is_none_or(|s| s.block_closed(&r));
                if closed {
                    due.push(r);
                } else {
                    unstored.records.push(r);
                }
            }
            records = due;
        }
        if changed.is_empty() && records.is_empty() && skipped == 0 {
            return None;
        }
        let sensors = changed
            .iter()
            .filter_map(|name| self.sensors.get(name))
            .map(Sensor::saved)
            .collect();
        Some(StoreBatch {
            records,
            sensors,
            skipped,
        })
    }

    /// Cards as they were saved, with their stored readings (oldest first) as chart history; before anything is
    /// received. A card already present (something arrived first) keeps what it has.
    pub fn restore(&mut self, saved: Vec<SavedSensor>, records: &[Record]) {
        for s in saved {
            if !self.sensors.contains_key(&s.name) {
                let index = self.sensors.len();
                let sensor = Sensor::restored(s, index, self.history_ms);
                self.sensors.insert(sensor.name.clone(), sensor);
            }
        }
        for r in records {
            if let Some(sensor) = self.sensors.get_mut(&r.sensor) {
                // Older than what the card already has is ignored by the history itself.
                sensor.history.push(r.at_ms, r.value);
            }
        }
        for sensor in self.sensors.values_mut() {
            sensor.revision += 1;
        }
    }

    /// `new` with the default thresholds and history.
    pub fn with_brokers<S: Into<String>>(names: impl IntoIterator<Item = S>) -> Self {
        let d = Self::default();
        Self::new(names, d.thresholds, d.history_ms)
    }

    pub fn timeline(&self) -> &Timeline {
        &self.timeline
    }

    pub fn thresholds(&self) -> &ThresholdTable {
        &self.thresholds
    }

    pub fn now_ms(&self) -> u64 {
        self.now_ms
    }

    /// Number of sensors; they are never removed, so it changes exactly when one is added.
    pub fn sensor_count(&self) -> usize {
        self.sensors.len()
    }

    pub fn brokers(&self) -> &[BrokerHealth] {
        &self.brokers
    }

    pub fn broker(&self, index: usize) -> Option<&BrokerHealth> {
        self.brokers.get(index)
    }

    pub fn sensors(&self) -> impl Iterator<Item = &Sensor> {
        self.sensors.values()
    }

    pub fn sensor(&self, name: &str) -> Option<&Sensor> {
        self.sensors.get(name)
    }

    pub fn sensor_names(&self) -> Vec<String> {
        self.sensors.keys().cloned().collect()
    }

    pub fn rejected(&self) -> &Rejected {
        &self.rejected
    }

    pub fn apply(&mut self, event: Event) {
        match event {
            Event::Received {
                broker,
                delivery,
                at_ms,
            } => {
                self.now_ms = self.now_ms.max(at_ms);
                self.receive(broker, delivery, at_ms);
            }
            Event::Broker { broker, change, at_ms } => {
                self.now_ms = self.now_ms.max(at_ms);
                self.broker_changed(broker, change, at_ms);
            }
            Event::Tick { at_ms } => {
                self.now_ms = self.now_ms.max(at_ms);
                self.tick(at_ms);
            }
        }
    }

    fn tick(&mut self, now_ms: u64) {
        for health in &mut self.brokers {
            health.measure_rate(now_ms);
        }
        let rules = Rules {
            primary: self.brokers.first().map(|b| b.name.as_str()),
            thresholds: &self.thresholds,
        };
        for sensor in self.sensors.values_mut() {
            sensor.tick(now_ms, &rules, &mut self.timeline);
        }
    }

    fn receive(&mut self, broker: usize, delivery: Delivery, at_ms: u64) {
        if let Some(health) = self.brokers.get_mut(broker) {
            health.messages += 1;
        }
        let rules = Rules {
            primary: self.brokers.first().map(|b| b.name.as_str()),
            thresholds: &self.thresholds,
        };
        let history_ms = self.history_ms;
        match parse_message(&delivery.topic, &delivery.payload) {
            Ok(Message::Reading(reading)) => {
                let index = self.sensors.len();
                let room = self.unstored.as_ref().map(|u| u.kept < u.most);
                let record = room.filter(|room| *room).map(|_| Record {
                    sensor: reading.sensor.as_str().to_owned(),
                    boot: reading.boot.clone().unwrap_or_default(),
                    seq: reading.seq,
                    at_ms,
                    value: reading.value,
                    unit: reading
                        .unit
                        .clone()
                        .or_else(|| unit_for(reading.sensor.as_str()).map(str::to_owned)),
                    broker_used: reading.broker_used.clone(),
                });
                let card = self
                    .sensors
                    .entry(reading.sensor.as_str().to_owned())
                    .or_insert_with_key(|name| Sensor::new(name.clone(), index, history_ms));
                let counted = card.apply_reading(reading, delivery.retained, at_ms, &rules, &mut self.timeline);
                if let Some(unstored) = self.unstored.as_mut() {
                    if !delivery.retained && !unstored.changed.contains(card.name.as_str()) {
                        unstored.changed.insert(card.name.clone());
                    }
                    match record {
                        Some(record) if counted => {
                            unstored.kept += 1;
                            unstored.records.push(record);
                        }
                        None if counted => unstored.skipped += 1,
                        _ => {}
                    }
                }
            }
            Ok(Message::Status(status)) => {
                let index = self.sensors.len();
                let card = self
                    .sensors
                    .entry(status.sensor.as_str().to_owned())
                    .or_insert_with_key(|name| Sensor::new(name.clone(), index, history_ms));
                card.apply_status(status, at_ms, &rules, &mut self.timeline);
            }
            Err(e) => {
                self.rejected.count += 1;
                let reason = format!("{}: {e}", clip(&delivery.topic, MAX_REASON_TOPIC_CHARS));
                self.rejected.last_reason = Some(clip(&reason, MAX_REASON_CHARS).into_owned());
            }
        }
    }

    fn broker_changed(&mut self, broker: usize, change: PhaseChange, at_ms: u64) {
        let Some(health) = self.brokers.get_mut(broker) else {
            return;
        };
        if health.phase != change.phase || health.since_ms.is_none() {
            health.since_ms = Some(at_ms);
        }
        let reason = change.reason.as_ref().map(ToString::to_string);
        let entry = match (health.phase, change.phase) {
            (Phase::Connected, Phase::Connected) | (Phase::Disconnected, Phase::Disconnected) => None,
            (_, Phase::Connected) => Some((Kind::BrokerUp, "connected".to_owned())),
            (_, Phase::Disconnected) => Some((Kind::BrokerDown, reason.clone().unwrap_or_default())),
            (_, Phase::Connecting) => None,
        };
        if let Some((kind, detail)) = entry {
            self.timeline.push(at_ms, kind, &health.name, detail);
        }
        health.phase = change.phase;
        health.attempts = change.attempts;
        if change.phase == Phase::Disconnected {
            health.last_error = reason.or(health.last_error.take());
        }
    }
}

#[cfg(test)]
mod tests;
