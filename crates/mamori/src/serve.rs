//! `mamori serve`: the web server, with graceful shutdown on Ctrl-C or SIGTERM.

use std::net::SocketAddr;

use anyhow::Context;
use clap::Args;

use mamori_ingest::Drain;

use crate::cluster::Role;
use crate::config::{FileConfig, StorageArgs};
use crate::logging::{self, LogFormat};

/// Options of `mamori serve`.
#[derive(Args)]
pub struct ServeArgs {
    #[command(flatten)]
    storage: StorageArgs,
    /// Address and port to listen on [default: 127.0.0.1:8080].
    #[arg(long, env = "MAMORI_LISTEN")]
    listen: Option<SocketAddr>,
    /// Public address of this server (e.g. https://mamori.example.jp), used in links.
    #[arg(long, env = "MAMORI_PUBLIC_URL")]
    public_url: Option<String>,
    /// Mark cookies Secure; turn on when mamori is served over HTTPS.
    #[arg(long, env = "MAMORI_SECURE_COOKIES")]
    secure_cookies: Option<bool>,
    #[command(flatten)]
    ingest: crate::ingest::IngestArgs,
    #[command(flatten)]
    detect: crate::detection::DetectArgs,
    #[command(flatten)]
    smtp: crate::alerting::SmtpArgs,
    #[command(flatten)]
    notify: crate::alerting::NotifyArgs,
    #[command(flatten)]
    alerts: crate::alerting::AlertArgs,
    #[command(flatten)]
    reports: crate::reports::ReportArgs,
    #[command(flatten)]
    cluster: crate::cluster::ClusterArgs,
}

/// Runs the server until a shutdown signal arrives.
pub async fn run(args: ServeArgs, log_format: Option<LogFormat>) -> anyhow::Result<()> {
    let file = FileConfig::load(args.storage.config.as_deref())?;
    logging::init(
        log_format.or(file.log_format).unwrap_or(LogFormat::Text),
        "info",
    );
    let running = launch(args, file).await?;
    let address = running.address;
    tracing::info!(%address, database = running.store.backend().as_str(), "mamori is running");
    eprintln!("mamori is running at http://{address}/");
    if running.needs_setup {
        eprintln!("Open that address in a browser to finish the first-time setup (はじめの設定).");
    }
    shutdown_signal().await;
    running.stop().await?;
    tracing::info!("mamori stopped");
    Ok(())
}

/// `mamori serve` started and listening: the web server, log ingestion with detection,
/// the alerting stage, the report schedule and housekeeping, all on one database (in a
/// cluster, the parts this node's roles name).
pub struct Running {
    /// Where the web server listens.
    pub address: SocketAddr,
    /// The database the running parts share.
    pub store: mamori_store::Store,
    /// Whether first-run setup is still to be done.
    pub needs_setup: bool,
    stop: tokio::sync::oneshot::Sender<()>,
    finished: tokio::task::JoinHandle<anyhow::Result<()>>,
}

impl Running {
    /// Finishes requests in flight, then stops every part in order and closes the database.
    pub async fn stop(self) -> anyhow::Result<()> {
        let _ = self.stop.send(());
        self.finished.await.context("the server task failed")?
    }
}

/// Starts what `mamori serve` runs, from its options as they would follow `mamori serve` on
/// the command line (`MAMORI_*` variables and `--config` apply as they do there). Logging is
/// left to the caller.
pub async fn start_from<I, T>(options: I) -> anyhow::Result<Running>
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    /// `mamori serve`'s options on their own, for [`start_from`].
    #[derive(clap::Parser)]
    #[command(name = "mamori serve")]
    struct ServeOptions {
        #[command(flatten)]
        args: ServeArgs,
    }
    let argv = std::iter::once(std::ffi::OsString::from("mamori serve"))
        .chain(options.into_iter().map(Into::into));
    let args = <ServeOptions as clap::Parser>::try_parse_from(argv)?.args;
    let file = FileConfig::load(args.storage.config.as_deref())?;
    launch(args, file).await
}

/// Builds every part this node runs from the options and the configuration file and
/// starts them: on a single node everything; in a cluster (`--nats-url`) what `--role`
/// names (see [`crate::cluster`]).
async fn launch(args: ServeArgs, file: FileConfig) -> anyhow::Result<Running> {
    let data_dir = args.storage.data_dir(&file);
    let listen = args
        .listen
        .or(file.listen)
        .unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 8080)));
    let store = args.storage.open_with(&file).await?;
    let plan = args.cluster.or_file(file.cluster).plan(store.backend())?;
    let bus = match &plan.bus {
        Some(config) => Some(
            mamori_cluster::Bus::connect(config.clone())
                .await
                .context("cannot join the cluster's NATS JetStream stream")?,
        ),
        None => None,
    };
    let defaults = mamori_web::WebSettings::default();
    let mut settings = mamori_web::WebSettings {
        secure_cookies: args.secure_cookies.or(file.secure_cookies).unwrap_or(false),
        session_lifetime_secs: file
            .session_hours
            .map(|h| h * 3600)
            .unwrap_or(defaults.session_lifetime_secs),
        link_lifetime_secs: file
            .link_days
            .map(|d| d * 86400)
            .unwrap_or(defaults.link_lifetime_secs),
        public_url: args
            .public_url
            .or(file.public_url)
            .filter(|u| !u.is_empty()),
        ..defaults
    };
    let needs_setup = plan.runs(Role::Web) && store.provider().await?.is_none();
    let detect_args = args.detect.or_file(file.detect);
    let detection = || -> anyhow::Result<Box<dyn mamori_ingest::pipeline::BatchInspector>> {
        Ok(Box::new(detect_args.load()?))
    };

    // The durable queue takes syslog (ingest) and HTTP lines (web). A single node stores
    // them itself with detection; a cluster node publishes them to the stream.
    let ingest = if plan.runs(Role::Ingest) || plan.runs(Role::Web) {
        let mut ingest_settings = args.ingest.or_file(file.ingest).settings(&data_dir)?;
        if !plan.runs(Role::Ingest) {
            ingest_settings.udp = None;
            ingest_settings.tcp = None;
            ingest_settings.tls = None;
        }
        let drain = match &bus {
            Some(bus) => Drain::Forward(Box::new(mamori_cluster::StreamForward::new(
                bus.clone(),
                store.clone(),
            ))),
            None => Drain::Store(Some(detection()?)),
        };
        Some(crate::ingest::start(&store, ingest_settings, drain).await?)
    } else {
        None
    };
    if let Some(ingest) = &ingest {
        settings.syslog_ports = mamori_web::SyslogPorts {
            udp: ingest.udp.map(|a| a.port()),
            tcp: ingest.tcp.map(|a| a.port()),
            tls: ingest.tls.map(|a| a.port()),
        };
    }
    let detect = match &bus {
        Some(bus) if plan.runs(Role::Detect) => Some(DetectNode::start(bus, &store, detection()?)),
        _ => None,
    };

    let notifier = args
        .smtp
        .or_file(file.smtp)
        .notifier(args.notify.or_file(file.notify).policy()?)?;
    let alert_settings = std::sync::Arc::new(
        args.alerts
            .or_file(file.alerts)
            .settings(settings.public_url.clone(), store.zone())?,
    );
    // A single node runs alerting and the report schedule itself; in a cluster they run on
    // whichever node with the role holds their lock (see `mamori_cluster::lead`).
    let alerting = plan.runs(Role::Alerts).then(|| {
        let (store, notifier, settings) = (store.clone(), notifier.clone(), alert_settings.clone());
        match (&bus, &ingest) {
            // Told at once when this node's own pipeline stored detections.
            (None, Some(ingest)) => Exclusive::Here(Box::new(mamori_alerts::RunningAlerts::start(
                store,
                notifier,
                settings,
                Some(ingest.handle.detections_stored()),
            ))),
            // In a cluster the stage finds detections on its regular look.
            _ => Exclusive::led(store.clone(), mamori_cluster::Duty::Alerts, move || {
                mamori_alerts::RunningAlerts::start(
                    store.clone(),
                    notifier.clone(),
                    settings.clone(),
                    None,
                )
            }),
        }
    });
    let report_args = args.reports.or_file(file.reports);
    let renderer = std::sync::Arc::new(
        mamori_typst::TypstRenderer::new().context("cannot load the fonts for PDF reports")?,
    );
    let reporter = mamori_reports::Reporter::new(store.clone(), renderer)
        .with_public_url(settings.public_url.clone());
    let schedule = report_args.schedule(settings.public_url.clone())?;
    let report_schedule = plan.runs(Role::Reports).then(|| {
        let (reporter, notifier) = (reporter.clone(), notifier.clone());
        let start = move || {
            mamori_reports::RunningReports::start(
                reporter.clone(),
                notifier.clone(),
                schedule.clone(),
            )
        };
        match &bus {
            None => Exclusive::Here(Box::new(start())),
            Some(_) => Exclusive::led(store.clone(), mamori_cluster::Duty::Reports, start),
        }
    });
    let mut state = mamori_web::AppState::new(store.clone(), settings)
        .context("built-in templates are broken")?
        .with_reports(reporter)
        .with_alerting(mamori_web::Alerting {
            notifier,
            settings: alert_settings,
        });
    if let Some(ingest) = &ingest {
        state = state.with_ingest(ingest.handle.clone());
    }
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("cannot listen on {listen} (is another program using it?)"))?;
    let address = listener.local_addr()?;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let shared = store.clone();
    let web = plan.runs(Role::Web);
    let finished = tokio::spawn(async move {
        let housekeeping = tokio::spawn(housekeeping(shared.clone()));
        let ingest_housekeeping = tokio::spawn(crate::ingest::housekeeping(shared.clone()));
        let shutdown = async {
            let _ = stopped.await;
        };
        let served = if web {
            mamori_web::serve(listener, state, shutdown).await
        } else {
            mamori_web::serve_health(listener, state, shutdown).await
        };
        housekeeping.abort();
        ingest_housekeeping.abort();
        if let Some(ingest) = ingest {
            ingest.stop().await;
        }
        if let Some(detect) = detect {
            detect.stop().await;
        }
        if let Some(alerting) = alerting {
            alerting.stop().await;
        }
        if let Some(report_schedule) = report_schedule {
            report_schedule.stop().await;
        }
        shared.close().await;
        Ok(served?)
    });
    Ok(Running {
        address,
        store,
        needs_setup,
        stop,
        finished,
    })
}

/// A part that stops after the work in hand: the alerting stage, the report schedule.
trait Part: Send + 'static {
    /// Stops it.
    fn stop(self: Box<Self>) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>>;
}

impl Part for mamori_alerts::RunningAlerts {
    fn stop(self: Box<Self>) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>> {
        Box::pin((*self).stop())
    }
}

impl Part for mamori_reports::RunningReports {
    fn stop(self: Box<Self>) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>> {
        Box::pin((*self).stop())
    }
}

/// A part that runs once: on this node, or (in a cluster) on whichever node leads it.
enum Exclusive {
    /// Runs here.
    Here(Box<dyn Part>),
    /// Runs here while this node holds the part's lock.
    Led {
        stop: tokio::sync::watch::Sender<bool>,
        task: tokio::task::JoinHandle<()>,
    },
}

impl Exclusive {
    /// Runs what `start` starts whenever this node leads `duty`.
    fn led<P: Part>(
        store: mamori_store::Store,
        duty: mamori_cluster::Duty,
        start: impl Fn() -> P + Send + 'static,
    ) -> Exclusive {
        let (stop, shutdown) = tokio::sync::watch::channel(false);
        let task = tokio::spawn(mamori_cluster::lead(
            store,
            duty,
            move || Box::new(start()),
            |part: Box<P>| part.stop(),
            shutdown,
        ));
        Exclusive::Led { stop, task }
    }

    /// Stops the part after the work in hand, and stops leading it.
    async fn stop(self) {
        match self {
            Exclusive::Here(part) => part.stop().await,
            Exclusive::Led { stop, task } => {
                stop.send_replace(true);
                if let Err(e) = task.await {
                    tracing::error!(error = %e, "a led part failed");
                }
            }
        }
    }
}

/// A cluster's detect node running in this process.
struct DetectNode {
    stop: tokio::sync::watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

impl DetectNode {
    /// Starts taking lines from the stream, with `detection` looking at every batch.
    fn start(
        bus: &mamori_cluster::Bus,
        store: &mamori_store::Store,
        detection: Box<dyn mamori_ingest::pipeline::BatchInspector>,
    ) -> DetectNode {
        let (stop, shutdown) = tokio::sync::watch::channel(false);
        let node = mamori_cluster::run_detect(
            bus.clone(),
            store.clone(),
            Some(detection),
            std::sync::Arc::new(mamori_cluster::DetectStats::default()),
            shutdown,
        );
        let task = tokio::spawn(async move {
            if let Err(e) = node.await {
                tracing::error!(error = %e, "the detect node stopped");
            }
        });
        DetectNode { stop, task }
    }

    /// Finishes the batch in hand and stops.
    async fn stop(self) {
        self.stop.send_replace(true);
        if let Err(e) = self.task.await {
            tracing::error!(error = %e, "the detect node failed");
        }
    }
}

/// Removes expired sessions and old sign-in failures every hour.
async fn housekeeping(store: mamori_store::Store) {
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(3600));
    loop {
        tick.tick().await;
        match store
            .purge_expired(mamori_store::LoginLimits::default().longest_window())
            .await
        {
            Ok(n) => tracing::debug!(removed = n, "housekeeping done"),
            Err(e) => tracing::warn!(error = %e, "housekeeping failed"),
        }
    }
}

/// Completes on Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}
