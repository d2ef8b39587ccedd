//! `RejectedCount`: the page-wide count of messages that failed validation, `[data-field="rejected"]`, with the last
//! reason as its title (hover) and in a disclosure for touch and keyboard users. The summary line is markup from
//! `markup::rejected` (one string, less wasm than reactive parts); the disclosure itself is never redrawn, so it
//! stays open.

use crate::app::DashboardContext;
use crate::markup;
use leptos::prelude::*;

#[component]
pub fn RejectedCount() -> impl IntoView {
    let ctx = expect_context::<DashboardContext>();
    let summary = Memo::new(move |_| ctx.dashboard.with(|d| markup::rejected(d.rejected())));
    let reason = Signal::derive(move || {
        ctx.dashboard.with(|d| {
            d.rejected()
                .last_reason
                .clone()
                .unwrap_or_else(|| "none so far".to_owned())
        })
    });
    view! {
        <details class="rejected">
            <summary inner_html={Signal::<String>::from(summary)}></summary>
            <p class="rejected-reason">{reason}</p>
        </details>
    }
}
