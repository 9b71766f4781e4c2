//! Alerts: detections grouped into the few things people act on, with their lifecycle
//! (new → acknowledged → resolved), assignee, comments and full history. Every read and
//! change takes the caller's scope, so one tenant never sees another's alerts.

use chrono::{DateTime, Utc};
use mamori_model::{AlertStatus, Deed, Scope, Severity};
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::{Any, AssertSqlSafe, Executor, Row};

use crate::audit::Actor;
use crate::detections::{StoredDetection, detection_from_row, json_column};
use crate::error::InvalidInput;
use crate::events::class;
use crate::position::{ListPosition, ListQuery, read_page};
use crate::sql::Conditions;
use crate::tenant::Alerts;
use crate::{Store, StoreError, new_id, now};

/// How a resolved alert turned out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Resolution {
    /// A real attack or problem.
    TruePositive,
    /// The rule fired on something harmless by mistake.
    FalsePositive,
    /// Real activity, but expected and harmless (a scheduled scan, a known admin).
    Benign,
}

impl Resolution {
    /// Every resolution, for forms.
    pub const ALL: [Resolution; 3] = [
        Resolution::TruePositive,
        Resolution::FalsePositive,
        Resolution::Benign,
    ];

    /// The stored word.
    pub fn as_str(self) -> &'static str {
        match self {
            Resolution::TruePositive => "true_positive",
            Resolution::FalsePositive => "false_positive",
            Resolution::Benign => "benign",
        }
    }

    /// Reads a stored or submitted word.
    pub fn parse(word: &str) -> Option<Self> {
        Resolution::ALL.into_iter().find(|r| r.as_str() == word)
    }
}

/// One alert as people and the API see it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Alert {
    /// Identifier.
    pub id: String,
    /// The organisation it belongs to.
    pub org_id: String,
    /// The organisation's name, for the provider's queue.
    pub org_name: String,
    /// `critical`, `high`, `medium`, `low` or `info`.
    pub severity: String,
    /// `new`, `acknowledged` or `resolved`.
    pub status: AlertStatus,
    /// How it was resolved, once resolved.
    pub resolution: Option<String>,
    /// The title in English (the rule's title).
    pub title: String,
    /// The title in Japanese, when the rule has one.
    pub title_ja: Option<String>,
    /// The rule that raised it.
    pub rule_id: String,
    /// How many detections it groups.
    pub count: i64,
    /// How many events stand behind those detections (20 failed logins for a correlation
    /// that fired once).
    pub events: i64,
    /// The first grouped detection's time.
    pub first_seen: DateTime<Utc>,
    /// The last grouped detection's time.
    pub last_seen: DateTime<Utc>,
    /// The source (device) of the first detection.
    pub source_id: Option<String>,
    /// The source's friendly name.
    pub source_name: Option<String>,
    /// Who at the provider handles it.
    pub assignee_id: Option<String>,
    /// The assignee's name (or e-mail address).
    pub assignee_name: Option<String>,
    /// The incident it was escalated into.
    pub incident_id: Option<String>,
    /// When it was raised (Unix seconds).
    pub created_at: i64,
    /// When it last changed (Unix seconds).
    pub updated_at: i64,
    /// Guidance, group-by values, tags and the first evidence, as JSON.
    pub details: serde_json::Value,
}

impl Alert {
    /// The severity as the shared type (unknown words read as info).
    pub fn severity_level(&self) -> Severity {
        self.severity.parse().unwrap_or(Severity::Info)
    }

    /// The title in language `lang` (`ja` or `en`): the rule's Japanese title when there
    /// is one, else its English title.
    pub fn title_in(&self, lang: &str) -> &str {
        match (lang, &self.title_ja) {
            ("ja", Some(ja)) if !ja.is_empty() => ja,
            _ => &self.title,
        }
    }

    /// What to do now in language `lang`, from the rule's guidance, when the rule has some.
    pub fn what_to_do_in(&self, lang: &str) -> Option<&str> {
        self.guidance(if lang == "ja" {
            "action_ja"
        } else {
            "action_en"
        })
    }

    /// The guidance text `key` (`action_ja`, `action_en`, `title_ja` …), when present.
    pub fn guidance(&self, key: &str) -> Option<&str> {
        self.details
            .get("guidance")
            .and_then(|g| g.get(key))
            .and_then(|v| v.as_str())
            .filter(|s| !s.is_empty())
    }
}

/// Which alerts to list.
#[derive(Debug, Clone, Default)]
pub struct AlertFilter {
    /// Only this organisation.
    pub org_id: Option<String>,
    /// `new`, `acknowledged`, `resolved`, or `open` for the first two.
    pub status: Option<String>,
    /// Only this severity.
    pub severity: Option<String>,
    /// Only this rule.
    pub rule_id: Option<String>,
    /// Only this source.
    pub source_id: Option<String>,
    /// Only alerts escalated into this incident.
    pub incident_id: Option<String>,
    /// Raised at or after this time (Unix seconds).
    pub created_from: Option<i64>,
    /// Raised before this time (Unix seconds).
    pub created_to: Option<i64>,
    /// In which order the alerts come.
    pub order: AlertOrder,
    /// Page size.
    pub limit: i64,
    /// Rows to skip.
    pub offset: i64,
    /// Continue a [`AlertOrder::Newest`] list after this position (the previous page's
    /// `next`). The other orders are work lists paged by offset and refuse it.
    pub after: Option<ListPosition>,
}

/// The order of a list of alerts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum AlertOrder {
    /// Most recently seen first (history, the API's default).
    #[default]
    Newest,
    /// Most urgent, then oldest first: the analysts' queue.
    Queue,
    /// Not yet resolved first, then most urgent, then most recently seen: what a company
    /// looks at first.
    OpenFirst,
}

/// One page of alerts with the number of all matches.
#[derive(Debug, Clone, Serialize)]
pub struct AlertPage {
    /// Matches in all, counted up to [`crate::COUNT_BOUND`].
    pub total: i64,
    /// True when there are more than [`crate::COUNT_BOUND`] matches.
    pub total_capped: bool,
    /// This page.
    pub alerts: Vec<Alert>,
    /// Where the next page of a [`AlertOrder::Newest`] list starts; `None` on the last page
    /// and for the other orders.
    pub next: Option<ListPosition>,
}

/// One line of an alert's history.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AlertEvent {
    /// When (Unix seconds).
    pub at: i64,
    /// Who (an e-mail address, `mamori` or `cli`).
    pub actor: String,
    /// `created`, `acknowledged`, `assigned`, `unassigned`, `commented`, `resolved`,
    /// `reopened`, `escalated`, `suppressed`, `notified`, `recovered` (mamori resolved it).
    pub action: String,
    /// The comment, resolution or other detail.
    pub note: Option<String>,
}

/// A change someone makes to an alert.
#[derive(Debug, Clone, PartialEq)]
pub enum AlertChange {
    /// "I'm on it."
    Acknowledge,
    /// Close it with a resolution and an optional note.
    Resolve(Resolution, Option<String>),
    /// Open a resolved alert again.
    Reopen,
    /// Hand it to a provider user, or to nobody.
    Assign(Option<String>),
    /// Add a comment.
    Comment(String),
}

/// Open alerts of one organisation, for the organisation list.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct OpenAlerts {
    /// New or acknowledged alerts.
    pub open: i64,
    /// The most urgent open alert's severity.
    pub worst: Option<String>,
}

/// The rank stored beside the severity word so the queue sorts by urgency.
pub(crate) fn severity_rank(severity: Severity) -> i64 {
    severity as i64
}

pub(crate) const ALERT_COLUMNS: &str = "a.id, a.org_id, o.name, a.severity, a.status, a.resolution, a.rule_title, a.title_ja, a.rule_id, a.count, a.first_seen_us, a.last_seen_us, a.source_id, s.name, a.assignee_id, COALESCE(NULLIF(u.display_name, ''), u.email), a.incident_id, a.created_at, a.updated_at, a.details, a.events";

pub(crate) const ALERT_FROM: &str = "alerts a JOIN organisations o ON o.id = a.org_id
     LEFT JOIN sources s ON s.id = a.source_id LEFT JOIN users u ON u.id = a.assignee_id";

fn micros(row: &AnyRow, index: usize, column: &'static str) -> Result<DateTime<Utc>, StoreError> {
    let us: i64 = row.try_get(index)?;
    DateTime::from_timestamp_micros(us).ok_or_else(|| StoreError::corrupt(column, us))
}

pub(crate) fn alert_from_row(row: &AnyRow) -> Result<Alert, StoreError> {
    Ok(Alert {
        id: row.try_get(0)?,
        org_id: row.try_get(1)?,
        org_name: row.try_get(2)?,
        severity: row.try_get(3)?,
        status: class(row, 4, "alerts.status")?,
        resolution: row.try_get(5)?,
        title: row.try_get(6)?,
        title_ja: row.try_get(7)?,
        rule_id: row.try_get(8)?,
        count: row.try_get(9)?,
        first_seen: micros(row, 10, "alerts.first_seen_us")?,
        last_seen: micros(row, 11, "alerts.last_seen_us")?,
        source_id: row.try_get(12)?,
        source_name: row.try_get(13)?,
        assignee_id: row.try_get(14)?,
        assignee_name: row.try_get(15)?,
        incident_id: row.try_get(16)?,
        created_at: row.try_get(17)?,
        updated_at: row.try_get(18)?,
        details: json_column(row, 19, "alerts.details")?,
        events: row.try_get(20)?,
    })
}

/// Appends one line to an alert's history.
pub(crate) async fn append_history<'c, E>(
    executor: E,
    alert_id: &str,
    org_id: &str,
    actor: &Actor,
    action: &str,
    note: Option<&str>,
) -> Result<(), StoreError>
where
    E: Executor<'c, Database = Any>,
{
    sqlx::query(
        "INSERT INTO alert_history (id, alert_id, org_id, at, actor, actor_user_id, action, note)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(new_id())
    .bind(alert_id)
    .bind(org_id)
    .bind(now())
    .bind(&actor.label)
    .bind(actor.user_id.as_deref())
    .bind(action)
    .bind(note)
    .execute(executor)
    .await?;
    Ok(())
}

/// One page of alerts over `c` in `order`; bind the row count and offset after the
/// conditions' values.
fn page_sql(c: &Conditions, order: AlertOrder) -> String {
    let order = match order {
        AlertOrder::Queue => "a.severity_rank DESC, a.created_at ASC, a.id ASC",
        AlertOrder::Newest => "a.last_seen_us DESC, a.id DESC",
        AlertOrder::OpenFirst => {
            "CASE WHEN a.status = 'resolved' THEN 1 ELSE 0 END, a.severity_rank DESC, \
             a.last_seen_us DESC, a.id DESC"
        }
    };
    let next = c.next_index();
    format!(
        "SELECT {ALERT_COLUMNS} FROM {ALERT_FROM} WHERE {} ORDER BY {order} LIMIT ${next} OFFSET ${}",
        c.sql(),
        next + 1
    )
}

fn filter_conditions(scope: &Scope, filter: &AlertFilter) -> Conditions {
    let mut c = Conditions::default();
    if let Some(own) = scope.only_org() {
        c.text("a.org_id = ", own);
    }
    let trimmed = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
    };
    if let Some(org) = trimmed(&filter.org_id) {
        c.text("a.org_id = ", &org);
    }
    match trimmed(&filter.status).as_deref() {
        Some("open") => c.raw(&format!("a.status <> '{}'", AlertStatus::Resolved)),
        Some(s) => c.text("a.status = ", s),
        None => {}
    }
    for (column, value) in [
        ("a.severity = ", &filter.severity),
        ("a.rule_id = ", &filter.rule_id),
        ("a.source_id = ", &filter.source_id),
        ("a.incident_id = ", &filter.incident_id),
    ] {
        if let Some(v) = trimmed(value) {
            c.text(column, &v);
        }
    }
    if let Some(from) = filter.created_from {
        c.number("a.created_at >= ", from);
    }
    if let Some(to) = filter.created_to {
        c.number("a.created_at < ", to);
    }
    c
}

impl Store {
    /// Alerts visible in `scope` that match `filter`, with the total.
    pub async fn alerts(
        &self,
        scope: &Scope,
        filter: &AlertFilter,
    ) -> Result<AlertPage, StoreError> {
        if filter.after.is_some() && filter.order != AlertOrder::Newest {
            return Err(StoreError::Invalid(InvalidInput::CursorOrder));
        }
        // Counted up to the bound only, like events and detections, so one organisation with a
        // flood of alerts cannot make every list slow.
        let query = ListQuery {
            table: "alerts a",
            page_sql: &|c| page_sql(c, filter.order),
            restrict: &|after, c| after.restrict_on(c, "a.last_seen_us", "a.id"),
            from_row: alert_from_row,
            position: |a: &Alert| ListPosition {
                ts_us: a.last_seen.timestamp_micros(),
                id: a.id.clone(),
            },
        };
        let conditions = filter_conditions(scope, filter);
        let after = filter.after.as_ref();
        let page = read_page(
            &self.pool,
            conditions,
            query,
            after,
            filter.limit,
            filter.offset,
        )
        .await?;
        Ok(AlertPage {
            total: page.total,
            total_capped: page.total_capped,
            alerts: page.rows,
            next: page.next.filter(|_| filter.order == AlertOrder::Newest),
        })
    }

    /// One alert, when `scope` may see it.
    pub async fn alert(&self, scope: &Scope, id: &str) -> Result<Option<Alert>, StoreError> {
        let row = sqlx::query(AssertSqlSafe(format!(
            "SELECT {ALERT_COLUMNS} FROM {ALERT_FROM} WHERE a.id = $1"
        )))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        match row {
            Some(row) => {
                let alert = alert_from_row(&row)?;
                Ok(scope.permits(&alert.org_id).then_some(alert))
            }
            None => Ok(None),
        }
    }

    /// An alert's history, oldest first.
    pub async fn alert_history(
        &self,
        scope: &Scope,
        id: &str,
    ) -> Result<Vec<AlertEvent>, StoreError> {
        let alert = self.alert(scope, id).await?.ok_or(StoreError::NotFound)?;
        let rows: Vec<(i64, String, String, Option<String>)> = sqlx::query_as(
            "SELECT at, actor, action, note FROM alert_history
             WHERE alert_id = $1 AND org_id = $2 ORDER BY at, id",
        )
        .bind(&alert.id)
        .bind(&alert.org_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(at, actor, action, note)| AlertEvent {
                at,
                actor,
                action,
                note,
            })
            .collect())
    }

    /// The detections an alert groups, newest first, at most `limit`.
    pub async fn alert_evidence(
        &self,
        scope: &Scope,
        id: &str,
        limit: i64,
    ) -> Result<Vec<StoredDetection>, StoreError> {
        let alert = self.alert(scope, id).await?.ok_or(StoreError::NotFound)?;
        let rows = sqlx::query(AssertSqlSafe(format!(
            "SELECT {} FROM alert_detections ad JOIN detections d ON d.id = ad.detection_id
             LEFT JOIN sources s ON s.id = d.source_id
             WHERE ad.alert_id = $1 AND d.org_id = $2 ORDER BY d.ts_us DESC, d.id DESC LIMIT $3",
            crate::detections::SELECT_COLUMNS
        )))
        .bind(&alert.id)
        .bind(&alert.org_id)
        .bind(limit.clamp(1, 1000))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(detection_from_row).collect()
    }

    /// Applies `change` to alert `id` and records it in the alert's history. Resolved
    /// alerts take only comments and reopening ([`InvalidInput::AlertResolved`]).
    pub async fn change_alert(
        &self,
        actor: &Actor,
        scope: &Scope,
        id: &str,
        change: AlertChange,
    ) -> Result<Alert, StoreError> {
        let alert = self.alert(scope, id).await?.ok_or(StoreError::NotFound)?;
        let resolved = alert.status == AlertStatus::Resolved;
        let mut tx = self.begin_write().await?;
        let (set, binds, action, note): (&str, Vec<Option<String>>, &str, Option<String>) =
            match change {
                AlertChange::Acknowledge if resolved => {
                    return Err(StoreError::Invalid(InvalidInput::AlertResolved));
                }
                // Whoever starts work on an unassigned alert becomes its assignee, so the
                // company sees who is handling it.
                AlertChange::Acknowledge => (
                    "status = $1, assignee_id = COALESCE(assignee_id, $2)",
                    vec![
                        Some(AlertStatus::Acknowledged.to_string()),
                        actor.user_id.clone(),
                    ],
                    "acknowledged",
                    None,
                ),
                AlertChange::Resolve(..) if resolved => {
                    return Err(StoreError::Invalid(InvalidInput::AlertResolved));
                }
                AlertChange::Resolve(resolution, note) => (
                    "status = $1, resolution = $2",
                    vec![
                        Some(AlertStatus::Resolved.to_string()),
                        Some(resolution.as_str().to_owned()),
                    ],
                    "resolved",
                    Some(
                        match note.map(|n| n.trim().to_owned()).filter(|n| !n.is_empty()) {
                            Some(n) => format!("{}: {n}", resolution.as_str()),
                            None => resolution.as_str().to_owned(),
                        },
                    ),
                ),
                AlertChange::Reopen => (
                    "status = $1, resolution = $2",
                    vec![Some(AlertStatus::Acknowledged.to_string()), None],
                    "reopened",
                    None,
                ),
                AlertChange::Assign(Some(user_id)) => {
                    let user = self.user_by_id(&user_id).await?;
                    let Some(user) = user.filter(|u| u.may(Deed::TriageAlerts)) else {
                        return Err(StoreError::Invalid(InvalidInput::AssigneeNotStaff));
                    };
                    (
                        "assignee_id = $1",
                        vec![Some(user.id.clone())],
                        "assigned",
                        Some(if user.display_name.is_empty() {
                            user.email.clone()
                        } else {
                            user.display_name.clone()
                        }),
                    )
                }
                AlertChange::Assign(None) => ("assignee_id = $1", vec![None], "unassigned", None),
                AlertChange::Comment(text) => {
                    let text = text.trim().to_owned();
                    if text.is_empty() {
                        return Err(StoreError::Invalid(InvalidInput::TextRequired));
                    }
                    ("", Vec::new(), "commented", Some(text))
                }
            };
        let at = now();
        let n = binds.len();
        let set = if set.is_empty() {
            String::new()
        } else {
            format!("{set}, ")
        };
        let sql = format!(
            "UPDATE alerts SET {set}updated_at = ${} WHERE id = ${} AND org_id = ${}",
            n + 1,
            n + 2,
            n + 3
        );
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for b in &binds {
            query = query.bind(b.as_deref());
        }
        query
            .bind(at)
            .bind(&alert.id)
            .bind(&alert.org_id)
            .execute(&mut *tx)
            .await?;
        append_history(
            &mut *tx,
            &alert.id,
            &alert.org_id,
            actor,
            action,
            note.as_deref(),
        )
        .await?;
        tx.commit().await?;
        self.alert(scope, id).await?.ok_or(StoreError::NotFound)
    }

    /// Open alerts per organisation visible in `scope`, for the organisation list.
    pub async fn open_alerts_by_org(
        &self,
        scope: &Scope,
    ) -> Result<std::collections::HashMap<String, OpenAlerts>, StoreError> {
        let rows: Vec<(String, i64, i64)> = sqlx::query_as(
            "SELECT org_id, COUNT(*), MAX(severity_rank) FROM alerts
             WHERE status <> 'resolved' AND ($1 IS NULL OR org_id = $1) GROUP BY org_id",
        )
        .bind(scope.only_org())
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(org, open, rank)| {
                let worst = Severity::ALL
                    .iter()
                    .find(|s| severity_rank(**s) == rank)
                    .map(|s| s.as_str().to_owned());
                (org, OpenAlerts { open, worst })
            })
            .collect())
    }
}

impl Alerts<'_> {
    /// Alerts of `org_id` raised in `[from, to)` (Unix seconds) per severity word, for the
    /// portal's "this month" summary.
    pub async fn counts(&self, from: i64, to: i64) -> Result<Vec<(String, i64)>, StoreError> {
        let org_id = self.org.id();
        let rows: Vec<(String, i64)> = sqlx::query_as(
            "SELECT severity, COUNT(*) FROM alerts
             WHERE org_id = $1 AND created_at >= $2 AND created_at < $3
             GROUP BY severity, severity_rank ORDER BY severity_rank DESC",
        )
        .bind(org_id)
        .bind(from)
        .bind(to)
        .fetch_all(&self.org.store.pool)
        .await?;
        Ok(rows)
    }
}

#[cfg(test)]
mod plans {
    use super::*;
    use crate::sql::{assert_lists_use_an_index, test_positions};

    /// An organisation's alert list, newest first, is read in order from an index and
    /// continued from a position by a seek, on both databases.
    #[tokio::test]
    async fn an_organisation_s_newest_alerts_are_served_by_an_index() {
        let scope = Scope::Organisation("org".into());
        let mut cases = Vec::new();
        for after in test_positions() {
            let mut c = filter_conditions(&scope, &AlertFilter::default());
            if let Some(after) = &after {
                after.restrict_on(&mut c, "a.last_seen_us", "a.id");
            }
            cases.push((format!("after {after:?}"), c, after.is_some()));
        }
        let newest = |c: &Conditions| page_sql(c, AlertOrder::Newest);
        assert_lists_use_an_index(&cases, &newest, "alerts", "a").await;
    }
}
