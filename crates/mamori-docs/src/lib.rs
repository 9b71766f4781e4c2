//! What mamori's documents (monthly security reports, policies, handbooks) share without the
//! PDF engine: the [`PdfRenderer`] trait the engine implements (see `mamori-typst`), and the
//! SVG charts that appear both in web pages and, as vector graphics, in those PDFs
//! ([`charts`]).

pub mod charts;
pub mod render;

pub use render::{FONT_FAMILY, PdfRenderer, RenderError};
