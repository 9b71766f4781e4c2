//! A document as PDF (A4, IPAex Gothic embedded) through typst.

use mamori_docs::PdfRenderer;

use crate::{Document, PolicyError};

const TEMPLATE: &str = include_str!("../templates/document.typ");

/// Renders the document. Build the renderer once per process and share it.
pub fn pdf(renderer: &dyn PdfRenderer, doc: &Document) -> Result<Vec<u8>, PolicyError> {
    let data = serde_json::to_value(doc)?;
    Ok(renderer.render(TEMPLATE, &data)?)
}
