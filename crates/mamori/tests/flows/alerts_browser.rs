//! Alert triage in a real browser: an analyst finds the alert in the provider's queue,
//! starts work on it and resolves it; the organisation's owner then sees it resolved, who
//! handled it, and no triage buttons.

use crate::common;

use crate::common::TestApp;
use crate::common::browser::{Browser, sign_in};
use chrono::Utc;
use mamori_model::{Role, Scope};
use mamori_store::{Actor, AlertFilter, IngestBatch, NewDetection, NewUser, new_id};
use mamori_testkit::TestDatabase;
use serde_json::json;

#[tokio::test]
async fn analyst_resolves_an_alert_and_the_owner_sees_it_resolved() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let app = TestApp::spawn(TestDatabase::sqlite()).await;
    let (_, org, _) = common::org_with_owner(&app, "アルファ工業株式会社").await;
    let cli = Actor::cli();
    app.store
        .create_user(
            &cli,
            NewUser {
                email: "analyst@mamori.example".into(),
                display_name: "解析 太郎".into(),
                role: Role::Analyst,
                org_id: None,
                password: Some("analyst password 1".into()),
            },
        )
        .await
        .unwrap();
    app.store
        .write_ingest_batch(&IngestBatch {
            node_id: "browser-test".into(),
            last_seq: 1,
            events: Vec::new(),
            quarantined: Vec::new(),
            detections: vec![NewDetection {
                id: new_id(),
                org_id: org.clone(),
                source_id: None,
                event_id: None,
                timestamp: Utc::now(),
                kind: "correlation".into(),
                rule_id: "6b0e8f52-2f0a-4d47-9a1e-0c5c3b6f1a17".into(),
                rule_title: "SSH brute force".into(),
                title_ja: Some("SSHへのパスワード総当たり攻撃".into()),
                level: "medium".into(),
                tags: vec!["attack.t1110.001".into()],
                details: json!({
                    "guidance": {"action_ja": "SSHを鍵で接続する設定にしてください。", "action_en": "Use keys for SSH."},
                    "group": [["src_ip", "203.0.113.9"]],
                    "value": 12,
                    "events": [{"src_ip": "203.0.113.9", "host": "web1"}],
                }),
            }],
        })
        .await
        .unwrap();
    // The server's alerting stage raises the alert from the stored detection.
    let alert_id = raised_alert(&app, &org).await;

    // The analyst's queue shows it; the detail page has the triage buttons.
    sign_in(
        &browser,
        &app,
        "analyst@mamori.example",
        "analyst password 1",
    )
    .await;
    browser
        .client
        .goto(&app.url("/console/alerts"))
        .await
        .unwrap();
    let queue = browser.text("main").await;
    assert!(queue.contains("SSHへのパスワード総当たり攻撃"), "{queue}");
    assert!(queue.contains("アルファ工業株式会社"));
    browser.screenshot("alerts-01-queue").await;
    // The queue uses the screen's width, and a tick box is a tick box, not a full-width field.
    let layout = browser
        .client
        .execute(
            "const box = document.querySelector('main input[type=checkbox]').getBoundingClientRect();
             const main = document.querySelector('main');
             return [box.width, main.classList.contains('wide'), window.getComputedStyle(document.querySelector('th')).whiteSpace];",
            vec![],
        )
        .await
        .expect("layout");
    assert!(
        layout[0].as_f64().is_some_and(|w| w < 40.0) && layout[1] == true && layout[2] == "nowrap",
        "{layout:?}"
    );
    // A bulk action says what it did, above the list where the analyst is looking.
    browser.click(&format!("input[name='id_{alert_id}']")).await;
    browser.choose("select[name=action]", "assign").await;
    browser.click("#bulk button[type=submit]").await;
    browser
        .wait_for_text("#bulk-done", "選んだ1件のアラートを自分の担当にしました")
        .await;
    browser
        .click(&format!("a[href='/orgs/{org}/alerts/{alert_id}']"))
        .await;
    browser
        .wait_for_path(|p| p.ends_with(&format!("/alerts/{alert_id}")))
        .await;
    assert!(browser.text(".todo").await.contains("鍵で接続"));
    let evidence = browser.text("#evidence").await;
    assert!(evidence.contains("203.0.113.9"), "{evidence}");
    assert!(!browser.text("main").await.contains("org_id"));
    browser.click("#acknowledge").await;
    browser.wait_for_text("#alert-status", "対応中").await;
    browser.choose("#resolution", "benign").await;
    browser
        .fill("#resolve-form input[name=note]", "取引先の定期点検でした")
        .await;
    browser.screenshot("alerts-02-detail").await;
    browser.click("#resolve").await;
    browser
        .wait_for_text("#alert-status", "解決済み（問題のない動き）")
        .await;

    // Recorded as an incident: the incident page lists the alert and the timeline.
    browser.click("details.escalate summary").await;
    browser
        .choose("select[name=category]", "unauthorised_access")
        .await;
    browser.click("#escalate").await;
    browser
        .wait_for_text("#incident-link", "インシデント")
        .await;
    browser.click("#incident-link").await;
    browser.wait_for_path(|p| p.contains("/incidents/")).await;
    let incident = browser.text("main").await;
    assert!(incident.contains("不正アクセス"), "{incident}");
    assert!(incident.contains("SSHへのパスワード総当たり攻撃"));
    browser.screenshot("alerts-03-incident").await;

    // The owner sees it resolved, with the history, and cannot triage.
    browser.client.delete_all_cookies().await.unwrap();
    sign_in(&browser, &app, "owner@alpha.example", "owner password 12").await;
    browser
        .client
        .goto(&app.url(&format!("/orgs/{org}/alerts")))
        .await
        .unwrap();
    let list = browser.text("main").await;
    assert!(list.contains("解決済み"), "{list}");
    assert!(list.contains("今月のアラート: 1件"), "{list}");
    assert!(
        list.contains("不正ログインの試み") || list.contains("インシデント"),
        "{list}"
    );
    browser.screenshot("alerts-04-owner-list").await;
    browser
        .click(&format!("a[href='/orgs/{org}/alerts/{alert_id}']"))
        .await;
    browser
        .wait_for_path(|p| p.ends_with(&format!("/alerts/{alert_id}")))
        .await;
    let detail = browser.text("main").await;
    assert!(detail.contains("解決済み（問題のない動き）"), "{detail}");
    assert!(detail.contains("取引先の定期点検でした"));
    assert!(detail.contains("解析 太郎") || detail.contains("analyst@mamori.example"));
    assert!(
        detail.contains("対応が終わりました") && !detail.contains("鍵で接続"),
        "a resolved alert says it was dealt with: {detail}"
    );
    assert!(
        !detail.contains("SSH brute force"),
        "no English rule title for the owner"
    );
    assert!(
        browser
            .client
            .find(fantoccini::Locator::Css("#resolve"))
            .await
            .is_err()
    );
    browser.screenshot("alerts-05-owner-detail").await;
    browser.close().await;
    app.stop().await;
}

/// The id of the first alert of `org`, once the running alerting stage has raised it.
async fn raised_alert(app: &TestApp, org: &str) -> String {
    let filter = AlertFilter {
        org_id: Some(org.to_owned()),
        limit: 10,
        ..AlertFilter::default()
    };
    for _ in 0..300 {
        let page = app
            .store
            .alerts(&Scope::AllOrganisations, &filter)
            .await
            .unwrap();
        if let Some(alert) = page.alerts.first() {
            return alert.id.clone();
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("no alert raised for {org} within 30 s");
}
