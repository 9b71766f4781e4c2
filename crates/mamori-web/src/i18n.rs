//! Languages and message lookup. Japanese is the default; English is the second language.
//! Messages live in `locales/*.yml`; nothing shown to people is written in code.

use axum::extract::FromRequestParts;
use axum::http::{HeaderMap, header, request::Parts};
use serde::Serialize;
use std::convert::Infallible;

use crate::cookies;

/// A language mamori speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    /// Japanese (default).
    Ja,
    /// English.
    En,
}

impl Lang {
    /// The language code used in catalogs, cookies and `lang` attributes.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Ja => "ja",
            Lang::En => "en",
        }
    }

    /// Parses a language code; anything unknown is `None`.
    pub fn parse(code: &str) -> Option<Lang> {
        match code.trim().to_ascii_lowercase().as_str() {
            "ja" | "ja-jp" => Some(Lang::Ja),
            "en" | "en-us" | "en-gb" => Some(Lang::En),
            _ => None,
        }
    }

    /// Picks the language for a request: the language cookie, then `Accept-Language`
    /// (first supported entry by weight), then Japanese.
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
            let primary = tag.split('-').next().unwrap_or("");
            if let Some(lang) = Lang::parse(primary)
                && best.is_none_or(|(w, _)| weight > w)
            {
                best = Some((weight, lang));
            }
        }
        best.map(|(_, l)| l).unwrap_or(Lang::Ja)
    }

    /// The message `key` in this language.
    pub fn t(self, key: &str) -> String {
        rust_i18n::t!(key, locale = self.code()).into_owned()
    }

    /// The message `key` with `%{name}` placeholders filled from `args`.
    pub fn tf(self, key: &str, args: &[(&str, &str)]) -> String {
        args.iter().fold(self.t(key), |text, (name, value)| {
            text.replace(&format!("%{{{name}}}"), value)
        })
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Lang {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(Lang::negotiate(&parts.headers))
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
        assert_eq!(Lang::negotiate(&HeaderMap::new()), Lang::Ja);
        assert_eq!(
            Lang::negotiate(&headers(&[(header::ACCEPT_LANGUAGE, "en-US,en;q=0.9")])),
            Lang::En
        );
        assert_eq!(
            Lang::negotiate(&headers(&[(
                header::ACCEPT_LANGUAGE,
                "fr, en;q=0.5, ja;q=0.8"
            )])),
            Lang::Ja
        );
        assert_eq!(
            Lang::negotiate(&headers(&[
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
