//! `mamori bench cluster`: events per second through a cluster on this machine — one ingest
//! node and 1, 2 and 4 detect nodes sharing a real NATS JetStream server and PostgreSQL, all
//! in this process — with the lag (lines accepted but not yet stored) sampled while lines
//! arrive, and the single-node pipeline on the same database beside them.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clap::Args;
use mamori_cluster::{Bus, BusConfig, DetectStats, StreamForward, run_detect};
use mamori_ingest::pipeline::BatchInspector;
use mamori_ingest::queue::QueueConfig;
use mamori_ingest::{Drain, IngestSettings, RunningIngest};
use mamori_store::Store;
use tokio::sync::watch;

use crate::bench::{prepare, send};

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
    /// Sending connections.
    #[arg(long, default_value_t = 4)]
    connections: u64,
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

fn settings(queue: std::path::PathBuf) -> anyhow::Result<IngestSettings> {
    Ok(IngestSettings {
        queue: QueueConfig::new(queue),
        udp: None,
        tcp: Some("127.0.0.1:0".parse()?),
        tls: None,
        max_message: mamori_ingest::listen::MAX_MESSAGE,
    })
}

fn detection() -> anyhow::Result<Box<dyn BatchInspector>> {
    Ok(Box::new(crate::detection::DetectArgs::default().load()?))
}

/// Sends the load to `ingest` while `stored` reports progress; waits until all is stored.
async fn drive(
    args: &ClusterBenchArgs,
    ingest: &RunningIngest,
    stored: impl Fn() -> u64,
) -> anyhow::Result<Figures> {
    let to = ingest.tcp.context("no TCP listener")?;
    let started = Instant::now();
    let senders: Vec<_> = (0..args.connections)
        .map(|_| tokio::spawn(send(to, args.rate / args.connections, args.duration)))
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
        settings(scratch.join(format!("queue-{nodes}")))?,
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
    let figures = drive(args, &ingest, stored).await;
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
    if args.connections == 0 || args.rate < args.connections {
        bail!("--rate must be at least --connections, and --connections at least 1");
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
    prepare(&store).await?;
    let scratch = std::env::temp_dir().join(format!("mamori-bench-cluster-{}", std::process::id()));
    std::fs::create_dir_all(&scratch).context("cannot create a scratch directory")?;
    println!(
        "offering {} lines/s for {} s over {} connections, detection on (the built-in pack), {} core(s)",
        args.rate,
        args.duration,
        args.connections,
        std::thread::available_parallelism().map_or(1, usize::from)
    );
    let result = async {
        let single = RunningIngest::start(
            store.clone(),
            settings(scratch.join("queue-single"))?,
            Some(detection()?),
        )
        .await?;
        let figures = drive(&args, &single, || {
            let p = single.handle.status().pipeline;
            p.stored + p.quarantined
        })
        .await?;
        single.stop().await;
        figures.print("single node");
        for &nodes in &args.detect_nodes {
            let figures = cluster_run(&args, &store, nodes, &scratch).await?;
            figures.print(&format!("cluster, {nodes} detect"));
        }
        anyhow::Ok(())
    }
    .await;
    store.close().await;
    let _ = std::fs::remove_dir_all(&scratch);
    result
}
