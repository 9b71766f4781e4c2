//! The organisation's device inventory. Devices arrive checked by `mamori-risk`; the store
//! keeps them with their UTM licences, scoped to the organisation, and records every change
//! in the audit log. A device may stand for one of the organisation's own monitored sources.

use std::collections::{HashMap, HashSet};

use mamori_model::{Device, Scope, UtmLicence};
use sqlx::any::AnyRow;
use sqlx::{Any, AssertSqlSafe, Row, Transaction};

use crate::audit::{Actor, AuditAction};
use crate::tenant::Devices;
use crate::{AlertingTx, InvalidInput, Store, StoreError, now};

const COLUMNS: &str = "id, org_id, kind, name, owner, location, os, os_version, os_support_ends,
    antivirus, antivirus_expires, support_ends, source_id, remarks, alert_email";

/// A device of one organisation, for readers that span organisations (the provider's list
/// of expiries, the reminder watch).
#[derive(Debug, Clone)]
pub struct OrgDevice {
    /// The organisation it belongs to.
    pub org_id: String,
    /// The device.
    pub device: Device,
}

/// A device (licences not yet attached) from a row selected with [`COLUMNS`].
fn from_row(row: &AnyRow) -> Result<OrgDevice, StoreError> {
    let text = |i: usize| row.try_get::<String, _>(i);
    let kind = text(2)?;
    let device = Device {
        id: text(0)?,
        kind: kind
            .parse()
            .map_err(|_| StoreError::corrupt("devices.kind", &kind))?,
        name: text(3)?,
        owner: text(4)?,
        location: text(5)?,
        os: text(6)?,
        os_version: text(7)?,
        os_support_ends: text(8)?,
        antivirus: text(9)?,
        antivirus_expires: text(10)?,
        support_ends: text(11)?,
        alert_email: text(14)?,
        licences: Vec::new(),
        source_id: row.try_get(12)?,
        remarks: text(13)?,
    };
    Ok(OrgDevice {
        org_id: text(1)?,
        device,
    })
}

impl Store {
    /// Devices of organisation `org_id` (every organisation with `None`) with their
    /// licences, by name; `only` narrows to one device.
    async fn devices_where(
        &self,
        org_id: Option<&str>,
        only: Option<&str>,
    ) -> Result<Vec<OrgDevice>, StoreError> {
        let rows = sqlx::query(AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM devices
             WHERE ($1 IS NULL OR org_id = $1) AND ($2 IS NULL OR id = $2)
             ORDER BY org_id, name, id"
        )))
        .bind(org_id)
        .bind(only)
        .fetch_all(&self.pool)
        .await?;
        let mut devices = rows.iter().map(from_row).collect::<Result<Vec<_>, _>>()?;
        let licences = sqlx::query(
            "SELECT device_id, function, expires_on FROM device_licences
             WHERE ($1 IS NULL OR org_id = $1) AND ($2 IS NULL OR device_id = $2)
             ORDER BY device_id, function",
        )
        .bind(org_id)
        .bind(only)
        .fetch_all(&self.pool)
        .await?;
        let mut by_device: HashMap<String, Vec<UtmLicence>> = HashMap::new();
        for row in &licences {
            let function: String = row.try_get(1)?;
            by_device
                .entry(row.try_get(0)?)
                .or_default()
                .push(UtmLicence {
                    function: function
                        .parse()
                        .map_err(|_| StoreError::corrupt("device_licences.function", &function))?,
                    expires_on: row.try_get(2)?,
                });
        }
        for entry in &mut devices {
            if let Some(mut licences) = by_device.remove(&entry.device.id) {
                licences.sort_by_key(|l| l.function as u8);
                entry.device.licences = licences;
            }
        }
        Ok(devices)
    }

    /// Every device the caller's scope reaches (a provider's: every client's), with the
    /// organisation each belongs to.
    pub async fn all_devices(&self, scope: &Scope) -> Result<Vec<OrgDevice>, StoreError> {
        self.devices_where(scope.only_org(), None).await
    }
}

/// Writes `device` under `id` for `org_id` (a new row, or the row `id` replaced) with its
/// licences; the number of device rows written.
pub(crate) async fn write(
    tx: &mut Transaction<'_, Any>,
    org_id: &str,
    id: &str,
    device: &Device,
) -> Result<u64, StoreError> {
    let done = sqlx::query(
        "INSERT INTO devices (id, org_id, kind, name, owner, location, os, os_version,
             os_support_ends, antivirus, antivirus_expires, support_ends, source_id, remarks,
             updated_at, alert_email)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
         ON CONFLICT (id) DO UPDATE SET kind = $3, name = $4, owner = $5, location = $6,
             os = $7, os_version = $8, os_support_ends = $9, antivirus = $10,
             antivirus_expires = $11, support_ends = $12, source_id = $13, remarks = $14,
             updated_at = $15, alert_email = $16
         WHERE devices.org_id = $2",
    )
    .bind(id)
    .bind(org_id)
    .bind(device.kind.as_str())
    .bind(&device.name)
    .bind(&device.owner)
    .bind(&device.location)
    .bind(&device.os)
    .bind(&device.os_version)
    .bind(&device.os_support_ends)
    .bind(&device.antivirus)
    .bind(&device.antivirus_expires)
    .bind(&device.support_ends)
    .bind(device.source_id.as_deref())
    .bind(&device.remarks)
    .bind(now())
    .bind(&device.alert_email)
    .execute(&mut **tx)
    .await?;
    if done.rows_affected() == 0 {
        return Ok(0);
    }
    sqlx::query("DELETE FROM device_licences WHERE org_id = $1 AND device_id = $2")
        .bind(org_id)
        .bind(id)
        .execute(&mut **tx)
        .await?;
    for licence in &device.licences {
        sqlx::query(
            "INSERT INTO device_licences (device_id, org_id, function, expires_on)
             VALUES ($1, $2, $3, $4)",
        )
        .bind(id)
        .bind(org_id)
        .bind(licence.function.as_str())
        .bind(&licence.expires_on)
        .execute(&mut **tx)
        .await?;
    }
    Ok(done.rows_affected())
}

impl Devices<'_> {
    /// Every device of the organisation, by name.
    pub async fn list(&self) -> Result<Vec<Device>, StoreError> {
        let found = self
            .org
            .store
            .devices_where(Some(self.org.id()), None)
            .await?;
        Ok(found.into_iter().map(|d| d.device).collect())
    }

    /// Device `id` of the organisation.
    pub async fn get(&self, id: &str) -> Result<Option<Device>, StoreError> {
        let found = self
            .org
            .store
            .devices_where(Some(self.org.id()), Some(id))
            .await?;
        Ok(found.into_iter().next().map(|d| d.device))
    }

    /// Keeps `device` (checked by the caller): a new device when its id is empty, else the
    /// organisation's device of that id. [`StoreError::NotFound`] when the organisation has
    /// no such device, or no such source for the device to stand for;
    /// [`InvalidInput::SourceDescribed`] when another device already stands for that source.
    /// Returns it as stored.
    pub async fn save(&self, actor: &Actor, device: &Device) -> Result<Device, StoreError> {
        let org_id = self.org.id();
        if !device.id.is_empty() && self.get(&device.id).await?.is_none() {
            return Err(StoreError::NotFound);
        }
        if let Some(source_id) = &device.source_id {
            if !self.org.sources().await?.iter().any(|s| &s.id == source_id) {
                return Err(StoreError::NotFound);
            }
            let taken = self
                .list()
                .await?
                .into_iter()
                .any(|d| d.source_id.as_ref() == Some(source_id) && d.id != device.id);
            if taken {
                return Err(StoreError::Invalid(InvalidInput::SourceDescribed));
            }
        }
        let (id, mut tx) = self.org.open_row(&device.id).await?;
        let written = write(&mut tx, org_id, &id, device).await?;
        let action = AuditAction::DeviceSaved;
        self.org
            .close_row(tx, written, actor, action, &device.name)
            .await?;
        self.get(&id).await?.ok_or(StoreError::NotFound)
    }

    /// Removes device `id` of the organisation with its licences; [`StoreError::NotFound`]
    /// when it has none. A monitored source it stood for stays watched.
    pub async fn remove(&self, actor: &Actor, id: &str) -> Result<(), StoreError> {
        let device = self.get(id).await?.ok_or(StoreError::NotFound)?;
        // Its licences and the reminders sent about it go with it.
        let rows = [
            ("device_licences", "device_id"),
            ("expiry_notices", "device_id"),
            ("devices", "id"),
        ];
        let action = AuditAction::DeviceRemoved;
        self.org
            .remove_rows(actor, action, &device.name, id, &rows)
            .await
    }
}

/// One reminder or alert already sent about a device's end date: the device, what ends
/// (`Lapse::key`), the day it ends (`YYYY-MM-DD`) and the stage (`days30` …).
pub type ExpiryNoticeKey = (String, String, String, String);

impl Store {
    /// Every reminder and alert already sent about devices' end dates, so the watch can
    /// tell what is new without opening a write transaction.
    pub async fn expiry_notices_sent(&self) -> Result<HashSet<ExpiryNoticeKey>, StoreError> {
        let rows: Vec<ExpiryNoticeKey> =
            sqlx::query_as("SELECT device_id, lapse, ends_on, stage FROM expiry_notices")
                .fetch_all(&self.pool)
                .await?;
        Ok(rows.into_iter().collect())
    }
}

impl AlertingTx {
    /// Records that the reminder or alert `key` of `org_id`'s device is being sent; `false`
    /// when it was already (another node, or an earlier pass, got there first).
    pub async fn note_expiry(
        &mut self,
        org_id: &str,
        key: &ExpiryNoticeKey,
    ) -> Result<bool, StoreError> {
        let (device_id, lapse, ends_on, stage) = key;
        let done = sqlx::query(
            "INSERT INTO expiry_notices (org_id, device_id, lapse, ends_on, stage, sent_at)
             VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (device_id, lapse, ends_on, stage) DO NOTHING",
        )
        .bind(org_id)
        .bind(device_id)
        .bind(lapse)
        .bind(ends_on)
        .bind(stage)
        .bind(now())
        .execute(self.conn())
        .await?;
        Ok(done.rows_affected() == 1)
    }
}
