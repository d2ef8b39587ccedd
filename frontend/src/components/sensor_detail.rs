//! `SensorDetail`: the selected sensor's large view, `[data-detail=TYPE]`: its value, state and alert in words and
//! its `HistoryChart`. Hidden while nothing is selected; Escape, the close button or the selected card deselects.

use super::HistoryChart;
use crate::app::DashboardContext;
use crate::dashboard::Sensor;
use leptos::ev::KeyboardEvent;
use leptos::prelude::*;

#[component]
pub fn SensorDetail() -> impl IntoView {
    let ctx = expect_context::<DashboardContext>();
    let name = Signal::derive(move || ctx.selected.get().unwrap_or_default());
    let summary = Memo::new(move |_| {
        let name = ctx.selected.get()?;
        ctx.dashboard.with(|d| d.sensor(&name).map(Sensor::summary))
    });
    let facts = Signal::derive(move || {
        summary.with(|s| {
            s.as_ref().map_or(String::new(), |s| {
                format!("{} · {} · alert {} · via {}", s.value, s.state.as_str(), s.alert.as_str(), s.broker)
            })
        })
    });
    let hidden = Signal::derive(move || ctx.selected.with(Option::is_none));
    let close = move || ctx.selected.set(None);
    let on_key = move |e: KeyboardEvent| {
        if e.key() == "Escape" {
            close();
        }
    };
    view! {
        <section class="detail" data-detail=name hidden=hidden aria-label="Selected sensor" on:keydown=on_key>
            <div class="detail-head">
                <h2>{name}</h2>
                <p class="detail-facts">{facts}</p>
                <button type="button" class="close" on:click=move |_| close()>"Close"</button>
            </div>
            <HistoryChart/>
        </section>
    }
}
