//! `BrokerBar`: the brokers' health side by side, in configured order: `[data-broker=NAME][data-state=connected|
//! connecting|disconnected]` with `[data-field]` since, rate (msg/s), attempts (reconnects) and error (the last
//! error, also the `title`). Markup from `markup::brokers`, redrawn when any broker's health changes (about once a
//! second, as the rates are measured): one string for a handful of brokers costs less wasm than an element each.

use super::wall_clock;
use crate::app::DashboardContext;
use crate::markup;
use leptos::prelude::*;

#[component]
pub fn BrokerBar() -> impl IntoView {
    let ctx = expect_context::<DashboardContext>();
    // Recomputed on every update (two brokers: cheap), but the DOM is only written when the text changes, which
    // the per-message counters alone never cause.
    let items = Memo::new(move |_| ctx.dashboard.with(|d| markup::brokers(d.brokers(), &wall_clock)));
    view! {
        <ul class="brokers" aria-label="Brokers" inner_html={Signal::<String>::from(items)}></ul>
    }
}
