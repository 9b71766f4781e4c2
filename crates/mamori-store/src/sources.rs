//! Monitored sources (監視対象機器): the UTMs, routers and servers that send logs, each
//! registered to one organisation and found by sender address, TLS client certificate or
//! HTTP token.

use mamori_model::Scope;
use serde::Serialize;
use sqlx::AssertSqlSafe;

use crate::audit::{Actor, AuditAction, record};
use crate::error::InvalidInput;
use crate::secrets::{digest, random_token};
use crate::{Store, StoreError, new_id, now};

/// How a new source identifies itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceIdentity {
    /// Syslog from this sender address (canonical text form).
    Address(String),
    /// Syslog over TLS with a client certificate of this SHA-256 fingerprint (hex).
    Certificate(String),
    /// HTTP ingest with a bearer token generated at registration.
    Token,
}

/// What is needed to register a source.
#[derive(Debug, Clone)]
pub struct NewSource {
    /// The organisation it belongs to.
    pub org_id: String,
    /// A friendly name, such as 「本社 RTX1210」.
    pub name: String,
    /// The format name (`rtx`, `fortigate`, `auto`, …); the caller checks it is known.
    pub format: String,
    /// For `json` sources, the key mapping as JSON; the caller checks it reads.
    pub json_mapping: Option<String>,
    /// How it is recognised.
    pub identity: SourceIdentity,
    /// How long it may stay silent before it is flagged, in seconds.
    pub expected_interval_secs: i64,
}

/// What the provider may change on a registered source; how it is recognised stays.
#[derive(Debug, Clone)]
pub struct SourceChange {
    /// A friendly name.
    pub name: String,
    /// The format name; the caller checks it is known. A `json` source keeps its mapping
    /// only while it stays `json`.
    pub format: String,
    /// How long it may stay silent before it is flagged, in seconds.
    pub expected_interval_secs: i64,
}

/// A registered source as listed to people and loaded by ingest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Source {
    /// Identifier.
    pub id: String,
    /// Owning organisation.
    pub org_id: String,
    /// Friendly name.
    pub name: String,
    /// Format name.
    pub format: String,
    /// Key mapping of a `json` source, as JSON.
    pub json_mapping: Option<String>,
    /// Sender address, when recognised by address.
    pub address: Option<String>,
    /// Client certificate fingerprint, when recognised by certificate.
    pub cert_fingerprint: Option<String>,
    /// Whether it sends over HTTP with a token.
    pub has_token: bool,
    /// Silence allowed before the source is flagged, in seconds.
    pub expected_interval_secs: i64,
    /// Registration time.
    pub created_at: i64,
    /// When it last sent a line that was stored.
    pub last_seen_at: Option<i64>,
}

const SOURCE_COLUMNS: &str = "id, org_id, name, format, json_mapping, address, cert_fingerprint, CAST(CASE WHEN token_hash IS NULL THEN 0 ELSE 1 END AS BIGINT), expected_interval_secs, created_at, last_seen_at";

type SourceRow = (
    String,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    i64,
    i64,
    i64,
    Option<i64>,
);

fn source_from_row(row: SourceRow) -> Source {
    let (
        id,
        org_id,
        name,
        format,
        json_mapping,
        address,
        cert_fingerprint,
        has_token,
        expected_interval_secs,
        created_at,
        last_seen_at,
    ) = row;
    Source {
        id,
        org_id,
        name,
        format,
        json_mapping,
        address,
        cert_fingerprint,
        has_token: has_token != 0,
        expected_interval_secs,
        created_at,
        last_seen_at,
    }
}

impl Store {
    /// Registers a source; returns it and, for token sources, the token (shown only once).
    /// An address or certificate already registered is reported as
    /// [`InvalidInput::SourceTaken`].
    pub async fn create_source(
        &self,
        actor: &Actor,
        new: NewSource,
    ) -> Result<(Source, Option<String>), StoreError> {
        let name = new.name.trim();
        if name.is_empty() {
            return Err(StoreError::Invalid(InvalidInput::NameRequired));
        }
        if self
            .org(&Scope::AllOrganisations, &new.org_id)
            .await?
            .is_none()
        {
            return Err(StoreError::NotFound);
        }
        let mut tx = self.begin_write().await?;
        let created = insert_source(&mut tx, actor, new).await?;
        tx.commit().await?;
        Ok(created)
    }
}

/// Writes source `new` (its name checked, its organisation known) inside `tx`, audited;
/// returns it and, for token sources, the token. Shared by [`Store::create_source`] and the
/// enrolment of agents, which writes the source, device and agent together.
pub(crate) async fn insert_source(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    actor: &Actor,
    new: NewSource,
) -> Result<(Source, Option<String>), StoreError> {
    let name = new.name.trim();
    let (address, fingerprint, token) = match new.identity {
        SourceIdentity::Address(a) => (Some(a), None, None),
        SourceIdentity::Certificate(f) => (None, Some(f.to_ascii_lowercase()), None),
        SourceIdentity::Token => (None, None, Some(random_token("mms_"))),
    };
    let id = new_id();
    let created_at = now();
    sqlx::query(
            "INSERT INTO sources (id, org_id, name, format, json_mapping, address, cert_fingerprint, token_hash, expected_interval_secs, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(&id)
        .bind(&new.org_id)
        .bind(name)
        .bind(&new.format)
        .bind(new.json_mapping.as_deref())
        .bind(address.as_deref())
        .bind(fingerprint.as_deref())
        .bind(token.as_deref().map(digest))
        .bind(new.expected_interval_secs)
        .bind(created_at)
        .execute(&mut **tx)
        .await
        .map_err(|e| match &e {
            sqlx::Error::Database(db) if db.is_unique_violation() => {
                StoreError::Invalid(InvalidInput::SourceTaken)
            }
            _ => StoreError::Database(e),
        })?;
    record(
        &mut **tx,
        actor,
        AuditAction::SourceCreated,
        Some(&new.org_id),
        Some(name),
    )
    .await?;
    let source = Source {
        id,
        org_id: new.org_id,
        name: name.to_owned(),
        format: new.format,
        json_mapping: new.json_mapping,
        address,
        cert_fingerprint: fingerprint,
        has_token: token.is_some(),
        expected_interval_secs: new.expected_interval_secs,
        created_at,
        last_seen_at: None,
    };
    Ok((source, token))
}

/// Takes source `source_id` of `org_id` out of service inside `tx` at `at`: its token,
/// address and certificate stop identifying it (and are free for a new device), it leaves
/// the lists and the silence watch, the inventory entry describing it no longer counts as
/// watched, and an agent sending as it is retired with it. The source's name when it was in
/// service; `None` when there was no such source in service.
pub(crate) async fn retire_in(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    org_id: &str,
    source_id: &str,
    at: i64,
) -> Result<Option<String>, StoreError> {
    let name: Option<String> = sqlx::query_scalar(
        "UPDATE sources SET retired_at = $1, token_hash = NULL, address = NULL,
             cert_fingerprint = NULL
         WHERE id = $2 AND org_id = $3 AND retired_at IS NULL
         RETURNING name",
    )
    .bind(at)
    .bind(source_id)
    .bind(org_id)
    .fetch_optional(&mut **tx)
    .await?;
    if name.is_some() {
        sqlx::query(
            "UPDATE agents SET retired_at = $1
             WHERE source_id = $2 AND org_id = $3 AND retired_at IS NULL",
        )
        .bind(at)
        .bind(source_id)
        .bind(org_id)
        .execute(&mut **tx)
        .await?;
        sqlx::query("UPDATE devices SET source_id = NULL WHERE source_id = $1 AND org_id = $2")
            .bind(source_id)
            .bind(org_id)
            .execute(&mut **tx)
            .await?;
    }
    Ok(name)
}

impl Store {
    /// Takes source `id` out of service, if `scope` may see it (a device replaced or
    /// disposed of): see [`retire_in`]. Audited; [`StoreError::NotFound`] for a source out of
    /// scope or already retired.
    pub async fn retire_source(
        &self,
        actor: &Actor,
        scope: &Scope,
        id: &str,
    ) -> Result<(), StoreError> {
        let org_id: Option<String> = sqlx::query_scalar(
            "SELECT org_id FROM sources WHERE id = $1 AND ($2 IS NULL OR org_id = $2)",
        )
        .bind(id)
        .bind(scope.only_org())
        .fetch_optional(&self.pool)
        .await?;
        let org_id = org_id.ok_or(StoreError::NotFound)?;
        let mut tx = self.begin_write().await?;
        let name = retire_in(&mut tx, &org_id, id, now())
            .await?
            .ok_or(StoreError::NotFound)?;
        let action = AuditAction::SourceRetired;
        record(&mut *tx, actor, action, Some(&org_id), Some(&name)).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Changes source `id`'s name, format and allowed silence, if `scope` may see it;
    /// [`StoreError::NotFound`] otherwise. Audited; returns the source as now stored.
    pub async fn change_source(
        &self,
        actor: &Actor,
        scope: &Scope,
        id: &str,
        change: SourceChange,
    ) -> Result<Source, StoreError> {
        let name = change.name.trim();
        if name.is_empty() {
            return Err(StoreError::Invalid(InvalidInput::NameRequired));
        }
        let mut tx = self.begin_write().await?;
        let org_id: Option<String> = sqlx::query_scalar(
            "UPDATE sources SET name = $1, format = $2, expected_interval_secs = $3,
                 json_mapping = CASE WHEN $2 = 'json' THEN json_mapping ELSE NULL END
             WHERE id = $4 AND ($5 IS NULL OR org_id = $5)
             RETURNING org_id",
        )
        .bind(name)
        .bind(&change.format)
        .bind(change.expected_interval_secs)
        .bind(id)
        .bind(scope.only_org())
        .fetch_optional(&mut *tx)
        .await?;
        let org_id = org_id.ok_or(StoreError::NotFound)?;
        record(
            &mut *tx,
            actor,
            AuditAction::SourceChanged,
            Some(&org_id),
            Some(name),
        )
        .await?;
        tx.commit().await?;
        self.sources_of(Some(&org_id))
            .await?
            .into_iter()
            .find(|s| s.id == id)
            .ok_or(StoreError::NotFound)
    }

    /// Every source `scope` may see (all for the provider, its own for an organisation's
    /// member), by organisation and name. One organisation's: [`OrgStore::sources`].
    pub async fn all_sources(&self, scope: &Scope) -> Result<Vec<Source>, StoreError> {
        self.sources_of(scope.only_org()).await
    }

    /// Sources of organisation `org_id`, or of every organisation with `None`; the caller has
    /// checked the scope.
    pub(crate) async fn sources_of(&self, org_id: Option<&str>) -> Result<Vec<Source>, StoreError> {
        let rows: Vec<SourceRow> = sqlx::query_as(AssertSqlSafe(format!(
            "SELECT {SOURCE_COLUMNS} FROM sources
             WHERE retired_at IS NULL AND ($1 IS NULL OR org_id = $1)
             ORDER BY org_id, name, id"
        )))
        .bind(org_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(source_from_row).collect())
    }

    /// Sources of `org_id` in service now or retired at or after `since`.
    pub(crate) async fn sources_since(
        &self,
        org_id: &str,
        since: i64,
    ) -> Result<Vec<Source>, StoreError> {
        let rows: Vec<SourceRow> = sqlx::query_as(AssertSqlSafe(format!(
            "SELECT {SOURCE_COLUMNS} FROM sources
             WHERE org_id = $1 AND (retired_at IS NULL OR retired_at >= $2)
             ORDER BY name, id"
        )))
        .bind(org_id)
        .bind(since)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(source_from_row).collect())
    }

    /// The source an HTTP ingest token belongs to.
    pub async fn source_by_token(&self, secret: &str) -> Result<Option<Source>, StoreError> {
        let row: Option<SourceRow> = sqlx::query_as(AssertSqlSafe(format!(
            "SELECT {SOURCE_COLUMNS} FROM sources WHERE token_hash = $1"
        )))
        .bind(digest(secret))
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(source_from_row))
    }
}
