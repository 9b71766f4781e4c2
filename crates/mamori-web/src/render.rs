//! Server-rendered pages with minijinja. Templates are embedded in the binary (one file to
//! deploy) and loaded at start; the `t` function looks messages up in the page's language.

use mamori_model::Zone;
use minijinja::value::Kwargs;
use minijinja::{Environment, State, Value};
use rust_embed::RustEmbed;

use crate::i18n::{Lang, Messages};

#[derive(RustEmbed)]
#[folder = "templates/"]
struct TemplateFiles;

/// The compiled templates.
pub struct Templates {
    env: Environment<'static>,
}

fn lang_of(state: &State) -> Lang {
    state
        .lookup("lang")
        .and_then(|v| v.as_str().and_then(Lang::parse))
        .unwrap_or(Lang::Ja)
}

/// `t("key", name=value …)`: the message in the page's language with placeholders filled.
fn translate(state: &State, key: &str, kwargs: Kwargs) -> Result<String, minijinja::Error> {
    let lang = lang_of(state);
    let mut args = Vec::new();
    for name in kwargs.args() {
        let value: Value = kwargs.get(name)?;
        args.push((name.to_owned(), value.to_string()));
    }
    let refs: Vec<(&str, &str)> = args.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    Ok(lang.tf(key, &refs))
}

/// A Unix time as the date `2026/11/22` in the site's `zone`, for chart labels.
pub(crate) fn date(zone: Zone, ts: i64) -> String {
    zone.local_ts(ts).format("%Y/%m/%d").to_string()
}

/// `ts|datetime`: a Unix time as `2026/11/22 10:15` in the site's `zone`.
fn datetime(zone: Zone, ts: i64) -> String {
    zone.local_ts(ts).format("%Y/%m/%d %H:%M").to_string()
}

/// `text|day`: a calendar date kept as `2026-11-22` (or a month kept as `2026-11`) written
/// the way pages write dates, `2026/11/22` (`2026/11`); anything else is shown as it is.
fn day(text: &str) -> String {
    let digits_and_dashes = text.len() >= 7
        && text.bytes().enumerate().all(|(i, b)| {
            if i == 4 || i == 7 {
                b == b'-'
            } else {
                b.is_ascii_digit()
            }
        });
    if digits_and_dashes && matches!(text.len(), 7 | 10) {
        text.replace('-', "/")
    } else {
        text.to_owned()
    }
}

impl Templates {
    /// Loads and compiles every embedded template; times are shown in `zone`.
    pub fn load(zone: Zone) -> Result<Self, minijinja::Error> {
        let mut env = Environment::new();
        env.set_undefined_behavior(minijinja::UndefinedBehavior::Chainable);
        for name in TemplateFiles::iter() {
            if let Some(file) = TemplateFiles::get(&name) {
                let source = String::from_utf8_lossy(&file.data).into_owned();
                env.add_template_owned(name.to_string(), source)?;
            }
        }
        env.add_function("t", translate);
        env.add_filter("datetime", move |ts: i64| datetime(zone, ts));
        env.add_filter("local_input", move |ts: i64| zone.local_input(ts));
        env.add_filter("number", number);
        env.add_filter("day", day);
        Ok(Templates { env })
    }

    /// Renders `name` with `context`.
    pub fn render(&self, name: &str, context: Value) -> Result<String, minijinja::Error> {
        self.env.get_template(name)?.render(context)
    }
}

/// A count with thousands separators (`1,234`), as people read numbers; fractions keep one
/// decimal.
fn number(value: f64) -> String {
    if value.fract() != 0.0 || value.abs() >= 1e15 {
        return format!("{value:.1}");
    }
    // A whole number below 1e15 fits an i64 exactly.
    mamori_model::group_digits(value as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_dates_read_as_page_dates() {
        assert_eq!(day("2026-12-01"), "2026/12/01");
        assert_eq!(day("2026-11"), "2026/11");
        assert_eq!(day("not a date"), "not a date");
        assert_eq!(day("2026-1-01"), "2026-1-01");
    }

    #[test]
    fn every_template_compiles_and_times_follow_the_site_zone() {
        let templates = Templates::load(Zone::default()).unwrap();
        assert!(TemplateFiles::iter().count() > 5);
        assert!(templates.env.get_template("login.html").is_ok());
        assert_eq!(datetime(Zone::default(), 0), "1970/01/01 09:00");
        let london: Zone = "Europe/London".parse().unwrap();
        assert_eq!(datetime(london, 0), "1970/01/01 01:00");
        let page = Templates::load(london)
            .unwrap()
            .env
            .render_str("{{ 0|datetime }}", ())
            .unwrap();
        assert_eq!(page, "1970/01/01 01:00");
    }

    #[test]
    fn numbers_get_thousands_separators() {
        assert_eq!(number(0.0), "0");
        assert_eq!(number(999.0), "999");
        assert_eq!(number(1234.0), "1,234");
        assert_eq!(number(-1_234_567.0), "-1,234,567");
        assert_eq!(number(2.5), "2.5");
    }
}
