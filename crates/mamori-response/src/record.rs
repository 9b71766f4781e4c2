//! The incident record: the guideline's list of facts to organise during an incident, with
//! the three flags (personal data involved, a crime suspected, a regulated sector) that decide
//! who must be told (see `directory`).

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_text_field_is_reachable_by_name() {
        let facts: IncidentFacts = serde_json::from_str("{\"observed\": \"x\"}").unwrap();
        assert_eq!(facts.observed, "x");
        for field in IncidentFacts::TEXT_FIELDS {
            assert!(facts.text(field).is_some(), "{field}");
        }
        assert_eq!(facts.text("observed"), Some("x"));
        assert_eq!(facts.text("nothing"), None);
    }
}
