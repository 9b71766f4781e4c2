//! Errors as people see them: JSON for the API, a page for the browser, always in the caller's
//! language and always saying what was wrong.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use mamori_store::StoreError;
use serde::Serialize;
use utoipa::ToSchema;

use crate::i18n::{Lang, Messages};

/// The body of every API error: `{ "error": { "code": "...", "message": "..." } }`.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    /// The error itself.
    pub error: ErrorDetail,
}

/// A stable code for programs and a sentence for people.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable, machine-readable code such as `not_found` or `invalid_input.email`.
    pub code: String,
    /// What was wrong, in the caller's language (`Accept-Language`).
    pub message: String,
}

/// An API error ready to send.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    body: ErrorBody,
}

/// How a store error reads to a person: HTTP status, stable code and message key.
pub fn describe_store_error(e: &StoreError) -> (StatusCode, String, String) {
    match e {
        StoreError::NotFound => (
            StatusCode::NOT_FOUND,
            "not_found".into(),
            "error.not_found".into(),
        ),
        StoreError::EmailTaken => (
            StatusCode::CONFLICT,
            "email_taken".into(),
            "error.email_taken".into(),
        ),
        StoreError::AlreadySetUp => (
            StatusCode::CONFLICT,
            "already_set_up".into(),
            "error.already_set_up".into(),
        ),
        StoreError::Invalid(what) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("invalid_input.{}", what.code()),
            format!("error.invalid.{}", what.code()),
        ),
        other => {
            tracing::error!(error = %other, "store failure");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal".into(),
                "error.internal".into(),
            )
        }
    }
}

impl ApiError {
    /// An error with `status`, `code` and the message `key` in `lang`.
    pub fn new(lang: Lang, status: StatusCode, code: &str, key: &str) -> Self {
        ApiError {
            status,
            body: ErrorBody {
                error: ErrorDetail {
                    code: code.to_owned(),
                    message: lang.t(key),
                },
            },
        }
    }

    /// 401: no valid bearer token.
    pub fn unauthorized(lang: Lang) -> Self {
        Self::new(
            lang,
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "error.unauthorized",
        )
    }

    /// 403: signed in, but the role may not do this.
    pub fn forbidden(lang: Lang) -> Self {
        Self::new(lang, StatusCode::FORBIDDEN, "forbidden", "error.forbidden")
    }

    /// 429: the organisation already has as many expensive reads running as it may; the
    /// answer carries `Retry-After`.
    pub fn busy(lang: Lang) -> Self {
        Self::new(lang, StatusCode::TOO_MANY_REQUESTS, "busy", "error.busy")
    }

    /// 404: absent, or outside the caller's organisation (the two look the same on purpose).
    pub fn not_found(lang: Lang) -> Self {
        Self::new(lang, StatusCode::NOT_FOUND, "not_found", "error.not_found")
    }

    /// 422 with a specific, already translated message.
    pub fn invalid(code: &str, message: String) -> Self {
        Self::with_message(StatusCode::UNPROCESSABLE_ENTITY, code, message)
    }

    /// An error with `status` and an already translated message.
    pub fn with_message(status: StatusCode, code: &str, message: String) -> Self {
        ApiError {
            status,
            body: ErrorBody {
                error: ErrorDetail {
                    code: code.to_owned(),
                    message,
                },
            },
        }
    }

    /// The translated message, for answers that collect several errors.
    pub fn message(&self) -> &str {
        &self.body.error.message
    }

    /// Translates a store error.
    pub fn from_store(lang: Lang, e: StoreError) -> Self {
        let (status, code, key) = describe_store_error(&e);
        Self::new(lang, status, &code, &key)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if self.status == StatusCode::TOO_MANY_REQUESTS {
            // Busy answers are short-lived: a second is enough for a running read to end.
            return (
                self.status,
                [(axum::http::header::RETRY_AFTER, "1")],
                Json(self.body),
            )
                .into_response();
        }
        (self.status, Json(self.body)).into_response()
    }
}

#[cfg(test)]
mod busy_tests {
    use super::*;

    #[test]
    fn busy_answers_say_when_to_retry_in_the_callers_language() {
        let response = ApiError::busy(Lang::Ja).into_response();
        assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(response.headers()["retry-after"], "1");
        let error = ApiError::busy(Lang::En);
        assert_eq!(error.body.error.code, "busy");
        assert!(error.body.error.message.contains("try again"));
        assert!(
            ApiError::busy(Lang::Ja)
                .body
                .error
                .message
                .contains("少し待って")
        );
    }
}
