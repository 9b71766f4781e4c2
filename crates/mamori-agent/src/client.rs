//! Talking to the mamori server: enrolment and heartbeats over HTTPS (HTTP on loopback), with
//! the server's own error message passed on when it refuses.

use std::time::Duration;

use mamori_model::{LogShipping, Posture};
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
    #[serde(skip_serializing_if = "Option::is_none")]
    logs: Option<&'a LogShipping>,
}

#[derive(Deserialize)]
struct HeartbeatAnswer {
    next_in_secs: u64,
}

/// The server's answer to shipped lines (what it accepted is all the rest).
#[derive(Debug, Deserialize)]
pub struct Shipped {
    /// Lines it refused, each kept on the server with the reason.
    #[serde(default)]
    pub rejected: Vec<serde_json::Value>,
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

    /// Sends a heartbeat with `posture` and, from a running agent, how log shipping stands
    /// (`None` leaves what the server knows as it is); answers the seconds until the next
    /// one is due.
    pub fn heartbeat(
        &self,
        token: &str,
        posture: &Posture,
        logs: Option<&LogShipping>,
    ) -> Result<u64, ClientError> {
        let answer: HeartbeatAnswer = self.post(
            "/api/v1/agents/heartbeat",
            Some(token),
            &Heartbeat { posture, logs },
        )?;
        Ok(answer.next_in_secs)
    }

    /// Ships log lines (each one JSON object) to the ingest API in one NDJSON request. On
    /// success the server has them on disk.
    pub fn ship(&self, token: &str, lines: &[Vec<u8>]) -> Result<Shipped, ClientError> {
        let mut body = Vec::with_capacity(lines.iter().map(|l| l.len() + 1).sum());
        for line in lines {
            body.extend_from_slice(line);
            body.push(b'\n');
        }
        let request = self
            .request("/api/v1/ingest", Some(token))
            .header("Content-Type", "application/x-ndjson");
        Self::answer(request.send(&body[..]))
    }

    fn request(
        &self,
        path: &str,
        token: Option<&str>,
    ) -> ureq::RequestBuilder<ureq::typestate::WithBody> {
        let request = self
            .http
            .post(format!("{}{path}", self.server))
            .header("Accept-Language", "ja");
        match token {
            Some(token) => request.header("Authorization", format!("Bearer {token}")),
            None => request,
        }
    }

    fn post<T: for<'de> Deserialize<'de>>(
        &self,
        path: &str,
        token: Option<&str>,
        body: &impl Serialize,
    ) -> Result<T, ClientError> {
        Self::answer(self.request(path, token).send_json(body))
    }

    /// The body of a successful answer, or the server's own words for a refusal.
    fn answer<T: for<'de> Deserialize<'de>>(
        sent: Result<ureq::http::Response<ureq::Body>, ureq::Error>,
    ) -> Result<T, ClientError> {
        let mut response = sent.map_err(|e| ClientError::Transport(e.to_string()))?;
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
