//! The log-shipping loop: read what the feed has, put it in the disk buffer, move the feed's
//! position on, then send the buffer's oldest lines to the server until it is empty or the
//! server cannot be reached (then try again later with a growing pause, reading on
//! meanwhile). Lines leave the buffer only once the server has answered that it took them.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use mamori_model::LogShipping;

use crate::buffer::{BufferError, DiskBuffer};
use crate::client::{Client, ClientError};
use crate::logs::{FeedError, LogFeed};

/// Lines read from the feed at a time.
const READ_BATCH: usize = 1_000;
/// Lines sent in one request.
const SEND_LINES: usize = 1_000;
/// Bytes sent in one request (the server takes far more; this keeps requests quick).
const SEND_BYTES: usize = 1 << 20;
/// How long a read waits for a line.
const READ_WAIT: Duration = Duration::from_millis(500);
/// The first and the longest pause after the server could not be reached.
const BACKOFF: (Duration, Duration) = (Duration::from_secs(2), Duration::from_secs(60));

/// How shipping stands, shared with the heartbeat.
#[derive(Debug, Default)]
pub struct Status {
    source: Mutex<String>,
    buffered: AtomicU64,
    dropped: AtomicU64,
}

impl Status {
    /// Notes what is followed, before the first heartbeat tells the server.
    pub fn follow(&self, name: String) {
        if let Ok(mut source) = self.source.lock() {
            *source = name;
        }
    }

    /// What the heartbeat reports.
    pub fn snapshot(&self) -> LogShipping {
        LogShipping {
            source: self.source.lock().map(|s| s.clone()).unwrap_or_default(),
            buffered: self.buffered.load(Ordering::Relaxed),
            dropped: self.dropped.load(Ordering::Relaxed),
        }
    }

    fn update(&self, buffer: &DiskBuffer) {
        self.buffered.store(buffer.len() as u64, Ordering::Relaxed);
        self.dropped.store(buffer.dropped(), Ordering::Relaxed);
    }
}

/// Why shipping stopped for good.
#[derive(Debug, thiserror::Error)]
pub enum ShipError {
    /// The disk buffer failed.
    #[error(transparent)]
    Buffer(#[from] BufferError),
    /// The feed failed.
    #[error(transparent)]
    Feed(#[from] FeedError),
}

/// Ships `feed` through `buffer` to the server with the agent's `token`, for ever (or until
/// the buffer or the feed fails). Problems reaching the server are written to stderr (the
/// service's journal) and retried.
pub fn run(
    mut feed: Box<dyn LogFeed>,
    mut buffer: DiskBuffer,
    client: &Client,
    token: &str,
    status: &Arc<Status>,
) -> Result<(), ShipError> {
    status.update(&buffer);
    let mut next_try = Instant::now();
    let mut backoff = BACKOFF.0;
    loop {
        let lines = feed.read(READ_BATCH, READ_WAIT)?;
        if !lines.is_empty() {
            buffer.push(&lines)?;
            feed.commit()?;
            status.update(&buffer);
        }
        if Instant::now() < next_try {
            continue;
        }
        match send_waiting(&mut buffer, client, token, status) {
            Ok(()) => backoff = BACKOFF.0,
            Err(e) => {
                eprintln!(
                    "cannot ship logs ({} waiting), trying again in {} s: {e}",
                    buffer.len(),
                    backoff.as_secs()
                );
                next_try = Instant::now() + backoff;
                backoff = (backoff * 2).min(BACKOFF.1);
            }
        }
    }
}

/// Why a round of sending stopped; it is tried again later.
#[derive(Debug, thiserror::Error)]
enum SendError {
    /// The server could not be reached or refused.
    #[error(transparent)]
    Server(#[from] ClientError),
    /// The lines sent could not be taken out of the buffer (they will be sent again).
    #[error(transparent)]
    Buffer(#[from] BufferError),
}

/// Sends the buffer's lines oldest first until none waits; stops at the first failure.
fn send_waiting(
    buffer: &mut DiskBuffer,
    client: &Client,
    token: &str,
    status: &Status,
) -> Result<(), SendError> {
    while !buffer.is_empty() {
        let lines = buffer.peek(SEND_LINES, SEND_BYTES);
        let shipped = client.ship(token, &lines)?;
        if !shipped.rejected.is_empty() {
            eprintln!(
                "the server kept {} of the lines sent as unreadable",
                shipped.rejected.len()
            );
        }
        buffer.ack(&lines)?;
        status.update(buffer);
    }
    Ok(())
}
