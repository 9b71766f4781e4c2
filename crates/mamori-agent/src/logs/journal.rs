//! Following the systemd journal through `journalctl --follow --output=json`: the journal's
//! own tool reads its files (they change between systemd versions, so no crate reads them as
//! reliably), and its cursor says where to resume after a restart.

use std::ffi::OsString;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, TryRecvError, sync_channel};
use std::time::{Duration, Instant};

use serde::Deserialize;

use super::{FeedError, LogFeed};
use crate::state::keep;

/// The cursor of the last entry safely buffered.
const CURSOR: &str = "journal.cursor";
/// The fields shipped (journalctl always adds the cursor and the time stamps).
const FIELDS: &str = "MESSAGE,SYSLOG_IDENTIFIER,SYSLOG_PID,SYSLOG_FACILITY,PRIORITY,_PID,_COMM,_HOSTNAME,_SYSTEMD_UNIT,_TRANSPORT";
/// Entries read ahead of the buffer; the reader waits when this many are pending.
const READ_AHEAD: usize = 10_000;
/// The least time between two starts of `journalctl` when it keeps ending.
const RESTART_PAUSE: Duration = Duration::from_secs(10);

/// Just the cursor of an entry.
#[derive(Deserialize)]
struct Cursor {
    #[serde(rename = "__CURSOR")]
    cursor: String,
}

/// The journal, followed by a `journalctl` child process.
pub struct Journal {
    program: OsString,
    cursor_path: PathBuf,
    /// The cursor after the lines returned so far.
    read_to: Option<String>,
    child: Child,
    lines: Receiver<Vec<u8>>,
    started: Instant,
}

impl Journal {
    /// Starts following the journal with `program` (normally `journalctl`), after the cursor
    /// kept in `state_dir`, or from now on the first run.
    pub fn start(state_dir: &Path, program: impl Into<OsString>) -> Result<Journal, FeedError> {
        let cursor_path = state_dir.join(CURSOR);
        let read_to = std::fs::read_to_string(&cursor_path)
            .ok()
            .map(|c| c.trim().to_owned())
            .filter(|c| !c.is_empty());
        let program = program.into();
        let (child, lines) = spawn(&program, read_to.as_deref())?;
        Ok(Journal {
            program,
            cursor_path,
            read_to,
            child,
            lines,
            started: Instant::now(),
        })
    }

    /// Starts `journalctl` again after it ended, from the last line returned.
    fn restart(&mut self) -> Result<(), FeedError> {
        // Reap the ended child; its status says nothing the next start will not.
        let _ = self.child.kill();
        let _ = self.child.wait();
        let since = self.started.elapsed();
        if since < RESTART_PAUSE {
            std::thread::sleep(RESTART_PAUSE - since);
        }
        (self.child, self.lines) = spawn(&self.program, self.read_to.as_deref())?;
        self.started = Instant::now();
        Ok(())
    }

    /// Notes the cursor of `line` as the place read to.
    fn advance(&mut self, line: &[u8]) {
        if let Ok(entry) = serde_json::from_slice::<Cursor>(line) {
            self.read_to = Some(entry.cursor);
        }
    }
}

/// Runs `program` to follow the journal, with a thread passing its lines on.
fn spawn(program: &OsString, after: Option<&str>) -> Result<(Child, Receiver<Vec<u8>>), FeedError> {
    let mut command = Command::new(program);
    command.args(["--follow", "--output=json", "--no-pager"]);
    command.arg(format!("--output-fields={FIELDS}"));
    match after {
        Some(cursor) => command.arg(format!("--after-cursor={cursor}")),
        None => command.arg("--lines=0"),
    };
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|source| FeedError::Io {
            path: PathBuf::from(program),
            source,
        })?;
    let stdout = child.stdout.take().ok_or_else(|| FeedError::Io {
        path: PathBuf::from(program),
        source: std::io::Error::other("no output pipe"),
    })?;
    let (send, lines) = sync_channel(READ_AHEAD);
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).split(b'\n') {
            let Ok(line) = line else { break };
            if !line.is_empty() && send.send(line).is_err() {
                break;
            }
        }
    });
    Ok((child, lines))
}

impl LogFeed for Journal {
    fn name(&self) -> String {
        "journal".to_owned()
    }

    fn read(&mut self, max: usize, wait: Duration) -> Result<Vec<Vec<u8>>, FeedError> {
        let mut lines = Vec::new();
        match self.lines.recv_timeout(wait) {
            Ok(line) => lines.push(line),
            Err(RecvTimeoutError::Timeout) => return Ok(lines),
            Err(RecvTimeoutError::Disconnected) => {
                self.restart()?;
                return Ok(lines);
            }
        }
        while lines.len() < max {
            match self.lines.try_recv() {
                Ok(line) => lines.push(line),
                Err(TryRecvError::Empty | TryRecvError::Disconnected) => break,
            }
        }
        if let Some(last) = lines.last().cloned() {
            self.advance(&last);
        }
        Ok(lines)
    }

    fn commit(&mut self) -> Result<(), FeedError> {
        match &self.read_to {
            Some(cursor) => {
                keep(&self.cursor_path, cursor.as_bytes()).map_err(|source| FeedError::Io {
                    path: self.cursor_path.clone(),
                    source,
                })
            }
            None => Ok(()),
        }
    }
}

impl Drop for Journal {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A stand-in for `journalctl` that records its arguments and prints two entries.
    fn fake_journalctl(dir: &Path) -> PathBuf {
        let path = dir.join("journalctl");
        let script = format!(
            "#!/bin/sh\necho \"$@\" >> {args}\nn=$(wc -l < {args})\n\
             echo '{{\"__CURSOR\":\"c'$n'a\",\"MESSAGE\":\"one\"}}'\n\
             echo '{{\"__CURSOR\":\"c'$n'b\",\"MESSAGE\":\"two\"}}'\nsleep 30\n",
            args = dir.join("args").display()
        );
        std::fs::write(&path, script).expect("script");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        }
        path
    }

    #[test]
    fn resumes_after_the_last_committed_cursor() {
        let dir = tempfile::tempdir().expect("dir");
        let program = fake_journalctl(dir.path());
        let mut journal = Journal::start(dir.path(), &program).expect("starts");
        let mut got = Vec::new();
        let deadline = Instant::now() + Duration::from_secs(10);
        while got.len() < 2 && Instant::now() < deadline {
            got.extend(journal.read(10, Duration::from_millis(200)).expect("reads"));
        }
        assert_eq!(got.len(), 2);
        assert!(String::from_utf8_lossy(&got[1]).contains("two"));
        journal.commit().expect("commit");
        drop(journal);
        assert_eq!(
            std::fs::read_to_string(dir.path().join(CURSOR)).expect("cursor"),
            "c1b"
        );
        let mut journal = Journal::start(dir.path(), &program).expect("starts again");
        // Once a line arrives, the stand-in has written down its arguments.
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if !journal
                .read(1, Duration::from_millis(200))
                .expect("reads")
                .is_empty()
            {
                break;
            }
        }
        drop(journal);
        let args = std::fs::read_to_string(dir.path().join("args")).expect("args");
        let runs: Vec<&str> = args.lines().collect();
        assert!(
            runs[0].contains("--lines=0"),
            "first run starts from now: {}",
            runs[0]
        );
        assert!(
            runs[1].contains("--after-cursor=c1b"),
            "second run resumes: {}",
            runs[1]
        );
        assert!(runs[1].contains("--output=json"));
    }
}
