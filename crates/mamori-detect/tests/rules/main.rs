//! Detection tests in one binary: the Sigma modifiers one by one, mamori's own rule pack on
//! parsed log lines, and the Sigma project's regression cases.

#[path = "../support/mod.rs"]
mod support;

mod benign;
mod conformance;
mod modifiers;
mod pack;
mod shippers;
