//! `mamori bench alerts`: how long an attack takes to reach a person. It runs the real
//! pipeline (syslog TCP → queue → parse → detection → store → alerting stage → webhook) with
//! background load from edge devices, and every half second sends a short SSH brute force
//! from a new address. It prints the time from the line that completes each brute force to
//! the webhook arriving at a local HTTP listener: p50, p90, p99 and the worst.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::Context;
use axum::Router;
use axum::body::Bytes;
use axum::routing::post;
use clap::Args;
use mamori_alerts::{AlertSettings, RunningAlerts};
use mamori_ingest::pipeline::BatchInspector;
use mamori_ingest::queue::QueueConfig;
use mamori_ingest::{IngestSettings, RunningIngest};
use mamori_model::{Scope, Severity};
use mamori_store::{Actor, NewChannel, NewSource, SourceIdentity, Store};
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpSocket, TcpStream};

use crate::bench::{peak_rss_mib, prepare, scratch_store, send};

/// Options of `bench alerts`.
#[derive(Args)]
pub struct AlertBenchArgs {
    /// Background lines per second from edge devices.
    #[arg(long, default_value_t = 10_000)]
    rate: u64,
    /// Seconds to run.
    #[arg(long, default_value_t = 30)]
    duration: u64,
    /// Store into this database instead of a scratch SQLite file.
    #[arg(long)]
    database_url: Option<String>,
}

/// Arrival times of webhooks by alert id.
type Arrivals = Arc<Mutex<HashMap<String, Instant>>>;

/// A local webhook receiver; returns its URL.
async fn receiver(arrivals: Arrivals) -> anyhow::Result<String> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}/hook", listener.local_addr()?);
    let app = Router::new().route(
        "/hook",
        post(move |body: Bytes| {
            let arrivals = arrivals.clone();
            async move {
                let at = Instant::now();
                if let Ok(payload) = serde_json::from_slice::<serde_json::Value>(&body)
                    && let Some(id) = payload["alert"]["id"].as_str()
                    && let Ok(mut seen) = arrivals.lock()
                {
                    seen.entry(id.to_owned()).or_insert(at);
                }
                "ok"
            }
        }),
    );
    tokio::spawn(async move { axum::serve(listener, app).await });
    Ok(url)
}

/// Registers the prober (127.0.0.2, SSH log lines) and a webhook channel for the bench
/// organisation.
async fn prepare_probe(store: &Store, hook: &str) -> anyhow::Result<()> {
    let all = Scope::AllOrganisations;
    let org = store
        .orgs(&all)
        .await?
        .into_iter()
        .next()
        .context("the bench organisation is missing")?;
    let cli = Actor::cli();
    store
        .create_source(
            &cli,
            NewSource {
                org_id: org.id.clone(),
                name: "prober".into(),
                format: "linux-auth".into(),
                json_mapping: None,
                identity: SourceIdentity::Address("127.0.0.2".into()),
                expected_interval_secs: 3600,
            },
        )
        .await?;
    store
        .create_channel(
            &cli,
            &all,
            NewChannel {
                org_id: Some(org.id),
                kind: "webhook".into(),
                config: serde_json::json!({"kind": "webhook", "url": hook}),
                min_severity: Severity::Low,
                quiet_hours: None,
                digest: false,
                lang: "ja".into(),
            },
        )
        .await?;
    Ok(())
}

/// Sends one brute force (ten failures) from `attacker` and returns when its last line
/// was written.
async fn probe(to: SocketAddr, attacker: &str) -> anyhow::Result<Instant> {
    let socket = TcpSocket::new_v4()?;
    socket.bind("127.0.0.2:0".parse()?)?;
    let mut stream: TcpStream = socket.connect(to).await?;
    let stamp = chrono::Local::now().format("%b %e %H:%M:%S");
    let mut lines = String::new();
    for port in 0..10 {
        lines.push_str(&format!(
            "{stamp} web1 sshd[811]: Failed password for root from {attacker} port {} ssh2\n",
            40000 + port
        ));
    }
    stream.write_all(lines.as_bytes()).await?;
    stream.flush().await?;
    let sent = Instant::now();
    stream.shutdown().await?;
    Ok(sent)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// Runs the benchmark.
pub async fn run(args: AlertBenchArgs) -> anyhow::Result<()> {
    let (store, scratch) = scratch_store("alerts", args.database_url.as_deref()).await?;
    let result = measure(&store, &args, &scratch).await;
    store.close().await;
    let _ = std::fs::remove_dir_all(&scratch);
    result
}

async fn measure(
    store: &Store,
    args: &AlertBenchArgs,
    scratch: &std::path::Path,
) -> anyhow::Result<()> {
    prepare(store).await?;
    let arrivals: Arrivals = Arc::default();
    let hook = receiver(arrivals.clone()).await?;
    prepare_probe(store, &hook).await?;
    let detection: Box<dyn BatchInspector> =
        Box::new(crate::detection::DetectArgs::default().load()?);
    let ingest = RunningIngest::start(
        store.clone(),
        IngestSettings {
            queue: QueueConfig::new(scratch.join("queue")),
            udp: None,
            tcp: Some("127.0.0.1:0".parse()?),
            tls: None,
            max_message: mamori_ingest::listen::MAX_MESSAGE,
        },
        Some(detection),
    )
    .await?;
    let to = ingest.tcp.context("no TCP listener")?;
    let notifier = Arc::new(mamori_notify::Notifier::new(
        None,
        mamori_notify::DestinationPolicy::from_list(&["127.0.0.1"])?,
    )?);
    let alerting = RunningAlerts::start(
        store.clone(),
        notifier,
        Arc::new(AlertSettings::default()),
        Some(ingest.handle.detections_stored()),
    );
    eprintln!(
        "background load {} lines/s for {} s; a brute force from a new address every 0.5 s …",
        args.rate, args.duration
    );
    let background = tokio::spawn(send(to, args.rate, args.duration));
    let mut probes: HashMap<String, Instant> = HashMap::new();
    let mut tick = tokio::time::interval(Duration::from_millis(500));
    for n in 0..args.duration * 2 {
        tick.tick().await;
        let attacker = format!("198.18.{}.{}", n / 250, n % 250 + 1);
        probes.insert(attacker.clone(), probe(to, &attacker).await?);
    }
    let sent = background.await??;
    tokio::time::sleep(Duration::from_secs(5)).await;
    let stored = ingest.handle.status().pipeline.stored;
    ingest.stop().await;
    alerting.stop().await;

    let arrived = arrivals.lock().map(|a| a.clone()).unwrap_or_default();
    let mut latencies = Vec::new();
    for (alert_id, at) in &arrived {
        let Some(alert) = store.alert(&Scope::AllOrganisations, alert_id).await? else {
            continue;
        };
        let attacker = alert.details["group"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|p| p[0] == "src_ip")
            .and_then(|p| p[1].as_str())
            .map(str::to_owned);
        if let Some(sent_at) = attacker.and_then(|a| probes.get(&a)) {
            latencies.push(at.saturating_duration_since(*sent_at));
        }
    }
    latencies.sort();
    let all = Scope::AllOrganisations;
    let alerts = store
        .alerts(
            &all,
            &mamori_store::AlertFilter {
                limit: 1,
                ..Default::default()
            },
        )
        .await?
        .total;
    let mut detections = 0;
    for org in store.orgs(&all).await? {
        let page = store
            .org_store(&all, &org.id)
            .await?
            .detections()
            .list(&mamori_store::DetectionFilter {
                limit: 1,
                ..Default::default()
            })
            .await?;
        detections += page.total;
    }
    println!("background:    {sent} lines sent, {stored} events stored");
    println!("detections:    {detections} stored, grouped into {alerts} alerts");
    println!(
        "brute forces:  {} sent, {} webhooks matched",
        probes.len(),
        latencies.len()
    );
    println!(
        "line → webhook: p50 {:.0} ms, p90 {:.0} ms, p99 {:.0} ms, max {:.0} ms",
        percentile(&latencies, 50.0).as_secs_f64() * 1000.0,
        percentile(&latencies, 90.0).as_secs_f64() * 1000.0,
        percentile(&latencies, 99.0).as_secs_f64() * 1000.0,
        latencies.last().copied().unwrap_or_default().as_secs_f64() * 1000.0,
    );
    if let Some(mib) = peak_rss_mib() {
        println!("peak RSS:      {mib:.0} MiB");
    }
    Ok(())
}
