//! Writes a composed report as a self-contained HTML file and as a PDF. The templates hold
//! layout only; every word is in the composed document.

use std::sync::LazyLock;

use mamori_docs::PdfRenderer;
use minijinja::Environment;
use serde_json::Value;

use crate::ReportError;

/// The report templates: `monthly` (one organisation), `overview` (the provider's) and
/// `incident` (one incident).
pub const TEMPLATES: [(&str, &str, &str); 3] = [
    (
        "monthly",
        include_str!("../templates/monthly.html"),
        include_str!("../templates/monthly.typ"),
    ),
    (
        "overview",
        include_str!("../templates/overview.html"),
        include_str!("../templates/overview.typ"),
    ),
    (
        "incident",
        include_str!("../templates/incident.html"),
        include_str!("../templates/incident.typ"),
    ),
];

static HTML: LazyLock<Result<Environment<'static>, minijinja::Error>> = LazyLock::new(|| {
    let mut env = Environment::new();
    env.set_auto_escape_callback(|_| minijinja::AutoEscape::Html);
    for (name, html, _) in TEMPLATES {
        env.add_template(name, html)?;
    }
    Ok(env)
});

fn typst_source(template: &str) -> Result<&'static str, ReportError> {
    TEMPLATES
        .iter()
        .find(|(name, ..)| *name == template)
        .map(|(_, _, typ)| *typ)
        .ok_or_else(|| ReportError::Broken(format!("no report template {template}")))
}

/// The document as HTML, with its styles and charts inside so the file stands alone.
pub fn html(template: &str, doc: &Value) -> Result<String, ReportError> {
    let env = HTML
        .as_ref()
        .map_err(|e| ReportError::Broken(format!("report templates: {e}")))?;
    Ok(env.get_template(template)?.render(
        minijinja::context! { d => minijinja::Value::from(minijinja::value::Serde(doc)) },
    )?)
}

/// The document as PDF (A4, page numbers, fonts embedded).
pub fn pdf(
    renderer: &dyn PdfRenderer,
    template: &str,
    doc: &Value,
) -> Result<Vec<u8>, ReportError> {
    Ok(renderer.render(typst_source(template)?, doc)?)
}
