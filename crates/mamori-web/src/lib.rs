//! mamori's web layer: the plain-Japanese portal for client organisations, the multi-tenant
//! console for the provider's staff, and the `/api/v1` JSON API with its OpenAPI document.
//! It calls the domain crates; nothing below it imports it.

rust_i18n::i18n!("locales", fallback = "ja");

mod api;
mod assets;
mod audit_view;
mod auth;
mod channel_input;
mod consultation;
mod cookies;
mod directory;
mod error;
mod extract;
mod fallback;
mod i18n;
mod incident;
mod measures;
mod pages;
mod read_limit;
mod render;
mod report_access;
mod state;
mod triage;

pub use channel_input::ChannelInput;
pub use i18n::Lang;
pub use state::{Alerting, AppState, SyslogPorts, WebSettings};

use axum::Router;

/// Builds the whole application: pages, API, health check and static assets.
pub fn router(state: AppState) -> Router {
    Router::new()
        .merge(pages::router().layer(axum::middleware::from_fn_with_state(
            state.clone(),
            pages::render_errors,
        )))
        .merge(assets::router())
        .merge(api::router())
        .fallback(fallback::not_found)
        .layer(axum::middleware::from_fn(auth::reject_cross_site_posts))
        .layer(axum::middleware::from_fn(pages::security_headers))
        .layer(tower_http::trace::TraceLayer::new_for_http())
        .with_state(state)
}

/// Serves only `GET /healthz` on `listener` until `shutdown` completes: a cluster node that
/// does not serve pages and the API still answers its load balancer and monitoring.
pub async fn serve_health(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let app = axum::Router::new()
        .route("/healthz", axum::routing::get(api::healthz))
        .with_state(state);
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
}

/// Serves the application on `listener` until `shutdown` completes, then lets requests in
/// flight finish. The binary and the flow tests both start the server through this.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let app = router(state).into_make_service_with_connect_info::<std::net::SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
}
