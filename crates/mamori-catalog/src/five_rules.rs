//! The five basic rules (情報セキュリティ5か条): the first step of the guideline and the
//! condition for the one-star SECURITY ACTION declaration.

use crate::registry::CatalogFile;
use crate::text::Text;
use crate::validate::check_numbering;
use serde::{Deserialize, Serialize};

/// The five basic rules of one edition, as shown on the "start here" page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FiveRules {
    /// Edition id (`ipa-sme-3.1`).
    pub edition: String,
    /// Name of the list.
    pub title: Text,
    /// The rules, numbered from 1.
    pub rules: Vec<Rule>,
}

/// One basic rule with its reason and concrete measures.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    /// Rule number, from 1.
    pub number: u8,
    /// Short title.
    pub title: Text,
    /// Why the rule matters to a small company.
    pub why: Text,
    /// Concrete example measures (3 to 5).
    pub measures: Vec<Text>,
}

impl FiveRules {
    /// The rule with this number.
    pub fn rule(&self, number: u8) -> Option<&Rule> {
        self.rules.iter().find(|r| r.number == number)
    }
}

impl CatalogFile for FiveRules {
    const NAME: &'static str = "five-rules.toml";

    fn edition(&self) -> &str {
        &self.edition
    }

    fn validate(&self) -> Result<(), String> {
        check_numbering("rules", self.rules.iter().map(|r| r.number))?;
        match self
            .rules
            .iter()
            .find(|r| !(3..=5).contains(&r.measures.len()))
        {
            Some(r) => Err(format!("rule {} must list 3 to 5 measures", r.number)),
            None => Ok(()),
        }
    }
}
