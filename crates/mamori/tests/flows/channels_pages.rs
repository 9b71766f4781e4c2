//! The notification pages with a real server and a real webhook listener: a company with
//! no channel is flagged in red on the console, the owner adds a webhook, the test button
//! reports it delivered, a broken setting is refused with the reason, and other tenants
//! cannot see the page.

use crate::common;

use std::time::Duration;

use crate::common::{TestApp, csrf_of, location, org_with_owner, page_text};
use mamori_testkit::TestDatabase;
use mamori_testkit::webhook::WebhookSink;

#[tokio::test]
async fn owner_adds_a_webhook_and_the_test_proves_it() {
    for db in TestDatabase::all().await {
        let app = TestApp::spawn(db).await;
        let (admin, org, owner) = org_with_owner(&app, "アルファ工業").await;
        let console = page_text(&app, &admin, "/console/orgs").await;
        assert!(console.contains("通知先がありません"), "{}", app.backend);
        let channels = format!("/orgs/{org}/channels");
        let page = page_text(&app, &owner, &channels).await;
        assert!(page.contains("このままではアラートが誰にも届きません"));

        let sink = WebhookSink::start().await;
        let added = owner
            .post(app.url(&channels))
            .form(&[
                ("csrf", csrf_of(&page).as_str()),
                ("kind", "webhook"),
                ("url", &sink.url("/hook")),
                ("secret", "s3cret"),
                ("min_severity", "high"),
                ("quiet_start", ""),
                ("quiet_end", ""),
                ("lang", "ja"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(added.status(), 303);
        assert_eq!(location(&added), format!("{channels}?done=channel_added"));
        let page = page_text(&app, &owner, &location(&added)).await;
        assert!(
            page.contains("通知先を追加しました。"),
            "the page confirms it"
        );
        assert!(
            page.contains("まだ確認していません"),
            "untested until the test"
        );
        assert!(!page.contains("s3cret"), "the secret is never shown");

        let refused = owner
            .post(app.url(&channels))
            .form(&[
                ("csrf", csrf_of(&page).as_str()),
                ("kind", "email"),
                ("to", "it-at-alpha.example"),
                ("quiet_start", "22:00"),
                ("quiet_end", ""),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(refused.status(), 422);
        let body = refused.text().await.unwrap();
        assert!(body.contains("通知先の設定が正しくありません"), "{body}");

        let tested = owner
            .post(app.url(&format!("{channels}/test")))
            .form(&[("csrf", csrf_of(&page).as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(tested.status(), 200);
        let result = tested.text().await.unwrap();
        assert!(result.contains("届きました"), "{result}");
        let request = &sink.wait_for(1, Duration::from_secs(10)).await[0];
        assert_eq!(request.json()["type"], "test");
        assert!(request.header("x-mamori-signature").is_some());
        let console = page_text(&app, &admin, "/console/orgs").await;
        assert!(
            !console.contains("通知先がありません"),
            "alpha's route is proven now"
        );
        assert!(console.contains("1件とも届いています"));

        // When the receiver breaks, the owner reads why in plain words, with the exact answer
        // folded away for whoever fixes it; the channel list and its log say the same.
        sink.respond_with(500);
        // A channel's last success and failure are kept to the second; let this failure be
        // the later one.
        tokio::time::sleep(Duration::from_millis(1100)).await;
        let page = page_text(&app, &owner, &channels).await;
        let failed = owner
            .post(app.url(&format!("{channels}/test")))
            .form(&[("csrf", csrf_of(&page).as_str())])
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let plain = "送り先の URL がエラーを返しました";
        assert!(failed.contains(plain), "{failed}");
        assert!(
            failed.contains("詳しい内容") && failed.contains("HTTP 500"),
            "{failed}"
        );
        let page = page_text(&app, &owner, &channels).await;
        assert!(page.matches(plain).count() >= 2, "list and log: {page}");
        assert!(
            !page.contains("answered HTTP 500</p>"),
            "no bare English reason"
        );

        let other = common::create_org(&app, &admin, "ベータ商事").await;
        let stranger = common::invite_and_accept(
            &app,
            &admin,
            &other,
            "owner@beta.example",
            "owner",
            "beta password 123",
        )
        .await;
        let peek = stranger.get(app.url(&channels)).send().await.unwrap();
        assert_eq!(
            peek.status(),
            404,
            "another tenant's channels are not found"
        );
        app.stop().await;
    }
}
