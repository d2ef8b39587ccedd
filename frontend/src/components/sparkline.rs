//! `Sparkline`: a sensor's history as a small line chart on its card, `svg[data-chart=TYPE]`, with failover moments
//! as vertical marks. Redraws only when a new history point (bucket) or switch appears, so a card costs at most
//! one redraw per bucket however fast readings come. The SVG's content is markup from `chart::markup`.

use crate::app::DashboardContext;
use crate::chart::{markup, plot, start_of_axis, Area};
use leptos::prelude::*;

const WIDTH: f64 = 240.0;
const HEIGHT: f64 = 48.0;
/// Points drawn at most; the history's extra detail is for the large chart.
/// The time axis spans at least this, so a young history is not stretched over the whole chart.
const MIN_SPAN_MS: u64 = 30_000;
const MAX_POINTS: usize = 120;
const AREA: Area = Area {
    left: 1.0,
    top: 3.0,
    width: WIDTH - 5.0,
    height: HEIGHT - 6.0,
};

/// `revision` changes whenever the sensor does (see `SensorGrid`).
#[component]
pub fn Sparkline(name: String, revision: ReadSignal<u64>) -> impl IntoView {
    let ctx = expect_context::<DashboardContext>();
    let key = Memo::new({
        let name = name.clone();
        move |_| {
            revision.track();
            ctx.dashboard.with_untracked(|d| {
                d.sensor(&name)
                    .map_or(0, |s| s.history.added() + ((s.switches.len() as u64) << 48))
            })
        }
    });
    let drawn = Memo::new({
        let name = name.clone();
        move |_| {
            key.with(|_| ()); // reads (not just tracks) so the lazy memo computes and subscribes
            ctx.dashboard.with_untracked(|d| {
                let Some(s) = d.sensor(&name) else { return String::new() };
                let to = s.history.latest().map_or(0, |p| p.at_ms);
                let from = start_of_axis(s.history.points(), to, s.history.window_ms(), MIN_SPAN_MS);
                markup::sparkline(
                    &plot(s.history.points(), &s.switches, from, to, AREA, MAX_POINTS, 0),
                    HEIGHT,
                )
            })
        }
    });
    let label = format!("{name}: history");
    view! {
        <svg class="spark" data-chart=name viewBox="0 0 240 48" role="img" aria-label=label inner_html={Signal::<String>::from(drawn)}></svg>
    }
}
