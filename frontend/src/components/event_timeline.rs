//! `EventTimeline`: what happened, newest first: `li[data-event=ID][data-kind=KIND]` with the time, kind, subject
//! and detail (markup from `markup::timeline`). Redrawn at most four times a second, so a flood of events costs
//! little; a new entry shows within a second (the model's clock ticks once a second).

use super::wall_clock;
use crate::app::DashboardContext;
use crate::markup;
use leptos::prelude::*;

/// Entries drawn; the model keeps more.
const SHOWN: usize = 100;
/// Least time between two redraws while entries keep coming.
const REDRAW_MS: u64 = 250;

#[component]
pub fn EventTimeline() -> impl IntoView {
    let ctx = expect_context::<DashboardContext>();
    // Changes every `REDRAW_MS` of model time; the markup is then rebuilt, and written only if it differs.
    let key = Memo::new(move |_| ctx.dashboard.with(|d| d.now_ms() / REDRAW_MS));
    let items = Memo::new(move |_| {
        key.with(|_| ()); // reads (not just tracks) so the lazy memo computes and subscribes
        ctx.dashboard
            .with_untracked(|d| markup::timeline(d.timeline().entries().take(SHOWN), &wall_clock))
    });
    view! {
        <aside class="timeline" aria-labelledby="timeline-title">
            <h2 id="timeline-title">"Timeline"</h2>
            <ol class="events" inner_html={Signal::<String>::from(items)}></ol>
            // Hidden by CSS once the list has entries.
            <p class="empty">"Nothing has happened yet."</p>
        </aside>
    }
}
