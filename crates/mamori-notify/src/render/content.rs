//! The words of a notice in the reader's language: subject, heading, sentences, labelled
//! facts and digest lines. Every layout (e-mail, Slack, Teams) is built from this one value,
//! so the channels never disagree.

use chrono::{DateTime, Utc};

use mamori_model::{Zone, group_digits};

use crate::{Lang, Notice, NoticeKind};

/// One labelled fact, e.g. ("重要度", "高").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fact {
    /// The label in the reader's language.
    pub label: String,
    /// The value, already formatted.
    pub value: String,
}

/// One line of a digest, ready to show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    /// The severity word, e.g. "高" or "High".
    pub severity: String,
    /// The alert title.
    pub title: String,
    /// Count and last-seen time, e.g. "3回・最終 2026/11/22 14:05".
    pub detail: String,
    /// Portal link of the alert.
    pub link: Option<String>,
}

/// A notice put into words for one reader.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Content {
    /// E-mail subject, starting with `[mamori]`.
    pub subject: String,
    /// The headline: what this is about in a few words.
    pub heading: String,
    /// Paragraphs saying what happened and what it means.
    pub intro: Vec<String>,
    /// The facts (severity, count, times, source…).
    pub facts: Vec<Fact>,
    /// Label of the "what to do" paragraph.
    pub todo_label: String,
    /// What to do next; may be empty.
    pub todo: String,
    /// Label of the digest list.
    pub items_label: String,
    /// Digest lines.
    pub items: Vec<Line>,
    /// Label for the portal link or button.
    pub link_label: String,
    /// Portal link.
    pub link: Option<String>,
    /// Who sent this and who is watching.
    pub footer: String,
    /// One line for chat previews and notification pop-ups.
    pub summary: String,
}

/// The severity word, per the writing guide's table; unknown levels are shown as given.
pub fn severity_word(lang: Lang, severity: &str) -> String {
    let word = match (lang, severity) {
        (Lang::Ja, "critical") => "緊急",
        (Lang::Ja, "high") => "高",
        (Lang::Ja, "medium") => "中",
        (Lang::Ja, "low") => "低",
        (Lang::Ja, "info") => "情報",
        (Lang::En, "critical") => "Critical",
        (Lang::En, "high") => "High",
        (Lang::En, "medium") => "Medium",
        (Lang::En, "low") => "Low",
        (Lang::En, "info") => "Info",
        _ => severity,
    };
    word.to_string()
}

/// What the severity asks of the reader, in one sentence.
fn severity_advice(lang: Lang, severity: &str) -> &'static str {
    match (lang, severity) {
        (Lang::Ja, "critical") => {
            "すぐに対応してください。侵入や情報の持ち出しが起きているおそれがあります。"
        }
        (Lang::Ja, "high") => "本日中に対応してください。",
        (Lang::Ja, "medium") => "今週中に確認してください。",
        (Lang::Ja, "low") => "記録のためのお知らせです。繰り返し起きなければ対応は不要です。",
        (Lang::Ja, _) => "参考情報です。対応は不要です。",
        (Lang::En, "critical") => {
            "Please act now: someone may be inside your network, or data may be leaving it."
        }
        (Lang::En, "high") => "Please deal with this today.",
        (Lang::En, "medium") => "Please take a look this week.",
        (Lang::En, "low") => "This is for the record; no action is needed unless it happens again.",
        (Lang::En, _) => "This is for your information; no action is needed.",
    }
}

/// A time on the site's clock (`zone`), saying which clock: 「日本時間」 in Japanese for
/// Japan, else the zone's name; the zone's abbreviation in English.
fn format_time(lang: Lang, zone: Zone, at: DateTime<Utc>) -> String {
    let local = zone.local(at);
    match lang {
        Lang::Ja if zone.is_japan() => format!("{}（日本時間）", local.format("%Y/%m/%d %H:%M")),
        Lang::Ja => format!("{}（{zone}）", local.format("%Y/%m/%d %H:%M")),
        Lang::En => local.format("%Y-%m-%d %H:%M %Z").to_string(),
    }
}

/// The date only, on the site's clock.
fn format_date(lang: Lang, zone: Zone, at: DateTime<Utc>) -> String {
    let local = zone.local(at);
    match lang {
        Lang::Ja => local.format("%Y/%m/%d").to_string(),
        Lang::En => local.format("%Y-%m-%d").to_string(),
    }
}

/// "3回" / "3 times" (how often something was seen).
fn times(lang: Lang, n: i64) -> String {
    match (lang, n) {
        (Lang::Ja, _) => format!("{}回", group_digits(n)),
        (Lang::En, 1) => "once".into(),
        (Lang::En, _) => format!("{} times", group_digits(n)),
    }
}

/// "3件" / "3 alerts".
fn alerts(lang: Lang, n: i64) -> String {
    match (lang, n) {
        (Lang::Ja, _) => format!("{}件", group_digits(n)),
        (Lang::En, 1) => "1 alert".into(),
        (Lang::En, _) => format!("{} alerts", group_digits(n)),
    }
}

/// Picks the Japanese or the English string.
fn pick<'a>(lang: Lang, ja: &'a str, en: &'a str) -> &'a str {
    match lang {
        Lang::Ja => ja,
        Lang::En => en,
    }
}

impl Content {
    /// Puts `notice` into words. `now` dates a digest that carries no times of its own.
    pub fn new(notice: &Notice, now: DateTime<Utc>) -> Content {
        let lang = notice.lang;
        let org = notice.org_name.as_str();
        let severity = severity_word(lang, &notice.severity);
        let mut facts = Vec::new();
        let mut fact = |label: &str, value: String| {
            if !value.trim().is_empty() {
                facts.push(Fact {
                    label: label.to_string(),
                    value,
                });
            }
        };
        let zone = notice.zone;
        let when =
            |t: Option<DateTime<Utc>>| t.map(|t| format_time(lang, zone, t)).unwrap_or_default();
        let (subject, heading, intro, todo_label, items_label, link_label);
        match notice.kind {
            NoticeKind::Alert => {
                subject = match lang {
                    Lang::Ja => format!("[mamori] 【重要度: {severity}】{} — {org}", notice.title),
                    Lang::En => format!("[mamori] [{severity}] {} — {org}", notice.title),
                };
                heading = match lang {
                    Lang::Ja => format!("【重要度: {severity}】{}", notice.title),
                    Lang::En => format!("[{severity}] {}", notice.title),
                };
                intro = vec![
                    match lang {
                        Lang::Ja => format!("{org}の監視で、アラートがありました。"),
                        Lang::En => format!("mamori raised an alert while watching {org}."),
                    },
                    notice.seen.clone(),
                    severity_advice(lang, &notice.severity).to_string(),
                ]
                .into_iter()
                .filter(|p| !p.is_empty())
                .collect();
                fact(pick(lang, "重要度", "Severity"), severity.clone());
                if notice.count > 0 {
                    fact(pick(lang, "検知回数", "Seen"), times(lang, notice.count));
                }
                fact(
                    pick(lang, "最初の検知", "First seen"),
                    when(notice.first_seen),
                );
                fact(
                    pick(lang, "最後の検知", "Last seen"),
                    when(notice.last_seen),
                );
                fact(
                    pick(lang, "監視対象機器", "Monitored source"),
                    notice.source.clone().unwrap_or_default(),
                );
                todo_label = pick(lang, "すること", "What to do");
                items_label = "";
                link_label = pick(lang, "アラートの詳細を見る", "Open the alert");
            }
            NoticeKind::Test => {
                subject = match lang {
                    Lang::Ja => format!("[mamori] テスト送信: アラートの通知先の確認 — {org}"),
                    Lang::En => format!("[mamori] Test: checking where your alerts go — {org}"),
                };
                heading = pick(lang, "テスト送信です", "This is a test").to_string();
                intro = match lang {
                    Lang::Ja => vec![
                        format!("{org}のアラートの通知先を確認するためのテストです。"),
                        "対応は必要ありません。".into(),
                        "このメッセージが届いていれば、アラートはこの通知先に届きます。".into(),
                    ],
                    Lang::En => vec![
                        format!("This is a test of the alert route for {org}."),
                        "Nothing needs doing.".into(),
                        "If you can read this, alerts will reach you here.".into(),
                    ],
                };
                fact(
                    pick(lang, "送信時刻", "Sent at"),
                    format_time(lang, zone, now),
                );
                todo_label = pick(lang, "すること", "What to do");
                items_label = "";
                link_label = pick(lang, "mamori を開く", "Open mamori");
            }
            NoticeKind::Digest => {
                let date = format_date(lang, zone, notice.last_seen.unwrap_or(now));
                let total = if notice.count > 0 {
                    notice.count
                } else {
                    notice.items.len() as i64
                };
                subject = match lang {
                    Lang::Ja => format!(
                        "[mamori] アラートのまとめ {date}（{}） — {org}",
                        alerts(lang, total)
                    ),
                    Lang::En => format!(
                        "[mamori] Alert summary for {date} ({}) — {org}",
                        alerts(lang, total)
                    ),
                };
                heading = match lang {
                    Lang::Ja => format!("アラートのまとめ（{date}）"),
                    Lang::En => format!("Alert summary for {date}"),
                };
                intro = match (lang, total) {
                    (Lang::Ja, 0) => vec![
                        format!("{org}の監視で、対応が必要なアラートはありませんでした。"),
                        "監視は続いています。".into(),
                    ],
                    (Lang::Ja, _) => vec![format!(
                        "{org}の監視で見つかったアラート{}をまとめてお知らせします。",
                        alerts(lang, total)
                    )],
                    (Lang::En, 0) => vec![
                        format!("Nothing needed action at {org}."),
                        "Monitoring goes on as usual.".into(),
                    ],
                    (Lang::En, _) => vec![format!(
                        "Here is a summary of {} found while watching {org}.",
                        alerts(lang, total)
                    )],
                };
                fact(
                    pick(lang, "最初の検知", "First seen"),
                    when(notice.first_seen),
                );
                fact(
                    pick(lang, "最後の検知", "Last seen"),
                    when(notice.last_seen),
                );
                todo_label = pick(lang, "すること", "What to do");
                items_label = pick(lang, "アラート一覧", "Alerts");
                link_label = pick(lang, "アラート一覧を見る", "Open the alert list");
            }
            NoticeKind::ChannelFailing => {
                subject = match lang {
                    Lang::Ja => {
                        format!("[mamori] 通知先に届いていません: {} — {org}", notice.title)
                    }
                    Lang::En => {
                        format!("[mamori] Alerts are not reaching {} — {org}", notice.title)
                    }
                };
                heading = match lang {
                    Lang::Ja => format!("通知先「{}」に届いていません", notice.title),
                    Lang::En => format!("Alerts are not reaching {}", notice.title),
                };
                intro = match lang {
                    Lang::Ja => vec![
                        format!(
                            "{org}のアラートの通知先「{}」への送信が続けて失敗しています。",
                            notice.title
                        ),
                        "このままでは、この通知先にアラートが届きません。".into(),
                    ],
                    Lang::En => vec![
                        format!("Sending {org}'s alerts to {} keeps failing.", notice.title),
                        "Until this is fixed, alerts will not arrive there.".into(),
                    ],
                };
                if notice.count > 0 {
                    fact(
                        pick(lang, "失敗した回数", "Failed attempts"),
                        times(lang, notice.count),
                    );
                }
                fact(
                    pick(lang, "最初の失敗", "First failure"),
                    when(notice.first_seen),
                );
                fact(
                    pick(lang, "最後の失敗", "Last failure"),
                    when(notice.last_seen),
                );
                todo_label = pick(lang, "すること", "What to do");
                items_label = "";
                link_label = pick(lang, "通知先の設定を開く", "Open the alert route settings");
            }
        }
        let todo = match (notice.kind, notice.what_to_do.trim()) {
            (NoticeKind::ChannelFailing, "") => pick(
                lang,
                "通知先の設定（メールアドレスやURL）を確認し、設定画面からテスト送信してください。",
                "Check the address or URL in the alert route settings, then send a test from there.",
            )
            .to_string(),
            (_, todo) => todo.to_string(),
        };
        let items = notice
            .items
            .iter()
            .map(|item| {
                let mut detail = times(lang, item.count);
                if let Some(last) = item.last_seen {
                    detail.push_str(pick(lang, "・最後の検知 ", ", last seen "));
                    detail.push_str(&format_time(lang, zone, last));
                }
                Line {
                    severity: severity_word(lang, &item.severity),
                    title: item.title.clone(),
                    detail,
                    link: item.link.clone(),
                }
            })
            .collect();
        let provider = notice.provider_name.as_str();
        let footer = match (lang, provider.trim().is_empty()) {
            (Lang::Ja, false) => format!(
                "このメッセージは mamori が自動で送信しています。{org}の監視は{provider}が行っています。"
            ),
            (Lang::Ja, true) => "このメッセージは mamori が自動で送信しています。".into(),
            (Lang::En, false) => {
                format!("Sent automatically by mamori. {provider} is watching over {org}.")
            }
            (Lang::En, true) => "Sent automatically by mamori.".into(),
        };
        let footer = match notice.contact.trim() {
            "" => footer,
            contact => format!("{contact}\n{footer}"),
        };
        let summary = subject.trim_start_matches("[mamori] ").to_string();
        Content {
            subject,
            heading,
            intro,
            facts,
            todo_label: todo_label.to_string(),
            todo,
            items_label: items_label.to_string(),
            items,
            link_label: link_label.to_string(),
            link: notice.link.clone().filter(|l| !l.trim().is_empty()),
            footer,
            summary,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn times_follow_the_site_zone_and_name_it() {
        let at = Utc
            .with_ymd_and_hms(2026, 11, 22, 20, 5, 0)
            .single()
            .expect("valid");
        let tokyo = Zone::default();
        assert_eq!(
            format_time(Lang::Ja, tokyo, at),
            "2026/11/23 05:05（日本時間）"
        );
        assert_eq!(format_time(Lang::En, tokyo, at), "2026-11-23 05:05 JST");
        let london: Zone = "Europe/London".parse().expect("zone");
        assert_eq!(
            format_time(Lang::Ja, london, at),
            "2026/11/22 20:05（Europe/London）"
        );
        assert_eq!(format_time(Lang::En, london, at), "2026-11-22 20:05 GMT");
    }

    #[test]
    fn severity_words_follow_the_glossary() {
        let ja: Vec<_> = ["critical", "high", "medium", "low", "info"]
            .iter()
            .map(|s| severity_word(Lang::Ja, s))
            .collect();
        assert_eq!(ja, ["緊急", "高", "中", "低", "情報"]);
        assert_eq!(severity_word(Lang::En, "high"), "High");
        assert_eq!(severity_word(Lang::Ja, "weird"), "weird");
    }
}
