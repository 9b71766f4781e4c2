//! The audit log and alert histories in the reader's words: action codes, questionnaire kinds,
//! catalog editions, resolution words and channel kinds become sentences, and bare row
//! identifiers are not shown at all.

use mamori_model::Lang;
use mamori_store::{AlertEvent, AuditEntry, Resolution};
use serde::Serialize;

use crate::i18n::Messages;

/// One audit entry as a person reads it.
#[derive(Debug, Serialize)]
pub(crate) struct AuditLine {
    /// When (Unix seconds).
    at: i64,
    /// Who.
    actor: String,
    /// What was done.
    action: String,
    /// What it was done to, when that means something to a person.
    target: Option<String>,
    /// Where from.
    address: Option<String>,
}

/// Whether `text` is a row identifier (a UUID), which means nothing to a person.
fn is_identifier(text: &str) -> bool {
    text.len() == 36
        && text.chars().all(|c| c.is_ascii_hexdigit() || c == '-')
        && text.matches('-').count() == 4
}

/// The target of an audit entry in words, or `None` when there is nothing to say.
fn target_words(action: &str, target: &str, lang: Lang) -> Option<String> {
    let target = target.trim();
    if target.is_empty() || is_identifier(target) {
        return None;
    }
    Some(match action {
        "answers.completed" | "answers.draft_saved" => match target {
            "self-assessment" => lang.t("audit.target_words.self_assessment"),
            "executive" => lang.t("audit.target_words.executive"),
            other => match other.strip_prefix("cloud: ") {
                Some(service) => lang.tf("audit.target_words.cloud", &[("service", service)]),
                None => other.to_owned(),
            },
        },
        "rules.acknowledged" => match target.strip_prefix("ipa-sme-") {
            Some(version) => lang.tf("audit.target_words.edition", &[("version", version)]),
            None => target.to_owned(),
        },
        "documents.approved" | "documents.draft_saved" => {
            match ["policy", "handbook", "regulations"].contains(&target) {
                true => lang.t(&format!("documents.kind.{target}")),
                false => target.to_owned(),
            }
        }
        "retention.changed" => lang.tf("audit.target_words.days", &[("days", target)]),
        // Stored as `2: 2026-12-01`.
        "security_action.declared" => match target.split_once(": ") {
            Some((stars, day)) => {
                let stars = "★".repeat(stars.parse::<usize>().unwrap_or(1).min(2));
                format!("{stars} {day}")
            }
            None => target.to_owned(),
        },
        _ => target.to_owned(),
    })
}

impl AuditLine {
    /// `entry` for a reader of `lang`.
    pub(crate) fn new(entry: AuditEntry, lang: Lang) -> Self {
        AuditLine {
            action: lang.t(&format!("audit.action.{}", entry.action)),
            target: entry
                .target
                .as_deref()
                .and_then(|t| target_words(&entry.action, t, lang)),
            at: entry.at,
            actor: entry.actor,
            address: entry.address,
        }
    }
}

/// One line of an alert's history as a person reads it.
#[derive(Debug, Serialize)]
pub(crate) struct HistoryLine {
    /// When (Unix seconds).
    at: i64,
    /// What happened, with who did it.
    what: String,
    /// The comment or detail, in words.
    note: Option<String>,
}

impl HistoryLine {
    /// `event` for a reader of `lang`.
    pub(crate) fn new(event: AlertEvent, lang: Lang) -> Self {
        let what = lang.tf(
            &format!("alerts.history.{}", event.action),
            &[("actor", &event.actor)],
        );
        let note = event.note.map(|note| match event.action.as_str() {
            // Stored as `true_positive` or `true_positive: what the analyst wrote`.
            "resolved" => {
                let (word, rest) = note.split_once(": ").unwrap_or((&note, ""));
                match Resolution::ALL.iter().find(|r| r.as_str() == word) {
                    Some(r) => {
                        let label = lang.t(&format!("alerts.resolution.{}", r.as_str()));
                        if rest.is_empty() {
                            label
                        } else {
                            format!("{label}: {rest}")
                        }
                    }
                    None => note.clone(),
                }
            }
            // Stored as `webhook: 200 OK`.
            "notified" => match note.split_once(": ") {
                Some((kind, answer)) if ["email", "webhook", "slack", "teams"].contains(&kind) => {
                    format!("{}: {answer}", lang.t(&format!("channels.kind.{kind}")))
                }
                _ => note.clone(),
            },
            _ => note.clone(),
        });
        HistoryLine {
            at: event.at,
            what,
            note,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mamori_store::AuditAction;

    /// A text that still carries a message key or a stored code.
    fn raw(text: &str) -> bool {
        text.contains("audit.")
            || text.contains("alerts.")
            || text.contains("documents.")
            || text.contains('_')
    }

    #[test]
    fn every_audit_action_reads_as_words_in_both_languages() {
        for action in AuditAction::ALL {
            for lang in Lang::ALL {
                let line = AuditLine::new(
                    AuditEntry {
                        id: "x".into(),
                        at: 0,
                        actor: "owner@alpha.example".into(),
                        action: action.as_str().to_owned(),
                        org_id: None,
                        target: Some("01a24d79-266c-73b5-a79b-e8bcdcca0c05".into()),
                        address: None,
                    },
                    lang,
                );
                assert!(
                    !raw(&line.action),
                    "{action:?} in {lang:?}: {}",
                    line.action
                );
                assert_eq!(line.target, None, "identifiers are not shown");
            }
        }
    }

    #[test]
    fn coded_targets_read_as_words() {
        for (action, target) in [
            ("answers.completed", "self-assessment"),
            ("answers.completed", "executive"),
            ("answers.draft_saved", "cloud: Microsoft 365"),
            ("rules.acknowledged", "ipa-sme-3.1"),
            ("documents.approved", "handbook"),
            ("retention.changed", "400"),
            ("security_action.declared", "2: 2026-12-01"),
        ] {
            for lang in Lang::ALL {
                let words = target_words(action, target, lang).expect("words");
                assert!(
                    !raw(&words) && words != target,
                    "{action} {target} in {lang:?}: {words}"
                );
            }
        }
        assert_eq!(
            target_words("answers.completed", "cloud: kintone", Lang::Ja).as_deref(),
            Some("クラウドサービスのチェックリスト（kintone）")
        );
    }

    #[test]
    fn every_history_entry_reads_as_words_in_both_languages() {
        let notes = [
            ("created", None),
            ("acknowledged", None),
            ("assigned", Some("解析 花子")),
            ("unassigned", None),
            ("commented", Some("確認します")),
            ("resolved", Some("true_positive: 遮断しました")),
            ("resolved", Some("false_positive")),
            ("resolved", Some("benign")),
            ("reopened", None),
            ("escalated", Some("不正ログイン")),
            ("suppressed", Some("試験のため")),
            ("notified", Some("webhook: 200 OK")),
            ("notified", Some("email: 250 2.0.0 Ok")),
        ];
        for (action, note) in notes {
            for lang in Lang::ALL {
                let line = HistoryLine::new(
                    AlertEvent {
                        at: 0,
                        actor: "analyst@provider.example".into(),
                        action: action.into(),
                        note: note.map(str::to_owned),
                    },
                    lang,
                );
                assert!(!raw(&line.what), "{action} in {lang:?}: {}", line.what);
                if let Some(note) = &line.note {
                    assert!(!raw(note), "{action} note in {lang:?}: {note}");
                }
            }
        }
    }
}
