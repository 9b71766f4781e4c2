//! Consultations with the provider's desk (相談): the company asks in its own words, the
//! desk answers (and the asker gets the answer by e-mail), both write back until it is settled.
//! The desk's queue across every client shows each consultation's first-answer deadline from
//! the desk's targets and what is overdue.

use std::collections::HashMap;

use axum::extract::{Multipart, Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use mamori_model::{ConsultationStatus, ConsultationTopic, Deed, ResponseTargets, Scope, Urgency};
use mamori_store::{
    Actor, INCIDENT_CATEGORIES, NewAttachment, NewConsultation, OrgStore, StoreError,
};
use minijinja::value::Serde;
use minijinja::{Value, context};
use serde::Deserialize;

use super::org::store_error_message;
use super::reports::document_file;
use super::{Page, PageResult, Signed};
use crate::auth::{ClientAddr, Viewer};
use crate::consultation::{ConsultationView, Written, add_reply, may_write, targets_of, within};
use crate::extract::PageForm;
use crate::i18n::{Lang, Messages};

/// Each urgency with its stable name and the desk's promise for it, for the form.
fn urgency_choices(lang: Lang, targets: &ResponseTargets) -> Vec<Value> {
    Urgency::ALL
        .iter()
        .map(|u| context! { name => u.as_str(), within => within(lang, targets.minutes(*u)) })
        .collect()
}

/// The consultation form.
#[derive(Deserialize, Default)]
pub struct AskForm {
    csrf: String,
    #[serde(default)]
    topic: String,
    #[serde(default)]
    urgency: String,
    #[serde(default)]
    subject: String,
    #[serde(default)]
    body: String,
}

/// The organisation's consultations and, for its members, the form to ask the desk.
async fn render_list(
    page: &Page,
    viewer: &Viewer,
    org: &OrgStore,
    status: StatusCode,
    form: &AskForm,
    error: Option<String>,
) -> PageResult {
    let targets = targets_of(page.provider().await?);
    let now = mamori_store::now();
    let consultations: Vec<ConsultationView> = org
        .consultations()
        .list()
        .await?
        .into_iter()
        .map(|c| ConsultationView::new(c, &targets, now))
        .collect();
    let ctx = context! {
        org => Value::from(Serde(org.org())),
        consultations => Value::from(Serde(&consultations)),
        may_ask => viewer.user.may_in(Deed::AskTheDesk, org.id()),
        topics => ConsultationTopic::ALL.iter().map(|t| t.as_str()).collect::<Vec<_>>(),
        urgencies => urgency_choices(page.lang, &targets),
        form => context! { topic => &form.topic, urgency => &form.urgency, subject => &form.subject, body => &form.body },
        max_files => MAX_FILES,
        max_mb => MAX_FILE_BYTES / (1024 * 1024),
        error => error,
    };
    Ok(page.render(status, "consultations.html", ctx).await)
}

/// `GET /orgs/{id}/consultations`.
pub async fn list(Signed(page, viewer): Signed, Path(id): Path<String>) -> PageResult {
    let org = page.org_store(&id).await?;
    render_list(
        &page,
        &viewer,
        &org,
        StatusCode::OK,
        &AskForm::default(),
        None,
    )
    .await
}

/// How many files one consultation may carry.
const MAX_FILES: usize = 3;
/// The largest file, in bytes (5 MiB: a screenshot or a saved e-mail).
const MAX_FILE_BYTES: usize = 5 * 1024 * 1024;
/// The most the form may send: every file at its largest and the text, so the body limit
/// stops anything larger before it is read.
pub(crate) const MAX_FORM_BYTES: usize = MAX_FILES * MAX_FILE_BYTES + 256 * 1024;

/// Why the files of a consultation form were refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FilesRefused {
    /// More than [`MAX_FILES`].
    TooMany,
    /// A file over [`MAX_FILE_BYTES`], or the whole form over [`MAX_FORM_BYTES`].
    TooLarge,
    /// The form could not be read.
    Unreadable,
}

impl FilesRefused {
    fn status(self) -> StatusCode {
        match self {
            FilesRefused::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            FilesRefused::TooMany | FilesRefused::Unreadable => UNPROCESSABLE,
        }
    }

    fn message(self, lang: Lang) -> String {
        let (files, mb) = (
            MAX_FILES.to_string(),
            (MAX_FILE_BYTES / (1024 * 1024)).to_string(),
        );
        let values = [("files", files.as_str()), ("mb", mb.as_str())];
        match self {
            FilesRefused::TooMany => lang.tf("consultations.error.too_many_files", &values),
            FilesRefused::TooLarge => lang.tf("consultations.error.file_too_large", &values),
            FilesRefused::Unreadable => lang.t("consultations.error.unreadable_form"),
        }
    }
}

/// Reads a consultation form (`multipart/form-data`, for its files): the text fields by name
/// and the attached files, refusing too many or too large files before anything is stored.
async fn read_form(
    mut multipart: Multipart,
) -> Result<(HashMap<String, String>, Vec<NewAttachment>), FilesRefused> {
    let mut fields = HashMap::new();
    let mut files = Vec::new();
    let refused = |e: axum::extract::multipart::MultipartError| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            FilesRefused::TooLarge
        } else {
            FilesRefused::Unreadable
        }
    };
    while let Some(field) = multipart.next_field().await.map_err(refused)? {
        let name = field.name().unwrap_or_default().to_owned();
        if name == "attachment" {
            let file_name = field.file_name().unwrap_or_default().to_owned();
            let content_type = field
                .content_type()
                .unwrap_or("application/octet-stream")
                .to_owned();
            let bytes = field.bytes().await.map_err(refused)?;
            // A file input left empty still sends an empty part without a name.
            if file_name.is_empty() && bytes.is_empty() {
                continue;
            }
            if bytes.len() > MAX_FILE_BYTES {
                return Err(FilesRefused::TooLarge);
            }
            if files.len() == MAX_FILES {
                return Err(FilesRefused::TooMany);
            }
            files.push(NewAttachment {
                name: file_name,
                content_type,
                bytes: bytes.to_vec(),
            });
            continue;
        }
        let text = field.text().await.map_err(refused)?;
        fields.insert(name, text);
    }
    Ok((fields, files))
}

/// `POST /orgs/{id}/consultations`: asks the desk, with up to three small files.
pub async fn ask(
    Signed(page, viewer): Signed,
    ClientAddr(addr): ClientAddr,
    Path(id): Path<String>,
    multipart: Multipart,
) -> PageResult {
    let (form, attachments) = match read_form(multipart).await {
        Ok((mut fields, files)) => {
            let mut take = |name: &str| fields.remove(name).unwrap_or_default();
            let form = AskForm {
                csrf: take("csrf"),
                topic: take("topic"),
                urgency: take("urgency"),
                subject: take("subject"),
                body: take("body"),
            };
            (form, files)
        }
        Err(why) => {
            // Nothing was stored; the form is shown again with what was wrong.
            let org = page.org_store(&id).await?;
            let form = AskForm::default();
            return render_list(
                &page,
                &viewer,
                &org,
                why.status(),
                &form,
                Some(why.message(page.lang)),
            )
            .await;
        }
    };
    let org = page
        .authorise_org(&id, Deed::AskTheDesk, &form.csrf)
        .await?;
    let message = match (form.topic.parse(), form.urgency.parse()) {
        (Ok(topic), Ok(urgency)) => {
            let new = NewConsultation {
                topic,
                urgency,
                subject: form.subject.clone(),
                body: form.body.clone(),
                attachments,
            };
            let actor = Actor::user(&viewer.user, Some(addr));
            match org.consultations().open(&actor, &viewer.user, &new).await {
                Ok(c) => {
                    let to = format!("/orgs/{id}/consultations/{}?asked=1", c.id);
                    return Ok(Redirect::to(&to).into_response());
                }
                Err(e @ StoreError::Invalid(_)) => store_error_message(page.lang, &e),
                Err(e) => return Err(e.into()),
            }
        }
        _ => page.lang.t("consultations.error.choose"),
    };
    render_list(&page, &viewer, &org, UNPROCESSABLE, &form, Some(message)).await
}

/// `GET /orgs/{id}/consultations/{cid}/files/{fid}`: an attached file, to save (never shown
/// inline, whatever its type).
pub async fn file(
    Signed(page, _viewer): Signed,
    Path((id, cid, fid)): Path<(String, String, String)>,
) -> PageResult {
    let org = page.org_store(&id).await?;
    let (info, bytes) = org.consultations().attachment(&cid, &fid).await?;
    // Served as bytes to save: a file from outside must never run in the portal's origin.
    let name: String = info
        .name
        .chars()
        .map(|c| {
            if c.is_control() || c == '"' || c == '\\' {
                '_'
            } else {
                c
            }
        })
        .collect();
    Ok(document_file(
        bytes,
        "application/octet-stream",
        "attachment",
        &name,
    ))
}

const UNPROCESSABLE: StatusCode = StatusCode::UNPROCESSABLE_ENTITY;

/// What the consultation page says after a form was sent.
#[derive(Deserialize, Default)]
pub struct Notice {
    asked: Option<u8>,
    sent: Option<u8>,
    mail: Option<String>,
}

/// One consultation with its thread, the reply form for whoever may write, and the
/// assignment form for the desk.
async fn render_detail(
    page: &Page,
    viewer: &Viewer,
    org: &OrgStore,
    cid: &str,
    status: StatusCode,
    notice: Notice,
    error: Option<String>,
) -> PageResult {
    let consultations = org.consultations();
    let (consultation, messages, files) = (
        consultations.get(cid).await?,
        consultations.messages(cid).await?,
        consultations.attachments(cid).await?,
    );
    let targets = targets_of(page.provider().await?);
    let view = ConsultationView::new(consultation, &targets, mamori_store::now());
    let answers = viewer.user.may(Deed::AnswerConsultations);
    let staff: Vec<Value> = if answers {
        page.state
            .store
            .provider_users()
            .await?
            .into_iter()
            .filter(|u| u.may(Deed::AnswerConsultations))
            .map(|u| {
                let name = if u.display_name.is_empty() {
                    u.email
                } else {
                    u.display_name
                };
                context! { id => u.id, name => name }
            })
            .collect()
    } else {
        Vec::new()
    };
    let category = likely_category(view.consultation.topic);
    let ctx = context! {
        org => Value::from(Serde(org.org())),
        categories => INCIDENT_CATEGORIES,
        category => category,
        c => Value::from(Serde(&view)),
        messages => Value::from(Serde(&messages)),
        files => Value::from(Serde(&files)),
        max_files => MAX_FILES,
        max_mb => MAX_FILE_BYTES / (1024 * 1024),
        within => within(page.lang, targets.minutes(view.consultation.urgency)),
        may_reply => may_write(&viewer.user, org.id()),
        answers => answers,
        staff => staff,
        asked => notice.asked.is_some(),
        sent => notice.sent.is_some(),
        mail => notice.mail,
        error => error,
    };
    Ok(page.render(status, "consultation.html", ctx).await)
}

/// The consultation page again, saying why a change to it was refused.
async fn refused(
    page: &Page,
    viewer: &Viewer,
    org: &OrgStore,
    cid: &str,
    e: &StoreError,
) -> PageResult {
    let error = Some(store_error_message(page.lang, e));
    render_detail(
        page,
        viewer,
        org,
        cid,
        UNPROCESSABLE,
        Notice::default(),
        error,
    )
    .await
}

/// `GET /orgs/{id}/consultations/{cid}`.
pub async fn detail(
    Signed(page, viewer): Signed,
    Path((id, cid)): Path<(String, String)>,
    Query(notice): Query<Notice>,
) -> PageResult {
    let org = page.org_store(&id).await?;
    render_detail(&page, &viewer, &org, &cid, StatusCode::OK, notice, None).await
}

pub async fn reply(
    Signed(page, viewer): Signed,
    ClientAddr(addr): ClientAddr,
    Path((id, cid)): Path<(String, String)>,
    multipart: Multipart,
) -> PageResult {
    let org = page.org_store(&id).await?;
    let (mut fields, attachments) = match read_form(multipart).await {
        Ok(read) => read,
        Err(why) => {
            // Nothing was stored; the consultation is shown again with what was wrong.
            let error = Some(why.message(page.lang));
            let notice = Notice::default();
            return render_detail(&page, &viewer, &org, &cid, why.status(), notice, error).await;
        }
    };
    let csrf = fields.remove("csrf").unwrap_or_default();
    page.authorise(&id, may_write(&viewer.user, &id), &csrf)?;
    let actor = Actor::user(&viewer.user, Some(addr));
    let written = Written {
        body: fields.remove("body").unwrap_or_default(),
        // The desk's "settle it with this reply" box.
        resolve: fields.contains_key("resolve"),
        attachments,
    };
    let mailed = match add_reply(&page.state, &actor, &viewer.user, &org, &cid, written).await {
        Ok((_, mailed)) => mailed,
        Err(e @ StoreError::Invalid(_)) => {
            return refused(&page, &viewer, &org, &cid, &e).await;
        }
        Err(e) => return Err(e.into()),
    };
    let mut to = format!("/orgs/{id}/consultations/{cid}?sent=1");
    if let Some(mailed) = mailed {
        to.push_str(&format!("&mail={}", mailed.as_str()));
    }
    Ok(Redirect::to(&to).into_response())
}

/// The incident category a consultation about `topic` most likely is, offered first when
/// the desk records it as an incident.
fn likely_category(topic: ConsultationTopic) -> &'static str {
    match topic {
        ConsultationTopic::SuspiciousMail => "phishing",
        ConsultationTopic::StrangePc => "malware",
        ConsultationTopic::LostDevice => "data_leak",
        ConsultationTopic::SettingQuestion | ConsultationTopic::Other => "other",
    }
}

/// The "record as an incident" form.
#[derive(Deserialize)]
pub struct EscalateForm {
    csrf: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    category: String,
}

/// `POST /orgs/{id}/consultations/{cid}/incident`: the desk records the consultation as an
/// incident and goes on there.
pub async fn escalate(
    Signed(page, viewer): Signed,
    ClientAddr(addr): ClientAddr,
    Path((id, cid)): Path<(String, String)>,
    PageForm(form): PageForm<EscalateForm>,
) -> PageResult {
    let org = page
        .authorise_org(&id, Deed::AnswerConsultations, &form.csrf)
        .await?;
    let actor = Actor::user(&viewer.user, Some(addr));
    let consultations = org.consultations();
    match consultations
        .escalate(&actor, &cid, &form.title, &form.category)
        .await
    {
        Ok(incident) => {
            let to = format!("/orgs/{id}/incidents/{}", incident.id);
            Ok(Redirect::to(&to).into_response())
        }
        Err(e @ StoreError::Invalid(_)) => refused(&page, &viewer, &org, &cid, &e).await,
        Err(e) => Err(e.into()),
    }
}

/// The assignment form.
#[derive(Deserialize)]
pub struct AssignForm {
    csrf: String,
    #[serde(default)]
    assignee: String,
}

/// `POST /orgs/{id}/consultations/{cid}/assign`: gives the consultation to someone at the
/// desk (or to nobody).
pub async fn assign(
    Signed(page, viewer): Signed,
    ClientAddr(addr): ClientAddr,
    Path((id, cid)): Path<(String, String)>,
    PageForm(form): PageForm<AssignForm>,
) -> PageResult {
    let org = page
        .authorise_org(&id, Deed::AnswerConsultations, &form.csrf)
        .await?;
    let assignee = Some(form.assignee.trim()).filter(|a| !a.is_empty());
    let actor = Actor::user(&viewer.user, Some(addr));
    match org.consultations().assign(&actor, &cid, assignee).await {
        Ok(_) => Ok(Redirect::to(&format!("/orgs/{id}/consultations/{cid}")).into_response()),
        Err(e @ StoreError::Invalid(_)) => refused(&page, &viewer, &org, &cid, &e).await,
        Err(e) => Err(e.into()),
    }
}

/// `GET /console/consultations`: the desk's queue across every client, overdue first, then
/// by urgency, oldest first.
pub async fn queue(Signed(page, _viewer): Signed) -> PageResult {
    page.require(Deed::AnswerConsultations)?;
    let targets = targets_of(page.provider().await?);
    let now = mamori_store::now();
    let mut queue: Vec<ConsultationView> = page
        .state
        .store
        .consultation_queue(&Scope::AllOrganisations)
        .await?
        .into_iter()
        .map(|c| ConsultationView::new(c, &targets, now))
        .collect();
    let rank = |u: Urgency| Urgency::ALL.iter().position(|x| *x == u).unwrap_or(0);
    queue.sort_by_key(|v| {
        (
            v.consultation.status == ConsultationStatus::Resolved,
            !v.overdue,
            rank(v.consultation.urgency),
            v.consultation.created_at,
        )
    });
    let waiting = queue
        .iter()
        .filter(|v| v.consultation.status == ConsultationStatus::Open)
        .count();
    let overdue = queue.iter().filter(|v| v.overdue).count();
    let ctx = context! {
        queue => Value::from(Serde(&queue)),
        waiting => waiting,
        overdue => overdue,
        targets => urgency_choices(page.lang, &targets),
    };
    Ok(page
        .render(StatusCode::OK, "console_consultations.html", ctx)
        .await)
}
