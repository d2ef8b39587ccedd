//! Shell: the page's beat, about every 500 ms, that drives session deadlines and pings and the model's sense of
//! time. Browsers throttle timers in background tabs (to once a minute after five minutes hidden), which would let
//! the brokers drop an idle session, so the beat comes from a tiny dedicated worker made from a Blob URL, whose
//! timers are not throttled. Where the worker cannot start (e.g. a CSP without `worker-src blob:`), a page timer
//! stands in; the sessions also ping on received traffic, so a busy session stays up either way.

use gloo_timers::callback::Interval;
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Blob, BlobPropertyBag, MessageEvent, Url, Worker};

/// Beat period.
pub const BEAT_MS: u32 = 500;
/// The worker's whole source.
const WORKER_JS: &str = "setInterval(function(){postMessage(0)},500)";
/// The page timer beats when the worker has been silent this long.
const WORKER_SILENT_MS: f64 = 1_200.0;

/// Calls `beat` about every `BEAT_MS` for the rest of the page's life.
pub fn start(beat: impl FnMut() + 'static) {
    let beat = Rc::new(RefCell::new(beat));
    let last_worker_beat = Rc::new(Cell::new(f64::NEG_INFINITY));
    {
        let beat = Rc::clone(&beat);
        let last = Rc::clone(&last_worker_beat);
        let started = start_worker(move || {
            last.set(js_sys::Date::now());
            if let Ok(mut beat) = beat.try_borrow_mut() {
                beat();
            }
        });
        if let Err(e) = started {
            web_sys::console::warn_2(&"no worker clock, background tabs may be throttled:".into(), &e);
        }
    }
    // The fallback: beats only while the worker is silent.
    let fallback = Interval::new(BEAT_MS, move || {
        if js_sys::Date::now() - last_worker_beat.get() > WORKER_SILENT_MS {
            if let Ok(mut beat) = beat.try_borrow_mut() {
                beat();
            }
        }
    });
    fallback.forget();
}

fn start_worker(mut on_beat: impl FnMut() + 'static) -> Result<(), JsValue> {
    let parts = js_sys::Array::of1(&JsValue::from_str(WORKER_JS));
    let options = BlobPropertyBag::new();
    options.set_type("text/javascript");
    let blob = Blob::new_with_str_sequence_and_options(&parts, &options)?;
    let url = Url::create_object_url_with_blob(&blob)?;
    let worker = Worker::new(&url)?;
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |_: MessageEvent| on_beat());
    worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    // Both live as long as the page.
    on_message.forget();
    std::mem::forget(worker);
    Ok(())
}
