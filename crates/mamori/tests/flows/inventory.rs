//! The device inventory: a monitored source is listed as a device before anyone describes
//! it, the owner describes it and adds a UTM with its licences, dates typed with slashes are
//! kept, a date that is not one is refused with the field named, the page says what has
//! ended and what ends soon, the provider sees every client's end dates in one list, and
//! the API keeps tenants apart (another company's source cannot be claimed, a source is
//! described once).

use chrono::{Days, NaiveDate};
use mamori_model::Scope;
use mamori_testkit::TestDatabase;

use crate::common::tenants::loopback_ssh_source;
use crate::common::{
    TestApp, create_org, csrf_of, invite_and_accept, location, org_with_owner, page_text,
};

/// Posts the device form at `path` and returns the status and the redirect or page.
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

/// `today` moved by `days` (negative: back), written as people type it.
fn slashed(today: NaiveDate, days: i64) -> String {
    let day = if days >= 0 {
        today.checked_add_days(Days::new(days.unsigned_abs()))
    } else {
        today.checked_sub_days(Days::new(days.unsigned_abs()))
    };
    day.expect("a date").format("%Y/%m/%d").to_string()
}

/// The id of organisation `org`'s only monitored source.
async fn source_of(app: &TestApp, org: &str) -> String {
    let handle = app
        .store
        .org_store(&Scope::AllOrganisations, org)
        .await
        .unwrap();
    handle.sources().await.unwrap()[0].id.clone()
}

#[tokio::test]
async fn the_company_lists_its_devices_and_the_provider_sees_what_ends_soon() {
    for db in TestDatabase::all().await {
        let app = TestApp::spawn(db).await;
        let (admin, org, owner) = org_with_owner(&app, "アルファ工業").await;
        let beta = create_org(&app, &admin, "ベータ商事").await;
        let beta_owner = invite_and_accept(
            &app,
            &admin,
            &beta,
            "owner@beta.example",
            "owner",
            "beta owner password",
        )
        .await;
        loopback_ssh_source(&app.store, &org).await;
        let source = source_of(&app, &org).await;
        let inventory = format!("/orgs/{org}/devices");
        let today = app.store.zone().today();

        let listed = page_text(&app, &owner, &inventory).await;
        assert!(
            listed.contains("本社サーバー")
                && listed.contains("ログを監視中の機器です")
                && listed.contains("詳しい情報を記録する")
                && listed.contains("<td>サーバー</td>"),
            "a monitored source is a device before anyone describes it, on {}",
            app.backend
        );

        // The owner describes the watched server; the date is typed with slashes.
        let describe = format!("{inventory}/new?source={source}");
        let form = page_text(&app, &owner, &describe).await;
        assert!(
            form.contains("value=\"本社サーバー\""),
            "the form starts from the source"
        );
        let ends = slashed(today, 20);
        let (status, to) = post_form(
            &app,
            &owner,
            &describe,
            &[
                ("source_id", &source),
                ("kind", "server"),
                ("name", "本社サーバー"),
                ("os", "Ubuntu"),
                ("os_version", "24.04"),
                ("os_support_ends", &ends),
            ],
        )
        .await;
        assert_eq!(
            (status, to.as_str()),
            (303, format!("{inventory}?done=device_saved").as_str())
        );

        // A UTM whose IPS licence ended three days ago and whose web filter ends in 45.
        let (ips, filter, contract) = (slashed(today, -3), slashed(today, 45), slashed(today, 200));
        let new = format!("{inventory}/new");
        let (status, _) = post_form(
            &app,
            &owner,
            &new,
            &[
                ("kind", "utm"),
                ("name", "本社UTM"),
                ("licence.ips", &ips),
                ("licence.web_filter", &filter),
                ("licence.sandbox", ""),
                ("support_ends", &contract),
            ],
        )
        .await;
        assert_eq!(status, 303);
        let (status, refused) = post_form(
            &app,
            &owner,
            &new,
            &[
                ("kind", "pc"),
                ("name", "経理PC"),
                ("antivirus_expires", "来年"),
            ],
        )
        .await;
        assert_eq!(status, 422);
        assert!(
            refused.contains("「ウイルス対策ソフトのライセンス期限」を 2026-12-07 のような日付で入力してください。")
                && refused.contains("value=\"経理PC\""),
            "the field is named and what was typed stays"
        );

        let listed = page_text(&app, &owner, &inventory).await;
        assert!(
            listed.contains("2台を記録しています。期限が過ぎたものが 1台、60日以内に期限が来るものが 1台あります。"),
            "{listed}"
        );
        assert!(
            listed.contains("不正侵入防止（IPS）")
                && listed.contains("3日前に期限切れ")
                && listed.contains("あと20日")
                && !listed.contains("詳しい情報を記録する"),
            "each device shows its next end date; the source is described now"
        );
        assert!(
            listed.contains("UTM・ルーターのうち 1台は、警告メールの宛先が記録されていません。")
                && listed.contains("警告メールの宛先が未設定です"),
            "a UTM with nowhere to send its warnings is pointed out"
        );
        assert!(
            listed.contains("有効なライセンス: 7機能中 1機能")
                && listed.contains("不正侵入防止（IPS）・アンチウイルスのライセンスが記録されていないか、切れています。"),
            "a UTM that inspects nothing is told apart from one that does"
        );
        let orgs = page_text(&app, &admin, "/console/orgs").await;
        assert!(
            orgs.contains("警告メールの宛先がない UTM・ルーター: 1台"),
            "and shown to the provider in red"
        );
        let handle = app
            .store
            .org_store(&Scope::AllOrganisations, &org)
            .await
            .unwrap();
        let stored = handle.devices().list().await.unwrap();
        let utm = stored.iter().find(|d| d.name == "本社UTM").unwrap();
        assert_eq!(
            utm.licences.len(),
            2,
            "an empty date is no licence to watch"
        );
        let change = format!("{inventory}/{}", utm.id);
        let (status, refused) = post_form(
            &app,
            &owner,
            &change,
            &[
                ("kind", "utm"),
                ("name", "本社UTM"),
                ("alert_email", "情シス"),
            ],
        )
        .await;
        assert!(
            status == 422
                && refused.contains("「警告メールの宛先」を it@example.co.jp のようなメールアドレスで入力してください。"),
            "{status}"
        );
        let fields = [
            ("kind", "utm"),
            ("name", "本社UTM"),
            ("alert_email", " IT@Alpha.example "),
            ("support_ends", contract.as_str()),
            ("licence.ips", ips.as_str()),
            ("licence.web_filter", filter.as_str()),
        ];
        let (status, _) = post_form(&app, &owner, &change, &fields).await;
        assert_eq!(status, 303);
        let orgs = page_text(&app, &admin, "/console/orgs").await;
        assert!(!orgs.contains("警告メールの宛先がない"), "recorded now");
        // Another company reaches none of it.
        for path in [
            inventory.clone(),
            change.clone(),
            format!("{inventory}/new"),
        ] {
            let response = beta_owner.get(app.url(&path)).send().await.unwrap();
            assert_eq!(response.status().as_u16(), 404, "{path}");
        }
        let csrf = csrf_of(&page_text(&app, &beta_owner, &format!("/orgs/{beta}/devices")).await);
        let response = beta_owner
            .post(app.url(&format!("{change}/delete")))
            .form(&[("csrf", csrf.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(
            response.status().as_u16(),
            404,
            "beta cannot remove alpha's UTM"
        );
        let stored = handle.devices().list().await.unwrap();
        let utm = stored.iter().find(|d| d.name == "本社UTM").unwrap();
        assert_eq!(utm.alert_email, "it@alpha.example");
        assert_eq!(
            stored
                .iter()
                .find(|d| d.name == "本社サーバー")
                .unwrap()
                .os_support_ends,
            today
                .checked_add_days(Days::new(20))
                .unwrap()
                .format("%Y-%m-%d")
                .to_string()
        );

        // The provider's list: every client's end dates within 90 days, the ended first.
        let console = page_text(&app, &admin, "/console/expiries").await;
        let (ips_at, os_at, filter_at) = (
            console
                .find("不正侵入防止（IPS）")
                .expect("the ended licence"),
            console.find("OS のサポート終了").expect("the OS"),
            console.find("Web フィルタリング").expect("the web filter"),
        );
        assert!(ips_at < os_at && os_at < filter_at, "soonest first");
        assert!(
            console.contains("アルファ工業") && !console.contains("保守契約"),
            "200 days is beyond the list"
        );
        let response = owner
            .get(app.url("/console/expiries"))
            .send()
            .await
            .unwrap();
        assert_eq!(
            response.status().as_u16(),
            403,
            "owners do not see other clients"
        );

        // Removing the device: the source it stood for is listed again, undescribed.
        let server = stored.iter().find(|d| d.name == "本社サーバー").unwrap();
        let change_server = format!("{inventory}/{}", server.id);
        let (status, refused) =
            post_form(&app, &owner, &change_server, &[("kind", "server")]).await;
        assert!(
            status == 422 && refused.contains("機器の名前を入力してください。"),
            "a change without a name is refused"
        );
        let (status, refused) = post_form(
            &app,
            &owner,
            &change_server,
            &[("kind", "toaster"), ("name", "本社サーバー")],
        )
        .await;
        assert!(
            status == 422 && refused.contains("機器の種類を一覧から選んでください。"),
            "an unknown kind is refused, not guessed"
        );
        let csrf = csrf_of(&page_text(&app, &owner, &inventory).await);
        let response = owner
            .post(app.url(&format!("{inventory}/{}/delete", server.id)))
            .form(&[("csrf", csrf.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(
            location(&response),
            format!("{inventory}?done=device_removed")
        );
        let listed = page_text(&app, &owner, &inventory).await;
        assert!(listed.contains("詳しい情報を記録する"));
        app.stop().await;
    }
}

#[tokio::test]
async fn the_inventory_over_the_api_keeps_tenants_and_sources_apart() {
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
        loopback_ssh_source(&app.store, &alpha).await;
        let source = source_of(&app, &alpha).await;
        let path = format!("/api/v1/orgs/{alpha}/devices");

        let (status, listed) = api(&app, Method::GET, &path, &alpha_owner, None).await;
        assert_eq!(status, 200);
        assert_eq!(
            (
                listed[0]["id"].as_str(),
                listed[0]["kind"].as_str(),
                listed[0]["source_id"].as_str()
            ),
            (Some(""), Some("server"), Some(source.as_str())),
            "{listed}"
        );

        // Another company cannot claim alpha's source, nor read alpha's inventory.
        let claim = json!({"kind": "server", "name": "盗んだ名前", "source_id": source});
        let (status, _) = api(
            &app,
            Method::POST,
            &format!("/api/v1/orgs/{beta}/devices"),
            &beta_owner,
            Some(claim.clone()),
        )
        .await;
        assert_eq!(status, 404);
        let (status, _) = api(&app, Method::GET, &path, &beta_owner, None).await;
        assert_eq!(status, 404);

        let (status, made) = api(
            &app,
            Method::POST,
            &path,
            &alpha_owner,
            Some(
                json!({"kind": "utm", "name": "本社UTM", "source_id": source,
                "licences": [{"function": "ips", "expires_on": "2026/1/5"},
                             {"function": "anti_spam", "expires_on": "2099-12-31"}]}),
            ),
        )
        .await;
        assert_eq!(status, 201, "{made}");
        assert_eq!(
            (
                made["expiries"][0]["lapse"].as_str(),
                made["expiries"][0]["on"].as_str(),
                made["expiries"][0]["stage"].as_str()
            ),
            (Some("licence.ips"), Some("2026-01-05"), Some("lapsed"))
        );
        assert_eq!(made["expiries"][1]["stage"].as_str(), Some("later"));
        let did = made["id"].as_str().unwrap().to_owned();
        let (status, again) = api(&app, Method::POST, &path, &analyst, Some(claim)).await;
        assert_eq!(
            (status, again["error"]["code"].as_str()),
            (422, Some("invalid_input.source_described")),
            "a source is described once: {again}"
        );
        let (status, _) = api(
            &app,
            Method::POST,
            &path,
            &alpha_owner,
            Some(json!({"kind": "toaster", "name": "?"})),
        )
        .await;
        assert_eq!(
            status, 400,
            "an unknown kind is refused as a malformed body"
        );
        let (status, bad) = api(
            &app,
            Method::PUT,
            &format!("{path}/{did}"),
            &alpha_owner,
            Some(json!({"kind": "utm", "name": "本社UTM", "support_ends": "soon"})),
        )
        .await;
        assert_eq!(
            (status, bad["error"]["code"].as_str()),
            (422, Some("invalid_input.bad_date"))
        );

        let device = format!("{path}/{did}");
        for method in [Method::GET, Method::DELETE] {
            let (status, _) = api(&app, method, &device, &beta_owner, None).await;
            assert_eq!(status, 404, "beta never reaches alpha's device");
        }
        let (status, _) = api(&app, Method::DELETE, &device, &analyst, None).await;
        assert_eq!(status, 204);
        let (_, listed) = api(&app, Method::GET, &path, &alpha_owner, None).await;
        assert_eq!(listed.as_array().map(Vec::len), Some(1));
        assert_eq!(
            listed[0]["id"].as_str(),
            Some(""),
            "the source is undescribed again"
        );
        app.stop().await;
    }
}

#[tokio::test]
async fn a_licence_seven_days_from_its_end_brings_one_reminder_by_mail() {
    use mamori_model::{Device, DeviceKind, Severity, UtmFunction, UtmLicence};
    use mamori_store::{Actor, NewChannel, Store};
    use mamori_testkit::smtp::SmtpSink;
    use std::time::Duration;

    use crate::common::tenants::org;

    for db in TestDatabase::all().await {
        // The company, its mail channel and its UTM are there before mamori starts, so the
        // first look at the end dates (at start) finds the licence.
        let store = Store::connect(&db.url).await.expect("store");
        let cli = Actor::cli();
        let all = Scope::AllOrganisations;
        let alpha = store
            .create_org(&cli, org("アルファ工業"))
            .await
            .unwrap()
            .id;
        let channel = NewChannel {
            org_id: Some(alpha.clone()),
            kind: "email".into(),
            config: serde_json::json!({"kind": "email", "to": ["it@alpha.example"]}),
            min_severity: Severity::High,
            quiet_hours: None,
            digest: false,
            lang: "ja".into(),
        };
        store.create_channel(&cli, &all, channel).await.unwrap();
        let today = store.zone().today();
        let mut utm = Device::new(DeviceKind::Utm, "本社UTM");
        utm.alert_email = "it@alpha.example".into();
        utm.licences = vec![UtmLicence {
            function: UtmFunction::WebFilter,
            expires_on: today
                .checked_add_days(Days::new(7))
                .unwrap()
                .format("%Y-%m-%d")
                .to_string(),
        }];
        let handle = store.org_store(&all, &alpha).await.unwrap();
        handle.devices().save(&cli, &utm).await.unwrap();
        store.close().await;

        let smtp = SmtpSink::start().await;
        let smtp_url = smtp.url();
        let app = TestApp::spawn_with(
            db,
            &[
                "--smtp-url",
                &smtp_url,
                "--smtp-from",
                "mamori <alerts@provider.example>",
                "--public-url",
                "http://mamori.example",
            ],
        )
        .await;
        let mails = smtp.wait_for(1, Duration::from_secs(30)).await;
        let mail = &mails[0];
        assert_eq!(mail.to, ["it@alpha.example"]);
        assert_eq!(
            mail.subject(),
            "[mamori] お知らせ: 本社UTMのWeb フィルタリング — アルファ工業"
        );
        let body = mail.text_body();
        assert!(
            body.contains("あと7日")
                && body.contains("販売店に UTM のライセンス更新を申し込んでください")
                && body.contains(&format!("http://mamori.example/orgs/{alpha}/devices")),
            "{body}"
        );
        // One reminder: the channel's 'high and above' does not hold it back, and nothing
        // more follows.
        tokio::time::sleep(Duration::from_millis(500)).await;
        assert_eq!(smtp.messages().len(), 1, "on {}", app.backend);
        app.stop().await;
    }
}

#[tokio::test]
async fn in_a_browser_the_owner_records_a_utm_and_sees_what_it_lacks() {
    use crate::common::browser::{Browser, owner_opens};
    let Some(browser) = Browser::start().await else {
        return;
    };
    let app = TestApp::spawn(TestDatabase::sqlite()).await;
    let (_admin, org, _owner) = org_with_owner(&app, "アルファ工業").await;
    owner_opens(&browser, &app, &org, "devices").await;
    browser
        .wait_for_text("main", "まだ機器が記録されていません")
        .await;
    browser
        .click(&format!("a[href='/orgs/{org}/devices/new']"))
        .await;
    browser.choose("select[name=kind]", "utm").await;
    browser.fill("input[name=name]", "本社UTM").await;
    browser
        .fill("input[name=location]", "本社1階 サーバーラック")
        .await;
    browser.fill("input[name=os]", "FortiOS").await;
    browser.click("form.stacked button.primary").await;
    browser
        .wait_for_text("main", "IT機器の台帳を保存しました")
        .await;
    let listed = browser.text("main").await;
    assert!(
        listed.contains("UTM・ファイアウォール")
            && listed.contains("有効なライセンス: 7機能中 0機能")
            && listed.contains("警告メールの宛先が未設定です")
            && listed.contains("期限の記録なし"),
        "{listed}"
    );
    browser.screenshot("devices-01-inventory").await;

    // The alert destination is recorded; the warning goes.
    browser.click("table a[href*='/devices/']").await;
    browser
        .fill("input[name=alert_email]", "it@alpha.example")
        .await;
    browser.click("form.stacked button.primary").await;
    browser
        .wait_for_text("main", "IT機器の台帳を保存しました")
        .await;
    let listed = browser.text("main").await;
    assert!(!listed.contains("警告メールの宛先が未設定です"), "{listed}");
    browser.close().await;
    app.stop().await;
}
