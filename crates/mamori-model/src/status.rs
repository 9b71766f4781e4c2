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
}
