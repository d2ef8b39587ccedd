//! `AlertAnnouncer`: an ARIA live region, `[data-field="announcement"]`, that speaks the newest alert crossing,
//! sensor going offline or broker going down (`Timeline::announcement`). Visually hidden: the same facts are on the
//! cards and in the timeline.

use crate::view::app::DashboardContext;
use leptos::prelude::*;

#[component]
pub fn AlertAnnouncer() -> impl IntoView {
    let ctx = expect_context::<DashboardContext>();
    // The text is looked for only when the timeline gained an entry.
    let revision = Memo::new(move |_| ctx.dashboard.with(|d| d.timeline().revision()));
    let text = Memo::new(move |_| {
        let _ = revision.get(); // read, not only tracked: a memo computes (and subscribes to its sources) when read
        ctx.dashboard
            .with_untracked(|d| d.timeline().announcement().unwrap_or_default())
    });
    view! {
        <div class="visually-hidden" role="status" aria-live="polite" aria-atomic="true" data-field="announcement">
            {text}
        </div>
    }
}
