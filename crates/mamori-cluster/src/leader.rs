//! Parts of mamori that must run on one node at a time — turning detections into alerts and
//! sending notifications, the monthly report schedule. Every node given such a role tries to
//! take the part's lock (`Store::try_lead`); the one that holds it runs the part, the others
//! stand by and try again every [`CHECK`]. When the leader dies its lock goes with its
//! database connection, so a standby takes over within seconds; a leader that can no longer
//! reach the database stops its part, since another node may have taken over.

use std::future::Future;
use std::time::Duration;

use mamori_ingest::pipeline::pause;
use mamori_store::Store;
use tokio::sync::watch;

/// How often a standby tries to take over and a leader checks that it still leads.
pub const CHECK: Duration = Duration::from_secs(2);

/// A part that runs on one node at a time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Duty {
    /// The alerting stage.
    Alerts,
    /// The monthly report schedule.
    Reports,
}

/// mamori's advisory locks: `mamori` in ASCII in the high bytes, the lock below.
const MAMORI: i64 = 0x6d61_6d6f_7269 << 16;

/// The lock of detect node membership slot `slot` (see [`crate::consume`]).
pub(crate) fn member_key(slot: u16) -> i64 {
    MAMORI | 0x100 | i64::from(slot & 0xff)
}

/// The locks of every membership slot, lowest and highest.
pub(crate) const MEMBER_KEYS: (i64, i64) = (MAMORI | 0x100, MAMORI | 0x1ff);

/// The lock of stream partition `partition`.
pub(crate) fn partition_key(partition: usize) -> i64 {
    MAMORI | 0x1000 | (partition as i64 & 0xff)
}

impl Duty {
    /// The part's advisory lock.
    fn key(self) -> i64 {
        MAMORI
            | match self {
                Duty::Alerts => 1,
                Duty::Reports => 2,
            }
    }

    /// The part's name in the log.
    fn name(self) -> &'static str {
        match self {
            Duty::Alerts => "alerts",
            Duty::Reports => "reports",
        }
    }
}

/// Runs `duty` on this node whenever it holds the part's lock, until `shutdown`: `start`
/// starts the part, `stop` stops it (finishing the work in hand).
pub async fn lead<T, F>(
    store: Store,
    duty: Duty,
    start: impl Fn() -> T,
    stop: impl Fn(T) -> F,
    mut shutdown: watch::Receiver<bool>,
) where
    F: Future<Output = ()>,
{
    loop {
        let mut leadership = loop {
            match store.try_lead(duty.key()).await {
                Ok(Some(leadership)) => break leadership,
                Ok(None) => {}
                Err(e) => tracing::warn!(error = %e, duty = duty.name(), "cannot ask who leads"),
            }
            if !pause(CHECK, &mut shutdown).await {
                return;
            }
        };
        tracing::info!(
            duty = duty.name(),
            "this node now runs this part of the cluster"
        );
        let running = start();
        let go_on = loop {
            if !pause(CHECK, &mut shutdown).await {
                break false;
            }
            if !leadership.holds().await {
                tracing::warn!(
                    duty = duty.name(),
                    "lost the database connection that held the lead; stopping this part"
                );
                break true;
            }
        };
        stop(running).await;
        leadership.release().await;
        if !go_on {
            return;
        }
    }
}
