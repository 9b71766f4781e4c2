//! The alert-route self-test: a test notice through every channel of one organisation,
//! sent at once (not queued), with the result per channel — delivered with the server's
//! answer, or the exact error — recorded in the channel's history.

use std::sync::Arc;

use mamori_model::Scope;
use mamori_notify::Notifier;
use mamori_store::{Attempt, Store};
use serde::Serialize;

use crate::AlertsError;
use crate::deliver::provider_name;
use crate::notice::{lang_of, test_notice};
use crate::send::send;
use crate::settings::AlertSettings;

/// The result of the test on one channel.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RouteCheck {
    /// The channel.
    pub channel_id: String,
    /// `email`, `webhook`, `slack` or `teams`.
    pub kind: String,
    /// Where it goes, with secrets masked.
    pub destination: String,
    /// Whether the test arrived.
    pub delivered: bool,
    /// Why it did not, as a stable code to translate (`connect`, `http_status`, `timeout` …).
    pub error_code: Option<String>,
    /// The server's answer, or exactly what went wrong.
    pub response: String,
}

/// Sends a test notice through every enabled channel of organisation `org_id` (visible in
/// `scope`) and reports each result. No channel at all gives an empty list: the caller
/// says so in red.
pub async fn test_route(
    store: &Store,
    notifier: &Arc<Notifier>,
    settings: &AlertSettings,
    scope: &Scope,
    org_id: &str,
) -> Result<Vec<RouteCheck>, AlertsError> {
    let tenant = store.org_store(scope, org_id).await?;
    let org = tenant.org().clone();
    let provider = provider_name(store).await?;
    let channels = tenant.channels().list().await?;
    let mut sends = tokio::task::JoinSet::new();
    for (index, channel) in channels.into_iter().filter(|c| c.enabled).enumerate() {
        let notice = test_notice(
            settings,
            &org.id,
            &org.name,
            lang_of(&channel.lang),
            &provider,
        );
        let notifier = notifier.clone();
        let timeout = settings.send_timeout;
        sends.spawn(async move {
            let (destination, result) = send(&notifier, &channel, &notice, timeout).await;
            (index, channel, notice, destination, result)
        });
    }
    let mut checks = Vec::new();
    while let Some(joined) = sends.join_next().await {
        let Ok((index, channel, notice, destination, result)) = joined else {
            continue;
        };
        let attempt = match &result {
            Ok(answer) => Attempt::Delivered(answer.clone()),
            Err(failure) => Attempt::Failed {
                error: failure.detail.clone(),
                code: failure.code.to_owned(),
                retry_at_ms: None,
            },
        };
        store
            .record_test_delivery(&channel, &serde_json::to_string(&notice)?, attempt)
            .await?;
        checks.push((
            index,
            RouteCheck {
                channel_id: channel.id,
                kind: channel.kind,
                destination,
                delivered: result.is_ok(),
                error_code: result.as_ref().err().map(|f| f.code.to_owned()),
                response: result.unwrap_or_else(|f| f.detail),
            },
        ));
    }
    checks.sort_by_key(|(index, _)| *index);
    Ok(checks.into_iter().map(|(_, check)| check).collect())
}
