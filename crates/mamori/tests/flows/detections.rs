//! Detection inside the real `mamori serve`: SSH failures sent over syslog TCP become a
//! stored brute-force detection with its evidence, readable through the API by the
//! organisation's owner and invisible to another tenant. Runs on SQLite and, when
//! configured, PostgreSQL. The detections page shows them in plain Japanese to the
//! organisation's owner only.

use std::time::Duration;

use crate::common::server::{send_acknowledged, start};
use crate::common::tenants::{loopback_ssh_source, org, owner_token};
use crate::common::{TestApp, create_org, org_with_owner, page_text};
use chrono::Utc;
use mamori_store::{
    Actor, IngestBatch, NewDetection, NewEvent, NewSource, SourceIdentity, Store, now,
};
use mamori_testkit::TestDatabase;
use serde_json::Value;

async fn get(url: &str, token: &str) -> (u16, Value) {
    let response = reqwest::Client::new()
        .get(url)
        .bearer_auth(token)
        .header("Accept-Language", "ja")
        .send()
        .await
        .expect("request");
    let status = response.status().as_u16();
    (status, response.json().await.expect("JSON body"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ssh_failures_over_syslog_become_a_stored_detection() {
    for db in TestDatabase::all().await {
        let store = Store::connect(&db.url).await.expect("store");
        let cli = Actor::cli();
        let alpha = store.create_org(&cli, org("alpha")).await.expect("org a");
        let beta = store.create_org(&cli, org("beta")).await.expect("org b");
        loopback_ssh_source(&store, &alpha.id).await;
        let token_a = owner_token(&store, &alpha.id, "owner@alpha.example").await;
        let token_b = owner_token(&store, &beta.id, "owner@beta.example").await;

        let mut server = start(&db);
        let lines: Vec<String> = (0..12)
            .map(|i| {
                format!(
                    "Nov 22 10:00:{i:02} web1 sshd[811]: Failed password for root from 203.0.113.9 port {} ssh2\n",
                    52000 + i
                )
            })
            .collect();
        send_acknowledged(server.syslog, &lines);

        // The lines carry a fixed date (Nov 22); `from=0` reaches past the API's default
        // 30-day window whatever day the test runs.
        let medium = format!(
            "{}/api/v1/orgs/{}/detections?level=medium",
            server.web, alpha.id
        );
        let url = format!("{medium}&from=0");
        let mut found = Value::Null;
        for _ in 0..600 {
            let (status, body) = get(&url, &token_a).await;
            assert_eq!(status, 200, "{body}");
            if body["total"].as_i64().unwrap_or(0) > 0 {
                found = body;
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let detection = &found["detections"][0];
        assert_eq!(
            detection["rule_title"], "SSH brute force",
            "on {}: {found}",
            db.backend
        );
        assert_eq!(detection["kind"], "correlation");
        assert_eq!(detection["title_ja"], "SSHへのパスワード総当たり攻撃");
        assert_eq!(detection["source_name"], "本社サーバー");
        assert!(
            detection["details"]["group"]
                .to_string()
                .contains("203.0.113.9"),
            "group-by values are kept: {detection}"
        );
        assert!(detection["details"]["value"].as_f64().unwrap_or(0.0) >= 10.0);
        assert!(
            !detection["details"]["events"]
                .as_array()
                .expect("evidence")
                .is_empty()
        );
        assert!(
            detection["details"]["guidance"]["action_ja"]
                .as_str()
                .is_some_and(|s| !s.is_empty())
        );

        // The single failures are informational and only feed the correlation.
        let (_, info) = get(
            &format!(
                "{}/api/v1/orgs/{}/detections?level=info&from=0",
                server.web, alpha.id
            ),
            &token_a,
        )
        .await;
        assert_eq!(info["total"], 0, "{info}");

        // Another tenant sees neither alpha's detections nor any of its own.
        let (status, body) = get(&url, &token_b).await;
        assert_eq!(status, 404, "{body}");
        assert!(body["error"]["message"].as_str().is_some());
        let (status, own) = get(
            &format!("{}/api/v1/orgs/{}/detections", server.web, beta.id),
            &token_b,
        )
        .await;
        assert_eq!((status, own["total"].as_i64()), (200, Some(0)));
        let (status, bad) = get(&format!("{medium}&from=yesterday"), &token_a).await;
        assert_eq!(status, 422);
        assert!(
            bad["error"]["message"]
                .as_str()
                .unwrap_or("")
                .contains("from")
        );

        server.child.kill().expect("stop");
        server.child.wait().expect("reaped");
        store.close().await;
        db.cleanup().await;
    }
}

#[tokio::test]
async fn the_detections_page_explains_in_japanese_and_stays_in_its_tenant() {
    for db in TestDatabase::all().await {
        let app = TestApp::spawn(db).await;
        let (admin, alpha, owner) = org_with_owner(&app, "アルファ工業").await;
        let beta = create_org(&app, &admin, "ベータ商事").await;
        let empty = page_text(&app, &owner, &format!("/orgs/{alpha}/detections")).await;
        assert!(
            empty.contains("検知はありません")
                && empty.contains("まだ監視対象機器が登録されていません"),
            "an empty list says so, and why, on {}",
            app.backend
        );
        let cli = Actor::cli();
        let (source, _) = app
            .store
            .create_source(
                &cli,
                NewSource {
                    org_id: alpha.clone(),
                    name: "本社 RTX1210".into(),
                    format: "rtx".into(),
                    json_mapping: None,
                    identity: SourceIdentity::Address("192.0.2.10".into()),
                    expected_interval_secs: 3600,
                },
            )
            .await
            .expect("source");
        let checked: Vec<NewEvent> = (0..1234)
            .map(|i| {
                let mut event = mamori_model::Event::new("rtx", "a checked line", Utc::now());
                event.org_id = Some(alpha.clone());
                event.source_id = Some(source.id.clone());
                event.received_at = Some(Utc::now());
                NewEvent {
                    id: format!("e-{i}"),
                    event,
                    parse_error: None,
                    envelope_only: false,
                }
            })
            .collect();
        app.store
            .write_ingest_batch(&IngestBatch {
                node_id: "page-test".into(),
                last_seq: 1,
                events: checked,
                quarantined: Vec::new(),
                detections: (0..60)
                    .map(|i| NewDetection {
                    id: format!("d-{i}"),
                    org_id: alpha.clone(),
                    source_id: None,
                    event_id: None,
                    timestamp: Utc::now(),
                    kind: "correlation".into(),
                    rule_id: "r-1".into(),
                    rule_title: "SSH brute force".into(),
                    title_ja: Some("SSHへのパスワード総当たり攻撃".into()),
                    level: "high".into(),
                    tags: vec!["attack.t1110.001".into()],
                    details: serde_json::json!({
                        "guidance": {"title_ja": "", "action_ja": "鍵で接続する設定にしてください。", "action_en": "Use keys."},
                        "group": [["src_ip", "203.0.113.9"]],
                        "value": 12.0,
                        "events": [],
                    }),
                    })
                    .collect(),
            })
            .await
            .expect("store a detection");
        app.store
            .roll_up_day(app.store.zone().day_start(now()))
            .await
            .expect("roll-up");
        let html = page_text(&app, &owner, &format!("/orgs/{alpha}/detections")).await;
        for expected in [
            "SSHへのパスワード総当たり攻撃",
            "鍵で接続する設定にしてください。",
            "src_ip=203.0.113.9",
            "12回",
            ">高<",
            "60件中 1〜50件目",
            "level=&amp;offset=50",
            "監視対象機器 1台、確認したログ 1,234件",
        ] {
            assert!(
                html.contains(expected),
                "{expected} on {}: {html}",
                app.backend
            );
        }
        let other = owner
            .get(app.url(&format!("/orgs/{beta}/detections")))
            .send()
            .await
            .unwrap();
        assert_eq!(other.status(), 404, "another tenant on {}", app.backend);
        let analyst_view = page_text(&app, &admin, &format!("/orgs/{beta}/detections")).await;
        assert!(!analyst_view.contains("SSHへのパスワード総当たり攻撃"));
        app.stop().await;
    }
}
