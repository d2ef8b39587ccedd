//! Shell: registers the service worker `sw.js` and reads the page's `served-from` mark, into one signal the view
//! reads (`OfflineShell`, provided by `App`). The only code that touches `navigator.serviceWorker`; every decision is
//! in `offline_shell`. A page that cannot have a worker logs one line saying why and works as before.

use super::{registration_failed, unavailable_reason, Registration, ShellSource, ShellStatus};
use super::{SERVED_FROM_META, WORKER_SCRIPT};
use leptos::logging::{log, warn};
use leptos::prelude::*;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

/// The shell's state for the view; `App` provides it as context.
#[derive(Clone, Copy)]
pub struct OfflineShell {
    status: RwSignal<ShellStatus>,
}

impl OfflineShell {
    /// Where this page came from; reactive.
    pub fn source(&self) -> ShellSource {
        self.status.with(ShellStatus::source)
    }
}

/// Reads the mark, starts registering `sw.js` in the background; call once, in `App`.
pub fn start() -> OfflineShell {
    let status = RwSignal::new(ShellStatus::new(served_from_mark().as_deref()));
    leptos::task::spawn_local(async move {
        let registration = match register().await {
            Ok(scope) => {
                log!("offline shell: {WORKER_SCRIPT} keeps a copy of this page for {scope}");
                Registration::Registered
            }
            Err(why) => {
                warn!("{why}");
                Registration::Unavailable
            }
        };
        status.update(|s| s.set_registration(registration));
    });
    OfflineShell { status }
}

/// `<meta name="served-from" content=…>`'s content, if the page has one.
fn served_from_mark() -> Option<String> {
    web_sys::window()?
        .document()?
        .query_selector(&format!("meta[name=\"{SERVED_FROM_META}\"]"))
        .ok()??
        .get_attribute("content")
}

/// Registers the worker (or finds it registered); its scope, or the console line saying why not.
async fn register() -> Result<String, String> {
    let window = web_sys::window().ok_or_else(|| registration_failed("no window"))?;
    let origin = window.location().origin().unwrap_or_default();
    let navigator = window.navigator();
    let supported = js_sys::Reflect::has(&navigator, &JsValue::from_str("serviceWorker")).unwrap_or(false);
    if let Some(why) = unavailable_reason(&origin, window.is_secure_context(), supported) {
        return Err(why);
    }
    let registration = JsFuture::from(navigator.service_worker().register(WORKER_SCRIPT))
        .await
        .map_err(|e| registration_failed(&text_of(&e)))?;
    let registration: web_sys::ServiceWorkerRegistration = registration.unchecked_into();
    Ok(registration.scope())
}

fn text_of(e: &JsValue) -> String {
    e.dyn_ref::<js_sys::Error>()
        .map(|e| format!("{}: {}", String::from(e.name()), String::from(e.message())))
        .or_else(|| e.as_string())
        .unwrap_or_else(|| "unknown error".to_owned())
}
