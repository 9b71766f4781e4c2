//! `mamori bench cluster`: events per second through a cluster on this machine — one ingest
//! node and 1, 2 and 4 detect nodes sharing a real NATS JetStream server and PostgreSQL, all
//! in this process — with the lag (lines accepted but not yet stored) sampled while lines
//! arrive, and the single-node pipeline on the same database beside them. The load is
//! FortiGate lines from 16 organisations through HTTP ingest, so that the stream's
//! partitions (one per organisation's lines) spread over the detect nodes.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clap::Args;
use mamori_cluster::{Bus, BusConfig, DetectStats, StreamForward, run_detect};
use mamori_ingest::pipeline::BatchInspector;
use mamori_ingest::queue::QueueConfig;
use mamori_ingest::source::Origin;
use mamori_ingest::{Drain, IngestHandle, IngestSettings, RunningIngest};
use mamori_store::{Actor, NewOrganisation, NewSource, SourceIdentity, Store};
use tokio::sync::watch;

/// Organisations sending.
const ORGANISATIONS: usize = 16;

/// The line every organisation's UTM sends.
const LINE: &str = "date=2024-05-01 time=10:15:30 devname=\"FGT60F\" type=\"traffic\" subtype=\"forward\" level=\"notice\" srcip=192.168.1.10 srcport=50000 dstip=198.51.100.20 dstport=443 proto=6 action=\"deny\" policyid=3";

/// Creates the sending organisations, each with a FortiGate sending over HTTP; returns
/// the sources' identifiers.
async fn organisations(store: &Store) -> anyhow::Result<Vec<String>> {
    let cli = Actor::cli();
    let mut sources = Vec::new();
    for i in 0..ORGANISATIONS {
        let org = store
            .create_org(
                &cli,
                NewOrganisation {
                    name: format!("bench cluster {i}"),
                    industry: "E".parse()?,
                    employees: "6-20".parse()?,
                    contact_email: String::new(),
                },
            )
            .await?;
        let (source, _) = store
            .create_source(
                &cli,
                NewSource {
                    org_id: org.id,
                    name: "UTM".into(),
                    format: "fortigate".into(),
                    json_mapping: None,
                    identity: SourceIdentity::Token,
                    expected_interval_secs: 3600,
                },
            )
            .await?;
        sources.push(source.id);
    }
    Ok(sources)
}

/// Offers `per_second` lines a second for `seconds` from `source_id` through HTTP ingest,
/// catching up when an acceptance (which waits for the disk) took long. Returns how many.
async fn offer(
    handle: IngestHandle,
    source_id: String,
    per_second: u64,
    seconds: u64,
) -> anyhow::Result<u64> {
    let origin = Origin::Http { source_id };
    let started = Instant::now();
    let until = Duration::from_secs(seconds);
    let mut sent = 0u64;
    while started.elapsed() < until {
        tokio::time::sleep(Duration::from_millis(10)).await;
        let due = (per_second as f64 * started.elapsed().min(until).as_secs_f64()) as u64;
        let lines = vec![LINE.as_bytes(); due.saturating_sub(sent) as usize];
        handle.accept(&origin, &lines).await?;
        sent = due.max(sent);
    }
    Ok(sent)
}

/// Options of `bench cluster`.
#[derive(Args)]
pub struct ClusterBenchArgs {
    /// The NATS server with JetStream (e.g. the one `scripts/test-nats.sh` starts).
    #[arg(long, env = "MAMORI_NATS_URL")]
    nats_url: String,
    /// The PostgreSQL database the nodes share (its data is kept; the bench adds an
    /// organisation and its events).
    #[arg(long, env = "MAMORI_DATABASE_URL")]
    database_url: String,
    /// Numbers of detect nodes to measure, one run each.
    #[arg(long, value_delimiter = ',', default_value = "1,2,4")]
    detect_nodes: Vec<usize>,
    /// Lines per second to send, in all.
    #[arg(long, default_value_t = 20_000)]
    rate: u64,
    /// Seconds to send for in each run.
    #[arg(long, default_value_t = 10)]
    duration: u64,
}

/// What one run measured.
struct Figures {
    sent: u64,
    stored: u64,
    seconds: f64,
    max_lag: u64,
}

impl Figures {
    fn print(&self, label: &str) {
        println!(
            "{label:<22} {:>8.0} events/s end to end   {:>8} sent, {:>8} stored   max lag {:>7} lines",
            self.stored as f64 / self.seconds,
            self.sent,
            self.stored,
            self.max_lag
        );
    }
}

fn settings(queue: std::path::PathBuf) -> IngestSettings {
    IngestSettings {
        queue: QueueConfig::new(queue),
        udp: None,
        tcp: None,
        tls: None,
        max_message: mamori_ingest::listen::MAX_MESSAGE,
    }
}

fn detection() -> anyhow::Result<Box<dyn BatchInspector>> {
    Ok(Box::new(crate::detection::DetectArgs::default().load()?))
}

/// Offers the load to `ingest` while `stored` reports progress; waits until all is stored.
async fn drive(
    args: &ClusterBenchArgs,
    sources: &[String],
    ingest: &RunningIngest,
    stored: impl Fn() -> u64,
) -> anyhow::Result<Figures> {
    let started = Instant::now();
    let per_source = args.rate / sources.len() as u64;
    let senders: Vec<_> = sources
        .iter()
        .map(|source| {
            let handle = ingest.handle.clone();
            tokio::spawn(offer(handle, source.clone(), per_source, args.duration))
        })
        .collect();
    let received = || {
        let r = ingest.handle.status().received;
        r.tcp + r.udp + r.tls + r.http
    };
    let mut max_lag = 0;
    while !senders.iter().all(|s| s.is_finished()) {
        max_lag = max_lag.max(received().saturating_sub(stored()));
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let mut sent = 0;
    for sender in senders {
        sent += sender.await??;
    }
    let deadline = Instant::now() + Duration::from_secs(600);
    while stored() < sent && Instant::now() < deadline {
        max_lag = max_lag.max(received().saturating_sub(stored()));
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Ok(Figures {
        sent,
        stored: stored(),
        seconds: started.elapsed().as_secs_f64(),
        max_lag,
    })
}

/// One cluster run with `nodes` detect nodes on a stream of its own.
async fn cluster_run(
    args: &ClusterBenchArgs,
    store: &Store,
    sources: &[String],
    nodes: usize,
    scratch: &std::path::Path,
) -> anyhow::Result<Figures> {
    let bus = Bus::connect(BusConfig {
        stream: format!("MAMORI_BENCH_{}_{nodes}", std::process::id()),
        ..BusConfig::new(args.nats_url.clone())
    })
    .await?;
    let ingest = RunningIngest::start_draining(
        store.clone(),
        settings(scratch.join(format!("queue-{nodes}"))),
        Drain::Forward(Box::new(StreamForward::new(bus.clone(), store.clone()))),
    )
    .await?;
    let (stop, shutdown) = watch::channel(false);
    let mut detect = Vec::new();
    let mut stats = Vec::new();
    for _ in 0..nodes {
        // Each node with its own connections, as on its own machine.
        let node_store = Store::connect(&args.database_url).await?;
        let node_stats = Arc::new(DetectStats::default());
        stats.push(node_stats.clone());
        detect.push(tokio::spawn(run_detect(
            bus.clone(),
            node_store,
            Some(detection()?),
            node_stats,
            shutdown.clone(),
        )));
    }
    let stored = || {
        stats
            .iter()
            .map(|s| s.stored.load(Ordering::Relaxed))
            .sum::<u64>()
    };
    let figures = drive(args, sources, &ingest, stored).await;
    ingest.stop().await;
    stop.send_replace(true);
    for node in detect {
        node.await??;
    }
    bus.delete().await?;
    figures
}

/// Runs the cluster benchmark.
pub async fn run(args: ClusterBenchArgs) -> anyhow::Result<()> {
    if args.rate < ORGANISATIONS as u64 {
        bail!("--rate must be at least {ORGANISATIONS} (one line a second per organisation)");
    }
    if args.detect_nodes.contains(&0) {
        bail!("--detect-nodes takes numbers of at least 1");
    }
    let store = Store::connect(&args.database_url)
        .await
        .context("cannot open the database")?;
    if store.backend() != mamori_store::Backend::Postgres {
        bail!("--database-url must be PostgreSQL: the nodes of a cluster share it");
    }
    let sources = organisations(&store).await?;
    let scratch = std::env::temp_dir().join(format!("mamori-bench-cluster-{}", std::process::id()));
    std::fs::create_dir_all(&scratch).context("cannot create a scratch directory")?;
    println!(
        "offering {} lines/s for {} s from {ORGANISATIONS} organisations over HTTP ingest, detection on (the built-in pack), {} core(s)",
        args.rate,
        args.duration,
        std::thread::available_parallelism().map_or(1, usize::from)
    );
    let result = async {
        let single = RunningIngest::start(
            store.clone(),
            settings(scratch.join("queue-single")),
            Some(detection()?),
        )
        .await?;
        let figures = drive(&args, &sources, &single, || {
            let p = single.handle.status().pipeline;
            p.stored + p.quarantined
        })
        .await?;
        single.stop().await;
        figures.print("single node");
        for &nodes in &args.detect_nodes {
            let figures = cluster_run(&args, &store, &sources, nodes, &scratch).await?;
            figures.print(&format!("cluster, {nodes} detect"));
        }
        anyhow::Ok(())
    }
    .await;
    store.close().await;
    let _ = std::fs::remove_dir_all(&scratch);
    result
}
