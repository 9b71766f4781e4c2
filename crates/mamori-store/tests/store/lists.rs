//! Paging long lists by position against real databases: walking an organisation's events
//! page by page visits every match exactly once in newest-first order (rows of the same time
//! included), the total counts all matches whichever page is read, and another tenant's
//! rows never appear.

use chrono::{DateTime, Utc};
use mamori_model::Scope;
use mamori_store::{Actor, EventFilter, IngestBatch, NewEvent, NewSource, SourceIdentity, Store};
use mamori_testkit::TestDatabase;

use crate::common::org;

/// Registers a source for `org_id` and stores `count` events from it, several per second so
/// that ties in time must be broken by id.
async fn events_for(store: &Store, org_id: &str, name: &str, count: usize, seq: i64) {
    let (source, _) = store
        .create_source(
            &Actor::cli(),
            NewSource {
                org_id: org_id.to_owned(),
                name: name.to_owned(),
                format: "rfc5424".into(),
                json_mapping: None,
                identity: SourceIdentity::Address(format!("192.0.2.{seq}")),
                expected_interval_secs: 3600,
            },
        )
        .await
        .unwrap();
    let events = (0..count)
        .map(|i| {
            let at = DateTime::<Utc>::from_timestamp(1_796_000_000 + (i / 3) as i64, 0).unwrap();
            let action = if i % 2 == 0 { "deny" } else { "allow" };
            let mut e = mamori_model::Event::new("rfc5424", &format!("{name} line {i}"), at);
            e.org_id = Some(org_id.to_owned());
            e.source_id = Some(source.id.clone());
            e.received_at = Some(at);
            e.action = action.parse().unwrap();
            NewEvent {
                id: format!("{name}-{i:03}"),
                event: e,
                parse_error: None,
                envelope_only: false,
            }
        })
        .collect();
    store
        .write_ingest_batch(&IngestBatch {
            node_id: format!("lists-{name}"),
            last_seq: seq,
            events,
            quarantined: Vec::new(),
            detections: Vec::new(),
        })
        .await
        .unwrap();
}

#[tokio::test]
async fn walking_by_position_visits_every_match_once_in_order() {
    for db in TestDatabase::all().await {
        let store = Store::connect(&db.url).await.unwrap();
        let cli = Actor::cli();
        let a = store.create_org(&cli, org("alpha")).await.unwrap();
        let b = store.create_org(&cli, org("beta")).await.unwrap();
        events_for(&store, &a.id, "alpha", 25, 1).await;
        events_for(&store, &b.id, "beta", 7, 2).await;
        let alpha = store
            .org_store(&Scope::AllOrganisations, &a.id)
            .await
            .unwrap();

        for action in [None, Some("deny".to_owned())] {
            let all = alpha
                .events()
                .search(&EventFilter {
                    action: action.clone(),
                    limit: 1000,
                    ..Default::default()
                })
                .await
                .unwrap();
            assert!(all.next.is_none(), "one page holds them all");
            let expected: Vec<String> = all.events.iter().map(|e| e.id.clone()).collect();
            assert_eq!(expected.len(), if action.is_some() { 13 } else { 25 });

            let mut walked = Vec::new();
            let mut after = None;
            loop {
                let page = alpha
                    .events()
                    .search(&EventFilter {
                        action: action.clone(),
                        limit: 4,
                        after: after.clone(),
                        ..Default::default()
                    })
                    .await
                    .unwrap();
                assert_eq!(
                    page.total,
                    expected.len() as i64,
                    "the total ignores the position"
                );
                assert!(page.events.len() <= 4);
                walked.extend(page.events.iter().map(|e| e.id.clone()));
                match page.next {
                    Some(next) => after = Some(next.to_string().parse().unwrap()),
                    None => break,
                }
            }
            assert_eq!(walked, expected, "{} {action:?}", db.backend);
            assert!(walked.iter().all(|id| id.starts_with("alpha-")));
        }
        store.close().await;
        db.cleanup().await;
    }
}

#[tokio::test]
async fn an_organisation_s_alerts_page_by_position_and_the_queue_refuses_it() {
    use mamori_store::{AlertFilter, AlertOrder, InvalidInput, StoreError};
    for db in TestDatabase::all().await {
        let store = Store::connect(&db.url).await.unwrap();
        let cli = Actor::cli();
        let a = store.create_org(&cli, org("alpha")).await.unwrap();
        let b = store.create_org(&cli, org("beta")).await.unwrap();
        // Eleven alerts for alpha and two for beta.
        for i in 0..13 {
            let org_id = if i < 11 { &a.id } else { &b.id };
            let seen = Utc::now() - chrono::Duration::minutes(60 - i);
            crate::common::open_alert(&store, org_id, "ssh-brute", seen).await;
        }
        let scope = Scope::AllOrganisations;
        let newest = |after| AlertFilter {
            org_id: Some(a.id.clone()),
            order: AlertOrder::Newest,
            limit: 4,
            after,
            ..Default::default()
        };
        let all = store
            .alerts(
                &scope,
                &AlertFilter {
                    limit: 100,
                    ..newest(None)
                },
            )
            .await
            .unwrap();
        let expected: Vec<String> = all.alerts.iter().map(|x| x.id.clone()).collect();
        assert_eq!(expected.len(), 11, "{}", db.backend);
        let mut walked = Vec::new();
        let mut after = None;
        loop {
            let page = store.alerts(&scope, &newest(after)).await.unwrap();
            assert_eq!(page.total, 11);
            walked.extend(page.alerts.iter().map(|x| x.id.clone()));
            match page.next {
                Some(next) => after = Some(next),
                None => break,
            }
        }
        assert_eq!(walked, expected, "{}", db.backend);
        let queue = store
            .alerts(
                &scope,
                &AlertFilter {
                    order: AlertOrder::Queue,
                    ..newest(
                        Some(all.alerts[0].id.clone())
                            .map(|id| mamori_store::ListPosition { ts_us: 0, id }),
                    )
                },
            )
            .await;
        assert!(
            matches!(queue, Err(StoreError::Invalid(InvalidInput::CursorOrder))),
            "{queue:?}"
        );
        store.close().await;
        db.cleanup().await;
    }
}
