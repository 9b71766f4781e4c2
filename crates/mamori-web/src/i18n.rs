//! Languages and message lookup. Japanese is the default; English is the second language.
//! Messages live in `locales/*.yml`; nothing shown to people is written in code.

use axum::extract::FromRequestParts;
use axum::http::{HeaderMap, header, request::Parts};
use std::convert::Infallible;

use crate::cookies;

pub use mamori_model::Lang;

/// Messages from `locales/*.yml` in a [`Lang`]: the web layer's way of saying anything.
pub trait Messages {
    /// The message `key` in this language.
    fn t(self, key: &str) -> String;

    /// The message `key` with `%{name}` placeholders filled from `args`.
    fn tf(self, key: &str, args: &[(&str, &str)]) -> String;
}

impl Messages for Lang {
    fn t(self, key: &str) -> String {
        rust_i18n::t!(key, locale = self.code()).into_owned()
    }

    fn tf(self, key: &str, args: &[(&str, &str)]) -> String {
        mamori_model::fill_marked(&self.t(key), "%{", args)
    }
}

/// Picks the language for a request: the language cookie, then `Accept-Language` (first
/// supported entry by weight), then Japanese.
pub fn negotiate(headers: &HeaderMap) -> Lang {
    if let Some(lang) = cookies::get(headers, cookies::LANG).and_then(Lang::parse) {
        return lang;
    }
    let accept = headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let mut best: Option<(f32, Lang)> = None;
    for part in accept.split(',') {
        let mut pieces = part.split(';');
        let tag = pieces.next().unwrap_or("").trim();
        let weight = pieces
            .find_map(|p| p.trim().strip_prefix("q="))
            .and_then(|q| q.parse::<f32>().ok())
            .unwrap_or(1.0);
        if let Some(lang) = Lang::parse(tag)
            && best.is_none_or(|(w, _)| weight > w)
        {
            best = Some((weight, lang));
        }
    }
    best.map(|(_, l)| l).unwrap_or(Lang::Ja)
}

/// The request's language as a handler argument (`Negotiated(lang): Negotiated`), chosen by
/// [`negotiate`].
#[derive(Debug, Clone, Copy)]
pub struct Negotiated(pub Lang);

impl<S: Send + Sync> FromRequestParts<S> for Negotiated {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(Negotiated(negotiate(&parts.headers)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(header::HeaderName, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(k.clone(), HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn negotiation_prefers_cookie_then_weighted_header() {
        assert_eq!(negotiate(&HeaderMap::new()), Lang::Ja);
        assert_eq!(
            negotiate(&headers(&[(header::ACCEPT_LANGUAGE, "en-US,en;q=0.9")])),
            Lang::En
        );
        assert_eq!(
            negotiate(&headers(&[(
                header::ACCEPT_LANGUAGE,
                "fr, en;q=0.5, ja;q=0.8"
            )])),
            Lang::Ja
        );
        assert_eq!(
            negotiate(&headers(&[
                (header::ACCEPT_LANGUAGE, "en"),
                (header::COOKIE, "mamori_lang=ja")
            ])),
            Lang::Ja
        );
    }

    #[test]
    fn messages_exist_in_both_languages() {
        assert_eq!(Lang::Ja.t("app.name"), "mamori");
        assert_ne!(Lang::Ja.t("login.title"), Lang::En.t("login.title"));
        assert!(
            Lang::En
                .tf("console.orgs.count", &[("count", "3")])
                .contains('3')
        );
    }

    #[test]
    fn every_event_word_has_a_plain_name() {
        use mamori_model::{Action, Category, Severity};
        let words = Category::ALL
            .iter()
            .map(|c| format!("vocab.category.{}", c.as_str()))
            .chain(
                Action::ALL
                    .iter()
                    .map(|a| format!("vocab.action.{}", a.as_str())),
            )
            .chain(
                Severity::ALL
                    .iter()
                    .map(|s| format!("vocab.severity.{}", s.as_str())),
            );
        for key in words {
            for lang in [Lang::Ja, Lang::En] {
                let text = lang.t(&key);
                assert!(
                    !text.is_empty() && !text.contains("vocab."),
                    "{key} in {lang:?}"
                );
            }
        }
    }

    #[test]
    fn every_delivery_failure_reads_in_plain_words() {
        let codes = mamori_notify::NotifyError::CODES
            .iter()
            .chain(mamori_alerts::OWN_FAILURE_CODES);
        for code in codes {
            for lang in [Lang::Ja, Lang::En] {
                let key = format!("channels.failure.{code}");
                let text = lang.t(&key);
                assert!(
                    !text.is_empty() && !text.contains(&key),
                    "{key} in {lang:?}"
                );
            }
        }
    }

    #[test]
    fn both_catalogs_have_the_same_keys() {
        fn keys(yaml: &str) -> Vec<String> {
            // Keys are `a.b.c:` lines at any indentation; compare their full dotted paths.
            let mut path: Vec<(usize, String)> = Vec::new();
            let mut out = Vec::new();
            for line in yaml.lines() {
                let trimmed = line.trim_start();
                if trimmed.is_empty() || trimmed.starts_with('#') || trimmed.starts_with('_') {
                    continue;
                }
                let indent = line.len() - trimmed.len();
                let Some((key, _)) = trimmed.split_once(':') else {
                    continue;
                };
                while path.last().is_some_and(|(i, _)| *i >= indent) {
                    path.pop();
                }
                path.push((indent, key.trim().to_owned()));
                out.push(
                    path.iter()
                        .map(|(_, k)| k.as_str())
                        .collect::<Vec<_>>()
                        .join("."),
                );
            }
            out.sort();
            out
        }
        assert_eq!(
            keys(include_str!("../locales/ja.yml")),
            keys(include_str!("../locales/en.yml"))
        );
    }
}
