//! The audit log: who did what, when and from where. Written in the same transaction as the
//! change it describes, so a change without its audit entry cannot exist.

use mamori_model::{Scope, User};
use serde::Serialize;
use sqlx::{Any, Executor};

use crate::{Store, StoreError, new_id, now};

/// Who is acting, for the audit log.
#[derive(Debug, Clone)]
pub struct Actor {
    /// The signed-in user, if any (none for the command line or a failed sign-in).
    pub user_id: Option<String>,
    /// How the actor is named in the log: an e-mail address, or `cli`.
    pub label: String,
    /// The network address the request came from, if it came over the network.
    pub address: Option<String>,
}

impl Actor {
    /// The administrator at the server's command line.
    pub fn cli() -> Self {
        Actor {
            user_id: None,
            label: "cli".to_owned(),
            address: None,
        }
    }

    /// mamori itself (the alerting stage, the delivery worker).
    pub fn system() -> Self {
        Actor {
            user_id: None,
            label: "mamori".to_owned(),
            address: None,
        }
    }

    /// A signed-in user acting from `address`.
    pub fn user(user: &User, address: Option<String>) -> Self {
        Actor {
            user_id: Some(user.id.clone()),
            label: user.email.clone(),
            address,
        }
    }

    /// Someone not (yet) signed in, named by what they typed.
    pub fn anonymous(label: &str, address: Option<String>) -> Self {
        Actor {
            user_id: None,
            label: label.to_owned(),
            address,
        }
    }
}

/// One line of the audit log as shown to administrators.
#[derive(Debug, Clone, Serialize)]
pub struct AuditEntry {
    /// Row identifier (time-ordered).
    pub id: String,
    /// When it happened, seconds since the Unix epoch.
    pub at: i64,
    /// Who did it.
    pub actor: String,
    /// What was done, as a stable code such as `login.failed` or `org.created`.
    pub action: String,
    /// The organisation concerned, if any.
    pub org_id: Option<String>,
    /// What was acted on (a user's e-mail, an organisation's name …).
    pub target: Option<String>,
    /// Where the request came from.
    pub address: Option<String>,
}

/// Appends one audit entry using `executor` (a pool or an open transaction).
pub(crate) async fn record<'c, E>(
    executor: E,
    actor: &Actor,
    action: &str,
    org_id: Option<&str>,
    target: Option<&str>,
) -> Result<(), StoreError>
where
    E: Executor<'c, Database = Any>,
{
    sqlx::query(
        "INSERT INTO audit_log (id, at, actor_id, actor_email, action, org_id, target, address)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(new_id())
    .bind(now())
    .bind(actor.user_id.as_deref())
    .bind(actor.label.as_str())
    .bind(action)
    .bind(org_id)
    .bind(target)
    .bind(actor.address.as_deref())
    .execute(executor)
    .await?;
    Ok(())
}

type AuditRow = (
    String,
    i64,
    String,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
);

impl Store {
    /// Records an event that changes nothing else (a sign-in, a failed sign-in, a sign-out).
    pub async fn audit(
        &self,
        actor: &Actor,
        action: &str,
        org_id: Option<&str>,
        target: Option<&str>,
    ) -> Result<(), StoreError> {
        record(&self.pool, actor, action, org_id, target).await
    }

    /// The newest audit entries visible in `scope`, newest first.
    pub async fn audit_log(
        &self,
        scope: &Scope,
        limit: i64,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        let rows: Vec<AuditRow> = sqlx::query_as(
            "SELECT id, at, actor_email, action, org_id, target, address FROM audit_log
             WHERE ($1 IS NULL OR org_id = $1)
             ORDER BY id DESC LIMIT $2",
        )
        .bind(scope.only_org())
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(
                |(id, at, actor, action, org_id, target, address)| AuditEntry {
                    id,
                    at,
                    actor,
                    action,
                    org_id,
                    target,
                    address,
                },
            )
            .collect())
    }
}
