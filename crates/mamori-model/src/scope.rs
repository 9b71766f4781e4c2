//! The tenancy guard: what part of the data a caller may read.

/// Which organisations a caller may see. Every query on organisation data takes one, so a
/// member of one organisation can never be handed another organisation's rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// Provider staff: every client organisation.
    AllOrganisations,
    /// A member of one organisation: that organisation only.
    Organisation(String),
}

impl Scope {
    /// Whether data of `org_id` is visible in this scope.
    pub fn permits(&self, org_id: &str) -> bool {
        match self {
            Scope::AllOrganisations => true,
            Scope::Organisation(own) => own == org_id,
        }
    }

    /// The single organisation this scope is limited to, if any.
    pub fn only_org(&self) -> Option<&str> {
        match self {
            Scope::AllOrganisations => None,
            Scope::Organisation(own) => Some(own),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn organisation_scope_permits_only_itself() {
        let scope = Scope::Organisation("a".into());
        assert!(scope.permits("a"));
        assert!(!scope.permits("b"));
        assert!(Scope::AllOrganisations.permits("b"));
    }
}
