//! A detect node's side: batches taken from the shared stream, routed, parsed, inspected
//! and stored, then acknowledged.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use async_nats::jetstream::{AckKind, Message};
use futures_util::StreamExt;
use mamori_ingest::pipeline::{BatchInspector, PipelineStats, Router};
use mamori_ingest::queue::decode_run;
use mamori_store::{DeliveredBatch, Store};
use tokio::sync::watch;

use crate::bus::Bus;
use crate::error::ClusterError;

/// Messages taken at a time (each holds up to a queue batch of lines).
const FETCH: usize = 4;

/// How long one fetch waits for messages.
const WAIT: Duration = Duration::from_secs(1);

/// The wait before trying again after the stream or the database failed.
const RETRY: Duration = Duration::from_secs(1);

/// What a detect node has done since it started.
#[derive(Debug, Default)]
pub struct DetectStats {
    /// Lines stored (events, dead letters and quarantined lines).
    pub stored: AtomicU64,
    /// Lines skipped because they were stored already (redeliveries).
    pub skipped: AtomicU64,
    /// Messages that could not be read and were taken off the stream.
    pub damaged: AtomicU64,
}

/// Waits [`RETRY`]; `false` when shutdown came first.
async fn pause(shutdown: &mut watch::Receiver<bool>) -> bool {
    tokio::select! {
        _ = tokio::time::sleep(RETRY) => true,
        _ = shutdown.wait_for(|stop| *stop) => false,
    }
}

/// Up to [`FETCH`] messages, waiting at most [`WAIT`] for them.
async fn fetch(
    consumer: &async_nats::jetstream::consumer::PullConsumer,
) -> Result<Vec<Message>, ClusterError> {
    let mut batch = consumer
        .fetch()
        .max_messages(FETCH)
        .expires(WAIT)
        .messages()
        .await
        .map_err(|e| ClusterError::Fetch(e.to_string()))?;
    let mut messages = Vec::new();
    while let Some(message) = batch.next().await {
        messages.push(message.map_err(|e| ClusterError::Fetch(e.to_string()))?);
    }
    Ok(messages)
}

/// Runs a detect node until `shutdown` turns true: takes batches from the shared consumer,
/// stores them with what `inspector` finds in them, and acknowledges them only after
/// they are stored. The batch in hand when shutdown comes is finished first.
pub async fn run_detect(
    bus: Bus,
    store: Store,
    mut inspector: Option<Box<dyn BatchInspector>>,
    stats: Arc<DetectStats>,
    mut shutdown: watch::Receiver<bool>,
) -> Result<(), ClusterError> {
    let consumer = bus.consumer().await?;
    let routing = Arc::new(PipelineStats::default());
    let Some(mut router) = Router::load(&store, routing, &mut shutdown).await else {
        return Ok(());
    };
    while !*shutdown.borrow() {
        let messages = tokio::select! {
            fetched = fetch(&consumer) => fetched,
            _ = shutdown.wait_for(|stop| *stop) => return Ok(()),
        };
        let messages = match messages {
            Ok(messages) => messages,
            Err(e) => {
                tracing::error!(error = %e, "cannot take lines from the stream; retrying");
                if !pause(&mut shutdown).await {
                    return Ok(());
                }
                continue;
            }
        };
        let mut records = Vec::new();
        let mut taken = Vec::with_capacity(messages.len());
        for message in messages {
            match decode_run(&message.payload) {
                Some(run) => {
                    records.extend(run);
                    taken.push(message);
                }
                None => {
                    // Only ingest nodes write these messages, with a checksum per line; a
                    // damaged one would come back forever, so it is taken off and reported.
                    tracing::error!(
                        subject = %message.subject,
                        bytes = message.payload.len(),
                        "a message on the stream is damaged and cannot be read; it is removed"
                    );
                    stats.damaged.fetch_add(1, Ordering::Relaxed);
                    if let Err(e) = message.ack_with(AckKind::Term).await {
                        tracing::warn!(error = %e, "cannot remove a damaged message");
                    }
                }
            }
        }
        if records.is_empty() {
            continue;
        }
        let (events, quarantined) = router.route(&store, &records).await;
        let detections = match inspector.as_mut() {
            Some(inspector) => inspector.inspect(&events),
            None => Vec::new(),
        };
        let batch = DeliveredBatch {
            events,
            quarantined,
            detections,
        };
        let skipped = loop {
            match store.write_delivered_batch(&batch).await {
                Ok(skipped) => break skipped,
                Err(e) => {
                    tracing::error!(error = %e, "cannot store lines from the stream; retrying")
                }
            }
            if !pause(&mut shutdown).await {
                return Ok(());
            }
        };
        let lines = (batch.events.len() + batch.quarantined.len()) as u64;
        stats
            .stored
            .fetch_add(lines - skipped as u64, Ordering::Relaxed);
        stats.skipped.fetch_add(skipped as u64, Ordering::Relaxed);
        for message in taken {
            if let Err(e) = message.double_ack().await {
                // The lines are stored; a redelivery of them is skipped.
                tracing::warn!(error = %e, "cannot acknowledge a stored message");
            }
        }
    }
    Ok(())
}
