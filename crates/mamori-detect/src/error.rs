//! Errors of the detection crate: what went wrong reading rule, mapping or indicator files,
//! in words an operator can act on.

use std::path::PathBuf;

/// Why rules, a mapping or an indicator list could not be loaded. Individual rules that do
/// not compile are not errors: they come back as [`crate::RuleReport`]s so one bad rule
/// never stops the rest from loading.
#[derive(Debug, thiserror::Error)]
pub enum DetectError {
    /// A file or folder the caller named could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file or folder.
        path: PathBuf,
        /// The operating system's reason.
        source: std::io::Error,
    },
    /// A mapping file is not valid YAML of the expected shape.
    #[error("mapping {origin}: {reason}")]
    Mapping {
        /// Where the mapping came from.
        origin: String,
        /// What was wrong.
        reason: String,
    },
    /// An indicator list could not be used.
    #[error("indicator list {origin}: {reason}")]
    Indicators {
        /// The list's file.
        origin: String,
        /// What was wrong.
        reason: String,
    },
    /// An EVTX file could not be opened or read.
    #[cfg(feature = "evtx")]
    #[error("evtx {path}: {reason}")]
    Evtx {
        /// The file.
        path: PathBuf,
        /// The parser's reason.
        reason: String,
    },
    /// Writing results failed (closed pipe, full disk).
    #[error("cannot write output: {0}")]
    Write(#[from] std::io::Error),
}
