//! Registering and changing a monitored source on the web (the provider's administrators):
//! which organisation, a name, the model in words people know, and how it is recognised (its
//! sender address, or an HTTP token shown once). The answer to a registration is the setup
//! guide for that model, with this server's address and syslog port already filled in. A
//! registered source's name, format and allowed silence can be changed later (for instance
//! when the sources table shows that `auto` does not recognise what it sends).

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::sync::LazyLock;

use axum::extract::Path;
use axum::http::{HeaderMap, StatusCode};
use mamori_ingest::source::usual_silence_secs;
use mamori_model::{Deed, Lang, Scope};
use mamori_parse::Format;
use mamori_store::{Actor, NewSource, Source, SourceChange, SourceIdentity, StoreError};
use minijinja::context;
use serde::Deserialize;

use super::done::Done;
use super::events::render_sources;
use super::login::CsrfOnly;
use super::{Page, PageError, PageResult, Signed, public_base};
use crate::auth::ClientAddr;
use crate::extract::PageForm;
use crate::i18n::Messages;

/// The setup guides, one per log format (see `guides/devices.toml`).
static GUIDES: LazyLock<Result<BTreeMap<String, Guide>, String>> = LazyLock::new(|| {
    toml::from_str(include_str!("../../guides/devices.toml")).map_err(|e| e.to_string())
});

/// How one kind of device is told to send its logs here.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Guide {
    /// What to type or paste, with `{host}` and `{port}`.
    config: String,
    /// Steps in Japanese.
    ja: Vec<String>,
    /// Steps in English.
    en: Vec<String>,
    /// A note when the device can only send to port 514, in Japanese.
    #[serde(default)]
    port_note_ja: Option<String>,
    /// The same note in English.
    #[serde(default)]
    port_note_en: Option<String>,
    /// For devices that send over HTTP with the source's token (the page fills `{host}`,
    /// `{port}`, `{tls}` and `{token}` from this server's web address).
    #[serde(default)]
    http: bool,
}

/// The guide for `format`: its own, or the generic syslog one.
fn guide(format: Format) -> Result<&'static Guide, String> {
    let guides = GUIDES.as_ref().map_err(Clone::clone)?;
    guides
        .get(format.as_str())
        .or_else(|| guides.get("generic"))
        .ok_or_else(|| "devices.toml has no generic guide".to_owned())
}

/// Formats that can be registered on the web: all but `json`, whose key mapping is a file
/// given to `mamori admin add-source`, and `journald`, which only the endpoint agent sends
/// (it registers itself on enrolment).
pub(super) fn web_formats() -> Vec<&'static str> {
    Format::ALL
        .iter()
        .filter(|f| !matches!(f, Format::Json | Format::Journald))
        .map(|f| f.as_str())
        .collect()
}

/// The host part of `base` (`https://mamori.example.jp:8443` → `mamori.example.jp`); `base`
/// itself when it is not a URL.
fn host_of(base: &str) -> String {
    let Ok(parsed) = url::Url::parse(base) else {
        return base.to_owned();
    };
    match parsed.host() {
        Some(url::Host::Ipv6(v6)) => v6.to_string(),
        Some(host) => host.to_string(),
        None => base.to_owned(),
    }
}

/// The sources page again, saying what was wrong with the form.
async fn refused(page: &Page, key: &str) -> PageResult {
    let message = page.lang.t(key);
    Ok(render_sources(page, StatusCode::UNPROCESSABLE_ENTITY, None, Some(message)).await)
}

/// The registration form.
#[derive(Deserialize)]
pub struct DeviceForm {
    csrf: String,
    #[serde(default)]
    org: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    format: String,
    /// `address` (syslog from a fixed sender address) or `token` (HTTP ingest).
    #[serde(default)]
    method: String,
    #[serde(default)]
    address: String,
    /// Minutes of silence before the source is flagged.
    #[serde(default)]
    silent_minutes: String,
}

/// Longest silence that can be allowed: a week.
const MAX_SILENT_MINUTES: i64 = 7 * 24 * 60;

/// The allowed silence typed in minutes, in seconds (the usual one for `format` when left
/// empty); `None` outside 1 minute to a week.
fn silent_secs(text: &str, format: Format) -> Option<i64> {
    match text.trim() {
        "" => Some(usual_silence_secs(format)),
        text => text
            .parse::<i64>()
            .ok()
            .filter(|m| (1..=MAX_SILENT_MINUTES).contains(m))
            .map(|m| m * 60),
    }
}

/// `POST /console/sources`: registers a source and shows how to set the device up.
pub async fn register(
    Signed(page, viewer): Signed,
    headers: HeaderMap,
    ClientAddr(addr): ClientAddr,
    PageForm(form): PageForm<DeviceForm>,
) -> PageResult {
    page.require(Deed::RegisterSources)?;
    page.check_csrf(&form.csrf)?;
    let name = form.name.trim();
    if name.is_empty() || name.chars().count() > 200 {
        return refused(&page, "ingest.register.error.name").await;
    }
    let Some(format) = form
        .format
        .parse::<Format>()
        .ok()
        .filter(|f| *f != Format::Json)
    else {
        return refused(&page, "ingest.error.format").await;
    };
    let identity = match form.method.as_str() {
        "token" => SourceIdentity::Token,
        _ => match form.address.trim().parse::<IpAddr>() {
            Ok(ip) => SourceIdentity::Address(ip.to_canonical().to_string()),
            Err(_) => return refused(&page, "ingest.register.error.address").await,
        },
    };
    let Some(silent) = silent_secs(&form.silent_minutes, format) else {
        return refused(&page, "ingest.register.error.silent").await;
    };
    let org = match page
        .state
        .store
        .org_store(&Scope::AllOrganisations, &form.org)
        .await
    {
        Ok(org) => org,
        Err(StoreError::NotFound) => return refused(&page, "ingest.register.error.org").await,
        Err(e) => return Err(PageError::from(e)),
    };
    let created = page
        .state
        .store
        .create_source(
            &Actor::user(&viewer.user, Some(addr)),
            NewSource {
                org_id: org.id().to_owned(),
                name: name.to_owned(),
                format: format.to_string(),
                json_mapping: None,
                identity,
                expected_interval_secs: silent,
            },
        )
        .await;
    let (source, token) = match created {
        Ok(created) => {
            if let Some(ingest) = &page.state.ingest {
                ingest.sources_changed();
            }
            created
        }
        Err(e @ StoreError::Invalid(_)) => {
            let message = super::org::store_error_message(page.lang, &e);
            return Ok(render_sources(
                &page,
                StatusCode::UNPROCESSABLE_ENTITY,
                None,
                Some(message),
            )
            .await);
        }
        Err(e) => return Err(PageError::from(e)),
    };
    let guide = match guide(format) {
        Ok(guide) => guide,
        Err(reason) => {
            tracing::error!(%reason, "device guides are broken");
            return Err(PageError::from(
                page.message(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "error.title",
                    page.lang.t("error.internal"),
                )
                .await,
            ));
        }
    };
    let base = public_base(&page.state, &headers);
    let ports = page.state.settings.syslog_ports;
    let port = ports.udp.or(ports.tcp);
    let config = if guide.http {
        let url = url::Url::parse(&base).ok();
        let web_port = url
            .as_ref()
            .and_then(url::Url::port_or_known_default)
            .unwrap_or(443)
            .to_string();
        let tls = if url.is_some_and(|u| u.scheme() == "http") {
            "Off"
        } else {
            "On"
        };
        mamori_model::fill(
            &guide.config,
            &[
                ("host", &host_of(&base)),
                ("port", &web_port),
                ("tls", tls),
                ("token", token.as_deref().unwrap_or("")),
            ],
        )
    } else {
        let port_text = port.unwrap_or(514).to_string();
        mamori_model::fill(
            &guide.config,
            &[("host", &host_of(&base)), ("port", &port_text)],
        )
    };
    let (steps, port_note) = match page.lang {
        Lang::Ja => (&guide.ja, &guide.port_note_ja),
        Lang::En => (&guide.en, &guide.port_note_en),
    };
    let ctx = context! {
        org_id => org.id(),
        org_name => org.org().name.clone(),
        name => source.name.clone(),
        format => format.as_str(),
        by_address => source.address.clone(),
        token => token,
        http_guide => guide.http,
        ingest_url => format!("{base}/api/v1/ingest"),
        steps => steps,
        config => config,
        port => port,
        port_note => port_note.as_ref().filter(|_| port.is_some_and(|p| p != 514)),
        transport => if ports.udp.is_some() { "UDP" } else { "TCP" },
    };
    Ok(page
        .render(StatusCode::CREATED, "source_created.html", ctx)
        .await)
}

/// The change form of a registered source.
#[derive(Deserialize)]
pub struct ChangeForm {
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    format: String,
    #[serde(default)]
    silent_minutes: String,
}

/// The source `id` as the provider sees it.
async fn source_of(page: &Page, id: &str) -> Result<Source, PageError> {
    page.state
        .store
        .all_sources(&Scope::AllOrganisations)
        .await?
        .into_iter()
        .find(|s| s.id == id)
        .ok_or(PageError::NotFound)
}

/// The change page for `source`, with what the form said and what was wrong with it.
async fn render_change(
    page: &Page,
    status: StatusCode,
    source: &Source,
    form: Option<&ChangeForm>,
    error: Option<String>,
) -> PageResult {
    let org = page
        .state
        .store
        .org(&Scope::AllOrganisations, &source.org_id)
        .await?
        .ok_or(PageError::NotFound)?;
    // A `json` source (its key mapping comes from the CLI) and an agent's `journald` source
    // keep their format on offer, though neither is registered here.
    let mut formats = web_formats();
    if let Some(own) = Format::ALL
        .iter()
        .map(|f| f.as_str())
        .find(|f| *f == source.format && !formats.contains(f))
    {
        formats.push(own);
    }
    let ctx = context! {
        source => minijinja::Value::from(minijinja::value::Serde(source)),
        org_name => org.name,
        formats => formats,
        name => form.map_or(source.name.as_str(), |f| f.name.as_str()),
        format => form.map_or(source.format.as_str(), |f| f.format.as_str()),
        silent_minutes => form.map_or((source.expected_interval_secs / 60).to_string(), |f| f.silent_minutes.clone()),
        error => error,
    };
    Ok(page.render(status, "source_change.html", ctx).await)
}

/// `GET /console/sources/{id}`: the form that changes a source (administrators).
pub async fn change_form(Signed(page, _viewer): Signed, Path(id): Path<String>) -> PageResult {
    page.require(Deed::RegisterSources)?;
    let source = source_of(&page, &id).await?;
    render_change(&page, StatusCode::OK, &source, None, None).await
}

/// `POST /console/sources/{id}`: changes a source's name, format and allowed silence, and
/// tells ingest to read its next line in the new format.
pub async fn change(
    Signed(page, viewer): Signed,
    ClientAddr(addr): ClientAddr,
    Path(id): Path<String>,
    PageForm(form): PageForm<ChangeForm>,
) -> PageResult {
    page.require(Deed::RegisterSources)?;
    page.check_csrf(&form.csrf)?;
    let source = source_of(&page, &id).await?;
    let refuse = |key: &str| page.lang.t(key);
    let name = form.name.trim();
    let format = form
        .format
        .parse::<Format>()
        .ok()
        .filter(|f| web_formats().contains(&f.as_str()) || source.format == f.as_str());
    let problem = if name.is_empty() || name.chars().count() > 200 {
        Some(refuse("ingest.register.error.name"))
    } else if format.is_none() {
        Some(refuse("ingest.error.format"))
    } else {
        None
    };
    let silent = format.and_then(|f| silent_secs(&form.silent_minutes, f));
    let (Some(format), Some(silent), None) = (format, silent, &problem) else {
        let message = problem.unwrap_or_else(|| refuse("ingest.register.error.silent"));
        let status = StatusCode::UNPROCESSABLE_ENTITY;
        return render_change(&page, status, &source, Some(&form), Some(message)).await;
    };
    let change = SourceChange {
        name: name.to_owned(),
        format: format.to_string(),
        expected_interval_secs: silent,
    };
    let actor = Actor::user(&viewer.user, Some(addr));
    page.state
        .store
        .change_source(&actor, &Scope::AllOrganisations, &id, change)
        .await?;
    if let Some(ingest) = &page.state.ingest {
        ingest.sources_changed();
    }
    Ok(Done::SourceChanged.redirect("/console/sources"))
}

/// `POST /console/sources/{id}/retire`: stops watching a device that was replaced or
/// disposed of (administrators); its logs stay, its address or token is free again.
pub async fn retire(
    Signed(page, viewer): Signed,
    ClientAddr(addr): ClientAddr,
    Path(id): Path<String>,
    PageForm(form): PageForm<CsrfOnly>,
) -> PageResult {
    page.require(Deed::RegisterSources)?;
    page.check_csrf(&form.csrf)?;
    let actor = Actor::user(&viewer.user, Some(addr));
    page.state
        .store
        .retire_source(&actor, &Scope::AllOrganisations, &id)
        .await?;
    if let Some(ingest) = &page.state.ingest {
        ingest.sources_changed();
    }
    Ok(Done::SourceRetired.redirect("/console/sources"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_format_offered_on_the_web_has_a_guide_in_both_languages() {
        for name in web_formats() {
            let format: Format = name.parse().expect("format");
            let g = guide(format).expect("guide");
            assert!(g.config.contains("{host}"), "{name}");
            assert!(!g.ja.is_empty() && g.ja.len() == g.en.len(), "{name}");
        }
    }

    #[test]
    fn the_host_is_taken_from_the_public_address() {
        assert_eq!(
            host_of("https://mamori.example.jp:8443/x"),
            "mamori.example.jp"
        );
        assert_eq!(host_of("http://192.0.2.5:8080"), "192.0.2.5");
        assert_eq!(host_of("http://[2001:db8::5]:8080"), "2001:db8::5");
        assert_eq!(host_of("mamori.example.jp"), "mamori.example.jp");
    }
}
