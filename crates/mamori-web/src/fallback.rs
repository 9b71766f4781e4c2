//! What unknown addresses answer: a JSON error under `/api/`, a page everywhere else.

use axum::extract::State;
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};

use crate::auth::MaybeViewer;
use crate::error::ApiError;
use crate::i18n::{Messages, Negotiated};
use crate::pages::Page;
use crate::state::AppState;

/// The handler for routes that do not exist.
pub async fn not_found(
    State(state): State<AppState>,
    Negotiated(lang): Negotiated,
    uri: Uri,
    MaybeViewer(viewer): MaybeViewer,
) -> Response {
    if uri.path().starts_with("/api/") {
        return ApiError::not_found(lang).into_response();
    }
    Page::new(&state, lang, viewer.as_ref())
        .message(
            StatusCode::NOT_FOUND,
            "error.title",
            lang.t("error.not_found"),
        )
        .await
}
