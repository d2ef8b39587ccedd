//! The outbox: every sample is kept, in `seq` order, until a broker acknowledges it (PUBACK). It decides what to
//! hand to the MQTT client next, maps rumqttc's packet ids back to samples, and what to re-send after a switch.
//! Pure: time comes in as an argument; no tokio, no rumqttc types.
//!
//! Life of an entry: pushed (unsent) → handed to the client on the current connection (sent) → written with a
//! packet id → acknowledged (removed, but remembered for the replay window). A new connection makes every entry
//! unsent again, so everything not yet acknowledged is re-published in order to the broker now in use. When a broker
//! fails, what it acknowledged within the replay window is put back too (`replay_recent`): a broker that dies may
//! have acknowledged a reading it never passed on to its subscribers.

use crate::sample::Sample;
use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

/// Default bound: two hours of readings at the default 2 s interval (about 150 KiB of memory).
pub const DEFAULT_OUTBOX_CAPACITY: usize = 3600;
/// Default deadline for a PUBACK. Together with the 1 s keepalive this leaves a hung broker within 3 s.
pub const DEFAULT_ACK_TIMEOUT: Duration = Duration::from_millis(1500);
/// Default replay window: what a failed broker acknowledged this recently is sent again to the next one. Covers a
/// broker that dies between acknowledging a reading and passing it on (milliseconds), one that hangs (noticed within
/// about 2 s) and a dashboard that was reconnecting to it meanwhile (within about 4.5 s).
pub const DEFAULT_REPLAY_WINDOW: Duration = Duration::from_millis(10_000);
/// Most readings handed to the client and not yet acknowledged. Below rumqttc's inflight limit, so packet ids
/// never collide while the broker acknowledges in order.
pub const DEFAULT_WINDOW: usize = 64;

#[derive(Debug, Clone, Copy, PartialEq)]
struct Entry {
    sample: Sample,
    /// When it was handed to the client on the current connection; `None` = not sent on it yet.
    sent_at: Option<Instant>,
    /// Acknowledged once already (by a broker that failed since): sent again only as a safeguard.
    replayed: bool,
}

/// A publish handed to the client whose packet id is not known yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Handed {
    Reading(u64),
    /// Something else published with QoS 1 on the same client (a presence status): takes a packet id too.
    Other,
}

/// What happened to a packet id's acknowledgement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Acked {
    /// This reading is now safe on the broker.
    Reading(u64),
    /// A non-reading publish was acknowledged.
    Other,
    /// A replayed reading, already acknowledged once by a broker that failed, is now acknowledged again.
    Again(u64),
    /// Not ours on this connection, or the reading was already dropped or acknowledged.
    Unknown,
}

#[derive(Debug, Clone)]
pub struct Outbox {
    capacity: usize,
    window: usize,
    /// In `seq` order. Entries `[0, sent)` are sent on the current connection, the rest are not.
    entries: VecDeque<Entry>,
    sent: usize,
    handed: VecDeque<Handed>,
    pkids: HashMap<u16, Handed>,
    dropped: u64,
    /// Acknowledged readings and when, oldest first, for at most `replay_window`.
    recent: VecDeque<(Sample, Instant)>,
    replay_window: Duration,
}

impl Outbox {
    /// An outbox holding at most `capacity` (at least 1) samples, with at most `window` sent and unacknowledged.
    pub fn new(capacity: usize, window: usize) -> Self {
        Self {
            capacity: capacity.max(1),
            window: window.max(1),
            entries: VecDeque::new(),
            sent: 0,
            handed: VecDeque::new(),
            pkids: HashMap::new(),
            dropped: 0,
            recent: VecDeque::new(),
            replay_window: Duration::ZERO,
        }
    }

    /// Remembers acknowledged readings for `window`, so `replay_recent` can send them again.
    pub fn with_replay_window(mut self, window: Duration) -> Self {
        self.replay_window = window;
        self
    }

    /// Adds a new sample. When full, drops the oldest and returns its `seq`.
    pub fn push(&mut self, sample: Sample) -> Option<u64> {
        let dropped = if self.entries.len() >= self.capacity {
            self.drop_oldest()
        } else {
            None
        };
        self.entries.push_back(Entry {
            sample,
            sent_at: None,
            replayed: false,
        });
        dropped
    }

    /// Makes room: the oldest entry goes. Returns its `seq` if it was never acknowledged (a reading lost).
    fn drop_oldest(&mut self) -> Option<u64> {
        let e = self.entries.pop_front()?;
        if e.sent_at.is_some() {
            self.sent -= 1;
        }
        if e.replayed {
            return None;
        }
        self.dropped += 1;
        Some(e.sample.seq)
    }

    /// The next sample to hand to the client now, if any and if the window allows; it counts as sent from `now`.
    /// The caller must hand it over (or call `connection_reset`).
    pub fn next_to_send(&mut self, now: Instant) -> Option<Sample> {
        if self.sent >= self.window {
            return None;
        }
        let e = self.entries.get_mut(self.sent)?;
        e.sent_at = Some(now);
        self.sent += 1;
        self.handed.push_back(Handed::Reading(e.sample.seq));
        Some(e.sample)
    }

    /// A non-reading QoS 1 publish was handed to the same client (so it will take a packet id).
    pub fn other_handed(&mut self) {
        self.handed.push_back(Handed::Other);
    }

    /// The client wrote a publish with this packet id: it is the oldest handed publish without one.
    pub fn written(&mut self, pkid: u16) {
        if let Some(h) = self.handed.pop_front() {
            self.pkids.insert(pkid, h);
        }
    }

    /// The broker acknowledged `pkid` at `now`.
    pub fn acked(&mut self, pkid: u16, now: Instant) -> Acked {
        match self.pkids.remove(&pkid) {
            Some(Handed::Reading(seq)) => {
                let found = self.entries.range(..self.sent).position(|e| e.sample.seq == seq);
                let Some(entry) = found.and_then(|i| self.entries.remove(i)) else {
                    return Acked::Unknown;
                };
                self.sent -= 1;
                self.remember(entry.sample, now);
                if entry.replayed {
                    Acked::Again(seq)
                } else {
                    Acked::Reading(seq)
                }
            }
            Some(Handed::Other) => Acked::Other,
            None => Acked::Unknown,
        }
    }

    fn remember(&mut self, sample: Sample, now: Instant) {
        if self.replay_window.is_zero() {
            return;
        }
        self.recent.push_back((sample, now));
        while let Some(&(_, at)) = self.recent.front() {
            if now.saturating_duration_since(at) <= self.replay_window && self.recent.len() <= self.capacity {
                break;
            }
            self.recent.pop_front();
        }
    }

    /// The broker in use failed: every reading it acknowledged within the replay window before `now` becomes
    /// unsent again, in `seq` order with the rest, and is sent to the next broker. Returns how many. Call after
    /// `connection_reset`.
    pub fn replay_recent(&mut self, now: Instant) -> usize {
        let window = self.replay_window;
        let replay: Vec<Entry> = std::mem::take(&mut self.recent)
            .into_iter()
            .filter(|(_, at)| now.saturating_duration_since(*at) <= window)
            .map(|(sample, _)| Entry {
                sample,
                sent_at: None,
                replayed: true,
            })
            .collect();
        let count = replay.len();
        if count > 0 {
            debug_assert_eq!(self.sent, 0, "replay_recent follows connection_reset");
            let mut merged: Vec<Entry> = self.entries.drain(..).chain(replay).collect();
            merged.sort_by_key(|e| e.sample.seq);
            merged.dedup_by_key(|e| e.sample.seq);
            let excess = merged.len().saturating_sub(self.capacity);
            self.dropped += merged[..excess].iter().filter(|e| !e.replayed).count() as u64;
            self.entries = merged.into_iter().skip(excess).collect();
            self.sent = 0;
        }
        count
    }

    /// A new connection: nothing is in flight any more; every entry will be sent again, oldest first.
    pub fn connection_reset(&mut self) {
        for e in self.entries.iter_mut().take(self.sent) {
            e.sent_at = None;
        }
        self.sent = 0;
        self.handed.clear();
        self.pkids.clear();
    }

    /// True when the oldest sent reading has waited at least `timeout` for its PUBACK.
    pub fn ack_overdue(&self, now: Instant, timeout: Duration) -> bool {
        self.ack_deadline(timeout).is_some_and(|d| now >= d)
    }

    /// When the oldest sent reading's PUBACK is due, if any reading is in flight.
    pub fn ack_deadline(&self, timeout: Duration) -> Option<Instant> {
        let first = self.entries.front().filter(|_| self.sent > 0)?;
        first.sent_at.map(|t| t + timeout)
    }

    /// Samples kept (sent or not).
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Samples kept that no broker has acknowledged yet (replayed ones excluded).
    pub fn unacknowledged(&self) -> usize {
        self.entries.iter().filter(|e| !e.replayed).count()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Samples dropped on overflow since the start.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    /// True when the QoS 1 publishes handed so far are all acknowledged (readings and others).
    pub fn all_acked(&self) -> bool {
        self.entries.is_empty() && self.handed.is_empty() && self.pkids.is_empty()
    }
}

#[cfg(test)]
mod tests;
