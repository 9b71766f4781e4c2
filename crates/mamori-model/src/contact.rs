//! An entry of the contacts directory: somewhere a company reports an incident or asks for
//! help. The published entries ship with `mamori-response`; the provider corrects or adds
//! entries, which the store keeps in this same shape.

use serde::{Deserialize, Serialize};

use crate::Lang;

/// Somewhere to report to or ask, with where its details come from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contact {
    /// Stable key; having told it is ticked as `duty.<key>`.
    pub key: String,
    /// Its name in Japanese.
    pub name_ja: String,
    /// Its name in English (blank: the Japanese name is shown).
    #[serde(default)]
    pub name_en: String,
    /// What it is for, in Japanese.
    pub purpose_ja: String,
    /// What it is for, in English (blank: the Japanese text is shown).
    #[serde(default)]
    pub purpose_en: String,
    /// Phone number as the source gave it (may be empty).
    #[serde(default)]
    pub phone: String,
    /// E-mail or postal address (may be empty).
    #[serde(default)]
    pub address: String,
    /// Web address (may be empty).
    #[serde(default)]
    pub web: String,
    /// Where the details come from.
    #[serde(default)]
    pub source: String,
    /// When the source gave them.
    #[serde(default)]
    pub as_of: String,
    /// The provider's rule for reporting here: within this many days of the incident being
    /// opened. `None`: no deadline set.
    #[serde(default)]
    pub report_within_days: Option<u32>,
}

impl Contact {
    /// Its name in `lang`.
    pub fn name(&self, lang: Lang) -> &str {
        match lang {
            Lang::En if !self.name_en.trim().is_empty() => &self.name_en,
            _ => &self.name_ja,
        }
    }

    /// What it is for, in `lang`.
    pub fn purpose(&self, lang: Lang) -> &str {
        match lang {
            Lang::En if !self.purpose_en.trim().is_empty() => &self.purpose_en,
            _ => &self.purpose_ja,
        }
    }

    /// The date of the details as year, month and day, where given (`YYYY`, `YYYY-MM` or
    /// `YYYY-MM-DD`); `None` when it is not such a date.
    pub fn as_of_parts(&self) -> Option<(u16, Option<u8>, Option<u8>)> {
        let mut parts = self.as_of.split('-');
        let year: u16 = parts.next().filter(|y| y.len() == 4)?.parse().ok()?;
        let mut next = |max: u8| -> Option<Option<u8>> {
            match parts.next() {
                None => Some(None),
                Some(p) if p.len() == 2 => {
                    p.parse().ok().filter(|n| (1..=max).contains(n)).map(Some)
                }
                Some(_) => None,
            }
        };
        let month = next(12)?;
        let day = match month {
            Some(_) => next(31)?,
            None => None,
        };
        if parts.next().is_some() {
            return None;
        }
        Some((year, month, day))
    }

    /// The date of the details as a reader writes it: 「2021年」「2026年12月」 in Japanese,
    /// the stored form in English.
    pub fn as_of_text(&self, lang: Lang) -> String {
        match (lang, self.as_of_parts()) {
            (Lang::Ja, Some((y, None, _))) => format!("{y}年"),
            (Lang::Ja, Some((y, Some(m), None))) => format!("{y}年{m}月"),
            (Lang::Ja, Some((y, Some(m), Some(d)))) => format!("{y}年{m}月{d}日"),
            _ => self.as_of.clone(),
        }
    }

    /// The checklist key of having told it.
    pub fn duty_key(&self) -> String {
        format!("duty.{}", self.key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn english_falls_back_to_japanese_when_left_blank() {
        let mut c = Contact {
            key: "own".into(),
            name_ja: "地元の警察署".into(),
            name_en: " ".into(),
            purpose_ja: "被害の相談".into(),
            purpose_en: String::new(),
            phone: String::new(),
            address: String::new(),
            web: String::new(),
            source: String::new(),
            as_of: String::new(),
            report_within_days: None,
        };
        assert_eq!(c.name(Lang::En), "地元の警察署");
        assert_eq!(c.purpose(Lang::En), "被害の相談");
        c.name_en = "Local police station".into();
        assert_eq!(c.name(Lang::En), "Local police station");
        assert_eq!(c.name(Lang::Ja), "地元の警察署");
        assert_eq!(c.duty_key(), "duty.own");
        for (as_of, ja) in [
            ("2021", "2021年"),
            ("2026-02", "2026年2月"),
            ("2026-12-07", "2026年12月7日"),
        ] {
            c.as_of = as_of.into();
            assert_eq!(c.as_of_text(Lang::Ja), ja);
            assert_eq!(c.as_of_text(Lang::En), as_of);
        }
        for bad in [
            "21",
            "2026-1",
            "2026-00",
            "2026-12-32",
            "2026-12-01-01",
            "this year",
        ] {
            c.as_of = bad.into();
            assert_eq!(c.as_of_parts(), None, "{bad}");
        }
    }
}
