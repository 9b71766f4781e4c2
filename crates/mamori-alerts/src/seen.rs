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
struct Words {
    outside: String,
    inside: String,
    a_device: String,
    generic: String,
    generic_from: String,
}

static WORDS: LazyLock<HashMap<String, Words>> = LazyLock::new(|| {
    // Part of the source and read by the tests below; it cannot be unreadable in a build.
    yaml_serde::from_str(include_str!("../words.yml")).expect("words.yml is valid")
});

fn words(lang: Lang) -> &'static Words {
    &WORDS[lang.code()]
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
        frame.replace("{address}", &address)
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
            field => evidence.and_then(|e| event_text(e, field)),
        }
    };
    let own = alert.guidance(if lang == Lang::Ja {
        "seen_ja"
    } else {
        "seen_en"
    });
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
