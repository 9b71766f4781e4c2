//! A document's current draft as the store holds it: the organisation's name, its parameters,
//! the owner's edits and (for the handbook) the latest completed self-assessment, put through
//! [`generate`]. The portal, the API and `mamori docs generate` all start here.

use std::sync::LazyLock;

use mamori_catalog::{Answers, Lang};
use mamori_store::{AnswerKind, DocumentDraft, OrgStore};

use crate::{Document, DocumentKind, Edits, GenerateInput, Params, PolicyError, Texts, generate};

static BUILTIN: LazyLock<Result<Texts, String>> =
    LazyLock::new(|| Texts::load(mamori_catalog::DEFAULT_EDITION).map_err(|e| e.to_string()));

/// The document texts of the default edition, parsed once. They are embedded data checked by
/// this crate's tests, so an error here is a broken build.
pub fn builtin_texts() -> Result<&'static Texts, PolicyError> {
    BUILTIN.as_ref().map_err(|reason| PolicyError::Corrupt {
        what: "document texts",
        reason: reason.clone(),
    })
}

/// Changes the caller has not saved: a live preview's edits, `--set` on the command line.
#[derive(Debug, Default, Clone)]
pub struct Overrides {
    /// Parameters laid over the stored ones.
    pub params: Option<Params>,
    /// Edits used instead of the stored ones.
    pub edits: Option<Edits>,
    /// Language used instead of the draft's.
    pub lang: Option<Lang>,
}

/// A draft as generated now, with what it was made from.
#[derive(Debug)]
pub struct Built {
    /// The generated document, or why it could not be generated (missing parameters).
    pub document: Result<Document, PolicyError>,
    /// The stored draft (edits, approval), if one was saved.
    pub draft: Option<DocumentDraft>,
    /// The edits applied.
    pub edits: Edits,
    /// The parameters used.
    pub params: Params,
    /// The document's language.
    pub lang: Lang,
    /// Whether a completed self-assessment fed the handbook.
    pub has_assessment: bool,
}

/// The answers of the organisation's latest completed self-assessment, if any.
pub async fn latest_answers(org: &OrgStore) -> Result<Option<Answers>, PolicyError> {
    let sets = org
        .answers()
        .completed(AnswerKind::SelfAssessment, None)
        .await?;
    sets.first()
        .map(|set| {
            serde_json::from_value(set.answers.clone()).map_err(|e| PolicyError::Corrupt {
                what: "self-assessment answers",
                reason: e.to_string(),
            })
        })
        .transpose()
}

/// Generates the current draft of `kind` for the organisation. Store failures are errors;
/// a document that cannot be generated is reported in [`Built::document`].
pub async fn build(
    org: &OrgStore,
    kind: DocumentKind,
    fallback_lang: Lang,
    overrides: Overrides,
) -> Result<Built, PolicyError> {
    let texts = builtin_texts()?;
    let stored = Params(org.documents().params().await?);
    let params = match &overrides.params {
        Some(p) => stored.merged(p),
        None => stored,
    };
    let draft = org.documents().draft(kind.as_str()).await?;
    let edits = match (overrides.edits, &draft) {
        (Some(e), _) => e,
        (None, Some(d)) => serde_json::from_str(&d.edits).map_err(|e| PolicyError::Corrupt {
            what: "document edits",
            reason: e.to_string(),
        })?,
        (None, None) => Edits::default(),
    };
    let lang = overrides
        .lang
        .or_else(|| draft.as_ref().and_then(|d| d.lang.parse().ok()))
        .unwrap_or(fallback_lang);
    let (answers, provider) = match kind {
        DocumentKind::Handbook => (latest_answers(org).await?, org.provider().await?),
        DocumentKind::Policy | DocumentKind::Regulations => (None, None),
    };
    let document = generate(GenerateInput {
        texts,
        kind,
        lang,
        company: &org.org().name,
        params: &params,
        answers: answers.as_ref(),
        edits: &edits,
        desk: provider.as_ref().and_then(|p| p.desk.as_ref()),
    });
    Ok(Built {
        document,
        draft,
        edits,
        params,
        lang,
        has_assessment: answers.is_some(),
    })
}
