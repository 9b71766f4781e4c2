//! Endpoint agents over the API. The company (or the provider's staff) makes an enrolment
//! token; `mamori-agent enroll` trades it for the machine's own token, which it then sends
//! heartbeats, posture reports and logs with. Anyone who may see the organisation reads its
//! agents and their latest posture.

use axum::Json;
use axum::extract::{FromRequestParts, Path, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use mamori_alerts::posture_changed;
use mamori_model::posture::HEARTBEAT_SECS;
use mamori_model::{Deed, DeviceKind, LogShipping, Posture};
use mamori_store::{Actor, Agent, Enrolment, StoreError};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::assessments::{org_for, visible_org};
use crate::auth::{ApiCaller, ClientAddr, bearer};
use crate::error::{ApiError, ErrorBody};
use crate::extract::ApiJson;
use crate::i18n::{Lang, negotiate};
use crate::state::AppState;

/// The longest an enrolment token may live, in days.
const MAX_TOKEN_DAYS: i64 = 90;

/// An agent's bearer token (and the caller's language): a request without one is a 401
/// before its body is read.
pub struct AgentToken(String, Lang);

impl<S: Send + Sync> FromRequestParts<S> for AgentToken {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let lang = negotiate(&parts.headers);
        bearer(&parts.headers)
            .map(|token| AgentToken(token.to_owned(), lang))
            .ok_or_else(|| ApiError::unauthorized(lang))
    }
}

/// How long a new enrolment token works.
#[derive(Deserialize, ToSchema)]
pub struct NewEnrolmentToken {
    /// Days from now, 1 to 90; 7 when absent.
    #[schema(minimum = 1, maximum = 90)]
    valid_days: Option<i64>,
}

/// A new enrolment token, shown only in this answer.
#[derive(Serialize, ToSchema)]
pub struct EnrolmentToken {
    /// The token to pass to `mamori-agent enroll --token`.
    token: String,
    /// When it stops working, Unix seconds.
    expires_at: i64,
}

/// What a machine says about itself when it enrols.
#[derive(Deserialize, ToSchema)]
pub struct EnrolRequest {
    /// The enrolment token the organisation made.
    #[schema(min_length = 1, max_length = 200)]
    token: String,
    /// The machine's host name.
    #[schema(min_length = 1, max_length = 200)]
    hostname: String,
    /// Its operating system.
    #[serde(default)]
    #[schema(max_length = 200)]
    os: String,
    /// The version of it.
    #[serde(default)]
    #[schema(max_length = 200)]
    os_version: String,
    /// `pc` or `server`.
    #[schema(value_type = String, pattern = "^(pc|server)$")]
    kind: DeviceKind,
}

/// The enrolled machine's credential, shown only in this answer.
#[derive(Serialize, ToSchema)]
pub struct EnrolAnswer {
    /// The agent's id.
    agent_id: String,
    /// The token to send heartbeats and logs with (`Authorization: Bearer …`).
    token: String,
    /// Seconds between heartbeats.
    heartbeat_secs: u64,
}

/// A heartbeat, with the posture report when the agent has a new one.
#[derive(Deserialize, ToSchema)]
pub struct Heartbeat {
    /// The posture report: `hostname`, `os`, `os_version`, `uptime_secs`, `reporter` and
    /// `checks` (each `id`, `status` = `pass`/`fail`/`unknown`, `evidence`).
    #[schema(value_type = Option<Object>)]
    posture: Option<Posture>,
    /// How log shipping stands: `source` (what the agent follows), `buffered` (lines waiting
    /// on the machine), `dropped` (lines lost for want of buffer room since installation).
    #[schema(value_type = Option<Object>)]
    logs: Option<LogShipping>,
}

/// What the server answers a heartbeat with.
#[derive(Serialize, ToSchema)]
pub struct HeartbeatAnswer {
    /// Seconds until the next heartbeat is due.
    next_in_secs: u64,
}

/// The organisation's agents.
#[derive(Serialize, ToSchema)]
pub struct AgentList {
    /// Each with `id`, `hostname`, `device_id`, `source_id`, `enrolled_at`, `last_seen_at`,
    /// and the latest `posture` with `posture_at`.
    #[schema(value_type = Vec<Object>)]
    agents: Vec<Agent>,
}

/// Makes an enrolment token for the organisation's machines (owners and the provider's
/// staff); any number of machines may enrol with it until it expires.
#[utoipa::path(post, path = "/orgs/{id}/enrolment-tokens", tag = "agents",
    params(("id" = String, Path, description = "Organisation id")),
    request_body = NewEnrolmentToken,
    responses((status = 201, body = EnrolmentToken), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn create_token(
    State(state): State<AppState>,
    caller: ApiCaller,
    ClientAddr(addr): ClientAddr,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<NewEnrolmentToken>,
) -> Result<(StatusCode, Json<EnrolmentToken>), ApiError> {
    let org = org_for(&state, &caller, &id, Deed::KeepAssets).await?;
    let days = body.valid_days.unwrap_or(7);
    if !(1..=MAX_TOKEN_DAYS).contains(&days) {
        return Err(ApiError::new(
            caller.lang,
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_input.valid_days",
            "agents.error.valid_days",
        ));
    }
    let (token, expires_at) = org
        .create_enrolment_token(&Actor::user(&caller.user, Some(addr)), days * 86_400)
        .await
        .map_err(|e| ApiError::from_store(caller.lang, e))?;
    Ok((
        StatusCode::CREATED,
        Json(EnrolmentToken { token, expires_at }),
    ))
}

/// Enrols a machine with an organisation's enrolment token: it becomes a monitored source
/// with a token of its own and a device in the inventory. Needs no sign-in; a token that is
/// unknown or has expired is a 401.
#[utoipa::path(post, path = "/agents/enrol", tag = "agents", security(()), request_body = EnrolRequest,
    responses((status = 201, body = EnrolAnswer), (status = 401, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn enrol(
    State(state): State<AppState>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<EnrolRequest>,
) -> Result<(StatusCode, Json<EnrolAnswer>), ApiError> {
    let lang = negotiate(&headers);
    let hostname = body.hostname.trim();
    let sized = |text: &str, most: usize| text.chars().count() <= most;
    if hostname.is_empty()
        || !sized(hostname, 200)
        || !sized(&body.os, 200)
        || !sized(&body.os_version, 200)
    {
        return Err(ApiError::new(
            lang,
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_input.hostname",
            "agents.error.hostname",
        ));
    }
    if !matches!(body.kind, DeviceKind::Pc | DeviceKind::Server) {
        return Err(ApiError::new(
            lang,
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_input.kind",
            "agents.error.kind",
        ));
    }
    let who = Enrolment {
        hostname: hostname.to_owned(),
        os: body.os.trim().to_owned(),
        os_version: body.os_version.trim().to_owned(),
        kind: body.kind,
    };
    match state.store.enrol_agent(body.token.trim(), &who).await {
        Ok(enrolled) => Ok((
            StatusCode::CREATED,
            Json(EnrolAnswer {
                agent_id: enrolled.agent.id,
                token: enrolled.token,
                heartbeat_secs: HEARTBEAT_SECS,
            }),
        )),
        Err(StoreError::NotFound) => Err(ApiError::new(
            lang,
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "agents.error.enrolment_token",
        )),
        Err(e) => Err(ApiError::from_store(lang, e)),
    }
}

/// A heartbeat from an enrolled agent (`Authorization: Bearer <the agent's token>`), with
/// its posture report when it has a new one. A check that turned to fail raises an alert; one
/// back in place resolves it.
#[utoipa::path(post, path = "/agents/heartbeat", tag = "agents", security(("bearer" = [])),
    request_body = Heartbeat,
    responses((status = 200, body = HeartbeatAnswer), (status = 401, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn heartbeat(
    State(state): State<AppState>,
    AgentToken(token, lang): AgentToken,
    ApiJson(body): ApiJson<Heartbeat>,
) -> Result<Json<HeartbeatAnswer>, ApiError> {
    match state
        .store
        .agent_heartbeat(&token, body.posture.as_ref(), body.logs.as_ref())
        .await
    {
        Ok((agent, before)) => {
            if let (Some(alerting), Some(_)) = (&state.alerting, &body.posture) {
                // The report is kept whatever happens here; a failure only costs this turn's
                // alert, and is logged.
                let now = chrono::Utc::now().timestamp();
                if let Err(e) = posture_changed(
                    &state.store,
                    &alerting.settings,
                    &agent,
                    before.as_ref(),
                    now,
                )
                .await
                {
                    tracing::error!(error = %e, agent = %agent.id, "posture alerts not raised");
                }
            }
            Ok(Json(HeartbeatAnswer {
                next_in_secs: HEARTBEAT_SECS,
            }))
        }
        Err(StoreError::NotFound) => Err(ApiError::unauthorized(lang)),
        Err(e) => Err(ApiError::from_store(lang, e)),
    }
}

/// The organisation's agents with their last heartbeat and latest posture.
#[utoipa::path(get, path = "/orgs/{id}/agents", tag = "agents",
    params(("id" = String, Path, description = "Organisation id")),
    responses((status = 200, body = AgentList), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
) -> Result<Json<AgentList>, ApiError> {
    let org = visible_org(&state, &caller, &id).await?;
    let agents = org
        .agents()
        .await
        .map_err(|e| ApiError::from_store(caller.lang, e))?;
    Ok(Json(AgentList { agents }))
}

/// Stops watching a machine that was disposed of or handed on (owners and the provider's
/// staff): its token stops working, its silence raises no alert and it leaves the list; its
/// events and inventory entry stay. Enrolling it again under the same host name resumes.
#[utoipa::path(post, path = "/orgs/{id}/agents/{agent_id}/retire", tag = "agents",
    params(("id" = String, Path, description = "Organisation id"),
        ("agent_id" = String, Path, description = "Agent id")),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn retire(
    State(state): State<AppState>,
    caller: ApiCaller,
    ClientAddr(addr): ClientAddr,
    Path((id, agent_id)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let org = org_for(&state, &caller, &id, Deed::KeepAssets).await?;
    org.retire_agent(&Actor::user(&caller.user, Some(addr)), &agent_id)
        .await
        .map_err(|e| ApiError::from_store(caller.lang, e))?;
    if let Some(ingest) = &state.ingest {
        ingest.sources_changed();
    }
    Ok(StatusCode::NO_CONTENT)
}
