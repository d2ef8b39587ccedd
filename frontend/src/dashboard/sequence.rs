//! Per-sensor sequence accounting: tells a new reading from a duplicate (same `boot` and `seq` delivered twice,
//! e.g. by both brokers) and counts gaps in `seq` within one `boot` as lost — until the missing reading turns up.
//! A new `boot` starts a fresh count. Pure and bounded: at most `MAX_TRACKED_GAPS` missing numbers are remembered.

use std::collections::BTreeSet;

/// Missing sequence numbers remembered so a late arrival can be matched; older gaps stay counted as lost.
pub const MAX_TRACKED_GAPS: usize = 4096;

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

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sequence {
    boot: Option<String>,
    first: u64,
    highest: u64,
    missing: BTreeSet<u64>,
    /// Readings missing now, over every boot this page has seen.
    lost: u64,
}

impl Sequence {
    pub fn lost(&self) -> u64 {
        self.lost
    }

    /// Records a reading's `(boot, seq)`; a reading without `boot` counts as one unnamed boot.
    pub fn observe(&mut self, boot: Option<&str>, seq: u64) -> Verdict {
        let boot = boot.unwrap_or("");
        if self.boot.as_deref() != Some(boot) {
            self.boot = Some(boot.to_owned());
            self.first = seq;
            self.highest = seq;
            self.missing.clear();
            return Verdict::Newest;
        }
        if seq > self.highest {
            let gap = seq - self.highest - 1;
            self.lost = self.lost.saturating_add(gap);
            let tracked_from = seq.saturating_sub(MAX_TRACKED_GAPS as u64).max(self.highest + 1);
            self.missing.extend(tracked_from..seq);
            while self.missing.len() > MAX_TRACKED_GAPS {
                self.missing.pop_first();
            }
            self.highest = seq;
            Verdict::Newest
        } else if self.missing.remove(&seq) {
            self.lost -= 1;
            Verdict::Late
        } else if seq < self.first {
            self.first = seq;
            Verdict::BeforeFirst
        } else {
            Verdict::Duplicate
        }
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
        assert_eq!(s.lost(), 0);
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
    fn a_huge_gap_is_counted_in_full_but_remembered_only_in_part() {
        let (_, mut s) = run(&[(Some("a"), 0), (Some("a"), u64::MAX)]);
        assert_eq!(s.lost(), u64::MAX - 1);
        assert_eq!(s.missing.len(), MAX_TRACKED_GAPS);
        assert_eq!(s.observe(Some("a"), u64::MAX - 1), Verdict::Late);
        assert_eq!(s.observe(Some("a"), 5), Verdict::Duplicate);
    }
}
