//! The road to two stars in a real browser: the owner confirms the five rules, answers the
//! self-assessment, enters the company details, adds a sentence of their own to the basic
//! policy, approves, issues and publishes it, reads it at its public address without signing
//! in, and finds both stars' steps complete on the declaration kit.

use mamori_testkit::TestDatabase;

use crate::common::browser::{Browser, sign_in};
use crate::common::{TestApp, org_with_owner};

#[tokio::test]
async fn the_owner_walks_the_road_to_two_stars() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let app = TestApp::spawn(TestDatabase::sqlite()).await;
    let (_, org, _) = org_with_owner(&app, "アルファ工業株式会社").await;
    sign_in(&browser, &app, "owner@alpha.example", "owner password 12").await;
    let go = |path: String| {
        let url = app.url(&path);
        let client = browser.client.clone();
        async move { client.goto(&url).await.expect("page") }
    };

    // One star: the five rules.
    go(format!("/orgs/{org}/rules")).await;
    browser.click("#acknowledge button.primary").await;
    browser
        .wait_for_text("#acknowledge", "取り組むことを確認しました")
        .await;

    // The self-assessment, one part per screen.
    go(format!("/orgs/{org}/assessment/answer")).await;
    for (items, button) in [(1..=5, "next"), (6..=18, "next"), (19..=25, "finish")] {
        for n in items {
            browser.click(&format!("input[name=q{n}][value=yes]")).await;
        }
        browser.click(&format!("button[value={button}]")).await;
        if button == "next" {
            browser.wait_for_text(".progress", "問").await;
        }
    }
    browser
        .wait_for_path(|p| p.contains("/assessment/") && !p.ends_with("/answer"))
        .await;

    // The company details the policy needs.
    go(format!("/orgs/{org}/documents/params")).await;
    browser
        .fill("#param-representative_title", "代表取締役")
        .await;
    browser
        .fill("#param-representative_name", "山田 太郎")
        .await;
    browser
        .client
        .execute(
            "document.getElementById('param-established_on').value = '2026-04-01';",
            vec![],
        )
        .await
        .expect("set the date");
    browser.choose("#param-scope", "both").await;
    browser.click("#save-params").await;
    browser.wait_for_text("#params-saved", "").await;

    // The draft with a sentence of the owner's own, approved, issued and published.
    go(format!("/orgs/{org}/documents/policy")).await;
    browser
        .click("#draft-form details.section-edit summary")
        .await;
    browser
        .fill(
            "#draft-form details.section-edit textarea",
            "当社は毎月、対策の実施状況を全員で確かめます。",
        )
        .await;
    // Typing is saved on its own after a pause.
    browser
        .wait_for_text("#autosave-status", "自動で保存しました")
        .await;
    browser.click("#save-draft").await;
    browser.wait_for_text("#draft-saved", "").await;
    assert!(browser.text("#preview").await.contains("全員で確かめます"));
    browser.click("#approve-draft").await;
    browser.wait_for_text("#draft-approved", "").await;
    browser.click("#issue-version").await;
    browser.wait_for_text("#version-issued", "").await;
    browser.click("#publish-policy").await;
    browser.wait_for_text("#policy-published", "").await;
    let public_url = browser.text("#public-url").await;
    assert!(public_url.contains("/public/"), "{public_url}");
    assert!(browser.text("#link-snippet").await.contains(&public_url));
    browser.screenshot("two-stars-01-published").await;

    // Anyone can read it without signing in.
    browser.client.delete_all_cookies().await.unwrap();
    browser.client.goto(&public_url).await.unwrap();
    let public = browser.text("body").await;
    assert!(public.contains("アルファ工業株式会社"), "{public}");
    assert!(public.contains("全員で確かめます"), "{public}");
    assert!(public.contains("山田 太郎"), "{public}");

    // Both stars' steps are complete.
    sign_in(&browser, &app, "owner@alpha.example", "owner password 12").await;
    go(format!("/orgs/{org}/security-action")).await;
    browser
        .wait_for_text("#two-stars-ready", "二つ星を宣言する準備ができています")
        .await;
    let copy = browser
        .client
        .find(fantoccini::Locator::Css("button[data-copy=kit-company]"))
        .await
        .expect("a copy button for the company name");
    assert!(copy.is_displayed().await.unwrap());
    assert!(!browser.client.title().await.unwrap().contains("<script"));
    browser.screenshot("two-stars-02-kit").await;
    browser.close().await;
    app.stop().await;
}
