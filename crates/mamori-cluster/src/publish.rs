//! An ingest node's side: its durable queue's batches published to the shared stream.

use std::sync::Arc;

use async_nats::jetstream::context::PublishAckFuture;
use async_nats::jetstream::message::PublishMessage;
use mamori_ingest::forward::{Forward, Forwarding};
use mamori_ingest::pipeline::{PipelineStats, Router};
use mamori_ingest::queue::{Record, encode_record};
use mamori_store::Store;
use tokio::sync::Mutex;

use crate::bus::{Bus, PARTITIONS, partition_of};

/// The size a message is filled to before the next one is started: JetStream stores and
/// delivers each message whole, and servers take 1 MiB by default.
const CHUNK: usize = 256 << 10;

/// Room left in a message for what NATS adds (headers, the subject).
const HEADROOM: usize = 4 << 10;

/// Publishes an ingest node's queued batches to the stream: each organisation's lines to
/// its partition (see [`partition_of`]; unknown senders by address), in messages of at most
/// [`CHUNK`] bytes of records as the queue writes them, identified by the node and the
/// first line's queue position, so the server keeps a message published twice once. Done
/// when JetStream has acknowledged every message (it has them on disk).
pub struct StreamForward {
    bus: Bus,
    store: Store,
    /// Finds each line's organisation; loaded at the first batch.
    router: Mutex<Option<Router>>,
}

impl StreamForward {
    /// Forwards to `bus`, finding organisations through `store`'s sources.
    pub fn new(bus: Bus, store: Store) -> StreamForward {
        StreamForward {
            bus,
            store,
            router: Mutex::new(None),
        }
    }

    /// The most bytes of records one message carries.
    fn limit(&self) -> usize {
        CHUNK.min(self.bus.max_payload.saturating_sub(HEADROOM))
    }

    /// `records` grouped by partition, each group in queue order.
    async fn partitioned<'r>(&self, records: &'r [Record]) -> Result<Vec<Vec<&'r Record>>, String> {
        let mut router = self.router.lock().await;
        if router.is_none() {
            let stats = Arc::new(PipelineStats::default());
            let loaded = Router::try_load(&self.store, stats).await;
            *router = Some(loaded.map_err(|e| e.to_string())?);
        }
        let router = router.as_mut().ok_or("no source table")?;
        let organisations = router.organisations(&self.store, records).await;
        let mut groups = vec![Vec::new(); PARTITIONS];
        for (record, org) in records.iter().zip(organisations) {
            let partition = match org {
                Some(org_id) => partition_of(org_id),
                None => partition_of(&format!("{:?}", record.origin)),
            };
            groups[partition].push(record);
        }
        Ok(groups)
    }

    async fn publish(
        &self,
        node_id: &str,
        partition: usize,
        first_seq: u64,
        chunk: Vec<u8>,
    ) -> Result<PublishAckFuture, String> {
        let message = PublishMessage::build()
            .payload(chunk.into())
            .message_id(format!("{node_id}:{first_seq}"));
        self.bus
            .jetstream
            .send_publish(self.bus.config.subject(partition), message)
            .await
            .map_err(|e| e.to_string())
    }

    /// Publishes one partition's records in chunks; adds the acknowledgements to wait for.
    async fn publish_partition(
        &self,
        node_id: &str,
        partition: usize,
        records: &[&Record],
        acks: &mut Vec<PublishAckFuture>,
    ) -> Result<(), String> {
        let limit = self.limit();
        let mut chunk = Vec::new();
        let mut first = None;
        for &record in records {
            let before = chunk.len();
            encode_record(&mut chunk, record);
            if chunk.len() - before > limit {
                chunk.truncate(before);
                encode_record(&mut chunk, &fitted(record, limit));
            }
            if chunk.len() > limit && before > 0 {
                let next = chunk.split_off(before);
                let full = std::mem::replace(&mut chunk, next);
                let seq = first.unwrap_or(record.seq);
                acks.push(self.publish(node_id, partition, seq, full).await?);
                first = None;
            }
            first.get_or_insert(record.seq);
        }
        if let Some(first) = first {
            acks.push(self.publish(node_id, partition, first, chunk).await?);
        }
        Ok(())
    }
}

/// `record` cut so that it fits in `limit` bytes encoded, marked as cut with its real
/// length, as the listeners mark an over-long line; the queue's own lines are far smaller
/// than a message, but a server configured with a small `max_payload` must not stop the
/// node.
fn fitted(record: &Record, limit: usize) -> Record {
    let mut encoded = Vec::new();
    encode_record(&mut encoded, record);
    let over = encoded.len().saturating_sub(limit);
    if over == 0 {
        return record.clone();
    }
    let mut cut = record.clone();
    cut.truncated_from = Some(record.truncated_from.unwrap_or(record.line.len() as u64));
    // The mark takes eight bytes more.
    cut.line
        .truncate(record.line.len().saturating_sub(over + 8));
    cut
}

impl Forward for StreamForward {
    fn forward<'a>(&'a self, node_id: &'a str, records: &'a [Record]) -> Forwarding<'a> {
        Box::pin(async move {
            let mut acks = Vec::new();
            for (partition, group) in self.partitioned(records).await?.iter().enumerate() {
                self.publish_partition(node_id, partition, group, &mut acks)
                    .await?;
            }
            for ack in acks {
                ack.await.map_err(|e| e.to_string())?;
            }
            Ok(())
        })
    }
}
