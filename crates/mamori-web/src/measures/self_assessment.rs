//! The self-assessment as stored answers: submitting (draft or complete), the scored history,
//! the five-rules acknowledgement and SECURITY ACTION readiness.

use std::collections::BTreeMap;

use mamori_catalog::{
    Answers, AssessmentResult, Readiness, ReadinessFacts, readiness, score, validate_draft,
};
use mamori_store::{Actor, AnswerKind, AnswerSet, OrgStore, RulesAcknowledgement};

use super::{MeasureError, Submission, edition};

/// A completed self-assessment with its score.
pub(crate) struct Scored {
    /// The stored answers.
    pub set: AnswerSet,
    /// Their score under the edition they answered.
    pub result: AssessmentResult,
}

/// Reads stored answers back into the catalog's type.
pub(super) fn stored_answers<T: serde::de::DeserializeOwned>(
    set: &AnswerSet,
) -> Result<T, MeasureError> {
    serde_json::from_value(set.answers.clone())
        .map_err(|e| MeasureError::Broken(format!("answer set {}: {e}", set.id)))
}

/// Scores a stored, completed self-assessment.
pub(super) fn score_set(set: AnswerSet) -> Result<Scored, MeasureError> {
    let answers: Answers = stored_answers(&set)?;
    let result = score(edition(Some(&set.edition))?, &answers)?;
    Ok(Scored { set, result })
}

/// Checks `raw` answers and stores them: as the draft, or as a completed assessment once
/// scoring proves every item is answered. Returns the stored set and, when completed, its score.
pub(crate) async fn submit_assessment(
    submission: &Submission<'_>,
    raw: &BTreeMap<String, String>,
) -> Result<(AnswerSet, Option<AssessmentResult>), MeasureError> {
    let edition = submission.edition()?;
    let answers = validate_draft(&edition.self_assessment, raw)?;
    let result = submission
        .complete
        .then(|| score(edition, &answers))
        .transpose()?;
    let set = submission
        .save(AnswerKind::SelfAssessment, "", edition, &answers)
        .await?;
    Ok((set, result))
}

/// Every completed self-assessment of the organisation with its score, newest first.
pub(crate) async fn history(org: &OrgStore) -> Result<Vec<Scored>, MeasureError> {
    org.answers()
        .completed(AnswerKind::SelfAssessment, None)
        .await?
        .into_iter()
        .map(score_set)
        .collect()
}

/// Records that the organisation acknowledges the five basic rules of the default edition.
pub(crate) async fn acknowledge_rules(
    org: &OrgStore,
    actor: &Actor,
) -> Result<RulesAcknowledgement, MeasureError> {
    Ok(org.rules().acknowledge(actor, &edition(None)?.id).await?)
}

/// SECURITY ACTION readiness from what mamori knows: the five rules acknowledged, a completed
/// self-assessment, an issued basic policy and its live public page under `public_base`.
pub(crate) async fn org_readiness(
    org: &OrgStore,
    public_base: &str,
) -> Result<(Readiness, Option<RulesAcknowledgement>), MeasureError> {
    let edition = edition(None)?;
    let acknowledged = org.rules().acknowledgement(&edition.id).await?;
    let completed = !org
        .answers()
        .completed(AnswerKind::SelfAssessment, None)
        .await?
        .is_empty();
    let (policy_issued, policy_published_url) =
        super::documents::policy_facts(org, public_base).await?;
    let facts = ReadinessFacts {
        rules_acknowledged: acknowledged.is_some(),
        assessment_completed: completed,
        policy_issued,
        policy_published_url,
    };
    Ok((readiness(&edition.security_action, &facts), acknowledged))
}
