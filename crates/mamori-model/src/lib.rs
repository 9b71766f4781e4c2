//! Types every mamori crate shares. No I/O lives here: only the vocabulary of the product
//! (who the tenants are, what roles people have, how a company is classified) and the few
//! ways of writing things that must read the same everywhere (counts, digests).

pub mod address;
pub mod asset;
pub mod contact;
pub mod device;
pub mod email;
pub mod event;
pub mod fill;
pub mod hash;
pub mod lang;
pub mod numbers;
pub mod org;
pub mod permission;
pub mod posture;
pub mod risk;
pub mod role;
pub mod scope;
pub mod status;
pub mod time;
pub mod user;
mod vocabulary;

pub use address::from_internet;
pub use asset::InformationAsset;
pub use contact::Contact;
pub use device::{Device, DeviceKind, UtmFunction, UtmLicence};
pub use email::normal_email;
pub use event::{Action, Category, Event, Severity};
pub use fill::{fill, fill_marked};
pub use hash::sha256_hex;
pub use lang::{Lang, UnknownLang};
pub use numbers::group_digits;
pub use org::{EmployeeBand, Industry, Organisation, ParseClassError};
pub use permission::Deed;
pub use posture::{Check, CheckId, CheckStatus, LogShipping, Posture};
pub use risk::{RiskEntry, Treatment};
pub use role::{Role, RoleScope};
pub use scope::Scope;
pub use status::{
    AlertStatus, ConsultationStatus, ConsultationTopic, DeliveryStatus, IncidentStatus,
    ReportJobStatus, ResponseTargets, Urgency,
};
pub use time::{JST, UnknownZone, Zone};
pub use user::User;
