//! Notices built from stored alerts, in the channel's language, with a link back to the
//! alert in the portal.

use mamori_notify::{DigestItem, Lang, Notice, NoticeKind};
use mamori_store::Alert;

use crate::seen::words;
use crate::settings::AlertSettings;
use mamori_model::{fill, group_digits};

/// The channel's language word as the notifier's language (Japanese unless `en`).
pub fn lang_of(word: &str) -> Lang {
    Lang::parse(word).unwrap_or_default()
}

/// What to do when the rule gives no advice of its own.
fn default_action(lang: Lang) -> &'static str {
    &words(lang).default_action
}

/// The portal address of alert `alert`, when the public address is known.
pub fn alert_link(settings: &AlertSettings, alert: &Alert) -> Option<String> {
    settings.public_url.as_ref().map(|base| {
        format!(
            "{}/orgs/{}/alerts/{}",
            base.trim_end_matches('/'),
            alert.org_id,
            alert.id
        )
    })
}

/// A notice for a stored alert.
pub fn alert_notice(
    settings: &AlertSettings,
    alert: &Alert,
    lang: Lang,
    provider_name: &str,
) -> Notice {
    let code = lang.code();
    Notice {
        kind: NoticeKind::Alert,
        lang,
        zone: settings.zone,
        org_name: alert.org_name.clone(),
        provider_name: provider_name.to_owned(),
        alert_id: Some(alert.id.clone()),
        severity: alert.severity.clone(),
        title: alert.title_in(code).to_owned(),
        seen: crate::what_was_seen(alert, lang),
        contact: String::new(),
        what_to_do: alert
            .what_to_do_in(code)
            .unwrap_or(default_action(lang))
            .to_owned(),
        rule_id: Some(alert.rule_id.clone()),
        count: alert.events.max(alert.count),
        first_seen: Some(alert.first_seen),
        last_seen: Some(alert.last_seen),
        source: alert.source_name.clone(),
        link: alert_link(settings, alert),
        items: Vec::new(),
    }
}

/// The test notice for an organisation's route.
pub fn test_notice(
    settings: &AlertSettings,
    org_id: &str,
    org_name: &str,
    lang: Lang,
    provider_name: &str,
) -> Notice {
    let title = &words(lang).test_title;
    Notice {
        kind: NoticeKind::Test,
        lang,
        zone: settings.zone,
        org_name: org_name.to_owned(),
        provider_name: provider_name.to_owned(),
        alert_id: None,
        severity: "info".to_owned(),
        title: title.to_owned(),
        seen: String::new(),
        what_to_do: String::new(),
        contact: String::new(),
        rule_id: None,
        count: 0,
        first_seen: None,
        last_seen: None,
        source: None,
        link: settings
            .public_url
            .as_ref()
            .map(|base| format!("{}/orgs/{org_id}/channels", base.trim_end_matches('/'))),
        items: Vec::new(),
    }
}

/// The daily digest of `alerts` (low and info) for one organisation.
pub fn digest_notice(
    settings: &AlertSettings,
    alerts: &[Alert],
    lang: Lang,
    org_name: &str,
    provider_name: &str,
) -> Notice {
    let code = lang.code();
    let count = group_digits(alerts.len() as i64);
    let title = fill(&words(lang).digest_title, &[("count", &count)]);
    Notice {
        kind: NoticeKind::Digest,
        lang,
        zone: settings.zone,
        org_name: org_name.to_owned(),
        provider_name: provider_name.to_owned(),
        alert_id: None,
        severity: alerts
            .iter()
            .map(|a| a.severity_level())
            .max()
            .map(|s| s.as_str().to_owned())
            .unwrap_or_else(|| "info".to_owned()),
        title,
        seen: String::new(),
        what_to_do: String::new(),
        contact: String::new(),
        rule_id: None,
        count: alerts.iter().map(|a| a.count).sum(),
        first_seen: alerts.iter().map(|a| a.first_seen).min(),
        last_seen: alerts.iter().map(|a| a.last_seen).max(),
        source: None,
        link: None,
        items: alerts
            .iter()
            .map(|a| DigestItem {
                severity: a.severity.clone(),
                title: a.title_in(code).to_owned(),
                count: a.count,
                last_seen: Some(a.last_seen),
                link: alert_link(settings, a),
            })
            .collect(),
    }
}
