//! Small server-rendered SVG charts (a radar and a line chart) for scores and their trend.
//! Pages stay free of JavaScript, print as drawn, and obey the strict content-security policy:
//! only presentation attributes are used, never inline `style`.

use std::f64::consts::PI;
use std::fmt::Write;

/// Colours of the data series, in order (mamori's accent first, then a contrasting orange,
/// blue and purple), chosen to stay distinct when printed in grey.
const PALETTE: [&str; 4] = ["#1f6f5c", "#c25e00", "#2f5fa7", "#7a3e9d"];

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
    legend(&mut svg, series, LEGEND_TOP);
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
    legend(&mut svg, series, TOP + PLOT_HEIGHT + 30.0);
    svg.push_str("</svg>");
    svg
}

fn open(title: &str, width: f64, height: f64) -> String {
    let title = escape(title);
    format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height}" role="img" aria-label="{title}"><title>{title}</title>"#
    )
}

fn legend(svg: &mut String, series: &[Series], top: f64) {
    for (i, (s, colour)) in series.iter().zip(PALETTE.iter().cycle()).enumerate() {
        let y = top + 22.0 * i as f64;
        let _ = write!(
            svg,
            r##"<rect x="12" y="{y:.1}" width="14" height="14" fill="{colour}"/><text x="32" y="{:.1}" font-size="12" fill="#1d2733">{}</text>"##,
            y + 12.0,
            escape(s.label)
        );
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
}
