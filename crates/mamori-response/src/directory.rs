//! The contacts directory and who must or should be told about an incident.
//!
//! The published entries (`contacts.toml`, from the IPA guideline and its handbook, each with
//! its source and date) are the starting point; the provider corrects a number, sets a
//! reporting deadline or adds its own entries, and those edits win by key. Which flag calls for
//! whom is mamori's own reading of the guideline's second step.

use std::sync::LazyLock;

use mamori_model::Contact;
use serde::{Deserialize, Serialize};

use crate::IncidentFacts;

#[derive(Deserialize)]
struct Published {
    contacts: Vec<Contact>,
}

static PUBLISHED: LazyLock<Published> = LazyLock::new(|| {
    // Part of the source and checked by the tests below; it cannot be unreadable in a build.
    toml::from_str(include_str!("../contacts.toml")).expect("contacts.toml is valid")
});

/// The published entries, as shipped.
pub fn published() -> &'static [Contact] {
    &PUBLISHED.contacts
}

/// Where an entry of the directory comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Origin {
    /// As published.
    Published,
    /// A published entry the provider changed.
    Changed,
    /// An entry the provider added.
    Added,
}

/// One entry of the directory.
#[derive(Debug, Clone, Serialize)]
pub struct Entry {
    /// The entry as it stands.
    #[serde(flatten)]
    pub contact: Contact,
    /// Where it comes from.
    pub origin: Origin,
}

/// The directory in force: the published entries with the provider's edits applied.
#[derive(Debug, Clone)]
pub struct Directory {
    entries: Vec<Entry>,
}

impl Directory {
    /// The published entries with `edits` (the provider's, by key) applied; edits with a key
    /// of their own follow the published entries.
    pub fn new(edits: Vec<Contact>) -> Self {
        let mut entries: Vec<Entry> = published()
            .iter()
            .map(|c| Entry {
                contact: c.clone(),
                origin: Origin::Published,
            })
            .collect();
        for edit in edits {
            match entries.iter_mut().find(|e| e.contact.key == edit.key) {
                Some(entry) => {
                    entry.origin = if entry.contact == edit {
                        Origin::Published
                    } else {
                        Origin::Changed
                    };
                    entry.contact = edit;
                }
                None => entries.push(Entry {
                    contact: edit,
                    origin: Origin::Added,
                }),
            }
        }
        Directory { entries }
    }

    /// Every entry, published ones first.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// The entry with `key`.
    pub fn get(&self, key: &str) -> Option<&Entry> {
        self.entries.iter().find(|e| e.contact.key == key)
    }

    /// Who must or should be told about an incident of `category` with `facts` that was
    /// opened at `opened_at` (Unix seconds), the required first, each with its deadline where
    /// the provider set one.
    pub fn duties(&self, category: &str, facts: &IncidentFacts, opened_at: i64) -> Vec<Duty<'_>> {
        let mut out: Vec<Duty> = wanted(category, facts)
            .into_iter()
            .filter_map(|(key, need)| {
                let contact = &self.get(key)?.contact;
                let due_at = contact
                    .report_within_days
                    .map(|days| opened_at + i64::from(days) * 86_400);
                Some(Duty {
                    contact,
                    need,
                    due_at,
                })
            })
            .collect();
        out.sort_by_key(|d| d.need);
        out
    }
}

/// How strongly someone needs to be told.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Need {
    /// Required (by law or because a crime may be involved).
    Must,
    /// Advisable.
    Should,
}

/// Someone to tell about an incident.
#[derive(Debug, Clone, Serialize)]
pub struct Duty<'a> {
    /// Whom.
    pub contact: &'a Contact,
    /// How strongly.
    pub need: Need,
    /// By when (Unix seconds), where the provider set a deadline for this contact.
    pub due_at: Option<i64>,
}

/// The published keys an incident calls for, and how strongly.
fn wanted(category: &str, facts: &IncidentFacts) -> Vec<(&'static str, Need)> {
    let mut wanted: Vec<(&str, Need)> = Vec::new();
    if facts.personal_data {
        wanted.push(("ppc", Need::Must));
    } else if category == "data_leak" {
        wanted.push(("ppc", Need::Should));
    }
    if facts.crime_suspected {
        wanted.push(("police", Need::Must));
    } else if category == "unauthorised_access" {
        wanted.push(("police", Need::Should));
    }
    if facts.regulated_sector {
        wanted.push(("ministry", Need::Must));
    }
    if matches!(category, "malware" | "ransomware" | "unauthorised_access") {
        wanted.push(("ipa_report", Need::Should));
    }
    if matches!(
        category,
        "unauthorised_access" | "defacement" | "ransomware"
    ) {
        wanted.push(("jpcert", Need::Should));
    }
    if category == "phishing" {
        wanted.push(("antiphishing", Need::Should));
    }
    wanted.push(("affected", Need::Should));
    wanted
}

/// Why an entry cannot be saved.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ContactProblem {
    /// The key is not 1-40 lowercase letters, digits, `-` or `_`.
    #[error("the key must be 1-40 lowercase letters, digits, '-' or '_'")]
    BadKey,
    /// No Japanese name.
    #[error("the name is missing")]
    NameMissing,
    /// No Japanese purpose.
    #[error("what the contact is for is missing")]
    PurposeMissing,
    /// A field is longer than it may be.
    #[error("{field} is longer than {max} characters")]
    TooLong {
        /// The field's key.
        field: &'static str,
        /// Its limit.
        max: usize,
    },
    /// The phone number has no digit or characters a number does not have.
    #[error("the phone number is not a phone number")]
    BadPhone,
    /// The web address is not an http(s) address.
    #[error("the web address must start with https:// or http://")]
    BadWeb,
    /// The deadline is not 1-365 days.
    #[error("the deadline must be 1-365 days")]
    BadDeadline,
    /// The date of the details is not `YYYY`, `YYYY-MM` or `YYYY-MM-DD`.
    #[error("the date of the details must be YYYY, YYYY-MM or YYYY-MM-DD")]
    BadAsOf,
}

impl ContactProblem {
    /// A stable code for the problem (for messages and the API).
    pub fn code(&self) -> &'static str {
        match self {
            ContactProblem::BadKey => "bad_key",
            ContactProblem::NameMissing => "name_missing",
            ContactProblem::PurposeMissing => "purpose_missing",
            ContactProblem::TooLong { .. } => "too_long",
            ContactProblem::BadPhone => "bad_phone",
            ContactProblem::BadWeb => "bad_web",
            ContactProblem::BadDeadline => "bad_deadline",
            ContactProblem::BadAsOf => "bad_as_of",
        }
    }
}

/// `contact` with every text trimmed, if it can be kept in the directory.
pub fn checked(contact: Contact) -> Result<Contact, ContactProblem> {
    let t = |s: String| s.trim().to_owned();
    let c = Contact {
        key: t(contact.key),
        name_ja: t(contact.name_ja),
        name_en: t(contact.name_en),
        purpose_ja: t(contact.purpose_ja),
        purpose_en: t(contact.purpose_en),
        phone: t(contact.phone),
        address: t(contact.address),
        web: t(contact.web),
        source: t(contact.source),
        as_of: t(contact.as_of),
        report_within_days: contact.report_within_days,
    };
    let key_ok = (1..=40).contains(&c.key.len())
        && c.key
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
    if !key_ok {
        return Err(ContactProblem::BadKey);
    }
    if c.name_ja.is_empty() {
        return Err(ContactProblem::NameMissing);
    }
    if c.purpose_ja.is_empty() {
        return Err(ContactProblem::PurposeMissing);
    }
    for (field, value, max) in [
        ("name_ja", &c.name_ja, 120),
        ("name_en", &c.name_en, 120),
        ("purpose_ja", &c.purpose_ja, 300),
        ("purpose_en", &c.purpose_en, 300),
        ("phone", &c.phone, 40),
        ("address", &c.address, 300),
        ("web", &c.web, 300),
        ("source", &c.source, 300),
        ("as_of", &c.as_of, 40),
    ] {
        if value.chars().count() > max {
            return Err(ContactProblem::TooLong { field, max });
        }
    }
    let phone_ok = c.phone.is_empty()
        || (c.phone.chars().any(|ch| ch.is_ascii_digit())
            && c.phone
                .chars()
                .all(|ch| ch.is_ascii_digit() || " +-()".contains(ch)));
    if !phone_ok {
        return Err(ContactProblem::BadPhone);
    }
    let web_ok = c.web.is_empty()
        || ((c.web.starts_with("https://") || c.web.starts_with("http://"))
            && !c.web.contains(char::is_whitespace));
    if !web_ok {
        return Err(ContactProblem::BadWeb);
    }
    if c.report_within_days
        .is_some_and(|d| !(1..=365).contains(&d))
    {
        return Err(ContactProblem::BadDeadline);
    }
    if !c.as_of.is_empty() && c.as_of_parts().is_none() {
        return Err(ContactProblem::BadAsOf);
    }
    Ok(c)
}

#[cfg(test)]
mod tests {
    use super::*;
    use mamori_model::Lang;

    fn keys(duties: Vec<Duty>) -> Vec<(String, Need)> {
        duties
            .into_iter()
            .map(|d| (d.contact.key.clone(), d.need))
            .collect()
    }

    fn keys_of(category: &str, facts: &IncidentFacts) -> Vec<(String, Need)> {
        keys(Directory::new(Vec::new()).duties(category, facts, 0))
    }

    fn want(pairs: &[(&str, Need)]) -> Vec<(String, Need)> {
        pairs.iter().map(|(k, n)| (k.to_string(), *n)).collect()
    }

    #[test]
    fn personal_data_and_crime_call_for_the_commission_and_the_police() {
        let facts = IncidentFacts {
            personal_data: true,
            crime_suspected: true,
            ..IncidentFacts::default()
        };
        let duties = keys_of("ransomware", &facts);
        assert_eq!(
            duties[..2],
            want(&[("ppc", Need::Must), ("police", Need::Must)])
        );
        for key in ["ipa_report", "jpcert", "affected"] {
            assert!(duties.contains(&(key.to_owned(), Need::Should)), "{key}");
        }
    }

    #[test]
    fn without_flags_only_the_kind_speaks() {
        let none = IncidentFacts::default();
        assert_eq!(
            keys_of("outage", &none),
            want(&[("affected", Need::Should)])
        );
        assert_eq!(
            keys_of("data_leak", &none),
            want(&[("ppc", Need::Should), ("affected", Need::Should)])
        );
        assert_eq!(
            keys_of("phishing", &none),
            want(&[("antiphishing", Need::Should), ("affected", Need::Should)])
        );
        let regulated = IncidentFacts {
            regulated_sector: true,
            ..IncidentFacts::default()
        };
        assert_eq!(
            keys_of("other", &regulated)[0],
            want(&[("ministry", Need::Must)])[0]
        );
    }

    #[test]
    fn every_published_contact_says_where_its_details_come_from() {
        for c in published() {
            assert!(!c.source.is_empty() && !c.as_of.is_empty(), "{}", c.key);
            assert_eq!(
                checked(c.clone()).as_ref(),
                Ok(c),
                "{} is valid as shipped",
                c.key
            );
            for lang in Lang::ALL {
                assert!(!c.name(lang).is_empty() && !c.purpose(lang).is_empty());
            }
        }
        // Every key the duties name is published.
        let everything = IncidentFacts {
            personal_data: true,
            crime_suspected: true,
            regulated_sector: true,
            ..IncidentFacts::default()
        };
        for category in crate::categories() {
            for (key, _) in wanted(category, &everything) {
                assert!(published().iter().any(|c| c.key == key), "{key}");
            }
        }
    }

    #[test]
    fn the_provider_s_edits_win_and_deadlines_count_from_the_opening() {
        let mut police = published()
            .iter()
            .find(|c| c.key == "police")
            .cloned()
            .unwrap();
        police.phone = "011-000-0000".into();
        let mut ppc = published()
            .iter()
            .find(|c| c.key == "ppc")
            .cloned()
            .unwrap();
        ppc.report_within_days = Some(3);
        let unchanged = published()
            .iter()
            .find(|c| c.key == "jpcert")
            .cloned()
            .unwrap();
        let own = Contact {
            key: "own-1".into(),
            name_ja: "顧問弁護士".into(),
            purpose_ja: "法的な相談".into(),
            ..unchanged.clone()
        };
        let directory = Directory::new(vec![police, ppc, unchanged, own]);
        assert_eq!(directory.get("police").unwrap().origin, Origin::Changed);
        assert_eq!(
            directory.get("police").unwrap().contact.phone,
            "011-000-0000"
        );
        assert_eq!(directory.get("jpcert").unwrap().origin, Origin::Published);
        assert_eq!(directory.get("own-1").unwrap().origin, Origin::Added);
        assert_eq!(directory.entries().last().unwrap().contact.key, "own-1");
        let facts = IncidentFacts {
            personal_data: true,
            ..IncidentFacts::default()
        };
        let duties = directory.duties("data_leak", &facts, 1_000);
        assert_eq!(duties[0].contact.key, "ppc");
        assert_eq!(duties[0].due_at, Some(1_000 + 3 * 86_400));
        assert!(duties[1..].iter().all(|d| d.due_at.is_none()));
    }

    #[test]
    fn entries_that_cannot_be_kept_say_why() {
        let base = published()[0].clone();
        let with = |f: &dyn Fn(&mut Contact)| {
            let mut c = base.clone();
            f(&mut c);
            checked(c)
        };
        assert_eq!(
            with(&|c| c.key = "Bad Key".into()),
            Err(ContactProblem::BadKey)
        );
        assert_eq!(
            with(&|c| c.name_ja = "  ".into()),
            Err(ContactProblem::NameMissing)
        );
        assert_eq!(
            with(&|c| c.purpose_ja = String::new()),
            Err(ContactProblem::PurposeMissing)
        );
        assert_eq!(
            with(&|c| c.phone = "call us".into()),
            Err(ContactProblem::BadPhone)
        );
        assert_eq!(
            with(&|c| c.web = "javascript:alert(1)".into()),
            Err(ContactProblem::BadWeb)
        );
        assert_eq!(
            with(&|c| c.report_within_days = Some(0)),
            Err(ContactProblem::BadDeadline)
        );
        assert_eq!(
            with(&|c| c.as_of = "last year".into()),
            Err(ContactProblem::BadAsOf)
        );
        assert_eq!(
            with(&|c| c.as_of = "2026-13".into()),
            Err(ContactProblem::BadAsOf)
        );
        assert!(with(&|c| c.as_of = "2026-12-07".into()).is_ok());
        assert_eq!(
            with(&|c| c.address = "x".repeat(301)),
            Err(ContactProblem::TooLong {
                field: "address",
                max: 300
            })
        );
        let trimmed = with(&|c| c.phone = " 03-1234-5678 ".into()).unwrap();
        assert_eq!(trimmed.phone, "03-1234-5678");
    }
}
