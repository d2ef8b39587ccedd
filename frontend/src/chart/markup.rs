//! SVG markup of a plot, as text for an `<svg>`'s inner HTML: one string per redraw instead of a reactive element
//! per tick and mark, which keeps the wasm small. Escapes every text it inserts. Pure; the caller formats times.

use super::{Area, Plot};
use crate::markup::{push_escaped, push_fixed1};
use std::fmt::Write;

fn line(out: &mut String, class: &str, x1: f64, y1: f64, x2: f64, y2: f64) {
    let _ = write!(out, "<line class=\"{class}\" x1=\"");
    push_fixed1(out, x1);
    out.push_str("\" y1=\"");
    push_fixed1(out, y1);
    out.push_str("\" x2=\"");
    push_fixed1(out, x2);
    out.push_str("\" y2=\"");
    push_fixed1(out, y2);
    out.push_str("\"/>");
}

fn text(out: &mut String, class: &str, x: f64, y: f64, content: &str) {
    let _ = write!(out, "<text class=\"{class}\" x=\"");
    push_fixed1(out, x);
    out.push_str("\" y=\"");
    push_fixed1(out, y);
    out.push_str("\">");
    push_escaped(out, content);
    out.push_str("</text>");
}

fn circle(out: &mut String, x: f64, y: f64, r: &str) {
    out.push_str("<circle class=\"latest\" cx=\"");
    push_fixed1(out, x);
    out.push_str("\" cy=\"");
    push_fixed1(out, y);
    let _ = write!(out, "\" r=\"{r}\"/>");
}

/// A card's small chart: failover marks (`.mark.failover` / `.mark.failback`), the line, the latest point.
pub fn sparkline(plot: &Plot, height: f64) -> String {
    let mut out = String::with_capacity(plot.line.len() + 200);
    for m in &plot.marks {
        line(
            &mut out,
            if m.failback { "mark failback" } else { "mark failover" },
            m.x,
            0.0,
            m.x,
            height,
        );
    }
    let _ = write!(out, "<path class=\"line\" d=\"{}\"/>", plot.line);
    if let Some((x, y)) = plot.latest {
        circle(&mut out, x, y, "2.5");
    }
    out
}

/// The large chart: frame, value ticks with `unit`, time ticks labelled by `time_label`, failover and failback
/// marks naming the broker switched to, the line, and the latest point labelled with `latest`.
pub fn detailed(plot: &Plot, area: Area, unit: &str, latest: &str, time_label: &dyn Fn(u64) -> String) -> String {
    let (right, bottom) = (area.left + area.width, area.top + area.height);
    let mut out = String::with_capacity(plot.line.len() + 2_000);
    out.push_str("<rect class=\"frame\" x=\"");
    push_fixed1(&mut out, area.left);
    out.push_str("\" y=\"");
    push_fixed1(&mut out, area.top);
    out.push_str("\" width=\"");
    push_fixed1(&mut out, area.width);
    out.push_str("\" height=\"");
    push_fixed1(&mut out, area.height);
    out.push_str("\"/>");
    for t in &plot.y_ticks {
        line(&mut out, "grid", area.left, t.at, right, t.at);
        let label = if unit.is_empty() {
            t.value.to_string()
        } else {
            format!("{} {unit}", t.value)
        };
        text(&mut out, "tick y", area.left - 6.0, t.at + 4.0, &label);
    }
    for t in &plot.x_ticks {
        line(&mut out, "grid", t.at, area.top, t.at, bottom);
        text(&mut out, "tick x", t.at, bottom + 18.0, &time_label(t.value as u64));
    }
    for m in &plot.marks {
        let (class, what) = if m.failback {
            ("mark failback", "failback")
        } else {
            ("mark failover", "failover")
        };
        line(&mut out, class, m.x, area.top, m.x, bottom);
        // Labels in the right half hang to the left of their mark, so they stay inside the chart.
        let (label_class, x) = if m.x > area.left + area.width / 2.0 {
            ("mark-label end", m.x - 3.0)
        } else {
            ("mark-label", m.x + 3.0)
        };
        text(&mut out, label_class, x, area.top + 12.0, &format!("{what} → {}", m.to));
    }
    let _ = write!(out, "<path class=\"line\" d=\"{}\"/>", plot.line);
    if let Some((x, y)) = plot.latest {
        circle(&mut out, x, y, "4");
        text(
            &mut out,
            "latest-label",
            x - 6.0,
            (y - 8.0).max(area.top + 10.0),
            latest,
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::{Mark, Tick};
    use super::*;

    #[test]
    fn the_detailed_chart_labels_ticks_marks_and_the_latest_value_and_escapes_text() {
        let plot = Plot {
            line: "M0.0,1.0L2.0,3.0".into(),
            latest: Some((2.0, 3.0)),
            x_ticks: vec![Tick {
                at: 10.0,
                value: 60_000.0,
            }],
            y_ticks: vec![Tick { at: 20.0, value: 25.5 }],
            marks: vec![Mark {
                x: 5.0,
                failback: false,
                to: "<b>".into(),
            }],
        };
        let area = Area {
            left: 50.0,
            top: 10.0,
            width: 100.0,
            height: 100.0,
        };
        let svg = detailed(&plot, area, "°C", "25.5 °C", &|ms| format!("t{ms}"));
        for expected in [
            ">25.5 °C</text>",
            ">t60000</text>",
            "class=\"mark failover\"",
            "failover → &lt;b&gt;",
            "d=\"M0.0,1.0L2.0,3.0\"",
            "class=\"latest\"",
        ] {
            assert!(svg.contains(expected), "{expected} in {svg}");
        }
        assert!(sparkline(&plot, 48.0).contains("<circle"));
    }
}
