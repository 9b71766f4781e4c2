//! API tokens for scripts and integrations (`Authorization: Bearer …`), stored as digests.

use mamori_model::User;
use serde::Serialize;

use crate::audit::{Actor, AuditAction, record};
use crate::error::InvalidInput;
use crate::secrets::{digest, random_token};
use crate::{Store, StoreError, new_id, now};

/// A token as listed to its owner (never the secret itself).
#[derive(Debug, Clone, Serialize)]
pub struct ApiToken {
    /// Identifier, used to revoke it.
    pub id: String,
    /// What the owner called it.
    pub name: String,
    /// Creation time.
    pub created_at: i64,
    /// Last time it was used, if ever.
    pub last_used_at: Option<i64>,
}

/// How precisely "last used" is kept: a token's use is written at most once a minute.
pub const TOKEN_USE_RESOLUTION_SECS: i64 = 60;

impl Store {
    /// Creates a token for `user`; returns its listing and the secret, shown only this once.
    pub async fn create_token(
        &self,
        actor: &Actor,
        user: &User,
        name: &str,
    ) -> Result<(ApiToken, String), StoreError> {
        let name = name.trim();
        if name.is_empty() {
            return Err(StoreError::Invalid(InvalidInput::NameRequired));
        }
        let secret = random_token("mmr_");
        let token = ApiToken {
            id: new_id(),
            name: name.to_owned(),
            created_at: now(),
            last_used_at: None,
        };
        let mut tx = self.begin_write().await?;
        sqlx::query("INSERT INTO api_tokens (id, user_id, name, token_hash, created_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(&token.id)
            .bind(&user.id)
            .bind(&token.name)
            .bind(digest(&secret))
            .bind(token.created_at)
            .execute(&mut *tx)
            .await?;
        record(
            &mut *tx,
            actor,
            AuditAction::TokenCreated,
            user.org_id.as_deref(),
            Some(&user.email),
        )
        .await?;
        tx.commit().await?;
        Ok((token, secret))
    }

    /// The enabled user a bearer token belongs to; notes when it was used.
    pub async fn token_user(&self, secret: &str) -> Result<Option<User>, StoreError> {
        let hash = digest(secret);
        let row: Option<(String, Option<i64>)> =
            sqlx::query_as("SELECT user_id, last_used_at FROM api_tokens WHERE token_hash = $1")
                .bind(&hash)
                .fetch_optional(&self.pool)
                .await?;
        let Some((user_id, last_used_at)) = row else {
            return Ok(None);
        };
        let at = now();
        if last_used_at.is_none_or(|last| last <= at - TOKEN_USE_RESOLUTION_SECS) {
            // Off the request's path: under load, a write per API call queued every reader
            // behind the database's write lock.
            let store = self.clone();
            let secret = secret.to_owned();
            tokio::spawn(async move {
                if let Err(e) = store.record_token_use(&secret, at).await {
                    tracing::warn!(error = %e, "cannot record when an API token was used");
                }
            });
        }
        Ok(self.user_by_id(&user_id).await?.filter(|u| !u.disabled))
    }

    /// Records that the token `secret` was used at `at`, unless that was already recorded
    /// within [`TOKEN_USE_RESOLUTION_SECS`]; true when it wrote.
    pub async fn record_token_use(&self, secret: &str, at: i64) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE api_tokens SET last_used_at = $1
             WHERE token_hash = $2 AND (last_used_at IS NULL OR last_used_at <= $3)",
        )
        .bind(at)
        .bind(digest(secret))
        .bind(at - TOKEN_USE_RESOLUTION_SECS)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() > 0)
    }

    /// The tokens a user holds.
    pub async fn tokens_of(&self, user_id: &str) -> Result<Vec<ApiToken>, StoreError> {
        let rows: Vec<(String, String, i64, Option<i64>)> = sqlx::query_as(
            "SELECT id, name, created_at, last_used_at FROM api_tokens WHERE user_id = $1 ORDER BY created_at DESC",
        )
        .bind(user_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(id, name, created_at, last_used_at)| ApiToken {
                id,
                name,
                created_at,
                last_used_at,
            })
            .collect())
    }

    /// Revokes one of `user`'s tokens.
    pub async fn revoke_token(
        &self,
        actor: &Actor,
        user: &User,
        token_id: &str,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        let done = sqlx::query("DELETE FROM api_tokens WHERE id = $1 AND user_id = $2")
            .bind(token_id)
            .bind(&user.id)
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        record(
            &mut *tx,
            actor,
            AuditAction::TokenRevoked,
            user.org_id.as_deref(),
            Some(&user.email),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}
