//! The alerting stage against a real database and a real HTTP listener: quiet hours hold a
//! medium alert back but let a critical one through, the daily digest gathers low alerts
//! on a fixed clock, and the digest arrives as one webhook with one line per alert.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use mamori_alerts::{
    AlertSettings, AlertingRules, Outcome, deliver_one, make_digests, promote_detections,
};
use mamori_model::{Scope, Severity};
use mamori_notify::{DestinationPolicy, Notifier};
use mamori_store::{
    Actor, IngestBatch, NewChannel, NewDetection, NewOrganisation, Store, new_id, now, now_ms,
};
use mamori_testkit::TestDatabase;
use mamori_testkit::webhook::WebhookSink;
use serde_json::json;

fn detection(org_id: &str, rule: &str, level: &str) -> NewDetection {
    NewDetection {
        id: new_id(),
        org_id: org_id.to_owned(),
        source_id: None,
        event_id: None,
        timestamp: Utc::now(),
        kind: "rule".to_owned(),
        rule_id: rule.to_owned(),
        rule_title: format!("Rule {rule}"),
        title_ja: Some(format!("ルール {rule}")),
        level: level.to_owned(),
        tags: Vec::new(),
        details: json!({"events": [{"host": "pc1"}]}),
    }
}

fn webhook(org_id: &str, url: &str, quiet: Option<(i64, i64)>, digest: bool) -> NewChannel {
    NewChannel {
        org_id: Some(org_id.to_owned()),
        kind: "webhook".into(),
        config: json!({"kind": "webhook", "url": url}),
        min_severity: Severity::Info,
        quiet_hours: quiet,
        digest,
        lang: "ja".into(),
    }
}

#[tokio::test]
async fn quiet_hours_hold_back_all_but_critical_and_the_digest_gathers_low_alerts() {
    for db in TestDatabase::all().await {
        let store = Store::connect(&db.url).await.expect("store");
        let cli = Actor::cli();
        let all = Scope::AllOrganisations;
        let org = store
            .create_org(
                &cli,
                NewOrganisation {
                    name: "アルファ工業".into(),
                    industry: "E".parse().unwrap(),
                    employees: "6-20".parse().unwrap(),
                    contact_email: String::new(),
                },
            )
            .await
            .unwrap();
        let settings = AlertSettings::default();
        let sink = WebhookSink::start().await;
        let notifier = Arc::new(
            Notifier::new(None, DestinationPolicy::from_list(&["127.0.0.1"]).unwrap()).unwrap(),
        );

        // Quiet hours from an hour ago to an hour from now, on the provider's clock.
        let minute = settings.local_minutes(Utc::now());
        let quiet = ((minute + 1440 - 60) % 1440, (minute + 60) % 1440);
        let night = store
            .create_channel(
                &cli,
                &all,
                webhook(&org.id, &sink.url("/night"), Some(quiet), false),
            )
            .await
            .unwrap();
        store
            .write_ingest_batch(&IngestBatch {
                node_id: "t".into(),
                last_seq: 1,
                events: Vec::new(),
                quarantined: Vec::new(),
                detections: vec![
                    detection(&org.id, "medium-rule", "medium"),
                    detection(&org.id, "critical-rule", "critical"),
                ],
            })
            .await
            .unwrap();
        promote_detections(&store, &AlertingRules::default(), 100)
            .await
            .unwrap();
        let due = store.due_deliveries(now_ms() + 1, 10).await.unwrap();
        assert_eq!(due.len(), 2, "{}", db.backend);
        let mut outcomes = Vec::new();
        for delivery in &due {
            let alert = store
                .alert(&all, delivery.alert_id.as_deref().unwrap())
                .await
                .unwrap()
                .unwrap();
            let outcome = deliver_one(&store, &notifier, &settings, delivery)
                .await
                .unwrap();
            outcomes.push((alert.severity, outcome));
        }
        outcomes.sort_by(|a, b| a.0.cmp(&b.0));
        assert_eq!(
            outcomes,
            [
                ("critical".to_owned(), Outcome::Delivered),
                ("medium".to_owned(), Outcome::Postponed)
            ]
        );
        assert_eq!(sink.wait_for(1, Duration::from_secs(10)).await.len(), 1);
        let held = store.due_deliveries(now_ms() + 1, 10).await.unwrap();
        assert!(
            held.is_empty(),
            "the medium alert waits until quiet hours end"
        );
        assert!(store.next_delivery_due().await.unwrap().unwrap() > now_ms() + 30 * 60 * 1000);
        store.delete_channel(&cli, &all, &night.id).await.unwrap();

        // The digest: low alerts wait, then go together at the digest time.
        let digest = store
            .create_channel(
                &cli,
                &all,
                webhook(&org.id, &sink.url("/digest"), None, true),
            )
            .await
            .unwrap();
        store.mark_digest(&digest.id, now() - 10).await.unwrap();
        store
            .write_ingest_batch(&IngestBatch {
                node_id: "t".into(),
                last_seq: 2,
                events: Vec::new(),
                quarantined: Vec::new(),
                detections: vec![
                    detection(&org.id, "low-a", "low"),
                    detection(&org.id, "low-b", "info"),
                ],
            })
            .await
            .unwrap();
        let promoted = promote_detections(&store, &AlertingRules::default(), 100)
            .await
            .unwrap();
        assert_eq!(
            (promoted.created.len(), promoted.queued),
            (2, 0),
            "low alerts are not sent one by one"
        );
        assert_eq!(
            make_digests(&store, &settings, Utc::now()).await.unwrap(),
            0,
            "not yet due"
        );
        let tomorrow = Utc::now() + chrono::Duration::days(1) + chrono::Duration::minutes(1);
        assert_eq!(make_digests(&store, &settings, tomorrow).await.unwrap(), 1);
        assert_eq!(
            make_digests(&store, &settings, tomorrow).await.unwrap(),
            0,
            "one digest per day"
        );
        let due = store.due_deliveries(now_ms() + 1, 10).await.unwrap();
        assert_eq!(due.len(), 1);
        assert_eq!(
            deliver_one(&store, &notifier, &settings, &due[0])
                .await
                .unwrap(),
            Outcome::Delivered
        );
        let requests = sink.wait_for(2, Duration::from_secs(10)).await;
        let payload = requests[1].json();
        assert_eq!(payload["type"], "digest");
        assert_eq!(
            payload["items"].as_array().map(Vec::len),
            Some(2),
            "{payload}"
        );
        db.cleanup().await;
    }
}
