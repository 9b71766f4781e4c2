//! Alerts end to end through the real `mamori serve`: a source registered for an
//! organisation, SSH brute-force lines sent to its syslog listener, the grouped alert in the
//! API, the e-mail in a real SMTP server on loopback and the signed webhook in a real HTTP
//! listener; retries with back-off; a channel that keeps failing raises its own alert; the
//! alert-route self-test from the command line. On SQLite and, when configured, PostgreSQL.

use std::process::Command;
use std::time::Duration;

use crate::common::server::{send_acknowledged, start_with};
use crate::common::tenants::{loopback_ssh_source, org, owner_token};
use mamori_store::{Actor, Store};
use mamori_testkit::TestDatabase;
use mamori_testkit::smtp::SmtpSink;
use mamori_testkit::webhook::WebhookSink;
use serde_json::Value;

const SECRET: &str = "hook secret 1";

async fn get(url: &str, token: &str) -> (u16, Value) {
    let response = reqwest::Client::new()
        .get(url)
        .bearer_auth(token)
        .header("Accept-Language", "ja")
        .send()
        .await
        .expect("request");
    let status = response.status().as_u16();
    (status, response.json().await.expect("JSON body"))
}

/// Runs `mamori admin …` against `db`, with webhooks allowed to reach the loopback sinks;
/// returns success, stdout and stderr.
fn admin(db: &TestDatabase, args: &[&str]) -> (bool, String, String) {
    admin_allowing(db, Some("127.0.0.0/8"), args)
}

/// Runs `mamori admin …` with `allow_private` as the internal networks webhooks may reach
/// (`None`: public addresses only, the default).
fn admin_allowing(
    db: &TestDatabase,
    allow_private: Option<&str>,
    args: &[&str],
) -> (bool, String, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_mamori"));
    match allow_private {
        Some(networks) => command.env("MAMORI_NOTIFY_ALLOW_PRIVATE", networks),
        None => command.env_remove("MAMORI_NOTIFY_ALLOW_PRIVATE"),
    };
    let output = command
        .arg("admin")
        .args(args)
        .arg("--data-dir")
        .arg(db.data_dir.path())
        .args(["--database-url", &db.url])
        .env("RUST_LOG", "warn")
        .output()
        .expect("run mamori admin");
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn add_channel(db: &TestDatabase, org_id: &str, args: &[&str]) -> String {
    let mut all = vec!["add-channel", "--org", org_id];
    all.extend_from_slice(args);
    let (ok, out, err) = admin(db, &all);
    assert!(ok, "add-channel {args:?}: {err}");
    out.trim().to_owned()
}

fn brute_force(from: &str, start: usize) -> Vec<String> {
    (start..start + 12)
        .map(|i| {
            format!(
                "Nov 22 10:{:02}:{:02} web1 sshd[811]: Failed password for root from {from} port {} ssh2\n",
                i / 60,
                i % 60,
                52000 + i
            )
        })
        .collect()
}

/// Polls `url` until `ready` accepts the body.
async fn wait_json(url: &str, token: &str, ready: impl Fn(&Value) -> bool) -> Value {
    let mut last = Value::Null;
    for _ in 0..600 {
        let (status, body) = get(url, token).await;
        assert_eq!(status, 200, "{body}");
        if ready(&body) {
            return body;
        }
        last = body;
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{url} never became ready; last answer: {last}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn brute_force_becomes_a_grouped_alert_by_mail_and_signed_webhook() {
    for db in TestDatabase::all().await {
        let store = Store::connect(&db.url).await.expect("store");
        let cli = Actor::cli();
        let alpha = store
            .create_org(&cli, org("アルファ工業"))
            .await
            .expect("org a");
        let beta = store
            .create_org(&cli, org("ベータ商事"))
            .await
            .expect("org b");
        let gamma = store
            .create_org(&cli, org("ガンマ食品"))
            .await
            .expect("org c");
        loopback_ssh_source(&store, &alpha.id).await;
        let token_a = owner_token(&store, &alpha.id, "owner@alpha.example").await;
        let token_b = owner_token(&store, &beta.id, "owner@beta.example").await;
        store.close().await;

        let smtp = SmtpSink::start().await;
        let hook = WebhookSink::start().await;
        let flaky = WebhookSink::start().await;
        flaky.respond_with(500);
        let dead = WebhookSink::start().await;
        dead.respond_with(503);
        let provider_hook = WebhookSink::start().await;
        // Without the administrator's permission, a webhook into loopback is refused.
        let (ok, _, err) = admin_allowing(
            &db,
            None,
            &[
                "add-channel",
                "--provider",
                "--kind",
                "webhook",
                "--url",
                &provider_hook.url("/provider"),
            ],
        );
        assert!(
            !ok && err.contains("private network"),
            "loopback refused: {err}"
        );
        let (ok, _, err) = admin(
            &db,
            &[
                "add-channel",
                "--provider",
                "--kind",
                "webhook",
                "--url",
                &provider_hook.url("/provider"),
                "--min-severity",
                "high",
            ],
        );
        assert!(ok, "provider channel: {err}");
        add_channel(
            &db,
            &alpha.id,
            &[
                "--kind",
                "email",
                "--to",
                "owner@alpha.example,it@alpha.example",
            ],
        );
        add_channel(
            &db,
            &alpha.id,
            &[
                "--kind",
                "webhook",
                "--url",
                &hook.url("/mamori"),
                "--secret",
                SECRET,
            ],
        );
        add_channel(
            &db,
            &alpha.id,
            &["--kind", "webhook", "--url", &flaky.url("/flaky")],
        );
        add_channel(
            &db,
            &alpha.id,
            &["--kind", "webhook", "--url", &dead.url("/dead")],
        );
        let (ok, _, err) = admin(
            &db,
            &[
                "add-channel",
                "--org",
                &alpha.id,
                "--kind",
                "email",
                "--to",
                "it-at-alpha.example",
            ],
        );
        assert!(
            !ok && err.contains("it-at-alpha.example"),
            "bad address refused: {err}"
        );

        let smtp_url = smtp.url();
        let mut server = start_with(
            &db,
            &[
                "--smtp-url",
                &smtp_url,
                "--smtp-from",
                "mamori <alerts@provider.example>",
                "--public-url",
                "http://mamori.example",
                "--notify-retry-seconds",
                "1,1",
            ],
        );
        send_acknowledged(server.syslog, &brute_force("203.0.113.9", 0));

        // The grouped alert in the API, in Japanese, visible to alpha only.
        let alerts_url = format!("{}/api/v1/orgs/{}/alerts?status=open", server.web, alpha.id);
        let body = wait_json(&alerts_url, &token_a, |b| {
            b["alerts"].as_array().is_some_and(|a| {
                a.iter()
                    .any(|x| x["rule_id"] != "mamori.notify.channel-failing")
            })
        })
        .await;
        let alert = body["alerts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["rule_id"] != "mamori.notify.channel-failing")
            .unwrap()
            .clone();
        for key in [
            "id",
            "severity",
            "status",
            "title",
            "rule_id",
            "count",
            "first_seen",
            "last_seen",
        ] {
            assert!(!alert[key].is_null(), "alert has {key}: {alert}");
        }
        assert_eq!(alert["status"], "new");
        assert!(alert["count"].as_i64().unwrap() >= 1);
        // The brute force is told as what was seen: from where, on what, how many failures
        // (events, not the one time the correlation fired).
        let body = wait_json(&alerts_url, &token_a, |b| {
            b["alerts"].as_array().is_some_and(|a| {
                a.iter()
                    .any(|x| x["title"].as_str().is_some_and(|t| t.contains("総当たり")))
            })
        })
        .await;
        let brute = body["alerts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["title"].as_str().is_some_and(|t| t.contains("総当たり")))
            .unwrap();
        let seen = brute["seen"].as_str().unwrap();
        assert!(
            seen.contains("社外の 203.0.113.9") && seen.contains("10回失敗"),
            "{seen}"
        );
        assert_eq!(
            (brute["count"].as_i64(), brute["events"].as_i64()),
            (Some(1), Some(10))
        );
        let alert_id = alert["id"].as_str().unwrap().to_owned();
        let (status, _) = get(&alerts_url, &token_b).await;
        assert_eq!(
            status, 404,
            "another tenant's alerts are not found ({})",
            db.backend
        );
        let (_, beta_alerts) = get(
            &format!("{}/api/v1/orgs/{}/alerts", server.web, beta.id),
            &token_b,
        )
        .await;
        assert_eq!(beta_alerts["total"], 0);
        // An owner may not triage: a bulk request is refused as a whole, not once per alert.
        let bulk = reqwest::Client::new()
            .post(format!("{}/api/v1/alerts/bulk", server.web))
            .bearer_auth(&token_a)
            .json(&serde_json::json!({"ids": [alert_id], "action": "acknowledge"}))
            .send()
            .await
            .expect("bulk");
        assert_eq!(bulk.status(), 403);

        // The e-mail arrived through a real SMTP dialogue, to both addresses.
        let mails = smtp.wait_for(1, Duration::from_secs(30)).await;
        let mail = &mails[0];
        assert!(
            mail.to.contains(&"owner@alpha.example".to_owned()),
            "{:?}",
            mail.to
        );
        assert!(mail.to.contains(&"it@alpha.example".to_owned()));
        let text = mail.text_body();
        assert!(text.contains("アルファ工業"), "{text}");
        assert!(
            text.contains("社外の 203.0.113.9"),
            "the mail says what was seen: {text}"
        );
        assert!(
            text.contains(&alert_id),
            "the mail links to the alert: {text}"
        );

        // The signed webhook.
        let requests = hook.wait_for(1, Duration::from_secs(30)).await;
        let request = &requests[0];
        let timestamp: i64 = request.headers["x-mamori-timestamp"]
            .parse()
            .expect("timestamp");
        assert!(mamori_notify::verify(
            SECRET,
            timestamp,
            &request.body,
            &request.headers["x-mamori-signature"]
        ));
        assert!(!mamori_notify::verify(
            "wrong",
            timestamp,
            &request.body,
            &request.headers["x-mamori-signature"]
        ));
        let payload: Value = serde_json::from_slice(&request.body).expect("JSON");
        assert_eq!(payload["alert"]["id"], alert_id.as_str());

        // The flaky endpoint answers 500, then 200: delivered on the retry.
        flaky.wait_for(1, Duration::from_secs(30)).await;
        flaky.respond_with(200);
        flaky.wait_for(2, Duration::from_secs(30)).await;

        // The dead endpoint gives up after the retries and raises an alert for the provider.
        let failing = wait_json(
            &format!(
                "{}/api/v1/orgs/{}/alerts?rule=mamori.notify.channel-failing",
                server.web, alpha.id
            ),
            &token_a,
            |b| b["total"].as_i64().unwrap_or(0) > 0,
        )
        .await;
        assert_eq!(failing["alerts"][0]["severity"], "high");
        // The provider's own channel hears which channel fails and why (the medium brute
        // force is below its minimum severity).
        let told = provider_hook.wait_for(1, Duration::from_secs(30)).await;
        let warning = told[0].json();
        assert_eq!(warning["type"], "channel_failing", "{warning}");
        assert!(
            warning["alert"]["what_to_do"]
                .as_str()
                .unwrap_or_default()
                .contains("503"),
            "{warning}"
        );
        assert_eq!(warning["organisation"], "アルファ工業");
        assert!(dead.requests().len() >= 3, "first attempt and two retries");
        let deliveries = wait_json(
            &format!("{}/api/v1/orgs/{}/deliveries", server.web, alpha.id),
            &token_a,
            |b| {
                b.as_array().is_some_and(|d| {
                    d.iter()
                        .any(|x| x["status"] == "delivered" && x["attempts"] == 2)
                })
            },
        )
        .await;
        assert!(
            deliveries
                .as_array()
                .unwrap()
                .iter()
                .any(|d| d["status"] == "failed"
                    && d["last_error"].as_str().unwrap_or_default().contains("503")),
            "the failure keeps the server's answer: {deliveries}"
        );

        // More failures from the same address count on the same alert.
        send_acknowledged(server.syslog, &brute_force("203.0.113.9", 400));
        let regrouped = wait_json(&alerts_url, &token_a, |b| {
            b["alerts"].as_array().is_some_and(|a| {
                a.iter()
                    .any(|x| x["id"] == alert_id.as_str() && x["count"].as_i64().unwrap_or(0) >= 2)
            })
        })
        .await;
        let same_rule = regrouped["alerts"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|x| x["rule_id"] == alert["rule_id"])
            .count();
        assert_eq!(
            same_rule, 1,
            "repeats are grouped, not a flood ({})",
            db.backend
        );
        let _ = server.child.kill();
        let _ = server.child.wait();

        // The alert-route self-test from the command line.
        let (ok, out, err) = admin(
            &db,
            &[
                "test-notify",
                "--org",
                &alpha.id,
                "--smtp-url",
                &smtp_url,
                "--smtp-from",
                "alerts@provider.example",
            ],
        );
        assert!(!ok, "the dead webhook makes the test fail: {out} {err}");
        assert!(out.contains("delivered"), "{out}");
        assert!(out.contains("FAILED") && out.contains("503"), "{out}");
        let tests = smtp.wait_for(2, Duration::from_secs(30)).await;
        assert!(
            tests[1].text_body().contains("テスト"),
            "{}",
            tests[1].text_body()
        );
        let (ok, _, err) = admin(&db, &["test-notify", "--org", &gamma.id]);
        assert!(!ok && err.contains("no notification channel"), "{err}");
        db.cleanup().await;
    }
}
