//! What the agent keeps between runs: the server it enrolled with and its own token, in one
//! JSON file readable only by the agent's user.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// The file name inside the state directory.
const FILE: &str = "agent.json";

/// The agent's enrolment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct State {
    /// The server's address (`https://mamori.example.co.jp`).
    pub server: String,
    /// The agent's id on the server.
    pub agent_id: String,
    /// The agent's own token (the bearer of its heartbeats and logs).
    pub token: String,
}

/// Why the state could not be kept or read.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    /// Reading or writing the file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        source: std::io::Error,
    },
    /// The file is not the agent's.
    #[error("{path} is not an enrolment this agent wrote: {reason}")]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// What could not be read.
        reason: String,
    },
}

/// Replaces `path` with `bytes` so that a crash leaves the old content or the new, never a
/// mix: written beside it, flushed to disk, then renamed over it. Readable only by this user.
pub fn keep(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut temporary = path.as_os_str().to_owned();
    temporary.push(".new");
    let temporary = PathBuf::from(temporary);
    let mut options = fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(&temporary)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    fs::rename(&temporary, path)
}

impl State {
    /// Writes the state into `dir` (made if missing), readable only by this user.
    pub fn save(&self, dir: &Path) -> Result<PathBuf, StateError> {
        let path = dir.join(FILE);
        let io = |source| StateError::Io {
            path: path.clone(),
            source,
        };
        fs::create_dir_all(dir).map_err(io)?;
        let text = serde_json::to_vec_pretty(self).map_err(|e| StateError::Corrupt {
            path: path.clone(),
            reason: e.to_string(),
        })?;
        keep(&path, &text).map_err(io)?;
        Ok(path)
    }

    /// Reads the state from `dir`.
    pub fn load(dir: &Path) -> Result<State, StateError> {
        let path = dir.join(FILE);
        let text = fs::read(&path).map_err(|source| StateError::Io {
            path: path.clone(),
            source,
        })?;
        serde_json::from_slice(&text).map_err(|e| StateError::Corrupt {
            path,
            reason: e.to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_state_round_trips_and_only_its_owner_reads_it() {
        let dir = tempfile::tempdir().unwrap();
        let state = State {
            server: "http://127.0.0.1:8080".into(),
            agent_id: "a1".into(),
            token: "mms_secret".into(),
        };
        let path = state.save(&dir.path().join("nested")).unwrap();
        assert_eq!(State::load(&dir.path().join("nested")).unwrap(), state);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        fs::write(&path, "{}").unwrap();
        assert!(matches!(
            State::load(&dir.path().join("nested")),
            Err(StateError::Corrupt { .. })
        ));
    }
}
