//! SECURITY ACTION declarations as the company records them: it declared one or two stars on
//! IPA's site on a given day. Whether it was ready to is the catalog's question; the store
//! keeps what the company said.

use mamori_model::Scope;
use serde::Serialize;

use crate::audit::{Actor, AuditAction, record};
use crate::error::InvalidInput;
use crate::tenant::Declarations;
use crate::{Store, StoreError, now};

/// A company's record of its declaration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Declaration {
    /// The organisation.
    pub org_id: String,
    /// One or two stars.
    pub stars: i64,
    /// The day it declared, `YYYY-MM-DD`.
    pub declared_on: String,
    /// When it was recorded in mamori.
    pub recorded_at: i64,
}

type Row = (String, i64, String, i64);

fn from_row((org_id, stars, declared_on, recorded_at): Row) -> Declaration {
    Declaration {
        org_id,
        stars,
        declared_on,
        recorded_at,
    }
}

impl Declarations<'_> {
    /// The organisation's declaration, if it recorded one.
    pub async fn get(&self) -> Result<Option<Declaration>, StoreError> {
        let row: Option<Row> = sqlx::query_as(
            "SELECT org_id, stars, declared_on, recorded_at FROM security_action_declarations
             WHERE org_id = $1",
        )
        .bind(self.org.id())
        .fetch_optional(&self.org.store.pool)
        .await?;
        Ok(row.map(from_row))
    }

    /// Records that the organisation declared `stars` (1 or 2) on `declared_on`, replacing an
    /// earlier record (a company that moves from one star to two declares again).
    pub async fn record(
        &self,
        actor: &Actor,
        stars: i64,
        declared_on: chrono::NaiveDate,
    ) -> Result<Declaration, StoreError> {
        if !(1..=2).contains(&stars) {
            return Err(StoreError::Invalid(InvalidInput::StarsInvalid));
        }
        let org_id = self.org.id();
        let on = declared_on.format("%Y-%m-%d").to_string();
        let mut tx = self.org.store.begin_write().await?;
        sqlx::query(
            "INSERT INTO security_action_declarations (org_id, stars, declared_on, recorded_by,
                 recorded_at) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (org_id) DO UPDATE SET stars = $2, declared_on = $3, recorded_by = $4,
                 recorded_at = $5",
        )
        .bind(org_id)
        .bind(stars)
        .bind(&on)
        .bind(actor.user_id.as_deref())
        .bind(now())
        .execute(&mut *tx)
        .await?;
        let target = format!("{stars}: {on}");
        record(
            &mut *tx,
            actor,
            AuditAction::SecurityActionDeclared,
            Some(org_id),
            Some(&target),
        )
        .await?;
        tx.commit().await?;
        self.get().await?.ok_or(StoreError::NotFound)
    }
}

impl Store {
    /// Declarations of every organisation visible in `scope`: the console's list.
    pub async fn declarations(&self, scope: &Scope) -> Result<Vec<Declaration>, StoreError> {
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT org_id, stars, declared_on, recorded_at FROM security_action_declarations
             WHERE ($1 IS NULL OR org_id = $1) ORDER BY org_id",
        )
        .bind(scope.only_org())
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(from_row).collect())
    }
}
