//! Following a plain log file (the auth log on machines without a journal), as `tail -F`
//! does: new complete lines are read as they are written; when the file is rotated, the old
//! one is read to its end through the handle still open before the new one is started. Each
//! line goes out as a journal-shaped entry whose `MESSAGE` is the whole syslog line.

use std::fs::File;
use std::io::{BufRead, BufReader, Seek, SeekFrom};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use super::{FeedError, LogFeed, now_micros};
use crate::state::keep;

/// How often the file is looked at while nothing new is in it.
const POLL: Duration = Duration::from_millis(250);

/// Where reading stopped: the file (by inode) and the byte after the last line taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
struct Position {
    inode: u64,
    offset: u64,
}

/// A log file followed line by line.
pub struct TailFile {
    path: PathBuf,
    position_path: PathBuf,
    reader: Option<BufReader<File>>,
    /// Where the lines returned so far end.
    read_to: Position,
}

impl TailFile {
    /// Follows `path`, resuming where the position kept in `state_dir` says; the first time
    /// (or when the file was replaced while the agent was stopped) from its end, so an old
    /// log is not shipped as if it were new.
    pub fn open(path: &Path, state_dir: &Path) -> Result<TailFile, FeedError> {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "log".to_owned());
        let position_path = state_dir.join(format!("{name}.position"));
        let kept: Option<Position> = std::fs::read(&position_path)
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok());
        let mut feed = TailFile {
            path: path.to_owned(),
            position_path,
            reader: None,
            read_to: Position {
                inode: 0,
                offset: 0,
            },
        };
        if let Some((file, inode, len)) = feed.open_current()? {
            let offset = match kept {
                Some(kept) if kept.inode == inode && kept.offset <= len => kept.offset,
                Some(kept) if kept.inode == inode => 0,
                _ => len,
            };
            feed.start(file, Position { inode, offset })?;
        }
        Ok(feed)
    }

    fn io(&self, source: std::io::Error) -> FeedError {
        FeedError::Io {
            path: self.path.clone(),
            source,
        }
    }

    /// The file now at the path with its inode and length; `None` while it does not exist
    /// (between a rotation's rename and the new file's creation).
    fn open_current(&self) -> Result<Option<(File, u64, u64)>, FeedError> {
        match File::open(&self.path) {
            Ok(file) => {
                let meta = file.metadata().map_err(|e| self.io(e))?;
                Ok(Some((file, meta.ino(), meta.len())))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(self.io(e)),
        }
    }

    fn start(&mut self, mut file: File, at: Position) -> Result<(), FeedError> {
        file.seek(SeekFrom::Start(at.offset))
            .map_err(|e| self.io(e))?;
        self.reader = Some(BufReader::new(file));
        self.read_to = at;
        Ok(())
    }

    /// Complete lines after the current position, at most `max`.
    fn take_lines(&mut self, max: usize, out: &mut Vec<Vec<u8>>) -> Result<(), FeedError> {
        let Some(reader) = self.reader.as_mut() else {
            return Ok(());
        };
        let mut line = Vec::new();
        while out.len() < max {
            line.clear();
            let n = reader
                .read_until(b'\n', &mut line)
                .map_err(|source| FeedError::Io {
                    path: self.path.clone(),
                    source,
                })?;
            if n == 0 {
                break;
            }
            if line.last() != Some(&b'\n') {
                // A line still being written: read it again whole next time.
                reader
                    .seek_relative(-(n as i64))
                    .map_err(|source| FeedError::Io {
                        path: self.path.clone(),
                        source,
                    })?;
                break;
            }
            self.read_to.offset += n as u64;
            let text = String::from_utf8_lossy(&line);
            let text = text.trim_end_matches(['\n', '\r']);
            if !text.trim().is_empty() {
                out.push(entry(text));
            }
        }
        Ok(())
    }

    /// Switches to a new file at the path once the current one is read to its end.
    fn follow_rotation(&mut self) -> Result<bool, FeedError> {
        match self.open_current()? {
            Some((file, inode, len))
                if inode != self.read_to.inode || len < self.read_to.offset =>
            {
                self.start(file, Position { inode, offset: 0 })?;
                Ok(true)
            }
            _ => Ok(false),
        }
    }
}

/// A log line as a journal-shaped entry: the time it was read and the line itself.
fn entry(line: &str) -> Vec<u8> {
    serde_json::json!({ "__REALTIME_TIMESTAMP": now_micros(), "MESSAGE": line })
        .to_string()
        .into_bytes()
}

impl LogFeed for TailFile {
    fn name(&self) -> String {
        self.path.display().to_string()
    }

    fn read(&mut self, max: usize, wait: Duration) -> Result<Vec<Vec<u8>>, FeedError> {
        let deadline = Instant::now() + wait;
        let mut lines = Vec::new();
        loop {
            self.take_lines(max, &mut lines)?;
            if lines.len() >= max {
                return Ok(lines);
            }
            // At the end of the current file: a rotated file is finished, go on in the new one.
            if self.follow_rotation()? {
                continue;
            }
            if !lines.is_empty() || Instant::now() >= deadline {
                return Ok(lines);
            }
            std::thread::sleep(POLL.min(deadline.saturating_duration_since(Instant::now())));
        }
    }

    fn commit(&mut self) -> Result<(), FeedError> {
        let bytes = serde_json::to_vec(&self.read_to).map_err(|e| self.io(e.into()))?;
        keep(&self.position_path, &bytes).map_err(|source| FeedError::Io {
            path: self.position_path.clone(),
            source,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn append(path: &Path, text: &str) {
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .expect("open");
        file.write_all(text.as_bytes()).expect("write");
    }

    fn messages(lines: &[Vec<u8>]) -> Vec<String> {
        lines
            .iter()
            .map(|l| {
                let v: serde_json::Value = serde_json::from_slice(l).expect("json");
                v["MESSAGE"].as_str().expect("message").to_owned()
            })
            .collect()
    }

    fn read_all(feed: &mut TailFile) -> Vec<String> {
        messages(&feed.read(100, Duration::from_millis(300)).expect("reads"))
    }

    #[test]
    fn starts_at_the_end_then_follows_and_resumes() {
        let dir = tempfile::tempdir().expect("dir");
        let log = dir.path().join("auth.log");
        append(&log, "old line\n");
        let mut feed = TailFile::open(&log, dir.path()).expect("opens");
        assert!(
            read_all(&mut feed).is_empty(),
            "the old content is not shipped"
        );
        append(&log, "one\ntwo\nhalf");
        assert_eq!(read_all(&mut feed), ["one", "two"]);
        feed.commit().expect("commit");
        append(&log, " written\n");
        assert_eq!(read_all(&mut feed), ["half written"]);
        // Not committed: a restart reads it again rather than lose it.
        drop(feed);
        append(&log, "three\n");
        let mut feed = TailFile::open(&log, dir.path()).expect("reopens");
        assert_eq!(read_all(&mut feed), ["half written", "three"]);
    }

    #[test]
    fn a_rotated_file_is_finished_before_the_new_one() {
        let dir = tempfile::tempdir().expect("dir");
        let log = dir.path().join("auth.log");
        append(&log, "");
        let mut feed = TailFile::open(&log, dir.path()).expect("opens");
        append(&log, "before\n");
        std::fs::rename(&log, dir.path().join("auth.log.1")).expect("rotate");
        append(&dir.path().join("auth.log.1"), "late in the old file\n");
        append(&log, "in the new file\n");
        assert_eq!(
            read_all(&mut feed),
            ["before", "late in the old file", "in the new file"]
        );
    }

    #[test]
    fn lines_go_out_as_journal_entries() {
        let line = entry("<38>May  1 10:15:32 web01 sshd[814]: Failed password");
        let value: serde_json::Value = serde_json::from_slice(&line).expect("json");
        assert!(
            value["__REALTIME_TIMESTAMP"]
                .as_str()
                .is_some_and(|t| t.len() >= 16)
        );
        assert!(value.get("SYSLOG_IDENTIFIER").is_none());
    }
}
