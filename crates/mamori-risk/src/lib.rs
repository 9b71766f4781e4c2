//! Know what you protect: the rules of the IPA risk analysis (guideline appendix 7) that mamori
//! applies to a company's information asset ledger. An asset's importance comes from its
//! confidentiality, integrity and availability and from the personal information it holds
//! ([`importance`]); a ledger row is checked before it is kept ([`checked`]); and the ledger
//! reads and writes the IPA sheet's columns as CSV ([`ledger`]). The risk analysis sheet
//! assesses each threat to an asset: likelihood from threat and vulnerability, risk =
//! importance × likelihood, its band and what is left after the measures ([`analysis`]),
//! with the threats to walk through ([`threats`]). The device inventory is checked here too
//! ([`devices`]), and the days its devices stop being protected are read from it, with how
//! close each one is ([`expiry`]).
//!
//! Pure rules: no database, no web. The store keeps assets; pages and the API ask here.

pub mod analysis;
mod check;
pub mod devices;
pub mod expiry;
pub mod importance;
pub mod ledger;
pub mod posture;
pub mod threats;
pub mod workbook;

pub use analysis::{Assessed, Band, LikelihoodTable, RiskProblem, assess, checked_risk};
pub use check::{AssetProblem, Field, checked};
pub use importance::{computed_importance, importance};
pub use threats::{Threat, threat, threats};
