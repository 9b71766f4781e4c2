//! What unknown addresses answer: a JSON error under `/api/`, a page everywhere else.

use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};

use crate::error::ApiError;
use crate::i18n::Messages;
use crate::pages::Page;

/// The handler for routes that do not exist.
pub async fn not_found(page: Page, uri: Uri) -> Response {
    if uri.path().starts_with("/api/") {
        return ApiError::not_found(page.lang).into_response();
    }
    page.message(
        StatusCode::NOT_FOUND,
        "error.title",
        page.lang.t("error.not_found"),
    )
    .await
}
