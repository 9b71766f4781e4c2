//! What the consultation pages and the API share: a consultation's first-answer deadline,
//! the desk's targets in words, and a reply (with the e-mail that carries the desk's answer
//! to whoever asked).

use mamori_model::{ConsultationStatus, Deed, ResponseTargets, User};
use mamori_notify::Mail;
use mamori_store::{
    Actor, Consultation, NewAttachment, OrgStore, Provider, Reply, Store, StoreError,
};
use serde::Serialize;

use crate::i18n::{Lang, Messages};
use crate::state::AppState;

/// A consultation as pages show it: the stored facts, when its first answer is due and
/// whether that time has passed without one.
#[derive(Serialize)]
pub(crate) struct ConsultationView {
    #[serde(flatten)]
    pub consultation: Consultation,
    pub due_at: i64,
    pub overdue: bool,
}

impl ConsultationView {
    pub fn new(consultation: Consultation, targets: &ResponseTargets, now: i64) -> Self {
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
pub(crate) async fn targets(store: &Store) -> Result<ResponseTargets, StoreError> {
    Ok(targets_of(store.provider().await?.as_ref()))
}

/// The first-response targets of `provider`'s desk, or the usual ones.
pub(crate) fn targets_of(provider: Option<&Provider>) -> ResponseTargets {
    provider
        .and_then(|p| p.desk.as_ref())
        .map(|d| d.targets)
        .unwrap_or_default()
}

/// "within 4 hours" for a target of 240 minutes, in `lang`.
pub(crate) fn within(lang: Lang, minutes: i64) -> String {
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

/// Whether `user` may write in organisation `org_id`'s consultations: the desk everywhere,
/// the company's own people in their own.
pub(crate) fn may_write(user: &User, org_id: &str) -> bool {
    user.may(Deed::AnswerConsultations) || user.may_in(Deed::AskTheDesk, org_id)
}

/// A reply as its writer sent it.
pub(crate) struct Written {
    /// The text.
    pub body: String,
    /// The desk settles the consultation with it.
    pub resolve: bool,
    /// Files sent with it (checked for number and size).
    pub attachments: Vec<NewAttachment>,
}

/// Adds reply `written` by `user` to consultation `cid` of `org` (the caller has checked
/// that `user` may write there): from the desk when `user` answers consultations, settling it
/// when asked to; the desk's answer is e-mailed to whoever asked. Returns the consultation
/// and, for the desk's answers, what became of the mail.
pub(crate) async fn add_reply(
    state: &AppState,
    actor: &Actor,
    user: &User,
    org: &OrgStore,
    cid: &str,
    written: Written,
) -> Result<(Consultation, Option<Mailed>), StoreError> {
    let from_desk = user.may(Deed::AnswerConsultations);
    let current = org.consultations().get(cid).await?;
    let reply = Reply {
        body: written.body,
        from_desk,
        status: current
            .status
            .after_reply(from_desk, from_desk && written.resolve),
        attachments: written.attachments,
    };
    let replied = org.consultations().reply(actor, user, cid, &reply).await?;
    let mailed = match from_desk {
        true => Some(mail_the_answer(state, &replied, &reply.body).await),
        false => None,
    };
    Ok((replied, mailed))
}

/// What became of the e-mail telling the asker about the desk's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mailed {
    /// The mail server accepted it.
    Sent,
    /// No mail server is configured.
    NoServer,
    /// The mail server refused it or could not be reached.
    Failed,
}

impl Mailed {
    /// The stable word pages and the API use.
    pub fn as_str(self) -> &'static str {
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
        mamori_notify::escape_html(&text)
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

#[cfg(test)]
mod tests {
    use super::*;
    use mamori_model::{ConsultationTopic, Urgency};

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
