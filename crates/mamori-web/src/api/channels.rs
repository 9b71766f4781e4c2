//! Notification channels over the API: list, add and remove an organisation's channels
//! (and the provider's own), send the alert-route test, and read the delivery log.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use mamori_alerts::{RouteCheck, test_route};
use mamori_model::Deed;
use mamori_store::{Actor, Channel, DeliveryRecord};
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::{ApiCaller, ClientAddr};
use crate::channel_input::ChannelInput;
use crate::error::{ApiError, ErrorBody};
use crate::extract::ApiJson;
use crate::i18n::Messages;
use crate::state::AppState;

/// A channel as listed: settings with secrets masked, and whether it works.
#[derive(Serialize, ToSchema)]
pub struct ChannelView {
    /// Identifier.
    id: String,
    /// Organisation (absent for the provider's own channels).
    org_id: Option<String>,
    /// `email`, `webhook`, `slack` or `teams`.
    kind: String,
    /// Where it goes, secrets masked.
    destination: String,
    /// Lowest severity sent.
    min_severity: String,
    /// Quiet hours, minutes after midnight.
    quiet_start: Option<i64>,
    /// End of quiet hours.
    quiet_end: Option<i64>,
    /// Quiet hours as `HH:MM–HH:MM`.
    quiet: Option<String>,
    /// Daily digest for low and info alerts.
    digest: bool,
    /// Message language.
    lang: String,
    /// `working` (last delivery arrived), `failing` (last attempt failed) or `untested`.
    state: &'static str,
    /// The last failure, exactly.
    last_error: Option<String>,
    /// The last failure's kind, a stable code (`connect`, `http_status`, `timeout` …).
    last_error_code: Option<String>,
    /// Last success (Unix seconds).
    last_ok_at: Option<i64>,
}

impl ChannelView {
    /// `channel` for people: the destination described by the notifier (secrets masked).
    pub(crate) fn new(channel: Channel) -> Self {
        let destination = serde_json::from_value::<mamori_notify::Channel>(channel.config.clone())
            .map(|d| d.describe())
            .unwrap_or_else(|_| channel.kind.clone());
        let state = if channel.failing() {
            "failing"
        } else if channel.proven() {
            "working"
        } else {
            "untested"
        };
        ChannelView {
            id: channel.id,
            org_id: channel.org_id,
            kind: channel.kind,
            destination,
            min_severity: channel.min_severity,
            quiet: channel
                .quiet_start
                .zip(channel.quiet_end)
                .map(|(s, e)| format!("{:02}:{:02}–{:02}:{:02}", s / 60, s % 60, e / 60, e % 60)),
            quiet_start: channel.quiet_start,
            quiet_end: channel.quiet_end,
            digest: channel.digest,
            lang: channel.lang,
            state,
            last_error: channel.last_error,
            last_error_code: channel.last_error_code,
            last_ok_at: channel.last_ok_at,
        }
    }
}

async fn list_of(
    state: &AppState,
    caller: &ApiCaller,
    org_id: Option<&str>,
) -> Result<Json<Vec<ChannelView>>, ApiError> {
    let scope = caller.user.scope();
    let channels = match org_id {
        Some(id) => match state.store.org_store(&scope, id).await {
            Ok(org) => org.channels().list().await,
            Err(e) => Err(e),
        },
        None => state.store.provider_channels(&scope).await,
    };
    channels
        .map(|channels| Json(channels.into_iter().map(ChannelView::new).collect()))
        .map_err(|e| ApiError::from_store(caller.lang, e))
}

async fn create_in(
    state: &AppState,
    caller: &ApiCaller,
    addr: String,
    org_id: Option<String>,
    input: ChannelInput,
) -> Result<(StatusCode, Json<ChannelView>), ApiError> {
    let lang = caller.lang;
    if let Some(org) = &org_id
        && !caller.user.scope().permits(org)
    {
        return Err(ApiError::not_found(lang));
    }
    if !caller.user.may_at(Deed::ManageChannels, org_id.as_deref()) {
        return Err(ApiError::forbidden(lang));
    }
    let new = input
        .to_new(org_id, lang, &state.webhook_destinations())
        .map_err(|message| ApiError::invalid("invalid_input.channel", message))?;
    let channel = state
        .store
        .create_channel(
            &Actor::user(&caller.user, Some(addr)),
            &caller.user.scope(),
            new,
        )
        .await
        .map_err(|e| ApiError::from_store(lang, e))?;
    Ok((StatusCode::CREATED, Json(ChannelView::new(channel))))
}

/// Channels of one organisation.
#[utoipa::path(get, path = "/orgs/{id}/channels", tag = "notifications",
    params(("id" = String, Path, description = "Organisation id")),
    responses((status = 200, body = Vec<ChannelView>), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
) -> Result<Json<Vec<ChannelView>>, ApiError> {
    list_of(&state, &caller, Some(&id)).await
}

/// Adds a channel to an organisation (the provider's administrator, or the organisation's
/// owner). The settings are checked before anything is stored.
#[utoipa::path(post, path = "/orgs/{id}/channels", tag = "notifications", request_body = ChannelInput,
    params(("id" = String, Path, description = "Organisation id")),
    responses((status = 201, body = ChannelView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    caller: ApiCaller,
    ClientAddr(addr): ClientAddr,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<ChannelInput>,
) -> Result<(StatusCode, Json<ChannelView>), ApiError> {
    create_in(&state, &caller, addr, Some(id), input).await
}

/// The provider's own channels, told about every organisation's alerts (provider staff).
#[utoipa::path(get, path = "/channels", tag = "notifications",
    responses((status = 200, body = Vec<ChannelView>), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn list_provider(
    State(state): State<AppState>,
    caller: ApiCaller,
) -> Result<Json<Vec<ChannelView>>, ApiError> {
    list_of(&state, &caller, None).await
}

/// Adds a provider channel (administrators).
#[utoipa::path(post, path = "/channels", tag = "notifications", request_body = ChannelInput,
    responses((status = 201, body = ChannelView), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_provider(
    State(state): State<AppState>,
    caller: ApiCaller,
    ClientAddr(addr): ClientAddr,
    ApiJson(input): ApiJson<ChannelInput>,
) -> Result<(StatusCode, Json<ChannelView>), ApiError> {
    create_in(&state, &caller, addr, None, input).await
}

/// Removes a channel; notifications still queued for it are dropped.
#[utoipa::path(delete, path = "/channels/{id}", tag = "notifications",
    params(("id" = String, Path, description = "Channel id")),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn remove(
    State(state): State<AppState>,
    caller: ApiCaller,
    ClientAddr(addr): ClientAddr,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let lang = caller.lang;
    let scope = caller.user.scope();
    let channel = state
        .store
        .channel(&scope, &id)
        .await
        .map_err(|e| ApiError::from_store(lang, e))?
        .ok_or_else(|| ApiError::not_found(lang))?;
    if !caller
        .user
        .may_at(Deed::ManageChannels, channel.org_id.as_deref())
    {
        return Err(ApiError::forbidden(lang));
    }
    state
        .store
        .delete_channel(&Actor::user(&caller.user, Some(addr)), &scope, &id)
        .await
        .map_err(|e| ApiError::from_store(lang, e))?;
    Ok(StatusCode::NO_CONTENT)
}

/// The alert-route test's answer.
#[derive(Serialize, ToSchema)]
pub struct RouteTest {
    /// True when at least one channel delivered the test.
    working: bool,
    /// One result per channel; empty when the organisation has no channel at all.
    #[schema(value_type = Vec<Object>)]
    channels: Vec<RouteCheck>,
}

/// Sends a test notice through every channel of the organisation and reports, per
/// channel, delivered (with the server's answer) or the exact error.
#[utoipa::path(post, path = "/orgs/{id}/channels/test", tag = "notifications",
    params(("id" = String, Path, description = "Organisation id")),
    responses((status = 200, body = RouteTest), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn test(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
) -> Result<Json<RouteTest>, ApiError> {
    let lang = caller.lang;
    let scope = caller.user.scope();
    if !scope.permits(&id) {
        return Err(ApiError::not_found(lang));
    }
    if !caller.user.may_in(Deed::TestRoute, &id) {
        return Err(ApiError::forbidden(lang));
    }
    let Some(alerting) = &state.alerting else {
        return Err(ApiError::with_message(
            StatusCode::SERVICE_UNAVAILABLE,
            "notifications_off",
            lang.t("channels.error.off"),
        ));
    };
    let checks = test_route(
        &state.store,
        &alerting.notifier,
        &alerting.settings,
        &scope,
        &id,
    )
    .await
    .map_err(|e| match e {
        mamori_alerts::AlertsError::Store(e) => ApiError::from_store(lang, e),
        other => {
            tracing::error!(error = %other, "route test failed");
            ApiError::new(
                lang,
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "error.internal",
            )
        }
    })?;
    Ok(Json(RouteTest {
        working: checks.iter().any(|c| c.delivered),
        channels: checks,
    }))
}

/// The latest notifications of an organisation with their outcome.
#[utoipa::path(get, path = "/orgs/{id}/deliveries", tag = "notifications",
    params(("id" = String, Path, description = "Organisation id")),
    responses((status = 200, description = "Notifications, newest first"), (status = 404, body = ErrorBody)))]
pub async fn deliveries(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
) -> Result<Json<Vec<DeliveryRecord>>, ApiError> {
    let fail = |e| ApiError::from_store(caller.lang, e);
    let org = state
        .store
        .org_store(&caller.user.scope(), &id)
        .await
        .map_err(fail)?;
    org.channels().deliveries(100).await.map(Json).map_err(fail)
}
