//! `mamori bench ingest`: an end-to-end load test anyone can run. It starts the real ingest
//! service (syslog TCP → durable queue → database, SQLite in a scratch directory unless
//! `--database-url` is given), sends device lines at the asked rate over loopback TCP, waits
//! until everything is stored, and prints events per second, loss and peak memory.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use mamori_ingest::pipeline::BatchInspector;
use mamori_ingest::queue::QueueConfig;
use mamori_ingest::{IngestSettings, RunningIngest};
use mamori_store::{
    Actor, InvalidInput, NewOrganisation, NewSource, SourceIdentity, Store, StoreError,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::ingest::fsync_policy;

/// The benchmarks.
#[derive(Subcommand)]
pub enum BenchCommand {
    /// Syslog TCP → durable queue → storage, end to end.
    Ingest(IngestBenchArgs),
    /// From the line that completes an attack to the webhook, under background load.
    Alerts(crate::bench_alerts::AlertBenchArgs),
    /// A cluster on this machine: one ingest node, 1, 2 and 4 detect nodes over NATS
    /// JetStream and PostgreSQL, beside the single node.
    Cluster(crate::bench_cluster::ClusterBenchArgs),
}

/// Options of `bench ingest`.
#[derive(Args)]
pub struct IngestBenchArgs {
    /// Lines per second to send, in all.
    #[arg(long, default_value_t = 50_000)]
    rate: u64,
    /// Seconds to send for.
    #[arg(long, default_value_t = 10)]
    duration: u64,
    /// Sending connections.
    #[arg(long, default_value_t = 4)]
    connections: u64,
    /// Store into this database instead of a scratch SQLite file.
    #[arg(long)]
    database_url: Option<String>,
    /// Queue fsync policy: always, never or milliseconds [default: 100].
    #[arg(long)]
    fsync: Option<String>,
    /// Run detection (the built-in rule pack) on every event, as `mamori serve` does.
    #[arg(long)]
    detect: bool,
}

/// Device lines the generator cycles through (RTX, FortiGate, pfSense), read with `auto`.
const LINES: [&str; 3] = [
    "[INSPECT] LAN2[out][101100] TCP 192.168.0.5:51234 > 203.0.113.9:443 (2024/05/01 14:12:42)\n",
    "date=2024-05-01 time=10:15:30 devname=\"FGT60F\" type=\"traffic\" subtype=\"forward\" level=\"notice\" srcip=192.168.1.10 srcport=50000 dstip=198.51.100.20 dstport=443 proto=6 action=\"deny\" policyid=3\n",
    "<134>1 2024-05-01T10:15:30+09:00 fw filterlog 1 - - 5,,,1000000103,igb0,match,block,in,4,0x0,,64,0,0,DF,6,tcp,60,198.51.100.7,192.0.2.10,41523,23,0,S,1,,64240,,mss\n",
];

/// The process's peak resident memory (VmHWM) in MiB, on Linux.
pub(crate) fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let kib: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(kib / 1024.0)
}

/// Sends `per_second` lines a second for `seconds` on one connection, then waits for the
/// acknowledging close. Returns how many lines were sent.
pub(crate) async fn send(to: SocketAddr, per_second: u64, seconds: u64) -> anyhow::Result<u64> {
    let mut stream = TcpStream::connect(to).await?;
    let ticks = seconds * 100;
    let mut tick = tokio::time::interval(Duration::from_millis(10));
    let mut sent = 0u64;
    let mut buf = Vec::new();
    for n in 1..=ticks {
        tick.tick().await;
        // Spread the rate evenly: after tick n, n/ticks of the total is due.
        let due = per_second * seconds * n / ticks;
        buf.clear();
        while sent < due {
            buf.extend_from_slice(LINES[(sent % 3) as usize].as_bytes());
            sent += 1;
        }
        stream.write_all(&buf).await?;
    }
    stream.shutdown().await?;
    let mut rest = Vec::new();
    stream.read_to_end(&mut rest).await?;
    Ok(sent)
}

/// Creates the bench organisation and its loopback source (auto format). A database that
/// has a loopback source already (an earlier bench run) keeps it: its lines go there.
pub(crate) async fn prepare(store: &Store) -> anyhow::Result<()> {
    let cli = Actor::cli();
    let org = store
        .create_org(
            &cli,
            NewOrganisation {
                name: "bench".into(),
                industry: "E".parse()?,
                employees: "6-20".parse()?,
                contact_email: String::new(),
            },
        )
        .await?;
    let created = store
        .create_source(
            &cli,
            NewSource {
                org_id: org.id,
                name: "loopback".into(),
                format: "auto".into(),
                json_mapping: None,
                identity: SourceIdentity::Address("127.0.0.1".into()),
                expected_interval_secs: 3600,
            },
        )
        .await;
    match created {
        Ok(_) | Err(StoreError::Invalid(InvalidInput::SourceTaken)) => Ok(()),
        Err(e) => Err(e.into()),
    }
}

/// A scratch directory for a benchmark and its store: a SQLite file in it, or
/// `database_url` when given. The caller removes the directory.
pub(crate) async fn scratch_store(
    name: &str,
    database_url: Option<&str>,
) -> anyhow::Result<(Store, PathBuf)> {
    let scratch = std::env::temp_dir().join(format!(
        "mamori-bench-{name}-{}-{}",
        std::process::id(),
        mamori_store::now()
    ));
    std::fs::create_dir_all(&scratch).context("cannot create a scratch directory")?;
    let url = database_url
        .map(str::to_owned)
        .unwrap_or_else(|| mamori_store::sqlite_url(&scratch));
    let store = Store::connect(&url)
        .await
        .context("cannot open the database")?;
    Ok((store, scratch))
}

/// Runs a benchmark.
pub async fn run(command: BenchCommand) -> anyhow::Result<()> {
    let args = match command {
        BenchCommand::Ingest(args) => args,
        BenchCommand::Alerts(args) => return crate::bench_alerts::run(args).await,
        BenchCommand::Cluster(args) => return crate::bench_cluster::run(args).await,
    };
    if args.connections == 0 || args.rate < args.connections {
        bail!("--rate must be at least --connections, and --connections at least 1");
    }
    let (store, scratch) = scratch_store("ingest", args.database_url.as_deref()).await?;
    let result = measure(&store, &args, scratch.join("queue")).await;
    store.close().await;
    let _ = std::fs::remove_dir_all(&scratch);
    result
}

async fn measure(store: &Store, args: &IngestBenchArgs, queue: PathBuf) -> anyhow::Result<()> {
    prepare(store).await?;
    let mut config = QueueConfig::new(queue);
    if let Some(policy) = &args.fsync {
        config.fsync = fsync_policy(policy)?;
    }
    let ingest = RunningIngest::start(
        store.clone(),
        IngestSettings {
            queue: config,
            udp: None,
            tcp: Some("127.0.0.1:0".parse()?),
            tls: None,
            max_message: mamori_ingest::listen::MAX_MESSAGE,
        },
        if args.detect {
            let detection: Box<dyn BatchInspector> =
                Box::new(crate::detection::DetectArgs::default().load()?);
            Some(detection)
        } else {
            None
        },
    )
    .await?;
    let to = ingest.tcp.context("no TCP listener")?;
    eprintln!(
        "sending {} lines/s for {} s over {} connections to {to} …",
        args.rate, args.duration, args.connections
    );
    let started = Instant::now();
    let senders: Vec<_> = (0..args.connections)
        .map(|_| tokio::spawn(send(to, args.rate / args.connections, args.duration)))
        .collect();
    let mut sent = 0;
    for sender in senders {
        sent += sender.await??;
    }
    let sent_in = started.elapsed();
    let mut stored = 0;
    // Bounded wait for the pipeline to store everything acknowledged.
    for _ in 0..6000 {
        let status = ingest.handle.status();
        stored = status.pipeline.stored + status.pipeline.quarantined;
        if stored >= sent {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let total = started.elapsed();
    let status = ingest.handle.status();
    ingest.stop().await;
    println!(
        "sent:          {sent} lines in {:.1} s ({:.0} lines/s offered)",
        sent_in.as_secs_f64(),
        sent as f64 / sent_in.as_secs_f64()
    );
    println!(
        "stored:        {stored} events ({} could not be parsed)",
        status.pipeline.failed
    );
    println!("loss:          {}", sent.saturating_sub(stored));
    println!(
        "end to end:    {:.0} events/s (first line sent to last line stored: {:.1} s)",
        stored as f64 / total.as_secs_f64(),
        total.as_secs_f64()
    );
    println!(
        "queue on disk: {:.1} MiB at the end",
        status.queue.disk_bytes as f64 / 1048576.0
    );
    match peak_rss_mib() {
        Some(mib) => println!("peak RSS:      {mib:.0} MiB"),
        None => println!("peak RSS:      unknown (not Linux)"),
    }
    Ok(())
}
