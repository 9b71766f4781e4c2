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

    /// The problems in the reader's language, naming each parameter by its form label.
    pub fn describe(&self, texts: &Texts, lang: Lang) -> String {
        let label = |key: &str| {
            texts
                .param(key)
                .map(|p| format!("{}（{key}）", p.label.get(lang)))
                .unwrap_or_else(|| key.to_owned())
        };
        let mut parts = Vec::new();
        if !self.missing.is_empty() {
            let names: Vec<String> = self.missing.iter().map(|k| label(k)).collect();
            parts.push(match lang {
                Lang::Ja => format!("次の項目を入力してください: {}", names.join("、")),
                Lang::En => format!("Please fill in: {}", names.join(", ")),
            });
        }
        for (key, why) in &self.invalid {
            let name = label(key);
            parts.push(match (lang, why) {
                (Lang::Ja, Invalid::NotADate) => {
                    format!("{name} は 2026-04-01 の形の日付で入力してください")
                }
                (Lang::En, Invalid::NotADate) => {
                    format!("{name} must be a date such as 2026-04-01")
                }
                (Lang::Ja, Invalid::NotANumber) => {
                    format!("{name} は 1〜1000 の整数で入力してください")
                }
                (Lang::En, Invalid::NotANumber) => {
                    format!("{name} must be a whole number from 1 to 1000")
                }
                (Lang::Ja, Invalid::NotAChoice { allowed }) => {
                    format!("{name} は {} のどれかを選んでください", allowed.join("、"))
                }
                (Lang::En, Invalid::NotAChoice { allowed }) => {
                    format!("{name} must be one of {}", allowed.join(", "))
                }
                (Lang::Ja, Invalid::TooLong) => format!("{name} は{MAX_LEN}文字以内にしてください"),
                (Lang::En, Invalid::TooLong) => {
                    format!("{name} must be at most {MAX_LEN} characters")
                }
                (Lang::Ja, Invalid::UnknownKey) => format!("{name} という項目はありません"),
                (Lang::En, Invalid::UnknownKey) => format!("there is no parameter called {name}"),
            });
        }
        parts.join(match lang {
            Lang::Ja => "。",
            Lang::En => ". ",
        })
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
