//! Request extractors whose rejections speak mamori's language: a malformed JSON body or form
//! gets the same localised error shape as every other error, never a framework's plain text.

use axum::body::Bytes;
use axum::extract::{Form, FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;

use crate::error::ApiError;
use crate::i18n::{Lang, Messages, negotiate};
use crate::pages::Page;
use crate::state::AppState;

/// A JSON request body for the API. A body that cannot be used is answered in the documented
/// error shape and the caller's language, naming the field that was wrong but never a Rust
/// type: 415 without `Content-Type: application/json`, 413 over the size limit, 400 for text
/// that is not JSON or JSON of another shape.
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let lang = negotiate(request.headers());
        if !is_json(request.headers()) {
            return Err(ApiError::with_message(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                lang.t("error.json_content_type"),
            ));
        }
        let bytes = Bytes::from_request(request, state)
            .await
            .map_err(|rejection| {
                if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    ApiError::with_message(
                        StatusCode::PAYLOAD_TOO_LARGE,
                        "body_too_large",
                        lang.t("error.body_too_large"),
                    )
                } else {
                    unreadable_body(lang, lang.t("error.body_cut_off"))
                }
            })?;
        // Every API body is one object; serde would also read a struct from an array.
        if bytes.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
            return Err(unreadable_body(lang, lang.t("error.body_wrong_shape")));
        }
        let mut reader = serde_json::Deserializer::from_slice(&bytes);
        serde_path_to_error::deserialize(&mut reader)
            .map(ApiJson)
            .map_err(|e| unreadable_body(lang, body_problem(lang, &e)))
    }
}

/// True when the request says its body is JSON (`application/json` or `…+json`).
fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<mime::Mime>().ok())
        .is_some_and(|m| {
            m.type_() == mime::APPLICATION
                && (m.subtype() == mime::JSON || m.suffix() == Some(mime::JSON))
        })
}

fn unreadable_body(lang: Lang, detail: String) -> ApiError {
    ApiError::with_message(
        StatusCode::BAD_REQUEST,
        "invalid_body",
        lang.tf("error.invalid_body", &[("detail", &detail)]),
    )
}

/// What was wrong with a JSON body, in the caller's words: where the text stops being JSON,
/// or which field is missing or of the wrong kind.
fn body_problem(lang: Lang, e: &serde_path_to_error::Error<serde_json::Error>) -> String {
    let inner = e.inner();
    let path = e.path().to_string();
    match inner.classify() {
        serde_json::error::Category::Syntax | serde_json::error::Category::Eof => lang.tf(
            "error.body_not_json",
            &[
                ("line", &inner.line().to_string()),
                ("column", &inner.column().to_string()),
            ],
        ),
        serde_json::error::Category::Data | serde_json::error::Category::Io => {
            match missing_field(&inner.to_string()) {
                Some(field) => {
                    let field = if path == "." {
                        field
                    } else {
                        format!("{path}.{field}")
                    };
                    lang.tf("error.body_missing_field", &[("field", &field)])
                }
                None if path == "." => lang.t("error.body_wrong_shape"),
                None => lang.tf("error.body_wrong_field", &[("field", &path)]),
            }
        }
    }
}

/// The field name in serde's "missing field `name`" message. serde offers no structured form
/// of this error, and its wording is fixed by `serde::de::Error::missing_field`.
fn missing_field(message: &str) -> Option<String> {
    let rest = message.strip_prefix("missing field `")?;
    Some(rest.split('`').next()?.to_owned())
}

/// Query parameters for the API; a query string that cannot be read (a bad number, an unknown
/// value, broken percent-encoding) is a 400 `invalid_query` error in the caller's language
/// naming the parameter.
pub struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let lang = negotiate(&parts.headers);
        let query = parts.uri.query().unwrap_or_default();
        let reader = serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
        serde_path_to_error::deserialize(reader)
            .map(ApiQuery)
            .map_err(|e| {
                let path = e.path().to_string();
                let detail = if path == "." {
                    lang.t("error.query_unreadable")
                } else {
                    lang.tf("error.query_wrong_parameter", &[("name", &path)])
                };
                ApiError::with_message(
                    StatusCode::BAD_REQUEST,
                    "invalid_query",
                    lang.tf("error.invalid_query", &[("detail", &detail)]),
                )
            })
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
