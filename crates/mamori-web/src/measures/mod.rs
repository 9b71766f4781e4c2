//! Everyday measures shared by pages and API: the guideline's questionnaires stored, scored,
//! compared with the organisation's own history and with similar companies, and SECURITY
//! ACTION readiness. Handlers stay thin; the rules live here and in `mamori-catalog`.

mod benchmark;
mod checklists;
pub(crate) mod documents;
mod errors;
mod overview;
mod self_assessment;

use std::sync::LazyLock;

use mamori_catalog::{CatalogError, Catalogs, DEFAULT_EDITION, Edition};
use mamori_store::{Actor, AnswerKind, AnswerSet, NewAnswers, OrgStore};

pub(crate) use benchmark::{Benchmark, benchmark};
pub(crate) use checklists::{
    RawExecutive, cloud_services, latest_executive, submit_cloud, submit_executive,
};
pub(crate) use errors::MeasureError;
pub(crate) use overview::{Overview, overview};
pub(crate) use self_assessment::{
    Scored, acknowledge_rules, history, org_readiness, submit_assessment,
};

/// The catalogs built into this binary, parsed once. They are embedded data checked by the
/// catalog crate's tests, so failing to load them is a bug reported as an internal error.
static CATALOGS: LazyLock<Result<Catalogs, CatalogError>> = LazyLock::new(Catalogs::builtin);

/// The catalog edition `id`, or the default edition when `id` is `None`.
pub(crate) fn edition(id: Option<&str>) -> Result<&'static Edition, MeasureError> {
    let catalogs = CATALOGS
        .as_ref()
        .map_err(|e| MeasureError::Broken(e.to_string()))?;
    Ok(catalogs.get(id.unwrap_or(DEFAULT_EDITION))?)
}

/// Who submits answers for which organisation and edition, and whether they are final. A
/// final submission is stored as completed only after the catalog scored it.
pub(crate) struct Submission<'a> {
    /// The organisation answering, as the caller may see it.
    pub org: &'a OrgStore,
    /// Who is answering, for the audit log.
    pub actor: &'a Actor,
    /// Catalog edition; the default edition when `None`.
    pub edition: Option<&'a str>,
    /// Store as completed (after scoring) rather than as the draft.
    pub complete: bool,
}

impl<'a> Submission<'a> {
    /// A submission of `org`'s answers by `actor`.
    pub(crate) fn new(
        org: &'a OrgStore,
        actor: &'a Actor,
        edition: Option<&'a str>,
        complete: bool,
    ) -> Self {
        Submission {
            org,
            actor,
            edition,
            complete,
        }
    }

    /// The edition answered.
    fn edition(&self) -> Result<&'static Edition, MeasureError> {
        edition(self.edition)
    }

    /// Stores already validated (and, when completing, scored) `answers`.
    async fn save<T: serde::Serialize>(
        &self,
        kind: AnswerKind,
        subject: &str,
        edition: &Edition,
        answers: &T,
    ) -> Result<AnswerSet, MeasureError> {
        let json =
            serde_json::to_value(answers).map_err(|e| MeasureError::Broken(e.to_string()))?;
        let new = NewAnswers {
            kind,
            subject,
            edition: &edition.id,
            answers: &json,
        };
        let answers = self.org.answers();
        Ok(if self.complete {
            answers.complete(self.actor, new).await?
        } else {
            answers.save_draft(self.actor, new).await?
        })
    }
}
