//! Stored detections: what the detection engine found in an organisation's events. They are
//! written by the ingest pipeline together with the events that caused them, and read per
//! organisation (never across tenants) by the API, the console and, later, alerting.

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::{Any, AssertSqlSafe, Row, Transaction};

use crate::events::{ROWS_PER_INSERT, placeholders};
use crate::position::{ListPosition, ListQuery, read_page};
use crate::sql::Conditions;
use crate::tenant::Detections;
use crate::{Backend, Store, StoreError, now};

/// One detection ready to store.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NewDetection {
    /// Identifier.
    pub id: String,
    /// The organisation whose events matched.
    pub org_id: String,
    /// The source of the matching event, when there is one.
    pub source_id: Option<String>,
    /// The matching event, for single-event detections.
    pub event_id: Option<String>,
    /// When it happened: the (last) matching event's time.
    pub timestamp: DateTime<Utc>,
    /// `rule`, `correlation` or `indicator`.
    pub kind: String,
    /// The rule's id.
    pub rule_id: String,
    /// The rule's English title.
    pub rule_title: String,
    /// The rule's Japanese title, for mamori's own rules.
    pub title_ja: Option<String>,
    /// `critical`, `high`, `medium`, `low` or `info`.
    pub level: String,
    /// The rule's tags (ATT&CK techniques among them).
    pub tags: Vec<String>,
    /// The evidence and explanation as JSON.
    pub details: serde_json::Value,
}

/// A stored detection as the API returns it: the detection, its source's name and when it
/// was stored.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoredDetection {
    /// The detection as it was stored.
    #[serde(flatten)]
    pub detection: NewDetection,
    /// The source's friendly name.
    pub source_name: Option<String>,
    /// When it was stored (Unix seconds).
    pub created_at: i64,
}

/// Which detections to list.
#[derive(Debug, Clone, Default)]
pub struct DetectionFilter {
    /// At or after this time.
    pub from: Option<DateTime<Utc>>,
    /// Before this time.
    pub to: Option<DateTime<Utc>>,
    /// Only this severity word.
    pub level: Option<String>,
    /// Only this rule.
    pub rule_id: Option<String>,
    /// Page size.
    pub limit: i64,
    /// Rows to skip.
    pub offset: i64,
    /// Only detections after this position in the list (the previous page's `next`).
    pub after: Option<ListPosition>,
}

/// One page of detections with the number of all matches.
#[derive(Debug, Clone, Serialize)]
pub struct DetectionPage {
    /// Matches in all, counted up to [`crate::COUNT_BOUND`].
    pub total: i64,
    /// True when there are more than [`crate::COUNT_BOUND`] matches.
    pub total_capped: bool,
    /// This page, newest first.
    pub detections: Vec<StoredDetection>,
    /// Where the next page starts; `None` on the last page.
    pub next: Option<ListPosition>,
}

const INSERT_COLUMNS: &str = "id, org_id, source_id, event_id, ts_us, created_at, kind, rule_id, rule_title, title_ja, level, tags, details";
const INSERT_WIDTH: usize = 13;
pub(crate) const SELECT_COLUMNS: &str = "d.id, d.org_id, d.source_id, s.name, d.event_id, d.ts_us, d.created_at, d.kind, d.rule_id, d.rule_title, d.title_ja, d.level, d.tags, d.details";

/// Inserts `detections` inside the ingest transaction (identifiers already stored are
/// ignored).
pub(crate) async fn insert_detections(
    tx: &mut Transaction<'_, Any>,
    backend: Backend,
    detections: &[NewDetection],
) -> Result<(), StoreError> {
    let created = now();
    for chunk in detections.chunks(ROWS_PER_INSERT) {
        let sql = format!(
            "INSERT INTO detections ({INSERT_COLUMNS}) VALUES {} ON CONFLICT (id) DO NOTHING",
            placeholders(backend, chunk.len(), INSERT_WIDTH)
        );
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for d in chunk {
            query = query
                .bind(&d.id)
                .bind(&d.org_id)
                .bind(d.source_id.as_deref())
                .bind(d.event_id.as_deref())
                .bind(d.timestamp.timestamp_micros())
                .bind(created)
                .bind(&d.kind)
                .bind(&d.rule_id)
                .bind(&d.rule_title)
                .bind(d.title_ja.as_deref())
                .bind(&d.level)
                .bind(serde_json::Value::from(d.tags.clone()).to_string())
                .bind(d.details.to_string());
        }
        query.execute(&mut **tx).await?;
    }
    Ok(())
}

pub(crate) fn json_column(
    row: &AnyRow,
    index: usize,
    name: &'static str,
) -> Result<serde_json::Value, StoreError> {
    let text: String = row.try_get(index)?;
    serde_json::from_str(&text).map_err(|e| StoreError::corrupt(name, e))
}

pub(crate) fn detection_from_row(row: &AnyRow) -> Result<StoredDetection, StoreError> {
    let ts_us: i64 = row.try_get(5)?;
    let tags = match json_column(row, 12, "detections.tags")? {
        serde_json::Value::Array(items) => items
            .into_iter()
            .filter_map(|t| t.as_str().map(str::to_owned))
            .collect(),
        _ => Vec::new(),
    };
    Ok(StoredDetection {
        detection: NewDetection {
            id: row.try_get(0)?,
            org_id: row.try_get(1)?,
            source_id: row.try_get(2)?,
            event_id: row.try_get(4)?,
            timestamp: DateTime::from_timestamp_micros(ts_us)
                .ok_or_else(|| StoreError::corrupt("detections.ts_us", ts_us))?,
            kind: row.try_get(7)?,
            rule_id: row.try_get(8)?,
            rule_title: row.try_get(9)?,
            title_ja: row.try_get(10)?,
            level: row.try_get(11)?,
            tags,
            details: json_column(row, 13, "detections.details")?,
        },
        source_name: row.try_get(3)?,
        created_at: row.try_get(6)?,
    })
}

impl Store {}

/// The list's `WHERE` clause (alias `d`) for organisation `org_id`, without the position
/// (the total counts every match, not only those after it).
fn conditions(org_id: &str, filter: &DetectionFilter) -> Conditions {
    let mut c = Conditions::default();
    c.text("d.org_id = ", org_id);
    for (column, value) in [
        ("d.level = ", &filter.level),
        ("d.rule_id = ", &filter.rule_id),
    ] {
        if let Some(v) = value.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
            c.text(column, v);
        }
    }
    for (column, value) in [("d.ts_us >= ", filter.from), ("d.ts_us < ", filter.to)] {
        if let Some(t) = value {
            c.number(column, t.timestamp_micros());
        }
    }
    c
}

/// One page of the list over `c`, newest first; bind the row count and offset after the
/// conditions' values.
fn page_sql(c: &Conditions) -> String {
    let next = c.next_index();
    format!(
        "SELECT {SELECT_COLUMNS} FROM detections d LEFT JOIN sources s ON s.id = d.source_id
         WHERE {} ORDER BY d.ts_us DESC, d.id DESC LIMIT ${next} OFFSET ${}",
        c.sql(),
        next + 1
    )
}

impl Detections<'_> {
    /// Detections of organisation `org_id` matching `filter`, newest first, with the total.
    /// Another tenant's organisation is [`StoreError::NotFound`].
    pub async fn list(&self, filter: &DetectionFilter) -> Result<DetectionPage, StoreError> {
        let query = ListQuery {
            table: "detections d",
            page_sql: &page_sql,
            restrict: &|after, c| after.restrict(c, "d"),
            from_row: detection_from_row,
            position: |d: &StoredDetection| ListPosition {
                ts_us: d.detection.timestamp.timestamp_micros(),
                id: d.detection.id.clone(),
            },
        };
        let conditions = conditions(self.org.id(), filter);
        let after = filter.after.as_ref();
        let pool = &self.org.store.pool;
        let page = read_page(pool, conditions, query, after, filter.limit, filter.offset).await?;
        Ok(DetectionPage {
            total: page.total,
            total_capped: page.total_capped,
            detections: page.rows,
            next: page.next,
        })
    }
}

#[cfg(test)]
mod plans {
    use super::*;
    use crate::sql::{assert_lists_use_an_index, test_cases};

    /// The detection list's filters, with and without a position, read in order from an
    /// index on both databases.
    #[tokio::test]
    async fn every_list_is_served_by_an_index() {
        let filters = [
            DetectionFilter::default(),
            DetectionFilter {
                level: Some("high".into()),
                rule_id: Some("r".into()),
                ..Default::default()
            },
        ];
        let cases = test_cases(
            &filters,
            "d",
            |f| conditions("org", f),
            |_: &DetectionFilter| true,
        );
        assert_lists_use_an_index(&cases, &page_sql, "detections", "d").await;
    }
}
