//! Every repository behind `OrgStore`, side by side: one organisation has a row of every
//! kind, and another organisation's handle reaches none of them — while the owner's handle
//! reaches each, so the test would notice a repository that returned nothing at all.

use chrono::Utc;
use mamori_model::{Role, Scope};
use mamori_store::{
    Actor, DetectionFilter, EventFilter, IngestBatch, NewChannel, NewDetection, NewEvent,
    NewSource, NewSuppression, NewUser, ReportSettings, SourceIdentity, Store, new_id,
};
use mamori_testkit::TestDatabase;
use serde_json::json;

use crate::common::org;

#[tokio::test]
async fn another_organisations_handle_reaches_none_of_its_rows() {
    for db in TestDatabase::all().await {
        let store = Store::connect(&db.url).await.unwrap();
        let cli = Actor::cli();
        let all = Scope::AllOrganisations;
        let a = store.create_org(&cli, org("alpha")).await.unwrap();
        let b = store.create_org(&cli, org("beta")).await.unwrap();

        // Alpha: a member, a source with three lines and a detection, its alert escalated to
        // an incident, a suppression, report settings, a retention override and a roll-up.
        store
            .create_user(
                &cli,
                NewUser {
                    email: "owner@alpha.example".into(),
                    display_name: "アルファ 社長".into(),
                    role: Role::Owner,
                    org_id: Some(a.id.clone()),
                    password: None,
                },
            )
            .await
            .unwrap();
        let (source, _) = store
            .create_source(
                &cli,
                NewSource {
                    org_id: a.id.clone(),
                    name: "本社UTM".into(),
                    format: "fortigate".into(),
                    json_mapping: None,
                    identity: SourceIdentity::Address("192.0.2.10".into()),
                    expected_interval_secs: 3600,
                },
            )
            .await
            .unwrap();
        let events = (0..3)
            .map(|i| {
                let mut e = mamori_model::Event::new("fortigate", "a line", Utc::now());
                e.org_id = Some(a.id.clone());
                e.source_id = Some(source.id.clone());
                e.received_at = Some(Utc::now());
                NewEvent {
                    id: format!("ev-{i}"),
                    event: e,
                    // One line that failed to parse: a dead letter.
                    parse_error: (i == 2).then(|| "no known format".to_owned()),
                    envelope_only: false,
                }
            })
            .collect();
        store
            .write_ingest_batch(&IngestBatch {
                node_id: "tenancy".into(),
                last_seq: 1,
                events,
                quarantined: Vec::new(),
                detections: vec![NewDetection {
                    id: new_id(),
                    org_id: a.id.clone(),
                    source_id: Some(source.id.clone()),
                    event_id: None,
                    timestamp: Utc::now(),
                    kind: "correlation".into(),
                    rule_id: "r-1".into(),
                    rule_title: "Rule 1".into(),
                    title_ja: Some("ルール 1".into()),
                    level: "high".into(),
                    tags: Vec::new(),
                    details: json!({"group": [["src_ip", "203.0.113.9"]]}),
                }],
            })
            .await
            .unwrap();
        let alert_id = crate::common::open_alert(&store, &a.id, "r-1", Utc::now()).await;
        store
            .escalate_alert(&cli, &all, &alert_id, "調査", "unauthorised_access")
            .await
            .unwrap();
        store
            .create_suppression(
                &cli,
                &all,
                NewSuppression {
                    org_id: a.id.clone(),
                    rule_id: "r-1".into(),
                    field: None,
                    value: None,
                    reason: "試験".into(),
                    expires_at: None,
                    alert_id: None,
                },
            )
            .await
            .unwrap();
        store
            .roll_up_day(store.zone().day_start(mamori_store::now()))
            .await
            .unwrap();
        store
            .create_channel(
                &cli,
                &all,
                NewChannel {
                    org_id: Some(a.id.clone()),
                    kind: "webhook".into(),
                    config: json!({"kind": "webhook", "url": "https://hooks.example.com/a"}),
                    min_severity: mamori_model::Severity::Medium,
                    quiet_hours: None,
                    digest: false,
                    lang: "ja".into(),
                },
            )
            .await
            .unwrap();
        let alpha = store.org_store(&all, &a.id).await.unwrap();
        alpha.events().set_retention(&cli, 30).await.unwrap();
        alpha
            .reports()
            .set_settings(
                &cli,
                &ReportSettings {
                    recipients: vec!["boss@alpha.example".into()],
                    lang: "ja".into(),
                    delivery: "attachment".into(),
                },
            )
            .await
            .unwrap();

        alpha
            .declarations()
            .record(
                &cli,
                2,
                chrono::NaiveDate::from_ymd_opt(2026, 12, 1).expect("date"),
            )
            .await
            .unwrap();
        assert!(matches!(
            alpha
                .declarations()
                .record(
                    &cli,
                    3,
                    chrono::NaiveDate::from_ymd_opt(2026, 12, 1).expect("date")
                )
                .await,
            Err(mamori_store::StoreError::Invalid(_))
        ));

        let ledger = alpha
            .assets()
            .save(
                &cli,
                &mamori_model::InformationAsset {
                    name: "顧客名簿".into(),
                    confidentiality: 2,
                    registered_on: "2026-12-01".into(),
                    ..Default::default()
                },
            )
            .await
            .unwrap();

        let beta = store
            .org_store(&Scope::Organisation(b.id.clone()), &b.id)
            .await
            .unwrap();
        // Beta cannot read, change or remove Alpha's asset by its id.
        assert_eq!(beta.assets().get(&ledger.id).await.unwrap(), None);
        let mut taken = ledger.clone();
        taken.name = "書き換え".into();
        assert!(matches!(
            beta.assets().save(&cli, &taken).await,
            Err(mamori_store::StoreError::NotFound)
        ));
        assert!(matches!(
            beta.assets().remove(&cli, &ledger.id).await,
            Err(mamori_store::StoreError::NotFound)
        ));
        assert_eq!(
            alpha
                .assets()
                .get(&ledger.id)
                .await
                .unwrap()
                .map(|a| a.name),
            Some("顧客名簿".to_owned())
        );
        let line = mamori_model::RiskEntry {
            id: String::new(),
            asset_id: ledger.id.clone(),
            threat: "theft".into(),
            threat_level: 2,
            vulnerability: 3,
            treatment: None,
            measures: String::new(),
            owner: String::new(),
            due_on: String::new(),
            done_on: String::new(),
            residual_vulnerability: None,
        };
        let risk = alpha.risks().save(&cli, &line).await.unwrap();
        // Beta can neither read Alpha's line nor hang a line on Alpha's asset.
        assert_eq!(beta.risks().get(&risk.id).await.unwrap(), None);
        assert!(matches!(
            beta.risks().save(&cli, &line).await,
            Err(mamori_store::StoreError::NotFound)
        ));
        assert!(matches!(
            beta.risks().remove(&cli, &risk.id).await,
            Err(mamori_store::StoreError::NotFound)
        ));
        let mut router =
            mamori_model::Device::new(mamori_model::DeviceKind::Router, "本社ルーター");
        router.source_id = Some(source.id.clone());
        router.support_ends = "2027-03-31".into();
        let device = alpha.devices().save(&cli, &router).await.unwrap();
        // Beta can neither read, change nor remove Alpha's device, nor claim Alpha's source.
        assert_eq!(beta.devices().get(&device.id).await.unwrap(), None);
        assert!(matches!(
            beta.devices().save(&cli, &device).await,
            Err(mamori_store::StoreError::NotFound)
        ));
        let mut claim = router.clone();
        claim.name = "横取り".into();
        assert!(matches!(
            beta.devices().save(&cli, &claim).await,
            Err(mamori_store::StoreError::NotFound)
        ));
        assert!(matches!(
            beta.devices().remove(&cli, &device.id).await,
            Err(mamori_store::StoreError::NotFound)
        ));
        let reached = |scope: Scope| {
            let store = store.clone();
            async move {
                let all = store.all_devices(&scope).await.unwrap();
                all.into_iter().map(|d| d.device.name).collect::<Vec<_>>()
            }
        };
        assert_eq!(
            reached(Scope::Organisation(b.id.clone())).await,
            Vec::<String>::new()
        );
        assert_eq!(reached(Scope::AllOrganisations).await, ["本社ルーター"]);
        let today = store.zone().day_start(mamori_store::now());
        let (hour_from, hour_to) = (today, mamori_store::now() + 3600);
        let everything = EventFilter {
            limit: 10,
            ..EventFilter::default()
        };
        let detections = DetectionFilter {
            limit: 10,
            ..DetectionFilter::default()
        };
        for (handle, name) in [(&alpha, "alpha"), (&beta, "beta")] {
            let own = name == "alpha";
            let found = [
                handle.events().search(&everything).await.unwrap().total > 0,
                handle.detections().list(&detections).await.unwrap().total > 0,
                !handle
                    .alerts()
                    .counts(0, i64::MAX)
                    .await
                    .unwrap()
                    .is_empty(),
                !handle.incidents().list().await.unwrap().is_empty(),
                !handle.suppressions().list().await.unwrap().is_empty(),
                handle.reports().settings().await.unwrap().is_some(),
                !handle.members().list().await.unwrap().is_empty(),
                !handle
                    .rollups()
                    .days(today, today)
                    .await
                    .unwrap()
                    .0
                    .is_empty(),
                !handle
                    .rollups()
                    .source_hours(hour_from, hour_to)
                    .await
                    .unwrap()
                    .is_empty(),
                handle.events().retention_days().await.unwrap() == 30,
                !handle.sources().await.unwrap().is_empty(),
                !handle
                    .rollups()
                    .source_health(mamori_store::now())
                    .await
                    .unwrap()
                    .is_empty(),
                handle.declarations().get().await.unwrap().is_some(),
                !handle.channels().list().await.unwrap().is_empty(),
                !handle
                    .events()
                    .dead_letters(None, "", 10)
                    .await
                    .unwrap()
                    .is_empty(),
                !store
                    .all_dead_letters(&Scope::Organisation(handle.id().into()), None, "", 10)
                    .await
                    .unwrap()
                    .is_empty(),
                !handle.assets().list().await.unwrap().is_empty(),
                !handle.risks().list().await.unwrap().is_empty(),
                !handle.devices().list().await.unwrap().is_empty(),
            ];
            assert_eq!(found, [own; 19], "{name}'s handle on {}", db.backend);
        }
        assert!(
            store
                .org_store(&Scope::Organisation(b.id.clone()), &a.id)
                .await
                .is_err()
        );
        store.close().await;
        db.cleanup().await;
    }
}
