//! What the crates that make documents need from a PDF engine, without linking one: the
//! engine (typst, in `mamori-typst`) is heavy, so only the `mamori` binary wires it in and
//! reports, policies and the web layer hold it as a `dyn PdfRenderer`.

/// The family name under which templates and SVG charts ask for the embedded font.
pub const FONT_FAMILY: &str = "IPAexGothic";

/// Turns a document template and its data into PDF bytes. Implementations are shared across
/// threads (a server keeps one in an `Arc` and renders from `spawn_blocking`).
pub trait PdfRenderer: Send + Sync {
    /// Renders `template` (typst source) with `data` available to it as JSON text in
    /// `sys.inputs.data`.
    fn render(&self, template: &str, data: &serde_json::Value) -> Result<Vec<u8>, RenderError>;
}

/// Why a document could not be rendered. A broken template never yields a blank PDF.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    /// The embedded font could not be parsed; a broken build, not a broken template.
    #[error("the embedded font {FONT_FAMILY} could not be read")]
    Font,
    /// The template did not compile: the engine's messages with line and column in the
    /// template, the source line and hints.
    #[error("the document template has errors:\n{0}")]
    Template(String),
    /// The data could not be handed to the template.
    #[error("the document data could not be passed to the template: {0}")]
    Inputs(String),
    /// The laid-out document could not be written as PDF.
    #[error("the PDF could not be written:\n{0}")]
    Pdf(String),
}
