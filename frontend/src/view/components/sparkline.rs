//! `Sparkline`: a sensor's history as a small line chart on its card, `svg[data-chart=TYPE]`, with failover moments
//! as vertical marks. Redraws only when a new history point (bucket) or switch appears, so a card costs at most
//! one redraw per bucket (1 s with 10 minutes of history, never under `MIN_BUCKET_MS`) however fast readings come;
//! and only while its card is on screen (`CardVisibility`): an off-screen chart is brought up to date when it
//! scrolls in. The SVG's content comes from `view::chart::sparkline`; `data-points` says how many points it drew.

use crate::chart::{plot, start_of_axis, Area, Data};
use crate::view::app::DashboardContext;
use crate::view::chart::sparkline;
use crate::view::components::CardVisibility;
use leptos::prelude::*;

const WIDTH: f64 = 240.0;
const HEIGHT: f64 = 48.0;
/// The time axis spans at least this, so a young history is not stretched over the whole chart.
const MIN_SPAN_MS: u64 = 30_000;
/// Points drawn at most; the history's extra detail is for the large chart.
const MAX_POINTS: usize = 120;
const AREA: Area = Area {
    left: 1.0,
    top: 3.0,
    width: WIDTH - 5.0,
    height: HEIGHT - 6.0,
};

/// When the chart needs a redraw: a new point, or a new switch (the list of switches is capped, so its length
/// alone stops changing; the newest one's time does not).
#[derive(Debug, Clone, Copy, PartialEq)]
struct Drawn {
    points_added: u64,
    switches: usize,
    last_switch_ms: Option<u64>,
    last_gap_ms: Option<u64>,
}

/// `revision` changes whenever the sensor does (see `SensorGrid`).
#[component]
pub fn Sparkline(name: String, revision: ReadSignal<u64>) -> impl IntoView {
    let ctx = expect_context::<DashboardContext>();
    // Outside a `SensorGrid` the chart counts as always visible.
    let visible = use_context::<CardVisibility>()
        .and_then(|cards| {
            ctx.dashboard
                .with_untracked(|d| d.sensor(&name).map(|s| cards.of(s.index)))
        })
        .unwrap_or_else(|| Signal::stored(true));
    let key = Memo::new({
        let name = name.clone();
        move |drawn: Option<&Option<Drawn>>| {
            revision.track();
            // Off screen: keep what is drawn (drawn once when the card is made); coming on screen re-runs this.
            let on_screen = visible.get();
            if let Some(drawn) = drawn.filter(|_| !on_screen) {
                return *drawn;
            }
            ctx.dashboard.with_untracked(|d| {
                d.sensor(&name).map(|s| Drawn {
                    points_added: s.history.added(),
                    switches: s.switches.len(),
                    last_switch_ms: s.switches.last().map(|w| w.at_ms),
                    last_gap_ms: s.gaps.last().copied(),
                })
            })
        }
    });
    let drawn = Memo::new({
        let name = name.clone();
        move |_| {
            let _ = key.get(); // read, not only tracked: a memo computes (and subscribes to its sources) when read
            ctx.dashboard.with_untracked(|d| {
                let Some(s) = d.sensor(&name) else {
                    return (String::new(), 0);
                };
                let to = s.history.latest().map_or(0, |p| p.at_ms);
                let from = start_of_axis(s.history.points(), to, s.history.window_ms(), MIN_SPAN_MS);
                let data = Data {
                    points: s.history.points(),
                    switches: &s.switches,
                    gaps: &s.gaps,
                };
                let plotted = plot(data, from, to, AREA, MAX_POINTS, 0);
                (sparkline(&plotted, HEIGHT), plotted.line.len())
            })
        }
    });
    let svg = move || drawn.with(|(svg, _)| svg.clone());
    let points = move || drawn.with(|(_, n)| *n);
    let label = format!("{name}: history");
    view! {
        <svg class="spark" data-chart=name data-points=points viewBox="0 0 240 48" role="img" aria-label=label inner_html=svg></svg>
    }
}
