//! User accounts: creation, lookup, sign-in checks and password changes.

use mamori_model::{Role, User};
use sqlx::{Any, Transaction};

use crate::audit::{Actor, AuditAction, record};
use crate::error::InvalidInput;
use crate::secrets::{
    hash_password, password_is_acceptable, verify_against_nothing, verify_password,
};
use crate::tenant::Members;
use sqlx::AssertSqlSafe;

use crate::{Store, StoreError, new_id, now};

/// What is needed to create a user.
#[derive(Debug, Clone)]
pub struct NewUser {
    /// Sign-in address; stored in lower case.
    pub email: String,
    /// Name shown to others; the e-mail address is used when empty.
    pub display_name: String,
    /// The role to grant.
    pub role: Role,
    /// The organisation of an owner or staff member.
    pub org_id: Option<String>,
    /// The initial password, or `None` for an invitation the user completes.
    pub password: Option<String>,
}

/// Lower-cases and trims an e-mail address and checks its rough shape.
pub(crate) fn normalise_email(email: &str) -> Result<String, StoreError> {
    mamori_model::normal_email(email).ok_or(StoreError::Invalid(InvalidInput::Email))
}

const USER_COLUMNS: &str =
    "id, email, display_name, role, org_id, locale, password_hash, disabled, created_at";

type UserRow = (
    String,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    i64,
    i64,
);

fn user_from_row(row: UserRow) -> Result<(User, Option<String>), StoreError> {
    let (id, email, display_name, role, org_id, locale, password_hash, disabled, created_at) = row;
    let role: Role = role
        .parse()
        .map_err(|e| StoreError::corrupt("users.role", e))?;
    Ok((
        User {
            id,
            email,
            display_name,
            role,
            org_id,
            locale,
            has_password: password_hash.is_some(),
            disabled: disabled != 0,
            created_at,
        },
        password_hash,
    ))
}

/// Inserts a validated user inside an open transaction.
pub(crate) async fn insert_user(
    tx: &mut Transaction<'static, Any>,
    new: NewUser,
) -> Result<User, StoreError> {
    let email = normalise_email(&new.email)?;
    match (new.role.is_provider(), new.org_id.is_some()) {
        (true, true) => {
            return Err(StoreError::Invalid(
                InvalidInput::ProviderRoleWithOrganisation,
            ));
        }
        (false, false) => return Err(StoreError::Invalid(InvalidInput::RoleNeedsOrganisation)),
        _ => {}
    }
    if let Some(org_id) = &new.org_id {
        let found: Option<(String,)> = sqlx::query_as("SELECT id FROM organisations WHERE id = $1")
            .bind(org_id)
            .fetch_optional(&mut **tx)
            .await?;
        if found.is_none() {
            return Err(StoreError::Invalid(InvalidInput::RoleNeedsOrganisation));
        }
    }
    let password_hash = match &new.password {
        Some(p) if !password_is_acceptable(p) => {
            return Err(StoreError::Invalid(InvalidInput::PasswordTooShort));
        }
        Some(p) => Some(hash_password(p)?),
        None => None,
    };
    let display_name = match new.display_name.trim() {
        "" => email.clone(),
        name => name.to_owned(),
    };
    let user = User {
        id: new_id(),
        email,
        display_name,
        role: new.role,
        org_id: new.org_id,
        locale: None,
        has_password: password_hash.is_some(),
        disabled: false,
        created_at: now(),
    };
    sqlx::query(
        "INSERT INTO users (id, email, display_name, role, org_id, password_hash, disabled, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, 0, $7, $7)",
    )
    .bind(&user.id)
    .bind(&user.email)
    .bind(&user.display_name)
    .bind(user.role.as_str())
    .bind(user.org_id.as_deref())
    .bind(password_hash.as_deref())
    .bind(user.created_at)
    .execute(&mut **tx)
    .await
    .map_err(StoreError::from_user_insert)?;
    Ok(user)
}

impl Store {
    /// Creates a user and records who did it.
    pub async fn create_user(&self, actor: &Actor, new: NewUser) -> Result<User, StoreError> {
        let mut tx = self.begin_write().await?;
        let user = insert_user(&mut tx, new).await?;
        record(
            &mut *tx,
            actor,
            AuditAction::UserCreated,
            user.org_id.as_deref(),
            Some(&user.email),
        )
        .await?;
        tx.commit().await?;
        Ok(user)
    }

    /// The user with this id, whatever their state.
    pub async fn user_by_id(&self, id: &str) -> Result<Option<User>, StoreError> {
        let row: Option<UserRow> = sqlx::query_as(AssertSqlSafe(format!(
            "SELECT {USER_COLUMNS} FROM users WHERE id = $1"
        )))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| user_from_row(r).map(|(u, _)| u)).transpose()
    }

    /// The user with this e-mail address.
    pub async fn user_by_email(&self, email: &str) -> Result<Option<User>, StoreError> {
        Ok(self.user_and_hash(email).await?.map(|(u, _)| u))
    }

    async fn user_and_hash(
        &self,
        email: &str,
    ) -> Result<Option<(User, Option<String>)>, StoreError> {
        let email = email.trim().to_lowercase();
        let row: Option<UserRow> = sqlx::query_as(AssertSqlSafe(format!(
            "SELECT {USER_COLUMNS} FROM users WHERE email = $1"
        )))
        .bind(email)
        .fetch_optional(&self.pool)
        .await?;
        row.map(user_from_row).transpose()
    }

    /// Checks an e-mail address and password. Returns the user only for an enabled account
    /// with a matching password; every other case takes about as long and returns `None`.
    pub async fn authenticate(
        &self,
        email: &str,
        password: &str,
    ) -> Result<Option<User>, StoreError> {
        match self.user_and_hash(email).await? {
            Some((user, Some(hash))) if !user.disabled => {
                Ok(verify_password(password, &hash).then_some(user))
            }
            _ => {
                verify_against_nothing(password);
                Ok(None)
            }
        }
    }

    /// The provider's own staff.
    pub async fn provider_users(&self) -> Result<Vec<User>, StoreError> {
        self.users_where("org_id IS NULL", None).await
    }

    async fn users_where(
        &self,
        condition: &str,
        arg: Option<&str>,
    ) -> Result<Vec<User>, StoreError> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE {condition} ORDER BY email");
        let mut query = sqlx::query_as::<_, UserRow>(AssertSqlSafe(sql));
        if let Some(arg) = arg {
            query = query.bind(arg.to_owned());
        }
        query
            .fetch_all(&self.pool)
            .await?
            .into_iter()
            .map(|r| user_from_row(r).map(|(u, _)| u))
            .collect()
    }

    /// Sets a new password for `user_id`, ends all of that user's sessions and API tokens'
    /// sessions, and records the change.
    pub async fn set_password(
        &self,
        actor: &Actor,
        user_id: &str,
        new_password: &str,
    ) -> Result<(), StoreError> {
        if !password_is_acceptable(new_password) {
            return Err(StoreError::Invalid(InvalidInput::PasswordTooShort));
        }
        let hash = hash_password(new_password)?;
        let mut tx = self.begin_write().await?;
        let target: Option<(String, Option<String>)> =
            sqlx::query_as("SELECT email, org_id FROM users WHERE id = $1")
                .bind(user_id)
                .fetch_optional(&mut *tx)
                .await?;
        let (email, org_id) = target.ok_or(StoreError::NotFound)?;
        sqlx::query("UPDATE users SET password_hash = $1, updated_at = $2 WHERE id = $3")
            .bind(hash)
            .bind(now())
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM sessions WHERE user_id = $1")
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        record(
            &mut *tx,
            actor,
            AuditAction::UserPasswordSet,
            org_id.as_deref(),
            Some(&email),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Remembers the language a user chose.
    pub async fn set_locale(&self, user_id: &str, locale: &str) -> Result<(), StoreError> {
        sqlx::query("UPDATE users SET locale = $1, updated_at = $2 WHERE id = $3")
            .bind(locale)
            .bind(now())
            .bind(user_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}

impl Members<'_> {
    /// Members of `org_id`, if `scope` may see that organisation.
    pub async fn list(&self) -> Result<Vec<User>, StoreError> {
        let org_id = self.org.id();
        self.org
            .store
            .users_where("org_id = $1", Some(org_id))
            .await
    }
}
