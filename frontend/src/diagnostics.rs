//! Shell: numbers about the page itself (memory, the store's writes) for the benchmarks, exported to JavaScript
//! (trunk's loader puts the exports on `window.wasmBindings`). Reads only; the dashboard never calls it.

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// The size of the wasm linear memory in bytes (it only grows): `window.wasmBindings.wasm_memory_bytes()`.
#[wasm_bindgen]
pub fn wasm_memory_bytes() -> f64 {
    wasm_bindgen::memory()
        .dyn_into::<js_sys::WebAssembly::Memory>()
        .map_or(0.0, |m| {
            f64::from(m.buffer().unchecked_into::<js_sys::ArrayBuffer>().byte_length())
        })
}

/// The store's batch writes so far, as JSON: `{"batches", "records", "failures", "last_error", "times_ms": [...]}`
/// (the most recent write times in whole ms, from a transaction's start to its commit): `wasmBindings.history_write_stats()`.
#[wasm_bindgen]
pub fn history_write_stats() -> String {
    crate::storage::STATS.with(|s| {
        let s = s.borrow();
        // Whole ms (a float format would add its code to the first load for a benchmark's sake).
        let times: Vec<String> = s.times_ms.iter().map(|t| (t.round() as u64).to_string()).collect();
        let error = s.last_error.as_deref().unwrap_or("").replace(['"', '\\'], "'");
        format!(
            r#"{{"batches":{},"records":{},"failures":{},"last_error":"{error}","times_ms":[{}]}}"#,
            s.batches,
            s.records,
            s.failures,
            times.join(",")
        )
    })
}
