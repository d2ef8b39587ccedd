//! `HistoryChart`: the large chart of the selected sensor, `svg[data-chart-detail=TYPE]`, over the chosen range up
//! to now (`data-points`: points drawn): value axis with the unit, time axis with wall-clock times, the latest value
//! marked and labelled, failovers (`.mark.failover`) and failbacks (`.mark.failback`) as dashed lines naming the
//! new broker, readings lost (`.mark.gap`). A range within the live window comes from memory; a longer one reads
//! the stored rows (again when the store changed, and every `REREAD_MS`) and continues them with the live history
//! (`Series::join`). The SVG's content comes from `view::chart::detailed`.

use crate::archive::{ChartRange, Series, SeriesBuilder};
use crate::chart::{plot, start_of_axis, Area, Data};
use crate::view::app::{DashboardContext, HistoryContext};
use crate::view::chart::detailed;
use crate::view::wall_clock::wall_clock;
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::rc::Rc;

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
/// A range read from the store is read again this often (the live history continues it meanwhile).
const REREAD_MS: u64 = 30_000;

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
    let history = expect_context::<HistoryContext>();
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
    // What to read from the store: the sensor and range, when the range is longer than the live window.
    let wanted = Memo::new(move |_| {
        let sensor = ctx.selected.get()?;
        let range = history.range.get();
        let live_ms = ctx
            .dashboard
            .with_untracked(|d| d.sensor(&sensor).map(|s| s.history.window_ms()))?;
        let changed = history.changed.get();
        history.ready.get().then_some(())?;
        let reread = ctx.dashboard.with(|d| d.now_ms() / REREAD_MS);
        (range.ms() > live_ms).then_some((sensor, range, changed, reread))
    });
    // The rows read for `wanted`; a read that finishes after the wish changed is dropped.
    let stored = RwSignal::new_local(None::<(String, Rc<Series>)>);
    Effect::new(move |_| {
        let Some(wish) = wanted.get() else {
            stored.set(None);
            return;
        };
        let Some(keeper) = history.keeper() else { return };
        let primary = ctx
            .dashboard
            .with_untracked(|d| d.brokers().first().map(|b| b.name.clone()));
        spawn_local(async move {
            let (sensor, range, ..) = wish.clone();
            let now = js_sys::Date::now() as u64;
            let Ok((buckets, records)) = keeper
                .store
                .rows_between(Some(&sensor), now.saturating_sub(range.ms()), now)
                .await
            else {
                return;
            };
            let mut series = SeriesBuilder::new(primary.as_deref());
            buckets.iter().for_each(|b| series.bucket(b));
            records.iter().for_each(|r| series.record(r));
            if wanted.get_untracked().as_ref() == Some(&wish) {
                stored.set(Some((sensor, Rc::new(series.finish()))));
            }
        });
    });
    let drawn = Memo::new(move |_| {
        let stored: Option<(String, Rc<Series>)> = stored.get();
        let range: ChartRange = history.range.get();
        key.with(|key| {
            let Some(Drawn { sensor, .. }) = key else {
                return (String::new(), 0);
            };
            ctx.dashboard.with_untracked(|d| {
                let Some(s) = d.sensor(sensor) else {
                    return (String::new(), 0);
                };
                let to = d.now_ms().max(s.history.latest().map_or(0, |p| p.at_ms));
                let live = Data {
                    points: s.history.points(),
                    switches: &s.switches,
                    gaps: &s.gaps,
                };
                let joined = stored
                    .filter(|(name, _)| name == sensor && range.ms() > s.history.window_ms())
                    .map(|(_, series)| (*series).clone().join(live.points, live.switches, live.gaps));
                let (data, from) = match &joined {
                    Some(series) => (
                        Data {
                            points: &series.points,
                            switches: &series.switches,
                            gaps: &series.gaps,
                        },
                        to.saturating_sub(range.ms()),
                    ),
                    None => (
                        live,
                        start_of_axis(live.points, to, range.ms().min(s.history.window_ms()), MIN_SPAN_MS),
                    ),
                };
                let drawn = plot(data, from, to, AREA, MAX_POINTS, TICKS);
                let svg = detailed(&drawn, AREA, s.unit().unwrap_or_default(), &s.value_text(), &wall_clock);
                (svg, drawn.line.len())
            })
        })
    });
    let name = Signal::derive(move || ctx.selected.get().unwrap_or_default());
    let svg = move || drawn.with(|(svg, _)| svg.clone());
    let points = move || drawn.with(|(_, n)| *n);
    view! {
        <svg class="history" data-chart-detail=name data-points=points viewBox="0 0 720 280" role="img" aria-label="History of the selected sensor, with times and failovers" inner_html=svg></svg>
    }
}
