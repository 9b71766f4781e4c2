//! Roll-ups against real databases: a report's refresh of a day recomputes it from the events
//! received that day, and never replaces a roll-up with an empty one once retention has
//! deleted the day's events.

use chrono::{DateTime, Utc};
use mamori_model::Scope;
use mamori_store::{Actor, IngestBatch, NewEvent, NewSource, SourceIdentity, Store, day_start};
use mamori_testkit::TestDatabase;

use crate::common::org;

#[tokio::test]
async fn a_refresh_keeps_roll_ups_whose_events_are_gone() {
    for db in TestDatabase::all().await {
        let store = Store::connect(&db.url).await.unwrap();
        let cli = Actor::cli();
        let a = store.create_org(&cli, org("alpha")).await.unwrap();
        let (source, _) = store
            .create_source(
                &cli,
                NewSource {
                    org_id: a.id.clone(),
                    name: "UTM".into(),
                    format: "fortigate".into(),
                    json_mapping: None,
                    identity: SourceIdentity::Address("192.0.2.10".into()),
                    expected_interval_secs: 3600,
                },
            )
            .await
            .unwrap();
        // Three lines received ten days ago, at noon in Japan.
        let day = day_start(mamori_store::now()) - 10 * 86_400;
        let at = DateTime::<Utc>::from_timestamp(day + 3 * 3600, 0).unwrap();
        let events = (0..3)
            .map(|i| {
                let mut e = mamori_model::Event::new("fortigate", "a line", at);
                e.org_id = Some(a.id.clone());
                e.source_id = Some(source.id.clone());
                e.received_at = Some(at);
                NewEvent {
                    id: format!("old-{i}"),
                    event: e,
                    parse_error: None,
                }
            })
            .collect();
        store
            .write_ingest_batch(&IngestBatch {
                node_id: "rollups".into(),
                last_seq: 1,
                events,
                quarantined: Vec::new(),
                detections: Vec::new(),
            })
            .await
            .unwrap();
        let handle = store
            .org_store(&Scope::AllOrganisations, &a.id)
            .await
            .unwrap();
        let now = mamori_store::now();
        handle.rollups().refresh(day, day, now).await.unwrap();
        let total = |rows: &[mamori_store::RollupRow]| rows.iter().map(|r| r.events).sum::<i64>();
        let (rows, _) = handle.rollups().days(day, day).await.unwrap();
        assert_eq!(total(&rows), 3, "{}", db.backend);

        // Retention deletes the events; the next refresh keeps the roll-up.
        handle.events().set_retention(&cli, 1).await.unwrap();
        store.apply_retention(now).await.unwrap();
        assert_eq!(
            handle
                .events()
                .search(&mamori_store::EventFilter {
                    limit: 1,
                    ..Default::default()
                })
                .await
                .unwrap()
                .total,
            0
        );
        handle.rollups().refresh(day, day, now).await.unwrap();
        let (rows, _) = handle.rollups().days(day, day).await.unwrap();
        assert_eq!(
            total(&rows),
            3,
            "the roll-up outlives the events on {}",
            db.backend
        );
        store.close().await;
        db.cleanup().await;
    }
}
