//! Shell: IndexedDB's callbacks as futures. A request or a transaction becomes a `Promise` whose resolve and reject
//! are the request's own handlers, so no Rust closure is left behind whichever of them fires. Awaiting one keeps a
//! transaction alive: the future resumes in a microtask of the success event.

use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{IdbRequest, IdbTransaction};

/// The request's result, or its error as text.
pub async fn done(request: &IdbRequest) -> Result<JsValue, String> {
    let promise = js_sys::Promise::new(&mut |resolve, reject| {
        request.set_onsuccess(Some(&resolve));
        request.set_onerror(Some(&reject));
    });
    let outcome = JsFuture::from(promise).await;
    request.set_onsuccess(None);
    request.set_onerror(None);
    match outcome {
        Ok(_) => request.result().map_err(|e| describe(&e)),
        Err(_) => Err(request
            .error()
            .ok()
            .flatten()
            .map_or_else(|| "request failed".to_owned(), |e| e.message())),
    }
}

/// Waits until the transaction committed; its error (or that it was aborted) as text.
pub async fn committed(tx: &IdbTransaction) -> Result<(), String> {
    let promise = js_sys::Promise::new(&mut |resolve, reject| {
        tx.set_oncomplete(Some(&resolve));
        tx.set_onerror(Some(&reject));
        tx.set_onabort(Some(&reject));
    });
    let outcome = JsFuture::from(promise).await;
    tx.set_oncomplete(None);
    tx.set_onerror(None);
    tx.set_onabort(None);
    outcome.map(|_| ()).map_err(|_| {
        tx.error()
            .map_or_else(|| "transaction aborted".to_owned(), |e| e.message())
    })
}

/// A thrown JavaScript value as one line.
pub fn describe(e: &JsValue) -> String {
    e.dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| e.as_string())
        .unwrap_or_else(|| format!("{e:?}"))
}
