//! Sign-in rate limiting per account and per network address. Failures are rows in the store,
//! so limits hold across restarts and across several web nodes.

use crate::{Store, StoreError, now};

/// How many failed sign-ins are tolerated before further attempts are refused. Failures are
/// counted per account *and* address, so an attacker elsewhere cannot lock the real user out;
/// per address over a longer window, so one machine cannot try many accounts; and per account
/// from all addresses together, a higher limit that never applies at an address the account
/// has signed in from before, so the provider's administrator can always get in from the
/// office during an incident.
#[derive(Debug, Clone, Copy)]
pub struct LoginLimits {
    /// Length of the window for the per-account counts, in seconds.
    pub window_secs: i64,
    /// Failures allowed for one account from one address within the window.
    pub per_account: i64,
    /// Failures allowed for one account from all addresses within the window, except at
    /// addresses it has signed in from before.
    pub per_account_anywhere: i64,
    /// Length of the window for the per-address count, in seconds.
    pub address_window_secs: i64,
    /// Failures allowed per network address (any accounts) within its window.
    pub per_address: i64,
}

impl Default for LoginLimits {
    fn default() -> Self {
        LoginLimits {
            window_secs: 15 * 60,
            per_account: 5,
            per_account_anywhere: 30,
            address_window_secs: 60 * 60,
            per_address: 30,
        }
    }
}

impl LoginLimits {
    /// How long failures must be kept to answer every count.
    pub fn longest_window(&self) -> i64 {
        self.window_secs.max(self.address_window_secs)
    }
}

fn account(email: &str) -> String {
    email.trim().to_lowercase()
}

fn account_key(email: &str) -> String {
    format!("account:{}", account(email))
}

fn pair_key(email: &str, address: &str) -> String {
    format!("pair:{}|{address}", account(email))
}

fn address_key(address: &str) -> String {
    format!("address:{address}")
}

impl Store {
    /// Failures recorded under `key` after `since`.
    async fn failures(&self, key: String, since: i64) -> Result<i64, StoreError> {
        let (n,): (i64,) =
            sqlx::query_as("SELECT COUNT(*) FROM login_failures WHERE key = $1 AND at > $2")
                .bind(key)
                .bind(since)
                .fetch_one(&self.pool)
                .await?;
        Ok(n)
    }

    /// Whether sign-in for `email` from `address` must be refused for now. The answer does
    /// not depend on whether the account exists.
    pub async fn login_blocked(
        &self,
        limits: &LoginLimits,
        email: &str,
        address: &str,
    ) -> Result<bool, StoreError> {
        let at = now();
        if self
            .failures(pair_key(email, address), at - limits.window_secs)
            .await?
            >= limits.per_account
            || self
                .failures(address_key(address), at - limits.address_window_secs)
                .await?
                >= limits.per_address
        {
            return Ok(true);
        }
        if self
            .failures(account_key(email), at - limits.window_secs)
            .await?
            < limits.per_account_anywhere
        {
            return Ok(false);
        }
        let known: Option<(i64,)> = sqlx::query_as(
            "SELECT last_at FROM login_known_addresses WHERE account = $1 AND address = $2",
        )
        .bind(account(email))
        .bind(address)
        .fetch_optional(&self.pool)
        .await?;
        Ok(known.is_none())
    }

    /// Counts one failed sign-in against the account at this address, the address, and the
    /// account everywhere.
    pub async fn record_login_failure(&self, email: &str, address: &str) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        for key in [
            pair_key(email, address),
            address_key(address),
            account_key(email),
        ] {
            sqlx::query("INSERT INTO login_failures (key, at) VALUES ($1, $2)")
                .bind(key)
                .bind(now())
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// After a successful sign-in: forgets the account's failures at this address and
    /// remembers the address as one the account is known at.
    pub async fn clear_login_failures(&self, email: &str, address: &str) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        sqlx::query("DELETE FROM login_failures WHERE key = $1")
            .bind(pair_key(email, address))
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO login_known_addresses (account, address, last_at) VALUES ($1, $2, $3)
             ON CONFLICT (account, address) DO UPDATE SET last_at = $3",
        )
        .bind(account(email))
        .bind(address)
        .bind(now())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }
}
