//! `RejectedCount`: the page-wide count of messages that failed validation, `[data-field="rejected"]` (marked
//! `has-rejected` once there is one), with the last reason (`topic: why`) as its title (hover) and in a disclosure
//! for touch and keyboard users. Only the count's text and attributes change, so an open disclosure stays open.

use crate::dashboard::Rejected;
use crate::view::app::DashboardContext;
use leptos::prelude::*;

#[component]
pub fn RejectedCount() -> impl IntoView {
    let ctx = expect_context::<DashboardContext>();
    // The count changes with every rejection, the reason with it: copy the reason out only then.
    let count = Memo::new(move |_| ctx.dashboard.with(|d| d.rejected().count));
    let rejected = Memo::new(move |_| {
        let _ = count.get(); // read, not only tracked: a memo computes (and subscribes to its sources) when read
        ctx.dashboard.with_untracked(|d| d.rejected().clone())
    });
    let reason = move |none: &'static str| {
        Signal::derive(move || rejected.with(|r: &Rejected| r.last_reason.clone().unwrap_or_else(|| none.to_owned())))
    };
    view! {
        <details class="rejected">
            <summary>
                "Rejected messages: "
                <span data-field="rejected" class=("has-rejected", move || count.get() > 0) title=reason("")>
                    {move || count.get().to_string()}
                </span>
            </summary>
            <p class="rejected-reason">{reason("none so far")}</p>
        </details>
    }
}
