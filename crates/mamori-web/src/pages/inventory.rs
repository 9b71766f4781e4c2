//! The device inventory (IT機器の台帳) on the web: every PC, server, smartphone, UTM, router,
//! NAS and printer of the company, the monitored sources among them listed before anyone
//! describes them, and for each the next day something of it stops being protected (the
//! OS's support, the antivirus licence, a UTM function's licence, the support contract).

use std::collections::HashMap;

use axum::extract::{Path, Query};
use axum::http::StatusCode;
use chrono::NaiveDate;
use mamori_model::{Deed, Device, DeviceKind, UtmFunction, UtmLicence};
use mamori_risk::devices::{
    DeviceProblem, WatchedSource, alert_destination_missing, checked_device, licence_coverage,
    with_sources,
};
use mamori_risk::expiry::{Expiry, Lapse, Stage, expiries, upcoming};
use mamori_store::{Actor, OrgStore, Source, StoreError};
use minijinja::value::Serde;
use minijinja::{Value, context};
use serde::{Deserialize, Serialize};

use super::login::CsrfOnly;
use super::{Done, Page, PageError, PageResult, Signed};
use crate::auth::{ClientAddr, Viewer};
use crate::extract::PageForm;
use crate::i18n::{Lang, Messages};

/// An expiry as pages show it: what ends, when, how many days are left and how urgent.
#[derive(Serialize)]
pub(crate) struct ExpiryView {
    #[serde(flatten)]
    expiry: Expiry,
    /// What ends, in the reader's language.
    name: &'static str,
    days_left: i64,
    /// `lapsed`, `days7`, `days30`, `days60`, or `later`.
    stage: &'static str,
}

impl ExpiryView {
    pub(crate) fn new(expiry: Expiry, today: NaiveDate, lang: Lang) -> Self {
        ExpiryView {
            name: expiry.lapse.name(lang),
            days_left: expiry.days_left(today),
            stage: Stage::reached(expiry.on, today).map_or("later", Stage::as_str),
            expiry,
        }
    }
}

/// A device as the inventory shows it.
#[derive(Serialize)]
struct DeviceRow {
    #[serde(flatten)]
    device: Device,
    next: Option<ExpiryView>,
    /// A UTM or router with nowhere to send its own alerts.
    alert_destination_missing: bool,
    /// For a UTM: how many functions are licensed today.
    active_licences: Option<usize>,
    /// For a UTM: the inspecting functions without a licence today, in the reader's words.
    uninspected: Vec<&'static str>,
}

/// What went wrong with the form, in the reader's language.
pub(crate) fn device_problem_message(lang: Lang, problem: &DeviceProblem) -> String {
    let field = lang.t(&format!("inventory.field.{}", problem.field().key()));
    lang.tf(
        &format!("inventory.problem.{}", problem.code()),
        &[("field", &field)],
    )
}

/// `sources` as the inventory needs to know them.
fn watched(sources: &[Source]) -> Vec<WatchedSource<'_>> {
    sources
        .iter()
        .map(|s| WatchedSource {
            id: &s.id,
            name: &s.name,
            format: &s.format,
        })
        .collect()
}

/// The organisation's devices, with the monitored sources not described yet.
pub(crate) async fn inventory_of(org: &OrgStore) -> Result<Vec<Device>, StoreError> {
    let devices = org.devices().list().await?;
    let sources = org.sources().await?;
    Ok(with_sources(devices, &watched(&sources)))
}

/// For each organisation, how many of its UTMs and routers (described or only monitored)
/// have no alert e-mail destination recorded; organisations with none are left out.
pub(crate) async fn unwarned_by_org(
    store: &mamori_store::Store,
) -> Result<HashMap<String, usize>, StoreError> {
    let all = mamori_model::Scope::AllOrganisations;
    let (devices, sources) = tokio::try_join!(store.all_devices(&all), store.all_sources(&all))?;
    let mut by_org: HashMap<String, (Vec<Device>, Vec<Source>)> = HashMap::new();
    for entry in devices {
        by_org.entry(entry.org_id).or_default().0.push(entry.device);
    }
    for source in sources {
        by_org
            .entry(source.org_id.clone())
            .or_default()
            .1
            .push(source);
    }
    Ok(by_org
        .into_iter()
        .filter_map(|(org_id, (devices, sources))| {
            let all = with_sources(devices, &watched(&sources));
            let count = all.iter().filter(|d| alert_destination_missing(d)).count();
            (count > 0).then_some((org_id, count))
        })
        .collect())
}

/// `GET /orgs/{id}/devices`.
pub async fn inventory(Signed(page, viewer): Signed, Path(id): Path<String>) -> PageResult {
    let org = page.org_store(&id).await?;
    let today = page.state.store.zone().today();
    let rows: Vec<DeviceRow> = inventory_of(&org)
        .await?
        .into_iter()
        .map(|device| {
            let coverage = licence_coverage(&device, today);
            DeviceRow {
                active_licences: coverage.as_ref().map(|c| c.0),
                uninspected: coverage
                    .map(|(_, missing)| {
                        missing
                            .into_iter()
                            .map(|f| Lapse::Licence(f).name(page.lang))
                            .collect()
                    })
                    .unwrap_or_default(),
                alert_destination_missing: alert_destination_missing(&device),
                next: expiries(&device)
                    .into_iter()
                    .next()
                    .map(|e| ExpiryView::new(e, today, page.lang)),
                device,
            }
        })
        .collect();
    let urgent = |stages: &[&str]| {
        rows.iter()
            .filter(|r| r.next.as_ref().is_some_and(|n| stages.contains(&n.stage)))
            .count()
    };
    let ctx = context! {
        org => Value::from(Serde(org.org())),
        devices => Value::from(Serde(&rows)),
        lapsed => urgent(&["lapsed"]),
        soon => urgent(&["days7", "days30", "days60"]),
        unwarned => rows.iter().filter(|r| r.alert_destination_missing).count(),
        functions_total => UtmFunction::ALL.len(),
        may_keep => viewer.user.may_in(Deed::KeepAssets, org.id()),
    };
    Ok(page
        .render(StatusCode::OK, "device_inventory.html", ctx)
        .await)
}

/// The add/change form as it arrives: one date per UTM function (`licence.ips` …) besides
/// the device's own fields.
#[derive(Deserialize)]
pub struct DeviceForm {
    csrf: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    owner: String,
    #[serde(default)]
    location: String,
    #[serde(default)]
    os: String,
    #[serde(default)]
    os_version: String,
    #[serde(default)]
    os_support_ends: String,
    #[serde(default)]
    antivirus: String,
    #[serde(default)]
    antivirus_expires: String,
    #[serde(default)]
    support_ends: String,
    #[serde(default)]
    alert_email: String,
    #[serde(default)]
    source_id: String,
    #[serde(default)]
    remarks: String,
    #[serde(flatten)]
    licences: HashMap<String, String>,
}

impl DeviceForm {
    /// The device the form describes (an unknown kind, refused by [`save`], is shown back as
    /// "other").
    fn device(&self, id: &str) -> Device {
        let licences = UtmFunction::ALL
            .iter()
            .filter_map(|&function| {
                let date = self.licences.get(&format!("licence.{function}"))?;
                Some(UtmLicence {
                    function,
                    expires_on: date.clone(),
                })
            })
            .collect();
        Device {
            id: id.to_owned(),
            kind: self.kind.parse().unwrap_or(DeviceKind::Other),
            name: self.name.clone(),
            owner: self.owner.clone(),
            location: self.location.clone(),
            os: self.os.clone(),
            os_version: self.os_version.clone(),
            os_support_ends: self.os_support_ends.clone(),
            antivirus: self.antivirus.clone(),
            antivirus_expires: self.antivirus_expires.clone(),
            support_ends: self.support_ends.clone(),
            alert_email: self.alert_email.clone(),
            licences,
            source_id: Some(self.source_id.clone()).filter(|s| !s.is_empty()),
            remarks: self.remarks.clone(),
        }
    }
}

/// The add/change page for `device`, with what was wrong.
async fn render_form(
    page: &Page,
    org: &OrgStore,
    status: StatusCode,
    device: &Device,
    error: Option<String>,
) -> PageResult {
    let licences: HashMap<String, String> = device
        .licences
        .iter()
        .map(|l| (l.function.to_string(), l.expires_on.clone()))
        .collect();
    let ctx = context! {
        org => Value::from(Serde(org.org())),
        device => Value::from(Serde(device)),
        licences => licences,
        kinds => DeviceKind::ALL.iter().map(|k| k.as_str()).collect::<Vec<_>>(),
        functions => UtmFunction::ALL
            .iter()
            .map(|&f| (f.as_str(), Lapse::Licence(f).name(page.lang)))
            .collect::<Vec<_>>(),
        error => error,
    };
    Ok(page.render(status, "device_form.html", ctx).await)
}

/// Which monitored source a new device stands for.
#[derive(Deserialize)]
pub struct NewDeviceQuery {
    #[serde(default)]
    source: Option<String>,
}

/// `GET /orgs/{id}/devices/new[?source=SID]`: a blank form, or one filled from a monitored
/// source not described yet.
pub async fn new_form(
    Signed(page, viewer): Signed,
    Path(id): Path<String>,
    Query(query): Query<NewDeviceQuery>,
) -> PageResult {
    let org = page.org_store(&id).await?;
    if !viewer.user.may_in(Deed::KeepAssets, &id) {
        return Err(PageError::Forbidden);
    }
    let device = match query.source {
        Some(source) => inventory_of(&org)
            .await?
            .into_iter()
            .find(|d| d.id.is_empty() && d.source_id.as_deref() == Some(source.as_str()))
            .ok_or(PageError::NotFound)?,
        None => Device::new(DeviceKind::Pc, ""),
    };
    render_form(&page, &org, StatusCode::OK, &device, None).await
}

/// `GET /orgs/{id}/devices/{did}`.
pub async fn edit_form(
    Signed(page, viewer): Signed,
    Path((id, did)): Path<(String, String)>,
) -> PageResult {
    let org = page.org_store(&id).await?;
    let device = org.devices().get(&did).await?.ok_or(PageError::NotFound)?;
    if !viewer.user.may_in(Deed::KeepAssets, &id) {
        return Err(PageError::Forbidden);
    }
    render_form(&page, &org, StatusCode::OK, &device, None).await
}

/// Checks and keeps the form's device, or shows the form again with the problem.
async fn save(
    page: &Page,
    viewer: &Viewer,
    addr: String,
    id: &str,
    device_id: &str,
    form: DeviceForm,
) -> PageResult {
    let org = page.authorise_org(id, Deed::KeepAssets, &form.csrf).await?;
    let typed = form.device(device_id);
    if form.kind.parse::<DeviceKind>().is_err() {
        let message = page.lang.t("inventory.problem.bad_kind");
        let status = StatusCode::UNPROCESSABLE_ENTITY;
        return render_form(page, &org, status, &typed, Some(message)).await;
    }
    let device = match checked_device(typed.clone()) {
        Ok(device) => device,
        Err(problem) => {
            let message = device_problem_message(page.lang, &problem);
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            return render_form(page, &org, status, &typed, Some(message)).await;
        }
    };
    org.devices()
        .save(&Actor::user(&viewer.user, Some(addr)), &device)
        .await?;
    Ok(Done::DeviceSaved.redirect(&format!("/orgs/{id}/devices")))
}

/// `POST /orgs/{id}/devices/new`.
pub async fn create(
    Signed(page, viewer): Signed,
    ClientAddr(addr): ClientAddr,
    Path(id): Path<String>,
    PageForm(form): PageForm<DeviceForm>,
) -> PageResult {
    save(&page, &viewer, addr, &id, "", form).await
}

/// `POST /orgs/{id}/devices/{did}`.
pub async fn change(
    Signed(page, viewer): Signed,
    ClientAddr(addr): ClientAddr,
    Path((id, did)): Path<(String, String)>,
    PageForm(form): PageForm<DeviceForm>,
) -> PageResult {
    save(&page, &viewer, addr, &id, &did, form).await
}

/// `POST /orgs/{id}/devices/{did}/delete`.
pub async fn remove(
    Signed(page, viewer): Signed,
    ClientAddr(addr): ClientAddr,
    Path((id, did)): Path<(String, String)>,
    PageForm(form): PageForm<CsrfOnly>,
) -> PageResult {
    let org = page
        .authorise_org(&id, Deed::KeepAssets, &form.csrf)
        .await?;
    org.devices()
        .remove(&Actor::user(&viewer.user, Some(addr)), &did)
        .await?;
    Ok(Done::DeviceRemoved.redirect(&format!("/orgs/{id}/devices")))
}

/// How far ahead the provider's list of expiries looks.
const CONSOLE_HORIZON_DAYS: i64 = 90;

/// One client's expiry, for the provider's list.
#[derive(Serialize)]
struct ClientExpiry {
    org_id: String,
    org_name: String,
    device_id: String,
    device_name: String,
    kind: DeviceKind,
    #[serde(flatten)]
    expiry: ExpiryView,
}

/// `GET /console/expiries`: what ends in the next 90 days across every client, and what
/// has ended without being renewed, soonest first.
pub async fn console_expiries(Signed(page, _viewer): Signed) -> PageResult {
    page.require(Deed::WatchAllOrganisations)?;
    let store = &page.state.store;
    let all = mamori_model::Scope::AllOrganisations;
    let (orgs, devices) = tokio::try_join!(store.orgs(&all), store.all_devices(&all))?;
    let names: HashMap<&str, &str> = orgs
        .iter()
        .map(|o| (o.id.as_str(), o.name.as_str()))
        .collect();
    let today = store.zone().today();
    let mut rows: Vec<ClientExpiry> = devices
        .iter()
        .flat_map(|entry| {
            upcoming(&entry.device, today, CONSOLE_HORIZON_DAYS)
                .into_iter()
                .map(|expiry| ClientExpiry {
                    org_id: entry.org_id.clone(),
                    org_name: names
                        .get(entry.org_id.as_str())
                        .copied()
                        .unwrap_or_default()
                        .to_owned(),
                    device_id: entry.device.id.clone(),
                    device_name: entry.device.name.clone(),
                    kind: entry.device.kind,
                    expiry: ExpiryView::new(expiry, today, page.lang),
                })
        })
        .collect();
    rows.sort_by(|a, b| {
        (a.expiry.days_left, &a.org_name, &a.device_name).cmp(&(
            b.expiry.days_left,
            &b.org_name,
            &b.device_name,
        ))
    });
    let ctx = context! {
        rows => Value::from(Serde(&rows)),
        horizon => CONSOLE_HORIZON_DAYS,
    };
    Ok(page
        .render(StatusCode::OK, "console_expiries.html", ctx)
        .await)
}
