//! The road to two stars in a real browser: the owner confirms the five rules, answers the
//! self-assessment, enters the company details, adds a sentence of their own to the basic
//! policy, approves, issues and publishes it, reads it at its public address without signing
//! in, and finds both stars' steps complete on the declaration kit. Then the handbook: the
//! owner issues it, a part-timer without an account confirms it through a personal link, and
//! the owner's list shows one of two confirmed.

use mamori_testkit::TestDatabase;

use serde_json::json;

use crate::assessments::answers;
use crate::common::browser::{Browser, sign_in};
use crate::common::{TestApp, api, org_with_owner};
use crate::documents::fill_params;

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

#[tokio::test]
async fn the_owner_issues_the_handbook_and_a_part_timer_confirms_it_through_a_link() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let app = TestApp::spawn(TestDatabase::sqlite()).await;
    let (_, org, _) = org_with_owner(&app, "アルファ工業株式会社").await;
    fill_params(&app, &org).await;
    // The handbook follows a completed self-assessment (answered through the API here; the
    // walk above answers one in the browser).
    let owner = app
        .store
        .user_by_email("owner@alpha.example")
        .await
        .unwrap()
        .expect("the owner");
    let (_, token) = app
        .store
        .create_token(&mamori_store::Actor::cli(), &owner, "test")
        .await
        .unwrap();
    let (status, _) = api(
        &app,
        reqwest::Method::POST,
        &format!("/api/v1/orgs/{org}/assessments"),
        &token,
        Some(json!({"answers": answers(20)})),
    )
    .await;
    assert_eq!(status, 201);
    sign_in(&browser, &app, "owner@alpha.example", "owner password 12").await;
    let go = |path: String| {
        let url = app.url(&path);
        let client = browser.client.clone();
        async move { client.goto(&url).await.expect("page") }
    };

    // Approved and issued as version 1.
    go(format!("/orgs/{org}/documents/handbook")).await;
    assert!(
        browser.text("#preview").await.contains("整備中"),
        "items 21-25 are flagged"
    );
    browser.fill("#approver", "山田 太郎").await;
    browser.click("#approve-draft").await;
    browser.wait_for_text("#draft-approved", "").await;
    browser.click("#issue-version").await;
    browser.wait_for_text("#version-issued", "第1版").await;

    // A part-timer without an account goes on the list and gets a personal link.
    go(format!("/orgs/{org}/documents/handbook/readers")).await;
    browser.fill("#reader-name", "パート 田中").await;
    browser.click("#add-reader").await;
    browser.wait_for_text("#readers", "パート 田中").await;
    browser.click("#readers tr.unread button[value=link]").await;
    browser.wait_for_text("h1", "パート 田中").await;
    let link = browser
        .client
        .execute("return document.getElementById('link').value;", vec![])
        .await
        .expect("the link")
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(link.contains("/read/"), "{link}");

    // The part-timer opens it in a browser without any session and confirms.
    browser.client.delete_all_cookies().await.unwrap();
    let link = match link.split_once("/read/") {
        Some((_, token)) => app.url(&format!("/read/{token}")),
        None => link,
    };
    browser.client.goto(&link).await.unwrap();
    assert!(browser.text("body").await.contains("パート 田中 さん"));
    browser.click("#confirm-read-button").await;
    browser
        .wait_for_text("#read-confirmed", "確認ありがとうございました")
        .await;

    // The owner sees one of two confirmed: the part-timer has, the owner has not.
    sign_in(&browser, &app, "owner@alpha.example", "owner password 12").await;
    go(format!("/orgs/{org}/documents/handbook/readers")).await;
    assert_eq!(browser.text("#read-count").await, "2人中 1人が確認済み");
    browser.screenshot("handbook-readers").await;
    browser.close().await;
    app.stop().await;
}
