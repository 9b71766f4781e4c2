//! Who may do what to alerts and channels, and how a submitted alert action (from the API
//! or a page form) becomes a store change. One place, so pages and API cannot disagree.

use mamori_model::{AlertStatus, Deed, User};
use mamori_store::{Alert, AlertChange, Resolution};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::i18n::{Lang, Messages};

/// An action on an alert.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct AlertAction {
    /// `acknowledge`, `resolve`, `reopen`, `assign`, `unassign` or `comment`.
    #[schema(pattern = "^(acknowledge|resolve|reopen|assign|unassign|comment)$")]
    pub action: String,
    /// For `resolve`: `true_positive`, `false_positive` or `benign`.
    #[serde(default)]
    pub resolution: Option<String>,
    /// A comment (required for `comment`, optional for `resolve`).
    #[serde(default)]
    pub note: Option<String>,
    /// For `assign`: the provider user's id.
    #[serde(default)]
    pub assignee_id: Option<String>,
}

/// Why an action was refused before reaching the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ActionRefused {
    /// The role may not do this.
    Forbidden,
    /// The action word is unknown (message key).
    UnknownAction,
    /// The resolution word is missing or unknown.
    UnknownResolution,
}

impl ActionRefused {
    /// The message key and API error code.
    pub(crate) fn key_and_code(self) -> (&'static str, &'static str) {
        match self {
            ActionRefused::Forbidden => ("error.forbidden", "forbidden"),
            ActionRefused::UnknownAction => ("alerts.error.action", "invalid_input.action"),
            ActionRefused::UnknownResolution => {
                ("alerts.error.resolution", "invalid_input.resolution")
            }
        }
    }
}

/// The store change `user` asks for with `action`.
pub(crate) fn change_for(user: &User, action: &AlertAction) -> Result<AlertChange, ActionRefused> {
    let note = action.note.clone().unwrap_or_default();
    if action.action == "comment" {
        return Ok(AlertChange::Comment(note));
    }
    if !user.may(Deed::TriageAlerts) {
        return Err(ActionRefused::Forbidden);
    }
    match action.action.as_str() {
        "acknowledge" => Ok(AlertChange::Acknowledge),
        "resolve" => {
            let resolution = action
                .resolution
                .as_deref()
                .and_then(Resolution::parse)
                .ok_or(ActionRefused::UnknownResolution)?;
            Ok(AlertChange::Resolve(resolution, Some(note)))
        }
        "reopen" => Ok(AlertChange::Reopen),
        "assign" => Ok(AlertChange::Assign(
            action
                .assignee_id
                .clone()
                .filter(|a| !a.is_empty())
                .or_else(|| Some(user.id.clone())),
        )),
        "unassign" => Ok(AlertChange::Assign(None)),
        _ => Err(ActionRefused::UnknownAction),
    }
}

/// A detection's or alert's correlation group-by values as `field=value` lines.
pub(crate) fn group_pairs(details: &serde_json::Value) -> Vec<String> {
    details
        .get("group")
        .and_then(|g| g.as_array())
        .map(|pairs| {
            pairs
                .iter()
                .filter_map(|p| {
                    let value = p.get(1)?;
                    let value = value
                        .as_str()
                        .map(str::to_owned)
                        .unwrap_or_else(|| value.to_string());
                    Some(format!("{}={value}", p.get(0)?.as_str()?))
                })
                .collect()
        })
        .unwrap_or_default()
}

/// An alert in the reader's language, as the API returns it and pages show it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AlertView {
    /// Identifier.
    pub id: String,
    /// Organisation.
    pub org_id: String,
    /// Organisation's name.
    pub org_name: String,
    /// `critical`, `high`, `medium`, `low` or `info`.
    pub severity: String,
    /// Where the alert is in triage.
    #[schema(value_type = String)]
    pub status: AlertStatus,
    /// `true_positive`, `false_positive` or `benign`, once resolved.
    pub resolution: Option<String>,
    /// Plain-language title in the reader's language.
    pub title: String,
    /// The rule's own (English) title.
    pub rule_title: String,
    /// The rule that raised it.
    pub rule_id: String,
    /// Detections grouped into it.
    pub count: i64,
    /// Events behind those detections (20 failed logins for a correlation that fired once).
    pub events: i64,
    /// What was seen, on which device, from where and how often, in the reader's language.
    pub seen: String,
    /// First detection (RFC 3339).
    pub first_seen: String,
    /// Last detection (RFC 3339).
    pub last_seen: String,
    /// First detection, Unix seconds.
    pub first_seen_unix: i64,
    /// Last detection, Unix seconds.
    pub last_seen_unix: i64,
    /// Source (device).
    pub source_id: Option<String>,
    /// Source's name.
    pub source_name: Option<String>,
    /// Who at the provider handles it.
    pub assignee_id: Option<String>,
    /// The assignee's name.
    pub assignee_name: Option<String>,
    /// The incident it was escalated into.
    pub incident_id: Option<String>,
    /// What to do now, in the reader's language.
    pub what_to_do: String,
    /// Group-by values (`field=value`).
    pub group: Vec<String>,
    /// Raised at (Unix seconds).
    pub created_at: i64,
    /// Last change (Unix seconds).
    pub updated_at: i64,
}

impl AlertView {
    /// `alert` for a reader of `lang`.
    pub(crate) fn new(alert: Alert, lang: Lang) -> Self {
        let code = lang.code();
        let what_to_do = alert
            .what_to_do_in(code)
            .map(str::to_owned)
            .unwrap_or_else(|| lang.t("alerts.default_action"));
        let group = group_pairs(&alert.details);
        let seen = mamori_alerts::what_was_seen(&alert, lang);
        AlertView {
            seen,
            events: alert.events.max(alert.count),
            title: alert.title_in(code).to_owned(),
            what_to_do,
            group,
            first_seen: alert.first_seen.to_rfc3339(),
            last_seen: alert.last_seen.to_rfc3339(),
            first_seen_unix: alert.first_seen.timestamp(),
            last_seen_unix: alert.last_seen.timestamp(),
            id: alert.id,
            org_id: alert.org_id,
            org_name: alert.org_name,
            severity: alert.severity,
            status: alert.status,
            resolution: alert.resolution,
            rule_title: alert.title,
            rule_id: alert.rule_id,
            count: alert.count,
            source_id: alert.source_id,
            source_name: alert.source_name,
            assignee_id: alert.assignee_id,
            assignee_name: alert.assignee_name,
            incident_id: alert.incident_id,
            created_at: alert.created_at,
            updated_at: alert.updated_at,
        }
    }
}
