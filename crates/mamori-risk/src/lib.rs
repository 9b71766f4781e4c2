//! Know what you protect: the rules of the IPA risk analysis (guideline appendix 7) that mamori
//! applies to a company's information asset ledger. An asset's importance comes from its
//! confidentiality, integrity and availability and from the personal information it holds
//! ([`importance`]); a ledger row is checked before it is kept ([`checked`]); and the ledger
//! reads and writes the IPA sheet's columns as CSV ([`ledger`]).
//!
//! Pure rules: no database, no web. The store keeps assets; pages and the API ask here.

mod check;
pub mod importance;
pub mod ledger;

pub use check::{AssetProblem, Field, checked};
pub use importance::{computed_importance, importance};
