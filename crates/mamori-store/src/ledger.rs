//! The write path the organisation's ledgers share (information assets, lines of the risk
//! analysis sheet, devices): a row is written and audited in one transaction, and removed
//! with the rows that hang off it, always within the organisation.

use sqlx::{Any, AssertSqlSafe, Transaction};

use crate::audit::{Actor, AuditAction, record};
use crate::tenant::OrgStore;
use crate::{StoreError, new_id};

impl OrgStore {
    /// Starts writing one ledger row: its id (`id`, or a new one when `id` is empty) and
    /// the transaction to write it in. (A closure taking the transaction would read better,
    /// but its future could not be proved `Send` for the web handlers.)
    pub(crate) async fn open_row(
        &self,
        id: &str,
    ) -> Result<(String, Transaction<'static, Any>), StoreError> {
        let id = if id.is_empty() {
            new_id()
        } else {
            id.to_owned()
        };
        Ok((id, self.store.begin_write().await?))
    }

    /// Finishes a ledger row written in `tx`: a row count of 0 means the organisation has
    /// no row of that id ([`StoreError::NotFound`], nothing kept); otherwise the audit record
    /// `action` about `target` is added and everything committed.
    pub(crate) async fn close_row(
        &self,
        mut tx: Transaction<'static, Any>,
        written: u64,
        actor: &Actor,
        action: AuditAction,
        target: &str,
    ) -> Result<(), StoreError> {
        if written == 0 {
            return Err(StoreError::NotFound);
        }
        record(&mut *tx, actor, action, Some(self.id()), Some(target)).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Removes the organisation's rows keyed `id` from each `(table, column)` in order (the
    /// rows hanging off a ledger row first, the row itself last) with the audit record
    /// `action` about `target`, in one transaction.
    pub(crate) async fn remove_rows(
        &self,
        actor: &Actor,
        action: AuditAction,
        target: &str,
        id: &str,
        rows: &[(&str, &str)],
    ) -> Result<(), StoreError> {
        let mut tx = self.store.begin_write().await?;
        for (table, column) in rows {
            sqlx::query(AssertSqlSafe(format!(
                "DELETE FROM {table} WHERE org_id = $1 AND {column} = $2"
            )))
            .bind(self.id())
            .bind(id)
            .execute(&mut *tx)
            .await?;
        }
        record(&mut *tx, actor, action, Some(self.id()), Some(target)).await?;
        tx.commit().await?;
        Ok(())
    }
}
