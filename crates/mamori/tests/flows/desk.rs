//! The consultation desk: the provider's administrator sets it once, an incomplete desk is
//! refused with the reason, and client companies then see how to reach it on their home page;
//! nobody but an administrator may change it.

use crate::common::{TestApp, csrf_of, location, org_with_owner, page_text};
use mamori_testkit::TestDatabase;

#[tokio::test]
async fn the_administrator_sets_the_desk_and_companies_see_it() {
    for db in TestDatabase::all().await {
        let app = TestApp::spawn(db).await;
        let (admin, org, owner) = org_with_owner(&app, "アルファ工業").await;
        let home = format!("/orgs/{org}");
        assert!(
            !page_text(&app, &owner, &home)
                .await
                .contains("困ったときの相談窓口")
        );

        let page = page_text(&app, &admin, "/console/desk").await;
        let send = |fields: Vec<(&'static str, &'static str)>| {
            let (admin, url, csrf) = (admin.clone(), app.url("/console/desk"), csrf_of(&page));
            async move {
                let mut form = vec![("csrf", csrf.as_str())];
                form.extend(fields);
                admin.post(url).form(&form).send().await.expect("post")
            }
        };
        let incomplete = send(vec![("name", "守りサービス 相談窓口")]).await;
        assert_eq!(incomplete.status(), 422, "{}", app.backend);
        assert!(
            incomplete
                .text()
                .await
                .unwrap()
                .contains("電話番号かメールアドレス")
        );
        let saved = send(vec![
            ("name", "守りサービス 相談窓口"),
            ("phone", "03-1234-5678"),
            ("email", "Desk@Mamori.example"),
            ("hours", "平日 9:00〜18:00"),
            ("after_hours_phone", "090-0000-1111"),
        ])
        .await;
        assert_eq!(saved.status(), 303);
        assert_eq!(location(&saved), "/console/desk?saved=1");
        assert!(
            page_text(&app, &admin, &location(&saved))
                .await
                .contains("相談窓口を保存しました")
        );

        let home = page_text(&app, &owner, &home).await;
        for shown in [
            "困ったときの相談窓口",
            "守りサービス 相談窓口",
            "03-1234-5678",
            "desk@mamori.example",
            "090-0000-1111",
        ] {
            assert!(
                home.contains(shown),
                "{shown} on the home page ({})",
                app.backend
            );
        }
        let refused = owner.get(app.url("/console/desk")).send().await.unwrap();
        assert_eq!(refused.status(), 403, "only administrators set the desk");
        assert!(
            page_text(&app, &admin, "/console/audit")
                .await
                .contains("相談窓口の変更")
        );
        app.stop().await;
    }
}
