//! `BrokerBar`: the brokers' health side by side, one `BrokerStatus` each, in configured order.

use super::BrokerStatus;
use crate::app::DashboardContext;
use leptos::prelude::*;

#[component]
pub fn BrokerBar() -> impl IntoView {
    let ctx = expect_context::<DashboardContext>();
    let count = Memo::new(move |_| ctx.dashboard.with(|d| d.brokers().len()));
    view! {
        <ul class="brokers" aria-label="Brokers">
            <For each=move || 0..count.get() key=|index| *index children=move |index| view! { <BrokerStatus index/> }/>
        </ul>
    }
}
