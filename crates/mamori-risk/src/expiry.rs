//! The days on which a device stops being protected, and how close each one is. A UTM whose
//! licences lapsed still passes traffic but no longer inspects it; an antivirus whose
//! licence lapsed stops updating without a word. mamori reminds the company 60, 30 and 7
//! days before such a day and raises an alert on it.

use std::collections::HashMap;
use std::sync::LazyLock;

use chrono::NaiveDate;
use mamori_model::{Device, Lang, Severity, UtmFunction};
use serde::{Deserialize, Serialize};

use crate::devices::stored_date;

/// How `lapses.toml` describes one lapse.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Words {
    ja: String,
    en: String,
    todo_ja: String,
    todo_en: String,
    severity: Severity,
}

static WORDS: LazyLock<HashMap<String, Words>> = LazyLock::new(|| {
    // Compiled in and read whole by this module's tests, so it cannot be unreadable in a build.
    toml::from_str(include_str!("../lapses.toml")).expect("lapses.toml is valid")
});

/// What ends on an expiry day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Lapse {
    /// The maker's support of the operating system or firmware.
    OsSupport,
    /// The antivirus licence.
    Antivirus,
    /// The support or maintenance contract.
    Support,
    /// A UTM function's licence.
    Licence(UtmFunction),
}

impl Lapse {
    /// Its stable name, kept with the reminders sent and used as a locale key:
    /// `os_support`, `antivirus`, `support`, `licence.ips` …
    pub fn key(self) -> String {
        match self {
            Lapse::OsSupport => "os_support".to_owned(),
            Lapse::Antivirus => "antivirus".to_owned(),
            Lapse::Support => "support".to_owned(),
            Lapse::Licence(function) => format!("licence.{function}"),
        }
    }

    fn words(self) -> &'static Words {
        // Every key has an entry: the tests read each one.
        &WORDS[&self.key()]
    }

    /// Its name in `lang`: 「不正侵入防止（IPS）」.
    pub fn name(self, lang: Lang) -> &'static str {
        let w = self.words();
        match lang {
            Lang::Ja => &w.ja,
            Lang::En => &w.en,
        }
    }

    /// What the company should do before the day, in `lang`.
    pub fn todo(self, lang: Lang) -> &'static str {
        let w = self.words();
        match lang {
            Lang::Ja => &w.todo_ja,
            Lang::En => &w.todo_en,
        }
    }

    /// How urgent the alert on the day is.
    pub fn severity(self) -> Severity {
        self.words().severity
    }

    /// Its place when two end on the same day: the device's own dates, then the licences.
    fn rank(self) -> u8 {
        match self {
            Lapse::OsSupport => 0,
            Lapse::Antivirus => 1,
            Lapse::Support => 2,
            Lapse::Licence(function) => 3 + function as u8,
        }
    }

    /// The lapse a [`Lapse::key`] names.
    pub fn from_key(key: &str) -> Option<Lapse> {
        match key {
            "os_support" => Some(Lapse::OsSupport),
            "antivirus" => Some(Lapse::Antivirus),
            "support" => Some(Lapse::Support),
            other => other
                .strip_prefix("licence.")
                .and_then(|f| f.parse().ok())
                .map(Lapse::Licence),
        }
    }
}

impl Serialize for Lapse {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.key())
    }
}

/// How close an expiry day is, as far as reminders go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// 60 days or fewer before it.
    Days60,
    /// 30 days or fewer before it.
    Days30,
    /// 7 days or fewer before it.
    Days7,
    /// The day has come (or passed without the date being renewed).
    Lapsed,
}

impl Stage {
    /// Every stage, furthest first.
    pub const ALL: [Stage; 4] = [Stage::Days60, Stage::Days30, Stage::Days7, Stage::Lapsed];

    /// Its stable name, kept with the reminders sent.
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Days60 => "days60",
            Stage::Days30 => "days30",
            Stage::Days7 => "days7",
            Stage::Lapsed => "lapsed",
        }
    }

    /// The most days left at which the stage is reached.
    pub fn days(self) -> i64 {
        match self {
            Stage::Days60 => 60,
            Stage::Days30 => 30,
            Stage::Days7 => 7,
            Stage::Lapsed => 0,
        }
    }

    /// The stage an expiry on `on` has reached `today`; `None` while it is more than 60
    /// days away. A day mamori did not run on is not made up for: the stage is the one
    /// reached now, so a company hears once, not three times in a row.
    pub fn reached(on: NaiveDate, today: NaiveDate) -> Option<Stage> {
        let left = (on - today).num_days();
        Stage::ALL.into_iter().rev().find(|s| left <= s.days())
    }
}

/// One day on which something of a device ends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Expiry {
    /// What ends.
    pub lapse: Lapse,
    /// The last day it is protected.
    pub on: NaiveDate,
}

impl Expiry {
    /// Days left from `today` (negative once passed).
    pub fn days_left(&self, today: NaiveDate) -> i64 {
        (self.on - today).num_days()
    }
}

/// Every expiry of `device` with a date, soonest first.
pub fn expiries(device: &Device) -> Vec<Expiry> {
    let mut found: Vec<Expiry> = [
        (Lapse::OsSupport, device.os_support_ends.as_str()),
        (Lapse::Antivirus, device.antivirus_expires.as_str()),
        (Lapse::Support, device.support_ends.as_str()),
    ]
    .into_iter()
    .chain(
        device
            .licences
            .iter()
            .map(|l| (Lapse::Licence(l.function), l.expires_on.as_str())),
    )
    .filter_map(|(lapse, text)| stored_date(text).map(|on| Expiry { lapse, on }))
    .collect();
    found.sort_by_key(|e| (e.on, e.lapse.rank()));
    found
}

/// The expiries of `device` that fall within `days` from `today`, and those already passed.
pub fn upcoming(device: &Device, today: NaiveDate, days: i64) -> Vec<Expiry> {
    expiries(device)
        .into_iter()
        .filter(|e| e.days_left(today) <= days)
        .collect()
}

#[cfg(test)]
mod tests {
    use mamori_model::{DeviceKind, UtmLicence};

    use super::*;

    fn day(m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, d).unwrap()
    }

    #[test]
    fn stages_follow_the_days_left() {
        let on = day(12, 31);
        assert_eq!(Stage::reached(on, day(10, 31)), None, "61 days");
        assert_eq!(Stage::reached(on, day(11, 1)), Some(Stage::Days60));
        assert_eq!(Stage::reached(on, day(12, 1)), Some(Stage::Days30));
        assert_eq!(Stage::reached(on, day(12, 2)), Some(Stage::Days30));
        assert_eq!(Stage::reached(on, day(12, 24)), Some(Stage::Days7));
        assert_eq!(Stage::reached(on, day(12, 31)), Some(Stage::Lapsed));
        assert_eq!(Stage::reached(day(3, 1), day(12, 7)), Some(Stage::Lapsed));
    }

    #[test]
    fn a_device_lists_what_ends_soonest_first() {
        let mut utm = Device::new(DeviceKind::Utm, "本社UTM");
        utm.support_ends = "2027-03-31".into();
        utm.os_support_ends = "not a date".into();
        utm.licences = vec![
            UtmLicence {
                function: UtmFunction::Ips,
                expires_on: "2027-01-15".into(),
            },
            UtmLicence {
                function: UtmFunction::WebFilter,
                expires_on: "2026-12-20".into(),
            },
        ];
        let found = expiries(&utm);
        let keys: Vec<String> = found.iter().map(|e| e.lapse.key()).collect();
        assert_eq!(keys, ["licence.web_filter", "licence.ips", "support"]);
        let soon = upcoming(&utm, day(12, 7), 90);
        assert_eq!(soon.len(), 2, "the contract ends in 114 days");
        assert_eq!(soon[0].days_left(day(12, 7)), 13);
    }

    /// Every lapse there is.
    fn all_lapses() -> impl Iterator<Item = Lapse> {
        [Lapse::OsSupport, Lapse::Antivirus, Lapse::Support]
            .into_iter()
            .chain(UtmFunction::ALL.iter().map(|&f| Lapse::Licence(f)))
    }

    #[test]
    fn keys_read_back() {
        for lapse in [
            Lapse::OsSupport,
            Lapse::Antivirus,
            Lapse::Support,
            Lapse::Licence(UtmFunction::AntiSpam),
        ] {
            assert_eq!(Lapse::from_key(&lapse.key()), Some(lapse));
        }
        assert_eq!(Lapse::from_key("licence.coffee"), None);
        // Every lapse has words, and the file has no entry for a lapse that does not exist.
        for lapse in all_lapses() {
            assert!(!lapse.name(Lang::Ja).is_empty() && !lapse.todo(Lang::En).is_empty());
        }
        assert_eq!(WORDS.len(), all_lapses().count());
        assert_eq!(Lapse::Licence(UtmFunction::Ips).severity(), Severity::High);
    }
}
