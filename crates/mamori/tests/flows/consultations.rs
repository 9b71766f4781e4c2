//! Consultations: an owner asks the desk in plain words, the desk sees it in its queue across
//! clients, answers (the answer arrives by real SMTP), the two write back and forth until the
//! desk settles it; another company gets 404 everywhere and nobody but the desk sees the queue.

use std::time::Duration;

use crate::common::{
    TestApp, create_org, csrf_of, invite_and_accept, location, org_with_owner, page_text,
};
use mamori_testkit::TestDatabase;
use mamori_testkit::smtp::SmtpSink;

/// A consultation page's form as the browser sends it (multipart, for its file field).
fn multipart(fields: &[(&str, &str)]) -> reqwest::multipart::Form {
    fields
        .iter()
        .fold(reqwest::multipart::Form::new(), |form, (name, value)| {
            form.text(name.to_string(), value.to_string())
        })
}

#[tokio::test]
async fn an_owner_asks_the_desk_answers_by_mail_and_settles_it() {
    for db in TestDatabase::all().await {
        let smtp = SmtpSink::start().await;
        let smtp_url = smtp.url();
        let app = TestApp::spawn_with(
            db,
            &[
                "--smtp-url",
                &smtp_url,
                "--smtp-from",
                "mamori <desk@provider.example>",
            ],
        )
        .await;
        let (admin, alpha, owner) = org_with_owner(&app, "アルファ工業").await;
        let beta = create_org(&app, &admin, "ベータ商事").await;
        let other = invite_and_accept(
            &app,
            &admin,
            &beta,
            "owner@beta.example",
            "owner",
            "beta password 12",
        )
        .await;

        let list = format!("/orgs/{alpha}/consultations");
        let page = page_text(&app, &owner, &list).await;
        assert!(page.contains("新しく相談する"), "{}", app.backend);
        assert!(
            page.contains("1時間以内に最初の返事"),
            "the desk's usual promise is shown"
        );
        let csrf = csrf_of(&page);
        // The form is sent as multipart/form-data, as a browser sends a form with files.
        let send = |fields: Vec<(&'static str, String)>, files: Vec<(&'static str, Vec<u8>)>| {
            let (owner, url) = (owner.clone(), app.url(&list));
            async move {
                let mut form = reqwest::multipart::Form::new();
                for (name, value) in fields {
                    form = form.text(name, value);
                }
                for (name, bytes) in files {
                    let part = reqwest::multipart::Part::bytes(bytes)
                        .file_name(name)
                        .mime_str("image/png")
                        .unwrap();
                    form = form.part("attachment", part);
                }
                owner.post(url).multipart(form).send().await.unwrap()
            }
        };
        let unchosen = send(
            vec![
                ("csrf", csrf.clone()),
                ("subject", "件名".into()),
                ("body", "本文".into()),
            ],
            vec![],
        )
        .await;
        assert_eq!(unchosen.status(), 422);
        assert!(
            unchosen
                .text()
                .await
                .unwrap()
                .contains("相談の内容と急ぎ度を選んでください。")
        );
        let fields = || {
            vec![
                ("csrf", csrf.clone()),
                ("topic", "suspicious_mail".to_owned()),
                ("urgency", "high".to_owned()),
                ("subject", "経理部に届いた請求書メール".to_owned()),
                (
                    "body",
                    "請求書の添付ファイルを開くよう求めるメールが届きました。\nまだ開いていません。"
                        .to_owned(),
                ),
            ]
        };
        // Too large a file: refused with the reason, and nothing is stored.
        let big = vec![0u8; 5 * 1024 * 1024 + 1];
        let refused = send(fields(), vec![("screen.png", big)]).await;
        assert_eq!(refused.status(), 413, "{}", app.backend);
        assert!(
            refused
                .text()
                .await
                .unwrap()
                .contains("添付できるファイルは1件5MBまでです。")
        );
        let four = (0..4).map(|_| ("x.png", vec![1u8; 10])).collect();
        let refused = send(fields(), four).await;
        assert_eq!(refused.status(), 422);
        assert!(
            refused
                .text()
                .await
                .unwrap()
                .contains("添付できるファイルは3件までです。")
        );
        assert!(
            page_text(&app, &owner, &list)
                .await
                .contains("まだ相談はありません"),
            "nothing half-stored"
        );
        let asked = send(
            fields(),
            vec![("screen.png", b"\x89PNG screenshot".to_vec())],
        )
        .await;
        assert_eq!(asked.status(), 303, "{}", app.backend);
        let at = location(&asked);
        assert!(at.ends_with("?asked=1"), "{at}");
        let path = at.trim_end_matches("?asked=1").to_owned();
        let page = page_text(&app, &owner, &at).await;
        assert!(page.contains("相談を受け付けました。相談窓口から1時間以内に最初の返事をします。"));
        assert!(page.contains("窓口の対応待ち"));
        assert!(page.contains("まだ開いていません。"));
        let file_link = page
            .split("/files/")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .expect("the attached file is listed");
        let file_path = format!("{}/files/{file_link}", at.trim_end_matches("?asked=1"));
        let file = owner.get(app.url(&file_path)).send().await.unwrap();
        assert_eq!(file.status(), 200);
        assert_eq!(file.headers()["content-type"], "application/octet-stream");
        assert_eq!(file.bytes().await.unwrap().as_ref(), b"\x89PNG screenshot");

        // Nobody else's business: another company gets 404, as for what does not exist.
        let cid = path.rsplit('/').next().unwrap().to_owned();
        for elsewhere in [
            path.clone(),
            format!("/orgs/{beta}/consultations/{cid}"),
            file_path.clone(),
        ] {
            let refused = other.get(app.url(&elsewhere)).send().await.unwrap();
            assert_eq!(refused.status(), 404, "{elsewhere} on {}", app.backend);
        }
        assert!(
            !page_text(&app, &other, &format!("/orgs/{beta}/consultations"))
                .await
                .contains("経理部に届いた")
        );
        let queue = owner
            .get(app.url("/console/consultations"))
            .send()
            .await
            .unwrap();
        assert_eq!(queue.status(), 403, "only the desk sees the queue");

        // The desk's queue across clients.
        let queue = page_text(&app, &admin, "/console/consultations").await;
        assert!(queue.contains("経理部に届いた請求書メール"), "{queue}");
        assert!(queue.contains("アルファ工業"));
        assert!(queue.contains("窓口の対応待ち 1件"), "{queue}");

        // The desk answers; the asker gets it by e-mail.
        let desk_page = page_text(&app, &admin, &path).await;
        let answered = admin
            .post(app.url(&path))
            .multipart(multipart(&[
                ("csrf", csrf_of(&desk_page).as_str()),
                (
                    "body",
                    "添付ファイルは開かずに、メールごと削除してください。",
                ),
            ]))
            .send()
            .await
            .unwrap();
        assert_eq!(answered.status(), 303);
        assert!(
            location(&answered).ends_with("mail=sent"),
            "{}",
            location(&answered)
        );
        let mails = smtp.wait_for(1, Duration::from_secs(30)).await;
        assert_eq!(mails[0].to, vec!["owner@alpha.example".to_owned()]);
        assert!(
            mails[0].subject().contains("経理部に届いた請求書メール"),
            "{}",
            mails[0].subject()
        );
        assert!(
            mails[0]
                .text_body()
                .contains("メールごと削除してください。")
        );
        let seen = page_text(&app, &owner, &path).await;
        assert!(seen.contains("お客さまの返事待ち"));
        assert!(seen.contains("メールごと削除してください。"));

        // The company writes back; the turn is the desk's again, and the desk settles it.
        let reply = owner
            .post(app.url(&path))
            .multipart(
                multipart(&[
                    ("csrf", csrf_of(&seen).as_str()),
                    ("body", "削除しました。ありがとうございました。"),
                ])
                .part(
                    "attachment",
                    reqwest::multipart::Part::bytes(b"mail headers".to_vec())
                        .file_name("headers.txt"),
                ),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(reply.status(), 303);
        assert!(
            !location(&reply).contains("mail="),
            "the company's reply is not mailed to itself"
        );
        assert!(
            page_text(&app, &admin, &path)
                .await
                .contains("窓口の対応待ち")
        );
        let desk_page = page_text(&app, &admin, &path).await;
        let settled = admin
            .post(app.url(&path))
            .multipart(multipart(&[
                ("csrf", csrf_of(&desk_page).as_str()),
                ("body", "ご対応ありがとうございました。"),
                ("resolve", "1"),
            ]))
            .send()
            .await
            .unwrap();
        assert_eq!(settled.status(), 303);
        assert!(page_text(&app, &owner, &path).await.contains("解決済み"));

        // The desk assigns it; a company member cannot.
        let desk_page = page_text(&app, &admin, &path).await;
        let admin_id = desk_page
            .split("<option value=\"")
            .nth(2)
            .and_then(|rest| rest.split('"').next())
            .expect("a member of the desk to assign")
            .to_owned();
        let assigned = admin
            .post(app.url(&format!("{path}/assign")))
            .form(&[
                ("csrf", csrf_of(&desk_page).as_str()),
                ("assignee", admin_id.as_str()),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(assigned.status(), 303);
        let own = page_text(&app, &owner, &path).await;
        let refused = owner
            .post(app.url(&format!("{path}/assign")))
            .form(&[("csrf", csrf_of(&own).as_str()), ("assignee", "")])
            .send()
            .await
            .unwrap();
        assert_eq!(refused.status(), 403);

        // The desk records it as an incident; the owner follows it there.
        let desk_page = page_text(&app, &admin, &path).await;
        assert!(
            desk_page.contains("<option value=\"phishing\" selected>"),
            "a suspicious mail is offered as phishing"
        );
        let recorded = admin
            .post(app.url(&format!("{path}/incident")))
            .form(&[
                ("csrf", csrf_of(&desk_page).as_str()),
                ("title", "請求書を装ったメール"),
                ("category", "phishing"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(recorded.status(), 303, "{}", app.backend);
        let incident = location(&recorded);
        assert!(
            incident.starts_with(&format!("/orgs/{alpha}/incidents/")),
            "{incident}"
        );
        let record = page_text(&app, &owner, &incident).await;
        assert!(record.contains("請求書を装ったメール"));
        assert!(
            record.contains("経理部に届いた請求書メール"),
            "the timeline starts from the consultation"
        );
        assert!(
            page_text(&app, &owner, &path)
                .await
                .contains(&format!("href=\"{incident}\""))
        );
        assert_eq!(
            other.get(app.url(&incident)).send().await.unwrap().status(),
            404
        );
        let own = page_text(&app, &owner, &path).await;
        let refused = owner
            .post(app.url(&format!("{path}/incident")))
            .form(&[
                ("csrf", csrf_of(&own).as_str()),
                ("title", "x"),
                ("category", "other"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(
            refused.status(),
            403,
            "only the desk records incidents from consultations"
        );

        let audit = page_text(&app, &admin, "/console/audit").await;
        for entry in [
            "相談の受け付け",
            "相談への返事",
            "相談の担当の変更",
            "インシデントとして記録",
        ] {
            assert!(audit.contains(entry), "{entry} in the audit log");
        }
        app.stop().await;
    }
}

#[tokio::test]
async fn consultations_over_the_api_stay_with_their_organisation() {
    use crate::common::api;
    use crate::common::tenants::{analyst_token, org, owner_token};
    use mamori_store::Actor;
    use serde_json::{Value, json};

    for db in TestDatabase::all().await {
        let app = TestApp::spawn(db).await;
        let cli = Actor::cli();
        let alpha = app
            .store
            .create_org(&cli, org("アルファ工業"))
            .await
            .unwrap();
        let beta = app.store.create_org(&cli, org("ベータ商事")).await.unwrap();
        let alpha_token = owner_token(&app.store, &alpha.id, "owner@alpha.example").await;
        let beta_token = owner_token(&app.store, &beta.id, "owner@beta.example").await;
        let desk_token = analyst_token(&app.store, "analyst@provider.example").await;
        let call = |method: reqwest::Method, path: String, token: &str, body: Option<Value>| {
            let app = &app;
            let token = token.to_owned();
            async move { api(app, method, &path, &token, body).await }
        };
        use reqwest::Method;
        let list = format!("/api/v1/orgs/{}/consultations", alpha.id);
        let (status, body) = call(
            Method::POST,
            list.clone(),
            &alpha_token,
            Some(json!({"topic": "lost_device", "urgency": "high", "subject": "スマートフォンの紛失", "body": "社用の一台を紛失しました。"})),
        )
        .await;
        assert_eq!(status, 201, "{body} on {}", app.backend);
        let cid = body["consultation"]["id"].as_str().unwrap().to_owned();
        assert_eq!(body["consultation"]["status"], "open");
        assert_eq!(body["messages"][0]["body"], "社用の一台を紛失しました。");
        let (status, body) = call(
            Method::POST,
            list.clone(),
            &alpha_token,
            Some(json!({"topic": "weather", "urgency": "high", "subject": "x", "body": "y"})),
        )
        .await;
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            (422, Some("invalid_input.topic"))
        );

        // Another company: 404 on the list, the consultation and a reply; no queue for owners.
        let one = format!("{list}/{cid}");
        assert_eq!(
            call(Method::GET, list.clone(), &beta_token, None).await.0,
            404
        );
        assert_eq!(
            call(Method::GET, one.clone(), &beta_token, None).await.0,
            404
        );
        let reply = Some(json!({"body": "横から失礼します"}));
        assert_eq!(
            call(Method::POST, format!("{one}/replies"), &beta_token, reply)
                .await
                .0,
            404
        );
        let beta_one = format!("/api/v1/orgs/{}/consultations/{cid}", beta.id);
        assert_eq!(call(Method::GET, beta_one, &beta_token, None).await.0, 404);
        assert_eq!(
            call(
                Method::GET,
                "/api/v1/consultations".into(),
                &alpha_token,
                None
            )
            .await
            .0,
            403
        );

        // The desk sees it in its queue and settles it; without a mail server the answer is
        // kept and the caller is told it was not mailed.
        let (status, queue) = call(
            Method::GET,
            "/api/v1/consultations".into(),
            &desk_token,
            None,
        )
        .await;
        assert_eq!(status, 200);
        assert_eq!(queue[0]["subject"], "スマートフォンの紛失");
        assert_eq!(queue[0]["org_name"], "アルファ工業");
        let answer = Some(json!({"body": "遠隔ロックの手順をお送りします。", "resolve": true}));
        let (status, body) =
            call(Method::POST, format!("{one}/replies"), &desk_token, answer).await;
        assert_eq!(status, 201, "{body}");
        assert_eq!(body["consultation"]["status"], "resolved");
        assert_eq!(body["mail"], "no_server");
        assert!(body["consultation"]["first_response_at"].is_i64());
        let (status, listed) = call(Method::GET, list, &alpha_token, None).await;
        assert_eq!((status, listed.as_array().map(Vec::len)), (200, Some(1)));
        app.stop().await;
    }
}

#[tokio::test]
async fn in_a_browser_the_desk_answers_from_its_queue_and_works_the_incident() {
    use crate::common::browser::{Browser, sign_in};
    let Some(browser) = Browser::start().await else {
        return;
    };
    let app = TestApp::spawn(TestDatabase::sqlite()).await;
    let (_admin, alpha, owner) = org_with_owner(&app, "アルファ工業").await;
    let list = format!("/orgs/{alpha}/consultations");
    let page = page_text(&app, &owner, &list).await;
    let asked = owner
        .post(app.url(&list))
        .multipart(multipart(&[
            ("csrf", &csrf_of(&page)),
            ("topic", "strange_pc"),
            ("urgency", "high"),
            ("subject", "経理のパソコンの画面がおかしい"),
            ("body", "ファイルの名前が全部変わって、開けなくなりました。"),
        ]))
        .send()
        .await
        .unwrap();
    assert_eq!(asked.status(), 303);

    sign_in(&browser, &app, "admin@mamori.example", "admin password 123").await;
    browser.open_from_nav(&app, "/console/consultations").await;
    let queue = browser.text("main").await;
    assert!(queue.contains("アルファ工業") && queue.contains("経理のパソコンの画面がおかしい"));
    browser.screenshot("desk-01-queue").await;
    browser
        .click(&format!("main a[href^='/orgs/{alpha}/consultations/']"))
        .await;
    browser
        .wait_for_path(|p| p.contains("/consultations/"))
        .await;
    browser
        .fill(
            "textarea[name=body]",
            "LAN ケーブルを抜いて、電源は入れたままにしてください。すぐに伺います。",
        )
        .await;
    browser
        .click("form[enctype='multipart/form-data'] button.primary")
        .await;
    browser.wait_for_text("main", "返事を送りました。").await;
    let thread = browser.text("main").await;
    assert!(thread.contains("すぐに伺います"), "{thread}");
    // No mail server is configured here: the page says so rather than pretending.
    assert!(
        thread.contains("メールサーバーが設定されていない"),
        "{thread}"
    );
    browser.screenshot("desk-02-answered").await;

    // The desk records it as an incident, ransomware, and works its own step.
    browser.choose("select[name=category]", "ransomware").await;
    browser.click("form[action$='/incident'] button").await;
    browser.wait_for_path(|p| p.contains("/incidents/")).await;
    browser.wait_for_text("#steps", "1.").await;
    browser
        .click("#steps form:has(input[name=item][value='detect.desk_assessed']) button")
        .await;
    browser
        .wait_for_text("#steps", "admin@mamori.example")
        .await;
    browser.screenshot("desk-03-incident").await;
    let main = browser.text("main").await;
    assert!(main.contains("経理のパソコンの画面がおかしい"), "{main}");
    assert!(
        main.contains("JPCERT/CC"),
        "ransomware calls for JPCERT/CC: {main}"
    );
    browser.close().await;
    app.stop().await;
}
