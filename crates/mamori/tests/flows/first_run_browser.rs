//! The first-run experience in a real browser: setup, first organisation, invitation, and the
//! owner's first sign-in.

use crate::common::TestApp;
use crate::common::browser::Browser;
use mamori_testkit::TestDatabase;

#[tokio::test]
async fn setup_then_organisation_then_owner_signs_in() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let app = TestApp::spawn(TestDatabase::sqlite()).await;

    browser.client.goto(&app.url("/")).await.unwrap();
    browser.wait_for_path(|p| p == "/setup").await;
    browser.screenshot("01-setup").await;
    browser
        .fill("input[name=provider_name]", "守りサービス株式会社")
        .await;
    browser.fill("input[name=admin_name]", "山田 花子").await;
    browser
        .fill("input[name=email]", "admin@mamori.example")
        .await;
    browser
        .fill("input[name=password]", "admin password 123")
        .await;
    browser
        .fill("input[name=password_confirm]", "admin password 123")
        .await;
    browser.click("form button.primary").await;
    browser.wait_for_path(|p| p == "/console/orgs").await;
    browser.screenshot("02-console-empty").await;
    let main = browser.text("main").await;
    assert!(main.contains("まだ利用企業が登録されていません"), "{main}");
    browser.screenshot("02-console-empty").await;

    browser
        .fill("#new-org input[name=name]", "アルファ工業株式会社")
        .await;
    browser.choose("#new-org select[name=industry]", "E").await;
    browser
        .choose("#new-org select[name=employees]", "21-50")
        .await;
    browser
        .fill("#new-org input[name=contact_email]", "info@alpha.example")
        .await;
    browser.click("#new-org button.primary").await;
    let org_path = browser.wait_for_path(|p| p.starts_with("/orgs/")).await;
    assert!(browser.text("h1").await.contains("アルファ工業株式会社"));
    assert!(browser.text("main").await.contains("製造業"));

    browser
        .fill(
            "form[action$='/users'] input[name=email]",
            "owner@alpha.example",
        )
        .await;
    browser
        .fill(
            "form[action$='/users'] input[name=display_name]",
            "佐藤 一郎",
        )
        .await;
    browser
        .choose("form[action$='/users'] select[name=role]", "owner")
        .await;
    browser.click("form[action$='/users'] button.primary").await;
    browser.wait_for_path(|p| p.ends_with("/users")).await;
    let link = browser
        .client
        .find(fantoccini::Locator::Css("input.copy"))
        .await
        .unwrap()
        .attr("value")
        .await
        .unwrap()
        .expect("invitation link");
    let copy = browser
        .client
        .find(fantoccini::Locator::Css("button[data-copy=link]"))
        .await
        .expect("a copy button");
    assert!(copy.is_displayed().await.unwrap(), "the copy button shows");
    browser.screenshot("03-invitation").await;

    browser.click("header form[action='/logout'] button").await;
    browser.wait_for_path(|p| p == "/login").await;

    browser.client.goto(&link).await.unwrap();
    assert!(browser.text("h1").await.contains("佐藤 一郎"));
    browser
        .fill("input[name=password]", "owner password 1")
        .await;
    browser
        .fill("input[name=password_confirm]", "owner password 1")
        .await;
    browser.click("form button.primary").await;
    browser.wait_for_path(|p| p == org_path).await;
    assert!(browser.text("h1").await.contains("アルファ工業株式会社"));
    assert!(
        browser
            .text(".whoami")
            .await
            .contains("佐藤 一郎（責任者）")
    );
    browser.screenshot("04-owner-home").await;

    // Sign out, then sign in again through the login form.
    browser.click("header form[action='/logout'] button").await;
    browser.wait_for_path(|p| p == "/login").await;
    browser
        .fill("input[name=email]", "owner@alpha.example")
        .await;
    browser
        .fill("input[name=password]", "owner password 1")
        .await;
    browser.click("form button.primary").await;
    browser.wait_for_path(|p| p == org_path).await;

    // A phone-sized window still shows the page without sideways scrolling.
    browser.client.set_window_size(390, 844).await.unwrap();
    let overflow = browser
        .client
        .execute(
            "return document.documentElement.scrollWidth <= window.innerWidth + 1;",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(
        overflow,
        serde_json::Value::Bool(true),
        "page fits a phone screen"
    );
    browser.screenshot("05-owner-phone").await;

    browser.close().await;
    app.stop().await;
}
