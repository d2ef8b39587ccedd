//! `SensorGrid`: one `SensorCard` per sensor seen on any broker, sorted by name. Re-lists only when a sensor is
//! added (sensors are never removed), not on every reading.

use super::SensorCard;
use crate::app::DashboardContext;
use leptos::prelude::*;

#[component]
pub fn SensorGrid() -> impl IntoView {
    let ctx = expect_context::<DashboardContext>();
    let count = Memo::new(move |_| ctx.dashboard.with(|d| d.sensor_count()));
    let names = Memo::new(move |_| {
        count.with(|_| ()); // reads (not just tracks) so the lazy memo computes and subscribes
        ctx.dashboard.with_untracked(|d| d.sensor_names())
    });
    view! {
        <section class="sensors" aria-label="Sensors">
            <p class="empty" hidden={Signal::derive(move || count.get() > 0)}>"Waiting for readings…"</p>
            <For each=move || names.get() key=|name| name.clone() children=move |name| view! { <SensorCard name/> }/>
        </section>
    }
}
