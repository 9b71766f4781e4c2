//! Who may do what: one table of roles × deeds that pages, the API and the command line all
//! ask, so a rule cannot differ between the browser and a script.
//!
//! Seeing an organisation at all is the tenancy [`crate::Scope`]'s question; this table
//! answers the next one, whether the role may make a given change there.

use crate::{Role, User};

/// Something a person may or may not do. Each deed has one row in [`Deed::roles`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Deed {
    /// Use the provider console: every client organisation's alerts, senders and reports.
    WatchAllOrganisations,
    /// Create client organisations and invite the provider's own staff.
    AdministerProvider,
    /// Change an organisation's details and invite its members.
    ManageOrganisation,
    /// Set how long an organisation's logs are kept.
    SetRetention,
    /// Make a new password link for someone who lost theirs.
    ResetPasswords,
    /// Assign an unknown log sender to an organisation, or dismiss it.
    AssignSenders,
    /// Register a monitored source (UTM, router, server) for an organisation.
    RegisterSources,
    /// Answer the self-assessment and the checklists, and confirm the basic rules.
    AnswerQuestionnaires,
    /// Write, approve, issue and publish the policy, handbook and regulations.
    EditDocuments,
    /// Make a monthly report now.
    MakeReports,
    /// Choose who receives the monthly reports.
    SetReportRecipients,
    /// Acknowledge, resolve, assign, escalate and suppress alerts.
    TriageAlerts,
    /// Add and remove notification channels.
    ManageChannels,
    /// Send a test notice through an organisation's channels.
    TestRoute,
    /// Confirm having read the current employee handbook (the members themselves).
    ConfirmHandbook,
    /// Record that the company declared SECURITY ACTION on IPA's site.
    RecordDeclaration,
    /// Ask the provider's consultation desk, and reply to it (the company's own people).
    AskTheDesk,
    /// Answer consultations, assign them and settle them (the provider's staff).
    AnswerConsultations,
    /// Open an incident: the company reporting what it noticed ("something happened"), or the
    /// provider's staff from scratch.
    ReportIncident,
    /// Tick the company's items of an incident's checklist.
    WorkIncident,
    /// Keep the information asset ledger: add, change, remove and import assets.
    KeepAssets,
}

impl Deed {
    /// Every deed, in the order of the table.
    pub const ALL: [Deed; 21] = [
        Deed::WatchAllOrganisations,
        Deed::AdministerProvider,
        Deed::ManageOrganisation,
        Deed::SetRetention,
        Deed::ResetPasswords,
        Deed::AssignSenders,
        Deed::RegisterSources,
        Deed::AnswerQuestionnaires,
        Deed::EditDocuments,
        Deed::MakeReports,
        Deed::SetReportRecipients,
        Deed::TriageAlerts,
        Deed::ManageChannels,
        Deed::TestRoute,
        Deed::ConfirmHandbook,
        Deed::RecordDeclaration,
        Deed::AskTheDesk,
        Deed::AnswerConsultations,
        Deed::ReportIncident,
        Deed::WorkIncident,
        Deed::KeepAssets,
    ];

    /// The table: which roles may do this. An organisation role (owner, staff) may do it
    /// only in its own organisation; provider roles in every organisation.
    pub fn roles(self) -> &'static [Role] {
        use Role::{Admin, Analyst, Owner, Staff};
        match self {
            Deed::WatchAllOrganisations => &[Admin, Analyst],
            Deed::AdministerProvider => &[Admin],
            Deed::ManageOrganisation => &[Admin, Owner],
            Deed::SetRetention => &[Admin],
            Deed::ResetPasswords => &[Admin],
            Deed::AssignSenders => &[Admin],
            Deed::RegisterSources => &[Admin],
            // Analysts read the answers; the company answers for itself, with the
            // administrator's help when asked.
            Deed::AnswerQuestionnaires => &[Admin, Owner],
            Deed::EditDocuments => &[Admin, Analyst, Owner],
            Deed::MakeReports => &[Admin, Analyst, Owner],
            Deed::SetReportRecipients => &[Admin, Owner],
            Deed::TriageAlerts => &[Admin, Analyst],
            Deed::ManageChannels => &[Admin, Owner],
            Deed::TestRoute => &[Admin, Analyst, Owner],
            Deed::ConfirmHandbook => &[Owner, Staff],
            Deed::RecordDeclaration => &[Admin, Owner],
            Deed::AskTheDesk => &[Owner, Staff],
            Deed::AnswerConsultations => &[Admin, Analyst],
            Deed::ReportIncident => &[Admin, Analyst, Owner, Staff],
            Deed::WorkIncident => &[Admin, Analyst, Owner],
            // The company knows what it keeps; the provider's staff help fill the ledger in.
            Deed::KeepAssets => &[Admin, Analyst, Owner],
        }
    }
}

impl User {
    /// Whether this person may do `deed` in organisation `org_id`.
    pub fn may_in(&self, deed: Deed, org_id: &str) -> bool {
        deed.roles().contains(&self.role)
            && (self.role.is_provider() || self.org_id.as_deref() == Some(org_id))
    }

    /// Whether this person may do `deed` outside any one organisation (the console, the
    /// provider's own channels): only provider roles listed for it.
    pub fn may(&self, deed: Deed) -> bool {
        self.role.is_provider() && deed.roles().contains(&self.role)
    }

    /// [`User::may_in`] for `Some` organisation, [`User::may`] for `None`.
    pub fn may_at(&self, deed: Deed, org_id: Option<&str>) -> bool {
        match org_id {
            Some(org) => self.may_in(deed, org),
            None => self.may(deed),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(role: Role, org: Option<&str>) -> User {
        User {
            id: "u".into(),
            email: "u@example.jp".into(),
            display_name: "u".into(),
            role,
            org_id: org.map(str::to_owned),
            locale: None,
            has_password: true,
            disabled: false,
            created_at: 0,
        }
    }

    #[test]
    fn organisation_roles_act_only_in_their_own_organisation() {
        let owner = user(Role::Owner, Some("a"));
        for deed in Deed::ALL {
            assert!(!owner.may_in(deed, "b"), "{deed:?} in another organisation");
            assert!(!owner.may(deed), "{deed:?} outside any organisation");
            assert_eq!(owner.may_in(deed, "a"), deed.roles().contains(&Role::Owner));
        }
        let staff = user(Role::Staff, Some("a"));
        let allowed: Vec<Deed> = Deed::ALL
            .into_iter()
            .filter(|d| staff.may_in(*d, "a"))
            .collect();
        assert_eq!(
            allowed,
            [
                Deed::ConfirmHandbook,
                Deed::AskTheDesk,
                Deed::ReportIncident
            ]
        );
    }

    #[test]
    fn provider_roles_act_everywhere_the_table_lets_them() {
        let analyst = user(Role::Analyst, None);
        assert!(analyst.may(Deed::TriageAlerts));
        assert!(analyst.may_in(Deed::EditDocuments, "x"));
        assert!(!analyst.may_in(Deed::AnswerQuestionnaires, "x"));
        assert!(!analyst.may_at(Deed::ManageChannels, None));
        let admin = user(Role::Admin, None);
        assert!(!admin.may_in(Deed::ConfirmHandbook, "x"));
        assert!(!admin.may_in(Deed::AskTheDesk, "x"));
        assert!(
            Deed::ALL
                .iter()
                .filter(|d| {
                    ![
                        Deed::ConfirmHandbook,
                        Deed::AskTheDesk,
                        Deed::ReportIncident,
                    ]
                    .contains(d)
                })
                .all(|d| admin.may(*d))
        );
        let orphan = user(Role::Owner, None);
        assert!(!orphan.may_in(Deed::ManageOrganisation, ""));
    }
}
