//! The alert-route self-test: a test notice through every channel of one organisation,
//! sent at once (not queued), with the result per channel — delivered with the server's
//! answer, or the exact error — recorded in the channel's history.

use std::sync::Arc;

use mamori_model::Scope;
use mamori_notify::Notifier;
use mamori_store::{Attempt, Store, StoreError};
use serde::Serialize;

use crate::AlertsError;
use crate::deliver::provider_name;
use crate::notice::{lang_of, test_notice};
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
    /// The server's answer, or what went wrong.
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
    let org = store
        .org(scope, org_id)
        .await?
        .ok_or(StoreError::NotFound)?;
    let provider = provider_name(store).await?;
    let channels = store.channels(scope, Some(org_id)).await?;
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
            let (destination, result) =
                match serde_json::from_value::<mamori_notify::Channel>(channel.config.clone()) {
                    Ok(destination) => {
                        let described = destination.describe();
                        let sent =
                            tokio::time::timeout(timeout, notifier.deliver(&destination, &notice))
                                .await
                                .map_err(|_| {
                                    format!("no answer within {} seconds", timeout.as_secs())
                                })
                                .and_then(|r| {
                                    r.map(|receipt| receipt.response).map_err(|e| e.to_string())
                                });
                        (described, sent)
                    }
                    Err(e) => (
                        channel.kind.clone(),
                        Err(format!("the channel's settings cannot be read: {e}")),
                    ),
                };
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
            Err(error) => Attempt::Failed {
                error: error.clone(),
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
                response: result.unwrap_or_else(|e| e),
            },
        ));
    }
    checks.sort_by_key(|(index, _)| *index);
    Ok(checks.into_iter().map(|(_, check)| check).collect())
}
