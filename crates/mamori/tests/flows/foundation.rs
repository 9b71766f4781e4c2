//! Whole flows of the foundation on every backend: first-run setup, organisations, invitations,
//! sign-in limits, tenancy in pages and API, tokens, language, audit.

use crate::common;

use crate::common::{TestApp, create_org, csrf_of, invite_and_accept, location, set_up};
use mamori_model::Scope;
use mamori_store::Actor;
use mamori_testkit::TestDatabase;
use serde_json::Value;

#[tokio::test]
async fn setup_runs_once_and_leads_to_the_console() {
    for db in TestDatabase::all().await {
        let app = TestApp::spawn(db).await;
        let visitor = app.browser();
        let first = visitor.get(app.url("/")).send().await.unwrap();
        assert_eq!(location(&first), "/setup");
        let page = visitor
            .get(app.url("/setup"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(page.contains("はじめの設定"));

        let admin = set_up(&app).await;
        let console = admin
            .get(app.url("/console/orgs"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            console.contains("まだ利用企業が登録されていません"),
            "empty state on {}",
            app.backend
        );

        // Setup cannot run again, and the provider is not replaced.
        let again = app
            .browser()
            .post(app.url("/setup"))
            .form(&[
                ("provider_name", "乗っ取り"),
                ("admin_name", ""),
                ("email", "evil@example.com"),
                ("password", "evil password 1"),
                ("password_confirm", "evil password 1"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(location(&again), "/login");
        assert_eq!(
            app.store.provider().await.unwrap().unwrap().name,
            "守りサービス株式会社"
        );
        assert!(
            app.store
                .user_by_email("evil@example.com")
                .await
                .unwrap()
                .is_none()
        );
        assert_eq!(
            location(&visitor.get(app.url("/setup")).send().await.unwrap()),
            "/login"
        );
        app.stop().await;
    }
}

#[tokio::test]
async fn organisations_invitations_and_tenant_isolation() {
    for db in TestDatabase::all().await {
        let app = TestApp::spawn(db).await;
        let admin = set_up(&app).await;

        // Forms without the session's CSRF token are refused, and so are cross-site posts.
        let no_csrf = admin
            .post(app.url("/console/orgs"))
            .form(&[
                ("csrf", "forged"),
                ("name", "x"),
                ("industry", "E"),
                ("employees", "6-20"),
                ("contact_email", "a@b.jp"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(no_csrf.status(), 403);
        let cross_site = admin
            .post(app.url("/console/orgs"))
            .header("Origin", "https://evil.example")
            .form(&[("csrf", "x")])
            .send()
            .await
            .unwrap();
        assert_eq!(cross_site.status(), 403);
        // An opaque origin and a request the browser itself marks as cross-site are refused
        // too, before the form is read.
        for (name, value) in [("Origin", "null"), ("Sec-Fetch-Site", "cross-site")] {
            let refused = admin
                .post(app.url("/console/orgs"))
                .header(name, value)
                .form(&[("csrf", "x")])
                .send()
                .await
                .unwrap();
            assert_eq!(refused.status(), 403, "{name}: {value}");
        }
        // Nothing with an organisation's data may be cached; static assets may.
        let page = admin.get(app.url("/console/orgs")).send().await.unwrap();
        assert_eq!(page.status(), 200);
        assert_eq!(page.headers()["cache-control"], "no-store");
        let api = admin.get(app.url("/api/v1/orgs")).send().await.unwrap();
        assert_eq!(api.headers()["cache-control"], "no-store");
        let css = admin
            .get(app.url("/assets/mamori.css"))
            .send()
            .await
            .unwrap();
        assert_eq!(css.status(), 200);
        assert_ne!(css.headers()["cache-control"], "no-store");

        let alpha = create_org(&app, &admin, "アルファ工業").await;
        let beta = create_org(&app, &admin, "ベータ商事").await;
        let owner = invite_and_accept(
            &app,
            &admin,
            &alpha,
            "owner@alpha.example",
            "owner",
            "owner password 1",
        )
        .await;

        // The owner lands on their own organisation and sees only it.
        let home = owner.get(app.url("/")).send().await.unwrap();
        assert_eq!(location(&home), format!("/orgs/{alpha}"));
        let own = owner
            .get(app.url(&format!("/orgs/{alpha}")))
            .send()
            .await
            .unwrap();
        assert_eq!(own.status(), 200);
        assert!(own.text().await.unwrap().contains("アルファ工業"));
        let other = owner
            .get(app.url(&format!("/orgs/{beta}")))
            .send()
            .await
            .unwrap();
        assert_eq!(other.status(), 404, "other tenant on {}", app.backend);
        assert!(!other.text().await.unwrap().contains("ベータ商事"));
        assert_eq!(
            owner
                .get(app.url("/console/orgs"))
                .send()
                .await
                .unwrap()
                .status(),
            403
        );

        // The API says the same: bearer tokens, scope, 404 for other tenants, localised errors.
        let owner_user = app
            .store
            .user_by_email("owner@alpha.example")
            .await
            .unwrap()
            .unwrap();
        let (_, token) = app
            .store
            .create_token(&Actor::cli(), &owner_user, "test")
            .await
            .unwrap();
        let api = reqwest::Client::new();
        let list: Value = api
            .get(app.url("/api/v1/orgs"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let ids: Vec<&str> = list["orgs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["id"].as_str().unwrap())
            .collect();
        assert_eq!(ids, vec![alpha.as_str()]);
        assert_eq!(list["orgs"][0]["industry_name"], "製造業");
        let hidden = api
            .get(app.url(&format!("/api/v1/orgs/{beta}")))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(hidden.status(), 404);
        let body: Value = hidden.json().await.unwrap();
        assert_eq!(body["error"]["code"], "not_found");
        assert!(
            body["error"]["message"]
                .as_str()
                .unwrap()
                .contains("見つかりません")
        );
        let english: Value = api
            .get(app.url(&format!("/api/v1/orgs/{beta}")))
            .bearer_auth(&token)
            .header("Accept-Language", "en")
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert!(
            english["error"]["message"]
                .as_str()
                .unwrap()
                .contains("not found")
        );
        let denied = api
            .post(app.url("/api/v1/orgs"))
            .bearer_auth(&token)
            .json(&serde_json::json!({"name": "x", "industry": "E", "employees": "6-20", "contact_email": ""}))
            .send()
            .await
            .unwrap();
        assert_eq!(denied.status(), 403);
        let anonymous = api.get(app.url("/api/v1/orgs")).send().await.unwrap();
        assert_eq!(anonymous.status(), 401);
        assert_eq!(
            anonymous.json::<Value>().await.unwrap()["error"]["code"],
            "unauthorized"
        );

        // Administrators create organisations over the API; bad classes are named.
        let admin_user = app
            .store
            .user_by_email("admin@mamori.example")
            .await
            .unwrap()
            .unwrap();
        let (_, admin_token) = app
            .store
            .create_token(&Actor::cli(), &admin_user, "test")
            .await
            .unwrap();
        let bad: Value = api
            .post(app.url("/api/v1/orgs"))
            .bearer_auth(&admin_token)
            .json(&serde_json::json!({"name": "ガンマ", "industry": "Z", "employees": "6-20", "contact_email": ""}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(bad["error"]["code"], "invalid_input.industry");
        assert!(bad["error"]["message"].as_str().unwrap().contains("「Z」"));
        let created = api
            .post(app.url("/api/v1/orgs"))
            .bearer_auth(&admin_token)
            .json(&serde_json::json!({"name": "ガンマ", "industry": "g", "employees": "301+", "contact_email": "it@gamma.example"}))
            .send()
            .await
            .unwrap();
        assert_eq!(created.status(), 201);
        let malformed = api
            .post(app.url("/api/v1/orgs"))
            .bearer_auth(&admin_token)
            .header("Content-Type", "application/json")
            .body("{\"name\": ")
            .send()
            .await
            .unwrap();
        assert_eq!(malformed.status(), 400);
        let malformed: Value = malformed.json().await.unwrap();
        assert_eq!(malformed["error"]["code"], "invalid_body");
        assert!(
            malformed["error"]["message"]
                .as_str()
                .unwrap()
                .contains("1行目"),
            "{malformed}"
        );
        // Bodies are answered in the documented shape, naming the field, never a Rust type.
        for (content_type, body, status, words) in [
            (
                "application/json",
                r#"{"name": 5, "industry": "E", "employees": "6-20", "contact_email": ""}"#,
                400,
                "項目「name」",
            ),
            (
                "application/json",
                r#"{"industry": "E", "employees": "6-20", "contact_email": ""}"#,
                400,
                "項目「name」がありません",
            ),
            (
                "application/json",
                r#"["ガンマ", "E", "6-20", ""]"#,
                400,
                "オブジェクト",
            ),
            (
                "text/plain",
                r#"{"name": "ガンマ"}"#,
                415,
                "Content-Type: application/json",
            ),
        ] {
            let answer = api
                .post(app.url("/api/v1/orgs"))
                .bearer_auth(&admin_token)
                .header("Content-Type", content_type)
                .body(body)
                .send()
                .await
                .unwrap();
            assert_eq!(answer.status(), status, "{body}");
            let answer: Value = answer.json().await.unwrap();
            let message = answer["error"]["message"].as_str().unwrap();
            assert!(message.contains(words), "{body}: {message}");
            assert!(
                !message.contains("deserialize") && !message.contains("target type"),
                "{message}"
            );
        }
        let unknown: Value = api
            .get(app.url("/api/v1/nothing-here"))
            .bearer_auth(&admin_token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(unknown["error"]["code"], "not_found");
        let all: Value = api
            .get(app.url("/api/v1/orgs"))
            .bearer_auth(&admin_token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(all["orgs"].as_array().unwrap().len(), 3);

        // The audit log tells who did what, and scoped views show only their organisation.
        let entries = app
            .store
            .audit_log(&Scope::Organisation(alpha.clone()), 100)
            .await
            .unwrap();
        assert!(entries.iter().any(|e| e.action == "user.invited"));
        assert!(
            entries
                .iter()
                .all(|e| e.org_id.as_deref() == Some(alpha.as_str()))
        );
        let audit_page = admin
            .get(app.url("/console/audit"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            audit_page.contains("利用企業の追加") && audit_page.contains("owner@alpha.example")
        );
        assert_eq!(
            owner
                .get(app.url("/console/audit"))
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
async fn sign_in_is_rate_limited_and_says_nothing_about_accounts() {
    for db in TestDatabase::all().await {
        let app = TestApp::spawn(db).await;
        let admin = set_up(&app).await;
        let org = create_org(&app, &admin, "アルファ工業").await;
        invite_and_accept(
            &app,
            &admin,
            &org,
            "staff@alpha.example",
            "staff",
            "staff password 1",
        )
        .await;

        let attempt = |email: &'static str, password: &'static str| {
            let client = app.browser();
            let url = app.url("/login");
            async move {
                let response = client
                    .post(url)
                    .form(&[("email", email), ("password", password)])
                    .send()
                    .await
                    .unwrap();
                (response.status().as_u16(), response.text().await.unwrap())
            }
        };
        let (status_wrong, wrong) = attempt("staff@alpha.example", "not the password").await;
        let (status_unknown, unknown) = attempt("nobody@alpha.example", "not the password").await;
        assert_eq!((status_wrong, status_unknown), (401, 401));
        let message = "メールアドレスかパスワードが正しくありません";
        assert!(wrong.contains(message) && unknown.contains(message));
        for _ in 0..4 {
            attempt("staff@alpha.example", "not the password").await;
        }
        let (blocked, text) = attempt("staff@alpha.example", "staff password 1").await;
        assert_eq!(
            blocked, 429,
            "locked after five failures on {}",
            app.backend
        );
        assert!(text.contains("15分"));
        // Another account from the same address still works.
        let admin_again = app.browser();
        let ok = admin_again
            .post(app.url("/login"))
            .form(&[
                ("email", "admin@mamori.example"),
                ("password", "admin password 123"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(ok.status(), 303);
        let failures = app
            .store
            .audit_log(&Scope::AllOrganisations, 100)
            .await
            .unwrap()
            .into_iter()
            .filter(|e| e.action == "login.failed")
            .count();
        assert!(failures >= 6);
        app.stop().await;
    }
}

#[tokio::test]
async fn passwords_tokens_language_and_sign_out() {
    for db in TestDatabase::all().await {
        let app = TestApp::spawn(db).await;
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

        // Change own password: wrong current password is refused, the right one works.
        let account = owner
            .get(app.url("/account"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let csrf = csrf_of(&account);
        let refused = owner
            .post(app.url("/account/password"))
            .form(&[
                ("csrf", csrf.as_str()),
                ("current", "wrong password"),
                ("password", "a brand new password"),
                ("password_confirm", "a brand new password"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(refused.status(), 422);
        let blank = owner
            .post(app.url("/account/password"))
            .form(&[
                ("csrf", csrf.as_str()),
                ("current", "owner password 1"),
                ("password", "            "),
                ("password_confirm", "            "),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(blank.status(), 422, "a password of only spaces is refused");
        let changed = owner
            .post(app.url("/account/password"))
            .form(&[
                ("csrf", csrf.as_str()),
                ("current", "owner password 1"),
                ("password", "a brand new password"),
                ("password_confirm", "a brand new password"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(changed.status(), 303);
        assert!(
            app.store
                .authenticate("owner@alpha.example", "a brand new password")
                .await
                .unwrap()
                .is_some()
        );

        // API tokens from the account page work as bearer tokens, and can be revoked.
        let account = owner
            .get(app.url("/account"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let created = owner
            .post(app.url("/account/tokens"))
            .form(&[("csrf", csrf_of(&account).as_str()), ("name", "集計")])
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let token = common::value_of(&created, "class=\"copy\" readonly value=\"").unwrap();
        let me: Value = reqwest::Client::new()
            .get(app.url("/api/v1/me"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(me["email"], "owner@alpha.example");
        assert_eq!(me["org_id"], org.as_str());
        // Revoking someone else's token says it does not exist, and leaves it working.
        let admin_user = app
            .store
            .user_by_email("admin@mamori.example")
            .await
            .unwrap()
            .unwrap();
        let (theirs, their_secret) = app
            .store
            .create_token(&Actor::cli(), &admin_user, "admin's")
            .await
            .unwrap();
        let not_mine = owner
            .post(app.url(&format!("/account/tokens/{}/revoke", theirs.id)))
            .form(&[("csrf", csrf_of(&account).as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(not_mine.status(), 404);
        let still = reqwest::Client::new()
            .get(app.url("/api/v1/me"))
            .bearer_auth(&their_secret)
            .send()
            .await
            .unwrap();
        assert_eq!(still.status(), 200);

        // The administrator resets a password with a one-time link.
        let user = app
            .store
            .user_by_email("owner@alpha.example")
            .await
            .unwrap()
            .unwrap();
        let org_page = admin
            .get(app.url(&format!("/orgs/{org}")))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let reset = admin
            .post(app.url(&format!("/users/{}/reset", user.id)))
            .form(&[("csrf", csrf_of(&org_page).as_str())])
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let link = common::value_of(&reset, "class=\"copy\" readonly value=\"").unwrap();
        let fresh = app.browser();
        let done = fresh
            .post(&link)
            .form(&[
                ("password", "reset password 42"),
                ("password_confirm", "reset password 42"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(done.status(), 303);
        // The reset ended the owner's old session.
        assert_eq!(
            location(&owner.get(app.url("/account")).send().await.unwrap()),
            "/login"
        );
        let used_twice = app.browser().get(&link).send().await.unwrap();
        assert_eq!(used_twice.status(), 404);

        // Language switch: English pages after choosing English.
        let switched = fresh.get(app.url("/lang/en")).send().await.unwrap();
        assert_eq!(switched.status(), 303);
        let english = fresh
            .get(app.url(&format!("/orgs/{org}")))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(english.contains("Company details") && english.contains("lang=\"en\""));

        // Sign out ends the session.
        let out = fresh
            .post(app.url("/logout"))
            .form(&[("csrf", csrf_of(&english).as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(location(&out), "/login");
        assert_eq!(
            location(&fresh.get(app.url("/account")).send().await.unwrap()),
            "/login"
        );
        app.stop().await;
    }
}

#[tokio::test]
async fn health_and_openapi_describe_the_server() {
    for db in TestDatabase::all().await {
        let backend = db.backend;
        let app = TestApp::spawn(db).await;
        let health: Value = reqwest::get(app.url("/healthz"))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(health["status"], "ok");
        assert_eq!(health["database"], backend);
        assert!(health["version"].is_string());
        let doc: Value = reqwest::get(app.url("/api/v1/openapi.json"))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
        for path in [
            "/api/v1/orgs",
            "/api/v1/orgs/{id}",
            "/api/v1/me",
            "/api/v1/openapi.json",
        ] {
            assert!(
                doc["paths"].get(path).is_some(),
                "{path} missing from OpenAPI"
            );
        }
        assert_document_is_exact(&doc);
        app.stop().await;
    }
}

/// What a schema-based client relies on: parameters where the route reads them, every answer
/// the route can give listed, and the bounds of list parameters stated.
fn assert_document_is_exact(doc: &Value) {
    let paths = doc["paths"].as_object().expect("paths");
    let mut bodies = 0;
    for (path, item) in paths {
        for (method, op) in item.as_object().expect("path item") {
            let name = format!("{method} {path}");
            let responses = op["responses"].as_object().expect("responses");
            for parameter in op["parameters"].as_array().into_iter().flatten() {
                let (place, param) = (&parameter["in"], parameter["name"].as_str().unwrap());
                if place == "path" {
                    assert!(
                        path.contains(&format!("{{{param}}}")),
                        "{name}: {param} is not in the path"
                    );
                } else {
                    assert_eq!(place, "query", "{name}: {param}");
                    assert!(
                        responses.contains_key("400"),
                        "{name} reads a query but lists no 400"
                    );
                }
                if param == "limit" {
                    assert_eq!(parameter["schema"]["minimum"], 1, "{name}");
                    assert_eq!(parameter["schema"]["maximum"], 1000, "{name}");
                }
            }
            let open = op["security"].as_array().is_some_and(|r| {
                r.iter()
                    .all(|r| r.as_object().is_some_and(|m| m.is_empty()))
            });
            if !open {
                assert!(
                    responses.contains_key("401"),
                    "{name} needs a token but lists no 401"
                );
            }
            if op.get("requestBody").is_some() {
                bodies += 1;
                for status in ["400", "413", "415"] {
                    assert!(
                        responses.contains_key(status),
                        "{name} reads a body but lists no {status}"
                    );
                }
            }
        }
    }
    assert!(bodies > 10, "only {bodies} operations with a body");
    // Two types of the same name would silently share one schema.
    let schemas = doc["components"]["schemas"].as_object().expect("schemas");
    assert!(schemas.contains_key("AnswerDraft") && schemas.contains_key("DocumentDraftView"));
}

#[tokio::test]
async fn refusals_are_pages_in_the_reader_s_language_under_their_own_header() {
    for db in TestDatabase::all().await {
        let app = TestApp::spawn(db).await;
        let (admin, alpha, owner) = common::org_with_owner(&app, "アルファ工業").await;
        let beta = create_org(&app, &admin, "ベータ商事").await;

        // Another company's page: 404 exactly as for one that does not exist, written for
        // the reader and under the header of their own company.
        for path in [
            format!("/orgs/{beta}/alerts"),
            "/orgs/nothing/alerts".into(),
        ] {
            let refused = owner.get(app.url(&path)).send().await.unwrap();
            assert_eq!(refused.status(), 404, "{path} on {}", app.backend);
            let html = refused.text().await.unwrap();
            assert!(html.contains("お探しのページやデータは見つかりませんでした。"));
            assert!(html.contains("アルファ工業"), "{html}");
            assert!(!html.contains("ベータ商事"));
        }
        let english = owner
            .get(app.url(&format!("/orgs/{beta}/alerts")))
            .header("Accept-Language", "en")
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(english.contains("The page or data you asked for was not found."));

        // A role that may not: 403 with what to do about it.
        let forbidden = owner.get(app.url("/console/desk")).send().await.unwrap();
        assert_eq!(forbidden.status(), 403);
        assert!(
            forbidden
                .text()
                .await
                .unwrap()
                .contains("この操作を行う権限がありません。")
        );

        // A form whose token is not the session's: 403 saying to reload.
        let stale = admin
            .post(app.url(&format!("/orgs/{alpha}/retention")))
            .form(&[("csrf", "not-the-token"), ("days", "30")])
            .send()
            .await
            .unwrap();
        assert_eq!(stale.status(), 403);
        assert!(
            stale
                .text()
                .await
                .unwrap()
                .contains("フォームの有効期限が切れました。")
        );
        app.stop().await;
    }
}
