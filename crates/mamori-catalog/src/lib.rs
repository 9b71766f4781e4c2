//! The catalogs of the IPA information-security guideline for SMEs (中小企業の情報セキュリティ
//! 対策ガイドライン), and the pure functions that work on answers to them.
//!
//! # What is here
//! - The five basic rules, the 25-item self-assessment with advice for every item, the 15-item
//!   cloud checklist and the executives' 3 principles and 7 actions, as data files under
//!   `catalog/<edition>/`, embedded at build time ([`Catalogs::builtin`]).
//! - Scoring of a completed self-assessment ([`score`]), draft validation ([`validate_draft`]),
//!   the cloud checklist ([`score_cloud`]) and the executives' lists ([`score_executive`]),
//!   comparison with an earlier result ([`compare`]), peer statistics ([`PeerStats`]) and
//!   SECURITY ACTION readiness ([`readiness`]).
//! - Helpers for `mamori diagnose`: reading an answer file ([`load_answers`]), asking in the
//!   terminal ([`ask_interactively`]) and a text report ([`render_text`]). Serialising an
//!   [`AssessmentResult`] with serde gives the JSON form.
//!
//! Nothing here does I/O except [`load_answers`] (reads one file) and [`ask_interactively`]
//! (reads and writes the streams it is given).
//!
//! # Editions
//! Every stored answer set records the edition it answered, because catalogs change between
//! guideline editions. Each edition is a directory `catalog/<id>/` holding `five-rules.toml`,
//! `self-assessment.toml`, `cloud-checklist.toml`, `executive.toml` and `security-action.toml`,
//! each declaring `edition = "<id>"`. To add an edition, add its directory and one line
//! `edition_files!("<id>")` to the `BUILTIN` list in `registry.rs`; loading checks the structure
//! (numbering, parts, scores, steps) and the unit tests pin the exact numbers of each edition.
//!
//! Only `ipa-sme-3.1` ships. A 4.0 edition has been reported by third parties that turns the
//! five rules into six by adding backups; it is not yet confirmed by IPA, so it is not shipped.
//!
//! # Wording
//! Numbers, parts, scores and topics follow the guideline exactly. All sentences are mamori's
//! own, in plain です・ます Japanese and separately written English; the advice for items 6-25
//! (which the guideline's commentary does not cover) and the readiness steps are mamori's own
//! design and should be labelled as such in the UI.

mod answer;
mod answers_file;
mod assessment;
mod checklists;
mod cloud_scoring;
mod compare;
mod error;
mod executive_scoring;
mod five_rules;
mod interactive;
mod peers;
mod readiness;
mod registry;
mod render;
mod scoring;
mod text;
mod validate;
mod words;

pub use answer::{Answer, AnswerOption, AnswerScale, Answers};
pub use answers_file::{AnswersFileError, load_answers};
pub use assessment::{Advice, Item, Note, Part, SelfAssessment};
pub use checklists::{Choice, CloudChecklist, CloudItem, ExecutiveChecklist, ExecutiveItem};
pub use cloud_scoring::{CloudProblem, CloudResult, GroupScore, score_cloud, validate_cloud_draft};
pub use compare::{Comparison, ItemChange, PartDelta, ScoreDelta, Trend, compare};
pub use error::CatalogError;
pub use executive_scoring::{
    ExecutiveAnswers, ExecutiveError, ExecutiveList, ExecutiveOutcome, ExecutiveResult,
    score_executive, validate_executive_draft,
};
pub use five_rules::{FiveRules, Rule};
pub use interactive::{InteractiveError, ask_interactively};
pub use peers::{MIN_PEERS, PeerStats};
pub use readiness::{
    Readiness, ReadinessFacts, ReadinessStep, SecurityAction, StepId, StepStatus, StepText,
    readiness,
};
pub use registry::{Catalogs, DEFAULT_EDITION, Edition};
pub use render::render_text;
pub use scoring::{
    AssessmentResult, ItemScore, PartScore, Problem, RuleScore, score, validate_draft,
};
pub use text::{Lang, Text, UnknownLang};
