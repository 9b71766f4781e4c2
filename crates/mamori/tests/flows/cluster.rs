//! Three `mamori serve` processes as one cluster on a real NATS JetStream server and
//! PostgreSQL: one node with the web, ingest, alerts and reports roles, two detect nodes.
//! Lines sent over syslog TCP are stored exactly once and every expected detection is
//! there once, although one detect node is killed with `kill -9` mid-run and the batches
//! it held go to the other after the acknowledgement wait.

use std::collections::HashMap;
use std::time::Duration;

use crate::common::server::{send_acknowledged, start_node, stored_markers};
use crate::common::tenants::{loopback_source, org};
use mamori_model::Scope;
use mamori_store::{Actor, DetectionFilter, Store};
use mamori_testkit::TestDatabase;
use mamori_testkit::nats::nats_url;

const CONNECTIONS: usize = 4;
const LINES_PER_CONNECTION: usize = 5_000;
/// Every this many lines, a high-severity Suricata alert that mamori's IDS rule reports.
const ALERT_EVERY: usize = 100;

fn line(n: usize) -> String {
    if n.is_multiple_of(ALERT_EVERY) {
        format!(
            "{{\"timestamp\":\"2026-12-01T10:00:00.000000+0900\",\"event_type\":\"alert\",\
             \"src_ip\":\"203.0.113.5\",\"src_port\":4444,\"dest_ip\":\"192.0.2.10\",\
             \"dest_port\":22,\"proto\":\"TCP\",\"alert\":{{\"action\":\"allowed\",\
             \"signature_id\":1,\"signature\":\"marker m{n} \",\"category\":\"test\",\
             \"severity\":1}},\"host\":\"sensor01\"}}\n"
        )
    } else {
        format!("<134>1 2026-12-01T10:00:00Z edge cluster-test - - - marker m{n} \n")
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_detect_node_killed_mid_run_loses_and_doubles_nothing() {
    let Some(url) = nats_url() else {
        return;
    };
    for db in TestDatabase::all().await {
        if db.backend != "postgres" {
            continue; // a cluster shares PostgreSQL
        }
        let store = Store::connect(&db.url).await.expect("store");
        let cli = Actor::cli();
        let org = store
            .create_org(&cli, org("cluster flow"))
            .await
            .expect("org");
        loopback_source(&store, &org.id, "loopback", "auto").await;

        let stream = format!("MAMORI_FLOW_{}", uuid_suffix());
        let cluster = |roles: &str| {
            vec![
                "--nats-url".to_owned(),
                url.clone(),
                "--nats-stream".to_owned(),
                stream.clone(),
                "--nats-ack-wait".to_owned(),
                "3".to_owned(),
                "--role".to_owned(),
                roles.to_owned(),
            ]
        };
        let dirs: Vec<tempfile::TempDir> =
            (0..3).map(|_| tempfile::tempdir().expect("dir")).collect();
        let front_args = cluster("web,ingest,alerts,reports");
        let detect_args = cluster("detect");
        let (front, syslog, _) = start_node(&db, dirs[0].path(), &as_str(&front_args), true);
        let (mut doomed, _, _) = start_node(&db, dirs[1].path(), &as_str(&detect_args), false);
        let (survivor, _, _) = start_node(&db, dirs[2].path(), &as_str(&detect_args), false);
        let syslog = syslog.expect("the ingest node listens for syslog");

        let senders: Vec<_> = (0..CONNECTIONS)
            .map(|c| {
                std::thread::spawn(move || {
                    let lines: Vec<String> = (0..LINES_PER_CONNECTION)
                        .map(|i| line(c * LINES_PER_CONNECTION + i))
                        .collect();
                    send_acknowledged(syslog, &lines);
                })
            })
            .collect();
        // Kill a detect node as soon as lines are being stored.
        for _ in 0..600 {
            if !stored_markers(&store, &org.id).await.is_empty() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        doomed.kill().expect("kill -9");
        doomed.wait().expect("reaped");
        let at_kill = stored_markers(&store, &org.id).await.len();
        for sender in senders {
            sender.join().expect("sender");
        }

        let total = CONNECTIONS * LINES_PER_CONNECTION;
        let mut counts = HashMap::new();
        for _ in 0..240 {
            counts = stored_markers(&store, &org.id).await;
            if counts.len() >= total {
                break;
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
        // Past one more acknowledgement wait, nothing more may arrive.
        tokio::time::sleep(Duration::from_secs(4)).await;
        let counts_after = stored_markers(&store, &org.id).await;
        assert!(at_kill < total, "killed mid-run ({at_kill} stored then)");
        assert_eq!(counts.len(), total, "every line stored");
        assert_eq!(counts_after, counts, "nothing stored twice later");
        assert!(counts.values().all(|&n| n == 1), "each line once");

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
        let mut per_event: HashMap<String, usize> = HashMap::new();
        for d in &detections.detections {
            *per_event
                .entry(d.detection.event_id.clone().unwrap_or_default())
                .or_insert(0) += 1;
        }
        assert_eq!(
            per_event.len(),
            total / ALERT_EVERY,
            "every alert line detected"
        );
        assert!(per_event.values().all(|&n| n == 1), "each once");

        shut_down(&url, stream, [front, survivor]).await;
        store.close().await;
        db.cleanup().await;
    }
}

/// Stops the nodes still running and removes the test's stream.
async fn shut_down<const N: usize>(url: &str, stream: String, nodes: [std::process::Child; N]) {
    for mut node in nodes {
        node.kill().expect("stop");
        node.wait().expect("reaped");
    }
    let bus = mamori_cluster::Bus::connect(mamori_cluster::BusConfig {
        stream,
        ..mamori_cluster::BusConfig::new(url)
    })
    .await
    .expect("bus");
    bus.delete().await.expect("stream removed");
}

fn as_str(args: &[String]) -> Vec<&str> {
    args.iter().map(String::as_str).collect()
}

/// A suffix no other run uses.
fn uuid_suffix() -> String {
    format!(
        "{}_{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0)
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_standby_sends_the_dead_leaders_pending_notification_once() {
    use mamori_model::Severity;
    use mamori_store::NewChannel;
    use mamori_testkit::webhook::WebhookSink;

    let Some(url) = nats_url() else {
        return;
    };
    for db in TestDatabase::all().await {
        if db.backend != "postgres" {
            continue; // a cluster shares PostgreSQL
        }
        let store = Store::connect(&db.url).await.expect("store");
        let cli = Actor::cli();
        let org = store.create_org(&cli, org("failover")).await.expect("org");
        loopback_source(&store, &org.id, "sensor", "auto").await;
        let hook = WebhookSink::start().await;
        hook.respond_with(500);
        store
            .create_channel(
                &cli,
                &Scope::AllOrganisations,
                NewChannel {
                    org_id: Some(org.id.clone()),
                    kind: "webhook".into(),
                    config: serde_json::json!({"kind": "webhook", "url": hook.url("/hook")}),
                    min_severity: Severity::High,
                    quiet_hours: None,
                    digest: false,
                    lang: "ja".into(),
                },
            )
            .await
            .expect("channel");

        let stream = format!("MAMORI_FAILOVER_{}", uuid_suffix());
        let node = |roles: &str| {
            vec![
                "--nats-url".to_owned(),
                url.clone(),
                "--nats-stream".to_owned(),
                stream.clone(),
                "--role".to_owned(),
                roles.to_owned(),
                "--notify-retry-seconds".to_owned(),
                "2,2,2,2,2,2,2,2".to_owned(),
            ]
        };
        let dirs: Vec<tempfile::TempDir> =
            (0..3).map(|_| tempfile::tempdir().expect("dir")).collect();
        // The first node with the alerts role leads; the second stands by.
        let (mut leader, _, _) =
            start_node(&db, dirs[0].path(), &as_str(&node("detect,alerts")), false);
        tokio::time::sleep(Duration::from_secs(2)).await;
        let (standby, _, _) =
            start_node(&db, dirs[1].path(), &as_str(&node("detect,alerts")), false);
        let (front, syslog, _) =
            start_node(&db, dirs[2].path(), &as_str(&node("web,ingest")), true);

        // An attack line; the leader's notification of it fails and waits for its retry.
        send_acknowledged(syslog.expect("syslog"), &[line(0)]);
        let failed = hook.wait_for(1, Duration::from_secs(60)).await;
        assert!(!failed.is_empty(), "the leader tried to notify");
        leader.kill().expect("kill -9");
        leader.wait().expect("reaped");
        let tried = hook.requests().len();
        hook.respond_with(200);

        // The standby takes over and sends the pending notification, once.
        let all = hook.wait_for(tried + 1, Duration::from_secs(60)).await;
        assert_eq!(all.len(), tried + 1, "the standby sent it");
        tokio::time::sleep(Duration::from_secs(6)).await;
        assert_eq!(hook.requests().len(), tried + 1, "and only once");
        let sent = hook.requests()[tried].json();
        assert_eq!(sent["organisation"], "failover", "{sent}");
        assert_eq!(sent["alert"]["severity"], "high", "{sent}");

        shut_down(&url, stream, [standby, front]).await;
        store.close().await;
        db.cleanup().await;
    }
}
