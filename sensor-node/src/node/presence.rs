//! Presence: what the sensor tells a broker about itself — the retained `Status` (online, via which broker, which
//! boot) on `sensor/<type>/status`, also used as its Last Will. Only builds and hands over messages; when to send
//! them is decided in `node.rs`.

use super::link::{Link, Publication};
use super::Node;
use sensor_wire::{Presence, Status, Topic};

impl Node {
    pub(super) fn publish_presence(&mut self, presence: Presence) {
        let Some(current) = self.current.as_ref().filter(|c| c.connected) else {
            return;
        };
        let name = self.config.brokers[current.broker].name.clone();
        if self.hand_status(&current.link, presence, &name) {
            self.outbox.other_handed();
            if let Some(c) = self.current.as_mut() {
                c.presence = Some(presence);
            }
        }
    }

    pub(super) fn hand_status(&self, link: &Link, presence: Presence, broker_used: &str) -> bool {
        link.publish(self.status_message(presence, broker_used)).is_ok()
    }

    pub(super) fn status_message(&self, presence: Presence, broker_used: &str) -> Publication {
        let status = Status {
            sensor: self.identity.sensor.clone(),
            status: presence,
            broker_used: broker_used.to_owned(),
            boot: self.identity.boot.clone(),
        };
        Publication {
            topic: Topic::Status(self.identity.sensor.clone()).to_topic_string(),
            payload: status.to_json(),
            retain: true,
        }
    }
}
