//! Persistence for mamori. One `Store` talks to the embedded SQLite database by default or to
//! PostgreSQL, through sqlx's `Any` driver so that every repository is written once for both.
//! Organisation data is reached either through an [`OrgStore`] (from [`Store::org_store`],
//! which checks the caller's [`mamori_model::Scope`] once; its repositories take no organisation
//! id) or, for the areas not yet moved behind it, through methods that take the scope. Either way
//! tenants never see each other's rows.

mod acknowledgements;
mod agents;
mod alerting;
mod alerts;
mod answer_sets;
mod assets;
mod audit;
mod channels;
mod consultations;
mod db;
mod declarations;
mod deliveries;
mod detections;
mod devices;
mod directory;
mod dispatches;
mod documents;
mod error;
mod events;
mod incidents;
mod leadership;
mod ledger;
mod login_limits;
mod orgs;
mod password_links;
mod position;
mod providers;
mod quarantine;
mod read_links;
mod report_jobs;
mod reports;
mod risks;
mod rollups;
pub mod secrets;
mod sessions;
mod sources;
mod sql;
mod suppressions;
mod tenant;
mod tokens;
mod users;

pub use acknowledgements::RulesAcknowledgement;
pub use agents::{Agent, Enrolled, Enrolment};
pub use alerting::{
    ActiveSuppression, AlertFacts, AlertRoute, AlertingTx, DetectionOutcome, LatestAlert, NewAlert,
    OpenAlert, Repeat, UnalertedDetection,
};
pub use alerts::{
    Alert, AlertChange, AlertEvent, AlertFilter, AlertOrder, AlertPage, OpenAlerts, Resolution,
};
pub use answer_sets::{AnswerKind, AnswerSet, NewAnswers};
pub use audit::{Actor, AuditAction, AuditEntry};
pub use channels::{Channel, NewChannel, RouteHealth};
pub use consultations::{
    Attachment, Consultation, ConsultationMessage, NewAttachment, NewConsultation, Reply,
};
pub use db::{Backend, Store, sqlite_url};
pub use declarations::Declaration;
pub use deliveries::{Attempt, Delivery, DeliveryKind, DeliveryRecord, now_ms};
pub use detections::{DetectionFilter, DetectionPage, NewDetection, StoredDetection};
pub use devices::{ExpiryNoticeKey, OrgDevice};
pub use dispatches::{Dispatch, DispatchFigures, DispatchRecord};
pub use documents::{
    DocumentDraft, DocumentVersion, HandbookAcknowledgement, HandbookReader, PolicyPublication,
    content_hash, valid_slug,
};
pub use error::{InvalidInput, StoreError};
pub use events::{
    COUNT_BOUND, DeliveredBatch, EventFilter, EventPage, IngestBatch, NewEvent, StoredEvent,
};
pub use incidents::{Check, INCIDENT_CATEGORIES, Incident, TimelineEntry};
pub use leadership::{Leadership, LockSession};
pub use login_limits::LoginLimits;
pub use orgs::NewOrganisation;
pub use password_links::{LinkPurpose, PasswordLink};
pub use position::{BadCursor, ListPosition};
pub use providers::{Desk, Provider};
pub use quarantine::{KEPT_PER_SENDER, QuarantineLine, QuarantineSender};
pub use read_links::ReadLink;
pub use report_jobs::ReportJob;
pub use reports::{NewReport, ReportSettings, StoredReport, report_hash, report_kind};
pub use rollups::{
    BlockedRow, DEFAULT_RETENTION_DAYS, RollupRow, SourceHealth, SourceHour, Talker,
};
pub use sessions::Session;
pub use sources::{NewSource, Source, SourceChange, SourceIdentity};
pub use suppressions::{NewSuppression, Suppression};
pub use tenant::{
    Alerts, Answers, Assets, Consultations, Declarations, Detections, Documents, Events, Incidents,
    Members, OrgStore, Reports, Risks, Rollups, RulesAcknowledgements, Suppressions,
};
pub use tokens::{ApiToken, TOKEN_USE_RESOLUTION_SECS};
pub use users::NewUser;

/// Seconds since the Unix epoch: how every time is stored.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or_default()
}

/// A new sortable identifier (UUID v7) for a stored row.
pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}
