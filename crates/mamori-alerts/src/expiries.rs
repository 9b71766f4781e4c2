//! Watching the end dates of the companies' devices: a UTM whose licences lapse keeps
//! passing traffic without inspecting it, and an antivirus whose licence lapses stops
//! updating without a word. 60, 30 and 7 days before such a day the organisation's channels
//! get a reminder; on the day mamori raises an alert, which the provider's channels hear of
//! too. Each reminder and alert is sent once per device, end date and stage, and a stage
//! missed while mamori was down is not made up for (the company hears the one reached now).
//! When the date is renewed (or the device removed), mamori resolves the alert itself and
//! says so.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use mamori_model::{Device, Lang, Scope, Severity, fill};
use mamori_notify::{Notice, NoticeKind};
use mamori_risk::expiry::{Expiry, Lapse, Stage, expiries};
use mamori_store::{
    AlertFacts, AlertingTx, Channel, DeliveryKind, ExpiryNoticeKey, NewAlert, OrgDevice, Store,
};
use serde_json::json;

use crate::AlertsError;
use crate::deliver::provider_name;
use crate::notice::lang_of;
use crate::promote::{Audience, Raised, raise};
use crate::seen::words;
use crate::settings::AlertSettings;
use crate::watch::resolve_and_tell;

/// The rule id of the alert raised when something of a device has ended.
pub const END_DATE_RULE: &str = "mamori.inventory.end-date";

/// What one look at the end dates did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reminded {
    /// Reminders made (each queued for every channel of its organisation).
    pub reminders: usize,
    /// Alerts opened for end dates reached.
    pub alerts: usize,
    /// Alerts resolved because the date was renewed (or the device removed).
    pub resolved: usize,
    /// Notices queued for either.
    pub queued: usize,
}

/// An end date that has reached a stage nothing was sent for yet.
struct Due<'a> {
    entry: &'a OrgDevice,
    expiry: Expiry,
    stage: Stage,
    key: ExpiryNoticeKey,
}

/// Looks at every device's end dates on the day of `now` (Unix seconds, a parameter so tests
/// can move the clock) and sends what is due. Two reads when nothing is; a write
/// transaction only when something is.
pub async fn watch_end_dates(
    store: &Store,
    settings: &AlertSettings,
    now: i64,
) -> Result<Reminded, AlertsError> {
    let today = settings.zone.date(now);
    let devices = store.all_devices(&Scope::AllOrganisations).await?;
    let sent = store.expiry_notices_sent().await?;
    let due: Vec<Due<'_>> = devices
        .iter()
        .flat_map(|entry| {
            expiries(&entry.device)
                .into_iter()
                .filter_map(move |expiry| {
                    let stage = Stage::reached(expiry.on, today)?;
                    let key = (
                        entry.device.id.clone(),
                        expiry.lapse.key(),
                        expiry.on.format("%Y-%m-%d").to_string(),
                        stage.as_str().to_owned(),
                    );
                    Some(Due {
                        entry,
                        expiry,
                        stage,
                        key,
                    })
                })
        })
        .filter(|due| !sent.contains(&due.key))
        .collect();
    // An open end-date alert whose date no longer stands (renewed, or the device removed)
    // is resolved.
    let lapsed_now: HashSet<String> = devices
        .iter()
        .flat_map(|entry| {
            expiries(&entry.device)
                .into_iter()
                .filter(|e| e.days_left(today) <= 0)
                .map(|e| group_key(&entry.device, &e))
        })
        .collect();
    let cleared: Vec<(String, String)> = store
        .open_group_keys(END_DATE_RULE)
        .await?
        .into_iter()
        .filter(|(_, key)| !lapsed_now.contains(key))
        .collect();
    let mut done = Reminded::default();
    if due.is_empty() && cleared.is_empty() {
        return Ok(done);
    }
    let provider = provider_name(store).await?;
    let mut orgs: HashMap<String, (String, Vec<Channel>)> = HashMap::new();
    for d in &due {
        let org_id = &d.entry.org_id;
        if !orgs.contains_key(org_id) {
            let org = store.org_store(&Scope::AllOrganisations, org_id).await?;
            let channels = org.channels().list().await?;
            let enabled = channels.into_iter().filter(|c| c.enabled).collect();
            orgs.insert(org_id.clone(), (org.org().name.clone(), enabled));
        }
    }
    let mut tx = store.begin_alerting().await?;
    for (org_id, key) in &cleared {
        let Some(open) = tx.latest_alert(org_id, key).await? else {
            continue;
        };
        if open.status.is_open() {
            let severity = severity_of(key);
            done.queued += resolve_and_tell(&mut tx, org_id, &open.id, severity).await?;
            done.resolved += 1;
        }
    }
    for d in &due {
        let org_id = &d.entry.org_id;
        if !tx.note_expiry(org_id, &d.key).await? {
            continue;
        }
        if d.stage == Stage::Lapsed {
            let alert = lapsed_alert(org_id, &d.entry.device, &d.expiry, now);
            if let Raised::Opened { queued, .. } =
                raise(&mut tx, &alert, &settings.rules, Audience::Everyone).await?
            {
                done.alerts += 1;
                done.queued += queued;
            }
            continue;
        }
        let (org_name, channels) = &orgs[org_id];
        let about = About {
            org_id,
            org_name,
            provider: &provider,
            device: &d.entry.device,
            expiry: &d.expiry,
            today,
        };
        done.queued += queue_reminders(&mut tx, settings, &about, channels).await?;
        done.reminders += 1;
    }
    tx.commit().await?;
    Ok(done)
}

/// What a reminder is about.
struct About<'a> {
    org_id: &'a str,
    org_name: &'a str,
    provider: &'a str,
    device: &'a Device,
    expiry: &'a Expiry,
    today: NaiveDate,
}

/// Queues the reminder for every channel of the organisation, each in its language.
async fn queue_reminders(
    tx: &mut AlertingTx,
    settings: &AlertSettings,
    about: &About<'_>,
    channels: &[Channel],
) -> Result<usize, AlertsError> {
    for channel in channels {
        let notice = reminder_notice(settings, about, lang_of(&channel.lang));
        let text = serde_json::to_string(&notice)?;
        tx.queue_prepared_notice(channel, DeliveryKind::Reminder, &text)
            .await?;
    }
    Ok(channels.len())
}

/// The day as mails write it.
fn day(on: NaiveDate) -> String {
    on.format("%Y/%m/%d").to_string()
}

/// `{device}` and `{lapse}` of `expiry` in `lang`, for filling the words.
fn names<'a>(device: &'a Device, expiry: &Expiry, lang: Lang) -> [(&'static str, &'a str); 2] {
    [("device", &device.name), ("lapse", expiry.lapse.name(lang))]
}

/// The reminder that something of a device ends soon, in `lang`.
fn reminder_notice(settings: &AlertSettings, about: &About<'_>, lang: Lang) -> Notice {
    let w = words(lang);
    let (device, expiry) = (about.device, about.expiry);
    let left = w.duration.of(expiry.days_left(about.today).max(1) * 86_400);
    let [device_name, lapse] = names(device, expiry, lang);
    let date = day(expiry.on);
    Notice {
        kind: NoticeKind::Reminder,
        lang,
        zone: settings.zone,
        org_name: about.org_name.to_owned(),
        provider_name: about.provider.to_owned(),
        alert_id: None,
        severity: "info".to_owned(),
        title: fill(&w.end_date_title, &[device_name, lapse]),
        seen: fill(
            &w.end_date_soon_seen,
            &[lapse, ("date", &date), ("left", &left)],
        ),
        what_to_do: expiry.lapse.todo(lang).to_owned(),
        contact: String::new(),
        rule_id: None,
        count: 0,
        first_seen: None,
        last_seen: None,
        source: Some(device.name.clone()),
        link: settings.public_url.as_ref().map(|base| {
            format!(
                "{}/orgs/{}/devices",
                base.trim_end_matches('/'),
                about.org_id
            )
        }),
        items: Vec::new(),
    }
}

/// The group key of the alert on `expiry` of `device`: one alert per device, lapse and day.
fn group_key(device: &Device, expiry: &Expiry) -> String {
    format!(
        "end-date:{}:{}:{}",
        device.id,
        expiry.lapse.key(),
        expiry.on.format("%Y-%m-%d")
    )
}

/// The severity an end-date alert was raised with, read back from its group key.
fn severity_of(group_key: &str) -> Severity {
    group_key
        .split(':')
        .nth(2)
        .and_then(Lapse::from_key)
        .map_or(Severity::Medium, Lapse::severity)
}

/// The alert saying something of `device` has ended, seen at `now`.
fn lapsed_alert(org_id: &str, device: &Device, expiry: &Expiry, now: i64) -> NewAlert {
    let date = day(expiry.on);
    let title = |lang: Lang| {
        fill(
            &words(lang).end_date_lapsed_title,
            &names(device, expiry, lang),
        )
    };
    let seen = |lang: Lang| {
        let [device_name, lapse] = names(device, expiry, lang);
        fill(
            &words(lang).end_date_lapsed_seen,
            &[device_name, lapse, ("date", &date)],
        )
    };
    let cleared = |lang: Lang| fill(&words(lang).end_date_renewed, &names(device, expiry, lang));
    NewAlert {
        org_id: org_id.to_owned(),
        group_key: group_key(device, expiry),
        source_id: device.source_id.clone(),
        seen_us: now * 1_000_000,
        events: 1,
        facts: AlertFacts {
            rule_id: END_DATE_RULE.to_owned(),
            rule_title: title(Lang::En),
            title_ja: Some(title(Lang::Ja)),
            severity: expiry.lapse.severity(),
            details: json!({
                "kind": "system",
                "tags": [],
                "guidance": {
                    "action_ja": expiry.lapse.todo(Lang::Ja),
                    "action_en": expiry.lapse.todo(Lang::En),
                    "seen_ja": seen(Lang::Ja),
                    "seen_en": seen(Lang::En),
                    "cleared_ja": cleared(Lang::Ja),
                    "cleared_en": cleared(Lang::En),
                },
                "device_id": device.id,
                "lapse": expiry.lapse.key(),
                "ends_on": expiry.on.format("%Y-%m-%d").to_string(),
            }),
        },
    }
}
