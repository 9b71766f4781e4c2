//! The basic policy, handbook and regulations over the API: company parameters, the current
//! draft as generated, approval, issuing versions and reading them back — tenant-scoped like
//! every organisation read.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use mamori_model::{Deed, Lang};
use mamori_policies::{
    DiffLine, Document, DocumentKind, Edits, Params, PolicyError, RuleChange, check_values, diff,
    outline, unexplained, unknown_clauses,
};
use mamori_store::{Actor, DocumentDraft, DocumentVersion, OrgStore};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::assessments::visible_org;
use crate::auth::{ApiCaller, ClientAddr};
use crate::error::{ApiError, ErrorBody};
use crate::extract::{ApiJson, ApiQuery};
use crate::i18n::Messages;
use crate::measures::MeasureError;
use crate::measures::documents::{Overrides, build, handbook_changes, issue, issued, texts};
use crate::state::AppState;

/// The company parameters shared by the three documents.
#[derive(Serialize, Deserialize, ToSchema)]
pub struct DocumentParams {
    /// Values by key (`representative_name`, `established_on` as `YYYY-MM-DD`, `scope` …);
    /// `GET /orgs/{id}/documents/{kind}` names the missing ones.
    params: BTreeMap<String, String>,
}

/// The current draft of a document.
#[derive(Serialize, ToSchema)]
pub struct DocumentDraftView {
    /// `policy`, `handbook` or `regulations`.
    kind: String,
    /// The generated document (sections, paragraphs, rules); absent while parameters are
    /// missing.
    #[schema(value_type = Option<Object>)]
    document: Option<Document>,
    /// Why it could not be generated: the missing parameter keys.
    missing: Vec<String>,
    /// Why it could not be generated: the sections (regulations chapters) left out without a
    /// reason.
    unexplained: Vec<String>,
    /// Handbook only: the issued version the latest self-assessment is compared with, when
    /// it changes rules.
    changed_since: Option<i64>,
    /// Handbook only: the rules whose standing the latest self-assessment changed since that
    /// version (`item`, `title`, `before`, `after`: `todo`, `unknown` or null for in place).
    /// Approving and issuing the draft brings the handbook up to date.
    #[schema(value_type = Vec<Object>)]
    rule_changes: Vec<RuleChange>,
    /// The stored draft: language, edits and approval.
    #[schema(value_type = Option<Object>)]
    draft: Option<DocumentDraft>,
}

/// The owner's edits to a draft.
#[derive(Deserialize, ToSchema)]
pub struct DraftEdits {
    /// `ja` or `en`; the current draft's language (or the caller's) when absent.
    #[schema(pattern = "^(ja|en)$")]
    lang: Option<String>,
    /// Edits by section id: `{"purpose": {"text": "…", "replace": false}, "scope": {"included":
    /// false}}`. Ids are those of `GET …/documents/{kind}`'s sections; others are refused. A
    /// regulations chapter left out needs a `reason` (`{"telework": {"included": false,
    /// "reason": "…"}}`), printed where the chapter would be. Articles of the regulations are
    /// reworded clause by clause: `{"organisation-1": {"clauses": {"2": "…"}}}`.
    #[schema(value_type = Object)]
    edits: Edits,
}

/// The difference between two issued versions, line by line.
#[derive(Serialize, ToSchema)]
pub struct VersionDiff {
    /// The older version's number.
    from: i64,
    /// The newer version's number.
    to: i64,
    /// Each line with `tag` (`same`, `added` or `removed`) and `text`.
    #[schema(value_type = Vec<Object>)]
    lines: Vec<DiffLine>,
}

/// Which version to compare with.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DiffQuery {
    /// The other version's id; the version issued just before when absent.
    against: Option<String>,
}

/// An approval.
#[derive(Deserialize, ToSchema)]
pub struct Approval {
    /// The approver's name as it appears on the issued version.
    approver: String,
    /// `ja` or `en`: the language the draft is issued in; the draft's when absent.
    lang: Option<String>,
}

/// Issued versions, newest first.
#[derive(Serialize, ToSchema)]
pub struct VersionList {
    /// Each with `id`, `version`, `lang`, `sha256`, `approved_by_name`, `approved_at`, `issued_at`.
    #[schema(value_type = Vec<Object>)]
    versions: Vec<DocumentVersion>,
}

/// One issued version with its content.
#[derive(Serialize, ToSchema)]
pub struct VersionDetail {
    /// The archive entry.
    #[schema(value_type = Object)]
    version: DocumentVersion,
    /// The document as issued.
    #[schema(value_type = Object)]
    document: Document,
}

fn kind(caller: &ApiCaller, text: &str) -> Result<DocumentKind, ApiError> {
    text.parse().map_err(|_| ApiError::not_found(caller.lang))
}

fn measure(caller: &ApiCaller) -> impl Fn(MeasureError) -> ApiError + '_ {
    move |e| e.api(caller.lang)
}

/// The organisation for someone who may edit its documents: 404 when they may not see it,
/// 403 when they may see but not edit.
async fn editor(state: &AppState, caller: &ApiCaller, org_id: &str) -> Result<OrgStore, ApiError> {
    let org = visible_org(state, caller, org_id).await?;
    if caller.user.may_in(Deed::EditDocuments, org_id) {
        Ok(org)
    } else {
        Err(ApiError::forbidden(caller.lang))
    }
}

/// The organisation's document parameters.
#[utoipa::path(get, path = "/orgs/{id}/documents/params", tag = "documents",
    params(("id" = String, Path, description = "Organisation id")),
    responses((status = 200, body = DocumentParams), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn get_params(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
) -> Result<Json<DocumentParams>, ApiError> {
    let params = visible_org(&state, &caller, &id)
        .await?
        .documents()
        .params()
        .await
        .map_err(|e| ApiError::from_store(caller.lang, e))?;
    Ok(Json(DocumentParams { params }))
}

/// Replaces the document parameters. Values in the wrong shape are refused with every
/// problem named; saving clears the drafts' approvals.
#[utoipa::path(put, path = "/orgs/{id}/documents/params", tag = "documents",
    params(("id" = String, Path, description = "Organisation id")), request_body = DocumentParams,
    responses((status = 200, body = DocumentParams), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn put_params(
    State(state): State<AppState>,
    caller: ApiCaller,
    ClientAddr(addr): ClientAddr,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<DocumentParams>,
) -> Result<Json<DocumentParams>, ApiError> {
    let org = editor(&state, &caller, &id).await?;
    let texts = texts().map_err(measure(&caller))?;
    let mut params = Params::default();
    for (k, v) in &body.params {
        params.set(k, v);
    }
    let problems = check_values(texts, &params);
    if !problems.is_empty() {
        return Err(MeasureError::Document(PolicyError::Params(problems)).api(caller.lang));
    }
    org.documents()
        .save_params(&Actor::user(&caller.user, Some(addr)), &params.0)
        .await
        .map_err(|e| ApiError::from_store(caller.lang, e))?;
    Ok(Json(DocumentParams { params: params.0 }))
}

/// The current draft of a document as generated from the parameters, the edits and (for the
/// handbook) the latest self-assessment.
#[utoipa::path(get, path = "/orgs/{id}/documents/{kind}", tag = "documents",
    params(("id" = String, Path, description = "Organisation id"),
        ("kind" = String, Path, description = "policy, handbook or regulations")),
    responses((status = 200, body = DocumentDraftView), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn get_draft(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path((id, kind_text)): Path<(String, String)>,
) -> Result<Json<DocumentDraftView>, ApiError> {
    let kind = kind(&caller, &kind_text)?;
    let org = visible_org(&state, &caller, &id).await?;
    let built = build(&org, kind, caller.lang, Overrides::default())
        .await
        .map_err(measure(&caller))?;
    let changes = match (kind, &built.document) {
        (DocumentKind::Handbook, Ok(draft)) => handbook_changes(&org, draft)
            .await
            .map_err(measure(&caller))?,
        _ => None,
    };
    let (changed_since, rule_changes) = changes.unzip();
    let (document, missing, unexplained) = match built.document {
        Ok(d) => (Some(d), Vec::new(), Vec::new()),
        Err(PolicyError::Params(p)) => (None, p.missing, Vec::new()),
        Err(PolicyError::Unexplained { ids, .. }) => (None, Vec::new(), ids),
        Err(e) => return Err(MeasureError::Document(e).api(caller.lang)),
    };
    Ok(Json(DocumentDraftView {
        kind: kind.as_str().to_owned(),
        document,
        missing,
        unexplained,
        changed_since,
        rule_changes: rule_changes.unwrap_or_default(),
        draft: built.draft,
    }))
}

/// Saves the owner's edits and language as the draft (clearing its approval) and answers with
/// the draft as generated from them.
#[utoipa::path(put, path = "/orgs/{id}/documents/{kind}", tag = "documents",
    params(("id" = String, Path, description = "Organisation id"),
        ("kind" = String, Path, description = "policy, handbook or regulations")),
    request_body = DraftEdits,
    responses((status = 200, body = DocumentDraftView), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn put_draft(
    State(state): State<AppState>,
    caller: ApiCaller,
    ClientAddr(addr): ClientAddr,
    Path((id, kind_text)): Path<(String, String)>,
    ApiJson(body): ApiJson<DraftEdits>,
) -> Result<Json<DocumentDraftView>, ApiError> {
    let kind = kind(&caller, &kind_text)?;
    let org = editor(&state, &caller, &id).await?;
    let lang = match body.lang.as_deref() {
        Some(code) => code.parse::<Lang>().map_err(|_| {
            ApiError::invalid(
                "invalid_input.lang",
                caller.lang.tf("documents.error.lang", &[("value", code)]),
            )
        })?,
        None => caller.lang,
    };
    let texts = texts().map_err(measure(&caller))?;
    let sections: Vec<String> = outline(texts, kind, lang)
        .into_iter()
        .map(|s| s.id)
        .collect();
    if let Some(unknown) = body.edits.0.keys().find(|k| !sections.contains(k)) {
        return Err(ApiError::invalid(
            "invalid_input.section",
            caller
                .lang
                .tf("documents.error.unknown_section", &[("id", unknown)]),
        ));
    }
    if let Some((id, n)) = unknown_clauses(texts, kind, &body.edits).into_iter().next() {
        return Err(ApiError::invalid(
            "invalid_input.clause",
            caller.lang.tf(
                "documents.error.unknown_clause",
                &[("id", &id), ("n", &n.to_string())],
            ),
        ));
    }
    let ids = unexplained(texts, kind, &body.edits);
    if !ids.is_empty() {
        return Err(
            MeasureError::Document(PolicyError::Unexplained { kind, ids }).api(caller.lang),
        );
    }
    let json = serde_json::to_string(&body.edits.compact())
        .map_err(|e| MeasureError::Broken(e.to_string()).api(caller.lang))?;
    org.documents()
        .save_draft(
            &Actor::user(&caller.user, Some(addr)),
            kind.as_str(),
            lang.code(),
            &json,
        )
        .await
        .map_err(|e| ApiError::from_store(caller.lang, e))?;
    get_draft(State(state), caller, Path((id, kind_text))).await
}

/// Approves the current draft; any later change to it or to the parameters clears this.
#[utoipa::path(post, path = "/orgs/{id}/documents/{kind}/approve", tag = "documents",
    params(("id" = String, Path, description = "Organisation id"),
        ("kind" = String, Path, description = "policy, handbook or regulations")),
    request_body = Approval,
    responses((status = 200, body = DocumentDraftView), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn approve(
    State(state): State<AppState>,
    caller: ApiCaller,
    ClientAddr(addr): ClientAddr,
    Path((id, kind_text)): Path<(String, String)>,
    ApiJson(body): ApiJson<Approval>,
) -> Result<Json<DocumentDraftView>, ApiError> {
    let kind = kind(&caller, &kind_text)?;
    let org = editor(&state, &caller, &id).await?;
    let built = build(&org, kind, caller.lang, Overrides::default())
        .await
        .map_err(measure(&caller))?;
    built
        .document
        .map_err(|e| MeasureError::Document(e).api(caller.lang))?;
    let lang = match body.lang.as_deref() {
        Some(code) => Lang::parse(code).unwrap_or_default(),
        None => built.lang,
    };
    org.documents()
        .approve_draft(
            &Actor::user(&caller.user, Some(addr)),
            kind.as_str(),
            lang.code(),
            &body.approver,
        )
        .await
        .map_err(|e| ApiError::from_store(caller.lang, e))?;
    get_draft(State(state), caller, Path((id, kind_text))).await
}

/// Issued versions of a document, newest first.
#[utoipa::path(get, path = "/orgs/{id}/documents/{kind}/versions", tag = "documents",
    params(("id" = String, Path, description = "Organisation id"),
        ("kind" = String, Path, description = "policy, handbook or regulations")),
    responses((status = 200, body = VersionList), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn versions(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path((id, kind_text)): Path<(String, String)>,
) -> Result<Json<VersionList>, ApiError> {
    let kind = kind(&caller, &kind_text)?;
    let versions = visible_org(&state, &caller, &id)
        .await?
        .documents()
        .versions(kind.as_str())
        .await
        .map_err(|e| ApiError::from_store(caller.lang, e))?;
    Ok(Json(VersionList { versions }))
}

/// Issues the approved draft as the next version (refused when unapproved or unchanged).
#[utoipa::path(post, path = "/orgs/{id}/documents/{kind}/versions", tag = "documents",
    params(("id" = String, Path, description = "Organisation id"),
        ("kind" = String, Path, description = "policy, handbook or regulations")),
    responses((status = 201, body = VersionDetail), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn issue_version(
    State(state): State<AppState>,
    caller: ApiCaller,
    ClientAddr(addr): ClientAddr,
    Path((id, kind_text)): Path<(String, String)>,
) -> Result<(StatusCode, Json<VersionDetail>), ApiError> {
    let kind = kind(&caller, &kind_text)?;
    let org = editor(&state, &caller, &id).await?;
    let actor = Actor::user(&caller.user, Some(addr));
    let version = issue(&org, &actor, kind).await.map_err(measure(&caller))?;
    let document = issued(&org, &version).await.map_err(measure(&caller))?;
    Ok((
        StatusCode::CREATED,
        Json(VersionDetail { version, document }),
    ))
}

/// One issued version with its content.
#[utoipa::path(get, path = "/orgs/{id}/documents/{kind}/versions/{vid}", tag = "documents",
    params(("id" = String, Path, description = "Organisation id"),
        ("kind" = String, Path, description = "policy, handbook or regulations"),
        ("vid" = String, Path, description = "Version id")),
    responses((status = 200, body = VersionDetail), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn get_version(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path((id, kind_text, vid)): Path<(String, String, String)>,
) -> Result<Json<VersionDetail>, ApiError> {
    let kind = kind(&caller, &kind_text)?;
    let org = visible_org(&state, &caller, &id).await?;
    let version = org
        .documents()
        .version(&vid)
        .await
        .map_err(|e| ApiError::from_store(caller.lang, e))?
        .filter(|v| v.kind == kind.as_str())
        .ok_or_else(|| ApiError::not_found(caller.lang))?;
    let document = issued(&org, &version).await.map_err(measure(&caller))?;
    Ok(Json(VersionDetail { version, document }))
}

/// What changed between an issued version and another (by default the one issued just
/// before it), line by line; the issue stamp is left out.
#[utoipa::path(get, path = "/orgs/{id}/documents/{kind}/versions/{vid}/diff", tag = "documents",
    params(("id" = String, Path, description = "Organisation id"),
        ("kind" = String, Path, description = "policy, handbook or regulations"),
        ("vid" = String, Path, description = "Version id"), DiffQuery),
    responses((status = 200, body = VersionDiff), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody, description = "No such version, or no earlier one")))]
pub async fn version_diff(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path((id, kind_text, vid)): Path<(String, String, String)>,
    ApiQuery(query): ApiQuery<DiffQuery>,
) -> Result<Json<VersionDiff>, ApiError> {
    let kind = kind(&caller, &kind_text)?;
    let org = visible_org(&state, &caller, &id).await?;
    let versions = org
        .documents()
        .versions(kind.as_str())
        .await
        .map_err(|e| ApiError::from_store(caller.lang, e))?;
    let newer = versions
        .iter()
        .find(|v| v.id == vid)
        .ok_or_else(|| ApiError::not_found(caller.lang))?;
    let older = match &query.against {
        Some(other) => versions.iter().find(|v| &v.id == other),
        None => versions.iter().find(|v| v.version == newer.version - 1),
    }
    .ok_or_else(|| ApiError::not_found(caller.lang))?;
    let (old_doc, new_doc) = (
        issued(&org, older).await.map_err(measure(&caller))?,
        issued(&org, newer).await.map_err(measure(&caller))?,
    );
    Ok(Json(VersionDiff {
        from: older.version,
        to: newer.version,
        lines: diff(&old_doc, &new_doc),
    }))
}

/// Where the basic policy is published.
#[derive(Deserialize, ToSchema)]
pub struct PublishRequest {
    /// The address part of `/public/{slug}/policy`: 3 to 40 lower-case letters, digits and
    /// hyphens, not starting or ending with a hyphen.
    #[schema(
        min_length = 3,
        max_length = 40,
        pattern = "^[a-z0-9][a-z0-9-]*[a-z0-9]$"
    )]
    slug: String,
}

/// The policy's public page.
#[derive(Serialize, ToSchema)]
pub struct PublicationView {
    /// The address part.
    slug: String,
    /// The page's path on this server, readable without signing in.
    path: String,
    /// When it was published (Unix milliseconds).
    published_at: i64,
}

/// Publishes the latest issued basic policy at `/public/{slug}/policy`, readable by anyone
/// without signing in; later issued versions appear there automatically.
#[utoipa::path(put, path = "/orgs/{id}/documents/policy/publication", tag = "documents",
    params(("id" = String, Path, description = "Organisation id")),
    request_body = PublishRequest,
    responses((status = 200, body = PublicationView), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn publish(
    State(state): State<AppState>,
    caller: ApiCaller,
    ClientAddr(addr): ClientAddr,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<PublishRequest>,
) -> Result<Json<PublicationView>, ApiError> {
    let org = editor(&state, &caller, &id).await?;
    let slug = body.slug.trim().to_ascii_lowercase();
    let publication = org
        .documents()
        .publish_policy(&Actor::user(&caller.user, Some(addr)), &slug)
        .await
        .map_err(|e| ApiError::from_store(caller.lang, e))?;
    Ok(Json(PublicationView {
        path: format!("/public/{}/policy", publication.slug),
        slug: publication.slug,
        published_at: publication.published_at,
    }))
}

/// Takes the public page offline; its address then says the policy is not published.
#[utoipa::path(delete, path = "/orgs/{id}/documents/policy/publication", tag = "documents",
    params(("id" = String, Path, description = "Organisation id")),
    responses((status = 204), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn unpublish(
    State(state): State<AppState>,
    caller: ApiCaller,
    ClientAddr(addr): ClientAddr,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    editor(&state, &caller, &id)
        .await?
        .documents()
        .unpublish_policy(&Actor::user(&caller.user, Some(addr)))
        .await
        .map_err(|e| ApiError::from_store(caller.lang, e))?;
    Ok(StatusCode::NO_CONTENT)
}
