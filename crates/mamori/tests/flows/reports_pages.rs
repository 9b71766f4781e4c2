//! Monthly reports in the portal with a real server: the owner makes a report and finds it
//! in the archive, sets who receives it (a bad address is refused with the reason), the
//! files download with their archive hash, the API lists and serves them, another tenant
//! gets 404, and in a real browser the owner makes one and downloads the PDF.

use crate::common;
use crate::common::tenants;

use crate::common::browser::{Browser, sign_in};
use crate::common::{TestApp, csrf_of, location, org_with_owner, page_text};
use mamori_testkit::TestDatabase;

#[tokio::test]
async fn owner_makes_downloads_and_addresses_reports_and_tenants_stay_apart() {
    for db in TestDatabase::all().await {
        let app = TestApp::spawn(db).await;
        let (admin, org, owner) = org_with_owner(&app, "アルファ工業").await;
        let reports = format!("/orgs/{org}/reports");
        let page = page_text(&app, &owner, &reports).await;
        assert!(page.contains("まだレポートはありません"), "{}", app.backend);

        let made = owner
            .post(app.url(&reports))
            .form(&[
                ("csrf", csrf_of(&page).as_str()),
                ("month", "2026-11"),
                ("lang", "ja"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(made.status(), 303);
        let page = page_text(&app, &owner, &location(&made)).await;
        assert!(page.contains("レポートを作成しました"));
        assert!(
            page.contains("2026&#x2f;11"),
            "the month as pages write dates"
        );
        let list = app
            .store
            .org_store(&mamori_model::Scope::AllOrganisations, &org)
            .await
            .unwrap()
            .reports()
            .list()
            .await
            .unwrap();
        assert_eq!(list.len(), 1);
        let report = &list[0];
        assert_eq!(report.trigger, "web");

        let pdf = owner
            .get(app.url(&format!("{reports}/{}/pdf", report.id)))
            .send()
            .await
            .unwrap();
        assert_eq!(pdf.status(), 200);
        assert_eq!(pdf.headers()["content-type"], "application/pdf");
        assert_eq!(pdf.headers()["x-content-sha256"], report.sha256.as_str());
        assert!(pdf.bytes().await.unwrap().starts_with(b"%PDF"));
        let html = page_text(&app, &owner, &format!("{reports}/{}/html", report.id)).await;
        assert!(html.contains("月次セキュリティレポート") && html.contains("アルファ工業"));

        let refused = owner
            .post(app.url(&format!("{reports}/settings")))
            .form(&[
                ("csrf", csrf_of(&page).as_str()),
                ("recipients", "boss-at-alpha"),
                ("lang", "ja"),
                ("delivery", "attachment"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(refused.status(), 422);
        assert!(
            refused
                .text()
                .await
                .unwrap()
                .contains("「boss-at-alpha」はメールアドレスの形になっていません")
        );
        let saved = owner
            .post(app.url(&format!("{reports}/settings")))
            .form(&[
                ("csrf", csrf_of(&page).as_str()),
                ("recipients", "boss@alpha.example, it@alpha.example"),
                ("lang", "en"),
                ("delivery", "link"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(saved.status(), 303);
        let settings = app
            .store
            .org_store(&mamori_model::Scope::AllOrganisations, &org)
            .await
            .unwrap()
            .reports()
            .settings()
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            settings.recipients,
            ["boss@alpha.example", "it@alpha.example"]
        );
        assert_eq!(
            (settings.lang.as_str(), settings.delivery.as_str()),
            ("en", "link")
        );

        // Another organisation's owner sees none of it.
        let other = common::create_org(&app, &admin, "ベータ商事").await;
        let stranger = common::invite_and_accept(
            &app,
            &admin,
            &other,
            "owner@beta.example",
            "owner",
            "owner password 34",
        )
        .await;
        for path in [reports.clone(), format!("{reports}/{}/pdf", report.id)] {
            let r = stranger.get(app.url(&path)).send().await.unwrap();
            assert_eq!(r.status(), 404, "{path} on {}", app.backend);
        }

        // The API: list, detail with figures, the PDF; another tenant's token gets 404.
        let token = tenants::owner_token(&app.store, &org, "api@alpha.example").await;
        let api = reqwest::Client::new();
        let listed: serde_json::Value = api
            .get(app.url(&format!("/api/v1/orgs/{org}/reports")))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(listed["reports"][0]["id"], report.id.as_str());
        let detail: serde_json::Value = api
            .get(app.url(&format!("/api/v1/reports/{}", report.id)))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(detail["data"]["figures"]["events"], 0);
        assert_eq!(
            detail["data"]["status"], "amber",
            "no source is registered yet"
        );
        let other_token = tenants::owner_token(&app.store, &other, "api@beta.example").await;
        let denied = api
            .get(app.url(&format!("/api/v1/reports/{}", report.id)))
            .bearer_auth(&other_token)
            .send()
            .await
            .unwrap();
        assert_eq!(denied.status(), 404);
        app.stop().await;
    }
}

#[tokio::test]
async fn owner_downloads_a_report_in_a_real_browser() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let app = TestApp::spawn(TestDatabase::sqlite()).await;
    let (_, org, _) = org_with_owner(&app, "アルファ工業").await;
    sign_in(&browser, &app, "owner@alpha.example", "owner password 12").await;
    browser
        .client
        .goto(&app.url(&format!("/orgs/{org}/reports")))
        .await
        .unwrap();
    browser
        .wait_for_text("main", "まだレポートはありません")
        .await;
    browser.click("#make-report-button").await;
    browser
        .wait_for_text("#report-made", "レポートを作成しました")
        .await;
    let link = browser
        .client
        .find(fantoccini::Locator::Css("#report-list a.pdf"))
        .await
        .unwrap()
        .attr("href")
        .await
        .unwrap()
        .expect("a PDF link");
    let (status, content_type, head) = browser.download(&link).await;
    assert_eq!(status, 200);
    assert_eq!(content_type, "application/pdf");
    assert_eq!(&head[..5], b"%PDF-");
    browser.screenshot("reports-list").await;
    browser.close().await;
    app.stop().await;
}
