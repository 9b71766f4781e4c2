//! The draining half of ingest on a node that does not store lines itself (a cluster's
//! ingest node): reads the durable queue in order and hands each batch to a [`Forward`]
//! (`mamori-cluster` publishes it to NATS JetStream), retrying until it is taken, then keeps
//! the queue cursor in the database and lets the queue delete the batch. A crash between
//! handing on and keeping the cursor hands the batch on again after the restart; the
//! records keep their identifiers, so whoever stores them stores each once.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use mamori_store::Store;
use tokio::sync::watch;

use crate::pipeline::{BATCH, PipelineError, PipelineStats, RETRY, pause};
use crate::queue::{Reader, Record};

/// The future a [`Forward`] returns.
pub type Forwarding<'a> = Pin<Box<dyn Future<Output = Result<(), String>> + Send + 'a>>;

/// Takes batches of queued records somewhere durable. The error says why not, for the log.
pub trait Forward: Send + Sync {
    /// Hands on `records` of the queue of node `node_id`; `Ok` only once they are
    /// durable there.
    fn forward<'a>(&'a self, node_id: &'a str, records: &'a [Record]) -> Forwarding<'a>;
}

/// Forwards the queue of node `node_id` until `shutdown` turns true.
pub async fn run_forwarder(
    store: Store,
    node_id: String,
    mut reader: Reader,
    stats: Arc<PipelineStats>,
    forward: Box<dyn Forward>,
    mut shutdown: watch::Receiver<bool>,
) -> Result<(), PipelineError> {
    loop {
        let records = reader.next_batch(BATCH, &mut shutdown).await?;
        let Some(last) = records.last().map(|r| r.seq) else {
            return Ok(()); // shutdown
        };
        while let Err(e) = forward.forward(&node_id, &records).await {
            tracing::error!(error = %e, "cannot hand queued lines on; retrying");
            if !pause(RETRY, &mut shutdown).await {
                return Ok(());
            }
        }
        let seq = i64::try_from(last).unwrap_or(i64::MAX);
        while let Err(e) = store.save_ingest_cursor(&node_id, seq).await {
            tracing::error!(error = %e, "cannot keep the ingest cursor; retrying");
            if !pause(RETRY, &mut shutdown).await {
                return Ok(());
            }
        }
        stats.delivered_seq.store(last, Ordering::Release);
        stats.delivered.notify_waiters();
        if let Err(e) = reader.queue().release(last) {
            tracing::warn!(error = %e, "cannot delete forwarded queue segments");
        }
    }
}
