//! Suppressions: "don't alert on this again" for one organisation, created from an alert
//! by an analyst with a reason and an optional expiry, listed and revocable. Each is kept
//! and shown as the Sigma filter it stands for; the alerting stage applies it, and the
//! detections it silences are still stored and counted.

use mamori_model::Scope;
use serde::Serialize;

use crate::alerts::append_history;
use crate::audit::{Actor, AuditAction, record};
use crate::error::InvalidInput;
use crate::tenant::Suppressions;
use crate::{Store, StoreError, new_id, now};

/// What is needed to create a suppression.
#[derive(Debug, Clone)]
pub struct NewSuppression {
    /// The organisation it applies to.
    pub org_id: String,
    /// The rule it silences.
    pub rule_id: String,
    /// Only detections whose field has this value (`src_ip`, `host` …); every detection
    /// of the rule when `None`.
    pub field: Option<String>,
    /// The value of `field`.
    pub value: Option<String>,
    /// Why (required: the next analyst must understand it).
    pub reason: String,
    /// Until when (Unix seconds); for ever when `None`.
    pub expires_at: Option<i64>,
    /// The alert it was created from.
    pub alert_id: Option<String>,
}

/// A suppression as listed to people.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Suppression {
    /// Identifier.
    pub id: String,
    /// Organisation.
    pub org_id: String,
    /// Silenced rule.
    pub rule_id: String,
    /// Field tested, if any.
    pub field: Option<String>,
    /// Value of the field.
    pub value: Option<String>,
    /// Why.
    pub reason: String,
    /// The alert it came from.
    pub alert_id: Option<String>,
    /// Until when (Unix seconds).
    pub expires_at: Option<i64>,
    /// Who created it.
    pub created_by: String,
    /// When (Unix seconds).
    pub created_at: i64,
    /// Who revoked it.
    pub revoked_by: Option<String>,
    /// When it was revoked.
    pub revoked_at: Option<i64>,
    /// Detections it has silenced.
    pub hits: i64,
    /// Whether it is in force now.
    pub active: bool,
    /// The Sigma filter it stands for, as YAML.
    pub sigma: String,
}

/// The Sigma filter (filters specification) a suppression stands for.
fn sigma_filter(s: &Suppression) -> String {
    let quote = |v: &str| serde_json::Value::from(v).to_string();
    let selection = match (&s.field, &s.value) {
        (Some(field), Some(value)) => format!("    {}: {}\n", quote(field), quote(value)),
        _ => format!("    org_id: {}\n", quote(&s.org_id)),
    };
    format!(
        "title: {}\nid: {}\ndescription: {}\nlogsource: {{}}\nfilter:\n  rules:\n    - {}\n  selection:\n{selection}  condition: selection\n",
        quote(&format!("mamori suppression for organisation {}", s.org_id)),
        s.id,
        quote(&s.reason),
        quote(&s.rule_id),
    )
}

type SuppressionRow = (
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    String,
    Option<String>,
    Option<i64>,
    String,
    i64,
    Option<String>,
    Option<i64>,
    i64,
);

fn from_row(row: SuppressionRow, at: i64) -> Suppression {
    let (
        id,
        org_id,
        rule_id,
        field,
        value,
        reason,
        alert_id,
        expires_at,
        created_by,
        created_at,
        revoked_by,
        revoked_at,
        hits,
    ) = row;
    let mut s = Suppression {
        active: revoked_at.is_none() && expires_at.is_none_or(|e| e > at),
        id,
        org_id,
        rule_id,
        field,
        value,
        reason,
        alert_id,
        expires_at,
        created_by,
        created_at,
        revoked_by,
        revoked_at,
        hits,
        sigma: String::new(),
    };
    s.sigma = sigma_filter(&s);
    s
}

const COLUMNS: &str = "id, org_id, rule_id, field, value, reason, alert_id, expires_at, created_by, created_at, revoked_by, revoked_at, hits";

impl Store {
    /// Creates a suppression for an organisation `scope` may see; a reason is required and a
    /// field needs a value.
    pub async fn create_suppression(
        &self,
        actor: &Actor,
        scope: &Scope,
        new: NewSuppression,
    ) -> Result<Suppression, StoreError> {
        if !scope.permits(&new.org_id) {
            return Err(StoreError::NotFound);
        }
        let reason = new.reason.trim();
        let field = new
            .field
            .as_deref()
            .map(str::trim)
            .filter(|f| !f.is_empty());
        let value = new
            .value
            .as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty());
        if reason.is_empty() || new.rule_id.trim().is_empty() || field.is_some() != value.is_some()
        {
            return Err(StoreError::Invalid(InvalidInput::TextRequired));
        }
        let id = new_id();
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO suppressions (id, org_id, rule_id, field, value, reason, alert_id, expires_at, created_by, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(&id)
        .bind(&new.org_id)
        .bind(new.rule_id.trim())
        .bind(field)
        .bind(value)
        .bind(reason)
        .bind(new.alert_id.as_deref())
        .bind(new.expires_at)
        .bind(&actor.label)
        .bind(now())
        .execute(&mut *tx)
        .await?;
        if let Some(alert_id) = &new.alert_id {
            let note = match (field, value) {
                (Some(f), Some(v)) => format!("{f}={v}: {reason}"),
                _ => reason.to_owned(),
            };
            append_history(
                &mut *tx,
                alert_id,
                &new.org_id,
                actor,
                "suppressed",
                Some(&note),
            )
            .await?;
        }
        record(
            &mut *tx,
            actor,
            AuditAction::SuppressionCreated,
            Some(&new.org_id),
            Some(new.rule_id.trim()),
        )
        .await?;
        tx.commit().await?;
        self.suppression(scope, &id).await
    }

    async fn suppression(&self, scope: &Scope, id: &str) -> Result<Suppression, StoreError> {
        let row: Option<SuppressionRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM suppressions WHERE id = $1 AND ($2 IS NULL OR org_id = $2)"
        )))
        .bind(id)
        .bind(scope.only_org())
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| from_row(r, now())).ok_or(StoreError::NotFound)
    }

    /// Revokes a suppression: alerts for what it silenced are raised again from now on.
    pub async fn revoke_suppression(
        &self,
        actor: &Actor,
        scope: &Scope,
        id: &str,
    ) -> Result<Suppression, StoreError> {
        let existing = self.suppression(scope, id).await?;
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "UPDATE suppressions SET revoked_at = $1, revoked_by = $2 WHERE id = $3 AND revoked_at IS NULL",
        )
        .bind(now())
        .bind(&actor.label)
        .bind(&existing.id)
        .execute(&mut *tx)
        .await?;
        record(
            &mut *tx,
            actor,
            AuditAction::SuppressionRevoked,
            Some(&existing.org_id),
            Some(&existing.rule_id),
        )
        .await?;
        tx.commit().await?;
        self.suppression(scope, id).await
    }
}

impl Suppressions<'_> {
    /// Suppressions of organisation `org_id`, newest first (revoked and expired ones too).
    pub async fn list(&self) -> Result<Vec<Suppression>, StoreError> {
        let org_id = self.org.id();
        let rows: Vec<SuppressionRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM suppressions WHERE org_id = $1 ORDER BY created_at DESC, id DESC"
        )))
        .bind(org_id)
        .fetch_all(&self.org.store.pool)
        .await?;
        let at = now();
        Ok(rows.into_iter().map(|r| from_row(r, at)).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sigma_filter_names_the_rule_and_the_field() {
        let row: SuppressionRow = (
            "s1".into(),
            "o1".into(),
            "rule-1".into(),
            Some("src_ip".into()),
            Some("192.0.2.1".into()),
            "weekly scan by our vendor".into(),
            None,
            Some(10),
            "analyst@example.jp".into(),
            0,
            None,
            None,
            0,
        );
        let s = from_row(row, 5);
        assert!(s.active);
        assert!(s.sigma.contains("- \"rule-1\""));
        assert!(s.sigma.contains("\"src_ip\": \"192.0.2.1\""));
        assert!(
            !from_row(
                (
                    s.id.clone(),
                    s.org_id.clone(),
                    s.rule_id.clone(),
                    None,
                    None,
                    s.reason.clone(),
                    None,
                    Some(10),
                    String::new(),
                    0,
                    None,
                    None,
                    0
                ),
                11
            )
            .active
        );
    }
}
