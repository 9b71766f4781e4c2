//! The generic webhook body: the notice as plain data, so any receiver can act on it without
//! parsing prose. The format is documented in the crate root.

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Value, json};

use super::Content;
use crate::Notice;

/// The JSON body for a generic webhook, with `sent_at` as given (it is also signed).
pub fn webhook_json(notice: &Notice, sent_at: DateTime<Utc>) -> Value {
    let rfc3339 =
        |t: &Option<DateTime<Utc>>| t.map(|t| t.to_rfc3339_opts(SecondsFormat::Secs, true));
    let items: Vec<Value> = notice
        .items
        .iter()
        .map(|item| {
            json!({
                "severity": item.severity,
                "title": item.title,
                "count": item.count,
                "last_seen": rfc3339(&item.last_seen),
                "link": item.link,
            })
        })
        .collect();
    json!({
        "type": notice.kind.as_str(),
        "sent_at": sent_at.to_rfc3339_opts(SecondsFormat::Secs, true),
        "lang": notice.lang,
        "text": Content::new(notice, sent_at).summary,
        "organisation": notice.org_name,
        "provider": notice.provider_name,
        "alert": {
            "id": notice.alert_id,
            "severity": notice.severity,
            "title": notice.title,
            "seen": notice.seen,
            "what_to_do": notice.what_to_do,
            "rule_id": notice.rule_id,
            "count": notice.count,
            "first_seen": rfc3339(&notice.first_seen),
            "last_seen": rfc3339(&notice.last_seen),
            "source": notice.source,
            "link": notice.link,
        },
        "items": items,
    })
}
