//! `HistoryChart`: the large chart of the selected sensor, `svg[data-chart-detail=TYPE]`, over the whole history
//! window up to now: value axis with the unit, time axis with wall-clock times, the latest value marked and
//! labelled, failovers (`.mark.failover`) and failbacks (`.mark.failback`) as dashed lines naming the new broker.
//! The SVG's content comes from `view::chart::detailed`.

use crate::chart::{plot, start_of_axis, Area};
use crate::view::app::DashboardContext;
use crate::view::chart::detailed;
use crate::view::wall_clock::wall_clock;
use leptos::prelude::*;

const AREA: Area = Area {
    left: 64.0,
    top: 14.0,
    width: 630.0,
    height: 230.0,
};
/// The time axis spans at least this, so a young history is not stretched over the whole chart.
const MIN_SPAN_MS: u64 = 60_000;
const MAX_POINTS: usize = 600;
const TICKS: usize = 5;

/// When the chart needs a redraw: another sensor selected, the sensor changed, or the window moved a second.
#[derive(Debug, Clone, PartialEq)]
struct Drawn {
    sensor: String,
    revision: u64,
    second: u64,
}

#[component]
pub fn HistoryChart() -> impl IntoView {
    let ctx = expect_context::<DashboardContext>();
    let key = Memo::new(move |_| {
        let sensor = ctx.selected.get()?;
        ctx.dashboard.with(|d| {
            let revision = d.sensor(&sensor)?.revision;
            Some(Drawn {
                sensor,
                revision,
                second: d.now_ms() / 1_000,
            })
        })
    });
    let drawn = Memo::new(move |_| {
        key.with(|key| {
            let Some(Drawn { sensor, .. }) = key else {
                return String::new();
            };
            ctx.dashboard.with_untracked(|d| {
                let Some(s) = d.sensor(sensor) else {
                    return String::new();
                };
                let to = d.now_ms().max(s.history.latest().map_or(0, |p| p.at_ms));
                let from = start_of_axis(s.history.points(), to, s.history.window_ms(), MIN_SPAN_MS);
                let drawn = plot(s.history.points(), &s.switches, from, to, AREA, MAX_POINTS, TICKS);
                detailed(&drawn, AREA, s.unit().unwrap_or_default(), &s.value_text(), &wall_clock)
            })
        })
    });
    let name = Signal::derive(move || ctx.selected.get().unwrap_or_default());
    view! {
        <svg class="history" data-chart-detail=name viewBox="0 0 720 280" role="img" aria-label="History of the selected sensor, with times and failovers" inner_html=drawn></svg>
    }
}
