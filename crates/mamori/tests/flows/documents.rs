//! The regulations and the handbook following the company: a chapter the company does not need
//! is left out only with a reason, which the issued regulations print where the chapter would
//! stand; after a new self-assessment the owner is told which handbook rules change and issues
//! the next version in one step.

use std::collections::BTreeMap;

use mamori_model::Scope;
use mamori_store::Actor;
use mamori_testkit::TestDatabase;
use serde_json::{Value, json};

use crate::assessments::answers;
use crate::common::{
    TestApp, api, create_org, csrf_of, invite_and_accept, location, org_with_owner, page_text,
    tenants::owner_token,
};

/// Every parameter the three documents need.
fn params() -> BTreeMap<String, String> {
    [
        ("representative_title", "代表取締役"),
        ("representative_name", "山田 太郎"),
        ("established_on", "2026-04-01"),
        ("scope", "both"),
        ("security_officer", "山田 太郎"),
        ("department_manager", "佐藤 花子"),
        ("system_administrator", "鈴木 一郎"),
        ("education_officer", "佐藤 花子"),
        ("inspection_officer", "高橋 次郎"),
        ("contact_name", "総務部 鈴木"),
        ("contact_phone", "03-1234-5678"),
        ("antivirus_product", "ESET Endpoint Security"),
        ("revised_on", "2026-12-01"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect()
}

/// Saves every parameter the three documents need for `org`.
pub(crate) async fn fill_params(app: &TestApp, org: &str) {
    let handle = app
        .store
        .org_store(&Scope::AllOrganisations, org)
        .await
        .unwrap();
    handle
        .documents()
        .save_params(&Actor::cli(), &params())
        .await
        .unwrap();
}

/// Posts the regulations editor form with the telework chapter left out for `reason`.
async fn leave_out_telework(
    app: &TestApp,
    owner: &reqwest::Client,
    org: &str,
    reason: &str,
) -> reqwest::Response {
    let path = format!("/orgs/{org}/documents/regulations");
    let csrf = csrf_of(&page_text(app, owner, &path).await);
    // Every removable chapter but telework stays ticked.
    let texts = mamori_policies::builtin_texts().unwrap();
    let mut form: Vec<(String, String)> = vec![
        ("csrf".into(), csrf),
        ("doc_lang".into(), "ja".into()),
        ("reason.telework".into(), reason.into()),
    ];
    for chapter in &texts.regulations.chapters {
        if chapter.id != "telework" {
            form.push((format!("include.{}", chapter.id), "on".into()));
        }
    }
    owner.post(app.url(&path)).form(&form).send().await.unwrap()
}

#[tokio::test]
async fn a_chapter_is_left_out_only_with_a_reason_the_regulations_print() {
    for db in TestDatabase::all().await {
        let app = TestApp::spawn(db).await;
        let backend = app.backend;
        let (_admin, org, owner) = org_with_owner(&app, "アルファ工業").await;
        fill_params(&app, &org).await;
        let editor = format!("/orgs/{org}/documents/regulations");

        // Unticked without a reason: the draft is kept as typed, and the page asks for the
        // reason instead of offering approval.
        let saved = leave_out_telework(&app, &owner, &org, " ").await;
        assert_eq!(saved.status().as_u16(), 303, "on {backend}");
        let page = page_text(&app, &owner, &editor).await;
        assert!(
            page.contains("id=\"unexplained\"")
                && page.contains("次の章を外す理由を書いてください: テレワークにおける対策"),
            "on {backend}: {page}"
        );
        assert!(
            !page.contains("id=\"approve-issue\""),
            "no approval offered"
        );
        let csrf = csrf_of(&page);
        let approve = owner
            .post(app.url(&format!("{editor}/approve")))
            .form(&[("csrf", csrf.as_str()), ("approver", "山田 太郎")])
            .send()
            .await
            .unwrap();
        assert_eq!(approve.status().as_u16(), 422);
        assert!(
            approve
                .text()
                .await
                .unwrap()
                .contains("理由を書くまで、規程の作成・承認・発行はできません")
        );
        let token = owner_token(&app.store, &org, "second-owner@alpha.example").await;
        let api_path = format!("/api/v1/orgs/{org}/documents/regulations");
        let (status, draft) = api(&app, reqwest::Method::GET, &api_path, &token, None).await;
        assert_eq!(status, 200, "{draft}");
        assert_eq!(draft["unexplained"], json!(["telework"]), "{draft}");
        assert!(draft["document"].is_null());

        // The API refuses the same edit outright, naming the chapter.
        let (status, body) = api(
            &app,
            reqwest::Method::PUT,
            &api_path,
            &token,
            Some(json!({"lang": "ja", "edits": {"telework": {"included": false}}})),
        )
        .await;
        assert_eq!(status, 422, "{body}");
        assert_eq!(
            body["error"]["code"], "invalid_input.document_reason",
            "{body}"
        );

        // With a reason the regulations are issued, the chapter standing with its reason.
        let reason = "テレワークを行わないため";
        let saved = leave_out_telework(&app, &owner, &org, reason).await;
        assert_eq!(saved.status().as_u16(), 303);
        let page = page_text(&app, &owner, &editor).await;
        assert!(!page.contains("id=\"unexplained\""), "on {backend}");
        assert!(
            page.contains(&format!("当社はこの章を定めない。理由：{reason}")),
            "preview shows the reason: {page}"
        );
        let csrf = csrf_of(&page);
        for (step, status) in [("approve", 303), ("issue", 303)] {
            let response = owner
                .post(app.url(&format!("{editor}/{step}")))
                .form(&[
                    ("csrf", csrf.as_str()),
                    ("approver", "山田 太郎"),
                    ("doc_lang", "ja"),
                ])
                .send()
                .await
                .unwrap();
            assert_eq!(response.status().as_u16(), status, "{step} on {backend}");
        }
        let (status, versions) = api(
            &app,
            reqwest::Method::GET,
            &format!("{api_path}/versions"),
            &token,
            None,
        )
        .await;
        assert_eq!(status, 200);
        let vid = versions["versions"][0]["id"].as_str().unwrap().to_owned();
        let (_, issued) = api(
            &app,
            reqwest::Method::GET,
            &format!("{api_path}/versions/{vid}"),
            &token,
            None,
        )
        .await;
        let sections = issued["document"]["sections"].as_array().unwrap();
        let telework = sections.iter().find(|s| s["id"] == "telework").unwrap();
        assert_eq!(telework["number"], "第12章");
        assert!(telework["children"].as_array().unwrap().is_empty());
        assert!(telework["paragraphs"][0].as_str().unwrap().contains(reason));
        assert_eq!(
            sections.last().unwrap()["heading"],
            "附則",
            "the supplementary provisions stay"
        );
        app.stop().await;
    }
}

#[tokio::test]
async fn a_new_self_assessment_tells_the_owner_which_handbook_rules_change() {
    for db in TestDatabase::all().await {
        let app = TestApp::spawn(db).await;
        let backend = app.backend;
        let (admin, org, owner) = org_with_owner(&app, "アルファ工業").await;
        fill_params(&app, &org).await;
        let token = owner_token(&app.store, &org, "second-owner@alpha.example").await;
        let assessments = format!("/api/v1/orgs/{org}/assessments");
        let handbook = format!("/api/v1/orgs/{org}/documents/handbook");
        let editor = format!("/orgs/{org}/documents/handbook");

        // Version 1 follows an assessment with items 21-25 not in place.
        let (status, first) = api(
            &app,
            reqwest::Method::POST,
            &assessments,
            &token,
            Some(json!({"answers": answers(20)})),
        )
        .await;
        assert_eq!(status, 201, "{first} on {backend}");
        for (step, body) in [
            ("approve", json!({"approver": "山田 太郎"})),
            ("versions", json!({})),
        ] {
            let (status, body) = api(
                &app,
                reqwest::Method::POST,
                &format!("{handbook}/{step}"),
                &token,
                Some(body),
            )
            .await;
            assert!(status == 200 || status == 201, "{step}: {body}");
        }
        let (_, draft) = api(&app, reqwest::Method::GET, &handbook, &token, None).await;
        assert_eq!(draft["rule_changes"], json!([]), "nothing changed yet");
        assert!(
            !draft["document"].to_string().contains("相談窓口"),
            "no desk set yet"
        );
        let first_result = page_text(
            &app,
            &owner,
            &format!("/orgs/{org}/assessment/{}", first["id"].as_str().unwrap()),
        )
        .await;
        assert!(!first_result.contains("id=\"handbook-changes\""));

        // A new assessment: 21 and 22 now in place, 3 no longer.
        let mut later = answers(22);
        later["3"] = json!("partial");
        let (status, second) = api(
            &app,
            reqwest::Method::POST,
            &assessments,
            &token,
            Some(json!({"answers": later})),
        )
        .await;
        assert_eq!(status, 201, "{second}");
        let result = page_text(
            &app,
            &owner,
            &format!("/orgs/{org}/assessment/{}", second["id"].as_str().unwrap()),
        )
        .await;
        assert!(
            result.contains("この診断で、ハンドブックのルールが3件変わります。"),
            "on {backend}: {result}"
        );
        let (_, draft) = api(&app, reqwest::Method::GET, &handbook, &token, None).await;
        assert_eq!(draft["changed_since"], 1, "{draft}");
        let moved: Vec<(u64, Value, Value)> = draft["rule_changes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                (
                    c["item"].as_u64().unwrap(),
                    c["before"].clone(),
                    c["after"].clone(),
                )
            })
            .collect();
        assert_eq!(
            moved,
            [
                (3, Value::Null, json!("todo")),
                (21, json!("todo"), Value::Null),
                (22, json!("todo"), Value::Null),
            ]
        );

        // The provider's consultation desk, set meanwhile, is named in the next version.
        app.store
            .set_desk(
                &Actor::cli(),
                &mamori_store::Desk {
                    name: "守りサービス相談窓口".into(),
                    phone: "0120-000-111".into(),
                    ..mamori_store::Desk::default()
                },
            )
            .await
            .unwrap();
        let (_, draft) = api(&app, reqwest::Method::GET, &handbook, &token, None).await;
        assert!(
            draft["document"]
                .to_string()
                .contains("相談窓口の連絡先：電話 0120-000-111"),
            "{draft}"
        );

        // The handbook page lists them and issues version 2 in one step.
        let page = page_text(&app, &owner, &editor).await;
        assert!(
            page.contains("id=\"answers-changed\"")
                && page.contains("3件のルールの状態が変わりました")
                && page.contains("第2版として発行する"),
            "{page}"
        );
        let csrf = csrf_of(&page);
        let refused = owner
            .post(app.url(&format!("{editor}/reissue")))
            .form(&[("csrf", csrf.as_str()), ("approver", " ")])
            .send()
            .await
            .unwrap();
        assert_eq!(refused.status().as_u16(), 422, "an approver is needed");
        let issued = owner
            .post(app.url(&format!("{editor}/reissue")))
            .form(&[("csrf", csrf.as_str()), ("approver", "山田 太郎")])
            .send()
            .await
            .unwrap();
        assert_eq!(issued.status().as_u16(), 303, "on {backend}");
        assert!(location(&issued).ends_with("?issued=2"));
        let page = page_text(&app, &owner, &editor).await;
        assert!(!page.contains("id=\"answers-changed\""), "up to date");
        let (_, versions) = api(
            &app,
            reqwest::Method::GET,
            &format!("{handbook}/versions"),
            &token,
            None,
        )
        .await;
        assert_eq!(versions["versions"][0]["version"], 2);
        assert_eq!(versions["versions"][0]["approved_by_name"], "山田 太郎");

        // Another company's owner cannot reissue it.
        let other = create_org(&app, &admin, "ベータ商事").await;
        let intruder = invite_and_accept(
            &app,
            &admin,
            &other,
            "owner@beta.example",
            "owner",
            "owner password 34",
        )
        .await;
        let csrf = csrf_of(
            &page_text(
                &app,
                &intruder,
                &format!("/orgs/{other}/documents/handbook"),
            )
            .await,
        );
        let denied = intruder
            .post(app.url(&format!("{editor}/reissue")))
            .form(&[("csrf", csrf.as_str()), ("approver", "侵入者")])
            .send()
            .await
            .unwrap();
        assert_eq!(denied.status().as_u16(), 404, "on {backend}");
        app.stop().await;
    }
}

#[tokio::test]
async fn role_holders_are_entered_with_their_department_and_contact() {
    for db in TestDatabase::all().await {
        let app = TestApp::spawn(db).await;
        let backend = app.backend;
        let (_admin, org, owner) = org_with_owner(&app, "アルファ工業").await;
        let path = format!("/orgs/{org}/documents/params");
        let page = page_text(&app, &owner, &path).await;
        for field in [
            "param-system_administrator_department",
            "param-system_administrator_contact",
        ] {
            assert!(
                page.contains(&format!("id=\"{field}\"")),
                "{field} on {backend}"
            );
        }
        let mut form: Vec<(String, String)> = params().into_iter().collect();
        form.push(("csrf".into(), csrf_of(&page)));
        form.push(("system_administrator_department".into(), "総務部".into()));
        form.push(("system_administrator_contact".into(), "内線101".into()));
        let saved = owner.post(app.url(&path)).form(&form).send().await.unwrap();
        assert_eq!(saved.status().as_u16(), 303, "on {backend}");
        let page = page_text(&app, &owner, &path).await;
        assert!(page.contains("value=\"内線101\""), "shown back");
        for kind in ["regulations", "handbook"] {
            let editor = page_text(&app, &owner, &format!("/orgs/{org}/documents/{kind}")).await;
            assert!(
                editor.contains("鈴木 一郎（総務部・内線101）"),
                "{kind} on {backend}: {editor}"
            );
        }
        app.stop().await;
    }
}

#[tokio::test]
async fn a_regulation_clause_is_reworded_on_its_own() {
    for db in TestDatabase::all().await {
        let app = TestApp::spawn(db).await;
        let backend = app.backend;
        let (_admin, org, owner) = org_with_owner(&app, "アルファ工業").await;
        fill_params(&app, &org).await;
        let editor = format!("/orgs/{org}/documents/regulations");
        let page = page_text(&app, &owner, &editor).await;
        // Each clause of an article shows its generated wording with a field beside it.
        assert!(
            page.contains("id=\"clause-organisation-1-2\""),
            "on {backend}"
        );
        assert!(
            page.contains("この規程は、役員、正社員、契約社員"),
            "generated clause shown"
        );

        let own = "この規程は、当社で働くすべての人に適用する。";
        let csrf = csrf_of(&page);
        let texts = mamori_policies::builtin_texts().unwrap();
        let mut form: Vec<(String, String)> = vec![
            ("csrf".into(), csrf),
            ("doc_lang".into(), "ja".into()),
            ("clause.organisation-1.2".into(), own.into()),
        ];
        for chapter in &texts.regulations.chapters {
            form.push((format!("include.{}", chapter.id), "on".into()));
        }
        let saved = owner
            .post(app.url(&editor))
            .form(&form)
            .send()
            .await
            .unwrap();
        assert_eq!(saved.status().as_u16(), 303);
        let page = page_text(&app, &owner, &editor).await;
        assert!(
            page.contains(&format!(">{own}</textarea>")),
            "kept in its field"
        );
        assert!(
            page.contains(own) && page.contains("この規程の制定及び改定は"),
            "the preview has the owner's clause and the generated ones around it"
        );
        assert!(
            !page.contains("<li>この規程は、役員、正社員"),
            "the generated clause 2 is replaced in the preview: {page}"
        );

        let token = owner_token(&app.store, &org, "second-owner@alpha.example").await;
        let api_path = format!("/api/v1/orgs/{org}/documents/regulations");
        let (_, draft) = api(&app, reqwest::Method::GET, &api_path, &token, None).await;
        let article = &draft["document"]["sections"][0]["children"][0];
        assert_eq!(article["items"][1], own, "{article}");
        assert_eq!(
            draft["draft"]["edits"]
                .as_str()
                .map(|e| e.contains("clauses")),
            Some(true)
        );
        let (status, body) = api(
            &app,
            reqwest::Method::PUT,
            &api_path,
            &token,
            Some(json!({"edits": {"organisation-1": {"clauses": {"9": "x"}}}})),
        )
        .await;
        assert_eq!(status, 422, "{body}");
        assert_eq!(body["error"]["code"], "invalid_input.clause");
        assert!(
            body["error"]["message"]
                .as_str()
                .unwrap()
                .contains("第9項はありません"),
            "{body}"
        );
        app.stop().await;
    }
}
