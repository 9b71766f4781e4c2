//! What the agent reads logs from: the systemd journal ([`Journal`]) or a plain log file
//! such as the auth log ([`TailFile`]), both behind [`LogFeed`] so another system's log (the
//! Windows event log, say) can be added beside them. Every feed hands over journal-shaped
//! JSON lines — what the server's `journald` format reads — and remembers its position only
//! when told the lines are safe in the disk buffer, so a restart resumes where it stopped.

mod file;
mod journal;

use std::path::{Path, PathBuf};
use std::time::Duration;

pub use file::TailFile;
pub use journal::Journal;

/// Why a feed could not be read.
#[derive(Debug, thiserror::Error)]
pub enum FeedError {
    /// Reading the log or keeping the position failed.
    #[error("{path}: {source}")]
    Io {
        /// The file or program.
        path: PathBuf,
        /// What went wrong.
        source: std::io::Error,
    },
}

/// A log the agent follows.
pub trait LogFeed: Send {
    /// What is followed, as shown on the server (`journal`, `/var/log/auth.log`).
    fn name(&self) -> String;

    /// Up to `max` new lines, each one JSON object; waits up to `wait` when none is ready.
    fn read(&mut self, max: usize, wait: Duration) -> Result<Vec<Vec<u8>>, FeedError>;

    /// Keeps the position after the lines returned so far: they are in the disk buffer.
    fn commit(&mut self) -> Result<(), FeedError>;
}

/// Which log to follow, as `mamori-agent run --logs` names it (`auto`, `journal`,
/// `auth-log`, `off`, or a file's path).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LogChoice {
    /// The journal where systemd runs, else the first auth log found.
    Auto,
    /// The systemd journal, through `journalctl`.
    Journal,
    /// A plain log file.
    File(PathBuf),
    /// No log: heartbeats only.
    Off,
    /// The first auth log found (what `auto` falls back to without a journal).
    AuthLogs,
}

impl std::str::FromStr for LogChoice {
    type Err = std::convert::Infallible;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s {
            "auto" => LogChoice::Auto,
            "journal" => LogChoice::Journal,
            "auth-log" => LogChoice::AuthLogs,
            "off" => LogChoice::Off,
            path => LogChoice::File(PathBuf::from(path)),
        })
    }
}

/// Auth logs of the common distributions, tried in order when there is no journal.
const AUTH_LOGS: [&str; 2] = ["/var/log/auth.log", "/var/log/secure"];

/// Opens the feed `choice` names, keeping its position in `state_dir`; `None` for `off` or
/// when `auto` finds nothing to follow. With `auto`, a journal that cannot be followed
/// (`journalctl` missing) gives way to the auth log, and the reason is written to stderr.
pub fn open(choice: &LogChoice, state_dir: &Path) -> Result<Option<Box<dyn LogFeed>>, FeedError> {
    let journal =
        || Journal::start(state_dir, "journalctl").map(|j| Box::new(j) as Box<dyn LogFeed>);
    let file =
        |path: &Path| TailFile::open(path, state_dir).map(|f| Box::new(f) as Box<dyn LogFeed>);
    match choice {
        LogChoice::Off => Ok(None),
        LogChoice::Journal => journal().map(Some),
        LogChoice::File(path) => file(path).map(Some),
        LogChoice::Auto if Path::new("/run/systemd/journal").is_dir() => match journal() {
            Ok(feed) => Ok(Some(feed)),
            Err(e) => {
                eprintln!("cannot follow the journal ({e}); looking for an auth log instead");
                open(&LogChoice::AuthLogs, state_dir)
            }
        },
        LogChoice::Auto | LogChoice::AuthLogs => AUTH_LOGS
            .iter()
            .map(Path::new)
            .find(|p| p.is_file())
            .map(file)
            .transpose(),
    }
}

/// The current time as the journal writes it: microseconds since the epoch, as text.
fn now_micros() -> String {
    chrono::Utc::now().timestamp_micros().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn choices_read_as_the_command_line_names_them() {
        let parse = |s: &str| s.parse::<LogChoice>().expect("infallible");
        assert_eq!(parse("auto"), LogChoice::Auto);
        assert_eq!(parse("journal"), LogChoice::Journal);
        assert_eq!(parse("auth-log"), LogChoice::AuthLogs);
        assert_eq!(parse("off"), LogChoice::Off);
        assert_eq!(
            parse("/var/log/secure"),
            LogChoice::File(PathBuf::from("/var/log/secure"))
        );
    }

    #[test]
    fn off_follows_nothing_and_a_file_is_followed_before_it_exists() {
        let dir = tempfile::tempdir().expect("dir");
        assert!(open(&LogChoice::Off, dir.path()).expect("opens").is_none());
        let later = dir.path().join("later.log");
        let feed = open(&LogChoice::File(later.clone()), dir.path())
            .expect("opens")
            .expect("a feed");
        assert_eq!(feed.name(), later.display().to_string());
    }
}
