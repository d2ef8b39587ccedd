//! Chart geometry: turns a sensor's history into SVG coordinates — the line's points, axis ticks, the latest
//! value's position and the failover marks — for a plot area of a given size. Pure (numbers in, numbers out; the
//! marks carry the broker's name as data); `view::chart` renders a `Plot` as SVG. Why our own charts: the Leptos
//! chart crates (e.g. leptos-chartistry) and plotters' canvas backend each cost more first-load bytes than a single
//! time series needs, which is a path, a few ticks and marks.

use crate::dashboard::{Point, Switch};

/// Where the plot area sits inside the SVG viewBox.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Area {
    pub left: f64,
    pub top: f64,
    pub width: f64,
    pub height: f64,
}

/// A tick on an axis: its position along the axis in SVG units and the value (or ms since the epoch) it marks.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Tick {
    pub at: f64,
    pub value: f64,
}

/// A broker switch placed on the time axis.
#[derive(Debug, Clone, PartialEq)]
pub struct Mark {
    pub x: f64,
    pub failback: bool,
    pub to: String,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Plot {
    /// The line's points, oldest first, in SVG units; empty without points.
    pub line: Vec<(f64, f64)>,
    /// The last point, as `(x, y)`.
    pub latest: Option<(f64, f64)>,
    pub x_ticks: Vec<Tick>,
    pub y_ticks: Vec<Tick>,
    pub marks: Vec<Mark>,
    /// Where readings were lost (the first point after a gap), as x positions.
    pub gaps: Vec<f64>,
}

/// What a chart plots: points oldest first, broker switches and gaps (times of the first reading after readings
/// were lost).
#[derive(Debug, Clone, Copy)]
pub struct Data<'a> {
    pub points: &'a [Point],
    pub switches: &'a [Switch],
    pub gaps: &'a [u64],
}

/// Where the time axis starts: the history window before `to_ms`, narrowed to where the data starts so a young
/// history fills the chart, but spanning at least `min_span_ms`.
pub fn start_of_axis(points: &[Point], to_ms: u64, window_ms: u64, min_span_ms: u64) -> u64 {
    let window_start = to_ms.saturating_sub(window_ms);
    let data_start = points.first().map_or(window_start, |p| p.at_ms.max(window_start));
    data_start.min(to_ms.saturating_sub(min_span_ms))
}

/// Time steps the x axis may use, in ms.
const TIME_STEPS: [u64; 14] = [
    5_000, 10_000, 15_000, 30_000, 60_000, 120_000, 300_000, 600_000, 900_000, 1_800_000, 3_600_000, 7_200_000,
    10_800_000, 21_600_000,
];

/// Plots `data` over `[from_ms, to_ms]`, using at most `max_points` points for the line; with `ticks`, also
/// chooses about `ticks` round ticks per axis.
pub fn plot(
    Data { points, switches, gaps }: Data,
    from_ms: u64,
    to_ms: u64,
    area: Area,
    max_points: usize,
    ticks: usize,
) -> Plot {
    let visible: Vec<&Point> = points
        .iter()
        .filter(|p| p.at_ms >= from_ms && p.at_ms <= to_ms)
        .collect();
    let span_ms = to_ms.saturating_sub(from_ms).max(1) as f64;
    let x = |at: u64| area.left + (at.saturating_sub(from_ms) as f64 / span_ms) * area.width;
    let (low, high) = value_range(visible.iter().map(|p| p.value));
    let y = |v: f64| area.top + (1.0 - (v - low) / (high - low)) * area.height;

    let mut plot = Plot::default();
    let step = visible.len().div_ceil(max_points.max(2)).max(1);
    let last = visible.len().saturating_sub(1);
    for (i, p) in visible.iter().enumerate().filter(|(i, _)| i % step == 0 || *i == last) {
        plot.line.push((x(p.at_ms), y(p.value)));
        if i == last {
            plot.latest = Some((x(p.at_ms), y(p.value)));
        }
    }
    plot.marks = switches
        .iter()
        .filter(|s| s.at_ms >= from_ms && s.at_ms <= to_ms)
        .map(|s| Mark {
            x: x(s.at_ms),
            failback: s.failback,
            to: s.to.clone(),
        })
        .collect();
    plot.gaps = gaps
        .iter()
        .filter(|g| **g >= from_ms && **g <= to_ms)
        .map(|g| x(*g))
        .collect();
    if ticks > 0 && !visible.is_empty() {
        plot.y_ticks = nice_ticks(low, high, ticks)
            .into_iter()
            .map(|v| Tick { at: y(v), value: v })
            .collect();
        let want = span_ms / ticks as f64;
        let step = TIME_STEPS
            .iter()
            .copied()
            .find(|s| *s as f64 >= want)
            .unwrap_or(TIME_STEPS[TIME_STEPS.len() - 1]);
        let mut t = from_ms.div_ceil(step) * step;
        while t <= to_ms {
            plot.x_ticks.push(Tick {
                at: x(t),
                value: t as f64,
            });
            t += step;
        }
    }
    plot
}

/// The value range to draw: the data's, widened by 5 % (or by 1 around a flat line) so the line never touches
/// the frame.
fn value_range(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (low, high) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), v| (l.min(v), h.max(v)));
    if !low.is_finite() || !high.is_finite() {
        return (0.0, 1.0);
    }
    let pad = if high > low { (high - low) * 0.05 } else { 1.0 };
    (low - pad, high + pad)
}

/// About `count` round values (1, 2 or 5 × 10ⁿ apart) within `[low, high]`.
pub fn nice_ticks(low: f64, high: f64, count: usize) -> Vec<f64> {
    if high.partial_cmp(&low) != Some(std::cmp::Ordering::Greater) || count == 0 {
        return Vec::new();
    }
    let raw = (high - low) / count as f64;
    // The power of ten at or below `raw` (a loop rather than `log10`, which would add libm to the wasm).
    let mut magnitude = 1.0;
    while magnitude > raw {
        magnitude /= 10.0;
    }
    while magnitude * 10.0 <= raw {
        magnitude *= 10.0;
    }
    let step = [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * magnitude)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * magnitude);
    // Each tick as an integer multiple of the step, divided rather than multiplied by a fraction, so labels read
    // `0.3`, not `0.30000000000000004`.
    let per_unit = if step < 1.0 { (1.0 / step).round() } else { 1.0 };
    let whole_step = if step < 1.0 { 1.0 } else { step };
    let mut ticks = Vec::new();
    let mut k = (low / step).ceil();
    loop {
        let v = k * whole_step / per_unit;
        if v > high || ticks.len() > count * 2 {
            break;
        }
        ticks.push(if v == 0.0 { 0.0 } else { v });
        k += 1.0;
    }
    ticks
}

#[cfg(test)]
mod tests {
    use super::*;

    const AREA: Area = Area {
        left: 0.0,
        top: 0.0,
        width: 100.0,
        height: 50.0,
    };

    fn data<'a>(points: &'a [Point], switches: &'a [Switch]) -> Data<'a> {
        Data {
            points,
            switches,
            gaps: &[],
        }
    }

    #[test]
    fn draws_the_line_across_the_area_and_marks_the_latest_point() {
        let points = [
            Point::single(0, 10.0),
            Point::single(500, 20.0),
            Point::single(1_000, 15.0),
        ];
        let p = plot(data(&points, &[]), 0, 1_000, AREA, 100, 0);
        assert_eq!(p.line.len(), 3);
        assert_eq!(p.line[0].0, 0.0);
        let (x, y) = p.latest.expect("latest");
        assert_eq!(x, 100.0);
        assert!(y > 0.0 && y < 50.0);
        assert!(p.x_ticks.is_empty() && p.y_ticks.is_empty());
    }

    #[test]
    fn thins_long_histories_but_always_keeps_the_last_point() {
        let points: Vec<Point> = (0..600).map(|i| Point::single(i * 1_000, i as f64)).collect();
        let p = plot(data(&points, &[]), 0, 599_000, AREA, 100, 0);
        assert!(p.line.len() <= 101);
        assert_eq!(p.latest.map(|(x, _)| x), Some(100.0));
    }

    #[test]
    fn places_failover_marks_and_round_ticks_inside_the_window() {
        let points = [Point::single(60_000, 20.0), Point::single(120_000, 30.0)];
        let switches = [
            Switch {
                at_ms: 90_000,
                to: "b".into(),
                failback: false,
            },
            Switch {
                at_ms: 1,
                to: "a".into(),
                failback: true,
            },
        ];
        let gaps = [30_000, 100_000];
        let p = plot(
            Data {
                points: &points,
                switches: &switches,
                gaps: &gaps,
            },
            60_000,
            120_000,
            AREA,
            100,
            4,
        );
        assert_eq!(p.marks.len(), 1);
        assert_eq!(p.gaps.len(), 1, "only the gap inside the window");
        assert_eq!(p.marks[0].x, 50.0);
        assert_eq!(
            p.x_ticks.iter().map(|t| t.value as u64).collect::<Vec<_>>(),
            [60_000, 75_000, 90_000, 105_000, 120_000]
        );
        assert!(p
            .y_ticks
            .iter()
            .all(|t| t.value >= 19.5 && t.value <= 30.5 && t.at >= 0.0 && t.at <= 50.0));
    }

    #[test]
    fn the_axis_starts_where_the_data_does_within_the_window_and_spans_a_minimum() {
        let points = [Point::single(100_000, 1.0), Point::single(200_000, 2.0)];
        assert_eq!(start_of_axis(&points, 200_000, 600_000, 30_000), 100_000);
        assert_eq!(start_of_axis(&points, 110_000, 600_000, 30_000), 80_000);
        assert_eq!(start_of_axis(&points, 900_000, 600_000, 30_000), 300_000);
        assert_eq!(start_of_axis(&[], 900_000, 600_000, 30_000), 300_000);
    }

    #[test]
    fn nice_ticks_are_round_and_a_flat_line_still_gets_a_range() {
        assert_eq!(nice_ticks(0.0, 10.0, 5), [0.0, 2.0, 4.0, 6.0, 8.0, 10.0]);
        assert_eq!(nice_ticks(181.0, 239.0, 3), [200.0, 220.0]);
        assert_eq!(value_range([5.0, 5.0].into_iter()), (4.0, 6.0));
        assert!(nice_ticks(1.0, 1.0, 3).is_empty());
        assert_eq!(nice_ticks(0.05, 0.75, 4), [0.2, 0.4, 0.6]);
    }
}
