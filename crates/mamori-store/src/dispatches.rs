//! On-site dispatches (駆け付け): the provider sends an engineer to the client for an incident
//! and records the request, the promised and actual arrival, the departure, the work done, the
//! devices taken for investigation and the result. The client sees the planned arrival on the
//! incident page; monthly figures count dispatches and the time to arrival.

use serde::Serialize;

use crate::audit::{Actor, AuditAction, record};
use crate::error::InvalidInput;
use crate::incidents::add_entry;
use crate::tenant::Incidents;
use crate::{Store, StoreError, new_id, now};

/// A dispatch as recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Dispatch {
    /// Identifier.
    pub id: String,
    /// The incident it is for.
    pub incident_id: String,
    /// When it was requested (Unix seconds).
    pub requested_at: i64,
    /// When the engineer promised to arrive.
    pub promised_at: Option<i64>,
    /// Who goes.
    pub engineer: String,
    /// When they arrived.
    pub arrived_at: Option<i64>,
    /// When they left.
    pub left_at: Option<i64>,
    /// What they did.
    pub work_done: String,
    /// Devices taken away for investigation.
    pub devices_taken: String,
    /// The outcome.
    pub result: String,
}

/// What the desk records about a dispatch; on a change, the whole record as it now stands.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DispatchRecord {
    /// When the engineer promised to arrive.
    pub promised_at: Option<i64>,
    /// Who goes.
    pub engineer: String,
    /// When they arrived.
    pub arrived_at: Option<i64>,
    /// When they left.
    pub left_at: Option<i64>,
    /// What they did.
    pub work_done: String,
    /// Devices taken away for investigation.
    pub devices_taken: String,
    /// The outcome.
    pub result: String,
}

/// A month's dispatches for one organisation.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct DispatchFigures {
    /// Dispatches requested in the period.
    pub dispatches: i64,
    /// Of those, how many have arrived.
    pub arrived: i64,
    /// Average minutes from request to arrival, over those that arrived.
    pub average_minutes_to_arrival: Option<i64>,
}

const COLUMNS: &str = "id, incident_id, requested_at, promised_at, engineer, arrived_at, left_at, work_done, devices_taken, result";

impl Incidents<'_> {
    /// Dispatches for incident `id`, in the order they were requested.
    pub async fn dispatches(&self, id: &str) -> Result<Vec<Dispatch>, StoreError> {
        let incident = self.get(id).await?;
        let rows: Vec<Dispatch> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM dispatches WHERE incident_id = $1 AND org_id = $2
             ORDER BY requested_at, id"
        )))
        .bind(&incident.id)
        .bind(self.org.id())
        .fetch_all(&self.org.store.pool)
        .await?;
        Ok(rows)
    }

    /// Records a dispatch for incident `id`, requested now; `entry` goes to the timeline.
    pub async fn dispatch(
        &self,
        actor: &Actor,
        id: &str,
        dispatch: &DispatchRecord,
        entry: &str,
    ) -> Result<Dispatch, StoreError> {
        let incident = self.get(id).await?;
        if dispatch.engineer.trim().is_empty() {
            return Err(StoreError::Invalid(InvalidInput::TextRequired));
        }
        let (dispatch_id, at, org_id) = (new_id(), now(), self.org.id());
        let mut tx = self.org.store.begin_write().await?;
        sqlx::query(
            "INSERT INTO dispatches (id, org_id, incident_id, requested_at, promised_at, engineer,
                 arrived_at, left_at, work_done, devices_taken, result, created_by, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $4)",
        )
        .bind(&dispatch_id)
        .bind(org_id)
        .bind(&incident.id)
        .bind(at)
        .bind(dispatch.promised_at)
        .bind(dispatch.engineer.trim())
        .bind(dispatch.arrived_at)
        .bind(dispatch.left_at)
        .bind(dispatch.work_done.trim())
        .bind(dispatch.devices_taken.trim())
        .bind(dispatch.result.trim())
        .bind(&actor.label)
        .execute(&mut *tx)
        .await?;
        add_entry(&mut tx, &incident.id, org_id, actor, entry).await?;
        let action = AuditAction::DispatchRecorded;
        record(&mut *tx, actor, action, Some(org_id), Some(&incident.title)).await?;
        tx.commit().await?;
        self.dispatches(id)
            .await?
            .into_iter()
            .find(|d| d.id == dispatch_id)
            .ok_or(StoreError::NotFound)
    }

    /// Replaces what is recorded about dispatch `dispatch_id` of incident `id`; `entry` goes
    /// to the timeline.
    pub async fn update_dispatch(
        &self,
        actor: &Actor,
        id: &str,
        dispatch_id: &str,
        dispatch: &DispatchRecord,
        entry: &str,
    ) -> Result<(), StoreError> {
        let incident = self.get(id).await?;
        if dispatch.engineer.trim().is_empty() {
            return Err(StoreError::Invalid(InvalidInput::TextRequired));
        }
        let org_id = self.org.id();
        let mut tx = self.org.store.begin_write().await?;
        let changed = sqlx::query(
            "UPDATE dispatches SET promised_at = $1, engineer = $2, arrived_at = $3, left_at = $4,
                 work_done = $5, devices_taken = $6, result = $7, updated_at = $8
             WHERE id = $9 AND incident_id = $10 AND org_id = $11",
        )
        .bind(dispatch.promised_at)
        .bind(dispatch.engineer.trim())
        .bind(dispatch.arrived_at)
        .bind(dispatch.left_at)
        .bind(dispatch.work_done.trim())
        .bind(dispatch.devices_taken.trim())
        .bind(dispatch.result.trim())
        .bind(now())
        .bind(dispatch_id)
        .bind(&incident.id)
        .bind(org_id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if changed == 0 {
            return Err(StoreError::NotFound);
        }
        add_entry(&mut tx, &incident.id, org_id, actor, entry).await?;
        let action = AuditAction::DispatchRecorded;
        record(&mut *tx, actor, action, Some(org_id), Some(&incident.title)).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The organisation's dispatches requested in `[from, to)`.
    pub async fn dispatch_figures(
        &self,
        from: i64,
        to: i64,
    ) -> Result<DispatchFigures, StoreError> {
        figures(&self.org.store.pool, Some(self.org.id()), from, to).await
    }
}

impl Store {
    /// Dispatches requested in `[from, to)` across every organisation `scope` may see.
    pub async fn all_dispatch_figures(
        &self,
        scope: &mamori_model::Scope,
        from: i64,
        to: i64,
    ) -> Result<DispatchFigures, StoreError> {
        figures(&self.pool, scope.only_org(), from, to).await
    }
}

/// Dispatches of organisation `org_id` (or of all with `None`; the caller has checked the
/// scope) requested in `[from, to)`.
async fn figures(
    pool: &sqlx::AnyPool,
    org_id: Option<&str>,
    from: i64,
    to: i64,
) -> Result<DispatchFigures, StoreError> {
    let rows: Vec<(i64, Option<i64>)> = sqlx::query_as(
        "SELECT requested_at, arrived_at FROM dispatches
         WHERE ($1 IS NULL OR org_id = $1) AND requested_at >= $2 AND requested_at < $3",
    )
    .bind(org_id)
    .bind(from)
    .bind(to)
    .fetch_all(pool)
    .await?;
    let waits: Vec<i64> = rows
        .iter()
        .filter_map(|(requested, arrived)| arrived.map(|a| (a - requested).max(0)))
        .collect();
    Ok(DispatchFigures {
        dispatches: rows.len() as i64,
        arrived: waits.len() as i64,
        average_minutes_to_arrival: (!waits.is_empty())
            .then(|| waits.iter().sum::<i64>() / waits.len() as i64 / 60),
    })
}
