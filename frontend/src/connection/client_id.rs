//! Shell: the tab's MQTT client id, kept in `sessionStorage` so that a reload picks up the same persistent sessions
//! on the brokers (and whatever they queued meanwhile), while another tab gets sessions of its own. The only code
//! that touches `sessionStorage`.

use crate::session::Jitter;

/// The `sessionStorage` key.
const KEY: &str = "sensors-dashboard.client-id";

/// This tab's client id: the stored one, or a new random one (stored for the next load). Without storage (a
/// privacy mode that refuses it) every load gets a new id, which still works, only without resuming.
pub fn for_this_tab() -> String {
    let storage = web_sys::window().and_then(|w| w.session_storage().ok().flatten());
    if let Some(id) = storage
        .as_ref()
        .and_then(|s| s.get_item(KEY).ok().flatten())
        .filter(|id| is_ours(id))
    {
        return id;
    }
    let mut random = Jitter::new((js_sys::Math::random() * 9_007_199_254_740_992.0) as u64);
    let id = format!("dashboard-{:08x}{:08x}", random.next_u32(), random.next_u32());
    if let Some(storage) = storage {
        let _ = storage.set_item(KEY, &id);
    }
    id
}

/// A value this code wrote: `dashboard-` and 16 hex digits (anything else in the slot is replaced).
fn is_ours(id: &str) -> bool {
    id.strip_prefix("dashboard-")
        .is_some_and(|hex| hex.len() == 16 && hex.bytes().all(|b| b.is_ascii_hexdigit()))
}
