//! Reading an answer file for `mamori diagnose --answers FILE`: a TOML or JSON table mapping
//! item numbers to answer words, for example `1 = "yes"` or `{"1": "yes"}`.

use crate::answer::Answers;
use crate::assessment::SelfAssessment;
use crate::error::CatalogError;
use crate::scoring::validate_draft;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// An answer file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum AnswersFileError {
    /// The file could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The file is not a TOML or JSON table.
    #[error("{} is not a valid answer file ({message})", path.display())]
    Syntax {
        /// The file.
        path: PathBuf,
        /// What the parser said.
        message: String,
    },
    /// The table names an unknown item or holds an unknown answer word.
    #[error("{}: {source}", path.display())]
    Answers {
        /// The file.
        path: PathBuf,
        /// Which item and value were wrong.
        #[source]
        source: CatalogError,
    },
}

/// Reads answers from `path`: TOML for `.toml`, JSON for `.json`, otherwise JSON then TOML.
/// The answers may be incomplete; [`crate::score`] reports missing items.
pub fn load_answers(catalog: &SelfAssessment, path: &Path) -> Result<Answers, AnswersFileError> {
    let text = std::fs::read_to_string(path).map_err(|source| AnswersFileError::Read {
        path: path.to_owned(),
        source,
    })?;
    let extension = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    let table = match extension.as_deref() {
        Some("toml") => from_toml(&text),
        Some("json") => from_json(&text),
        _ => from_json(&text).or_else(|json| {
            from_toml(&text).map_err(|toml| format!("as JSON: {json}; as TOML: {toml}"))
        }),
    }
    .map_err(|message| AnswersFileError::Syntax {
        path: path.to_owned(),
        message,
    })?;
    // A value that is not a string (say `3 = 4`) is shown as written in the error.
    let words = table.into_iter().map(|(item, value)| match value {
        serde_json::Value::String(word) => (item, word),
        other => (item, other.to_string()),
    });
    validate_draft(catalog, words).map_err(|source| AnswersFileError::Answers {
        path: path.to_owned(),
        source,
    })
}

type Table = BTreeMap<String, serde_json::Value>;

fn from_toml(text: &str) -> Result<Table, String> {
    toml::from_str(text).map_err(|e| e.to_string())
}

fn from_json(text: &str) -> Result<Table, String> {
    serde_json::from_str(text).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::answer::Answer;
    use crate::scoring::tests::edition;
    use std::io::Write;

    fn file(name: &str, content: &str) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(name);
        std::fs::File::create(&path)
            .unwrap()
            .write_all(content.as_bytes())
            .unwrap();
        (dir, path)
    }

    fn load(name: &str, content: &str) -> Result<Answers, AnswersFileError> {
        let (_dir, path) = file(name, content);
        load_answers(&edition().self_assessment, &path)
    }

    #[test]
    fn reads_toml_and_json_by_extension() {
        let toml = load("a.toml", "1 = \"yes\"\n\"2\" = \"partial\"\n").unwrap();
        assert_eq!(
            (toml.get(1), toml.get(2)),
            (Some(Answer::Yes), Some(Answer::Partial))
        );
        let json = load("a.json", r#"{"1": "no", "25": "unknown"}"#).unwrap();
        assert_eq!(
            (json.get(1), json.get(25)),
            (Some(Answer::No), Some(Answer::Unknown))
        );
    }

    #[test]
    fn tries_both_formats_without_a_known_extension() {
        assert_eq!(
            load("answers", r#"{"3": "yes"}"#).unwrap().get(3),
            Some(Answer::Yes)
        );
        assert_eq!(
            load("answers.txt", "3 = \"no\"").unwrap().get(3),
            Some(Answer::No)
        );
        let err = load("answers", "this is neither").unwrap_err();
        assert!(
            matches!(&err, AnswersFileError::Syntax { message, .. } if message.contains("as JSON") && message.contains("as TOML")),
            "{err}"
        );
    }

    #[test]
    fn errors_name_the_item() {
        let err = load("a.toml", "1 = \"yes\"\n7 = \"maybe\"\n").unwrap_err();
        assert!(
            matches!(&err, AnswersFileError::Answers { source: CatalogError::UnknownAnswer { item, word, .. }, .. } if item == "7" && word == "maybe"),
            "{err}"
        );
        assert!(
            err.to_string()
                .contains("item 7: unknown answer 'maybe' (allowed: yes, partial, no, unknown)")
        );

        let err = load("a.json", r#"{"30": "yes"}"#).unwrap_err();
        assert!(
            err.to_string()
                .contains("unknown item '30' (allowed: 1-25)"),
            "{err}"
        );

        let err = load("a.toml", "3 = 4").unwrap_err();
        assert!(
            err.to_string().contains("item 3: unknown answer '4'"),
            "{err}"
        );
    }

    #[test]
    fn a_missing_file_is_a_read_error() {
        let err = load_answers(
            &edition().self_assessment,
            Path::new("/nonexistent/answers.toml"),
        )
        .unwrap_err();
        assert!(matches!(err, AnswersFileError::Read { .. }));
    }
}
