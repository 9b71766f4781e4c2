//! Sign-in rate limiting per account and per network address. Failures are rows in the store,
//! so limits hold across restarts and across several web nodes.

use crate::{Store, StoreError, now};

/// How many failed sign-ins are tolerated within a window before further attempts are refused.
#[derive(Debug, Clone, Copy)]
pub struct LoginLimits {
    /// Length of the counting window in seconds.
    pub window_secs: i64,
    /// Failures allowed per e-mail address within the window.
    pub per_account: i64,
    /// Failures allowed per network address within the window.
    pub per_address: i64,
}

impl Default for LoginLimits {
    fn default() -> Self {
        LoginLimits {
            window_secs: 15 * 60,
            per_account: 5,
            per_address: 20,
        }
    }
}

fn account_key(email: &str) -> String {
    format!("account:{}", email.trim().to_lowercase())
}

fn address_key(address: &str) -> String {
    format!("address:{address}")
}

impl Store {
    /// Whether sign-in for `email` from `address` must be refused for now. The answer does
    /// not depend on whether the account exists.
    pub async fn login_blocked(
        &self,
        limits: &LoginLimits,
        email: &str,
        address: &str,
    ) -> Result<bool, StoreError> {
        let since = now() - limits.window_secs;
        let count = |key: String| {
            let pool = self.pool.clone();
            async move {
                let (n,): (i64,) = sqlx::query_as(
                    "SELECT COUNT(*) FROM login_failures WHERE key = $1 AND at > $2",
                )
                .bind(key)
                .bind(since)
                .fetch_one(&pool)
                .await?;
                Ok::<i64, StoreError>(n)
            }
        };
        Ok(count(account_key(email)).await? >= limits.per_account
            || count(address_key(address)).await? >= limits.per_address)
    }

    /// Counts one failed sign-in against the account and the address.
    pub async fn record_login_failure(&self, email: &str, address: &str) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        for key in [account_key(email), address_key(address)] {
            sqlx::query("INSERT INTO login_failures (key, at) VALUES ($1, $2)")
                .bind(key)
                .bind(now())
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Forgets an account's failures after a successful sign-in.
    pub async fn clear_login_failures(&self, email: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM login_failures WHERE key = $1")
            .bind(account_key(email))
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
