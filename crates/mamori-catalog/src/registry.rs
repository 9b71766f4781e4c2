//! The registry of catalog editions embedded in the binary, and their loading.

use crate::assessment::SelfAssessment;
use crate::checklists::{CloudChecklist, ExecutiveChecklist};
use crate::error::CatalogError;
use crate::five_rules::FiveRules;
use crate::readiness::SecurityAction;
use serde::de::DeserializeOwned;

/// The edition new assessments use unless told otherwise.
pub const DEFAULT_EDITION: &str = "ipa-sme-3.1";

/// The text of one edition's files, embedded at build time.
struct EditionFiles {
    id: &'static str,
    five_rules: &'static str,
    self_assessment: &'static str,
    cloud_checklist: &'static str,
    executive: &'static str,
    security_action: &'static str,
}

/// Embeds the files of `catalog/<id>/`.
macro_rules! edition_files {
    ($id:literal) => {
        EditionFiles {
            id: $id,
            five_rules: include_str!(concat!("../catalog/", $id, "/five-rules.toml")),
            self_assessment: include_str!(concat!("../catalog/", $id, "/self-assessment.toml")),
            cloud_checklist: include_str!(concat!("../catalog/", $id, "/cloud-checklist.toml")),
            executive: include_str!(concat!("../catalog/", $id, "/executive.toml")),
            security_action: include_str!(concat!("../catalog/", $id, "/security-action.toml")),
        }
    };
}

/// Every shipped edition, oldest first. Adding an edition is one line here.
const BUILTIN: &[EditionFiles] = &[edition_files!("ipa-sme-3.1")];

/// All catalogs of one guideline edition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edition {
    /// Edition id, the name of its directory (`ipa-sme-3.1`); stored with every answer set.
    pub id: String,
    /// The five basic rules.
    pub five_rules: FiveRules,
    /// The self-assessment.
    pub self_assessment: SelfAssessment,
    /// The cloud-services checklist.
    pub cloud: CloudChecklist,
    /// The executives' principles and actions.
    pub executive: ExecutiveChecklist,
    /// Texts of the SECURITY ACTION readiness steps.
    pub security_action: SecurityAction,
}

/// The editions this build knows, loaded once at start-up and shared read-only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Catalogs {
    editions: Vec<Edition>,
}

impl Catalogs {
    /// Parses and checks the embedded editions. An error here means a broken data file, which
    /// the unit tests catch before release.
    pub fn builtin() -> Result<Catalogs, CatalogError> {
        let editions = BUILTIN.iter().map(load).collect::<Result<_, _>>()?;
        Ok(Catalogs { editions })
    }

    /// The edition with this id.
    pub fn get(&self, id: &str) -> Result<&Edition, CatalogError> {
        self.editions
            .iter()
            .find(|e| e.id == id)
            .ok_or_else(|| CatalogError::UnknownCatalog {
                id: id.to_owned(),
                known: self.ids().map(str::to_owned).collect(),
            })
    }

    /// The ids of all editions, oldest first.
    pub fn ids(&self) -> impl Iterator<Item = &str> {
        self.editions.iter().map(|e| e.id.as_str())
    }
}

fn load(files: &EditionFiles) -> Result<Edition, CatalogError> {
    let id = files.id;
    let five_rules: FiveRules = parse(id, files.five_rules)?;
    let self_assessment: SelfAssessment = parse(id, files.self_assessment)?;
    self_assessment
        .check_rules(&five_rules)
        .map_err(|message| invalid(id, SelfAssessment::NAME, message))?;
    Ok(Edition {
        id: id.to_owned(),
        five_rules,
        self_assessment,
        cloud: parse(id, files.cloud_checklist)?,
        executive: parse(id, files.executive)?,
        security_action: parse(id, files.security_action)?,
    })
}

/// One file of an edition directory.
pub(crate) trait CatalogFile: DeserializeOwned {
    /// File name inside the edition directory.
    const NAME: &'static str;
    /// The edition the file declares.
    fn edition(&self) -> &str;
    /// Checks the file's own structure.
    fn validate(&self) -> Result<(), String>;
}

/// Parses one file, checks that it declares the edition of its directory, and validates it.
fn parse<T: CatalogFile>(edition: &str, text: &str) -> Result<T, CatalogError> {
    let catalog: T = toml::from_str(text).map_err(|e| invalid(edition, T::NAME, e.to_string()))?;
    let declared = catalog.edition();
    if declared != edition {
        let message = format!("declares edition '{declared}' but lives in '{edition}'");
        return Err(invalid(edition, T::NAME, message));
    }
    catalog
        .validate()
        .map_err(|message| invalid(edition, T::NAME, message))?;
    Ok(catalog)
}

fn invalid(edition: &str, file: &'static str, message: String) -> CatalogError {
    CatalogError::InvalidData {
        edition: edition.to_owned(),
        file,
        message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::answer::Answer;
    use crate::readiness::StepId;

    fn edition() -> Edition {
        Catalogs::builtin()
            .unwrap()
            .get(DEFAULT_EDITION)
            .unwrap()
            .clone()
    }

    #[test]
    fn registry_lists_the_shipped_editions() {
        let catalogs = Catalogs::builtin().unwrap();
        assert_eq!(catalogs.ids().collect::<Vec<_>>(), ["ipa-sme-3.1"]);
        assert_eq!(
            catalogs.get("ipa-sme-4.0"),
            Err(CatalogError::UnknownCatalog {
                id: "ipa-sme-4.0".into(),
                known: vec!["ipa-sme-3.1".into()]
            })
        );
    }

    #[test]
    fn every_file_declares_its_edition() {
        let e = edition();
        for declared in [
            &e.five_rules.edition,
            &e.self_assessment.edition,
            &e.cloud.edition,
            &e.executive.edition,
            &e.security_action.edition,
        ] {
            assert_eq!(declared, "ipa-sme-3.1");
        }
    }

    #[test]
    fn five_rules_match_the_guideline() {
        let rules = edition().five_rules.rules;
        assert_eq!(
            rules.iter().map(|r| r.number).collect::<Vec<_>>(),
            [1, 2, 3, 4, 5]
        );
        assert!(rules.iter().all(|r| (3..=5).contains(&r.measures.len())));
    }

    #[test]
    fn self_assessment_has_25_items_in_three_parts() {
        let sa = edition().self_assessment;
        assert_eq!(sa.items.len(), 25);
        assert_eq!(sa.numbers(), 1..=25);
        let parts: Vec<(&str, _, i32)> = sa
            .parts
            .iter()
            .map(|p| {
                (
                    p.id.as_str(),
                    sa.part_range(&p.id).unwrap(),
                    sa.part_max(&p.id),
                )
            })
            .collect();
        assert_eq!(
            parts,
            [
                ("basic", 1..=5, 20),
                ("employee", 6..=18, 52),
                ("organisation", 19..=25, 28)
            ]
        );
        assert_eq!((sa.max_score(), sa.min_score()), (100, -25));
        assert_eq!(sa.parts[0].name.ja, "基本的対策");
    }

    #[test]
    fn answers_score_4_2_0_minus_1() {
        let scale = edition().self_assessment.answers;
        let scores: Vec<(Answer, i32, &str)> = scale
            .options()
            .iter()
            .map(|o| (o.id, o.score, o.label.ja.as_str()))
            .collect();
        assert_eq!(
            scores,
            [
                (Answer::Yes, 4, "実施している"),
                (Answer::Partial, 2, "一部実施している"),
                (Answer::No, 0, "実施していない"),
                (Answer::Unknown, -1, "わからない"),
            ]
        );
    }

    #[test]
    fn items_map_to_rules_and_carry_full_advice() {
        let sa = edition().self_assessment;
        for item in &sa.items {
            assert!((1..=5).contains(&item.rule), "item {}", item.number);
            assert!(
                (2..=4).contains(&item.advice.steps.len()),
                "item {}",
                item.number
            );
            // Text cannot load empty, so both languages are present; check they differ.
            assert_ne!(
                item.advice.why.ja, item.advice.why.en,
                "item {}",
                item.number
            );
        }
        for n in 1..=5u8 {
            assert_eq!(
                sa.item(n).unwrap().rule,
                n,
                "items 1-5 are the five rules as questions"
            );
        }
    }

    #[test]
    fn footnotes_attach_to_items_2_and_4() {
        let sa = edition().self_assessment;
        let with_notes: Vec<(u8, Vec<&str>)> = sa
            .items
            .iter()
            .filter(|i| !i.notes.is_empty())
            .map(|i| (i.number, sa.notes_for(i).map(|n| n.mark.as_str()).collect()))
            .collect();
        assert_eq!(with_notes, [(2, vec!["※1"]), (4, vec!["※2"])]);
        assert!(sa.item(2).unwrap().question.ja.contains("※1"));
        assert!(sa.item(4).unwrap().question.ja.contains("※2"));
    }

    #[test]
    fn cloud_checklist_has_15_items_in_groups_of_6_4_5() {
        let cloud = edition().cloud;
        assert_eq!(cloud.items.len(), 15);
        let groups: Vec<(&str, Vec<u8>)> = cloud
            .groups
            .iter()
            .map(|g| {
                (
                    g.id.as_str(),
                    cloud.group_items(&g.id).map(|i| i.number).collect(),
                )
            })
            .collect();
        assert_eq!(
            groups,
            [
                ("selection", (1..=6).collect()),
                ("operation", (7..=10).collect()),
                ("security-management", (11..=15).collect()),
            ]
        );
        assert_eq!(cloud.answers, edition().self_assessment.answers);
    }

    #[test]
    fn executive_checklist_has_3_principles_and_7_actions() {
        let exec = edition().executive;
        assert_eq!(exec.principles.len(), 3);
        assert_eq!(exec.actions.len(), 7);
        let choices: Vec<Answer> = exec.choices.iter().map(|c| c.id).collect();
        assert_eq!(choices, [Answer::Yes, Answer::Partial, Answer::No]);
        assert!(
            exec.actions[6].title.en.contains("new"),
            "3.1 order ends with collecting trends"
        );
    }

    #[test]
    fn security_action_has_one_and_two_star_steps() {
        let steps: Vec<(StepId, u8)> = edition()
            .security_action
            .steps
            .iter()
            .map(|s| (s.id, s.stars))
            .collect();
        assert_eq!(
            steps,
            [
                (StepId::RulesAcknowledged, 1),
                (StepId::AssessmentCompleted, 2),
                (StepId::PolicyIssued, 2),
                (StepId::PolicyPublished, 2),
            ]
        );
    }

    fn files_with(self_assessment: &'static str) -> EditionFiles {
        EditionFiles {
            self_assessment,
            ..edition_files!("ipa-sme-3.1")
        }
    }

    #[test]
    fn broken_files_are_reported_with_their_name() {
        let wrong_edition: &'static str = BUILTIN[0]
            .self_assessment
            .replacen("ipa-sme-3.1", "ipa-sme-9", 1)
            .leak();
        let err = load(&files_with(wrong_edition)).unwrap_err();
        assert!(
            matches!(&err, CatalogError::InvalidData { file: "self-assessment.toml", message, .. } if message.contains("ipa-sme-9")),
            "{err}"
        );

        let bad_rule: &'static str = BUILTIN[0]
            .self_assessment
            .replacen("rule = 5", "rule = 6", 1)
            .leak();
        let err = load(&files_with(bad_rule)).unwrap_err();
        assert!(
            err.to_string().contains("there is no basic rule 6"),
            "{err}"
        );

        let typo: &'static str = BUILTIN[0]
            .self_assessment
            .replacen("part = \"basic\"", "prat = \"basic\"", 1)
            .leak();
        let err = load(&files_with(typo)).unwrap_err();
        assert!(err.to_string().contains("prat"), "{err}");
    }
}
