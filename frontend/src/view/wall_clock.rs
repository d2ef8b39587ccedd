//! `wall_clock`: local wall-clock time of a moment, as components show it. Uses the browser's time zone.

/// Local wall-clock time of `ms` since the Unix epoch, e.g. `14:03:07`.
pub fn wall_clock(ms: u64) -> String {
    let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(ms as f64));
    format!(
        "{:02}:{:02}:{:02}",
        date.get_hours(),
        date.get_minutes(),
        date.get_seconds()
    )
}
