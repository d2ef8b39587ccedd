//! The readings the browser keeps (in IndexedDB, through the wasm-only `storage` shell): what one stored reading
//! and one downsampled bucket are, how long each is kept, and how stored rows become chart series and CSV. Pure:
//! no I/O, time is an argument; the shell only moves these values in and out of the database.
//!
//! Retention (documented in docs/history.md): every reading the dashboard counts is stored once, keyed by
//! (`sensor`, `boot`, `seq`), so a replay, a duplicate via the other broker or a second tab rewrites the same row.
//! Readings of the last `FULL_RESOLUTION_MS` stay as they are; older ones are folded into one `Bucket` per sensor
//! and `BUCKET_MS` (min / mean / max, count, last broker, readings lost); rows older than `history_hours` are
//! pruned.

pub mod csv;
mod series;

pub use series::{Series, SeriesBuilder};

use crate::dashboard::Point;
use std::fmt::Write;

/// Readings younger than this are kept at full resolution.
pub const FULL_RESOLUTION_MS: u64 = 3_600_000;
/// Width of one downsampled bucket.
pub const BUCKET_MS: u64 = 60_000;
/// Sequence numbers per stored block: the store keeps one row per sensor, boot and block (`Record::block`).
pub const BLOCK_SEQS: u64 = 32;
/// A reading of a block still filling waits at most this long for the store (`Dashboard::take_for_store`).
pub const HOLD_MS: u64 = 10_000;

/// The time ranges the detail chart and the CSV export offer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ChartRange {
    #[default]
    TenMinutes,
    Hour,
    Day,
}

impl ChartRange {
    pub const ALL: [ChartRange; 3] = [ChartRange::TenMinutes, ChartRange::Hour, ChartRange::Day];

    pub fn ms(self) -> u64 {
        match self {
            ChartRange::TenMinutes => 600_000,
            ChartRange::Hour => 3_600_000,
            ChartRange::Day => 86_400_000,
        }
    }

    /// As in `data-range` and on its button.
    pub fn as_str(self) -> &'static str {
        match self {
            ChartRange::TenMinutes => "10m",
            ChartRange::Hour => "1h",
            ChartRange::Day => "24h",
        }
    }
}

/// One reading as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    pub sensor: String,
    /// The sensor's `boot`, or empty when the reading had none.
    pub boot: String,
    /// The reading's `seq`; `None` when it had none (then `key_seq` is the arrival time).
    pub seq: Option<u64>,
    /// When the dashboard received it, ms since the Unix epoch (the time the charts use).
    pub at_ms: u64,
    pub value: f64,
    pub unit: Option<String>,
    pub broker_used: String,
}

impl Record {
    /// The number in the row's key: `seq`, or the arrival time for a reading without one.
    pub fn key_seq(&self) -> u64 {
        self.seq.unwrap_or(self.at_ms)
    }

    /// The number of the stored block (of its sensor and boot) this reading belongs to.
    pub fn block(&self) -> u64 {
        self.key_seq() / BLOCK_SEQS
    }
}

/// The readings of one sensor in one `BUCKET_MS`, folded.
#[derive(Debug, Clone, PartialEq)]
pub struct Bucket {
    pub sensor: String,
    /// Start of the bucket, a multiple of `BUCKET_MS`.
    pub start_ms: u64,
    pub count: u64,
    pub min: f64,
    pub mean: f64,
    pub max: f64,
    /// The broker of the bucket's last reading.
    pub broker_used: String,
    pub unit: Option<String>,
    /// Readings missing between the readings folded into this bucket (gaps in `seq` within one boot).
    pub lost: u64,
}

impl Bucket {
    /// The chart point standing for this bucket: its mean, at its start, with its extremes.
    pub fn point(&self) -> Point {
        Point {
            at_ms: self.start_ms,
            value: self.mean,
            min: self.min,
            max: self.max,
        }
    }

    /// Adds `other` (the same sensor and start) into this bucket.
    fn merge(&mut self, other: &Bucket) {
        let count = self.count + other.count;
        if count > 0 {
            self.mean = (self.mean * self.count as f64 + other.mean * other.count as f64) / count as f64;
        }
        self.count = count;
        self.min = self.min.min(other.min);
        self.max = self.max.max(other.max);
        self.lost += other.lost;
        self.broker_used.clone_from(&other.broker_used);
        if other.unit.is_some() {
            self.unit.clone_from(&other.unit);
        }
    }
}

/// `records` as the JSON the store's writer takes in one call (`storage`): an array of
/// `[sensor, boot, key_seq, at_ms, value, unit|null, broker_used, has_seq]`. One string crosses into JavaScript per
/// batch instead of a property set per field (at 5,000 readings a second those calls were most of a write).
pub fn readings_json(records: &[Record]) -> String {
    let mut out = String::with_capacity(records.len() * 96 + 2);
    out.push('[');
    for (i, r) in records.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push('[');
        push_json_text(&mut out, &r.sensor);
        out.push(',');
        push_json_text(&mut out, &r.boot);
        let _ = write!(out, ",{},{},{},", r.key_seq(), r.at_ms, r.value);
        match &r.unit {
            Some(unit) => push_json_text(&mut out, unit),
            None => out.push_str("null"),
        }
        out.push(',');
        push_json_text(&mut out, &r.broker_used);
        out.push_str(if r.seq.is_some() { ",1]" } else { ",0]" });
    }
    out.push(']');
    out
}

/// `text` as a JSON string: quotes, backslashes and control characters escaped.
fn push_json_text(out: &mut String, text: &str) {
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if u32::from(c) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// How long the store keeps what.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retention {
    /// `history_hours`, in ms; 0 keeps nothing.
    pub keep_ms: u64,
}

impl Retention {
    /// Whether anything is stored at all.
    pub fn enabled(&self) -> bool {
        self.keep_ms > 0
    }

    /// Readings before this time are folded into buckets: the full-resolution window before `now_ms` (no longer
    /// than what is kept at all), rounded down to a bucket boundary so only whole buckets are folded.
    pub fn fold_before(&self, now_ms: u64) -> u64 {
        let cut = now_ms.saturating_sub(FULL_RESOLUTION_MS.min(self.keep_ms));
        cut - cut % BUCKET_MS
    }

    /// Rows before this time are pruned.
    pub fn prune_before(&self, now_ms: u64) -> u64 {
        now_ms.saturating_sub(self.keep_ms)
    }
}

/// Folds `records` (any sensors, in time order, as the store's time index gives them) into buckets, merged into
/// `existing` (the stored buckets they may fall into; any order). Returns every bucket that changed or was created,
/// in the order of their first reading. Readings lost are counted from gaps in `seq` between one boot's readings
/// as they come (a reading that arrived late, filling a gap, leaves that gap counted). Linear searches rather than
/// a sort or a map: a pass holds a few hundred buckets, and this code ships in the first load.
pub fn fold(records: &[Record], existing: &[Bucket]) -> Vec<Bucket> {
    let mut out: Vec<Bucket> = Vec::new();
    // The highest `seq` seen per (sensor, boot).
    let mut highest: Vec<(&str, &str, u64)> = Vec::new();
    for r in records {
        let mut lost = 0;
        if let Some(seq) = r.seq {
            match highest.iter_mut().find(|(s, b, _)| *s == r.sensor && *b == r.boot) {
                Some((_, _, top)) => {
                    lost = seq.saturating_sub(*top + 1);
                    *top = (*top).max(seq);
                }
                None => highest.push((&r.sensor, &r.boot, seq)),
            }
        }
        let start_ms = r.at_ms - r.at_ms % BUCKET_MS;
        let one = Bucket {
            sensor: r.sensor.clone(),
            start_ms,
            count: 1,
            min: r.value,
            mean: r.value,
            max: r.value,
            broker_used: r.broker_used.clone(),
            unit: r.unit.clone(),
            lost,
        };
        match out.iter_mut().find(|b| b.sensor == r.sensor && b.start_ms == start_ms) {
            Some(bucket) => bucket.merge(&one),
            None => out.push(
                match existing.iter().find(|b| b.sensor == r.sensor && b.start_ms == start_ms) {
                    Some(old) => {
                        let mut merged = old.clone();
                        merged.merge(&one);
                        merged
                    }
                    None => one,
                },
            ),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn record(sensor: &str, seq: u64, at_ms: u64, value: f64, broker: &str) -> Record {
        Record {
            sensor: sensor.into(),
            boot: "b1".into(),
            seq: Some(seq),
            at_ms,
            value,
            unit: Some("°C".into()),
            broker_used: broker.into(),
        }
    }

    #[test]
    fn folds_readings_into_one_bucket_per_sensor_and_minute_with_their_extremes_and_losses() {
        let records = [
            record("t", 1, 60_000, 10.0, "p"),
            record("h", 1, 61_000, 50.0, "p"),
            record("t", 2, 62_000, 20.0, "p"),
            record("t", 5, 119_000, 30.0, "s"),
            record("t", 6, 120_000, 5.0, "s"),
        ];
        let buckets = fold(&records, &[]);
        let summary: Vec<String> = buckets
            .iter()
            .map(|b| {
                format!(
                    "{} {} n={} {}/{}/{} {} lost={}",
                    b.sensor, b.start_ms, b.count, b.min, b.mean, b.max, b.broker_used, b.lost
                )
            })
            .collect();
        assert_eq!(
            summary,
            [
                "t 60000 n=3 10/20/30 s lost=2",
                "h 60000 n=1 50/50/50 p lost=0",
                "t 120000 n=1 5/5/5 s lost=0",
            ]
        );
    }

    #[test]
    fn readings_go_to_the_store_as_json_with_every_text_escaped() {
        let mut odd = record("t\"\\\n", 7, 1_000, -2.5, "b\u{1}é");
        odd.unit = None;
        odd.seq = None;
        let text = readings_json(&[record("t", 7, 1_000, 25.5, "p"), odd]);
        assert_eq!(
            text,
            r#"[["t","b1",7,1000,25.5,"°C","p",1],["t\"\\\u000a","b1",1000,1000,-2.5,null,"b\u0001é",0]]"#
        );
        let parsed: serde_json::Value = serde_json::from_str(&text).expect("valid JSON");
        assert_eq!(parsed[1][0], "t\"\\\n");
        assert_eq!(readings_json(&[]), "[]");
    }

    #[test]
    fn a_late_fold_merges_into_the_stored_bucket_weighting_the_mean_by_count() {
        let first = fold(
            &[record("t", 1, 60_000, 10.0, "p"), record("t", 2, 61_000, 20.0, "p")],
            &[],
        );
        let merged = fold(&[record("t", 9, 70_000, 45.0, "s")], &first);
        assert_eq!(merged.len(), 1);
        let b = &merged[0];
        assert_eq!((b.count, b.min, b.mean, b.max), (3, 10.0, 25.0, 45.0));
        assert_eq!(b.broker_used, "s");
    }

    #[test]
    fn only_whole_buckets_outside_the_full_resolution_window_are_folded_and_nothing_when_off() {
        let r = Retention {
            keep_ms: 24 * 3_600_000,
        };
        let now = 10 * 3_600_000 + 90_500;
        assert_eq!(r.fold_before(now), 9 * 3_600_000 + 60_000);
        assert_eq!(r.prune_before(now), 0);
        let short = Retention { keep_ms: 600_000 };
        assert_eq!(short.fold_before(now), now - 600_000 - (now - 600_000) % BUCKET_MS);
        assert!(!Retention { keep_ms: 0 }.enabled());
    }
}
