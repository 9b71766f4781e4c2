//! The running alerting stage inside `mamori serve`: one task turns detections into alerts,
//! one sends queued notifications (several at a time, each retried on its own schedule),
//! one makes the daily digests, one watches for sources that stopped sending. All state is in the store, so a restart picks up where the
//! last run stopped.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use mamori_model::{Scope, Severity};
use mamori_notify::Notifier;
use mamori_store::{AlertFilter, DeliveryKind, Store, now_ms};
use tokio::sync::{Notify, watch};
use tokio::task::JoinSet;

use crate::AlertsError;
use crate::deliver::{deliver_one, provider_name};
use crate::expiries::watch_end_dates;
use crate::notice::{digest_notice, lang_of};
use crate::promote::promote_detections;
use crate::settings::AlertSettings;
use crate::watch::watch_sources;

/// Detections turned into alerts per transaction.
const PROMOTE_BATCH: i64 = 500;

/// How often digests are looked at.
const DIGEST_CHECK: Duration = Duration::from_secs(60);

/// How often sources are checked for silence.
const WATCH_EVERY: Duration = Duration::from_secs(60);

/// How often devices' end dates are checked: they change by the day, so a quarter of an
/// hour is prompt enough and keeps the reads rare.
const END_DATES_EVERY: Duration = Duration::from_secs(15 * 60);

/// The alerting stage's tasks; dropping it does not stop them, [`RunningAlerts::stop`] does.
pub struct RunningAlerts {
    stop: watch::Sender<bool>,
    tasks: JoinSet<()>,
}

impl RunningAlerts {
    /// Starts the stage on `store`, sending through `notifier`. `detections_stored`, when
    /// ingest runs in this process, wakes the stage as soon as new detections are stored;
    /// otherwise it looks every [`AlertSettings::poll`].
    pub fn start(
        store: Store,
        notifier: Arc<Notifier>,
        settings: Arc<AlertSettings>,
        detections_stored: Option<Arc<Notify>>,
    ) -> Self {
        let (stop, stopped) = watch::channel(false);
        let wake = Arc::new(Notify::new());
        let mut tasks = JoinSet::new();
        tasks.spawn(promote_loop(
            store.clone(),
            settings.clone(),
            detections_stored.unwrap_or_default(),
            wake.clone(),
            stopped.clone(),
        ));
        tasks.spawn(delivery_loop(
            store.clone(),
            notifier,
            settings.clone(),
            wake.clone(),
            stopped.clone(),
        ));
        let (s, set) = (store.clone(), settings.clone());
        tasks.spawn(watch_loop(
            "sources",
            WATCH_EVERY,
            wake.clone(),
            stopped.clone(),
            move || {
                let (s, set) = (s.clone(), set.clone());
                async move { look_at_sources(&s, &set).await }
            },
        ));
        let (s, set) = (store.clone(), settings.clone());
        tasks.spawn(watch_loop(
            "end dates",
            END_DATES_EVERY,
            wake,
            stopped.clone(),
            move || {
                let (s, set) = (s.clone(), set.clone());
                async move { look_at_end_dates(&s, &set).await }
            },
        ));
        tasks.spawn(digest_loop(store, settings, stopped));
        RunningAlerts { stop, tasks }
    }

    /// Stops the tasks after the work in hand (notifications being sent finish first).
    pub async fn stop(mut self) {
        let _ = self.stop.send(true);
        while self.tasks.join_next().await.is_some() {}
    }
}

/// Waits `wait`, or less when woken or told to stop; false when told to stop.
async fn pause(wait: Duration, wake: Option<&Notify>, stopped: &mut watch::Receiver<bool>) -> bool {
    if *stopped.borrow() {
        return false;
    }
    let woken = async {
        match wake {
            Some(n) => n.notified().await,
            None => std::future::pending().await,
        }
    };
    tokio::select! {
        _ = tokio::time::sleep(wait) => true,
        _ = woken => true,
        _ = stopped.changed() => !*stopped.borrow(),
    }
}

async fn promote_loop(
    store: Store,
    settings: Arc<AlertSettings>,
    detections_stored: Arc<Notify>,
    wake_delivery: Arc<Notify>,
    mut stopped: watch::Receiver<bool>,
) {
    loop {
        let full = match promote_detections(&store, &settings.rules, PROMOTE_BATCH).await {
            Ok(done) => {
                if done.queued > 0 {
                    wake_delivery.notify_one();
                }
                if !done.created.is_empty() || done.suppressed > 0 {
                    tracing::info!(
                        detections = done.detections,
                        alerts = done.created.len(),
                        grouped = done.grouped,
                        suppressed = done.suppressed,
                        notifications = done.queued,
                        "alerts raised"
                    );
                }
                done.detections as i64 == PROMOTE_BATCH
            }
            Err(e) => {
                tracing::warn!(error = %e, "alerting stage failed; trying again shortly");
                false
            }
        };
        if !full && !pause(settings.poll, Some(&detections_stored), &mut stopped).await {
            return;
        }
        if *stopped.borrow() {
            return;
        }
    }
}

async fn delivery_loop(
    store: Store,
    notifier: Arc<Notifier>,
    settings: Arc<AlertSettings>,
    wake: Arc<Notify>,
    mut stopped: watch::Receiver<bool>,
) {
    let mut in_flight: HashSet<String> = HashSet::new();
    let mut sending: JoinSet<String> = JoinSet::new();
    loop {
        while let Some(done) = sending.try_join_next() {
            if let Ok(id) = done {
                in_flight.remove(&id);
            }
        }
        let room = settings.max_in_flight.saturating_sub(in_flight.len());
        if room > 0 {
            match store
                .due_deliveries(now_ms(), (room + in_flight.len()) as i64)
                .await
            {
                Ok(due) => {
                    let fresh: Vec<_> = due
                        .into_iter()
                        .filter(|d| !in_flight.contains(&d.id))
                        .take(room)
                        .collect();
                    for delivery in fresh {
                        in_flight.insert(delivery.id.clone());
                        let (store, notifier, settings) =
                            (store.clone(), notifier.clone(), settings.clone());
                        sending.spawn(async move {
                            match deliver_one(&store, &notifier, &settings, &delivery).await {
                                Ok(outcome) => {
                                    tracing::debug!(delivery = %delivery.id, ?outcome, "notification handled")
                                }
                                Err(e) => {
                                    tracing::warn!(delivery = %delivery.id, error = %e, "notification not recorded; it stays queued")
                                }
                            }
                            delivery.id
                        });
                    }
                }
                Err(e) => {
                    tracing::warn!(error = %e, "notification queue not readable; trying again shortly")
                }
            }
        }
        tokio::select! {
            keep_going = pause(settings.poll, Some(&wake), &mut stopped) => {
                if !keep_going {
                    while sending.join_next().await.is_some() {}
                    return;
                }
            }
            Some(done) = sending.join_next(), if !sending.is_empty() => {
                if let Ok(id) = done {
                    in_flight.remove(&id);
                }
            }
        }
    }
}

/// Queues the digest for every digest channel whose time has come by `now` (a parameter so
/// schedules can be tested with a fixed clock); returns how many were queued.
pub async fn make_digests(
    store: &Store,
    settings: &AlertSettings,
    now: chrono::DateTime<Utc>,
) -> Result<usize, AlertsError> {
    let due_at = settings.last_digest_time(now).timestamp();
    let provider = provider_name(store).await?;
    let mut queued = 0;
    for channel in store.digest_channels().await? {
        let since = channel.last_digest_at.unwrap_or(channel.created_at);
        if since >= due_at {
            continue;
        }
        let Some(org_id) = channel.org_id.clone() else {
            continue;
        };
        let page = store
            .alerts(
                &Scope::AllOrganisations,
                &AlertFilter {
                    org_id: Some(org_id.clone()),
                    created_from: Some(since),
                    created_to: Some(due_at),
                    limit: 1000,
                    ..AlertFilter::default()
                },
            )
            .await?;
        let low: Vec<_> = page
            .alerts
            .into_iter()
            .filter(|a| a.severity_level() <= Severity::Low)
            .collect();
        if !low.is_empty() {
            let org_name = low[0].org_name.clone();
            let notice =
                digest_notice(settings, &low, lang_of(&channel.lang), &org_name, &provider);
            let text = serde_json::to_string(&notice)?;
            store
                .queue_notice(&channel, DeliveryKind::Digest, &text)
                .await?;
            queued += 1;
        }
        store.mark_digest(&channel.id, due_at).await?;
    }
    Ok(queued)
}

async fn digest_loop(
    store: Store,
    settings: Arc<AlertSettings>,
    mut stopped: watch::Receiver<bool>,
) {
    loop {
        if let Err(e) = make_digests(&store, &settings, Utc::now()).await {
            tracing::warn!(error = %e, "daily digests not made; trying again in a minute");
        }
        if !pause(DIGEST_CHECK, None, &mut stopped).await {
            return;
        }
    }
}

/// Runs `look` now and then every `every` until stopped, waking delivery when it queued
/// notices. `look` logs what it did itself; a failure is logged here and tried again.
async fn watch_loop<F, Fut>(
    what: &'static str,
    every: Duration,
    wake_delivery: Arc<Notify>,
    mut stopped: watch::Receiver<bool>,
    mut look: F,
) where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<usize, AlertsError>>,
{
    loop {
        match look().await {
            Ok(queued) if queued > 0 => wake_delivery.notify_one(),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, what, "not watched; trying again later"),
        }
        if !pause(every, None, &mut stopped).await {
            return;
        }
    }
}

/// One look at the sources' silence; the notices queued.
async fn look_at_sources(store: &Store, settings: &AlertSettings) -> Result<usize, AlertsError> {
    let done = watch_sources(store, settings, mamori_store::now()).await?;
    if done.opened + done.resolved > 0 {
        tracing::info!(
            silent = done.opened,
            back = done.resolved,
            notifications = done.queued,
            "monitored sources watched"
        );
    }
    Ok(done.queued)
}

/// One look at the devices' end dates; the notices queued.
async fn look_at_end_dates(store: &Store, settings: &AlertSettings) -> Result<usize, AlertsError> {
    let done = watch_end_dates(store, settings, mamori_store::now()).await?;
    if done.reminders + done.alerts + done.resolved > 0 {
        tracing::info!(
            reminders = done.reminders,
            alerts = done.alerts,
            resolved = done.resolved,
            notifications = done.queued,
            "devices' end dates watched"
        );
    }
    Ok(done.queued)
}
