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
use crate::common::{TestApp, create_org, csrf_of, location, org_with_owner, page_text};

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
        create_org(&app, &admin, "ベータ商事").await;
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
        let (status, refused) =
            post_form(&app, &owner, &format!("{inventory}/{}", server.id), &[]).await;
        assert!(
            status == 422 && refused.contains("機器の名前を入力してください。"),
            "a change without a name is refused"
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
    use crate::common::tenants::{analyst_token, org, owner_token};
    use reqwest::Method;
    use serde_json::json;

    for db in TestDatabase::all().await {
        let app = TestApp::spawn(db).await;
        let cli = mamori_store::Actor::cli();
        let alpha = app
            .store
            .create_org(&cli, org("アルファ工業"))
            .await
            .unwrap()
            .id;
        let beta = app
            .store
            .create_org(&cli, org("ベータ商事"))
            .await
            .unwrap()
            .id;
        loopback_ssh_source(&app.store, &alpha).await;
        let source = source_of(&app, &alpha).await;
        let alpha_owner = owner_token(&app.store, &alpha, "owner@alpha.example").await;
        let beta_owner = owner_token(&app.store, &beta, "owner@beta.example").await;
        let analyst = analyst_token(&app.store, "analyst@mamori.example").await;
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
