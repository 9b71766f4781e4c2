//! mamori's PDF engine: typst templates rendered to PDF, with the IPAex Gothic font embedded
//! in the binary. A leaf: only the `mamori` binary (and tests that check real PDFs) link it;
//! the crates that make documents see it as a [`mamori_docs::PdfRenderer`].
//!
//! # Template conventions
//!
//! - A template is typst source. Its data arrives as JSON text in `sys.inputs.data`, so a
//!   template starts with
//!
//!   ```typst
//!   #let data = json(bytes(sys.inputs.data))
//!   ```
//!
//! - The only font is [`mamori_docs::FONT_FAMILY`]; no system fonts are scanned and no
//!   packages are fetched. Templates set `#set text(font: "IPAexGothic", lang: "ja")`;
//!   without it typst falls back to the same font anyway.
//! - Charts from [`mamori_docs::charts`] travel inside the data as SVG strings and are
//!   placed with `#image(bytes(data.chart), format: "svg", width: 100%)`. They stay vector graphics, and
//!   their `<text>` is set in the embedded font, as real text that can be searched and copied.
//! - Title, author and date come from the template: `#set document(title: ..., author: ...,
//!   date: datetime(year: 2026, month: 11, day: 30))`. Without a date the PDF has no creation
//!   date, and its identifier is a hash of title and author, so the same template and data
//!   give the same bytes.

use std::fmt::Write as _;

use mamori_docs::{PdfRenderer, RenderError};
use typst::diag::SourceDiagnostic;
use typst::foundations::{Bytes, Dict, IntoValue};
use typst::syntax::DiagSpan;
use typst::text::Font;
use typst::{World, WorldExt};
use typst_as_lib::TypstEngine;
use typst_pdf::PdfOptions;

/// IPAex Gothic, shipped unmodified under the IPA Font License (see `fonts/README.md`).
static IPAEX_GOTHIC: &[u8] = include_bytes!("../fonts/ipaexg.ttf");

/// Name of the template inside typst; diagnostics point into it by line and column.
const MAIN: &str = "main.typ";

/// How many renders a cached intermediate result (shaped text, decoded SVG) survives unused
/// in typst's process-wide cache: enough for the next report to reuse the font work, small
/// enough that memory does not grow with the number of distinct reports.
const CACHE_MAX_AGE: usize = 5;

/// Renders typst templates to PDF. Build it once (it parses the embedded font) and share it:
/// it is `Send + Sync`, so a server keeps it in an `Arc` and calls
/// [`PdfRenderer::render`] from `spawn_blocking`, several renders at a time.
///
/// typst-as-lib's engine holds its template from construction, while templates here come
/// with each call; so each render builds a light engine around the already parsed font
/// (a `Font` is a reference-counted handle) and the given template.
pub struct TypstRenderer {
    font: Font,
}

impl TypstRenderer {
    /// Parses the embedded font; do this once per process.
    pub fn new() -> Result<Self, RenderError> {
        let font = Font::new(Bytes::new(IPAEX_GOTHIC), 0).ok_or(RenderError::Font)?;
        Ok(Self { font })
    }
}

impl PdfRenderer for TypstRenderer {
    /// Compiles `template` (typst source) with `data` available as JSON text in
    /// `sys.inputs.data` and returns the PDF bytes.
    fn render(&self, template: &str, data: &serde_json::Value) -> Result<Vec<u8>, RenderError> {
        let engine = TypstEngine::builder()
            .main_file((MAIN, template))
            .fonts([self.font.clone()])
            .build();
        let mut inputs = Dict::new();
        inputs.insert("data".into(), data.to_string().into_value());
        let world = engine
            .world_builder()
            .with_inputs(inputs)
            .build()
            .map_err(|e| RenderError::Inputs(e.to_string()))?;
        // The document type (typst's `PagedDocument`) is the one `typst_pdf::pdf` takes.
        let result = typst::compile(&world)
            .output
            .map_err(|errors| RenderError::Template(describe(&world, &errors)))
            .and_then(|document| {
                typst_pdf::pdf(&document, &PdfOptions::default())
                    .map_err(|errors| RenderError::Pdf(describe(&world, &errors)))
            });
        typst::comemo::evict(CACHE_MAX_AGE);
        result
    }
}

/// typst's diagnostics as text, one block per problem:
///
/// ```text
/// line 3, column 7: unknown variable: totl
///   3 | #data.totl
///   hint: ...
/// ```
fn describe(world: &dyn World, diagnostics: &[SourceDiagnostic]) -> String {
    let mut out = String::new();
    for diagnostic in diagnostics {
        if !out.is_empty() {
            out.push('\n');
        }
        match locate(world, diagnostic.span) {
            Some((position, line)) => {
                let _ = write!(out, "{position}: {}\n  {line}", diagnostic.message);
            }
            None => out.push_str(&diagnostic.message),
        }
        for hint in &diagnostic.hints {
            let _ = write!(out, "\n  hint: {}", hint.v);
            if let Some((position, _)) = locate(world, hint.span) {
                let _ = write!(out, " ({position})");
            }
        }
        for point in &diagnostic.trace {
            let _ = write!(out, "\n  {}", point.v);
            if let Some((position, _)) = locate(world, point.span.into()) {
                let _ = write!(out, " ({position})");
            }
        }
    }
    out
}

/// "line L, column C" (both counted from 1) and the source line, for a span in a template.
fn locate(world: &dyn World, span: DiagSpan) -> Option<(String, String)> {
    let source = world.source(span.id()?).ok()?;
    let start = world.range(span)?.start;
    let lines = source.lines();
    let (line, column) = lines.byte_to_line_column(start)?;
    let text = lines
        .line_to_range(line)
        .and_then(|range| source.text().get(range))
        .unwrap_or_default()
        .trim_end();
    Some((
        format!("line {}, column {}", line + 1, column + 1),
        format!("{} | {text}", line + 1),
    ))
}
