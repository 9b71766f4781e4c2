//! Roll-ups against real databases: a report's refresh of a day recomputes it from the events
//! received that day, and never replaces a roll-up with an empty one once retention has
//! deleted the day's events.

use chrono::{DateTime, Utc};
use mamori_model::Scope;
use mamori_store::{Actor, IngestBatch, NewEvent, Store};
use mamori_testkit::TestDatabase;

use crate::common::{org, utm_source};

#[tokio::test]
async fn a_refresh_keeps_roll_ups_whose_events_are_gone() {
    for db in TestDatabase::all().await {
        let store = Store::connect(&db.url).await.unwrap();
        let cli = Actor::cli();
        let a = store.create_org(&cli, org("alpha")).await.unwrap();
        let source = utm_source(&store, &a.id).await;
        // Three lines received ten days ago, at noon in Japan.
        let day = store.zone().day_start(mamori_store::now()) - 10 * 86_400;
        let at = DateTime::<Utc>::from_timestamp(day + 3 * 3600, 0).unwrap();
        let events = (0..3)
            .map(|i| {
                let mut e = mamori_model::Event::new("fortigate", "a line", at);
                e.org_id = Some(a.id.clone());
                e.source_id = Some(source.clone());
                e.received_at = Some(at);
                NewEvent {
                    id: format!("old-{i}"),
                    event: e,
                    parse_error: None,
                    envelope_only: false,
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

#[tokio::test]
async fn days_follow_the_site_time_zone() {
    for db in TestDatabase::all().await {
        let london: mamori_model::Zone = "Europe/London".parse().unwrap();
        let store = Store::connect(&db.url).await.unwrap().with_zone(london);
        let cli = Actor::cli();
        let a = store.create_org(&cli, org("alpha")).await.unwrap();
        // 23:30 in London on 2026-11-21 is already 08:30 on the 22nd in Tokyo.
        let at = DateTime::parse_from_rfc3339("2026-11-21T23:30:00Z")
            .unwrap()
            .to_utc();
        let mut e = mamori_model::Event::new("fortigate", "a line", at);
        e.org_id = Some(a.id.clone());
        e.received_at = Some(at);
        store
            .write_ingest_batch(&IngestBatch {
                node_id: "zones".into(),
                last_seq: 1,
                events: vec![NewEvent {
                    id: "late".into(),
                    event: e,
                    parse_error: None,
                    envelope_only: false,
                }],
                quarantined: Vec::new(),
                detections: Vec::new(),
            })
            .await
            .unwrap();
        let day = store.zone().day_start(at.timestamp());
        assert_eq!(
            day,
            DateTime::parse_from_rfc3339("2026-11-21T00:00:00Z")
                .unwrap()
                .timestamp()
        );
        store.roll_up_day(day).await.unwrap();
        let handle = store
            .org_store(&Scope::AllOrganisations, &a.id)
            .await
            .unwrap();
        let (rows, _) = handle.rollups().days(day, day).await.unwrap();
        assert_eq!(
            rows.iter().map(|r| (r.day, r.events)).collect::<Vec<_>>(),
            vec![(day, 1)],
            "the line counts on London's 21st ({})",
            db.backend
        );
        let tokyo_day = mamori_model::Zone::default().day_start(at.timestamp());
        let (rows, _) = handle.rollups().days(tokyo_day, tokyo_day).await.unwrap();
        assert!(rows.is_empty(), "{rows:?}");
        db.cleanup().await;
    }
}
