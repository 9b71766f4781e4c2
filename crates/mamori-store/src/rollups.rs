//! What is kept of events over time: retention (default 90 days, per organisation override),
//! the daily roll-up that reports and dashboards read instead of raw events, and each
//! source's ingest health (a silent UTM is itself a finding).

use mamori_model::Scope;
use serde::Serialize;

use crate::audit::{Actor, AuditAction, record};
use crate::tenant::{Events, Rollups};
use crate::{Store, StoreError};

/// Days events are kept when the organisation has no override.
pub const DEFAULT_RETENTION_DAYS: i64 = 90;

/// How many sender addresses a day's top-talker roll-up keeps per organisation.
pub const TOP_TALKERS: i64 = 20;

/// One line of a day's roll-up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RollupRow {
    /// Start of the local day.
    pub day: i64,
    /// The source.
    pub source_id: String,
    /// Event category.
    pub category: String,
    /// Event action.
    pub action: String,
    /// How many events.
    pub events: i64,
}

/// One of a day's most frequent sender addresses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Talker {
    /// Start of the local day.
    pub day: i64,
    /// The sender address seen in events.
    pub src_ip: String,
    /// How many events named it.
    pub events: i64,
}

/// One line of a day's roll-up of refused traffic.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BlockedRow {
    /// Start of the local day.
    pub day: i64,
    /// `src` (a sender address) or `port` (a targeted port).
    pub kind: String,
    /// The address or port number.
    pub value: String,
    /// How many denied or dropped events named it.
    pub events: i64,
}

/// A source's events in one hour, for coverage and gaps over a month.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SourceHour {
    /// The source.
    pub source_id: String,
    /// Start of the hour (Unix seconds).
    pub hour: i64,
    /// Lines received.
    pub events: i64,
    /// Of those, lines that did not parse.
    pub failures: i64,
    /// Of those, lines `auto` read only as a bare syslog envelope.
    pub envelope_only: i64,
}

/// A source's ingest health.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SourceHealth {
    /// The source.
    pub source_id: String,
    /// When it last sent a stored line.
    pub last_seen_at: Option<i64>,
    /// Events per minute over the last hour.
    pub events_per_min: f64,
    /// Lines received over the last 24 hours.
    pub events_24h: i64,
    /// Share of those that failed to parse, 0 to 1.
    pub failure_rate: f64,
    /// Share of those that `auto` read only as a bare syslog envelope (no device format
    /// recognised), 0 to 1; always 0 for a source with a pinned format.
    pub envelope_only_rate: f64,
    /// Silent for longer than its expected interval.
    pub silent: bool,
}

impl Store {
    /// Recomputes the roll-up of the local day starting at `day` for every organisation from
    /// the stored events, and records when it ran. Safe to run again: the day's old roll-up is
    /// replaced.
    pub async fn roll_up_day(&self, day: i64) -> Result<(), StoreError> {
        roll_up(self, day, None).await?;
        sqlx::query(
            "INSERT INTO rollup_runs (day, computed_at) VALUES ($1, $2)
             ON CONFLICT (day) DO UPDATE SET computed_at = excluded.computed_at",
        )
        .bind(day)
        .bind(crate::now())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Deletes events received longer ago than their organisation's retention (by receive
    /// time, so a device with a wrong clock cannot get its lines deleted on arrival), old
    /// quarantine lines and old health counters. Returns how many events were deleted.
    pub async fn apply_retention(&self, now: i64) -> Result<u64, StoreError> {
        let overrides: Vec<(String, i64)> =
            sqlx::query_as("SELECT org_id, days FROM event_retention")
                .fetch_all(&self.pool)
                .await?;
        let mut deleted = 0;
        for (org_id, days) in overrides {
            deleted += sqlx::query("DELETE FROM events WHERE org_id = $1 AND received_at < $2")
                .bind(org_id)
                .bind(now - days * 86_400)
                .execute(&self.pool)
                .await?
                .rows_affected();
        }
        let default_cutoff = now - DEFAULT_RETENTION_DAYS * 86_400;
        deleted += sqlx::query(
            "DELETE FROM events WHERE received_at < $1
             AND org_id NOT IN (SELECT org_id FROM event_retention)",
        )
        .bind(default_cutoff)
        .execute(&self.pool)
        .await?
        .rows_affected();
        sqlx::query("DELETE FROM quarantine_lines WHERE received_at < $1")
            .bind(default_cutoff)
            .execute(&self.pool)
            .await?;
        sqlx::query("DELETE FROM source_stats WHERE hour < $1")
            .bind(default_cutoff)
            .execute(&self.pool)
            .await?;
        Ok(deleted)
    }

    /// Ingest health at time `now` of every source `scope` may see, in the order of
    /// [`Store::all_sources`]. One organisation's: [`Rollups::source_health`].
    pub async fn all_source_health(
        &self,
        scope: &Scope,
        now: i64,
    ) -> Result<Vec<SourceHealth>, StoreError> {
        self.source_health_of(scope.only_org(), now).await
    }

    /// Ingest health of organisation `org_id`'s sources (every organisation's with `None`);
    /// the caller has checked the scope.
    async fn source_health_of(
        &self,
        org_id: Option<&str>,
        now: i64,
    ) -> Result<Vec<SourceHealth>, StoreError> {
        let sources = self.sources_of(org_id).await?;
        let hour = now - now.rem_euclid(3600);
        let stats: Vec<(String, i64, i64, i64, i64)> = sqlx::query_as(
            "SELECT st.source_id, st.hour, st.events, st.failures, st.envelope_only
             FROM source_stats st
             JOIN sources s ON s.id = st.source_id
             WHERE st.hour >= $1 AND ($2 IS NULL OR s.org_id = $2)",
        )
        .bind(hour - 23 * 3600)
        .bind(org_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(sources
            .into_iter()
            .map(|s| {
                let mine = stats.iter().filter(|(id, ..)| *id == s.id);
                let (events_24h, failures_24h, envelope_only_24h) = mine
                    .clone()
                    .fold((0, 0, 0), |(e, f, o), (_, _, ev, fa, on)| {
                        (e + ev, f + fa, o + on)
                    });
                let share = |part: i64| {
                    if events_24h == 0 {
                        0.0
                    } else {
                        part as f64 / events_24h as f64
                    }
                };
                let last_hour: i64 = mine
                    .filter(|(_, h, ..)| *h >= hour - 3600)
                    .map(|(_, _, ev, ..)| ev)
                    .sum();
                let minutes = ((now - (hour - 3600)) as f64 / 60.0).max(1.0);
                let quiet_since = s.last_seen_at.unwrap_or(s.created_at);
                SourceHealth {
                    events_per_min: last_hour as f64 / minutes,
                    failure_rate: share(failures_24h),
                    envelope_only_rate: share(envelope_only_24h),
                    events_24h,
                    silent: now - quiet_since > s.expected_interval_secs,
                    last_seen_at: s.last_seen_at,
                    source_id: s.id,
                }
            })
            .collect())
    }
}

/// How long after a day's end the last lines of that day may still be on their way into the
/// store (queued or in a batch being written); a roll-up made later than this is final.
const SETTLE_SECS: i64 = 600;

impl Rollups<'_> {
    /// Ingest health of the organisation's sources at time `now`, in the order of
    /// [`crate::OrgStore::sources`].
    pub async fn source_health(&self, now: i64) -> Result<Vec<SourceHealth>, StoreError> {
        self.org
            .store
            .source_health_of(Some(self.org.id()), now)
            .await
    }

    /// Recomputes, for this organisation, every local day starting in `[from_day, to_day]`
    /// whose roll-up is not final at `now` (today, yesterday until the hourly run after
    /// midnight, days missed while the server was down), so what is read next agrees with
    /// the live hourly counters.
    pub async fn refresh(&self, from_day: i64, to_day: i64, now: i64) -> Result<(), StoreError> {
        let runs: Vec<(i64, i64)> = sqlx::query_as(
            "SELECT day, computed_at FROM rollup_runs WHERE day >= $1 AND day <= $2",
        )
        .bind(from_day)
        .bind(to_day)
        .fetch_all(&self.org.store.pool)
        .await?;
        let zone = self.org.store.zone;
        let mut day = zone.day_start(from_day);
        while day <= to_day && day <= now {
            let next = zone.next_day(day);
            let settled = runs
                .iter()
                .any(|(d, at)| *d == day && *at >= next + SETTLE_SECS);
            if !settled {
                roll_up(&self.org.store, day, Some(self.org.id())).await?;
            }
            day = next;
        }
        Ok(())
    }

    /// The organisation's roll-up for the local days starting in `[from_day, to_day]`.
    pub async fn days(
        &self,
        from_day: i64,
        to_day: i64,
    ) -> Result<(Vec<RollupRow>, Vec<Talker>), StoreError> {
        let org_id = self.org.id();
        let rows: Vec<(i64, String, String, String, i64)> = sqlx::query_as(
            "SELECT day, source_id, category, action, events FROM event_rollups
             WHERE org_id = $1 AND day >= $2 AND day <= $3 ORDER BY day, source_id, category, action",
        )
        .bind(org_id)
        .bind(from_day)
        .bind(to_day)
        .fetch_all(&self.org.store.pool)
        .await?;
        let talkers: Vec<(i64, String, i64)> = sqlx::query_as(
            "SELECT day, src_ip, events FROM talker_rollups
             WHERE org_id = $1 AND day >= $2 AND day <= $3 ORDER BY day, events DESC, src_ip",
        )
        .bind(org_id)
        .bind(from_day)
        .bind(to_day)
        .fetch_all(&self.org.store.pool)
        .await?;
        Ok((
            rows.into_iter()
                .map(|(day, source_id, category, action, events)| RollupRow {
                    day,
                    source_id,
                    category,
                    action,
                    events,
                })
                .collect(),
            talkers
                .into_iter()
                .map(|(day, src_ip, events)| Talker {
                    day,
                    src_ip,
                    events,
                })
                .collect(),
        ))
    }

    /// The organisation's most frequent refused senders and targeted ports for the local days
    /// starting in `[from_day, to_day]`.
    pub async fn blocked(&self, from_day: i64, to_day: i64) -> Result<Vec<BlockedRow>, StoreError> {
        let org_id = self.org.id();
        let rows: Vec<(i64, String, String, i64)> = sqlx::query_as(
            "SELECT day, kind, value, events FROM blocked_rollups
             WHERE org_id = $1 AND day >= $2 AND day <= $3 ORDER BY day, kind, events DESC, value",
        )
        .bind(org_id)
        .bind(from_day)
        .bind(to_day)
        .fetch_all(&self.org.store.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(day, kind, value, events)| BlockedRow {
                day,
                kind,
                value,
                events,
            })
            .collect())
    }

    /// Hourly counts of every source of the organisation for hours starting in `[from, to)`;
    /// hours without a line are absent. Live: written with every stored batch.
    pub async fn source_hours(&self, from: i64, to: i64) -> Result<Vec<SourceHour>, StoreError> {
        let org_id = self.org.id();
        let rows: Vec<(String, i64, i64, i64, i64)> = sqlx::query_as(
            "SELECT st.source_id, st.hour, st.events, st.failures, st.envelope_only
             FROM source_stats st
             JOIN sources s ON s.id = st.source_id
             WHERE s.org_id = $1 AND st.hour >= $2 AND st.hour < $3 ORDER BY st.source_id, st.hour",
        )
        .bind(org_id)
        .bind(from)
        .bind(to)
        .fetch_all(&self.org.store.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(
                |(source_id, hour, events, failures, envelope_only)| SourceHour {
                    source_id,
                    hour,
                    events,
                    failures,
                    envelope_only,
                },
            )
            .collect())
    }
}

/// Recomputes the roll-up of the local day starting at `day` from the events received that day,
/// for one organisation or (`None`) for all of them.
async fn roll_up(store: &Store, day: i64, org_id: Option<&str>) -> Result<(), StoreError> {
    let (from, to) = (day, store.zone.next_day(day));
    let mut tx = store.begin_write().await?;
    // Roll-ups outlive the events (retention deletes events, never roll-ups): an organisation
    // whose events of that day are gone keeps the roll-up it has instead of an empty one.
    if let Some(org) = org_id {
        let any: Option<(i64,)> = sqlx::query_as(
            "SELECT 1 FROM events WHERE org_id = $1 AND received_at >= $2 AND received_at < $3
             LIMIT 1",
        )
        .bind(org)
        .bind(from)
        .bind(to)
        .fetch_optional(&mut *tx)
        .await?;
        if any.is_none() {
            return Ok(());
        }
    }
    for table in ["event_rollups", "talker_rollups", "blocked_rollups"] {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "DELETE FROM {table} WHERE day = $1 AND ($2 IS NULL OR org_id = $2)"
        )))
        .bind(day)
        .bind(org_id)
        .execute(&mut *tx)
        .await?;
    }
    sqlx::query(
        "INSERT INTO event_rollups (org_id, day, source_id, category, action, events)
         SELECT org_id, $1, source_id, category, action, COUNT(*) FROM events
         WHERE received_at >= $2 AND received_at < $3 AND ($4 IS NULL OR org_id = $4)
         GROUP BY org_id, source_id, category, action",
    )
    .bind(day)
    .bind(from)
    .bind(to)
    .bind(org_id)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO talker_rollups (org_id, day, src_ip, events)
         SELECT org_id, $1, src_ip, n FROM (
             SELECT org_id, src_ip, COUNT(*) AS n,
                    ROW_NUMBER() OVER (PARTITION BY org_id ORDER BY COUNT(*) DESC, src_ip) AS r
             FROM events WHERE received_at >= $2 AND received_at < $3 AND src_ip IS NOT NULL
               AND ($5 IS NULL OR org_id = $5)
             GROUP BY org_id, src_ip) ranked
         WHERE r <= $4",
    )
    .bind(day)
    .bind(from)
    .bind(to)
    .bind(TOP_TALKERS)
    .bind(org_id)
    .execute(&mut *tx)
    .await?;
    for (kind, column) in [("src", "src_ip"), ("port", "CAST(dst_port AS TEXT)")] {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "INSERT INTO blocked_rollups (org_id, day, kind, value, events)
             SELECT org_id, $1, $4, v, n FROM (
                 SELECT org_id, {column} AS v, COUNT(*) AS n,
                        ROW_NUMBER() OVER (PARTITION BY org_id ORDER BY COUNT(*) DESC, {column}) AS r
                 FROM events WHERE received_at >= $2 AND received_at < $3
                   AND action IN ('deny', 'drop') AND {column} IS NOT NULL
                   AND ($6 IS NULL OR org_id = $6)
                 GROUP BY org_id, {column}) ranked
             WHERE r <= $5"
        )))
        .bind(day)
        .bind(from)
        .bind(to)
        .bind(kind)
        .bind(TOP_TALKERS)
        .bind(org_id)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

impl Events<'_> {
    /// Sets how many days organisation `org_id` keeps its events. Another tenant's
    /// organisation is [`StoreError::NotFound`].
    pub async fn set_retention(&self, actor: &Actor, days: i64) -> Result<(), StoreError> {
        let org_id = self.org.id();
        let mut tx = self.org.store.begin_write().await?;
        sqlx::query(
            "INSERT INTO event_retention (org_id, days) VALUES ($1, $2)
             ON CONFLICT (org_id) DO UPDATE SET days = excluded.days",
        )
        .bind(org_id)
        .bind(days.max(1))
        .execute(&mut *tx)
        .await?;
        record(
            &mut *tx,
            actor,
            AuditAction::RetentionChanged,
            Some(org_id),
            Some(&days.to_string()),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// How many days organisation `org_id` keeps its events (its override, else the
    /// default). Another tenant's organisation is [`StoreError::NotFound`].
    pub async fn retention_days(&self) -> Result<i64, StoreError> {
        let org_id = self.org.id();
        let row: Option<(i64,)> =
            sqlx::query_as("SELECT days FROM event_retention WHERE org_id = $1")
                .bind(org_id)
                .fetch_optional(&self.org.store.pool)
                .await?;
        Ok(row.map_or(DEFAULT_RETENTION_DAYS, |(days,)| days))
    }
}
