//! Per-sensor sequence accounting: tells a new reading from a duplicate (same `boot` and `seq` delivered twice,
//! e.g. by both brokers) and counts gaps in `seq` within one `boot` as lost — until the missing reading turns up.
//! A new `boot` starts a fresh count. Pure and bounded: gaps are remembered as ranges of missing numbers, at most
//! `MAX_TRACKED_GAPS` ranges per sensor whatever their length, so a lossy link costs memory per gap, not per
//! reading lost.

use std::collections::VecDeque;

/// Gaps (ranges of missing sequence numbers) remembered so a late arrival can be matched; older gaps stay counted
/// as lost. Each costs 16 bytes.
pub const MAX_TRACKED_GAPS: usize = 256;

/// What one live reading is, relative to those seen before.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Newer than anything seen in this boot (or the first of a boot): show it.
    Newest,
    /// Fills a gap counted as lost earlier; counted, but older than what is shown.
    Late,
    /// Older than the first reading this page saw of the boot; counted, not accounted.
    BeforeFirst,
    /// Already counted.
    Duplicate,
}

/// Numbers `start..end` not seen yet, never empty: missing between two readings (`lost`), or older than the first
/// reading this page saw of the boot (not lost: sampled before the page was there, perhaps replayed later).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Gap {
    start: u64,
    end: u64,
    lost: bool,
}

/// Saved as `SequenceParts` with each batch, so a reload continues the count where it was (`saved.rs`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sequence {
    boot: Option<String>,
    first: u64,
    highest: u64,
    /// Disjoint, in ascending order, all above `first` and below `highest`; only the lost ones count in `lost`.
    gaps: VecDeque<Gap>,
    /// Readings missing now, over every boot this page has seen.
    lost: u64,
}

/// A `Sequence` as plain numbers for the store: boot, first, highest, lost, and each gap as `[start, end, lost]`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SequenceParts {
    pub boot: Option<String>,
    pub first: u64,
    pub highest: u64,
    pub lost: u64,
    pub gaps: Vec<[u64; 3]>,
}

impl Sequence {
    pub fn parts(&self) -> SequenceParts {
        SequenceParts {
            boot: self.boot.clone(),
            first: self.first,
            highest: self.highest,
            lost: self.lost,
            gaps: self.gaps.iter().map(|g| [g.start, g.end, u64::from(g.lost)]).collect(),
        }
    }

    /// A sequence from its parts; gaps that are empty or out of order (damaged rows) are left out.
    pub fn from_parts(parts: SequenceParts) -> Self {
        let mut gaps = VecDeque::new();
        let mut floor = parts.first;
        for [start, end, lost] in parts.gaps {
            if start < end && start > floor && end <= parts.highest {
                gaps.push_back(Gap {
                    start,
                    end,
                    lost: lost != 0,
                });
                floor = end;
            }
        }
        gaps.truncate(MAX_TRACKED_GAPS);
        Self {
            boot: parts.boot,
            first: parts.first,
            highest: parts.highest,
            gaps,
            lost: parts.lost,
        }
    }

    /// The boot of the newest reading and the highest `seq` seen in it, once a reading with `seq` came.
    pub fn newest(&self) -> Option<(&str, u64)> {
        self.boot.as_deref().map(|boot| (boot, self.highest))
    }

    pub fn lost(&self) -> u64 {
        self.lost
    }

    /// Gap ranges remembered now.
    #[cfg(test)]
    pub fn tracked_gaps(&self) -> usize {
        self.gaps.len()
    }

    /// Records a reading's `(boot, seq)`; a reading without `boot` counts as one unnamed boot.
    pub fn observe(&mut self, boot: Option<&str>, seq: u64) -> Verdict {
        let boot = boot.unwrap_or("");
        if self.boot.as_deref() != Some(boot) {
            self.boot = Some(boot.to_owned());
            self.first = seq;
            self.highest = seq;
            self.gaps.clear();
            return Verdict::Newest;
        }
        if seq > self.highest {
            if seq > self.highest + 1 {
                self.lost = self.lost.saturating_add(seq - self.highest - 1);
                self.gaps.push_back(Gap {
                    start: self.highest + 1,
                    end: seq,
                    lost: true,
                });
                self.forget_oldest_beyond_the_bound();
            }
            self.highest = seq;
            Verdict::Newest
        } else if seq < self.first {
            // Older than anything seen of this boot: what lies between is not lost, but may still arrive.
            if seq + 1 < self.first {
                self.gaps.push_front(Gap {
                    start: seq + 1,
                    end: self.first,
                    lost: false,
                });
                self.forget_oldest_beyond_the_bound();
            }
            self.first = seq;
            Verdict::BeforeFirst
        } else {
            match self.fill(seq) {
                Some(true) => {
                    self.lost -= 1;
                    Verdict::Late
                }
                Some(false) => Verdict::BeforeFirst,
                None => Verdict::Duplicate,
            }
        }
    }

    fn forget_oldest_beyond_the_bound(&mut self) {
        while self.gaps.len() > MAX_TRACKED_GAPS {
            self.gaps.pop_front();
        }
    }

    /// Removes `seq` from the gap holding it, splitting the gap if `seq` lies inside; whether that gap counted as
    /// lost, or `None` if no gap holds `seq` (it was seen, or forgotten).
    fn fill(&mut self, seq: u64) -> Option<bool> {
        // The first gap ending after `seq`; it holds `seq` if it starts at or before it.
        let at = self.gaps.partition_point(|g| g.end <= seq);
        let gap = self.gaps.get_mut(at).filter(|g| g.start <= seq)?;
        let Gap { start, end, lost } = *gap;
        match (seq == start, seq + 1 == end) {
            (true, true) => {
                self.gaps.remove(at);
            }
            (true, false) => gap.start = seq + 1,
            (false, true) => gap.end = seq,
            (false, false) => {
                gap.end = seq;
                self.gaps.insert(
                    at + 1,
                    Gap {
                        start: seq + 1,
                        end,
                        lost,
                    },
                );
                self.forget_oldest_beyond_the_bound();
            }
        }
        Some(lost)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(seqs: &[(Option<&str>, u64)]) -> (Vec<Verdict>, Sequence) {
        let mut s = Sequence::default();
        let verdicts = seqs.iter().map(|(b, n)| s.observe(*b, *n)).collect();
        (verdicts, s)
    }

    #[test]
    fn consecutive_readings_are_all_new_and_nothing_is_lost() {
        let (v, s) = run(&[(Some("a"), 7), (Some("a"), 8), (Some("a"), 9)]);
        assert!(v.iter().all(|v| *v == Verdict::Newest));
        assert_eq!((s.lost(), s.tracked_gaps()), (0, 0));
    }

    #[test]
    fn a_reading_delivered_twice_is_a_duplicate() {
        let (v, s) = run(&[(Some("a"), 1), (Some("a"), 2), (Some("a"), 2), (Some("a"), 1)]);
        assert_eq!(v[2..], [Verdict::Duplicate, Verdict::Duplicate]);
        assert_eq!(s.lost(), 0);
    }

    #[test]
    fn a_gap_counts_as_lost_until_the_missing_reading_arrives_late() {
        let (v, s) = run(&[(Some("a"), 1), (Some("a"), 4)]);
        assert_eq!(v, [Verdict::Newest, Verdict::Newest]);
        assert_eq!(s.lost(), 2);
        let mut s = s;
        assert_eq!(s.observe(Some("a"), 3), Verdict::Late);
        assert_eq!(s.observe(Some("a"), 3), Verdict::Duplicate);
        assert_eq!(s.lost(), 1);
    }

    #[test]
    fn late_readings_fill_a_gap_from_either_end_or_split_it() {
        let (_, mut s) = run(&[(Some("a"), 0), (Some("a"), 10)]);
        assert_eq!((s.lost(), s.tracked_gaps()), (9, 1));
        assert_eq!(s.observe(Some("a"), 5), Verdict::Late, "inside: splits 1..10");
        assert_eq!(s.tracked_gaps(), 2);
        for seq in [1, 9, 4, 6] {
            assert_eq!(s.observe(Some("a"), seq), Verdict::Late, "{seq}");
        }
        assert_eq!(
            s.gaps,
            [
                Gap {
                    start: 2,
                    end: 4,
                    lost: true
                },
                Gap {
                    start: 7,
                    end: 9,
                    lost: true
                }
            ]
        );
        for seq in [2, 3, 7, 8] {
            assert_eq!(s.observe(Some("a"), seq), Verdict::Late, "{seq}");
        }
        assert_eq!((s.lost(), s.tracked_gaps()), (0, 0));
        for seq in 0..=10 {
            assert_eq!(s.observe(Some("a"), seq), Verdict::Duplicate, "{seq}");
        }
    }

    #[test]
    fn a_new_boot_restarts_the_count_without_counting_loss() {
        let (v, s) = run(&[(Some("a"), 100), (Some("b"), 0), (Some("b"), 1)]);
        assert_eq!(v, [Verdict::Newest; 3]);
        assert_eq!(s.lost(), 0);
    }

    #[test]
    fn loss_from_an_earlier_boot_stays_counted() {
        let (_, s) = run(&[(Some("a"), 1), (Some("a"), 3), (Some("b"), 0)]);
        assert_eq!(s.lost(), 1);
    }

    #[test]
    fn readings_older_than_the_first_seen_are_not_loss_or_duplicates() {
        let (v, s) = run(&[(None, 10), (None, 11), (None, 9)]);
        assert_eq!(v[2], Verdict::BeforeFirst);
        assert_eq!(s.lost(), 0);
    }

    #[test]
    fn an_older_run_replayed_in_order_counts_each_reading_once() {
        // The page first sees 100; a broker then replays 95..=99 (an outbox sent elsewhere first), then again.
        let mut s = Sequence::default();
        assert_eq!(s.observe(Some("a"), 100), Verdict::Newest);
        for seq in 95..100 {
            assert_eq!(s.observe(Some("a"), seq), Verdict::BeforeFirst, "{seq}");
        }
        for seq in 95..=100 {
            assert_eq!(s.observe(Some("a"), seq), Verdict::Duplicate, "{seq}");
        }
        assert_eq!(s.observe(Some("a"), 93), Verdict::BeforeFirst);
        assert_eq!(s.observe(Some("a"), 94), Verdict::BeforeFirst);
        assert_eq!((s.lost(), s.tracked_gaps()), (0, 0));
    }

    #[test]
    fn a_huge_gap_is_one_range_and_every_number_in_it_can_arrive_late() {
        let (_, mut s) = run(&[(Some("a"), 0), (Some("a"), u64::MAX)]);
        assert_eq!((s.lost(), s.tracked_gaps()), (u64::MAX - 1, 1));
        assert_eq!(s.observe(Some("a"), u64::MAX - 1), Verdict::Late);
        assert_eq!(s.observe(Some("a"), 5), Verdict::Late);
        assert_eq!(s.observe(Some("a"), 5), Verdict::Duplicate);
        assert_eq!(s.lost(), u64::MAX - 3);
    }

    #[test]
    fn heavy_loss_keeps_only_the_newest_gaps_but_counts_every_loss() {
        let mut s = Sequence::default();
        // Every other reading lost: one gap each.
        for seq in (0..4 * MAX_TRACKED_GAPS as u64).step_by(2) {
            assert_eq!(s.observe(Some("a"), seq), Verdict::Newest);
        }
        assert_eq!(s.tracked_gaps(), MAX_TRACKED_GAPS);
        assert_eq!(s.lost(), 2 * MAX_TRACKED_GAPS as u64 - 1);
        let newest_gap = 4 * MAX_TRACKED_GAPS as u64 - 3;
        assert_eq!(s.observe(Some("a"), newest_gap), Verdict::Late);
        assert_eq!(s.observe(Some("a"), 1), Verdict::Duplicate, "forgotten: stays lost");
        assert_eq!(s.lost(), 2 * MAX_TRACKED_GAPS as u64 - 2);
    }

    /// The exact accounting, with every number remembered: what `Sequence` must agree with while it tracks fewer
    /// than `MAX_TRACKED_GAPS` gaps.
    #[derive(Default)]
    struct Reference {
        seen: std::collections::BTreeSet<u64>,
        first_seen: u64,
        highest: u64,
    }

    impl Reference {
        fn observe(&mut self, seq: u64) -> Verdict {
            if self.seen.is_empty() {
                (self.first_seen, self.highest) = (seq, seq);
                self.seen.insert(seq);
                return Verdict::Newest;
            }
            let verdict = if !self.seen.insert(seq) {
                Verdict::Duplicate
            } else if seq > self.highest {
                Verdict::Newest
            } else if seq > self.first_seen {
                Verdict::Late
            } else {
                Verdict::BeforeFirst
            };
            self.highest = self.highest.max(seq);
            verdict
        }

        /// Missing between the first reading the page saw and the highest.
        fn lost(&self) -> u64 {
            (self.first_seen..=self.highest)
                .filter(|n| !self.seen.contains(n))
                .count() as u64
        }
    }

    proptest::proptest! {
        #[test]
        fn agrees_with_exact_accounting(seqs in proptest::collection::vec(0u64..300, 1..400)) {
            let mut s = Sequence::default();
            let mut reference = Reference::default();
            for &seq in &seqs {
                let verdict = s.observe(Some("a"), seq);
                proptest::prop_assert_eq!(verdict, reference.observe(seq), "seq {}", seq);
            }
            proptest::prop_assert!(s.tracked_gaps() <= MAX_TRACKED_GAPS);
            proptest::prop_assert_eq!(s.lost(), reference.lost());
        }
    }
}
