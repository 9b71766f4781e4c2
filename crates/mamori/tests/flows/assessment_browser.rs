//! The self-assessment in a real browser: an owner answers all three parts, one screen at a
//! time, and reads the result with its charts, problems and advice.

use crate::common;

use crate::common::TestApp;
use crate::common::browser::Browser;
use mamori_testkit::TestDatabase;

#[tokio::test]
async fn owner_completes_the_assessment_and_sees_the_result() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let app = TestApp::spawn(TestDatabase::sqlite()).await;
    let (_, org, _) = common::org_with_owner(&app, "アルファ工業株式会社").await;

    browser.client.goto(&app.url("/login")).await.unwrap();
    browser
        .fill("input[name=email]", "owner@alpha.example")
        .await;
    browser
        .fill("input[name=password]", "owner password 12")
        .await;
    browser.click("form button.primary").await;
    browser.wait_for_path(|p| p == format!("/orgs/{org}")).await;

    // From the navigation to the hub, then into the questionnaire.
    browser
        .click(&format!("nav a[href='/orgs/{org}/assessment']"))
        .await;
    browser.wait_for_path(|p| p.ends_with("/assessment")).await;
    browser.screenshot("assessment-01-hub").await;
    browser.click("a.button.primary").await;
    browser
        .wait_for_path(|p| p.ends_with("/assessment/answer"))
        .await;
    assert!(browser.text("h1").await.contains("パート 1（全3パート）"));

    // Part 1: everything in place except item 4; the explanation opens on demand.
    browser.click("#q1 details summary").await;
    browser.screenshot("assessment-02-part1").await;
    for n in 1..=5 {
        let word = if n == 4 { "no" } else { "yes" };
        browser
            .click(&format!("input[name=q{n}][value={word}]"))
            .await;
    }
    browser.click("button[value=next]").await;
    browser.wait_for_text("h1", "パート 2（全3パート）").await;
    assert!(browser.text(".progress").await.contains("5問"));
    for n in 6..=18 {
        browser
            .click(&format!("input[name=q{n}][value=partial]"))
            .await;
    }
    browser.click("button[value=next]").await;
    browser.wait_for_text("h1", "パート 3（全3パート）").await;
    for n in 19..=25 {
        browser.click(&format!("input[name=q{n}][value=yes]")).await;
    }
    browser.screenshot("assessment-03-part3").await;
    browser.click("button[value=finish]").await;
    let result_path = browser
        .wait_for_path(|p| p.contains("/assessment/") && !p.ends_with("/answer"))
        .await;
    assert!(result_path.starts_with(&format!("/orgs/{org}/assessment/")));

    // 4 yes ×4 + 1 no + 13 partial ×2 + 7 yes ×4 = 16 + 26 + 28 = 70.
    assert!(browser.text("#total").await.contains("合計 70点"));
    let problems = browser.text("#problems").await;
    assert!(
        problems.contains("重要情報を見られる人の制限"),
        "{problems}"
    );
    assert!(problems.contains("最初の一歩"));
    assert!(browser.text("#peers").await.contains("5社分そろうと"));
    browser.screenshot("assessment-04-result").await;
    browser
        .client
        .execute(
            "document.querySelector('.charts').scrollIntoView();",
            vec![],
        )
        .await
        .unwrap();
    browser.screenshot("assessment-04b-result-charts").await;

    // The hub now shows the trend, and the result fits a phone screen.
    browser
        .client
        .goto(&app.url(&format!("/orgs/{org}/assessment")))
        .await
        .unwrap();
    assert!(browser.text("main").await.contains("これまでの結果"));
    browser.screenshot("assessment-05-hub-after").await;
    browser.client.goto(&app.url(&result_path)).await.unwrap();
    browser.client.set_window_size(390, 844).await.unwrap();
    let fits = browser
        .client
        .execute(
            "return document.documentElement.scrollWidth <= window.innerWidth + 1;",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(
        fits,
        serde_json::Value::Bool(true),
        "result fits a phone screen"
    );
    browser.screenshot("assessment-06-result-phone").await;

    browser.close().await;
    app.stop().await;
}
