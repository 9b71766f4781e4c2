//! The provider's edits to the contacts directory. The published entries and the rules that
//! merge them live in `mamori-response`; this keeps what the provider changed or added.

use mamori_model::Contact;

use crate::audit::{AuditAction, record};
use crate::{Actor, Store, StoreError, now};

impl Store {
    /// The provider's edits, in the order they were first made.
    pub async fn contact_edits(&self) -> Result<Vec<Contact>, StoreError> {
        let rows: Vec<(String,)> =
            sqlx::query_as("SELECT entry FROM directory_contacts ORDER BY updated_at, key")
                .fetch_all(&self.pool)
                .await?;
        rows.into_iter()
            .map(|(text,)| {
                serde_json::from_str(&text)
                    .map_err(|e| StoreError::corrupt("directory_contacts", e))
            })
            .collect()
    }

    /// Keeps `contact` (checked by the caller) in place of the entry with its key.
    pub async fn save_contact(&self, actor: &Actor, contact: &Contact) -> Result<(), StoreError> {
        let text = serde_json::to_string(contact).map_err(|e| StoreError::corrupt("contact", e))?;
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO directory_contacts (key, entry, updated_at, updated_by) \
             VALUES ($1, $2, $3, $4) \
             ON CONFLICT (key) DO UPDATE SET entry = excluded.entry, \
             updated_at = directory_contacts.updated_at, updated_by = excluded.updated_by",
        )
        .bind(&contact.key)
        .bind(&text)
        .bind(now())
        .bind(&actor.label)
        .execute(&mut *tx)
        .await?;
        record(
            &mut *tx,
            actor,
            AuditAction::ContactSaved,
            None,
            Some(&contact.name_ja),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Drops the provider's edit of entry `key` (a published entry returns as published, an
    /// own entry is gone). [`StoreError::NotFound`] when there was no edit.
    pub async fn remove_contact_edit(&self, actor: &Actor, key: &str) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        let row: Option<(String,)> =
            sqlx::query_as("DELETE FROM directory_contacts WHERE key = $1 RETURNING entry")
                .bind(key)
                .fetch_optional(&mut *tx)
                .await?;
        let Some((text,)) = row else {
            return Err(StoreError::NotFound);
        };
        let name = serde_json::from_str::<Contact>(&text)
            .map(|c| c.name_ja)
            .unwrap_or_else(|_| key.to_owned());
        record(
            &mut *tx,
            actor,
            AuditAction::ContactEditRemoved,
            None,
            Some(&name),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}
