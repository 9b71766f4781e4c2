//! Reading answer words keyed by item number, shared by every questionnaire (the
//! self-assessment, the cloud checklist and the executives' lists), so each one rejects bad
//! input with the same errors naming the item and the allowed values.

use std::ops::RangeInclusive;

use crate::answer::{Answer, Answers};
use crate::error::CatalogError;

/// Checks raw `(item, word)` pairs against a list numbered `numbers`: every key must be an item
/// number written the plain way (`"7"`, not `"07"`) and every word one of `allowed`. Items may
/// be missing (a draft).
pub(crate) fn parse_answers<K: AsRef<str>, V: AsRef<str>>(
    numbers: RangeInclusive<u8>,
    allowed: &'static [&'static str],
    raw: impl IntoIterator<Item = (K, V)>,
) -> Result<Answers, CatalogError> {
    raw.into_iter()
        .map(|(key, word)| {
            let key = key.as_ref().trim();
            let number = key
                .parse::<u8>()
                .ok()
                .filter(|n| n.to_string() == key && numbers.contains(n))
                .ok_or_else(|| unknown_item(&numbers, key.to_owned()))?;
            let answer = Answer::from_word(word.as_ref())
                .filter(|a| allowed.contains(&a.as_str()))
                .ok_or_else(|| CatalogError::UnknownAnswer {
                    item: number.to_string(),
                    word: word.as_ref().to_owned(),
                    allowed,
                })?;
            Ok((number, answer))
        })
        .collect()
}

/// The error for an item number outside `numbers`.
pub(crate) fn unknown_item(numbers: &RangeInclusive<u8>, item: String) -> CatalogError {
    CatalogError::UnknownItem {
        item,
        first: *numbers.start(),
        last: *numbers.end(),
    }
}

/// Checks that `answers` covers exactly the items `numbers`: no unknown item, none missing.
pub(crate) fn check_complete(
    numbers: RangeInclusive<u8>,
    answers: &Answers,
) -> Result<(), CatalogError> {
    if let Some((number, _)) = answers.iter().find(|(n, _)| !numbers.contains(n)) {
        return Err(unknown_item(&numbers, number.to_string()));
    }
    let missing: Vec<u8> = numbers.filter(|n| answers.get(*n).is_none()).collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(CatalogError::MissingItems { items: missing })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_allowed_words_and_plain_numbers_pass() {
        let ok = parse_answers(1..=3, &["yes", "no"], [("1", "YES"), ("3", "no")]).unwrap();
        assert_eq!(ok.get(1), Some(Answer::Yes));
        assert_eq!(
            parse_answers(1..=3, &["yes", "no"], [("2", "unknown")]),
            Err(CatalogError::UnknownAnswer {
                item: "2".into(),
                word: "unknown".into(),
                allowed: &["yes", "no"],
            })
        );
        for bad in ["0", "4", "02", "x"] {
            assert!(matches!(
                parse_answers(1..=3, Answer::WORDS, [(bad, "yes")]),
                Err(CatalogError::UnknownItem {
                    first: 1,
                    last: 3,
                    ..
                })
            ));
        }
    }

    #[test]
    fn completeness_names_missing_items() {
        let answers: Answers = [(2, Answer::No)].into_iter().collect();
        assert_eq!(
            check_complete(1..=3, &answers),
            Err(CatalogError::MissingItems { items: vec![1, 3] })
        );
        let extra: Answers = [(9, Answer::No)].into_iter().collect();
        assert!(matches!(
            check_complete(1..=3, &extra),
            Err(CatalogError::UnknownItem { .. })
        ));
    }
}
