//! A detect node's side: batches taken from the partitions of the shared stream it owns,
//! routed, parsed, inspected and stored, then acknowledged.
//!
//! Correlations (counts over time per organisation) stay right because work is
//! partitioned by organisation, not because windows are shared: every node would otherwise
//! read and write a shared window in PostgreSQL for each event, which costs a round trip
//! per event on the hot path. Instead each organisation's lines pass through one node at a
//! time, that node's in-memory correlator sees all of them, and when a partition moves the
//! new owner rebuilds the windows from the events already stored (they are the same
//! events the old owner counted, and windows only reach back the longest timespan).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use async_nats::jetstream::consumer::PullConsumer;
use async_nats::jetstream::{AckKind, Message};
use futures_util::StreamExt;
use mamori_ingest::pipeline::{BatchInspector, PipelineStats, Router, pause};
use mamori_ingest::queue::decode_run;
use mamori_model::Scope;
use mamori_store::{DeliveredBatch, EventFilter, LockSession, NewEvent, Store, StoreError};
use tokio::sync::watch;

use crate::bus::{Bus, PARTITIONS, partition_of};
use crate::error::ClusterError;
use crate::leader::{CHECK, MEMBER_KEYS, member_key, partition_key};

/// Messages taken at a time from one partition (each holds up to a queue batch of lines).
const FETCH: usize = 4;

/// The most stored events a node feeds into its inspector's memory when it takes a
/// partition over (see [`Storing::recall`]).
const RECALL_MAX: usize = 50_000;

/// How long a node waits when none of its partitions had anything.
const IDLE: Duration = Duration::from_millis(100);

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
    /// The partitions the node owns now.
    pub partitions: AtomicUsize,
}

/// The partitions a detect node owns, with the locks that say so. Every node holds one
/// membership lock, so each can count the detect nodes alive and take its fair share of
/// the partitions: a node that joins takes partitions the others let go at their next look,
/// and the partitions of a node that dies are free at once (its locks go with its
/// connection). An organisation's lines are all in one partition, so one node at a time
/// sees them and counts its correlations; a node taking a partition over first recalls the
/// stored events of its organisations ([`Storing::recall`]).
struct Ownership {
    session: LockSession,
    owned: BTreeMap<usize, PullConsumer>,
}

impl Ownership {
    /// Takes a free membership slot.
    async fn join(store: &Store) -> Result<Ownership, ClusterError> {
        let lock = |e: StoreError| ClusterError::Lock(e.to_string());
        let mut session = store.lock_session().await.map_err(lock)?;
        for slot in 0..=u8::MAX {
            if session
                .try_lock(member_key(u16::from(slot)))
                .await
                .map_err(lock)?
            {
                return Ok(Ownership {
                    session,
                    owned: BTreeMap::new(),
                });
            }
        }
        Err(ClusterError::Lock(
            "all 256 detect node slots are taken".into(),
        ))
    }

    /// Takes or lets go of partitions so that this node owns its fair share; returns the
    /// partitions taken.
    async fn balance(&mut self, bus: &Bus) -> Result<Vec<usize>, ClusterError> {
        let lock = |e: StoreError| ClusterError::Lock(e.to_string());
        if !self.session.holds().await {
            return Err(ClusterError::Lock("the lock connection was lost".into()));
        }
        let (low, high) = MEMBER_KEYS;
        let members = self.session.held_between(low, high).await.map_err(lock)?;
        let share = PARTITIONS.div_ceil(usize::try_from(members.max(1)).unwrap_or(1));
        while self.owned.len() > share {
            if let Some((partition, _)) = self.owned.pop_last() {
                self.session
                    .unlock(partition_key(partition))
                    .await
                    .map_err(lock)?;
            }
        }
        let mut taken = Vec::new();
        for partition in 0..PARTITIONS {
            if self.owned.len() >= share {
                break;
            }
            if self.owned.contains_key(&partition) {
                continue;
            }
            if self
                .session
                .try_lock(partition_key(partition))
                .await
                .map_err(lock)?
            {
                self.owned.insert(partition, bus.consumer(partition).await?);
                taken.push(partition);
            }
        }
        Ok(taken)
    }
}

/// Up to [`FETCH`] messages that are there now.
async fn fetch(consumer: &PullConsumer) -> Result<Vec<Message>, ClusterError> {
    let mut batch = consumer
        .fetch()
        .max_messages(FETCH)
        .messages()
        .await
        .map_err(|e| ClusterError::Fetch(e.to_string()))?;
    let mut messages = Vec::new();
    while let Some(message) = batch.next().await {
        messages.push(message.map_err(|e| ClusterError::Fetch(e.to_string()))?);
    }
    Ok(messages)
}

/// Acknowledges stored messages.
async fn acknowledge(taken: Vec<Message>) {
    for message in taken {
        if let Err(e) = message.double_ack().await {
            // The lines are stored; a redelivery of them is skipped.
            tracing::warn!(error = %e, "cannot acknowledge a stored message");
        }
    }
}

/// What a node needs to store what it takes.
struct Storing<'a> {
    store: &'a Store,
    router: Router,
    inspector: Option<Box<dyn BatchInspector>>,
    stats: &'a DetectStats,
}

impl Storing<'_> {
    /// Routes, inspects and stores `messages`, then acknowledges them; `false` when
    /// shutdown came while the database was refusing them (they are delivered again).
    async fn take(&mut self, messages: Vec<Message>, shutdown: &mut watch::Receiver<bool>) -> bool {
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
                    self.stats.damaged.fetch_add(1, Ordering::Relaxed);
                    if let Err(e) = message.ack_with(AckKind::Term).await {
                        tracing::warn!(error = %e, "cannot remove a damaged message");
                    }
                }
            }
        }
        if records.is_empty() {
            return true;
        }
        let (mut events, mut quarantined) = self.router.route(self.store, &records).await;
        // Lines stored already (delivered again after a node died) are left out before
        // inspection, so they count once in correlations.
        let ids: Vec<&str> = events
            .iter()
            .map(|e| e.id.as_str())
            .chain(quarantined.iter().map(|q| q.id.as_str()))
            .collect();
        let stored = loop {
            match self.store.already_stored(&ids).await {
                Ok(stored) => break stored,
                Err(e) => tracing::error!(error = %e, "cannot read what is stored; retrying"),
            }
            if !pause(RETRY, shutdown).await {
                return false;
            }
        };
        if !stored.is_empty() {
            self.stats
                .skipped
                .fetch_add(stored.len() as u64, Ordering::Relaxed);
            events.retain(|e| !stored.contains(&e.id));
            quarantined.retain(|q| !stored.contains(&q.id));
        }
        let detections = match self.inspector.as_mut() {
            Some(inspector) => inspector.inspect(&events),
            None => Vec::new(),
        };
        let batch = DeliveredBatch {
            events,
            quarantined,
            detections,
        };
        let skipped = loop {
            match self.store.write_delivered_batch(&batch).await {
                Ok(skipped) => break skipped,
                Err(e) => {
                    tracing::error!(error = %e, "cannot store lines from the stream; retrying")
                }
            }
            if !pause(RETRY, shutdown).await {
                return false;
            }
        };
        let lines = (batch.events.len() + batch.quarantined.len()) as u64;
        self.stats
            .stored
            .fetch_add(lines - skipped as u64, Ordering::Relaxed);
        self.stats
            .skipped
            .fetch_add(skipped as u64, Ordering::Relaxed);
        acknowledge(taken).await;
        true
    }

    /// Feeds the inspector's memory with the stored events of the organisations whose
    /// lines are in `partitions`, from as far back as that memory reaches (at most
    /// [`RECALL_MAX`] per organisation, oldest first): a node taking a partition over then
    /// counts an organisation's events over time as the node before it did.
    async fn recall(&mut self, partitions: &[usize]) -> Result<(), StoreError> {
        let Some(inspector) = self.inspector.as_mut().filter(|_| !partitions.is_empty()) else {
            return Ok(());
        };
        let memory = inspector.memory();
        if memory.is_zero() {
            return Ok(());
        }
        let since = chrono::Utc::now()
            - chrono::Duration::from_std(memory).unwrap_or(chrono::Duration::zero());
        let scope = Scope::AllOrganisations;
        for org in self.store.orgs(&scope).await? {
            if !partitions.contains(&partition_of(&org.id)) {
                continue;
            }
            let handle = self.store.org_store(&scope, &org.id).await?;
            let mut recalled: Vec<NewEvent> = Vec::new();
            let mut after = None;
            while recalled.len() < RECALL_MAX {
                let page = handle
                    .events()
                    .search(&EventFilter {
                        from: Some(since),
                        limit: 1000,
                        after,
                        ..EventFilter::default()
                    })
                    .await?;
                recalled.extend(page.events.into_iter().map(|e| NewEvent {
                    id: e.id,
                    event: e.event,
                    parse_error: e.parse_error,
                    envelope_only: false,
                }));
                match page.next {
                    Some(next) => after = Some(next),
                    None => break,
                }
            }
            recalled.reverse(); // newest first as listed; the memory wants them in order
            inspector.recall(&recalled);
        }
        Ok(())
    }
}

/// Runs a detect node until `shutdown` turns true: owns its share of the stream's
/// partitions, takes batches from them, stores them with what `inspector` finds in them,
/// and acknowledges them only after they are stored. The batch in hand when shutdown
/// comes is finished first.
pub async fn run_detect(
    bus: Bus,
    store: Store,
    inspector: Option<Box<dyn BatchInspector>>,
    stats: Arc<DetectStats>,
    mut shutdown: watch::Receiver<bool>,
) -> Result<(), ClusterError> {
    let routing = Arc::new(PipelineStats::default());
    let Some(router) = Router::load(&store, routing, &mut shutdown).await else {
        return Ok(());
    };
    let mut storing = Storing {
        store: &store,
        router,
        inspector,
        stats: &stats,
    };
    let mut ownership: Option<Ownership> = None;
    let mut balanced: Option<Instant> = None;
    while !*shutdown.borrow() {
        if balanced.is_none_or(|at| at.elapsed() >= CHECK) {
            let result = match ownership.as_mut() {
                Some(ownership) => ownership.balance(&bus).await,
                None => match Ownership::join(&store).await {
                    Ok(mut joined) => {
                        let result = joined.balance(&bus).await;
                        ownership = Some(joined);
                        result
                    }
                    Err(e) => Err(e),
                },
            };
            if let Err(e) = result {
                tracing::error!(error = %e, "cannot share the stream's partitions; retrying");
                ownership = None;
                stats.partitions.store(0, Ordering::Relaxed);
                if !pause(RETRY, &mut shutdown).await {
                    return Ok(());
                }
                continue;
            }
            balanced = Some(Instant::now());
            if let Ok(taken) = &result
                && let Err(e) = storing.recall(taken).await
            {
                tracing::warn!(error = %e, "cannot recall the taken partitions' recent events");
            }
            let owned = ownership.as_ref().map_or(0, |o| o.owned.len());
            stats.partitions.store(owned, Ordering::Relaxed);
        }
        let mut idle = true;
        // Copies: the lock session must not be held across the waits below.
        let consumers: Vec<PullConsumer> = ownership
            .as_ref()
            .map(|o| o.owned.values().cloned().collect())
            .unwrap_or_default();
        for consumer in &consumers {
            let messages = match fetch(consumer).await {
                Ok(messages) => messages,
                Err(e) => {
                    tracing::error!(error = %e, "cannot take lines from the stream; retrying");
                    continue;
                }
            };
            if messages.is_empty() {
                continue;
            }
            idle = false;
            if !storing.take(messages, &mut shutdown).await {
                return Ok(());
            }
        }
        if idle && !pause(IDLE, &mut shutdown).await {
            return Ok(());
        }
    }
    Ok(())
}
