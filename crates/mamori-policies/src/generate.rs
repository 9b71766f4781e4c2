//! Builds a [`Document`] from the texts, the company's parameters, the self-assessment answers
//! (handbook) and the owner's edits.

use std::collections::BTreeMap;

use mamori_catalog::{Answer, Answers, Lang};
use mamori_store::Desk;
use minijinja::{Environment, UndefinedBehavior};
use serde::Serialize;

use crate::document::{Document, Entry, EntryFlag, Section, Table};
use crate::edits::Edits;
use crate::params::{Params, resolve_params};
use crate::texts::{PersonDetail, Texts, Words};
use crate::{DocumentKind, PolicyError};

/// Everything one document is made from.
#[derive(Debug, Clone, Copy)]
pub struct GenerateInput<'a> {
    /// The edition's texts.
    pub texts: &'a Texts,
    /// Which document.
    pub kind: DocumentKind,
    /// Its language.
    pub lang: Lang,
    /// The organisation's name.
    pub company: &'a str,
    /// The owner's parameters.
    pub params: &'a Params,
    /// The latest completed self-assessment; the handbook flags rules that are not yet in
    /// place. Without one, the handbook lists the rules without flags.
    pub answers: Option<&'a Answers>,
    /// The owner's edits.
    pub edits: &'a Edits,
    /// The provider's consultation desk, which the handbook names beside the company's own
    /// contact; `None` when the provider has not set one.
    pub desk: Option<&'a Desk>,
}

/// A section as the editor lists it: what can be edited, and whether it can be left out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OutlineSection {
    /// The edit key.
    pub id: String,
    /// Heading in the editor's language (the preamble gets the document title).
    pub heading: String,
    /// 0 for top-level sections.
    pub depth: usize,
    /// Whether the owner may leave it out.
    pub removable: bool,
    /// Whether it is in the document when the owner has not decided.
    pub included_by_default: bool,
    /// Whether leaving it out needs a reason (regulations chapters).
    pub needs_reason: bool,
    /// How many clauses the owner may reword one by one (regulations articles); 0 elsewhere.
    pub clauses: usize,
}

/// Fills templates: plain text out (renderers escape), undefined variables are errors so a
/// document never carries a hole.
struct Filler<'a> {
    env: Environment<'static>,
    vars: &'a BTreeMap<String, String>,
    lang: Lang,
}

impl Filler<'_> {
    fn fill(&self, words: &Words) -> Result<String, PolicyError> {
        Ok(self
            .env
            .render_str(words.get(self.lang), self.vars)?
            .trim()
            .to_owned())
    }

    fn fill_all(&self, words: &[Words]) -> Result<Vec<String>, PolicyError> {
        words
            .iter()
            .map(|w| self.fill(w))
            .filter(|r| r.as_ref().map(|s| !s.is_empty()).unwrap_or(true))
            .collect()
    }

    fn numbered(&self, words: &Words, n: impl Serialize) -> Result<String, PolicyError> {
        Ok(self.env.render_str(
            words.get(self.lang),
            minijinja::context! { n => minijinja::Value::from(minijinja::value::Serde(n)) },
        )?)
    }
}

fn strict_env() -> Environment<'static> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env
}

/// One section of the generated tree before the owner's choices: whether it may be left out
/// and whether it is in by default.
struct Draft {
    section: Section,
    removable: bool,
    default_in: bool,
    /// The line that stands where the section would be when the owner left it out with a
    /// reason; `None` drops a left-out section without a trace.
    stand_in: Option<String>,
    children: Vec<Draft>,
}

impl Draft {
    fn fixed(section: Section) -> Draft {
        Draft {
            section,
            removable: false,
            default_in: true,
            stand_in: None,
            children: Vec::new(),
        }
    }
}

/// The desk's details as template variables (`desk_name`, `desk_phone`, `desk_email`,
/// `desk_hours`, `desk_after_hours`), empty when there is no desk so templates can test them.
fn desk_vars(desk: Option<&Desk>) -> [(String, String); 5] {
    let field = |get: fn(&Desk) -> &str| desk.map(|d| get(d).trim().to_owned()).unwrap_or_default();
    [
        ("desk_name".into(), field(|d| &d.name)),
        ("desk_phone".into(), field(|d| &d.phone)),
        ("desk_email".into(), field(|d| &d.email)),
        ("desk_hours".into(), field(|d| &d.hours)),
        ("desk_after_hours".into(), field(|d| &d.after_hours_phone)),
    ]
}

/// Writes the document. Fails with every missing or invalid parameter when the parameters are
/// incomplete.
pub fn generate(input: GenerateInput<'_>) -> Result<Document, PolicyError> {
    let GenerateInput {
        texts,
        kind,
        lang,
        company,
        params,
        answers,
        edits,
        desk,
    } = input;
    let mut vars = resolve_params(texts, kind, company, params, lang)?;
    vars.extend(desk_vars(desk));
    let ids = unexplained(texts, kind, edits);
    if !ids.is_empty() {
        return Err(PolicyError::Unexplained { kind, ids });
    }
    let f = Filler {
        env: strict_env(),
        vars: &vars,
        lang,
    };
    let (title, intro, drafts, footer) = match kind {
        DocumentKind::Policy => (
            f.fill(&texts.policy.title)?,
            Vec::new(),
            policy(texts, &f)?,
            f.fill_all(&texts.policy.footer)?,
        ),
        DocumentKind::Handbook => (
            f.fill(&texts.handbook.title)?,
            f.fill_all(&texts.handbook.intro)?,
            handbook(texts, &f, answers)?,
            Vec::new(),
        ),
        DocumentKind::Regulations => (
            f.fill(&texts.regulations.title)?,
            Vec::new(),
            regulations(texts, &f, edits)?,
            Vec::new(),
        ),
    };
    let mut sections: Vec<Section> = drafts.into_iter().filter_map(|d| apply(d, edits)).collect();
    number(kind, &mut sections, texts, &f)?;
    Ok(Document {
        kind,
        lang,
        edition: texts.edition.to_owned(),
        title,
        company: company.to_owned(),
        stamp: texts.labels.draft.get(lang).to_owned(),
        intro,
        sections,
        footer,
    })
}

impl Texts {
    /// The stamp of an issued version: its number, issue date and approver.
    pub fn stamp(
        &self,
        lang: Lang,
        version: i64,
        date: &str,
        approver: &str,
    ) -> Result<String, PolicyError> {
        Ok(strict_env().render_str(
            self.labels.issued.get(lang),
            minijinja::context! { n => version, date => date, approver => approver },
        )?)
    }
}

/// The editable sections of `kind`, in document order.
pub fn outline(texts: &Texts, kind: DocumentKind, lang: Lang) -> Vec<OutlineSection> {
    // A fixed section: always in, nothing to explain, no clauses of its own.
    let fixed = |id: &str, heading: &Words, depth| OutlineSection {
        id: id.to_owned(),
        heading: match heading.get(lang) {
            "" => texts.policy.title.get(lang),
            h => h,
        }
        .to_owned(),
        depth,
        removable: false,
        included_by_default: true,
        needs_reason: false,
        clauses: 0,
    };
    let l = &texts.labels;
    let mut out = Vec::new();
    match kind {
        DocumentKind::Policy => {
            for s in &texts.policy.sections {
                out.push(OutlineSection {
                    removable: s.optional,
                    included_by_default: !s.optional,
                    ..fixed(&s.id, &s.heading, 0)
                });
            }
        }
        DocumentKind::Handbook => {
            for g in &texts.handbook.groups {
                out.push(fixed(&g.id, &g.heading, 0));
            }
            out.push(fixed("devices", &l.devices_heading, 0));
            for d in &texts.handbook.devices {
                out.push(OutlineSection {
                    removable: true,
                    ..fixed(&d.id, &d.heading, 1)
                });
            }
            out.push(fixed("contact", &l.contact_heading, 0));
        }
        DocumentKind::Regulations => {
            for c in &texts.regulations.chapters {
                let removable = chapter_removable(c);
                out.push(OutlineSection {
                    removable,
                    needs_reason: removable,
                    ..fixed(&c.id, &c.title, 0)
                });
                for (i, a) in c.articles.iter().enumerate() {
                    out.push(OutlineSection {
                        clauses: a.clauses.len(),
                        ..fixed(&article_id(&c.id, i), &a.title, 1)
                    });
                }
            }
            let supplementary = &texts.regulations.supplementary;
            out.push(OutlineSection {
                clauses: supplementary.clauses.len(),
                ..fixed(SUPPLEMENTARY, &supplementary.title, 0)
            });
        }
    }
    out
}

/// The id of the supplementary provisions (附則) after the last chapter.
const SUPPLEMENTARY: &str = "supplementary";

/// Every chapter but the first (the organisation, whose role table the rest relies on) can be
/// left out.
fn chapter_removable(chapter: &crate::texts::Chapter) -> bool {
    chapter.number != 1
}

/// The clauses the edits reword that `kind` does not have, as section id and clause number:
/// only the regulations' articles are worded clause by clause.
pub fn unknown_clauses(texts: &Texts, kind: DocumentKind, edits: &Edits) -> Vec<(String, usize)> {
    let outline = outline(texts, kind, Lang::Ja);
    edits
        .0
        .iter()
        .flat_map(|(id, e)| e.clauses.keys().map(move |n| (id, *n)))
        .filter(|(id, n)| {
            !outline
                .iter()
                .any(|s| &s.id == *id && (1..=s.clauses).contains(n))
        })
        .map(|(id, n)| (id.clone(), n))
        .collect()
}

/// The sections of `kind` the edits leave out without the reason they need, in document order.
pub fn unexplained(texts: &Texts, kind: DocumentKind, edits: &Edits) -> Vec<String> {
    outline(texts, kind, Lang::Ja)
        .into_iter()
        .filter(|s| s.needs_reason)
        .filter(|s| {
            edits
                .get(&s.id)
                .is_some_and(|e| e.left_out() && e.reason.trim().is_empty())
        })
        .map(|s| s.id)
        .collect()
}

fn article_id(chapter: &str, index: usize) -> String {
    format!("{chapter}-{}", index + 1)
}

fn policy(texts: &Texts, f: &Filler) -> Result<Vec<Draft>, PolicyError> {
    texts
        .policy
        .sections
        .iter()
        .map(|s| {
            let mut section = Section::new(&s.id, "", f.fill(&s.heading)?);
            section.paragraphs = f.fill_all(&s.paragraphs)?;
            section.items = f.fill_all(&s.items)?;
            Ok(Draft {
                section,
                removable: s.optional,
                default_in: !s.optional,
                stand_in: None,
                children: Vec::new(),
            })
        })
        .collect()
}

fn handbook(
    texts: &Texts,
    f: &Filler,
    answers: Option<&Answers>,
) -> Result<Vec<Draft>, PolicyError> {
    let l = &texts.labels;
    let mut out = Vec::new();
    for g in &texts.handbook.groups {
        let mut section = Section::new(&g.id, &g.number, f.fill(&g.heading)?);
        for r in texts.handbook.rules.iter().filter(|r| r.group == g.id) {
            let flag = match answers.and_then(|a| a.get(r.item)) {
                Some(Answer::Partial | Answer::No) => Some((EntryFlag::Todo, &l.todo, &r.todo)),
                Some(Answer::Unknown) => Some((EntryFlag::Unknown, &l.unknown, &r.unknown)),
                Some(Answer::Yes) | None => None,
            };
            section.entries.push(Entry {
                item: r.item,
                label: f.numbered(&l.item, r.item)?,
                title: f.fill(&r.title)?,
                lines: f.fill_all(&r.rule)?,
                flag: flag.map(|(flag, ..)| flag),
                flag_label: flag
                    .map(|(_, label, _)| label.get(f.lang).to_owned())
                    .unwrap_or_default(),
                flag_note: flag
                    .map(|(.., note)| f.fill(note))
                    .transpose()?
                    .unwrap_or_default(),
            });
        }
        out.push(Draft::fixed(section));
    }
    let mut devices = Draft::fixed(Section::new("devices", "", l.devices_heading.get(f.lang)));
    for d in &texts.handbook.devices {
        let mut section = Section::new(&d.id, "", f.fill(&d.heading)?);
        section.items = f.fill_all(&d.rules)?;
        devices.children.push(Draft {
            section,
            removable: true,
            default_in: true,
            stand_in: None,
            children: Vec::new(),
        });
    }
    out.push(devices);
    let mut contact = Section::new("contact", "", l.contact_heading.get(f.lang));
    contact.paragraphs = f.fill_all(&texts.handbook.contact)?;
    contact.table = Some(emergency_table(texts, f)?);
    out.push(Draft::fixed(contact));
    Ok(out)
}

/// Table 9 with the company's people: who does what when an incident happens.
fn emergency_table(texts: &Texts, f: &Filler) -> Result<Table, PolicyError> {
    let l = &texts.labels;
    Ok(Table {
        header: vec![
            l.role.get(f.lang).to_owned(),
            l.holder.get(f.lang).to_owned(),
            l.duty.get(f.lang).to_owned(),
        ],
        rows: texts
            .roles
            .emergency
            .iter()
            .map(|r| {
                let holder = match r.holder.as_str() {
                    "finder" => Ok(l.finder.get(f.lang).to_owned()),
                    key => holder(texts, f, key),
                };
                Ok(vec![
                    r.name.get(f.lang).to_owned(),
                    holder?,
                    r.duty.get(f.lang).to_owned(),
                ])
            })
            .collect::<Result<_, PolicyError>>()?,
    })
}

/// Table 8 with the company's people.
fn management_table(texts: &Texts, f: &Filler) -> Result<Table, PolicyError> {
    let l = &texts.labels;
    Ok(Table {
        header: vec![
            l.role.get(f.lang).to_owned(),
            l.holder.get(f.lang).to_owned(),
            l.duty.get(f.lang).to_owned(),
        ],
        rows: texts
            .roles
            .management
            .iter()
            .map(|r| {
                Ok(vec![
                    r.name.get(f.lang).to_owned(),
                    holder(texts, f, &r.key)?,
                    r.duty.get(f.lang).to_owned(),
                ])
            })
            .collect::<Result<_, PolicyError>>()?,
    })
}

/// The holder of the role whose person parameter is `key`: the name, with the department and
/// contact when the company gave them.
fn holder(texts: &Texts, f: &Filler, key: &str) -> Result<String, PolicyError> {
    let name = f.vars.get(key).cloned().unwrap_or_default();
    let details: Vec<&str> = PersonDetail::ALL
        .into_iter()
        .filter_map(|d| f.vars.get(&d.key(key)))
        .map(String::as_str)
        .filter(|v| !v.is_empty())
        .collect();
    if name.is_empty() || details.is_empty() {
        return Ok(name);
    }
    let l = &texts.labels;
    Ok(f.env.render_str(
        l.person_with_details.get(f.lang),
        minijinja::context! { name => name, details => details.join(l.details_separator.get(f.lang)) },
    )?)
}

fn regulations(texts: &Texts, f: &Filler, edits: &Edits) -> Result<Vec<Draft>, PolicyError> {
    let l = &texts.labels;
    let mut out = Vec::new();
    for c in &texts.regulations.chapters {
        let mut section = Section::new(&c.id, f.numbered(&l.chapter, c.number)?, f.fill(&c.title)?);
        section.note = format!("{}: {}", l.applies_to.get(f.lang), f.fill(&c.applies_to)?);
        if c.number == 1 {
            section.table = Some(management_table(texts, f)?);
        }
        let stand_in = edits
            .get(&c.id)
            .filter(|e| e.left_out())
            .map(|e| {
                f.env.render_str(
                    l.left_out.get(f.lang),
                    minijinja::context! { reason => e.reason.trim() },
                )
            })
            .transpose()?;
        let mut chapter = Draft {
            section,
            removable: chapter_removable(c),
            default_in: true,
            stand_in,
            children: Vec::new(),
        };
        for (i, a) in c.articles.iter().enumerate() {
            let mut article = Section::new(article_id(&c.id, i), "", f.fill(&a.title)?);
            article.items = f.fill_all(&a.clauses)?;
            article.ordered = true;
            chapter.children.push(Draft::fixed(article));
        }
        out.push(chapter);
    }
    let provisions = &texts.regulations.supplementary;
    let mut supplementary = Section::new(SUPPLEMENTARY, "", f.fill(&provisions.title)?);
    supplementary.items = f.fill_all(&provisions.clauses)?;
    supplementary.ordered = true;
    out.push(Draft::fixed(supplementary));
    Ok(out)
}

/// Applies the owner's edits to a section and its children; `None` when it is left out.
fn apply(draft: Draft, edits: &Edits) -> Option<Section> {
    let Draft {
        mut section,
        removable,
        default_in,
        stand_in,
        children,
    } = draft;
    let edit = edits.get(&section.id);
    let included = match (removable, edit.and_then(|e| e.included)) {
        (false, _) => true,
        (true, choice) => choice.unwrap_or(default_in),
    };
    if !included {
        // The heading stays with the reason in place of the body.
        return stand_in.map(|line| Section {
            paragraphs: vec![line],
            ..Section::new(section.id, section.number, section.heading)
        });
    }
    if let Some(edit) = edit {
        for (i, clause) in section.items.iter_mut().enumerate() {
            if let Some(own) = edit.clause(i + 1) {
                own.clone_into(clause);
            }
        }
        let own = edit.paragraphs();
        if edit.replace && !own.is_empty() {
            section.paragraphs.clear();
            section.items.clear();
            section.entries.clear();
        }
        section.paragraphs.extend(own);
    }
    section.children = children
        .into_iter()
        .filter_map(|c| apply(c, edits))
        .collect();
    Some(section)
}

/// Numbers what is left after the owner's choices: policy sections 1, 2, … after the preamble;
/// regulation articles 第1条, 第2条, … across the chapters.
fn number(
    kind: DocumentKind,
    sections: &mut [Section],
    texts: &Texts,
    f: &Filler,
) -> Result<(), PolicyError> {
    match kind {
        DocumentKind::Policy => {
            for (n, s) in sections
                .iter_mut()
                .filter(|s| !s.heading.is_empty())
                .enumerate()
            {
                s.number = (n + 1).to_string();
            }
        }
        DocumentKind::Handbook => {}
        DocumentKind::Regulations => {
            let mut n = 0;
            for article in sections.iter_mut().flat_map(|c| c.children.iter_mut()) {
                n += 1;
                article.number = f.numbered(&texts.labels.article, n)?;
            }
        }
    }
    Ok(())
}
