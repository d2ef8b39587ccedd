//! `EventTimeline`: what happened, newest first: `li[data-event=ID][data-kind=KIND]` with the time, kind, subject
//! and detail. A keyed `<For/>` over the entries' ids: a new entry is one new element put in front, an entry that
//! falls off is one element removed, and the rest are never touched. Looked at at most four times a second, so a
//! flood of events costs little; a new entry shows within a second (the model's clock ticks once a second).
//! Above the list, one toggle button per group of kinds (`button[data-filter=broker|presence|alert]` with
//! `aria-pressed`): pressed shows the group. Which groups show is this component's own state (`dashboard::Filter`,
//! a view choice, not part of the model); the filtering itself is the model's `Timeline::filtered`.

use crate::dashboard::{Entry, Filter, Group};
use crate::view::app::DashboardContext;
use crate::view::wall_clock::wall_clock;
use leptos::prelude::*;

/// Entries drawn; the model keeps more.
const SHOWN: usize = 100;
/// Least time between two looks at the timeline while entries keep coming.
const REDRAW_MS: u64 = 250;

#[component]
pub fn EventTimeline() -> impl IntoView {
    let ctx = expect_context::<DashboardContext>();
    // Changes every `REDRAW_MS` of model time…
    let window = Memo::new(move |_| ctx.dashboard.with(|d| d.now_ms() / REDRAW_MS));
    // …when the newest entry is looked up; only a new one changes it…
    let newest = Memo::new(move |_| {
        let _ = window.get(); // read, not only tracked: a memo computes (and subscribes to its sources) when read
        ctx.dashboard.with_untracked(|d| d.timeline().revision())
    });
    let filter = RwSignal::new(Filter::default());
    // …and only then, or when the filter changes, are the shown entries listed again.
    let entries = Memo::new(move |_| {
        let _ = newest.get();
        let filter = filter.get();
        ctx.dashboard
            .with_untracked(|d| d.timeline().filtered(filter, SHOWN).cloned().collect::<Vec<Entry>>())
    });
    let toggles = Group::ALL.map(|group| {
        let pressed = move || {
            if filter.get().shows_group(group) {
                "true"
            } else {
                "false"
            }
        };
        view! {
            <button type="button" class="filter" data-filter=group.as_str() aria-pressed=pressed
                on:click=move |_| filter.update(|f| f.toggle(group))>
                {group.label()}
            </button>
        }
    });
    view! {
        <aside class="timeline" aria-labelledby="timeline-title">
            <h2 id="timeline-title">"Timeline"</h2>
            <div class="filters" role="group" aria-label="Show in the timeline">{toggles}</div>
            <ol class="events">
                <For each=move || entries.get() key=|e| e.id children=|e| {
                    let kind = e.kind.as_str();
                    view! {
                        <li class="event" data-event=e.id.to_string() data-kind=kind>
                            <time>{wall_clock(e.at_ms)}</time>" "
                            <span class="kind">{kind}</span>" "
                            <span class="subject">{e.subject}</span>" "
                            <span class="detail-text">{e.detail}</span>
                        </li>
                    }
                }/>
            </ol>
            // Hidden by CSS once the list has entries.
            <p class="empty">"Nothing to show yet."</p>
        </aside>
    }
}
