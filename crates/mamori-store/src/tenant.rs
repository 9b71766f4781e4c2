//! Tenancy by construction. Organisation-scoped data is reachable only through an
//! [`OrgStore`], and the only way to get one is [`Store::org_store`], which checks the caller's
//! [`Scope`] against the organisation first. The repositories hanging off it (answers,
//! documents, rule acknowledgements …) take no organisation id at all, so a method that reads
//! another tenant's rows cannot be written by accident.

use mamori_model::{Organisation, Scope};

use crate::acknowledgements::RulesAcknowledgements;
use crate::answer_sets::Answers;
use crate::documents::Documents;
use crate::rollups::Rollups;
use crate::{Source, Store, StoreError};

/// One organisation's data, for a caller whose scope was checked against it.
#[derive(Clone, Debug)]
pub struct OrgStore {
    pub(crate) store: Store,
    org: Organisation,
}

impl Store {
    /// The organisation `org_id` as `scope` may see it. `NotFound` both when it does not
    /// exist and when it belongs to someone else, so the two cannot be told apart.
    pub async fn org_store(&self, scope: &Scope, org_id: &str) -> Result<OrgStore, StoreError> {
        match self.org(scope, org_id).await? {
            Some(org) => Ok(OrgStore {
                store: self.clone(),
                org,
            }),
            None => Err(StoreError::NotFound),
        }
    }
}

impl OrgStore {
    /// The organisation, as read when the handle was made.
    pub fn org(&self) -> &Organisation {
        &self.org
    }

    /// The organisation's id.
    pub fn id(&self) -> &str {
        &self.org.id
    }

    /// The organisation's monitored sources (devices and tokens that send logs).
    pub async fn sources(&self) -> Result<Vec<Source>, StoreError> {
        self.store
            .sources(
                &Scope::Organisation(self.org.id.clone()),
                Some(&self.org.id),
            )
            .await
    }

    /// Questionnaire answers: drafts and completed sets.
    pub fn answers(&self) -> Answers<'_> {
        Answers { org: self }
    }

    /// Company parameters, drafts, issued versions, the public policy page, handbook readers.
    pub fn documents(&self) -> Documents<'_> {
        Documents { org: self }
    }

    /// Daily roll-ups of the organisation's events and the sources' hourly counters.
    pub fn rollups(&self) -> Rollups<'_> {
        Rollups { org: self }
    }

    /// Acknowledgements of the five basic rules.
    pub fn rules(&self) -> RulesAcknowledgements<'_> {
        RulesAcknowledgements { org: self }
    }
}
