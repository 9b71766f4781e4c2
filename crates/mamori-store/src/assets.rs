//! The organisation's information asset ledger. Rows arrive checked by `mamori-risk`; the
//! store keeps them, scoped to the organisation, and records every change in the audit log.

use mamori_model::InformationAsset;
use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};

use crate::audit::{Actor, AuditAction, record};
use crate::tenant::Assets;
use crate::{StoreError, new_id, now};

const COLUMNS: &str = "id, category, name, remarks, users, owner_dept, medium, personal, sensitive,
    my_number, confidentiality, integrity, availability, importance_override, override_reason,
    retention, registered_on";

/// A stored level (0-2) back; an out-of-range value reads as the nearest level.
fn level(value: i64) -> u8 {
    value.clamp(0, 2) as u8
}

/// An asset from a row selected with [`COLUMNS`].
fn from_row(row: &AnyRow) -> Result<InformationAsset, StoreError> {
    let text = |i: usize| row.try_get::<String, _>(i);
    let number = |i: usize| row.try_get::<i64, _>(i);
    Ok(InformationAsset {
        id: text(0)?,
        category: text(1)?,
        name: text(2)?,
        remarks: text(3)?,
        users: text(4)?,
        owner_dept: text(5)?,
        medium: text(6)?,
        personal: number(7)? != 0,
        sensitive: number(8)? != 0,
        my_number: number(9)? != 0,
        confidentiality: level(number(10)?),
        integrity: level(number(11)?),
        availability: level(number(12)?),
        importance_override: row.try_get::<Option<i64>, _>(13)?.map(level),
        override_reason: text(14)?,
        retention: text(15)?,
        registered_on: text(16)?,
    })
}

/// Writes `asset` under `id` for `org_id` (a new row, or the row `id` replaced).
async fn write(
    tx: &mut Transaction<'_, Any>,
    org_id: &str,
    id: &str,
    asset: &InformationAsset,
) -> Result<u64, StoreError> {
    let done = sqlx::query(
        "INSERT INTO information_assets (id, org_id, category, name, remarks, users, owner_dept,
             medium, personal, sensitive, my_number, confidentiality, integrity, availability,
             importance_override, override_reason, retention, registered_on, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)
         ON CONFLICT (id) DO UPDATE SET category = $3, name = $4, remarks = $5, users = $6,
             owner_dept = $7, medium = $8, personal = $9, sensitive = $10, my_number = $11,
             confidentiality = $12, integrity = $13, availability = $14,
             importance_override = $15, override_reason = $16, retention = $17,
             registered_on = $18, updated_at = $19
         WHERE information_assets.org_id = $2",
    )
    .bind(id)
    .bind(org_id)
    .bind(&asset.category)
    .bind(&asset.name)
    .bind(&asset.remarks)
    .bind(&asset.users)
    .bind(&asset.owner_dept)
    .bind(&asset.medium)
    .bind(i64::from(asset.personal))
    .bind(i64::from(asset.sensitive))
    .bind(i64::from(asset.my_number))
    .bind(i64::from(asset.confidentiality))
    .bind(i64::from(asset.integrity))
    .bind(i64::from(asset.availability))
    .bind(asset.importance_override.map(i64::from))
    .bind(&asset.override_reason)
    .bind(&asset.retention)
    .bind(&asset.registered_on)
    .bind(now())
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected())
}

impl Assets<'_> {
    /// Every asset of the organisation, by business category and name.
    pub async fn list(&self) -> Result<Vec<InformationAsset>, StoreError> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM information_assets WHERE org_id = $1
             ORDER BY category, name, id"
        )))
        .bind(self.org.id())
        .fetch_all(&self.org.store.pool)
        .await?;
        rows.iter().map(from_row).collect()
    }

    /// Asset `id` of the organisation.
    pub async fn get(&self, id: &str) -> Result<Option<InformationAsset>, StoreError> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM information_assets WHERE org_id = $1 AND id = $2"
        )))
        .bind(self.org.id())
        .bind(id)
        .fetch_optional(&self.org.store.pool)
        .await?;
        row.as_ref().map(from_row).transpose()
    }

    /// Keeps `asset` (checked by the caller): a new asset when its id is empty, else the
    /// organisation's asset of that id ([`StoreError::NotFound`] when it has none).
    /// Returns it as stored.
    pub async fn save(
        &self,
        actor: &Actor,
        asset: &InformationAsset,
    ) -> Result<InformationAsset, StoreError> {
        let org_id = self.org.id();
        if !asset.id.is_empty() && self.get(&asset.id).await?.is_none() {
            return Err(StoreError::NotFound);
        }
        let (id, mut tx) = self.org.open_row(&asset.id).await?;
        let written = write(&mut tx, org_id, &id, asset).await?;
        let action = AuditAction::AssetSaved;
        self.org
            .close_row(tx, written, actor, action, &asset.name)
            .await?;
        self.get(&id).await?.ok_or(StoreError::NotFound)
    }

    /// Adds every asset of an imported ledger in one transaction: all of them or none.
    pub async fn import(
        &self,
        actor: &Actor,
        assets: &[InformationAsset],
    ) -> Result<usize, StoreError> {
        let org_id = self.org.id();
        let mut tx = self.org.store.begin_write().await?;
        for asset in assets {
            write(&mut tx, org_id, &new_id(), asset).await?;
        }
        let target = assets.len().to_string();
        record(
            &mut *tx,
            actor,
            AuditAction::AssetsImported,
            Some(org_id),
            Some(&target),
        )
        .await?;
        tx.commit().await?;
        Ok(assets.len())
    }

    /// Removes asset `id` of the organisation with its lines of the risk analysis sheet;
    /// [`StoreError::NotFound`] when it has none.
    pub async fn remove(&self, actor: &Actor, id: &str) -> Result<(), StoreError> {
        let asset = self.get(id).await?.ok_or(StoreError::NotFound)?;
        // Its lines of the risk analysis sheet go with it.
        let rows = [("risk_entries", "asset_id"), ("information_assets", "id")];
        let action = AuditAction::AssetRemoved;
        self.org
            .remove_rows(actor, action, &asset.name, id, &rows)
            .await
    }
}
