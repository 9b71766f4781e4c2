//! Request extractors whose rejections speak mamori's language: a malformed JSON body or form
//! gets the same localised error shape as every other error, never a framework's plain text.

use axum::Json;
use axum::extract::{Form, FromRequest, FromRequestParts, Query, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;

use crate::error::ApiError;
use crate::i18n::{Messages, negotiate};
use crate::pages::Page;
use crate::state::AppState;

/// A JSON request body for the API; a body that is not valid JSON of the expected shape is a
/// 400 `invalid_body` error that quotes what was wrong.
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let lang = negotiate(request.headers());
        match Json::<T>::from_request(request, state).await {
            Ok(Json(value)) => Ok(ApiJson(value)),
            Err(rejection) => Err(ApiError::with_message(
                StatusCode::BAD_REQUEST,
                "invalid_body",
                lang.tf("error.invalid_body", &[("detail", &rejection.body_text())]),
            )),
        }
    }
}

/// Query parameters for the API; a query string that cannot be read (a bad number, an unknown
/// value, broken percent-encoding) is a 400 `invalid_query` error in the caller's language.
pub struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let lang = negotiate(&parts.headers);
        match Query::<T>::from_request_parts(parts, state).await {
            Ok(Query(value)) => Ok(ApiQuery(value)),
            Err(rejection) => Err(ApiError::with_message(
                StatusCode::BAD_REQUEST,
                "invalid_query",
                lang.tf("error.invalid_query", &[("detail", &rejection.body_text())]),
            )),
        }
    }
}

/// A submitted HTML form; one that cannot be read gets an error page in the visitor's
/// language asking them to reload and try again.
pub struct PageForm<T>(pub T);

impl<T: DeserializeOwned + Send> FromRequest<AppState> for PageForm<T> {
    type Rejection = Response;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let lang = negotiate(request.headers());
        match Form::<T>::from_request(request, state).await {
            Ok(Form(value)) => Ok(PageForm(value)),
            Err(rejection) => {
                tracing::info!(reason = %rejection.body_text(), "unreadable form");
                let page = Page::new(state, lang, None);
                let response = page
                    .message(
                        StatusCode::BAD_REQUEST,
                        "error.title",
                        lang.t("error.invalid_form"),
                    )
                    .await;
                Err(response.into_response())
            }
        }
    }
}
