//! Acknowledgement of the five basic rules: someone at the organisation read them and commits
//! to them, which is the SECURITY ACTION one-star step in mamori's readiness checklist.

use crate::answer_sets::org_exists;
use crate::audit::{Actor, AuditAction, record};
use crate::tenant::RulesAcknowledgements;
use crate::{StoreError, now};

/// Who acknowledged the five basic rules of an edition, and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RulesAcknowledgement {
    /// The user who acknowledged them (`None` if done from the command line).
    pub by: Option<String>,
    /// When, in Unix seconds.
    pub at: i64,
}

impl RulesAcknowledgements<'_> {
    /// Records that the organisation acknowledges the five basic rules of `edition`; doing it
    /// again keeps the first acknowledgement.
    pub async fn acknowledge(
        &self,
        actor: &Actor,
        edition: &str,
    ) -> Result<RulesAcknowledgement, StoreError> {
        let org_id = self.org.id();
        let mut tx = self.org.store.begin_write().await?;
        org_exists(&mut tx, org_id).await?;
        let inserted = sqlx::query(
            "INSERT INTO rule_acknowledgements (org_id, edition, acknowledged_by, acknowledged_at)
             VALUES ($1, $2, $3, $4) ON CONFLICT (org_id, edition) DO NOTHING",
        )
        .bind(org_id)
        .bind(edition)
        .bind(actor.user_id.as_deref())
        .bind(now())
        .execute(&mut *tx)
        .await?;
        if inserted.rows_affected() > 0 {
            record(
                &mut *tx,
                actor,
                AuditAction::RulesAcknowledged,
                Some(org_id),
                Some(edition),
            )
            .await?;
        }
        tx.commit().await?;
        self.acknowledgement(edition)
            .await?
            .ok_or(StoreError::NotFound)
    }

    /// The organisation's acknowledgement of the five basic rules of `edition`, if given.
    pub async fn acknowledgement(
        &self,
        edition: &str,
    ) -> Result<Option<RulesAcknowledgement>, StoreError> {
        let org_id = self.org.id();
        let row: Option<(Option<String>, i64)> = sqlx::query_as(
            "SELECT acknowledged_by, acknowledged_at FROM rule_acknowledgements
             WHERE org_id = $1 AND edition = $2",
        )
        .bind(org_id)
        .bind(edition)
        .fetch_optional(&self.org.store.pool)
        .await?;
        Ok(row.map(|(by, at)| RulesAcknowledgement { by, at }))
    }
}
