//! Stored detections: what the detection engine found in an organisation's events. They are
//! written by the ingest pipeline together with the events that caused them, and read per
//! organisation (never across tenants) by the API, the console and, later, alerting.

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::{Any, AssertSqlSafe, Row, Transaction};

use crate::events::{ROWS_PER_INSERT, placeholders};
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

impl Detections<'_> {
    /// Detections of organisation `org_id` matching `filter`, newest first, with the total.
    /// Another tenant's organisation is [`StoreError::NotFound`].
    pub async fn list(&self, filter: &DetectionFilter) -> Result<DetectionPage, StoreError> {
        let org_id = self.org.id();
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
        let condition = c.sql();
        let counted: i64 = c
            .query(crate::events::bounded_count_sql(&format!(
                "detections d WHERE {condition}"
            )))
            .fetch_one(&self.org.store.pool)
            .await?
            .try_get(0)?;
        let (total, total_capped) = crate::events::capped_total(counted);
        let next = c.next_index();
        let rows = c
            .query(format!(
                "SELECT {SELECT_COLUMNS} FROM detections d LEFT JOIN sources s ON s.id = d.source_id
             WHERE {condition} ORDER BY d.ts_us DESC, d.id DESC LIMIT ${next} OFFSET ${}",
                next + 1
            ))
            .bind(filter.limit.clamp(1, 1000))
            .bind(filter.offset.max(0))
            .fetch_all(&self.org.store.pool)
            .await?;
        Ok(DetectionPage {
            total,
            total_capped,
            detections: rows
                .iter()
                .map(detection_from_row)
                .collect::<Result<_, _>>()?,
        })
    }
}
