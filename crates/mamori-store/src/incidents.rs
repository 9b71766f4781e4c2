//! A minimal incident record: what an alert becomes when it needs more than a resolution —
//! a title, a category, a status, the linked alerts and a timeline. The full IPA incident
//! workflow builds on these rows later.

use mamori_model::{IncidentStatus, Scope};
use serde::Serialize;

use crate::alerts::{Alert, append_history};
use crate::audit::{Actor, AuditAction, record};
use crate::error::InvalidInput;
use crate::tenant::Incidents;
use crate::{Store, StoreError, new_id, now};

/// Incident categories people choose from (the kinds the IPA guideline gives guidance for,
/// and phishing).
pub const INCIDENT_CATEGORIES: [&str; 8] = [
    "malware",
    "ransomware",
    "unauthorised_access",
    "data_leak",
    "defacement",
    "phishing",
    "outage",
    "other",
];

/// An incident as listed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Incident {
    /// Identifier.
    pub id: String,
    /// Organisation.
    pub org_id: String,
    /// Short title.
    pub title: String,
    /// One of [`INCIDENT_CATEGORIES`].
    pub category: String,
    /// Where the response stands.
    pub status: IncidentStatus,
    /// Who opened it.
    pub created_by: String,
    /// When (Unix seconds).
    pub created_at: i64,
    /// Last change.
    pub updated_at: i64,
    /// The incident record's facts as the domain writes them (JSON), once someone filled them.
    pub facts: Option<serde_json::Value>,
}

/// One line of an incident's timeline.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TimelineEntry {
    /// When (Unix seconds).
    pub at: i64,
    /// Who.
    pub actor: String,
    /// What happened.
    pub entry: String,
}

type IncidentRow = (
    String,
    String,
    String,
    String,
    String,
    String,
    i64,
    i64,
    Option<String>,
);

fn from_row(row: IncidentRow) -> Result<Incident, StoreError> {
    let (id, org_id, title, category, status, created_by, created_at, updated_at, facts) = row;
    let facts = facts
        .map(|text| serde_json::from_str(&text))
        .transpose()
        .map_err(|e| StoreError::corrupt("incidents.facts", e))?;
    Ok(Incident {
        id,
        org_id,
        title,
        category,
        status: status
            .parse()
            .map_err(|e| StoreError::corrupt("incidents.status", e))?,
        created_by,
        created_at,
        updated_at,
        facts,
    })
}

const COLUMNS: &str =
    "id, org_id, title, category, status, created_by, created_at, updated_at, facts";

impl Store {
    /// Escalates alert `alert_id` into a new incident (or returns the incident it already
    /// belongs to). The title is required; an unknown category is read as `other`.
    pub async fn escalate_alert(
        &self,
        actor: &Actor,
        scope: &Scope,
        alert_id: &str,
        title: &str,
        category: &str,
    ) -> Result<Incident, StoreError> {
        let alert: Alert = self
            .alert(scope, alert_id)
            .await?
            .ok_or(StoreError::NotFound)?;
        if let Some(existing) = &alert.incident_id {
            return self.incident(scope, existing).await;
        }
        let mut tx = self.begin_write().await?;
        let (id, at) = insert_incident(&mut tx, actor, &alert.org_id, title, category).await?;
        sqlx::query("UPDATE alerts SET incident_id = $1, updated_at = $2 WHERE id = $3")
            .bind(&id)
            .bind(at)
            .bind(&alert.id)
            .execute(&mut *tx)
            .await?;
        // The first timeline entry names the alert it started from, in the portal's
        // default language.
        add_entry(&mut tx, &id, &alert.org_id, actor, alert.title_in("ja")).await?;
        let title = title.trim();
        append_history(
            &mut *tx,
            &alert.id,
            &alert.org_id,
            actor,
            "escalated",
            Some(title),
        )
        .await?;
        tx.commit().await?;
        self.incident(scope, &id).await
    }

    /// One incident, when `scope` may see it.
    pub async fn incident(&self, scope: &Scope, id: &str) -> Result<Incident, StoreError> {
        let row: Option<IncidentRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM incidents WHERE id = $1 AND ($2 IS NULL OR org_id = $2)"
        )))
        .bind(id)
        .bind(scope.only_org())
        .fetch_optional(&self.pool)
        .await?;
        row.map(from_row).ok_or(StoreError::NotFound)?
    }

    /// An incident's timeline, oldest first.
    pub async fn incident_timeline(
        &self,
        scope: &Scope,
        id: &str,
    ) -> Result<Vec<TimelineEntry>, StoreError> {
        let incident = self.incident(scope, id).await?;
        let rows: Vec<(i64, String, String)> = sqlx::query_as(
            "SELECT at, actor, entry FROM incident_timeline WHERE incident_id = $1 AND org_id = $2 ORDER BY at, id",
        )
        .bind(&incident.id)
        .bind(&incident.org_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(at, actor, entry)| TimelineEntry { at, actor, entry })
            .collect())
    }

    /// Adds a note to the timeline and, when `status` is given, changes the status.
    pub async fn update_incident(
        &self,
        actor: &Actor,
        scope: &Scope,
        id: &str,
        note: &str,
        status: Option<IncidentStatus>,
    ) -> Result<Incident, StoreError> {
        let incident = self.incident(scope, id).await?;
        let note = note.trim();
        if note.is_empty() && status.is_none() {
            return Err(StoreError::Invalid(InvalidInput::TextRequired));
        }
        let mut tx = self.begin_write().await?;
        if let Some(status) = status {
            sqlx::query("UPDATE incidents SET status = $1, updated_at = $2 WHERE id = $3")
                .bind(status.as_str())
                .bind(now())
                .bind(&incident.id)
                .execute(&mut *tx)
                .await?;
            add_entry(
                &mut tx,
                &incident.id,
                &incident.org_id,
                actor,
                &format!("status: {status}"),
            )
            .await?;
        }
        if !note.is_empty() {
            add_entry(&mut tx, &incident.id, &incident.org_id, actor, note).await?;
        }
        tx.commit().await?;
        self.incident(scope, id).await
    }
}

/// Opens an incident of `org_id` with `title` (required) and `category` (an unknown one is
/// read as `other`), with its audit entry; returns its id and when it was opened.
pub(crate) async fn insert_incident(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    actor: &Actor,
    org_id: &str,
    title: &str,
    category: &str,
) -> Result<(String, i64), StoreError> {
    let title = title.trim();
    if title.is_empty() {
        return Err(StoreError::Invalid(InvalidInput::TextRequired));
    }
    let category = INCIDENT_CATEGORIES
        .into_iter()
        .find(|c| *c == category)
        .unwrap_or("other");
    let (id, at) = (new_id(), now());
    sqlx::query(
        "INSERT INTO incidents (id, org_id, title, category, status, created_by, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $7)",
    )
    .bind(&id)
    .bind(org_id)
    .bind(title)
    .bind(category)
    .bind(IncidentStatus::Open.as_str())
    .bind(&actor.label)
    .bind(at)
    .execute(&mut **tx)
    .await?;
    record(
        &mut **tx,
        actor,
        AuditAction::IncidentCreated,
        Some(org_id),
        Some(title),
    )
    .await?;
    Ok((id, at))
}

pub(crate) async fn add_entry(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    incident_id: &str,
    org_id: &str,
    actor: &Actor,
    entry: &str,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO incident_timeline (id, incident_id, org_id, at, actor, entry) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(new_id())
    .bind(incident_id)
    .bind(org_id)
    .bind(now())
    .bind(&actor.label)
    .bind(entry)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// One done item of an incident's checklist.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Check {
    /// The item's key (`detect.contained`).
    pub item: String,
    /// When it was ticked (Unix seconds).
    pub done_at: i64,
    /// Who ticked it.
    pub done_by: String,
}

impl Incidents<'_> {
    /// Opens an incident the company reports itself ("something happened"): `title` and
    /// `category` as chosen, and what it saw as the timeline's first entry.
    pub async fn report(
        &self,
        actor: &Actor,
        title: &str,
        category: &str,
        what_happened: &str,
    ) -> Result<Incident, StoreError> {
        let what_happened = what_happened.trim();
        if what_happened.is_empty() {
            return Err(StoreError::Invalid(InvalidInput::TextRequired));
        }
        let org_id = self.org.id();
        let mut tx = self.org.store.begin_write().await?;
        let (id, _) = insert_incident(&mut tx, actor, org_id, title, category).await?;
        add_entry(&mut tx, &id, org_id, actor, what_happened).await?;
        tx.commit().await?;
        self.get(&id).await
    }

    /// One of the organisation's incidents; another organisation's is `NotFound`.
    pub async fn get(&self, id: &str) -> Result<Incident, StoreError> {
        let scope = Scope::Organisation(self.org.id().to_owned());
        self.org.store.incident(&scope, id).await
    }

    /// Replaces incident `id`'s record facts with `facts` (JSON the domain defines), noting
    /// `entry` in the timeline.
    pub async fn set_facts(
        &self,
        actor: &Actor,
        id: &str,
        facts: &serde_json::Value,
        entry: &str,
    ) -> Result<Incident, StoreError> {
        let incident = self.get(id).await?;
        let mut tx = self.org.store.begin_write().await?;
        sqlx::query(
            "UPDATE incidents SET facts = $1, updated_at = $2 WHERE id = $3 AND org_id = $4",
        )
        .bind(facts.to_string())
        .bind(now())
        .bind(&incident.id)
        .bind(self.org.id())
        .execute(&mut *tx)
        .await?;
        add_entry(&mut tx, &incident.id, self.org.id(), actor, entry).await?;
        tx.commit().await?;
        self.get(id).await
    }

    /// Incident `id`'s timeline, oldest first.
    pub async fn timeline(&self, id: &str) -> Result<Vec<TimelineEntry>, StoreError> {
        let scope = Scope::Organisation(self.org.id().to_owned());
        self.org.store.incident_timeline(&scope, id).await
    }

    /// The done items of incident `id`'s checklist.
    pub async fn checks(&self, id: &str) -> Result<Vec<Check>, StoreError> {
        let incident = self.get(id).await?;
        let rows: Vec<(String, i64, String)> = sqlx::query_as(
            "SELECT item, done_at, done_by FROM incident_checks
             WHERE incident_id = $1 AND org_id = $2 ORDER BY done_at, item",
        )
        .bind(&incident.id)
        .bind(self.org.id())
        .fetch_all(&self.org.store.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(item, done_at, done_by)| Check {
                item,
                done_at,
                done_by,
            })
            .collect())
    }

    /// Ticks (`done`) or unticks checklist item `item` of incident `id`, writing `entry` to
    /// the timeline (the caller words it and checks the item exists).
    pub async fn set_check(
        &self,
        actor: &Actor,
        id: &str,
        item: &str,
        done: bool,
        entry: &str,
    ) -> Result<(), StoreError> {
        let incident = self.get(id).await?;
        let org_id = self.org.id();
        let mut tx = self.org.store.begin_write().await?;
        sqlx::query(
            "DELETE FROM incident_checks WHERE incident_id = $1 AND org_id = $2 AND item = $3",
        )
        .bind(&incident.id)
        .bind(org_id)
        .bind(item)
        .execute(&mut *tx)
        .await?;
        if done {
            sqlx::query(
                "INSERT INTO incident_checks (incident_id, org_id, item, done_at, done_by)
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(&incident.id)
            .bind(org_id)
            .bind(item)
            .bind(now())
            .bind(&actor.label)
            .execute(&mut *tx)
            .await?;
        }
        add_entry(&mut tx, &incident.id, org_id, actor, entry).await?;
        sqlx::query("UPDATE incidents SET updated_at = $1 WHERE id = $2")
            .bind(now())
            .bind(&incident.id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Incidents of organisation `org_id`, newest first.
    pub async fn list(&self) -> Result<Vec<Incident>, StoreError> {
        let org_id = self.org.id();
        let rows: Vec<IncidentRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM incidents WHERE org_id = $1 ORDER BY created_at DESC, id DESC"
        )))
        .bind(org_id)
        .fetch_all(&self.org.store.pool)
        .await?;
        rows.into_iter().map(from_row).collect()
    }
}
