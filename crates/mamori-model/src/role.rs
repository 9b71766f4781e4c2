//! Roles decide what a signed-in person may see and do.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

use crate::org::ParseClassError;

/// A user's role. Provider roles see every client organisation; organisation roles see only
/// their own organisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Runs the deployment: manages organisations, users and settings.
    Admin,
    /// Watches client organisations on behalf of the provider.
    Analyst,
    /// Owner or manager of a client organisation.
    Owner,
    /// Employee of a client organisation.
    Staff,
}

/// Whether a role belongs to the provider or to a client organisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoleScope {
    /// Provider staff: not tied to one organisation.
    Provider,
    /// Member of exactly one client organisation.
    Organisation,
}

impl Role {
    /// Every role, in the order they are offered in forms.
    pub const ALL: [Role; 4] = [Role::Admin, Role::Analyst, Role::Owner, Role::Staff];

    /// The stable identifier stored in the database and used in the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Analyst => "analyst",
            Role::Owner => "owner",
            Role::Staff => "staff",
        }
    }

    /// Whether the role is held by provider staff or by members of an organisation.
    pub fn scope(self) -> RoleScope {
        match self {
            Role::Admin | Role::Analyst => RoleScope::Provider,
            Role::Owner | Role::Staff => RoleScope::Organisation,
        }
    }

    /// True for the provider's own people.
    pub fn is_provider(self) -> bool {
        self.scope() == RoleScope::Provider
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = ParseClassError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| ParseClassError::new("role", s, "admin, analyst, owner, staff"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_round_trip_and_know_their_scope() {
        for role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>().ok(), Some(role));
        }
        assert!(Role::Admin.is_provider());
        assert!(Role::Analyst.is_provider());
        assert!(!Role::Owner.is_provider());
        assert!(!Role::Staff.is_provider());
        assert!("root".parse::<Role>().is_err());
    }
}
