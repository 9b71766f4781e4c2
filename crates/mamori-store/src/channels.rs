//! Notification channels: where an organisation's alerts go (e-mail addresses, webhooks,
//! Slack, Teams), and the provider's own channels that hear about every organisation. The
//! channel's settings are stored as JSON the notifier understands; the store keeps what the
//! console needs to tell a working route from a silent one.

use std::collections::HashMap;

use mamori_model::{Scope, Severity};
use serde::Serialize;
use sqlx::AssertSqlSafe;

use crate::audit::{Actor, AuditAction, record};
use crate::error::InvalidInput;
use crate::{Store, StoreError, new_id, now};

/// What is needed to add a channel.
#[derive(Debug, Clone)]
pub struct NewChannel {
    /// The organisation, or `None` for a provider channel that hears about every one.
    pub org_id: Option<String>,
    /// `email`, `webhook`, `slack` or `teams`.
    pub kind: String,
    /// The channel's settings as the notifier reads them.
    pub config: serde_json::Value,
    /// Alerts below this severity are not sent.
    pub min_severity: Severity,
    /// Quiet hours as minutes after midnight `(start, end)`; critical alerts still go.
    pub quiet_hours: Option<(i64, i64)>,
    /// Send low and info alerts once a day instead of one by one.
    pub digest: bool,
    /// The language messages are written in (`ja` or `en`).
    pub lang: String,
}

/// A channel as listed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Channel {
    /// Identifier.
    pub id: String,
    /// Organisation, or `None` for a provider channel.
    pub org_id: Option<String>,
    /// Kind word.
    pub kind: String,
    /// Settings (may hold secrets: never show them as they are).
    #[serde(skip)]
    pub config: serde_json::Value,
    /// Minimum severity word.
    pub min_severity: String,
    /// Quiet hours start, minutes after midnight.
    pub quiet_start: Option<i64>,
    /// Quiet hours end, minutes after midnight.
    pub quiet_end: Option<i64>,
    /// Daily digest for low and info alerts.
    pub digest: bool,
    /// Message language.
    pub lang: String,
    /// Whether it is used.
    pub enabled: bool,
    /// When it was added (Unix seconds).
    pub created_at: i64,
    /// The last successful delivery.
    pub last_ok_at: Option<i64>,
    /// The last failed attempt.
    pub last_error_at: Option<i64>,
    /// What the last failure said, exactly.
    pub last_error: Option<String>,
    /// The last failure's kind, as a stable code to translate.
    pub last_error_code: Option<String>,
    /// When the last daily digest was made.
    pub last_digest_at: Option<i64>,
}

impl Channel {
    /// Whether its last attempt failed (a channel never tried is not failing, only untested).
    pub fn failing(&self) -> bool {
        match (self.last_error_at, self.last_ok_at) {
            (Some(err), Some(ok)) => err > ok,
            (Some(_), None) => true,
            _ => false,
        }
    }

    /// Whether something has been delivered through it and its last attempt worked.
    pub fn proven(&self) -> bool {
        self.last_ok_at.is_some() && !self.failing()
    }
}

/// How an organisation's alert route looks, for the console's warning.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct RouteHealth {
    /// Enabled channels of the organisation.
    pub channels: i64,
    /// Of these, proven to work.
    pub working: i64,
    /// Of these, failing.
    pub failing: i64,
}

impl RouteHealth {
    /// Alerts would reach nobody at the organisation: no channel, or every one failing.
    pub fn broken(&self) -> bool {
        self.channels == 0 || self.failing == self.channels
    }
}

const COLUMNS: &str = "id, org_id, kind, config, min_severity, quiet_start, quiet_end, digest, lang, enabled, created_at, last_ok_at, last_error_at, last_error, last_digest_at, last_error_code";

fn from_row(row: &sqlx::any::AnyRow) -> Result<Channel, StoreError> {
    use sqlx::Row;
    let config: String = row.try_get(3)?;
    Ok(Channel {
        id: row.try_get(0)?,
        org_id: row.try_get(1)?,
        kind: row.try_get(2)?,
        config: serde_json::from_str(&config)
            .map_err(|e| StoreError::corrupt("channels.config", e))?,
        min_severity: row.try_get(4)?,
        quiet_start: row.try_get(5)?,
        quiet_end: row.try_get(6)?,
        digest: row.try_get::<i64, _>(7)? != 0,
        lang: row.try_get(8)?,
        enabled: row.try_get::<i64, _>(9)? != 0,
        created_at: row.try_get(10)?,
        last_ok_at: row.try_get(11)?,
        last_error_at: row.try_get(12)?,
        last_error: row.try_get(13)?,
        last_digest_at: row.try_get(14)?,
        last_error_code: row.try_get(15)?,
    })
}

/// Whether `scope` may manage channels of `org_id` (`None`: the provider's own).
fn permits(scope: &Scope, org_id: Option<&str>) -> bool {
    match org_id {
        Some(org) => scope.permits(org),
        None => scope.only_org().is_none(),
    }
}

impl Store {
    /// Adds a channel.
    pub async fn create_channel(
        &self,
        actor: &Actor,
        scope: &Scope,
        new: NewChannel,
    ) -> Result<Channel, StoreError> {
        if !permits(scope, new.org_id.as_deref()) {
            return Err(StoreError::NotFound);
        }
        if let Some(org) = &new.org_id
            && self.org(scope, org).await?.is_none()
        {
            return Err(StoreError::NotFound);
        }
        let valid_minutes = |m: i64| (0..1440).contains(&m);
        if new
            .quiet_hours
            .is_some_and(|(s, e)| !valid_minutes(s) || !valid_minutes(e) || s == e)
        {
            return Err(StoreError::Invalid(InvalidInput::ChannelInvalid));
        }
        let id = new_id();
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO channels (id, org_id, kind, config, min_severity, quiet_start, quiet_end, digest, lang, enabled, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 1, $10)",
        )
        .bind(&id)
        .bind(new.org_id.as_deref())
        .bind(&new.kind)
        .bind(new.config.to_string())
        .bind(new.min_severity.as_str())
        .bind(new.quiet_hours.map(|q| q.0))
        .bind(new.quiet_hours.map(|q| q.1))
        .bind(i64::from(new.digest))
        .bind(&new.lang)
        .bind(now())
        .execute(&mut *tx)
        .await?;
        record(
            &mut *tx,
            actor,
            AuditAction::ChannelCreated,
            new.org_id.as_deref(),
            Some(&new.kind),
        )
        .await?;
        tx.commit().await?;
        self.channel(scope, &id).await?.ok_or(StoreError::NotFound)
    }

    /// One channel, when `scope` may see it.
    pub async fn channel(&self, scope: &Scope, id: &str) -> Result<Option<Channel>, StoreError> {
        let row = sqlx::query(AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM channels WHERE id = $1"
        )))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        match row {
            Some(row) => {
                let channel = from_row(&row)?;
                Ok(permits(scope, channel.org_id.as_deref()).then_some(channel))
            }
            None => Ok(None),
        }
    }

    /// The provider's own channels, for provider staff. An organisation's:
    /// [`crate::OrgStore::channels`].
    pub async fn provider_channels(&self, scope: &Scope) -> Result<Vec<Channel>, StoreError> {
        if !permits(scope, None) {
            return Err(StoreError::NotFound);
        }
        self.channels_of(None).await
    }

    /// Channels of organisation `org_id`, or the provider's own with `None`; the caller has
    /// checked the scope.
    pub(crate) async fn channels_of(
        &self,
        org_id: Option<&str>,
    ) -> Result<Vec<Channel>, StoreError> {
        let rows = sqlx::query(AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM channels
             WHERE ($1 IS NULL AND org_id IS NULL) OR org_id = $1 ORDER BY created_at, id"
        )))
        .bind(org_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(from_row).collect()
    }

    /// Removes a channel; its queued notifications are dropped with it.
    pub async fn delete_channel(
        &self,
        actor: &Actor,
        scope: &Scope,
        id: &str,
    ) -> Result<(), StoreError> {
        let channel = self.channel(scope, id).await?.ok_or(StoreError::NotFound)?;
        let mut tx = self.begin_write().await?;
        sqlx::query("DELETE FROM channels WHERE id = $1")
            .bind(&channel.id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("UPDATE deliveries SET status = 'cancelled' WHERE channel_id = $1 AND status = 'pending'")
            .bind(&channel.id)
            .execute(&mut *tx)
            .await?;
        record(
            &mut *tx,
            actor,
            AuditAction::ChannelDeleted,
            channel.org_id.as_deref(),
            Some(&channel.kind),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The alert route of every organisation visible in `scope` (organisations without a
    /// channel are absent: their route is broken).
    pub async fn route_health(
        &self,
        scope: &Scope,
    ) -> Result<HashMap<String, RouteHealth>, StoreError> {
        let rows = sqlx::query(AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM channels WHERE org_id IS NOT NULL AND enabled = 1
             AND ($1 IS NULL OR org_id = $1)"
        )))
        .bind(scope.only_org())
        .fetch_all(&self.pool)
        .await?;
        let mut health: HashMap<String, RouteHealth> = HashMap::new();
        for row in &rows {
            let channel = from_row(row)?;
            let Some(org) = channel.org_id.clone() else {
                continue;
            };
            let entry = health.entry(org).or_default();
            entry.channels += 1;
            entry.working += i64::from(channel.proven());
            entry.failing += i64::from(channel.failing());
        }
        Ok(health)
    }

    /// Enabled channels that take a daily digest.
    pub async fn digest_channels(&self) -> Result<Vec<Channel>, StoreError> {
        let rows = sqlx::query(AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM channels WHERE digest = 1 AND enabled = 1 AND org_id IS NOT NULL ORDER BY id"
        )))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(from_row).collect()
    }

    /// Records that channel `id`'s digest covering alerts up to `at` was made.
    pub async fn mark_digest(&self, id: &str, at: i64) -> Result<(), StoreError> {
        sqlx::query("UPDATE channels SET last_digest_at = $1 WHERE id = $2")
            .bind(at)
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_route_with_no_channel_or_only_failing_ones_is_broken() {
        assert!(RouteHealth::default().broken());
        let failing = RouteHealth {
            channels: 2,
            working: 0,
            failing: 2,
        };
        assert!(failing.broken());
        let one_ok = RouteHealth {
            channels: 2,
            working: 1,
            failing: 1,
        };
        assert!(!one_ok.broken());
    }
}
