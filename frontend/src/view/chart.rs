//! The charts' SVG content: a `chart::Plot` rendered as markup for an `<svg>`'s inner HTML, written only through
//! `svg::Svg` (names are constants, numbers are numbers, text is escaped). One string per redraw rather than a
//! reactive element per tick and mark: a chart changes as a whole (every point moves when the time axis does), so
//! diffing elements would buy nothing. Pure; the caller formats times (the browser knows the time zone).

pub mod svg;

use crate::chart::{Area, Plot};
use svg::Svg;

/// Rows for the labels of failover marks: marks closer than a label's width get their labels in different rows.
const LABEL_ROWS: usize = 3;
const LABEL_ROW_HEIGHT: f64 = 14.0;
/// A generous average width of one character of a mark label (11 px sans-serif), in SVG units.
const LABEL_CHAR_WIDTH: f64 = 6.5;

/// A card's small chart: failover marks (`.mark.failover` / `.mark.failback`), the line, the latest point.
pub fn sparkline(plot: &Plot, height: f64) -> String {
    let mut svg = Svg::with_capacity(plot.line.len() * 12 + 200);
    for m in &plot.marks {
        mark_line(&mut svg, m.failback, m.x, 0.0, height);
    }
    for x in &plot.gaps {
        line(&mut svg, "mark gap", (*x, 0.0), (*x, height));
    }
    svg.open("path").attr("class", "line").path("d", &plot.line);
    if let Some((x, y)) = plot.latest {
        svg.open("circle")
            .attr("class", "latest")
            .num("cx", x)
            .num("cy", y)
            .num("r", 2.5);
    }
    svg.finish()
}

/// The large chart: frame, value ticks with `unit`, time ticks labelled by `time_label`, failover and failback
/// marks naming the broker switched to, the line, and the latest point labelled with `latest`.
pub fn detailed(plot: &Plot, area: Area, unit: &str, latest: &str, time_label: &dyn Fn(u64) -> String) -> String {
    let (right, bottom) = (area.left + area.width, area.top + area.height);
    let mut svg = Svg::with_capacity(plot.line.len() * 12 + 2_000);
    svg.open("rect")
        .attr("class", "frame")
        .num("x", area.left)
        .num("y", area.top)
        .num("width", area.width)
        .num("height", area.height);
    for t in &plot.y_ticks {
        line(&mut svg, "grid", (area.left, t.at), (right, t.at));
        let label = if unit.is_empty() {
            t.value.to_string()
        } else {
            format!("{} {unit}", t.value)
        };
        text(&mut svg, "tick y", (area.left - 6.0, t.at + 4.0), &label);
    }
    for t in &plot.x_ticks {
        line(&mut svg, "grid", (t.at, area.top), (t.at, bottom));
        text(&mut svg, "tick x", (t.at, bottom + 18.0), &time_label(t.value as u64));
    }
    // The right edge of the last label in each row, so labels of nearby marks go to different rows.
    let mut rows = [f64::NEG_INFINITY; LABEL_ROWS];
    for x in &plot.gaps {
        line(&mut svg, "mark gap", (*x, area.top), (*x, bottom));
    }
    for (i, m) in plot.marks.iter().enumerate() {
        mark_line(&mut svg, m.failback, m.x, area.top, bottom);
        let what = if m.failback { "failback" } else { "failover" };
        let label = format!("{what} → {}", m.to);
        let width = label.chars().count() as f64 * LABEL_CHAR_WIDTH;
        // Labels in the right half hang to the left of their mark, so they stay inside the chart.
        let (class, x, start) = if m.x > area.left + area.width / 2.0 {
            ("mark-label end", m.x - 3.0, m.x - 3.0 - width)
        } else {
            ("mark-label", m.x + 3.0, m.x + 3.0)
        };
        let row = rows.iter().position(|end| *end < start).unwrap_or(i % LABEL_ROWS);
        rows[row] = start + width;
        text(
            &mut svg,
            class,
            (x, area.top + 12.0 + LABEL_ROW_HEIGHT * row as f64),
            &label,
        );
    }
    svg.open("path").attr("class", "line").path("d", &plot.line);
    if let Some((x, y)) = plot.latest {
        svg.open("circle")
            .attr("class", "latest")
            .num("cx", x)
            .num("cy", y)
            .num("r", 4.0);
        text(
            &mut svg,
            "latest-label",
            (x - 6.0, (y - 8.0).max(area.top + 10.0)),
            latest,
        );
    }
    svg.finish()
}

fn line(svg: &mut Svg, class: &str, (x1, y1): (f64, f64), (x2, y2): (f64, f64)) {
    svg.open("line")
        .attr("class", class)
        .num("x1", x1)
        .num("y1", y1)
        .num("x2", x2)
        .num("y2", y2);
}

fn mark_line(svg: &mut Svg, failback: bool, x: f64, top: f64, bottom: f64) {
    let class = if failback { "mark failback" } else { "mark failover" };
    line(svg, class, (x, top), (x, bottom));
}

fn text(svg: &mut Svg, class: &str, (x, y): (f64, f64), content: &str) {
    svg.open("text")
        .attr("class", class)
        .num("x", x)
        .num("y", y)
        .text(content);
}

#[cfg(test)]
mod tests {
    use super::svg::parse::elements;
    use super::*;
    use crate::chart::{Mark, Tick};
    use proptest::prelude::*;

    const AREA: Area = Area {
        left: 50.0,
        top: 10.0,
        width: 100.0,
        height: 100.0,
    };

    fn plot_to(broker: &str) -> Plot {
        Plot {
            line: vec![(0.0, 1.0), (2.0, 3.0)],
            latest: Some((2.0, 3.0)),
            x_ticks: vec![Tick {
                at: 10.0,
                value: 60_000.0,
            }],
            y_ticks: vec![Tick { at: 20.0, value: 25.5 }],
            marks: vec![
                Mark {
                    x: 5.0,
                    failback: false,
                    to: broker.into(),
                },
                Mark {
                    x: 140.0,
                    failback: true,
                    to: broker.into(),
                },
            ],
            gaps: vec![70.0],
        }
    }

    #[test]
    fn the_detailed_chart_labels_ticks_marks_and_the_latest_value_and_escapes_text_in_rows() {
        let svg = detailed(&plot_to("<b>"), AREA, "°C", "25.5 °C", &|ms| format!("t{ms}"));
        for expected in [
            ">25.5 °C</text>",
            ">t60000</text>",
            "class=\"mark failover\"",
            "class=\"mark failback\"",
            "class=\"mark gap\"",
            "class=\"mark-label end\"",
            "failover → &lt;b&gt;",
            "d=\"M0.0,1.0L2.0,3.0\"",
            "class=\"latest\"",
        ] {
            assert!(svg.contains(expected), "{expected} in {svg}");
        }
        let mut close = plot_to("b");
        close.marks[0].x = 138.0;
        let ys: Vec<String> = elements(&detailed(&close, AREA, "", "", &|_| String::new()))
            .unwrap()
            .into_iter()
            .filter(|e| e.attrs.iter().any(|(k, v)| k == "class" && v.starts_with("mark-label")))
            .filter_map(|e| e.attrs.into_iter().find(|(k, _)| k == "y").map(|(_, v)| v))
            .collect();
        assert_eq!(ys, ["22.0", "36.0"], "labels of nearby marks in different rows");
        let spark = sparkline(&plot_to("b"), 48.0);
        assert!(spark.contains("<circle class=\"latest\"") && spark.contains("<line class=\"mark failover\""));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(500))]

        /// Whatever a publisher names its broker and unit, and whatever the value and time labels say, the chart
        /// holds the same elements and attributes, and every label reads back as given.
        #[test]
        fn text_from_a_publisher_never_adds_elements_or_attributes(
            broker in any::<String>(), unit in any::<String>(), latest in "(<|>|&|\"|'|]]>|</svg>|<script>|[a-zé😀 ]){0,30}",
        ) {
            let time = |_: u64| format!("{broker}{unit}");
            let svg = detailed(&plot_to(&broker), AREA, &unit, &latest, &time);
            let found = elements(&svg).map_err(|e| TestCaseError::fail(format!("{e} in {svg:?}")))?;
            let names: Vec<&str> = found.iter().map(|e| e.name.as_str()).collect();
            prop_assert_eq!(
                names,
                ["rect", "line", "text", "line", "text", "line", "line", "text", "line", "text", "path", "circle", "text"]
            );
            let attrs: usize = found.iter().map(|e| e.attrs.len()).sum();
            prop_assert_eq!(attrs, 5 + 4 * (5 + 3) + 5 + 2 + 4 + 3);
            let texts: Vec<&str> = found.iter().filter_map(|e| e.text.as_deref()).collect();
            let y_label = if unit.is_empty() { "25.5".to_owned() } else { format!("25.5 {unit}") };
            let failover = format!("failover → {broker}");
            let failback = format!("failback → {broker}");
            let time_label = time(0);
            prop_assert_eq!(texts, [y_label.as_str(), time_label.as_str(), failover.as_str(), failback.as_str(), latest.as_str()]);
        }
    }
}
