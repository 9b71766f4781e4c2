//! The information asset ledger on the web: the owner adds an asset and sees the importance
//! mamori computes (sensitive personal information makes it 2), a hand-set importance needs a
//! reason, the ledger goes out as CSV in the IPA columns and comes back in (a file with a bad
//! row adds nothing and names the line and column; a Shift_JIS file from Excel is read), staff
//! may look but not change, and another company's assets are not found. The risk analysis
//! sheet on those assets: large and overdue risks first, residual risk, tenancy.

use mamori_model::Scope;
use mamori_testkit::TestDatabase;

use crate::common::{
    TestApp, create_org, csrf_of, invite_and_accept, location, org_with_owner, page_text,
};

/// Posts the asset form at `path` and returns the status and the redirect or page.
async fn post_form(
    app: &TestApp,
    client: &reqwest::Client,
    path: &str,
    fields: &[(&str, &str)],
) -> (u16, String) {
    let csrf = csrf_of(&page_text(app, client, path).await);
    let mut form = vec![("csrf", csrf.as_str())];
    form.extend_from_slice(fields);
    let response = client.post(app.url(path)).form(&form).send().await.unwrap();
    let status = response.status().as_u16();
    let to = location(&response);
    let body = response.text().await.unwrap();
    (status, if to.is_empty() { body } else { to })
}

/// Uploads `file` to the ledger's import form.
async fn import(
    app: &TestApp,
    client: &reqwest::Client,
    org: &str,
    file: Vec<u8>,
) -> (u16, String) {
    let csrf = csrf_of(&page_text(app, client, &format!("/orgs/{org}/assets")).await);
    let form = reqwest::multipart::Form::new().text("csrf", csrf).part(
        "file",
        reqwest::multipart::Part::bytes(file).file_name("ledger.csv"),
    );
    let response = client
        .post(app.url(&format!("/orgs/{org}/assets/import")))
        .multipart(form)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let to = location(&response);
    let body = response.text().await.unwrap();
    (status, if to.is_empty() { body } else { to })
}

/// The names of organisation `org`'s assets, as stored.
async fn stored(app: &TestApp, org: &str) -> Vec<String> {
    let handle = app
        .store
        .org_store(&Scope::AllOrganisations, org)
        .await
        .unwrap();
    handle
        .assets()
        .list()
        .await
        .unwrap()
        .into_iter()
        .map(|a| a.name)
        .collect()
}

#[tokio::test]
async fn the_company_keeps_its_asset_ledger_on_the_web_and_in_csv() {
    for db in TestDatabase::all().await {
        let app = TestApp::spawn(db).await;
        let (admin, org, owner) = org_with_owner(&app, "アルファ工業").await;
        let beta = create_org(&app, &admin, "ベータ商事").await;
        let ledger = format!("/orgs/{org}/assets");
        let empty = page_text(&app, &owner, &ledger).await;
        assert!(empty.contains("まだ何も記録されていません"), "{empty}");

        // Sensitive personal information makes the asset important whatever C, I, A say.
        let (status, to) = post_form(
            &app,
            &owner,
            &format!("{ledger}/new"),
            &[
                ("name", "健康診断の結果"),
                ("category", "人事"),
                ("medium", "書類"),
                ("personal", "on"),
                ("sensitive", "on"),
                ("confidentiality", "1"),
                ("integrity", "0"),
                ("availability", "0"),
                ("retention", "5年"),
                ("registered_on", "2016/7/1"),
            ],
        )
        .await;
        assert_eq!(
            (status, to.as_str()),
            (303, format!("{ledger}?done=asset_saved").as_str())
        );
        let page = page_text(&app, &owner, &format!("{ledger}?done=asset_saved")).await;
        for expected in [
            "情報資産の台帳を保存しました",
            "健康診断の結果",
            "1件を記録しています。資産の重要度 2 が 1件",
            // Pages escape "/" in text as "&#x2f;".
            "2016&#x2f;07&#x2f;01",
        ] {
            assert!(
                page.contains(expected),
                "{expected} on {}: {page}",
                app.backend
            );
        }

        // A hand-set importance without a reason is refused and nothing changes; with one it
        // counts, and the computed value stays visible.
        let (status, refused) = post_form(
            &app,
            &owner,
            &format!("{ledger}/new"),
            &[
                ("name", "見積書"),
                ("confidentiality", "2"),
                ("importance", "0"),
            ],
        )
        .await;
        assert_eq!(status, 422);
        assert!(refused.contains("理由を書いてください"), "{refused}");
        assert_eq!(stored(&app, &org).await, ["健康診断の結果"]);
        let (status, _) = post_form(
            &app,
            &owner,
            &format!("{ledger}/new"),
            &[
                ("name", "見積書"),
                ("confidentiality", "2"),
                ("importance", "1"),
                ("override_reason", "取引先にも控えがある"),
            ],
        )
        .await;
        assert_eq!(status, 303);
        let page = page_text(&app, &owner, &ledger).await;
        assert!(page.contains("（手で設定。求めた値は 2）"), "{page}");

        // Out as CSV in the IPA columns.
        let csv = owner
            .get(app.url(&format!("/orgs/{org}/assets.csv")))
            .send()
            .await
            .unwrap();
        assert_eq!(csv.headers()["content-type"], "text/csv; charset=utf-8");
        let text = csv.text().await.unwrap();
        assert!(
            text.starts_with("\u{feff}業務分類,情報資産名称,備考"),
            "{text}"
        );
        assert!(
            text.contains("人事,健康診断の結果,,,,書類,○,○,,1,0,0,2,,5年,2016-07-01"),
            "{text}"
        );

        // In: one bad row and nothing is taken; then Excel's Shift_JIS file is.
        let bad = "情報資産名称,機密性,個人情報\n顧客名簿,2,○\n社員名簿,3,○\n";
        let (status, page) = import(&app, &owner, &org, bad.as_bytes().to_vec()).await;
        assert_eq!(status, 422, "{page}");
        assert!(page.contains("何も取り込んでいません"), "{page}");
        assert!(
            page.contains("3行目: 「機密性」は 0、1、2 のどれかにしてください。"),
            "{page}"
        );
        assert_eq!(stored(&app, &org).await.len(), 2);
        let (status, page) = import(&app, &owner, &org, vec![b'a'; 11 * 1024 * 1024]).await;
        assert_eq!(status, 422);
        assert!(
            page.contains("ファイルが大きすぎます（10MB まで）"),
            "{page}"
        );
        let (sjis, _, _) =
            encoding_rs::SHIFT_JIS.encode("情報資産名称,機密性,個人情報\r\n顧客名簿,2,○\r\n");
        let (status, to) = import(&app, &owner, &org, sjis.into_owned()).await;
        assert_eq!(
            (status, to.as_str()),
            (303, format!("{ledger}?done=assets_imported").as_str())
        );
        assert!(stored(&app, &org).await.contains(&"顧客名簿".to_owned()));

        // The workbook, from the page and from the command line, reads back the same ledger.
        let today = chrono::Utc::now().date_naive();
        let workbook = owner
            .get(app.url(&format!("/orgs/{org}/assets.xlsx")))
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
        let from_page =
            mamori_risk::workbook::read_xlsx(&workbook, today).expect("the ledger sheet");
        let names = |assets: Vec<mamori_model::InformationAsset>| -> Vec<String> {
            let mut names: Vec<String> = assets.into_iter().map(|a| a.name).collect();
            names.sort();
            names
        };
        let mut expected = stored(&app, &org).await;
        expected.sort();
        assert_eq!(names(from_page), expected);
        let out = tempfile::tempdir().unwrap();
        let path = out.path().join("risk.xlsx");
        let exported = std::process::Command::new(env!("CARGO_BIN_EXE_mamori"))
            .args([
                "risk",
                "export",
                "--org",
                &org,
                "--database-url",
                app.database_url(),
                "-o",
            ])
            .arg(&path)
            .output()
            .unwrap();
        assert!(
            exported.status.success(),
            "{}",
            String::from_utf8_lossy(&exported.stderr)
        );
        let from_cli =
            mamori_risk::workbook::read_xlsx(&std::fs::read(&path).unwrap(), today).unwrap();
        assert_eq!(names(from_cli), expected);
        let unknown = std::process::Command::new(env!("CARGO_BIN_EXE_mamori"))
            .args([
                "risk",
                "export",
                "--org",
                "nope",
                "--database-url",
                app.database_url(),
            ])
            .output()
            .unwrap();
        assert_eq!(unknown.status.code(), Some(1));
        assert!(String::from_utf8_lossy(&unknown.stderr).contains("there is no organisation nope"));
        // A workbook goes back in through the same import: every asset once more.
        let (status, to) = import(&app, &owner, &org, workbook.to_vec()).await;
        assert_eq!(
            (status, to.as_str()),
            (303, format!("{ledger}?done=assets_imported").as_str())
        );
        assert_eq!(stored(&app, &org).await.len(), 2 * expected.len());

        // Staff look but do not change.
        let staff = invite_and_accept(
            &app,
            &owner,
            &org,
            "staff@alpha.example",
            "staff",
            "staff password 12",
        )
        .await;
        let seen = page_text(&app, &staff, &ledger).await;
        assert!(seen.contains("健康診断の結果") && !seen.contains("情報資産を追加"));
        let denied = staff
            .get(app.url(&format!("{ledger}/new")))
            .send()
            .await
            .unwrap();
        assert_eq!(denied.status(), 403);

        // Another company's assets are not found, by list or by id.
        let (status, _) = post_form(
            &app,
            &admin,
            &format!("/orgs/{beta}/assets/new"),
            &[("name", "ベータの名簿")],
        )
        .await;
        assert_eq!(status, 303);
        let beta_id = app
            .store
            .org_store(&Scope::AllOrganisations, &beta)
            .await
            .unwrap()
            .assets()
            .list()
            .await
            .unwrap()
            .remove(0)
            .id;
        for path in [
            format!("/orgs/{beta}/assets"),
            format!("{ledger}/{beta_id}"),
            format!("/orgs/{beta}/assets.csv"),
        ] {
            let response = owner.get(app.url(&path)).send().await.unwrap();
            assert_eq!(response.status(), 404, "{path} on {}", app.backend);
        }
        let csrf = csrf_of(&page_text(&app, &owner, &ledger).await);
        let taken = owner
            .post(app.url(&format!("{ledger}/{beta_id}/delete")))
            .form(&[("csrf", csrf.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(taken.status(), 404);
        assert_eq!(stored(&app, &beta).await, ["ベータの名簿"]);
        app.stop().await;
    }
}

#[tokio::test]
async fn the_ledger_over_the_api_checks_rows_and_keeps_tenants_apart() {
    use crate::common::api;
    use crate::common::tenants::{TwoTenants, two_tenants};
    use reqwest::Method;
    use serde_json::json;

    for db in TestDatabase::all().await {
        let app = TestApp::spawn(db).await;
        let TwoTenants {
            alpha,
            beta,
            alpha_owner,
            beta_owner,
            analyst,
        } = two_tenants(&app.store).await;
        let path = format!("/api/v1/orgs/{alpha}/assets");

        let (status, made) = api(
            &app,
            Method::POST,
            &path,
            &alpha_owner,
            Some(
                json!({"name": "給与データ", "category": "経理", "my_number": true, "integrity": 1,
                        "registered_on": "2016-07-01"}),
            ),
        )
        .await;
        assert_eq!(status, 201, "{made}");
        assert_eq!(
            (
                made["importance"].as_u64(),
                made["computed_importance"].as_u64()
            ),
            (Some(2), Some(2))
        );
        let aid = made["id"].as_str().unwrap().to_owned();

        // A hand-set importance without a reason is refused with its code.
        let (status, refused) = api(
            &app,
            Method::PUT,
            &format!("{path}/{aid}"),
            &analyst,
            Some(json!({"name": "給与データ", "my_number": true, "importance_override": 1})),
        )
        .await;
        assert_eq!(
            (status, refused["error"]["code"].as_str()),
            (422, Some("invalid_input.reason_missing")),
            "{refused}"
        );
        let (status, changed) = api(
            &app,
            Method::PUT,
            &format!("{path}/{aid}"),
            &analyst,
            Some(
                json!({"name": "給与データ", "my_number": true, "importance_override": 1,
                        "override_reason": "紙の控えのみ社外に保管"}),
            ),
        )
        .await;
        assert_eq!(status, 200, "{changed}");
        assert_eq!(
            (
                changed["importance"].as_u64(),
                changed["computed_importance"].as_u64()
            ),
            (Some(1), Some(2))
        );

        // A line of the risk analysis on that asset, assessed in the answer.
        let risks = format!("/api/v1/orgs/{alpha}/risks");
        let line = json!({"asset_id": aid, "threat": "loss", "threat_level": 3, "vulnerability": 2,
                          "treatment": "transfer", "due_on": "2000/01/31"});
        let (status, risk) =
            api(&app, Method::POST, &risks, &alpha_owner, Some(line.clone())).await;
        assert_eq!(status, 201, "{risk}");
        assert_eq!(
            (
                risk["likelihood"].as_u64(),
                risk["risk"].as_u64(),
                risk["band"].as_str(),
                risk["overdue"].as_bool()
            ),
            (Some(2), Some(2), Some("medium"), Some(true)),
            "importance 1 (set by hand) × likelihood(3, 2) = 2: {risk}"
        );
        assert_eq!(risk["due_on"], "2000-01-31");
        let rid = risk["id"].as_str().unwrap().to_owned();
        let beta_asset = {
            let (status, made) = api(
                &app,
                Method::POST,
                &format!("/api/v1/orgs/{beta}/assets"),
                &beta_owner,
                Some(json!({"name": "ベータの名簿"})),
            )
            .await;
            assert_eq!(status, 201);
            made["id"].as_str().unwrap().to_owned()
        };
        let mut foreign = line.clone();
        foreign["asset_id"] = json!(beta_asset);
        let (status, refused) = api(&app, Method::POST, &risks, &alpha_owner, Some(foreign)).await;
        assert_eq!(
            (status, refused["error"]["code"].as_str()),
            (422, Some("invalid_input.asset_missing"))
        );
        let mut unknown = line.clone();
        unknown["threat"] = json!("meteor");
        let (status, refused) = api(&app, Method::POST, &risks, &alpha_owner, Some(unknown)).await;
        assert_eq!(
            (status, refused["error"]["code"].as_str()),
            (422, Some("invalid_input.unknown_threat"))
        );
        for (method, target) in [
            (Method::GET, risks.clone()),
            (Method::GET, format!("{risks}/{rid}")),
            (Method::DELETE, format!("{risks}/{rid}")),
        ] {
            let (status, _) = api(&app, method.clone(), &target, &beta_owner, None).await;
            assert_eq!(status, 404, "{method} {target}");
        }
        let (status, listed) = api(&app, Method::GET, &risks, &alpha_owner, None).await;
        assert_eq!((status, listed.as_array().map(Vec::len)), (200, Some(1)));

        // Beta's owner neither reads nor changes Alpha's ledger.
        for (method, target) in [
            (Method::GET, path.clone()),
            (Method::GET, format!("{path}/{aid}")),
            (Method::DELETE, format!("{path}/{aid}")),
        ] {
            let (status, _) = api(&app, method.clone(), &target, &beta_owner, None).await;
            assert_eq!(status, 404, "{method} {target} on {}", app.backend);
        }
        let (status, listed) = api(&app, Method::GET, &path, &alpha_owner, None).await;
        assert_eq!((status, listed.as_array().map(Vec::len)), (200, Some(1)));
        let (status, _) = api(
            &app,
            Method::DELETE,
            &format!("{path}/{aid}"),
            &alpha_owner,
            None,
        )
        .await;
        assert_eq!(status, 204);
        let (status, _) = api(
            &app,
            Method::GET,
            &format!("{path}/{aid}"),
            &alpha_owner,
            None,
        )
        .await;
        assert_eq!(status, 404);
        app.stop().await;
    }
}

#[tokio::test]
async fn the_risk_analysis_puts_large_and_overdue_risks_first_and_stays_with_its_company() {
    for db in TestDatabase::all().await {
        let app = TestApp::spawn(db).await;
        let (admin, org, owner) = org_with_owner(&app, "アルファ工業").await;
        let beta = create_org(&app, &admin, "ベータ商事").await;
        let sheet = format!("/orgs/{org}/risks");
        let before = page_text(&app, &owner, &sheet).await;
        assert!(
            before.contains("先に情報資産の台帳に資産を登録してください"),
            "{before}"
        );
        for (org_id, client, name) in [
            (&org, &owner, "顧客データベース"),
            (&beta, &admin, "ベータの名簿"),
        ] {
            let (status, _) = post_form(
                &app,
                client,
                &format!("/orgs/{org_id}/assets/new"),
                &[("name", name), ("confidentiality", "2")],
            )
            .await;
            assert_eq!(status, 303);
        }
        let asset_of = |org_id: String| {
            let app = &app;
            async move {
                app.store
                    .org_store(&Scope::AllOrganisations, &org_id)
                    .await
                    .unwrap()
                    .assets()
                    .list()
                    .await
                    .unwrap()
                    .remove(0)
                    .id
            }
        };
        let (ours, theirs) = (asset_of(org.clone()).await, asset_of(beta.clone()).await);

        // The guideline's example: an important database, a frequent threat, nothing in its
        // way — 2 × 3 = 6, large; its measures are past their date.
        let line = |asset: &str, level: &str| {
            vec![
                ("asset_id", asset.to_owned()),
                ("threat", "unauthorised_access".to_owned()),
                ("threat_level", "3".to_owned()),
                ("vulnerability", level.to_owned()),
                ("treatment", "reduce".to_owned()),
                ("measures", "WAF を入れる".to_owned()),
                ("owner", "田中".to_owned()),
                ("due_on", "2026/12/01".to_owned()),
            ]
        };
        let post = |path: String, fields: Vec<(&'static str, String)>| {
            let (app, owner) = (&app, &owner);
            async move {
                let borrowed: Vec<(&str, &str)> =
                    fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
                post_form(app, owner, &path, &borrowed).await
            }
        };
        let (status, refused) = post(format!("{sheet}/new"), line(&ours, "7")).await;
        assert_eq!(status, 422);
        assert!(refused.contains("1、2、3 から選んでください"), "{refused}");
        let (status, refused) = post(format!("{sheet}/new"), line(&theirs, "3")).await;
        assert_eq!(status, 422, "another company's asset is not offered");
        assert!(
            refused.contains("台帳にある情報資産を選んでください"),
            "{refused}"
        );
        let (status, to) = post(format!("{sheet}/new"), line(&ours, "3")).await;
        assert_eq!(
            (status, to.as_str()),
            (303, format!("{sheet}?done=risk_saved").as_str())
        );
        let page = page_text(&app, &owner, &sheet).await;
        for expected in [
            "大きなリスクが 1件あります",
            "期限を過ぎた対策が 1件あります",
            "6（大）",
            "<td class=\"band-large\" title=\"大\">1</td>",
            "期限切れ",
            "担当: 田中",
        ] {
            assert!(
                page.contains(expected),
                "{expected} on {}: {page}",
                app.backend
            );
        }

        // Done, and what is left after the measures.
        let rid = app
            .store
            .org_store(&Scope::AllOrganisations, &org)
            .await
            .unwrap()
            .risks()
            .list()
            .await
            .unwrap()
            .remove(0)
            .id;
        let mut done = line(&ours, "3");
        done.push(("done_on", "2026-12-05".to_owned()));
        done.push(("residual_vulnerability", "1".to_owned()));
        let (status, _) = post(format!("{sheet}/{rid}"), done).await;
        assert_eq!(status, 303);
        let page = page_text(&app, &owner, &sheet).await;
        assert!(
            page.contains("2（中）") && !page.contains("期限を過ぎた対策"),
            "{page}"
        );

        // After a self-assessment, the vulnerability can come from its answers: theft's items
        // are 13, 16 and 17, and the office is not always locked (17: no) — 3.
        let mut answered = serde_json::Map::new();
        for n in 1..=25 {
            answered.insert(
                n.to_string(),
                serde_json::json!(if n == 17 { "no" } else { "yes" }),
            );
        }
        let handle = app
            .store
            .org_store(&Scope::AllOrganisations, &org)
            .await
            .unwrap();
        handle
            .answers()
            .complete(
                &mamori_store::Actor::cli(),
                mamori_store::NewAnswers {
                    kind: mamori_store::AnswerKind::SelfAssessment,
                    subject: "",
                    edition: "ipa-sme-3.1",
                    answers: &serde_json::Value::Object(answered),
                },
            )
            .await
            .unwrap();
        let form = page_text(&app, &owner, &format!("{sheet}/new")).await;
        assert!(form.contains("自社診断の回答から決める"), "{form}");
        let mut theft = line(&ours, "auto");
        theft[1].1 = "theft".to_owned();
        let (status, _) = post(format!("{sheet}/new"), theft).await;
        assert_eq!(status, 303);
        let lines = handle.risks().list().await.unwrap();
        let stored_theft = lines
            .iter()
            .find(|l| l.threat == "theft")
            .expect("the theft line");
        assert_eq!(stored_theft.vulnerability, 3, "item 17 is not in place");

        // The provider's administrator changes the likelihood table for every company: a
        // frequent threat against no protection is now only likely 1.
        let table = "/console/likelihood";
        let form = page_text(&app, &admin, table).await;
        assert!(form.contains("標準の表"), "{form}");
        let cells = |corner: &str| -> Vec<(String, String)> {
            let grid = [[1, 1, 1], [1, 1, 2], [1, 2, 3]];
            let mut cells = Vec::new();
            for (t, row) in grid.iter().enumerate() {
                for (v, cell) in row.iter().enumerate() {
                    let name = format!("t{}v{}", t + 1, v + 1);
                    let value = if name == "t3v3" {
                        corner.to_owned()
                    } else {
                        cell.to_string()
                    };
                    cells.push((name, value));
                }
            }
            cells
        };
        let send = |fields: Vec<(String, String)>| {
            let (app, admin) = (&app, &admin);
            async move {
                let borrowed: Vec<(&str, &str)> = fields
                    .iter()
                    .map(|(k, v)| (k.as_str(), v.as_str()))
                    .collect();
                post_form(app, admin, table, &borrowed).await
            }
        };
        let (status, page) = send(cells("5")).await;
        assert_eq!(status, 422, "{page}");
        let (status, to) = send(cells("1")).await;
        assert_eq!(
            (status, to.as_str()),
            (303, "/console/likelihood?done=likelihood_saved")
        );
        let page = page_text(&app, &owner, &sheet).await;
        assert!(
            !page.contains("6（大）") && page.contains("2（中）"),
            "{page}"
        );
        let refused = owner.get(app.url(table)).send().await.unwrap();
        assert_eq!(refused.status(), 403, "companies do not set the table");
        let (status, _) = send(vec![("reset".to_owned(), "1".to_owned())]).await;
        assert_eq!(status, 303);
        assert!(page_text(&app, &owner, &sheet).await.contains("6（大）"));

        // Another company sees nothing of it; removing the asset removes its lines.
        let beta_owner = invite_and_accept(
            &app,
            &admin,
            &beta,
            "owner@beta.example",
            "owner",
            "owner password 34",
        )
        .await;
        for path in [sheet.clone(), format!("{sheet}/{rid}")] {
            let response = beta_owner.get(app.url(&path)).send().await.unwrap();
            assert_eq!(response.status(), 404, "{path}");
        }
        let csrf = csrf_of(&page_text(&app, &owner, &format!("/orgs/{org}/assets")).await);
        let removed = owner
            .post(app.url(&format!("/orgs/{org}/assets/{ours}/delete")))
            .form(&[("csrf", csrf.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(removed.status(), 303);
        let handle = app
            .store
            .org_store(&Scope::AllOrganisations, &org)
            .await
            .unwrap();
        assert!(handle.risks().list().await.unwrap().is_empty());
        app.stop().await;
    }
}

#[tokio::test]
async fn in_a_browser_the_owner_records_an_asset_and_its_large_risk() {
    use crate::common::browser::{Browser, owner_opens};
    let Some(browser) = Browser::start().await else {
        return;
    };
    let app = TestApp::spawn(TestDatabase::sqlite()).await;
    let (_admin, org, _owner) = org_with_owner(&app, "アルファ工業").await;
    owner_opens(&browser, &app, &org, "assets").await;
    browser
        .wait_for_text("main", "まだ何も記録されていません")
        .await;
    browser
        .click(&format!("a[href='/orgs/{org}/assets/new']"))
        .await;
    browser.fill("input[name=name]", "健康診断の結果").await;
    browser.fill("input[name=medium]", "書類").await;
    browser.click("input[name=sensitive]").await;
    browser.choose("select[name=confidentiality]", "1").await;
    browser.click("form.stacked button.primary").await;
    browser
        .wait_for_text("main", "情報資産の台帳を保存しました")
        .await;
    let ledger = browser.text("main").await;
    assert!(
        ledger.contains("1件を記録しています。資産の重要度 2 が 1件"),
        "{ledger}"
    );
    browser.screenshot("assets-01-ledger").await;

    browser.click(&format!("a[href='/orgs/{org}/risks']")).await;
    browser
        .click(&format!("a[href='/orgs/{org}/risks/new']"))
        .await;
    browser.choose("select[name=threat]", "theft").await;
    browser.choose("select[name=threat_level]", "3").await;
    browser.choose("select[name=vulnerability]", "3").await;
    browser.choose("select[name=treatment]", "reduce").await;
    browser
        .fill("textarea[name=measures]", "書類を鍵付きの棚に移す")
        .await;
    browser.click("form.stacked button.primary").await;
    browser
        .wait_for_text("main", "大きなリスクが 1件あります")
        .await;
    let sheet = browser.text("main").await;
    assert!(
        sheet.contains("6（大）") && sheet.contains("盗難"),
        "{sheet}"
    );
    browser.screenshot("assets-02-risks").await;
    browser.close().await;
    app.stop().await;
}
