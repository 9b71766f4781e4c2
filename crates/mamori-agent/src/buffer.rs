//! The disk buffer between reading logs and shipping them: every line read is on disk before
//! the reader's position moves on, and leaves only when the server has taken it, so a server
//! outage or an agent restart loses nothing while the buffer has room. It is bounded: when a
//! new batch does not fit, the oldest lines go first and are counted, and the count (kept on
//! disk too) is reported with each heartbeat.
//!
//! The queue itself is `queue-file` (a transactional file FIFO: each add and remove is atomic
//! and synced). The bound counts the lines' own bytes; the queue file grows by doubling and
//! is not shrunk, so on disk it may take up to about twice the bound.

use std::fs;
use std::path::{Path, PathBuf};

use queue_file::QueueFile;

use crate::state::keep;

/// The queue file inside the state directory.
const QUEUE: &str = "logs.queue";
/// The count of lines dropped for want of room, as decimal text.
const DROPPED: &str = "logs.dropped";

/// Why the buffer could not be used.
#[derive(Debug, thiserror::Error)]
pub enum BufferError {
    /// The queue file failed.
    #[error("log buffer {path}: {source}")]
    Queue {
        /// The queue file.
        path: PathBuf,
        /// What went wrong.
        source: queue_file::Error,
    },
    /// The dropped-lines count could not be kept.
    #[error("log buffer {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        source: std::io::Error,
    },
}

/// Lines waiting to be shipped, oldest first.
pub struct DiskBuffer {
    queue: QueueFile,
    path: PathBuf,
    dropped_path: PathBuf,
    /// The most bytes of lines kept.
    limit: u64,
    /// Bytes of the lines waiting.
    bytes: u64,
    /// Lines dropped for want of room since the agent was installed.
    dropped: u64,
}

impl DiskBuffer {
    /// Opens the buffer in `dir`, keeping at most `limit` bytes of lines. A queue file that
    /// cannot be read (a disk fault) is set aside under a `.damaged` name, not deleted, and a
    /// new one is started; the returned note says so.
    pub fn open(dir: &Path, limit: u64) -> Result<(DiskBuffer, Option<String>), BufferError> {
        let path = dir.join(QUEUE);
        let dropped_path = dir.join(DROPPED);
        fs::create_dir_all(dir).map_err(|source| BufferError::Io {
            path: dir.to_owned(),
            source,
        })?;
        let (queue, note) = match QueueFile::open(&path) {
            Ok(queue) => (queue, None),
            Err(first) => {
                let aside = path.with_extension("damaged");
                fs::rename(&path, &aside).map_err(|source| BufferError::Io {
                    path: path.clone(),
                    source,
                })?;
                let queue = QueueFile::open(&path).map_err(|source| BufferError::Queue {
                    path: path.clone(),
                    source,
                })?;
                let note = format!(
                    "the log buffer could not be read ({first}); it was kept as {} and a new one started",
                    aside.display()
                );
                (queue, Some(note))
            }
        };
        let bytes = queue.iter().map(|line| line.len() as u64).sum();
        let dropped = fs::read_to_string(&dropped_path)
            .ok()
            .and_then(|text| text.trim().parse().ok())
            .unwrap_or(0);
        Ok((
            DiskBuffer {
                queue,
                path,
                dropped_path,
                limit,
                bytes,
                dropped,
            },
            note,
        ))
    }

    fn queue_error(&self, source: queue_file::Error) -> BufferError {
        BufferError::Queue {
            path: self.path.clone(),
            source,
        }
    }

    /// Adds `lines` after the ones waiting, in one synced write; makes room first by dropping
    /// the oldest lines (the oldest of `lines` themselves when they alone exceed the bound).
    pub fn push(&mut self, lines: &[Vec<u8>]) -> Result<(), BufferError> {
        let mut incoming: u64 = lines.iter().map(|line| line.len() as u64).sum();
        let mut skip = 0;
        while incoming > self.limit && skip < lines.len() {
            incoming -= lines[skip].len() as u64;
            skip += 1;
        }
        let mut dropped = skip as u64;
        let (mut oldest, mut freed) = (0, 0);
        for line in self.queue.iter() {
            if self.bytes - freed + incoming <= self.limit {
                break;
            }
            freed += line.len() as u64;
            oldest += 1;
        }
        if oldest > 0 {
            self.queue
                .remove_n(oldest)
                .map_err(|e| self.queue_error(e))?;
            self.bytes -= freed;
            dropped += oldest as u64;
        }
        if dropped > 0 {
            self.dropped += dropped;
            keep(&self.dropped_path, self.dropped.to_string().as_bytes()).map_err(|source| {
                BufferError::Io {
                    path: self.dropped_path.clone(),
                    source,
                }
            })?;
        }
        self.queue
            .add_n(&lines[skip..])
            .map_err(|e| self.queue_error(e))?;
        self.bytes += incoming;
        Ok(())
    }

    /// Up to `max_lines` of the oldest waiting lines, together at most `max_bytes` (but always
    /// at least one line when any waits).
    pub fn peek(&self, max_lines: usize, max_bytes: usize) -> Vec<Vec<u8>> {
        let mut lines = Vec::new();
        let mut bytes = 0;
        for line in self.queue.iter().take(max_lines) {
            if !lines.is_empty() && bytes + line.len() > max_bytes {
                break;
            }
            bytes += line.len();
            lines.push(line.to_vec());
        }
        lines
    }

    /// Forgets the oldest lines, `sent` (as [`DiskBuffer::peek`] gave them): the server has
    /// taken them.
    pub fn ack(&mut self, sent: &[Vec<u8>]) -> Result<(), BufferError> {
        let freed: u64 = sent.iter().map(|l| l.len() as u64).sum();
        self.queue
            .remove_n(sent.len())
            .map_err(|e| self.queue_error(e))?;
        self.bytes = self.bytes.saturating_sub(freed);
        Ok(())
    }

    /// How many lines wait.
    pub fn len(&self) -> usize {
        self.queue.size()
    }

    /// Whether no line waits.
    pub fn is_empty(&self) -> bool {
        self.queue.is_empty()
    }

    /// Lines dropped for want of room since the agent was installed.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(range: std::ops::Range<u32>) -> Vec<Vec<u8>> {
        range.map(|i| format!("line {i:04}").into_bytes()).collect()
    }

    #[test]
    fn lines_survive_a_restart_until_acknowledged() {
        let dir = tempfile::tempdir().expect("dir");
        {
            let (mut buffer, note) = DiskBuffer::open(dir.path(), 1 << 20).expect("opens");
            assert!(note.is_none());
            buffer.push(&lines(0..5)).expect("push");
            let sent = buffer.peek(2, 1 << 20);
            assert_eq!(sent, lines(0..2));
            buffer.ack(&sent).expect("ack");
        }
        let (buffer, _) = DiskBuffer::open(dir.path(), 1 << 20).expect("reopens");
        assert_eq!(buffer.len(), 3);
        assert_eq!(buffer.peek(10, 1 << 20), lines(2..5));
        assert_eq!(buffer.dropped(), 0);
    }

    #[test]
    fn the_oldest_lines_go_first_and_are_counted() {
        let dir = tempfile::tempdir().expect("dir");
        // Each line is 9 bytes: room for exactly ten.
        let (mut buffer, _) = DiskBuffer::open(dir.path(), 90).expect("opens");
        buffer.push(&lines(0..8)).expect("push");
        buffer.push(&lines(8..13)).expect("push");
        assert_eq!(buffer.len(), 10);
        assert_eq!(buffer.dropped(), 3);
        assert_eq!(buffer.peek(100, 1 << 20), lines(3..13));
        // A batch bigger than the whole buffer keeps its newest lines.
        buffer.push(&lines(100..115)).expect("push");
        assert_eq!(buffer.peek(100, 1 << 20), lines(105..115));
        assert_eq!(buffer.dropped(), 3 + 10 + 5);
        drop(buffer);
        let (buffer, _) = DiskBuffer::open(dir.path(), 90).expect("reopens");
        assert_eq!(buffer.dropped(), 18, "the count survives a restart");
    }

    #[test]
    fn peeks_are_bounded_by_bytes_but_never_empty() {
        let dir = tempfile::tempdir().expect("dir");
        let (mut buffer, _) = DiskBuffer::open(dir.path(), 1 << 20).expect("opens");
        buffer.push(&lines(0..10)).expect("push");
        assert_eq!(buffer.peek(100, 20).len(), 2);
        assert_eq!(buffer.peek(100, 1).len(), 1);
    }

    #[test]
    fn a_damaged_queue_is_set_aside_not_deleted() {
        let dir = tempfile::tempdir().expect("dir");
        fs::write(dir.path().join(QUEUE), b"\xff\xff\xff\xffgarbage").expect("write");
        let (mut buffer, note) = DiskBuffer::open(dir.path(), 1 << 20).expect("opens");
        assert!(note.expect("a note").contains("damaged"));
        assert!(dir.path().join("logs.damaged").exists());
        buffer.push(&lines(0..1)).expect("usable");
    }
}
