//! `SensorDetail`: the selected sensor's large view, `[data-detail=TYPE]`: its value, state and alert in words and
//! its `HistoryChart`. Absent while nothing is selected; Escape or the close button deselects.

use super::HistoryChart;
use crate::app::DashboardContext;
use crate::dashboard::Sensor;
use leptos::ev::KeyboardEvent;
use leptos::prelude::*;

#[component]
pub fn SensorDetail() -> impl IntoView {
    let ctx = expect_context::<DashboardContext>();
    move || {
        ctx.selected.get().map(|name| {
            let summary = Memo::new({
                let name = name.clone();
                move |_| ctx.dashboard.with(|d| d.sensor(&name).map(Sensor::summary))
            });
            let facts = move || {
                summary.with(|s| {
                    s.as_ref().map_or(String::new(), |s| {
                        format!("{} · {} · alert {} · via {}", s.value, s.state.as_str(), s.alert.as_str(), s.broker)
                    })
                })
            };
            let close = move || ctx.selected.set(None);
            let on_key = move |e: KeyboardEvent| {
                if e.key() == "Escape" {
                    close();
                }
            };
            let title = name.clone();
            let chart = name.clone();
            view! {
                <section class="detail" data-detail=name aria-label=format!("{title} in detail") on:keydown=on_key>
                    <div class="detail-head">
                        <h2>{title}</h2>
                        <p class="detail-facts">{facts}</p>
                        <button type="button" class="close" on:click=move |_| close()>"Close"</button>
                    </div>
                    <HistoryChart name=chart/>
                </section>
            }
        })
    }
}
