//! Types every mamori crate shares. No I/O lives here: only the vocabulary of the product
//! (who the tenants are, what roles people have, how a company is classified).

pub mod org;
pub mod role;

pub use org::{EmployeeBand, Industry, Organisation, ParseClassError};
pub use role::{Role, RoleScope};
