//! Why a page could not be shown, as a type. Handlers return `Err(PageError::NotFound)` or
//! `?` a store error without building a page themselves; one layer ([`render_errors`]) turns
//! the error into the message page in the reader's language, with the signed-in header, so
//! every error page reads and looks the same whichever handler refused.

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use mamori_store::StoreError;

use super::Page;
use crate::auth::Viewer;
use crate::cookies;
use crate::error::describe_store_error;
use crate::i18n::{Messages, negotiate};
use crate::state::AppState;

/// Why a page handler did not show its page.
#[derive(Debug)]
pub(crate) enum PageError {
    /// Absent, or another organisation's: the two are not told apart (404).
    NotFound,
    /// The viewer's role may not do this (403).
    Forbidden,
    /// The form's token does not match the session's (403).
    Csrf,
    /// Reading or writing the store failed; the status and message follow the error.
    Store(StoreError),
    /// A page the handler already rendered (a form shown again with what was wrong).
    Shown(Box<Response>),
}

impl From<StoreError> for PageError {
    fn from(e: StoreError) -> Self {
        PageError::Store(e)
    }
}

impl From<Response> for PageError {
    fn from(shown: Response) -> Self {
        PageError::Shown(Box::new(shown))
    }
}

/// An error page still to be rendered, carried from the handler to [`render_errors`] in the
/// response's extensions.
#[derive(Debug, Clone)]
struct Unrendered {
    status: StatusCode,
    message_key: String,
}

impl PageError {
    /// The status and the message's key, or the page already shown.
    fn describe(self) -> Result<Unrendered, Box<Response>> {
        let (status, message_key) = match self {
            PageError::NotFound => (StatusCode::NOT_FOUND, "error.not_found".to_owned()),
            PageError::Forbidden => (StatusCode::FORBIDDEN, "error.forbidden".to_owned()),
            PageError::Csrf => (StatusCode::FORBIDDEN, "error.csrf".to_owned()),
            PageError::Store(e) => {
                let (status, _, key) = describe_store_error(&e);
                (status, key)
            }
            PageError::Shown(page) => return Err(page),
        };
        Ok(Unrendered {
            status,
            message_key,
        })
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        match self.describe() {
            Ok(unrendered) => {
                let mut response = unrendered.status.into_response();
                response.extensions_mut().insert(unrendered);
                response
            }
            Err(shown) => *shown,
        }
    }
}

/// Renders the error pages handlers asked for: the message in the reader's language, with
/// the header of whoever is signed in.
pub(crate) async fn render_errors(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let lang = negotiate(request.headers());
    let cookie = cookies::get(request.headers(), cookies::SESSION).map(str::to_owned);
    let response = next.run(request).await;
    let Some(failure) = response.extensions().get::<Unrendered>().cloned() else {
        return response;
    };
    let viewer = match cookie {
        Some(cookie) => match state.store.session_user(&cookie).await {
            Ok(found) => found.map(|(user, session)| Viewer {
                user,
                session,
                cookie,
            }),
            Err(e) => {
                tracing::warn!(error = %e, "session not readable for an error page");
                None
            }
        },
        None => None,
    };
    Page::new(&state, lang, viewer)
        .message(failure.status, "error.title", lang.t(&failure.message_key))
        .await
}
