//! `OfflineBanner`: says when the page runs from this browser's saved copy because the web server is not reachable,
//! `[data-field="served-from"]`, present only then. Its wrapper's `data-shell` (`network` | `cache` | `none`) tells
//! where the page came from (`offline_shell::ShellSource`). Reads `OfflineShell`; writes nothing.

use crate::offline_shell::OfflineShell;
use leptos::prelude::*;

#[component]
pub fn OfflineBanner() -> impl IntoView {
    let shell = expect_context::<OfflineShell>();
    let source = Memo::new(move |_| shell.source());
    view! {
        <div class="offline-shell" data-shell=move || source.get().as_str()>
            {move || {
                source
                    .get()
                    .notice()
                    .map(|text| view! { <p class="served-from" role="status" data-field="served-from">{text}</p> })
            }}
        </div>
    }
}
