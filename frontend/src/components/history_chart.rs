//! `HistoryChart`: the large chart of the selected sensor, `svg[data-chart-detail=TYPE]`, over the whole history
//! window up to now: value axis with the unit, time axis with wall-clock times, the latest value marked and
//! labelled, failovers (`.mark.failover`) and failbacks (`.mark.failback`) as dashed lines naming the new broker.

use super::wall_clock;
use crate::app::DashboardContext;
use crate::chart::{plot, Area, Plot};
use leptos::prelude::*;

const WIDTH: f64 = 720.0;
const HEIGHT: f64 = 280.0;
const AREA: Area = Area {
    left: 64.0,
    top: 14.0,
    width: 630.0,
    height: 230.0,
};
const MAX_POINTS: usize = 600;
const TICKS: usize = 5;

#[derive(Debug, Clone, PartialEq, Default)]
struct Drawn {
    plot: Plot,
    unit: String,
    latest: String,
}

#[component]
pub fn HistoryChart(name: String) -> impl IntoView {
    let ctx = expect_context::<DashboardContext>();
    // Redraws on every change of the sensor and once a second as the window moves.
    let key = Memo::new({
        let name = name.clone();
        move |_| ctx.dashboard.with(|d| (d.sensor(&name).map_or(0, |s| s.revision), d.now_ms() / 1_000))
    });
    let drawn = Memo::new({
        let name = name.clone();
        move |_| {
            key.track();
            ctx.dashboard.with_untracked(|d| {
                let Some(s) = d.sensor(&name) else { return Drawn::default() };
                let points: Vec<_> = s.history.points().iter().copied().collect();
                let switches: Vec<_> = s.switches.iter().cloned().collect();
                let to = d.now_ms().max(s.history.latest().map_or(0, |p| p.at_ms));
                Drawn {
                    plot: plot(&points, &switches, to.saturating_sub(s.history.window_ms()), to, AREA, MAX_POINTS, TICKS),
                    unit: s.unit().unwrap_or_default().to_owned(),
                    latest: s.value_text(),
                }
            })
        }
    });
    let bottom = AREA.top + AREA.height;
    let right = AREA.left + AREA.width;
    let label = format!("{name}: history with times and failovers");
    view! {
        <svg class="history" data-chart-detail=name viewBox=format!("0 0 {WIDTH} {HEIGHT}") role="img" aria-label=label>
            <rect class="frame" x=AREA.left y=AREA.top width=AREA.width height=AREA.height/>
            {move || drawn.with(|d| d.plot.y_ticks.iter().map(|t| view! {
                <line class="grid" x1=AREA.left x2=right y1=t.at y2=t.at/>
                <text class="tick y" x=AREA.left - 6.0 y=t.at + 4.0>{format!("{} {}", t.value, d.unit)}</text>
            }).collect_view())}
            {move || drawn.with(|d| d.plot.x_ticks.iter().map(|t| view! {
                <line class="grid" x1=t.at x2=t.at y1=AREA.top y2=bottom/>
                <text class="tick x" x=t.at y=bottom + 18.0>{wall_clock(t.value as u64)}</text>
            }).collect_view())}
            {move || drawn.with(|d| d.plot.marks.iter().map(|m| {
                let class = if m.failback { "mark failback" } else { "mark failover" };
                let text = if m.failback { format!("failback → {}", m.to) } else { format!("failover → {}", m.to) };
                view! {
                    <line class=class x1=m.x x2=m.x y1=AREA.top y2=bottom/>
                    <text class="mark-label" x=m.x + 3.0 y=AREA.top + 12.0>{text}</text>
                }
            }).collect_view())}
            <path class="line" d=move || drawn.with(|d| d.plot.line.clone())/>
            {move || drawn.with(|d| d.plot.latest.map(|(x, y)| {
                let text = d.latest.clone();
                view! {
                    <circle class="latest" cx=x cy=y r="4"/>
                    <text class="latest-label" x=x - 6.0 y=(y - 8.0).max(AREA.top + 10.0)>{text}</text>
                }
            }))}
        </svg>
    }
}
