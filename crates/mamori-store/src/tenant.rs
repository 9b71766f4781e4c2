//! Tenancy by construction. Organisation-scoped data is reachable only through an
//! [`OrgStore`], and the only way to get one is [`Store::org_store`], which checks the caller's
//! [`Scope`] against the organisation first. The repositories hanging off it (answers,
//! documents, rule acknowledgements …) take no organisation id at all, so a method that reads
//! another tenant's rows cannot be written by accident.

use mamori_model::{Organisation, Scope};

use crate::{Source, Store, StoreError};

/// Declares a repository: a view of one organisation's rows of one domain, reached only
/// through [`OrgStore`], whose methods (in the domain's own module) take no organisation id.
macro_rules! repository {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        pub struct $name<'a> {
            pub(crate) org: &'a OrgStore,
        }
    };
}

repository!(
    /// The organisation's questionnaire answers: drafts and completed sets.
    Answers
);
repository!(
    /// The organisation's documents: parameters, drafts, issued versions, the public policy
    /// page, handbook readers.
    Documents
);
repository!(
    /// The organisation's acknowledgements of the five basic rules.
    RulesAcknowledgements
);
repository!(
    /// The organisation's daily roll-ups and its sources' hourly counters.
    Rollups
);
repository!(
    /// The organisation's record of its SECURITY ACTION declaration.
    Declarations
);
repository!(
    /// The organisation's events: search and how long they are kept.
    Events
);
repository!(
    /// The organisation's detections.
    Detections
);
repository!(
    /// Counts of the organisation's alerts.
    Alerts
);
repository!(
    /// The organisation's incidents.
    Incidents
);
repository!(
    /// The organisation's alert suppressions.
    Suppressions
);
repository!(
    /// The organisation's consultations with the provider's desk.
    Consultations
);
repository!(
    /// The organisation's report settings.
    Reports
);
repository!(
    /// The organisation's members (owners and staff).
    Members
);
repository!(
    /// The organisation's notification channels and what was sent through them.
    Channels
);
repository!(
    /// The organisation's information asset ledger.
    Assets
);
repository!(
    /// The organisation's risk analysis sheet.
    Risks
);
repository!(
    /// The organisation's device inventory.
    Devices
);

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

    /// The provider serving the organisation (one per installation), with its consultation
    /// desk; `None` before first-run setup.
    pub async fn provider(&self) -> Result<Option<crate::Provider>, StoreError> {
        self.store.provider().await
    }

    /// The organisation's id.
    pub fn id(&self) -> &str {
        &self.org.id
    }

    /// The site's time zone, whose calendar days the organisation's roll-ups follow.
    pub fn zone(&self) -> mamori_model::Zone {
        self.store.zone
    }

    /// The organisation's monitored sources (devices and tokens that send logs).
    pub async fn sources(&self) -> Result<Vec<Source>, StoreError> {
        self.store.sources_of(Some(&self.org.id)).await
    }

    /// The sources that were in service at some time from `since` (Unix seconds) on: those
    /// in service now and those retired since. A report on a past month lists a device
    /// retired after it.
    pub async fn sources_since(&self, since: i64) -> Result<Vec<Source>, StoreError> {
        self.store.sources_since(&self.org.id, since).await
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

    /// Events: search and retention.
    pub fn events(&self) -> Events<'_> {
        Events { org: self }
    }

    /// Detections.
    pub fn detections(&self) -> Detections<'_> {
        Detections { org: self }
    }

    /// Alert counts.
    pub fn alerts(&self) -> Alerts<'_> {
        Alerts { org: self }
    }

    /// Incidents.
    pub fn incidents(&self) -> Incidents<'_> {
        Incidents { org: self }
    }

    /// Alert suppressions.
    pub fn suppressions(&self) -> Suppressions<'_> {
        Suppressions { org: self }
    }

    /// Consultations with the provider's desk.
    pub fn consultations(&self) -> Consultations<'_> {
        Consultations { org: self }
    }

    /// Notification channels and their delivery log.
    pub fn channels(&self) -> Channels<'_> {
        Channels { org: self }
    }

    /// Report settings.
    pub fn reports(&self) -> Reports<'_> {
        Reports { org: self }
    }

    /// Members: the organisation's owners and staff.
    pub fn members(&self) -> Members<'_> {
        Members { org: self }
    }

    /// Its SECURITY ACTION declaration, as the company records it.
    pub fn declarations(&self) -> Declarations<'_> {
        Declarations { org: self }
    }

    /// The organisation's information asset ledger.
    pub fn assets(&self) -> Assets<'_> {
        Assets { org: self }
    }

    /// The organisation's risk analysis sheet.
    pub fn risks(&self) -> Risks<'_> {
        Risks { org: self }
    }

    /// The device inventory.
    pub fn devices(&self) -> Devices<'_> {
        Devices { org: self }
    }

    /// Acknowledgements of the five basic rules.
    pub fn rules(&self) -> RulesAcknowledgements<'_> {
        RulesAcknowledgements { org: self }
    }
}

impl Channels<'_> {
    /// The organisation's channels, oldest first.
    pub async fn list(&self) -> Result<Vec<crate::Channel>, StoreError> {
        self.org.store.channels_of(Some(self.org.id())).await
    }

    /// The latest `limit` notifications through the organisation's channels, newest first.
    pub async fn deliveries(&self, limit: i64) -> Result<Vec<crate::DeliveryRecord>, StoreError> {
        self.org.store.deliveries_of(self.org.id(), limit).await
    }
}
