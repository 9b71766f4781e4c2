//! People who sign in to mamori.

use serde::{Deserialize, Serialize};

use crate::{Role, Scope};

/// A user account: provider staff (no organisation) or a member of one organisation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    /// Opaque identifier.
    pub id: String,
    /// Sign-in address, stored in lower case.
    pub email: String,
    /// How the person is shown to others.
    pub display_name: String,
    /// What the person may do.
    pub role: Role,
    /// The organisation of an owner or staff member; `None` for provider staff.
    pub org_id: Option<String>,
    /// Preferred language (`ja` or `en`), if the person chose one.
    pub locale: Option<String>,
    /// False until the person has set a password (an open invitation).
    pub has_password: bool,
    /// Disabled accounts cannot sign in.
    pub disabled: bool,
    /// Creation time, seconds since the Unix epoch.
    pub created_at: i64,
}

impl User {
    /// The organisations this user may see.
    pub fn scope(&self) -> Scope {
        match (&self.org_id, self.role.is_provider()) {
            (_, true) => Scope::AllOrganisations,
            (Some(org), false) => Scope::Organisation(org.clone()),
            // An organisation role without an organisation sees nothing of anyone.
            (None, false) => Scope::Organisation(String::new()),
        }
    }
}
