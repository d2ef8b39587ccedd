//! One sensor's card as data: the value shown, the broker it came through, presence and liveness, alert level (of
//! the value shown, and the alert raised: `alert.rs`), bounded history with failover moments, and the reading,
//! duplicate and loss counters. Merges what both brokers deliver and records its own transitions in the timeline.
//! Plain data, no signals; time is an argument.

use super::alert::Alert;
use super::history::History;
use super::liveness::{Cadence, Evidence, Liveness};
use super::saved::SavedSensor;
use super::sequence::{Sequence, Verdict};
use super::timeline::{Kind, Timeline};
use crate::archive::{Record, BLOCK_SEQS};
use crate::config::{Level, ThresholdTable};
use sensor_wire::{unit_for, Presence, Reading, Status};

/// Most broker switches, and most gaps, remembered per sensor for the chart.
pub const MAX_SWITCHES: usize = 32;

/// The reading a card shows.
#[derive(Debug, Clone, PartialEq)]
pub struct Latest {
    pub value: f64,
    pub unit: Option<String>,
    /// `broker_used` of the message.
    pub broker_used: String,
    pub boot: Option<String>,
    pub seq: Option<u64>,
    pub ts: Option<u64>,
    /// Came as a retained message (the broker's last known value), not live.
    pub retained: bool,
    /// When this page received it, ms since the Unix epoch.
    pub received_ms: u64,
}

/// A moment the sensor's `broker_used` changed, for the chart.
#[derive(Debug, Clone, PartialEq)]
pub struct Switch {
    pub at_ms: u64,
    pub to: String,
    /// Back to the primary broker.
    pub failback: bool,
}

/// What a card displays; cheap to compare, so the view only redraws a card that changed.
#[derive(Debug, Clone, PartialEq)]
pub struct SensorSummary {
    /// Value with unit when known, e.g. `25.5 °C`; empty before the first reading.
    pub value: String,
    pub broker: String,
    pub readings: u64,
    pub duplicates: u64,
    pub lost: u64,
    /// The presence that stands (a Will from a broker the sensor left reads as `Online`).
    pub presence: Option<Presence>,
    pub received_ms: Option<u64>,
    pub state: Liveness,
    /// The level of the value shown.
    pub alert: Level,
    /// The alert raised (held and hysteretic: `alert.rs`).
    pub raised: Level,
}

/// What the model knows that a sensor needs to judge itself.
pub struct Rules<'a> {
    /// Name of the first configured broker.
    pub primary: Option<&'a str>,
    pub thresholds: &'a ThresholdTable,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Sensor {
    pub name: String,
    /// Position in the order sensors were first seen (0, 1, 2, …): a stable small number for the view's tables.
    pub index: usize,
    pub latest: Option<Latest>,
    /// The last presence message and when it arrived.
    pub presence: Option<(Status, u64)>,
    /// Distinct live readings (retained copies and duplicates excluded).
    pub readings: u64,
    pub duplicates: u64,
    pub history: History,
    pub switches: Vec<Switch>,
    /// When a reading arrived after readings of its boot were lost (the chart marks gaps), oldest first.
    pub gaps: Vec<u64>,
    pub state: Liveness,
    /// The level of the value shown, as it is now.
    pub alert: Level,
    /// Changes whenever anything the card shows changes; the view keys its redraws on it.
    pub revision: u64,
    /// The alert raised, with hold time and hysteresis; only its changes go to the timeline.
    raised: Alert,
    sequence: Sequence,
    cadence: Cadence,
    heard_ms: u64,
}

impl Sensor {
    pub fn new(name: impl Into<String>, index: usize, history_ms: u64) -> Self {
        Self {
            name: name.into(),
            index,
            latest: None,
            presence: None,
            readings: 0,
            duplicates: 0,
            history: History::new(history_ms),
            switches: Vec::new(),
            gaps: Vec::new(),
            state: Liveness::Live,
            alert: Level::Ok,
            revision: 0,
            raised: Alert::default(),
            sequence: Sequence::default(),
            cadence: Cadence::default(),
            heard_ms: 0,
        }
    }

    pub fn lost(&self) -> u64 {
        self.sequence.lost()
    }

    /// Whether the stored block `record` belongs to can take no more readings in the normal course: the sensor's
    /// sequence has moved past it, or to another boot. A reading without `seq` is its own block.
    pub fn block_closed(&self, record: &Record) -> bool {
        match (record.seq, self.sequence.newest()) {
            (Some(_), Some((boot, highest))) => boot != record.boot || highest / BLOCK_SEQS > record.block(),
            _ => true,
        }
    }

    /// The alert level raised: what the timeline and the live region report.
    pub fn raised(&self) -> Level {
        self.raised.raised()
    }

    pub fn unit(&self) -> Option<&str> {
        self.latest
            .as_ref()
            .and_then(|l| l.unit.as_deref())
            .or_else(|| unit_for(&self.name))
    }

    /// Applies a reading; whether it counted as a new one (not retained, not a duplicate): what the store keeps.
    pub fn apply_reading(
        &mut self,
        reading: Reading,
        retained: bool,
        at_ms: u64,
        rules: &Rules,
        log: &mut Timeline,
    ) -> bool {
        let latest = Latest {
            value: reading.value,
            unit: reading.unit,
            broker_used: reading.broker_used,
            boot: reading.boot,
            seq: reading.seq,
            ts: reading.ts,
            retained,
            received_ms: at_ms,
        };
        self.revision += 1;
        self.heard_ms = self.heard_ms.max(at_ms);
        let mut counted = false;
        if retained {
            // A broker's last known value: shown until something newer arrives, never counted. Both brokers may hold
            // one, and the primary's may be old after a failover, so keep the newer of two retained values.
            if self
                .latest
                .as_ref()
                .is_none_or(|shown| shown.retained && is_newer(&latest, shown))
            {
                self.show(latest, rules);
            }
        } else {
            let lost_before = self.sequence.lost();
            let verdict = match latest.seq {
                Some(seq) => self.sequence.observe(latest.boot.as_deref(), seq),
                None => Verdict::Newest,
            };
            counted = verdict != Verdict::Duplicate;
            match verdict {
                Verdict::Newest => {
                    self.readings += 1;
                    if self.sequence.lost() > lost_before {
                        push_bounded(&mut self.gaps, at_ms);
                    }
                    self.note_switch(&latest, rules, log);
                    self.show(latest, rules);
                }
                Verdict::Late | Verdict::BeforeFirst => self.readings += 1,
                Verdict::Duplicate => self.duplicates += 1,
            }
        }
        self.settle(at_ms, rules, log);
        counted
    }

    /// What a reload needs to continue this card where it was (its history points come from the stored readings).
    pub fn saved(&self) -> SavedSensor {
        SavedSensor {
            name: self.name.clone(),
            readings: self.readings,
            duplicates: self.duplicates,
            sequence: self.sequence.parts(),
            switches: self.switches.clone(),
            gaps: self.gaps.clone(),
            latest: self.latest.clone(),
        }
    }

    /// A card as saved, before anything new arrived: its last value (as not live: it is judged by the clock like
    /// any other), counters and chart marks.
    pub fn restored(saved: SavedSensor, index: usize, history_ms: u64) -> Self {
        let mut sensor = Self::new(saved.name, index, history_ms);
        sensor.readings = saved.readings;
        sensor.duplicates = saved.duplicates;
        sensor.sequence = Sequence::from_parts(saved.sequence);
        sensor.switches = saved.switches;
        sensor.gaps = saved.gaps;
        sensor.heard_ms = saved.latest.as_ref().map_or(0, |l| l.received_ms);
        sensor.latest = saved.latest;
        sensor
    }

    pub fn apply_status(&mut self, status: Status, at_ms: u64, rules: &Rules, log: &mut Timeline) {
        if status.status == Presence::Online {
            self.heard_ms = self.heard_ms.max(at_ms);
        }
        self.presence = Some((status, at_ms));
        self.revision += 1;
        self.settle(at_ms, rules, log);
    }

    /// Time passed: re-judges liveness (a sensor goes stale with no message at all).
    pub fn tick(&mut self, now_ms: u64, rules: &Rules, log: &mut Timeline) {
        self.settle(now_ms, rules, log);
    }

    fn show(&mut self, latest: Latest, rules: &Rules) {
        let sampled = latest.received_ms;
        self.cadence
            .observe(latest.boot.as_deref(), latest.seq, latest.ts.unwrap_or(sampled));
        self.history.push(sampled, latest.value);
        self.raised
            .observe(latest.value, sampled, rules.thresholds.for_type(&self.name));
        self.latest = Some(latest);
    }

    fn note_switch(&mut self, next: &Latest, rules: &Rules, log: &mut Timeline) {
        let Some(shown) = &self.latest else { return };
        if shown.broker_used == next.broker_used {
            return;
        }
        let failback = rules.primary == Some(next.broker_used.as_str());
        let kind = if failback { Kind::Failback } else { Kind::Failover };
        log.push(
            next.received_ms,
            kind,
            &self.name,
            format!("{} → {}", shown.broker_used, next.broker_used),
        );
        push_bounded(
            &mut self.switches,
            Switch {
                at_ms: next.received_ms,
                to: next.broker_used.clone(),
                failback,
            },
        );
    }

    /// Recomputes liveness, alert level and the alert raised, and logs the transitions of liveness and of the alert
    /// raised (not of the value's level: that would be one entry per noisy reading).
    fn settle(&mut self, now_ms: u64, rules: &Rules, log: &mut Timeline) {
        let evidence = Evidence {
            presence: self.presence.as_ref().map(|(s, at)| (s, *at)),
            latest: self
                .latest
                .as_ref()
                .map(|l| (l.boot.as_deref(), l.broker_used.as_str(), l.retained, l.received_ms)),
            heard_ms: self.heard_ms,
        };
        let state = evidence.judge(now_ms, &self.cadence);
        if state != self.state {
            let entry = match (self.state, state) {
                (_, Liveness::Offline) => Some((Kind::SensorOffline, "offline".to_owned())),
                (Liveness::Offline, _) => Some((Kind::SensorOnline, "online".to_owned())),
                (_, Liveness::Stale) => Some((
                    Kind::Stale,
                    format!("no reading for {} s", now_ms.saturating_sub(self.heard_ms) / 1000),
                )),
                _ => None,
            };
            if let Some((kind, detail)) = entry {
                log.push(now_ms, kind, &self.name, detail);
            }
            self.state = state;
            self.revision += 1;
        }
        let Some(value) = self.latest.as_ref().map(|l| l.value) else {
            return;
        };
        let thresholds = rules.thresholds.for_type(&self.name);
        let alert = thresholds.level(value);
        if alert != self.alert {
            self.alert = alert;
            self.revision += 1;
        }
        if let Some(change) = self.raised.judge(value, now_ms, thresholds) {
            let detail = format!("{} at {}", change.describe(), self.value_text());
            log.push(now_ms, Kind::Alert, &self.name, detail);
            self.revision += 1;
        }
    }

    /// The value as shown on the card: `25.5 °C`, or the bare number for a type without a known unit.
    pub fn value_text(&self) -> String {
        let Some(latest) = &self.latest else {
            return String::new();
        };
        match self.unit() {
            Some(unit) => format!("{} {unit}", latest.value),
            None => latest.value.to_string(),
        }
    }

    /// The presence that stands: `Offline` only while the model judges the sensor offline.
    pub fn standing_presence(&self) -> Option<Presence> {
        let (status, _) = self.presence.as_ref()?;
        Some(match (status.status, self.state) {
            (Presence::Offline, Liveness::Offline) => Presence::Offline,
            (Presence::Offline, _) => Presence::Online,
            (p, _) => p,
        })
    }

    pub fn summary(&self) -> SensorSummary {
        SensorSummary {
            value: self.value_text(),
            broker: self.latest.as_ref().map(|l| l.broker_used.clone()).unwrap_or_default(),
            readings: self.readings,
            duplicates: self.duplicates,
            lost: self.lost(),
            presence: self.standing_presence(),
            received_ms: self.latest.as_ref().map(|l| l.received_ms),
            state: self.state,
            alert: self.alert,
            raised: self.raised(),
        }
    }
}

/// Appends, forgetting the oldest beyond `MAX_SWITCHES`.
fn push_bounded<T>(list: &mut Vec<T>, item: T) {
    list.push(item);
    if list.len() > MAX_SWITCHES {
        list.remove(0);
    }
}

/// Whether `a` was sampled after `b`, judged by `ts`, else by `seq` within one boot, else by arrival.
fn is_newer(a: &Latest, b: &Latest) -> bool {
    match (a.ts, b.ts, a.seq, b.seq) {
        (Some(ta), Some(tb), _, _) => ta > tb,
        (_, _, Some(sa), Some(sb)) if a.boot == b.boot => sa > sb,
        _ => true,
    }
}
