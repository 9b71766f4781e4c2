//! The PCs and servers page: the owner makes an enrolment token and sees the commands once; a
//! machine enrolled with it reports a failing firewall, and the page explains it with what to
//! do, and an alert that resolves itself once the firewall is back on; another company's owner
//! reaches none of it.

use mamori_alerts::POSTURE_RULE;
use mamori_model::{AlertStatus, Scope};
use mamori_store::AlertFilter;
use mamori_testkit::TestDatabase;
use serde_json::json;

use crate::common::{TestApp, create_org, csrf_of, invite_and_accept, org_with_owner, page_text};

#[tokio::test]
async fn the_owner_enrols_a_machine_and_sees_what_to_fix() {
    for db in TestDatabase::all().await {
        let app = TestApp::spawn(db).await;
        let backend = app.backend;
        let (admin, org, owner) = org_with_owner(&app, "アルファ工業").await;
        let path = format!("/orgs/{org}/endpoints");
        let page = page_text(&app, &owner, &path).await;
        assert!(page.contains("id=\"no-endpoints\""), "on {backend}");

        let made = owner
            .post(app.url(&path))
            .form(&[("csrf", csrf_of(&page))])
            .send()
            .await
            .unwrap();
        assert_eq!(made.status().as_u16(), 200);
        let page = made.text().await.unwrap();
        let marker = "--token ";
        let start = page.find(marker).expect("the enrol command is shown") + marker.len();
        let token: String = page[start..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
            .collect();
        assert!(token.starts_with("mme_"), "{token}");

        let http = reqwest::Client::new();
        let enrolled: serde_json::Value = http
            .post(app.url("/api/v1/agents/enrol"))
            .json(&json!({"token": token, "hostname": "keiri-pc", "os": "Ubuntu", "os_version": "24.04", "kind": "pc"}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let agent_token = enrolled["token"]
            .as_str()
            .expect("the agent's token")
            .to_owned();
        let beat = http
            .post(app.url("/api/v1/agents/heartbeat"))
            .bearer_auth(&agent_token)
            .json(&json!({"posture": {"hostname": "keiri-pc", "os": "Ubuntu", "os_version": "24.04",
                "checks": [
                    {"id": "firewall", "status": "fail", "evidence": "Status: inactive"},
                    {"id": "auto_updates", "status": "pass"},
                    {"id": "disk_encryption", "status": "unknown", "evidence": "lsblk could not be asked"}
                ]},
                "logs": {"source": "journal", "buffered": 1200, "dropped": 3456}}))
            .send()
            .await
            .unwrap();
        assert_eq!(beat.status().as_u16(), 200);

        let page = page_text(&app, &owner, &path).await;
        for expected in [
            "keiri-pc",
            "Ubuntu 24.04",
            "対策済み 1件・不十分 1件・確認できず 1件",
            "ファイアウォール",
            "すること：ファイアウォールを有効にしてください",
            "確認した内容：Status: inactive",
            "この機器では確かめられなかった項目：ディスクの暗号化（lsblk could not be asked）",
            "ログ：システムのログ（journald）の内容を mamori に送っています。送信待ちが 1,200行",
            "古いログ 3,456行を送れないまま捨てました",
        ] {
            assert!(page.contains(expected), "{expected} on {backend}: {page}");
        }
        // The firewall turned to fail: one high alert for the organisation; the same report
        // again adds none; the firewall back on resolves it.
        let posture_alerts = || {
            let (store, org) = (app.store.clone(), org.clone());
            async move {
                store
                    .alerts(
                        &Scope::AllOrganisations,
                        &AlertFilter {
                            org_id: Some(org),
                            rule_id: Some(POSTURE_RULE.into()),
                            limit: 10,
                            ..AlertFilter::default()
                        },
                    )
                    .await
                    .unwrap()
                    .alerts
            }
        };
        let report = |firewall: &str| {
            json!({"posture": {"hostname": "keiri-pc", "os": "Ubuntu", "os_version": "24.04",
                "checks": [{"id": "firewall", "status": firewall, "evidence": "Status: inactive"}]}})
        };
        let send = |body: serde_json::Value| {
            let (http, url, token) = (
                http.clone(),
                app.url("/api/v1/agents/heartbeat"),
                agent_token.clone(),
            );
            async move {
                let status = http
                    .post(url)
                    .bearer_auth(token)
                    .json(&body)
                    .send()
                    .await
                    .unwrap()
                    .status();
                assert_eq!(status.as_u16(), 200);
            }
        };
        let alerts = posture_alerts().await;
        assert_eq!(alerts.len(), 1, "on {backend}");
        assert_eq!(alerts[0].severity, "high");
        let page = page_text(&app, &owner, &path).await;
        assert!(
            page.contains("対応が済んでいないアラートが 1件あります"),
            "the open alert is counted on the machine: {page}"
        );
        let listed = page_text(
            &app,
            &owner,
            &format!(
                "/orgs/{org}/alerts?status=open&source={}",
                alerts[0]
                    .source_id
                    .as_deref()
                    .expect("the machine's source")
            ),
        )
        .await;
        assert!(
            listed.contains("keiri-pcのファイアウォールが不十分です"),
            "{listed}"
        );
        assert_eq!(
            alerts[0].title_ja.as_deref(),
            Some("keiri-pcのファイアウォールが不十分です")
        );
        send(report("fail")).await;
        assert_eq!(
            posture_alerts().await.len(),
            1,
            "no second alert while nothing changed"
        );
        send(report("pass")).await;
        let alerts = posture_alerts().await;
        assert_eq!(
            alerts[0].status,
            AlertStatus::Resolved,
            "back in place resolves it"
        );

        let devices = page_text(&app, &owner, &format!("/orgs/{org}/devices")).await;
        assert!(
            devices.contains("keiri-pc"),
            "the machine is in the inventory"
        );

        // Another company's owner reaches neither the page nor the token form.
        let other = create_org(&app, &admin, "ベータ商事").await;
        let intruder = invite_and_accept(
            &app,
            &admin,
            &other,
            "owner@beta.example",
            "owner",
            "owner password 34",
        )
        .await;
        let own_page = page_text(&app, &intruder, &format!("/orgs/{other}/endpoints")).await;
        assert!(!own_page.contains("keiri-pc"));
        let peek = intruder.get(app.url(&path)).send().await.unwrap();
        assert_eq!(peek.status().as_u16(), 404);
        let forged = intruder
            .post(app.url(&path))
            .form(&[("csrf", csrf_of(&own_page))])
            .send()
            .await
            .unwrap();
        assert_eq!(forged.status().as_u16(), 404);

        // Retiring the machine: the intruder cannot; the owner can, and then it is gone from
        // the page while its inventory entry stays, and its token no longer works.
        let agent_id = app
            .store
            .org_store(&Scope::AllOrganisations, &org)
            .await
            .unwrap()
            .agents()
            .await
            .unwrap()[0]
            .id
            .clone();
        let retire = format!("/orgs/{org}/endpoints/{agent_id}/retire");
        let refused = intruder
            .post(app.url(&retire))
            .form(&[("csrf", csrf_of(&own_page))])
            .send()
            .await
            .unwrap();
        assert_eq!(refused.status().as_u16(), 404);
        let page = page_text(&app, &owner, &path).await;
        assert!(page.contains("keiri-pc の見守りをやめる"), "{page}");
        let retired = owner
            .post(app.url(&retire))
            .form(&[("csrf", csrf_of(&page))])
            .send()
            .await
            .unwrap();
        assert_eq!(retired.status().as_u16(), 303);
        let back = retired.headers()["location"].to_str().unwrap().to_owned();
        assert!(back.starts_with(&path), "{back}");
        let page = page_text(&app, &owner, &back).await;
        assert!(page.contains("この機器の見守りをやめました"), "{page}");
        assert!(page.contains("id=\"no-endpoints\""), "{page}");
        let devices = page_text(&app, &owner, &format!("/orgs/{org}/devices")).await;
        assert!(devices.contains("keiri-pc"), "the inventory entry stays");
        let status = http
            .post(app.url("/api/v1/agents/heartbeat"))
            .bearer_auth(&agent_token)
            .json(&json!({}))
            .send()
            .await
            .unwrap()
            .status();
        assert_eq!(status.as_u16(), 401, "the retired machine's token is dead");
        app.stop().await;
    }
}
