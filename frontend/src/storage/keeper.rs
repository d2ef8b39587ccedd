//! Shell: keeps the store in step with the dashboard. On the page's beat (the worker clock, not throttled in a
//! background tab) it takes what the model counted since the last batch and writes the readings that are due
//! (`Dashboard::take_due_for_store`: those of a sensor's block once it is full, or once they have waited
//! `archive::HOLD_MS`) in one transaction once a second; once a minute (or sooner while a pass was full) it folds
//! and prunes (`Store::maintain`) and reads the oldest stored time. The cards' saved state goes with a batch every
//! `CARDS_EVERY_MS`, and whenever the page is hidden or exports, so after a crash (no `pagehide`) a card's counters
//! may lag its stored readings by those seconds, and the store may lack up to `HOLD_MS` of readings the counters
//! count. A page being hidden or closed writes everything at once. At most `MAX_STORED_PER_SECOND` readings a
//! second are stored (the model keeps the first ones of each batch: `Dashboard::keep_for_store`), twice the load
//! benchmark's rate, so that a flood cannot take the page's memory; the rest are counted as not stored, which the
//! page shows. While the database is slower than the readings come, batches wait in memory, at most
//! `MAX_UNWRITTEN` readings; beyond that the oldest are dropped and counted the same way.

use super::{committed, note_write, Store};
use crate::dashboard::{Dashboard, StoreBatch};
use leptos::logging::warn;
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;

/// How often a batch is written.
const WRITE_EVERY_MS: f64 = 1_000.0;
/// How often old readings are folded and pruned.
const MAINTAIN_EVERY_MS: f64 = 60_000.0;
/// Transactions in flight before further batches wait in memory.
const MAX_IN_FLIGHT: u32 = 3;
/// Readings waiting to be written, at most.
const MAX_UNWRITTEN: usize = 100_000;
/// Readings stored per second of batches, at most.
pub const MAX_STORED_PER_SECOND: usize = 10_000;
/// How often the cards' saved state goes with a batch (and whenever the page is hidden or exports): 500 cards
/// rewritten every second cost more than the readings.
const CARDS_EVERY_MS: f64 = 5_000.0;

pub struct Keeper {
    pub store: Rc<Store>,
    dashboard: RwSignal<Dashboard>,
    /// The oldest stored time, for `[data-field="history-since"]`.
    pub since: RwSignal<Option<u64>>,
    /// Bumped when stored rows changed in a way charts must reread (maintenance, clearing).
    pub changed: RwSignal<u64>,
    waiting: RefCell<StoreBatch>,
    in_flight: Cell<u32>,
    last_write_ms: Cell<f64>,
    /// When the cards' saved state was last written.
    last_cards_ms: Cell<f64>,
    last_maintain_ms: Cell<f64>,
    maintaining: Cell<bool>,
    /// Set for the write `pagehide` asks for: the page is going away (`Store::begin_write`).
    leaving: Cell<bool>,
    /// Readings counted but not stored (above `MAX_STORED_PER_SECOND`, the database too far behind, or a failed
    /// write).
    pub not_stored: RwSignal<u64>,
}

impl Keeper {
    /// Starts keeping `dashboard` in `store`, telling `since` the oldest stored time and bumping `changed` when
    /// stored rows changed; lives as long as the page.
    pub fn start(
        store: Rc<Store>,
        dashboard: RwSignal<Dashboard>,
        since: RwSignal<Option<u64>>,
        changed: RwSignal<u64>,
        not_stored: RwSignal<u64>,
    ) -> Rc<Keeper> {
        let keeper = Rc::new(Keeper {
            store,
            dashboard,
            since,
            changed,
            waiting: RefCell::new(StoreBatch::default()),
            in_flight: Cell::new(0),
            last_write_ms: Cell::new(0.0),
            last_cards_ms: Cell::new(0.0),
            last_maintain_ms: Cell::new(f64::NEG_INFINITY),
            maintaining: Cell::new(false),
            leaving: Cell::new(false),
            not_stored,
        });
        let beat = Rc::clone(&keeper);
        crate::connection::clock::start(move || beat.beat());
        // Hidden (tab switched, window closed, page reloaded): write now, while the page can.
        let hidden = Rc::clone(&keeper);
        let on_hide = Closure::<dyn FnMut(web_sys::Event)>::new(move |e: web_sys::Event| {
            hidden.leaving.set(e.type_() == "pagehide");
            hidden.flush(true);
        });
        if let Some(window) = web_sys::window() {
            for event in ["pagehide", "visibilitychange"] {
                let _ = window.add_event_listener_with_callback(event, on_hide.as_ref().unchecked_ref());
            }
        }
        on_hide.forget();
        keeper
    }

    fn beat(self: &Rc<Self>) {
        let now = js_sys::Date::now();
        if now - self.last_write_ms.get() >= WRITE_EVERY_MS {
            self.flush(false);
        }
        if now - self.last_maintain_ms.get() >= MAINTAIN_EVERY_MS && !self.maintaining.get() {
            self.last_maintain_ms.set(now);
            self.maintaining.set(true);
            let keeper = Rc::clone(self);
            spawn_local(async move {
                match keeper.store.maintain(now as u64).await {
                    // More than a pass takes (above ~800 readings a second): the next pass on the next beat, so
                    // folding keeps up with the readings and the full-resolution store stays about an hour.
                    Ok(true) => keeper.last_maintain_ms.set(f64::NEG_INFINITY),
                    Ok(false) => {}
                    Err(e) => warn!("history: folding old readings failed: {e}"),
                }
                keeper.refresh_since().await;
                keeper.changed.update(|n| *n += 1);
                keeper.maintaining.set(false);
            });
        }
    }

    /// Reads the oldest stored time again.
    pub async fn refresh_since(&self) {
        match self.store.oldest_ms().await {
            Ok(oldest) => self.since.set(oldest),
            Err(e) => warn!("history: cannot read the oldest stored time: {e}"),
        }
    }

    /// Takes what the model counted and starts writing it (with whatever waits) now, unless `MAX_IN_FLIGHT`
    /// writes are still going and it is not `urgent`; a transaction opened after this call sees these rows.
    pub fn flush(self: &Rc<Self>, urgent: bool) {
        let leaving = self.leaving.replace(false);
        let now = js_sys::Date::now();
        self.last_write_ms.set(now);
        // A page going away (or exporting) writes everything; otherwise the blocks that are due.
        let taken = self
            .dashboard
            .try_update_untracked(|d| {
                if urgent {
                    d.take_for_store()
                } else {
                    d.take_due_for_store(now as u64)
                }
            })
            .flatten();
        let mut waiting = self.waiting.borrow_mut();
        let mut skipped = 0;
        if let Some(batch) = taken {
            skipped += batch.skipped;
            waiting.records.extend(batch.records);
            for saved in batch.sensors {
                match waiting.sensors.iter_mut().find(|s| s.name == saved.name) {
                    Some(old) => *old = saved,
                    None => waiting.sensors.push(saved),
                }
            }
            let excess = waiting.records.len().saturating_sub(MAX_UNWRITTEN);
            waiting.records.drain(..excess);
            skipped += excess as u64;
        }
        if skipped > 0 {
            self.not_stored.update(|n| *n += skipped);
        }
        if self.in_flight.get() >= MAX_IN_FLIGHT && !urgent {
            return;
        }
        let records = std::mem::take(&mut waiting.records);
        let cards_due = urgent || now - self.last_cards_ms.get() >= CARDS_EVERY_MS;
        let sensors = if cards_due && !waiting.sensors.is_empty() {
            self.last_cards_ms.set(now);
            std::mem::take(&mut waiting.sensors)
        } else {
            Vec::new()
        };
        drop(waiting);
        if records.is_empty() && sensors.is_empty() {
            return;
        }
        let batch = StoreBatch {
            records,
            sensors,
            skipped: 0,
        };
        let started = js_sys::Date::now();
        let tx = match self.store.begin_write(&batch, leaving) {
            Ok(tx) => tx,
            Err(e) => {
                note_write(&Err(e.clone()), batch.records.len());
                warn!("history: cannot write {} readings: {e}", batch.records.len());
                self.not_stored.update(|n| *n += batch.records.len() as u64);
                return;
            }
        };
        self.in_flight.set(self.in_flight.get() + 1);
        let keeper = Rc::clone(self);
        spawn_local(async move {
            let outcome = committed(&tx).await.map(|()| js_sys::Date::now() - started);
            note_write(&outcome, batch.records.len());
            if let Err(e) = &outcome {
                warn!("history: writing {} readings failed: {e}", batch.records.len());
                keeper.not_stored.update(|n| *n += batch.records.len() as u64);
            }
            if keeper.since.get_untracked().is_none() {
                keeper.since.set(batch.records.iter().map(|r| r.at_ms).min());
            }
            keeper.in_flight.set(keeper.in_flight.get() - 1);
        });
    }

    /// Deletes everything stored; the cards keep what they show.
    pub async fn clear(&self) -> Result<(), String> {
        self.waiting.borrow_mut().records.clear();
        self.store.clear().await?;
        self.since.set(None);
        self.changed.update(|n| *n += 1);
        Ok(())
    }
}
