//! Confirmations after a form. A handler that changed something redirects with
//! `?done=<what>` (and the anchor of the section the form was in); the page then says what was
//! done where the reader is looking: inside that section, or at the top of the page.

use axum::response::{IntoResponse, Redirect, Response};

/// What a form just did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Done {
    AlertUpdated,
    AlertEscalated,
    SuppressionAdded,
    SuppressionLifted,
    ChannelAdded,
    ChannelRemoved,
    ChecklistSaved,
    OrgCreated,
    OrgSaved,
    RetentionSaved,
    RulesAcknowledged,
    TokenRevoked,
    IncidentUpdated,
    StepTicked,
    DutyTicked,
    RecordSaved,
    DispatchSaved,
    PolicyWithdrawn,
    ReadersChanged,
    HandbookRead,
    DeclarationRecorded,
    ReportRetried,
    OverviewQueued,
    SourceChanged,
    AssetSaved,
    AssetRemoved,
    AssetsImported,
    RiskSaved,
    RiskRemoved,
    LikelihoodSaved,
    DeviceSaved,
    DeviceRemoved,
    AgentRetired,
    SourceRetired,
}

impl Done {
    /// Every confirmation, for the catalog test.
    pub const ALL: [Done; 34] = [
        Done::AlertUpdated,
        Done::AlertEscalated,
        Done::SuppressionAdded,
        Done::SuppressionLifted,
        Done::ChannelAdded,
        Done::ChannelRemoved,
        Done::ChecklistSaved,
        Done::OrgCreated,
        Done::OrgSaved,
        Done::RetentionSaved,
        Done::RulesAcknowledged,
        Done::TokenRevoked,
        Done::IncidentUpdated,
        Done::StepTicked,
        Done::DutyTicked,
        Done::RecordSaved,
        Done::DispatchSaved,
        Done::PolicyWithdrawn,
        Done::ReadersChanged,
        Done::HandbookRead,
        Done::DeclarationRecorded,
        Done::ReportRetried,
        Done::OverviewQueued,
        Done::SourceChanged,
        Done::AssetSaved,
        Done::AssetRemoved,
        Done::AssetsImported,
        Done::RiskSaved,
        Done::RiskRemoved,
        Done::LikelihoodSaved,
        Done::DeviceSaved,
        Done::DeviceRemoved,
        Done::AgentRetired,
        Done::SourceRetired,
    ];

    /// Its word in the address and its message key (`done.<key>`).
    pub fn key(self) -> &'static str {
        match self {
            Done::AlertUpdated => "alert_updated",
            Done::AlertEscalated => "alert_escalated",
            Done::SuppressionAdded => "suppression_added",
            Done::SuppressionLifted => "suppression_lifted",
            Done::ChannelAdded => "channel_added",
            Done::ChannelRemoved => "channel_removed",
            Done::ChecklistSaved => "checklist_saved",
            Done::OrgCreated => "org_created",
            Done::OrgSaved => "org_saved",
            Done::RetentionSaved => "retention_saved",
            Done::RulesAcknowledged => "rules_acknowledged",
            Done::TokenRevoked => "token_revoked",
            Done::IncidentUpdated => "incident_updated",
            Done::StepTicked => "step_ticked",
            Done::DutyTicked => "duty_ticked",
            Done::RecordSaved => "record_saved",
            Done::DispatchSaved => "dispatch_saved",
            Done::PolicyWithdrawn => "policy_withdrawn",
            Done::ReadersChanged => "readers_changed",
            Done::HandbookRead => "handbook_read",
            Done::DeclarationRecorded => "declaration_recorded",
            Done::ReportRetried => "report_retried",
            Done::OverviewQueued => "overview_queued",
            Done::SourceChanged => "source_changed",
            Done::AssetSaved => "asset_saved",
            Done::AssetRemoved => "asset_removed",
            Done::AssetsImported => "assets_imported",
            Done::RiskSaved => "risk_saved",
            Done::RiskRemoved => "risk_removed",
            Done::LikelihoodSaved => "likelihood_saved",
            Done::DeviceSaved => "device_saved",
            Done::DeviceRemoved => "device_removed",
            Done::AgentRetired => "agent_retired",
            Done::SourceRetired => "source_retired",
        }
    }

    /// The section the form sits in (the page scrolls there and says it there); `None`: the
    /// top of the page.
    pub fn section(self) -> Option<&'static str> {
        match self {
            Done::SuppressionLifted => Some("suppressions"),
            Done::StepTicked => Some("steps"),
            Done::DutyTicked => Some("duties"),
            Done::RecordSaved => Some("record"),
            Done::DispatchSaved => Some("dispatch"),
            _ => None,
        }
    }

    /// The confirmation named `key` in an address.
    pub fn parse(key: &str) -> Option<Done> {
        Done::ALL.into_iter().find(|d| d.key() == key)
    }

    /// A redirect to `path` that shows this confirmation.
    pub fn redirect(self, path: &str) -> Response {
        let anchor = self.section().map(|s| format!("#{s}")).unwrap_or_default();
        Redirect::to(&format!("{path}?done={}{anchor}", self.key())).into_response()
    }

    /// The confirmation a request's query string asks for, if it names one.
    pub fn from_query(query: Option<&str>) -> Option<Done> {
        form_urlencoded::parse(query?.as_bytes())
            .find(|(name, _)| name == "done")
            .and_then(|(_, value)| Done::parse(&value))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_confirmation_reads_back_from_its_address() {
        for done in Done::ALL {
            assert_eq!(Done::parse(done.key()), Some(done));
            let response = done.redirect("/orgs/o/incidents/i");
            let to = response.headers()["location"].to_str().unwrap().to_owned();
            let query = to
                .split_once('?')
                .map(|(_, q)| q.split('#').next().unwrap_or(q));
            assert_eq!(Done::from_query(query), Some(done), "{to}");
        }
        assert_eq!(Done::from_query(Some("done=nothing")), None);
        assert_eq!(Done::from_query(None), None);
        assert_eq!(
            Done::DutyTicked.redirect("/x").headers()["location"],
            "/x?done=duty_ticked#duties"
        );
    }

    #[test]
    fn every_confirmation_has_words_in_both_languages() {
        use crate::i18n::{Lang, Messages};
        for done in Done::ALL {
            let key = format!("done.{}", done.key());
            for lang in Lang::ALL {
                let text = lang.t(&key);
                assert!(
                    !text.is_empty() && !text.contains(&key),
                    "{key} in {lang:?}"
                );
            }
        }
    }
}
