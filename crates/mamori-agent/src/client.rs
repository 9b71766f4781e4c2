//! Talking to the mamori server: enrolment and heartbeats over HTTPS (HTTP on loopback), with
//! the server's own error message passed on when it refuses.

use std::time::Duration;

use mamori_model::Posture;
use serde::{Deserialize, Serialize};

/// Why a call to the server failed.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The server answered with an error; its message says why.
    #[error("the server refused ({status}): {message}")]
    Refused {
        /// The HTTP status.
        status: u16,
        /// The server's message (in the language asked for).
        message: String,
    },
    /// The server could not be reached or answered something unreadable.
    #[error("cannot reach the server: {0}")]
    Transport(String),
}

/// The server's answer to an enrolment.
#[derive(Debug, Deserialize)]
pub struct Enrolled {
    /// The agent's id.
    pub agent_id: String,
    /// The agent's own token.
    pub token: String,
    /// Seconds between heartbeats.
    pub heartbeat_secs: u64,
}

#[derive(Serialize)]
struct EnrolRequest<'a> {
    token: &'a str,
    hostname: &'a str,
    os: &'a str,
    os_version: &'a str,
    kind: &'a str,
}

#[derive(Serialize)]
struct Heartbeat<'a> {
    posture: &'a Posture,
}

#[derive(Deserialize)]
struct HeartbeatAnswer {
    next_in_secs: u64,
}

#[derive(Deserialize)]
struct ErrorBody {
    error: ErrorDetail,
}

#[derive(Deserialize)]
struct ErrorDetail {
    message: String,
}

/// A connection to one mamori server.
pub struct Client {
    http: ureq::Agent,
    server: String,
}

impl Client {
    /// A client for the server at `server` (`https://…`).
    pub fn new(server: &str) -> Client {
        let config = ureq::Agent::config_builder()
            .timeout_global(Some(Duration::from_secs(30)))
            .http_status_as_error(false)
            .build();
        Client {
            http: config.into(),
            server: server.trim_end_matches('/').to_owned(),
        }
    }

    /// Enrols this machine with enrolment token `token`.
    pub fn enrol(
        &self,
        token: &str,
        hostname: &str,
        (os, os_version): (&str, &str),
        kind: &str,
    ) -> Result<Enrolled, ClientError> {
        let body = EnrolRequest {
            token,
            hostname,
            os,
            os_version,
            kind,
        };
        self.post("/api/v1/agents/enrol", None, &body)
    }

    /// Sends a heartbeat with `posture`; answers the seconds until the next one is due.
    pub fn heartbeat(&self, token: &str, posture: &Posture) -> Result<u64, ClientError> {
        let answer: HeartbeatAnswer = self.post(
            "/api/v1/agents/heartbeat",
            Some(token),
            &Heartbeat { posture },
        )?;
        Ok(answer.next_in_secs)
    }

    fn post<T: for<'de> Deserialize<'de>>(
        &self,
        path: &str,
        token: Option<&str>,
        body: &impl Serialize,
    ) -> Result<T, ClientError> {
        let mut request = self
            .http
            .post(format!("{}{path}", self.server))
            .header("Accept-Language", "ja");
        if let Some(token) = token {
            request = request.header("Authorization", format!("Bearer {token}"));
        }
        let mut response = request
            .send_json(body)
            .map_err(|e| ClientError::Transport(e.to_string()))?;
        let status = response.status().as_u16();
        if response.status().is_success() {
            return response
                .body_mut()
                .read_json()
                .map_err(|e| ClientError::Transport(e.to_string()));
        }
        let message = response
            .body_mut()
            .read_json::<ErrorBody>()
            .map(|b| b.error.message)
            .unwrap_or_else(|_| format!("HTTP {status}"));
        Err(ClientError::Refused { status, message })
    }
}
