//! The company's home page as its owner meets it: a start list and honest empty states on the
//! first visit (never a placeholder), then where the company stands once there is data — the
//! month's light and next steps, the score, the SECURITY ACTION steps with their pages, the
//! devices and their last log — in both languages, and nothing of another company.

use chrono::Utc;
use mamori_model::Scope;
use mamori_store::{
    Actor, AnswerKind, IngestBatch, NewAnswers, NewEvent, NewSource, SourceIdentity,
};
use mamori_testkit::TestDatabase;

use crate::assessments::answers;
use crate::common::browser::{Browser, sign_in};
use crate::common::{TestApp, create_org, csrf_of, org_with_owner, page_text};

#[tokio::test]
async fn the_owner_sees_where_the_company_stands() {
    for db in TestDatabase::all().await {
        let app = TestApp::spawn(db).await;
        let (admin, org, owner) = org_with_owner(&app, "アルファ工業").await;
        let other = create_org(&app, &admin, "ベータ商事").await;
        let home = format!("/orgs/{org}");

        // First visit: an ordered start list, the company named in the header, no placeholder.
        let first = page_text(&app, &owner, &home).await;
        for expected in [
            "id=\"start\"",
            "はじめの一歩",
            "情報セキュリティ5か条を読んで",
            "自社診断（25問、5分ほど）に答える",
            "class=\"own-org\">アルファ工業<",
            "まだ自社診断に答えていません。",
            "対応が済んでいないアラートはありません。",
            "まだ監視対象機器がありません。",
            "id=\"this-month\"",
            "監視する機器がまだ登録されていません。",
            &format!("href=\"/orgs/{org}/rules\""),
            &format!("href=\"/orgs/{org}/documents/policy\""),
        ] {
            assert!(
                first.contains(expected),
                "{expected} on {}: {first}",
                app.backend
            );
        }
        for never in [
            "これからここに表示されるもの",
            "まずは会社の責任者を招待",
            "home.",
            "ベータ商事",
        ] {
            assert!(!first.contains(never), "{never} on {}", app.backend);
        }

        // With data: rules confirmed, an assessment answered, a device that sent a line.
        under_way(&app, &org).await;

        let later = page_text(&app, &owner, &home).await;
        for expected in [
            "最新の結果：",
            "点（満点100点）",
            "本社 RTX1210",
            "id=\"next-steps\"",
            "今月届いたログ 1件",
            "badge badge-done",
        ] {
            assert!(
                later.contains(expected),
                "{expected} on {}: {later}",
                app.backend
            );
        }
        assert!(
            !later.contains("id=\"start\""),
            "the start list gives way once the company is under way on {}",
            app.backend
        );

        // The same page in English speaks English.
        let english = owner
            .get(app.url(&home))
            .header("Accept-Language", "en")
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        for expected in [
            "This month",
            "What to do",
            "Monitored sources",
            "The way to SECURITY ACTION",
        ] {
            assert!(english.contains(expected), "{expected} on {}", app.backend);
        }

        // Another company's home page is not there for this owner.
        let status = owner
            .get(app.url(&format!("/orgs/{other}")))
            .send()
            .await
            .unwrap()
            .status();
        assert_eq!(status, 404, "another tenant on {}", app.backend);
        app.stop().await;
    }
}

#[tokio::test]
async fn the_home_page_in_a_browser_before_and_after_the_first_steps() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let app = TestApp::spawn(TestDatabase::sqlite()).await;
    let (_, org, _) = org_with_owner(&app, "アルファ工業株式会社").await;
    sign_in(&browser, &app, "owner@alpha.example", "owner password 12").await;
    browser.wait_for_path(|p| p == format!("/orgs/{org}")).await;
    assert!(browser.text("#start").await.contains("はじめの一歩"));
    assert!(
        browser
            .text(".whoami")
            .await
            .contains("アルファ工業株式会社")
    );
    browser.screenshot("home-01-first-visit").await;

    // The start list leads to where each step is done.
    browser
        .click(&format!("#start a[href='/orgs/{org}/assessment']"))
        .await;
    browser.wait_for_path(|p| p.ends_with("/assessment")).await;

    under_way(&app, &org).await;
    browser
        .client
        .goto(&app.url(&format!("/orgs/{org}")))
        .await
        .unwrap();
    browser.wait_for_text("#score", "点（満点100点）").await;
    assert!(browser.text("#devices").await.contains("本社 RTX1210"));
    assert!(browser.text("#this-month").await.contains("すること"));
    assert!(browser.text("#security-action").await.contains("完了"));
    browser.screenshot("home-02-under-way").await;
    browser.close().await;
    app.stop().await;
}

/// Puts organisation `org` under way straight in the store: the five rules confirmed, a
/// self-assessment answered and a device "本社 RTX1210" that has sent one line just now.
async fn under_way(app: &TestApp, org: &str) {
    let cli = Actor::cli();
    let tenant = app
        .store
        .org_store(&Scope::AllOrganisations, org)
        .await
        .expect("organisation");
    tenant
        .rules()
        .acknowledge(&cli, "ipa-sme-3.1")
        .await
        .expect("rules");
    let answered = answers(20);
    tenant
        .answers()
        .complete(
            &cli,
            NewAnswers {
                kind: AnswerKind::SelfAssessment,
                subject: "",
                edition: "ipa-sme-3.1",
                answers: &answered,
            },
        )
        .await
        .expect("assessment");
    let (source, _) = app
        .store
        .create_source(
            &cli,
            NewSource {
                org_id: org.to_owned(),
                name: "本社 RTX1210".into(),
                format: "rtx".into(),
                json_mapping: None,
                identity: SourceIdentity::Address("192.0.2.10".into()),
                expected_interval_secs: 3600,
            },
        )
        .await
        .expect("source");
    let mut event = mamori_model::Event::new("rtx", "a line", Utc::now());
    event.org_id = Some(org.to_owned());
    event.source_id = Some(source.id.clone());
    event.received_at = Some(Utc::now());
    app.store
        .write_ingest_batch(&IngestBatch {
            node_id: "home-test".into(),
            last_seq: 1,
            events: vec![NewEvent {
                id: "home-1".into(),
                event,
                parse_error: None,
                envelope_only: false,
            }],
            quarantined: Vec::new(),
            detections: Vec::new(),
        })
        .await
        .expect("a line");
}

#[tokio::test]
async fn the_owner_records_the_declaration_and_the_console_shows_it() {
    for db in TestDatabase::all().await {
        let app = TestApp::spawn(db).await;
        let (admin, org, owner) = org_with_owner(&app, "アルファ工業").await;
        let other = create_org(&app, &admin, "ベータ商事").await;
        under_way(&app, &org).await;

        let console = page_text(&app, &admin, "/console/orgs").await;
        assert!(
            console.contains("★ 宣言の準備ができています")
                && console.contains("まだ準備が整っていません"),
            "alpha is ready for one star, beta for none, on {}: {console}",
            app.backend
        );

        let kit = format!("/orgs/{org}/security-action");
        let csrf = csrf_of(&page_text(&app, &owner, &kit).await);
        let post = |stars: &'static str, on: &'static str, path: String| {
            let (owner, csrf) = (owner.clone(), csrf.clone());
            let url = app.url(&path);
            async move {
                owner
                    .post(url)
                    .form(&[
                        ("csrf", csrf.as_str()),
                        ("stars", stars),
                        ("declared_on", on),
                    ])
                    .send()
                    .await
                    .expect("post")
            }
        };
        let future = post("1", "2999-01-01", kit.clone()).await;
        assert_eq!(future.status(), 422, "{}", app.backend);
        assert!(future.text().await.unwrap().contains("今日までの日付"));
        let elsewhere = post("1", "2026-12-01", format!("/orgs/{other}/security-action")).await;
        assert_eq!(elsewhere.status(), 404, "another tenant on {}", app.backend);
        let recorded = post("1", "2026-12-01", kit.clone()).await;
        assert_eq!(recorded.status(), 303, "{}", app.backend);

        let page = page_text(&app, &owner, &kit).await;
        // Dates read as pages write them (`/` escaped in HTML).
        assert!(
            page.contains("★ を 2026&#x2f;12&#x2f;01 に宣言しました。"),
            "{page}"
        );
        let console = page_text(&app, &admin, "/console/orgs").await;
        assert!(
            console.contains("★ 宣言済み（2026&#x2f;12&#x2f;01）"),
            "{console}"
        );
        app.stop().await;
    }
}
