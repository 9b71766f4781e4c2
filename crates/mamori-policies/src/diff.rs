//! Differences between two versions of a document, line by line, for the owner who wants to
//! see what changed before issuing or after the fact.

use serde::Serialize;
use similar::{ChangeTag, TextDiff};

use crate::Document;

/// What happened to a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DiffTag {
    /// In both versions.
    Same,
    /// Only in the newer version.
    Added,
    /// Only in the older version.
    Removed,
}

/// One line of a difference.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DiffLine {
    /// What happened to it.
    pub tag: DiffTag,
    /// The line.
    pub text: String,
}

/// The document as plain lines: headings, paragraphs, items, rules, table rows and footer, in
/// reading order. The stamp is left out: it always differs between versions.
pub fn plain_lines(doc: &Document) -> Vec<String> {
    let mut out = vec![doc.title.clone(), doc.company.clone()];
    out.extend(doc.intro.iter().cloned());
    for (_, s) in doc.walk() {
        if !s.heading.is_empty() {
            out.push(format!("{} {}", s.number, s.heading).trim().to_owned());
        }
        if !s.note.is_empty() {
            out.push(s.note.clone());
        }
        out.extend(s.paragraphs.iter().cloned());
        out.extend(s.items.iter().map(|i| format!("・{i}")));
        for e in &s.entries {
            out.push(
                format!("{} {} {}", e.label, e.title, e.flag_label)
                    .trim()
                    .to_owned(),
            );
            out.extend(e.lines.iter().map(|l| format!("・{l}")));
            if !e.flag_note.is_empty() {
                out.push(format!("※{}", e.flag_note));
            }
        }
        if let Some(t) = &s.table {
            out.extend(t.rows.iter().map(|r| r.join(" | ")));
        }
    }
    out.extend(doc.footer.iter().cloned());
    out
}

/// The line differences from `old` to `new`.
pub fn diff(old: &Document, new: &Document) -> Vec<DiffLine> {
    let (a, b) = (plain_lines(old), plain_lines(new));
    let a: Vec<&str> = a.iter().map(String::as_str).collect();
    let b: Vec<&str> = b.iter().map(String::as_str).collect();
    TextDiff::from_slices(&a, &b)
        .iter_all_changes()
        .map(|c| DiffLine {
            tag: match c.tag() {
                ChangeTag::Equal => DiffTag::Same,
                ChangeTag::Insert => DiffTag::Added,
                ChangeTag::Delete => DiffTag::Removed,
            },
            text: c.value().to_owned(),
        })
        .collect()
}
