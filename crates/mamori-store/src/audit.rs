//! The audit log: who did what, when and from where. Written in the same transaction as the
//! change it describes, so a change without its audit entry cannot exist.

use mamori_model::{Scope, User};
use serde::Serialize;
use sqlx::{Any, Executor};

use crate::{Store, StoreError, new_id, now};

/// Who is acting, for the audit log.
#[derive(Debug, Clone)]
pub struct Actor {
    /// The signed-in user, if any (none for the command line or a failed sign-in).
    pub user_id: Option<String>,
    /// How the actor is named in the log: an e-mail address, or `cli`.
    pub label: String,
    /// The network address the request came from, if it came over the network.
    pub address: Option<String>,
}

impl Actor {
    /// The administrator at the server's command line.
    pub fn cli() -> Self {
        Actor {
            user_id: None,
            label: "cli".to_owned(),
            address: None,
        }
    }

    /// mamori itself (the alerting stage, the delivery worker).
    pub fn system() -> Self {
        Actor {
            user_id: None,
            label: "mamori".to_owned(),
            address: None,
        }
    }

    /// An endpoint agent, named by its host name.
    pub fn agent(hostname: &str) -> Self {
        Actor {
            user_id: None,
            label: format!("agent:{hostname}"),
            address: None,
        }
    }

    /// A signed-in user acting from `address`.
    pub fn user(user: &User, address: Option<String>) -> Self {
        Actor {
            user_id: Some(user.id.clone()),
            label: user.email.clone(),
            address,
        }
    }

    /// Someone not (yet) signed in, named by what they typed.
    pub fn anonymous(label: &str, address: Option<String>) -> Self {
        Actor {
            user_id: None,
            label: label.to_owned(),
            address,
        }
    }
}

/// What an audit entry records. Stored as its stable code (`login.failed`), which pages
/// translate; one variant per kind of change, so no code is written twice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AuditAction {
    /// A questionnaire was completed (the target names which).
    AnswersCompleted,
    /// A questionnaire's answers so far were saved.
    AnswersDraftSaved,
    /// A notification channel was added.
    ChannelCreated,
    /// A notification channel was removed.
    ChannelDeleted,
    /// A document's draft was approved.
    DocumentsApproved,
    /// A document's draft was saved.
    DocumentsDraftSaved,
    /// Someone confirmed reading the handbook.
    DocumentsHandbookRead,
    /// A document was issued as a new version.
    DocumentsIssued,
    /// The documents' company parameters were saved.
    DocumentsParamsSaved,
    /// The basic policy was put on its public page.
    DocumentsPolicyPublished,
    /// The basic policy's public page was taken offline.
    DocumentsPolicyWithdrawn,
    /// A name was added to the handbook's reading list.
    DocumentsReaderAdded,
    /// A name was removed from the handbook's reading list.
    DocumentsReaderRemoved,
    /// A personal link to confirm reading the handbook was made for someone on the list.
    DocumentsReadLinkCreated,
    /// An alert was escalated into an incident.
    IncidentCreated,
    /// A sign-in failed.
    LoginFailed,
    /// Someone signed in.
    LoginSucceeded,
    /// Sign-ins were refused for a while after repeated failures.
    LoginThrottled,
    /// Someone signed out.
    Logout,
    /// A client organisation was added.
    OrgCreated,
    /// A client organisation's details were changed.
    OrgUpdated,
    /// Who receives the monthly report changed.
    ReportsSettingsChanged,
    /// How long logs are kept changed.
    RetentionChanged,
    /// The five basic rules were confirmed.
    RulesAcknowledged,
    /// The company recorded that it declared SECURITY ACTION.
    SecurityActionDeclared,
    /// The provider's consultation desk details were changed.
    DeskChanged,
    /// An entry of the contacts directory was corrected or added (the target names it).
    ContactSaved,
    /// The provider's edit of a directory entry was removed (the published entry returns).
    ContactEditRemoved,
    /// A company asked the consultation desk.
    ConsultationOpened,
    /// A reply was added to a consultation (by the desk or the company).
    ConsultationReplied,
    /// A consultation was given to someone at the desk.
    ConsultationAssigned,
    /// An on-site dispatch was recorded or updated.
    DispatchRecorded,
    /// First-run setup was done.
    SetupCompleted,
    /// An information asset was added to the ledger or changed.
    AssetSaved,
    /// An information asset was removed from the ledger.
    AssetRemoved,
    /// A ledger file was imported (the target is the number of assets).
    AssetsImported,
    /// A line of the risk analysis sheet was added or changed.
    RiskSaved,
    /// A line of the risk analysis sheet was removed.
    RiskRemoved,
    /// The provider's likelihood table for risk analysis was changed.
    LikelihoodChanged,
    /// A device was added to the inventory or changed.
    DeviceSaved,
    /// A device was removed from the inventory.
    DeviceRemoved,
    /// A monitored source was registered.
    SourceCreated,
    /// An enrolment token for endpoint agents was made.
    AgentEnrolmentTokenCreated,
    /// An endpoint agent enrolled.
    AgentEnrolled,
    /// An endpoint agent's machine was retired: its source stopped, its entry left the list.
    AgentRetired,
    /// A monitored source's name, format or allowed silence was changed.
    SourceChanged,
    /// A monitored source was taken out of service (its logs stay).
    SourceRetired,
    /// Alerts of a kind were suppressed.
    SuppressionCreated,
    /// A suppression was lifted.
    SuppressionRevoked,
    /// An API token was issued.
    TokenCreated,
    /// An API token was revoked.
    TokenRevoked,
    /// A user account was created.
    UserCreated,
    /// An invitation link was made.
    UserInvited,
    /// Someone chose a password through a link.
    UserPasswordChosen,
    /// A password-reset link was made.
    UserPasswordReset,
    /// Someone changed their password.
    UserPasswordSet,
}

impl AuditAction {
    /// Every action.
    pub const ALL: [AuditAction; 56] = [
        AuditAction::AnswersCompleted,
        AuditAction::AnswersDraftSaved,
        AuditAction::ChannelCreated,
        AuditAction::ChannelDeleted,
        AuditAction::DocumentsApproved,
        AuditAction::DocumentsDraftSaved,
        AuditAction::DocumentsHandbookRead,
        AuditAction::DocumentsIssued,
        AuditAction::DocumentsParamsSaved,
        AuditAction::DocumentsPolicyPublished,
        AuditAction::DocumentsPolicyWithdrawn,
        AuditAction::DocumentsReaderAdded,
        AuditAction::DocumentsReaderRemoved,
        AuditAction::DocumentsReadLinkCreated,
        AuditAction::IncidentCreated,
        AuditAction::LoginFailed,
        AuditAction::LoginSucceeded,
        AuditAction::LoginThrottled,
        AuditAction::Logout,
        AuditAction::OrgCreated,
        AuditAction::OrgUpdated,
        AuditAction::ReportsSettingsChanged,
        AuditAction::RetentionChanged,
        AuditAction::RulesAcknowledged,
        AuditAction::SecurityActionDeclared,
        AuditAction::DeskChanged,
        AuditAction::ContactSaved,
        AuditAction::ContactEditRemoved,
        AuditAction::ConsultationOpened,
        AuditAction::ConsultationReplied,
        AuditAction::ConsultationAssigned,
        AuditAction::DispatchRecorded,
        AuditAction::SetupCompleted,
        AuditAction::AssetSaved,
        AuditAction::AssetRemoved,
        AuditAction::AssetsImported,
        AuditAction::RiskSaved,
        AuditAction::RiskRemoved,
        AuditAction::LikelihoodChanged,
        AuditAction::DeviceSaved,
        AuditAction::DeviceRemoved,
        AuditAction::SourceCreated,
        AuditAction::AgentEnrolmentTokenCreated,
        AuditAction::AgentEnrolled,
        AuditAction::AgentRetired,
        AuditAction::SourceChanged,
        AuditAction::SourceRetired,
        AuditAction::SuppressionCreated,
        AuditAction::SuppressionRevoked,
        AuditAction::TokenCreated,
        AuditAction::TokenRevoked,
        AuditAction::UserCreated,
        AuditAction::UserInvited,
        AuditAction::UserPasswordChosen,
        AuditAction::UserPasswordReset,
        AuditAction::UserPasswordSet,
    ];

    /// The stable code stored in the log.
    pub fn as_str(self) -> &'static str {
        match self {
            AuditAction::AnswersCompleted => "answers.completed",
            AuditAction::AnswersDraftSaved => "answers.draft_saved",
            AuditAction::ChannelCreated => "channel.created",
            AuditAction::ChannelDeleted => "channel.deleted",
            AuditAction::DocumentsApproved => "documents.approved",
            AuditAction::DocumentsDraftSaved => "documents.draft_saved",
            AuditAction::DocumentsHandbookRead => "documents.handbook_read",
            AuditAction::DocumentsIssued => "documents.issued",
            AuditAction::DocumentsParamsSaved => "documents.params_saved",
            AuditAction::DocumentsPolicyPublished => "documents.policy_published",
            AuditAction::DocumentsPolicyWithdrawn => "documents.policy_withdrawn",
            AuditAction::DocumentsReaderAdded => "documents.reader_added",
            AuditAction::DocumentsReaderRemoved => "documents.reader_removed",
            AuditAction::DocumentsReadLinkCreated => "documents.read_link_created",
            AuditAction::IncidentCreated => "incident.created",
            AuditAction::LoginFailed => "login.failed",
            AuditAction::LoginSucceeded => "login.succeeded",
            AuditAction::LoginThrottled => "login.throttled",
            AuditAction::Logout => "logout",
            AuditAction::OrgCreated => "org.created",
            AuditAction::OrgUpdated => "org.updated",
            AuditAction::ReportsSettingsChanged => "reports.settings_changed",
            AuditAction::RetentionChanged => "retention.changed",
            AuditAction::RulesAcknowledged => "rules.acknowledged",
            AuditAction::SecurityActionDeclared => "security_action.declared",
            AuditAction::DeskChanged => "desk.changed",
            AuditAction::ContactSaved => "contact.saved",
            AuditAction::ContactEditRemoved => "contact.edit_removed",
            AuditAction::ConsultationOpened => "consultation.opened",
            AuditAction::ConsultationReplied => "consultation.replied",
            AuditAction::ConsultationAssigned => "consultation.assigned",
            AuditAction::DispatchRecorded => "dispatch.recorded",
            AuditAction::SetupCompleted => "setup.completed",
            AuditAction::AssetSaved => "asset.saved",
            AuditAction::AssetRemoved => "asset.removed",
            AuditAction::AssetsImported => "asset.imported",
            AuditAction::RiskSaved => "risk.saved",
            AuditAction::RiskRemoved => "risk.removed",
            AuditAction::LikelihoodChanged => "risk.likelihood_changed",
            AuditAction::DeviceSaved => "device.saved",
            AuditAction::DeviceRemoved => "device.removed",
            AuditAction::SourceCreated => "source.created",
            AuditAction::AgentEnrolmentTokenCreated => "agent.enrolment_token_created",
            AuditAction::AgentEnrolled => "agent.enrolled",
            AuditAction::AgentRetired => "agent.retired",
            AuditAction::SourceChanged => "source.changed",
            AuditAction::SourceRetired => "source.retired",
            AuditAction::SuppressionCreated => "suppression.created",
            AuditAction::SuppressionRevoked => "suppression.revoked",
            AuditAction::TokenCreated => "token.created",
            AuditAction::TokenRevoked => "token.revoked",
            AuditAction::UserCreated => "user.created",
            AuditAction::UserInvited => "user.invited",
            AuditAction::UserPasswordChosen => "user.password_chosen",
            AuditAction::UserPasswordReset => "user.password_reset",
            AuditAction::UserPasswordSet => "user.password_set",
        }
    }
}

/// One line of the audit log as shown to administrators.
#[derive(Debug, Clone, Serialize)]
pub struct AuditEntry {
    /// Row identifier (time-ordered).
    pub id: String,
    /// When it happened, seconds since the Unix epoch.
    pub at: i64,
    /// Who did it.
    pub actor: String,
    /// What was done, as a stable code such as `login.failed` or `org.created`.
    pub action: String,
    /// The organisation concerned, if any.
    pub org_id: Option<String>,
    /// What was acted on (a user's e-mail, an organisation's name …).
    pub target: Option<String>,
    /// Where the request came from.
    pub address: Option<String>,
}

/// Appends one audit entry using `executor` (a pool or an open transaction).
pub(crate) async fn record<'c, E>(
    executor: E,
    actor: &Actor,
    action: AuditAction,
    org_id: Option<&str>,
    target: Option<&str>,
) -> Result<(), StoreError>
where
    E: Executor<'c, Database = Any>,
{
    sqlx::query(
        "INSERT INTO audit_log (id, at, actor_id, actor_email, action, org_id, target, address)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(new_id())
    .bind(now())
    .bind(actor.user_id.as_deref())
    .bind(actor.label.as_str())
    .bind(action.as_str())
    .bind(org_id)
    .bind(target)
    .bind(actor.address.as_deref())
    .execute(executor)
    .await?;
    Ok(())
}

type AuditRow = (
    String,
    i64,
    String,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
);

impl Store {
    /// Records an event that changes nothing else (a sign-in, a failed sign-in, a sign-out).
    pub async fn audit(
        &self,
        actor: &Actor,
        action: AuditAction,
        org_id: Option<&str>,
        target: Option<&str>,
    ) -> Result<(), StoreError> {
        record(&self.pool, actor, action, org_id, target).await
    }

    /// The newest audit entries visible in `scope`, newest first.
    pub async fn audit_log(
        &self,
        scope: &Scope,
        limit: i64,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        let rows: Vec<AuditRow> = sqlx::query_as(
            "SELECT id, at, actor_email, action, org_id, target, address FROM audit_log
             WHERE ($1 IS NULL OR org_id = $1)
             ORDER BY id DESC LIMIT $2",
        )
        .bind(scope.only_org())
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(
                |(id, at, actor, action, org_id, target, address)| AuditEntry {
                    id,
                    at,
                    actor,
                    action,
                    org_id,
                    target,
                    address,
                },
            )
            .collect())
    }
}
