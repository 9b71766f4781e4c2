//! Webhook, Slack and Teams delivery to a real HTTP endpoint on loopback.

use crate::common;

use std::time::Duration;

use mamori_notify::{Channel, DestinationPolicy, Lang, Notifier, NotifyError, verify};
use mamori_testkit::webhook::WebhookSink;

const WAIT: Duration = Duration::from_secs(10);

/// A notifier that may reach the test sinks on 127.0.0.1 and nothing else internal.
fn notifier() -> Notifier {
    allowing(&["127.0.0.1"])
}

fn allowing(networks: &[&str]) -> Notifier {
    Notifier::new(
        None,
        DestinationPolicy::from_list(networks).expect("networks"),
    )
    .expect("notifier")
}

#[tokio::test]
async fn signed_webhook_carries_the_alert_as_json() {
    let sink = WebhookSink::start().await;
    let channel = Channel::Webhook {
        url: sink.url("/hooks/mamori"),
        secret: Some("s3cret".into()),
    };
    let receipt = notifier()
        .deliver(&channel, &common::alert(Lang::Ja))
        .await
        .expect("delivered");
    assert_eq!(receipt.response, "200 OK");

    let request = sink.wait_for(1, WAIT).await.remove(0);
    assert_eq!(request.method, "POST");
    assert_eq!(request.path, "/hooks/mamori");
    assert_eq!(request.header("content-type"), Some("application/json"));
    assert_eq!(request.header("x-mamori-event"), Some("alert"));
    let agent = request.header("user-agent").expect("user agent");
    assert!(agent.starts_with("mamori/"), "{agent}");

    let timestamp: i64 = request
        .header("x-mamori-timestamp")
        .expect("timestamp")
        .parse()
        .expect("number");
    let signature = request.header("x-mamori-signature").expect("signature");
    assert!(verify("s3cret", timestamp, &request.body, signature));
    assert!(!verify("other", timestamp, &request.body, signature));
    let mut tampered = request.body.clone();
    tampered.push(b' ');
    assert!(!verify("s3cret", timestamp, &tampered, signature));

    let json = request.json();
    assert_eq!(json["type"], "alert");
    assert_eq!(json["lang"], "ja");
    assert_eq!(json["organisation"], "株式会社サンプル");
    assert_eq!(json["provider"], "サンプル運用株式会社");
    let sent_at = json["sent_at"].as_str().expect("sent_at");
    let parsed = chrono::DateTime::parse_from_rfc3339(sent_at).expect("RFC 3339");
    assert_eq!(parsed.timestamp(), timestamp);
    let alert = &json["alert"];
    assert_eq!(alert["id"], "01JALERT");
    assert_eq!(alert["severity"], "high");
    assert_eq!(alert["title"], "社外への不審な通信を検知しました");
    assert_eq!(alert["rule_id"], "net.c2.beacon");
    assert_eq!(alert["count"], 1234);
    assert_eq!(alert["first_seen"], "2026-11-22T01:05:00Z");
    assert_eq!(alert["last_seen"], "2026-11-22T05:30:00Z");
    assert_eq!(alert["source"], "本社UTM");
    assert_eq!(alert["link"], "https://portal.example.jp/alerts/01JALERT");
    assert!(alert["what_to_do"].as_str().is_some_and(|s| !s.is_empty()));
    assert_eq!(json["items"], serde_json::json!([]));
}

#[tokio::test]
async fn unsigned_webhook_has_no_signature_headers_and_digest_items() {
    let sink = WebhookSink::start().await;
    let channel = Channel::Webhook {
        url: sink.url("/in"),
        secret: None,
    };
    notifier()
        .deliver(&channel, &common::digest(Lang::En))
        .await
        .expect("delivered");
    let request = sink.wait_for(1, WAIT).await.remove(0);
    assert_eq!(request.header("x-mamori-signature"), None);
    assert_eq!(request.header("x-mamori-timestamp"), None);
    assert_eq!(request.header("x-mamori-event"), Some("digest"));
    let json = request.json();
    assert_eq!(json["type"], "digest");
    let items = json["items"].as_array().expect("items");
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["severity"], "medium");
    assert_eq!(items[0]["count"], 12);
    assert_eq!(items[1]["last_seen"], serde_json::Value::Null);
}

#[tokio::test]
async fn server_error_is_transient_and_never_shows_the_body() {
    let sink = WebhookSink::start().await;
    sink.respond_with(500);
    let channel = Channel::Webhook {
        url: sink.url("/secret-path"),
        secret: None,
    };
    let err = notifier()
        .deliver(&channel, &common::alert(Lang::Ja))
        .await
        .expect_err("500");
    assert_eq!(err.code(), "http_status", "{err}");
    assert!(!err.is_permanent());
    let shown = err.to_string();
    assert!(shown.contains("HTTP 500"), "{shown}");
    assert!(
        !shown.contains("mamori test sink"),
        "the remote body must never reach the tenant: {shown}"
    );
    assert!(
        !shown.contains("secret-path"),
        "URL paths may be secrets: {shown}"
    );

    // The endpoint recovers at runtime.
    sink.respond_with(204);
    let receipt = notifier()
        .deliver(&channel, &common::alert(Lang::Ja))
        .await
        .expect("recovered");
    assert_eq!(receipt.response, "204 No Content");
}

#[tokio::test]
async fn client_errors_are_permanent_except_408_and_429() {
    let sink = WebhookSink::start().await;
    let channel = Channel::Slack {
        url: sink.url("/services/T/B/x"),
    };
    for (status, permanent) in [(404, true), (400, true), (408, false), (429, false)] {
        sink.respond_with(status);
        let err = notifier()
            .deliver(&channel, &common::alert(Lang::Ja))
            .await
            .expect_err("error status");
        assert_eq!(err.code(), "http_status");
        assert_eq!(err.is_permanent(), permanent, "{status}");
    }
}

#[tokio::test]
async fn nothing_listening_is_a_connect_error() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.local_addr().expect("addr").port()
    };
    let channel = Channel::Teams {
        url: format!("http://127.0.0.1:{port}/workflows/SECRET"),
    };
    let err = notifier()
        .deliver(&channel, &common::alert(Lang::Ja))
        .await
        .expect_err("nothing listens");
    assert_eq!(err.code(), "connect", "{err}");
    assert!(!err.is_permanent());
    assert!(!err.to_string().contains("SECRET"), "{err}");
}

#[tokio::test]
async fn slack_payload_has_fallback_text_and_blocks() {
    let sink = WebhookSink::start().await;
    notifier()
        .deliver(
            &Channel::Slack {
                url: sink.url("/services/T/B/x"),
            },
            &common::alert(Lang::Ja),
        )
        .await
        .expect("delivered");
    let json = sink.wait_for(1, WAIT).await.remove(0).json();
    let text = json["text"].as_str().expect("text");
    assert!(text.contains("社外への不審な通信を検知しました"), "{text}");
    let blocks = json["blocks"].as_array().expect("blocks");
    assert_eq!(blocks[0]["type"], "header");
    assert_eq!(blocks[0]["text"]["type"], "plain_text");
    let types: Vec<&str> = blocks.iter().filter_map(|b| b["type"].as_str()).collect();
    assert!(types.contains(&"section"), "{types:?}");
    let actions = blocks
        .iter()
        .find(|b| b["type"] == "actions")
        .expect("link button");
    assert_eq!(
        actions["elements"][0]["url"],
        "https://portal.example.jp/alerts/01JALERT"
    );
    let fields = blocks
        .iter()
        .find_map(|b| b["fields"].as_array())
        .expect("fields");
    assert!(fields.len() <= 10);
    assert!(
        fields
            .iter()
            .any(|f| f["text"].as_str().is_some_and(|t| t.contains("本社UTM")))
    );
}

#[tokio::test]
async fn teams_payload_is_an_adaptive_card_message() {
    let sink = WebhookSink::start().await;
    notifier()
        .deliver(
            &Channel::Teams {
                url: sink.url("/workflows/x"),
            },
            &common::test_notice(Lang::Ja),
        )
        .await
        .expect("delivered");
    let json = sink.wait_for(1, WAIT).await.remove(0).json();
    assert_eq!(json["type"], "message");
    let attachment = &json["attachments"][0];
    assert_eq!(
        attachment["contentType"],
        "application/vnd.microsoft.card.adaptive"
    );
    let card = &attachment["content"];
    assert_eq!(card["type"], "AdaptiveCard");
    assert!(card["version"].is_string());
    let body = card["body"].as_array().expect("body");
    let all_text: String = body
        .iter()
        .filter_map(|b| b["text"].as_str())
        .collect::<Vec<_>>()
        .join("\n");
    assert!(all_text.contains("テスト"), "{all_text}");
    assert!(all_text.contains("対応は必要ありません。"), "{all_text}");
    assert_eq!(card["actions"][0]["type"], "Action.OpenUrl");
}

/// Delivers a webhook to `url` and returns the error, which must come before any connection.
async fn refused(notifier: &Notifier, url: &str) -> NotifyError {
    let channel = Channel::Webhook {
        url: url.to_string(),
        secret: None,
    };
    let err = notifier
        .deliver(&channel, &common::alert(Lang::Ja))
        .await
        .expect_err(url);
    assert_eq!(err.code(), "refused_destination", "{url}: {err}");
    assert!(err.is_permanent(), "{url}");
    err
}

#[tokio::test]
async fn loopback_in_every_spelling_is_refused_and_never_reached() {
    let v4 = WebhookSink::start().await;
    let v6 = WebhookSink::start_on("::1".parse().expect("::1")).await;
    let strict = Notifier::new(None, DestinationPolicy::public_only()).expect("notifier");
    let p4 = v4.addr().port();
    let p6 = v6.addr().port();
    for url in [
        format!("http://127.0.0.1:{p4}/hook"),
        format!("http://127.1:{p4}/hook"),
        format!("http://2130706433:{p4}/hook"),
        format!("http://0x7f.0.0.1:{p4}/hook"),
        format!("http://0177.0.0.1:{p4}/hook"),
        format!("http://0.0.0.0:{p4}/hook"),
        format!("http://[::ffff:127.0.0.1]:{p4}/hook"),
        format!("http://[::ffff:7f00:1]:{p4}/hook"),
        format!("http://localhost:{p4}/hook"),
        format!("http://LOCALHOST:{p4}/hook"),
        format!("https://localhost:{p4}/hook"),
        format!("http://[::1]:{p6}/hook"),
        format!("http://[0:0:0:0:0:0:0:1]:{p6}/hook"),
        format!("http://[::]:{p6}/hook"),
    ] {
        let err = refused(&strict, &url).await;
        assert!(
            !err.to_string().contains("/hook"),
            "the message masks the path: {err}"
        );
    }
    // Slack and Teams URLs go through the same check.
    for channel in [
        Channel::Slack {
            url: format!("http://localhost:{p4}/services/T/B/x"),
        },
        Channel::Teams {
            url: format!("http://127.0.0.1:{p4}/workflows/x"),
        },
    ] {
        let err = strict
            .deliver(&channel, &common::alert(Lang::Ja))
            .await
            .expect_err("loopback");
        assert_eq!(err.code(), "refused_destination", "{err}");
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(v4.requests().is_empty(), "{:?}", v4.requests());
    assert!(v6.requests().is_empty(), "{:?}", v6.requests());
}

#[tokio::test]
async fn private_link_local_unique_local_and_multicast_are_refused() {
    let strict = Notifier::new(None, DestinationPolicy::public_only()).expect("notifier");
    for url in [
        "http://10.0.0.1/hook",
        "http://172.16.5.4:8080/hook",
        "http://192.168.1.1/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://100.64.0.1/hook",
        "http://224.0.0.1/hook",
        "http://255.255.255.255/hook",
        "http://[fe80::1]/hook",
        "http://[fc00::1]/hook",
        "http://[fd00:ec2::254]/hook",
        "http://[ff02::1]/hook",
        "http://[::ffff:169.254.169.254]/hook",
        "http://[::ffff:10.0.0.1]/hook",
        "http://[64:ff9b::a00:1]/hook",
        "https://[2002:c0a8:101::1]/hook",
    ] {
        refused(&strict, url).await;
    }
    // Checked before saving too, for the addresses written as numbers.
    let err = Channel::Webhook {
        url: "http://192.168.10.5/hook".into(),
        secret: None,
    }
    .check(strict.destinations())
    .unwrap_err();
    assert_eq!(err.code(), "refused_destination");
    assert!(
        Channel::Webhook {
            url: "https://hooks.example.jp/in".into(),
            secret: None,
        }
        .check(strict.destinations())
        .is_ok()
    );
}

#[tokio::test]
async fn a_redirect_to_loopback_is_not_followed() {
    let first = WebhookSink::start().await;
    let inside = WebhookSink::start_on("127.0.0.2".parse().expect("127.0.0.2")).await;
    first.redirect_to(&inside.url("/admin"));
    // The first hop is allowed (as a provider might allow one relay); the target is not.
    let err = notifier()
        .deliver(
            &Channel::Webhook {
                url: first.url("/hook"),
                secret: None,
            },
            &common::alert(Lang::Ja),
        )
        .await
        .expect_err("a redirect is not a delivery");
    assert_eq!(err.code(), "http_status", "{err}");
    assert!(err.to_string().contains("HTTP 302"), "{err}");
    assert!(!err.to_string().contains("127.0.0.2"), "{err}");
    assert_eq!(first.wait_for(1, WAIT).await.len(), 1);
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(inside.requests().is_empty(), "{:?}", inside.requests());
}

#[tokio::test]
async fn only_the_listed_internal_networks_are_opened() {
    let sink = WebhookSink::start_on("127.0.0.2".parse().expect("127.0.0.2")).await;
    let channel = Channel::Webhook {
        url: sink.url("/hook"),
        secret: None,
    };
    // 127.0.0.1 is listed, 127.0.0.2 is not.
    let err = notifier()
        .deliver(&channel, &common::alert(Lang::Ja))
        .await
        .expect_err("not listed");
    assert_eq!(err.code(), "refused_destination", "{err}");
    assert!(sink.requests().is_empty());
    // A listed network, and a listed address reached through a host name.
    let receipt = allowing(&["127.0.0.0/30"])
        .deliver(&channel, &common::alert(Lang::Ja))
        .await
        .expect("listed network");
    assert_eq!(receipt.response, "200 OK");
    let local = WebhookSink::start().await;
    let by_name = Channel::Webhook {
        url: format!("http://localhost:{}/named", local.addr().port()),
        secret: None,
    };
    allowing(&["127.0.0.1", "::1"])
        .deliver(&by_name, &common::alert(Lang::Ja))
        .await
        .expect("localhost resolves to a listed address");
    assert_eq!(local.wait_for(1, WAIT).await[0].path, "/named");
}
