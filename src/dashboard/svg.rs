//! The dashboard's charts, drawn as inline SVG by hand: readable without JavaScript, coloured
//! by CSS classes (so dark mode and the colour-blind-safe palette live in one stylesheet), each
//! with a `<title>` and `<desc>` for screen readers. Every text goes through maud, so it is
//! escaped.

use maud::{Markup, html};

/// Width of every chart in SVG units; the page scales it to the column.
const WIDTH: f64 = 640.0;
/// Room on the left for axis labels.
const LEFT: f64 = 44.0;
/// Room on the right.
const RIGHT: f64 = 12.0;
/// Room at the top.
const TOP: f64 = 12.0;
/// Room at the bottom for labels.
const BOTTOM: f64 = 28.0;

/// One segment of a stacked bar: a CSS class (`s-resolved`, …), a name for the tooltip, a
/// count.
pub type Segment<'a> = (&'a str, &'a str, usize);

/// The largest value shown on an axis: `max` rounded up to 1, 2 or 5 × 10ⁿ (at least 1).
pub fn nice_max(max: f64) -> f64 {
    if max <= 1.0 {
        return 1.0;
    }
    let magnitude = 10f64.powf(max.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * magnitude)
        .find(|candidate| *candidate >= max)
        .unwrap_or(10.0 * magnitude)
}

/// Gridline values from 0 to `max` (a [`nice_max`]), four or five steps, whole numbers only.
pub fn ticks(max: f64) -> Vec<f64> {
    let step = [max / 5.0, max / 4.0, max / 2.0, max]
        .into_iter()
        .find(|s| s.fract() == 0.0 && *s >= 1.0)
        .unwrap_or(max);
    let mut out = Vec::new();
    let mut value = 0.0;
    while value <= max + f64::EPSILON {
        out.push(value);
        value += step;
    }
    out
}

/// Rounds to one decimal so the markup stays small and stable.
fn r(value: f64) -> String {
    let rounded = (value * 10.0).round() / 10.0;
    format!("{rounded}")
}

/// The `<svg>` element with its accessible name and description; `id` must be unique in the
/// page.
fn frame(id: &str, height: f64, title: &str, desc: &str, body: Markup) -> Markup {
    html! {
        svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img"
            viewBox=(format!("0 0 {WIDTH} {height}"))
            aria-labelledby=(format!("{id}-title {id}-desc")) {
            title id=(format!("{id}-title")) { (title) }
            desc id=(format!("{id}-desc")) { (desc) }
            (body)
        }
    }
}

/// Horizontal gridlines with their values, for a plot area of `plot_height` below [`TOP`].
fn grid(max: f64, plot_height: f64) -> Markup {
    html! {
        g class="grid" {
            @for tick in ticks(max) {
                @let y = TOP + plot_height - tick / max * plot_height;
                line x1=(r(LEFT)) x2=(r(WIDTH - RIGHT)) y1=(r(y)) y2=(r(y)) {}
                text x=(r(LEFT - 6.0)) y=(r(y + 4.0)) text-anchor="end" { (tick) }
            }
        }
    }
}

/// A line (with the area under it) of `values` over time; `labels` are the x-axis labels of
/// the same points (the first, middle and last are shown).
pub fn line_chart(
    id: &str,
    title: &str,
    desc: &str,
    labels: &[String],
    values: &[usize],
) -> Markup {
    let height = 220.0;
    let plot_height = height - TOP - BOTTOM;
    let plot_width = WIDTH - LEFT - RIGHT;
    let max = nice_max(values.iter().copied().max().unwrap_or(0) as f64);
    let count = values.len();
    let x = |i: usize| {
        if count <= 1 {
            LEFT + plot_width / 2.0
        } else {
            LEFT + plot_width * i as f64 / (count - 1) as f64
        }
    };
    let y = |v: usize| TOP + plot_height - v as f64 / max * plot_height;
    let line: Vec<String> = values
        .iter()
        .enumerate()
        .map(|(i, v)| format!("{},{}", r(x(i)), r(y(*v))))
        .collect();
    let area = if count > 0 {
        format!(
            "{},{} {} {},{}",
            r(x(0)),
            r(y(0)),
            line.join(" "),
            r(x(count - 1)),
            r(y(0))
        )
    } else {
        String::new()
    };
    let shown: Vec<usize> = match count {
        0 => Vec::new(),
        1 => vec![0],
        2 => vec![0, 1],
        _ => vec![0, count / 2, count - 1],
    };
    let body = html! {
        (grid(max, plot_height))
        @if count > 0 {
            polygon class="area" points=(area) {}
            polyline class="line" points=(line.join(" ")) {}
            @let last = count - 1;
            circle class="dot" cx=(r(x(last))) cy=(r(y(values[last]))) r="3.5" {}
        }
        g class="axis" {
            @for i in shown {
                @let anchor = if i == 0 { "start" } else if i + 1 == count { "end" } else { "middle" };
                text x=(r(x(i))) y=(r(height - 8.0)) text-anchor=(anchor) { (labels[i]) }
            }
        }
    };
    frame(id, height, title, desc, body)
}

/// Vertical bars, one per `(label, value)`, all of the CSS class `class`, with the value
/// written above each bar.
pub fn column_chart(
    id: &str,
    title: &str,
    desc: &str,
    class: &str,
    bars: &[(String, usize)],
) -> Markup {
    let height = 220.0;
    let plot_height = height - TOP - BOTTOM;
    let plot_width = WIDTH - LEFT - RIGHT;
    let max = nice_max(bars.iter().map(|b| b.1).max().unwrap_or(0) as f64);
    let slot = plot_width / bars.len().max(1) as f64;
    let bar_width = slot * 0.7;
    let body = html! {
        (grid(max, plot_height))
        @for (i, (label, value)) in bars.iter().enumerate() {
            @let h = *value as f64 / max * plot_height;
            @let x = LEFT + slot * i as f64 + (slot - bar_width) / 2.0;
            rect class=(class) x=(r(x)) y=(r(TOP + plot_height - h)) width=(r(bar_width)) height=(r(h)) {
                title { (label) ": " (value) }
            }
            text class="value" x=(r(x + bar_width / 2.0)) y=(r(TOP + plot_height - h - 4.0)) text-anchor="middle" { (value) }
            text class="axis" x=(r(x + bar_width / 2.0)) y=(r(height - 8.0)) text-anchor="middle" { (label) }
        }
    };
    frame(id, height, title, desc, body)
}

/// Horizontal bars, one row per `(label, segments)`, segments stacked left to right.
pub fn stacked_rows(
    id: &str,
    title: &str,
    desc: &str,
    rows: &[(String, Vec<Segment<'_>>)],
) -> Markup {
    let row_height = 22.0;
    let label_width = 220.0;
    let height = TOP + row_height * rows.len().max(1) as f64 + BOTTOM;
    let plot_width = WIDTH - label_width - RIGHT - 36.0;
    let max = nice_max(
        rows.iter()
            .map(|(_, segments)| segments.iter().map(|s| s.2).sum::<usize>())
            .max()
            .unwrap_or(0) as f64,
    );
    let body = html! {
        @for (i, (label, segments)) in rows.iter().enumerate() {
            @let y = TOP + row_height * i as f64;
            @let total: usize = segments.iter().map(|s| s.2).sum();
            text class="axis" x=(r(label_width - 8.0)) y=(r(y + 15.0)) text-anchor="end" { (truncate(label, 30)) }
            @let placed = place(segments, label_width, plot_width / max);
            @for (class, name, count, x, w) in &placed {
                rect class=(class) x=(r(*x)) y=(r(y + 4.0)) width=(r(*w)) height="14" {
                    title { (label) ": " (count) " " (name) }
                }
            }
            @let end = placed.last().map_or(label_width, |p| p.3 + p.4);
            text class="value" x=(r(end + 4.0)) y=(r(y + 15.0)) { (total) }
        }
        g class="grid" {
            @for tick in ticks(max) {
                @let x = label_width + tick / max * plot_width;
                text x=(r(x)) y=(r(height - 8.0)) text-anchor="middle" { (tick) }
            }
        }
    };
    frame(id, height, title, desc, body)
}

/// Per row, a bar to the median and a thinner one to the 90th percentile, with both values
/// written out.
pub fn median_p90_rows(
    id: &str,
    title: &str,
    desc: &str,
    rows: &[(String, i64, i64, usize)],
) -> Markup {
    let row_height = 30.0;
    let label_width = 90.0;
    let height = TOP + row_height * rows.len().max(1) as f64 + BOTTOM;
    let plot_width = WIDTH - label_width - RIGHT - 150.0;
    let max = nice_max(rows.iter().map(|row| row.2).max().unwrap_or(0) as f64);
    let body = html! {
        @for (i, (label, median, p90, n)) in rows.iter().enumerate() {
            @let y = TOP + row_height * i as f64;
            text class="axis" x=(r(label_width - 8.0)) y=(r(y + 18.0)) text-anchor="end" { (label) }
            rect class="s-p90" x=(r(label_width)) y=(r(y + 10.0)) width=(r(*p90 as f64 / max * plot_width)) height="10" {
                title { (label) ": 90% within " (p90) " days" }
            }
            rect class="s-median" x=(r(label_width)) y=(r(y + 6.0)) width=(r(*median as f64 / max * plot_width)) height="18" {
                title { (label) ": median " (median) " days" }
            }
            text class="value" x=(r(label_width + *p90.max(median) as f64 / max * plot_width + 6.0)) y=(r(y + 19.0)) {
                "median " (median) " d, p90 " (p90) " d (n=" (n) ")"
            }
        }
        g class="grid" {
            @for tick in ticks(max) {
                @let x = label_width + tick / max * plot_width;
                text x=(r(x)) y=(r(height - 8.0)) text-anchor="middle" { (tick) " d" }
            }
        }
    };
    frame(id, height, title, desc, body)
}

/// Lays segments end to end from `start`, `scale` units per item; empty ones are left out.
/// Each comes back as (class, name, count, x, width).
fn place<'a>(
    segments: &[Segment<'a>],
    start: f64,
    scale: f64,
) -> Vec<(&'a str, &'a str, usize, f64, f64)> {
    let mut x = start;
    let mut placed = Vec::new();
    for &(class, name, count) in segments.iter().filter(|s| s.2 > 0) {
        let width = count as f64 * scale;
        placed.push((class, name, count, x, width));
        x += width;
    }
    placed
}

/// At most `max` characters, with an ellipsis when cut (the full text is in the data table).
/// Masked first, as the page's writer would, so a cut secret shows no head.
fn truncate(text: &str, max: usize) -> String {
    let text = crate::redact::text(text);
    if text.chars().count() <= max {
        text.into_owned()
    } else {
        let mut cut: String = text.chars().take(max - 1).collect();
        cut.push('…');
        cut
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axis_maxima_are_round_and_cover_the_data() {
        assert_eq!(nice_max(0.0), 1.0);
        assert_eq!(nice_max(3.0), 5.0);
        assert_eq!(nice_max(7.0), 10.0);
        assert_eq!(nice_max(10.0), 10.0);
        assert_eq!(nice_max(11.0), 20.0);
        assert_eq!(nice_max(230.0), 500.0);
        assert_eq!(ticks(5.0), vec![0.0, 1.0, 2.0, 3.0, 4.0, 5.0]);
        assert_eq!(ticks(20.0), vec![0.0, 4.0, 8.0, 12.0, 16.0, 20.0]);
        assert_eq!(ticks(1.0), vec![0.0, 1.0]);
    }

    #[test]
    fn bars_are_proportional_and_labels_escaped() {
        let svg = column_chart(
            "c",
            "Age <of> items",
            "d",
            "s-open",
            &[("a&b".into(), 10), ("c".into(), 5)],
        )
        .into_string();
        assert!(svg.contains("<title id=\"c-title\">Age &lt;of&gt; items</title>"));
        assert!(svg.contains(">a&amp;b<"), "{svg}");
        // Plot height 180: 10 of max 10 is 180 high, 5 is 90.
        assert!(svg.contains("height=\"180\""), "{svg}");
        assert!(svg.contains("height=\"90\""), "{svg}");
        assert!(svg.contains("role=\"img\"") && svg.contains("aria-labelledby=\"c-title c-desc\""));
    }

    #[test]
    fn the_line_ends_at_the_last_value() {
        let labels: Vec<String> = (1..=3).map(|d| format!("day {d}")).collect();
        let svg = line_chart("l", "t", "d", &labels, &[0, 4, 2]).into_string();
        // max 5, plot 180 high from y=12: value 2 sits at 12 + 180 - 72 = 120, at the right edge.
        assert!(svg.contains("cx=\"628\" cy=\"120\""), "{svg}");
        assert!(svg.contains(">day 1<") && svg.contains(">day 3<"));
        // Empty data draws the frame without a line.
        let empty = line_chart("e", "t", "d", &[], &[]).into_string();
        assert!(!empty.contains("polyline"));
    }

    #[test]
    fn stacked_segments_follow_each_other() {
        let rows = vec![(
            "pm".to_owned(),
            vec![
                ("s-resolved", "resolved", 2),
                ("s-open", "open", 0),
                ("s-no-ticket", "without a ticket", 3),
            ],
        )];
        let svg = stacked_rows("s", "t", "d", &rows).into_string();
        // max 5 over 372 units: 2 → 148.8, then the next drawn segment starts right after it.
        assert!(
            svg.contains("class=\"s-resolved\" x=\"220\" y=\"16\" width=\"148.8\""),
            "{svg}"
        );
        assert!(svg.contains("class=\"s-no-ticket\" x=\"368.8\""), "{svg}");
        assert!(!svg.contains("s-open"), "zero segments are not drawn");
        assert!(svg.contains(">5</text>"), "the total is written");
    }
}
