//! The real `mamori serve` binary for flow tests that need its syslog listener: started on
//! free ports against a test database, with its web and syslog addresses read from what it
//! prints, lines sent the way an edge device sends them, and marked lines counted back.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use std::collections::HashMap;

use mamori_model::Scope;
use mamori_store::{EventFilter, Store};
use mamori_testkit::TestDatabase;

/// A running `mamori serve`.
pub struct Server {
    /// The process, for killing it.
    pub child: Child,
    /// Its syslog TCP address.
    pub syslog: SocketAddr,
    /// Its web address, `http://127.0.0.1:port`.
    pub web: String,
}

/// Starts the real binary with a TCP syslog listener on a free port.
pub fn start(db: &TestDatabase) -> Server {
    start_with(db, &[])
}

/// Starts the real binary like [`start`], with `extra` options for `serve`.
pub fn start_with(db: &TestDatabase, extra: &[&str]) -> Server {
    let (child, syslog, web) = start_node(db, db.data_dir.path(), extra, true);
    Server {
        child,
        syslog: syslog.expect("syslog address"),
        web,
    }
}

/// Starts the real binary with data directory `data_dir` and `extra` options for `serve`,
/// with a TCP syslog listener on a free port (announced unless `syslog` is false: a cluster
/// node without the ingest role has none). Returns the process, the syslog address and the
/// web address.
pub fn start_node(
    db: &TestDatabase,
    data_dir: &std::path::Path,
    extra: &[&str],
    syslog: bool,
) -> (Child, Option<SocketAddr>, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_mamori"))
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--syslog-tcp",
            "127.0.0.1:0",
        ])
        .args(extra)
        .arg("--data-dir")
        .arg(data_dir)
        .args(["--database-url", &db.url])
        // The tests' webhook sinks listen on loopback, which webhooks may not reach otherwise.
        .env("MAMORI_NOTIFY_ALLOW_PRIVATE", "127.0.0.0/8")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start mamori serve");
    let stderr = child.stderr.take().expect("stderr");
    let (found, announced) = mpsc::channel();
    // Keep reading stderr for the life of the process so it never blocks on a full pipe.
    thread::spawn(move || {
        for line in BufReader::new(stderr).lines() {
            let Ok(line) = line else { break };
            if let Some(address) = line.strip_prefix("syslog TCP listening on ") {
                let _ = found.send((true, address.trim().to_owned()));
            } else if let Some(url) = line.strip_prefix("mamori is running at ") {
                let _ = found.send((false, url.trim().trim_end_matches('/').to_owned()));
            }
        }
    });
    let (mut address, mut web) = (None, None);
    while (syslog && address.is_none()) || web.is_none() {
        let (is_syslog, text) = announced
            .recv_timeout(Duration::from_secs(60))
            .expect("mamori announced its addresses");
        if is_syslog {
            address = Some(text.parse().expect("socket address"));
        } else {
            web = Some(text);
        }
    }
    (child, address, web.expect("web address"))
}

/// Sends `lines` on one connection and waits for mamori's close: the acknowledgement.
pub fn send_acknowledged(to: SocketAddr, lines: &[String]) {
    let mut stream = TcpStream::connect(to).expect("connect");
    for l in lines {
        stream.write_all(l.as_bytes()).expect("send");
    }
    stream
        .shutdown(std::net::Shutdown::Write)
        .expect("half-close");
    let mut rest = Vec::new();
    stream
        .read_to_end(&mut rest)
        .expect("mamori closes after queueing");
}

/// How often each marker (the word after `marker ` in a line) is among `org_id`'s stored
/// events.
pub async fn stored_markers(store: &Store, org_id: &str) -> HashMap<String, usize> {
    let handle = store
        .org_store(&Scope::AllOrganisations, org_id)
        .await
        .expect("org");
    let events = handle.events();
    let mut counts = HashMap::new();
    let mut offset = 0;
    loop {
        let page = events
            .search(&EventFilter {
                limit: 1000,
                offset,
                ..EventFilter::default()
            })
            .await
            .expect("search");
        for e in &page.events {
            if let Some(rest) = e.event.raw.split("marker ").nth(1)
                && let Some(marker) = rest.split_whitespace().next()
            {
                *counts.entry(marker.to_owned()).or_insert(0) += 1;
            }
        }
        offset += page.events.len() as i64;
        // The total is exact only up to 10,000: read until a page comes back short.
        if page.events.len() < 1000 {
            return counts;
        }
    }
}
