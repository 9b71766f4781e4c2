//! Answers to the guideline's questionnaires (self-assessment, cloud checklist, executives'
//! checklist): drafts that can be resumed, and the history of completed sets. The store keeps
//! answers as JSON and does not score them; callers validate and score with `mamori-catalog`
//! before completing a set, so nothing incomplete is ever stored as complete.

use mamori_model::Scope;
use serde_json::Value;
use sqlx::{Any, AssertSqlSafe, Transaction};

use crate::audit::{Actor, AuditAction, record};
use crate::error::InvalidInput;
use crate::tenant::Answers;
use crate::{Store, StoreError, new_id, now};

/// Which questionnaire a set of answers belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AnswerKind {
    /// The 25-item self-assessment (自社診断).
    SelfAssessment,
    /// The cloud-services checklist, one per cloud service (the subject).
    Cloud,
    /// The executives' three principles and seven actions.
    Executive,
}

impl AnswerKind {
    /// The stable name stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            AnswerKind::SelfAssessment => "self-assessment",
            AnswerKind::Cloud => "cloud",
            AnswerKind::Executive => "executive",
        }
    }

    fn parse(s: &str) -> Result<Self, StoreError> {
        [
            AnswerKind::SelfAssessment,
            AnswerKind::Cloud,
            AnswerKind::Executive,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
        .ok_or_else(|| StoreError::corrupt("answer_sets.kind", s))
    }
}

/// Longest subject (cloud service name) accepted.
const MAX_SUBJECT: usize = 200;

/// One stored set of answers.
#[derive(Debug, Clone, PartialEq)]
pub struct AnswerSet {
    /// Row id (UUID v7, so ids sort by creation).
    pub id: String,
    /// The organisation that answered.
    pub org_id: String,
    /// The questionnaire.
    pub kind: AnswerKind,
    /// What the answers are about: the cloud service's name; empty for the other kinds.
    pub subject: String,
    /// Catalog edition answered (`ipa-sme-3.1`).
    pub edition: String,
    /// The answers as JSON, in the shape the catalog's validation reads.
    pub answers: Value,
    /// When the set was completed; `None` for a draft.
    pub completed_at: Option<i64>,
    /// Who saved it last.
    pub created_by: Option<String>,
    /// When it was first saved.
    pub created_at: i64,
    /// When it was last saved.
    pub updated_at: i64,
}

/// Answers to store, for one questionnaire and subject.
#[derive(Debug, Clone, Copy)]
pub struct NewAnswers<'a> {
    /// The questionnaire.
    pub kind: AnswerKind,
    /// The cloud service's name (required for [`AnswerKind::Cloud`]); empty otherwise.
    pub subject: &'a str,
    /// Catalog edition answered.
    pub edition: &'a str,
    /// The answers, already validated by the caller.
    pub answers: &'a Value,
}

const COLUMNS: &str = "a.id, a.org_id, a.kind, a.subject, a.edition, a.answers, a.completed_at, a.created_by, a.created_at, a.updated_at";

/// Keeps only each organisation's newest completed set per questionnaire and subject.
const LATEST: &str = "a.completed_at IS NOT NULL AND NOT EXISTS (
    SELECT 1 FROM answer_sets b WHERE b.org_id = a.org_id AND b.kind = a.kind
    AND b.subject = a.subject AND b.completed_at IS NOT NULL
    AND (b.completed_at > a.completed_at OR (b.completed_at = a.completed_at AND b.id > a.id)))";

type Row = (
    String,
    String,
    String,
    String,
    String,
    String,
    Option<i64>,
    Option<String>,
    i64,
    i64,
);

fn from_row(row: Row) -> Result<AnswerSet, StoreError> {
    let (
        id,
        org_id,
        kind,
        subject,
        edition,
        answers,
        completed_at,
        created_by,
        created_at,
        updated_at,
    ) = row;
    Ok(AnswerSet {
        id,
        org_id,
        kind: AnswerKind::parse(&kind)?,
        subject,
        edition,
        answers: serde_json::from_str(&answers)
            .map_err(|e| StoreError::corrupt("answer_sets.answers", e))?,
        completed_at,
        created_by,
        created_at,
        updated_at,
    })
}

impl Store {
    /// The newest completed set per organisation and subject of one questionnaire, for every
    /// organisation in `scope`: the provider-wide view and the list of cloud services.
    pub async fn latest_completed(
        &self,
        scope: &Scope,
        kind: AnswerKind,
    ) -> Result<Vec<AnswerSet>, StoreError> {
        latest_completed_in(self, kind, scope.only_org()).await
    }
}

impl Answers<'_> {
    /// Saves `new` as the organisation's draft for that questionnaire and subject, replacing
    /// the previous draft, so an interrupted questionnaire resumes where it stopped.
    pub async fn save_draft(
        &self,
        actor: &Actor,
        new: NewAnswers<'_>,
    ) -> Result<AnswerSet, StoreError> {
        self.write(actor, new, false).await
    }

    /// Stores `new` as completed: the draft (if any) becomes the completed set. Callers must
    /// have checked with the catalog that every item is answered.
    pub async fn complete(
        &self,
        actor: &Actor,
        new: NewAnswers<'_>,
    ) -> Result<AnswerSet, StoreError> {
        self.write(actor, new, true).await
    }

    async fn write(
        &self,
        actor: &Actor,
        new: NewAnswers<'_>,
        complete: bool,
    ) -> Result<AnswerSet, StoreError> {
        let org_id = self.org.id();
        let subject = checked_subject(new.kind, new.subject)?;
        let answers = new.answers.to_string();
        let at = now();
        let completed_at = complete.then_some(at);
        let mut tx = self.org.store.begin_write().await?;
        org_exists(&mut tx, org_id).await?;
        let draft: Option<(String,)> = sqlx::query_as(
            "SELECT id FROM answer_sets
             WHERE org_id = $1 AND kind = $2 AND subject = $3 AND completed_at IS NULL",
        )
        .bind(org_id)
        .bind(new.kind.as_str())
        .bind(subject)
        .fetch_optional(&mut *tx)
        .await?;
        let id = match draft {
            Some((id,)) => {
                sqlx::query(
                    "UPDATE answer_sets SET edition = $1, answers = $2, completed_at = $3,
                     created_by = $4, updated_at = $5 WHERE id = $6",
                )
                .bind(new.edition)
                .bind(&answers)
                .bind(completed_at)
                .bind(actor.user_id.as_deref())
                .bind(at)
                .bind(&id)
                .execute(&mut *tx)
                .await?;
                id
            }
            None => {
                let id = new_id();
                sqlx::query(
                    "INSERT INTO answer_sets (id, org_id, kind, subject, edition, answers,
                     completed_at, created_by, created_at, updated_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)",
                )
                .bind(&id)
                .bind(org_id)
                .bind(new.kind.as_str())
                .bind(subject)
                .bind(new.edition)
                .bind(&answers)
                .bind(completed_at)
                .bind(actor.user_id.as_deref())
                .bind(at)
                .execute(&mut *tx)
                .await?;
                id
            }
        };
        let action = if complete {
            AuditAction::AnswersCompleted
        } else {
            AuditAction::AnswersDraftSaved
        };
        let target = match subject {
            "" => new.kind.as_str().to_owned(),
            s => format!("{}: {s}", new.kind.as_str()),
        };
        record(&mut *tx, actor, action, Some(org_id), Some(&target)).await?;
        tx.commit().await?;
        self.get(&id).await?.ok_or(StoreError::NotFound)
    }

    /// The organisation's draft for a questionnaire and subject, if one is open.
    pub async fn draft(
        &self,
        kind: AnswerKind,
        subject: &str,
    ) -> Result<Option<AnswerSet>, StoreError> {
        let org_id = self.org.id();
        let row: Option<Row> = sqlx::query_as(AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM answer_sets a
             WHERE a.org_id = $1 AND a.kind = $2 AND a.subject = $3 AND a.completed_at IS NULL"
        )))
        .bind(org_id)
        .bind(kind.as_str())
        .bind(subject.trim())
        .fetch_optional(&self.org.store.pool)
        .await?;
        row.map(from_row).transpose()
    }

    /// Completed sets of one questionnaire, newest first; limited to one subject when given.
    pub async fn completed(
        &self,
        kind: AnswerKind,
        subject: Option<&str>,
    ) -> Result<Vec<AnswerSet>, StoreError> {
        let org_id = self.org.id();
        let rows: Vec<Row> = sqlx::query_as(AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM answer_sets a
             WHERE a.org_id = $1 AND a.kind = $2 AND ($3 IS NULL OR a.subject = $3)
             AND a.completed_at IS NOT NULL
             ORDER BY a.completed_at DESC, a.id DESC"
        )))
        .bind(org_id)
        .bind(kind.as_str())
        .bind(subject.map(str::trim))
        .fetch_all(&self.org.store.pool)
        .await?;
        rows.into_iter().map(from_row).collect()
    }

    /// The newest completed set per subject of `kind` (one per cloud service).
    pub async fn latest(&self, kind: AnswerKind) -> Result<Vec<AnswerSet>, StoreError> {
        latest_completed_in(&self.org.store, kind, Some(self.org.id())).await
    }

    /// One set of answers of the organisation, draft or completed.
    pub async fn get(&self, id: &str) -> Result<Option<AnswerSet>, StoreError> {
        let org_id = self.org.id();
        let row: Option<Row> = sqlx::query_as(AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM answer_sets a WHERE a.id = $1 AND a.org_id = $2"
        )))
        .bind(id)
        .bind(org_id)
        .fetch_optional(&self.org.store.pool)
        .await?;
        row.map(from_row).transpose()
    }

    /// The answers (and nothing that identifies whose) of the newest completed sets of
    /// organisations like `org` (same industry and employee band), excluding `org` itself.
    /// Only sets of `edition` count. This deliberately reads across tenants: callers must show
    /// only aggregates, and only when enough organisations contribute.
    pub async fn peers(&self, kind: AnswerKind, edition: &str) -> Result<Vec<Value>, StoreError> {
        let org = self.org.org();
        let rows: Vec<(String,)> = sqlx::query_as(AssertSqlSafe(format!(
            "SELECT a.answers FROM answer_sets a JOIN organisations o ON o.id = a.org_id
             WHERE a.kind = $1 AND a.edition = $2 AND o.industry = $3 AND o.employee_band = $4
             AND a.org_id <> $5 AND {LATEST}"
        )))
        .bind(kind.as_str())
        .bind(edition)
        .bind(org.industry.to_string())
        .bind(org.employees.as_str())
        .bind(&org.id)
        .fetch_all(&self.org.store.pool)
        .await?;
        rows.into_iter()
            .map(|(answers,)| {
                serde_json::from_str(&answers)
                    .map_err(|e| StoreError::corrupt("answer_sets.answers", e))
            })
            .collect()
    }
}

/// The newest completed set per organisation and subject of `kind`, of one organisation or
/// (`None`) of all.
async fn latest_completed_in(
    store: &Store,
    kind: AnswerKind,
    only_org: Option<&str>,
) -> Result<Vec<AnswerSet>, StoreError> {
    let rows: Vec<Row> = sqlx::query_as(AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM answer_sets a
         WHERE a.kind = $1 AND ($2 IS NULL OR a.org_id = $2) AND {LATEST}
         ORDER BY a.org_id, a.subject"
    )))
    .bind(kind.as_str())
    .bind(only_org)
    .fetch_all(&store.pool)
    .await?;
    rows.into_iter().map(from_row).collect()
}

/// The trimmed subject, checked against the questionnaire: cloud checklists need a service
/// name; the other questionnaires have none.
fn checked_subject(kind: AnswerKind, subject: &str) -> Result<&str, StoreError> {
    let subject = subject.trim();
    let needs_name = kind == AnswerKind::Cloud;
    if needs_name == subject.is_empty() || subject.chars().count() > MAX_SUBJECT {
        return Err(StoreError::Invalid(InvalidInput::NameRequired));
    }
    Ok(subject)
}

/// Fails with `NotFound` unless the organisation exists.
pub(crate) async fn org_exists(
    tx: &mut Transaction<'_, Any>,
    org_id: &str,
) -> Result<(), StoreError> {
    let found: Option<(String,)> = sqlx::query_as("SELECT id FROM organisations WHERE id = $1")
        .bind(org_id)
        .fetch_optional(&mut **tx)
        .await?;
    found.map(|_| ()).ok_or(StoreError::NotFound)
}
