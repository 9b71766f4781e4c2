//! `mamori serve` processes as one cluster on a real NATS JetStream server and PostgreSQL.
//! Two ingest nodes (one also serving the web, alerts and reports) and two detect nodes take
//! 100,000 lines of 16 organisations over HTTP ingest: every line is stored exactly once and
//! every expected detection is there once, although one detect node is killed with
//! `kill -9` mid-run and the batches it held go to the other after the acknowledgement wait.
//! And when the node leading alerting is killed, a standby sends its pending notification,
//! once.

use std::collections::HashMap;
use std::time::Duration;

use crate::common::server::{send_acknowledged, start_node, stored_markers};
use crate::common::tenants::{loopback_source, org};
use mamori_model::Scope;
use mamori_store::{
    Actor, AlertFilter, DetectionFilter, EventFilter, NewSource, SourceIdentity, Store,
};
use mamori_testkit::TestDatabase;
use mamori_testkit::nats::nats_url;

/// Organisations sending, each through its own HTTP ingest token.
const ORGANISATIONS: usize = 16;
/// Lines in all.
const LINES: usize = 100_000;
/// Lines per HTTP ingest request.
const PER_REQUEST: usize = 1_250;
/// Every this many lines, a high-severity Suricata alert that mamori's IDS rule reports.
const ALERT_EVERY: usize = 100;
/// That rule's id.
const IDS_RULE: &str = "6b0e8f52-2f0a-4d47-9a1e-0c5c3b6f1a09";

/// Suricata's EVE line number `n`: an alert every [`ALERT_EVERY`], else a DNS answer.
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
        format!(
            "{{\"timestamp\":\"2026-12-01T10:00:00.000000+0900\",\"event_type\":\"dns\",\
             \"src_ip\":\"192.0.2.10\",\"dest_ip\":\"192.0.2.53\",\"proto\":\"UDP\",\
             \"dns\":{{\"type\":\"query\",\"rrname\":\"marker m{n} \"}},\"host\":\"sensor01\"}}\n"
        )
    }
}

/// Events stored for `org_id` (exact below 10,000).
async fn stored_count(store: &Store, org_id: &str) -> i64 {
    store
        .org_store(&Scope::AllOrganisations, org_id)
        .await
        .expect("org")
        .events()
        .search(&EventFilter {
            limit: 1,
            ..EventFilter::default()
        })
        .await
        .expect("search")
        .total
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
        let mut senders = Vec::new();
        for i in 0..ORGANISATIONS {
            let org = store
                .create_org(&cli, org(&format!("cluster flow {i}")))
                .await
                .expect("org");
            let (_, token) = store
                .create_source(
                    &cli,
                    NewSource {
                        org_id: org.id.clone(),
                        name: "sensor".into(),
                        format: "eve".into(),
                        json_mapping: None,
                        identity: SourceIdentity::Token,
                        expected_interval_secs: 3600,
                    },
                )
                .await
                .expect("source");
            senders.push((org.id, token.expect("ingest token")));
        }

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
            (0..4).map(|_| tempfile::tempdir().expect("dir")).collect();
        let (front, _, front_web) = start_node(
            &db,
            dirs[0].path(),
            &as_str(&cluster("web,ingest,alerts,reports")),
            true,
        );
        let (second_front, _, second_web) =
            start_node(&db, dirs[1].path(), &as_str(&cluster("web,ingest")), true);
        let (mut doomed, _, _) =
            start_node(&db, dirs[2].path(), &as_str(&cluster("detect")), false);
        let (survivor, _, _) = start_node(&db, dirs[3].path(), &as_str(&cluster("detect")), false);

        // Every organisation's lines, in requests alternating between the ingest nodes.
        let posting = {
            let senders = senders.clone();
            let webs = [front_web.clone(), second_web.clone()];
            tokio::spawn(async move {
                let http = reqwest::Client::new();
                for (request, first) in (0..LINES).step_by(PER_REQUEST).enumerate() {
                    let (_, token) = &senders[request % ORGANISATIONS];
                    let body: String = (first..first + PER_REQUEST).map(line).collect();
                    let answer = http
                        .post(format!("{}/api/v1/ingest", webs[request % 2]))
                        .bearer_auth(token)
                        .body(body)
                        .send()
                        .await
                        .expect("ingest request");
                    assert!(answer.status().is_success(), "{}", answer.status());
                }
            })
        };
        // Kill a detect node as soon as lines are being stored.
        let mut any = false;
        for _ in 0..600 {
            for (org_id, _) in &senders {
                any |= stored_count(&store, org_id).await > 0;
            }
            if any {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        doomed.kill().expect("kill -9");
        doomed.wait().expect("reaped");
        let mut at_kill = 0;
        for (org_id, _) in &senders {
            at_kill += stored_count(&store, org_id).await;
        }
        posting.await.expect("all lines accepted");

        let total = LINES as i64;
        let mut stored = 0;
        for _ in 0..600 {
            stored = 0;
            for (org_id, _) in &senders {
                stored += stored_count(&store, org_id).await;
            }
            if stored >= total {
                break;
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
        // Past one more acknowledgement wait, nothing more may arrive.
        tokio::time::sleep(Duration::from_secs(4)).await;
        assert!(at_kill < total, "killed mid-run ({at_kill} stored then)");
        assert_eq!(stored, total, "every line stored");
        let mut counts: HashMap<String, usize> = HashMap::new();
        let mut per_event: HashMap<String, usize> = HashMap::new();
        for (org_id, _) in &senders {
            for (marker, n) in stored_markers(&store, org_id).await {
                *counts.entry(marker).or_insert(0) += n;
            }
            let detections = store
                .org_store(&Scope::AllOrganisations, org_id)
                .await
                .expect("org")
                .detections()
                .list(&DetectionFilter {
                    limit: 1000,
                    ..DetectionFilter::default()
                })
                .await
                .expect("detections");
            for d in &detections.detections {
                *per_event
                    .entry(d.detection.event_id.clone().unwrap_or_default())
                    .or_insert(0) += 1;
            }
        }
        assert_eq!(counts.len(), LINES, "every line stored");
        assert!(counts.values().all(|&n| n == 1), "each line once");
        assert_eq!(
            per_event.len(),
            LINES / ALERT_EVERY,
            "every alert line detected"
        );
        assert!(per_event.values().all(|&n| n == 1), "each once");
        // The alerting leader turned each organisation's detections into one alert that
        // counts them all: no alert twice.
        let mut alerted = 0;
        for _ in 0..120 {
            let page = store
                .alerts(
                    &Scope::AllOrganisations,
                    &AlertFilter {
                        rule_id: Some(IDS_RULE.into()),
                        limit: 100,
                        ..AlertFilter::default()
                    },
                )
                .await
                .expect("alerts");
            alerted = page.alerts.iter().map(|a| a.count).sum::<i64>();
            if alerted >= (LINES / ALERT_EVERY) as i64 {
                let mut per_org: HashMap<&str, usize> = HashMap::new();
                for alert in &page.alerts {
                    *per_org.entry(alert.org_id.as_str()).or_insert(0) += 1;
                }
                assert_eq!(per_org.len(), ORGANISATIONS, "every organisation alerted");
                assert!(per_org.values().all(|&n| n == 1), "one alert each");
                break;
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
        assert_eq!(
            alerted,
            (LINES / ALERT_EVERY) as i64,
            "every detection counted once"
        );

        shut_down(&url, stream, [front, second_front, survivor]).await;
        store.close().await;
        db.cleanup().await;
    }
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
