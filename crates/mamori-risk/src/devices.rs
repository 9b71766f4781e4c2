//! The device inventory's rules: a device is checked before it is kept (a name, texts within
//! bounds, dates read in the forms people type, one licence per UTM function), and the
//! sources mamori already watches are listed as devices before anyone describes them, with
//! the kind their log format tells.

use std::collections::HashSet;

use chrono::NaiveDate;
use mamori_model::{Device, DeviceKind, UtmFunction, normal_email};

use crate::check::read_date;

/// A device's text or date, named the same on forms, in the API and in messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DeviceField {
    /// Its name.
    Name,
    /// Who uses it or looks after it.
    Owner,
    /// Where it is.
    Location,
    /// Its operating system or firmware.
    Os,
    /// The version of it.
    OsVersion,
    /// The end of the OS's support.
    OsSupportEnds,
    /// The antivirus product.
    Antivirus,
    /// The end of the antivirus licence.
    AntivirusExpires,
    /// The end of the support contract.
    SupportEnds,
    /// Where the device sends its own alerts.
    AlertEmail,
    /// A UTM function's licence.
    Licence,
    /// Anything worth noting.
    Remarks,
}

impl DeviceField {
    /// Its stable name: the API's field, the form's input and the locale key.
    pub fn key(self) -> &'static str {
        match self {
            DeviceField::Name => "name",
            DeviceField::Owner => "owner",
            DeviceField::Location => "location",
            DeviceField::Os => "os",
            DeviceField::OsVersion => "os_version",
            DeviceField::OsSupportEnds => "os_support_ends",
            DeviceField::Antivirus => "antivirus",
            DeviceField::AntivirusExpires => "antivirus_expires",
            DeviceField::SupportEnds => "support_ends",
            DeviceField::AlertEmail => "alert_email",
            DeviceField::Licence => "licences",
            DeviceField::Remarks => "remarks",
        }
    }

    /// The longest text the field takes, in characters.
    fn max_chars(self) -> usize {
        match self {
            DeviceField::Remarks => 1000,
            _ => 200,
        }
    }
}

/// What is wrong with a device.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DeviceProblem {
    /// The device has no name.
    #[error("the device needs a name")]
    NameMissing,
    /// A text is longer than its field takes.
    #[error("{} is longer than {} characters", .0.key(), .0.max_chars())]
    TooLong(DeviceField),
    /// A date is not a date.
    #[error("{} is not a date such as 2026-12-07", .0.key())]
    BadDate(DeviceField),
    /// The alert destination is not an e-mail address.
    #[error("the alert e-mail destination is not an address such as alerts@example.co.jp")]
    BadEmail,
    /// The same UTM function is licensed twice.
    #[error("a UTM function is listed twice")]
    LicenceTwice,
}

impl DeviceProblem {
    /// The field the problem is in.
    pub fn field(&self) -> DeviceField {
        match self {
            DeviceProblem::NameMissing => DeviceField::Name,
            DeviceProblem::TooLong(f) | DeviceProblem::BadDate(f) => *f,
            DeviceProblem::BadEmail => DeviceField::AlertEmail,
            DeviceProblem::LicenceTwice => DeviceField::Licence,
        }
    }

    /// A stable code for messages and the API.
    pub fn code(&self) -> &'static str {
        match self {
            DeviceProblem::NameMissing => "name_missing",
            DeviceProblem::TooLong(_) => "too_long",
            DeviceProblem::BadDate(_) => "bad_date",
            DeviceProblem::BadEmail => "bad_email",
            DeviceProblem::LicenceTwice => "licence_twice",
        }
    }
}

/// `text` as a stored date (`YYYY-MM-DD`), empty staying empty.
fn normal_date(text: &str, field: DeviceField) -> Result<String, DeviceProblem> {
    match text.trim() {
        "" => Ok(String::new()),
        t => read_date(t)
            .map(|d| d.format("%Y-%m-%d").to_string())
            .ok_or(DeviceProblem::BadDate(field)),
    }
}

/// `device` made ready to keep; the first problem found otherwise.
pub fn checked_device(mut device: Device) -> Result<Device, DeviceProblem> {
    let texts: [(DeviceField, &mut String); 7] = [
        (DeviceField::Name, &mut device.name),
        (DeviceField::Owner, &mut device.owner),
        (DeviceField::Location, &mut device.location),
        (DeviceField::Os, &mut device.os),
        (DeviceField::OsVersion, &mut device.os_version),
        (DeviceField::Antivirus, &mut device.antivirus),
        (DeviceField::Remarks, &mut device.remarks),
    ];
    for (field, text) in texts {
        *text = text.trim().to_owned();
        if text.chars().count() > field.max_chars() {
            return Err(DeviceProblem::TooLong(field));
        }
    }
    if device.name.is_empty() {
        return Err(DeviceProblem::NameMissing);
    }
    let dates: [(DeviceField, &mut String); 3] = [
        (DeviceField::OsSupportEnds, &mut device.os_support_ends),
        (DeviceField::AntivirusExpires, &mut device.antivirus_expires),
        (DeviceField::SupportEnds, &mut device.support_ends),
    ];
    for (field, date) in dates {
        *date = normal_date(date, field)?;
    }
    device.alert_email = match device.alert_email.trim() {
        "" => String::new(),
        given => normal_email(given).ok_or(DeviceProblem::BadEmail)?,
    };
    let mut seen = HashSet::new();
    for licence in &mut device.licences {
        if !seen.insert(licence.function) {
            return Err(DeviceProblem::LicenceTwice);
        }
        licence.expires_on = normal_date(&licence.expires_on, DeviceField::Licence)?;
    }
    // A licence without a date says nothing to watch.
    device.licences.retain(|l| !l.expires_on.is_empty());
    device.licences.sort_by_key(|l| l.function as u8);
    if device.source_id.as_deref().is_some_and(str::is_empty) {
        device.source_id = None;
    }
    Ok(device)
}

/// Whether `device` is an edge device (a UTM or a router) with no alert e-mail destination
/// recorded: the vendor handbook's second failure, where a UTM saw the infection and told
/// nobody because the field was blank.
pub fn alert_destination_missing(device: &Device) -> bool {
    matches!(device.kind, DeviceKind::Utm | DeviceKind::Router) && device.alert_email.is_empty()
}

/// The functions that make a UTM more than a firewall: without them it passes attacks,
/// malware and dangerous sites along unexamined.
pub const INSPECTING_FUNCTIONS: [UtmFunction; 3] = [
    UtmFunction::Ips,
    UtmFunction::Antivirus,
    UtmFunction::WebFilter,
];

/// For a UTM, how many of its functions hold a licence that has not ended by `today`, and
/// which inspecting functions do not (the vendor handbook's first failure: a UTM sold with
/// only its firewall licence active). `None` for other kinds of device.
pub fn licence_coverage(device: &Device, today: NaiveDate) -> Option<(usize, Vec<UtmFunction>)> {
    if device.kind != DeviceKind::Utm {
        return None;
    }
    let active: Vec<UtmFunction> = device
        .licences
        .iter()
        .filter(|l| stored_date(&l.expires_on).is_some_and(|end| end >= today))
        .map(|l| l.function)
        .collect();
    let missing = INSPECTING_FUNCTIONS
        .into_iter()
        .filter(|f| !active.contains(f))
        .collect();
    Some((active.len(), missing))
}

/// The kind of device a source sending logs in `format` most likely is.
pub fn kind_for_format(format: &str) -> DeviceKind {
    match format {
        "fortigate" | "filterlog" => DeviceKind::Utm,
        "rtx" => DeviceKind::Router,
        "linux-auth" | "journald" | "eve" => DeviceKind::Server,
        "windows" => DeviceKind::Pc,
        _ => DeviceKind::Other,
    }
}

/// A monitored source, as far as the inventory needs to know it.
#[derive(Debug, Clone, Copy)]
pub struct WatchedSource<'a> {
    /// The source's identifier.
    pub id: &'a str,
    /// Its name.
    pub name: &'a str,
    /// Its log format.
    pub format: &'a str,
}

/// The inventory as people see it: the devices described, then every monitored source no
/// device stands for yet, as a device of the kind its format tells (with an empty id).
pub fn with_sources(mut devices: Vec<Device>, sources: &[WatchedSource<'_>]) -> Vec<Device> {
    let described: HashSet<String> = devices.iter().filter_map(|d| d.source_id.clone()).collect();
    devices.extend(
        sources
            .iter()
            .filter(|s| !described.contains(s.id))
            .map(|s| Device {
                source_id: Some(s.id.to_owned()),
                ..Device::new(kind_for_format(s.format), s.name)
            }),
    );
    devices
}

/// A stored date back (`None` for empty or unreadable text).
pub(crate) fn stored_date(text: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()
}

#[cfg(test)]
mod tests {
    use mamori_model::UtmLicence;

    use super::*;

    fn licence(function: UtmFunction, expires_on: &str) -> UtmLicence {
        UtmLicence {
            function,
            expires_on: expires_on.into(),
        }
    }

    #[test]
    fn a_good_device_is_trimmed_and_its_dates_written_one_way() {
        let mut utm = Device::new(DeviceKind::Utm, "  本社UTM ");
        utm.support_ends = "2027/3/31".into();
        utm.licences = vec![
            licence(UtmFunction::Sandbox, ""),
            licence(UtmFunction::Ips, "2027/1/5"),
        ];
        utm.source_id = Some(String::new());
        let kept = checked_device(utm).unwrap();
        assert_eq!(kept.name, "本社UTM");
        assert_eq!(kept.support_ends, "2027-03-31");
        assert_eq!(kept.licences, [licence(UtmFunction::Ips, "2027-01-05")]);
        assert_eq!(kept.source_id, None);
    }

    #[test]
    fn each_problem_is_named() {
        let nameless = Device::new(DeviceKind::Pc, " ");
        assert_eq!(checked_device(nameless), Err(DeviceProblem::NameMissing));
        let mut undated = Device::new(DeviceKind::Pc, "経理PC");
        undated.antivirus_expires = "来年".into();
        assert_eq!(
            checked_device(undated),
            Err(DeviceProblem::BadDate(DeviceField::AntivirusExpires))
        );
        let mut twice = Device::new(DeviceKind::Utm, "UTM");
        twice.licences = vec![
            licence(UtmFunction::Ips, "2027-01-01"),
            licence(UtmFunction::Ips, "2028-01-01"),
        ];
        assert_eq!(checked_device(twice), Err(DeviceProblem::LicenceTwice));
        let mut mail = Device::new(DeviceKind::Utm, "UTM");
        mail.alert_email = "security at example".into();
        assert_eq!(checked_device(mail), Err(DeviceProblem::BadEmail));
        let mut long = Device::new(DeviceKind::Pc, "PC");
        long.location = "あ".repeat(201);
        assert_eq!(
            checked_device(long),
            Err(DeviceProblem::TooLong(DeviceField::Location))
        );
    }

    #[test]
    fn sources_not_yet_described_join_the_inventory() {
        let mut described = Device::new(DeviceKind::Utm, "本社UTM");
        described.id = "d1".into();
        described.source_id = Some("s1".into());
        let sources = [
            WatchedSource {
                id: "s1",
                name: "FortiGate 60F",
                format: "fortigate",
            },
            WatchedSource {
                id: "s2",
                name: "RTX1300",
                format: "rtx",
            },
        ];
        let all = with_sources(vec![described], &sources);
        assert_eq!(all.len(), 2, "s1 is already described");
        assert_eq!(
            (all[1].id.as_str(), all[1].kind, all[1].source_id.as_deref()),
            ("", DeviceKind::Router, Some("s2"))
        );
        assert_eq!(kind_for_format("auto"), DeviceKind::Other);
        assert!(
            alert_destination_missing(&all[1]),
            "a router nobody described"
        );
        let mut told = all[1].clone();
        told.alert_email = "it@alpha.example".into();
        assert!(!alert_destination_missing(&told));
        assert!(!alert_destination_missing(&Device::new(
            DeviceKind::Pc,
            "PC"
        )));
    }

    #[test]
    fn a_utm_with_only_its_firewall_licensed_is_told_apart() {
        let today = NaiveDate::from_ymd_opt(2026, 12, 7).unwrap();
        let mut utm = Device::new(DeviceKind::Utm, "UTM");
        utm.licences = vec![
            licence(UtmFunction::Firewall, "2030-01-01"),
            licence(UtmFunction::Ips, "2026-12-06"),
            licence(UtmFunction::WebFilter, "2026-12-07"),
        ];
        let (active, missing) = licence_coverage(&utm, today).unwrap();
        assert_eq!(active, 2, "the IPS licence ended yesterday");
        assert_eq!(missing, [UtmFunction::Ips, UtmFunction::Antivirus]);
        assert_eq!(
            licence_coverage(&Device::new(DeviceKind::Pc, "PC"), today),
            None
        );
    }
}
