//! `SensorDetail`: the selected sensor's large view, `[data-detail=TYPE]`: its title in words (`Air quality`), its
//! value, state, alert level and the alert raised in words, and its `HistoryChart`. Hidden while nothing is
//! selected; the close button, or Enter on the selected card, deselects.

use super::HistoryChart;
use crate::view::app::DashboardContext;
use leptos::prelude::*;
use sensor_wire::title_for;

#[component]
pub fn SensorDetail() -> impl IntoView {
    let ctx = expect_context::<DashboardContext>();
    let name = Signal::derive(move || ctx.selected.get().unwrap_or_default());
    let title = Signal::derive(move || name.with(|n| title_for(n).into_owned()));
    let facts = Memo::new(move |_| {
        let Some(name) = ctx.selected.get() else {
            return String::new();
        };
        ctx.dashboard.with(|d| {
            d.sensor(&name).map_or(String::new(), |s| {
                let via = s.latest.as_ref().map_or("", |l| l.broker_used.as_str());
                format!(
                    "{} · {} · alert {} (raised {}) · via {via}",
                    s.value_text(),
                    s.state.as_str(),
                    s.alert.as_str(),
                    s.raised().as_str()
                )
            })
        })
    });
    let hidden = Signal::derive(move || ctx.selected.with(Option::is_none));
    let close = move || ctx.selected.set(None);

    view! {
        <section class="detail" data-detail=name hidden=hidden aria-label="Selected sensor">
            <div class="detail-head">
                <h2>{title}</h2>
                <p class="detail-facts">{facts}</p>
                <button type="button" class="close" on:click=move |_| close()>"Close"</button>
            </div>
            <HistoryChart/>
        </section>
    }
}
