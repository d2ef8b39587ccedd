//! `EventTimeline`: what happened, newest first: `li[data-event=ID][data-kind=KIND]` with the time, kind, subject
//! and detail. Under a flood of events it redraws at most four times a second (and on the next second's tick).

use super::wall_clock;
use crate::app::DashboardContext;
use crate::dashboard::Entry;
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
    let entries = Memo::new(move |_| {
        key.track();
        ctx.dashboard
            .with_untracked(|d| d.timeline().entries().take(SHOWN).cloned().collect::<Vec<Entry>>())
    });
    view! {
        <aside class="timeline" aria-labelledby="timeline-title">
            <h2 id="timeline-title">"Timeline"</h2>
            <Show when=move || entries.with(Vec::is_empty)>
                <p class="empty">"Nothing has happened yet."</p>
            </Show>
            <ol class="events">
                <For each=move || entries.get() key=|e| e.id children=move |e| {
                    view! {
                        <li class="event" data-event=e.id data-kind=e.kind.as_str()>
                            <time>{wall_clock(e.at_ms)}</time>
                            " "
                            <span class="kind">{e.kind.as_str()}</span>
                            " "
                            <span class="subject">{e.subject}</span>
                            " "
                            <span class="detail-text">{e.detail}</span>
                        </li>
                    }
                }/>
            </ol>
        </aside>
    }
}
