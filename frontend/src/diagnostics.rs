//! Shell: numbers about the page itself for the benchmarks, exported to JavaScript (trunk's loader puts the exports
//! on `window.wasmBindings`). Reads only; the dashboard never calls it.

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
