//! Where things are in their lives: alerts, incidents, monthly report jobs and notification
//! deliveries. Stored and sent as the same lower-case words as always, so the database and
//! the API do not change; in code they are enums, so a misspelt status cannot compile.

use crate::vocabulary::vocabulary;

vocabulary! {
    /// An alert's place in triage.
    AlertStatus as "status" {
        /// Not yet looked at.
        New => "new",
        /// Someone at the provider is on it.
        Acknowledged => "acknowledged",
        /// Closed with a resolution.
        Resolved => "resolved",
    }
}

impl AlertStatus {
    /// Not resolved yet: new or acknowledged.
    pub fn is_open(self) -> bool {
        self != AlertStatus::Resolved
    }
}

vocabulary! {
    /// An incident's place in response.
    IncidentStatus as "status" {
        /// Being handled.
        Open => "open",
        /// Harm stopped, clean-up under way.
        Contained => "contained",
        /// Finished.
        Closed => "closed",
    }
}

vocabulary! {
    /// A monthly report job's progress from generation to the mailbox.
    ReportJobStatus as "status" {
        /// Waiting to be generated (or retried after a failure).
        Pending => "pending",
        /// Generated and archived; waiting to be e-mailed.
        Sending => "sending",
        /// E-mailed; the mail server's answer is kept.
        Delivered => "delivered",
        /// Generated and archived, but nobody is set to receive it.
        NoRecipients => "no_recipients",
        /// Gave up after the last retry; the job's last error says why.
        Failed => "failed",
    }
}

vocabulary! {
    /// A notification's progress to one channel.
    DeliveryStatus as "status" {
        /// Waiting for its (next) attempt.
        Pending => "pending",
        /// Being sent now.
        Sending => "sending",
        /// Accepted by the channel.
        Delivered => "delivered",
        /// Gave up after the last retry.
        Failed => "failed",
        /// Withdrawn before it was sent (the channel was removed).
        Cancelled => "cancelled",
    }
}

vocabulary! {
    /// What a client company asks the consultation desk about, in the words it would use.
    ConsultationTopic as "topic" {
        /// A suspicious e-mail arrived.
        SuspiciousMail => "suspicious_mail",
        /// A PC is behaving strangely.
        StrangePc => "strange_pc",
        /// A PC, phone or storage device was lost or stolen.
        LostDevice => "lost_device",
        /// A question about a setting or a product.
        SettingQuestion => "setting_question",
        /// Anything else.
        Other => "other",
    }
}

vocabulary! {
    /// How soon the company needs the desk: the desk's first-response targets follow it.
    Urgency as "urgency" {
        /// Work has stopped or harm may be happening now.
        High => "high",
        /// Today, please.
        Normal => "normal",
        /// A question that can wait.
        Low => "low",
    }
}

vocabulary! {
    /// Where a consultation stands.
    ConsultationStatus as "status" {
        /// The desk has something to do.
        Open => "open",
        /// The desk answered and waits for the company.
        WaitingForCustomer => "waiting_customer",
        /// Settled.
        Resolved => "resolved",
    }
}

/// How soon the desk promises a first answer, in minutes, by urgency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ResponseTargets {
    /// For [`Urgency::High`].
    pub high: i64,
    /// For [`Urgency::Normal`].
    pub normal: i64,
    /// For [`Urgency::Low`].
    pub low: i64,
}

impl Default for ResponseTargets {
    /// An hour when work has stopped, four hours for today's matters, a day for questions.
    fn default() -> Self {
        ResponseTargets {
            high: 60,
            normal: 240,
            low: 1440,
        }
    }
}

impl ResponseTargets {
    /// The promised minutes for `urgency`.
    pub fn minutes(&self, urgency: Urgency) -> i64 {
        match urgency {
            Urgency::High => self.high,
            Urgency::Normal => self.normal,
            Urgency::Low => self.low,
        }
    }

    /// When the first answer to a consultation of `urgency` asked at `asked_at` (Unix
    /// seconds) is due.
    pub fn due_at(&self, urgency: Urgency, asked_at: i64) -> i64 {
        asked_at + self.minutes(urgency) * 60
    }
}

impl ConsultationStatus {
    /// The status after a reply: the desk's reply waits for the company unless the desk
    /// settles it (`resolve`); the company's reply hands the turn back to the desk, reopening
    /// a settled consultation.
    pub fn after_reply(self, from_desk: bool, resolve: bool) -> ConsultationStatus {
        match (from_desk, resolve) {
            (true, true) => ConsultationStatus::Resolved,
            (true, false) => ConsultationStatus::WaitingForCustomer,
            (false, _) => ConsultationStatus::Open,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_keep_their_stored_words() {
        for status in AlertStatus::ALL {
            assert_eq!(status.as_str().parse::<AlertStatus>(), Ok(*status));
        }
        assert_eq!(
            serde_json::to_string(&ReportJobStatus::NoRecipients).unwrap(),
            "\"no_recipients\""
        );
        assert!("closed".parse::<AlertStatus>().is_err());
        assert!(!AlertStatus::Resolved.is_open());
    }

    #[test]
    fn replies_pass_the_turn_between_desk_and_company() {
        use ConsultationStatus::*;
        assert_eq!(Open.after_reply(true, false), WaitingForCustomer);
        assert_eq!(Open.after_reply(true, true), Resolved);
        assert_eq!(WaitingForCustomer.after_reply(false, false), Open);
        assert_eq!(Resolved.after_reply(false, false), Open);
        assert_eq!("waiting_customer".parse(), Ok(WaitingForCustomer));
    }

    #[test]
    fn first_answers_are_due_by_urgency() {
        let targets = ResponseTargets::default();
        assert_eq!(targets.due_at(Urgency::High, 1_000), 1_000 + 3_600);
        assert_eq!(targets.due_at(Urgency::Low, 0), 86_400);
    }
}
