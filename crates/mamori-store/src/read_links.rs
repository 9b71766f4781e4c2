//! Personal one-time links for the handbook's name list: someone without an account opens
//! the link, reads the current handbook and confirms it, once. Only the link's digest is
//! kept; a new link for the same person replaces the old one.

use crate::audit::{Actor, AuditAction, record};
use crate::secrets::{digest, random_token};
use crate::tenant::Documents;
use crate::{Store, StoreError, now};

/// A live link, as the reading page needs it.
#[derive(Debug, Clone)]
pub struct ReadLink {
    /// The organisation whose handbook it is.
    pub org_id: String,
    /// The reader's key (`name:<id>`).
    pub reader_key: String,
    /// The reader's name.
    pub reader_name: String,
    /// The handbook version to read and confirm.
    pub version_id: String,
    /// When the link stops working.
    pub expires_at: i64,
}

impl Documents<'_> {
    /// Makes a link for `reader_key` (a name on the organisation's list) to confirm handbook
    /// version `version_id` of the organisation; returns the token for the URL (shown only
    /// once). Earlier unused links of the same person stop working.
    pub async fn create_read_link(
        &self,
        actor: &Actor,
        reader_key: &str,
        version_id: &str,
        lifetime_secs: i64,
    ) -> Result<String, StoreError> {
        let org_id = self.org.id();
        let reader_id = reader_key
            .strip_prefix("name:")
            .ok_or(StoreError::NotFound)?;
        let name: Option<String> =
            sqlx::query_scalar("SELECT name FROM handbook_readers WHERE org_id = $1 AND id = $2")
                .bind(org_id)
                .bind(reader_id)
                .fetch_optional(&self.org.store.pool)
                .await?;
        let name = name.ok_or(StoreError::NotFound)?;
        let version = self.version(version_id).await?;
        if version.is_none_or(|v| v.kind != "handbook") {
            return Err(StoreError::NotFound);
        }
        let token = random_token("");
        let mut tx = self.org.store.begin_write().await?;
        sqlx::query(
            "UPDATE handbook_read_links SET used_at = $1
             WHERE org_id = $2 AND reader_id = $3 AND used_at IS NULL",
        )
        .bind(now())
        .bind(org_id)
        .bind(reader_id)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO handbook_read_links (token_hash, org_id, reader_id, version_id, created_at, expires_at)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(digest(&token))
        .bind(org_id)
        .bind(reader_id)
        .bind(version_id)
        .bind(now())
        .bind(now() + lifetime_secs)
        .execute(&mut *tx)
        .await?;
        let action = AuditAction::DocumentsReadLinkCreated;
        record(&mut *tx, actor, action, Some(org_id), Some(&name)).await?;
        tx.commit().await?;
        Ok(token)
    }
}

impl Store {
    /// The live link `token` names: unused, not expired, its person still on the list.
    pub async fn read_link(&self, token: &str) -> Result<Option<ReadLink>, StoreError> {
        let row: Option<(String, String, String, String, i64)> = sqlx::query_as(
            "SELECT l.org_id, l.reader_id, r.name, l.version_id, l.expires_at
             FROM handbook_read_links l
             JOIN handbook_readers r ON r.id = l.reader_id AND r.org_id = l.org_id
             WHERE l.token_hash = $1 AND l.used_at IS NULL AND l.expires_at > $2",
        )
        .bind(digest(token))
        .bind(now())
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(
            |(org_id, reader_id, reader_name, version_id, expires_at)| ReadLink {
                org_id,
                reader_key: format!("name:{reader_id}"),
                reader_name,
                version_id,
                expires_at,
            },
        ))
    }

    /// Uses up link `token`: it opens nothing afterwards. `false` when it was not live.
    pub async fn use_read_link(&self, token: &str) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE handbook_read_links SET used_at = $1
             WHERE token_hash = $2 AND used_at IS NULL AND expires_at > $1",
        )
        .bind(now())
        .bind(digest(token))
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }
}
