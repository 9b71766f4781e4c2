//! The self-assessment and checklists end to end on every backend: the API contract with its
//! error messages, drafts, history and changes, readiness, checklists, the questionnaire pages,
//! tenant isolation, anonymous peer comparison and the provider-wide view.

use crate::common::{TestApp, create_org, csrf_of, invite_and_accept, location, set_up};
use mamori_store::Actor;
use mamori_testkit::TestDatabase;
use serde_json::{Value, json};

/// A bearer token for the user with `email`.
async fn token_of(app: &TestApp, email: &str) -> String {
    let user = app.store.user_by_email(email).await.unwrap().unwrap();
    app.store
        .create_token(&Actor::cli(), &user, "test")
        .await
        .unwrap()
        .1
}

/// Answers to all 25 items: `yes` for items up to `yes_until`, then `no`.
pub(crate) fn answers(yes_until: u8) -> Value {
    let map: serde_json::Map<String, Value> = (1..=25u8)
        .map(|n| {
            let word = if n <= yes_until { "yes" } else { "no" };
            (n.to_string(), json!(word))
        })
        .collect();
    Value::Object(map)
}

/// Sends `body` to `path` with `token` and returns the status and JSON body.
async fn call(
    app: &TestApp,
    method: reqwest::Method,
    path: &str,
    token: &str,
    lang: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let mut request = reqwest::Client::new()
        .request(method, app.url(path))
        .bearer_auth(token)
        .header("accept-language", lang);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn post(app: &TestApp, path: &str, token: &str, body: Value) -> (u16, Value) {
    call(app, reqwest::Method::POST, path, token, "ja", Some(body)).await
}

async fn get(app: &TestApp, path: &str, token: &str) -> (u16, Value) {
    call(app, reqwest::Method::GET, path, token, "ja", None).await
}

#[tokio::test]
async fn api_scores_keeps_history_and_explains_bad_input() {
    for db in TestDatabase::all().await {
        let app = TestApp::spawn(db).await;
        let backend = app.backend;
        let admin = set_up(&app).await;
        let org = create_org(&app, &admin, "アルファ工業株式会社").await;
        invite_and_accept(
            &app,
            &admin,
            &org,
            "owner@alpha.example",
            "owner",
            "owner password 1",
        )
        .await;
        let token = token_of(&app, "owner@alpha.example").await;
        let path = format!("/api/v1/orgs/{org}/assessments");

        // Bad input: each error names the item and the allowed values, in the caller's language.
        let (status, body) = post(
            &app,
            &path,
            &token,
            json!({"catalog": "ipa-sme-9.9", "answers": answers(25)}),
        )
        .await;
        assert_eq!(status, 422, "{backend}");
        assert_eq!(body["error"]["code"], "invalid_input.unknown_catalog");
        let message = body["error"]["message"].as_str().unwrap();
        assert!(
            message.contains("ipa-sme-9.9") && message.contains("ipa-sme-3.1"),
            "{message}"
        );

        let mut extra = answers(25);
        extra["26"] = json!("yes");
        let (status, body) = post(&app, &path, &token, json!({"answers": extra})).await;
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            (422, Some("invalid_input.unknown_item"))
        );
        let message = body["error"]["message"].as_str().unwrap();
        assert!(
            message.contains("26") && message.contains("1〜25"),
            "{message}"
        );

        let mut word = answers(25);
        word["4"] = json!("maybe");
        let (status, body) = call(
            &app,
            reqwest::Method::POST,
            &path,
            &token,
            "en",
            Some(json!({"answers": word})),
        )
        .await;
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            (422, Some("invalid_input.unknown_answer"))
        );
        let message = body["error"]["message"].as_str().unwrap();
        assert!(
            message.starts_with("Item 4")
                && message.contains("maybe")
                && message.contains("yes, partial, no, unknown"),
            "{message}"
        );

        let mut missing = answers(25);
        missing.as_object_mut().unwrap().remove("7");
        missing.as_object_mut().unwrap().remove("19");
        let (status, body) = post(&app, &path, &token, json!({"answers": missing})).await;
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            (422, Some("invalid_input.missing_items"))
        );
        assert!(body["error"]["message"].as_str().unwrap().contains("7, 19"));
        let (_, history) = get(&app, &path, &token).await;
        assert_eq!(
            history["assessments"],
            json!([]),
            "nothing half-saved as complete on {backend}"
        );

        // A draft is saved and resumed, then completing replaces it.
        let (status, draft) = call(
            &app,
            reqwest::Method::PUT,
            &format!("{path}/draft"),
            &token,
            "ja",
            Some(json!({"answers": {"1": "yes", "2": "partial"}})),
        )
        .await;
        assert_eq!(status, 200, "{draft}");
        let (status, draft) = get(&app, &format!("{path}/draft"), &token).await;
        assert_eq!(
            (status, draft["answers"]["2"].as_str()),
            (200, Some("partial"))
        );

        // Items 1-20 yes (80), 21-25 no (0).
        let (status, first) = post(
            &app,
            &path,
            &token,
            json!({"catalog": "ipa-sme-3.1", "answers": answers(20)}),
        )
        .await;
        assert_eq!(status, 201, "{first}");
        assert_eq!(first["result"]["total"], 80);
        assert_eq!(first["result"]["parts"][0]["id"], "basic");
        assert_eq!(first["result"]["parts"][2]["score"], 8);
        assert_eq!(first["result"]["problems"].as_array().unwrap().len(), 5);
        assert!(first["result"]["problems"][0]["advice"]["steps"].is_array());
        assert_eq!(first["result"]["unknown"], json!([]));
        assert!(first["changes"].is_null());
        assert_eq!(get(&app, &format!("{path}/draft"), &token).await.0, 404);

        let mut better = answers(23);
        better["1"] = json!("unknown");
        let (status, second) = post(&app, &path, &token, json!({"answers": better})).await;
        assert_eq!(status, 201);
        assert_eq!(second["result"]["total"], 87);
        assert_eq!(second["changes"]["total"]["delta"], 7);
        assert_eq!(second["changes"]["items"][0]["trend"], "worse");
        assert_eq!(second["result"]["unknown"], json!([1]));

        let (_, history) = get(&app, &path, &token).await;
        let list = history["assessments"].as_array().unwrap();
        assert_eq!(list.len(), 2);
        assert_eq!(list[0]["total"], 87, "newest first on {backend}");
        let first_id = first["id"].as_str().unwrap();
        let (status, one) = get(&app, &format!("{path}/{first_id}"), &token).await;
        assert_eq!((status, one["result"]["total"].as_i64()), (200, Some(80)));

        // Readiness: the rules acknowledgement gives one star; the policy steps stay pending.
        let (_, readiness) = get(&app, &format!("/api/v1/orgs/{org}/readiness"), &token).await;
        assert_eq!(readiness["readiness"]["one_star"], false);
        let (status, readiness) = post(
            &app,
            &format!("/api/v1/orgs/{org}/rules-acknowledgement"),
            &token,
            json!({}),
        )
        .await;
        assert_eq!(status, 200);
        assert_eq!(readiness["readiness"]["one_star"], true);
        assert_eq!(readiness["readiness"]["two_stars"], false);
        let steps = readiness["readiness"]["steps"].as_array().unwrap();
        let status_of = |id: &str| steps.iter().find(|s| s["id"] == id).unwrap()["status"].clone();
        assert_eq!(status_of("assessment-completed"), "done");
        assert_eq!(status_of("policy-issued"), "pending");
        assert!(readiness["rules_acknowledged_at"].is_string());

        // The cloud checklist per service, and the executives' checklist.
        let cloud_path = format!("/api/v1/orgs/{org}/checklists/cloud");
        let cloud_answers: Value = (1..=15)
            .map(|n| (n.to_string(), json!(if n == 10 { "no" } else { "yes" })))
            .collect::<serde_json::Map<_, _>>()
            .into();
        let (status, body) = post(
            &app,
            &cloud_path,
            &token,
            json!({"service": "", "answers": cloud_answers}),
        )
        .await;
        assert_eq!(status, 422, "{body}");
        let (status, cloud) = post(
            &app,
            &cloud_path,
            &token,
            json!({"service": "Microsoft 365", "answers": cloud_answers}),
        )
        .await;
        assert_eq!(status, 201, "{cloud}");
        assert_eq!(cloud["result"]["total"], 56);
        assert_eq!(cloud["result"]["problems"][0]["number"], 10);
        let (status, body) = post(
            &app,
            &cloud_path,
            &token,
            json!({"service": "kintone", "answers": {"16": "yes"}}),
        )
        .await;
        assert_eq!(status, 422);
        assert!(body["error"]["message"].as_str().unwrap().contains("1〜15"));
        let (_, services) = get(&app, &cloud_path, &token).await;
        assert_eq!(services["services"][0]["subject"], "Microsoft 365");

        let exec_path = format!("/api/v1/orgs/{org}/checklists/executive");
        let (status, body) = post(
            &app,
            &exec_path,
            &token,
            json!({"principles": {"1": "yes", "2": "yes", "3": "unknown"}, "actions": {}}),
        )
        .await;
        assert_eq!(status, 422);
        let message = body["error"]["message"].as_str().unwrap();
        assert!(
            message.contains("3原則") && message.contains("yes, partial, no"),
            "{message}"
        );
        let (status, body) = post(
            &app,
            &exec_path,
            &token,
            json!({"principles": {"1": "yes", "2": "yes", "3": "no"}, "actions": {"1": "yes"}}),
        )
        .await;
        assert_eq!(status, 422);
        assert!(
            body["error"]["message"]
                .as_str()
                .unwrap()
                .contains("2, 3, 4, 5, 6, 7")
        );
        assert_eq!(get(&app, &exec_path, &token).await.0, 404);
        let actions: Value = (1..=7)
            .map(|n| (n.to_string(), json!("partial")))
            .collect::<serde_json::Map<_, _>>()
            .into();
        let (status, exec) = post(
            &app,
            &exec_path,
            &token,
            json!({"principles": {"1": "yes", "2": "yes", "3": "no"}, "actions": actions}),
        )
        .await;
        assert_eq!(status, 201, "{exec}");
        assert_eq!(
            (
                exec["result"]["done"].as_u64(),
                exec["result"]["count"].as_u64()
            ),
            (Some(2), Some(10))
        );

        // Every route is documented.
        let (_, doc) = get(&app, "/api/v1/openapi.json", &token).await;
        for route in [
            "/api/v1/orgs/{id}/assessments",
            "/api/v1/orgs/{id}/assessments/{aid}",
            "/api/v1/orgs/{id}/assessments/draft",
            "/api/v1/orgs/{id}/benchmark",
            "/api/v1/orgs/{id}/readiness",
            "/api/v1/orgs/{id}/rules-acknowledgement",
            "/api/v1/orgs/{id}/checklists/cloud",
            "/api/v1/orgs/{id}/checklists/executive",
            "/api/v1/assessments/overview",
        ] {
            assert!(
                doc["paths"].get(route).is_some(),
                "{route} missing from OpenAPI"
            );
        }
        app.stop().await;
    }
}

#[tokio::test]
async fn tenants_never_see_each_others_answers_and_peers_stay_anonymous() {
    for db in TestDatabase::all().await {
        let app = TestApp::spawn(db).await;
        let backend = app.backend;
        let admin = set_up(&app).await;
        let alpha = create_org(&app, &admin, "アルファ工業").await;
        let beta = create_org(&app, &admin, "ベータ商事").await;
        let alpha_owner = invite_and_accept(
            &app,
            &admin,
            &alpha,
            "owner@alpha.example",
            "owner",
            "owner password 1",
        )
        .await;
        let beta_owner = invite_and_accept(
            &app,
            &admin,
            &beta,
            "owner@beta.example",
            "owner",
            "owner password 2",
        )
        .await;
        let alpha_staff = invite_and_accept(
            &app,
            &admin,
            &alpha,
            "staff@alpha.example",
            "staff",
            "staff password 1",
        )
        .await;
        let alpha_token = token_of(&app, "owner@alpha.example").await;
        let beta_token = token_of(&app, "owner@beta.example").await;
        let staff_token = token_of(&app, "staff@alpha.example").await;
        let admin_token = token_of(&app, "admin@mamori.example").await;

        let (status, alpha_result) = post(
            &app,
            &format!("/api/v1/orgs/{alpha}/assessments"),
            &alpha_token,
            json!({"answers": answers(10)}),
        )
        .await;
        assert_eq!(status, 201);
        let aid = alpha_result["id"].as_str().unwrap().to_owned();

        // Another tenant gets 404 everywhere, exactly as for things that do not exist.
        for path in [
            format!("/api/v1/orgs/{alpha}/assessments"),
            format!("/api/v1/orgs/{alpha}/assessments/{aid}"),
            format!("/api/v1/orgs/{beta}/assessments/{aid}"),
            format!("/api/v1/orgs/{alpha}/assessments/draft"),
            format!("/api/v1/orgs/{alpha}/benchmark"),
            format!("/api/v1/orgs/{alpha}/readiness"),
            format!("/api/v1/orgs/{alpha}/checklists/cloud"),
        ] {
            assert_eq!(
                get(&app, &path, &beta_token).await.0,
                404,
                "{path} on {backend}"
            );
        }
        let (status, _) = post(
            &app,
            &format!("/api/v1/orgs/{alpha}/assessments"),
            &beta_token,
            json!({"answers": answers(0)}),
        )
        .await;
        assert_eq!(status, 404);
        for path in [
            format!("/orgs/{alpha}/assessment"),
            format!("/orgs/{alpha}/assessment/{aid}"),
            format!("/orgs/{beta}/assessment/{aid}"),
            format!("/orgs/{alpha}/assessment/answer"),
            format!("/orgs/{alpha}/rules"),
            format!("/orgs/{alpha}/checklists"),
        ] {
            let response = beta_owner.get(app.url(&path)).send().await.unwrap();
            assert_eq!(response.status(), 404, "{path} on {backend}");
        }
        // Staff read their own organisation's results but do not answer for it.
        assert_eq!(
            get(
                &app,
                &format!("/api/v1/orgs/{alpha}/assessments/{aid}"),
                &staff_token
            )
            .await
            .0,
            200
        );
        let (status, _) = post(
            &app,
            &format!("/api/v1/orgs/{alpha}/assessments"),
            &staff_token,
            json!({"answers": answers(0)}),
        )
        .await;
        assert_eq!(status, 403);
        let staff_page = alpha_staff
            .get(app.url(&format!("/orgs/{alpha}/assessment/answer")))
            .send()
            .await
            .unwrap();
        assert_eq!(staff_page.status(), 403);

        // Peers: beta alone is not enough; nothing but "not available" is said.
        post(
            &app,
            &format!("/api/v1/orgs/{beta}/assessments"),
            &beta_token,
            json!({"answers": answers(5)}),
        )
        .await;
        let (_, bench) = get(
            &app,
            &format!("/api/v1/orgs/{alpha}/benchmark"),
            &alpha_token,
        )
        .await;
        assert_eq!(bench["available"], false, "{bench}");
        assert!(bench["total"].is_null() && bench["parts"] == json!([]));
        assert!(
            !bench.to_string().contains("20"),
            "beta's total must not leak: {bench}"
        );
        let page = alpha_owner
            .get(app.url(&format!("/orgs/{alpha}/assessment/{aid}")))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            page.contains("5社分そろうと"),
            "peer section explains the threshold"
        );
        assert!(!page.contains("ベータ商事"));

        // Four more similar companies (answered by the provider's administrator): 5 peers.
        // Their totals: beta 20, then 40, 60, 80, 100. A company of another size never counts.
        for (i, yes) in [10u8, 15, 20, 25].into_iter().enumerate() {
            let peer = create_org(&app, &admin, &format!("同業{i}")).await;
            let (status, _) = post(
                &app,
                &format!("/api/v1/orgs/{peer}/assessments"),
                &admin_token,
                json!({"answers": answers(yes)}),
            )
            .await;
            assert_eq!(status, 201);
        }
        let (status, bench) = get(
            &app,
            &format!("/api/v1/orgs/{alpha}/benchmark"),
            &alpha_token,
        )
        .await;
        assert_eq!(status, 200);
        assert_eq!(bench["available"], true, "{bench}");
        assert_eq!(
            bench["total"]["count"], 5,
            "alpha's own result is not its own peer"
        );
        assert_eq!(bench["total"]["mean"], 60.0);
        assert_eq!(bench["total"]["median"], 60.0);
        assert_eq!(bench["total"]["own"], 40.0);
        assert!(
            (bench["total"]["deviation"].as_f64().unwrap() - 42.9).abs() < 0.05,
            "{bench}"
        );
        assert!(
            bench["total"].get("min").is_none() && bench["total"].get("max").is_none(),
            "extremes are one company's score"
        );
        assert_eq!(bench["parts"].as_array().unwrap().len(), 3);
        let page = alpha_owner
            .get(app.url(&format!("/orgs/{alpha}/assessment/{aid}")))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            page.contains("偏差値") && page.contains("5社"),
            "peer table shown on {backend}"
        );

        // The provider-wide view: staff of the provider only.
        let (status, overview) = get(&app, "/api/v1/assessments/overview", &admin_token).await;
        assert_eq!(status, 200);
        assert_eq!(overview["clients"].as_array().unwrap().len(), 6);
        assert_eq!(
            overview["clients"][0]["org"]["name"], "ベータ商事",
            "weakest first"
        );
        assert_eq!(
            overview["weak_items"][0]["number"], 21,
            "most widespread first, then by number"
        );
        assert_eq!(
            overview["weak_items"][0]["clients"]
                .as_array()
                .unwrap()
                .len(),
            5
        );
        assert_eq!(
            get(&app, "/api/v1/assessments/overview", &alpha_token)
                .await
                .0,
            403
        );
        let console = admin
            .get(app.url("/console/assessments"))
            .send()
            .await
            .unwrap();
        assert_eq!(console.status(), 200);
        let console = console.text().await.unwrap();
        assert!(console.contains("アルファ工業") && console.contains("id=\"weak-items\""));
        assert_eq!(
            alpha_owner
                .get(app.url("/console/assessments"))
                .send()
                .await
                .unwrap()
                .status(),
            403
        );
        app.stop().await;
    }
}

#[tokio::test]
async fn questionnaire_pages_save_every_screen_and_show_the_result() {
    for db in TestDatabase::all().await {
        let app = TestApp::spawn(db).await;
        let backend = app.backend;
        let admin = set_up(&app).await;
        let org = create_org(&app, &admin, "アルファ工業").await;
        let owner = invite_and_accept(
            &app,
            &admin,
            &org,
            "owner@alpha.example",
            "owner",
            "owner password 1",
        )
        .await;
        let home = owner
            .get(app.url(&format!("/orgs/{org}")))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            home.contains(&format!("/orgs/{org}/assessment")),
            "entry point on the organisation page"
        );
        let hub = owner
            .get(app.url(&format!("/orgs/{org}/assessment")))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(hub.contains("まだ診断の結果はありません") && hub.contains("SECURITY ACTION"));

        let screen = owner
            .get(app.url(&format!("/orgs/{org}/assessment/answer")))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            screen.contains("パート 1（全3パート）") && screen.contains("<details>"),
            "{backend}"
        );
        let csrf = csrf_of(&screen);
        let submit = |fields: Vec<(String, String)>| {
            let owner = owner.clone();
            let url = app.url(&format!("/orgs/{org}/assessment/answer"));
            async move { owner.post(url).form(&fields).send().await.unwrap() }
        };
        let form = |part: &str, go: &str, items: std::ops::RangeInclusive<u8>, word: &str| {
            let mut fields = vec![
                ("csrf".to_owned(), csrf.clone()),
                ("part".to_owned(), part.to_owned()),
                ("go".to_owned(), go.to_owned()),
                ("next".to_owned(), "employee".to_owned()),
            ];
            fields.extend(items.map(|n| (format!("q{n}"), word.to_owned())));
            fields
        };

        let next = submit(form("basic", "next", 1..=5, "yes")).await;
        assert_eq!(next.status(), 303);
        assert_eq!(
            location(&next),
            format!("/orgs/{org}/assessment/answer?part=employee")
        );
        let saved = submit(form("employee", "save", 6..=10, "partial")).await;
        assert_eq!(location(&saved), format!("/orgs/{org}/assessment"));
        let hub = owner
            .get(app.url(&format!("/orgs/{org}/assessment")))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            hub.contains("25問のうち 10問"),
            "draft progress on {backend}"
        );
        let resumed = owner
            .get(app.url(&format!("/orgs/{org}/assessment/answer?part=employee")))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            resumed.contains("name=\"q6\" value=\"partial\" checked"),
            "answers come back"
        );

        // Finishing with gaps keeps the answers and names what is missing.
        let early = submit(form("organisation", "finish", 19..=25, "no")).await;
        assert_eq!(early.status(), 422);
        let early = early.text().await.unwrap();
        assert!(
            early.contains("11, 12, 13, 14, 15, 16, 17, 18"),
            "missing items named"
        );
        assert!(
            early.contains("パート 2（全3パート）"),
            "back to the first part with a gap"
        );
        let mut rest = form("employee", "next", 11..=18, "yes");
        rest.push(("q1".to_owned(), "unknown".to_owned()));
        submit(rest).await;
        let done = submit(form("organisation", "finish", 19..=25, "no")).await;
        assert_eq!(done.status(), 303);
        let result_path = location(&done);
        assert!(result_path.starts_with(&format!("/orgs/{org}/assessment/")));
        let result = owner
            .get(app.url(&result_path))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        // 1 unknown (-1) + 4 yes (16) + 5 partial (10) + 8 yes (32) + 7 no (0) = 57
        assert!(result.contains("合計 57点（100点満点）"), "{backend}");
        assert!(result.contains("<svg") && result.contains("5か条別"));
        assert!(result.contains("「わからない」と答えた項目：1"));
        assert!(result.contains("今回がはじめての診断です"));

        // The five rules are acknowledged from their page.
        let rules = owner
            .get(app.url(&format!("/orgs/{org}/rules")))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let ack = owner
            .post(app.url(&format!("/orgs/{org}/rules")))
            .form(&[("csrf", csrf_of(&rules))])
            .send()
            .await
            .unwrap();
        assert_eq!(ack.status(), 303);
        let rules = owner
            .get(app.url(&format!("/orgs/{org}/rules")))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(rules.contains("5か条に取り組むことを確認しました"));

        // Checklists: a cloud service saved half-done, then the executive list completed.
        let index = owner
            .get(app.url(&format!("/orgs/{org}/checklists")))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let csrf = csrf_of(&index);
        let cloud = owner
            .get(app.url(&format!("/orgs/{org}/checklists/cloud?service=kintone")))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(cloud.contains("kintone") && cloud.contains("name=\"q15\""));
        let saved = owner
            .post(app.url(&format!("/orgs/{org}/checklists/cloud")))
            .form(&[
                ("csrf", csrf.as_str()),
                ("service", "kintone"),
                ("go", "save"),
                ("q1", "yes"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(saved.status(), 303);
        let cloud = owner
            .get(app.url(&format!("/orgs/{org}/checklists/cloud?service=kintone")))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(cloud.contains("name=\"q1\" value=\"yes\" checked"));
        let mut fields: Vec<(String, String)> = vec![
            ("csrf".into(), csrf.clone()),
            ("go".into(), "finish".into()),
        ];
        fields.extend((1..=3).map(|n| (format!("p{n}"), "yes".to_owned())));
        fields.extend((1..=7).map(|n| (format!("a{n}"), "no".to_owned())));
        let exec = owner
            .post(app.url(&format!("/orgs/{org}/checklists/executive")))
            .form(&fields)
            .send()
            .await
            .unwrap();
        assert_eq!(exec.status(), 303);
        let index = owner
            .get(app.url(&format!("/orgs/{org}/checklists")))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(index.contains("10項目のうち 3項目"), "{backend}");
        app.stop().await;
    }
}

/// The road to two stars over the API on every backend: parameters, draft, approval, an
/// immutable issued version, the public page without a session, readiness, withdrawal, and
/// another company's owner answered 404 on every route.
#[tokio::test]
async fn basic_policy_is_issued_published_and_withdrawn() {
    for db in TestDatabase::all().await {
        let app = TestApp::spawn(db).await;
        let backend = app.backend;
        let admin = set_up(&app).await;
        let alpha = create_org(&app, &admin, "アルファ工業株式会社").await;
        let beta = create_org(&app, &admin, "ベータ商事株式会社").await;
        for (org, email) in [
            (&alpha, "owner@alpha.example"),
            (&beta, "owner@beta.example"),
        ] {
            invite_and_accept(&app, &admin, org, email, "owner", "owner password 1").await;
        }
        let token = token_of(&app, "owner@alpha.example").await;
        let intruder = token_of(&app, "owner@beta.example").await;
        let base = format!("/api/v1/orgs/{alpha}/documents");

        // Without parameters the draft names what is missing instead of showing blanks.
        let (status, draft) = get(&app, &format!("{base}/policy"), &token).await;
        assert_eq!(status, 200, "{draft} on {backend}");
        assert!(draft["document"].is_null(), "{draft}");
        let missing: Vec<&str> = draft["missing"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(Value::as_str)
            .collect();
        assert!(missing.contains(&"representative_name"), "{missing:?}");

        // A date in the wrong shape is refused with the key named.
        let (status, body) = call(
            &app,
            reqwest::Method::PUT,
            &format!("{base}/params"),
            &token,
            "ja",
            Some(json!({"params": {"established_on": "2026/04/01"}})),
        )
        .await;
        assert_eq!(status, 422, "{body}");
        assert!(body.to_string().contains("established_on"), "{body}");

        let params = json!({"params": {
            "representative_title": "代表取締役",
            "representative_name": "山田 太郎",
            "established_on": "2026-04-01",
            "scope": "both",
        }});
        let (status, body) = call(
            &app,
            reqwest::Method::PUT,
            &format!("{base}/params"),
            &token,
            "ja",
            Some(params.clone()),
        )
        .await;
        assert_eq!(status, 200, "{body} on {backend}");
        let (status, draft) = get(&app, &format!("{base}/policy"), &token).await;
        assert_eq!(status, 200);
        let text = draft["document"].to_string();
        assert!(text.contains("アルファ工業株式会社"), "{text}");
        assert!(text.contains("山田 太郎"), "{text}");
        assert!(!text.contains("{{"), "no placeholder survives: {text}");

        // Issuing needs an approval; publishing needs an issued version.
        let (status, body) =
            post(&app, &format!("{base}/policy/versions"), &token, json!({})).await;
        assert_eq!(status, 422, "unapproved: {body}");
        let (status, body) = call(
            &app,
            reqwest::Method::PUT,
            &format!("{base}/policy/publication"),
            &token,
            "ja",
            Some(json!({"slug": "alpha-kogyo"})),
        )
        .await;
        assert_eq!(status, 422, "not issued yet: {body}");
        let (status, body) = post(
            &app,
            &format!("{base}/policy/approve"),
            &token,
            json!({"approver": "山田 太郎"}),
        )
        .await;
        assert_eq!(status, 200, "{body}");
        let (status, issued) =
            post(&app, &format!("{base}/policy/versions"), &token, json!({})).await;
        assert_eq!(status, 201, "{issued} on {backend}");
        assert_eq!(issued["version"]["version"], 1);
        assert_eq!(issued["version"]["sha256"].as_str().map(str::len), Some(64));
        let vid = issued["version"]["id"].as_str().unwrap().to_owned();

        // The owner's own sentence through the API, then version 2 and what changed.
        let section = draft["document"]["sections"][0]["id"]
            .as_str()
            .expect("a section id")
            .to_owned();
        let (status, body) = call(
            &app,
            reqwest::Method::PUT,
            &format!("{base}/policy"),
            &token,
            "ja",
            Some(json!({"edits": {"no-such-section": {"text": "x"}}})),
        )
        .await;
        assert_eq!(status, 422, "{body}");
        assert!(body.to_string().contains("no-such-section"), "{body}");
        let (status, edited) = call(
            &app,
            reqwest::Method::PUT,
            &format!("{base}/policy"),
            &token,
            "ja",
            Some(json!({"lang": "ja", "edits": {section.clone(): {"text": "当社は毎月、対策の実施状況を確かめます。"}}})),
        )
        .await;
        assert_eq!(status, 200, "{edited} on {backend}");
        assert!(
            edited["document"]
                .to_string()
                .contains("毎月、対策の実施状況を確かめます")
        );
        assert!(
            edited["draft"]["approved_at"].is_null(),
            "editing clears the approval"
        );
        post(
            &app,
            &format!("{base}/policy/approve"),
            &token,
            json!({"approver": "山田 太郎"}),
        )
        .await;
        let (status, second) =
            post(&app, &format!("{base}/policy/versions"), &token, json!({})).await;
        assert_eq!(status, 201, "{second}");
        let v2 = second["version"]["id"].as_str().unwrap().to_owned();
        let (status, changes) =
            get(&app, &format!("{base}/policy/versions/{v2}/diff"), &token).await;
        assert_eq!(status, 200, "{changes}");
        assert_eq!(
            (changes["from"].clone(), changes["to"].clone()),
            (json!(1), json!(2))
        );
        let added: Vec<&str> = changes["lines"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|l| l["tag"] == "added")
            .filter_map(|l| l["text"].as_str())
            .collect();
        assert!(
            added
                .iter()
                .any(|l| l.contains("毎月、対策の実施状況を確かめます")),
            "{added:?}"
        );
        let (status, _) = get(&app, &format!("{base}/policy/versions/{vid}/diff"), &token).await;
        assert_eq!(status, 404, "version 1 has nothing before it");

        // Published: the public address answers without any session.
        let (status, body) = call(
            &app,
            reqwest::Method::PUT,
            &format!("{base}/policy/publication"),
            &token,
            "ja",
            Some(json!({"slug": "alpha-kogyo"})),
        )
        .await;
        assert_eq!(status, 200, "{body} on {backend}");
        assert_eq!(body["path"], "/public/alpha-kogyo/policy");
        let anonymous = reqwest::Client::new();
        let public = anonymous
            .get(app.url("/public/alpha-kogyo/policy"))
            .send()
            .await
            .unwrap();
        assert_eq!(public.status().as_u16(), 200);
        let page = public.text().await.unwrap();
        assert!(page.contains("アルファ工業株式会社"), "{page}");
        assert!(page.contains("山田 太郎"), "{page}");
        assert!(!page.contains(&alpha), "no ids on the public page");
        assert!(!page.contains(&vid), "no ids on the public page");

        // Both stars' policy steps are complete from stored facts.
        let (_, readiness) = get(&app, &format!("/api/v1/orgs/{alpha}/readiness"), &token).await;
        let steps = readiness["readiness"]["steps"].as_array().unwrap();
        let status_of = |id: &str| steps.iter().find(|s| s["id"] == id).unwrap()["status"].clone();
        assert_eq!(status_of("policy-issued"), "done", "{readiness}");
        assert_eq!(status_of("policy-published"), "done", "{readiness}");

        // Another company's owner cannot see or change any of it.
        let put = reqwest::Method::PUT;
        let delete = reqwest::Method::DELETE;
        for (method, path, body) in [
            (reqwest::Method::GET, format!("{base}/params"), None),
            (put.clone(), format!("{base}/params"), Some(params.clone())),
            (reqwest::Method::GET, format!("{base}/policy"), None),
            (
                reqwest::Method::POST,
                format!("{base}/policy/approve"),
                Some(json!({"approver": "x"})),
            ),
            (
                reqwest::Method::GET,
                format!("{base}/policy/versions"),
                None,
            ),
            (
                reqwest::Method::POST,
                format!("{base}/policy/versions"),
                Some(json!({})),
            ),
            (
                reqwest::Method::GET,
                format!("{base}/policy/versions/{vid}"),
                None,
            ),
            (
                put.clone(),
                format!("{base}/policy/publication"),
                Some(json!({"slug": "stolen-name"})),
            ),
            (delete.clone(), format!("{base}/policy/publication"), None),
            (
                put.clone(),
                format!("{base}/policy"),
                Some(json!({"edits": {}})),
            ),
            (
                reqwest::Method::GET,
                format!("{base}/policy/versions/{v2}/diff"),
                None,
            ),
        ] {
            let (status, body) = call(&app, method.clone(), &path, &intruder, "ja", body).await;
            assert_eq!(status, 404, "{method} {path}: {body} on {backend}");
        }
        // Nor take the slug another company uses.
        let (status, body) = call(
            &app,
            put.clone(),
            &format!("/api/v1/orgs/{beta}/documents/policy/publication"),
            &intruder,
            "ja",
            Some(json!({"slug": "alpha-kogyo"})),
        )
        .await;
        assert_eq!(status, 422, "{body}");

        // Withdrawn: the address says so and never shows the text again.
        let (status, _) = call(
            &app,
            delete,
            &format!("{base}/policy/publication"),
            &token,
            "ja",
            None,
        )
        .await;
        assert_eq!(status, 204);
        let gone = anonymous
            .get(app.url("/public/alpha-kogyo/policy"))
            .send()
            .await
            .unwrap();
        assert_eq!(gone.status().as_u16(), 404);
        let page = gone.text().await.unwrap();
        assert!(!page.contains("山田 太郎"), "{page}");
        let (_, readiness) = get(&app, &format!("/api/v1/orgs/{alpha}/readiness"), &token).await;
        let steps = readiness["readiness"]["steps"].as_array().unwrap();
        let published = steps
            .iter()
            .find(|s| s["id"] == "policy-published")
            .unwrap();
        assert_eq!(published["status"], "pending", "{readiness}");
        app.stop().await;
    }
}
