//! `AlertAnnouncer`: an ARIA live region, `[data-field="announcement"]`, that speaks the newest alert crossing,
//! sensor going offline or broker going down (`Timeline::announcement`). Visually hidden: the same facts are on the
//! cards and in the timeline.

use crate::app::DashboardContext;
use leptos::prelude::*;

#[component]
pub fn AlertAnnouncer() -> impl IntoView {
    let ctx = expect_context::<DashboardContext>();
    let text = Signal::derive(move || ctx.dashboard.with(|d| d.timeline().announcement().unwrap_or_default()));
    view! {
        <div class="visually-hidden" role="status" aria-live="polite" aria-atomic="true" data-field="announcement">
            {text}
        </div>
    }
}
