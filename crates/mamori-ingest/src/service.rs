//! Ingest as one running service: opens the durable queue at the cursor the database holds,
//! binds the configured syslog listeners, runs the background sync and what drains the
//! queue (the pipeline, or a cluster's forwarder), and stops them in order. `mamori serve`, the benchmark and the flow tests start it this way.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use mamori_store::{Store, StoreError};
use serde::Serialize;
use tokio::net::{TcpListener, UdpSocket};
use tokio::sync::watch;
use tokio::task::JoinSet;

use crate::forward::{Forward, run_forwarder};
use crate::listen::{
    CounterSnapshot, Counters, TlsError, TlsSettings, now_us, run_tcp, run_tls, run_udp,
};
use crate::pipeline::{BatchInspector, PipelineSnapshot, PipelineStats, run_pipeline};
use crate::queue::{self, Line, Queue, QueueConfig, QueueError, QueueStats};
use crate::source::Origin;

/// What to start.
#[derive(Debug, Clone)]
pub struct IngestSettings {
    /// The durable queue.
    pub queue: QueueConfig,
    /// Syslog over UDP on this address.
    pub udp: Option<SocketAddr>,
    /// Syslog over TCP on this address.
    pub tcp: Option<SocketAddr>,
    /// Syslog over TLS on this address with these certificates.
    pub tls: Option<(SocketAddr, TlsSettings)>,
    /// The longest TCP or TLS message kept whole, in bytes (default
    /// [`crate::listen::MAX_MESSAGE`]); longer ones are cut there and marked.
    pub max_message: usize,
}

/// Why ingest could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The queue could not be opened.
    #[error(transparent)]
    Queue(#[from] QueueError),
    /// The queue's cursor could not be read from the database.
    #[error("cannot read the ingest cursor: {0}")]
    Store(#[from] StoreError),
    /// A listener could not bind its address.
    #[error("cannot listen for syslog on {address}: {source}")]
    Bind {
        /// The address.
        address: SocketAddr,
        /// Why.
        source: io::Error,
    },
    /// The TLS certificates could not be used.
    #[error(transparent)]
    Tls(#[from] TlsError),
}

/// The longest an HTTP sender waits for its lines to reach a cluster's shared stream.
const FORWARD_WAIT: Duration = Duration::from_secs(10);

/// What takes the lines out of the durable queue.
pub enum Drain {
    /// The pipeline: parsed, looked at by the inspector (detection in `mamori serve`) and
    /// stored here.
    Store(Option<Box<dyn BatchInspector>>),
    /// Handed on (a cluster's ingest node publishing to the shared stream).
    Forward(Box<dyn Forward>),
}

/// Ingest's numbers, for the status API and the benchmark.
#[derive(Debug, Clone, Serialize)]
pub struct IngestStatus {
    /// The durable queue.
    pub queue: QueueStats,
    /// Lines accepted per transport, and UDP drops.
    pub received: CounterSnapshot,
    /// What the pipeline stored.
    pub pipeline: PipelineSnapshot,
}

/// What the web layer needs of ingest: accepting HTTP lines and reporting status. Cheap to
/// clone.
#[derive(Clone)]
pub struct IngestHandle {
    queue: Queue,
    counters: Arc<Counters>,
    stats: Arc<PipelineStats>,
    /// Whether HTTP lines are answered only once handed on (a cluster's ingest node: the
    /// shared stream has them), not already once on this node's disk.
    answer_when_forwarded: bool,
}

impl IngestHandle {
    /// Notified after each stored batch that carried detections (for the alerting stage).
    pub fn detections_stored(&self) -> Arc<tokio::sync::Notify> {
        self.stats.detections_stored.clone()
    }

    /// Queues `lines` from `origin` and waits until they are durable — on this node's disk,
    /// and on a cluster's ingest node also in the shared stream: HTTP ingest answers only
    /// after this returns.
    /// Lines the receiver refused go in too, marked, and are stored as dead letters.
    pub async fn accept<'a, L>(&self, origin: &Origin, lines: &[L]) -> io::Result<()>
    where
        L: Copy + Into<Line<'a>>,
    {
        if lines.is_empty() {
            return Ok(());
        }
        self.queue.wait_for_room().await;
        let last = self.queue.append(origin, now_us(), lines)?;
        self.counters.add(origin.transport(), lines.len() as u64);
        self.queue.wait_durable(last).await;
        if self.answer_when_forwarded {
            let forwarded = async {
                loop {
                    let moved = self.stats.delivered.notified();
                    tokio::pin!(moved);
                    moved.as_mut().enable();
                    if self.stats.delivered_seq.load(Ordering::Acquire) >= last {
                        return;
                    }
                    moved.await;
                }
            };
            // The lines are safe on this node's disk already; while the stream is out of
            // reach the sender gets its answer after a bounded wait, and they follow later.
            if tokio::time::timeout(FORWARD_WAIT, forwarded).await.is_err() {
                tracing::warn!("the shared stream has not taken HTTP lines yet; answering anyway");
            }
        }
        Ok(())
    }

    /// Says a source was just registered or changed: the pipeline reloads its source table
    /// before routing the next lines, so the new source's first lines are its own.
    pub fn sources_changed(&self) {
        self.stats.sources_changed.store(true, Ordering::Release);
    }

    /// The numbers now.
    pub fn status(&self) -> IngestStatus {
        IngestStatus {
            queue: self.queue.stats(),
            received: self.counters.snapshot(),
            pipeline: self.stats.snapshot(),
        }
    }
}

/// Ingest while it runs.
pub struct RunningIngest {
    /// For HTTP ingest and status.
    pub handle: IngestHandle,
    /// The bound UDP address (useful with port 0).
    pub udp: Option<SocketAddr>,
    /// The bound TCP address.
    pub tcp: Option<SocketAddr>,
    /// The bound TLS address.
    pub tls: Option<SocketAddr>,
    stop_listeners: watch::Sender<bool>,
    stop_background: watch::Sender<bool>,
    listeners: JoinSet<()>,
    background: JoinSet<()>,
}

async fn bind_tcp(address: SocketAddr) -> Result<TcpListener, StartError> {
    TcpListener::bind(address)
        .await
        .map_err(|source| StartError::Bind { address, source })
}

impl RunningIngest {
    /// Opens the queue, binds the listeners and starts everything; `inspector` (detection
    /// in `mamori serve`) sees every parsed batch before it is stored.
    pub async fn start(
        store: Store,
        settings: IngestSettings,
        inspector: Option<Box<dyn BatchInspector>>,
    ) -> Result<RunningIngest, StartError> {
        Self::start_draining(store, settings, Drain::Store(inspector)).await
    }

    /// Opens the queue, binds the listeners and starts everything, the queue drained by
    /// `drain`.
    pub async fn start_draining(
        store: Store,
        settings: IngestSettings,
        drain: Drain,
    ) -> Result<RunningIngest, StartError> {
        let node_id = queue::node_id(&settings.queue.dir).map_err(QueueError::from)?;
        let committed = u64::try_from(store.ingest_cursor(&node_id).await?).unwrap_or(0);
        let (queue, reader) = queue::open(settings.queue.clone(), committed)?;
        let (stop_listeners, shutdown) = watch::channel(false);
        // The syncer and the pipeline stop only after the listeners: a connection's last
        // lines must still be synced before it is closed.
        let (stop_background, background_shutdown) = watch::channel(false);
        let counters = Arc::new(Counters::default());
        let stats = Arc::new(PipelineStats::resuming_at(committed));
        let mut listeners = JoinSet::new();
        let mut running = RunningIngest {
            handle: IngestHandle {
                queue: queue.clone(),
                counters: counters.clone(),
                stats: stats.clone(),
                answer_when_forwarded: matches!(drain, Drain::Forward(_)),
            },
            udp: None,
            tcp: None,
            tls: None,
            stop_listeners,
            stop_background,
            listeners: JoinSet::new(),
            background: JoinSet::new(),
        };
        if let Some(address) = settings.udp {
            let socket = UdpSocket::bind(address)
                .await
                .map_err(|source| StartError::Bind { address, source })?;
            running.udp = socket.local_addr().ok();
            listeners.spawn(run_udp(
                socket,
                queue.clone(),
                counters.clone(),
                shutdown.clone(),
            ));
        }
        if let Some(address) = settings.tcp {
            let listener = bind_tcp(address).await?;
            running.tcp = listener.local_addr().ok();
            listeners.spawn(run_tcp(
                listener,
                queue.clone(),
                counters.clone(),
                settings.max_message,
                shutdown.clone(),
            ));
        }
        if let Some((address, tls)) = &settings.tls {
            let acceptor = tls.acceptor()?;
            let listener = bind_tcp(*address).await?;
            running.tls = listener.local_addr().ok();
            listeners.spawn(run_tls(
                listener,
                acceptor,
                queue.clone(),
                counters.clone(),
                settings.max_message,
                shutdown.clone(),
            ));
        }
        running.listeners = listeners;
        running
            .background
            .spawn(queue.clone().run_syncer(background_shutdown.clone()));
        running.background.spawn(async move {
            let stopped = match drain {
                Drain::Store(inspector) => {
                    run_pipeline(
                        store,
                        node_id,
                        reader,
                        stats,
                        inspector,
                        background_shutdown,
                    )
                    .await
                }
                Drain::Forward(forward) => {
                    run_forwarder(store, node_id, reader, stats, forward, background_shutdown).await
                }
            };
            if let Err(e) = stopped {
                tracing::error!(error = %e, "the ingest pipeline stopped");
            }
        });
        Ok(running)
    }

    /// Stops listening (open connections queue what they have read), syncs the queue and
    /// stops the pipeline once its current batch is stored. Lines still queued are stored
    /// after the next start.
    pub async fn stop(mut self) {
        self.stop_listeners.send_replace(true);
        while self.listeners.join_next().await.is_some() {}
        self.stop_background.send_replace(true);
        while self.background.join_next().await.is_some() {}
    }
}
