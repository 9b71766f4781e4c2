//! Browser sessions. Hand-written rather than tower-sessions because its sqlx stores target an
//! older sqlx and neither backend-neutral; a session here is one row in our own store, found by
//! the digest of the cookie value, with a per-session CSRF token.

use mamori_model::User;

use crate::secrets::{digest, random_token};
use crate::{Store, StoreError, now};

/// An active browser session.
#[derive(Debug, Clone)]
pub struct Session {
    /// The token forms must echo back (synchroniser-token CSRF protection).
    pub csrf_token: String,
    /// When the session ends, seconds since the Unix epoch.
    pub expires_at: i64,
}

impl Store {
    /// Starts a session for `user_id`; returns the cookie value (shown once, stored hashed).
    pub async fn create_session(
        &self,
        user_id: &str,
        lifetime_secs: i64,
    ) -> Result<(String, Session), StoreError> {
        let token = random_token("s_");
        let session = Session {
            csrf_token: random_token(""),
            expires_at: now() + lifetime_secs,
        };
        sqlx::query(
            "INSERT INTO sessions (id_hash, user_id, csrf_token, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(digest(&token))
        .bind(user_id)
        .bind(&session.csrf_token)
        .bind(now())
        .bind(session.expires_at)
        .execute(&self.pool)
        .await?;
        Ok((token, session))
    }

    /// The signed-in user behind a session cookie, if the session is live and the user enabled.
    pub async fn session_user(&self, token: &str) -> Result<Option<(User, Session)>, StoreError> {
        let row: Option<(String, String, i64)> = sqlx::query_as(
            "SELECT user_id, csrf_token, expires_at FROM sessions WHERE id_hash = $1 AND expires_at > $2",
        )
        .bind(digest(token))
        .bind(now())
        .fetch_optional(&self.pool)
        .await?;
        let Some((user_id, csrf_token, expires_at)) = row else {
            return Ok(None);
        };
        Ok(self
            .user_by_id(&user_id)
            .await?
            .filter(|u| !u.disabled)
            .map(|u| {
                (
                    u,
                    Session {
                        csrf_token,
                        expires_at,
                    },
                )
            }))
    }

    /// Ends one session (sign-out).
    pub async fn delete_session(&self, token: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM sessions WHERE id_hash = $1")
            .bind(digest(token))
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Removes expired sessions and stale sign-in failures; run periodically.
    pub async fn purge_expired(&self, failure_window_secs: i64) -> Result<u64, StoreError> {
        let sessions = sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
            .bind(now())
            .execute(&self.pool)
            .await?;
        let failures = sqlx::query("DELETE FROM login_failures WHERE at <= $1")
            .bind(now() - failure_window_secs)
            .execute(&self.pool)
            .await?;
        Ok(sessions.rows_affected() + failures.rows_affected())
    }
}
