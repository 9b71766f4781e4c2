//! Document rendering shared by mamori's monthly security reports and generated documents
//! (policies, handbooks): typst templates to PDF with an embedded Japanese font ([`pdf`]), and
//! the SVG charts that appear both in web pages and, as vector graphics, in those PDFs
//! ([`charts`]).

pub mod charts;
pub mod pdf;

pub use pdf::{PdfRenderer, RenderError};
