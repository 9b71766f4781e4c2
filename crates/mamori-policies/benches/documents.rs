//! How long the three documents take to make: generating each from the company's parameters
//! and a self-assessment, then writing it as HTML, DOCX and PDF.
//!
//! `cargo bench -p mamori-policies -j2` generates the policy, the handbook (from 25 answers)
//! and the regulations `MAMORI_BENCH_RUNS` times (default 20) in Japanese and prints, per
//! document and step, the mean and the maximum in milliseconds. The first PDF (typst's
//! first compile) is printed on its own.

use std::time::{Duration, Instant};

use mamori_catalog::{Answer, Answers, Lang};
use mamori_policies::{
    Document, DocumentKind, Edits, GenerateInput, Params, Texts, docx, generate, html_page, pdf,
};
use mamori_typst::TypstRenderer;

fn params() -> Params {
    let mut p = Params::default();
    for (k, v) in [
        ("representative_title", "代表取締役"),
        ("representative_name", "山田 太郎"),
        ("established_on", "2026-04-01"),
        ("scope", "both"),
        ("security_officer", "山田 太郎"),
        ("department_manager", "佐藤 花子"),
        ("system_administrator", "鈴木 一郎"),
        ("education_officer", "佐藤 花子"),
        ("inspection_officer", "高橋 次郎"),
        ("contact_name", "総務部 鈴木"),
        ("contact_phone", "03-1234-5678"),
        ("antivirus_product", "ESET Endpoint Security"),
        ("revised_on", "2026-12-01"),
    ] {
        p.set(k, v);
    }
    p
}

/// 25 answers, a mix of every answer word, as a real company's would be.
fn answers() -> Answers {
    let words = [Answer::Yes, Answer::Partial, Answer::No, Answer::Unknown];
    (1..=25u8)
        .map(|n| (n, words[usize::from(n) % words.len()]))
        .collect()
}

fn millis(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Mean and maximum of `samples` in milliseconds.
fn summary(samples: &[Duration]) -> (f64, f64) {
    let total: Duration = samples.iter().sum();
    let max = samples.iter().max().copied().unwrap_or_default();
    (millis(total) / samples.len().max(1) as f64, millis(max))
}

fn main() {
    let runs: usize = std::env::var("MAMORI_BENCH_RUNS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(20);
    let texts = Texts::load("ipa-sme-3.1").expect("the shipped texts load");
    let renderer = TypstRenderer::new().expect("fonts");
    let (params, answers, edits) = (params(), answers(), Edits::default());
    let make = |kind: DocumentKind| -> Document {
        generate(GenerateInput {
            texts: &texts,
            kind,
            lang: Lang::Ja,
            company: "山田商事株式会社",
            params: &params,
            answers: Some(&answers),
            edits: &edits,
            desk: None,
        })
        .expect("generates")
    };
    let started = Instant::now();
    let first = pdf(&renderer, &make(DocumentKind::Policy)).expect("pdf");
    println!(
        "first PDF (typst's first compile; fonts were loaded before): {:.0} ms, {} bytes",
        millis(started.elapsed()),
        first.len()
    );
    println!("{runs} runs each; mean / max in ms");
    for kind in DocumentKind::ALL {
        let mut timings: [Vec<Duration>; 4] = Default::default();
        let mut sizes = (0, 0, 0);
        for _ in 0..runs {
            let t = Instant::now();
            let doc = make(kind);
            timings[0].push(t.elapsed());
            let t = Instant::now();
            sizes.0 = html_page(&doc).expect("html").len();
            timings[1].push(t.elapsed());
            let t = Instant::now();
            sizes.1 = docx(&doc).expect("docx").len();
            timings[2].push(t.elapsed());
            let t = Instant::now();
            sizes.2 = pdf(&renderer, &doc).expect("pdf").len();
            timings[3].push(t.elapsed());
        }
        let [generate, html, word, print] = timings.map(|t| summary(&t));
        println!(
            "{:<12} generate {:>6.2} / {:>6.2}   html {:>6.2} / {:>6.2} ({} B)   docx {:>6.2} / {:>6.2} ({} B)   pdf {:>7.1} / {:>7.1} ({} B)",
            kind.as_str(),
            generate.0,
            generate.1,
            html.0,
            html.1,
            sizes.0,
            word.0,
            word.1,
            sizes.1,
            print.0,
            print.1,
            sizes.2,
        );
    }
}
