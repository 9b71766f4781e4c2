//! A cluster on one machine: two ingest nodes and two detect nodes sharing a real NATS
//! JetStream server and a real database (SQLite, and PostgreSQL when configured). Lines sent
//! over syslog TCP to both ingest nodes are stored exactly once, with exactly one detection
//! for each line that should have one, although one detect node is killed mid-run and the
//! batches it held are delivered again to the other.

use std::collections::HashMap;
use std::io::Write;
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use mamori_cluster::{Bus, BusConfig, DetectStats, StreamForward, run_detect};
use mamori_ingest::listen::MAX_MESSAGE;
use mamori_ingest::pipeline::BatchInspector;
use mamori_ingest::queue::QueueConfig;
use mamori_ingest::{Drain, IngestSettings, RunningIngest};
use mamori_model::Scope;
use mamori_store::{
    Actor, DetectionFilter, EventFilter, NewDetection, NewEvent, NewOrganisation, NewSource,
    SourceIdentity, Store,
};
use mamori_testkit::TestDatabase;
use mamori_testkit::nats::nats_url;
use tokio::sync::watch;

/// Lines sent to each ingest node.
const LINES_PER_NODE: usize = 10_000;
/// Every this many lines, one that the test inspector reports.
const EVIL_EVERY: usize = 100;

fn line(marker: &str) -> String {
    let word = if marker.ends_with("-0") || marker.ends_with("00") {
        "evil"
    } else {
        "fine"
    };
    format!("<134>1 2024-05-01T10:00:00Z edge cluster-test - - - {word} marker {marker}\n")
}

/// Reports every event whose line says `evil`, as the detection engine reports a match.
struct EvilInspector;

impl BatchInspector for EvilInspector {
    fn inspect(&mut self, events: &[NewEvent]) -> Vec<NewDetection> {
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

async fn ingest_node(store: &Store, bus: &Bus, dir: &std::path::Path) -> RunningIngest {
    let settings = IngestSettings {
        queue: QueueConfig::new(dir),
        udp: None,
        tcp: Some("127.0.0.1:0".parse().expect("address")),
        tls: None,
        max_message: MAX_MESSAGE,
    };
    let forward = Drain::Forward(Box::new(StreamForward::new(bus.clone())));
    RunningIngest::start_draining(store.clone(), settings, forward)
        .await
        .expect("ingest node starts")
}

fn detect_node(
    store: &Store,
    bus: &Bus,
) -> (
    tokio::task::JoinHandle<()>,
    Arc<DetectStats>,
    watch::Sender<bool>,
) {
    let stats = Arc::new(DetectStats::default());
    let (stop, shutdown) = watch::channel(false);
    let node = run_detect(
        bus.clone(),
        store.clone(),
        Some(Box::new(EvilInspector)),
        stats.clone(),
        shutdown,
    );
    let task = tokio::spawn(async move { node.await.expect("detect node runs") });
    (task, stats, stop)
}

fn send(address: SocketAddr, node: usize) {
    let mut stream = TcpStream::connect(address).expect("connect");
    let mut text = String::new();
    for i in 0..LINES_PER_NODE {
        text.push_str(&line(&format!("{node}-{i}")));
    }
    stream.write_all(text.as_bytes()).expect("send");
}

/// Every stored event's marker, counted.
async fn stored_markers(store: &Store, org_id: &str) -> HashMap<String, usize> {
    let handle = store
        .org_store(&Scope::AllOrganisations, org_id)
        .await
        .expect("org");
    let events = handle.events();
    let mut counts = HashMap::new();
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
            if let Some(marker) = e.event.raw.split("marker ").nth(1) {
                *counts.entry(marker.trim().to_owned()).or_insert(0) += 1;
            }
        }
        offset += page.events.len() as i64;
        if page.events.len() < 1000 {
            return counts;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_line_is_stored_once_when_a_detect_node_dies() {
    let Some(url) = nats_url() else {
        return;
    };
    for db in TestDatabase::all().await {
        let store = Store::connect(&db.url).await.expect("store");
        let cli = Actor::cli();
        let org = store
            .create_org(
                &cli,
                NewOrganisation {
                    name: "cluster test".into(),
                    industry: "E".parse().expect("industry"),
                    employees: "6-20".parse().expect("band"),
                    contact_email: String::new(),
                },
            )
            .await
            .expect("org");
        store
            .create_source(
                &cli,
                NewSource {
                    org_id: org.id.clone(),
                    name: "loopback".into(),
                    format: "rfc5424".into(),
                    json_mapping: None,
                    identity: SourceIdentity::Address("127.0.0.1".into()),
                    expected_interval_secs: 3600,
                },
            )
            .await
            .expect("source");
        let bus = Bus::connect(BusConfig {
            ack_wait: Duration::from_secs(2),
            stream: format!("MAMORI_TEST_{}", uuid::Uuid::now_v7().simple()),
            ..BusConfig::new(url.clone())
        })
        .await
        .expect("bus");

        let queues = tempfile::tempdir().expect("queue directory");
        let first = ingest_node(&store, &bus, &queues.path().join("a")).await;
        let second = ingest_node(&store, &bus, &queues.path().join("b")).await;
        let (doomed, doomed_stats, _doomed_stop) = detect_node(&store, &bus);
        let (survivor, survivor_stats, survivor_stop) = detect_node(&store, &bus);

        let addresses = [
            first.tcp.expect("first node listens"),
            second.tcp.expect("second node listens"),
        ];
        let senders: Vec<_> = addresses
            .iter()
            .enumerate()
            .map(|(node, &address)| std::thread::spawn(move || send(address, node)))
            .collect();
        // Kill a detect node once it has stored something: what it has taken but not
        // acknowledged goes to the other one.
        for _ in 0..600 {
            if doomed_stats.stored.load(Ordering::Relaxed) > 0 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        doomed.abort();
        assert!(doomed.await.is_err_and(|e| e.is_cancelled()), "killed");
        let killed_at = doomed_stats.stored.load(Ordering::Relaxed);
        for sender in senders {
            sender.join().expect("sender");
        }

        let expected = (2 * LINES_PER_NODE) as u64;
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
        let counts = stored_markers(&store, &org.id).await;
        assert_eq!(
            counts.len(),
            2 * LINES_PER_NODE,
            "every line ({})",
            db.backend
        );
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
        let detections = store
            .org_store(&Scope::AllOrganisations, &org.id)
            .await
            .expect("org")
            .detections()
            .list(&DetectionFilter {
                limit: 1000,
                ..DetectionFilter::default()
            })
            .await
            .expect("detections");
        let evil = counts.keys().filter(|m| line(m).contains(" evil ")).count();
        assert_eq!(evil, 2 * LINES_PER_NODE / EVIL_EVERY);
        assert_eq!(
            detections.total as usize, evil,
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
        eprintln!(
            "{}: survivor stored {}, skipped {} redelivered; the killed node stored {}",
            db.backend,
            survivor_stats.stored.load(Ordering::Relaxed),
            survivor_stats.skipped.load(Ordering::Relaxed),
            doomed_stats.stored.load(Ordering::Relaxed),
        );

        first.stop().await;
        second.stop().await;
        survivor_stop.send_replace(true);
        survivor.await.expect("survivor stops");
        bus.delete().await.expect("stream removed");
        store.close().await;
        db.cleanup().await;
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
