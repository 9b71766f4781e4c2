//! A cluster on one machine: two ingest nodes and two detect nodes sharing a real NATS
//! JetStream server and a real database (SQLite, and PostgreSQL when configured). Lines of
//! many organisations sent to both ingest nodes are stored exactly once, with exactly one
//! detection for each line that should have one, although one detect node is killed mid-run
//! and the batches it held are delivered again to the other; while both run, each
//! organisation's lines go to one of them.

use std::collections::{BTreeSet, HashMap};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use mamori_cluster::{Bus, BusConfig, DetectStats, PARTITIONS, StreamForward, run_detect};
use mamori_ingest::listen::MAX_MESSAGE;
use mamori_ingest::pipeline::BatchInspector;
use mamori_ingest::queue::QueueConfig;
use mamori_ingest::source::Origin;
use mamori_ingest::{Drain, IngestSettings, RunningIngest};
use mamori_model::Scope;
use mamori_store::{
    Actor, DetectionFilter, EventFilter, NewDetection, NewEvent, NewOrganisation, NewSource,
    SourceIdentity, Store,
};
use mamori_testkit::TestDatabase;
use mamori_testkit::nats::nats_url;
use tokio::sync::watch;

/// Organisations sending: enough that both detect nodes' partitions hold some.
const ORGANISATIONS: usize = 16;
/// Lines sent to each ingest node.
const LINES_PER_NODE: usize = 10_000;
/// Every this many lines, one that the test inspector reports.
const EVIL_EVERY: usize = 100;

fn line(n: usize) -> String {
    let word = if n.is_multiple_of(EVIL_EVERY) {
        "evil"
    } else {
        "fine"
    };
    format!("{{\"message\":\" {word} marker m{n} \"}}")
}

/// Which detect nodes saw each organisation's lines.
type Seen = Arc<Mutex<HashMap<String, BTreeSet<&'static str>>>>;

/// Reports every event whose line says `evil`, as the detection engine reports a match,
/// and notes which node saw each organisation.
struct EvilInspector {
    node: &'static str,
    seen: Seen,
}

impl BatchInspector for EvilInspector {
    fn inspect(&mut self, events: &[NewEvent]) -> Vec<NewDetection> {
        let mut seen = self.seen.lock().expect("seen");
        for e in events {
            let org = e.event.org_id.clone().unwrap_or_default();
            seen.entry(org).or_default().insert(self.node);
        }
        events
            .iter()
            .filter(|e| e.event.raw.contains(" evil "))
            .map(|e| NewDetection {
                id: uuid::Uuid::now_v7().to_string(),
                org_id: e.event.org_id.clone().unwrap_or_default(),
                source_id: e.event.source_id.clone(),
                event_id: Some(e.id.clone()),
                timestamp: e.event.timestamp,
                kind: "rule".into(),
                rule_id: "evil".into(),
                rule_title: "Evil line".into(),
                title_ja: None,
                level: "high".into(),
                tags: Vec::new(),
                details: serde_json::json!({}),
            })
            .collect()
    }
}

/// The organisations, each with an HTTP source: (organisation, source).
async fn organisations(store: &Store) -> Vec<(String, String)> {
    let cli = Actor::cli();
    let mut made = Vec::new();
    for i in 0..ORGANISATIONS {
        let org = store
            .create_org(
                &cli,
                NewOrganisation {
                    name: format!("cluster test {i}"),
                    industry: "E".parse().expect("industry"),
                    employees: "6-20".parse().expect("band"),
                    contact_email: String::new(),
                },
            )
            .await
            .expect("org");
        let (source, _) = store
            .create_source(
                &cli,
                NewSource {
                    org_id: org.id.clone(),
                    name: "app".into(),
                    format: "json".into(),
                    json_mapping: None,
                    identity: SourceIdentity::Token,
                    expected_interval_secs: 3600,
                },
            )
            .await
            .expect("source");
        made.push((org.id, source.id));
    }
    made
}

/// The default acknowledgement wait, for tests where no node dies.
const ACK_WAIT: Duration = Duration::from_secs(60);

/// A stream of the test's own on the NATS server at `url`.
async fn own_stream(url: &str, ack_wait: Duration) -> Bus {
    Bus::connect(BusConfig {
        ack_wait,
        stream: format!("MAMORI_TEST_{}", uuid::Uuid::now_v7().simple()),
        ..BusConfig::new(url)
    })
    .await
    .expect("bus")
}

/// Removes the test's stream and database.
async fn clean_up(bus: Bus, store: Store, db: TestDatabase) {
    bus.delete().await.expect("stream removed");
    store.close().await;
    db.cleanup().await;
}

async fn ingest_node(store: &Store, bus: &Bus, dir: &std::path::Path) -> RunningIngest {
    let settings = IngestSettings {
        queue: QueueConfig::new(dir),
        udp: None,
        tcp: None,
        tls: None,
        max_message: MAX_MESSAGE,
    };
    let forward = Drain::Forward(Box::new(StreamForward::new(bus.clone(), store.clone())));
    RunningIngest::start_draining(store.clone(), settings, forward)
        .await
        .expect("ingest node starts")
}

fn detect_node(
    store: &Store,
    bus: &Bus,
    node: &'static str,
    seen: &Seen,
) -> (
    tokio::task::JoinHandle<()>,
    Arc<DetectStats>,
    watch::Sender<bool>,
) {
    let stats = Arc::new(DetectStats::default());
    let (stop, shutdown) = watch::channel(false);
    let inspector = EvilInspector {
        node,
        seen: seen.clone(),
    };
    let run = run_detect(
        bus.clone(),
        store.clone(),
        Some(Box::new(inspector)),
        stats.clone(),
        shutdown,
    );
    let task = tokio::spawn(async move { run.await.expect("detect node runs") });
    (task, stats, stop)
}

/// Sends lines `from..to` to `ingest`, each to the organisation its number picks, in
/// requests of a few hundred lines as HTTP ingest takes them.
async fn send(ingest: &RunningIngest, sources: &[(String, String)], from: usize, to: usize) {
    let mut per_source: Vec<Vec<String>> = vec![Vec::new(); sources.len()];
    for n in from..to {
        per_source[n % sources.len()].push(line(n));
    }
    for (lines, (_, source_id)) in per_source.iter().zip(sources) {
        let origin = Origin::Http {
            source_id: source_id.clone(),
        };
        for chunk in lines.chunks(250) {
            let bytes: Vec<&[u8]> = chunk.iter().map(|l| l.as_bytes()).collect();
            ingest
                .handle
                .accept(&origin, &bytes)
                .await
                .expect("accepted");
        }
    }
}

/// Every stored event's marker, counted, over all organisations.
async fn stored_markers(store: &Store, sources: &[(String, String)]) -> HashMap<String, usize> {
    let mut counts = HashMap::new();
    for (org_id, _) in sources {
        let handle = store
            .org_store(&Scope::AllOrganisations, org_id)
            .await
            .expect("org");
        let events = handle.events();
        let mut offset = 0;
        loop {
            let page = events
                .search(&EventFilter {
                    limit: 1000,
                    offset,
                    ..EventFilter::default()
                })
                .await
                .expect("search");
            for e in &page.events {
                if let Some(rest) = e.event.raw.split("marker ").nth(1)
                    && let Some(marker) = rest.split_whitespace().next()
                {
                    *counts.entry(marker.to_owned()).or_insert(0) += 1;
                }
            }
            offset += page.events.len() as i64;
            if page.events.len() < 1000 {
                break;
            }
        }
    }
    counts
}

/// Waits until both nodes own partitions and all are owned.
async fn balanced(first: &DetectStats, second: &DetectStats) -> bool {
    for _ in 0..200 {
        let (a, b) = (
            first.partitions.load(Ordering::Relaxed),
            second.partitions.load(Ordering::Relaxed),
        );
        if a > 0 && b > 0 && a + b == PARTITIONS {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    false
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_line_is_stored_once_when_a_detect_node_dies() {
    let Some(url) = nats_url() else {
        return;
    };
    for db in TestDatabase::all().await {
        let store = Store::connect(&db.url).await.expect("store");
        let sources = organisations(&store).await;
        let bus = own_stream(&url, Duration::from_secs(2)).await;

        let queues = tempfile::tempdir().expect("queue directory");
        let first = ingest_node(&store, &bus, &queues.path().join("a")).await;
        let second = ingest_node(&store, &bus, &queues.path().join("b")).await;
        let seen = Seen::default();
        let (doomed, doomed_stats, _doomed_stop) = detect_node(&store, &bus, "doomed", &seen);
        let (survivor, survivor_stats, survivor_stop) =
            detect_node(&store, &bus, "survivor", &seen);
        if db.backend == "postgres" {
            assert!(
                balanced(&doomed_stats, &survivor_stats).await,
                "the partitions are shared"
            );
        }

        let total = 2 * LINES_PER_NODE;
        let sending = async {
            send(&first, &sources, 0, LINES_PER_NODE).await;
            send(&second, &sources, LINES_PER_NODE, total).await;
        };
        // Kill a detect node once it has stored something: what it has taken but not
        // acknowledged goes to the other one.
        let killing = async {
            for _ in 0..600 {
                if doomed_stats.stored.load(Ordering::Relaxed) > 0 {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            doomed.abort();
            assert!(doomed.await.is_err_and(|e| e.is_cancelled()), "killed");
            doomed_stats.stored.load(Ordering::Relaxed)
        };
        let ((), killed_at) = tokio::join!(sending, killing);

        let expected = total as u64;
        let stored = || {
            doomed_stats.stored.load(Ordering::Relaxed)
                + survivor_stats.stored.load(Ordering::Relaxed)
        };
        for _ in 0..1200 {
            if stored() >= expected {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        // Past one more acknowledgement wait, nothing more may arrive.
        tokio::time::sleep(Duration::from_secs(3)).await;
        let counts = stored_markers(&store, &sources).await;
        assert_eq!(counts.len(), total, "every line ({})", db.backend);
        assert!(
            counts.values().all(|&n| n == 1),
            "each line once ({}): {:?}",
            db.backend,
            counts
                .iter()
                .filter(|(_, n)| **n > 1)
                .take(5)
                .collect::<Vec<_>>()
        );
        let mut detections = 0;
        for (org_id, _) in &sources {
            detections += store
                .org_store(&Scope::AllOrganisations, org_id)
                .await
                .expect("org")
                .detections()
                .list(&DetectionFilter {
                    limit: 1000,
                    ..DetectionFilter::default()
                })
                .await
                .expect("detections")
                .total;
        }
        assert_eq!(
            detections as usize,
            total / EVIL_EVERY,
            "one detection per evil line ({})",
            db.backend
        );
        assert_eq!(
            doomed_stats.stored.load(Ordering::Relaxed),
            killed_at,
            "nothing after the kill ({})",
            db.backend
        );
        assert!(
            killed_at > 0 && killed_at < expected,
            "killed mid-run ({})",
            db.backend
        );
        if db.backend == "postgres" {
            let survivor_took_all = survivor_stats.partitions.load(Ordering::Relaxed);
            assert_eq!(
                survivor_took_all, PARTITIONS,
                "the survivor owns every partition"
            );
        }
        eprintln!(
            "{}: survivor stored {}, skipped {} redelivered; the killed node stored {}",
            db.backend,
            survivor_stats.stored.load(Ordering::Relaxed),
            survivor_stats.skipped.load(Ordering::Relaxed),
            killed_at,
        );

        first.stop().await;
        second.stop().await;
        survivor_stop.send_replace(true);
        survivor.await.expect("survivor stops");
        clean_up(bus, store, db).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn each_organisation_goes_to_one_detect_node() {
    let Some(url) = nats_url() else {
        return;
    };
    for db in TestDatabase::all().await {
        if db.backend != "postgres" {
            continue; // a cluster shares PostgreSQL
        }
        let store = Store::connect(&db.url).await.expect("store");
        let sources = organisations(&store).await;
        let bus = own_stream(&url, ACK_WAIT).await;
        let queues = tempfile::tempdir().expect("queue directory");
        let ingest = ingest_node(&store, &bus, queues.path()).await;
        let seen = Seen::default();
        let nodes = [
            detect_node(&store, &bus, "one", &seen),
            detect_node(&store, &bus, "two", &seen),
        ];
        assert!(balanced(&nodes[0].1, &nodes[1].1).await, "shared");

        send(&ingest, &sources, 0, 4_000).await;
        let stored = || {
            nodes
                .iter()
                .map(|n| n.1.stored.load(Ordering::Relaxed))
                .sum::<u64>()
        };
        for _ in 0..600 {
            if stored() >= 4_000 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert_eq!(stored(), 4_000);
        let seen = seen.lock().expect("seen").clone();
        assert_eq!(seen.len(), ORGANISATIONS);
        assert!(
            seen.values().all(|nodes| nodes.len() == 1),
            "each organisation on one node: {seen:?}"
        );
        let used: BTreeSet<&str> = seen.values().flatten().copied().collect();
        assert_eq!(used.len(), 2, "both nodes worked: {seen:?}");

        ingest.stop().await;
        for (task, _, stop) in nodes {
            stop.send_replace(true);
            task.await.expect("node stops");
        }
        clean_up(bus, store, db).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_lines_are_answered_once_the_stream_has_them() {
    let Some(url) = nats_url() else {
        return;
    };
    for db in TestDatabase::all().await {
        let store = Store::connect(&db.url).await.expect("store");
        let sources = organisations(&store).await;
        let bus = own_stream(&url, ACK_WAIT).await;
        let queues = tempfile::tempdir().expect("queue directory");
        let ingest = ingest_node(&store, &bus, queues.path()).await;
        assert_eq!(bus.waiting().await.expect("stream"), 0);
        // No detect node runs: what the answer promises must already be in the stream.
        send(&ingest, &sources[..1], 0, 10).await;
        assert!(
            bus.waiting().await.expect("stream") > 0,
            "in the stream before the answer ({})",
            db.backend
        );
        ingest.stop().await;
        clean_up(bus, store, db).await;
    }
}

/// Which node runs a part, as the test's parts report it.
#[derive(Default)]
struct Running {
    node: std::sync::Mutex<Option<&'static str>>,
    starts: std::sync::atomic::AtomicUsize,
}

fn leading(
    store: &Store,
    running: &Arc<Running>,
    node: &'static str,
) -> (tokio::task::JoinHandle<()>, watch::Sender<bool>) {
    let (stop, shutdown) = watch::channel(false);
    let (on, off) = (running.clone(), running.clone());
    let task = tokio::spawn(mamori_cluster::lead(
        store.clone(),
        mamori_cluster::Duty::Alerts,
        move || {
            on.starts.fetch_add(1, Ordering::SeqCst);
            *on.node.lock().expect("lock") = Some(node);
        },
        move |()| {
            *off.node.lock().expect("lock") = None;
            std::future::ready(())
        },
        shutdown,
    ));
    (task, stop)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_standby_takes_over_when_the_leader_dies() {
    for db in TestDatabase::all().await {
        if db.backend != "postgres" {
            continue; // on SQLite one node runs everything
        }
        // Two nodes' stores: separate pools, as on two machines.
        let first = Store::connect(&db.url).await.expect("store");
        let second = Store::connect(&db.url).await.expect("store");
        let running = Arc::new(Running::default());
        let (leader, _leader_stop) = leading(&first, &running, "first");
        let current = || *running.node.lock().expect("lock");
        for _ in 0..100 {
            if current().is_some() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert_eq!(current(), Some("first"));
        let (standby, standby_stop) = leading(&second, &running, "second");
        tokio::time::sleep(mamori_cluster::CHECK * 2).await;
        assert_eq!(
            current(),
            Some("first"),
            "the standby waits while the leader lives"
        );
        assert_eq!(running.starts.load(Ordering::SeqCst), 1);

        // The leader dies without stopping its part: its lock goes with its connection.
        leader.abort();
        let _ = leader.await;
        let died = std::time::Instant::now();
        while current() != Some("second") && died.elapsed() < Duration::from_secs(20) {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert_eq!(current(), Some("second"), "the standby took over");
        eprintln!("taken over {:?} after the leader died", died.elapsed());
        assert_eq!(running.starts.load(Ordering::SeqCst), 2, "one start each");

        standby_stop.send_replace(true);
        standby.await.expect("standby stops");
        assert_eq!(current(), None, "stopped with the node");
        first.close().await;
        second.close().await;
        db.cleanup().await;
    }
}

/// Counts each organisation's lines over the last hour and reports the tenth, as a
/// correlation does.
#[derive(Default)]
struct TenthLine {
    counts: HashMap<String, usize>,
}

impl TenthLine {
    fn count(&mut self, e: &NewEvent) -> bool {
        let org = e.event.org_id.clone().unwrap_or_default();
        let n = self.counts.entry(org).or_default();
        *n += 1;
        *n == 10
    }
}

impl BatchInspector for TenthLine {
    fn inspect(&mut self, events: &[NewEvent]) -> Vec<NewDetection> {
        let mut found = Vec::new();
        for e in events {
            if self.count(e) {
                found.push(NewDetection {
                    id: uuid::Uuid::now_v7().to_string(),
                    org_id: e.event.org_id.clone().unwrap_or_default(),
                    source_id: None,
                    event_id: None,
                    timestamp: e.event.timestamp,
                    kind: "correlation".into(),
                    rule_id: "tenth".into(),
                    rule_title: "Ten lines".into(),
                    title_ja: None,
                    level: "high".into(),
                    tags: Vec::new(),
                    details: serde_json::json!({}),
                });
            }
        }
        found
    }

    fn memory(&self) -> Duration {
        Duration::from_secs(3600)
    }

    fn recall(&mut self, events: &[NewEvent]) {
        for e in events {
            self.count(e);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_taking_over_a_partition_counts_on_from_the_stored_lines() {
    let Some(url) = nats_url() else {
        return;
    };
    for db in TestDatabase::all().await {
        if db.backend != "postgres" {
            continue; // a cluster shares PostgreSQL
        }
        let store = Store::connect(&db.url).await.expect("store");
        let sources = organisations(&store).await;
        let company = &sources[..1];
        let bus = own_stream(&url, ACK_WAIT).await;
        let queues = tempfile::tempdir().expect("queue directory");
        let ingest = ingest_node(&store, &bus, queues.path()).await;
        let start = |store: &Store| {
            let stats = Arc::new(DetectStats::default());
            let (stop, shutdown) = watch::channel(false);
            let run = run_detect(
                bus.clone(),
                store.clone(),
                Some(Box::new(TenthLine::default())),
                stats.clone(),
                shutdown,
            );
            (tokio::spawn(run), stats, stop)
        };
        let wait_stored = |stats: Arc<DetectStats>, n: u64| async move {
            for _ in 0..400 {
                if stats.stored.load(Ordering::Relaxed) >= n {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(25)).await;
            }
            panic!("{n} lines not stored");
        };

        // The first node sees six of the company's lines, then dies.
        let (first, first_stats, _first_stop) = start(&store);
        send(&ingest, company, 0, 6).await;
        wait_stored(first_stats, 6).await;
        first.abort();
        let _ = first.await;

        // The next node takes every partition over and counts on: the tenth line overall
        // is the one reported.
        let (second, second_stats, second_stop) = start(&store);
        for _ in 0..200 {
            if second_stats.partitions.load(Ordering::Relaxed) == PARTITIONS {
                break;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        send(&ingest, company, 6, 10).await;
        wait_stored(second_stats, 4).await;
        let found = store
            .org_store(&Scope::AllOrganisations, &company[0].0)
            .await
            .expect("org")
            .detections()
            .list(&DetectionFilter {
                limit: 10,
                ..DetectionFilter::default()
            })
            .await
            .expect("detections");
        assert_eq!(found.total, 1, "the tenth line is reported once");
        assert_eq!(found.detections[0].detection.kind, "correlation");

        ingest.stop().await;
        second_stop.send_replace(true);
        second.await.expect("joined").expect("node stops");
        clean_up(bus, store, db).await;
    }
}
