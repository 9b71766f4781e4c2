//! How long monthly reports take: one organisation's report (gather, compose, HTML, PDF,
//! archive) and every organisation's report for a month, on a scratch SQLite database
//! seeded with a month of hourly logs and a few alerts per organisation. Prints figures;
//! never fails on time. `MAMORI_BENCH_ORGS` sets the number of organisations (1000).

#[path = "../tests/seed/mod.rs"]
mod seed;

use std::sync::Arc;
use std::time::Instant;

use mamori_catalog::Lang;
use mamori_reports::{Month, Reporter, Request};
use mamori_store::Store;

fn peak_rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

#[tokio::main]
async fn main() {
    let orgs: usize = std::env::var("MAMORI_BENCH_ORGS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1000);
    let dir = tempfile::tempdir().expect("scratch directory");
    let url = mamori_store::sqlite_url(dir.path());
    let store = Store::connect(&url).await.expect("scratch store");
    let zone = store.zone();
    let month: Month = "2026-11".parse().expect("month");
    let (from, to) = month.bounds(zone);
    let seeding = Instant::now();
    let mut ids = Vec::with_capacity(orgs);
    for i in 0..orgs {
        let address = format!("10.{}.{}.{}", i / 65_536, (i / 256) % 256, i % 256);
        let (org, source) = seed::org_with_source(&store, &format!("企業{i:04}"), &address).await;
        seed::backdate(&url, &org, from - 86_400).await;
        let hours = (to - from) / 3600;
        seed::hourly_events(&store, &org, &source, from, hours, 3, (i * 2 + 1) as i64).await;
        seed::alerts(
            &store,
            &url,
            &org,
            "medium",
            2,
            from + 86_400 * 5,
            (i * 2 + 2) as i64,
        )
        .await;
        ids.push(org);
    }
    seed::roll_up(&store, from, to).await;
    eprintln!(
        "seeded {orgs} organisations with a month of hourly logs in {:.1} s",
        seeding.elapsed().as_secs_f64()
    );

    let pdf = Arc::new(mamori_typst::TypstRenderer::new().expect("fonts"));
    let reporter = Reporter::new(store.clone(), pdf);
    let request = Request {
        trigger: "cli",
        created_by: None,
    };
    let mut single = Vec::new();
    for _ in 0..10 {
        let t = Instant::now();
        reporter
            .monthly(&ids[0], month, Lang::Ja, request)
            .await
            .expect("report");
        single.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    let first = single[0];
    single.sort_by(f64::total_cmp);
    println!(
        "one organisation's report (gather + compose + HTML + PDF + archive): first {:.0} ms, p50 {:.0} ms, max {:.0} ms",
        first,
        single[single.len() / 2],
        single[single.len() - 1]
    );
    let all = Instant::now();
    for (i, org) in ids.iter().enumerate() {
        reporter
            .monthly(org, month, Lang::Ja, request)
            .await
            .expect("report");
        if (i + 1) % 100 == 0 {
            eprintln!("  {} / {orgs} reports", i + 1);
        }
    }
    let secs = all.elapsed().as_secs_f64();
    println!(
        "all {orgs} organisations' reports: {secs:.1} s ({:.0} ms each, {:.1} reports/s); peak RSS {:.0} MiB",
        secs * 1000.0 / orgs as f64,
        orgs as f64 / secs,
        peak_rss_mib()
    );
    store.close().await;
}
