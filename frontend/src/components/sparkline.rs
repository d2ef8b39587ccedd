//! `Sparkline`: a sensor's history as a small line chart on its card, `svg[data-chart=TYPE]`, with failover moments
//! as vertical marks. Redraws only when a new history point (bucket) or switch appears, so a card costs at most
//! one redraw per bucket however fast readings come.

use crate::app::DashboardContext;
use crate::chart::{plot, Area, Plot};
use leptos::prelude::*;

const WIDTH: f64 = 240.0;
const HEIGHT: f64 = 48.0;
/// Points drawn at most; the history's extra detail is for the large chart.
const MAX_POINTS: usize = 120;

#[component]
pub fn Sparkline(name: String) -> impl IntoView {
    let ctx = expect_context::<DashboardContext>();
    let key = Memo::new({
        let name = name.clone();
        move |_| {
            ctx.dashboard.with(|d| {
                d.sensor(&name).map(|s| {
                    let last = s.history.latest().map(|p| p.at_ms);
                    (s.history.points().len(), last, s.switches.len())
                })
            })
        }
    });
    let drawn = Memo::new({
        let name = name.clone();
        move |_| {
            key.track();
            ctx.dashboard.with_untracked(|d| {
                let Some(s) = d.sensor(&name) else { return Plot::default() };
                let points: Vec<_> = s.history.points().iter().copied().collect();
                let switches: Vec<_> = s.switches.iter().cloned().collect();
                let to = s.history.latest().map_or(0, |p| p.at_ms);
                let area = Area {
                    left: 1.0,
                    top: 3.0,
                    width: WIDTH - 5.0,
                    height: HEIGHT - 6.0,
                };
                plot(&points, &switches, to.saturating_sub(s.history.window_ms()), to, area, MAX_POINTS, 0)
            })
        }
    });
    let label = format!("{name}: history");
    view! {
        <svg class="spark" data-chart=name viewBox=format!("0 0 {WIDTH} {HEIGHT}") role="img" aria-label=label>
            {move || drawn.with(|p| p.marks.iter().map(|m| {
                let class = if m.failback { "mark failback" } else { "mark failover" };
                view! { <line class=class x1=m.x x2=m.x y1="0" y2=HEIGHT/> }
            }).collect_view())}
            <path class="line" d=move || drawn.with(|p| p.line.clone())/>
            {move || drawn.with(|p| p.latest.map(|(x, y)| view! { <circle class="latest" cx=x cy=y r="2.5"/> }))}
        </svg>
    }
}
