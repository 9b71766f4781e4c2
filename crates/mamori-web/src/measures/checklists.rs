//! The two smaller checklists as stored answers: the cloud-services checklist, answered once
//! per cloud service, and the executives' three principles and seven actions.

use std::collections::BTreeMap;

use mamori_catalog::{
    Answers, CloudResult, ExecutiveAnswers, ExecutiveList, ExecutiveResult, score_cloud,
    score_executive, validate_cloud_draft, validate_executive_draft,
};
use mamori_store::{AnswerKind, AnswerSet, OrgStore};
use serde::Deserialize;
use utoipa::ToSchema;

use super::self_assessment::stored_answers;
use super::{MeasureError, Submission, edition};

/// The latest completed checklist for one cloud service.
pub(crate) struct CloudEntry {
    /// The stored answers (the service's name is `set.subject`).
    pub set: AnswerSet,
    /// Their score.
    pub result: CloudResult,
}

/// The latest completed executive checklist.
pub(crate) struct ExecutiveEntry {
    /// The stored answers.
    pub set: AnswerSet,
    /// What is done and what is not.
    pub result: ExecutiveResult,
}

/// Raw executive answers as forms and the API send them: one map of item number to answer word
/// per list.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub(crate) struct RawExecutive {
    /// Answers to the three principles (`"1"` … `"3"`).
    #[serde(default)]
    pub principles: BTreeMap<String, String>,
    /// Answers to the seven actions (`"1"` … `"7"`).
    #[serde(default)]
    pub actions: BTreeMap<String, String>,
}

/// Checks and stores the cloud checklist for `service`; scored when completing.
pub(crate) async fn submit_cloud(
    submission: &Submission<'_>,
    service: &str,
    raw: &BTreeMap<String, String>,
) -> Result<(AnswerSet, Option<CloudResult>), MeasureError> {
    let edition = submission.edition()?;
    let answers = validate_cloud_draft(&edition.cloud, raw)?;
    let result = submission
        .complete
        .then(|| score_cloud(&edition.cloud, &answers))
        .transpose()?;
    let set = submission
        .save(AnswerKind::Cloud, service, edition, &answers)
        .await?;
    Ok((set, result))
}

/// Checks and stores the executive checklist; scored when completing.
pub(crate) async fn submit_executive(
    submission: &Submission<'_>,
    raw: &RawExecutive,
) -> Result<(AnswerSet, Option<ExecutiveResult>), MeasureError> {
    let edition = submission.edition()?;
    let checklist = &edition.executive;
    let answers = ExecutiveAnswers {
        principles: validate_executive_draft(
            checklist,
            ExecutiveList::Principles,
            &raw.principles,
        )?,
        actions: validate_executive_draft(checklist, ExecutiveList::Actions, &raw.actions)?,
    };
    let result = submission
        .complete
        .then(|| score_executive(checklist, &answers))
        .transpose()?;
    let set = submission
        .save(AnswerKind::Executive, "", edition, &answers)
        .await?;
    Ok((set, result))
}

/// The latest completed cloud checklist of every service the organisation has checked.
pub(crate) async fn cloud_services(org: &OrgStore) -> Result<Vec<CloudEntry>, MeasureError> {
    org.answers()
        .latest(AnswerKind::Cloud)
        .await?
        .into_iter()
        .map(|set| {
            let answers: Answers = stored_answers(&set)?;
            let result = score_cloud(&edition(Some(&set.edition))?.cloud, &answers)?;
            Ok(CloudEntry { set, result })
        })
        .collect()
}

/// The organisation's latest completed executive checklist, if any.
pub(crate) async fn latest_executive(
    org: &OrgStore,
) -> Result<Option<ExecutiveEntry>, MeasureError> {
    let Some(set) = org
        .answers()
        .completed(AnswerKind::Executive, None)
        .await?
        .into_iter()
        .next()
    else {
        return Ok(None);
    };
    let answers: ExecutiveAnswers = stored_answers(&set)?;
    let result = score_executive(&edition(Some(&set.edition))?.executive, &answers)?;
    Ok(Some(ExecutiveEntry { set, result }))
}
