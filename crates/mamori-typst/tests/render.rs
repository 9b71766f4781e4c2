//! Renders real templates to PDF and reads the text back with poppler's `pdftotext` (Debian
//! package poppler-utils) where it is installed.

use std::path::PathBuf;
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use mamori_docs::charts::{self, ColumnSeries};
use mamori_docs::{PdfRenderer, RenderError};
use mamori_typst::TypstRenderer;
use serde_json::json;

const REPORT: &str = r#"#let data = json(bytes(sys.inputs.data))
#set document(title: data.title, author: "mamori")
#set page(paper: "a4", margin: 2cm)
#set text(font: "IPAexGothic", lang: "ja", size: 10.5pt)

= #data.title

#data.company 様の#data.month の結果です。

#table(
  columns: 2,
  [監視対象機器], [検知件数],
  ..data.rows.map(r => (r.source, str(r.count))).flatten(),
)

#image(bytes(data.chart), format: "svg", width: 100%)
"#;

fn report_data(company: &str) -> serde_json::Value {
    let days: Vec<String> = (1..=30).map(|d| format!("{d}日")).collect();
    let chart = charts::columns(
        "日別のアラート件数",
        &days,
        &[
            ColumnSeries {
                label: "重大",
                colour: Some("#b00020"),
                values: (0..30).map(|d| d % 3).collect(),
            },
            ColumnSeries {
                label: "要確認",
                colour: None,
                values: (0..30).map(|d| d % 5).collect(),
            },
        ],
    );
    json!({
        "title": "月次セキュリティレポート",
        "company": company,
        "month": "2026年11月",
        "rows": [
            {"source": "Yamaha RTX1300", "count": 1234},
            {"source": "FortiGate 60F", "count": 0},
        ],
        "chart": chart,
    })
}

/// The PDF's text as `pdftotext` reads it, or `None` (with a note) where it is not installed.
fn pdf_text(pdf: &[u8]) -> Option<String> {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let path: PathBuf = std::env::temp_dir().join(format!(
        "mamori-docs-{}-{}.pdf",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::write(&path, pdf).expect("write the PDF");
    let output = Command::new("pdftotext")
        .args(["-enc", "UTF-8"])
        .arg(&path)
        .arg("-")
        .output();
    let _ = std::fs::remove_file(&path);
    match output {
        Ok(output) => {
            assert!(output.status.success(), "pdftotext failed: {output:?}");
            Some(String::from_utf8(output.stdout).expect("UTF-8 text"))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            // CI installs poppler-utils: there, a missing pdftotext is a failure.
            assert!(
                std::env::var_os("CI").is_none(),
                "pdftotext is missing in CI (Debian package poppler-utils)"
            );
            println!("skipped: pdftotext not installed (Debian package poppler-utils)");
            None
        }
        Err(e) => panic!("pdftotext could not be run: {e}"),
    }
}

#[test]
fn a_japanese_report_with_a_table_and_a_chart_renders_as_text() {
    let renderer = TypstRenderer::new().expect("font");
    let pdf = renderer
        .render(REPORT, &report_data("アルファ工業株式会社"))
        .expect("render");
    assert!(pdf.starts_with(b"%PDF"), "not a PDF");
    let Some(text) = pdf_text(&pdf) else {
        return;
    };
    for expected in [
        "月次セキュリティレポート",
        "アルファ工業株式会社",
        "監視対象機器",
        "Yamaha RTX1300",
        "1234",
        // The chart's legend and axis labels: SVG text set in the embedded font.
        "重大",
        "要確認",
        "15日",
        // The top y tick: the highest day stacks 2 + 4 alerts.
        "6",
    ] {
        assert!(
            text.contains(expected),
            "{expected:?} missing from:\n{text}"
        );
    }
}

#[test]
fn the_same_input_gives_the_same_bytes() {
    let renderer = TypstRenderer::new().expect("font");
    let data = report_data("ベータ商事");
    let first = renderer.render(REPORT, &data).expect("render");
    let second = renderer.render(REPORT, &data).expect("render");
    assert!(first == second, "the PDF differs between two renders");
}

#[test]
fn a_broken_template_names_the_problem_and_the_line() {
    let renderer = TypstRenderer::new().expect("font");
    let template = "#let data = json(bytes(sys.inputs.data))\n\n合計: #data.totl 件\n";
    let err = renderer
        .render(template, &json!({"total": 3}))
        .expect_err("an unknown field must fail");
    assert!(matches!(err, RenderError::Template(_)), "{err:?}");
    let message = err.to_string();
    assert!(message.contains("totl"), "{message}");
    assert!(message.contains("line 3, column"), "{message}");
    assert!(message.contains("3 | 合計: #data.totl 件"), "{message}");

    let err = renderer
        .render("= 見出し\n#table(columns: 2, [a]\n", &json!({}))
        .expect_err("an unclosed call must fail");
    let message = err.to_string();
    assert!(message.contains("line 2"), "{message}");
    assert!(message.contains("unclosed"), "{message}");
}

#[test]
fn data_that_is_not_what_the_template_expects_fails_loudly() {
    let renderer = TypstRenderer::new().expect("font");
    let err = renderer
        .render(REPORT, &json!({"title": "t"}))
        .expect_err("missing fields must fail");
    let message = err.to_string();
    assert!(message.contains("company"), "{message}");
    assert!(message.contains("line 8"), "{message}");
}

#[test]
fn one_renderer_serves_two_threads_at_once() {
    fn shareable<T: Send + Sync>() {}
    shareable::<TypstRenderer>();
    let renderer = Arc::new(TypstRenderer::new().expect("font"));
    let handles: Vec<_> = ["アルファ工業株式会社", "ガンマ精機株式会社"]
        .into_iter()
        .map(|company| {
            let renderer = Arc::clone(&renderer);
            std::thread::spawn(move || {
                let mut pdf = Vec::new();
                for _ in 0..3 {
                    pdf = renderer
                        .render(REPORT, &report_data(company))
                        .expect("render");
                }
                (company, pdf)
            })
        })
        .collect();
    for handle in handles {
        let (company, pdf) = handle.join().expect("thread");
        assert!(pdf.starts_with(b"%PDF"));
        if let Some(text) = pdf_text(&pdf) {
            assert!(text.contains(company), "{company} missing from:\n{text}");
        }
    }
}
