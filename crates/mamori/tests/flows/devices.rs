//! The provider registers a client's devices on the web: the form, the setup guide for the
//! model filled with this server's address and syslog port, the token shown once, and the
//! first line from each device arriving; wrong input is refused with the reason, and only the
//! administrator may register.

use std::time::Duration;

use mamori_model::Scope;
use mamori_store::EventFilter;
use mamori_testkit::TestDatabase;

use crate::common::tenants::admin_token;
use crate::common::{TestApp, api, create_org, csrf_of, location, org_with_owner, page_text};

/// Registers a device through the console form and returns the status and page.
async fn register(
    app: &TestApp,
    client: &reqwest::Client,
    fields: &[(&str, &str)],
) -> (u16, String) {
    let csrf = csrf_of(&page_text(app, client, "/console/sources").await);
    let mut form: Vec<(&str, &str)> = vec![("csrf", &csrf)];
    form.extend_from_slice(fields);
    let response = client
        .post(app.url("/console/sources"))
        .form(&form)
        .send()
        .await
        .expect("register");
    let status = response.status().as_u16();
    (status, response.text().await.expect("page"))
}

/// The UDP syslog port a setup guide names (`UDP 5514`).
fn udp_port(guide: &str) -> u16 {
    guide
        .split("UDP ")
        .nth(1)
        .and_then(|rest| rest.split(|c: char| !c.is_ascii_digit()).next())
        .and_then(|digits| digits.parse().ok())
        .expect("the guide names the UDP port")
}

/// Sends `line` over UDP syslog to this server's `port`, from 127.0.0.1.
fn send_line(port: u16, line: &[u8]) {
    let socket = std::net::UdpSocket::bind("127.0.0.1:0").expect("udp");
    socket.send_to(line, ("127.0.0.1", port)).expect("send");
}

/// Sends one Yamaha RTX line over UDP syslog to this server's `port`, from 127.0.0.1.
fn send_rtx_line(port: u16) {
    send_line(
        port,
        b"[INSPECT] LAN2[in][101099] TCP 198.51.100.77:40001 > 192.168.0.20:25 (04/30 23:59:59)",
    );
}

/// Waits until organisation `org` has `n` stored events.
async fn wait_for_events(app: &TestApp, org: &str, n: i64) {
    let handle = app
        .store
        .org_store(&Scope::AllOrganisations, org)
        .await
        .expect("organisation");
    for _ in 0..100 {
        let page = handle
            .events()
            .search(&EventFilter {
                limit: 1,
                ..EventFilter::default()
            })
            .await
            .expect("search");
        if page.total >= n {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{n} events never arrived for {org} on {}", app.backend);
}

#[tokio::test]
async fn the_provider_registers_devices_and_their_first_lines_arrive() {
    for db in TestDatabase::all().await {
        let app = TestApp::spawn_with(db, &["--syslog-udp", "127.0.0.1:0"]).await;
        let (admin, org, owner) = org_with_owner(&app, "アルファ工業").await;
        create_org(&app, &admin, "ベータ商事").await;

        let form = page_text(&app, &admin, "/console/sources").await;
        for expected in ["監視対象機器を登録", ">ヤマハ RTX<", "OPNsense<"] {
            assert!(form.contains(expected), "{expected} on {}", app.backend);
        }

        // Wrong input is refused with the reason, and nothing is registered.
        let (status, page) = register(
            &app,
            &admin,
            &[
                ("org", &org),
                ("name", "本社"),
                ("format", "rtx"),
                ("method", "address"),
                ("address", "not an address"),
            ],
        )
        .await;
        assert_eq!(status, 422, "{}", app.backend);
        assert!(page.contains("192.0.2.10 のような IP アドレス"), "{page}");

        // A Yamaha RTX sending syslog from 127.0.0.1: the guide has its commands, filled in.
        let (status, guide) = register(
            &app,
            &admin,
            &[
                ("org", &org),
                ("name", "本社 RTX1210"),
                ("format", "rtx"),
                ("method", "address"),
                ("address", "127.0.0.1"),
                ("silent_minutes", "30"),
            ],
        )
        .await;
        assert_eq!(status, 201, "{guide}");
        for expected in [
            "ヤマハ RTX の設定手順",
            "syslog host 127.0.0.1",
            "administrator",
            "UDP ",
        ] {
            assert!(
                guide.contains(expected),
                "{expected} on {}: {guide}",
                app.backend
            );
        }
        let port = udp_port(&guide);
        send_rtx_line(port);
        wait_for_events(&app, &org, 1).await;
        let sources = page_text(&app, &admin, "/console/sources").await;
        assert!(sources.contains("本社 RTX1210") && sources.contains("ヤマハ RTX"));

        // The same address cannot be registered twice.
        let (status, page) = register(
            &app,
            &admin,
            &[
                ("org", &org),
                ("name", "二台目"),
                ("format", "rtx"),
                ("method", "address"),
                ("address", "127.0.0.1"),
            ],
        )
        .await;
        assert_eq!(status, 422);
        assert!(page.contains("すでに別の機器に登録されています"), "{page}");

        // A source sending over HTTP: its token is shown once and works.
        let (status, created) = register(
            &app,
            &admin,
            &[
                ("org", &org),
                ("name", "クラウド WAF"),
                ("format", "auto"),
                ("method", "token"),
            ],
        )
        .await;
        assert_eq!(status, 201, "{created}");
        assert!(created.contains("今だけ表示します"));
        let token = created
            .split("<pre id=\"source-token\">")
            .nth(1)
            .and_then(|rest| rest.split('<').next())
            .expect("the token is on the page")
            .to_owned();
        let accepted = reqwest::Client::new()
            .post(app.url("/api/v1/ingest"))
            .bearer_auth(&token)
            .body("{\"message\":\"blocked a request\",\"action\":\"deny\",\"src_ip\":\"203.0.113.5\"}\n")
            .send()
            .await
            .expect("ingest");
        assert_eq!(accepted.status(), 200, "{}", app.backend);
        wait_for_events(&app, &org, 2).await;
        // Left empty, the allowed silence is the usual one for the model (30 minutes were
        // asked for the router).
        let sources = app
            .store
            .all_sources(&Scope::AllOrganisations)
            .await
            .unwrap();
        let silence = |name: &str| {
            sources
                .iter()
                .find(|s| s.name == name)
                .map(|s| s.expected_interval_secs)
        };
        assert_eq!(silence("クラウド WAF"), Some(4 * 3600));

        // The WAF is replaced: retired, its token stops working and it leaves the list,
        // while the lines it sent stay.
        let waf = sources
            .iter()
            .find(|s| s.name == "クラウド WAF")
            .expect("the WAF")
            .id
            .clone();
        let form = page_text(&app, &admin, &format!("/console/sources/{waf}")).await;
        assert!(form.contains("「クラウド WAF」の見守りをやめる"), "{form}");
        let retired = admin
            .post(app.url(&format!("/console/sources/{waf}/retire")))
            .form(&[("csrf", csrf_of(&form))])
            .send()
            .await
            .unwrap();
        assert_eq!(retired.status(), 303, "{}", app.backend);
        let listed = page_text(&app, &admin, "/console/sources").await;
        assert!(!listed.contains("クラウド WAF"), "{listed}");
        let refused = reqwest::Client::new()
            .post(app.url("/api/v1/ingest"))
            .bearer_auth(&token)
            .body("{\"message\":\"after retirement\"}\n")
            .send()
            .await
            .expect("ingest");
        assert_eq!(refused.status(), 401, "the retired source's token is dead");
        wait_for_events(&app, &org, 2).await;

        // A Windows PC gets the Fluent Bit settings with this server and its token filled in.
        let (status, windows) = register(
            &app,
            &admin,
            &[
                ("org", &org),
                ("name", "経理のパソコン"),
                ("format", "windows"),
                ("method", "token"),
            ],
        )
        .await;
        assert_eq!(status, 201, "{windows}");
        // The page escapes '/' in the settings; a browser shows it plainly.
        let windows = windows.replace("&#x2f;", "/");
        let windows_token = windows
            .split("<pre id=\"source-token\">")
            .nth(1)
            .and_then(|rest| rest.split('<').next())
            .expect("the token is on the page");
        for expected in [
            "Fluent Bit",
            "Render_Event_As_XML On",
            "URI     /api/v1/ingest",
            "Host    127.0.0.1",
            "tls     Off",
            &format!("Header  Authorization Bearer {windows_token}"),
        ] {
            assert!(windows.contains(expected), "{expected}: {windows}");
        }
        assert!(
            !windows.contains("curl"),
            "the Fluent Bit settings replace the curl line"
        );
        assert_eq!(silence("本社 RTX1210"), Some(30 * 60));

        // Only the provider's administrator registers devices.
        let csrf = csrf_of(&page_text(&app, &owner, &format!("/orgs/{org}")).await);
        let refused = owner
            .post(app.url("/console/sources"))
            .form(&[
                ("csrf", csrf.as_str()),
                ("org", &org),
                ("name", "x"),
                ("format", "rtx"),
                ("method", "token"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(refused.status(), 403, "{}", app.backend);
        app.stop().await;
    }
}

#[tokio::test]
async fn lines_auto_cannot_place_are_counted_and_the_provider_chooses_the_model() {
    for db in TestDatabase::all().await {
        let app = TestApp::spawn_with(db, &["--syslog-udp", "127.0.0.1:0"]).await;
        let (admin, org, owner) = org_with_owner(&app, "アルファ工業").await;
        let (status, guide) = register(
            &app,
            &admin,
            &[
                ("org", &org),
                ("name", "本社ルーター"),
                ("format", "auto"),
                ("method", "address"),
                ("address", "127.0.0.1"),
            ],
        )
        .await;
        assert_eq!(status, 201, "{guide}");
        let port = udp_port(&guide);
        // One line auto recognises, one it can read only as a syslog envelope.
        send_rtx_line(port);
        send_line(
            port,
            b"<134>Dec  7 10:00:00 gw acme-box: session 12 opened for port 3",
        );
        wait_for_events(&app, &org, 2).await;

        let console = page_text(&app, &admin, "/console/sources").await;
        for expected in [
            "形式を判別できなかった割合",
            "50.0%",
            "機器の「変更」から機種を選んで",
        ] {
            assert!(
                console.contains(expected),
                "{expected} on {}: {console}",
                app.backend
            );
        }
        let portal = page_text(&app, &owner, &format!("/orgs/{org}/events")).await;
        assert!(
            portal.contains("運用事業者に機器の設定の見直しを依頼"),
            "{portal}"
        );
        assert!(
            !portal.contains("/console/sources/"),
            "owners get no change button"
        );
        let token = admin_token(&app.store, "api-admin@mamori.example").await;
        let (status, listed) = api(
            &app,
            reqwest::Method::GET,
            &format!("/api/v1/orgs/{org}/sources"),
            &token,
            None,
        )
        .await;
        assert_eq!(status, 200, "{listed}");
        assert_eq!(listed["sources"][0]["envelope_only_rate"], 0.5, "{listed}");

        // The provider chooses the model; wrong input is refused with the reason.
        let source = app
            .store
            .all_sources(&Scope::AllOrganisations)
            .await
            .expect("sources")
            .remove(0);
        let path = format!("/console/sources/{}", source.id);
        let form = page_text(&app, &admin, &path).await;
        assert!(form.contains("監視対象機器の設定を変更") && form.contains("アルファ工業"));
        let csrf = csrf_of(&form);
        let post = |fields: Vec<(&'static str, String)>| {
            let mut fields = fields;
            fields.push(("csrf", csrf.clone()));
            admin.post(app.url(&path)).form(&fields).send()
        };
        let refused = post(vec![
            ("name", "本社ルーター".into()),
            ("format", "rtx".into()),
            ("silent_minutes", "0".into()),
        ])
        .await
        .expect("post");
        assert_eq!(refused.status(), 422);
        assert!(
            refused
                .text()
                .await
                .unwrap()
                .contains("1 から 10080 までの分数")
        );
        let changed = post(vec![
            ("name", "本社 RTX830".into()),
            ("format", "rtx".into()),
            ("silent_minutes", "15".into()),
        ])
        .await
        .expect("post");
        assert_eq!(changed.status(), 303, "{}", app.backend);
        assert_eq!(location(&changed), "/console/sources?done=source_changed");
        let stored = app
            .store
            .all_sources(&Scope::AllOrganisations)
            .await
            .expect("sources")
            .remove(0);
        assert_eq!(
            (
                stored.name.as_str(),
                stored.format.as_str(),
                stored.expected_interval_secs
            ),
            ("本社 RTX830", "rtx", 900)
        );
        let console = page_text(&app, &admin, "/console/sources?done=source_changed").await;
        assert!(
            console.contains("監視対象機器の設定を変更しました"),
            "{console}"
        );
        assert!(
            !console.contains("機器の「変更」から機種を選んで"),
            "a chosen model is not counted"
        );
        let audit = page_text(&app, &admin, "/console/audit").await;
        assert!(audit.contains("監視対象機器の設定の変更"), "{audit}");

        // Only the provider's administrator changes sources; unknown ids are not found.
        let forbidden = owner.get(app.url(&path)).send().await.expect("get");
        assert_eq!(forbidden.status(), 403);
        let missing = admin
            .get(app.url("/console/sources/nope"))
            .send()
            .await
            .expect("get");
        assert_eq!(missing.status(), 404);
        app.stop().await;
    }
}

#[tokio::test]
async fn in_a_browser_the_provider_registers_a_router_and_sees_its_first_line() {
    use crate::common::browser::{Browser, sign_in};
    let Some(browser) = Browser::start().await else {
        return;
    };
    let app = TestApp::spawn_with(TestDatabase::sqlite(), &["--syslog-udp", "127.0.0.1:0"]).await;
    let (_admin, org, _owner) = org_with_owner(&app, "アルファ工業").await;
    sign_in(&browser, &app, "admin@mamori.example", "admin password 123").await;
    browser.open_from_nav(&app, "/console/sources").await;
    browser.choose("select[name=org]", &org).await;
    browser.fill("input[name=name]", "本社 RTX1210").await;
    browser.choose("select[name=format]", "rtx").await;
    browser.fill("input[name=address]", "127.0.0.1").await;
    browser
        .click("form[action='/console/sources'] button.primary")
        .await;
    browser.wait_for_text("main", "syslog host 127.0.0.1").await;
    browser.screenshot("device-01-guide").await;
    let guide = browser.text("main").await;
    assert!(guide.contains("ヤマハ RTX の設定手順"), "{guide}");
    let port = udp_port(&guide);

    // Nothing heard yet; then the router's first line arrives and the list shows when.
    let before = device_row(&browser, &app, "本社 RTX1210").await;
    assert!(before.contains("まだ受信していません"), "{before}");
    send_rtx_line(port);
    wait_for_events(&app, &org, 1).await;
    let row = device_row(&browser, &app, "本社 RTX1210").await;
    assert!(row.contains("ヤマハ RTX"), "{row}");
    assert!(
        !row.contains("まだ受信していません"),
        "the first line arrived: {row}"
    );
    browser.screenshot("device-02-heard").await;
    browser.close().await;
    app.stop().await;
}

/// The text of device `name`'s row on the console's device list, freshly loaded.
async fn device_row(
    browser: &crate::common::browser::Browser,
    app: &TestApp,
    name: &str,
) -> String {
    browser
        .client
        .goto(&app.url("/console/sources"))
        .await
        .unwrap();
    let row = browser
        .client
        .execute(
            "const row = [...document.querySelectorAll('tr')].find(r => r.textContent.includes(arguments[0]));
             return row ? row.textContent : '';",
            vec![serde_json::json!(name)],
        )
        .await
        .expect("the device's row");
    row.as_str().unwrap_or_default().to_owned()
}
