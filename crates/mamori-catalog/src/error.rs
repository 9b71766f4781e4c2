//! The errors of the catalog crate. Each variant carries its data, so the web layer can show a
//! translated message; the English `Display` text is for logs and the CLI.

/// Something in the answers or the catalog choice is not acceptable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CatalogError {
    /// An answer names an item the catalog does not have.
    #[error("unknown item '{item}' (allowed: {first}-{last})")]
    UnknownItem {
        /// The item as given (it may not even be a number).
        item: String,
        /// Lowest item number of the catalog.
        first: u8,
        /// Highest item number of the catalog.
        last: u8,
    },
    /// A completed assessment was expected but some items have no answer.
    #[error(
        "the assessment is not complete; items without an answer: {}",
        join(items)
    )]
    MissingItems {
        /// The unanswered item numbers, ascending.
        items: Vec<u8>,
    },
    /// An answer word is not one of the allowed words.
    #[error("item {item}: unknown answer '{word}' (allowed: {})", allowed.join(", "))]
    UnknownAnswer {
        /// The item the answer was given for.
        item: String,
        /// The word as given.
        word: String,
        /// The words that are allowed.
        allowed: &'static [&'static str],
    },
    /// No catalog edition has this id.
    #[error("unknown catalog '{id}' (known: {})", known.join(", "))]
    UnknownCatalog {
        /// The id asked for.
        id: String,
        /// The ids that exist.
        known: Vec<String>,
    },
    /// Two results from different catalog editions cannot be compared item by item.
    #[error("cannot compare results of different editions ({previous} and {current})")]
    EditionMismatch {
        /// Edition of the earlier result.
        previous: String,
        /// Edition of the later result.
        current: String,
    },
    /// An embedded catalog file is malformed; a bug caught by this crate's unit tests.
    #[error("catalog {edition}/{file} is invalid: {message}")]
    InvalidData {
        /// The edition directory.
        edition: String,
        /// The file name inside it.
        file: &'static str,
        /// What is wrong.
        message: String,
    },
}

fn join(items: &[u8]) -> String {
    items
        .iter()
        .map(u8::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_the_offending_values() {
        let missing = CatalogError::MissingItems { items: vec![3, 7] };
        assert_eq!(
            missing.to_string(),
            "the assessment is not complete; items without an answer: 3, 7"
        );
        let word = CatalogError::UnknownAnswer {
            item: "4".into(),
            word: "maybe".into(),
            allowed: crate::Answer::WORDS,
        };
        assert_eq!(
            word.to_string(),
            "item 4: unknown answer 'maybe' (allowed: yes, partial, no, unknown)"
        );
    }
}
