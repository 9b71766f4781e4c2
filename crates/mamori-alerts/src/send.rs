//! One notice through one channel, now, with a time limit. A failure keeps the exact error for
//! the provider and a stable code that pages and mails translate for the company, so the same
//! failure reads the same in the delivery log, the channel list and the test result.

use std::time::Duration;

use mamori_notify::{Notice, Notifier};
use mamori_store::Channel;

/// The failure codes the alerting stage adds to [`mamori_notify::NotifyError::CODES`]: the
/// channel's stored settings are unreadable, or a queued notice was withdrawn.
pub const OWN_FAILURE_CODES: &[&str] =
    &["channel_config", "channel_removed", "nothing_to_announce"];

/// Why a send did not arrive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Failure {
    /// A stable snake_case name (`connect`, `http_status`, `timeout`, `channel_config` …).
    pub code: &'static str,
    /// What happened, exactly, in the words of the layer that failed.
    pub detail: String,
    /// True when sending again cannot help until someone changes a setting.
    pub permanent: bool,
}

/// Sends `notice` through `channel` within `timeout`; returns where it went (secrets masked)
/// and the server's answer or the failure.
pub(crate) async fn send(
    notifier: &Notifier,
    channel: &Channel,
    notice: &Notice,
    timeout: Duration,
) -> (String, Result<String, Failure>) {
    let destination = match serde_json::from_value::<mamori_notify::Channel>(channel.config.clone())
    {
        Ok(destination) => destination,
        Err(e) => {
            let failure = Failure {
                code: "channel_config",
                detail: format!("the channel's settings cannot be read: {e}"),
                permanent: true,
            };
            return (channel.kind.clone(), Err(failure));
        }
    };
    let result = match tokio::time::timeout(timeout, notifier.deliver(&destination, notice)).await {
        Ok(Ok(receipt)) => Ok(receipt.response),
        Ok(Err(e)) => Err(Failure {
            code: e.code(),
            detail: e.to_string(),
            permanent: e.is_permanent(),
        }),
        Err(_) => Err(Failure {
            code: "timeout",
            detail: format!("no answer within {} seconds", timeout.as_secs()),
            permanent: false,
        }),
    };
    (destination.describe(), result)
}
