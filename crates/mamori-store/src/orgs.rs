//! Client organisations, always read through a [`Scope`].

use mamori_model::{EmployeeBand, Industry, Organisation, Scope};

use crate::audit::{Actor, AuditAction, record};
use crate::error::InvalidInput;
use crate::users::normalise_email;
use sqlx::AssertSqlSafe;

use crate::{Store, StoreError, new_id, now};

/// What is needed to create or update an organisation.
#[derive(Debug, Clone)]
pub struct NewOrganisation {
    /// Company name.
    pub name: String,
    /// JSIC division.
    pub industry: Industry,
    /// Headcount band.
    pub employees: EmployeeBand,
    /// Contact address at the company.
    pub contact_email: String,
}

impl NewOrganisation {
    fn validated(self) -> Result<Self, StoreError> {
        let name = self.name.trim().to_owned();
        if name.is_empty() {
            return Err(StoreError::Invalid(InvalidInput::NameRequired));
        }
        Ok(NewOrganisation {
            name,
            // The contact address may be filled in later; when given it must be valid.
            contact_email: match self.contact_email.trim() {
                "" => String::new(),
                given => normalise_email(given)?,
            },
            ..self
        })
    }
}

const ORG_COLUMNS: &str = "id, name, industry, employee_band, contact_email, created_at";

type OrgRow = (String, String, String, String, String, i64);

fn org_from_row(row: OrgRow) -> Result<Organisation, StoreError> {
    let (id, name, industry, band, contact_email, created_at) = row;
    Ok(Organisation {
        id,
        name,
        industry: industry
            .parse()
            .map_err(|e| StoreError::corrupt("organisations.industry", e))?,
        employees: band
            .parse()
            .map_err(|e| StoreError::corrupt("organisations.employee_band", e))?,
        contact_email,
        created_at,
    })
}

impl Store {
    /// Creates a client organisation and records who did it.
    pub async fn create_org(
        &self,
        actor: &Actor,
        new: NewOrganisation,
    ) -> Result<Organisation, StoreError> {
        let new = new.validated()?;
        let org = Organisation {
            id: new_id(),
            name: new.name,
            industry: new.industry,
            employees: new.employees,
            contact_email: new.contact_email,
            created_at: now(),
        };
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO organisations (id, name, industry, employee_band, contact_email, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $6)",
        )
        .bind(&org.id)
        .bind(&org.name)
        .bind(org.industry.to_string())
        .bind(org.employees.as_str())
        .bind(&org.contact_email)
        .bind(org.created_at)
        .execute(&mut *tx)
        .await?;
        record(
            &mut *tx,
            actor,
            AuditAction::OrgCreated,
            Some(&org.id),
            Some(&org.name),
        )
        .await?;
        tx.commit().await?;
        Ok(org)
    }

    /// Changes an organisation's details, if `scope` may see it.
    pub async fn update_org(
        &self,
        actor: &Actor,
        scope: &Scope,
        id: &str,
        changes: NewOrganisation,
    ) -> Result<Organisation, StoreError> {
        if !scope.permits(id) {
            return Err(StoreError::NotFound);
        }
        let changes = changes.validated()?;
        let mut tx = self.begin_write().await?;
        let updated = sqlx::query(
            "UPDATE organisations SET name = $1, industry = $2, employee_band = $3, contact_email = $4, updated_at = $5
             WHERE id = $6",
        )
        .bind(&changes.name)
        .bind(changes.industry.to_string())
        .bind(changes.employees.as_str())
        .bind(&changes.contact_email)
        .bind(now())
        .bind(id)
        .execute(&mut *tx)
        .await?;
        if updated.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        record(
            &mut *tx,
            actor,
            AuditAction::OrgUpdated,
            Some(id),
            Some(&changes.name),
        )
        .await?;
        tx.commit().await?;
        self.org(scope, id).await?.ok_or(StoreError::NotFound)
    }

    /// Every organisation `scope` may see, by name.
    pub async fn orgs(&self, scope: &Scope) -> Result<Vec<Organisation>, StoreError> {
        let rows: Vec<OrgRow> = sqlx::query_as(AssertSqlSafe(format!(
            "SELECT {ORG_COLUMNS} FROM organisations WHERE ($1 IS NULL OR id = $1) ORDER BY name, id"
        )))
        .bind(scope.only_org())
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(org_from_row).collect()
    }

    /// One organisation, or `None` when it does not exist or `scope` may not see it.
    pub async fn org(&self, scope: &Scope, id: &str) -> Result<Option<Organisation>, StoreError> {
        if !scope.permits(id) {
            return Ok(None);
        }
        let row: Option<OrgRow> = sqlx::query_as(AssertSqlSafe(format!(
            "SELECT {ORG_COLUMNS} FROM organisations WHERE id = $1"
        )))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        row.map(org_from_row).transpose()
    }
}
