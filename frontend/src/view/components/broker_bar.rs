//! `BrokerBar`: the brokers' health side by side, in configured order, one `BrokerPanel` each (a keyed `<For/>`
//! over the broker indices: the list only changes when the config is loaded).

use super::BrokerPanel;
use crate::view::app::DashboardContext;
use leptos::prelude::*;

#[component]
pub fn BrokerBar() -> impl IntoView {
    let ctx = expect_context::<DashboardContext>();
    let count = Memo::new(move |_| ctx.dashboard.with(|d| d.brokers().len()));
    view! {
        <ul class="brokers" aria-label="Brokers">
            <For each=move || 0..count.get() key=|index| *index children=|index| view! { <BrokerPanel index/> }/>
        </ul>
    }
}
