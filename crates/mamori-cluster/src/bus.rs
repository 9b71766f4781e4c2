//! The shared stream: one JetStream stream with work-queue retention (a message leaves it
//! once a detect node has acknowledged it), kept on disk by the NATS server, in
//! [`PARTITIONS`] subjects, each with a durable pull consumer that the detect node owning
//! the partition takes from.

use std::time::Duration;

use async_nats::jetstream::{self, consumer, stream};

use crate::error::ClusterError;

/// Where the stream is and how it behaves.
#[derive(Debug, Clone)]
pub struct BusConfig {
    /// The NATS server (`nats://host:4222`).
    pub url: String,
    /// The stream's name; its subjects are `<lowercased name>.>`. Tests use their own.
    pub stream: String,
    /// How long a detect node may hold a batch before it is delivered to another node.
    pub ack_wait: Duration,
}

impl BusConfig {
    /// The production stream on the server at `url`, with a 60-second ack wait.
    pub fn new(url: impl Into<String>) -> BusConfig {
        BusConfig {
            url: url.into(),
            stream: "MAMORI_LINES".into(),
            ack_wait: Duration::from_secs(60),
        }
    }

    /// The subject a batch of lines of partition `partition` is published on.
    pub(crate) fn subject(&self, partition: usize) -> String {
        format!("{}.lines.{partition}", self.stream.to_ascii_lowercase())
    }
}

/// Partitions of the stream. Each organisation's lines go to one partition (see
/// [`partition_of`]), and each partition is taken by one detect node at a time, so an
/// organisation's correlations (counts over time) see all of its lines.
pub const PARTITIONS: usize = 8;

/// The partition of lines of organisation `org_id`, or of an unknown sender `peer`.
pub(crate) fn partition_of(key: &str) -> usize {
    crc32fast::hash(key.as_bytes()) as usize % PARTITIONS
}

/// The durable consumer's name.
const CONSUMER: &str = "detect";

/// How long JetStream remembers a published batch's identifier, so a batch published again
/// within it (the ingest node retried after a lost answer) is kept once.
const DUPLICATE_WINDOW: Duration = Duration::from_secs(120);

/// A connection to the shared stream.
#[derive(Clone)]
pub struct Bus {
    pub(crate) config: BusConfig,
    pub(crate) jetstream: jetstream::Context,
    pub(crate) stream: stream::Stream,
    /// The largest message the server takes, in bytes.
    pub(crate) max_payload: usize,
}

impl Bus {
    /// Connects and creates the stream and the consumer when they do not exist yet.
    pub async fn connect(config: BusConfig) -> Result<Bus, ClusterError> {
        let client = async_nats::connect(&config.url)
            .await
            .map_err(|e| ClusterError::Connect {
                url: config.url.clone(),
                reason: e.to_string(),
            })?;
        let max_payload = client.server_info().max_payload;
        let jetstream = jetstream::new(client);
        let stream = jetstream
            .get_or_create_stream(stream::Config {
                name: config.stream.clone(),
                subjects: vec![format!("{}.>", config.stream.to_ascii_lowercase())],
                retention: stream::RetentionPolicy::WorkQueue,
                storage: stream::StorageType::File,
                duplicate_window: DUPLICATE_WINDOW,
                ..Default::default()
            })
            .await
            .map_err(|e| ClusterError::Setup {
                what: "stream",
                reason: e.to_string(),
            })?;
        let bus = Bus {
            config,
            jetstream,
            stream,
            max_payload,
        };
        for partition in 0..PARTITIONS {
            bus.consumer(partition).await?;
        }
        Ok(bus)
    }

    /// The durable consumer of partition `partition`, shared by the detect nodes (one of
    /// them takes from it at a time).
    pub(crate) async fn consumer(
        &self,
        partition: usize,
    ) -> Result<consumer::Consumer<consumer::pull::Config>, ClusterError> {
        let name = format!("{CONSUMER}-{partition}");
        self.stream
            .get_or_create_consumer(
                &name,
                consumer::pull::Config {
                    durable_name: Some(name.clone()),
                    filter_subject: self.config.subject(partition),
                    ack_policy: consumer::AckPolicy::Explicit,
                    ack_wait: self.config.ack_wait,
                    ..Default::default()
                },
            )
            .await
            .map_err(|e| ClusterError::Setup {
                what: "consumer",
                reason: e.to_string(),
            })
    }

    /// Messages in the stream now: handed on by ingest nodes and not yet stored by a
    /// detect node (each holds a batch of lines).
    pub async fn waiting(&self) -> Result<u64, ClusterError> {
        let info = self
            .stream
            .get_info()
            .await
            .map_err(|e| ClusterError::Setup {
                what: "stream",
                reason: e.to_string(),
            })?;
        Ok(info.state.messages)
    }

    /// Removes the stream and everything in it (tests clean up with this).
    pub async fn delete(self) -> Result<(), ClusterError> {
        self.jetstream
            .delete_stream(&self.config.stream)
            .await
            .map(|_| ())
            .map_err(|e| ClusterError::Setup {
                what: "stream",
                reason: e.to_string(),
            })
    }
}
