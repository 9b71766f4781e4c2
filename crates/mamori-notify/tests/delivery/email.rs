//! E-mail delivery through a real SMTP server on loopback.

use crate::common;

use std::time::Duration;

use mamori_notify::{Channel, DestinationPolicy, Lang, NoticeKind, Notifier, SmtpSettings};
use mamori_testkit::smtp::SmtpSink;

const FROM: &str = "mamori <alerts@example.jp>";
const WAIT: Duration = Duration::from_secs(10);

fn email(to: &[&str]) -> Channel {
    Channel::Email {
        to: to.iter().map(|s| s.to_string()).collect(),
    }
}

fn notifier(url: &str) -> Notifier {
    let settings = SmtpSettings::from_url(url, FROM).expect("sink URL parses");
    Notifier::new(Some(settings), DestinationPolicy::public_only()).expect("notifier")
}

#[tokio::test]
async fn japanese_alert_arrives_readable_with_both_parts() {
    let sink = SmtpSink::start().await;
    let receipt = notifier(&sink.url())
        .deliver(
            &email(&["a@example.jp", "b@example.co.jp"]),
            &common::alert(Lang::Ja),
        )
        .await
        .expect("delivered");
    assert!(receipt.response.starts_with("250 "), "{}", receipt.response);
    assert!(
        receipt.response.contains("queued as"),
        "{}",
        receipt.response
    );

    let mail = sink.wait_for(1, WAIT).await.remove(0);
    assert_eq!(mail.from, "alerts@example.jp");
    assert_eq!(mail.to, ["a@example.jp", "b@example.co.jp"]);
    assert_eq!(mail.authenticated_as, None);
    assert_eq!(
        mail.subject(),
        "[mamori] 【重要度: 高】社外への不審な通信を検知しました — 株式会社サンプル"
    );
    assert!(mail.data.contains("multipart/alternative"), "{}", mail.data);
    let text = mail.text_body();
    for needle in [
        "株式会社サンプルの監視で、アラートがありました。",
        "本日中に対応してください。",
        "重要度: 高",
        "検知回数: 1,234回",
        "最初の検知: 2026/11/22 10:05（日本時間）",
        "最後の検知: 2026/11/22 14:30（日本時間）",
        "監視対象機器: 本社UTM",
        "該当のパソコンをネットワークから外し",
        "https://portal.example.jp/alerts/01JALERT",
        "サンプル運用株式会社",
        // What was seen, and how to reach the desk.
        "社内の 192.168.1.20 からの「社外への不審な通信」を1,234件検知しました。",
        "困ったときは サンプル運用 相談窓口（電話 03-0000-0000）へご相談ください。",
    ] {
        assert!(text.contains(needle), "missing {needle:?} in:\n{text}");
    }
    let html = mail.html_body();
    assert!(html.contains("<html lang=\"ja\">"), "{html}");
    assert!(
        html.contains("href=\"https://portal.example.jp/alerts/01JALERT\""),
        "{html}"
    );
    assert!(html.contains("本社UTM"), "{html}");
    assert!(
        html.contains("相談窓口"),
        "the desk in the HTML part too: {html}"
    );
}

#[tokio::test]
async fn english_test_notice_says_nothing_needs_doing_and_uses_utc() {
    let sink = SmtpSink::start().await;
    let notice = common::test_notice(Lang::En);
    assert_eq!(notice.kind, NoticeKind::Test);
    notifier(&sink.url())
        .deliver(&email(&["a@example.jp"]), &notice)
        .await
        .expect("delivered");
    let mail = sink.wait_for(1, WAIT).await.remove(0);
    assert!(
        mail.subject().starts_with("[mamori] Test:"),
        "{}",
        mail.subject()
    );
    let text = mail.text_body();
    assert!(text.contains("This is a test of the alert route"), "{text}");
    assert!(text.contains("Nothing needs doing."), "{text}");
    assert!(text.contains(" JST"), "{text}");
}

#[tokio::test]
async fn digest_subject_has_date_and_count() {
    let sink = SmtpSink::start().await;
    notifier(&sink.url())
        .deliver(&email(&["a@example.jp"]), &common::digest(Lang::Ja))
        .await
        .expect("delivered");
    let mail = sink.wait_for(1, WAIT).await.remove(0);
    assert_eq!(
        mail.subject(),
        "[mamori] アラートのまとめ 2026/11/22（2件） — 株式会社サンプル"
    );
    let text = mail.text_body();
    assert!(
        text.contains("[中] 管理画面へのログイン失敗が続いています（12回"),
        "{text}"
    );
    assert!(
        text.contains("https://portal.example.jp/alerts/A1"),
        "{text}"
    );
}

#[tokio::test]
async fn login_is_used_when_configured() {
    let sink = SmtpSink::builder()
        .require_auth("mamori@example.jp", "p@ss word")
        .start()
        .await;
    // Credentials in the URL, percent-encoded.
    let url = sink
        .url()
        .replace("smtp://", "smtp://mamori%40example.jp:p%40ss%20word@");
    notifier(&url)
        .deliver(&email(&["a@example.jp"]), &common::alert(Lang::Ja))
        .await
        .expect("delivered with login");
    let mail = sink.wait_for(1, WAIT).await.remove(0);
    assert_eq!(mail.authenticated_as.as_deref(), Some("mamori@example.jp"));

    // Separate credentials override the URL.
    let settings = SmtpSettings::from_url(&sink.url(), FROM)
        .expect("parses")
        .with_credentials("mamori@example.jp".into(), "wrong".into());
    let err = Notifier::new(Some(settings), DestinationPolicy::public_only())
        .expect("notifier")
        .deliver(&email(&["a@example.jp"]), &common::alert(Lang::Ja))
        .await
        .expect_err("wrong password must fail");
    assert_eq!(err.code(), "auth", "{err}");
    assert!(err.to_string().contains("535"), "{err}");
    assert!(err.is_permanent());
}

#[tokio::test]
async fn rejected_recipient_reports_the_servers_answer() {
    let sink = SmtpSink::builder()
        .reject_recipient("gone@example.jp")
        .start()
        .await;
    let err = notifier(&sink.url())
        .deliver(&email(&["gone@example.jp"]), &common::alert(Lang::Ja))
        .await
        .expect_err("must be rejected");
    assert_eq!(err.code(), "rejected", "{err}");
    let shown = err.to_string();
    assert!(shown.contains("550"), "{shown}");
    assert!(shown.contains("Recipient address rejected"), "{shown}");
    assert!(shown.contains(&sink.addr().to_string()), "{shown}");
    assert!(err.is_permanent());
    assert!(sink.messages().is_empty());
}

#[tokio::test]
async fn nothing_listening_is_a_connect_error() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.local_addr().expect("addr").port()
    };
    let err = notifier(&format!("smtp://127.0.0.1:{port}?tls=none"))
        .deliver(&email(&["a@example.jp"]), &common::alert(Lang::Ja))
        .await
        .expect_err("nothing listens");
    assert_eq!(err.code(), "connect", "{err}");
    assert!(
        err.to_string().contains(&format!("127.0.0.1:{port}")),
        "{err}"
    );
    assert!(!err.is_permanent());
}

#[tokio::test]
async fn no_mail_server_configured() {
    let err = Notifier::new(None, DestinationPolicy::public_only())
        .expect("notifier")
        .deliver(&email(&["a@example.jp"]), &common::alert(Lang::Ja))
        .await
        .expect_err("no SMTP");
    assert_eq!(err.code(), "no_smtp");
    assert!(err.is_permanent());
}

#[tokio::test]
async fn invalid_address_is_caught_before_sending() {
    let sink = SmtpSink::start().await;
    let err = notifier(&sink.url())
        .deliver(&email(&["not an address"]), &common::alert(Lang::Ja))
        .await
        .expect_err("invalid");
    assert_eq!(err.code(), "invalid_channel");
    assert!(sink.messages().is_empty());
}

#[tokio::test]
async fn starttls_with_a_trusted_private_ca() {
    let sink = SmtpSink::builder().starttls().start().await;
    let pem = sink
        .ca_pem()
        .expect("TLS sink has a certificate")
        .to_string();
    let settings = SmtpSettings::from_url(&sink.url(), FROM)
        .expect("parses")
        .with_root_certificate(pem.as_bytes())
        .expect("PEM");
    Notifier::new(Some(settings), DestinationPolicy::public_only())
        .expect("notifier")
        .deliver(&email(&["a@example.jp"]), &common::alert(Lang::Ja))
        .await
        .expect("delivered over STARTTLS");
    let mail = sink.wait_for(1, WAIT).await.remove(0);
    assert!(mail.encrypted);

    // Without trusting the certificate, the TLS step fails and says so.
    let untrusted = SmtpSettings::from_url(&sink.url(), FROM).expect("parses");
    let err = Notifier::new(Some(untrusted), DestinationPolicy::public_only())
        .expect("notifier")
        .deliver(&email(&["a@example.jp"]), &common::alert(Lang::Ja))
        .await
        .expect_err("untrusted certificate");
    assert_eq!(err.code(), "tls", "{err}");
}

#[tokio::test]
async fn required_starttls_fails_when_the_server_does_not_offer_it() {
    let sink = SmtpSink::start().await;
    let url = sink.url().replace("tls=none", "tls=required");
    let err = notifier(&url)
        .deliver(&email(&["a@example.jp"]), &common::alert(Lang::Ja))
        .await
        .expect_err("no STARTTLS offered");
    assert_eq!(err.code(), "tls", "{err}");
    assert!(sink.messages().is_empty());
}

#[tokio::test]
async fn implicit_tls() {
    let sink = SmtpSink::builder().implicit_tls().start().await;
    let pem = sink.ca_pem().expect("certificate").to_string();
    let settings = SmtpSettings::from_url(&sink.url(), FROM)
        .expect("parses")
        .with_root_certificate(pem.as_bytes())
        .expect("PEM");
    Notifier::new(Some(settings), DestinationPolicy::public_only())
        .expect("notifier")
        .deliver(&email(&["a@example.jp"]), &common::alert(Lang::Ja))
        .await
        .expect("delivered over implicit TLS");
    assert!(sink.wait_for(1, WAIT).await[0].encrypted);
}
