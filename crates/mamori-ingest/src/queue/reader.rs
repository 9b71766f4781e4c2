//! The consuming side of the queue: reads lines back in sequence from the segment files, as
//! far as the writer has written, following segments as they roll over.

use std::fs::File;
use std::io::Read;

use tokio::sync::watch;

use super::record::{Decoded, Record, decode};
use super::{Queue, QueueError, segment_path};

/// Bytes read from a segment at a time.
const CHUNK: usize = 256 << 10;

/// Reads queued lines in order. There is one reader per queue.
pub struct Reader {
    queue: Queue,
    written: watch::Receiver<u64>,
    /// The sequence number of the next line to hand out.
    pub(super) next: u64,
    /// The segment being read: its first sequence number and the open file.
    segment: Option<(u64, File)>,
    buf: Vec<u8>,
    pos: usize,
}

impl Reader {
    pub(super) fn new(queue: Queue, next: u64) -> Reader {
        let written = queue.shared.written.subscribe();
        Reader {
            queue,
            written,
            next,
            segment: None,
            buf: Vec::new(),
            pos: 0,
        }
    }

    /// Waits for at least one line, then returns up to `max` lines in sequence. Returns an
    /// empty batch when `shutdown` turns true first.
    pub async fn next_batch(
        &mut self,
        max: usize,
        shutdown: &mut watch::Receiver<bool>,
    ) -> Result<Vec<Record>, QueueError> {
        loop {
            let written = *self.written.borrow_and_update();
            if written >= self.next {
                let count = (written - self.next + 1).min(max as u64) as usize;
                return self.read(count, written);
            }
            tokio::select! {
                changed = self.written.changed() => {
                    if changed.is_err() {
                        return Ok(Vec::new());
                    }
                }
                _ = shutdown.wait_for(|stop| *stop) => return Ok(Vec::new()),
            }
        }
    }

    /// Reads the next `count` lines, stopping at `written`, the last the writer has written.
    fn read(&mut self, count: usize, written: u64) -> Result<Vec<Record>, QueueError> {
        let mut out = Vec::with_capacity(count);
        while out.len() < count && self.next <= written {
            match decode(&self.buf[self.pos..]) {
                Decoded::Record(record, used) => {
                    self.pos += used;
                    if record.seq < self.next {
                        continue; // already delivered before a restart
                    }
                    if record.seq != self.next {
                        return Err(self.corrupt());
                    }
                    self.next += 1;
                    out.push(record);
                }
                Decoded::Incomplete => {
                    if !self.fill()? {
                        self.open_segment()?;
                    }
                }
                Decoded::Corrupt => return Err(self.corrupt()),
            }
        }
        Ok(out)
    }

    /// Reads more of the current segment; `false` at its end (or when none is open).
    fn fill(&mut self) -> Result<bool, QueueError> {
        let Some((_, file)) = self.segment.as_mut() else {
            return Ok(false);
        };
        self.buf.drain(..self.pos);
        self.pos = 0;
        let start = self.buf.len();
        self.buf.resize(start + CHUNK, 0);
        let n = file.read(&mut self.buf[start..])?;
        self.buf.truncate(start + n);
        Ok(n > 0)
    }

    /// Opens the segment holding line `self.next`: the newest segment starting at or before
    /// it. Reaching the end of a segment moves on to the next one this way.
    fn open_segment(&mut self) -> Result<(), QueueError> {
        let firsts = self.queue.segment_firsts();
        let first = match firsts.iter().rev().find(|&&f| f <= self.next) {
            Some(&first) => first,
            // The database's cursor is older than the queue (restored from a backup): the
            // lines in between were stored and deleted already; go on from the oldest kept.
            None => match firsts.first() {
                Some(&oldest) => {
                    tracing::warn!(
                        cursor = self.next - 1,
                        oldest,
                        "ingest cursor is behind the queue"
                    );
                    self.next = oldest;
                    oldest
                }
                None => return Err(self.corrupt()),
            },
        };
        if self
            .segment
            .as_ref()
            .is_some_and(|(open, _)| *open == first)
        {
            // The record is not where it must be: the file ends before it.
            return Err(self.corrupt());
        }
        let file = File::open(segment_path(&self.queue.shared.config.dir, first))?;
        self.segment = Some((first, file));
        self.buf.clear();
        self.pos = 0;
        Ok(())
    }

    fn corrupt(&self) -> QueueError {
        QueueError::Corrupt {
            segment: self
                .segment
                .as_ref()
                .map(|(first, _)| segment_path(&self.queue.shared.config.dir, *first))
                .unwrap_or_default()
                .display()
                .to_string(),
            seq: self.next,
        }
    }

    /// The appending handle of the same queue.
    pub fn queue(&self) -> &Queue {
        &self.queue
    }
}
