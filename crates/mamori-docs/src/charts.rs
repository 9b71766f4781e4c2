//! Small hand-written SVG charts: a radar and a line chart for assessment scores and their
//! trend, a stacked column chart for counts per day and a 100 % bar for shares of a total.
//! The same SVG goes into web pages and, as vector graphics, into typst PDFs (see
//! `mamori-typst`). Pages stay free of JavaScript, print as drawn, and obey the strict
//! content-security policy: only presentation attributes are used, never inline `style`.
//! Every chart carries a `<title>` for screen readers, and names a Japanese font on its root
//! element so that typst (which has only [`crate::FONT_FAMILY`]) and browsers both find one.

use std::f64::consts::PI;
use std::fmt::Write;

use mamori_model::group_digits;

/// Colours of the data series, in order (mamori's accent first, then a contrasting orange,
/// blue and purple), chosen to stay distinct when printed in grey.
const PALETTE: [&str; 4] = ["#1f6f5c", "#c25e00", "#2f5fa7", "#7a3e9d"];

/// Fonts named on every chart: the one embedded in PDFs first, then common Japanese fonts of
/// browsers (macOS, then Linux/Android), then any sans-serif.
const FONT_FAMILY: &str = "IPAexGothic, 'Hiragino Sans', 'Noto Sans JP', sans-serif";

/// Fill of the bar drawn when there is nothing to divide (light grey, like the grid lines).
const EMPTY: &str = "#e3e8ec";

/// One named series of values, each a percentage.
pub struct Series<'a> {
    /// Shown in the legend.
    pub label: &'a str,
    /// One value per axis (radar) or per point in time (line chart).
    pub values: Vec<f64>,
}

/// A radar chart of percentages (0 at the centre, 100 at the rim; values outside are drawn at
/// the nearest end) with one spoke per axis label. `title` is read out by screen readers.
pub fn radar(title: &str, axes: &[String], series: &[Series]) -> String {
    // Wide enough for long axis labels (Japanese rule titles) on either side.
    const WIDTH: f64 = 560.0;
    const CX: f64 = WIDTH / 2.0;
    const CY: f64 = 150.0;
    const RADIUS: f64 = 110.0;
    const LEGEND_TOP: f64 = CY + RADIUS + 40.0;
    let mut svg = open(title, WIDTH, LEGEND_TOP + 22.0 * series.len() as f64);
    let n = axes.len().max(1) as f64;
    let point = |i: usize, r: f64| {
        let angle = -PI / 2.0 + 2.0 * PI * i as f64 / n;
        (CX + r * angle.cos(), CY + r * angle.sin())
    };
    for ring in [25.0, 50.0, 75.0, 100.0] {
        let points: Vec<(f64, f64)> = (0..axes.len())
            .map(|i| point(i, RADIUS * ring / 100.0))
            .collect();
        let _ = write!(
            svg,
            r##"<polygon points="{}" fill="none" stroke="#d7dde3" stroke-width="1"/>"##,
            points_attr(&points)
        );
    }
    for (i, label) in axes.iter().enumerate() {
        let (x, y) = point(i, RADIUS);
        let (lx, ly) = point(i, RADIUS + 16.0);
        let anchor = match lx - CX {
            d if d > 5.0 => "start",
            d if d < -5.0 => "end",
            _ => "middle",
        };
        let _ = write!(
            svg,
            r##"<line x1="{CX}" y1="{CY}" x2="{x:.1}" y2="{y:.1}" stroke="#d7dde3"/><text x="{lx:.1}" y="{:.1}" text-anchor="{anchor}" font-size="12" fill="#1d2733">{}</text>"##,
            ly + 4.0,
            escape(label)
        );
    }
    for (s, colour) in series.iter().zip(PALETTE.iter().cycle()) {
        let points: Vec<(f64, f64)> = s
            .values
            .iter()
            .enumerate()
            .map(|(i, v)| point(i, RADIUS * clamp(*v) / 100.0))
            .collect();
        let _ = write!(
            svg,
            r#"<polygon points="{}" fill="{colour}" fill-opacity="0.18" stroke="{colour}" stroke-width="2"/>"#,
            points_attr(&points)
        );
    }
    series_legend(&mut svg, series, LEGEND_TOP);
    svg.push_str("</svg>");
    svg
}

/// A line chart over time: one x position per label (oldest first), y from `y_min` to 100 %.
pub fn trend(title: &str, x_labels: &[String], y_min: f64, series: &[Series]) -> String {
    const WIDTH: f64 = 560.0;
    const PLOT_HEIGHT: f64 = 200.0;
    const LEFT: f64 = 44.0;
    const RIGHT: f64 = 20.0;
    const TOP: f64 = 12.0;
    let height = TOP + PLOT_HEIGHT + 30.0 + 22.0 * series.len() as f64;
    let mut svg = open(title, WIDTH, height);
    let span = (100.0 - y_min).max(1.0);
    let y_of = |v: f64| TOP + PLOT_HEIGHT * (100.0 - v.clamp(y_min, 100.0)) / span;
    let steps = x_labels.len().saturating_sub(1).max(1) as f64;
    let x_of = |i: usize| {
        if x_labels.len() == 1 {
            LEFT + (WIDTH - LEFT - RIGHT) / 2.0
        } else {
            LEFT + (WIDTH - LEFT - RIGHT) * i as f64 / steps
        }
    };
    let mut tick = (y_min / 25.0).ceil() * 25.0;
    while tick <= 100.0 {
        let y = y_of(tick);
        let _ = write!(
            svg,
            r##"<line x1="{LEFT}" y1="{y:.1}" x2="{:.1}" y2="{y:.1}" stroke="{}"/><text x="{:.1}" y="{:.1}" text-anchor="end" font-size="11" fill="#5b6672">{tick}</text>"##,
            WIDTH - RIGHT,
            if tick == 0.0 { "#8a949e" } else { "#e3e8ec" },
            LEFT - 6.0,
            y + 4.0
        );
        tick += 25.0;
    }
    for (i, label) in x_labels.iter().enumerate() {
        let _ = write!(
            svg,
            r##"<text x="{:.1}" y="{:.1}" text-anchor="middle" font-size="11" fill="#5b6672">{}</text>"##,
            x_of(i),
            TOP + PLOT_HEIGHT + 18.0,
            escape(label)
        );
    }
    for (s, colour) in series.iter().zip(PALETTE.iter().cycle()) {
        let points: Vec<(f64, f64)> = s
            .values
            .iter()
            .enumerate()
            .map(|(i, v)| (x_of(i), y_of(*v)))
            .collect();
        if points.len() > 1 {
            let _ = write!(
                svg,
                r#"<polyline points="{}" fill="none" stroke="{colour}" stroke-width="2"/>"#,
                points_attr(&points)
            );
        }
        for (x, y) in &points {
            let _ = write!(
                svg,
                r#"<circle cx="{x:.1}" cy="{y:.1}" r="3.5" fill="{colour}"/>"#
            );
        }
    }
    series_legend(&mut svg, series, TOP + PLOT_HEIGHT + 30.0);
    svg.push_str("</svg>");
    svg
}

/// One stacked layer of a column chart: a count per column (for example the alerts of one
/// severity on each day of the month).
pub struct ColumnSeries<'a> {
    /// Shown in the legend and in each column's tooltip.
    pub label: &'a str,
    /// Fill colour (for example the severity's colour); `None` takes the next palette colour.
    pub colour: Option<&'a str>,
    /// One count per x label; missing counts are drawn as zero.
    pub values: Vec<u64>,
}

/// A column chart of counts, one column per x label (oldest first), with the series stacked
/// bottom-up in the given order. The y axis runs from 0 to a round maximum at or above the
/// highest column; a chart of zeros still shows its axes, so a quiet month reads as a chart.
pub fn columns(title: &str, x_labels: &[String], stacks: &[ColumnSeries]) -> String {
    const WIDTH: f64 = 560.0;
    const PLOT_HEIGHT: f64 = 200.0;
    // Room for tick labels such as "12,345".
    const LEFT: f64 = 52.0;
    const RIGHT: f64 = 16.0;
    const TOP: f64 = 12.0;
    const BASELINE: f64 = TOP + PLOT_HEIGHT;
    let legend_rows = if stacks.len() > 1 { stacks.len() } else { 0 };
    let height = BASELINE + 30.0 + 22.0 * legend_rows as f64;
    let mut svg = open(title, WIDTH, height);
    let totals: Vec<u64> = (0..x_labels.len())
        .map(|i| {
            stacks
                .iter()
                .map(|s| s.values.get(i).copied().unwrap_or(0))
                .fold(0, u64::saturating_add)
        })
        .collect();
    let ticks = count_ticks(totals.iter().copied().max().unwrap_or(0));
    let top_value = ticks.last().copied().unwrap_or(1).max(1) as f64;
    let y_of = |v: u64| BASELINE - PLOT_HEIGHT * v as f64 / top_value;
    for tick in &ticks {
        let y = y_of(*tick);
        let _ = write!(
            svg,
            r##"<line x1="{LEFT}" y1="{y:.1}" x2="{:.1}" y2="{y:.1}" stroke="{}"/><text x="{:.1}" y="{:.1}" text-anchor="end" font-size="11" fill="#5b6672">{}</text>"##,
            WIDTH - RIGHT,
            if *tick == 0 { "#8a949e" } else { "#e3e8ec" },
            LEFT - 6.0,
            y + 4.0,
            group_digits(*tick)
        );
    }
    let _ = write!(
        svg,
        r##"<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{BASELINE}" stroke="#8a949e"/>"##
    );
    let slot = (WIDTH - LEFT - RIGHT) / x_labels.len().max(1) as f64;
    let bar = slot * 0.7;
    let colours: Vec<&str> = stacks
        .iter()
        .zip(PALETTE.iter().cycle())
        .map(|(s, fallback)| s.colour.unwrap_or(fallback))
        .collect();
    for (i, label) in x_labels.iter().enumerate() {
        let x = LEFT + slot * i as f64 + (slot - bar) / 2.0;
        let mut below = 0u64;
        for (s, colour) in stacks.iter().zip(&colours) {
            let value = s.values.get(i).copied().unwrap_or(0);
            if value == 0 {
                continue;
            }
            let above = below.saturating_add(value);
            let (y_top, y_bottom) = (y_of(above), y_of(below));
            let _ = write!(
                svg,
                r#"<rect x="{x:.1}" y="{y_top:.1}" width="{bar:.1}" height="{:.1}" fill="{}"><title>{} {}: {}</title></rect>"#,
                y_bottom - y_top,
                escape(colour),
                escape(label),
                escape(s.label),
                group_digits(value)
            );
            below = above;
        }
    }
    let step = label_step(x_labels, slot);
    for (i, label) in x_labels.iter().enumerate() {
        if i != 0 && (i + 1) % step != 0 {
            continue;
        }
        let _ = write!(
            svg,
            r##"<text x="{:.1}" y="{:.1}" text-anchor="middle" font-size="11" fill="#5b6672">{}</text>"##,
            LEFT + slot * (i as f64 + 0.5),
            BASELINE + 18.0,
            escape(label)
        );
    }
    if legend_rows > 0 {
        let rows = stacks
            .iter()
            .zip(&colours)
            .map(|(s, colour)| (s.label.to_string(), *colour));
        legend(&mut svg, rows, BASELINE + 30.0);
    }
    svg.push_str("</svg>");
    svg
}

/// One share of a proportion bar (for example the month's alerts of one severity).
pub struct Part<'a> {
    /// Shown in the legend with its count and percentage.
    pub label: &'a str,
    /// Fill colour; `None` takes the next palette colour.
    pub colour: Option<&'a str>,
    /// How many of the total belong to this part.
    pub count: u64,
}

/// One horizontal bar for 100 % split into a segment per part, in the given order, with a
/// legend row per part: label, count and percentage. With nothing counted the bar is an empty
/// grey one and the legend shows the zeros, so the reader sees that nothing was there.
pub fn proportion(title: &str, parts: &[Part]) -> String {
    const WIDTH: f64 = 560.0;
    const LEFT: f64 = 12.0;
    const RIGHT: f64 = 12.0;
    const TOP: f64 = 12.0;
    const BAR_HEIGHT: f64 = 28.0;
    let height = TOP + BAR_HEIGHT + 18.0 + 22.0 * parts.len() as f64;
    let mut svg = open(title, WIDTH, height);
    let span = WIDTH - LEFT - RIGHT;
    let total = parts.iter().map(|p| p.count).fold(0, u64::saturating_add);
    let colours: Vec<&str> = parts
        .iter()
        .zip(PALETTE.iter().cycle())
        .map(|(p, fallback)| p.colour.unwrap_or(fallback))
        .collect();
    if total == 0 {
        let _ = write!(
            svg,
            r#"<rect x="{LEFT}" y="{TOP}" width="{span}" height="{BAR_HEIGHT}" fill="{EMPTY}"/>"#
        );
    } else {
        // Edges come from running totals, so the segments meet without gaps or overlap.
        let mut before = 0u64;
        for (p, colour) in parts.iter().zip(&colours) {
            let after = before.saturating_add(p.count);
            if p.count > 0 {
                let x = LEFT + span * before as f64 / total as f64;
                let end = LEFT + span * after as f64 / total as f64;
                let _ = write!(
                    svg,
                    r#"<rect x="{x:.1}" y="{TOP}" width="{:.1}" height="{BAR_HEIGHT}" fill="{}"><title>{}: {} ({})</title></rect>"#,
                    end - x,
                    escape(colour),
                    escape(p.label),
                    group_digits(p.count),
                    escape(&percent(p.count, total))
                );
            }
            before = after;
        }
    }
    let rows = parts.iter().zip(&colours).map(|(p, colour)| {
        (
            format!(
                "{}: {} ({})",
                p.label,
                group_digits(p.count),
                percent(p.count, total)
            ),
            *colour,
        )
    });
    legend(&mut svg, rows, TOP + BAR_HEIGHT + 18.0);
    svg.push_str("</svg>");
    svg
}

fn open(title: &str, width: f64, height: f64) -> String {
    let title = escape(title);
    format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height}" font-family="{FONT_FAMILY}" role="img" aria-label="{title}"><title>{title}</title>"#
    )
}

/// One legend row per `(text, colour)`, a swatch and its text, starting at `top`.
fn legend<'a>(svg: &mut String, rows: impl Iterator<Item = (String, &'a str)>, top: f64) {
    for (i, (text, colour)) in rows.enumerate() {
        let y = top + 22.0 * i as f64;
        let _ = write!(
            svg,
            r##"<rect x="12" y="{y:.1}" width="14" height="14" fill="{}"/><text x="32" y="{:.1}" font-size="12" fill="#1d2733">{}</text>"##,
            escape(colour),
            y + 12.0,
            escape(&text)
        );
    }
}

fn series_legend(svg: &mut String, series: &[Series], top: f64) {
    let rows = series
        .iter()
        .zip(PALETTE.iter().cycle())
        .map(|(s, colour)| (s.label.to_string(), *colour));
    legend(svg, rows, top);
}

/// Ticks for a count axis: 0 and then 3 to 5 equal whole-number steps of 1, 2 or 5 times a
/// power of ten, the last at or above `max` (0 to 3 when everything is small or zero).
fn count_ticks(max: u64) -> Vec<u64> {
    let mut unit = 1u64;
    let step = loop {
        if let Some(step) = [1, 2, 5]
            .into_iter()
            .map(|m| unit.saturating_mul(m))
            .find(|step| max.div_ceil(*step) <= 5)
        {
            break step;
        }
        unit = unit.saturating_mul(10);
    };
    let steps = max.div_ceil(step).max(3);
    (0..=steps).map(|i| i.saturating_mul(step)).collect()
}

/// Every how many columns an x label is written (always the first, then the columns whose
/// 1-based number is a multiple of the step: 1, 5, 10, 15 …) so that labels never overlap.
/// Every label is written when they all fit.
fn label_step(labels: &[String], slot: f64) -> usize {
    // Rough widths at font-size 11: narrow (ASCII) characters about 0.6 em, others 1 em.
    let widest = labels
        .iter()
        .map(|l| {
            l.chars()
                .map(|c| if c.is_ascii() { 6.6 } else { 11.0 })
                .sum::<f64>()
        })
        .fold(0.0, f64::max);
    let needed = widest + 8.0;
    if slot >= needed {
        return 1;
    }
    // The first label and the first multiple are `step - 1` columns apart.
    let mut step = [5, 7, 10, 14]
        .into_iter()
        .find(|step| (step - 1) as f64 * slot >= needed)
        .unwrap_or(28);
    while ((step - 1) as f64 * slot) < needed && step < labels.len() {
        step *= 2;
    }
    step
}

/// `part` of `total` as a whole percentage; a share that is not zero never reads as 0 %.
fn percent(part: u64, total: u64) -> String {
    if total == 0 {
        return "0%".to_string();
    }
    let pct = (part as f64 * 100.0 / total as f64).round();
    if part > 0 && pct < 1.0 {
        "<1%".to_string()
    } else if part < total && pct >= 100.0 {
        ">99%".to_string()
    } else {
        format!("{pct}%")
    }
}

fn clamp(value: f64) -> f64 {
    if value.is_finite() {
        value.clamp(0.0, 100.0)
    } else {
        0.0
    }
}

fn points_attr(points: &[(f64, f64)]) -> String {
    points
        .iter()
        .map(|(x, y)| format!("{x:.1},{y:.1}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Escapes text for SVG (XML) content and attributes.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn axes(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn radar_draws_one_spoke_per_axis_and_one_polygon_per_series() {
        let svg = radar(
            "自社診断",
            &axes(&["基本", "従業員", "組織"]),
            &[
                Series {
                    label: "今回",
                    values: vec![100.0, 50.0, -25.0],
                },
                Series {
                    label: "前回",
                    values: vec![0.0, 0.0, 0.0],
                },
            ],
        );
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert_eq!(svg.matches("<line").count(), 3);
        // four rings plus two series
        assert_eq!(svg.matches("<polygon").count(), 6);
        // 100 % on the first (top) spoke reaches the rim; -25 % is drawn at the centre.
        assert!(svg.contains("280.0,40.0"), "{svg}");
        assert!(svg.contains("280.0,150.0"), "{svg}");
        assert!(svg.contains(">今回<") && svg.contains("<title>自社診断</title>"));
        assert!(!svg.contains("style="), "no inline styles under the CSP");
    }

    #[test]
    fn text_is_escaped() {
        let svg = radar(
            "a<b",
            &axes(&["x & y", "\"q\""]),
            &[Series {
                label: "<script>",
                values: vec![1.0, f64::NAN],
            }],
        );
        assert!(!svg.contains("<script>") && svg.contains("&lt;script&gt;"));
        assert!(svg.contains("x &amp; y") && svg.contains("&quot;q&quot;"));
        assert!(!svg.contains("NaN"));
    }

    #[test]
    fn trend_plots_every_point_and_scales_the_y_axis() {
        let labels = axes(&["2026/01", "2026/06", "2026/11"]);
        let svg = trend(
            "推移",
            &labels,
            -25.0,
            &[Series {
                label: "合計",
                values: vec![-25.0, 50.0, 100.0],
            }],
        );
        assert_eq!(svg.matches("<circle").count(), 3);
        assert_eq!(svg.matches("<polyline").count(), 1);
        // y = 100 sits at the top of the plot, y = -25 at the bottom.
        assert!(svg.contains("cx=\"540.0\" cy=\"12.0\""), "{svg}");
        assert!(svg.contains("cx=\"44.0\" cy=\"212.0\""), "{svg}");
        for tick in [">-25<", ">0<", ">25<", ">100<"] {
            assert!(svg.contains(tick), "{tick}");
        }
    }

    #[test]
    fn a_single_assessment_is_a_centred_dot() {
        let svg = trend(
            "t",
            &axes(&["now"]),
            0.0,
            &[Series {
                label: "s",
                values: vec![40.0],
            }],
        );
        assert_eq!(svg.matches("<circle").count(), 1);
        assert!(!svg.contains("<polyline"));
        assert!(svg.contains("cx=\"292.0\""), "{svg}");
    }
    fn days(n: usize) -> Vec<String> {
        (1..=n).map(|d| d.to_string()).collect()
    }

    /// Values of the y-axis tick labels, in drawing order (0 first).
    fn tick_labels(svg: &str) -> Vec<String> {
        svg.split(r##"text-anchor="end" font-size="11" fill="#5b6672">"##)
            .skip(1)
            .map(|rest| rest[..rest.find('<').unwrap_or(0)].to_string())
            .collect()
    }

    #[test]
    fn count_ticks_are_round_and_cover_the_maximum() {
        assert_eq!(count_ticks(0), [0, 1, 2, 3]);
        assert_eq!(count_ticks(1), [0, 1, 2, 3]);
        assert_eq!(count_ticks(4), [0, 1, 2, 3, 4]);
        assert_eq!(count_ticks(9), [0, 2, 4, 6, 8, 10]);
        assert_eq!(count_ticks(10), [0, 2, 4, 6, 8, 10]);
        assert_eq!(count_ticks(11), [0, 5, 10, 15]);
        assert_eq!(count_ticks(26), [0, 10, 20, 30]);
        assert_eq!(count_ticks(1234), [0, 500, 1000, 1500]);
        for max in 0..5000 {
            let ticks = count_ticks(max);
            assert!((4..=6).contains(&ticks.len()), "{max}: {ticks:?}");
            assert!(*ticks.last().unwrap() >= max, "{max}: {ticks:?}");
        }
        assert!(count_ticks(u64::MAX).last().unwrap() >= &(u64::MAX / 2));
    }

    #[test]
    fn percentages() {
        assert_eq!(percent(1, 4), "25%");
        assert_eq!(percent(1, 1000), "<1%");
        assert_eq!(percent(999, 1000), ">99%");
        assert_eq!(percent(0, 0), "0%");
    }

    #[test]
    fn columns_stack_the_series_and_label_the_axis() {
        let labels = days(3);
        let svg = columns(
            "日別のアラート",
            &labels,
            &[
                ColumnSeries {
                    label: "緊急",
                    colour: Some("#b00020"),
                    values: vec![1, 0, 2],
                },
                ColumnSeries {
                    label: "高",
                    colour: None,
                    values: vec![1200, 3],
                },
            ],
        );
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert!(svg.contains("<title>日別のアラート</title>"));
        assert!(svg.contains(r#"font-family="IPAexGothic, "#), "{svg}");
        // Four non-zero segments (the missing third value of 高 counts as zero) and two legend
        // swatches.
        assert_eq!(svg.matches("<rect").count(), 6, "{svg}");
        assert_eq!(svg.matches(r##"fill="#b00020""##).count(), 3);
        // The first palette colour stands in for the missing one.
        assert!(svg.contains(r##"fill="#c25e00""##), "{svg}");
        assert_eq!(tick_labels(&svg), ["0", "500", "1,000", "1,500"]);
        assert!(svg.contains("<title>1 高: 1,200</title>"), "{svg}");
        assert!(svg.contains(">緊急<") && svg.contains(">高<"));
        for day in ["1", "2", "3"] {
            assert!(svg.contains(&format!(">{day}</text>")), "{day}");
        }
        assert!(!svg.contains("style="), "no inline styles under the CSP");
    }

    #[test]
    fn a_single_series_needs_no_legend() {
        let svg = columns(
            "t",
            &days(2),
            &[ColumnSeries {
                label: "件数",
                colour: None,
                values: vec![2, 1],
            }],
        );
        assert_eq!(svg.matches("<rect").count(), 2);
        assert!(!svg.contains(">件数<"));
        assert_eq!(tick_labels(&svg), ["0", "1", "2", "3"]);
    }

    #[test]
    fn a_month_of_day_labels_is_thinned() {
        let labels = days(31);
        let svg = columns(
            "t",
            &labels,
            &[ColumnSeries {
                label: "s",
                colour: None,
                values: vec![1; 31],
            }],
        );
        let shown: Vec<&str> = labels
            .iter()
            .map(String::as_str)
            .filter(|d| {
                svg.contains(&format!(
                    r##"text-anchor="middle" font-size="11" fill="#5b6672">{d}<"##
                ))
            })
            .collect();
        assert_eq!(shown, ["1", "5", "10", "15", "20", "25", "30"], "{svg}");
        assert_eq!(svg.matches("<rect").count(), 31);
    }

    #[test]
    fn label_thinning_keeps_labels_apart() {
        let short = days(10);
        assert_eq!(label_step(&short, 49.2), 1);
        let dates: Vec<String> = (1..=30).map(|d| format!("11/{d}")).collect();
        let step = label_step(&dates, 492.0 / 30.0);
        assert!((step - 1) as f64 * 492.0 / 30.0 >= 5.0 * 6.6, "{step}");
        let wide: Vec<String> = (1..=12).map(|m| format!("{m}月")).collect();
        assert_eq!(label_step(&wide, 41.0), 1);
        assert_eq!(label_step(&[], 492.0), 1);
    }

    #[test]
    fn a_quiet_month_still_draws_axes_and_a_baseline() {
        let svg = columns(
            "t",
            &days(30),
            &[
                ColumnSeries {
                    label: "緊急",
                    colour: None,
                    values: vec![0; 30],
                },
                ColumnSeries {
                    label: "高",
                    colour: None,
                    values: vec![],
                },
            ],
        );
        // Only the two legend swatches; no columns.
        assert_eq!(svg.matches("<rect").count(), 2, "{svg}");
        assert_eq!(tick_labels(&svg), ["0", "1", "2", "3"]);
        assert!(
            svg.contains(r##"y1="212.0" x2="544.0" y2="212.0" stroke="#8a949e""##),
            "{svg}"
        );
        assert!(!svg.contains("NaN") && !svg.contains("inf"));
        let empty = columns("t", &[], &[]);
        assert!(empty.contains(r##"stroke="#8a949e""##) && empty.ends_with("</svg>"));
    }

    #[test]
    fn proportion_splits_one_bar_and_lists_every_part() {
        let svg = proportion(
            "重要度別の割合",
            &[
                Part {
                    label: "緊急",
                    colour: Some("#b00020"),
                    count: 1,
                },
                Part {
                    label: "中",
                    colour: None,
                    count: 0,
                },
                Part {
                    label: "低",
                    colour: None,
                    count: 3,
                },
            ],
        );
        assert!(svg.contains("<title>重要度別の割合</title>"));
        // Two segments (the empty part is not drawn) and three legend swatches.
        assert_eq!(svg.matches("<rect").count(), 5, "{svg}");
        assert!(svg.contains(">緊急: 1 (25%)<"), "{svg}");
        assert!(svg.contains(">中: 0 (0%)<"), "{svg}");
        assert!(svg.contains(">低: 3 (75%)<"), "{svg}");
        // 1 of 4 takes the first quarter of the 536-wide bar, the rest the remainder.
        assert!(svg.contains(r#"x="12.0" y="12" width="134.0""#), "{svg}");
        assert!(svg.contains(r#"x="146.0" y="12" width="402.0""#), "{svg}");
        assert!(!svg.contains("style="));
    }

    #[test]
    fn an_empty_proportion_is_a_grey_bar_with_zeros() {
        let svg = proportion(
            "t",
            &[
                Part {
                    label: "緊急",
                    colour: None,
                    count: 0,
                },
                Part {
                    label: "高",
                    colour: None,
                    count: 0,
                },
            ],
        );
        assert_eq!(svg.matches("<rect").count(), 3, "{svg}");
        assert!(svg.contains(&format!(r#"fill="{EMPTY}""#)));
        assert!(svg.contains(">緊急: 0 (0%)<") && svg.contains(">高: 0 (0%)<"));
    }

    #[test]
    fn new_charts_escape_text_and_colours() {
        let svg = columns(
            "<&\"",
            &axes(&["a<b"]),
            &[
                ColumnSeries {
                    label: "x & y",
                    colour: Some("\"/><script>"),
                    values: vec![1],
                },
                ColumnSeries {
                    label: "\"q\"",
                    colour: None,
                    values: vec![1],
                },
            ],
        );
        assert!(svg.contains("<title>&lt;&amp;&quot;</title>"), "{svg}");
        assert!(svg.contains(">a&lt;b<") && svg.contains("x &amp; y"));
        assert!(svg.contains("&quot;q&quot;"));
        assert!(!svg.contains("<script>"), "{svg}");
        let svg = proportion(
            "<&\"",
            &[Part {
                label: "<b>",
                colour: Some("red\" onload=\"x"),
                count: 2,
            }],
        );
        assert!(svg.contains("&lt;b&gt;: 2 (100%)"), "{svg}");
        assert!(!svg.contains("<b>") && !svg.contains("\" onload"));
        let tiny = proportion(
            "t",
            &[
                Part {
                    label: "a",
                    colour: None,
                    count: 1,
                },
                Part {
                    label: "b",
                    colour: None,
                    count: 999,
                },
            ],
        );
        assert!(tiny.contains("<title>a: 1 (&lt;1%)</title>"), "{tiny}");
        assert!(tiny.contains(">b: 999 (&gt;99%)<"), "{tiny}");
        assert!(!tiny.contains("(<") && !tiny.contains("(>"));
    }
}
