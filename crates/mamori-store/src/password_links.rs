//! One-time links that let a person set a password: invitations for new users, and resets an
//! administrator issues. Only the link's digest is stored.

use mamori_model::User;

use crate::audit::{Actor, AuditAction, record};
use crate::error::InvalidInput;
use crate::secrets::{digest, hash_password, password_is_acceptable, random_token};
use crate::{Store, StoreError, now};

/// Why a link was issued; decides the wording of the page and the audit entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkPurpose {
    /// A new user chooses a first password.
    Invitation,
    /// An administrator reset the password; the user chooses a new one.
    Reset,
}

impl LinkPurpose {
    fn as_str(self) -> &'static str {
        match self {
            LinkPurpose::Invitation => "invitation",
            LinkPurpose::Reset => "reset",
        }
    }
}

/// A live link, as shown on the page where the password is chosen.
#[derive(Debug, Clone)]
pub struct PasswordLink {
    /// The user the link is for.
    pub user: User,
    /// Invitation or reset.
    pub purpose: LinkPurpose,
    /// When the link stops working.
    pub expires_at: i64,
}

impl Store {
    /// Issues a link for `user`; returns the token to put in the URL (shown only once).
    /// Earlier unused links of the same user stop working.
    pub async fn create_password_link(
        &self,
        actor: &Actor,
        user: &User,
        purpose: LinkPurpose,
        lifetime_secs: i64,
    ) -> Result<String, StoreError> {
        let token = random_token("");
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "UPDATE password_links SET used_at = $1 WHERE user_id = $2 AND used_at IS NULL",
        )
        .bind(now())
        .bind(&user.id)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO password_links (token_hash, user_id, purpose, created_by, created_at, expires_at)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(digest(&token))
        .bind(&user.id)
        .bind(purpose.as_str())
        .bind(actor.user_id.as_deref())
        .bind(now())
        .bind(now() + lifetime_secs)
        .execute(&mut *tx)
        .await?;
        let action = match purpose {
            LinkPurpose::Invitation => AuditAction::UserInvited,
            LinkPurpose::Reset => AuditAction::UserPasswordReset,
        };
        record(
            &mut *tx,
            actor,
            action,
            user.org_id.as_deref(),
            Some(&user.email),
        )
        .await?;
        tx.commit().await?;
        Ok(token)
    }

    /// The live link behind `token`, if it is unused and unexpired.
    pub async fn password_link(&self, token: &str) -> Result<Option<PasswordLink>, StoreError> {
        let row: Option<(String, String, i64)> = sqlx::query_as(
            "SELECT user_id, purpose, expires_at FROM password_links
             WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2",
        )
        .bind(digest(token))
        .bind(now())
        .fetch_optional(&self.pool)
        .await?;
        let Some((user_id, purpose, expires_at)) = row else {
            return Ok(None);
        };
        let purpose = if purpose == LinkPurpose::Reset.as_str() {
            LinkPurpose::Reset
        } else {
            LinkPurpose::Invitation
        };
        Ok(self
            .user_by_id(&user_id)
            .await?
            .filter(|u| !u.disabled)
            .map(|user| PasswordLink {
                user,
                purpose,
                expires_at,
            }))
    }

    /// Uses a link: sets the password, closes the link and the user's other sessions.
    /// Returns the user, ready to be signed in.
    pub async fn redeem_password_link(
        &self,
        token: &str,
        password: &str,
        address: Option<String>,
    ) -> Result<User, StoreError> {
        if !password_is_acceptable(password) {
            return Err(StoreError::Invalid(InvalidInput::PasswordTooShort));
        }
        let link = self
            .password_link(token)
            .await?
            .ok_or(StoreError::NotFound)?;
        let hash = hash_password(password)?;
        let mut tx = self.begin_write().await?;
        let closed = sqlx::query(
            "UPDATE password_links SET used_at = $1 WHERE token_hash = $2 AND used_at IS NULL",
        )
        .bind(now())
        .bind(digest(token))
        .execute(&mut *tx)
        .await?;
        if closed.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        sqlx::query("UPDATE users SET password_hash = $1, updated_at = $2 WHERE id = $3")
            .bind(hash)
            .bind(now())
            .bind(&link.user.id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM sessions WHERE user_id = $1")
            .bind(&link.user.id)
            .execute(&mut *tx)
            .await?;
        let actor = Actor::anonymous(&link.user.email, address);
        record(
            &mut *tx,
            &actor,
            AuditAction::UserPasswordChosen,
            link.user.org_id.as_deref(),
            Some(&link.user.email),
        )
        .await?;
        tx.commit().await?;
        Ok(User {
            has_password: true,
            ..link.user
        })
    }
}
