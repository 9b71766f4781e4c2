//! A generated document: plain text in a tree of sections, ready for any renderer and stored
//! as JSON with each issued version, so an old version renders the same years later.

use mamori_catalog::Lang;
use serde::{Deserialize, Serialize};

use crate::DocumentKind;

/// A whole document in one language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Document {
    /// Which document.
    pub kind: DocumentKind,
    /// Its language.
    pub lang: Lang,
    /// The guideline edition its texts come from.
    pub edition: String,
    /// The title (情報セキュリティ基本方針).
    pub title: String,
    /// The organisation's name.
    pub company: String,
    /// Issue stamp or draft mark, filled in by whoever issues it.
    pub stamp: String,
    /// Opening paragraphs (the handbook's).
    pub intro: Vec<String>,
    /// The body.
    pub sections: Vec<Section>,
    /// Closing lines (the policy's date, company and representative).
    pub footer: Vec<String>,
}

/// A section, chapter or article.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Section {
    /// Stable id, the key of the owner's edits.
    pub id: String,
    /// Display number (`1`, `1-1`, `第3章`, `第12条`); may be empty.
    pub number: String,
    /// Heading; empty for the policy's preamble.
    pub heading: String,
    /// A small line under the heading (a chapter's scope).
    pub note: String,
    /// Paragraphs.
    pub paragraphs: Vec<String>,
    /// Bullet points, or numbered clauses when `ordered`.
    pub items: Vec<String>,
    /// Whether `items` are numbered clauses.
    pub ordered: bool,
    /// Labelled rules (the handbook's per-item rules).
    pub entries: Vec<Entry>,
    /// A table (role tables).
    pub table: Option<Table>,
    /// Sub-sections.
    pub children: Vec<Section>,
}

impl Section {
    /// An empty section with an id, number and heading.
    pub fn new(
        id: impl Into<String>,
        number: impl Into<String>,
        heading: impl Into<String>,
    ) -> Self {
        Section {
            id: id.into(),
            number: number.into(),
            heading: heading.into(),
            note: String::new(),
            paragraphs: Vec::new(),
            items: Vec::new(),
            ordered: false,
            entries: Vec::new(),
            table: None,
            children: Vec::new(),
        }
    }
}

/// Why a handbook rule carries a flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EntryFlag {
    /// The self-assessment said partly or not done.
    Todo,
    /// The self-assessment said "don't know".
    Unknown,
}

/// A labelled rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// The self-assessment item the rule answers (1-25); 0 in versions issued before entries
    /// carried it.
    #[serde(default)]
    pub item: u8,
    /// The label (自社診断 No.3).
    pub label: String,
    /// The rule's title.
    pub title: String,
    /// What to do.
    pub lines: Vec<String>,
    /// Set when the company has not fully put the rule in place.
    pub flag: Option<EntryFlag>,
    /// The flag's wording (整備中).
    pub flag_label: String,
    /// The sentence explaining the flag.
    pub flag_note: String,
}

/// A simple table with a header row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Table {
    /// Column headers.
    pub header: Vec<String>,
    /// Rows of cells.
    pub rows: Vec<Vec<String>>,
}

impl Document {
    /// Every section, depth first, with its depth (0 for top level).
    pub fn walk(&self) -> Vec<(usize, &Section)> {
        fn go<'a>(s: &'a Section, depth: usize, out: &mut Vec<(usize, &'a Section)>) {
            out.push((depth, s));
            for c in &s.children {
                go(c, depth + 1, out);
            }
        }
        let mut out = Vec::new();
        for s in &self.sections {
            go(s, 0, &mut out);
        }
        out
    }
}
