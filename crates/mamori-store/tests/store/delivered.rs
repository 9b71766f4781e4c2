//! Batches from a shared stream (a cluster's detect nodes): a redelivered batch stores
//! nothing twice — no event, detection or per-source count — and what is new in it is kept.

use chrono::{DateTime, Utc};
use mamori_model::Scope;
use mamori_store::{
    Actor, DeliveredBatch, DetectionFilter, EventFilter, NewDetection, NewEvent, QuarantineLine,
    Store,
};
use mamori_testkit::TestDatabase;

use crate::common::{org, utm_source};

fn event(id: &str, org_id: &str, source_id: &str, at: DateTime<Utc>) -> NewEvent {
    let mut e = mamori_model::Event::new("fortigate", "a line", at);
    e.org_id = Some(org_id.to_owned());
    e.source_id = Some(source_id.to_owned());
    e.received_at = Some(at);
    NewEvent {
        id: id.to_owned(),
        event: e,
        parse_error: None,
        envelope_only: false,
    }
}

fn detection(id: &str, new: &NewEvent) -> NewDetection {
    NewDetection {
        id: id.to_owned(),
        org_id: new.event.org_id.clone().unwrap_or_default(),
        source_id: new.event.source_id.clone(),
        event_id: Some(new.id.clone()),
        timestamp: new.event.timestamp,
        kind: "rule".into(),
        rule_id: "r1".into(),
        rule_title: "A rule".into(),
        title_ja: None,
        level: "high".into(),
        tags: Vec::new(),
        details: serde_json::json!({}),
    }
}

#[tokio::test]
async fn a_redelivered_batch_stores_nothing_twice() {
    for db in TestDatabase::all().await {
        let store = Store::connect(&db.url).await.unwrap();
        let cli = Actor::cli();
        let a = store.create_org(&cli, org("alpha")).await.unwrap();
        let source = utm_source(&store, &a.id).await;
        let day = store.zone().day_start(mamori_store::now()) - 86_400;
        let at = DateTime::<Utc>::from_timestamp(day + 3 * 3600, 0).unwrap();
        let events: Vec<NewEvent> = (0..3)
            .map(|i| event(&format!("line-{i}"), &a.id, &source, at))
            .collect();
        let quarantined = QuarantineLine {
            id: "stranger-1".into(),
            peer: "198.51.100.9".into(),
            transport: "udp".into(),
            received_at: at.timestamp(),
            raw: "who am I".into(),
        };
        let first = DeliveredBatch {
            detections: vec![detection("d-0", &events[0])],
            events: events.clone(),
            quarantined: vec![quarantined.clone()],
        };
        assert_eq!(store.write_delivered_batch(&first).await.unwrap(), 0);

        // The same lines again (their detections with new identifiers, as a second
        // detect node would make them), and one new line with its own detection.
        let mut again = events.clone();
        again.push(event("line-3", &a.id, &source, at));
        let second = DeliveredBatch {
            detections: vec![detection("d-0b", &again[0]), detection("d-3", &again[3])],
            events: again,
            quarantined: vec![quarantined],
        };
        assert_eq!(
            store.write_delivered_batch(&second).await.unwrap(),
            4,
            "three events and one quarantined line were stored already ({})",
            db.backend
        );

        let handle = store
            .org_store(&Scope::AllOrganisations, &a.id)
            .await
            .unwrap();
        let stored = handle
            .events()
            .search(&EventFilter {
                limit: 10,
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(stored.total, 4, "{}", db.backend);
        let detections = handle
            .detections()
            .list(&DetectionFilter {
                limit: 10,
                ..Default::default()
            })
            .await
            .unwrap();
        let mut ids: Vec<&str> = detections
            .detections
            .iter()
            .map(|d| d.detection.id.as_str())
            .collect();
        ids.sort_unstable();
        assert_eq!(ids, ["d-0", "d-3"], "{}", db.backend);
        let now = mamori_store::now();
        handle.rollups().refresh(day, day, now).await.unwrap();
        let (rows, _) = handle.rollups().days(day, day).await.unwrap();
        let counted: i64 = rows.iter().map(|r| r.events).sum();
        assert_eq!(counted, 4, "each line counted once ({})", db.backend);
        store.close().await;
        db.cleanup().await;
    }
}
