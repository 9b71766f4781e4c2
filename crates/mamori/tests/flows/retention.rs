//! Log retention per organisation through the organisation page: everyone who may see the
//! organisation reads how long its logs are kept; only the provider's administrator changes
//! it; bad numbers are refused with the allowed range; the change is audited.

use crate::common::{TestApp, csrf_of, location, org_with_owner, page_text};
use mamori_model::Scope;
use mamori_testkit::TestDatabase;

#[tokio::test]
async fn retention_is_shown_to_members_and_set_by_the_administrator() {
    for db in TestDatabase::all().await {
        let app = TestApp::spawn(db).await;
        let (admin, org, owner) = org_with_owner(&app, "アルファ工業").await;
        let path = format!("/orgs/{org}");
        let page = owner.get(app.url(&path)).send().await.unwrap();
        let html = page.text().await.unwrap();
        assert!(html.contains("90日間"), "default shown on {}", app.backend);
        assert!(!html.contains("/retention\""), "owners get no form");
        let refused = owner
            .post(app.url(&format!("{path}/retention")))
            .form(&[("csrf", csrf_of(&html).as_str()), ("days", "30")])
            .send()
            .await
            .unwrap();
        assert_eq!(refused.status(), 403);

        let html = page_text(&app, &admin, &path).await;
        let csrf = csrf_of(&html);
        let bad = admin
            .post(app.url(&format!("{path}/retention")))
            .form(&[("csrf", csrf.as_str()), ("days", "0")])
            .send()
            .await
            .unwrap();
        assert_eq!(bad.status(), 422);
        assert!(bad.text().await.unwrap().contains("3650"));
        let saved = admin
            .post(app.url(&format!("{path}/retention")))
            .form(&[("csrf", csrf.as_str()), ("days", "400")])
            .send()
            .await
            .unwrap();
        assert_eq!(saved.status(), 303);
        assert_eq!(location(&saved), format!("{path}?done=retention_saved"));
        assert!(
            page_text(&app, &admin, &location(&saved))
                .await
                .contains("ログの保存期間を変更しました。")
        );
        assert_eq!(
            app.store
                .org_store(&Scope::AllOrganisations, &org)
                .await
                .unwrap()
                .events()
                .retention_days()
                .await
                .unwrap(),
            400
        );
        let html = page_text(&app, &owner, &path).await;
        assert!(
            html.contains("400日間"),
            "new value shown on {}",
            app.backend
        );
        app.stop().await;
    }
}
