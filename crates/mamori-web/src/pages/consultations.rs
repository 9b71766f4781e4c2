//! Consultations with the provider's desk (相談): the company asks in its own words, the
//! desk answers (and the asker gets the answer by e-mail), both write back until it is settled.
//! The desk's queue across every client shows each consultation's first-answer deadline from
//! the desk's targets and what is overdue.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use mamori_model::{ConsultationStatus, ConsultationTopic, Deed, ResponseTargets, Scope, Urgency};
use mamori_notify::Mail;
use mamori_store::{
    Actor, Consultation, INCIDENT_CATEGORIES, NewConsultation, OrgStore, Reply, StoreError,
};
use minijinja::value::Serde;
use minijinja::{Value, context};
use serde::{Deserialize, Serialize};

use super::org::store_error_message;
use super::{Page, PageError, PageResult};
use crate::auth::{ClientAddr, Viewer};
use crate::extract::PageForm;
use crate::i18n::{Lang, Messages, Negotiated};
use crate::state::AppState;

/// A consultation as pages show it: the stored facts, when its first answer is due and
/// whether that time has passed without one.
#[derive(Serialize)]
struct ConsultationView {
    #[serde(flatten)]
    consultation: Consultation,
    due_at: i64,
    overdue: bool,
}

impl ConsultationView {
    fn new(consultation: Consultation, targets: &ResponseTargets, now: i64) -> Self {
        let due_at = targets.due_at(consultation.urgency, consultation.created_at);
        let overdue = consultation.first_response_at.is_none()
            && consultation.status != ConsultationStatus::Resolved
            && now > due_at;
        ConsultationView {
            consultation,
            due_at,
            overdue,
        }
    }
}

/// The desk's first-response targets (the usual ones until the provider sets its own).
async fn targets(page: &Page<'_>) -> Result<ResponseTargets, PageError> {
    let provider = page.state.store.provider().await?;
    Ok(provider
        .and_then(|p| p.desk)
        .map(|d| d.targets)
        .unwrap_or_default())
}

/// "within 4 hours" for a target of 240 minutes, in `lang`.
fn within(lang: Lang, minutes: i64) -> String {
    if minutes == 60 {
        lang.t("consultations.within_an_hour")
    } else if minutes % 60 == 0 {
        let hours = (minutes / 60).to_string();
        lang.tf("consultations.within_hours", &[("hours", &hours)])
    } else {
        let minutes = minutes.to_string();
        lang.tf("consultations.within_minutes", &[("minutes", &minutes)])
    }
}

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
    page: &Page<'_>,
    viewer: &Viewer,
    org: &OrgStore,
    status: StatusCode,
    form: &AskForm,
    error: Option<String>,
) -> PageResult {
    let targets = targets(page).await?;
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
        error => error,
    };
    Ok(page.render(status, "consultations.html", ctx).await)
}

/// `GET /orgs/{id}/consultations`.
pub async fn list(
    State(state): State<AppState>,
    Negotiated(lang): Negotiated,
    viewer: Viewer,
    Path(id): Path<String>,
) -> PageResult {
    let page = Page::new(&state, lang, Some(&viewer));
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

/// `POST /orgs/{id}/consultations`: asks the desk.
pub async fn ask(
    State(state): State<AppState>,
    Negotiated(lang): Negotiated,
    ClientAddr(addr): ClientAddr,
    viewer: Viewer,
    Path(id): Path<String>,
    PageForm(form): PageForm<AskForm>,
) -> PageResult {
    let page = Page::new(&state, lang, Some(&viewer));
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
            };
            let actor = Actor::user(&viewer.user, Some(addr));
            match org.consultations().open(&actor, &viewer.user, &new).await {
                Ok(c) => {
                    let to = format!("/orgs/{id}/consultations/{}?asked=1", c.id);
                    return Ok(Redirect::to(&to).into_response());
                }
                Err(e @ StoreError::Invalid(_)) => store_error_message(lang, &e),
                Err(e) => return Err(e.into()),
            }
        }
        _ => lang.t("consultations.error.choose"),
    };
    render_list(&page, &viewer, &org, UNPROCESSABLE, &form, Some(message)).await
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
    page: &Page<'_>,
    viewer: &Viewer,
    org: &OrgStore,
    cid: &str,
    status: StatusCode,
    notice: Notice,
    error: Option<String>,
) -> PageResult {
    let consultations = org.consultations();
    let (consultation, messages) = (
        consultations.get(cid).await?,
        consultations.messages(cid).await?,
    );
    let targets = targets(page).await?;
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
        within => within(page.lang, targets.minutes(view.consultation.urgency)),
        may_reply => answers || viewer.user.may_in(Deed::AskTheDesk, org.id()),
        answers => answers,
        staff => staff,
        asked => notice.asked.is_some(),
        sent => notice.sent.is_some(),
        mail => notice.mail,
        error => error,
    };
    Ok(page.render(status, "consultation.html", ctx).await)
}

/// `GET /orgs/{id}/consultations/{cid}`.
pub async fn detail(
    State(state): State<AppState>,
    Negotiated(lang): Negotiated,
    viewer: Viewer,
    Path((id, cid)): Path<(String, String)>,
    Query(notice): Query<Notice>,
) -> PageResult {
    let page = Page::new(&state, lang, Some(&viewer));
    let org = page.org_store(&id).await?;
    render_detail(&page, &viewer, &org, &cid, StatusCode::OK, notice, None).await
}

/// The reply form.
#[derive(Deserialize)]
pub struct ReplyForm {
    csrf: String,
    #[serde(default)]
    body: String,
    /// The desk settles the consultation with this reply.
    #[serde(default)]
    resolve: Option<String>,
}

/// `POST /orgs/{id}/consultations/{cid}`: a reply from the desk (mailed to the asker) or from
/// the company.
pub async fn reply(
    State(state): State<AppState>,
    Negotiated(lang): Negotiated,
    ClientAddr(addr): ClientAddr,
    viewer: Viewer,
    Path((id, cid)): Path<(String, String)>,
    PageForm(form): PageForm<ReplyForm>,
) -> PageResult {
    let page = Page::new(&state, lang, Some(&viewer));
    let org = page.org_store(&id).await?;
    let from_desk = viewer.user.may(Deed::AnswerConsultations);
    let allowed = from_desk || viewer.user.may_in(Deed::AskTheDesk, &id);
    page.authorise(&id, allowed, &form.csrf)?;
    let current = org.consultations().get(&cid).await?;
    let reply = Reply {
        body: form.body.clone(),
        from_desk,
        status: current
            .status
            .after_reply(from_desk, from_desk && form.resolve.is_some()),
    };
    let actor = Actor::user(&viewer.user, Some(addr));
    let replied = match org
        .consultations()
        .reply(&actor, &viewer.user, &cid, &reply)
        .await
    {
        Ok(c) => c,
        Err(e @ StoreError::Invalid(_)) => {
            let error = Some(store_error_message(lang, &e));
            return render_detail(
                &page,
                &viewer,
                &org,
                &cid,
                UNPROCESSABLE,
                Notice::default(),
                error,
            )
            .await;
        }
        Err(e) => return Err(e.into()),
    };
    let mut to = format!("/orgs/{id}/consultations/{cid}?sent=1");
    if from_desk {
        let mailed = mail_the_answer(&state, &replied, &reply.body).await;
        to.push_str(&format!("&mail={}", mailed.as_str()));
    }
    Ok(Redirect::to(&to).into_response())
}

/// What became of the e-mail telling the asker about the desk's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mailed {
    /// The mail server accepted it.
    Sent,
    /// No mail server is configured.
    NoServer,
    /// The mail server refused it or could not be reached.
    Failed,
}

impl Mailed {
    fn as_str(self) -> &'static str {
        match self {
            Mailed::Sent => "sent",
            Mailed::NoServer => "no_server",
            Mailed::Failed => "failed",
        }
    }
}

/// E-mails the desk's answer `body` to whoever asked, in their language, with the way back to
/// the consultation. The reply is kept whatever happens to the mail; the page says what did.
async fn mail_the_answer(state: &AppState, c: &Consultation, body: &str) -> Mailed {
    let Some(alerting) = &state.alerting else {
        return Mailed::NoServer;
    };
    let lang = c
        .opened_by_locale
        .as_deref()
        .and_then(Lang::parse)
        .unwrap_or(Lang::Ja);
    let link = state.settings.public_url.as_deref().map(|base| {
        format!(
            "{}/orgs/{}/consultations/{}",
            base.trim_end_matches('/'),
            c.org_id,
            c.id
        )
    });
    let subject = lang.tf("consultations.mail.subject", &[("subject", &c.subject)]);
    let mut text = vec![
        lang.tf(
            "consultations.mail.greeting",
            &[("name", &c.opened_by_name)],
        ),
        String::new(),
        body.to_owned(),
        String::new(),
    ];
    match &link {
        Some(link) => text.push(lang.tf("consultations.mail.link", &[("link", link)])),
        None => text.push(lang.t("consultations.mail.portal")),
    }
    let text = text.join("\n");
    let html = format!(
        "<pre style=\"font-family:inherit;white-space:pre-wrap\">{}</pre>",
        escape(&text)
    );
    let mail = Mail {
        subject,
        text,
        html,
        attachment: None,
    };
    match alerting
        .notifier
        .send_mail(std::slice::from_ref(&c.opened_by_email), &mail)
        .await
    {
        Ok(_) => Mailed::Sent,
        Err(mamori_notify::NotifyError::NoSmtp) => Mailed::NoServer,
        Err(e) => {
            tracing::warn!(error = %e, consultation = %c.id, "answer not mailed");
            Mailed::Failed
        }
    }
}

/// Text made safe inside HTML.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
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
    State(state): State<AppState>,
    Negotiated(lang): Negotiated,
    ClientAddr(addr): ClientAddr,
    viewer: Viewer,
    Path((id, cid)): Path<(String, String)>,
    PageForm(form): PageForm<EscalateForm>,
) -> PageResult {
    let page = Page::new(&state, lang, Some(&viewer));
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
        Err(e @ StoreError::Invalid(_)) => {
            let error = Some(store_error_message(lang, &e));
            render_detail(
                &page,
                &viewer,
                &org,
                &cid,
                UNPROCESSABLE,
                Notice::default(),
                error,
            )
            .await
        }
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
    State(state): State<AppState>,
    Negotiated(lang): Negotiated,
    ClientAddr(addr): ClientAddr,
    viewer: Viewer,
    Path((id, cid)): Path<(String, String)>,
    PageForm(form): PageForm<AssignForm>,
) -> PageResult {
    let page = Page::new(&state, lang, Some(&viewer));
    let org = page
        .authorise_org(&id, Deed::AnswerConsultations, &form.csrf)
        .await?;
    let assignee = Some(form.assignee.trim()).filter(|a| !a.is_empty());
    let actor = Actor::user(&viewer.user, Some(addr));
    match org.consultations().assign(&actor, &cid, assignee).await {
        Ok(_) => Ok(Redirect::to(&format!("/orgs/{id}/consultations/{cid}")).into_response()),
        Err(e @ StoreError::Invalid(_)) => {
            let error = Some(store_error_message(lang, &e));
            render_detail(
                &page,
                &viewer,
                &org,
                &cid,
                UNPROCESSABLE,
                Notice::default(),
                error,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

/// `GET /console/consultations`: the desk's queue across every client, overdue first, then
/// by urgency, oldest first.
pub async fn queue(
    State(state): State<AppState>,
    Negotiated(lang): Negotiated,
    viewer: Viewer,
) -> PageResult {
    let page = Page::new(&state, lang, Some(&viewer));
    page.require(Deed::AnswerConsultations)?;
    let targets = targets(&page).await?;
    let now = mamori_store::now();
    let mut queue: Vec<ConsultationView> = state
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
        targets => urgency_choices(lang, &targets),
    };
    Ok(page
        .render(StatusCode::OK, "console_consultations.html", ctx)
        .await)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn asked(urgency: Urgency, at: i64) -> Consultation {
        Consultation {
            id: "c".into(),
            org_id: "o".into(),
            org_name: "アルファ工業".into(),
            topic: ConsultationTopic::StrangePc,
            urgency,
            subject: "件名".into(),
            status: ConsultationStatus::Open,
            opened_by_name: "佐藤".into(),
            opened_by_email: "sato@alpha.example".into(),
            opened_by_locale: None,
            assignee_id: None,
            assignee_name: None,
            incident_id: None,
            created_at: at,
            updated_at: at,
            first_response_at: None,
            resolved_at: None,
        }
    }

    #[test]
    fn unanswered_consultations_are_overdue_after_the_target_only() {
        let targets = ResponseTargets::default();
        let hour_later = 3_600;
        let urgent = ConsultationView::new(asked(Urgency::High, 0), &targets, hour_later + 1);
        assert_eq!(urgent.due_at, hour_later);
        assert!(urgent.overdue);
        let question = ConsultationView::new(asked(Urgency::Low, 0), &targets, hour_later + 1);
        assert!(!question.overdue);
        let mut answered = asked(Urgency::High, 0);
        answered.first_response_at = Some(10);
        assert!(!ConsultationView::new(answered, &targets, hour_later * 5).overdue);
        let mut settled = asked(Urgency::High, 0);
        settled.status = ConsultationStatus::Resolved;
        assert!(!ConsultationView::new(settled, &targets, hour_later * 5).overdue);
    }

    #[test]
    fn targets_read_in_hours_where_they_are_whole_hours() {
        assert_eq!(within(Lang::Ja, 240), "4時間以内");
        assert_eq!(within(Lang::Ja, 30), "30分以内");
        assert_eq!(within(Lang::Ja, 60), "1時間以内");
        assert_eq!(within(Lang::En, 60), "within an hour");
        assert_eq!(within(Lang::En, 1440), "within 24 hours");
    }
}
