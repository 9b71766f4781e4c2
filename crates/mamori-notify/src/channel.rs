//! Where a notice goes: the destinations an organisation can configure, how they are checked
//! before saving, and how they are shown without leaking the secrets some URLs carry.

use serde::{Deserialize, Serialize};

use std::net::IpAddr;

use crate::{DestinationPolicy, NotifyError};

/// A destination, stored by the caller as JSON (`{"kind": "email", "to": [...]}` and so on).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Channel {
    /// E-mail to one or more addresses through the configured mail server.
    Email {
        /// Recipient addresses.
        to: Vec<String>,
    },
    /// A JSON POST to any HTTP(S) endpoint, signed when a secret is set.
    Webhook {
        /// Endpoint URL.
        url: String,
        /// Shared secret for the `X-Mamori-Signature` header; empty means unsigned.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        secret: Option<String>,
    },
    /// A Slack incoming webhook.
    Slack {
        /// The incoming-webhook URL (its path is a secret).
        url: String,
    },
    /// A Microsoft Teams incoming webhook or workflow URL.
    Teams {
        /// The webhook URL (its path and query are secrets).
        url: String,
    },
}

impl Channel {
    /// Checks the channel before it is saved, so a typo is caught on the settings page rather
    /// than at the first alert.
    pub fn validate(&self) -> Result<(), NotifyError> {
        match self {
            Channel::Email { to } => {
                if to.iter().all(|a| a.trim().is_empty()) {
                    return Err(NotifyError::InvalidChannel(
                        "add at least one e-mail address".into(),
                    ));
                }
                for address in to {
                    parse_address(address)?;
                }
                Ok(())
            }
            Channel::Webhook { url, .. } | Channel::Slack { url } | Channel::Teams { url } => {
                parse_http_url(url).map(|_| ())
            }
        }
    }

    /// [`Channel::validate`], and for a webhook whose host is written as an IP address, that
    /// `destinations` lets webhooks go there; host names are checked when they are resolved,
    /// at every delivery.
    pub fn check(&self, destinations: &DestinationPolicy) -> Result<(), NotifyError> {
        self.validate()?;
        match self {
            Channel::Email { .. } => Ok(()),
            Channel::Webhook { url, .. } | Channel::Slack { url } | Channel::Teams { url } => {
                check_literal(destinations, &parse_http_url(url)?)
            }
        }
    }

    /// The channel's kind as stored in JSON: "email", "webhook", "slack" or "teams".
    pub fn kind(&self) -> &'static str {
        match self {
            Channel::Email { .. } => "email",
            Channel::Webhook { .. } => "webhook",
            Channel::Slack { .. } => "slack",
            Channel::Teams { .. } => "teams",
        }
    }

    /// A short, safe description for the UI and logs: the addresses, or the URL's host with
    /// its path masked (Slack and Teams put their secret in the path). Never shows a secret.
    pub fn describe(&self) -> String {
        match self {
            Channel::Email { to } => to
                .iter()
                .map(|a| a.trim())
                .filter(|a| !a.is_empty())
                .collect::<Vec<_>>()
                .join(", "),
            Channel::Webhook { url, secret } => {
                let signed = secret.as_deref().is_some_and(|s| !s.is_empty());
                if signed {
                    format!("{} (signed)", mask_url(url))
                } else {
                    mask_url(url)
                }
            }
            Channel::Slack { url } | Channel::Teams { url } => mask_url(url),
        }
    }

    /// The recipients that are not blank, trimmed.
    pub(crate) fn recipients(to: &[String]) -> impl Iterator<Item = &str> {
        to.iter().map(|a| a.trim()).filter(|a| !a.is_empty())
    }
}

/// Parses one e-mail address, explaining which one is wrong.
pub fn parse_address(address: &str) -> Result<lettre::Address, NotifyError> {
    let trimmed = address.trim();
    if trimmed.is_empty() {
        return Err(NotifyError::InvalidChannel(
            "an e-mail address is empty".into(),
        ));
    }
    trimmed.parse::<lettre::Address>().map_err(|e| {
        NotifyError::InvalidChannel(format!("\"{trimmed}\" is not a valid e-mail address ({e})"))
    })
}

/// Parses a webhook URL and insists on http or https with a host.
pub(crate) fn parse_http_url(raw: &str) -> Result<url::Url, NotifyError> {
    let url = url::Url::parse(raw.trim()).map_err(|e| {
        NotifyError::InvalidChannel(format!("\"{}\" is not a valid URL ({e})", mask_url(raw)))
    })?;
    if url.scheme() != "http" && url.scheme() != "https" {
        return Err(NotifyError::InvalidChannel(format!(
            "the URL must start with https:// or http://, not {}://",
            url.scheme()
        )));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(NotifyError::InvalidChannel("the URL has no host".into()));
    }
    Ok(url)
}

/// Refuses a URL whose host is an internal IP address. The URL parser has already turned the
/// odd spellings (`127.1`, `2130706433`, `0x7f.0.0.1`) into the plain address.
pub(crate) fn check_literal(
    destinations: &DestinationPolicy,
    url: &url::Url,
) -> Result<(), NotifyError> {
    let ip = match url.host() {
        Some(url::Host::Ipv4(v4)) => IpAddr::V4(v4),
        Some(url::Host::Ipv6(v6)) => IpAddr::V6(v6),
        Some(url::Host::Domain(_)) | None => return Ok(()),
    };
    destinations.check(&mask_url(url.as_str()), ip)
}

/// Shows scheme, host and port only; any path, query or user info becomes "…".
pub(crate) fn mask_url(raw: &str) -> String {
    match url::Url::parse(raw.trim()) {
        Ok(url) => {
            let host = url.host_str().unwrap_or("");
            let port = url.port().map(|p| format!(":{p}")).unwrap_or_default();
            let hidden = (url.path() != "/" && !url.path().is_empty())
                || url.query().is_some()
                || url.fragment().is_some()
                || !url.username().is_empty()
                || url.password().is_some();
            let tail = if hidden { "/…" } else { "/" };
            format!("{}://{host}{port}{tail}", url.scheme())
        }
        Err(_) => "(invalid URL)".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn email(to: &[&str]) -> Channel {
        Channel::Email {
            to: to.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn email_needs_at_least_one_valid_address() {
        assert!(
            email(&["a@example.jp", " b@example.co.jp "])
                .validate()
                .is_ok()
        );
        let none = email(&[]).validate().unwrap_err();
        assert_eq!(none.code(), "invalid_channel");
        assert!(email(&["", "  "]).validate().is_err());
        let bad = email(&["a@example.jp", "not-an-address"])
            .validate()
            .unwrap_err();
        assert!(bad.to_string().contains("not-an-address"), "{bad}");
    }

    #[test]
    fn urls_must_be_http_or_https_with_a_host() {
        let ok = Channel::Slack {
            url: "https://hooks.slack.com/services/T0/B0/xyz".into(),
        };
        assert!(ok.validate().is_ok());
        for bad in [
            "ftp://example.jp/x",
            "example.jp/hook",
            "",
            "https://",
            "mailto:a@b.jp",
        ] {
            let channel = Channel::Webhook {
                url: bad.into(),
                secret: None,
            };
            let err = channel.validate().unwrap_err();
            assert_eq!(err.code(), "invalid_channel", "{bad}");
            assert!(err.is_permanent());
        }
    }

    #[test]
    fn describe_never_shows_secrets() {
        let slack = Channel::Slack {
            url: "https://hooks.slack.com/services/T000/B000/SECRETTOKEN".into(),
        };
        assert_eq!(slack.describe(), "https://hooks.slack.com/…");
        let teams = Channel::Teams {
            url:
                "https://prod-01.japaneast.logic.azure.com:443/workflows/abc/triggers?sig=SECRETSIG"
                    .into(),
        };
        assert!(!teams.describe().contains("SECRET"), "{}", teams.describe());
        let hook = Channel::Webhook {
            url: "https://user:SECRETPW@hook.example.jp/in?token=SECRETQ".into(),
            secret: Some("SECRETKEY".into()),
        };
        let shown = hook.describe();
        assert!(!shown.contains("SECRET"), "{shown}");
        assert_eq!(shown, "https://hook.example.jp/… (signed)");
        let bare = Channel::Webhook {
            url: "http://10.0.0.5:8080/".into(),
            secret: None,
        };
        assert_eq!(bare.describe(), "http://10.0.0.5:8080/");
        assert_eq!(
            email(&["a@example.jp", "b@example.co.jp"]).describe(),
            "a@example.jp, b@example.co.jp"
        );
    }

    #[test]
    fn kinds_and_json_shape() {
        let channel: Channel =
            serde_json::from_str(r#"{"kind":"webhook","url":"https://h.example.jp/x"}"#)
                .expect("webhook JSON");
        assert_eq!(channel.kind(), "webhook");
        assert_eq!(
            serde_json::to_string(&channel).expect("serialise"),
            r#"{"kind":"webhook","url":"https://h.example.jp/x"}"#
        );
        assert_eq!(email(&[]).kind(), "email");
        assert_eq!(Channel::Teams { url: String::new() }.kind(), "teams");
    }
}
