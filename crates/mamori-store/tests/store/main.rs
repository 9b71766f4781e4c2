//! The store against real databases, in one test binary: SQLite always, PostgreSQL when
//! configured. One module per area; each proves another tenant's rows stay out of reach.

mod common;

mod accounts;
mod agents;
mod answer_sets;
mod delivered;
mod documents;
mod lists;
mod rollups;
mod tenancy;
