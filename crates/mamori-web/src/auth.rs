//! Who is calling: browser sessions for pages, bearer tokens for the API, and the network
//! address for rate limits and the audit log.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequestParts, Request};
use axum::http::{Method, StatusCode, header, request::Parts};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use mamori_model::User;
use mamori_store::Session;

use crate::cookies;
use crate::error::ApiError;
use crate::i18n::{Lang, Messages, negotiate};
use crate::state::AppState;

/// The address a request came from (the TCP peer).
#[derive(Debug, Clone)]
pub struct ClientAddr(pub String);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let addr = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(a)| a.ip().to_string())
            .unwrap_or_else(|| "unknown".to_owned());
        Ok(ClientAddr(addr))
    }
}

/// A person signed in through the browser.
#[derive(Debug, Clone)]
pub struct Viewer {
    /// The account.
    pub user: User,
    /// Their session (for the CSRF token).
    pub session: Session,
    /// The session cookie value, to end the session at sign-out.
    pub cookie: String,
}

impl Viewer {
    /// Whether a submitted form token matches the session's.
    pub fn csrf_ok(&self, token: &str) -> bool {
        // Both are our own random strings of equal length; compare without early exit.
        let a = self.session.csrf_token.as_bytes();
        let b = token.as_bytes();
        a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
    }
}

/// The viewer if signed in; pages that work for everyone use this.
pub struct MaybeViewer(pub Option<Viewer>);

impl FromRequestParts<AppState> for MaybeViewer {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let Some(cookie) = cookies::get(&parts.headers, cookies::SESSION) else {
            return Ok(MaybeViewer(None));
        };
        match state.store.session_user(cookie).await {
            Ok(found) => Ok(MaybeViewer(found.map(|(user, session)| Viewer {
                user,
                session,
                cookie: cookie.to_owned(),
            }))),
            Err(e) => {
                tracing::error!(error = %e, "session lookup failed");
                Err(StatusCode::SERVICE_UNAVAILABLE.into_response())
            }
        }
    }
}

impl FromRequestParts<AppState> for Viewer {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        match MaybeViewer::from_request_parts(parts, state).await? {
            MaybeViewer(Some(viewer)) => Ok(viewer),
            MaybeViewer(None) => Err(Redirect::to("/login").into_response()),
        }
    }
}

/// A caller of `/api/v1` authenticated by `Authorization: Bearer <token>`.
pub struct ApiCaller {
    /// The token's owner.
    pub user: User,
    /// The caller's language, for error messages.
    pub lang: Lang,
}

impl FromRequestParts<AppState> for ApiCaller {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let lang = negotiate(&parts.headers);
        let token = bearer(&parts.headers).ok_or_else(|| ApiError::unauthorized(lang))?;
        match state.store.token_user(token).await {
            Ok(Some(user)) => Ok(ApiCaller { user, lang }),
            Ok(None) => Err(ApiError::unauthorized(lang)),
            Err(e) => Err(ApiError::from_store(lang, e)),
        }
    }
}

/// The token of an `Authorization: Bearer <token>` header (user API tokens and source
/// ingest tokens alike).
pub fn bearer(headers: &axum::http::HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::trim)
}

/// Refuses state-changing browser requests that the browser marks as cross-site
/// (`Sec-Fetch-Site: cross-site`), that come from an opaque origin (`Origin: null`: sandboxed
/// frames, `data:` pages) or whose `Origin` (or `Referer`) names another site. Together with
/// SameSite cookies and per-session form tokens this stops cross-site request forgery,
/// including on the sign-in and setup forms that have no session yet.
pub async fn reject_cross_site_posts(request: Request, next: Next) -> Response {
    let safe = matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    if !safe && !request.headers().contains_key(header::AUTHORIZATION) {
        let headers = request.headers();
        let host = headers
            .get(header::HOST)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let origin = headers
            .get(header::ORIGIN)
            .or_else(|| headers.get(header::REFERER))
            .and_then(|v| v.to_str().ok());
        let cross_site = headers
            .get("sec-fetch-site")
            .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"cross-site"));
        let foreign = origin.is_some_and(|origin| {
            let origin_host = origin
                .split_once("://")
                .map(|(_, rest)| rest.split('/').next().unwrap_or(""))
                .unwrap_or("");
            origin == "null" || origin_host != host
        });
        if cross_site || foreign {
            let message = negotiate(headers).t("error.cross_site");
            return (StatusCode::FORBIDDEN, message).into_response();
        }
    }
    next.run(request).await
}
