//! Types every mamori crate shares. No I/O lives here: only the vocabulary of the product
//! (who the tenants are, what roles people have, how a company is classified).

pub mod event;
pub mod org;
pub mod role;
pub mod scope;
pub mod user;

pub use event::{Action, Category, Event, Severity};
pub use org::{EmployeeBand, Industry, Organisation, ParseClassError};
pub use role::{Role, RoleScope};
pub use scope::Scope;
pub use user::User;
