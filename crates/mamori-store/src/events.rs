//! Stored events: the write side used by ingest (one transaction per batch, together with the
//! queue cursor, so a batch is stored exactly once), and the search read by analysts and
//! organisations.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use mamori_model::{Event, Scope};
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::{Any, AssertSqlSafe, Row, Transaction};

use crate::detections::{NewDetection, insert_detections};
use crate::position::{ListPosition, ListQuery, read_page};
use crate::quarantine::{QuarantineLine, insert_quarantine};
use crate::sql::Conditions;
use crate::tenant::Events;
use crate::{Backend, Store, StoreError, now};

/// One event ready to store: the normalised event with `org_id` and `source_id` set, its
/// identifier from the durable queue, and the parse error for dead letters.
#[derive(Debug, Clone)]
pub struct NewEvent {
    /// Identifier given when the line was queued; storing it twice is a no-op.
    pub id: String,
    /// The event; for a dead letter, a bare event holding the raw line.
    pub event: Event,
    /// Why the line could not be parsed, for dead letters.
    pub parse_error: Option<String>,
    /// Set by ingest when the line was read only as a bare syslog envelope (see
    /// `mamori_parse::envelope_only`); counted per source and hour.
    pub envelope_only: bool,
}

/// What one delivery from a durable queue writes, all or nothing.
#[derive(Debug, Clone, Default)]
pub struct IngestBatch {
    /// The queue (one per ingest node) the batch comes from.
    pub node_id: String,
    /// The queue sequence number of the batch's last line.
    pub last_seq: i64,
    /// Lines from registered sources.
    pub events: Vec<NewEvent>,
    /// Lines from unknown senders.
    pub quarantined: Vec<QuarantineLine>,
    /// What the detection engine found in these events.
    pub detections: Vec<NewDetection>,
}

/// What one delivery from a shared stream writes, all or nothing: an [`IngestBatch`]
/// without a queue cursor (see [`Store::write_delivered_batch`]).
#[derive(Debug, Clone, Default)]
pub struct DeliveredBatch {
    /// Lines from registered sources.
    pub events: Vec<NewEvent>,
    /// Lines from unknown senders.
    pub quarantined: Vec<QuarantineLine>,
    /// What the detection engine found in these events.
    pub detections: Vec<NewDetection>,
}

/// Writes a batch's rows: events with their per-source counts, quarantine, detections.
async fn write_rows(
    tx: &mut Transaction<'_, Any>,
    backend: Backend,
    events: &[NewEvent],
    quarantined: &[QuarantineLine],
    detections: &[NewDetection],
) -> Result<(), StoreError> {
    insert_events(tx, backend, events).await?;
    count_per_source(tx, events).await?;
    insert_quarantine(tx, quarantined).await?;
    insert_detections(tx, backend, detections).await
}

/// Sets queue `node_id`'s cursor to `seq`.
async fn put_cursor(
    tx: &mut Transaction<'_, Any>,
    node_id: &str,
    seq: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO ingest_cursors (node_id, seq, updated_at) VALUES ($1, $2, $3)
         ON CONFLICT (node_id) DO UPDATE SET seq = excluded.seq, updated_at = excluded.updated_at",
    )
    .bind(node_id)
    .bind(seq)
    .bind(now())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The `items` that `keep` accepts.
fn kept<T: Clone>(items: &[T], keep: impl Fn(&T) -> bool) -> Vec<T> {
    items.iter().filter(|item| keep(item)).cloned().collect()
}

/// Which of `ids` are stored already, as events or quarantined lines.
async fn stored_ids(
    tx: &mut Transaction<'_, Any>,
    ids: &[&str],
) -> Result<HashSet<String>, StoreError> {
    let mut stored = HashSet::new();
    for chunk in ids.chunks(ROWS_PER_INSERT) {
        let list = (1..=chunk.len())
            .map(|i| format!("${i}"))
            .collect::<Vec<_>>()
            .join(",");
        let sql = format!(
            "SELECT id FROM events WHERE id IN ({list})
             UNION SELECT id FROM quarantine_lines WHERE id IN ({list})"
        );
        let mut query = sqlx::query_as::<_, (String,)>(AssertSqlSafe(sql));
        for id in chunk {
            query = query.bind(*id);
        }
        stored.extend(
            query
                .fetch_all(&mut **tx)
                .await?
                .into_iter()
                .map(|(id,)| id),
        );
    }
    Ok(stored)
}

/// A stored event as search returns it.
#[derive(Debug, Clone, Serialize)]
pub struct StoredEvent {
    /// Identifier.
    pub id: String,
    /// The registered source's name.
    pub source_name: Option<String>,
    /// Why the line could not be parsed (dead letters only).
    pub parse_error: Option<String>,
    /// The event itself.
    pub event: Event,
}

/// Search filters; every one is optional.
#[derive(Debug, Clone, Default)]
pub struct EventFilter {
    /// Events at or after this time.
    pub from: Option<DateTime<Utc>>,
    /// Events before this time.
    pub to: Option<DateTime<Utc>>,
    /// Events of this source.
    pub source_id: Option<String>,
    /// Text anywhere in the raw line, case-insensitively.
    pub text: Option<String>,
    /// Events of this category (`network`, `auth`, …).
    pub category: Option<String>,
    /// Events with this action (`deny`, `login_failure`, …).
    pub action: Option<String>,
    /// Events of this severity.
    pub severity: Option<String>,
    /// Events with this address as source or destination.
    pub ip: Option<String>,
    /// Events of this user.
    pub user: Option<String>,
    /// Only dead letters.
    pub failed_only: bool,
    /// Page size.
    pub limit: i64,
    /// Events to skip.
    pub offset: i64,
    /// Only events after this position in the list (the previous page's `next`).
    pub after: Option<ListPosition>,
}

/// One page of search results and how many match in all.
#[derive(Debug, Clone, Serialize)]
pub struct EventPage {
    /// Matches in all, counted up to [`COUNT_BOUND`].
    pub total: i64,
    /// True when there are more than [`COUNT_BOUND`] matches (`total` is then the bound).
    pub total_capped: bool,
    /// This page, newest first.
    pub events: Vec<StoredEvent>,
    /// Where the next page starts; `None` on the last page.
    pub next: Option<ListPosition>,
}

/// How far event searches count exactly. Counting every match of a large organisation on
/// every request made one tenant's searches slow everyone's; beyond this the answer is
/// "10,000 or more".
pub const COUNT_BOUND: i64 = 10_000;

/// `SELECT COUNT(*)` over `from_where` (`events e WHERE …`) that stops one past
/// [`COUNT_BOUND`]; read the result with [`capped_total`].
pub(crate) fn bounded_count_sql(from_where: &str) -> String {
    format!(
        "SELECT COUNT(*) FROM (SELECT 1 FROM {from_where} LIMIT {}) bounded",
        COUNT_BOUND + 1
    )
}

/// The total to show for a bounded count, and whether there are more than that.
pub(crate) fn capped_total(counted: i64) -> (i64, bool) {
    (counted.min(COUNT_BOUND), counted > COUNT_BOUND)
}

/// Columns written per event, in insert order.
const INSERT_COLUMNS: &str = "id, org_id, source_id, ts_us, received_at, category, action, severity, src_ip, src_port, dst_ip, dst_port, protocol, user_name, host, signature, message, format, device_kind, raw, fields, parse_error";
const INSERT_WIDTH: usize = 22;
/// Rows per statement: well under both backends' bound-parameter limits.
pub(crate) const ROWS_PER_INSERT: usize = 400;

/// Columns read back, in the order [`event_from_row`] expects.
const SELECT_COLUMNS: &str = "e.id, e.org_id, e.source_id, e.ts_us, e.received_at, e.category, e.action, e.severity, e.src_ip, e.src_port, e.dst_ip, e.dst_port, e.protocol, e.user_name, e.host, e.signature, e.message, e.format, e.device_kind, e.raw, e.fields, e.parse_error, s.name";

/// The placeholders for `rows` rows of `width` columns: `$1, $2, …` on PostgreSQL, `?` on
/// SQLite. Numbered parameters cost SQLite a scan of the parameter list per bind (sqlx asks
/// each parameter's name), which made a 400-row insert quadratic: 85% of ingest time.
pub(crate) fn placeholders(backend: Backend, rows: usize, width: usize) -> String {
    let mut sql = String::with_capacity(rows * width * 5);
    for r in 0..rows {
        sql.push_str(if r == 0 { "(" } else { ",(" });
        for c in 0..width {
            if c > 0 {
                sql.push(',');
            }
            match backend {
                Backend::Sqlite => sql.push('?'),
                Backend::Postgres => {
                    sql.push('$');
                    sql.push_str(&(r * width + c + 1).to_string());
                }
            }
        }
        sql.push(')');
    }
    sql
}

fn micros(t: DateTime<Utc>) -> i64 {
    t.timestamp_micros()
}

/// Inserts `events` (ignoring identifiers already stored).
pub(crate) async fn insert_events(
    tx: &mut Transaction<'_, Any>,
    backend: Backend,
    events: &[NewEvent],
) -> Result<(), StoreError> {
    for chunk in events.chunks(ROWS_PER_INSERT) {
        let sql = format!(
            "INSERT INTO events ({INSERT_COLUMNS}) VALUES {} ON CONFLICT (id) DO NOTHING",
            placeholders(backend, chunk.len(), INSERT_WIDTH)
        );
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for new in chunk {
            let e = &new.event;
            query = query
                .bind(&new.id)
                .bind(e.org_id.as_deref().unwrap_or_default())
                .bind(e.source_id.as_deref().unwrap_or_default())
                .bind(micros(e.timestamp))
                .bind(e.received_at.map(|t| t.timestamp()).unwrap_or_else(now))
                .bind(e.category.as_str())
                .bind(e.action.as_str())
                .bind(e.severity.as_str())
                .bind(e.src_ip.map(|ip| ip.to_string()))
                .bind(e.src_port.map(i64::from))
                .bind(e.dst_ip.map(|ip| ip.to_string()))
                .bind(e.dst_port.map(i64::from))
                .bind(e.protocol.as_deref())
                .bind(e.user.as_deref())
                .bind(e.host.as_deref())
                .bind(e.signature.as_deref())
                .bind(e.message.as_deref())
                .bind(e.format.as_str())
                .bind(e.device_kind.as_deref())
                .bind(e.raw.as_str())
                .bind(serde_json::to_string(&e.fields).unwrap_or_else(|_| "{}".to_owned()))
                .bind(new.parse_error.as_deref());
        }
        query.execute(&mut **tx).await?;
    }
    Ok(())
}

/// One source's lines in one hour of a batch.
#[derive(Default)]
struct HourCounts {
    events: i64,
    failures: i64,
    envelope_only: i64,
}

/// Adds the batch's counts to each source's hourly health counters and last-seen time.
async fn count_per_source(
    tx: &mut Transaction<'_, Any>,
    events: &[NewEvent],
) -> Result<(), StoreError> {
    let mut per_hour: HashMap<(&str, i64), HourCounts> = HashMap::new();
    let mut last_seen: HashMap<&str, i64> = HashMap::new();
    for new in events {
        let source = new.event.source_id.as_deref().unwrap_or_default();
        let received = new.event.received_at.map(|t| t.timestamp()).unwrap_or(0);
        let counts = per_hour
            .entry((source, received - received.rem_euclid(3600)))
            .or_default();
        counts.events += 1;
        counts.failures += i64::from(new.parse_error.is_some());
        counts.envelope_only += i64::from(new.envelope_only);
        let seen = last_seen.entry(source).or_default();
        *seen = (*seen).max(received);
    }
    for ((source, hour), counts) in per_hour {
        sqlx::query(
            "INSERT INTO source_stats (source_id, hour, events, failures, envelope_only)
             VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (source_id, hour) DO UPDATE
             SET events = source_stats.events + excluded.events,
                 failures = source_stats.failures + excluded.failures,
                 envelope_only = source_stats.envelope_only + excluded.envelope_only",
        )
        .bind(source)
        .bind(hour)
        .bind(counts.events)
        .bind(counts.failures)
        .bind(counts.envelope_only)
        .execute(&mut **tx)
        .await?;
    }
    for (source, seen) in last_seen {
        sqlx::query(
            "UPDATE sources SET last_seen_at = $1 WHERE id = $2 AND (last_seen_at IS NULL OR last_seen_at < $1)",
        )
        .bind(seen)
        .bind(source)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// Reads a stored vocabulary word (category, action, severity, a status) back.
pub(crate) fn class<T: std::str::FromStr>(
    row: &AnyRow,
    index: usize,
    column: &'static str,
) -> Result<T, StoreError>
where
    T::Err: std::fmt::Display,
{
    let text: String = row.try_get(index)?;
    text.parse()
        .map_err(|e: T::Err| StoreError::corrupt(column, e))
}

/// Reads one row of [`SELECT_COLUMNS`] back into a stored event.
fn event_from_row(row: &AnyRow) -> Result<StoredEvent, StoreError> {
    let ts_us: i64 = row.try_get(3)?;
    let received_at: i64 = row.try_get(4)?;
    let ip = |index: usize| -> Result<_, StoreError> {
        Ok(row
            .try_get::<Option<String>, _>(index)?
            .and_then(|ip| ip.parse().ok()))
    };
    let port = |index: usize| -> Result<_, StoreError> {
        Ok(row
            .try_get::<Option<i64>, _>(index)?
            .and_then(|p| u16::try_from(p).ok()))
    };
    let fields: String = row.try_get(20)?;
    let fields = match serde_json::from_str(&fields) {
        Ok(serde_json::Value::Object(map)) => map,
        _ => return Err(StoreError::corrupt("events.fields", "not a JSON object")),
    };
    let event = Event {
        timestamp: DateTime::from_timestamp_micros(ts_us)
            .ok_or_else(|| StoreError::corrupt("events.ts_us", ts_us))?,
        category: class(row, 5, "events.category")?,
        action: class(row, 6, "events.action")?,
        severity: class(row, 7, "events.severity")?,
        src_ip: ip(8)?,
        src_port: port(9)?,
        dst_ip: ip(10)?,
        dst_port: port(11)?,
        protocol: row.try_get(12)?,
        user: row.try_get(13)?,
        host: row.try_get(14)?,
        signature: row.try_get(15)?,
        message: row.try_get(16)?,
        format: row.try_get(17)?,
        org_id: Some(row.try_get(1)?),
        source_id: Some(row.try_get(2)?),
        device_kind: row.try_get(18)?,
        received_at: DateTime::from_timestamp(received_at, 0),
        raw: row.try_get(19)?,
        fields,
    };
    Ok(StoredEvent {
        id: row.try_get(0)?,
        source_name: row.try_get(22)?,
        parse_error: row.try_get(21)?,
        event,
    })
}

/// Escapes `%`, `_` and `\` for a `LIKE … ESCAPE '\'` pattern.
fn like_pattern(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('%');
    for c in text.to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

/// One page of the search over `c`, newest first; bind the row count and offset after the
/// conditions' values.
fn page_sql(c: &Conditions) -> String {
    let next = c.next_index();
    format!(
        "SELECT {SELECT_COLUMNS} FROM events e LEFT JOIN sources s ON s.id = e.source_id
         WHERE {} ORDER BY e.ts_us DESC, e.id DESC LIMIT ${next} OFFSET ${}",
        c.sql(),
        next + 1
    )
}

/// The search's `WHERE` clause (alias `e`) for organisation `org_id`, without the position
/// (the total counts every match, not only those after it).
fn conditions(org_id: &str, filter: &EventFilter) -> Conditions {
    let mut c = Conditions::default();
    c.text("e.org_id = ", org_id);
    let pattern = filter
        .text
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(like_pattern);
    let texts = [
        ("e.source_id = {v}", filter.source_id.clone()),
        ("e.category = {v}", filter.category.clone()),
        ("e.action = {v}", filter.action.clone()),
        ("e.severity = {v}", filter.severity.clone()),
        ("(e.src_ip = {v} OR e.dst_ip = {v})", filter.ip.clone()),
        ("e.user_name = {v}", filter.user.clone()),
        ("LOWER(e.raw) LIKE {v} ESCAPE '\\'", pattern),
    ];
    for (clause, value) in texts {
        if let Some(v) = value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty()) {
            c.clause(clause, &v);
        }
    }
    if let Some(from) = filter.from {
        c.number("e.ts_us >= ", micros(from));
    }
    if let Some(to) = filter.to {
        c.number("e.ts_us < ", micros(to));
    }
    if filter.failed_only {
        c.raw("e.parse_error IS NOT NULL");
    }
    c
}

impl Store {
    /// Stores one batch from durable queue `batch.node_id` in one transaction together with
    /// the queue's cursor. A batch at or below the stored cursor was already delivered and is
    /// skipped, so replaying the queue after a crash stores every line exactly once.
    pub async fn write_ingest_batch(&self, batch: &IngestBatch) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        let cursor: Option<(i64,)> =
            sqlx::query_as("SELECT seq FROM ingest_cursors WHERE node_id = $1")
                .bind(&batch.node_id)
                .fetch_optional(&mut *tx)
                .await?;
        if cursor.is_some_and(|(seq,)| seq >= batch.last_seq) {
            return Ok(());
        }
        write_rows(
            &mut tx,
            self.backend,
            &batch.events,
            &batch.quarantined,
            &batch.detections,
        )
        .await?;
        put_cursor(&mut tx, &batch.node_id, batch.last_seq).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Keeps `seq` as the last line of queue `node_id` that is taken care of, for a node
    /// that hands its queue on instead of storing it (a cluster's ingest node).
    pub async fn save_ingest_cursor(&self, node_id: &str, seq: i64) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        put_cursor(&mut tx, node_id, seq).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Writes a batch delivered by a shared stream, which redelivers what was not
    /// acknowledged (a cluster's detect node; see `mamori-cluster`). There is no cursor:
    /// lines whose identifiers are stored already are skipped, with the detections about
    /// them, so a redelivery stores nothing twice. Two nodes storing the same line at once
    /// collide on its identifier and one transaction fails; its retry then skips the line.
    /// Returns how many lines were skipped.
    pub async fn write_delivered_batch(&self, batch: &DeliveredBatch) -> Result<usize, StoreError> {
        let mut tx = self.begin_write().await?;
        let ids: Vec<&str> = batch
            .events
            .iter()
            .map(|e| e.id.as_str())
            .chain(batch.quarantined.iter().map(|q| q.id.as_str()))
            .collect();
        let stored = stored_ids(&mut tx, &ids).await?;
        if stored.is_empty() {
            write_rows(
                &mut tx,
                self.backend,
                &batch.events,
                &batch.quarantined,
                &batch.detections,
            )
            .await?;
        } else {
            let fresh = |id: &str| !stored.contains(id);
            let events = kept(&batch.events, |e| fresh(&e.id));
            let quarantined = kept(&batch.quarantined, |q| fresh(&q.id));
            let detections = kept(&batch.detections, |d| {
                d.event_id.as_deref().is_none_or(fresh)
            });
            write_rows(&mut tx, self.backend, &events, &quarantined, &detections).await?;
        }
        tx.commit().await?;
        Ok(stored.len())
    }

    /// Which of `ids` are stored already, as events or quarantined lines: a detect node
    /// leaves a redelivered line out before inspecting it, so it counts once in correlations.
    pub async fn already_stored(&self, ids: &[&str]) -> Result<HashSet<String>, StoreError> {
        let mut tx = self.pool.begin().await?;
        let stored = stored_ids(&mut tx, ids).await?;
        tx.commit().await?;
        Ok(stored)
    }

    /// The last queue sequence number stored from queue `node_id` (0 when none).
    pub async fn ingest_cursor(&self, node_id: &str) -> Result<i64, StoreError> {
        let row: Option<(i64,)> =
            sqlx::query_as("SELECT seq FROM ingest_cursors WHERE node_id = $1")
                .bind(node_id)
                .fetch_optional(&self.pool)
                .await?;
        Ok(row.map(|(seq,)| seq).unwrap_or(0))
    }

    /// Up to `limit` dead letters of every organisation `scope` may see, after identifier
    /// `after` (in identifier order), optionally of one source, for re-parsing after a parser
    /// fix. One organisation's: [`Events::dead_letters`].
    pub async fn all_dead_letters(
        &self,
        scope: &Scope,
        source_id: Option<&str>,
        after: &str,
        limit: i64,
    ) -> Result<Vec<StoredEvent>, StoreError> {
        dead_letters(&self.pool, scope.only_org(), source_id, after, limit).await
    }

    /// Replaces stored events (dead letters being re-parsed) by new versions with the same
    /// identifiers; returns how many were replaced. Health counters keep what was received.
    pub async fn replace_events(&self, events: &[NewEvent]) -> Result<u64, StoreError> {
        let mut tx = self.begin_write().await?;
        let mut replaced = 0;
        for chunk in events.chunks(ROWS_PER_INSERT) {
            let mut delete = String::from("DELETE FROM events WHERE id IN (");
            for i in 0..chunk.len() {
                delete.push_str(&format!("{}${}", if i == 0 { "" } else { "," }, i + 1));
            }
            delete.push(')');
            let mut query = sqlx::query(AssertSqlSafe(delete));
            for new in chunk {
                query = query.bind(&new.id);
            }
            replaced += query.execute(&mut *tx).await?.rows_affected();
        }
        insert_events(&mut tx, self.backend, events).await?;
        tx.commit().await?;
        Ok(replaced)
    }
}

/// Dead letters of organisation `org_id` (or of all with `None`; the caller has checked the
/// scope) after identifier `after`, optionally of one source.
async fn dead_letters(
    pool: &sqlx::AnyPool,
    org_id: Option<&str>,
    source_id: Option<&str>,
    after: &str,
    limit: i64,
) -> Result<Vec<StoredEvent>, StoreError> {
    let rows = sqlx::query(AssertSqlSafe(format!(
        "SELECT {SELECT_COLUMNS} FROM events e LEFT JOIN sources s ON s.id = e.source_id
         WHERE e.parse_error IS NOT NULL AND e.id > $1
           AND ($2 IS NULL OR e.org_id = $2) AND ($3 IS NULL OR e.source_id = $3)
         ORDER BY e.id LIMIT $4"
    )))
    .bind(after)
    .bind(org_id)
    .bind(source_id)
    .bind(limit)
    .fetch_all(pool)
    .await?;
    rows.iter().map(event_from_row).collect()
}

impl Events<'_> {
    /// Up to `limit` of the organisation's dead letters after identifier `after` (in
    /// identifier order), optionally of one source, for re-parsing after a parser fix.
    pub async fn dead_letters(
        &self,
        source_id: Option<&str>,
        after: &str,
        limit: i64,
    ) -> Result<Vec<StoredEvent>, StoreError> {
        let pool = &self.org.store.pool;
        dead_letters(pool, Some(self.org.id()), source_id, after, limit).await
    }

    /// Events of organisation `org_id` matching `filter`, newest first, with the total count
    /// and, when more follow, the position to continue from.
    /// Another tenant's organisation is [`StoreError::NotFound`].
    pub async fn search(&self, filter: &EventFilter) -> Result<EventPage, StoreError> {
        let query = ListQuery {
            table: "events e",
            page_sql: &page_sql,
            restrict: &|after, c| after.restrict(c, "e"),
            from_row: event_from_row,
            position: |e: &StoredEvent| ListPosition {
                ts_us: micros(e.event.timestamp),
                id: e.id.clone(),
            },
        };
        let conditions = conditions(self.org.id(), filter);
        let after = filter.after.as_ref();
        let pool = &self.org.store.pool;
        let page = read_page(pool, conditions, query, after, filter.limit, filter.offset).await?;
        Ok(EventPage {
            total: page.total,
            total_capped: page.total_capped,
            events: page.rows,
            next: page.next,
        })
    }
}

#[cfg(test)]
mod plans {
    use chrono::DateTime;

    use super::*;
    use crate::sql::{assert_lists_use_an_index, test_cases};

    /// Every filter the search page offers, alone and with a position, is read in list order
    /// from an index on both databases: no table scan, no sort of all matches.
    #[tokio::test]
    async fn every_search_is_served_by_an_index() {
        let at = DateTime::from_timestamp(1_796_000_000, 0);
        let text = |v: &str| Some(v.to_owned());
        let filters = [
            EventFilter::default(),
            EventFilter {
                source_id: text("s"),
                ..Default::default()
            },
            EventFilter {
                category: text("auth"),
                action: text("login_failure"),
                severity: text("high"),
                ..Default::default()
            },
            EventFilter {
                ip: text("203.0.113.9"),
                user: text("root"),
                ..Default::default()
            },
            EventFilter {
                text: text("failed"),
                failed_only: true,
                ..Default::default()
            },
            EventFilter {
                from: at,
                to: at,
                ..Default::default()
            },
        ];
        let cases = test_cases(
            &filters,
            "e",
            |f| conditions("org", f),
            |f: &EventFilter| f.from.is_none(),
        );
        assert_lists_use_an_index(&cases, &page_sql, "events", "e").await;
    }
}
