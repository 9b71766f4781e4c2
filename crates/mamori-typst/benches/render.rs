//! How long a realistic monthly report takes to render, and how much memory it needs.
//!
//! `cargo bench -p mamori-docs -j2` renders a 3–4 page report (headings, four tables of 30
//! rows, three charts, Japanese and English text) `MAMORI_BENCH_RUNS` times (default 20) and
//! prints the first render (which includes parsing the font), then mean, median and maximum
//! of the following renders, and the peak resident memory of the process. With
//! `MAMORI_BENCH_PDF=path` it also writes the report there, to look at.

use std::time::{Duration, Instant};

use mamori_docs::PdfRenderer;
use mamori_docs::charts::{self, ColumnSeries, Part, Series};
use mamori_typst::TypstRenderer;
use serde_json::{Value, json};

const TEMPLATE: &str = r#"#let data = json(bytes(sys.inputs.data))
#set document(title: data.title, author: "mamori", date: datetime(year: 2026, month: 12, day: 1))
#set page(paper: "a4", margin: (x: 2cm, y: 2.2cm), numbering: "1 / 1")
#set text(font: "IPAexGothic", lang: "ja", size: 10pt)
#set heading(numbering: "1.")
#show heading: set block(above: 1.4em, below: 0.8em)

#align(center, text(18pt, weight: "bold", data.title))
#align(center, [#data.company 様 — #data.month])

= 今月のまとめ / Summary

#data.summary

#data.summary_en

#grid(columns: (1fr, 1fr), gutter: 1em,
  image(bytes(data.charts.proportion), format: "svg", width: 100%),
  [監視対象機器は #data.sources 台、確認したイベントは #data.events 件です。
   Monitored sources: #data.sources. Events checked: #data.events.],
)

= 日別のアラート / Alerts per day

#image(bytes(data.charts.columns), format: "svg", width: 100%)

#let listing(rows) = table(
  columns: (auto, 1fr, auto, auto),
  align: (left, left, center, right),
  table.header([*日時*], [*内容 / Description*], [*重要度*], [*件数*]),
  ..rows.map(r => (r.at, r.text, r.severity, r.count)).flatten(),
)

= 主なアラート / Main alerts

#listing(data.alerts)

= 監視対象機器ごとの状況 / Sources

#listing(data.sources_table)

= 自社診断の推移 / Self-assessment trend

#image(bytes(data.charts.trend), format: "svg", width: 80%)

= すること / What to do

#for step in data.steps [
  - #step
]

= 付録 / Appendix

#listing(data.appendix)

#listing(data.appendix2)
"#;

fn rows(prefix: &str) -> Vec<Value> {
    let severities = ["緊急", "高", "中", "低", "情報"];
    (0..30)
        .map(|i| {
            json!({
                "at": format!("2026/11/{:02} {:02}:{:02}", i % 30 + 1, (i * 7) % 24, (i * 13) % 60),
                "text": format!("{prefix} {i}: 社外からの不審なログイン試行 (suspicious sign-in from 203.0.113.{i})"),
                "severity": severities[i % severities.len()],
                "count": format!("{}", 1 + (i * 37) % 1500),
            })
        })
        .collect()
}

fn report() -> Value {
    let days: Vec<String> = (1..=30).map(|d| format!("{d}日")).collect();
    let columns = charts::columns(
        "日別のアラート件数",
        &days,
        &[
            ColumnSeries {
                label: "緊急",
                colour: Some("#b00020"),
                values: (0..30).map(|d| u64::from(d % 7 == 3)).collect(),
            },
            ColumnSeries {
                label: "高",
                colour: Some("#c25e00"),
                values: (0..30).map(|d| d % 4).collect(),
            },
            ColumnSeries {
                label: "中",
                colour: Some("#2f5fa7"),
                values: (0..30).map(|d| (d * 5) % 9).collect(),
            },
        ],
    );
    let proportion = charts::proportion(
        "重要度別の割合",
        &[
            Part {
                label: "緊急",
                colour: Some("#b00020"),
                count: 4,
            },
            Part {
                label: "高",
                colour: Some("#c25e00"),
                count: 45,
            },
            Part {
                label: "中",
                colour: Some("#2f5fa7"),
                count: 120,
            },
            Part {
                label: "低",
                colour: Some("#7a3e9d"),
                count: 1031,
            },
        ],
    );
    let months: Vec<String> = (6..=11).map(|m| format!("2026/{m:02}")).collect();
    let trend = charts::trend(
        "自社診断の推移",
        &months,
        0.0,
        &[Series {
            label: "合計",
            values: vec![42.0, 48.0, 55.0, 61.0, 60.0, 72.0],
        }],
    );
    json!({
        "title": "月次セキュリティレポート",
        "company": "アルファ工業株式会社",
        "month": "2026年11月",
        "summary": "今月は緊急のアラートが4件ありました。いずれも社外からの不審なログイン試行で、すでに遮断しています。パスワードの使い回しがないか、担当者に確認してください。",
        "summary_en": "Four critical alerts this month, all suspicious sign-ins from outside; they are blocked. Please check that no password is reused.",
        "sources": 3,
        "events": "1,234,567",
        "charts": {"columns": columns, "proportion": proportion, "trend": trend},
        "alerts": rows("アラート"),
        "sources_table": rows("機器"),
        "steps": [
            "管理者アカウントに多要素認証を設定する。",
            "Update the firmware of the router (RTX1300) to the latest release.",
            "退職者のアカウントを削除する。",
        ],
        "appendix": rows("付録A"),
        "appendix2": rows("付録B"),
    })
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Peak resident set size of this process (Linux `VmHWM`), as printed by the kernel.
fn peak_rss() -> String {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .map(|v| v.trim().to_string())
        })
        .unwrap_or_else(|| "unknown (no /proc/self/status)".to_string())
}

fn main() {
    let runs: usize = std::env::var("MAMORI_BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20);
    let data = report();

    let start = Instant::now();
    let renderer = TypstRenderer::new().expect("font");
    let pdf = renderer.render(TEMPLATE, &data).expect("render");
    let first = start.elapsed();
    if let Ok(path) = std::env::var("MAMORI_BENCH_PDF") {
        std::fs::write(&path, &pdf).expect("write the PDF");
    }

    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let start = Instant::now();
            let again = renderer.render(TEMPLATE, &data).expect("render");
            let elapsed = start.elapsed();
            assert_eq!(again.len(), pdf.len(), "renders differ");
            elapsed
        })
        .collect();
    times.sort();
    let mean = times.iter().sum::<Duration>() / runs.max(1) as u32;
    let p50 = times.get(times.len() / 2).copied().unwrap_or_default();
    let max = times.last().copied().unwrap_or_default();
    println!("report: {} bytes of PDF", pdf.len());
    println!("first render (includes font parse): {:.1} ms", ms(first));
    println!(
        "{runs} further renders: mean {:.1} ms, p50 {:.1} ms, max {:.1} ms",
        ms(mean),
        ms(p50),
        ms(max)
    );
    println!("peak RSS (VmHWM): {}", peak_rss());
}
