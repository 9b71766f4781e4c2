//! Notices shared by the delivery tests.

use chrono::{TimeZone, Utc};
use mamori_notify::{DigestItem, Lang, Notice, NoticeKind};

/// A high-severity alert in Japanese, with every field filled in.
pub fn alert(lang: Lang) -> Notice {
    let at = |h, m| {
        Utc.with_ymd_and_hms(2026, 11, 22, h, m, 0)
            .single()
            .expect("valid time")
    };
    Notice {
        kind: NoticeKind::Alert,
        lang,
        zone: Default::default(),
        org_name: "株式会社サンプル".into(),
        provider_name: "サンプル運用株式会社".into(),
        alert_id: Some("01JALERT".into()),
        severity: "high".into(),
        title: "社外への不審な通信を検知しました".into(),
        seen: "本社UTMで、社内の 192.168.1.20 からの「社外への不審な通信」を1,234件検知しました。"
            .into(),
        what_to_do: "該当のパソコンをネットワークから外し、運用事業者に連絡してください。".into(),
        contact: "困ったときは サンプル運用 相談窓口（電話 03-0000-0000）へご相談ください。".into(),
        rule_id: Some("net.c2.beacon".into()),
        count: 1234,
        first_seen: Some(at(1, 5)),
        last_seen: Some(at(5, 30)),
        source: Some("本社UTM".into()),
        link: Some("https://portal.example.jp/alerts/01JALERT".into()),
        items: Vec::new(),
    }
}

/// A digest with two lines.
pub fn digest(lang: Lang) -> Notice {
    let mut notice = alert(lang);
    notice.kind = NoticeKind::Digest;
    notice.count = 0;
    notice.items = vec![
        DigestItem {
            severity: "medium".into(),
            title: "管理画面へのログイン失敗が続いています".into(),
            count: 12,
            last_seen: notice.last_seen,
            link: Some("https://portal.example.jp/alerts/A1".into()),
        },
        DigestItem {
            severity: "low".into(),
            title: "新しい機器がネットワークに接続されました".into(),
            count: 1,
            last_seen: None,
            link: None,
        },
    ];
    notice
}

/// A test notice.
pub fn test_notice(lang: Lang) -> Notice {
    let mut notice = alert(lang);
    notice.kind = NoticeKind::Test;
    notice.severity = "info".into();
    notice.title = "テスト".into();
    notice.what_to_do = String::new();
    notice.seen = String::new();
    notice
}
