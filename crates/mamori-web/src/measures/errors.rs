//! What can go wrong with questionnaires, and how it reads to people: every answer error names
//! the item and the allowed values, in the caller's language.

use axum::http::StatusCode;
use mamori_catalog::{CatalogError, ExecutiveError, ExecutiveList};
use mamori_store::StoreError;

use crate::error::{ApiError, describe_store_error};
use crate::i18n::{Lang, Messages};

/// A failure while storing, reading or scoring answers.
#[derive(Debug, thiserror::Error)]
pub(crate) enum MeasureError {
    /// Reading or writing the database failed, or the row is not visible.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The answers or the catalog id are not acceptable.
    #[error(transparent)]
    Catalog(#[from] CatalogError),
    /// The executive answers are not acceptable.
    #[error(transparent)]
    Executive(#[from] ExecutiveError),
    /// A document could not be generated (missing parameters, most often).
    #[error(transparent)]
    Document(#[from] mamori_policies::PolicyError),
    /// Stored answers or built-in catalogs cannot be read: a bug or a hand-edited database.
    #[error("cannot read stored answers: {0}")]
    Broken(String),
}

impl MeasureError {
    /// HTTP status, stable code and the sentence for people.
    pub(crate) fn describe(&self, lang: Lang) -> (StatusCode, String, String) {
        let invalid = |code: &str, message: String| {
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                format!("invalid_input.{code}"),
                message,
            )
        };
        match self {
            MeasureError::Store(e) => {
                let (status, code, key) = describe_store_error(e);
                (status, code, lang.t(&key))
            }
            MeasureError::Catalog(e) => match catalog_message(lang, e) {
                Some((code, message)) => invalid(code, message),
                None => internal(lang, e),
            },
            MeasureError::Executive(ExecutiveError { list, error }) => {
                match catalog_message(lang, error) {
                    Some((code, message)) => {
                        let list = lang.t(match list {
                            ExecutiveList::Principles => "assessment.executive.principles",
                            ExecutiveList::Actions => "assessment.executive.actions",
                        });
                        invalid(code, format!("{list}: {message}"))
                    }
                    None => internal(lang, error),
                }
            }
            MeasureError::Document(mamori_policies::PolicyError::Params(problems)) => {
                let message = match super::documents::texts() {
                    Ok(texts) => problems.describe(texts, lang),
                    Err(_) => problems.to_string(),
                };
                invalid("document_params", message)
            }
            MeasureError::Document(mamori_policies::PolicyError::Unexplained { kind, ids }) => {
                invalid(
                    "document_reason",
                    super::documents::unexplained_message(*kind, ids, lang),
                )
            }
            MeasureError::Document(mamori_policies::PolicyError::Store(e)) => {
                let (status, code, key) = describe_store_error(e);
                (status, code, lang.t(&key))
            }
            MeasureError::Document(e) => internal(lang, e),
            MeasureError::Broken(_) => internal(lang, self),
        }
    }

    /// The error as an API response.
    pub(crate) fn api(&self, lang: Lang) -> ApiError {
        let (status, code, message) = self.describe(lang);
        ApiError::with_message(status, &code, message)
    }
}

fn internal(lang: Lang, e: &dyn std::error::Error) -> (StatusCode, String, String) {
    tracing::error!(error = %e, "questionnaire failure");
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal".to_owned(),
        lang.t("error.internal"),
    )
}

/// The code and sentence for an answer error, or `None` for errors that are bugs.
fn catalog_message(lang: Lang, e: &CatalogError) -> Option<(&'static str, String)> {
    Some(match e {
        CatalogError::UnknownItem { item, first, last } => (
            "unknown_item",
            lang.tf(
                "assessment.error.unknown_item",
                &[
                    ("item", item),
                    ("first", &first.to_string()),
                    ("last", &last.to_string()),
                ],
            ),
        ),
        CatalogError::MissingItems { items } => (
            "missing_items",
            lang.tf(
                "assessment.error.missing_items",
                &[("items", &join(items.iter()))],
            ),
        ),
        CatalogError::UnknownAnswer {
            item,
            word,
            allowed,
        } => (
            "unknown_answer",
            lang.tf(
                "assessment.error.unknown_answer",
                &[
                    ("item", item),
                    ("word", word),
                    ("allowed", &join(allowed.iter())),
                ],
            ),
        ),
        CatalogError::UnknownCatalog { id, known } => (
            "unknown_catalog",
            lang.tf(
                "assessment.error.unknown_catalog",
                &[("id", id), ("known", &join(known.iter()))],
            ),
        ),
        CatalogError::EditionMismatch { .. } | CatalogError::InvalidData { .. } => return None,
    })
}

fn join<T: ToString>(items: impl Iterator<Item = T>) -> String {
    items.map(|i| i.to_string()).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answer_errors_name_the_item_and_allowed_values_in_both_languages() {
        let e = MeasureError::Catalog(CatalogError::UnknownAnswer {
            item: "4".into(),
            word: "maybe".into(),
            allowed: mamori_catalog::Answer::WORDS,
        });
        let (status, code, ja) = e.describe(Lang::Ja);
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(code, "invalid_input.unknown_answer");
        assert!(
            ja.contains('4') && ja.contains("maybe") && ja.contains("yes, partial, no, unknown"),
            "{ja}"
        );
        let (_, _, en) = e.describe(Lang::En);
        assert!(en.contains("maybe") && en != ja, "{en}");

        let missing = MeasureError::Executive(ExecutiveError {
            list: ExecutiveList::Actions,
            error: CatalogError::MissingItems { items: vec![6, 7] },
        });
        let (_, code, ja) = missing.describe(Lang::Ja);
        assert_eq!(code, "invalid_input.missing_items");
        assert!(ja.contains("重要7項目") && ja.contains("6, 7"), "{ja}");
    }
}
