//! Parser throughput in lines per second, one benchmark per format, over the golden corpus
//! lines of that format (failing lines included, as a real feed has some). Run with
//! `cargo bench -p mamori-parse --bench parse -- --quick` for a short measurement.

use std::hint::black_box;
use std::time::Duration;

use chrono::{DateTime, Utc};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use mamori_parse::{Format, parse_line};

fn corpus(format: Format) -> Vec<String> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/corpus")
        .join(format.as_str())
        .join("sample.log");
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(str::to_owned)
        .collect()
}

fn parse(c: &mut Criterion) {
    let received_at: DateTime<Utc> = DateTime::parse_from_rfc3339("2024-05-01T03:00:00Z")
        .map(|t| t.to_utc())
        .unwrap_or_default();
    let mut group = c.benchmark_group("parse");
    group.measurement_time(Duration::from_secs(3));
    group.warm_up_time(Duration::from_secs(1));
    for format in Format::ALL {
        let lines = corpus(format);
        group.throughput(Throughput::Elements(lines.len() as u64));
        group.bench_function(format.as_str(), |b| {
            b.iter(|| {
                for line in &lines {
                    let _ = black_box(parse_line(format, black_box(line), received_at));
                }
            })
        });
    }
    group.finish();
}

criterion_group!(benches, parse);
criterion_main!(benches);
