//! `HistoryBar`: what the browser stores, `[data-history=on|off|loading]`: the oldest stored time
//! (`[data-field="history-since"]`, with `data-since-ms`), CSV export of every sensor over the chosen range
//! (`[data-action="export-csv"]`), and clearing the store (`[data-action="clear-history"]`, after a confirmation).
//! With storage off, says why. The result of the last export or clear is in `[data-field="history-note"]`;
//! readings counted but not stored (above the store's rate) in `[data-field="history-not-stored"]`.

use crate::storage::export::export_csv;
use crate::storage::keeper::MAX_STORED_PER_SECOND;
use crate::view::app::HistoryContext;
use crate::view::wall_clock::wall_clock;
use leptos::prelude::*;
use leptos::task::spawn_local;

#[component]
pub fn HistoryBar() -> impl IntoView {
    let history = expect_context::<HistoryContext>();
    let note = RwSignal::new(String::new());
    // `ready` is read first: the keeper (not reactive itself) is set just before it turns true.
    let state = move || match (history.ready.get(), history.keeper().is_some()) {
        (false, _) => "loading",
        (true, true) => "on",
        (true, false) => "off",
    };
    let since_ms = move || history.since.get().map(|ms| ms.to_string()).unwrap_or_default();
    let since_text = move || match (state(), history.since.get()) {
        ("loading", _) => "loading…".to_owned(),
        ("on", Some(ms)) => format!("since {}", wall_clock(ms)),
        ("on", None) => "nothing yet".to_owned(),
        _ => format!("not stored: {}", history.off_reason.get()),
    };
    let export = move |_| {
        let Some(keeper) = history.keeper() else { return };
        let range = history.range.get_untracked();
        note.set("exporting…".into());
        spawn_local(async move {
            note.set(match export_csv(&keeper, None, range).await {
                Ok(name) => format!("saved {name}"),
                Err(e) => format!("export failed: {e}"),
            });
        });
    };
    let clear = move |_| {
        let Some(keeper) = history.keeper() else { return };
        let sure = web_sys::window()
            .and_then(|w| {
                w.confirm_with_message("Delete every reading stored in this browser?")
                    .ok()
            })
            .unwrap_or(false);
        if !sure {
            return;
        }
        spawn_local(async move {
            note.set(match keeper.clear().await {
                Ok(()) => "stored history cleared".to_owned(),
                Err(e) => format!("clearing failed: {e}"),
            });
        });
    };
    let off = move || state() != "on";
    let range = move || history.range.get().as_str();
    view! {
        <section class="history-bar" data-history=state aria-label="Stored history">
            <span>"History in this browser: "</span>
            <span data-field="history-since" data-since-ms=since_ms>{since_text}</span>
            <button type="button" data-action="export-csv" disabled=off on:click=export>
                "Export CSV (all sensors, " {range} ")"
            </button>
            <button type="button" data-action="clear-history" disabled=off on:click=clear>"Clear history"</button>
            <span class="note" data-field="history-not-stored" data-count=move || history.not_stored.get() hidden=move || history.not_stored.get() == 0>
                {move || format!("{} readings not stored (over {MAX_STORED_PER_SECOND} a second, or a write failed: see the console)", history.not_stored.get())}
            </span>
            <span class="note" data-field="history-note" role="status">{move || note.get()}</span>
        </section>
    }
}
