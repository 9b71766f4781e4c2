//! What can go wrong while generating a document.

use crate::params::ParamProblems;

/// Why a document could not be generated or written. Parameter problems carry every missing
/// or invalid name at once, so the owner can fix them in one go.
#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    /// The kind is not `policy`, `handbook` or `regulations`.
    #[error("unknown document kind '{0}' (allowed: policy, handbook, regulations)")]
    UnknownKind(String),
    /// The format is not `docx`, `pdf` or `html`.
    #[error("unknown format '{0}' (allowed: docx, pdf, html)")]
    UnknownFormat(String),
    /// The edition has no document texts.
    #[error("no document texts for edition '{0}'")]
    UnknownEdition(String),
    /// Company parameters are missing or invalid.
    #[error("{0}")]
    Params(ParamProblems),
    /// Sections were left out without the reason they need (regulations chapters); the ids
    /// of the sections, in document order.
    #[error("a reason is needed for leaving out: {}", .ids.join(", "))]
    Unexplained {
        /// Which document.
        kind: crate::DocumentKind,
        /// The sections' ids.
        ids: Vec<String>,
    },
    /// A shipped text file is broken (caught by the unit tests before release).
    #[error("document texts {file}: {reason}")]
    Texts {
        /// The file in `text/<edition>/`.
        file: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// A text template failed to render.
    #[error("document text template: {0}")]
    Template(#[from] minijinja::Error),
    /// The PDF renderer failed.
    #[error(transparent)]
    Pdf(#[from] mamori_docs::RenderError),
    /// The document could not be turned into the renderer's JSON.
    #[error("the document could not be serialised: {0}")]
    Serialise(#[from] serde_json::Error),
    /// Reading the organisation, its parameters, draft or answers failed.
    #[error(transparent)]
    Store(#[from] mamori_store::StoreError),
    /// A stored draft or answer set could not be read back.
    #[error("stored {what} cannot be read: {reason}")]
    Corrupt {
        /// What was being read.
        what: &'static str,
        /// Why it failed.
        reason: String,
    },
    /// The DOCX writer failed.
    #[error("the Word file could not be written: {0}")]
    Docx(String),
}
