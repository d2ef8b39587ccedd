//! `SensorGrid`: one `SensorCard` per sensor seen on any broker, sorted by name. Re-lists only when a sensor is
//! added (sensors are never removed), not on every reading. Hands each card its own revision signal, set by one
//! effect when that sensor changed: hundreds of cards each subscribed to the whole model would cost the reactive
//! graph quadratic time on every update (measured: most of a frame at 5,000 msg/s).

use super::SensorCard;
use crate::view::app::DashboardContext;
use leptos::prelude::*;

#[component]
pub fn SensorGrid() -> impl IntoView {
    let ctx = expect_context::<DashboardContext>();
    let count = Memo::new(move |_| ctx.dashboard.with(|d| d.sensor_count()));
    let names = Memo::new(move |_| {
        let _ = count.get(); // read, not only tracked: a memo computes (and subscribes to its sources) when read
        ctx.dashboard.with_untracked(|d| d.sensor_names())
    });
    // One revision signal per sensor, by `Sensor::index`, owned by the grid: a signal created while the effect
    // below runs would belong to the effect and be disposed on its next run.
    let revisions: StoredValue<(Owner, Vec<RwSignal<u64>>), LocalStorage> =
        StoredValue::new_local((Owner::current().unwrap_or_default(), Vec::new()));
    let revision_of = move |index: usize| {
        revisions.update_value(|(owner, signals)| {
            while signals.len() <= index {
                signals.push(owner.with(|| RwSignal::new(0)));
            }
        });
        revisions.with_value(|(_, signals)| signals[index])
    };
    // Owned by the grid's owner (as everything created in a component is), so it runs as long as the grid exists
    // and is disposed with it.
    Effect::new(move || {
        ctx.dashboard.with(|d| {
            for sensor in d.sensors() {
                let signal = revision_of(sensor.index);
                if signal.get_untracked() != sensor.revision {
                    signal.set(sensor.revision);
                }
            }
        })
    });
    view! {
        <section class="sensors" aria-label="Sensors">
            // Hidden by CSS once there is a card.
            <p class="empty">"Waiting for readings…"</p>
            <For each=move || names.get() key=|name| name.clone() children=move |name| {
                let index = ctx.dashboard.with_untracked(|d| d.sensor(&name).map(|s| s.index));
                let revision = index.map_or_else(|| RwSignal::new(0), revision_of).read_only();
                view! { <SensorCard name revision/> }
            }/>
        </section>
    }
}
