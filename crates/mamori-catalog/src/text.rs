//! Bilingual text: every catalog string exists in Japanese (the default) and English, written
//! separately rather than translated word by word.

use serde::{Deserialize, Serialize};
use std::fmt;

pub use mamori_model::{Lang, UnknownLang};

/// One piece of catalog text in both languages. Loading rejects a text that is empty in either
/// language, so every screen always has something to show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "RawText")]
pub struct Text {
    /// Japanese wording (です・ます).
    pub ja: String,
    /// English wording.
    pub en: String,
}

impl Text {
    /// The wording for `lang`.
    pub fn get(&self, lang: Lang) -> &str {
        lang.pick(&self.ja, &self.en)
    }
}

impl fmt::Display for Text {
    /// Shows the Japanese wording, the product's default language.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.ja)
    }
}

/// The shape of [`Text`] in a data file, before the emptiness check.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawText {
    ja: String,
    en: String,
}

impl TryFrom<RawText> for Text {
    type Error = String;

    fn try_from(raw: RawText) -> Result<Self, Self::Error> {
        if raw.ja.trim().is_empty() || raw.en.trim().is_empty() {
            return Err(format!(
                "text must be written in both ja and en (ja: '{}', en: '{}')",
                raw.ja, raw.en
            ));
        }
        Ok(Text {
            ja: raw.ja,
            en: raw.en,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lang_parses_codes_and_rejects_others() {
        assert_eq!("ja".parse::<Lang>(), Ok(Lang::Ja));
        assert_eq!(" EN ".parse::<Lang>(), Ok(Lang::En));
        assert_eq!("fr".parse::<Lang>(), Err(UnknownLang("fr".into())));
        assert_eq!(Lang::default(), Lang::Ja);
    }

    #[test]
    fn empty_text_is_rejected() {
        let err = toml::from_str::<Text>("ja = \"\"\nen = \"x\"").unwrap_err();
        assert!(err.to_string().contains("both ja and en"), "{err}");
        let text: Text = toml::from_str("ja = \"あ\"\nen = \"a\"").unwrap();
        assert_eq!(text.get(Lang::En), "a");
        assert_eq!(text.to_string(), "あ");
    }
}
