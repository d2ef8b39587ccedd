//! What happened and when: a bounded list of events (broker down/up, failover/failback, sensor offline/online,
//! stale, alert), newest first, and the filter that shows some groups of kinds and hides others. Entries are
//! appended by the model as it notices transitions. Pure.

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

impl Kind {
    /// The filter group the kind belongs to.
    pub fn group(self) -> Group {
        match self {
            Kind::BrokerDown | Kind::BrokerUp | Kind::Failover | Kind::Failback => Group::Broker,
            Kind::SensorOffline | Kind::SensorOnline | Kind::Stale => Group::Presence,
            Kind::Alert => Group::Alert,
        }
    }
}

/// Kinds the timeline can show or hide together.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Group {
    /// Broker down/up, failover, failback.
    Broker,
    /// Sensor offline/online, stale.
    Presence,
    Alert,
}

impl Group {
    pub const ALL: [Group; 3] = [Group::Broker, Group::Presence, Group::Alert];

    /// `data-filter` of its control.
    pub fn as_str(self) -> &'static str {
        match self {
            Group::Broker => "broker",
            Group::Presence => "presence",
            Group::Alert => "alert",
        }
    }

    /// Its control's label.
    pub fn label(self) -> &'static str {
        match self {
            Group::Broker => "Failover & brokers",
            Group::Presence => "Sensor presence",
            Group::Alert => "Alerts",
        }
    }

    fn bit(self) -> u8 {
        match self {
            Group::Broker => 1,
            Group::Presence => 2,
            Group::Alert => 4,
        }
    }
}

/// Which groups the timeline shows; all of them by default.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Filter {
    shown: u8,
}

impl Default for Filter {
    fn default() -> Self {
        Self { shown: 7 }
    }
}

impl Filter {
    pub fn shows_group(self, group: Group) -> bool {
        self.shown & group.bit() != 0
    }

    pub fn shows(self, kind: Kind) -> bool {
        self.shows_group(kind.group())
    }

    /// Shows `group` if hidden, hides it if shown.
    pub fn toggle(&mut self, group: Group) {
        self.shown ^= group.bit();
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

    /// Newest first, at most `limit`, of the kinds `filter` shows.
    pub fn filtered(&self, filter: Filter, limit: usize) -> impl Iterator<Item = &Entry> {
        self.entries().filter(move |e| filter.shows(e.kind)).take(limit)
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
        t.push(1, Kind::Alert, "temperature", "crit raised at 39 °C".into());
        t.push(2, Kind::Failover, "humidity", "a → b".into());
        assert_eq!(
            t.announcement().as_deref(),
            Some("Alert: temperature crit raised at 39 °C")
        );
        t.push(3, Kind::SensorOffline, "voltage", "offline".into());
        assert_eq!(t.announcement().as_deref(), Some("voltage is offline"));
        t.push(4, Kind::BrokerDown, "broker-primary", "closed".into());
        assert_eq!(t.announcement().as_deref(), Some("Broker broker-primary is down"));
    }

    #[test]
    fn the_filter_hides_and_shows_whole_groups_of_kinds() {
        let mut t = Timeline::default();
        let kinds = [
            Kind::BrokerDown,
            Kind::Failover,
            Kind::SensorOffline,
            Kind::Stale,
            Kind::Alert,
            Kind::Failback,
            Kind::BrokerUp,
            Kind::SensorOnline,
        ];
        for (i, kind) in kinds.into_iter().enumerate() {
            t.push(i as u64, kind, "s", String::new());
        }
        let shown = |f: Filter, limit| t.filtered(f, limit).map(|e| e.kind.as_str()).collect::<Vec<_>>();
        let mut f = Filter::default();
        assert!(Group::ALL.iter().all(|g| f.shows_group(*g)));
        assert_eq!(shown(f, 100).len(), kinds.len());
        f.toggle(Group::Alert);
        assert!(!f.shows(Kind::Alert) && f.shows(Kind::Stale));
        assert_eq!(
            shown(f, 100),
            [
                "sensor-online",
                "broker-up",
                "failback",
                "stale",
                "sensor-offline",
                "failover",
                "broker-down"
            ]
        );
        f.toggle(Group::Broker);
        assert_eq!(shown(f, 100), ["sensor-online", "stale", "sensor-offline"]);
        assert_eq!(
            shown(f, 2),
            ["sensor-online", "stale"],
            "the limit counts shown entries"
        );
        f.toggle(Group::Presence);
        assert_eq!(shown(f, 100), Vec::<&str>::new());
        f.toggle(Group::Alert);
        assert_eq!(shown(f, 100), ["alert"]);
        let names: Vec<&str> = Group::ALL.iter().map(|g| g.as_str()).collect();
        assert_eq!(names, ["broker", "presence", "alert"]);
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
