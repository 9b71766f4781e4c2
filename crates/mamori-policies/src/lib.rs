//! The documents an SME writes once and keeps up to date: the basic security policy
//! (情報セキュリティ基本方針), the security handbook for employees (情報セキュリティハンドブック)
//! and the security regulations (情報セキュリティ関連規程).
//!
//! Every sentence lives in the TOML files of `text/<edition>/`; this crate fills them with the
//! company's parameters and, for the handbook, with the latest self-assessment answers, applies
//! the owner's edits and writes the result as HTML, PDF or DOCX. Generation itself does no I/O;
//! reading the stored draft is [`build`]; publishing belongs to the web layer.

mod changes;
mod diff;
mod document;
mod docx;
mod edits;
mod error;
mod generate;
mod html;
mod kind;
mod params;
mod pdf;
mod stored;
mod texts;

pub use changes::{RuleChange, rule_changes};
pub use diff::{DiffLine, DiffTag, diff, plain_lines};
pub use document::{Document, Entry, EntryFlag, Section, Table};
pub use docx::docx;
pub use edits::{Edits, SectionEdit};
pub use error::PolicyError;
pub use generate::{
    GenerateInput, OutlineSection, generate, outline, unexplained, unknown_clauses,
};
pub use html::{html_body, html_page};
pub use kind::{DocumentKind, Format};
pub use params::{Invalid, ParamProblems, Params, check_values, date_text, resolve_params};
pub use pdf::pdf;
pub use stored::{Built, Overrides, build, builtin_texts, latest_answers};
pub use texts::{ChoiceDef, Input, ParamDef, ParamGroup, PersonDetail, Texts};
