//! `audit` and `Arrivals`: judge what the subscribers on both brokers delivered of each sensor run (`sensor`,
//! `boot`) — gap-free `seq`, duplicates, retained copies, `broker_used` against the broker that delivered it — and
//! measure a failover scenario's timings from arrival times.
//! Pure: deliveries and instants in, numbers out; no MQTT, no clock.
//!
//! Only live deliveries prove that a reading got through. A retained copy (sent because a subscriber subscribed)
//! repeats whatever the broker last stored; it is counted apart, neither as proof nor as a duplicate.

use sensor_wire::Reading;
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;
use tokio::time::Instant;

/// One reading as one subscriber received it.
#[derive(Debug, Clone, PartialEq)]
pub struct Delivery {
    /// The broker whose subscriber received it.
    pub via: String,
    pub reading: Reading,
    /// A retained copy sent on (re)subscribing, not a live delivery.
    pub retained: bool,
    pub at: Instant,
}

/// What the subscribers saw of one sensor run.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RunAudit {
    pub sensor: String,
    /// Empty for readings without `boot` (the seed's format).
    pub boot: String,
    /// Every `seq` delivered live, through either broker.
    pub seqs: BTreeSet<u64>,
    /// Live deliveries beyond the first of their `seq`.
    pub duplicates: usize,
    /// Retained copies received on (re)subscribing.
    pub retained: usize,
    /// Readings without `seq`.
    pub unsequenced: usize,
    /// Deliveries whose `broker_used` is not the broker that delivered them, described.
    pub misattributed: Vec<String>,
}

impl RunAudit {
    pub fn first(&self) -> Option<u64> {
        self.seqs.first().copied()
    }

    pub fn last(&self) -> Option<u64> {
        self.seqs.last().copied()
    }

    /// Every `seq` from the first to the last delivered that no subscriber received live.
    pub fn missing(&self) -> Vec<u64> {
        match (self.first(), self.last()) {
            (Some(first), Some(last)) => self.missing_in(first, last + 1),
            _ => Vec::new(),
        }
    }

    /// Every `seq` in `from..to` that no subscriber received live.
    pub fn missing_in(&self, from: u64, to: u64) -> Vec<u64> {
        (from..to).filter(|s| !self.seqs.contains(s)).collect()
    }
}

/// Groups `deliveries` by sensor run, ordered by sensor then boot.
pub fn audit(deliveries: &[Delivery]) -> Vec<RunAudit> {
    let mut runs: BTreeMap<(String, String), RunAudit> = BTreeMap::new();
    for d in deliveries {
        let sensor = d.reading.sensor.as_str().to_owned();
        let boot = d.reading.boot.clone().unwrap_or_default();
        let run = runs.entry((sensor.clone(), boot.clone())).or_insert_with(|| RunAudit {
            sensor,
            boot,
            ..RunAudit::default()
        });
        if d.reading.broker_used != d.via {
            run.misattributed.push(format!(
                "seq {:?} delivered via {} names {}",
                d.reading.seq, d.via, d.reading.broker_used
            ));
        }
        match (d.reading.seq, d.retained) {
            (None, _) => run.unsequenced += 1,
            (Some(_), true) => run.retained += 1,
            (Some(seq), false) => {
                if !run.seqs.insert(seq) {
                    run.duplicates += 1;
                }
            }
        }
    }
    runs.into_values().collect()
}

/// The live deliveries of one sensor run, in arrival order: what the timings are measured on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Arrivals {
    /// (arrival, broker that delivered it, seq)
    items: Vec<(Instant, String, u64)>,
}

impl Arrivals {
    pub fn of(deliveries: &[Delivery], sensor: &str, boot: &str) -> Arrivals {
        let mut items: Vec<(Instant, String, u64)> = deliveries
            .iter()
            .filter(|d| !d.retained && d.reading.sensor.as_str() == sensor)
            .filter(|d| d.reading.boot.as_deref().unwrap_or_default() == boot)
            .filter_map(|d| Some((d.at, d.via.clone(), d.reading.seq?)))
            .collect();
        items.sort_by_key(|(at, _, _)| *at);
        Arrivals { items }
    }

    fn last_at_or_before(&self, t: Instant) -> Option<&(Instant, String, u64)> {
        self.items.iter().rev().find(|(at, _, _)| *at <= t)
    }

    fn first_after(&self, t: Instant, via: Option<&str>) -> Option<&(Instant, String, u64)> {
        self.items
            .iter()
            .find(|(at, v, _)| *at > t && via.is_none_or(|via| v == via))
    }

    /// Detection time: `fault` → the first reading delivered through `to` after it. `None` unless the last
    /// reading before the fault came through `from` (the sensor was on the broker that failed), or when nothing
    /// came through `to`.
    pub fn detection(&self, fault: Instant, from: &str, to: &str) -> Option<Duration> {
        let (_, before, _) = self.last_at_or_before(fault)?;
        if before != from {
            return None;
        }
        self.first_after(fault, Some(to)).map(|(at, _, _)| *at - fault)
    }

    /// Gap: the last reading delivered (through either broker) at or before `fault` → the first after it.
    pub fn gap(&self, fault: Instant) -> Option<Duration> {
        let (before, _, _) = self.last_at_or_before(fault)?;
        self.first_after(fault, None).map(|(after, _, _)| *after - *before)
    }

    /// Time to fail back: `back` (the broker reachable again) → the first reading delivered through `broker`
    /// after it, if that comes before `until` (the next fault, say).
    pub fn failback(&self, back: Instant, broker: &str, until: Option<Instant>) -> Option<Duration> {
        self.first_after(back, Some(broker))
            .filter(|(at, _, _)| until.is_none_or(|u| *at <= u))
            .map(|(at, _, _)| *at - back)
    }

    /// The broker that first delivered the highest `seq`: where the sensor ended up.
    pub fn final_broker(&self) -> Option<&str> {
        let max = self.items.iter().map(|(_, _, seq)| *seq).max()?;
        self.items
            .iter()
            .find(|(_, _, seq)| *seq == max)
            .map(|(_, via, _)| via.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sensor_wire::SensorName;

    const P: &str = "broker-primary";
    const S: &str = "broker-secondary";

    fn delivery(t0: Instant, ms: u64, via: &str, named: &str, seq: u64, retained: bool) -> Delivery {
        Delivery {
            via: via.to_owned(),
            reading: Reading {
                sensor: SensorName::parse("temperature").unwrap(),
                value: 30.0,
                broker_used: named.to_owned(),
                seq: Some(seq),
                boot: Some("b1".to_owned()),
                ts: Some(0),
                unit: None,
            },
            retained,
            at: t0 + Duration::from_millis(ms),
        }
    }

    fn live(t0: Instant, ms: u64, via: &str, seq: u64) -> Delivery {
        delivery(t0, ms, via, via, seq, false)
    }

    #[test]
    fn a_seq_delivered_by_either_broker_counts_once_and_a_second_delivery_is_a_duplicate() {
        let t0 = Instant::now();
        let runs = audit(&[
            live(t0, 0, P, 0),
            live(t0, 200, P, 1),
            live(t0, 900, S, 1),
            live(t0, 950, S, 2),
        ]);
        assert_eq!(runs.len(), 1);
        assert_eq!(runs[0].missing(), Vec::<u64>::new());
        assert_eq!(runs[0].duplicates, 1);
        assert_eq!((runs[0].first(), runs[0].last()), (Some(0), Some(2)));
    }

    #[test]
    fn a_seq_seen_only_as_a_retained_copy_is_missing_and_the_copy_is_no_duplicate() {
        let t0 = Instant::now();
        let runs = audit(&[live(t0, 0, P, 0), delivery(t0, 500, P, P, 1, true), live(t0, 600, S, 2)]);
        assert_eq!(runs[0].missing(), vec![1]);
        assert_eq!((runs[0].retained, runs[0].duplicates), (1, 0));
        assert_eq!(runs[0].missing_in(0, 4), vec![1, 3]);
    }

    #[test]
    fn a_reading_naming_another_broker_than_the_one_that_delivered_it_is_misattributed() {
        let t0 = Instant::now();
        let runs = audit(&[delivery(t0, 0, S, P, 0, false)]);
        assert_eq!(runs[0].misattributed.len(), 1, "{:?}", runs[0].misattributed);
    }

    #[test]
    fn detection_runs_from_the_fault_to_the_first_reading_through_the_other_broker() {
        let t0 = Instant::now();
        let arrivals = Arrivals::of(
            &[
                live(t0, 0, P, 0),
                live(t0, 200, P, 1),
                live(t0, 700, S, 2),
                live(t0, 900, S, 3),
            ],
            "temperature",
            "b1",
        );
        let fault = t0 + Duration::from_millis(300);
        assert_eq!(arrivals.detection(fault, P, S), Some(Duration::from_millis(400)));
        assert_eq!(arrivals.gap(fault), Some(Duration::from_millis(500)));
        // The sensor was not on the secondary when the "fault" struck it.
        assert_eq!(arrivals.detection(fault, S, P), None);
    }

    #[test]
    fn failback_counts_only_a_reading_through_the_primary_before_the_deadline() {
        let t0 = Instant::now();
        let arrivals = Arrivals::of(&[live(t0, 0, S, 0), live(t0, 2000, P, 1)], "temperature", "b1");
        let back = t0 + Duration::from_millis(500);
        assert_eq!(arrivals.failback(back, P, None), Some(Duration::from_millis(1500)));
        assert_eq!(arrivals.failback(back, P, Some(t0 + Duration::from_millis(1000))), None);
        assert_eq!(arrivals.final_broker(), Some(P));
    }
}
