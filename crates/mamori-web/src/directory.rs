//! What the directory pages and the API share: the directory in force, a key for an entry
//! the provider adds, and why an entry cannot be saved, in the reader's words.

use mamori_model::Contact;
use mamori_response::{ContactProblem, Directory};
use mamori_store::{Store, StoreError};
use minijinja::{Value, context};

use crate::i18n::{Lang, Messages};

/// The contacts directory in force: the published entries with the provider's edits.
pub(crate) async fn directory(store: &Store) -> Result<Directory, StoreError> {
    Ok(Directory::new(store.contact_edits().await?))
}

/// A directory entry as pages show it: name and purpose in `lang`, how to reach it, and where
/// and when its details come from.
pub(crate) fn contact_view(c: &Contact, lang: Lang) -> Value {
    context! {
        name => c.name(lang),
        purpose => c.purpose(lang),
        phone => &c.phone,
        address => &c.address,
        web => &c.web,
        source => &c.source,
        as_of => c.as_of_text(lang),
    }
}

/// A fresh key for an entry the provider adds (never one of the published keys, which have
/// no `own-` prefix).
pub(crate) fn new_key() -> String {
    let id = mamori_store::new_id().replace('-', "");
    format!("own-{}", &id[id.len() - 12..])
}

/// Why an entry cannot be saved, in `lang`.
pub(crate) fn problem_message(lang: Lang, problem: &ContactProblem) -> String {
    match problem {
        ContactProblem::TooLong { field, max } => {
            let field = lang.t(&format!("contacts.field.{field}"));
            lang.tf(
                "contacts.error.too_long",
                &[("field", &field), ("max", &max.to_string())],
            )
        }
        other => lang.t(&format!("contacts.error.{}", other.code())),
    }
}
