//! Seeds a month of monitoring for one organisation straight into the store: a source,
//! events spread over the month (some refused at the edge), detections promoted to alerts
//! dated inside the month, and the daily roll-ups. Shared by the report tests and bench.

use chrono::{DateTime, Utc};
use mamori_model::{Action, Category, Event};
use mamori_store::{
    Actor, IngestBatch, NewDetection, NewEvent, NewOrganisation, NewSource, SourceIdentity, Store,
    new_id,
};
use serde_json::json;

/// A new organisation named `name` with one source; returns (org id, source id).
pub async fn org_with_source(store: &Store, name: &str, address: &str) -> (String, String) {
    let cli = Actor::cli();
    let org = store
        .create_org(
            &cli,
            NewOrganisation {
                name: name.to_owned(),
                industry: "E".parse().expect("industry"),
                employees: "6-20".parse().expect("band"),
                contact_email: format!("it@{}.example.jp", name.len()),
            },
        )
        .await
        .expect("organisation");
    let source = store
        .create_source(
            &cli,
            NewSource {
                org_id: org.id.clone(),
                name: format!("{name} 本社UTM"),
                format: "fortigate".into(),
                json_mapping: None,
                identity: SourceIdentity::Address(address.to_owned()),
                expected_interval_secs: 3600,
            },
        )
        .await
        .expect("source");
    (org.id, source.0.id)
}

/// Backdates everything created "now" for `org_id` to `at`, so a seeded past month looks as
/// if it had been lived through.
pub async fn backdate(url: &str, org_id: &str, at: i64) {
    for statement in [
        "UPDATE organisations SET created_at = $1 WHERE id = $2",
        "UPDATE sources SET created_at = $1 WHERE org_id = $2",
    ] {
        sql(url, statement, at, org_id).await;
    }
}

/// Runs one seeding statement with `$1 = at`, `$2 = org_id` on its own connection.
async fn sql(url: &str, statement: &str, at: i64, org_id: &str) {
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(url)
        .await
        .expect("seeding connection");
    sqlx::query(sqlx::AssertSqlSafe(statement.to_owned()))
        .bind(at)
        .bind(org_id)
        .execute(&pool)
        .await
        .expect("seeding statement");
    pool.close().await;
}

/// One event per hour from `from` for `hours` hours (`denied_every`-th refused, with port
/// 3389 from 203.0.113.7), written through the ingest batch path. Returns events written.
pub async fn hourly_events(
    store: &Store,
    org_id: &str,
    source_id: &str,
    from: i64,
    hours: i64,
    denied_every: i64,
    seq: i64,
) -> i64 {
    let events: Vec<NewEvent> = (0..hours)
        .map(|h| {
            let at = DateTime::<Utc>::from_timestamp(from + h * 3600 + 60, 0).expect("time");
            let mut e = Event::new("fortigate", "date=… type=traffic", at);
            e.org_id = Some(org_id.to_owned());
            e.source_id = Some(source_id.to_owned());
            e.received_at = Some(at);
            e.category = Category::Network;
            if h % denied_every == 0 {
                e.action = Action::Deny;
                e.src_ip = "203.0.113.7".parse().ok();
                e.dst_port = Some(3389);
            } else {
                e.action = Action::Allow;
            }
            NewEvent {
                id: new_id(),
                event: e,
                parse_error: None,
                envelope_only: false,
            }
        })
        .collect();
    let n = events.len() as i64;
    store
        .write_ingest_batch(&IngestBatch {
            node_id: "seed".into(),
            last_seq: seq,
            events,
            quarantined: Vec::new(),
            detections: Vec::new(),
        })
        .await
        .expect("events");
    n
}

/// Recomputes the roll-ups of every day (in the store's time zone) in `[from, to)`.
pub async fn roll_up(store: &Store, from: i64, to: i64) {
    let zone = store.zone();
    let mut day = zone.day_start(from);
    while day < to {
        store.roll_up_day(day).await.expect("roll-up");
        day = zone.next_day(day);
    }
}

/// Detections of `level` promoted to alerts, then dated at `at` (inside the month).
pub async fn alerts(
    store: &Store,
    url: &str,
    org_id: &str,
    level: &str,
    count: usize,
    at: i64,
    seq: i64,
) {
    alerts_from(store, url, (org_id, None), level, count, at, seq).await;
}

/// [`alerts`] about source `source_id` of `org_id`.
pub async fn alerts_from(
    store: &Store,
    url: &str,
    (org_id, source_id): (&str, Option<&str>),
    level: &str,
    count: usize,
    at: i64,
    seq: i64,
) {
    let detections = (0..count)
        .map(|i| NewDetection {
            id: new_id(),
            org_id: org_id.to_owned(),
            source_id: source_id.map(str::to_owned),
            event_id: None,
            timestamp: DateTime::<Utc>::from_timestamp(at, 0).expect("time"),
            kind: "rule".into(),
            rule_id: format!("seed-{level}-{i}"),
            rule_title: format!("Seeded {level} alert {i}"),
            title_ja: Some(format!("テスト用アラート（{level}）{i}")),
            level: level.to_owned(),
            tags: Vec::new(),
            details: json!({"events": [{"category": "auth"}]}),
        })
        .collect();
    store
        .write_ingest_batch(&IngestBatch {
            node_id: "seed".into(),
            last_seq: seq,
            events: Vec::new(),
            quarantined: Vec::new(),
            detections,
        })
        .await
        .expect("detections");
    mamori_alerts::promote_detections(store, &mamori_alerts::AlertingRules::default(), 10_000)
        .await
        .expect("alerts");
    sql(
        url,
        "UPDATE alerts SET created_at = $1 WHERE org_id = $2 AND created_at > $1",
        at,
        org_id,
    )
    .await;
}
