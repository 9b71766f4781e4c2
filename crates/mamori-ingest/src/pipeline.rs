//! The consuming half of ingest: reads the durable queue in order, finds each line's source,
//! parses it in the source's format (failures become dead letters with the raw line and the
//! reason; unknown senders go to the quarantine), and stores each batch in one transaction
//! together with the queue cursor. Parsing the next batch overlaps storing the previous one.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use mamori_model::Event;
use mamori_store::{IngestBatch, NewDetection, NewEvent, QuarantineLine, Store, StoreError};
use serde::Serialize;
use tokio::sync::{mpsc, watch};

use crate::queue::{Queue, QueueError, Reader, Record};
use crate::source::{Origin, Route, SourceTable};

/// Lines per stored batch.
pub(crate) const BATCH: usize = 2000;
/// How often the source table is reloaded to pick up new registrations.
const REFRESH: Duration = Duration::from_secs(5);
/// How long a sender found unknown after a reload stays known-unknown: its further lines
/// are quarantined without asking the database again, so a flood from one unregistered
/// device costs one reload per second. A sender not seen unknown before makes the table
/// reload at once, so a source registered a moment ago (by the CLI, the web page or another
/// node) is recognised on its first line.
const UNKNOWN_FOR: Duration = Duration::from_secs(1);
/// The most senders remembered as unknown; past it the memory starts afresh.
const UNKNOWN_KEPT: usize = 10_000;
/// The wait between attempts when the database refuses a batch.
pub(crate) const RETRY: Duration = Duration::from_secs(1);

/// What the pipeline has stored since start.
#[derive(Debug, Default)]
pub struct PipelineStats {
    /// Events stored (dead letters included).
    pub stored: AtomicU64,
    /// Dead letters among them.
    pub failed: AtomicU64,
    /// Lines put in the quarantine.
    pub quarantined: AtomicU64,
    /// The last queue sequence number stored.
    pub delivered_seq: AtomicU64,
    /// Told after each stored batch that carried detections, so the alerting stage can
    /// start at once instead of waiting for its next look.
    pub detections_stored: Arc<tokio::sync::Notify>,
    /// Set when a source was registered or changed, so the next batch reloads the source
    /// table first instead of quarantining the new source's first lines.
    pub sources_changed: AtomicBool,
    /// Told every time `delivered_seq` moves on.
    pub delivered: tokio::sync::Notify,
}

/// A snapshot of [`PipelineStats`].
#[derive(Debug, Clone, Copy, Serialize)]
pub struct PipelineSnapshot {
    /// Events stored.
    pub stored: u64,
    /// Dead letters among them.
    pub failed: u64,
    /// Lines quarantined.
    pub quarantined: u64,
    /// The last queue sequence number stored.
    pub delivered_seq: u64,
}

impl PipelineStats {
    /// Counters for a pipeline that starts after queue position `delivered_seq` (what the
    /// database already holds), so the status is right from the first moment after a restart.
    pub fn resuming_at(delivered_seq: u64) -> Self {
        PipelineStats {
            delivered_seq: AtomicU64::new(delivered_seq),
            ..PipelineStats::default()
        }
    }

    /// The numbers now.
    pub fn snapshot(&self) -> PipelineSnapshot {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        PipelineSnapshot {
            stored: get(&self.stored),
            failed: get(&self.failed),
            quarantined: get(&self.quarantined),
            delivered_seq: get(&self.delivered_seq),
        }
    }
}

/// Looks at each parsed batch before it is stored and returns what to store beside it, in
/// the same transaction. `mamori serve` plugs the detection engine in here; ingest does not
/// depend on it, so parsing and storage work on their own (benchmarks, `mamori reparse`).
pub trait BatchInspector: Send {
    /// The detections in `events` (dead letters included; skip them).
    fn inspect(&mut self, events: &[NewEvent]) -> Vec<NewDetection>;

    /// How far back the inspector's memory reaches (counts over time); zero when it keeps
    /// none.
    fn memory(&self) -> std::time::Duration {
        std::time::Duration::ZERO
    }

    /// Feeds `events`, stored already, into that memory without reporting anything: a
    /// cluster's detect node taking over an organisation's lines catches up this way.
    fn recall(&mut self, events: &[NewEvent]) {
        let _ = self.inspect(events);
    }
}

/// Why the pipeline stopped.
#[derive(Debug, thiserror::Error)]
pub enum PipelineError {
    /// The queue could not be read.
    #[error(transparent)]
    Queue(#[from] QueueError),
}

/// Parses one queued line for `table`'s sources: an event (or dead letter) when a source
/// matches, a quarantine line otherwise.
pub fn route_line(table: &SourceTable, record: &Record) -> Result<NewEvent, QuarantineLine> {
    let received: DateTime<Utc> =
        DateTime::from_timestamp_micros(record.received_us).unwrap_or_else(Utc::now);
    let line = String::from_utf8_lossy(&record.line);
    let Some(route) = table.resolve(&record.origin) else {
        return Err(QuarantineLine {
            id: record.id.to_string(),
            peer: match &record.origin {
                Origin::Http { source_id } => format!("http:{source_id}"),
                other => other.peer().map(|ip| ip.to_string()).unwrap_or_default(),
            },
            transport: record.origin.transport().to_owned(),
            received_at: received.timestamp(),
            raw: line.into_owned(),
        });
    };
    let mut event = match &record.refused {
        Some(reason) => dead_letter(route, record.id.to_string(), &line, received, reason),
        None => parse_event(route, record.id.to_string(), &line, received),
    };
    if let Some(original) = record.truncated_from {
        mark_truncated(&mut event.event, original);
    }
    Ok(event)
}

/// Marks an event read from the kept start of an over-long line: `truncated = true` and the
/// line's real length in bytes, so nobody mistakes the part for the whole.
pub fn mark_truncated(event: &mut Event, original_length: u64) {
    event
        .fields
        .insert("truncated".into(), serde_json::Value::Bool(true));
    event
        .fields
        .insert("original_length".into(), original_length.into());
}

/// Reads `line` of `route`'s source into the event to store under `id`: the parsed event,
/// or a dead letter holding the raw line and the parse error. Also used to re-parse dead
/// letters and to assign quarantined lines.
pub fn parse_event(route: &Route, id: String, line: &str, received: DateTime<Utc>) -> NewEvent {
    let (event, parse_error) = match route.parser.parse(line, received) {
        Ok(event) => (event, None),
        Err(e) => (
            Event::new(e.format.as_str(), line, received),
            Some(e.to_string()),
        ),
    };
    routed(route, id, event, parse_error, received)
}

/// A line the receiver already refused, kept as a dead letter of `route`'s source with
/// `reason`, without parsing it.
fn dead_letter(
    route: &Route,
    id: String,
    line: &str,
    received: DateTime<Utc>,
    reason: &str,
) -> NewEvent {
    let event = Event::new(route.format.as_str(), line, received);
    routed(route, id, event, Some(reason.to_owned()), received)
}

/// `event` as stored for `route`'s organisation and source.
fn routed(
    route: &Route,
    id: String,
    mut event: Event,
    parse_error: Option<String>,
    received: DateTime<Utc>,
) -> NewEvent {
    event.org_id = Some(route.org_id.clone());
    event.source_id = Some(route.source_id.clone());
    event.device_kind = route.device_kind().map(str::to_owned);
    event.received_at = Some(received);
    NewEvent {
        envelope_only: parse_error.is_none() && mamori_parse::envelope_only(route.format, &event),
        id,
        event,
        parse_error,
    }
}

/// Waits `wait` before a retry; `false` when `shutdown` came first. Every stage that waits
/// for a database or server to come back waits this way.
pub async fn pause(wait: Duration, shutdown: &mut watch::Receiver<bool>) -> bool {
    tokio::select! {
        _ = tokio::time::sleep(wait) => true,
        _ = shutdown.wait_for(|stop| *stop) => false,
    }
}

/// Loads the source table, retrying while the database is unavailable; `None` on shutdown.
async fn load_table(store: &Store, shutdown: &mut watch::Receiver<bool>) -> Option<SourceTable> {
    loop {
        match SourceTable::load(store).await {
            Ok(table) => return Some(table),
            Err(e) => tracing::error!(error = %e, "cannot load monitored sources; retrying"),
        }
        if !pause(RETRY, shutdown).await {
            return None;
        }
    }
}

/// Finds each queued line's source, keeping the source table fresh: reloaded every
/// [`REFRESH`], when a source was registered or changed, and when a sender not seen unknown
/// lately turns up (see [`UNKNOWN_FOR`]). Shared by the pipeline here and a cluster's
/// detect nodes, which read the same records from a stream.
pub struct Router {
    table: SourceTable,
    loaded: Instant,
    unknown: HashMap<Origin, Instant>,
    stats: Arc<PipelineStats>,
}

impl Router {
    /// Loads the source table, retrying while the database is unavailable; `None` on
    /// shutdown. `stats` says when sources changed.
    pub async fn load(
        store: &Store,
        stats: Arc<PipelineStats>,
        shutdown: &mut watch::Receiver<bool>,
    ) -> Option<Router> {
        Some(Router::with(load_table(store, shutdown).await?, stats))
    }

    /// Loads the source table once; the error when the database does not answer.
    pub async fn try_load(store: &Store, stats: Arc<PipelineStats>) -> Result<Router, StoreError> {
        Ok(Router::with(SourceTable::load(store).await?, stats))
    }

    fn with(table: SourceTable, stats: Arc<PipelineStats>) -> Router {
        Router {
            table,
            loaded: Instant::now(),
            unknown: HashMap::new(),
            stats,
        }
    }

    /// Routes `records`: events (dead letters included) for registered sources, quarantine
    /// lines for unknown senders.
    pub async fn route(
        &mut self,
        store: &Store,
        records: &[Record],
    ) -> (Vec<NewEvent>, Vec<QuarantineLine>) {
        self.refresh(store, records).await;
        let mut events = Vec::with_capacity(records.len());
        let mut quarantined = Vec::new();
        for record in records {
            match route_line(&self.table, record) {
                Ok(event) => events.push(event),
                Err(line) => quarantined.push(line),
            }
        }
        (events, quarantined)
    }

    /// The organisation each of `records` belongs to (`None` for unknown senders), without
    /// parsing them: a cluster's ingest node sends each organisation's lines the same way.
    pub async fn organisations<'r>(
        &'r mut self,
        store: &Store,
        records: &[Record],
    ) -> Vec<Option<&'r str>> {
        self.refresh(store, records).await;
        records
            .iter()
            .map(|r| {
                self.table
                    .resolve(&r.origin)
                    .map(|route| route.org_id.as_str())
            })
            .collect()
    }

    /// Reloads the source table when it is stale for `records`.
    async fn refresh(&mut self, store: &Store, records: &[Record]) {
        let now = Instant::now();
        let new_stranger = records.iter().any(|r| {
            self.table.resolve(&r.origin).is_none()
                && self
                    .unknown
                    .get(&r.origin)
                    .is_none_or(|seen| now.duration_since(*seen) > UNKNOWN_FOR)
        });
        let stale = self.stats.sources_changed.swap(false, Ordering::AcqRel)
            || self.loaded.elapsed() > REFRESH
            || new_stranger;
        if stale {
            if let Ok(fresh) = SourceTable::load(store).await {
                self.table = fresh;
            }
            self.loaded = Instant::now();
            if self.unknown.len() > UNKNOWN_KEPT {
                self.unknown.clear();
            }
            for record in records {
                if self.table.resolve(&record.origin).is_none() {
                    self.unknown.insert(record.origin.clone(), self.loaded);
                }
            }
        }
    }
}

/// Stores batches in order, retrying each until the database takes it, then lets the queue
/// delete what is stored. On shutdown a batch not yet stored stays in the queue.
async fn store_batches(
    store: Store,
    queue: Queue,
    stats: Arc<PipelineStats>,
    mut batches: mpsc::Receiver<IngestBatch>,
    mut shutdown: watch::Receiver<bool>,
) {
    while let Some(batch) = batches.recv().await {
        loop {
            match store.write_ingest_batch(&batch).await {
                Ok(()) => break,
                Err(e) => tracing::error!(error = %e, "cannot store ingested events; retrying"),
            }
            if !pause(RETRY, &mut shutdown).await {
                return;
            }
        }
        let failed = batch
            .events
            .iter()
            .filter(|e| e.parse_error.is_some())
            .count();
        stats
            .stored
            .fetch_add(batch.events.len() as u64, Ordering::Relaxed);
        stats.failed.fetch_add(failed as u64, Ordering::Relaxed);
        stats
            .quarantined
            .fetch_add(batch.quarantined.len() as u64, Ordering::Relaxed);
        if !batch.detections.is_empty() {
            stats.detections_stored.notify_one();
        }
        let last = u64::try_from(batch.last_seq).unwrap_or_default();
        stats.delivered_seq.store(last, Ordering::Relaxed);
        if let Err(e) = queue.release(last) {
            tracing::warn!(error = %e, "cannot delete stored queue segments");
        }
    }
}

/// Runs the pipeline for queue `node_id` until `shutdown` turns true; batches read by then
/// are stored before it returns. `inspector`, when given, sees every batch before storage.
pub async fn run_pipeline(
    store: Store,
    node_id: String,
    mut reader: Reader,
    stats: Arc<PipelineStats>,
    mut inspector: Option<Box<dyn BatchInspector>>,
    mut shutdown: watch::Receiver<bool>,
) -> Result<(), PipelineError> {
    let (sender, batches) = mpsc::channel(2);
    let writer = tokio::spawn(store_batches(
        store.clone(),
        reader.queue().clone(),
        stats.clone(),
        batches,
        shutdown.clone(),
    ));
    let result = async {
        let Some(mut router) = Router::load(&store, stats.clone(), &mut shutdown).await else {
            return Ok(());
        };
        loop {
            let records = reader.next_batch(BATCH, &mut shutdown).await?;
            let Some(last) = records.last().map(|r| r.seq) else {
                return Ok(()); // shutdown
            };
            let (events, quarantined) = router.route(&store, &records).await;
            let mut batch = IngestBatch {
                node_id: node_id.clone(),
                last_seq: i64::try_from(last).unwrap_or(i64::MAX),
                events,
                quarantined,
                detections: Vec::new(),
            };
            if let Some(inspector) = inspector.as_mut() {
                batch.detections = inspector.inspect(&batch.events);
            }
            if sender.send(batch).await.is_err() {
                return Ok(()); // the writer stopped on shutdown
            }
        }
    }
    .await;
    drop(sender);
    if let Err(e) = writer.await {
        tracing::error!(error = %e, "the ingest storage task failed");
    }
    result
}
