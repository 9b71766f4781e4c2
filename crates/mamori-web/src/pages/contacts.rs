//! The contacts directory on the console (届け出先・相談先): provider administrators correct a
//! published entry, set a reporting deadline, add their own entries or undo an edit. Incident
//! pages, the API and incident reports read the directory in force.

use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use mamori_model::{Contact, Deed};
use mamori_response::{Directory, Origin, checked, published};
use mamori_store::Actor;
use minijinja::value::Serde;
use minijinja::{Value, context};
use serde::Deserialize;

use super::login::CsrfOnly;
use super::{Page, PageError, PageResult, Signed};
use crate::auth::ClientAddr;
use crate::directory::{contact_view, directory, new_key, problem_message};
use crate::extract::PageForm;

/// An entry as the form sends it; the deadline is typed as text (blank: none).
#[derive(Deserialize)]
pub struct ContactForm {
    csrf: String,
    #[serde(default)]
    name_ja: String,
    #[serde(default)]
    name_en: String,
    #[serde(default)]
    purpose_ja: String,
    #[serde(default)]
    purpose_en: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    address: String,
    #[serde(default)]
    web: String,
    #[serde(default)]
    source: String,
    #[serde(default)]
    as_of: String,
    #[serde(default)]
    report_within_days: String,
}

impl ContactForm {
    /// The entry under `key`; a deadline that is not a whole number reads as 0 days, which
    /// the directory's check refuses with the deadline's own message.
    fn contact(self, key: String) -> Contact {
        let days = match self.report_within_days.trim() {
            "" => None,
            text => Some(text.parse().unwrap_or(0)),
        };
        Contact {
            key,
            name_ja: self.name_ja,
            name_en: self.name_en,
            purpose_ja: self.purpose_ja,
            purpose_en: self.purpose_en,
            phone: self.phone,
            address: self.address,
            web: self.web,
            source: self.source,
            as_of: self.as_of,
            report_within_days: days,
        }
    }
}

/// What came of the last change, for the notice above the list.
#[derive(Deserialize)]
pub struct Done {
    saved: Option<String>,
    reset: Option<String>,
}

/// `GET /console/contacts`: the directory in force, with where each entry comes from.
pub async fn list(Signed(page, _viewer): Signed, Query(done): Query<Done>) -> PageResult {
    page.require(Deed::AdministerProvider)?;
    let directory = directory(&page.state.store).await?;
    let name_of = |key: &Option<String>| {
        key.as_deref()
            .and_then(|k| directory.get(k))
            .map(|e| e.contact.name(page.lang).to_owned())
    };
    let entries: Vec<Value> = directory
        .entries()
        .iter()
        .map(|e| {
            let c = &e.contact;
            context! {
                key => &c.key,
                days => c.report_within_days,
                origin => Value::from(Serde(e.origin)),
                ..contact_view(c, page.lang)
            }
        })
        .collect();
    let ctx = context! {
        entries => entries,
        saved => name_of(&done.saved),
        reset => done.reset.is_some(),
    };
    Ok(page
        .render(StatusCode::OK, "console_contacts.html", ctx)
        .await)
}

async fn render_form(
    page: &Page,
    status: StatusCode,
    contact: Option<&Contact>,
    origin: Option<Origin>,
    error: Option<String>,
) -> Response {
    let key = contact.map(|c| c.key.clone());
    let original = key
        .as_deref()
        .and_then(|k| published().iter().find(|c| c.key == k));
    let ctx = context! {
        contact => contact.map(|c| Value::from(Serde(c))),
        origin => origin.map(|o| Value::from(Serde(o))),
        published => original.map(|c| Value::from(Serde(c))),
        action => match &key {
            Some(k) if origin.is_some() => format!("/console/contacts/{k}"),
            _ => "/console/contacts/new".to_owned(),
        },
        error => error,
    };
    page.render(status, "console_contact.html", ctx).await
}

/// `GET /console/contacts/new`: an empty form for an entry of the provider's own.
pub async fn new_form(Signed(page, _viewer): Signed) -> PageResult {
    page.require(Deed::AdministerProvider)?;
    Ok(render_form(&page, StatusCode::OK, None, None, None).await)
}

/// `GET /console/contacts/{key}`: one entry to correct.
pub async fn edit_form(Signed(page, _viewer): Signed, Path(key): Path<String>) -> PageResult {
    page.require(Deed::AdministerProvider)?;
    let directory = directory(&page.state.store).await?;
    let entry = directory.get(&key).ok_or(PageError::NotFound)?;
    let status = StatusCode::OK;
    Ok(render_form(
        &page,
        status,
        Some(&entry.contact),
        Some(entry.origin),
        None,
    )
    .await)
}

/// Checks and keeps `contact`, or shows the form again with what was wrong.
async fn save(page: &Page, actor: &Actor, contact: Contact, origin: Option<Origin>) -> PageResult {
    let contact = match checked(contact.clone()) {
        Ok(contact) => contact,
        Err(problem) => {
            let message = problem_message(page.lang, &problem);
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            return Ok(render_form(page, status, Some(&contact), origin, Some(message)).await);
        }
    };
    page.state.store.save_contact(actor, &contact).await?;
    Ok(Redirect::to(&format!("/console/contacts?saved={}", contact.key)).into_response())
}

/// `POST /console/contacts/new`: adds an entry of the provider's own.
pub async fn create(
    Signed(page, viewer): Signed,
    ClientAddr(addr): ClientAddr,
    PageForm(form): PageForm<ContactForm>,
) -> PageResult {
    page.require(Deed::AdministerProvider)?;
    page.check_csrf(&form.csrf)?;
    let actor = Actor::user(&viewer.user, Some(addr));
    save(&page, &actor, form.contact(new_key()), None).await
}

/// `POST /console/contacts/{key}`: corrects an entry in the directory.
pub async fn update(
    Signed(page, viewer): Signed,
    ClientAddr(addr): ClientAddr,
    Path(key): Path<String>,
    PageForm(form): PageForm<ContactForm>,
) -> PageResult {
    page.require(Deed::AdministerProvider)?;
    page.check_csrf(&form.csrf)?;
    let directory: Directory = directory(&page.state.store).await?;
    let origin = directory.get(&key).ok_or(PageError::NotFound)?.origin;
    let actor = Actor::user(&viewer.user, Some(addr));
    save(&page, &actor, form.contact(key), Some(origin)).await
}

/// `POST /console/contacts/{key}/reset`: undoes the provider's edit (a published entry
/// returns as published; an own entry is removed).
pub async fn reset(
    Signed(page, viewer): Signed,
    ClientAddr(addr): ClientAddr,
    Path(key): Path<String>,
    PageForm(form): PageForm<CsrfOnly>,
) -> PageResult {
    page.require(Deed::AdministerProvider)?;
    page.check_csrf(&form.csrf)?;
    let actor = Actor::user(&viewer.user, Some(addr));
    page.state.store.remove_contact_edit(&actor, &key).await?;
    Ok(Redirect::to("/console/contacts?reset=1").into_response())
}
