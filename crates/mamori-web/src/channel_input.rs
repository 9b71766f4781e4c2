//! A notification channel as people submit it (API body or page form), checked and turned
//! into what the store keeps. Shared by the API and the channels page.

use mamori_model::Severity;
use mamori_notify::{Channel as Destination, DestinationPolicy, NotifyError};
use mamori_store::NewChannel;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::i18n::{Lang, Messages};

/// A channel to add.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct ChannelInput {
    /// `email`, `webhook`, `slack` or `teams`.
    #[schema(pattern = "^(email|webhook|slack|teams)$")]
    pub kind: String,
    /// For e-mail: addresses separated by commas.
    #[serde(default)]
    pub to: Option<String>,
    /// For webhooks, Slack and Teams: the URL.
    #[serde(default)]
    pub url: Option<String>,
    /// For generic webhooks: the HMAC secret for `X-Mamori-Signature`.
    #[serde(default)]
    pub secret: Option<String>,
    /// Lowest severity sent (default `medium`).
    #[serde(default)]
    pub min_severity: Option<String>,
    /// Quiet hours start, `HH:MM` on the provider's clock (critical alerts still go).
    #[serde(default)]
    pub quiet_start: Option<String>,
    /// Quiet hours end, `HH:MM`.
    #[serde(default)]
    pub quiet_end: Option<String>,
    /// Send low and info alerts once a day instead of one by one.
    #[serde(default)]
    pub digest: Option<bool>,
    /// `ja` (default) or `en`.
    #[serde(default)]
    pub lang: Option<String>,
}

fn minutes(text: &str) -> Option<i64> {
    let (h, m) = text.trim().split_once(':')?;
    let (h, m): (i64, i64) = (h.parse().ok()?, m.parse().ok()?);
    ((0..24).contains(&h) && (0..60).contains(&m)).then_some(h * 60 + m)
}

fn filled(value: &Option<String>) -> Option<String> {
    value
        .as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
}

impl ChannelInput {
    /// The destination the notifier will use, checked against where webhooks may go.
    pub fn destination(
        &self,
        lang: Lang,
        destinations: &DestinationPolicy,
    ) -> Result<Destination, String> {
        let url = filled(&self.url).unwrap_or_default();
        let destination = match self.kind.as_str() {
            "email" => Destination::Email {
                to: filled(&self.to)
                    .unwrap_or_default()
                    .split([',', ';', ' ', '\n'])
                    .map(str::trim)
                    .filter(|a| !a.is_empty())
                    .map(str::to_owned)
                    .collect(),
            },
            "webhook" => Destination::Webhook {
                url,
                secret: filled(&self.secret),
            },
            "slack" => Destination::Slack { url },
            "teams" => Destination::Teams { url },
            other => {
                return Err(lang.tf("channels.error.kind", &[("kind", other)]));
            }
        };
        destination.check(destinations).map_err(|e| match e {
            NotifyError::RefusedDestination { .. } => lang.t("channels.error.refused"),
            other => lang.tf("channels.error.invalid", &[("detail", &other.to_string())]),
        })?;
        Ok(destination)
    }

    /// What the store keeps for a channel of organisation `org_id` (`None`: the
    /// provider's own), or the message saying what is wrong in `lang`.
    pub fn to_new(
        &self,
        org_id: Option<String>,
        lang: Lang,
        destinations: &DestinationPolicy,
    ) -> Result<NewChannel, String> {
        let destination = self.destination(lang, destinations)?;
        let min_severity = match filled(&self.min_severity) {
            None => Severity::Medium,
            Some(word) => word
                .parse()
                .map_err(|_| lang.tf("channels.error.severity", &[("value", &word)]))?,
        };
        let quiet_hours = match (filled(&self.quiet_start), filled(&self.quiet_end)) {
            (None, None) => None,
            (Some(start), Some(end)) => match (minutes(&start), minutes(&end)) {
                (Some(s), Some(e)) if s != e => Some((s, e)),
                _ => return Err(lang.t("channels.error.quiet")),
            },
            _ => return Err(lang.t("channels.error.quiet")),
        };
        let config = serde_json::to_value(&destination)
            .map_err(|e| lang.tf("channels.error.invalid", &[("detail", &e.to_string())]))?;
        Ok(NewChannel {
            org_id,
            kind: destination.kind().to_owned(),
            config,
            min_severity,
            quiet_hours,
            digest: self.digest.unwrap_or(false),
            lang: if filled(&self.lang).as_deref() == Some("en") {
                "en".to_owned()
            } else {
                "ja".to_owned()
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quiet_hours_are_hours_and_minutes() {
        assert_eq!(minutes("22:00"), Some(1320));
        assert_eq!(minutes("7:05"), Some(425));
        assert_eq!(minutes("24:00"), None);
        assert_eq!(minutes("noon"), None);
    }

    #[test]
    fn email_channels_take_several_addresses_and_refuse_nonsense() {
        let input = ChannelInput {
            kind: "email".into(),
            to: Some("a@example.jp, b@example.jp".into()),
            ..ChannelInput::default()
        };
        let new = input
            .to_new(
                Some("o".into()),
                Lang::En,
                &DestinationPolicy::public_only(),
            )
            .expect("valid");
        assert_eq!(new.kind, "email");
        assert_eq!(new.min_severity, Severity::Medium);
        let bad = ChannelInput {
            kind: "email".into(),
            to: Some("not an address".into()),
            ..ChannelInput::default()
        };
        assert!(
            bad.to_new(None, Lang::Ja, &DestinationPolicy::public_only())
                .is_err()
        );
        let half_quiet = ChannelInput {
            quiet_start: Some("22:00".into()),
            ..input
        };
        assert!(
            half_quiet
                .to_new(None, Lang::En, &DestinationPolicy::public_only())
                .is_err()
        );
    }

    #[test]
    fn webhooks_into_internal_networks_are_refused_in_the_callers_language() {
        let input = ChannelInput {
            kind: "webhook".into(),
            url: Some("http://169.254.169.254/latest/meta-data/".into()),
            ..ChannelInput::default()
        };
        let strict = DestinationPolicy::public_only();
        let message = input.to_new(None, Lang::Ja, &strict).unwrap_err();
        assert_eq!(message, Lang::Ja.t("channels.error.refused"));
        assert!(!message.contains("169.254"), "{message}");
        let opened = DestinationPolicy::from_list(&["169.254.169.254"]).expect("list");
        assert!(input.to_new(None, Lang::En, &opened).is_ok());
    }
}
