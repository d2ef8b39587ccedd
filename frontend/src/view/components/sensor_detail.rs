//! `SensorDetail`: the selected sensor's large view, `[data-detail=TYPE]`: its title in words (`Air quality`), its
//! value, state, alert level and the alert raised in words, and its `HistoryChart` over the range chosen with
//! `[data-range-choice=10m|1h|24h]` (the section's `data-range` says which), and the sensor's CSV export
//! (`[data-detail=TYPE] [data-action="export-csv"]`, same range). Hidden while nothing is selected; the close button,
//! or Enter on the selected card, deselects.

use super::HistoryChart;
use crate::archive::ChartRange;
use crate::storage::export::export_csv;
use crate::view::app::{DashboardContext, HistoryContext};
use leptos::prelude::*;
use leptos::task::spawn_local;
use sensor_wire::title_for;

#[component]
pub fn SensorDetail() -> impl IntoView {
    let ctx = expect_context::<DashboardContext>();
    let history = expect_context::<HistoryContext>();
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
    let range = move || history.range.get().as_str();
    let note = RwSignal::new(String::new());
    let export = move |_| {
        let (Some(keeper), Some(sensor)) = (history.keeper(), ctx.selected.get_untracked()) else {
            return;
        };
        let range = history.range.get_untracked();
        note.set("exporting…".into());
        spawn_local(async move {
            note.set(match export_csv(&keeper, Some(&sensor), range).await {
                Ok(name) => format!("saved {name}"),
                Err(e) => format!("export failed: {e}"),
            });
        });
    };
    let no_store = move || !history.ready.get() || history.keeper().is_none();
    let choices = ChartRange::ALL.map(|choice| {
        let pressed = move || (history.range.get() == choice).to_string();
        view! {
            <button type="button" data-range-choice=choice.as_str() aria-pressed=pressed on:click=move |_| history.range.set(choice)>
                {choice.as_str()}
            </button>
        }
    });

    view! {
        <section class="detail" data-detail=name data-range=range hidden=hidden aria-label="Selected sensor">
            <div class="detail-head">
                <h2>{title}</h2>
                <p class="detail-facts">{facts}</p>
                <button type="button" class="close" on:click=move |_| close()>"Close"</button>
            </div>
            <div class="detail-tools">
                <span class="ranges" role="group" aria-label="Chart range">{choices}</span>
                <button type="button" data-action="export-csv" disabled=no_store on:click=export>
                    "Export CSV (" {range} ")"
                </button>
                <span class="note" data-field="export-note" role="status">{move || note.get()}</span>
            </div>
            <HistoryChart/>
        </section>
    }
}
