//! A sensor's recent values as a bounded ring buffer: at most `HISTORY_POINTS` points spanning the configured window
//! (default 10 minutes). Readings closer together than one bucket (`window / HISTORY_POINTS`) share a point, which
//! keeps the last value and the bucket's extremes, so memory and chart cost stay flat at any message rate. A `Vec`
//! whose expired front is skipped by an offset and cut off only every `COMPACT_AFTER` points (so a new bucket moves
//! no points, and a reading in the current bucket touches one), not a `VecDeque`: the charts want one slice, and one
//! less generic collection in the wasm. Allocated once, at its largest. Pure.

/// Most points kept per sensor (one bucket each).
pub const HISTORY_POINTS: usize = 600;
/// Narrowest bucket: readings within this many ms always share a point.
pub const MIN_BUCKET_MS: u64 = 250;

/// Expired points skipped before they are cut off the front in one move.
const COMPACT_AFTER: usize = HISTORY_POINTS / 4;

/// One bucket of readings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Point {
    /// Sampling time (the reading's `ts`, else when it arrived), ms since the Unix epoch.
    pub at_ms: u64,
    /// The last value in the bucket.
    pub value: f64,
    pub min: f64,
    pub max: f64,
}

impl Point {
    /// One reading as a point of its own: its value is its extremes.
    pub fn single(at_ms: u64, value: f64) -> Self {
        Self {
            at_ms,
            value,
            min: value,
            max: value,
        }
    }
}

#[derive(Debug, Clone)]
pub struct History {
    window_ms: u64,
    bucket_ms: u64,
    /// `points[start..]` are the history; the ones before `start` have expired and wait to be cut off.
    points: Vec<Point>,
    start: usize,
    /// Points ever added; tells a chart when there is a new one to draw.
    added: u64,
}

impl History {
    pub fn new(window_ms: u64) -> Self {
        let window_ms = window_ms.max(MIN_BUCKET_MS);
        Self {
            window_ms,
            bucket_ms: (window_ms / HISTORY_POINTS as u64).max(MIN_BUCKET_MS),
            // The most it ever holds (`HISTORY_POINTS` live, fewer than `COMPACT_AFTER` expired, one being added),
            // taken at once: memory is flat from the first reading on, and the buffer never moves (24 KiB a sensor).
            points: Vec::with_capacity(HISTORY_POINTS + COMPACT_AFTER),
            start: 0,
            added: 0,
        }
    }

    pub fn window_ms(&self) -> u64 {
        self.window_ms
    }

    /// Oldest first.
    pub fn points(&self) -> &[Point] {
        &self.points[self.start..]
    }

    /// Changes whenever a point is added (not when the last point's bucket takes another reading).
    pub fn added(&self) -> u64 {
        self.added
    }

    pub fn latest(&self) -> Option<&Point> {
        self.points.last()
    }

    /// Adds a value sampled at `at_ms`. An older sample than the last point is ignored (the chart only moves
    /// forward); one in the last point's bucket updates that point.
    pub fn push(&mut self, at_ms: u64, value: f64) {
        match self.points.last_mut() {
            Some(last) if at_ms < last.at_ms => return,
            Some(last) if at_ms - last.at_ms < self.bucket_ms => {
                last.value = value;
                last.min = last.min.min(value);
                last.max = last.max.max(value);
            }
            _ => {
                self.added += 1;
                self.points.push(Point::single(at_ms, value));
            }
        }
        let oldest = at_ms.saturating_sub(self.window_ms);
        let live = &self.points[self.start..];
        let expired = live.iter().take_while(|p| p.at_ms < oldest).count();
        let excess = live.len().saturating_sub(HISTORY_POINTS);
        self.start += expired.max(excess);
        if self.start >= COMPACT_AFTER {
            self.points.drain(..self.start);
            self.start = 0;
        }
    }
}

/// Equal when they hold the same points for the same window, however much expired front each still carries.
impl PartialEq for History {
    fn eq(&self, other: &Self) -> bool {
        self.window_ms == other.window_ms
            && self.bucket_ms == other.bucket_ms
            && self.added == other.added
            && self.points() == other.points()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn readings_in_one_bucket_share_a_point_with_their_extremes() {
        let mut h = History::new(600_000);
        h.push(10_000, 5.0);
        h.push(10_300, 9.0);
        h.push(10_600, 7.0);
        h.push(11_000, 1.0);
        let p = h.points();
        assert_eq!(p.len(), 2);
        assert_eq!((p[0].value, p[0].min, p[0].max), (7.0, 5.0, 9.0));
        assert_eq!(p[1].value, 1.0);
    }

    #[test]
    fn points_older_than_the_window_are_dropped() {
        let mut h = History::new(60_000);
        for s in 0..200 {
            h.push(s * 1_000, s as f64);
        }
        assert!(h.points().first().is_some_and(|p| p.at_ms >= 199_000 - 60_000));
        assert_eq!(h.latest().map(|p| p.value), Some(199.0));
    }

    #[test]
    fn expired_points_are_cut_off_in_batches_without_reallocating() {
        let mut h = History::new(60_000);
        let capacity = h.points.capacity();
        for s in 0..(HISTORY_POINTS as u64) {
            h.push(s * 1_000, s as f64);
        }
        for s in (HISTORY_POINTS as u64)..(HISTORY_POINTS as u64 * 10) {
            h.push(s * 1_000, s as f64);
            let p = h.points();
            assert_eq!(p.first().map(|p| p.at_ms), Some(s * 1_000 - 60_000), "at {s}");
            assert_eq!(p.len(), 61);
            assert!(h.points.len() < 61 + COMPACT_AFTER);
        }
        assert_eq!(h.points.capacity(), capacity, "allocated once, at creation");
        let mut fresh = History::new(60_000);
        for p in h.points() {
            fresh.push(p.at_ms, p.value);
        }
        fresh.added = h.added;
        assert_eq!(fresh, h, "equality ignores the expired front");
    }

    #[test]
    fn stays_bounded_at_any_rate_and_ignores_samples_from_the_past() {
        let mut h = History::new(600_000);
        let capacity = h.points.capacity();
        for ms in 0..2_000_000u64 {
            h.push(ms, 1.0);
        }
        assert!(h.points().len() <= HISTORY_POINTS);
        assert_eq!(
            h.points.capacity(),
            capacity,
            "never grows past what it took at creation"
        );
        let before = h.points().len();
        h.push(5, 100.0);
        assert_eq!(h.points().len(), before);
        assert_eq!(h.latest().map(|p| p.value), Some(1.0));
    }
}
