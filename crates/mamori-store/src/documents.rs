//! The documents an organisation writes (basic policy, handbook, regulations): shared company
//! parameters, one working draft per document with its approval, immutable issued versions,
//! the public page of the policy, and handbook acknowledgements. The store keeps documents as
//! opaque JSON; generating them is `mamori-policies`' job.

use std::collections::BTreeMap;

use serde::Serialize;
use sqlx::{Any, Row, Transaction};

use crate::answer_sets::org_exists;
use crate::audit::{Actor, AuditAction, record};
use crate::tenant::Documents;
use crate::{InvalidInput, Store, StoreError, new_id, now};

/// A document's working draft.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DocumentDraft {
    /// `policy`, `handbook` or `regulations`.
    pub kind: String,
    /// Language of the draft.
    pub lang: String,
    /// The owner's edits, JSON by section id.
    pub edits: String,
    /// Name of whoever approved the current draft; cleared by any change.
    pub approved_by_name: Option<String>,
    /// When it was approved.
    pub approved_at: Option<i64>,
    /// Last change.
    pub updated_at: i64,
}

/// An issued version without its content, as listed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DocumentVersion {
    /// Identifier.
    pub id: String,
    /// The organisation.
    pub org_id: String,
    /// The document kind.
    pub kind: String,
    /// 1, 2, 3 … per organisation and kind.
    pub version: i64,
    /// Language.
    pub lang: String,
    /// Hex SHA-256 of the content.
    pub sha256: String,
    /// Who approved it.
    pub approved_by_name: String,
    /// When it was approved.
    pub approved_at: i64,
    /// When it was issued.
    pub issued_at: i64,
}

/// The public page of an organisation's policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PolicyPublication {
    /// The address part: `/public/{slug}/policy`.
    pub slug: String,
    /// When it was (last) published.
    pub published_at: i64,
    /// When it was withdrawn; `None` while it is online.
    pub withdrawn_at: Option<i64>,
}

impl PolicyPublication {
    /// Whether the page is online.
    pub fn is_live(&self) -> bool {
        self.withdrawn_at.is_none()
    }
}

/// Someone who must read the handbook.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HandbookReader {
    /// `user:<id>` or `name:<id>`.
    pub key: String,
    /// The name shown.
    pub name: String,
    /// Whether it is a mamori account (otherwise a name on the list).
    pub has_account: bool,
}

/// A confirmation that someone read a handbook version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HandbookAcknowledgement {
    /// The reader's key.
    pub reader_key: String,
    /// The reader's name at the time.
    pub reader_name: String,
    /// When.
    pub acknowledged_at: i64,
}

/// Hex SHA-256 of a stored document.
pub fn content_hash(content: &str) -> String {
    mamori_model::sha256_hex(&[content.as_bytes()])
}

/// Whether a public address part is acceptable: 3-40 lower-case letters, digits and inner
/// hyphens, so it reads well in a URL and cannot be mistaken for a path.
pub fn valid_slug(slug: &str) -> bool {
    (3..=40).contains(&slug.len())
        && slug
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !slug.starts_with('-')
        && !slug.ends_with('-')
}

/// `document_drafts` columns as read: lang, edits, approver's name, approval time, update time.
type DraftRow = (String, String, Option<String>, Option<i64>, i64);

const VERSION_COLUMNS: &str = "id, org_id, kind, version, lang, sha256, approved_by_name, \
     approved_at, issued_at";

fn version_from_row(row: &sqlx::any::AnyRow) -> Result<DocumentVersion, StoreError> {
    Ok(DocumentVersion {
        id: row.try_get(0)?,
        org_id: row.try_get(1)?,
        kind: row.try_get(2)?,
        version: row.try_get(3)?,
        lang: row.try_get(4)?,
        sha256: row.try_get(5)?,
        approved_by_name: row.try_get(6)?,
        approved_at: row.try_get(7)?,
        issued_at: row.try_get(8)?,
    })
}

async fn clear_approvals(
    tx: &mut Transaction<'_, Any>,
    org_id: &str,
    kind: Option<&str>,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE document_drafts SET approved_by = NULL, approved_by_name = NULL, approved_at = NULL
         WHERE org_id = $1 AND ($2 IS NULL OR kind = $2)",
    )
    .bind(org_id)
    .bind(kind)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

impl Store {
    /// What `/public/{slug}/policy` shows: the latest issued policy (content JSON and its
    /// version) of the organisation that owns a live page at `slug`. Nothing else is ever
    /// reachable this way.
    pub async fn public_policy(
        &self,
        slug: &str,
    ) -> Result<Option<(String, DocumentVersion)>, StoreError> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {}, v.content FROM policy_publications p
             JOIN document_versions v ON v.org_id = p.org_id AND v.kind = 'policy'
             WHERE p.slug = $1 AND p.withdrawn_at IS NULL
             ORDER BY v.version DESC LIMIT 1",
            VERSION_COLUMNS
                .split(", ")
                .map(|c| format!("v.{c}"))
                .collect::<Vec<_>>()
                .join(", ")
        )))
        .bind(slug)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| Ok((r.try_get(9)?, version_from_row(&r)?)))
            .transpose()
    }
}

impl Documents<'_> {
    /// The organisation's document parameters (empty when none were saved).
    pub async fn params(&self) -> Result<BTreeMap<String, String>, StoreError> {
        let org_id = self.org.id();
        let row: Option<(String,)> =
            sqlx::query_as("SELECT params FROM document_params WHERE org_id = $1")
                .bind(org_id)
                .fetch_optional(&self.org.store.pool)
                .await?;
        match row {
            Some((json,)) => serde_json::from_str(&json)
                .map_err(|e| StoreError::corrupt("document_params.params", e)),
            None => Ok(BTreeMap::new()),
        }
    }

    /// Saves the parameters. Every draft's approval is cleared: the documents change with them.
    pub async fn save_params(
        &self,
        actor: &Actor,
        params: &BTreeMap<String, String>,
    ) -> Result<(), StoreError> {
        let org_id = self.org.id();
        let json = serde_json::to_string(params).map_err(|e| StoreError::corrupt("params", e))?;
        let mut tx = self.org.store.begin_write().await?;
        org_exists(&mut tx, org_id).await?;
        sqlx::query(
            "INSERT INTO document_params (org_id, params, updated_by, updated_at)
             VALUES ($1, $2, $3, $4)
             ON CONFLICT (org_id) DO UPDATE SET params = $2, updated_by = $3, updated_at = $4",
        )
        .bind(org_id)
        .bind(&json)
        .bind(actor.user_id.as_deref())
        .bind(now())
        .execute(&mut *tx)
        .await?;
        clear_approvals(&mut tx, org_id, None).await?;
        record(
            &mut *tx,
            actor,
            AuditAction::DocumentsParamsSaved,
            Some(org_id),
            None,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The working draft of `kind`, if the owner has started one.
    pub async fn draft(&self, kind: &str) -> Result<Option<DocumentDraft>, StoreError> {
        let org_id = self.org.id();
        let row: Option<DraftRow> = sqlx::query_as(
            "SELECT lang, edits, approved_by_name, approved_at, updated_at FROM document_drafts
             WHERE org_id = $1 AND kind = $2",
        )
        .bind(org_id)
        .bind(kind)
        .fetch_optional(&self.org.store.pool)
        .await?;
        Ok(row.map(
            |(lang, edits, approved_by_name, approved_at, updated_at)| DocumentDraft {
                kind: kind.to_owned(),
                lang,
                edits,
                approved_by_name,
                approved_at,
                updated_at,
            },
        ))
    }

    /// Saves the draft's language and edits and clears its approval.
    pub async fn save_draft(
        &self,
        actor: &Actor,
        kind: &str,
        lang: &str,
        edits: &str,
    ) -> Result<(), StoreError> {
        let org_id = self.org.id();
        let mut tx = self.org.store.begin_write().await?;
        org_exists(&mut tx, org_id).await?;
        sqlx::query(
            "INSERT INTO document_drafts (org_id, kind, lang, edits, updated_by, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (org_id, kind) DO UPDATE SET lang = $3, edits = $4, updated_by = $5,
                 updated_at = $6, approved_by = NULL, approved_by_name = NULL, approved_at = NULL",
        )
        .bind(org_id)
        .bind(kind)
        .bind(lang)
        .bind(edits)
        .bind(actor.user_id.as_deref())
        .bind(now())
        .execute(&mut *tx)
        .await?;
        record(
            &mut *tx,
            actor,
            AuditAction::DocumentsDraftSaved,
            Some(org_id),
            Some(kind),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Records that `approver` approved the current draft (creating an unedited draft in
    /// `lang` if the owner approves the generated text as it is).
    pub async fn approve_draft(
        &self,
        actor: &Actor,
        kind: &str,
        lang: &str,
        approver: &str,
    ) -> Result<(), StoreError> {
        let org_id = self.org.id();
        if approver.trim().is_empty() {
            return Err(StoreError::Invalid(InvalidInput::NameRequired));
        }
        let mut tx = self.org.store.begin_write().await?;
        org_exists(&mut tx, org_id).await?;
        let at = now();
        sqlx::query(
            "INSERT INTO document_drafts (org_id, kind, lang, edits, approved_by, approved_by_name,
                                          approved_at, updated_by, updated_at)
             VALUES ($1, $2, $3, '{}', $4, $5, $6, $4, $6)
             ON CONFLICT (org_id, kind) DO UPDATE SET approved_by = $4, approved_by_name = $5,
                 approved_at = $6",
        )
        .bind(org_id)
        .bind(kind)
        .bind(lang)
        .bind(actor.user_id.as_deref())
        .bind(approver.trim())
        .bind(at)
        .execute(&mut *tx)
        .await?;
        record(
            &mut *tx,
            actor,
            AuditAction::DocumentsApproved,
            Some(org_id),
            Some(kind),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Issues the approved draft as the next version with `content` (the generated document's
    /// JSON). Refused when the draft is not approved, or when the content is the same as the
    /// latest version's.
    pub async fn issue(
        &self,
        actor: &Actor,
        kind: &str,
        content: &str,
    ) -> Result<DocumentVersion, StoreError> {
        let org_id = self.org.id();
        let sha = content_hash(content);
        let mut tx = self.org.store.begin_write().await?;
        let draft: Option<(String, Option<String>, Option<i64>)> = sqlx::query_as(
            "SELECT lang, approved_by_name, approved_at FROM document_drafts
             WHERE org_id = $1 AND kind = $2",
        )
        .bind(org_id)
        .bind(kind)
        .fetch_optional(&mut *tx)
        .await?;
        let Some((lang, Some(approver), Some(approved_at))) = draft else {
            return Err(StoreError::Invalid(InvalidInput::NotApproved));
        };
        let latest: Option<(i64, String)> = sqlx::query_as(
            "SELECT version, sha256 FROM document_versions WHERE org_id = $1 AND kind = $2
             ORDER BY version DESC LIMIT 1",
        )
        .bind(org_id)
        .bind(kind)
        .fetch_optional(&mut *tx)
        .await?;
        if latest.as_ref().is_some_and(|(_, s)| *s == sha) {
            return Err(StoreError::Invalid(InvalidInput::NothingToIssue));
        }
        let id = new_id();
        sqlx::query(
            "INSERT INTO document_versions (id, org_id, kind, version, lang, content, sha256,
                 approved_by_name, approved_at, issued_by, issued_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .bind(&id)
        .bind(org_id)
        .bind(kind)
        .bind(latest.map_or(1, |(v, _)| v + 1))
        .bind(&lang)
        .bind(content)
        .bind(&sha)
        .bind(&approver)
        .bind(approved_at)
        .bind(actor.user_id.as_deref())
        .bind(now())
        .execute(&mut *tx)
        .await?;
        record(
            &mut *tx,
            actor,
            AuditAction::DocumentsIssued,
            Some(org_id),
            Some(&id),
        )
        .await?;
        tx.commit().await?;
        self.version(&id).await?.ok_or(StoreError::NotFound)
    }

    /// Issued versions of `kind`, newest first.
    pub async fn versions(&self, kind: &str) -> Result<Vec<DocumentVersion>, StoreError> {
        let org_id = self.org.id();
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {VERSION_COLUMNS} FROM document_versions WHERE org_id = $1 AND kind = $2
             ORDER BY version DESC"
        )))
        .bind(org_id)
        .bind(kind)
        .fetch_all(&self.org.store.pool)
        .await?;
        rows.iter().map(version_from_row).collect()
    }

    /// One issued version of the organisation.
    pub async fn version(&self, id: &str) -> Result<Option<DocumentVersion>, StoreError> {
        let org_id = self.org.id();
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {VERSION_COLUMNS} FROM document_versions WHERE org_id = $1 AND id = $2"
        )))
        .bind(org_id)
        .bind(id)
        .fetch_optional(&self.org.store.pool)
        .await?;
        row.as_ref().map(version_from_row).transpose()
    }

    /// The content (document JSON) of an issued version of the organisation.
    pub async fn content(&self, id: &str) -> Result<String, StoreError> {
        let org_id = self.org.id();
        let row: Option<(String,)> =
            sqlx::query_as("SELECT content FROM document_versions WHERE org_id = $1 AND id = $2")
                .bind(org_id)
                .bind(id)
                .fetch_optional(&self.org.store.pool)
                .await?;
        row.map(|(c,)| c).ok_or(StoreError::NotFound)
    }

    /// Puts the policy online at `/public/{slug}/policy`. Needs an issued policy; the slug
    /// must be free (or already the organisation's).
    pub async fn publish_policy(
        &self,
        actor: &Actor,
        slug: &str,
    ) -> Result<PolicyPublication, StoreError> {
        let org_id = self.org.id();
        if !valid_slug(slug) {
            return Err(StoreError::Invalid(InvalidInput::SlugInvalid));
        }
        let mut tx = self.org.store.begin_write().await?;
        let issued: Option<(String,)> = sqlx::query_as(
            "SELECT id FROM document_versions WHERE org_id = $1 AND kind = 'policy' LIMIT 1",
        )
        .bind(org_id)
        .fetch_optional(&mut *tx)
        .await?;
        if issued.is_none() {
            return Err(StoreError::Invalid(InvalidInput::NotIssued));
        }
        let owner: Option<(String,)> =
            sqlx::query_as("SELECT org_id FROM policy_publications WHERE slug = $1")
                .bind(slug)
                .fetch_optional(&mut *tx)
                .await?;
        if owner.is_some_and(|(o,)| o != org_id) {
            return Err(StoreError::Invalid(InvalidInput::SlugTaken));
        }
        sqlx::query(
            "INSERT INTO policy_publications (org_id, slug, published_by, published_at, withdrawn_at)
             VALUES ($1, $2, $3, $4, NULL)
             ON CONFLICT (org_id) DO UPDATE SET slug = $2, published_by = $3, published_at = $4,
                 withdrawn_at = NULL",
        )
        .bind(org_id)
        .bind(slug)
        .bind(actor.user_id.as_deref())
        .bind(now())
        .execute(&mut *tx)
        .await?;
        record(
            &mut *tx,
            actor,
            AuditAction::DocumentsPolicyPublished,
            Some(org_id),
            Some(slug),
        )
        .await?;
        tx.commit().await?;
        self.policy_publication().await?.ok_or(StoreError::NotFound)
    }

    /// Takes the public page offline; the slug stays the organisation's.
    pub async fn unpublish_policy(&self, actor: &Actor) -> Result<(), StoreError> {
        let org_id = self.org.id();
        let mut tx = self.org.store.begin_write().await?;
        let changed = sqlx::query(
            "UPDATE policy_publications SET withdrawn_at = $2
             WHERE org_id = $1 AND withdrawn_at IS NULL",
        )
        .bind(org_id)
        .bind(now())
        .execute(&mut *tx)
        .await?;
        if changed.rows_affected() > 0 {
            record(
                &mut *tx,
                actor,
                AuditAction::DocumentsPolicyWithdrawn,
                Some(org_id),
                None,
            )
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The organisation's policy page, live or withdrawn, if it was ever published.
    pub async fn policy_publication(&self) -> Result<Option<PolicyPublication>, StoreError> {
        let org_id = self.org.id();
        let row: Option<(String, i64, Option<i64>)> = sqlx::query_as(
            "SELECT slug, published_at, withdrawn_at FROM policy_publications WHERE org_id = $1",
        )
        .bind(org_id)
        .fetch_optional(&self.org.store.pool)
        .await?;
        Ok(
            row.map(|(slug, published_at, withdrawn_at)| PolicyPublication {
                slug,
                published_at,
                withdrawn_at,
            }),
        )
    }

    /// Everyone who must read the handbook: the organisation's active accounts, then the
    /// name list.
    pub async fn readers(&self) -> Result<Vec<HandbookReader>, StoreError> {
        let org_id = self.org.id();
        let users: Vec<(String, String)> = sqlx::query_as(
            "SELECT id, display_name FROM users WHERE org_id = $1 AND disabled = 0
             ORDER BY display_name",
        )
        .bind(org_id)
        .fetch_all(&self.org.store.pool)
        .await?;
        let listed: Vec<(String, String)> =
            sqlx::query_as("SELECT id, name FROM handbook_readers WHERE org_id = $1 ORDER BY name")
                .bind(org_id)
                .fetch_all(&self.org.store.pool)
                .await?;
        Ok(users
            .into_iter()
            .map(|(id, name)| HandbookReader {
                key: format!("user:{id}"),
                name,
                has_account: true,
            })
            .chain(listed.into_iter().map(|(id, name)| HandbookReader {
                key: format!("name:{id}"),
                name,
                has_account: false,
            }))
            .collect())
    }

    /// Adds a name to the handbook's reading list.
    pub async fn add_reader(&self, actor: &Actor, name: &str) -> Result<(), StoreError> {
        let org_id = self.org.id();
        let name = name.trim();
        if name.is_empty() {
            return Err(StoreError::Invalid(InvalidInput::NameRequired));
        }
        let mut tx = self.org.store.begin_write().await?;
        org_exists(&mut tx, org_id).await?;
        sqlx::query(
            "INSERT INTO handbook_readers (id, org_id, name, created_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(new_id())
        .bind(org_id)
        .bind(name)
        .bind(now())
        .execute(&mut *tx)
        .await?;
        record(
            &mut *tx,
            actor,
            AuditAction::DocumentsReaderAdded,
            Some(org_id),
            Some(name),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Removes a name from the reading list (their past confirmations stay on record).
    pub async fn remove_reader(&self, actor: &Actor, reader_id: &str) -> Result<(), StoreError> {
        let org_id = self.org.id();
        let mut tx = self.org.store.begin_write().await?;
        let gone = sqlx::query("DELETE FROM handbook_readers WHERE org_id = $1 AND id = $2")
            .bind(org_id)
            .bind(reader_id)
            .execute(&mut *tx)
            .await?;
        if gone.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        record(
            &mut *tx,
            actor,
            AuditAction::DocumentsReaderRemoved,
            Some(org_id),
            Some(reader_id),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Records that the reader `reader_key` read the handbook version `version_id`; doing it
    /// again keeps the first confirmation.
    pub async fn acknowledge_handbook(
        &self,
        actor: &Actor,
        version_id: &str,
        reader_key: &str,
    ) -> Result<(), StoreError> {
        let org_id = self.org.id();
        let version = self.version(version_id).await?;
        if version.is_none_or(|v| v.kind != "handbook") {
            return Err(StoreError::NotFound);
        }
        let reader = self
            .readers()
            .await?
            .into_iter()
            .find(|r| r.key == reader_key)
            .ok_or(StoreError::NotFound)?;
        let mut tx = self.org.store.begin_write().await?;
        let inserted = sqlx::query(
            "INSERT INTO handbook_acknowledgements (org_id, version_id, reader_key, reader_name,
                 acknowledged_at, recorded_by)
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (version_id, reader_key) DO NOTHING",
        )
        .bind(org_id)
        .bind(version_id)
        .bind(reader_key)
        .bind(&reader.name)
        .bind(now())
        .bind(actor.user_id.as_deref())
        .execute(&mut *tx)
        .await?;
        if inserted.rows_affected() > 0 {
            record(
                &mut *tx,
                actor,
                AuditAction::DocumentsHandbookRead,
                Some(org_id),
                Some(reader_key),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Who confirmed reading handbook version `version_id`.
    pub async fn handbook_acknowledgements(
        &self,
        version_id: &str,
    ) -> Result<Vec<HandbookAcknowledgement>, StoreError> {
        let org_id = self.org.id();
        let rows: Vec<(String, String, i64)> = sqlx::query_as(
            "SELECT reader_key, reader_name, acknowledged_at FROM handbook_acknowledgements
             WHERE org_id = $1 AND version_id = $2 ORDER BY acknowledged_at",
        )
        .bind(org_id)
        .bind(version_id)
        .fetch_all(&self.org.store.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(
                |(reader_key, reader_name, acknowledged_at)| HandbookAcknowledgement {
                    reader_key,
                    reader_name,
                    acknowledged_at,
                },
            )
            .collect())
    }
}
