//! The appending side of the queue: listeners hand it lines, it writes them to the newest
//! segment in one write per call, syncs by policy, starts new segments, and deletes
//! segments once storage has them.

use std::collections::VecDeque;
use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::pin::pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use serde::Serialize;
use tokio::sync::{Notify, watch};

use super::record::{Line, encode};
use super::{FsyncPolicy, QueueConfig, Segment, segment_path, sync_dir};
use crate::source::Origin;

/// The queue's state under its lock.
struct WriteState {
    /// The newest segment, open for appending.
    file: File,
    /// Every segment not yet deleted, oldest first; the last is `file`.
    segments: VecDeque<Segment>,
    /// The sequence number the next line gets.
    next_seq: u64,
    /// Whether lines were written since the last sync.
    dirty: bool,
    /// Scratch space for encoding, kept to avoid allocating per call.
    scratch: Vec<u8>,
}

pub(super) struct Shared {
    pub(super) config: QueueConfig,
    state: Mutex<WriteState>,
    /// The last sequence number handed to the operating system.
    pub(super) written: watch::Sender<u64>,
    /// The last sequence number known to be on disk by the policy.
    synced: watch::Sender<u64>,
    /// Bytes in the segments not yet deleted.
    disk_bytes: AtomicU64,
    /// Woken when segments are deleted, for listeners waiting for room.
    room: Notify,
}

/// A snapshot of the queue for health pages and benchmarks.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct QueueStats {
    /// The last sequence number written.
    pub written_seq: u64,
    /// The last sequence number synced to disk.
    pub synced_seq: u64,
    /// Disk space in use.
    pub disk_bytes: u64,
    /// Disk space allowed before listeners slow down.
    pub max_bytes: u64,
}

/// The handle listeners append through. Cheap to clone.
#[derive(Clone)]
pub struct Queue {
    pub(super) shared: Arc<Shared>,
}

impl Queue {
    pub(super) fn start(
        config: QueueConfig,
        segments: VecDeque<Segment>,
        next_seq: u64,
    ) -> io::Result<Queue> {
        let newest = segments.back().map(|s| s.first).unwrap_or(next_seq);
        let file = OpenOptions::new()
            .append(true)
            .open(segment_path(&config.dir, newest))?;
        let disk_bytes = segments.iter().map(|s| s.len).sum();
        let last = next_seq - 1;
        Ok(Queue {
            shared: Arc::new(Shared {
                config,
                state: Mutex::new(WriteState {
                    file,
                    segments,
                    next_seq,
                    dirty: false,
                    scratch: Vec::new(),
                }),
                written: watch::Sender::new(last),
                synced: watch::Sender::new(last),
                disk_bytes: AtomicU64::new(disk_bytes),
                room: Notify::new(),
            }),
        })
    }

    fn lock(&self) -> MutexGuard<'_, WriteState> {
        // A panic while holding the lock leaves consistent state: the file is the truth.
        self.shared
            .state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Appends `lines` from `origin`, received at `received_us` (microseconds since the
    /// epoch), in one write; returns the last line's sequence number. The lines are in the
    /// operating system's hands when this returns (and on disk with [`FsyncPolicy::Always`]).
    /// A line cut at the listener's limit keeps its original length (see [`Line`]).
    pub fn append<'a, L>(&self, origin: &Origin, received_us: i64, lines: &[L]) -> io::Result<u64>
    where
        L: Copy + Into<Line<'a>>,
    {
        let mut guard = self.lock();
        let state = &mut *guard;
        if lines.is_empty() {
            return Ok(state.next_seq - 1);
        }
        state.scratch.clear();
        for line in lines {
            encode(
                &mut state.scratch,
                state.next_seq,
                uuid::Uuid::now_v7(),
                received_us,
                origin,
                (*line).into(),
            );
            state.next_seq += 1;
        }
        if let Err(e) = state.file.write_all(&state.scratch) {
            // Roll the numbering back so the file and the sequence stay in step; the partial
            // write is cut off at the next start.
            state.next_seq -= lines.len() as u64;
            return Err(e);
        }
        let last = state.next_seq - 1;
        let added = state.scratch.len() as u64;
        if let Some(newest) = state.segments.back_mut() {
            newest.len += added;
        }
        self.shared.disk_bytes.fetch_add(added, Ordering::Relaxed);
        match self.shared.config.fsync {
            FsyncPolicy::Always => {
                state.file.sync_data()?;
                self.shared.synced.send_replace(last);
            }
            FsyncPolicy::Interval(_) => state.dirty = true,
            FsyncPolicy::Never => {
                self.shared.synced.send_replace(last);
            }
        }
        if state
            .segments
            .back()
            .is_some_and(|s| s.len >= self.shared.config.segment_bytes)
        {
            self.rotate(state)?;
        }
        self.shared.written.send_replace(last);
        Ok(last)
    }

    /// Starts a new segment for the lines after the current one.
    fn rotate(&self, state: &mut WriteState) -> io::Result<()> {
        let dir = &self.shared.config.dir;
        if self.shared.config.fsync != FsyncPolicy::Never {
            state.file.sync_data()?;
            self.shared.synced.send_replace(state.next_seq - 1);
            state.dirty = false;
        }
        state.file = OpenOptions::new()
            .create_new(true)
            .append(true)
            .open(segment_path(dir, state.next_seq))?;
        sync_dir(dir)?;
        state.segments.push_back(Segment {
            first: state.next_seq,
            len: 0,
        });
        Ok(())
    }

    /// Forces written lines to disk now (what the background syncer calls).
    pub fn sync(&self) -> io::Result<()> {
        let (file, last) = {
            let mut state = self.lock();
            if !state.dirty {
                return Ok(());
            }
            state.dirty = false;
            (state.file.try_clone()?, state.next_seq - 1)
        };
        file.sync_data()?;
        self.shared.synced.send_if_modified(|synced| {
            let newer = last > *synced;
            *synced = (*synced).max(last);
            newer
        });
        Ok(())
    }

    /// Runs the background sync of [`FsyncPolicy::Interval`] until `shutdown` turns true,
    /// syncing once more at the end. Returns at once for the other policies.
    pub async fn run_syncer(self, mut shutdown: watch::Receiver<bool>) {
        let FsyncPolicy::Interval(every) = self.shared.config.fsync else {
            return;
        };
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = tick.tick() => {}
                _ = shutdown.wait_for(|stop| *stop) => break,
            }
            let queue = self.clone();
            match tokio::task::spawn_blocking(move || queue.sync()).await {
                Ok(Ok(())) => {}
                Ok(Err(e)) => tracing::error!(error = %e, "syncing the ingest queue failed"),
                Err(e) => tracing::error!(error = %e, "queue sync task failed"),
            }
        }
        if let Err(e) = self.sync() {
            tracing::error!(error = %e, "final sync of the ingest queue failed");
        }
    }

    /// Waits until every line up to `seq` is on disk by the policy: what HTTP ingest waits
    /// for before answering and TCP before closing a connection.
    pub async fn wait_durable(&self, seq: u64) {
        let mut synced = self.shared.synced.subscribe();
        // The sender lives as long as `self`, so this cannot fail.
        let _ = synced.wait_for(|s| *s >= seq).await;
    }

    /// Whether the queue is under its disk bound.
    pub fn has_room(&self) -> bool {
        self.shared.disk_bytes.load(Ordering::Relaxed) < self.shared.config.max_bytes
    }

    /// Waits until the queue is under its disk bound: TCP listeners call this before each
    /// read, so a lagging database slows senders down instead of filling memory or disk.
    pub async fn wait_for_room(&self) {
        loop {
            let mut notified = pin!(self.shared.room.notified());
            notified.as_mut().enable();
            if self.has_room() {
                return;
            }
            notified.await;
        }
    }

    /// Tells the queue that storage holds every line up to `seq`: segments wholly at or
    /// below it are deleted (never the newest).
    pub fn release(&self, seq: u64) -> io::Result<()> {
        let mut removed = Vec::new();
        {
            let mut state = self.lock();
            while state.segments.len() > 1
                && state
                    .segments
                    .get(1)
                    .is_some_and(|next| next.first - 1 <= seq)
            {
                if let Some(old) = state.segments.pop_front() {
                    removed.push(old);
                }
            }
        }
        if removed.is_empty() {
            return Ok(());
        }
        let dir = &self.shared.config.dir;
        for old in &removed {
            std::fs::remove_file(segment_path(dir, old.first))?;
            self.shared.disk_bytes.fetch_sub(old.len, Ordering::Relaxed);
        }
        self.shared.room.notify_waiters();
        Ok(())
    }

    /// The queue's numbers now.
    pub fn stats(&self) -> QueueStats {
        QueueStats {
            written_seq: *self.shared.written.borrow(),
            synced_seq: *self.shared.synced.borrow(),
            disk_bytes: self.shared.disk_bytes.load(Ordering::Relaxed),
            max_bytes: self.shared.config.max_bytes,
        }
    }

    /// The first sequence number of every segment, oldest first (the reader follows them).
    pub(super) fn segment_firsts(&self) -> Vec<u64> {
        self.lock().segments.iter().map(|s| s.first).collect()
    }
}
