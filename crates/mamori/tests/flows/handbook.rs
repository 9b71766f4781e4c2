//! Confirming the handbook without an account: the owner puts a name on the list and makes a
//! personal link; the person opens it without signing in, reads the current handbook and
//! confirms once; the owner sees the confirmation; the link then opens nothing, and a link
//! made again replaces the old one.

use mamori_model::Scope;
use mamori_store::Actor;
use mamori_testkit::TestDatabase;

use crate::common::{TestApp, csrf_of, org_with_owner, page_text};

/// Issues version 1 of a short handbook for `org`.
async fn issue_handbook(app: &TestApp, org: &str) {
    let handle = app
        .store
        .org_store(&Scope::AllOrganisations, org)
        .await
        .unwrap();
    let docs = handle.documents();
    let cli = Actor::cli();
    docs.approve_draft(&cli, "handbook", "ja", "山田")
        .await
        .unwrap();
    let handbook = serde_json::json!({
        "kind": "handbook", "lang": "ja", "edition": "3.1",
        "title": "情報セキュリティハンドブック", "company": "アルファ工業", "stamp": "",
        "intro": ["パスワードは10文字以上にしてください。"], "sections": [], "footer": []
    });
    docs.issue(&cli, "handbook", &handbook.to_string())
        .await
        .unwrap();
}

/// The link shown once on the page after `action=link` for `reader`.
async fn make_link(app: &TestApp, owner: &reqwest::Client, org: &str, reader: &str) -> String {
    let readers = format!("/orgs/{org}/documents/handbook/readers");
    let csrf = csrf_of(&page_text(app, owner, &readers).await);
    let response = owner
        .post(app.url(&readers))
        .form(&[
            ("csrf", csrf.as_str()),
            ("action", "link"),
            ("reader", reader),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let page = response.text().await.unwrap();
    // Pages write "/" as "&#x2f;".
    let marker = "&#x2f;read&#x2f;";
    let start = page.find(marker).expect("the link is shown");
    let token: String = page[start + marker.len()..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect();
    format!("/read/{token}")
}

#[tokio::test]
async fn someone_without_an_account_confirms_the_handbook_through_a_personal_link() {
    for db in TestDatabase::all().await {
        let app = TestApp::spawn(db).await;
        let (_admin, org, owner) = org_with_owner(&app, "アルファ工業").await;
        let handle = app
            .store
            .org_store(&Scope::AllOrganisations, &org)
            .await
            .unwrap();
        let docs = handle.documents();
        docs.add_reader(&Actor::cli(), "パート 田中").await.unwrap();
        issue_handbook(&app, &org).await;
        let tanaka = docs.readers().await.unwrap();
        let tanaka = tanaka.iter().find(|r| !r.has_account).unwrap().key.clone();

        let first = make_link(&app, &owner, &org, &tanaka).await;
        let link = make_link(&app, &owner, &org, &tanaka).await;
        let stranger = reqwest::Client::new();
        let old = stranger.get(app.url(&first)).send().await.unwrap();
        assert_eq!(
            old.status().as_u16(),
            404,
            "a newer link replaces the old one"
        );

        // Opened without signing in: the handbook, addressed to the person, and one button.
        let opened = stranger.get(app.url(&link)).send().await.unwrap();
        assert_eq!(opened.status().as_u16(), 200);
        let page = opened.text().await.unwrap();
        assert!(
            page.contains(
                "パート 田中 さん、アルファ工業 の情報セキュリティハンドブック（第1版）です。"
            ) && page.contains("パスワードは10文字以上にしてください。")
                && page.contains("読んで内容を確認しました"),
            "on {}",
            app.backend
        );
        let confirmed = stranger.post(app.url(&link)).send().await.unwrap();
        assert_eq!(confirmed.status().as_u16(), 200);
        assert!(
            confirmed
                .text()
                .await
                .unwrap()
                .contains("パート 田中 さん、確認ありがとうございました。")
        );

        let readers = page_text(
            &app,
            &owner,
            &format!("/orgs/{org}/documents/handbook/readers"),
        )
        .await;
        assert!(readers.contains("1人が確認済み"), "{readers}");
        for used in [
            stranger.get(app.url(&link)).send().await.unwrap(),
            stranger.post(app.url(&link)).send().await.unwrap(),
        ] {
            assert_eq!(used.status().as_u16(), 404, "a link works once");
        }
        let guessed = stranger
            .get(app.url("/read/not-a-token"))
            .send()
            .await
            .unwrap();
        assert_eq!(guessed.status().as_u16(), 404);
        app.stop().await;
    }
}

#[tokio::test]
async fn members_who_have_not_confirmed_are_reminded_by_mail() {
    use mamori_testkit::smtp::SmtpSink;
    use std::time::Duration;

    let smtp = SmtpSink::start().await;
    let smtp_url = smtp.url();
    let app = TestApp::spawn_with(
        TestDatabase::sqlite(),
        &[
            "--smtp-url",
            &smtp_url,
            "--smtp-from",
            "mamori <alerts@provider.example>",
        ],
    )
    .await;
    let (_admin, org, owner) = org_with_owner(&app, "アルファ工業").await;
    let readers = format!("/orgs/{org}/documents/handbook/readers");
    let before = page_text(&app, &owner, &readers).await;
    assert!(
        !before.contains("メールで知らせる"),
        "nothing to remind before an issue"
    );
    issue_handbook(&app, &org).await;
    let page = page_text(&app, &owner, &readers).await;
    assert!(
        page.contains("まだ確認していない 1人にメールで知らせる"),
        "{page}"
    );
    let csrf = csrf_of(&page);
    let response = owner
        .post(app.url(&readers))
        .form(&[("csrf", csrf.as_str()), ("action", "remind")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("1人にメールを送りました。送れなかったのは 0人です")
    );
    let mails = smtp.wait_for(1, Duration::from_secs(30)).await;
    assert_eq!(mails[0].to, ["owner@alpha.example"]);
    assert_eq!(
        mails[0].subject(),
        "[mamori] お知らせ: 情報セキュリティハンドブック（第1版）を読んでください — アルファ工業"
    );
    let body = mails[0].text_body();
    assert!(
        body.contains(&app.url(&format!("/orgs/{org}/documents/handbook"))),
        "{body}"
    );
    app.stop().await;
}
