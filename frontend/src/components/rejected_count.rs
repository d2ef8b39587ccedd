//! `RejectedCount`: the page-wide count of messages that failed validation, `[data-field="rejected"]`, with the last
//! reason as its title (hover) and in a disclosure for touch and keyboard users.

use crate::app::DashboardContext;
use leptos::prelude::*;

#[component]
pub fn RejectedCount() -> impl IntoView {
    let ctx = expect_context::<DashboardContext>();
    let rejected = Memo::new(move |_| ctx.dashboard.with(|d| d.rejected().clone()));
    let count = Signal::derive(move || rejected.with(|r| r.count.to_string()));
    let reason = Signal::derive(move || rejected.with(|r| r.last_reason.clone().unwrap_or_default()));
    let shown = Signal::derive(move || rejected.with(|r| r.last_reason.clone().unwrap_or_else(|| "none so far".to_owned())));
    view! {
        <details class="rejected" class:has-rejected=move || rejected.with(|r| r.count > 0)>
            <summary>
                "Rejected messages: "
                <span data-field="rejected" title=reason>{count}</span>
            </summary>
            <p class="rejected-reason">{shown}</p>
        </details>
    }
}
