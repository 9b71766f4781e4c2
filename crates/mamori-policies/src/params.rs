//! Company parameters: what the owner entered, checked against `params.toml`, and turned into
//! the variables the text templates see.

use std::collections::BTreeMap;
use std::fmt;

use chrono::{Datelike, NaiveDate};
use mamori_catalog::Lang;
use serde::{Deserialize, Serialize};

use crate::texts::{Input, ParamDef, PersonDetail, Texts};
use crate::{DocumentKind, PolicyError};

/// The longest value a parameter may hold; names and product names are far shorter.
const MAX_LEN: usize = 200;

/// The owner's parameter values by key, as stored and as given with `--set KEY=VALUE`.
/// Blank values count as not given.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Params(pub BTreeMap<String, String>);

impl Params {
    /// The trimmed value of `key`, if one was given.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).map(|v| v.trim()).filter(|v| !v.is_empty())
    }

    /// Sets `key`; a blank value removes it.
    pub fn set(&mut self, key: &str, value: &str) {
        if value.trim().is_empty() {
            self.0.remove(key);
        } else {
            self.0.insert(key.to_owned(), value.trim().to_owned());
        }
    }

    /// `self` with every value of `other` laid over it (`--set` over the stored values).
    pub fn merged(&self, other: &Params) -> Params {
        let mut out = self.clone();
        for (k, v) in &other.0 {
            out.set(k, v);
        }
        out
    }
}

/// Why a given value was refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "reason", rename_all = "kebab-case")]
pub enum Invalid {
    /// Not a `YYYY-MM-DD` date.
    NotADate,
    /// Not a whole number from 1 to 1000.
    NotANumber,
    /// Not one of the allowed values.
    NotAChoice {
        /// The allowed values.
        allowed: Vec<String>,
    },
    /// Longer than 200 characters.
    TooLong,
    /// No such parameter.
    UnknownKey,
}

/// Every problem with the parameters of one document, so the form can mark all of them at
/// once and the CLI can list every missing name.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ParamProblems {
    /// Required keys with no value.
    pub missing: Vec<String>,
    /// Keys whose value was refused.
    pub invalid: Vec<(String, Invalid)>,
}

impl ParamProblems {
    /// Whether nothing is wrong.
    pub fn is_empty(&self) -> bool {
        self.missing.is_empty() && self.invalid.is_empty()
    }

    /// The problems in the reader's language, naming each parameter by its form label (a
    /// person's department or contact by the person's label and the detail's). The wording is
    /// in `labels.toml`.
    pub fn describe(&self, texts: &Texts, lang: Lang) -> String {
        let l = &texts.labels;
        let say = |words: &crate::texts::Words, vars: minijinja::Value| {
            minijinja::Environment::new()
                .render_str(words.get(lang), vars)
                .unwrap_or_else(|_| words.get(lang).to_owned())
        };
        let label = |key: &str| {
            let shown = match (texts.param(key), texts.person_detail(key)) {
                (Some(p), _) => p.label.get(lang).to_owned(),
                (None, Some((p, d))) => {
                    format!("{} {}", p.label.get(lang), d.label(l).get(lang))
                }
                (None, None) => return key.to_owned(),
            };
            say(
                &l.param_name,
                minijinja::context! { label => shown, key => key },
            )
        };
        let separator = l.list_separator.get(lang);
        let mut parts = Vec::new();
        if !self.missing.is_empty() {
            let names: Vec<String> = self.missing.iter().map(|k| label(k)).collect();
            let list = names.join(separator);
            parts.push(say(&l.params_missing, minijinja::context! { list => list }));
        }
        for (key, why) in &self.invalid {
            let name = label(key);
            parts.push(match why {
                Invalid::NotADate => say(&l.param_not_a_date, minijinja::context! { name }),
                Invalid::NotANumber => say(&l.param_not_a_number, minijinja::context! { name }),
                Invalid::NotAChoice { allowed } => say(
                    &l.param_not_a_choice,
                    minijinja::context! { name, list => allowed.join(separator) },
                ),
                Invalid::TooLong => say(
                    &l.param_too_long,
                    minijinja::context! { name, max => MAX_LEN },
                ),
                Invalid::UnknownKey => say(&l.param_unknown, minijinja::context! { name }),
            });
        }
        parts.join(l.problem_separator.get(lang))
    }
}

impl fmt::Display for ParamProblems {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.missing.is_empty() {
            write!(f, "missing parameters: {}", self.missing.join(", "))?;
        }
        for (i, (key, why)) in self.invalid.iter().enumerate() {
            if i > 0 || !self.missing.is_empty() {
                f.write_str("; ")?;
            }
            match why {
                Invalid::NotADate => write!(f, "{key}: not a YYYY-MM-DD date")?,
                Invalid::NotANumber => write!(f, "{key}: not a whole number from 1 to 1000")?,
                Invalid::NotAChoice { allowed } => {
                    write!(f, "{key}: must be one of {}", allowed.join(", "))?
                }
                Invalid::TooLong => write!(f, "{key}: longer than {MAX_LEN} characters")?,
                Invalid::UnknownKey => write!(f, "{key}: no such parameter")?,
            }
        }
        Ok(())
    }
}

/// Checks one value against its definition.
fn check(def: &ParamDef, value: &str) -> Result<(), Invalid> {
    if value.chars().count() > MAX_LEN {
        return Err(Invalid::TooLong);
    }
    match def.input {
        Input::Text | Input::Person => Ok(()),
        Input::Date => parse_date(value).map(|_| ()).ok_or(Invalid::NotADate),
        Input::Number => match value.parse::<u32>() {
            Ok(1..=1000) => Ok(()),
            _ => Err(Invalid::NotANumber),
        },
        Input::Choice => {
            if def.choices.iter().any(|c| c.value == value) {
                Ok(())
            } else {
                Err(Invalid::NotAChoice {
                    allowed: def.choices.iter().map(|c| c.value.clone()).collect(),
                })
            }
        }
    }
}

/// Checks a key that is not a parameter of its own: a person's detail is free text within the
/// length limit; anything else is unknown.
fn check_detail(texts: &Texts, key: &str, value: &str) -> Result<(), Invalid> {
    match texts.person_detail(key) {
        Some(_) if value.trim().chars().count() > MAX_LEN => Err(Invalid::TooLong),
        Some(_) => Ok(()),
        None => Err(Invalid::UnknownKey),
    }
}

fn parse_date(value: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(value, "%Y-%m-%d").ok()
}

/// A date as documents write it: `2026年4月1日` or `1 April 2026`.
pub fn date_text(date: NaiveDate, lang: Lang) -> String {
    match lang {
        Lang::Ja => format!("{}年{}月{}日", date.year(), date.month(), date.day()),
        Lang::En => date.format("%-d %B %Y").to_string(),
    }
}

/// Checks the shape of every given value (dates, numbers, choices, length) without asking for
/// the missing ones: what a parameters form checks before saving.
pub fn check_values(texts: &Texts, params: &Params) -> ParamProblems {
    let mut problems = ParamProblems::default();
    for (key, value) in &params.0 {
        let outcome = match texts.param(key) {
            Some(def) => check(def, value.trim()),
            None => check_detail(texts, key, value),
        };
        if let Err(why) = outcome {
            problems.invalid.push((key.clone(), why));
        }
    }
    problems
}

/// Checks the parameters against what `kind` needs and returns the template variables:
/// `company`, every parameter key (defaults filled in, empty when optional and not given),
/// `<key>_text` for dates and `<key>_label` for choices. Values of other documents' parameters
/// are checked too, so a stored typo never waits for another document to surface.
pub fn resolve_params(
    texts: &Texts,
    kind: DocumentKind,
    company: &str,
    params: &Params,
    lang: Lang,
) -> Result<BTreeMap<String, String>, PolicyError> {
    let mut problems = ParamProblems::default();
    for (key, value) in &params.0 {
        if texts.param(key).is_none()
            && let Err(why) = check_detail(texts, key, value)
        {
            problems.invalid.push((key.clone(), why));
        }
    }
    let mut vars = BTreeMap::from([("company".to_owned(), company.to_owned())]);
    for def in &texts.params {
        let value = params
            .get(&def.key)
            .map(str::to_owned)
            .or_else(|| def.default.clone());
        let value = match value {
            Some(v) => match check(def, &v) {
                Ok(()) => v,
                Err(why) => {
                    problems.invalid.push((def.key.clone(), why));
                    continue;
                }
            },
            None if def.required && def.kinds.contains(&kind) => {
                problems.missing.push(def.key.clone());
                continue;
            }
            None => String::new(),
        };
        match def.input {
            Input::Date => {
                let text = parse_date(&value)
                    .map(|d| date_text(d, lang))
                    .unwrap_or_default();
                vars.insert(format!("{}_text", def.key), text);
            }
            Input::Choice => {
                let label = def
                    .choices
                    .iter()
                    .find(|c| c.value == value)
                    .map(|c| c.label.get(lang).to_owned())
                    .unwrap_or_default();
                vars.insert(format!("{}_label", def.key), label);
            }
            Input::Person => {
                for detail in PersonDetail::ALL {
                    let key = detail.key(&def.key);
                    let given = params.get(&key).map(str::trim).unwrap_or_default();
                    vars.insert(key, given.to_owned());
                }
            }
            Input::Text | Input::Number => {}
        }
        vars.insert(def.key.clone(), value);
    }
    if problems.is_empty() {
        Ok(vars)
    } else {
        Err(PolicyError::Params(problems))
    }
}
