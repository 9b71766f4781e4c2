//! "Something happened": the owner reports an incident and at once sees what to do first for
//! its kind and how to reach the desk; the three steps are ticked by the side each item
//! belongs to, every tick lands in the timeline; another company gets 404.

use crate::common::{
    TestApp, create_org, csrf_of, invite_and_accept, location, org_with_owner, page_text,
};
use mamori_testkit::TestDatabase;

#[tokio::test]
async fn the_owner_reports_ransomware_and_both_sides_work_the_three_steps() {
    for db in TestDatabase::all().await {
        let app = TestApp::spawn(db).await;
        let (admin, alpha, owner) = org_with_owner(&app, "アルファ工業").await;
        let beta = create_org(&app, &admin, "ベータ商事").await;
        let other = invite_and_accept(
            &app,
            &admin,
            &beta,
            "owner@beta.example",
            "owner",
            "beta password 12",
        )
        .await;
        // The desk the company is told to call.
        let desk = page_text(&app, &admin, "/console/desk").await;
        let saved = admin
            .post(app.url("/console/desk"))
            .form(&[
                ("csrf", csrf_of(&desk).as_str()),
                ("name", "守りサービス 相談窓口"),
                ("phone", "03-1234-5678"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(saved.status(), 303);

        let list = format!("/orgs/{alpha}/incidents");
        let page = page_text(&app, &owner, &list).await;
        assert!(page.contains("何か起きたときは"), "{}", app.backend);
        let empty = owner
            .post(app.url(&list))
            .form(&[
                ("csrf", csrf_of(&page).as_str()),
                ("category", "ransomware"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(empty.status(), 422, "what was noticed is needed");
        let reported = owner
            .post(app.url(&list))
            .form(&[
                ("csrf", csrf_of(&page).as_str()),
                ("category", "ransomware"),
                ("title", ""),
                (
                    "what_happened",
                    "経理のパソコンに身代金を求める画面が出ました。",
                ),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(reported.status(), 303);
        let at = location(&reported);
        let path = at.trim_end_matches("?reported=1").to_owned();
        let incident = page_text(&app, &owner, &at).await;
        for shown in [
            "インシデントとして記録しました。",
            "ランサムウェア",
            "最初にすること",
            "お金は払わず",
            "03-1234-5678",
            "経理のパソコンに身代金を求める画面が出ました。",
            "1. 気づいたら、まず被害を広げない",
        ] {
            assert!(incident.contains(shown), "{shown} on {}", app.backend);
        }
        assert!(
            !incident.contains("残しておく証拠"),
            "the desk's part is the desk's"
        );

        // The owner ticks a company item, not a desk item.
        let tick = |client: &reqwest::Client, html: &str, item: &str| {
            let (client, url, csrf, item) = (
                client.clone(),
                app.url(&format!("{path}/checks")),
                csrf_of(html),
                item.to_owned(),
            );
            async move {
                client
                    .post(url)
                    .form(&[
                        ("csrf", csrf.as_str()),
                        ("item", item.as_str()),
                        ("done", "1"),
                    ])
                    .send()
                    .await
                    .unwrap()
                    .status()
            }
        };
        assert_eq!(tick(&owner, &incident, "detect.contained").await, 303);
        assert_eq!(tick(&owner, &incident, "detect.desk_assessed").await, 403);
        assert_eq!(tick(&owner, &incident, "detect.no_such_item").await, 404);
        let desk_view = page_text(&app, &admin, &path).await;
        assert!(desk_view.contains("残しておく証拠"));
        assert_eq!(tick(&admin, &desk_view, "detect.desk_assessed").await, 303);
        let after = page_text(&app, &owner, &path).await;
        assert!(
            after.contains("✓ 被害が広がらないよう"),
            "the tick is in the timeline"
        );
        assert!(after.contains("owner@alpha.example"));
        assert!(after.contains("取り消す"));

        // Personal data and a crime flagged: the commission and the police are required.
        let before = page_text(&app, &owner, &path).await;
        let section = |html: &str| {
            let start = html.find("id=\"duties\"").unwrap_or(0);
            let end = html.find("id=\"record\"").unwrap_or(html.len());
            html[start..end].to_owned()
        };
        assert!(
            !section(&before).contains("個人情報保護委員会"),
            "nothing says personal data yet"
        );
        let recorded = owner
            .post(app.url(&format!("{path}/record")))
            .form(&[
                ("csrf", csrf_of(&before).as_str()),
                ("people_in_charge", "総務部 佐藤"),
                ("observed", "顧客名簿のあるファイルサーバーも暗号化された"),
                ("personal_data", "1"),
                ("crime_suspected", "1"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(recorded.status(), 303);
        let after = page_text(&app, &owner, &path).await;
        for shown in [
            "個人情報保護委員会",
            "03-6457-9849",
            "警察（サイバー犯罪の相談窓口・最寄りの警察署）",
            "2021年時点の情報",
            "顧客名簿のあるファイルサーバーも暗号化された",
            "記録の項目を更新しました",
        ] {
            assert!(after.contains(shown), "{shown} on {}", app.backend);
        }
        let required = section(&after).matches(">必ず<").count();
        assert_eq!(required, 2, "the commission and the police are required");
        assert_eq!(tick(&owner, &after, "duty.ppc").await, 303);
        assert!(
            page_text(&app, &owner, &path)
                .await
                .contains("個人情報保護委員会 に知らせた")
        );
        assert_eq!(tick(&owner, &after, "duty.nobody").await, 404);

        // The desk sends an engineer; the company sees when to expect them.
        let desk_view = page_text(&app, &admin, &path).await;
        let arrange = |client: &reqwest::Client,
                       url: String,
                       fields: Vec<(&'static str, &'static str)>,
                       csrf: String| {
            let client = client.clone();
            async move {
                let mut form = vec![("csrf", csrf.as_str())];
                form.extend(fields);
                client.post(url).form(&form).send().await.unwrap().status()
            }
        };
        let dispatches = app.url(&format!("{path}/dispatches"));
        let bad = vec![("engineer", "現地担当 鈴木"), ("promised_at", "明日の午後")];
        assert_eq!(
            arrange(&admin, dispatches.clone(), bad, csrf_of(&desk_view)).await,
            422
        );
        let fields = vec![
            ("engineer", "現地担当 鈴木"),
            ("promised_at", "2026-12-07T15:00"),
        ];
        assert_eq!(
            arrange(
                &admin,
                dispatches.clone(),
                fields.clone(),
                csrf_of(&desk_view)
            )
            .await,
            303
        );
        let own = page_text(&app, &owner, &path).await;
        // Pages escape "/" in text as "&#x2f;".
        assert!(
            own.contains("現地担当 鈴木 が 2026&#x2f;12&#x2f;07 15:00 ごろ到着する予定です。"),
            "the planned arrival on {}",
            app.backend
        );
        assert_eq!(
            arrange(&owner, dispatches, fields, csrf_of(&own)).await,
            403
        );
        let desk_view = page_text(&app, &admin, &path).await;
        let did = desk_view
            .split(&format!("{path}/dispatches/"))
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .expect("the dispatch's own form")
            .to_owned();
        let update = vec![
            ("engineer", "現地担当 鈴木"),
            ("promised_at", "2026-12-07T15:00"),
            ("arrived_at", "2026-12-07T14:50"),
            ("work_done", "感染端末の隔離とディスクの保全"),
            ("devices_taken", "経理用ノートPC 1台"),
        ];
        let url = app.url(&format!("{path}/dispatches/{did}"));
        assert_eq!(arrange(&admin, url, update, csrf_of(&desk_view)).await, 303);
        let own = page_text(&app, &owner, &path).await;
        assert!(own.contains("経理用ノートPC 1台"));
        assert!(
            !own.contains("ごろ到着する予定です"),
            "arrived, so no longer planned"
        );
        assert!(own.contains("駆け付けを手配しました（担当：現地担当 鈴木）"));
        let console = page_text(&app, &admin, "/console/orgs").await;
        assert!(
            console.contains("今月の駆け付けは1件、依頼から到着まで平均"),
            "the console counts the month's visits"
        );

        // The incident report: the PDF holds the record, who was told and the timeline.
        let pdf = owner
            .get(app.url(&format!("{path}/report/pdf")))
            .send()
            .await
            .unwrap();
        assert_eq!(pdf.status(), 200, "{}", app.backend);
        assert_eq!(pdf.headers()["content-type"], "application/pdf");
        let bytes = pdf.bytes().await.unwrap();
        assert!(bytes.starts_with(b"%PDF"));
        if let Some(text) = mamori_testkit::pdf::pdf_text(&bytes) {
            let flat: String = text.split_whitespace().collect();
            for shown in [
                "インシデント報告書",
                "ランサムウェア",
                "総務部佐藤",
                "個人情報保護委員会",
                "経理のパソコンに身代金を求める画面が出ました。",
                "個人情報保護委員会に知らせた",
            ] {
                assert!(flat.contains(shown), "{shown} in the PDF: {text}");
            }
        }
        let html = page_text(&app, &owner, &format!("{path}/report/html")).await;
        assert!(html.contains("経理のパソコンに身代金を求める画面が出ました。"));
        assert_eq!(
            other
                .get(app.url(&format!("{path}/report/pdf")))
                .send()
                .await
                .unwrap()
                .status(),
            404
        );

        // The desk may open one from scratch too.
        let desk_list = page_text(&app, &admin, &list).await;
        let opened = admin
            .post(app.url(&list))
            .form(&[
                ("csrf", csrf_of(&desk_list).as_str()),
                ("category", "unauthorised_access"),
                ("title", "VPN への不審なログイン"),
                ("what_happened", "夜間に海外からのログイン成功を確認した。"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(opened.status(), 303, "{}", app.backend);
        assert!(
            page_text(&app, &owner, &list)
                .await
                .contains("VPN への不審なログイン")
        );

        // Another company sees none of it.
        assert_eq!(
            other.get(app.url(&path)).send().await.unwrap().status(),
            404
        );
        assert_eq!(
            tick(
                &other,
                &page_text(&app, &other, &format!("/orgs/{beta}/incidents")).await,
                "detect.contained"
            )
            .await,
            404
        );
        assert!(
            !page_text(&app, &other, &format!("/orgs/{beta}/incidents"))
                .await
                .contains("身代金")
        );
        app.stop().await;
    }
}

#[tokio::test]
async fn in_a_browser_something_happened_leads_to_the_first_moves_and_the_desk() {
    use crate::common::browser::{Browser, sign_in};
    let Some(browser) = Browser::start().await else {
        return;
    };
    let app = TestApp::spawn(TestDatabase::sqlite()).await;
    let (admin, alpha, _owner) = org_with_owner(&app, "アルファ工業").await;
    let desk = page_text(&app, &admin, "/console/desk").await;
    admin
        .post(app.url("/console/desk"))
        .form(&[
            ("csrf", csrf_of(&desk).as_str()),
            ("name", "守りサービス 相談窓口"),
            ("phone", "03-1234-5678"),
            ("after_hours_phone", "090-0000-1111"),
        ])
        .send()
        .await
        .unwrap();

    sign_in(&browser, &app, "owner@alpha.example", "owner password 12").await;
    browser
        .client
        .goto(&app.url(&format!("/orgs/{alpha}")))
        .await
        .unwrap();
    browser
        .click(&format!("nav a[href='/orgs/{alpha}/incidents']"))
        .await;
    browser.wait_for_path(|p| p.ends_with("/incidents")).await;
    browser.screenshot("incident-01-report").await;
    browser
        .click("input[name=category][value=ransomware]")
        .await;
    browser
        .fill(
            "textarea[name=what_happened]",
            "経理のパソコンに身代金を求める画面が出ました。",
        )
        .await;
    browser.click("#report button.primary").await;
    browser
        .wait_for_path(|p| p.contains("/incidents/") && !p.ends_with("/incidents"))
        .await;
    browser.wait_for_text("#first-moves", "お金は払わず").await;
    browser.screenshot("incident-02-first-moves").await;
    let main = browser.text("main").await;
    for shown in [
        "インシデントとして記録しました。",
        "LAN ケーブルを抜き",
        "電源は切らないでください",
        "03-1234-5678",
        "090-0000-1111",
    ] {
        assert!(main.contains(shown), "{shown}: {main}");
    }

    // Saving the record far down the page confirms it there, in view, not at the top.
    browser
        .fill(
            "#record textarea[name=observed]",
            "画面に英語の脅迫文が出ている",
        )
        .await;
    browser.click("#record button[type=submit]").await;
    browser
        .wait_for_text("#record", "記録を保存しました。")
        .await;
    let seen = browser
        .client
        .execute(
            "const done = document.querySelector('#record #done').getBoundingClientRect();
             return [done.top >= 0 && done.bottom <= window.innerHeight, window.scrollY > 0,
                     document.querySelectorAll('#done').length];",
            vec![],
        )
        .await
        .expect("where the confirmation is");
    assert_eq!(
        seen,
        serde_json::json!([true, true, 1]),
        "in view, below the top, once"
    );
    browser.screenshot("incident-03-record-saved").await;
    browser.close().await;
    app.stop().await;
}

#[tokio::test]
async fn incidents_over_the_api_stay_with_their_organisation() {
    use crate::common::api;
    use crate::common::tenants::{analyst_token, org, owner_token};
    use mamori_store::Actor;
    use reqwest::Method;
    use serde_json::{Value, json};

    for db in TestDatabase::all().await {
        let app = TestApp::spawn(db).await;
        let cli = Actor::cli();
        let alpha = app
            .store
            .create_org(&cli, org("アルファ工業"))
            .await
            .unwrap();
        let beta = app.store.create_org(&cli, org("ベータ商事")).await.unwrap();
        let alpha_token = owner_token(&app.store, &alpha.id, "owner@alpha.example").await;
        let beta_token = owner_token(&app.store, &beta.id, "owner@beta.example").await;
        let desk_token = analyst_token(&app.store, "analyst@provider.example").await;
        let call = |method: Method, path: String, token: &str, body: Option<Value>| {
            let app = &app;
            let token = token.to_owned();
            async move { api(app, method, &path, &token, body).await }
        };
        let list = format!("/api/v1/orgs/{}/incidents", alpha.id);
        let bad = json!({"category": "meteor", "what_happened": "x"});
        let (status, body) = call(Method::POST, list.clone(), &alpha_token, Some(bad)).await;
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            (422, Some("invalid_input.category"))
        );
        let report =
            json!({"category": "ransomware", "what_happened": "身代金を求める画面が出ました。"});
        let (status, body) = call(Method::POST, list.clone(), &alpha_token, Some(report)).await;
        assert_eq!(status, 201, "{body} on {}", app.backend);
        let iid = body["incident"]["id"].as_str().unwrap().to_owned();
        assert_eq!(body["incident"]["title"], "ランサムウェア");
        assert!(
            body["first_moves"][1]
                .as_str()
                .unwrap()
                .contains("お金は払わず")
        );
        assert!(body["checklist"].as_array().unwrap().len() >= 10);

        let one = format!("{list}/{iid}");
        let facts =
            json!({"personal_data": true, "crime_suspected": true, "observed": "名簿も暗号化"});
        let (status, body) = call(
            Method::PUT,
            format!("{one}/record"),
            &alpha_token,
            Some(facts),
        )
        .await;
        assert_eq!(status, 200, "{body}");
        let needs: Vec<(String, String)> = body["duties"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| {
                (
                    d["contact"].as_str().unwrap().to_owned(),
                    d["need"].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        assert!(needs.contains(&("ppc".into(), "must".into())), "{needs:?}");
        assert!(
            needs.contains(&("police".into(), "must".into())),
            "{needs:?}"
        );

        let tick = |item: &str| Some(json!({"item": item, "done": true}));
        let checks = format!("{one}/checks");
        let (status, body) =
            call(Method::POST, checks.clone(), &alpha_token, tick("duty.ppc")).await;
        assert_eq!(status, 200);
        assert!(
            body["duties"]
                .as_array()
                .unwrap()
                .iter()
                .any(|d| d["contact"] == "ppc" && d["told_at"].is_i64())
        );
        assert_eq!(
            call(
                Method::POST,
                checks.clone(),
                &alpha_token,
                tick("detect.desk_assessed")
            )
            .await
            .0,
            403
        );
        assert_eq!(
            call(
                Method::POST,
                checks.clone(),
                &alpha_token,
                tick("detect.nothing")
            )
            .await
            .0,
            422
        );
        assert_eq!(
            call(
                Method::POST,
                checks.clone(),
                &desk_token,
                tick("detect.desk_assessed")
            )
            .await
            .0,
            200
        );

        let visit = Some(json!({"engineer": "現地担当 鈴木", "promised_at": 1_796_000_000}));
        let dispatches = format!("{one}/dispatches");
        assert_eq!(
            call(
                Method::POST,
                dispatches.clone(),
                &alpha_token,
                visit.clone()
            )
            .await
            .0,
            403
        );
        let (status, body) =
            call(Method::POST, dispatches.clone(), &desk_token, visit.clone()).await;
        assert_eq!(status, 201);
        assert_eq!(body["dispatches"][0]["engineer"], "現地担当 鈴木");

        // Another company: 404 everywhere.
        assert_eq!(
            call(Method::GET, one.clone(), &beta_token, None).await.0,
            404
        );
        assert_eq!(
            call(Method::POST, checks, &beta_token, tick("detect.contained"))
                .await
                .0,
            404
        );
        let beta_one = format!("/api/v1/orgs/{}/incidents/{iid}", beta.id);
        assert_eq!(call(Method::GET, beta_one, &beta_token, None).await.0, 404);

        let (status, directory) =
            call(Method::GET, "/api/v1/contacts".into(), &beta_token, None).await;
        assert_eq!(status, 200);
        let ppc = directory
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["key"] == "ppc")
            .unwrap()
            .clone();
        assert_eq!(
            (ppc["phone"].as_str(), ppc["as_of"].as_str()),
            (Some("03-6457-9849"), Some("2021"))
        );
        app.stop().await;
    }
}
