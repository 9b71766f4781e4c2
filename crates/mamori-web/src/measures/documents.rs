//! The three documents as the portal and the API handle them: drafts generated from the stored
//! parameters, edits and latest self-assessment, issued versions read back, and the readiness
//! facts the policy feeds. Pages and API routes stay thin on top of this.

use mamori_model::Lang;
use mamori_policies::{
    Document, DocumentKind, PolicyError, RuleChange, Texts, outline, rule_changes,
};
use mamori_store::{Actor, DocumentVersion, OrgStore};

use super::MeasureError;
use crate::i18n::Messages;

pub(crate) use mamori_policies::{Built, Overrides};

/// The document texts this build ships.
pub(crate) fn texts() -> Result<&'static Texts, MeasureError> {
    Ok(mamori_policies::builtin_texts()?)
}

/// The sentence asking for the reasons still missing: the sections `ids` of `kind` were left
/// out without one.
pub(crate) fn unexplained_message(kind: DocumentKind, ids: &[String], lang: Lang) -> String {
    let headings: Vec<String> = match texts() {
        Ok(texts) => outline(texts, kind, lang)
            .into_iter()
            .filter(|s| ids.contains(&s.id))
            .map(|s| s.heading)
            .collect(),
        Err(_) => ids.to_vec(),
    };
    lang.tf(
        "documents.editor.reason_missing",
        &[(
            "sections",
            &headings.join(lang.t("form.list_separator").as_str()),
        )],
    )
}

/// What the owner has to settle before `kind` can be generated, in their language: missing
/// parameters (`params` true) or sections left out without a reason; `None` for failures that
/// are not the owner's to fix.
pub(crate) fn owner_problem(err: &PolicyError, lang: Lang) -> Option<(String, bool)> {
    match err {
        PolicyError::Params(p) => Some((
            texts().map_or_else(|_| p.to_string(), |t| p.describe(t, lang)),
            true,
        )),
        PolicyError::Unexplained { kind, ids } => {
            Some((unexplained_message(*kind, ids, lang), false))
        }
        _ => None,
    }
}

/// Generates the current draft of `kind` for the organisation.
pub(crate) async fn build(
    org: &OrgStore,
    kind: DocumentKind,
    fallback_lang: Lang,
    overrides: Overrides,
) -> Result<Built, MeasureError> {
    Ok(mamori_policies::build(org, kind, fallback_lang, overrides).await?)
}

/// Issues the approved draft of `kind` as the next version.
pub(crate) async fn issue(
    org: &OrgStore,
    actor: &Actor,
    kind: DocumentKind,
) -> Result<DocumentVersion, MeasureError> {
    let built = build(org, kind, Lang::Ja, Overrides::default()).await?;
    let content =
        serde_json::to_string(&built.document?).map_err(|e| MeasureError::Broken(e.to_string()))?;
    Ok(org
        .documents()
        .issue(actor, kind.as_str(), &content)
        .await?)
}

/// The handbook rules the latest self-assessment changes against the latest issued handbook,
/// with that version's number: what the owner is told after a new assessment. `draft` is the
/// handbook as generated now. `None` when no handbook was issued or no rule changed.
pub(crate) async fn handbook_changes(
    org: &OrgStore,
    draft: &Document,
) -> Result<Option<(i64, Vec<RuleChange>)>, MeasureError> {
    let Some(version) = latest_version(org, DocumentKind::Handbook).await? else {
        return Ok(None);
    };
    let changes = rule_changes(&issued(org, &version).await?, draft);
    Ok((!changes.is_empty()).then_some((version.version, changes)))
}

/// [`handbook_changes`] for the handbook as the stored draft generates it now; `None` also
/// when it cannot be generated (parameters missing).
pub(crate) async fn current_handbook_changes(
    org: &OrgStore,
    lang: Lang,
) -> Result<Option<(i64, Vec<RuleChange>)>, MeasureError> {
    match build(org, DocumentKind::Handbook, lang, Overrides::default())
        .await?
        .document
    {
        Ok(draft) => handbook_changes(org, &draft).await,
        Err(_) => Ok(None),
    }
}

/// An issued version read back, with its issue stamp.
pub(crate) async fn issued(
    org: &OrgStore,
    version: &DocumentVersion,
) -> Result<Document, MeasureError> {
    let content = org.documents().content(&version.id).await?;
    stamped(&content, version)
}

/// Parses stored document JSON and sets the issue stamp.
pub(crate) fn stamped(content: &str, version: &DocumentVersion) -> Result<Document, MeasureError> {
    let mut doc: Document = serde_json::from_str(content)
        .map_err(|e| MeasureError::Broken(format!("document version {}: {e}", version.id)))?;
    let date = chrono::DateTime::from_timestamp(version.issued_at, 0)
        .map(|t| mamori_policies::date_text(t.date_naive(), doc.lang))
        .unwrap_or_default();
    doc.stamp = texts()?.stamp(doc.lang, version.version, &date, &version.approved_by_name)?;
    Ok(doc)
}

/// The latest issued version of `kind`, if any.
pub(crate) async fn latest_version(
    org: &OrgStore,
    kind: DocumentKind,
) -> Result<Option<DocumentVersion>, MeasureError> {
    Ok(org
        .documents()
        .versions(kind.as_str())
        .await?
        .into_iter()
        .next())
}

/// The policy facts of SECURITY ACTION readiness: whether a policy was issued, and the
/// address of its live public page under `public_base`.
pub(crate) async fn policy_facts(
    org: &OrgStore,
    public_base: &str,
) -> Result<(bool, Option<String>), MeasureError> {
    let issued = latest_version(org, DocumentKind::Policy).await?.is_some();
    let url = org
        .documents()
        .policy_publication()
        .await?
        .filter(|p| issued && p.is_live())
        .map(|p| public_policy_url(public_base, &p.slug));
    Ok((issued, url))
}

/// The public address of a published policy.
pub(crate) fn public_policy_url(public_base: &str, slug: &str) -> String {
    format!("{}/public/{slug}/policy", public_base.trim_end_matches('/'))
}
