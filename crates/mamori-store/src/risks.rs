//! The organisation's risk analysis sheet: lines checked by `mamori-risk`, each about one of
//! the organisation's own assets, kept and audited here.

use mamori_model::RiskEntry;
use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};

use crate::audit::{Actor, AuditAction};
use crate::tenant::Risks;
use crate::{StoreError, now};

const COLUMNS: &str = "id, asset_id, threat, threat_level, vulnerability, treatment, measures,
    owner, due_on, done_on, residual_vulnerability";

/// A stored level (1-3) back; an out-of-range value reads as the nearest level.
fn level(value: i64) -> u8 {
    value.clamp(1, 3) as u8
}

/// A line from a row selected with [`COLUMNS`].
fn from_row(row: &AnyRow) -> Result<RiskEntry, StoreError> {
    let text = |i: usize| row.try_get::<String, _>(i);
    let treatment: Option<String> = row.try_get(5)?;
    Ok(RiskEntry {
        id: text(0)?,
        asset_id: text(1)?,
        threat: text(2)?,
        threat_level: level(row.try_get(3)?),
        vulnerability: level(row.try_get(4)?),
        treatment: treatment
            .map(|t| {
                t.parse()
                    .map_err(|_| StoreError::corrupt("risk_entries.treatment", &t))
            })
            .transpose()?,
        measures: text(6)?,
        owner: text(7)?,
        due_on: text(8)?,
        done_on: text(9)?,
        residual_vulnerability: row.try_get::<Option<i64>, _>(10)?.map(level),
    })
}

/// Writes `entry` under `id` for `org_id` (a new line, or line `id` replaced); the number of
/// rows written.
async fn write(
    tx: &mut Transaction<'_, Any>,
    org_id: &str,
    id: &str,
    entry: &RiskEntry,
) -> Result<u64, StoreError> {
    let done = sqlx::query(
        "INSERT INTO risk_entries (id, org_id, asset_id, threat, threat_level, vulnerability,
             treatment, measures, owner, due_on, done_on, residual_vulnerability, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
         ON CONFLICT (id) DO UPDATE SET asset_id = $3, threat = $4, threat_level = $5,
             vulnerability = $6, treatment = $7, measures = $8, owner = $9, due_on = $10,
             done_on = $11, residual_vulnerability = $12, updated_at = $13
         WHERE risk_entries.org_id = $2",
    )
    .bind(id)
    .bind(org_id)
    .bind(&entry.asset_id)
    .bind(&entry.threat)
    .bind(i64::from(entry.threat_level))
    .bind(i64::from(entry.vulnerability))
    .bind(entry.treatment.map(|t| t.as_str()))
    .bind(&entry.measures)
    .bind(&entry.owner)
    .bind(&entry.due_on)
    .bind(&entry.done_on)
    .bind(entry.residual_vulnerability.map(i64::from))
    .bind(now())
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected())
}

impl Risks<'_> {
    /// Every line of the organisation's sheet.
    pub async fn list(&self) -> Result<Vec<RiskEntry>, StoreError> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM risk_entries WHERE org_id = $1 ORDER BY asset_id, threat, id"
        )))
        .bind(self.org.id())
        .fetch_all(&self.org.store.pool)
        .await?;
        rows.iter().map(from_row).collect()
    }

    /// Line `id` of the organisation's sheet.
    pub async fn get(&self, id: &str) -> Result<Option<RiskEntry>, StoreError> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM risk_entries WHERE org_id = $1 AND id = $2"
        )))
        .bind(self.org.id())
        .bind(id)
        .fetch_optional(&self.org.store.pool)
        .await?;
        row.as_ref().map(from_row).transpose()
    }

    /// Keeps `entry` (checked by the caller): a new line when its id is empty, else the
    /// organisation's line of that id. [`StoreError::NotFound`] when the line or its asset
    /// is not the organisation's. Returns it as stored.
    pub async fn save(&self, actor: &Actor, entry: &RiskEntry) -> Result<RiskEntry, StoreError> {
        let org_id = self.org.id();
        let asset = self.org.assets().get(&entry.asset_id).await?;
        let asset = asset.ok_or(StoreError::NotFound)?;
        if !entry.id.is_empty() && self.get(&entry.id).await?.is_none() {
            return Err(StoreError::NotFound);
        }
        let target = format!("{}: {}", asset.name, entry.threat);
        let (id, mut tx) = self.org.open_row(&entry.id).await?;
        let written = write(&mut tx, org_id, &id, entry).await?;
        let action = AuditAction::RiskSaved;
        self.org
            .close_row(tx, written, actor, action, &target)
            .await?;
        self.get(&id).await?.ok_or(StoreError::NotFound)
    }

    /// Removes line `id` of the organisation's sheet; [`StoreError::NotFound`] when it has none.
    pub async fn remove(&self, actor: &Actor, id: &str) -> Result<(), StoreError> {
        let entry = self.get(id).await?.ok_or(StoreError::NotFound)?;
        let rows = [("risk_entries", "id")];
        let action = AuditAction::RiskRemoved;
        self.org
            .remove_rows(actor, action, &entry.threat, id, &rows)
            .await
    }
}
