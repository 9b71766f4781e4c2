//! `GET /healthz`: whether the server and its database answer.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Serialize;
use utoipa::ToSchema;

use crate::state::AppState;

/// The health report.
#[derive(Serialize, ToSchema)]
pub struct Health {
    /// `ok`, or `degraded` when the database does not answer.
    status: &'static str,
    /// `sqlite` or `postgres`.
    database: &'static str,
    /// The running mamori version.
    version: &'static str,
}

/// Liveness and database check, for load balancers and monitoring.
#[utoipa::path(get, path = "/healthz", tag = "meta", security(()),
    responses((status = 200, body = Health), (status = 503, body = Health)))]
pub async fn healthz(State(state): State<AppState>) -> (StatusCode, Json<Health>) {
    let ok = state.store.ping().await.is_ok();
    let health = Health {
        status: if ok { "ok" } else { "degraded" },
        database: state.store.backend().as_str(),
        version: env!("CARGO_PKG_VERSION"),
    };
    let status = if ok {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, Json(health))
}
