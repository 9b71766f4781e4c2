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
