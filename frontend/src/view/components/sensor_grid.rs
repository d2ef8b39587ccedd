//! `SensorGrid`: one `SensorCard` per sensor seen on any broker, sorted by name. Re-lists only when a sensor is
//! added (sensors are never removed), not on every reading. Hands each card its own revision signal, set by one
//! effect when that sensor changed: hundreds of cards each subscribed to the whole model would cost the reactive
//! graph quadratic time on every update (measured: most of a frame at 5,000 msg/s).
//!
//! Spends the page's work where it shows (issue 13, item 2): one `IntersectionObserver` tells which cards are on
//! screen (or within `VISIBLE_MARGIN` of it). Those follow every change; an off-screen card's revision is moved
//! on by a sweep that visits every card once per `OFFSCREEN_PERIOD_MS`, so its text is never older than that, and
//! its chart is not redrawn at all until it scrolls in (`CardVisibility`, read by `Sparkline`). A card scrolling in
//! catches up at once.

use super::SensorCard;
use crate::view::app::DashboardContext;
use leptos::prelude::*;
use std::time::Duration;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use web_sys::{IntersectionObserver, IntersectionObserverEntry, IntersectionObserverInit};

/// How far outside the viewport a card counts as visible, so a card is current before it scrolls in.
const VISIBLE_MARGIN: &str = "200px";
/// Every off-screen card's text is brought up to date at least this often.
const OFFSCREEN_PERIOD_MS: f64 = 500.0;
/// While off-screen cards wait for the sweep and no update comes, the sweep goes on at this pace.
const SWEEP_STEP: Duration = Duration::from_millis(125);

/// What the grid keeps per card, by `Sensor::index`.
#[derive(Clone, Copy)]
struct CardSignals {
    revision: RwSignal<u64>,
    visible: RwSignal<bool>,
}

/// Where the sweep over off-screen cards stands.
#[derive(Default)]
struct Sweep {
    /// Index of the next card to visit.
    cursor: usize,
    /// Cards due for a visit (fractions carried over between runs).
    credit: f64,
    last_ms: f64,
    step_armed: bool,
}

impl Sweep {
    /// The cards `[from, from + span)` (mod `n`) due for a visit by `now_ms`, advancing past them.
    fn advance(&mut self, n: usize, now_ms: f64) -> (usize, usize) {
        if n == 0 {
            return (0, 0);
        }
        let elapsed = (now_ms - self.last_ms).max(0.0);
        self.last_ms = now_ms;
        self.credit = (self.credit + n as f64 * elapsed / OFFSCREEN_PERIOD_MS).min(n as f64);
        let span = self.credit.floor() as usize;
        self.credit -= span as f64;
        let from = self.cursor % n;
        self.cursor = (from + span) % n;
        (from, span)
    }
}

/// Whether a card is on screen, for the parts of a card that can wait while it is not (its chart). Provided by
/// `SensorGrid`.
#[derive(Clone, Copy)]
pub struct CardVisibility {
    cards: StoredValue<(Owner, Vec<CardSignals>), LocalStorage>,
}

impl CardVisibility {
    fn card(&self, index: usize) -> CardSignals {
        self.cards.update_value(|(owner, cards)| {
            while cards.len() <= index {
                cards.push(owner.with(|| CardSignals {
                    revision: RwSignal::new(0),
                    visible: RwSignal::new(false),
                }));
            }
        });
        self.cards.with_value(|(_, cards)| cards[index])
    }

    /// Whether sensor `index`'s card is on screen or near it; reactive.
    pub fn of(&self, index: usize) -> Signal<bool> {
        self.card(index).visible.into()
    }
}

#[component]
pub fn SensorGrid() -> impl IntoView {
    let ctx = expect_context::<DashboardContext>();
    let count = Memo::new(move |_| ctx.dashboard.with(|d| d.sensor_count()));
    let names = Memo::new(move |_| {
        let _ = count.get(); // read, not only tracked: a memo computes (and subscribes to its sources) when read
        ctx.dashboard.with_untracked(|d| d.sensor_names())
    });
    // Signals per sensor, by `Sensor::index`, owned by the grid: a signal created while the effect below runs would
    // belong to the effect and be disposed on its next run.
    let cards = CardVisibility {
        cards: StoredValue::new_local((Owner::current().unwrap_or_default(), Vec::new())),
    };
    provide_context(cards);
    let sweep = StoredValue::new_local(Sweep::default());
    let sweep_step = RwSignal::new(0u64);
    // Owned by the grid's owner (as everything created in a component is), so it runs as long as the grid exists
    // and is disposed with it.
    Effect::new(move || {
        sweep_step.track();
        let now_ms = js_sys::Date::now();
        let waiting = ctx.dashboard.with(|d| {
            let n = d.sensor_count();
            let (from, span) = sweep.try_update_value(|s| s.advance(n, now_ms)).unwrap_or_default();
            let mut waiting = false;
            for sensor in d.sensors() {
                let card = cards.card(sensor.index);
                if card.revision.get_untracked() == sensor.revision {
                    continue;
                }
                let swept = (sensor.index + n - from) % n.max(1) < span;
                if swept || card.visible.get_untracked() {
                    card.revision.set(sensor.revision);
                } else {
                    waiting = true;
                }
            }
            waiting
        });
        // Off-screen cards behind: make sure the sweep reaches them even if no further update comes.
        if waiting && sweep.try_update_value(|s| !std::mem::replace(&mut s.step_armed, true)) == Some(true) {
            set_timeout(
                move || {
                    sweep.try_update_value(|s| s.step_armed = false);
                    sweep_step.try_update(|n| *n += 1);
                },
                SWEEP_STEP,
            );
        }
    });

    let section = NodeRef::<leptos::html::Section>::new();
    let observer = watch_visibility(ctx, cards);
    // Observes every card (observing one twice does nothing), in the next frame: by then the new cards are in the DOM.
    Effect::new(move || {
        let _ = names.get();
        let observer = observer.clone();
        request_animation_frame(move || {
            if let (Some(section), Some(observer)) = (section.get_untracked(), observer) {
                let children = section.children();
                for i in 0..children.length() {
                    if let Some(card) = children.item(i).filter(|c| c.has_attribute("data-sensor")) {
                        observer.observe(&card);
                    }
                }
            }
        });
    });

    view! {
        <section class="sensors" aria-label="Sensors" node_ref=section>
            // Hidden by CSS once there is a card.
            <p class="empty">"Waiting for readings…"</p>
            <For each=move || names.get() key=|name| name.clone() children=move |name| {
                let index = ctx.dashboard.with_untracked(|d| d.sensor(&name).map(|s| s.index));
                let revision = index.map_or_else(|| RwSignal::new(0), |i| cards.card(i).revision).read_only();
                view! { <SensorCard name revision/> }
            }/>
        </section>
    }
}

/// An `IntersectionObserver` that marks cards visible or not and brings a card that scrolls in up to date at once;
/// disconnected when the grid goes. `None` where the browser has none (every card then stays on the sweep).
fn watch_visibility(ctx: DashboardContext, cards: CardVisibility) -> Option<IntersectionObserver> {
    let on_change = Closure::<dyn FnMut(js_sys::Array)>::new(move |entries: js_sys::Array| {
        for entry in entries.iter() {
            let entry: IntersectionObserverEntry = entry.unchecked_into();
            let Some(name) = entry.target().get_attribute("data-sensor") else {
                continue;
            };
            let Some((index, revision)) = ctx
                .dashboard
                .with_untracked(|d| d.sensor(&name).map(|s| (s.index, s.revision)))
            else {
                continue;
            };
            let card = cards.card(index);
            let visible = entry.is_intersecting();
            if card.visible.get_untracked() != visible {
                card.visible.set(visible);
            }
            if visible && card.revision.get_untracked() != revision {
                card.revision.set(revision);
            }
        }
    });
    let options = IntersectionObserverInit::new();
    options.set_root_margin(VISIBLE_MARGIN);
    let observer = IntersectionObserver::new_with_options(on_change.as_ref().unchecked_ref(), &options).ok()?;
    let kept = StoredValue::new_local(Some((observer.clone(), on_change)));
    on_cleanup(move || {
        if let Some(Some((observer, _callback))) = kept.try_update_value(Option::take) {
            observer.disconnect();
        }
    });
    Some(observer)
}
