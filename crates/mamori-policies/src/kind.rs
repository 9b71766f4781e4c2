//! Which document, and in which file format.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

use crate::PolicyError;

/// The three documents mamori writes. The slug (`policy`, `handbook`, `regulations`) is used in
/// URLs, the CLI and the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DocumentKind {
    /// 情報セキュリティ基本方針: what the company promises; published for SECURITY ACTION two stars.
    Policy,
    /// 情報セキュリティハンドブック: the rules employees follow, built from the self-assessment.
    Handbook,
    /// 情報セキュリティ関連規程: the twelve chapters of detailed rules.
    Regulations,
}

impl DocumentKind {
    /// Every kind, in the order the documents hub lists them.
    pub const ALL: [DocumentKind; 3] = [
        DocumentKind::Policy,
        DocumentKind::Handbook,
        DocumentKind::Regulations,
    ];

    /// The slug used in URLs, file names and the store.
    pub fn as_str(self) -> &'static str {
        match self {
            DocumentKind::Policy => "policy",
            DocumentKind::Handbook => "handbook",
            DocumentKind::Regulations => "regulations",
        }
    }
}

impl fmt::Display for DocumentKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for DocumentKind {
    type Err = PolicyError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        DocumentKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s.trim())
            .ok_or_else(|| PolicyError::UnknownKind(s.to_owned()))
    }
}

/// The file formats a document can be downloaded in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// A self-contained web page.
    Html,
    /// A4 PDF with the Japanese font embedded.
    Pdf,
    /// Word, for owners who keep editing there.
    Docx,
}

impl Format {
    /// The file extension, which is also the format's name on the command line.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Html => "html",
            Format::Pdf => "pdf",
            Format::Docx => "docx",
        }
    }

    /// The MIME type for downloads.
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Html => "text/html; charset=utf-8",
            Format::Pdf => "application/pdf",
            Format::Docx => {
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
            }
        }
    }
}

impl FromStr for Format {
    type Err = PolicyError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "html" => Ok(Format::Html),
            "pdf" => Ok(Format::Pdf),
            "docx" => Ok(Format::Docx),
            _ => Err(PolicyError::UnknownFormat(s.to_owned())),
        }
    }
}
