//! The durable write-ahead queue between the listeners and storage. Every accepted line is
//! written to a segment file on disk before the listener reads on or acknowledges, so a crash
//! or `kill -9` loses nothing that was accepted; after a restart the queue is replayed from
//! the cursor stored with the events, so each line is stored exactly once.
//!
//! Layout of the queue directory: `node-id` (this queue's identity, a UUID, also the key of
//! its cursor in the database) and segment files `<first sequence number>.wal`, each a run
//! of [`record`]s. Segments whose lines are all stored are deleted; the newest segment is
//! always kept so numbering continues after a restart.

mod reader;
mod record;
mod writer;

use std::collections::VecDeque;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::time::Duration;

pub use reader::Reader;
pub use record::{Line, Record, decode_run, encode_record};
pub use writer::{Queue, QueueStats};

use record::{Decoded, decode};

/// When queued lines are forced to disk (`fsync`). A line handed to the operating system
/// survives the process being killed; only a power cut or kernel crash needs the sync.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FsyncPolicy {
    /// After every append, before the listener goes on.
    Always,
    /// In the background every so often (the default: every 100 ms); HTTP ingest and TCP
    /// connection close wait for it.
    Interval(Duration),
    /// Never explicitly; the operating system writes back on its own.
    Never,
}

impl Default for FsyncPolicy {
    fn default() -> Self {
        FsyncPolicy::Interval(Duration::from_millis(100))
    }
}

/// Where the queue lives and how it behaves.
#[derive(Debug, Clone)]
pub struct QueueConfig {
    /// The queue directory (created when missing).
    pub dir: PathBuf,
    /// When to force lines to disk.
    pub fsync: FsyncPolicy,
    /// Size at which a new segment file is started.
    pub segment_bytes: u64,
    /// Disk space the queue may use before TCP reads wait for storage to catch up (and UDP
    /// datagrams are dropped and counted).
    pub max_bytes: u64,
}

impl QueueConfig {
    /// A queue in `dir` with the default policy, 64 MiB segments and a 2 GiB bound.
    pub fn new(dir: impl Into<PathBuf>) -> QueueConfig {
        QueueConfig {
            dir: dir.into(),
            fsync: FsyncPolicy::default(),
            segment_bytes: 64 << 20,
            max_bytes: 2 << 30,
        }
    }
}

/// What can go wrong with the queue.
#[derive(Debug, thiserror::Error)]
pub enum QueueError {
    /// Reading or writing the queue directory failed.
    #[error("queue I/O error: {0}")]
    Io(#[from] io::Error),
    /// A segment holds something that is not a valid record where one must be.
    #[error("queue segment {segment} is damaged at sequence {seq}")]
    Corrupt {
        /// The segment file.
        segment: String,
        /// The sequence number expected there.
        seq: u64,
    },
}

/// A segment file: the sequence number of its first record and its size.
#[derive(Debug, Clone, Copy)]
struct Segment {
    first: u64,
    len: u64,
}

fn segment_path(dir: &Path, first: u64) -> PathBuf {
    dir.join(format!("{first:020}.wal"))
}

/// Reads this queue's identity from `dir/node-id`, creating it on first use.
pub fn node_id(dir: &Path) -> io::Result<String> {
    fs::create_dir_all(dir)?;
    let path = dir.join("node-id");
    match fs::read_to_string(&path) {
        Ok(id) if !id.trim().is_empty() => Ok(id.trim().to_owned()),
        Ok(_) => write_node_id(dir, &path),
        Err(e) if e.kind() == io::ErrorKind::NotFound => write_node_id(dir, &path),
        Err(e) => Err(e),
    }
}

fn write_node_id(dir: &Path, path: &Path) -> io::Result<String> {
    let id = uuid::Uuid::now_v7().to_string();
    let tmp = dir.join("node-id.tmp");
    fs::write(&tmp, &id)?;
    File::open(&tmp)?.sync_all()?;
    fs::rename(&tmp, path)?;
    sync_dir(dir)?;
    Ok(id)
}

/// Makes a file creation, rename or removal in `dir` durable.
fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

/// The segments in `dir`, oldest first.
fn list_segments(dir: &Path) -> io::Result<Vec<u64>> {
    let mut firsts = Vec::new();
    for entry in fs::read_dir(dir)? {
        let name = entry?.file_name();
        let name = name.to_string_lossy();
        if let Some(first) = name.strip_suffix(".wal").and_then(|n| n.parse().ok()) {
            firsts.push(first);
        }
    }
    firsts.sort_unstable();
    Ok(firsts)
}

/// Reads the newest segment, cuts off a record torn by a crash, and returns the sequence
/// number the next record gets.
fn recover_segment(dir: &Path, first: u64) -> io::Result<u64> {
    let path = segment_path(dir, first);
    let mut bytes = Vec::new();
    File::open(&path)?.read_to_end(&mut bytes)?;
    let (mut at, mut next) = (0, first);
    while let Decoded::Record(record, used) = decode(&bytes[at..]) {
        if record.seq != next {
            break;
        }
        at += used;
        next += 1;
    }
    if at < bytes.len() {
        tracing::warn!(
            segment = %path.display(),
            kept = next - first,
            cut_bytes = bytes.len() - at,
            "cutting off a queue record torn by a crash"
        );
        let file = OpenOptions::new().write(true).open(&path)?;
        file.set_len(at as u64)?;
        file.sync_all()?;
    }
    Ok(next)
}

/// Opens (or creates) the queue in `config.dir`, recovering from any crash, and returns the
/// appending handle and the reader positioned after `committed`, the last sequence number
/// the database has stored (see [`node_id`] for the key of that cursor).
pub fn open(config: QueueConfig, committed: u64) -> Result<(Queue, Reader), QueueError> {
    let dir = config.dir.clone();
    fs::create_dir_all(&dir)?;
    let mut firsts = list_segments(&dir)?;
    let mut next_seq = match firsts.last() {
        Some(&last) => recover_segment(&dir, last)?,
        None => committed + 1,
    };
    if committed >= next_seq {
        // The database holds more than this directory: everything here is stored already.
        for first in firsts.drain(..) {
            fs::remove_file(segment_path(&dir, first))?;
        }
        next_seq = committed + 1;
    }
    if firsts.is_empty() {
        File::create(segment_path(&dir, next_seq))?;
        sync_dir(&dir)?;
        firsts.push(next_seq);
    }
    let mut segments = VecDeque::new();
    for (i, &first) in firsts.iter().enumerate() {
        let delivered = firsts
            .get(i + 1)
            .is_some_and(|&after| after - 1 <= committed);
        let path = segment_path(&dir, first);
        if delivered {
            fs::remove_file(&path)?;
        } else {
            segments.push_back(Segment {
                first,
                len: fs::metadata(&path)?.len(),
            });
        }
    }
    let queue = Queue::start(config, segments, next_seq)?;
    let reader = Reader::new(queue.clone(), committed + 1);
    Ok((queue, reader))
}

#[cfg(test)]
mod tests;
