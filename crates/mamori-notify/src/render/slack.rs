//! Lays a notice out as a Slack incoming-webhook message: fallback `text` plus Block Kit
//! blocks (header, facts, what to do, a link button).

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use super::Content;
use crate::Notice;

/// Slack limits: header text 150 characters, section text 3,000, ten fields per section.
const HEADER_MAX: usize = 150;
const SECTION_MAX: usize = 3000;
const FIELDS_MAX: usize = 10;

/// The JSON body for a Slack incoming webhook.
pub fn slack_json(notice: &Notice, now: DateTime<Utc>) -> Value {
    let c = Content::new(notice, now);
    let mut blocks = vec![json!({
        "type": "header",
        "text": {"type": "plain_text", "text": truncate(&c.heading, HEADER_MAX), "emoji": false}
    })];
    blocks.push(section(&c.intro.join("\n")));
    if !c.facts.is_empty() {
        let fields: Vec<Value> = c
            .facts
            .iter()
            .take(FIELDS_MAX)
            .map(|f| json!({"type": "mrkdwn", "text": format!("*{}*\n{}", escape(&f.label), escape(&f.value))}))
            .collect();
        blocks.push(json!({"type": "section", "fields": fields}));
    }
    if !c.items.is_empty() {
        let lines: Vec<String> = c
            .items
            .iter()
            .map(|l| {
                let title = match &l.link {
                    Some(link) => format!("<{}|{}>", escape(link), escape(&l.title)),
                    None => escape(&l.title),
                };
                format!(
                    "• [{}] {title}（{}）",
                    escape(&l.severity),
                    escape(&l.detail)
                )
            })
            .collect();
        blocks.push(section(&format!(
            "*{}*\n{}",
            escape(&c.items_label),
            lines.join("\n")
        )));
    }
    if !c.todo.is_empty() {
        blocks.push(section(&format!(
            "*{}*\n{}",
            escape(&c.todo_label),
            escape(&c.todo)
        )));
    }
    if let Some(link) = &c.link {
        blocks.push(json!({
            "type": "actions",
            "elements": [{
                "type": "button",
                "text": {"type": "plain_text", "text": c.link_label},
                "url": link
            }]
        }));
    }
    blocks.push(json!({
        "type": "context",
        "elements": [{"type": "mrkdwn", "text": escape(&c.footer)}]
    }));
    json!({"text": c.summary, "blocks": blocks})
}

/// A mrkdwn section, cut to Slack's limit.
fn section(text: &str) -> Value {
    json!({"type": "section", "text": {"type": "mrkdwn", "text": truncate(text, SECTION_MAX)}})
}

/// Cuts to `max` characters, ending with "…" when cut.
fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut out: String = s.chars().take(max - 1).collect();
        out.push('…');
        out
    }
}

/// Slack's mrkdwn needs only &, < and > escaped.
fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}
