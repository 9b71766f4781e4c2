//! Syslog listeners: UDP (RFC 5426), TCP (RFC 6587) and TLS (RFC 5425). Each accepted
//! message goes straight into the durable [`Queue`](crate::queue::Queue) with its
//! [`Origin`]; nothing is parsed here, so listeners stay fast and a parser bug can never lose
//! a line.
//!
//! A TCP or TLS sender knows its lines are safe when mamori closes the connection after the
//! sender closed its side: the close comes only after every line read has been queued and
//! synced. Syslog has no other acknowledgement.

mod framing;
mod stream;
mod tcp;
mod tls;
mod udp;

use std::sync::atomic::{AtomicU64, Ordering};

use serde::Serialize;

pub use framing::Framer;
pub use tcp::run_tcp;
pub use tls::{TlsError, TlsSettings, fingerprint, run_tls};
pub use udp::run_udp;

/// The longest message kept from a TCP or TLS stream unless configured otherwise; of a
/// longer one, the first this many bytes are kept as one message marked with its real
/// length, and the rest is skipped.
pub const MAX_MESSAGE: usize = 64 << 10;

/// What the listeners have seen, for health pages and the benchmark.
#[derive(Debug, Default)]
pub struct Counters {
    /// Messages queued from UDP.
    pub udp: AtomicU64,
    /// Messages queued from TCP.
    pub tcp: AtomicU64,
    /// Messages queued from TLS.
    pub tls: AtomicU64,
    /// Messages queued from HTTP ingest.
    pub http: AtomicU64,
    /// UDP datagrams dropped because the queue was full or could not be written (UDP cannot
    /// be slowed down).
    pub udp_dropped: AtomicU64,
}

/// A snapshot of [`Counters`].
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct CounterSnapshot {
    /// Messages queued from UDP.
    pub udp: u64,
    /// Messages queued from TCP.
    pub tcp: u64,
    /// Messages queued from TLS.
    pub tls: u64,
    /// Messages queued from HTTP ingest.
    pub http: u64,
    /// UDP datagrams dropped.
    pub udp_dropped: u64,
}

impl Counters {
    /// The counters now.
    pub fn snapshot(&self) -> CounterSnapshot {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        CounterSnapshot {
            udp: get(&self.udp),
            tcp: get(&self.tcp),
            tls: get(&self.tls),
            http: get(&self.http),
            udp_dropped: get(&self.udp_dropped),
        }
    }

    /// Counts `n` messages queued from `transport` (`udp`, `tcp`, `tls` or `http`).
    pub fn add(&self, transport: &str, n: u64) {
        let counter = match transport {
            "udp" => &self.udp,
            "tcp" => &self.tcp,
            "tls" => &self.tls,
            _ => &self.http,
        };
        counter.fetch_add(n, Ordering::Relaxed);
    }
}

/// Microseconds since the Unix epoch: the receive time stored with each queued line.
pub fn now_us() -> i64 {
    chrono::Utc::now().timestamp_micros()
}
