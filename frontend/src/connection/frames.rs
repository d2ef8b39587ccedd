//! Shell: decouples ingest from rendering. Events from every broker are buffered and applied to the
//! `RwSignal<Dashboard>` in one `update` per animation frame, so 5,000 messages a second cost one redraw per frame.
//! A hidden tab gets no animation frames: then the clock flushes, and a full buffer flushes at once, so the buffer
//! stays bounded. A page being hidden or closed (`pagehide`, `visibilitychange`) applies the buffer at once, so
//! what was acknowledged to a broker is in the model before the store's keeper writes its last batch. Decides
//! nothing about the events themselves.

use crate::dashboard::{Dashboard, Event};
use leptos::prelude::*;
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;

/// Events buffered before they are applied without waiting for a frame.
const MAX_BUFFERED: usize = 20_000;
/// With a frame requested but not run for this long (a hidden tab), the clock applies the buffer itself.
const FRAME_OVERDUE_MS: u64 = 250;
/// How often the model is told the time (stale sensors, message rates).
const MODEL_TICK_MS: u64 = 1_000;

pub struct Inbox {
    dashboard: RwSignal<Dashboard>,
    buffer: RefCell<Vec<Event>>,
    frame_requested: Cell<bool>,
    last_flush_ms: Cell<u64>,
    last_model_tick_ms: Cell<u64>,
}

impl Inbox {
    pub fn new(dashboard: RwSignal<Dashboard>) -> Rc<Self> {
        let inbox = Rc::new(Self {
            dashboard,
            buffer: RefCell::new(Vec::new()),
            frame_requested: Cell::new(false),
            last_flush_ms: Cell::new(0),
            last_model_tick_ms: Cell::new(0),
        });
        let hidden = Rc::clone(&inbox);
        let on_hide = Closure::<dyn FnMut()>::new(move || hidden.flush());
        if let Some(window) = web_sys::window() {
            for event in ["pagehide", "visibilitychange"] {
                let _ = window.add_event_listener_with_callback(event, on_hide.as_ref().unchecked_ref());
            }
        }
        // Listens as long as the page lives.
        on_hide.forget();
        inbox
    }

    /// Queues events for the next frame.
    pub fn push(self: &Rc<Self>, events: Vec<Event>) {
        let full = {
            let mut buffer = self.buffer.borrow_mut();
            buffer.extend(events);
            buffer.len() >= MAX_BUFFERED
        };
        if full {
            self.flush();
        } else {
            self.request_frame();
        }
    }

    /// The clock's beat (about every 500 ms, also in a hidden tab): tells the model the time once a second and
    /// applies the buffer if frames are not running.
    pub fn tick(self: &Rc<Self>, now_ms: u64) {
        if now_ms >= self.last_model_tick_ms.get() + MODEL_TICK_MS {
            self.last_model_tick_ms.set(now_ms);
            self.buffer.borrow_mut().push(Event::Tick { at_ms: now_ms });
            self.request_frame();
        }
        if self.frame_requested.get() && now_ms >= self.last_flush_ms.get() + FRAME_OVERDUE_MS {
            self.flush();
        }
    }

    fn request_frame(self: &Rc<Self>) {
        if self.frame_requested.replace(true) {
            return;
        }
        let inbox = Rc::clone(self);
        let on_frame = Closure::once_into_js(move || {
            inbox.frame_requested.set(false);
            inbox.flush();
        });
        let requested = web_sys::window().map(|w| w.request_animation_frame(on_frame.unchecked_ref()));
        if !matches!(requested, Some(Ok(_))) {
            self.frame_requested.set(false);
            self.flush();
        }
    }

    /// Applies everything buffered in one update.
    fn flush(&self) {
        self.last_flush_ms.set(js_sys::Date::now() as u64);
        let events = std::mem::take(&mut *self.buffer.borrow_mut());
        if !events.is_empty() {
            self.dashboard
                .try_update(|d| events.into_iter().for_each(|e| d.apply(e)));
        }
    }
}
