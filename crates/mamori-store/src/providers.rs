//! The provider: the company that runs this mamori for its clients. Exactly one exists after
//! first-run setup.

use serde::Serialize;

use crate::audit::{Actor, AuditAction, record};
use crate::users::{NewUser, insert_user};
use crate::{Store, StoreError, now};
use mamori_model::User;

/// The company running the deployment.
#[derive(Debug, Clone, Serialize)]
pub struct Provider {
    /// Identifier.
    pub id: String,
    /// Name shown in the console and on reports.
    pub name: String,
}

impl Store {
    /// The provider, or `None` before first-run setup.
    pub async fn provider(&self) -> Result<Option<Provider>, StoreError> {
        let row: Option<(String, String)> =
            sqlx::query_as("SELECT id, name FROM providers ORDER BY created_at LIMIT 1")
                .fetch_optional(&self.pool)
                .await?;
        Ok(row.map(|(id, name)| Provider { id, name }))
    }

    /// First-run setup: creates the provider and its first administrator in one transaction.
    /// Fails with [`StoreError::AlreadySetUp`] if setup already ran.
    pub async fn setup(
        &self,
        actor: &Actor,
        provider_name: &str,
        admin: NewUser,
    ) -> Result<(Provider, User), StoreError> {
        let mut tx = self.begin_write().await?;
        let (count,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM providers")
            .fetch_one(&mut *tx)
            .await?;
        if count > 0 {
            return Err(StoreError::AlreadySetUp);
        }
        let provider = Provider {
            // A fixed key: a second, concurrent setup collides here and fails.
            id: "provider".to_owned(),
            name: provider_name.trim().to_owned(),
        };
        sqlx::query("INSERT INTO providers (id, name, created_at) VALUES ($1, $2, $3)")
            .bind(&provider.id)
            .bind(&provider.name)
            .bind(now())
            .execute(&mut *tx)
            .await
            .map_err(|e| match &e {
                sqlx::Error::Database(db) if db.is_unique_violation() => StoreError::AlreadySetUp,
                _ => StoreError::Database(e),
            })?;
        let user = insert_user(&mut tx, admin).await?;
        record(
            &mut *tx,
            actor,
            AuditAction::SetupCompleted,
            None,
            Some(&provider.name),
        )
        .await?;
        tx.commit().await?;
        Ok((provider, user))
    }
}
