//! Which node of a cluster runs a part that must run once (alerting, the report schedule):
//! the one holding a PostgreSQL advisory lock on a connection of its own. The lock lasts as
//! long as that connection, so when the node dies — even by `kill -9` — PostgreSQL lets it go
//! at once and another node can take it. The store only holds the lock; which parts need one
//! is decided by whoever runs them.

use sqlx::AnyConnection;
use sqlx::Connection;

use crate::{Backend, Store, StoreError};

/// The lock on one part while this node runs it; dropping it lets the part go.
pub struct Leadership {
    /// The connection holding the lock; `None` on SQLite, where one node runs everything.
    connection: Option<AnyConnection>,
}

impl Leadership {
    /// Whether the lock is still held: its connection still answers.
    pub async fn holds(&mut self) -> bool {
        match &mut self.connection {
            Some(connection) => connection.ping().await.is_ok(),
            None => true,
        }
    }

    /// Lets the part go now.
    pub async fn release(mut self) {
        if let Some(connection) = self.connection.take()
            && let Err(e) = connection.close().await
        {
            tracing::debug!(error = %e, "closing a leadership connection failed");
        }
    }
}

impl Store {
    /// Takes the lock `key` when no other node holds it (`None` when one does). On SQLite,
    /// which only one node uses, the lock is always this node's.
    pub async fn try_lead(&self, key: i64) -> Result<Option<Leadership>, StoreError> {
        if self.backend != Backend::Postgres {
            return Ok(Some(Leadership { connection: None }));
        }
        let mut connection = self.pool.acquire().await?.detach();
        let (taken,): (bool,) = sqlx::query_as("SELECT pg_try_advisory_lock($1)")
            .bind(key)
            .fetch_one(&mut connection)
            .await?;
        if taken {
            Ok(Some(Leadership {
                connection: Some(connection),
            }))
        } else {
            connection.close().await?;
            Ok(None)
        }
    }
}

/// Locks held on one connection of a node's own: a cluster's detect node keeps its
/// membership and the partitions it owns this way, taking and letting go of them one by one
/// while it runs. Like [`Leadership`], everything it holds goes when the node dies.
pub struct LockSession {
    /// `None` on SQLite, where one node holds everything.
    connection: Option<AnyConnection>,
}

impl LockSession {
    /// Takes lock `key` when no other session holds it.
    pub async fn try_lock(&mut self, key: i64) -> Result<bool, StoreError> {
        let Some(connection) = &mut self.connection else {
            return Ok(true);
        };
        let (taken,): (bool,) = sqlx::query_as("SELECT pg_try_advisory_lock($1)")
            .bind(key)
            .fetch_one(connection)
            .await?;
        Ok(taken)
    }

    /// Lets lock `key` go.
    pub async fn unlock(&mut self, key: i64) -> Result<(), StoreError> {
        if let Some(connection) = &mut self.connection {
            sqlx::query("SELECT pg_advisory_unlock($1)")
                .bind(key)
                .execute(connection)
                .await?;
        }
        Ok(())
    }

    /// How many of the locks from `low` to `high` (inclusive) any session holds.
    pub async fn held_between(&mut self, low: i64, high: i64) -> Result<i64, StoreError> {
        let Some(connection) = &mut self.connection else {
            return Ok(1);
        };
        // A lock on a bigint key shows in pg_locks as its high and low halves.
        let (held,): (i64,) = sqlx::query_as(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted
               AND objsubid = 1 AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
               AND ((classid::bigint << 32) | objid::bigint) BETWEEN $1 AND $2",
        )
        .bind(low)
        .bind(high)
        .fetch_one(connection)
        .await?;
        Ok(held)
    }

    /// Whether the session's connection still answers (its locks are still held).
    pub async fn holds(&mut self) -> bool {
        match &mut self.connection {
            Some(connection) => connection.ping().await.is_ok(),
            None => true,
        }
    }
}

impl Store {
    /// A new lock session on a connection of its own.
    pub async fn lock_session(&self) -> Result<LockSession, StoreError> {
        let connection = match self.backend {
            Backend::Postgres => Some(self.pool.acquire().await?.detach()),
            Backend::Sqlite => None,
        };
        Ok(LockSession { connection })
    }
}
