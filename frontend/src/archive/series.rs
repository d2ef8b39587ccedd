//! Stored rows as one chart series: points (buckets as their mean with extremes, readings as they are), the broker
//! switches (where `broker_used` changes between consecutive rows) and the gaps (readings lost: a jump in `seq`
//! within one boot, or a bucket that counted losses), then joined with the live history kept in memory so the
//! chart continues with no seam and no point twice. Pure.

use super::{Bucket, Record};
use crate::dashboard::{Point, Switch};

/// What a chart draws for one sensor over a range.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Series {
    /// Oldest first.
    pub points: Vec<Point>,
    pub switches: Vec<Switch>,
    /// Times of the first row after readings were lost.
    pub gaps: Vec<u64>,
}

/// Builds a `Series` from rows given oldest first (buckets, then readings).
pub struct SeriesBuilder<'a> {
    primary: Option<&'a str>,
    series: Series,
    last: Option<(String, String, Option<u64>)>,
}

impl<'a> SeriesBuilder<'a> {
    /// `primary`: the first configured broker's name, so a switch back to it reads as a failback.
    pub fn new(primary: Option<&'a str>) -> Self {
        Self {
            primary,
            series: Series::default(),
            last: None,
        }
    }

    pub fn bucket(&mut self, b: &Bucket) {
        if b.lost > 0 {
            self.series.gaps.push(b.start_ms);
        }
        self.note_broker(b.start_ms, &b.broker_used);
        self.series.points.push(b.point());
        self.last = Some((b.broker_used.clone(), String::new(), None));
    }

    pub fn record(&mut self, r: &Record) {
        if let (Some((_, boot, Some(prev))), Some(seq)) = (&self.last, r.seq) {
            if *boot == r.boot && seq > prev + 1 {
                self.series.gaps.push(r.at_ms);
            }
        }
        self.note_broker(r.at_ms, &r.broker_used);
        self.series.points.push(Point::single(r.at_ms, r.value));
        self.last = Some((r.broker_used.clone(), r.boot.clone(), r.seq));
    }

    fn note_broker(&mut self, at_ms: u64, broker: &str) {
        if self.last.as_ref().is_some_and(|(b, _, _)| b != broker) {
            self.series.switches.push(Switch {
                at_ms,
                to: broker.to_owned(),
                failback: self.primary == Some(broker),
            });
        }
    }

    pub fn finish(self) -> Series {
        self.series
    }
}

impl Series {
    /// This stored series continued by the live history: stored points and switches before the first live point,
    /// then the live ones, so nothing is drawn twice and nothing between is left out. Gaps: the stored ones before
    /// that point and every one the card remembers (`live_gaps`), also older ones: a loss between two readings
    /// folded in different maintenance passes is in no bucket.
    pub fn join(mut self, live: &[Point], live_switches: &[Switch], live_gaps: &[u64]) -> Series {
        let Some(seam) = live.first().map(|p| p.at_ms) else {
            return self;
        };
        self.points.retain(|p| p.at_ms < seam);
        self.points.extend_from_slice(live);
        self.switches.retain(|s| s.at_ms < seam);
        self.switches
            .extend(live_switches.iter().filter(|s| s.at_ms >= seam).cloned());
        self.gaps.retain(|g| *g < seam);
        for g in live_gaps {
            if !self.gaps.contains(g) {
                self.gaps.push(*g);
            }
        }
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::archive::tests::record;

    #[test]
    fn rows_become_points_with_switches_where_the_broker_changes_and_gaps_where_seq_jumps() {
        let bucket = Bucket {
            sensor: "t".into(),
            start_ms: 0,
            count: 3,
            min: 1.0,
            mean: 2.0,
            max: 3.0,
            broker_used: "p".into(),
            unit: None,
            lost: 1,
        };
        let mut b = SeriesBuilder::new(Some("p"));
        b.bucket(&bucket);
        b.record(&record("t", 10, 60_000, 5.0, "s"));
        b.record(&record("t", 11, 62_000, 6.0, "s"));
        b.record(&record("t", 14, 64_000, 7.0, "p"));
        let s = b.finish();
        assert_eq!(
            s.points.iter().map(|p| p.value).collect::<Vec<_>>(),
            [2.0, 5.0, 6.0, 7.0]
        );
        assert_eq!((s.points[0].min, s.points[0].max), (1.0, 3.0));
        assert_eq!(
            s.switches
                .iter()
                .map(|w| (w.at_ms, w.to.as_str(), w.failback))
                .collect::<Vec<_>>(),
            [(60_000, "s", false), (64_000, "p", true)]
        );
        assert_eq!(s.gaps, [0, 64_000]);
    }

    #[test]
    fn joining_the_live_history_leaves_no_seam_and_no_point_twice() {
        let mut b = SeriesBuilder::new(Some("p"));
        for (seq, at) in [(1, 1_000), (2, 2_000), (3, 3_000), (4, 4_000)] {
            b.record(&record("t", seq, at, seq as f64, "p"));
        }
        let live = [
            Point::single(3_000, 3.0),
            Point::single(4_000, 4.0),
            Point::single(5_000, 5.0),
        ];
        let switch = Switch {
            at_ms: 5_000,
            to: "s".into(),
            failback: false,
        };
        let joined = b.finish().join(&live, std::slice::from_ref(&switch), &[5_000]);
        assert_eq!(
            joined.points.iter().map(|p| p.at_ms).collect::<Vec<_>>(),
            [1_000, 2_000, 3_000, 4_000, 5_000]
        );
        assert_eq!(joined.switches, [switch]);
        assert_eq!(joined.gaps, [5_000]);
        let mut folded = SeriesBuilder::new(Some("p"));
        folded.record(&record("t", 9, 1_000, 9.0, "p"));
        let remembered = folded.finish().join(&live, &[], &[500, 5_000]);
        assert_eq!(
            remembered.gaps,
            [500, 5_000],
            "a gap the stored rows do not show is still marked"
        );
        let alone = Series::default().join(&[], &[], &[]);
        assert!(alone.points.is_empty());
    }
}
