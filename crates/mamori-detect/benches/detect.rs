//! Detection benchmarks (`cargo bench -p mamori-detect`): compile time and memory for the
//! public Sigma rule set, events per second on one core with the Windows rules on JSON
//! Windows events — as `mamori scan` reads EVTX, and live as `mamori serve` reads them from a
//! shipper (Winlogbeat's JSON through the `windows` parser), split into parsing and matching
//! — and events per second for network events against mamori's own pack.
//! Reads `MAMORI_SIGMA_DATA` (default `../shared/data/sigma`); prints and never asserts.

/// The allocator `mamori serve` runs on, so that the figures are the server's.
#[cfg(not(target_env = "msvc"))]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

#[path = "../tests/support/mod.rs"]
mod support;

use std::time::{Duration, Instant};

use chrono::Utc;
use mamori_detect::{CorrelatorConfig, Detector, Mapping, builtin_pack, read_rules};
use mamori_parse::{Format, parse_line};
use mamori_testkit::windows::Shipper;
use serde_json::Value;
use support::{data_dir, files_named, json_events};

/// The live path for Windows events on one core: Winlogbeat's JSON lines parsed by the
/// `windows` parser and matched as `mamori serve` matches them, then each half alone.
fn windows_live(detector: &Detector, label: &str, events: &[Value]) {
    let lines: Vec<String> = events
        .iter()
        .filter_map(|e| Shipper::Winlogbeat.render(e))
        .map(|v| v.to_string())
        .collect();
    let now = Utc::now();
    let parsed: Vec<_> = lines
        .iter()
        .filter_map(|l| parse_line(Format::Windows, l, now).ok())
        .collect();
    let (whole, hits) = throughput(&lines, 3.0, |l| {
        parse_line(Format::Windows, l, now)
            .map(|e| detector.evaluate_model(&e).len())
            .unwrap_or(0)
    });
    let (parse, _) = throughput(&lines, 3.0, |l| {
        usize::from(parse_line(Format::Windows, l, now).is_ok())
    });
    let (matching, _) = throughput(&parsed, 3.0, |e| detector.evaluate_model(e).len());
    println!(
        "windows live, {label}: {} Winlogbeat lines, one core: {whole:.0} events/s parsed and matched ({hits} detections); parsing alone {parse:.0}/s, matching alone {matching:.0}/s",
        lines.len()
    );
}

/// Peak resident memory of this process in MiB, from /proc.
fn peak_rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            let line = s.lines().find(|l| l.starts_with("VmHWM:"))?;
            line.split_whitespace().nth(1)?.parse::<f64>().ok()
        })
        .map_or(0.0, |kib| kib / 1024.0)
}

/// Runs `step` over `items` repeatedly for about `secs` seconds; returns items per second.
fn throughput<T>(items: &[T], secs: f64, mut step: impl FnMut(&T) -> usize) -> (f64, usize) {
    let started = Instant::now();
    let (mut n, mut hits) = (0usize, 0usize);
    while started.elapsed() < Duration::from_secs_f64(secs) {
        for item in items {
            hits += step(item);
            n += 1;
        }
    }
    (n as f64 / started.elapsed().as_secs_f64(), hits)
}

fn main() {
    let data = data_dir();
    if data.join("rules").is_dir() {
        let rss_before = peak_rss_mib();
        let started = Instant::now();
        let texts = read_rules(&data.join("rules")).expect("rules readable");
        let read = started.elapsed();
        let (detector, reports) = Detector::compile(&texts, Mapping::builtin());
        let compiled = started.elapsed() - read;
        println!(
            "compile rules/: {} files, {} rules in force of {} reports; read {:.2} s, parse+compile {:.2} s; peak RSS {:.0} MiB (was {:.0} MiB before)",
            texts.len(),
            detector.rule_count(),
            reports.len(),
            read.as_secs_f64(),
            compiled.as_secs_f64(),
            peak_rss_mib(),
            rss_before
        );
        drop(detector);

        let windows = read_rules(&data.join("rules/windows")).expect("windows rules readable");
        let (detector, _) = Detector::compile(&windows, Mapping::builtin());
        let mut files = Vec::new();
        files_named(&data.join("regression_data"), ".json", &mut files);
        let events: Vec<_> = files.iter().flat_map(|f| json_events(f)).collect();
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .expect("pool");
        let (rate, hits) =
            pool.install(|| throughput(&events, 5.0, |e| detector.evaluate_json(e).len()));
        println!(
            "windows: {} rules, {} regression events (all malicious), one core: {:.0} events/s ({} detections)",
            detector.rule_count(),
            events.len(),
            rate,
            hits
        );
        let benign: Vec<Value> = json_events(std::path::Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/benign/windows.jsonl"
        )));
        let (rate, hits) =
            pool.install(|| throughput(&benign, 3.0, |e| detector.evaluate_json(e).len()));
        println!(
            "windows: a benign working day ({} events), one core: {rate:.0} events/s ({hits} detections)",
            benign.len()
        );
        pool.install(|| windows_live(&detector, "a benign working day", &benign));
        pool.install(|| windows_live(&detector, "the regression events", &events));
    } else {
        println!(
            "bench: {} absent, public rule set skipped (set MAMORI_SIGMA_DATA)",
            data.display()
        );
    }

    let (pack, _) = Detector::compile(&builtin_pack(), Mapping::builtin());
    let now = Utc::now();
    let lines = [
        (
            Format::Rtx,
            "PP[01] Rejected at IN(2000) filter: TCP 198.51.100.7:41523 > 192.0.2.1:23",
        ),
        (
            Format::Rtx,
            "[INSPECT] LAN2[out][101100] TCP 192.168.0.5:51234 > 203.0.113.9:443 (2024/05/01 14:12:42)",
        ),
        (
            Format::Fortigate,
            "date=2024-05-01 time=10:16:02 devname=\"FG60F-Office\" logid=\"0000000013\" type=\"traffic\" subtype=\"forward\" level=\"notice\" srcip=203.0.113.45 srcport=40123 srcintf=\"wan1\" dstip=192.0.2.10 dstport=3389 dstintf=\"internal\" proto=6 action=\"deny\" policyid=0 service=\"RDP\"",
        ),
        (
            Format::Filterlog,
            "<134>1 2024-05-01T10:15:31.000000+09:00 pfsense.home.arpa filterlog 43210 - - 77,,,1770009500,igb1,match,pass,out,4,0x0,,63,54321,0,none,17,udp,74,192.168.1.50,198.51.100.53,51000,53,54",
        ),
        (
            Format::LinuxAuth,
            "<4>May  1 10:15:42 gw01 kernel: [UFW BLOCK] IN=eth0 OUT= SRC=203.0.113.5 DST=192.0.2.10 LEN=60 PROTO=TCP SPT=41523 DPT=23 WINDOW=64240 SYN URGP=0",
        ),
    ];
    let events: Vec<_> = lines
        .iter()
        .filter_map(|(f, l)| parse_line(*f, l, now).ok())
        .collect();
    let (rate, hits) = throughput(&events, 3.0, |e| pack.evaluate_model(e).len());
    println!(
        "network: {} pack rules, {} normalised network events, one core: {:.0} events/s ({} detections)",
        pack.rule_count(),
        events.len(),
        rate,
        hits
    );
    // As `mamori serve` runs it: every match goes to the correlator, and only detections of
    // rules that report on their own (and correlations) come back.
    let mut correlator = pack.correlator(CorrelatorConfig::default());
    let (rate, hits) = throughput(&events, 3.0, |e| {
        pack.evaluate_model_correlated(e, &mut correlator).len()
    });
    println!(
        "network with correlation: {} correlations, one core: {:.0} events/s ({} detections kept)",
        pack.correlation_count(),
        rate,
        hits
    );
}
