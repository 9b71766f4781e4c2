//! The document texts of one guideline edition, as shipped in `text/<edition>/` (see
//! `text/SCHEMA.md`), parsed and checked once at start-up.

use mamori_catalog::Lang;
use serde::{Deserialize, Deserializer};

use crate::{DocumentKind, PolicyError};

/// A piece of wording in both languages. Unlike the catalog's `Text` it may be empty (the
/// policy's preamble has no heading); most fields are minijinja templates.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Words {
    /// Japanese.
    pub ja: String,
    /// English.
    pub en: String,
}

impl Words {
    /// The wording for `lang`.
    pub fn get(&self, lang: Lang) -> &str {
        lang.pick(&self.ja, &self.en)
    }
}

/// The section of the parameter form a parameter appears in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ParamGroup {
    /// Company name, representative, date of establishment, scope.
    Company,
    /// The people who hold the management roles.
    Roles,
    /// Contacts, antivirus and device rules for the handbook.
    Handbook,
    /// Retention periods, backup and review cycles for the regulations.
    Regulations,
}

/// How a parameter is entered and checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Input {
    /// Free text (one line).
    Text,
    /// A calendar date, `YYYY-MM-DD`.
    Date,
    /// A whole number from 1 to 1000.
    Number,
    /// One of the listed choices.
    Choice,
    /// The name of the person who holds a role; their department and contact go with it as
    /// `<key>_department` and `<key>_contact` (see [`PersonDetail`]).
    Person,
}

/// What a role's holder may carry beside the name, printed with it in the role tables so that
/// staff know where to find the person and how to reach them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PersonDetail {
    /// The department or team.
    Department,
    /// A phone number, extension or e-mail address.
    Contact,
}

impl PersonDetail {
    /// Both details, in the order the tables print them.
    pub const ALL: [PersonDetail; 2] = [PersonDetail::Department, PersonDetail::Contact];

    /// The parameter key of this detail of the person parameter `person`.
    pub fn key(self, person: &str) -> String {
        match self {
            PersonDetail::Department => format!("{person}_department"),
            PersonDetail::Contact => format!("{person}_contact"),
        }
    }

    /// The detail's label on forms and in `mamori docs params`.
    pub fn label(self, labels: &Labels) -> &Words {
        match self {
            PersonDetail::Department => &labels.person_department,
            PersonDetail::Contact => &labels.person_contact,
        }
    }
}

/// One allowed value of a choice parameter.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChoiceDef {
    /// The stored value (`customer`).
    pub value: String,
    /// What the form shows and what `<key>_label` gives templates.
    pub label: Words,
}

/// A company parameter the documents need (`params.toml`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ParamDef {
    /// The key used in templates, the store and `--set KEY=VALUE`.
    pub key: String,
    /// The form section.
    pub group: ParamGroup,
    /// How it is entered.
    pub input: Input,
    /// The documents that cannot be written without it.
    pub kinds: Vec<DocumentKind>,
    /// Whether generation refuses to run without it.
    pub required: bool,
    /// The value used when the owner gave none (numbers and choices).
    #[serde(default, deserialize_with = "scalar_as_string")]
    pub default: Option<String>,
    /// The form label.
    pub label: Words,
    /// One line telling the owner what to enter.
    pub help: Words,
    /// The allowed values of a choice.
    #[serde(default)]
    pub choices: Vec<ChoiceDef>,
}

fn scalar_as_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match Option::<toml::Value>::deserialize(d)? {
        None => None,
        Some(toml::Value::String(s)) => Some(s),
        Some(toml::Value::Integer(n)) => Some(n.to_string()),
        Some(other) => {
            return Err(serde::de::Error::custom(format!(
                "default must be a string or a whole number, not {other}"
            )));
        }
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ParamsFile {
    edition: String,
    params: Vec<ParamDef>,
}

/// A management role of table 8.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ManagementRole {
    /// The `person` parameter that holds the name.
    pub key: String,
    /// The role's name.
    pub name: Words,
    /// What the role is responsible for.
    pub duty: Words,
}

/// An emergency role of table 9.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmergencyRole {
    /// The role's name.
    pub name: Words,
    /// The management key of whoever holds it, or `finder`.
    pub holder: String,
    /// Who typically holds it.
    pub example: Words,
    /// What the role does in an emergency.
    pub duty: Words,
}

/// `roles.toml`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Roles {
    edition: String,
    /// Table 8, in the guideline's order.
    pub management: Vec<ManagementRole>,
    /// Table 9, in the guideline's order.
    pub emergency: Vec<EmergencyRole>,
}

/// A section of the basic policy.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicySection {
    /// Stable id, used for edits.
    pub id: String,
    /// Off until the owner includes it.
    pub optional: bool,
    /// Empty for the preamble.
    pub heading: Words,
    /// Paragraph templates.
    #[serde(default)]
    pub paragraphs: Vec<Words>,
    /// Bullet templates.
    #[serde(default)]
    pub items: Vec<Words>,
}

/// `policy.toml`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyText {
    edition: String,
    /// The document title.
    pub title: Words,
    /// Date of establishment, company, representative.
    pub footer: Vec<Words>,
    /// The preamble, five required and the optional sections.
    pub sections: Vec<PolicySection>,
}

/// A rule group of the handbook (1-1, 2-1, 3-1).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HandbookGroup {
    /// `company-wide`, `at-work` or `everyone`.
    pub id: String,
    /// `1-1`, `2-1`, `3-1`.
    pub number: String,
    /// The group's heading.
    pub heading: Words,
}

/// The handbook rule for one self-assessment item.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HandbookRule {
    /// The self-assessment item number (1-25).
    pub item: u8,
    /// The group id it belongs to.
    pub group: String,
    /// Short title.
    pub title: Words,
    /// What employees must do (templates).
    pub rule: Vec<Words>,
    /// Added when the answer is partial or no.
    pub todo: Words,
    /// Added when the answer is "don't know".
    pub unknown: Words,
}

/// Rules for one class of device.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HandbookDevice {
    /// `company-pc`, `personal-device`, `smartphone`, `removable-media`.
    pub id: String,
    /// The heading.
    pub heading: Words,
    /// Rule templates.
    pub rules: Vec<Words>,
}

/// `handbook.toml`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HandbookText {
    edition: String,
    /// The document title.
    pub title: Words,
    /// Opening paragraphs.
    pub intro: Vec<Words>,
    /// Whom to tell when something happens.
    pub contact: Vec<Words>,
    /// The three rule groups.
    pub groups: Vec<HandbookGroup>,
    /// One rule per self-assessment item.
    pub rules: Vec<HandbookRule>,
    /// Device-class rules.
    pub devices: Vec<HandbookDevice>,
}

/// An article of the regulations.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Article {
    /// The article's title.
    pub title: Words,
    /// Clause templates, numbered by the renderer.
    pub clauses: Vec<Words>,
}

/// A chapter of the regulations.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Chapter {
    /// 1-12.
    pub number: u8,
    /// Stable id.
    pub id: String,
    /// The chapter title.
    pub title: Words,
    /// Who it applies to.
    pub applies_to: Words,
    /// The articles.
    pub articles: Vec<Article>,
}

/// `regulations.toml`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegulationsText {
    edition: String,
    /// The document title.
    pub title: Words,
    /// The twelve chapters.
    pub chapters: Vec<Chapter>,
    /// The supplementary provisions (附則) after the last chapter; they stay whichever
    /// chapters are left out.
    pub supplementary: Article,
}

/// Words the document structure needs around the texts (`labels.toml`): headings of the
/// generated sections, table headers, chapter and article numbering. Numbering labels are
/// templates with `n`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Labels {
    edition: String,
    /// "Rules by device".
    pub devices_heading: Words,
    /// "When something happens".
    pub contact_heading: Words,
    /// "Who does what".
    pub roles_heading: Words,
    /// "In an emergency".
    pub emergency_heading: Words,
    /// Table header: role.
    pub role: Words,
    /// Table header: holder.
    pub holder: Words,
    /// Table header: duty.
    pub duty: Words,
    /// The holder of the emergency role `finder`.
    pub finder: Words,
    /// Label of a handbook rule (`n` = item number).
    pub item: Words,
    /// Flag on a rule the company has not fully put in place.
    pub todo: Words,
    /// Flag on a rule whose state nobody knew.
    pub unknown: Words,
    /// Chapter number (`n`).
    pub chapter: Words,
    /// Article number (`n`).
    pub article: Words,
    /// The line standing in for a chapter the company left out (`reason`).
    pub left_out: Words,
    /// "Applies to".
    pub applies_to: Words,
    /// Label of a role holder's department.
    pub person_department: Words,
    /// Label of a role holder's contact.
    pub person_contact: Words,
    /// A role holder with details (`name`, `details`).
    pub person_with_details: Words,
    /// What separates a holder's details.
    pub details_separator: Words,
    /// Version stamp (`n` = version, `date` = issue date, `approver`).
    pub issued: Words,
    /// Draft stamp.
    pub draft: Words,
    /// A parameter named in a problem (`label`, `key`).
    pub param_name: Words,
    /// Parameters still to fill in (`list`).
    pub params_missing: Words,
    /// A date in the wrong shape (`name`).
    pub param_not_a_date: Words,
    /// A number out of range (`name`).
    pub param_not_a_number: Words,
    /// A value not among the choices (`name`, `list`).
    pub param_not_a_choice: Words,
    /// A value too long (`name`, `max`).
    pub param_too_long: Words,
    /// A key that is no parameter (`name`).
    pub param_unknown: Words,
    /// Between the items of a list.
    pub list_separator: Words,
    /// Between two problems.
    pub problem_separator: Words,
}

/// All document texts of one edition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Texts {
    /// The edition id (`ipa-sme-3.1`).
    pub edition: &'static str,
    /// Every company parameter, in form order.
    pub params: Vec<ParamDef>,
    /// The role tables.
    pub roles: Roles,
    /// The basic policy.
    pub policy: PolicyText,
    /// The handbook.
    pub handbook: HandbookText,
    /// The regulations.
    pub regulations: RegulationsText,
    /// Structural words.
    pub labels: Labels,
}

/// Embeds one edition's files.
macro_rules! edition_texts {
    ($id:literal) => {
        (
            $id,
            [
                (
                    "params.toml",
                    include_str!(concat!("../text/", $id, "/params.toml")),
                ),
                (
                    "roles.toml",
                    include_str!(concat!("../text/", $id, "/roles.toml")),
                ),
                (
                    "policy.toml",
                    include_str!(concat!("../text/", $id, "/policy.toml")),
                ),
                (
                    "handbook.toml",
                    include_str!(concat!("../text/", $id, "/handbook.toml")),
                ),
                (
                    "regulations.toml",
                    include_str!(concat!("../text/", $id, "/regulations.toml")),
                ),
                (
                    "labels.toml",
                    include_str!(concat!("../text/", $id, "/labels.toml")),
                ),
            ],
        )
    };
}

type EditionFiles = (&'static str, [(&'static str, &'static str); 6]);

/// Every shipped edition. Adding one is one line here.
const BUILTIN: &[EditionFiles] = &[edition_texts!("ipa-sme-3.1")];

fn parse<T: serde::de::DeserializeOwned>(
    file: &'static str,
    source: &str,
) -> Result<T, PolicyError> {
    toml::from_str(source).map_err(|e| PolicyError::Texts {
        file,
        reason: e.to_string(),
    })
}

impl Texts {
    /// The texts of `edition`, parsed and checked.
    pub fn load(edition: &str) -> Result<Texts, PolicyError> {
        let (id, files) = BUILTIN
            .iter()
            .find(|(id, _)| *id == edition)
            .ok_or_else(|| PolicyError::UnknownEdition(edition.to_owned()))?;
        let [params, roles, policy, handbook, regulations, labels] = files;
        let params_file: ParamsFile = parse(params.0, params.1)?;
        let texts = Texts {
            edition: id,
            params: params_file.params,
            roles: parse(roles.0, roles.1)?,
            policy: parse(policy.0, policy.1)?,
            handbook: parse(handbook.0, handbook.1)?,
            regulations: parse(regulations.0, regulations.1)?,
            labels: parse(labels.0, labels.1)?,
        };
        let editions = [
            (params.0, &params_file.edition),
            (roles.0, &texts.roles.edition),
            (policy.0, &texts.policy.edition),
            (handbook.0, &texts.handbook.edition),
            (regulations.0, &texts.regulations.edition),
            (labels.0, &texts.labels.edition),
        ];
        if let Some((file, found)) = editions.into_iter().find(|(_, e)| e.as_str() != *id) {
            return Err(PolicyError::Texts {
                file,
                reason: format!("says edition {found}, but sits in the folder of {id}"),
            });
        }
        texts.check()?;
        Ok(texts)
    }

    /// The parameter with this key.
    pub fn param(&self, key: &str) -> Option<&ParamDef> {
        self.params.iter().find(|p| p.key == key)
    }

    /// The person parameter `key` is a detail of (`security_officer_contact`), with the detail.
    pub fn person_detail(&self, key: &str) -> Option<(&ParamDef, PersonDetail)> {
        self.params
            .iter()
            .filter(|p| p.input == Input::Person)
            .find_map(|p| {
                PersonDetail::ALL
                    .into_iter()
                    .find(|d| d.key(&p.key) == key)
                    .map(|d| (p, d))
            })
    }

    /// Every key a company may set, in form order: each parameter, followed by a person's
    /// details.
    pub fn settable_keys(&self) -> Vec<String> {
        let mut keys = Vec::new();
        for p in &self.params {
            keys.push(p.key.clone());
            if p.input == Input::Person {
                keys.extend(PersonDetail::ALL.map(|d| d.key(&p.key)));
            }
        }
        keys
    }

    /// The parameters `kind` needs, in form order.
    pub fn params_for(&self, kind: DocumentKind) -> impl Iterator<Item = &ParamDef> {
        self.params.iter().filter(move |p| p.kinds.contains(&kind))
    }

    /// Structural checks serde cannot express: the guideline's counts and cross references.
    fn check(&self) -> Result<(), PolicyError> {
        let broken = |file, reason: String| Err(PolicyError::Texts { file, reason });
        for p in &self.params {
            if (p.input == Input::Choice) == p.choices.is_empty() {
                return broken(
                    "params.toml",
                    format!("{}: choices belong to choice inputs", p.key),
                );
            }
            if let Some(d) = &p.default
                && p.input == Input::Choice
                && !p.choices.iter().any(|c| &c.value == d)
            {
                return broken(
                    "params.toml",
                    format!("{}: default {d} is not a choice", p.key),
                );
            }
        }
        for role in &self.roles.management {
            if self.param(&role.key).map(|p| p.input) != Some(Input::Person) {
                return broken(
                    "roles.toml",
                    format!("{} is not a person parameter", role.key),
                );
            }
        }
        for role in &self.roles.emergency {
            if role.holder != "finder"
                && !self.roles.management.iter().any(|m| m.key == role.holder)
            {
                return broken("roles.toml", format!("unknown holder {}", role.holder));
            }
        }
        let items: Vec<u8> = self.handbook.rules.iter().map(|r| r.item).collect();
        if items != (1..=25).collect::<Vec<u8>>() {
            return broken(
                "handbook.toml",
                format!("rules must cover items 1-25 in order, found {items:?}"),
            );
        }
        if let Some(r) = self
            .handbook
            .rules
            .iter()
            .find(|r| !self.handbook.groups.iter().any(|g| g.id == r.group))
        {
            return broken(
                "handbook.toml",
                format!("item {} has unknown group {}", r.item, r.group),
            );
        }
        let chapters: Vec<u8> = self.regulations.chapters.iter().map(|c| c.number).collect();
        if chapters != (1..=12).collect::<Vec<u8>>() {
            return broken(
                "regulations.toml",
                format!("chapters must be 1-12 in order, found {chapters:?}"),
            );
        }
        Ok(())
    }
}
