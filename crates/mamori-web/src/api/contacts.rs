//! The contacts directory over the API: everyone signed in reads it; provider administrators
//! correct entries, set reporting deadlines, add their own entries and undo their edits.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use mamori_model::{Contact, Deed};
use mamori_response::{Entry, Origin, checked};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::{ApiCaller, ClientAddr};
use crate::directory::{directory, problem_message};
use crate::error::{ApiError, ErrorBody};
use crate::extract::ApiJson;
use crate::i18n::Lang;
use crate::state::AppState;
use mamori_store::Actor;

/// One entry of the contacts directory.
#[derive(Serialize, ToSchema)]
pub struct ContactItem {
    /// Stable key (telling it about an incident is checklist item `duty.<key>`).
    key: String,
    /// Name, in the caller's language.
    name: String,
    /// What it is for, in the caller's language.
    purpose: String,
    /// Phone number (may be empty).
    phone: String,
    /// E-mail or postal address (may be empty).
    address: String,
    /// Web address (may be empty).
    web: String,
    /// Where the details come from.
    source: String,
    /// When the source gave them (`YYYY`, `YYYY-MM` or `YYYY-MM-DD`).
    as_of: String,
    /// The provider's deadline for reporting here, in days from the incident's opening.
    report_within_days: Option<u32>,
    /// `published`, `changed` (a published entry the provider corrected) or `added`.
    #[schema(pattern = "^(published|changed|added)$")]
    origin: String,
}

impl ContactItem {
    fn new(entry: &Entry, lang: Lang) -> Self {
        let c = &entry.contact;
        ContactItem {
            key: c.key.clone(),
            name: c.name(lang).to_owned(),
            purpose: c.purpose(lang).to_owned(),
            phone: c.phone.clone(),
            address: c.address.clone(),
            web: c.web.clone(),
            source: c.source.clone(),
            as_of: c.as_of.clone(),
            report_within_days: c.report_within_days,
            origin: match entry.origin {
                Origin::Published => "published",
                Origin::Changed => "changed",
                Origin::Added => "added",
            }
            .to_owned(),
        }
    }
}

/// Where incidents are reported and help is asked, with the source and date of each entry and
/// the provider's reporting deadlines.
#[utoipa::path(get, path = "/contacts", tag = "incidents",
    responses((status = 200, body = Vec<ContactItem>), (status = 401, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    caller: ApiCaller,
) -> Result<Json<Vec<ContactItem>>, ApiError> {
    let lang = caller.lang;
    let directory = directory(&state.store)
        .await
        .map_err(|e| ApiError::from_store(lang, e))?;
    Ok(Json(
        directory
            .entries()
            .iter()
            .map(|e| ContactItem::new(e, lang))
            .collect(),
    ))
}

/// An entry as the provider writes it.
#[derive(Deserialize, ToSchema)]
pub struct ContactBody {
    /// Name in Japanese.
    #[schema(min_length = 1, max_length = 120)]
    name_ja: String,
    /// Name in English (blank: the Japanese name is shown).
    #[serde(default)]
    #[schema(max_length = 120)]
    name_en: String,
    /// What it is for, in Japanese.
    #[schema(min_length = 1, max_length = 300)]
    purpose_ja: String,
    /// What it is for, in English.
    #[serde(default)]
    #[schema(max_length = 300)]
    purpose_en: String,
    /// Phone number: digits, spaces, `+`, `-`, brackets.
    #[serde(default)]
    #[schema(max_length = 40)]
    phone: String,
    /// E-mail or postal address.
    #[serde(default)]
    #[schema(max_length = 300)]
    address: String,
    /// Web address (`https://…` or `http://…`).
    #[serde(default)]
    #[schema(max_length = 300)]
    web: String,
    /// Where the details come from.
    #[serde(default)]
    #[schema(max_length = 300)]
    source: String,
    /// When the source gave them: `YYYY`, `YYYY-MM` or `YYYY-MM-DD`.
    #[serde(default)]
    #[schema(max_length = 10)]
    as_of: String,
    /// Deadline for reporting here, in days from the incident's opening (1-365).
    #[serde(default)]
    #[schema(minimum = 1, maximum = 365)]
    report_within_days: Option<u32>,
}

fn may_edit(caller: &ApiCaller) -> Result<(), ApiError> {
    if caller.user.may(Deed::AdministerProvider) {
        Ok(())
    } else {
        Err(ApiError::forbidden(caller.lang))
    }
}

/// Corrects entry `key` (or adds an entry of the provider's own under a new key); answers with
/// the entry as it now stands.
#[utoipa::path(put, path = "/contacts/{key}", tag = "incidents", request_body = ContactBody,
    params(("key" = String, Path, description = "Entry key: lowercase letters, digits, '-' or '_'")),
    responses((status = 200, body = ContactItem), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn save(
    State(state): State<AppState>,
    caller: ApiCaller,
    ClientAddr(addr): ClientAddr,
    Path(key): Path<String>,
    ApiJson(body): ApiJson<ContactBody>,
) -> Result<Json<ContactItem>, ApiError> {
    let lang = caller.lang;
    may_edit(&caller)?;
    let contact = checked(Contact {
        key,
        name_ja: body.name_ja,
        name_en: body.name_en,
        purpose_ja: body.purpose_ja,
        purpose_en: body.purpose_en,
        phone: body.phone,
        address: body.address,
        web: body.web,
        source: body.source,
        as_of: body.as_of,
        report_within_days: body.report_within_days,
    })
    .map_err(|p| {
        ApiError::invalid(
            &format!("invalid_input.{}", p.code()),
            problem_message(lang, &p),
        )
    })?;
    let actor = Actor::user(&caller.user, Some(addr));
    let store_error = |e| ApiError::from_store(lang, e);
    state
        .store
        .save_contact(&actor, &contact)
        .await
        .map_err(store_error)?;
    let directory = directory(&state.store).await.map_err(store_error)?;
    let entry = directory
        .get(&contact.key)
        .ok_or_else(|| ApiError::not_found(lang))?;
    Ok(Json(ContactItem::new(entry, lang)))
}

/// Undoes the provider's edit of entry `key`: a published entry returns as published, an
/// entry of the provider's own is removed.
#[utoipa::path(delete, path = "/contacts/{key}", tag = "incidents",
    params(("key" = String, Path, description = "Entry key")),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn remove(
    State(state): State<AppState>,
    caller: ApiCaller,
    ClientAddr(addr): ClientAddr,
    Path(key): Path<String>,
) -> Result<StatusCode, ApiError> {
    may_edit(&caller)?;
    let actor = Actor::user(&caller.user, Some(addr));
    state
        .store
        .remove_contact_edit(&actor, &key)
        .await
        .map_err(|e| ApiError::from_store(caller.lang, e))?;
    Ok(StatusCode::NO_CONTENT)
}
