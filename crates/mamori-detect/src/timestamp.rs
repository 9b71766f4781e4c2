//! Event times: where the time of a JSON event is written, for detections and correlation
//! windows.

use chrono::{DateTime, NaiveDateTime, Utc};
use serde_json::Value;

/// The time `event` happened, from the usual places: the Windows `System/TimeCreated`
/// attribute, mamori's `timestamp`, `@timestamp`, Sysmon's `UtcTime`, or a flat
/// `TimeCreated` / `SystemTime`.
pub fn event_time(event: &Value) -> Option<DateTime<Utc>> {
    let root = event.get("Event").unwrap_or(event);
    let candidates = [
        root.pointer("/System/TimeCreated/#attributes/SystemTime"),
        root.pointer("/System/TimeCreated_SystemTime"),
        event.get("timestamp"),
        event.get("@timestamp"),
        event.get("TimeCreated"),
        event.get("SystemTime"),
        root.pointer("/EventData/UtcTime"),
        event.get("UtcTime"),
    ];
    candidates
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .find_map(parse_time)
}

fn parse_time(text: &str) -> Option<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Some(t.with_timezone(&Utc));
    }
    ["%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S%.f"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(text, f).ok())
        .map(|t| t.and_utc())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn finds_windows_and_flat_times() {
        let win = json!({"Event": {"System": {"TimeCreated": {"#attributes": {"SystemTime": "2025-11-27T07:40:10.165324Z"}}}}});
        assert!(event_time(&win).is_some());
        let sysmon = json!({"UtcTime": "2025-11-27 07:40:10.132"});
        assert!(event_time(&sysmon).is_some());
        assert!(event_time(&json!({"x": 1})).is_none());
    }
}
