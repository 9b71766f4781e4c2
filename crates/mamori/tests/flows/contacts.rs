//! The contacts directory: the provider's administrator corrects a published number, sets a
//! reporting deadline and adds an own entry on the console; incident pages, the API and the
//! incident report then show them; bad entries are refused with the reason and change
//! nothing; only administrators change the directory; an edit can be undone.

use reqwest::Method;
use serde_json::{Value, json};

use crate::common::tenants::{admin_token, owner_token};
use crate::common::{TestApp, api, csrf_of, location, org_with_owner, page_text};
use mamori_testkit::TestDatabase;

const POLICE: [(&str, &str); 6] = [
    ("name_ja", "北海道警察 サイバー犯罪相談窓口"),
    ("purpose_ja", "犯罪のおそれがあるときの相談・被害の届け出"),
    ("phone", "011-222-3333"),
    ("source", "北海道警察のウェブサイト"),
    ("as_of", "2026-12"),
    ("report_within_days", ""),
];

fn entry<'a>(list: &'a Value, key: &str) -> &'a Value {
    list.as_array()
        .and_then(|all| all.iter().find(|c| c["key"] == key))
        .unwrap_or_else(|| panic!("{key} in {list}"))
}

#[tokio::test]
async fn the_administrator_keeps_the_directory_and_incidents_follow_it() {
    for db in TestDatabase::all().await {
        let app = TestApp::spawn(db).await;
        let (admin, org, owner) = org_with_owner(&app, "アルファ工業").await;
        let listing = page_text(&app, &admin, "/console/contacts").await;
        for shown in [
            "個人情報保護委員会",
            "03-6457-9849",
            "公表どおり",
            "2021年時点",
        ] {
            assert!(listing.contains(shown), "{shown} ({})", app.backend);
        }
        let csrf = csrf_of(&listing);
        let post = |path: &str, fields: Vec<(&'static str, &'static str)>| {
            let (admin, url, csrf) = (admin.clone(), app.url(path), csrf.clone());
            async move {
                let mut form = vec![("csrf", csrf.as_str())];
                form.extend(fields);
                admin.post(url).form(&form).send().await.expect("post")
            }
        };

        // A number that is not a number is refused with the reason, and nothing changes.
        let mut bad = POLICE.to_vec();
        bad[2] = ("phone", "お電話ください");
        let refused = post("/console/contacts/police", bad).await;
        assert_eq!(refused.status(), 422, "{}", app.backend);
        assert!(refused.text().await.unwrap().contains("電話番号は、数字と"));
        let mut late = POLICE.to_vec();
        late[5] = ("report_within_days", "千日");
        let refused = post("/console/contacts/police", late).await;
        assert_eq!(refused.status(), 422);
        assert!(refused.text().await.unwrap().contains("1から365までの日数"));
        assert!(
            !page_text(&app, &admin, "/console/contacts")
                .await
                .contains("011-222-3333")
        );

        // Correct the police's number, set the commission's deadline, add an own entry.
        let saved = post("/console/contacts/police", POLICE.to_vec()).await;
        assert_eq!(saved.status(), 303, "{}", app.backend);
        assert_eq!(location(&saved), "/console/contacts?saved=police");
        let listing = page_text(&app, &admin, &location(&saved)).await;
        for shown in [
            "「北海道警察 サイバー犯罪相談窓口」を保存しました",
            "011-222-3333",
            "2026年12月時点の情報",
            "変更済み",
        ] {
            assert!(listing.contains(shown), "{shown}");
        }
        let ppc = post(
            "/console/contacts/ppc",
            vec![
                ("name_ja", "個人情報保護委員会"),
                ("purpose_ja", "個人データの漏えいの報告"),
                ("phone", "03-6457-9849"),
                ("web", "https://www.ppc.go.jp/"),
                ("source", "IPA 中小企業の情報セキュリティ対策ガイドライン"),
                ("as_of", "2021"),
                ("report_within_days", "3"),
            ],
        )
        .await;
        assert_eq!(ppc.status(), 303);
        let own = post(
            "/console/contacts/new",
            vec![
                ("name_ja", "顧問弁護士 山田法律事務所"),
                ("purpose_ja", "契約や損害賠償についての相談"),
                ("address", "yamada@law.example"),
            ],
        )
        .await;
        assert_eq!(own.status(), 303);
        let own_key = location(&own)
            .trim_start_matches("/console/contacts?saved=")
            .to_owned();
        assert!(own_key.starts_with("own-"), "{own_key}");
        let listing = page_text(&app, &admin, "/console/contacts").await;
        assert!(listing.contains("顧問弁護士 山田法律事務所") && listing.contains("3日以内"));

        // Only administrators change the directory.
        assert_eq!(
            owner
                .get(app.url("/console/contacts"))
                .send()
                .await
                .unwrap()
                .status(),
            403
        );
        let owner_api = owner_token(&app.store, &org, "owner2@alpha.example").await;
        let body = json!({"name_ja": "x", "purpose_ja": "y"});
        let (status, _) = api(
            &app,
            Method::PUT,
            "/api/v1/contacts/police",
            &owner_api,
            Some(body),
        )
        .await;
        assert_eq!(status, 403);

        // The company's incident shows the corrected number and the deadline.
        let incidents = format!("/api/v1/orgs/{org}/incidents");
        let report =
            json!({"category": "data_leak", "what_happened": "顧客名簿を誤送信しました。"});
        let (status, body) = api(&app, Method::POST, &incidents, &owner_api, Some(report)).await;
        assert_eq!(status, 201, "{body}");
        let iid = body["incident"]["id"].as_str().unwrap().to_owned();
        let opened = body["incident"]["created_at"].as_i64().unwrap();
        let facts = json!({"personal_data": true, "crime_suspected": true});
        let record = format!("{incidents}/{iid}/record");
        let (status, body) = api(&app, Method::PUT, &record, &owner_api, Some(facts)).await;
        assert_eq!(status, 200, "{body}");
        let duties = &body["duties"];
        let ppc = entry_by_contact(duties, "ppc");
        assert_eq!(ppc["need"], "must");
        assert_eq!(ppc["due_at"].as_i64(), Some(opened + 3 * 86_400));
        let police = entry_by_contact(duties, "police");
        assert_eq!(police["phone"], "011-222-3333");
        assert!(police["due_at"].is_null());
        let page = page_text(&app, &owner, &format!("/orgs/{org}/incidents/{iid}")).await;
        for shown in ["011-222-3333", "2026年12月時点の情報", "期限："] {
            assert!(page.contains(shown), "{shown} on the incident page");
        }
        assert!(!page.contains("期限切れ"));
        let html = page_text(
            &app,
            &owner,
            &format!("/orgs/{org}/incidents/{iid}/report/html"),
        )
        .await;
        assert!(html.contains("必ず・") && html.contains("まで"), "{html}");

        // The API lists the directory in force; an administrator corrects and undoes.
        let (_, list) = api(&app, Method::GET, "/api/v1/contacts", &owner_api, None).await;
        assert_eq!(entry(&list, "police")["origin"], "changed");
        assert_eq!(entry(&list, "ppc")["report_within_days"], 3);
        assert_eq!(entry(&list, &own_key)["origin"], "added");
        assert_eq!(entry(&list, &own_key)["address"], "yamada@law.example");
        assert_eq!(entry(&list, "jpcert")["origin"], "published");
        let admin_api = admin_token(&app.store, "admin2@provider.example").await;
        let bad_web = json!({"name_ja": "JPCERT/CC", "purpose_ja": "報告", "web": "ftp://jpcert"});
        let (status, body) = api(
            &app,
            Method::PUT,
            "/api/v1/contacts/jpcert",
            &admin_api,
            Some(bad_web),
        )
        .await;
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            (422, Some("invalid_input.bad_web"))
        );
        // Undone once; the second time there is nothing left to undo.
        for expected in [204, 404] {
            let undo = "/api/v1/contacts/police";
            let (status, _) = api(&app, Method::DELETE, undo, &admin_api, None).await;
            assert_eq!(status, expected);
        }
        let (_, list) = api(&app, Method::GET, "/api/v1/contacts", &owner_api, None).await;
        assert_eq!(entry(&list, "police")["phone"], "03-5805-1731");
        assert_eq!(entry(&list, "police")["origin"], "published");

        // Removing the own entry on the page.
        let reset = post(&format!("/console/contacts/{own_key}/reset"), vec![]).await;
        assert_eq!(reset.status(), 303);
        let listing = page_text(&app, &admin, &location(&reset)).await;
        assert!(listing.contains("変更を取り消しました"));
        assert!(!listing.contains("山田法律事務所"));
        let audit = page_text(&app, &admin, "/console/audit").await;
        assert!(audit.contains("知らせる先・相談先の変更"));
        assert!(audit.contains("知らせる先・相談先を公表の内容に戻した"));
        app.stop().await;
    }
}

fn entry_by_contact<'a>(duties: &'a Value, key: &str) -> &'a Value {
    duties
        .as_array()
        .and_then(|all| all.iter().find(|d| d["contact"] == key))
        .unwrap_or_else(|| panic!("{key} in {duties}"))
}
