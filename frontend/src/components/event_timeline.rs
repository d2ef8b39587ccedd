//! `EventTimeline`: what happened, newest first: `li[data-event=ID][data-kind=KIND]` with the time, kind, subject
//! and detail (markup from `markup::timeline`). Under a flood of events it redraws at most four times a second
//! (and on the next second's tick).

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
    let key = Memo::new(move |previous: Option<&(u64, u64)>| {
        let (revision, now) = ctx.dashboard.with(|d| (d.timeline().revision(), d.now_ms()));
        match previous {
            Some(&(shown, at)) if shown == revision || now < at + REDRAW_MS => (shown, at),
            _ => (revision, now),
        }
    });
    let items = Memo::new(move |_| {
        key.with(|_| ()); // reads (not just tracks) so the lazy memo computes and subscribes
        ctx.dashboard
            .with_untracked(|d| markup::timeline(d.timeline().entries().take(SHOWN), &wall_clock))
    });
    view! {
        <aside class="timeline" aria-labelledby="timeline-title">
            <h2 id="timeline-title">"Timeline"</h2>
            <p class="empty" hidden={Signal::derive(move || key.get().0 > 0)}>"Nothing has happened yet."</p>
            <ol class="events" inner_html={Signal::<String>::from(items)}></ol>
        </aside>
    }
}
