//! Consultations with the provider's desk over the API: a company's people list, ask and
//! reply in their own organisation; the desk reads its queue across clients and answers (the
//! answer is e-mailed to whoever asked). Another organisation's consultations are 404.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use mamori_model::Deed;
use mamori_store::{Actor, ConsultationMessage, NewConsultation, OrgStore};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::assessments::visible_org;
use crate::auth::{ApiCaller, ClientAddr};
use crate::consultation::{ConsultationView, Written, add_reply, may_write, targets};
use crate::error::{ApiError, ErrorBody};
use crate::extract::ApiJson;
use crate::i18n::Messages;
use crate::state::AppState;

/// A consultation: what was asked, where it stands and when the desk's first answer is due.
#[derive(Serialize, ToSchema)]
pub struct ConsultationItem {
    /// Identifier.
    id: String,
    /// The organisation that asked.
    org_id: String,
    /// Its name.
    org_name: String,
    /// What it is about.
    #[schema(pattern = "^(suspicious_mail|strange_pc|lost_device|setting_question|other)$")]
    topic: String,
    /// How urgent.
    #[schema(pattern = "^(high|normal|low)$")]
    urgency: String,
    /// Subject.
    subject: String,
    /// Where it stands.
    #[schema(pattern = "^(open|waiting_customer|resolved)$")]
    status: String,
    /// Who asked.
    opened_by_name: String,
    /// Who at the desk handles it.
    assignee_name: Option<String>,
    /// The incident it became.
    incident_id: Option<String>,
    /// When it was asked (Unix seconds).
    created_at: i64,
    /// The last reply or change (Unix seconds).
    updated_at: i64,
    /// When the desk first answered (Unix seconds).
    first_response_at: Option<i64>,
    /// When the first answer is due by the desk's targets (Unix seconds).
    due_at: i64,
    /// Not answered and past the due time.
    overdue: bool,
}

impl From<ConsultationView> for ConsultationItem {
    fn from(v: ConsultationView) -> Self {
        let c = v.consultation;
        ConsultationItem {
            id: c.id,
            org_id: c.org_id,
            org_name: c.org_name,
            topic: c.topic.as_str().to_owned(),
            urgency: c.urgency.as_str().to_owned(),
            subject: c.subject,
            status: c.status.as_str().to_owned(),
            opened_by_name: c.opened_by_name,
            assignee_name: c.assignee_name,
            incident_id: c.incident_id,
            created_at: c.created_at,
            updated_at: c.updated_at,
            first_response_at: c.first_response_at,
            due_at: v.due_at,
            overdue: v.overdue,
        }
    }
}

/// One message of a consultation.
#[derive(Serialize, ToSchema)]
pub struct MessageItem {
    /// When (Unix seconds).
    at: i64,
    /// Who wrote it.
    author_name: String,
    /// Written by the desk (else by the company).
    from_desk: bool,
    /// The text.
    body: String,
}

impl From<ConsultationMessage> for MessageItem {
    fn from(m: ConsultationMessage) -> Self {
        MessageItem {
            at: m.at,
            author_name: m.author_name,
            from_desk: m.from_desk,
            body: m.body,
        }
    }
}

/// A consultation with its messages, oldest first.
#[derive(Serialize, ToSchema)]
pub struct ConsultationDetail {
    /// The consultation.
    consultation: ConsultationItem,
    /// Its messages.
    messages: Vec<MessageItem>,
    /// For a reply by the desk: what became of the e-mail to whoever asked (`sent`,
    /// `no_server`, `failed`).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(pattern = "^(sent|no_server|failed)$")]
    mail: Option<String>,
}

/// What a company asks.
#[derive(Deserialize, ToSchema)]
pub struct AskBody {
    /// What it is about.
    #[schema(pattern = "^(suspicious_mail|strange_pc|lost_device|setting_question|other)$")]
    topic: String,
    /// How urgent.
    #[schema(pattern = "^(high|normal|low)$")]
    urgency: String,
    /// Subject, up to 200 characters.
    subject: String,
    /// What happened, up to 10,000 characters.
    body: String,
}

/// A reply.
#[derive(Deserialize, ToSchema)]
pub struct ReplyBody {
    /// The text, up to 10,000 characters.
    body: String,
    /// The desk settles the consultation with this reply.
    #[serde(default)]
    resolve: bool,
}

async fn detail(
    state: &AppState,
    caller: &ApiCaller,
    org: &OrgStore,
    id: &str,
    mail: Option<String>,
) -> Result<ConsultationDetail, ApiError> {
    let store_error = |e| ApiError::from_store(caller.lang, e);
    let consultations = org.consultations();
    let consultation = consultations.get(id).await.map_err(store_error)?;
    let messages = consultations.messages(id).await.map_err(store_error)?;
    let targets = targets(&state.store).await.map_err(store_error)?;
    let view = ConsultationView::new(consultation, &targets, mamori_store::now());
    Ok(ConsultationDetail {
        consultation: view.into(),
        messages: messages.into_iter().map(Into::into).collect(),
        mail,
    })
}

/// The organisation's consultations, newest first.
#[utoipa::path(get, path = "/orgs/{id}/consultations", tag = "consultations",
    params(("id" = String, Path, description = "Organisation id")),
    responses((status = 200, body = Vec<ConsultationItem>), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
) -> Result<Json<Vec<ConsultationItem>>, ApiError> {
    let org = visible_org(&state, &caller, &id).await?;
    let store_error = |e| ApiError::from_store(caller.lang, e);
    let targets = targets(&state.store).await.map_err(store_error)?;
    let now = mamori_store::now();
    let list = org.consultations().list().await.map_err(store_error)?;
    Ok(Json(
        list.into_iter()
            .map(|c| ConsultationView::new(c, &targets, now).into())
            .collect(),
    ))
}

/// Asks the desk (the organisation's owner or staff).
#[utoipa::path(post, path = "/orgs/{id}/consultations", tag = "consultations", request_body = AskBody,
    params(("id" = String, Path, description = "Organisation id")),
    responses((status = 201, body = ConsultationDetail), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn ask(
    State(state): State<AppState>,
    caller: ApiCaller,
    ClientAddr(addr): ClientAddr,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<AskBody>,
) -> Result<(StatusCode, Json<ConsultationDetail>), ApiError> {
    let lang = caller.lang;
    let org = visible_org(&state, &caller, &id).await?;
    if !caller.user.may_in(Deed::AskTheDesk, &id) {
        return Err(ApiError::forbidden(lang));
    }
    let choose = || ApiError::invalid("invalid_input.topic", lang.t("consultations.error.choose"));
    let new = NewConsultation {
        topic: body.topic.parse().map_err(|_| choose())?,
        urgency: body.urgency.parse().map_err(|_| choose())?,
        subject: body.subject,
        body: body.body,
        // Files are attached on the portal's form; the JSON API carries text only.
        attachments: Vec::new(),
    };
    let actor = Actor::user(&caller.user, Some(addr));
    let asked = org
        .consultations()
        .open(&actor, &caller.user, &new)
        .await
        .map_err(|e| ApiError::from_store(lang, e))?;
    let detail = detail(&state, &caller, &org, &asked.id, None).await?;
    Ok((StatusCode::CREATED, Json(detail)))
}

/// One consultation with its messages.
#[utoipa::path(get, path = "/orgs/{id}/consultations/{cid}", tag = "consultations",
    params(("id" = String, Path, description = "Organisation id"), ("cid" = String, Path, description = "Consultation id")),
    responses((status = 200, body = ConsultationDetail), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_one(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path((id, cid)): Path<(String, String)>,
) -> Result<Json<ConsultationDetail>, ApiError> {
    let org = visible_org(&state, &caller, &id).await?;
    Ok(Json(detail(&state, &caller, &org, &cid, None).await?))
}

/// Replies: the desk's answer is e-mailed to whoever asked and may settle the consultation;
/// the company's reply hands the turn back to the desk.
#[utoipa::path(post, path = "/orgs/{id}/consultations/{cid}/replies", tag = "consultations", request_body = ReplyBody,
    params(("id" = String, Path, description = "Organisation id"), ("cid" = String, Path, description = "Consultation id")),
    responses((status = 201, body = ConsultationDetail), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn reply(
    State(state): State<AppState>,
    caller: ApiCaller,
    ClientAddr(addr): ClientAddr,
    Path((id, cid)): Path<(String, String)>,
    ApiJson(body): ApiJson<ReplyBody>,
) -> Result<(StatusCode, Json<ConsultationDetail>), ApiError> {
    let org = visible_org(&state, &caller, &id).await?;
    if !may_write(&caller.user, &id) {
        return Err(ApiError::forbidden(caller.lang));
    }
    let actor = Actor::user(&caller.user, Some(addr));
    let written = Written {
        body: body.body,
        resolve: body.resolve,
        // Files are attached on the portal's form; the JSON API carries text only.
        attachments: Vec::new(),
    };
    let (_, mailed) = add_reply(&state, &actor, &caller.user, &org, &cid, written)
        .await
        .map_err(|e| ApiError::from_store(caller.lang, e))?;
    let mail = mailed.map(|m| m.as_str().to_owned());
    let detail = detail(&state, &caller, &org, &cid, mail).await?;
    Ok((StatusCode::CREATED, Json(detail)))
}

/// The desk's queue: every client's consultations not settled (and those settled in the
/// last week), oldest first (the provider's staff who answer consultations).
#[utoipa::path(get, path = "/consultations", tag = "consultations",
    responses((status = 200, body = Vec<ConsultationItem>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn queue(
    State(state): State<AppState>,
    caller: ApiCaller,
) -> Result<Json<Vec<ConsultationItem>>, ApiError> {
    if !caller.user.may(Deed::AnswerConsultations) {
        return Err(ApiError::forbidden(caller.lang));
    }
    let store_error = |e| ApiError::from_store(caller.lang, e);
    let targets = targets(&state.store).await.map_err(store_error)?;
    let now = mamori_store::now();
    let queue = state
        .store
        .consultation_queue(&caller.user.scope())
        .await
        .map_err(store_error)?;
    Ok(Json(
        queue
            .into_iter()
            .map(|c| ConsultationView::new(c, &targets, now).into())
            .collect(),
    ))
}
