//! A document as HTML: the `<article>` the portal shows inside its pages, or a whole page
//! that stands alone (download, public policy page).

use std::sync::LazyLock;

use minijinja::{Environment, Value, context};

use crate::{Document, PolicyError};

static HTML: LazyLock<Result<Environment<'static>, minijinja::Error>> = LazyLock::new(|| {
    let mut env = Environment::new();
    env.set_auto_escape_callback(|_| minijinja::AutoEscape::Html);
    env.add_template("body", include_str!("../templates/body.html"))?;
    env.add_template("page", include_str!("../templates/page.html"))?;
    Ok(env)
});

fn render(template: &str, doc: &Document) -> Result<String, PolicyError> {
    let env = HTML
        .as_ref()
        .map_err(|e| minijinja::Error::new(e.kind(), e.to_string()))?;
    Ok(env
        .get_template(template)?
        .render(context! { d => Value::from(minijinja::value::Serde(doc)) })?)
}

/// The document as an `<article>` element, every text escaped.
pub fn html_body(doc: &Document) -> Result<String, PolicyError> {
    render("body", doc)
}

/// The document as a complete HTML page with its styles inside.
pub fn html_page(doc: &Document) -> Result<String, PolicyError> {
    render("page", doc)
}
