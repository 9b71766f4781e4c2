//! A real HTTP endpoint on loopback that records every request, for testing webhook, Slack
//! and Teams delivery end to end. Its answer can be changed while it runs to simulate an
//! endpoint that starts failing, or one that redirects elsewhere.

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};

/// One request as the endpoint received it.
#[derive(Debug, Clone)]
pub struct RecordedRequest {
    /// HTTP method, e.g. "POST".
    pub method: String,
    /// The path, e.g. "/hook".
    pub path: String,
    /// The query string without "?", if any.
    pub query: Option<String>,
    /// Header names in lower case; repeated headers joined with ", ".
    pub headers: BTreeMap<String, String>,
    /// The raw body.
    pub body: Vec<u8>,
}

impl RecordedRequest {
    /// The body parsed as JSON; panics with the body text when it is not JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "webhook body is not JSON ({e}): {}",
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    /// One header by (case-insensitive) name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .get(&name.to_ascii_lowercase())
            .map(String::as_str)
    }
}

#[derive(Default)]
struct Shared {
    requests: Mutex<Vec<RecordedRequest>>,
    status: AtomicU16,
    redirect: Mutex<Option<String>>,
}

/// The running endpoint. Stops when dropped.
pub struct WebhookSink {
    addr: SocketAddr,
    shared: Arc<Shared>,
    task: tokio::task::JoinHandle<()>,
}

impl WebhookSink {
    /// Starts listening on a free port of 127.0.0.1, answering 200 to everything.
    pub async fn start() -> WebhookSink {
        WebhookSink::start_on(IpAddr::V4(Ipv4Addr::LOCALHOST)).await
    }

    /// Starts listening on a free port of `ip` (any loopback address: 127.0.0.2, ::1 …).
    pub async fn start_on(ip: IpAddr) -> WebhookSink {
        let shared = Arc::new(Shared {
            requests: Mutex::new(Vec::new()),
            status: AtomicU16::new(200),
            redirect: Mutex::new(None),
        });
        let router = axum::Router::new()
            .fallback(record)
            .with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind(SocketAddr::new(ip, 0))
            .await
            .expect("bind the webhook sink");
        let addr = listener.local_addr().expect("webhook sink address");
        let task = tokio::spawn(async move {
            if let Err(e) = axum::serve(listener, router).await {
                eprintln!("webhook sink stopped: {e}");
            }
        });
        WebhookSink { addr, shared, task }
    }

    /// Makes every following request get `status` (e.g. 500 to simulate a failing endpoint).
    pub fn respond_with(&self, status: u16) {
        self.shared.status.store(status, Ordering::SeqCst);
    }

    /// Makes every following request get `302 Found` with `Location: {location}`.
    pub fn redirect_to(&self, location: &str) {
        *self
            .shared
            .redirect
            .lock()
            .unwrap_or_else(|p| p.into_inner()) = Some(location.to_string());
    }

    /// The socket address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT{path}` (`http://[::1]:PORT…` on IPv6); `path` should start
    /// with "/".
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Every request received so far, oldest first.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared
            .requests
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Waits until at least `n` requests arrived; panics after `timeout` saying how many did.
    pub async fn wait_for(&self, n: usize, timeout: Duration) -> Vec<RecordedRequest> {
        let deadline = Instant::now() + timeout;
        loop {
            let requests = self.requests();
            if requests.len() >= n {
                return requests;
            }
            if Instant::now() >= deadline {
                panic!(
                    "webhook sink: expected {n} request(s) within {timeout:?}, got {}: {:?}",
                    requests.len(),
                    requests.iter().map(|r| &r.path).collect::<Vec<_>>()
                );
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

impl Drop for WebhookSink {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Records the request and answers with the configured redirect or status.
async fn record(
    State(shared): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let mut map: BTreeMap<String, String> = BTreeMap::new();
    for (name, value) in &headers {
        let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
        map.entry(name.as_str().to_ascii_lowercase())
            .and_modify(|v| {
                v.push_str(", ");
                v.push_str(&value);
            })
            .or_insert(value);
    }
    shared
        .requests
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .push(RecordedRequest {
            method: method.to_string(),
            path: uri.path().to_string(),
            query: uri.query().map(str::to_string),
            headers: map,
            body: body.to_vec(),
        });
    let redirect = shared
        .redirect
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .clone();
    if let Some(location) = redirect {
        return (StatusCode::FOUND, [(header::LOCATION, location)]).into_response();
    }
    let code = shared.status.load(Ordering::SeqCst);
    let status = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (status, format!("mamori test sink answered {code}")).into_response()
}
