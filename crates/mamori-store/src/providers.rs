//! The provider: the company that runs this mamori for its clients. Exactly one exists after
//! first-run setup.

use serde::{Deserialize, Serialize};

use crate::audit::{Actor, AuditAction, record};
use crate::users::{NewUser, insert_user};
use crate::{Store, StoreError, now};
use mamori_model::{ResponseTargets, User};

/// The company running the deployment.
#[derive(Debug, Clone, Serialize)]
pub struct Provider {
    /// Identifier.
    pub id: String,
    /// Name shown in the console and on reports.
    pub name: String,
    /// The consultation desk, once an administrator has set it.
    pub desk: Option<Desk>,
    /// The provider's likelihood table for risk analysis (rows: threat level 1-3, columns:
    /// vulnerability 1-3), once an administrator has set one; checked by `mamori-risk`.
    pub likelihood: Option<[[u8; 3]; 3]>,
}

/// The provider's consultation desk (相談窓口): who a client company calls or writes to when
/// something looks wrong, shown wherever mamori tells it to get in touch.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Desk {
    /// The desk's name, e.g. 「守りサービス セキュリティ相談窓口」.
    pub name: String,
    /// Phone number during opening hours.
    #[serde(default)]
    pub phone: String,
    /// E-mail address.
    #[serde(default)]
    pub email: String,
    /// Opening hours in words, e.g. 「平日 9:00〜18:00」.
    #[serde(default)]
    pub hours: String,
    /// Number for emergencies outside opening hours.
    #[serde(default)]
    pub after_hours_phone: String,
    /// How soon the desk promises a first answer to a consultation, by urgency.
    #[serde(default)]
    pub targets: ResponseTargets,
}

impl Desk {
    /// The ways to reach the desk that are set, in the order people try them, each with a
    /// stable key (`phone`, `email`, `hours`, `after_hours`) that wording files name.
    pub fn ways(&self) -> Vec<(&'static str, &str)> {
        [
            ("phone", self.phone.as_str()),
            ("email", self.email.as_str()),
            ("hours", self.hours.as_str()),
            ("after_hours", self.after_hours_phone.as_str()),
        ]
        .into_iter()
        .filter(|(_, value)| !value.is_empty())
        .collect()
    }

    /// The same desk with every field trimmed.
    fn trimmed(&self) -> Desk {
        let t = |s: &str| s.trim().to_owned();
        Desk {
            name: t(&self.name),
            phone: t(&self.phone),
            email: t(&self.email),
            hours: t(&self.hours),
            after_hours_phone: t(&self.after_hours_phone),
            targets: self.targets,
        }
    }
}

impl Store {
    /// Sets the consultation desk (provider administrators; the caller checks). A desk needs
    /// a name and a way to reach it: a phone number or an e-mail address.
    pub async fn set_desk(&self, actor: &Actor, desk: &Desk) -> Result<Desk, StoreError> {
        let mut desk = desk.trimmed();
        if desk.name.is_empty() || (desk.phone.is_empty() && desk.email.is_empty()) {
            return Err(StoreError::Invalid(crate::InvalidInput::DeskIncomplete));
        }
        if !desk.email.is_empty() {
            desk.email = crate::users::normalise_email(&desk.email)?;
        }
        let text = serde_json::to_string(&desk).map_err(|e| StoreError::corrupt("desk", e))?;
        let mut tx = self.begin_write().await?;
        let done = sqlx::query("UPDATE providers SET desk = $1")
            .bind(&text)
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 0 {
            // Before first-run setup there is no provider to hold a desk.
            return Err(StoreError::NotFound);
        }
        record(
            &mut *tx,
            actor,
            AuditAction::DeskChanged,
            None,
            Some(&desk.name),
        )
        .await?;
        tx.commit().await?;
        Ok(desk)
    }

    /// The provider with its consultation desk, or `None` before first-run setup.
    pub async fn provider(&self) -> Result<Option<Provider>, StoreError> {
        let row: Option<(String, String, Option<String>, Option<String>)> = sqlx::query_as(
            "SELECT id, name, desk, likelihood FROM providers ORDER BY created_at LIMIT 1",
        )
        .fetch_optional(&self.pool)
        .await?;
        let Some((id, name, desk, likelihood)) = row else {
            return Ok(None);
        };
        let desk = desk
            .map(|text| serde_json::from_str(&text))
            .transpose()
            .map_err(|e| StoreError::corrupt("providers.desk", e))?;
        let likelihood = likelihood
            .map(|text| serde_json::from_str(&text))
            .transpose()
            .map_err(|e| StoreError::corrupt("providers.likelihood", e))?;
        Ok(Some(Provider {
            id,
            name,
            desk,
            likelihood,
        }))
    }

    /// Keeps the provider's likelihood table (checked by the caller), or `None` to go back to
    /// mamori's default. [`StoreError::NotFound`] before first-run setup.
    pub async fn set_likelihood(
        &self,
        actor: &Actor,
        table: Option<[[u8; 3]; 3]>,
    ) -> Result<(), StoreError> {
        let text = table
            .map(|t| serde_json::to_string(&t))
            .transpose()
            .map_err(|e| StoreError::corrupt("likelihood", e))?;
        let mut tx = self.begin_write().await?;
        let done = sqlx::query("UPDATE providers SET likelihood = $1")
            .bind(text.as_deref())
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        let target = text.unwrap_or_default();
        record(
            &mut *tx,
            actor,
            AuditAction::LikelihoodChanged,
            None,
            Some(&target),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// First-run setup: creates the provider and its first administrator in one transaction.
    /// Fails with [`StoreError::AlreadySetUp`] if setup already ran.
    pub async fn setup(
        &self,
        actor: &Actor,
        provider_name: &str,
        admin: NewUser,
    ) -> Result<(Provider, User), StoreError> {
        let mut tx = self.begin_write().await?;
        let (count,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM providers")
            .fetch_one(&mut *tx)
            .await?;
        if count > 0 {
            return Err(StoreError::AlreadySetUp);
        }
        let provider = Provider {
            // A fixed key: a second, concurrent setup collides here and fails.
            id: "provider".to_owned(),
            name: provider_name.trim().to_owned(),
            desk: None,
            likelihood: None,
        };
        sqlx::query("INSERT INTO providers (id, name, created_at) VALUES ($1, $2, $3)")
            .bind(&provider.id)
            .bind(&provider.name)
            .bind(now())
            .execute(&mut *tx)
            .await
            .map_err(|e| match &e {
                sqlx::Error::Database(db) if db.is_unique_violation() => StoreError::AlreadySetUp,
                _ => StoreError::Database(e),
            })?;
        let user = insert_user(&mut tx, admin).await?;
        record(
            &mut *tx,
            actor,
            AuditAction::SetupCompleted,
            None,
            Some(&provider.name),
        )
        .await?;
        tx.commit().await?;
        Ok((provider, user))
    }
}
