//! Consultations (相談): a client company asks the provider's desk in its own words, and the
//! desk and the company write back and forth until it is settled. The company reaches its own
//! through [`Consultations`]; the desk's queue across every client is [`Store::consultation_queue`].
//! Who may write and how a reply moves the status are decided by the caller; this module keeps
//! the thread, the first-response time and the audit trail.

use mamori_model::{ConsultationStatus, ConsultationTopic, Deed, Scope, Urgency, User};
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::{AssertSqlSafe, Row};

use crate::audit::{Actor, AuditAction, record};
use crate::error::InvalidInput;
use crate::incidents::{Incident, add_entry, insert_incident};
use crate::tenant::Consultations;
use crate::{Store, StoreError, new_id, now};

/// The longest subject and message mamori keeps, in characters.
const MAX_SUBJECT: usize = 200;
const MAX_BODY: usize = 10_000;

/// A consultation as lists and its page show it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Consultation {
    /// Identifier.
    pub id: String,
    /// The company that asked.
    pub org_id: String,
    /// Its name.
    pub org_name: String,
    /// What it is about.
    pub topic: ConsultationTopic,
    /// How soon the company needs the desk.
    pub urgency: Urgency,
    /// A short subject in the company's words.
    pub subject: String,
    /// Where it stands.
    pub status: ConsultationStatus,
    /// The member who asked, and how to reach them.
    pub opened_by_name: String,
    /// Their e-mail address (the desk's answers are mailed there).
    pub opened_by_email: String,
    /// Their language (`ja`, `en`), when they chose one.
    pub opened_by_locale: Option<String>,
    /// Who at the desk is on it.
    pub assignee_id: Option<String>,
    /// Their name.
    pub assignee_name: Option<String>,
    /// The incident it became, if the desk recorded one.
    pub incident_id: Option<String>,
    /// When it was asked (Unix seconds).
    pub created_at: i64,
    /// The last reply or change.
    pub updated_at: i64,
    /// When the desk first answered.
    pub first_response_at: Option<i64>,
    /// When it was settled.
    pub resolved_at: Option<i64>,
}

/// One message of a consultation's thread.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConsultationMessage {
    /// When (Unix seconds).
    pub at: i64,
    /// Who wrote it.
    pub author_name: String,
    /// Written by the desk (else by the company).
    pub from_desk: bool,
    /// The text.
    pub body: String,
}

/// A file attached to a consultation, as received.
#[derive(Debug, Clone, PartialEq)]
pub struct NewAttachment {
    /// The file's name as the sender's computer called it.
    pub name: String,
    /// Its media type as the browser said.
    pub content_type: String,
    /// The contents.
    pub bytes: Vec<u8>,
}

/// A stored attachment, without its contents.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct Attachment {
    /// Identifier.
    pub id: String,
    /// The file's name.
    pub name: String,
    /// Its media type.
    pub content_type: String,
    /// Its size in bytes.
    pub size: i64,
}

/// What a company writes to open a consultation.
#[derive(Debug, Clone, PartialEq)]
pub struct NewConsultation {
    /// What it is about.
    pub topic: ConsultationTopic,
    /// How soon it is needed.
    pub urgency: Urgency,
    /// A short subject.
    pub subject: String,
    /// What happened, in the company's words.
    pub body: String,
    /// Files sent with it (the caller has checked their number and size).
    pub attachments: Vec<NewAttachment>,
}

/// A reply and the status it leaves the consultation in (the caller decides it).
#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    /// The text.
    pub body: String,
    /// Written by the desk (else by the company).
    pub from_desk: bool,
    /// The status afterwards.
    pub status: ConsultationStatus,
    /// Files sent with it (the caller has checked their number and size).
    pub attachments: Vec<NewAttachment>,
}

const SELECT: &str = "SELECT c.id, c.org_id, o.name, c.topic, c.urgency, c.subject, c.status,
        COALESCE(NULLIF(u.display_name, ''), u.email, ''), COALESCE(u.email, ''), c.assignee_id,
        COALESCE(NULLIF(a.display_name, ''), a.email), c.created_at, c.updated_at,
        c.first_response_at, c.resolved_at, u.locale, c.incident_id
    FROM consultations c JOIN organisations o ON o.id = c.org_id
    LEFT JOIN users u ON u.id = c.opened_by LEFT JOIN users a ON a.id = c.assignee_id";

fn from_row(row: &AnyRow) -> Result<Consultation, StoreError> {
    let (topic, urgency, status): (String, String, String) =
        (row.try_get(3)?, row.try_get(4)?, row.try_get(6)?);
    Ok(Consultation {
        id: row.try_get(0)?,
        org_id: row.try_get(1)?,
        org_name: row.try_get(2)?,
        topic: topic
            .parse()
            .map_err(|e| StoreError::corrupt("consultations.topic", e))?,
        urgency: urgency
            .parse()
            .map_err(|e| StoreError::corrupt("consultations.urgency", e))?,
        subject: row.try_get(5)?,
        status: status
            .parse()
            .map_err(|e| StoreError::corrupt("consultations.status", e))?,
        opened_by_name: row.try_get(7)?,
        opened_by_email: row.try_get(8)?,
        assignee_id: row.try_get(9)?,
        assignee_name: row.try_get(10)?,
        created_at: row.try_get(11)?,
        updated_at: row.try_get(12)?,
        first_response_at: row.try_get(13)?,
        resolved_at: row.try_get(14)?,
        opened_by_locale: row.try_get(15)?,
        incident_id: row.try_get(16)?,
    })
}

/// `text` trimmed, refused when empty or longer than `max` characters.
fn required(text: &str, max: usize) -> Result<&str, StoreError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(StoreError::Invalid(InvalidInput::TextRequired));
    }
    if text.chars().count() > max {
        return Err(StoreError::Invalid(InvalidInput::TextTooLong));
    }
    Ok(text)
}

async fn add_message(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    consultation: &str,
    org_id: &str,
    author: &User,
    from_desk: bool,
    body: &str,
    at: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO consultation_messages (id, consultation_id, org_id, at, author_id, from_desk, body)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(new_id())
    .bind(consultation)
    .bind(org_id)
    .bind(at)
    .bind(&author.id)
    .bind(i64::from(from_desk))
    .bind(body)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Stores `files` with consultation `consultation` of `org_id`.
async fn insert_attachments(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    consultation: &str,
    org_id: &str,
    files: &[NewAttachment],
    at: i64,
) -> Result<(), StoreError> {
    for file in files {
        sqlx::query(
            "INSERT INTO consultation_attachments (id, consultation_id, org_id, name,
                 content_type, size, data, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(new_id())
        .bind(consultation)
        .bind(org_id)
        .bind(file.name.trim())
        .bind(&file.content_type)
        .bind(file.bytes.len() as i64)
        .bind(&file.bytes)
        .bind(at)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

impl Consultations<'_> {
    /// Opens a consultation asked by `author` with its first message.
    pub async fn open(
        &self,
        actor: &Actor,
        author: &User,
        new: &NewConsultation,
    ) -> Result<Consultation, StoreError> {
        let subject = required(&new.subject, MAX_SUBJECT)?;
        let body = required(&new.body, MAX_BODY)?;
        let (id, at, org_id) = (new_id(), now(), self.org.id());
        let mut tx = self.org.store.begin_write().await?;
        sqlx::query(
            "INSERT INTO consultations (id, org_id, topic, urgency, subject, status, opened_by,
                 created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)",
        )
        .bind(&id)
        .bind(org_id)
        .bind(new.topic.as_str())
        .bind(new.urgency.as_str())
        .bind(subject)
        .bind(ConsultationStatus::Open.as_str())
        .bind(&author.id)
        .bind(at)
        .execute(&mut *tx)
        .await?;
        add_message(&mut tx, &id, org_id, author, false, body, at).await?;
        insert_attachments(&mut tx, &id, org_id, &new.attachments, at).await?;
        let action = AuditAction::ConsultationOpened;
        record(&mut *tx, actor, action, Some(org_id), Some(subject)).await?;
        tx.commit().await?;
        self.get(&id).await
    }

    /// The organisation's consultations, newest first.
    pub async fn list(&self) -> Result<Vec<Consultation>, StoreError> {
        let rows = sqlx::query(AssertSqlSafe(format!(
            "{SELECT} WHERE c.org_id = $1 ORDER BY c.created_at DESC, c.id DESC"
        )))
        .bind(self.org.id())
        .fetch_all(&self.org.store.pool)
        .await?;
        rows.iter().map(from_row).collect()
    }

    /// One of the organisation's consultations; another organisation's is `NotFound`.
    pub async fn get(&self, id: &str) -> Result<Consultation, StoreError> {
        let row = sqlx::query(AssertSqlSafe(format!(
            "{SELECT} WHERE c.id = $1 AND c.org_id = $2"
        )))
        .bind(id)
        .bind(self.org.id())
        .fetch_optional(&self.org.store.pool)
        .await?;
        row.as_ref().map(from_row).ok_or(StoreError::NotFound)?
    }

    /// The files attached to consultation `id`, in the order they were sent.
    pub async fn attachments(&self, id: &str) -> Result<Vec<Attachment>, StoreError> {
        let consultation = self.get(id).await?;
        let rows: Vec<Attachment> = sqlx::query_as(
            "SELECT id, name, content_type, size FROM consultation_attachments
             WHERE consultation_id = $1 AND org_id = $2 ORDER BY created_at, id",
        )
        .bind(&consultation.id)
        .bind(self.org.id())
        .fetch_all(&self.org.store.pool)
        .await?;
        Ok(rows)
    }

    /// Attachment `file` of consultation `id` with its contents.
    pub async fn attachment(
        &self,
        id: &str,
        file: &str,
    ) -> Result<(Attachment, Vec<u8>), StoreError> {
        let row = sqlx::query(
            "SELECT id, name, content_type, size, data FROM consultation_attachments
             WHERE id = $1 AND consultation_id = $2 AND org_id = $3",
        )
        .bind(file)
        .bind(id)
        .bind(self.org.id())
        .fetch_optional(&self.org.store.pool)
        .await?
        .ok_or(StoreError::NotFound)?;
        let info = Attachment {
            id: row.try_get(0)?,
            name: row.try_get(1)?,
            content_type: row.try_get(2)?,
            size: row.try_get(3)?,
        };
        Ok((info, row.try_get(4)?))
    }

    /// The thread of consultation `id`, oldest first.
    pub async fn messages(&self, id: &str) -> Result<Vec<ConsultationMessage>, StoreError> {
        let consultation = self.get(id).await?;
        let rows: Vec<(i64, String, i64, String)> = sqlx::query_as(
            "SELECT m.at, COALESCE(NULLIF(u.display_name, ''), u.email, ''), m.from_desk, m.body
             FROM consultation_messages m LEFT JOIN users u ON u.id = m.author_id
             WHERE m.consultation_id = $1 AND m.org_id = $2 ORDER BY m.at, m.id",
        )
        .bind(&consultation.id)
        .bind(self.org.id())
        .fetch_all(&self.org.store.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(at, author_name, from_desk, body)| ConsultationMessage {
                at,
                author_name,
                from_desk: from_desk != 0,
                body,
            })
            .collect())
    }

    /// Adds `reply` by `author` to consultation `id` and sets the status it decided; the desk's
    /// first reply is the first response.
    pub async fn reply(
        &self,
        actor: &Actor,
        author: &User,
        id: &str,
        reply: &Reply,
    ) -> Result<Consultation, StoreError> {
        let consultation = self.get(id).await?;
        let body = required(&reply.body, MAX_BODY)?;
        let at = now();
        let mut tx = self.org.store.begin_write().await?;
        add_message(
            &mut tx,
            id,
            self.org.id(),
            author,
            reply.from_desk,
            body,
            at,
        )
        .await?;
        let resolved = reply.status == ConsultationStatus::Resolved;
        sqlx::query(
            "UPDATE consultations SET status = $1, updated_at = $2,
                 first_response_at = CASE WHEN $3 = 1 AND first_response_at IS NULL THEN $2
                                          ELSE first_response_at END,
                 resolved_at = CASE WHEN $4 = 1 THEN $2 ELSE NULL END
             WHERE id = $5 AND org_id = $6",
        )
        .bind(reply.status.as_str())
        .bind(at)
        .bind(i64::from(reply.from_desk))
        .bind(i64::from(resolved))
        .bind(id)
        .bind(self.org.id())
        .execute(&mut *tx)
        .await?;
        let action = AuditAction::ConsultationReplied;
        let target = Some(consultation.subject.as_str());
        record(&mut *tx, actor, action, Some(self.org.id()), target).await?;
        tx.commit().await?;
        self.get(id).await
    }

    /// Gives consultation `id` to `assignee` (the provider's staff who answer consultations),
    /// or to nobody.
    pub async fn assign(
        &self,
        actor: &Actor,
        id: &str,
        assignee: Option<&str>,
    ) -> Result<Consultation, StoreError> {
        let consultation = self.get(id).await?;
        if let Some(user_id) = assignee {
            let user = self.org.store.user_by_id(user_id).await?;
            if !user.is_some_and(|u| u.may(Deed::AnswerConsultations)) {
                return Err(StoreError::Invalid(InvalidInput::AssigneeNotStaff));
            }
        }
        let mut tx = self.org.store.begin_write().await?;
        sqlx::query(
            "UPDATE consultations SET assignee_id = $1, updated_at = $2 WHERE id = $3 AND org_id = $4",
        )
        .bind(assignee)
        .bind(now())
        .bind(id)
        .bind(self.org.id())
        .execute(&mut *tx)
        .await?;
        let action = AuditAction::ConsultationAssigned;
        let target = Some(consultation.subject.as_str());
        record(&mut *tx, actor, action, Some(self.org.id()), target).await?;
        tx.commit().await?;
        self.get(id).await
    }
}

impl Consultations<'_> {
    /// Records consultation `id` as an incident titled `title` of `category` (an unknown one
    /// is `other`), whose timeline starts from the consultation; a consultation already
    /// recorded returns its incident.
    pub async fn escalate(
        &self,
        actor: &Actor,
        id: &str,
        title: &str,
        category: &str,
    ) -> Result<Incident, StoreError> {
        let consultation = self.get(id).await?;
        let scope = Scope::Organisation(self.org.id().to_owned());
        if let Some(existing) = &consultation.incident_id {
            return self.org.store.incident(&scope, existing).await;
        }
        let mut tx = self.org.store.begin_write().await?;
        let org_id = self.org.id();
        let (incident, at) = insert_incident(&mut tx, actor, org_id, title, category).await?;
        sqlx::query(
            "UPDATE consultations SET incident_id = $1, updated_at = $2 WHERE id = $3 AND org_id = $4",
        )
        .bind(&incident)
        .bind(at)
        .bind(id)
        .bind(org_id)
        .execute(&mut *tx)
        .await?;
        add_entry(&mut tx, &incident, org_id, actor, &consultation.subject).await?;
        tx.commit().await?;
        self.org.store.incident(&scope, &incident).await
    }
}

impl Store {
    /// The desk's queue: every consultation `scope` may see that is not settled, and those
    /// settled in the last week, oldest first.
    pub async fn consultation_queue(&self, scope: &Scope) -> Result<Vec<Consultation>, StoreError> {
        let rows = sqlx::query(AssertSqlSafe(format!(
            "{SELECT} WHERE ($1 IS NULL OR c.org_id = $1)
               AND (c.status <> $2 OR c.resolved_at >= $3)
             ORDER BY c.created_at, c.id"
        )))
        .bind(scope.only_org())
        .bind(ConsultationStatus::Resolved.as_str())
        .bind(now() - 7 * 86_400)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(from_row).collect()
    }
}
