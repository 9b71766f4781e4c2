//! Lays a notice out as a Microsoft Teams message carrying an Adaptive Card, the format both
//! Teams incoming webhooks and Teams workflows accept.

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use super::Content;
use crate::Notice;

/// The JSON body for a Teams webhook.
pub fn teams_json(notice: &Notice, now: DateTime<Utc>) -> Value {
    let c = Content::new(notice, now);
    let urgent = matches!(notice.severity.as_str(), "critical" | "high")
        && notice.kind == crate::NoticeKind::Alert;
    let mut body = vec![json!({
        "type": "TextBlock",
        "text": c.heading,
        "weight": "Bolder",
        "size": "Medium",
        "wrap": true,
        "color": if urgent { "Attention" } else { "Default" }
    })];
    for paragraph in &c.intro {
        body.push(json!({"type": "TextBlock", "text": paragraph, "wrap": true}));
    }
    if !c.facts.is_empty() {
        let facts: Vec<Value> = c
            .facts
            .iter()
            .map(|f| json!({"title": f.label, "value": f.value}))
            .collect();
        body.push(json!({"type": "FactSet", "facts": facts}));
    }
    if !c.items.is_empty() {
        body.push(
            json!({"type": "TextBlock", "text": c.items_label, "weight": "Bolder", "wrap": true}),
        );
        for line in &c.items {
            let title = match &line.link {
                Some(link) => format!("[{}]({link})", line.title),
                None => line.title.clone(),
            };
            body.push(json!({
                "type": "TextBlock",
                "text": format!("- [{}] {title}（{}）", line.severity, line.detail),
                "wrap": true,
                "spacing": "None"
            }));
        }
    }
    if !c.todo.is_empty() {
        body.push(
            json!({"type": "TextBlock", "text": c.todo_label, "weight": "Bolder", "wrap": true}),
        );
        body.push(json!({"type": "TextBlock", "text": c.todo, "wrap": true}));
    }
    body.push(json!({
        "type": "TextBlock",
        "text": c.footer,
        "size": "Small",
        "isSubtle": true,
        "wrap": true
    }));
    let actions: Vec<Value> = c
        .link
        .iter()
        .map(|link| json!({"type": "Action.OpenUrl", "title": c.link_label, "url": link}))
        .collect();
    json!({
        "type": "message",
        "summary": c.summary,
        "attachments": [{
            "contentType": "application/vnd.microsoft.card.adaptive",
            "contentUrl": null,
            "content": {
                "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                "type": "AdaptiveCard",
                "version": "1.4",
                "body": body,
                "actions": actions
            }
        }]
    })
}
