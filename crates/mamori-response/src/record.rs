//! The incident record (the guideline's list of facts to organise during an incident) and who
//! must or should be told, decided from the incident's kind and three flags: personal data
//! involved, a crime suspected, a regulated sector. Which flag calls for whom is mamori's own
//! reading of the guideline's second step; the contacts and their numbers are data
//! (`contacts.toml`), each with its source and date.

use std::sync::LazyLock;

use mamori_model::Lang;
use serde::{Deserialize, Serialize};

/// The facts of an incident record besides its category and timeline, filled in as the work
/// goes on; every field may stay empty until it is known.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct IncidentFacts {
    /// The company, and for contracted work the client and other parties involved.
    pub parties: String,
    /// Who is in charge and who helps (department and name).
    pub people_in_charge: String,
    /// When it was noticed.
    pub discovered_at: String,
    /// When it actually happened, as far as the investigation shows.
    pub occurred_at: String,
    /// What surfaced: the harm and its effect.
    pub observed: String,
    /// The best present guess of the direct cause.
    pub presumed_cause: String,
    /// The state of the systems concerned.
    pub affected_systems: String,
    /// Where the systems are, what runs on them and which security tools are in use.
    pub configuration: String,
    /// Personal data is involved.
    pub personal_data: bool,
    /// A crime may be involved.
    pub crime_suspected: bool,
    /// The company is in a sector whose law requires reports.
    pub regulated_sector: bool,
}

impl IncidentFacts {
    /// The text fields' keys, in the record's order (for forms and reports).
    pub const TEXT_FIELDS: [&'static str; 8] = [
        "parties",
        "people_in_charge",
        "discovered_at",
        "occurred_at",
        "observed",
        "presumed_cause",
        "affected_systems",
        "configuration",
    ];

    /// The text field named `field` (one of [`IncidentFacts::TEXT_FIELDS`]).
    pub fn text(&self, field: &str) -> Option<&str> {
        Some(match field {
            "parties" => &self.parties,
            "people_in_charge" => &self.people_in_charge,
            "discovered_at" => &self.discovered_at,
            "occurred_at" => &self.occurred_at,
            "observed" => &self.observed,
            "presumed_cause" => &self.presumed_cause,
            "affected_systems" => &self.affected_systems,
            "configuration" => &self.configuration,
            _ => return None,
        })
    }
}

/// Somewhere to report to or ask.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Contact {
    /// Stable key; a duty to it is ticked as `duty.<key>`.
    pub key: String,
    name_ja: String,
    name_en: String,
    purpose_ja: String,
    purpose_en: String,
    /// Phone number as the source gave it (may be empty).
    pub phone: String,
    /// Web address (may be empty).
    pub web: String,
    /// Where the number comes from.
    pub source: String,
    /// When the source gave it.
    pub as_of: String,
}

impl Contact {
    /// Its name in `lang`.
    pub fn name(&self, lang: Lang) -> &str {
        match lang {
            Lang::Ja => &self.name_ja,
            Lang::En => &self.name_en,
        }
    }

    /// What it is for, in `lang`.
    pub fn purpose(&self, lang: Lang) -> &str {
        match lang {
            Lang::Ja => &self.purpose_ja,
            Lang::En => &self.purpose_en,
        }
    }

    /// The checklist key of having told it.
    pub fn duty_key(&self) -> String {
        format!("duty.{}", self.key)
    }
}

#[derive(Deserialize)]
struct Directory {
    contacts: Vec<Contact>,
}

static DIRECTORY: LazyLock<Directory> = LazyLock::new(|| {
    // Part of the source and checked by the tests below; it cannot be unreadable in a build.
    toml::from_str(include_str!("../contacts.toml")).expect("contacts.toml is valid")
});

/// Every contact, in the directory's order.
pub fn contacts() -> &'static [Contact] {
    &DIRECTORY.contacts
}

fn contact(key: &str) -> Option<&'static Contact> {
    contacts().iter().find(|c| c.key == key)
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
pub struct Duty {
    /// Whom.
    pub contact: &'static Contact,
    /// How strongly.
    pub need: Need,
}

/// Who must or should be told about an incident of `category` with `facts`, the required
/// first.
pub fn duties(category: &str, facts: &IncidentFacts) -> Vec<Duty> {
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
    wanted.push(("affected", Need::Should));
    let mut out: Vec<Duty> = wanted
        .into_iter()
        .filter_map(|(key, need)| contact(key).map(|contact| Duty { contact, need }))
        .collect();
    out.sort_by_key(|d| d.need);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(duties: Vec<Duty>) -> Vec<(&'static str, Need)> {
        duties
            .into_iter()
            .map(|d| {
                let contact: &'static Contact = d.contact;
                (contact.key.as_str(), d.need)
            })
            .collect()
    }

    #[test]
    fn personal_data_and_crime_call_for_the_commission_and_the_police() {
        let facts = IncidentFacts {
            personal_data: true,
            crime_suspected: true,
            ..IncidentFacts::default()
        };
        let duties = keys(duties("ransomware", &facts));
        assert_eq!(&duties[..2], [("ppc", Need::Must), ("police", Need::Must)]);
        assert!(duties.contains(&("ipa_report", Need::Should)));
        assert!(duties.contains(&("jpcert", Need::Should)));
        assert!(duties.contains(&("affected", Need::Should)));
    }

    #[test]
    fn without_flags_only_the_kind_speaks() {
        let none = IncidentFacts::default();
        assert_eq!(keys(duties("outage", &none)), [("affected", Need::Should)]);
        assert_eq!(
            keys(duties("data_leak", &none)),
            [("ppc", Need::Should), ("affected", Need::Should)]
        );
        let regulated = IncidentFacts {
            regulated_sector: true,
            ..IncidentFacts::default()
        };
        assert_eq!(
            keys(duties("other", &regulated))[0],
            ("ministry", Need::Must)
        );
    }

    #[test]
    fn every_contact_says_where_its_number_comes_from() {
        for c in contacts() {
            assert!(!c.source.is_empty() && !c.as_of.is_empty(), "{}", c.key);
            for lang in Lang::ALL {
                assert!(!c.name(lang).is_empty() && !c.purpose(lang).is_empty());
            }
        }
        assert!(contacts().iter().any(|c| c.duty_key() == "duty.ppc"));
        let facts: IncidentFacts = serde_json::from_str("{\"observed\": \"x\"}").unwrap();
        assert_eq!(facts.observed, "x");
        for field in IncidentFacts::TEXT_FIELDS {
            assert!(facts.text(field).is_some(), "{field}");
        }
        assert_eq!(facts.text("observed"), Some("x"));
        assert_eq!(facts.text("nothing"), None);
    }
}
