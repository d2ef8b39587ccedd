//! What happened and when: a bounded list of events (broker down/up, failover/failback, sensor offline/online,
//! stale, alert), newest first. Entries are appended by the model as it notices transitions. Pure.

/// Most entries kept; older ones fall off.
pub const TIMELINE_CAPACITY: usize = 200;

/// `data-kind` of a timeline entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    BrokerDown,
    BrokerUp,
    /// A sensor's `broker_used` changed away from the primary broker.
    Failover,
    /// A sensor's `broker_used` changed back to the primary broker.
    Failback,
    SensorOffline,
    SensorOnline,
    Stale,
    Alert,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::BrokerDown => "broker-down",
            Kind::BrokerUp => "broker-up",
            Kind::Failover => "failover",
            Kind::Failback => "failback",
            Kind::SensorOffline => "sensor-offline",
            Kind::SensorOnline => "sensor-online",
            Kind::Stale => "stale",
            Kind::Alert => "alert",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// Unique and increasing; the view keys on it.
    pub id: u64,
    pub at_ms: u64,
    pub kind: Kind,
    /// The broker or sensor it is about.
    pub subject: String,
    /// A short human description, e.g. `broker-primary → broker-secondary`.
    pub detail: String,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Timeline {
    /// Oldest first; holds up to twice the capacity before the oldest half is cut off at once.
    entries: Vec<Entry>,
    next_id: u64,
}

impl Timeline {
    pub fn push(&mut self, at_ms: u64, kind: Kind, subject: &str, detail: String) {
        self.next_id += 1;
        self.entries.push(Entry {
            id: self.next_id,
            at_ms,
            kind,
            subject: subject.to_owned(),
            detail,
        });
        if self.entries.len() >= 2 * TIMELINE_CAPACITY {
            self.entries.drain(..TIMELINE_CAPACITY);
        }
    }

    /// Newest first, at most `TIMELINE_CAPACITY`.
    pub fn entries(&self) -> impl Iterator<Item = &Entry> {
        self.entries.iter().rev().take(TIMELINE_CAPACITY)
    }

    /// Id of the newest entry, 0 before the first; changes whenever an entry is added.
    pub fn revision(&self) -> u64 {
        self.next_id
    }

    /// What a screen reader should say: the newest alert crossing, sensor going offline or broker going down.
    pub fn announcement(&self) -> Option<String> {
        let e = self
            .entries()
            .find(|e| matches!(e.kind, Kind::Alert | Kind::SensorOffline | Kind::BrokerDown))?;
        Some(match e.kind {
            Kind::Alert => format!("Alert: {} {}", e.subject, e.detail),
            Kind::SensorOffline => format!("{} is offline", e.subject),
            _ => format!("Broker {} is down", e.subject),
        })
    }

    pub fn len(&self) -> usize {
        self.entries.len().min(TIMELINE_CAPACITY)
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn announces_the_newest_alert_offline_or_broker_down_and_nothing_else() {
        let mut t = Timeline::default();
        assert_eq!(t.announcement(), None);
        t.push(1, Kind::Alert, "temperature", "ok → crit at 39 °C".into());
        t.push(2, Kind::Failover, "humidity", "a → b".into());
        assert_eq!(
            t.announcement().as_deref(),
            Some("Alert: temperature ok → crit at 39 °C")
        );
        t.push(3, Kind::SensorOffline, "voltage", "offline".into());
        assert_eq!(t.announcement().as_deref(), Some("voltage is offline"));
        t.push(4, Kind::BrokerDown, "broker-primary", "closed".into());
        assert_eq!(t.announcement().as_deref(), Some("Broker broker-primary is down"));
    }

    #[test]
    fn keeps_the_newest_entries_first_and_no_more_than_its_capacity() {
        let mut t = Timeline::default();
        for i in 0..(TIMELINE_CAPACITY as u64 + 10) {
            t.push(i, Kind::Alert, "temperature", format!("#{i}"));
        }
        assert_eq!(t.len(), TIMELINE_CAPACITY);
        let first = t.entries().next().expect("entry");
        assert_eq!((first.at_ms, first.id), (TIMELINE_CAPACITY as u64 + 9, t.revision()));
        assert!(t.entries().zip(t.entries().skip(1)).all(|(a, b)| a.id > b.id));
    }
}
