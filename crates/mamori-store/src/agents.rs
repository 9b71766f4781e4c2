//! Endpoint agents: enrolment tokens an organisation hands to its PCs, the agents enrolled
//! with them, and each agent's latest heartbeat and posture report. An agent is a monitored
//! source (its token carries its logs and heartbeats) and a device in the inventory; this
//! module ties the three together and keeps them inside the organisation that made the token.

use std::collections::HashMap;

use mamori_model::{Device, DeviceKind, LogShipping, Posture};
use serde::Serialize;

use crate::audit::{Actor, AuditAction, record};
use crate::devices::write as write_device;
use crate::error::InvalidInput;
use crate::secrets::{digest, random_token};
use crate::sources::{NewSource, SourceIdentity, insert_source, retire_in};
use crate::tenant::OrgStore;
use crate::{Store, StoreError, new_id, now};

/// The format an agent's source is read in: the systemd journal entries it ships.
const AGENT_FORMAT: &str = "journald";
/// How long a server may go unheard before the silent-source watch raises an alert.
const SERVER_SILENCE_SECS: i64 = 3600;
/// The same for a PC, which is switched off at night and over weekends.
const PC_SILENCE_SECS: i64 = 3 * 86_400;

/// An enrolled agent with its latest report.
#[derive(Debug, Clone, Serialize)]
pub struct Agent {
    /// Identifier.
    pub id: String,
    /// The organisation it belongs to.
    pub org_id: String,
    /// The monitored source it sends as.
    pub source_id: String,
    /// The inventory device it reports for.
    pub device_id: String,
    /// The host name it enrolled with.
    pub hostname: String,
    /// When it enrolled.
    pub enrolled_at: i64,
    /// Its last heartbeat (its enrolment until the first).
    pub last_seen_at: i64,
    /// Its latest posture report, if it has sent one.
    pub posture: Option<Posture>,
    /// When that report came.
    pub posture_at: Option<i64>,
    /// How its log shipping stood at the latest heartbeat that said.
    pub logs: Option<LogShipping>,
}

/// What an agent tells about itself when it enrols.
#[derive(Debug, Clone)]
pub struct Enrolment {
    /// Its host name.
    pub hostname: String,
    /// Its operating system and version.
    pub os: String,
    /// The version of it.
    pub os_version: String,
    /// A PC or a server.
    pub kind: DeviceKind,
}

/// An agent just enrolled, with the token it sends with from now on (shown only here).
#[derive(Debug, Clone)]
pub struct Enrolled {
    /// The agent.
    pub agent: Agent,
    /// Its credential: the bearer token of its monitored source.
    pub token: String,
}

type AgentRow = (
    String,
    String,
    String,
    String,
    String,
    i64,
    i64,
    Option<String>,
    Option<i64>,
    Option<String>,
);

const AGENT_COLUMNS: &str = "id, org_id, source_id, device_id, hostname, enrolled_at, last_seen_at, posture, posture_at, logs";

fn agent_from_row(row: AgentRow) -> Result<Agent, StoreError> {
    let (id, org_id, source_id, device_id, hostname, enrolled_at, last_seen_at, posture, at, logs) =
        row;
    let posture = posture
        .map(|text| serde_json::from_str(&text))
        .transpose()
        .map_err(|e| StoreError::corrupt("agents.posture", e))?;
    let logs = logs
        .map(|text| serde_json::from_str(&text))
        .transpose()
        .map_err(|e| StoreError::corrupt("agents.logs", e))?;
    Ok(Agent {
        id,
        org_id,
        source_id,
        device_id,
        hostname,
        enrolled_at,
        last_seen_at,
        posture,
        posture_at: at,
        logs,
    })
}

impl OrgStore {
    /// Makes an enrolment token for the organisation, valid for `valid_secs`; any number of
    /// the organisation's machines may enrol with it until then. Returns the token (shown
    /// only once) and when it stops working.
    pub async fn create_enrolment_token(
        &self,
        actor: &Actor,
        valid_secs: i64,
    ) -> Result<(String, i64), StoreError> {
        let token = random_token("mme_");
        let expires_at = now() + valid_secs;
        let mut tx = self.store.begin_write().await?;
        sqlx::query(
            "INSERT INTO enrolment_tokens (token_hash, org_id, created_at, expires_at)
             VALUES ($1, $2, $3, $4)",
        )
        .bind(digest(&token))
        .bind(self.id())
        .bind(now())
        .bind(expires_at)
        .execute(&mut *tx)
        .await?;
        let action = AuditAction::AgentEnrolmentTokenCreated;
        record(&mut *tx, actor, action, Some(self.id()), None).await?;
        tx.commit().await?;
        Ok((token, expires_at))
    }

    /// Heartbeats of each of the organisation's agents on the days `from`..=`to`
    /// (`YYYY-MM-DD`, the site's calendar), by agent id.
    pub async fn agent_beats(
        &self,
        from: chrono::NaiveDate,
        to: chrono::NaiveDate,
    ) -> Result<HashMap<String, i64>, StoreError> {
        let rows: Vec<(String, i64)> = sqlx::query_as(
            "SELECT agent_id, CAST(SUM(beats) AS BIGINT) FROM agent_beats
             WHERE org_id = $1 AND day >= $2 AND day <= $3 GROUP BY agent_id",
        )
        .bind(self.id())
        .bind(from.to_string())
        .bind(to.to_string())
        .fetch_all(&self.store.pool)
        .await?;
        Ok(rows.into_iter().collect())
    }

    /// The organisation's agents in service, by host name.
    pub async fn agents(&self) -> Result<Vec<Agent>, StoreError> {
        let rows: Vec<AgentRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {AGENT_COLUMNS} FROM agents
             WHERE org_id = $1 AND retired_at IS NULL ORDER BY hostname, id"
        )))
        .bind(self.id())
        .fetch_all(&self.store.pool)
        .await?;
        rows.into_iter().map(agent_from_row).collect()
    }

    /// The agents in service at some time from `since` (Unix seconds) on: in service now or
    /// retired since, for reports on past months.
    pub async fn agents_since(&self, since: i64) -> Result<Vec<Agent>, StoreError> {
        let rows: Vec<AgentRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {AGENT_COLUMNS} FROM agents
             WHERE org_id = $1 AND (retired_at IS NULL OR retired_at >= $2)
             ORDER BY hostname, id"
        )))
        .bind(self.id())
        .bind(since)
        .fetch_all(&self.store.pool)
        .await?;
        rows.into_iter().map(agent_from_row).collect()
    }

    /// Retires agent `agent_id` (a machine disposed of or no longer watched): its token stops
    /// working, its source leaves the watch (an open "no logs" alert for it is resolved by the
    /// next watch) and it leaves the list; its events, heartbeat history and inventory entry
    /// stay. [`StoreError::NotFound`] for an agent of another organisation or one already
    /// retired.
    pub async fn retire_agent(&self, actor: &Actor, agent_id: &str) -> Result<Agent, StoreError> {
        let at = now();
        let mut tx = self.store.begin_write().await?;
        let row: Option<AgentRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "UPDATE agents SET retired_at = $1
             WHERE id = $2 AND org_id = $3 AND retired_at IS NULL
             RETURNING {AGENT_COLUMNS}"
        )))
        .bind(at)
        .bind(agent_id)
        .bind(self.id())
        .fetch_optional(&mut *tx)
        .await?;
        let agent = agent_from_row(row.ok_or(StoreError::NotFound)?)?;
        retire_in(&mut tx, self.id(), &agent.source_id, at).await?;
        let action = AuditAction::AgentRetired;
        record(
            &mut *tx,
            actor,
            action,
            Some(self.id()),
            Some(&agent.hostname),
        )
        .await?;
        tx.commit().await?;
        Ok(agent)
    }
}

impl Store {
    /// Enrols a machine with enrolment token `token`: registers it as a monitored source that
    /// sends with a token of its own, adds it to the organisation's inventory and records the
    /// agent. A machine the organisation already has under the same host name (reinstalled,
    /// say) keeps its agent, source and device and gets a new token; the old one stops working.
    /// [`StoreError::NotFound`] when the token is unknown or has expired.
    pub async fn enrol_agent(&self, token: &str, who: &Enrolment) -> Result<Enrolled, StoreError> {
        let org_id: Option<String> = sqlx::query_scalar(
            "SELECT org_id FROM enrolment_tokens WHERE token_hash = $1 AND expires_at > $2",
        )
        .bind(digest(token))
        .bind(now())
        .fetch_optional(&self.pool)
        .await?;
        let org_id = org_id.ok_or(StoreError::NotFound)?;
        let actor = Actor::agent(&who.hostname);
        // The latest agent of that name, retired or not: a retired machine enrolled again
        // comes back as the same entry.
        let known: Option<AgentRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {AGENT_COLUMNS} FROM agents WHERE org_id = $1 AND hostname = $2
             ORDER BY enrolled_at DESC, id DESC LIMIT 1"
        )))
        .bind(&org_id)
        .bind(&who.hostname)
        .fetch_optional(&self.pool)
        .await?;
        if let Some(known) = known {
            return self.re_enrol(&actor, agent_from_row(known)?).await;
        }
        if who.hostname.trim().is_empty() {
            return Err(StoreError::Invalid(InvalidInput::NameRequired));
        }
        // Source, inventory entry and agent are written together: a failure leaves none.
        let mut tx = self.begin_write().await?;
        let (source, secret) = insert_source(
            &mut tx,
            &actor,
            NewSource {
                org_id: org_id.clone(),
                name: who.hostname.clone(),
                format: AGENT_FORMAT.into(),
                json_mapping: None,
                identity: SourceIdentity::Token,
                expected_interval_secs: match who.kind {
                    DeviceKind::Pc => PC_SILENCE_SECS,
                    _ => SERVER_SILENCE_SECS,
                },
            },
        )
        .await?;
        let secret =
            secret.ok_or_else(|| StoreError::corrupt("sources.token_hash", "none made"))?;
        let mut device = Device::new(who.kind, &who.hostname);
        device.os = who.os.clone();
        device.os_version = who.os_version.clone();
        device.source_id = Some(source.id.clone());
        let device_id = new_id();
        write_device(&mut tx, &org_id, &device_id, &device).await?;
        let saved = AuditAction::DeviceSaved;
        record(&mut *tx, &actor, saved, Some(&org_id), Some(&device.name)).await?;
        let at = now();
        let agent = Agent {
            id: new_id(),
            org_id: org_id.clone(),
            source_id: source.id,
            device_id,
            hostname: who.hostname.clone(),
            enrolled_at: at,
            last_seen_at: at,
            posture: None,
            posture_at: None,
            logs: None,
        };
        sqlx::query(
            "INSERT INTO agents (id, org_id, source_id, device_id, hostname, enrolled_at, last_seen_at)
             VALUES ($1, $2, $3, $4, $5, $6, $6)",
        )
        .bind(&agent.id)
        .bind(&agent.org_id)
        .bind(&agent.source_id)
        .bind(&agent.device_id)
        .bind(&agent.hostname)
        .bind(at)
        .execute(&mut *tx)
        .await?;
        let action = AuditAction::AgentEnrolled;
        record(&mut *tx, &actor, action, Some(&org_id), Some(&who.hostname)).await?;
        tx.commit().await?;
        Ok(Enrolled {
            agent,
            token: secret,
        })
    }

    /// Gives agent `known` a new token (its source's), so a reinstalled machine carries on
    /// as the same entry; a retired one is back in service.
    async fn re_enrol(&self, actor: &Actor, known: Agent) -> Result<Enrolled, StoreError> {
        let token = random_token("mms_");
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "UPDATE sources SET token_hash = $1, retired_at = NULL WHERE id = $2 AND org_id = $3",
        )
        .bind(digest(&token))
        .bind(&known.source_id)
        .bind(&known.org_id)
        .execute(&mut *tx)
        .await?;
        sqlx::query("UPDATE agents SET retired_at = NULL WHERE id = $1 AND org_id = $2")
            .bind(&known.id)
            .bind(&known.org_id)
            .execute(&mut *tx)
            .await?;
        // Its inventory entry (unless removed meanwhile) describes the watched machine again.
        sqlx::query("UPDATE devices SET source_id = $1 WHERE id = $2 AND org_id = $3")
            .bind(&known.source_id)
            .bind(&known.device_id)
            .bind(&known.org_id)
            .execute(&mut *tx)
            .await?;
        let action = AuditAction::AgentEnrolled;
        record(
            &mut *tx,
            actor,
            action,
            Some(&known.org_id),
            Some(&known.hostname),
        )
        .await?;
        tx.commit().await?;
        Ok(Enrolled {
            agent: known,
            token,
        })
    }

    /// Records a heartbeat from the agent whose source token is `token`, with its posture
    /// report and how its log shipping stands when it sent them. Answers the agent as it now
    /// stands and the posture report it had before, so the alerting stage can tell which
    /// checks turned. [`StoreError::NotFound`] when no agent has that token.
    pub async fn agent_heartbeat(
        &self,
        token: &str,
        posture: Option<&Posture>,
        logs: Option<&LogShipping>,
    ) -> Result<(Agent, Option<Posture>), StoreError> {
        let source = self
            .source_by_token(token)
            .await?
            .ok_or(StoreError::NotFound)?;
        let at = now();
        let report = posture
            .map(serde_json::to_string)
            .transpose()
            .map_err(|e| StoreError::corrupt("agents.posture", e))?;
        let logs = logs
            .map(serde_json::to_string)
            .transpose()
            .map_err(|e| StoreError::corrupt("agents.logs", e))?;
        let mut tx = self.begin_write().await?;
        let before: Option<Option<String>> =
            sqlx::query_scalar("SELECT posture FROM agents WHERE source_id = $1")
                .bind(&source.id)
                .fetch_optional(&mut *tx)
                .await?;
        let before: Option<Posture> = before
            .flatten()
            .map(|text| serde_json::from_str(&text))
            .transpose()
            .map_err(|e| StoreError::corrupt("agents.posture", e))?;
        let done = sqlx::query(
            "UPDATE agents SET last_seen_at = $1,
                 posture = COALESCE($2, posture),
                 posture_at = CASE WHEN $2 IS NULL THEN posture_at ELSE $1 END,
                 logs = COALESCE($4, logs)
             WHERE source_id = $3",
        )
        .bind(at)
        .bind(report.as_deref())
        .bind(&source.id)
        .bind(logs.as_deref())
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        // A heartbeat is a sign of life: the silent-source watch alerts when they stop.
        sqlx::query(
            "UPDATE sources SET last_seen_at = $1
             WHERE id = $2 AND (last_seen_at IS NULL OR last_seen_at < $1)",
        )
        .bind(at)
        .bind(&source.id)
        .execute(&mut *tx)
        .await?;
        let day = self.zone.today().to_string();
        sqlx::query(
            "INSERT INTO agent_beats (agent_id, org_id, day, beats)
             SELECT id, org_id, $1, 1 FROM agents WHERE source_id = $2
             ON CONFLICT (agent_id, day) DO UPDATE SET beats = agent_beats.beats + 1",
        )
        .bind(&day)
        .bind(&source.id)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        let row: AgentRow = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {AGENT_COLUMNS} FROM agents WHERE source_id = $1"
        )))
        .bind(&source.id)
        .fetch_one(&self.pool)
        .await?;
        Ok((agent_from_row(row)?, before))
    }
}
