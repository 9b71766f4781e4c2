//! "What was seen" in one sentence: what happened, on which device, from where and how
//! often — 「社外の 203.0.113.45 から、ルーターの管理画面へのログインが20回失敗しました」.
//! The rule's own template says it best; the generic sentence in `words.yml` covers rules
//! without one and alerts that lack a value the template needs.

use std::collections::HashMap;
use std::sync::LazyLock;

use mamori_model::{Lang, from_internet, group_digits};
use mamori_store::Alert;
use serde::Deserialize;
use serde_json::Value;

/// The words of one language.
#[derive(Deserialize)]
pub(crate) struct Words {
    desk: String,
    desk_phone: String,
    desk_email: String,
    desk_hours: String,
    desk_after_hours: String,
    outside: String,
    inside: String,
    /// What a source without a name is called.
    pub a_device: String,
    generic: String,
    generic_from: String,
    /// What to do when the rule gives no advice of its own.
    pub default_action: String,
    /// Title of the route-test notice.
    pub test_title: String,
    /// Title of the daily digest ({count} alerts).
    pub digest_title: String,
    /// Title of the alert about a channel that keeps failing.
    pub channel_failing_title: String,
    /// What to do about a channel that keeps failing.
    pub channel_failing_action: String,
    /// Title of the alert about a source that stopped sending.
    pub source_silent_title: String,
    /// What was seen ({device}, {interval}).
    pub source_silent_seen: String,
    /// What to do about a silent source.
    pub source_silent_action: String,
    /// Why a silent source's alert was resolved ({device}).
    pub source_back: String,
    /// Why a silence alert was resolved when its source was retired.
    pub source_retired: String,
    /// What a reminder or an end-date alert is about ({device}, {lapse}).
    pub end_date_title: String,
    /// What a reminder says ({lapse}, {date}, {left}).
    pub end_date_soon_seen: String,
    /// Title of the alert on an end date ({device}, {lapse}).
    pub end_date_lapsed_title: String,
    /// What the alert on an end date says ({device}, {lapse}, {date}).
    pub end_date_lapsed_seen: String,
    /// Why an end-date alert was resolved ({device}, {lapse}).
    pub end_date_renewed: String,
    /// Title of the alert when a machine's posture check fails ({device}, {check}).
    pub posture_title: String,
    /// What that alert says ({device}, {check}, {evidence}).
    pub posture_seen: String,
    /// Why it was resolved ({device}, {check}).
    pub posture_fixed: String,
    /// A length of time in minutes, hours and days ({n}), one and many.
    pub duration: Duration,
}

/// How a length of time is written.
#[derive(Deserialize)]
pub(crate) struct Duration {
    minute: String,
    minutes: String,
    hour: String,
    hours: String,
    day: String,
    days: String,
}

impl Duration {
    /// `secs` in the largest whole unit: 「90分」, 「2時間」, "1 day".
    pub fn of(&self, secs: i64) -> String {
        let minutes = (secs / 60).max(1);
        let (n, one, many) = if minutes % 1440 == 0 {
            (minutes / 1440, &self.day, &self.days)
        } else if minutes % 60 == 0 {
            (minutes / 60, &self.hour, &self.hours)
        } else {
            (minutes, &self.minute, &self.minutes)
        };
        let frame = if n == 1 { one } else { many };
        mamori_model::fill(frame, &[("n", &group_digits(n))])
    }
}

static WORDS: LazyLock<HashMap<String, Words>> = LazyLock::new(|| {
    // Part of the source and read by the tests below; it cannot be unreadable in a build.
    yaml_serde::from_str(include_str!("../words.yml")).expect("words.yml is valid")
});

/// The words of `lang`.
pub(crate) fn words(lang: Lang) -> &'static Words {
    &WORDS[lang.code()]
}

/// How to reach the provider's consultation desk, in one sentence in `lang`.
pub fn desk_line(desk: &mamori_store::Desk, lang: Lang) -> String {
    let w = words(lang);
    let ways: Vec<String> = desk
        .ways()
        .into_iter()
        .map(|(key, value)| {
            let frame = match key {
                "phone" => &w.desk_phone,
                "email" => &w.desk_email,
                "hours" => &w.desk_hours,
                _ => &w.desk_after_hours,
            };
            mamori_model::fill(frame, &[("value", value)])
        })
        .collect();
    let separator = if lang == Lang::Ja { "、" } else { ", " };
    mamori_model::fill(
        &w.desk,
        &[("name", &desk.name), ("ways", &ways.join(separator))],
    )
}

/// The sentence for `alert` in `lang`.
pub fn what_was_seen(alert: &Alert, lang: Lang) -> String {
    let w = words(lang);
    let code = lang.code();
    let from = attacker(alert).map(|address| {
        let frame = if from_internet(&address) {
            &w.outside
        } else {
            &w.inside
        };
        mamori_model::fill(frame, &[("address", &address)])
    });
    let evidence = first_event(alert);
    let lookup = |name: &str| -> Option<String> {
        match name {
            "count" => Some(group_digits(alert.events.max(alert.count))),
            "device" => Some(
                alert
                    .source_name
                    .clone()
                    .unwrap_or_else(|| w.a_device.clone()),
            ),
            "from" => from.clone(),
            "title" => Some(alert.title_in(code).to_owned()),
            "users" => users(alert),
            field => evidence.and_then(|e| event_text(e, field)),
        }
    };
    let own = alert.guidance(if lang == Lang::Ja {
        "seen_ja"
    } else {
        "seen_en"
    });
    // mamori's own alerts (a failing channel) come from no device and carry no evidence:
    // their title says it all, and a "seen on a device" sentence would mislead.
    if own.is_none() && alert.source_id.is_none() && evidence.is_none() {
        return String::new();
    }
    own.and_then(|template| fill(template, &lookup))
        .or_else(|| from.as_ref().and_then(|_| fill(&w.generic_from, &lookup)))
        .or_else(|| fill(&w.generic, &lookup))
        .unwrap_or_default()
}

/// The address the activity came from: the correlation's group value, else the evidence's.
fn attacker(alert: &Alert) -> Option<String> {
    let grouped = alert
        .details
        .get("group")
        .and_then(Value::as_array)
        .and_then(|pairs| {
            pairs.iter().find_map(|p| {
                (p.get(0)?.as_str()? == "src_ip").then(|| p.get(1)?.as_str().map(str::to_owned))?
            })
        });
    grouped.or_else(|| first_event(alert).and_then(|e| event_text(e, "src_ip")))
}

/// The accounts the evidence names, each once, in order (at most three, then "…").
fn users(alert: &Alert) -> Option<String> {
    let mut seen: Vec<String> = Vec::new();
    for event in alert.details.get("events")?.as_array()? {
        if let Some(user) = event_text(event, "user")
            && !seen.contains(&user)
        {
            seen.push(user);
        }
    }
    if seen.is_empty() {
        return None;
    }
    let more = seen.len() > 3;
    seen.truncate(3);
    let mut list = seen.join(", ");
    if more {
        list.push_str(", …");
    }
    Some(list)
}

/// The first event kept as evidence.
fn first_event(alert: &Alert) -> Option<&Value> {
    alert.details.get("events")?.as_array()?.first()
}

/// Field `name` of an evidence event as text: a top-level field, or one of its `fields`.
fn event_text(event: &Value, name: &str) -> Option<String> {
    let value = event
        .get(name)
        .or_else(|| event.get("fields").and_then(|f| f.get(name)))?;
    match value {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// `template` with every `{name}` replaced; `None` when a name has no value.
fn fill(template: &str, lookup: &dyn Fn(&str) -> Option<String>) -> Option<String> {
    let mut out = String::with_capacity(template.len() + 32);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let close = rest[open..].find('}')? + open;
        out.push_str(&lookup(&rest[open + 1..close])?);
        rest = &rest[close + 1..];
    }
    out.push_str(rest);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_filled_or_the_template_is_given_up() {
        let lookup = |name: &str| (name == "count").then(|| "20".to_owned());
        assert_eq!(fill("{count}回", &lookup).as_deref(), Some("20回"));
        assert_eq!(fill("{from}から{count}回", &lookup), None);
        assert_eq!(
            fill("no placeholders", &lookup).as_deref(),
            Some("no placeholders")
        );
    }

    fn alert(rule_guidance: Value, details: Value, events: i64) -> Alert {
        let mut details = details;
        details["guidance"] = rule_guidance;
        let at = chrono::DateTime::from_timestamp(1_796_000_000, 0).expect("time");
        Alert {
            id: "a1".into(),
            org_id: "o1".into(),
            org_name: "アルファ工業".into(),
            severity: "high".into(),
            status: mamori_model::AlertStatus::New,
            resolution: None,
            title: "Rule".into(),
            title_ja: Some("ルール".into()),
            rule_id: "r1".into(),
            count: 1,
            events,
            first_seen: at,
            last_seen: at,
            source_id: Some("s1".into()),
            source_name: Some("本社 RTX1210".into()),
            assignee_id: None,
            assignee_name: None,
            incident_id: None,
            created_at: 0,
            updated_at: 0,
            details,
        }
    }

    /// The rule pack's own templates, read from the pack as shipped.
    fn pack_guidance(title: &str) -> Value {
        let pack = mamori_detect::builtin_pack();
        let doc = pack
            .iter()
            .flat_map(|r| r.text.split("\n---\n"))
            .find(|d| d.lines().any(|l| l == format!("title: {title}")))
            .expect("rule in the pack");
        let rule: Value = yaml_serde::from_str(doc).expect("rule YAML");
        rule["mamori"].clone()
    }

    #[test]
    fn a_brute_force_names_the_attacker_the_accounts_the_device_and_the_count() {
        let brute = alert(
            pack_guidance("SSH brute force"),
            serde_json::json!({
                "group": [["src_ip", "203.0.113.45"]],
                "events": [{"user": "root"}, {"user": "admin"}, {"user": "root"}],
            }),
            20,
        );
        let ja = what_was_seen(&brute, Lang::Ja);
        for part in ["社外の 203.0.113.45", "本社 RTX1210", "20回", "root, admin"] {
            assert!(ja.contains(part), "{part} in {ja}");
        }
        let en = what_was_seen(&brute, Lang::En);
        assert!(
            en.contains("20") && en.contains("203.0.113.45") && en.contains("root"),
            "{en}"
        );
    }

    #[test]
    fn a_virus_names_the_pc_the_file_and_the_virus() {
        let virus = alert(
            pack_guidance("Virus blocked by the UTM"),
            serde_json::json!({"events": [{
                "src_ip": "192.168.1.23",
                "signature": "EICAR_TEST_FILE",
                "fields": {"filename": "eicar.com"},
            }]}),
            1,
        );
        let ja = what_was_seen(&virus, Lang::Ja);
        for part in [
            "192.168.1.23",
            "eicar.com",
            "EICAR_TEST_FILE",
            "本社 RTX1210",
        ] {
            assert!(ja.contains(part), "{part} in {ja}");
        }
    }

    #[test]
    fn without_a_template_or_its_values_the_generic_sentence_says_it() {
        let bare = alert(
            Value::Null,
            serde_json::json!({"events": [{"src_ip": "10.0.0.5"}]}),
            3,
        );
        assert_eq!(
            what_was_seen(&bare, Lang::Ja),
            "本社 RTX1210で、社内の 10.0.0.5からの「ルール」を3件検知しました。"
        );
    }

    #[test]
    fn the_desk_line_lists_only_what_is_set() {
        let desk = mamori_store::Desk {
            name: "守りサービス 相談窓口".into(),
            phone: "03-1234-5678".into(),
            hours: "平日 9:00〜18:00".into(),
            ..Default::default()
        };
        assert_eq!(
            desk_line(&desk, Lang::Ja),
            "困ったときは 守りサービス 相談窓口（電話 03-1234-5678、受付 平日 9:00〜18:00）へご相談ください。"
        );
        assert!(!desk_line(&desk, Lang::En).contains("e-mail"));
    }

    #[test]
    fn mamori_s_own_alerts_say_no_device_sentence() {
        let mut own = alert(Value::Null, serde_json::json!({"channel_id": "c1"}), 1);
        own.source_id = None;
        assert_eq!(what_was_seen(&own, Lang::Ja), "");
    }

    #[test]
    fn both_languages_have_every_word() {
        for lang in [Lang::Ja, Lang::En] {
            let w = words(lang);
            assert!(w.outside.contains("{address}") && w.inside.contains("{address}"));
            assert!(w.generic.contains("{count}") && w.generic_from.contains("{from}"));
            assert!(!w.a_device.is_empty());
        }
    }
}
