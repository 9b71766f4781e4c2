//! Detections become alerts against real databases: grouping, suppressions, routing to
//! channels, the lifecycle with its history, delivery attempts and the alert about a failing
//! channel, and tenant isolation.

use chrono::{Duration, Utc};
use mamori_alerts::{
    AlertSettings, AlertingRules, CHANNEL_FAILING_RULE, promote_detections, record_attempt,
};
use mamori_model::{Role, Scope, Severity};
use mamori_store::{
    Actor, AlertChange, AlertFilter, Attempt, IngestBatch, InvalidInput, NewChannel, NewDetection,
    NewOrganisation, NewSuppression, NewUser, Resolution, Store, StoreError, new_id, now_ms,
};
use mamori_testkit::TestDatabase;
use serde_json::json;

/// A manufacturing organisation named `name`.
fn org(name: &str) -> NewOrganisation {
    NewOrganisation {
        name: name.to_owned(),
        industry: "E".parse().expect("industry"),
        employees: "6-20".parse().expect("employee band"),
        contact_email: format!("info@{name}.example.jp"),
    }
}

fn detection(org_id: &str, rule: &str, level: &str, src: &str, minutes_ago: i64) -> NewDetection {
    NewDetection {
        id: new_id(),
        org_id: org_id.to_owned(),
        source_id: Some(format!("src-{org_id}")),
        event_id: None,
        timestamp: Utc::now() - Duration::minutes(minutes_ago),
        kind: "correlation".to_owned(),
        rule_id: rule.to_owned(),
        rule_title: format!("Rule {rule}"),
        title_ja: Some(format!("ルール {rule}")),
        level: level.to_owned(),
        tags: vec!["attack.t1110".to_owned()],
        details: json!({"group": [["src_ip", src]], "value": 30, "events": [{"host": "web1"}]}),
    }
}

async fn store_detections(store: &Store, seq: i64, detections: Vec<NewDetection>) {
    store
        .write_ingest_batch(&IngestBatch {
            node_id: "test".to_owned(),
            last_seq: seq,
            events: Vec::new(),
            quarantined: Vec::new(),
            detections,
        })
        .await
        .unwrap();
}

fn channel(org_id: Option<&str>, min: Severity, digest: bool) -> NewChannel {
    NewChannel {
        org_id: org_id.map(str::to_owned),
        kind: "webhook".to_owned(),
        config: json!({"kind": "webhook", "url": "http://127.0.0.1:9/hook"}),
        min_severity: min,
        quiet_hours: None,
        digest,
        lang: "ja".to_owned(),
    }
}

#[tokio::test]
async fn detections_become_grouped_alerts_with_routes_history_and_tenancy() {
    for db in TestDatabase::all().await {
        let store = Store::connect(&db.url).await.unwrap();
        let cli = Actor::cli();
        let all = Scope::AllOrganisations;
        let a = store.create_org(&cli, org("alpha")).await.unwrap();
        let b = store.create_org(&cli, org("beta")).await.unwrap();
        let analyst = store
            .create_user(
                &cli,
                NewUser {
                    email: "analyst@provider.example".into(),
                    display_name: "解析 花子".into(),
                    role: Role::Analyst,
                    org_id: None,
                    password: None,
                },
            )
            .await
            .unwrap();
        let high_hook = store
            .create_channel(&cli, &all, channel(Some(&a.id), Severity::Medium, false))
            .await
            .unwrap();
        let digest_mail = store
            .create_channel(&cli, &all, channel(Some(&a.id), Severity::Info, true))
            .await
            .unwrap();
        let provider_hook = store
            .create_channel(&cli, &all, channel(None, Severity::High, false))
            .await
            .unwrap();
        assert!(
            store
                .create_channel(
                    &cli,
                    &Scope::Organisation(b.id.clone()),
                    channel(None, Severity::High, false)
                )
                .await
                .is_err(),
            "a client cannot add provider channels ({})",
            db.backend
        );

        // Three repeats from one address, one from another, a low one, and beta's own.
        store_detections(
            &store,
            1,
            vec![
                detection(&a.id, "ssh-brute", "high", "203.0.113.9", 30),
                detection(&a.id, "ssh-brute", "high", "203.0.113.9", 20),
                detection(&a.id, "ssh-brute", "high", "198.51.100.7", 15),
                detection(&a.id, "port-scan", "low", "203.0.113.9", 10),
                detection(&b.id, "ssh-brute", "high", "203.0.113.9", 5),
            ],
        )
        .await;
        store_detections(
            &store,
            2,
            vec![detection(&a.id, "ssh-brute", "critical", "203.0.113.9", 1)],
        )
        .await;
        let rules = AlertingRules::default();
        let first = promote_detections(&store, &rules, 3).await.unwrap();
        assert_eq!(first.detections, 3);
        let rest = promote_detections(&store, &rules, 100).await.unwrap();
        assert_eq!(rest.detections, 3, "{}", db.backend);
        assert!(
            promote_detections(&store, &rules, 100)
                .await
                .unwrap()
                .detections
                == 0
        );
        let created = first.created.len() + rest.created.len();
        assert_eq!(
            created, 4,
            "two groups of ssh-brute, one port-scan for alpha; one for beta"
        );
        assert_eq!(first.grouped + rest.grouped, 2);
        // Routes: alpha's two high alerts go to its webhook, its digest channel (high is
        // not held for the digest) and the provider's; the low one waits for the digest;
        // beta's high alert goes to the provider only.
        assert_eq!(first.queued + rest.queued, 7, "{}", db.backend);

        let alpha_scope = Scope::Organisation(a.id.clone());
        let page = store
            .alerts(
                &alpha_scope,
                &AlertFilter {
                    order: mamori_store::AlertOrder::Queue,
                    limit: 50,
                    ..AlertFilter::default()
                },
            )
            .await
            .unwrap();
        assert_eq!((page.total, page.total_capped), (3, false));
        assert!(
            page.alerts.iter().all(|al| al.org_id == a.id),
            "tenant scope"
        );
        let top = &page.alerts[0];
        assert_eq!(
            top.severity, "critical",
            "a more urgent repeat raises the severity"
        );
        assert_eq!(top.count, 3);
        assert_eq!(top.status, mamori_model::AlertStatus::New);
        assert!(top.first_seen < top.last_seen);
        assert_eq!(
            store
                .alert_evidence(&alpha_scope, &top.id, 10)
                .await
                .unwrap()
                .len(),
            3
        );
        let beta_scope = Scope::Organisation(b.id.clone());
        assert!(store.alert(&beta_scope, &top.id).await.unwrap().is_none());
        assert!(matches!(
            store
                .change_alert(&cli, &beta_scope, &top.id, AlertChange::Acknowledge)
                .await,
            Err(StoreError::NotFound)
        ));

        // Lifecycle with history.
        store
            .change_alert(&cli, &all, &top.id, AlertChange::Acknowledge)
            .await
            .unwrap();
        store
            .change_alert(
                &cli,
                &all,
                &top.id,
                AlertChange::Assign(Some(analyst.id.clone())),
            )
            .await
            .unwrap();
        let owner = store
            .create_user(
                &cli,
                NewUser {
                    email: "owner@alpha.example".into(),
                    display_name: String::new(),
                    role: Role::Owner,
                    org_id: Some(a.id.clone()),
                    password: None,
                },
            )
            .await
            .unwrap();
        assert!(matches!(
            store
                .change_alert(&cli, &all, &top.id, AlertChange::Assign(Some(owner.id)))
                .await,
            Err(StoreError::Invalid(InvalidInput::AssigneeNotStaff))
        ));
        store
            .change_alert(
                &cli,
                &all,
                &top.id,
                AlertChange::Comment("社外からの試行です".into()),
            )
            .await
            .unwrap();
        let resolved = store
            .change_alert(
                &cli,
                &all,
                &top.id,
                AlertChange::Resolve(Resolution::TruePositive, Some("blocked at the UTM".into())),
            )
            .await
            .unwrap();
        assert_eq!(resolved.status, mamori_model::AlertStatus::Resolved);
        assert_eq!(resolved.resolution.as_deref(), Some("true_positive"));
        assert_eq!(resolved.assignee_name.as_deref(), Some("解析 花子"));
        assert!(matches!(
            store
                .change_alert(&cli, &all, &top.id, AlertChange::Acknowledge)
                .await,
            Err(StoreError::Invalid(InvalidInput::AlertResolved))
        ));
        // A company sees what is still open first: the resolved critical alert goes last.
        let for_the_company = store
            .alerts(
                &alpha_scope,
                &AlertFilter {
                    order: mamori_store::AlertOrder::OpenFirst,
                    limit: 50,
                    ..AlertFilter::default()
                },
            )
            .await
            .unwrap();
        let statuses: Vec<&str> = for_the_company
            .alerts
            .iter()
            .map(|al| al.status.as_str())
            .collect();
        assert_eq!(statuses.last(), Some(&"resolved"), "{statuses:?}");
        assert!(
            statuses[..statuses.len() - 1]
                .iter()
                .all(|s| *s != "resolved")
        );
        let history: Vec<String> = store
            .alert_history(&alpha_scope, &top.id)
            .await
            .unwrap()
            .into_iter()
            .map(|h| h.action)
            .collect();
        assert_eq!(
            history,
            [
                "created",
                "acknowledged",
                "assigned",
                "commented",
                "resolved"
            ]
        );

        // A repeat after resolution opens a new alert.
        store_detections(
            &store,
            3,
            vec![detection(&a.id, "ssh-brute", "high", "203.0.113.9", 0)],
        )
        .await;
        assert_eq!(
            promote_detections(&store, &rules, 100)
                .await
                .unwrap()
                .created
                .len(),
            1
        );

        // A suppression silences matching detections of alpha only, and can be revoked.
        let suppression = store
            .create_suppression(
                &cli,
                &all,
                NewSuppression {
                    org_id: a.id.clone(),
                    rule_id: "port-scan".into(),
                    field: Some("src_ip".into()),
                    value: Some("203.0.113.9".into()),
                    reason: "取引先の脆弱性診断".into(),
                    expires_at: None,
                    alert_id: None,
                },
            )
            .await
            .unwrap();
        assert!(suppression.sigma.contains("port-scan"));
        store_detections(
            &store,
            4,
            vec![
                detection(&a.id, "port-scan", "low", "203.0.113.9", 0),
                detection(&b.id, "port-scan", "low", "203.0.113.9", 0),
            ],
        )
        .await;
        let pass = promote_detections(&store, &rules, 100).await.unwrap();
        assert_eq!(
            (pass.suppressed, pass.created.len()),
            (1, 1),
            "{}",
            db.backend
        );
        let listed = store
            .org_store(&alpha_scope, &a.id)
            .await
            .unwrap()
            .suppressions()
            .list()
            .await
            .unwrap();
        assert_eq!(listed[0].hits, 1);
        assert!(store.org_store(&beta_scope, &a.id).await.is_err());
        let revoked = store
            .revoke_suppression(&cli, &all, &suppression.id)
            .await
            .unwrap();
        assert!(!revoked.active);

        // Deliveries: a failure gives up → an alert about the channel for the provider.
        let due = store.due_deliveries(now_ms() + 1, 100).await.unwrap();
        let to_hook: Vec<_> = due
            .iter()
            .filter(|d| d.channel_id == high_hook.id)
            .collect();
        assert!(!to_hook.is_empty());
        assert_eq!(
            due.iter()
                .filter(|d| d.channel_id == digest_mail.id)
                .count(),
            3,
            "the three high alerts go to the digest channel at once; the low ones wait"
        );
        let settings = AlertSettings::default();
        let raised = record_attempt(
            &store,
            &settings,
            to_hook[0],
            &high_hook,
            Attempt::Failed {
                error: "connection refused".into(),
                code: "connect".into(),
                retry_at_ms: None,
            },
        )
        .await
        .unwrap();
        assert!(raised);
        // The failure is kept exactly and as a code the pages translate, on the channel and
        // in its delivery log.
        let hook = store.channel(&all, &high_hook.id).await.unwrap().unwrap();
        assert_eq!(
            (hook.last_error.as_deref(), hook.last_error_code.as_deref()),
            (Some("connection refused"), Some("connect"))
        );
        let log = store
            .org_store(&all, &a.id)
            .await
            .unwrap()
            .channels()
            .deliveries(50)
            .await
            .unwrap();
        assert!(
            log.iter()
                .any(|d| d.last_error_code.as_deref() == Some("connect")),
            "{log:?}"
        );
        let failing = store
            .alerts(
                &all,
                &AlertFilter {
                    rule_id: Some(CHANNEL_FAILING_RULE.into()),
                    limit: 10,
                    ..AlertFilter::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(failing.total, 1);
        assert_eq!(failing.alerts[0].org_id, a.id);
        let health = store.route_health(&all).await.unwrap();
        assert_eq!(health[&a.id].failing, 1);
        assert!(
            !health[&a.id].broken(),
            "the digest channel is untested, not failing"
        );
        assert!(
            !health.contains_key(&b.id),
            "beta has no channel of its own"
        );
        let provider_due = store.due_deliveries(now_ms() + 1, 100).await.unwrap();
        assert!(
            provider_due.iter().any(|d| d.channel_id == provider_hook.id
                && d.alert_id.as_deref() == Some(failing.alerts[0].id.as_str())),
            "the provider hears that alpha's channel fails"
        );
        let delivered = provider_due
            .iter()
            .find(|d| d.channel_id == provider_hook.id)
            .unwrap();
        record_attempt(
            &store,
            &settings,
            delivered,
            &provider_hook,
            Attempt::Delivered("200 OK".into()),
        )
        .await
        .unwrap();
        assert!(
            store
                .channel(&all, &provider_hook.id)
                .await
                .unwrap()
                .unwrap()
                .proven()
        );

        // Escalation into an incident.
        let incident = store
            .escalate_alert(
                &cli,
                &all,
                &page.alerts[1].id,
                "不正ログインの試み",
                "unauthorised_access",
            )
            .await
            .unwrap();
        assert_eq!(incident.org_id, a.id);
        assert_eq!(
            store
                .alert(&all, &page.alerts[1].id)
                .await
                .unwrap()
                .unwrap()
                .incident_id,
            Some(incident.id.clone())
        );
        assert!(store.incident(&beta_scope, &incident.id).await.is_err());
        let counts = store.open_alerts_by_org(&all).await.unwrap();
        assert!(counts[&a.id].open >= 2);
        assert_eq!(counts[&b.id].worst.as_deref(), Some("high"));
        db.cleanup().await;
    }
}

#[tokio::test]
async fn one_attack_seen_by_several_rules_is_one_alert_named_after_the_worst() {
    for db in TestDatabase::all().await {
        let store = Store::connect(&db.url).await.unwrap();
        let a = store.create_org(&Actor::cli(), org("alpha")).await.unwrap();
        let guessing = |rule: &str, level: &str, title: &str, src: &str, minutes_ago: i64| {
            let mut d = detection(&a.id, rule, level, src, minutes_ago);
            d.title_ja = Some(title.to_owned());
            d.details = json!({
                "group": [["src_ip", src]],
                "guidance": {"family": "password-guessing", "title_ja": title},
                "event_count": if rule == "ssh-brute" { 10 } else { 1 },
            });
            d
        };
        store_detections(
            &store,
            1,
            vec![
                guessing("ssh-fail", "info", "SSHのログイン失敗", "203.0.113.9", 9),
                guessing("ssh-brute", "medium", "SSHへの総当たり", "203.0.113.9", 8),
                guessing(
                    "admin-fail",
                    "high",
                    "管理者ログイン失敗の繰り返し",
                    "203.0.113.9",
                    7,
                ),
                guessing("ssh-fail", "info", "SSHのログイン失敗", "198.51.100.7", 6),
            ],
        )
        .await;
        promote_detections(&store, &AlertingRules::default(), 100)
            .await
            .unwrap();
        let page = store
            .alerts(
                &Scope::AllOrganisations,
                &AlertFilter {
                    org_id: Some(a.id.clone()),
                    limit: 10,
                    ..AlertFilter::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(page.total, 2, "one alert per attacker on {}", db.backend);
        let attack = page
            .alerts
            .iter()
            .find(|x| x.count == 3)
            .expect("the three rules on one alert");
        assert_eq!(
            (
                attack.rule_id.as_str(),
                attack.severity.as_str(),
                attack.title_ja.as_deref()
            ),
            ("admin-fail", "high", Some("管理者ログイン失敗の繰り返し")),
            "named after the most urgent"
        );
        assert_eq!(attack.events, 12);
        store.close().await;
        db.cleanup().await;
    }
}
