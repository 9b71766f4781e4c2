//! The words of a notice in the reader's language: subject, heading, sentences, labelled
//! facts and digest lines. Every layout (e-mail, Slack, Teams) is built from this one value,
//! so the channels never disagree.

use chrono::{DateTime, Utc};

use mamori_model::{Zone, fill, group_digits};

use super::words::words;
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
    words(lang)
        .severity
        .get(severity)
        .cloned()
        .unwrap_or_else(|| severity.to_owned())
}

/// What the severity asks of the reader, in one sentence.
fn severity_advice(lang: Lang, severity: &str) -> &'static str {
    let advice = &words(lang).advice;
    advice
        .get(severity)
        .or_else(|| advice.get("other"))
        .map(String::as_str)
        .unwrap_or_default()
}

/// A time on the site's clock (`zone`), saying which clock: 「日本時間」 in Japanese for
/// Japan, else the zone's name; the zone's abbreviation in English.
fn format_time(lang: Lang, zone: Zone, at: DateTime<Utc>) -> String {
    let local = zone.local(at);
    let w = words(lang);
    let (time, zone_name) = match lang {
        Lang::Ja => (local.format("%Y/%m/%d %H:%M"), zone.to_string()),
        Lang::En => (
            local.format("%Y-%m-%d %H:%M"),
            local.format("%Z").to_string(),
        ),
    };
    let frame = if zone.is_japan() {
        &w.time_japan
    } else {
        &w.time_zone
    };
    fill(frame, &[("time", &time.to_string()), ("zone", &zone_name)])
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
    let w = words(lang);
    match n {
        1 => w.times_once.clone(),
        _ => fill(&w.times, &[("n", &group_digits(n))]),
    }
}

/// "3件" / "3 alerts".
fn alerts(lang: Lang, n: i64) -> String {
    let w = words(lang);
    match n {
        1 => w.alerts_one.clone(),
        _ => fill(&w.alerts, &[("n", &group_digits(n))]),
    }
}

impl Content {
    /// Puts `notice` into words. `now` dates a digest that carries no times of its own.
    pub fn new(notice: &Notice, now: DateTime<Utc>) -> Content {
        let lang = notice.lang;
        let w = words(lang);
        let labels = &w.labels;
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
        let (kind, count, intro_lines) = match notice.kind {
            NoticeKind::Alert => {
                fact(&labels.severity, severity.clone());
                if notice.count > 0 {
                    fact(&labels.seen, times(lang, notice.count));
                }
                fact(&labels.first_seen, when(notice.first_seen));
                fact(&labels.last_seen, when(notice.last_seen));
                fact(&labels.source, notice.source.clone().unwrap_or_default());
                (&w.alert, String::new(), &w.alert.intro)
            }
            NoticeKind::Test => {
                fact(&labels.sent_at, format_time(lang, zone, now));
                (&w.test, String::new(), &w.test.intro)
            }
            NoticeKind::Digest => {
                let total = if notice.count > 0 {
                    notice.count
                } else {
                    notice.items.len() as i64
                };
                fact(&labels.first_seen, when(notice.first_seen));
                fact(&labels.last_seen, when(notice.last_seen));
                let intro = if total == 0 {
                    &w.digest.intro_none
                } else {
                    &w.digest.intro
                };
                (&w.digest, alerts(lang, total), intro)
            }
            NoticeKind::ChannelFailing => {
                if notice.count > 0 {
                    fact(&labels.failed_attempts, times(lang, notice.count));
                }
                fact(&labels.first_failure, when(notice.first_seen));
                fact(&labels.last_failure, when(notice.last_seen));
                (&w.channel_failing, String::new(), &w.channel_failing.intro)
            }
            NoticeKind::Resolved => {
                fact(&labels.source, notice.source.clone().unwrap_or_default());
                fact(&labels.first_seen, when(notice.first_seen));
                fact(&labels.resolved_at, when(notice.last_seen));
                (&w.resolved, String::new(), &w.resolved.intro)
            }
            NoticeKind::Reminder => {
                fact(&labels.device, notice.source.clone().unwrap_or_default());
                (&w.reminder, String::new(), &w.reminder.intro)
            }
        };
        let date = format_date(lang, zone, notice.last_seen.unwrap_or(now));
        let values = [
            ("org", org),
            ("title", notice.title.as_str()),
            ("severity", severity.as_str()),
            ("date", date.as_str()),
            ("count", count.as_str()),
        ];
        let subject = fill(&kind.subject, &values);
        let heading = fill(&kind.heading, &values);
        let mut intro: Vec<String> = intro_lines.iter().map(|l| fill(l, &values)).collect();
        if matches!(
            notice.kind,
            NoticeKind::Alert | NoticeKind::Resolved | NoticeKind::Reminder
        ) {
            intro.push(notice.seen.clone());
        }
        if notice.kind == NoticeKind::Alert {
            intro.push(severity_advice(lang, &notice.severity).to_owned());
        }
        intro.retain(|p| !p.is_empty());
        let items_label = match notice.kind {
            NoticeKind::Digest => labels.alert_list.as_str(),
            _ => "",
        };
        let todo = match notice.what_to_do.trim() {
            "" => kind.todo.clone(),
            todo => todo.to_string(),
        };
        let items = notice
            .items
            .iter()
            .map(|item| {
                let mut detail = times(lang, item.count);
                if let Some(last) = item.last_seen {
                    detail.push_str(&labels.last_seen_after_count);
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
        let footer = match provider.trim() {
            "" => w.footer.clone(),
            _ => fill(&w.footer_provider, &[("org", org), ("provider", provider)]),
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
            todo_label: labels.todo.clone(),
            todo,
            items_label: items_label.to_owned(),
            items,
            link_label: kind.link.clone(),
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
